package config

import (
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/gateway/export"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

func TestValidateExportAndInventory(t *testing.T) {
	cfg := egressConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("base configuration: %v", err)
	}
	if cfg.Inventory.MaxDevices != DefaultMaxDevices {
		t.Fatalf("inventory.max_devices default %d", cfg.Inventory.MaxDevices)
	}
	cfg.Inventory.MaxDevices = -1
	cfg.Inventory.Watchlist = []inventory.Entry{{Name: "contec-cms8000", Model: "X"}, {Name: "empty"}}
	cfg.Export.Syslog = []export.SyslogConfig{{Name: "soc", Address: "no port", Transport: "udp"}}
	cfg.Export.Webhook = []export.WebhookConfig{{Name: "soc", URL: "http://192.0.2.9/hook"}}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("invalid export and inventory sections pass")
	}
	// Every problem at once, each naming its key.
	for _, want := range []string{
		"inventory.max_devices: -1",
		`inventory.watchlist[0].name: "contec-cms8000" is used twice`,
		"inventory.watchlist[1]: sets none of",
		"export.syslog[0].address",
		"export.syslog[0].transport",
		`export.webhook[0].name: "soc" is also the name of export.syslog[0]`,
		"export.webhook[0].url",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
}
