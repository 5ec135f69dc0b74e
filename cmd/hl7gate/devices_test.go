package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway"
	"github.com/hl7gate/hl7gate/gateway/admin"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// deviceMessage is a PCD-01 ORU^R01 whose MDS and product rows name the device.
func deviceMessage(eui, manufacturer, model, firmware string) []byte {
	return []byte("MSH|^~\\&|" + model + "^" + eui + "^EUI-64|ICU|CENTRAL|HOSP|20261125120000||ORU^R01^ORU_R01|C1|P|2.6\r" +
		"PID|||MRN12345^^^HOSP^MR||SECRETNAME^PATIENT\r" +
		"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||" + eui + "^^" + eui + "^EUI-64\r" +
		"OBX|2|ST|531970^MDC_ID_MODEL_MANUFACTURER^MDC|1.0.0.1|" + manufacturer + "||||||R\r" +
		"OBX|3|ST|531969^MDC_ID_MODEL_NUMBER^MDC|1.0.0.2|" + model + "||||||R\r" +
		"OBX|4|ST|531976^MDC_ID_PROD_SPEC_FW^MDC|1.0.0.3|" + firmware + "||||||R\r" +
		"OBX|5|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R\r")
}

// hl7gate devices prints the inventory of a running gateway, the watchlisted device marked, as a table
// and as JSON; without the token it fails and says why.
func TestDevices(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("devices-test-token-0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{
		Listeners: []config.ListenerConfig{{Name: "icu", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}},
		Stations:  []config.StationConfig{{Name: "central", Address: testkit.AckStation(t).String()}},
		Routes:    []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
		Admin:     config.AdminConfig{Address: "127.0.0.1:0", TokenFile: token},
	}
	ctx, cancel := context.WithCancel(t.Context())
	started := make(chan *gateway.Gateway, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, zerolog.Nop(), nil, func(g *gateway.Gateway) { started <- g }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	var g *gateway.Gateway
	select {
	case g = <-started:
	case err := <-done:
		t.Fatal(err)
	}
	for _, msg := range [][]byte{
		deviceMessage("0009FBFFFF059322", "Contec", "CMS8000", "CMS7.820.075.08/0.74(0.75)"),
		deviceMessage("00A0C9FFFE000001", "ACME", "M3", "4.2"),
	} {
		c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
		if err != nil {
			t.Fatal(err)
		}
		if err := mllp.NewWriter(c).WriteFrame(msg); err != nil {
			t.Fatal(err)
		}
		frame, err := mllp.NewReader(c, 0).ReadFrame()
		var ack hl7.Message
		if err != nil || ack.Parse(frame) != nil {
			t.Fatalf("no ACK: %v", err)
		}
		if code, _, _ := hl7.ParseAck(&ack); code != hl7.AA {
			t.Fatalf("ACK %s", code)
		}
		c.Close()
	}
	url := "http://" + g.AdminAddr().String()

	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"devices", "--admin", url, "--token-file", token}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, &errb)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "    DEVICE") ||
		!strings.HasPrefix(lines[2], "    00A0C9FFFE000001  ACME") || !strings.HasSuffix(lines[2], "-") ||
		!strings.HasPrefix(lines[1], "!!  0009FBFFFF059322  Contec") ||
		!strings.HasSuffix(lines[1], "contec-cms8000 ICSMA-25-030-01 CVE-2024-12248 CVE-2025-0626 CVE-2025-0683 CVE-2025-1204") ||
		lines[3] != "2 devices, 1 on the vulnerable-model watchlist" {
		t.Errorf("table:\n%s", &out)
	}
	if strings.Contains(out.String(), "SECRETNAME") || strings.Contains(out.String(), "MRN12345") {
		t.Errorf("patient data in the table:\n%s", &out)
	}

	out.Reset()
	if code := run(t.Context(), []string{"devices", "--admin", url, "--token-file", token, "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, &errb)
	}
	var devs []admin.Device
	if err := json.Unmarshal(out.Bytes(), &devs); err != nil || len(devs) != 2 || devs[0].Watchlist == nil ||
		devs[0].Watchlist.Advisory != "ICSMA-25-030-01" || devs[0].Model != "CMS8000" || devs[1].Watchlist != nil ||
		devs[0].Addresses[0] != "127.0.0.1" || devs[0].Listeners[0] != "icu" || devs[0].MessageTypes[0] != "ORU^R01" {
		t.Errorf("--json: %v\n%s", err, &out)
	}

	errb.Reset()
	if code := run(t.Context(), []string{"devices", "--admin", url}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "401 Unauthorized") || !strings.Contains(errb.String(), "--token-file") {
		t.Errorf("without the token: exit %d: %s", code, &errb)
	}
}
