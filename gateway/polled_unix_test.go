//go:build unix

package gateway

import (
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// pollingGateway starts a gateway in front of station and dials it; c fails its reads after 20 s. Nothing
// is parked and the idle timeout is a minute, so that a frame the session's loop failed to see hangs the
// exchange (parking would wake it after parkAfter) instead of being answered late.
func pollingGateway(t *testing.T, station net.Addr) net.Conn {
	t.Helper()
	_, c := dialGateway(t, station, time.Minute, 20*time.Second, func(g *Gateway) { g.parkOff = true })
	return c
}

// dialGateway starts a gateway with the vital-sign checks off whose listener closes connections idle for
// idle (see startGateway), and dials it; the connection's reads and writes fail after deadline, so that a
// session never answered fails the test instead of hanging it.
func dialGateway(t *testing.T, station net.Addr, idle, deadline time.Duration, tune func(*Gateway)) (*Gateway, net.Conn) {
	t.Helper()
	g := startGateway(t, config.ListenerConfig{IdleTimeout: idle}, station, false, tune)
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	return g, dialListener(t, g, deadline)
}

// dialListener dials g's listener "icu"; the connection's reads and writes fail after deadline, and it is
// closed when the test ends.
func dialListener(t *testing.T, g *Gateway, deadline time.Duration) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", g.ListenerAddr("icu").String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(deadline)); err != nil {
		t.Fatal(err)
	}
	return c
}

// startGateway starts a gateway whose one listener, "icu", has lc's settings on a loopback port for
// loopback sources and routes every message to station, with the vital-sign checks on or off and tune
// applied before Start. The caller shuts it down.
func startGateway(tb testing.TB, lc config.ListenerConfig, station net.Addr, vitals bool, tune func(*Gateway)) *Gateway {
	tb.Helper()
	lc.Name, lc.Address, lc.AllowSources = "icu", "127.0.0.1:0", []string{"127.0.0.0/8"}
	cfg := config.Config{
		Listeners: []config.ListenerConfig{lc},
		Stations:  []config.StationConfig{{Name: "central", Address: station.String()}},
		Routes:    []policy.RouteConfig{{Name: "all", Stations: []string{"central"}}},
	}
	if vitals {
		cfg.Vitals = config.Default().Vitals // a zero Config has the checks off
	}
	return startConfig(tb, cfg, tune)
}

func pollMsg(i int) []byte {
	return []byte("MSH|^~\\&|MON|ICU|CENTRAL|HOSP|20261125120000||ORU^R01|M" + strconv.Itoa(i) + "|P|2.6\r" +
		"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|" + strings.Repeat("9", 200) + "|%|||||F\r")
}

func readAcks(t *testing.T, c net.Conn, from, to int) {
	t.Helper()
	r := mllp.NewReader(c, 0)
	for i := from; i < to; i++ {
		ack, err := r.ReadFrame()
		if err != nil || !strings.Contains(string(ack), "MSA|AA|M"+strconv.Itoa(i)+"\r") {
			t.Fatalf("message %d: ACK %q, %v", i, ack, err)
		}
	}
}

// A monitor's next frame that arrives after the gateway read its previous one but before that one's ACK
// went out (a pipelining monitor) is answered at once: the session's wait after the ACK, which does not
// read first (loopPolled), sees it.
func TestPolledFrameBeforeAck(t *testing.T) {
	got, sent := make(chan struct{}), make(chan struct{})
	station := testkit.GatedStation(t, func(m *hl7.Message) {
		if string(m.ControlID()) == "M0" {
			got <- struct{}{} // the gateway has read M0 and waits for its ACK
			<-sent            // M1 is in the gateway's socket
		}
	})
	c := pollingGateway(t, station)
	w := mllp.NewWriter(c)
	if err := w.WriteFrame(pollMsg(0)); err != nil {
		t.Fatal(err)
	}
	<-got
	if err := w.WriteFrame(pollMsg(1)); err != nil {
		t.Fatal(err)
	}
	close(sent)
	readAcks(t, c, 0, 2)
}

// A burst larger than the session's read buffer fills it: what the socket still holds then is read
// before the session waits, and every frame is answered in order.
func TestPolledBurstFillsBuffer(t *testing.T) {
	c := pollingGateway(t, testkit.AckStation(t))
	const n = 60 // about 15 KB, several 4 KiB buffers
	var burst []byte
	for i := range n {
		var err error
		if burst, err = mllp.AppendFrame(burst, pollMsg(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Write(burst); err != nil {
		t.Fatal(err)
	}
	readAcks(t, c, 0, n)
}

// A monitor in a closed loop on loopback has its session spin for its next message (session.spin): every
// message, including one whose frame comes in two pieces, is answered in order, and the monitor's close
// after its last ACK ends the session (the spin hands the end of the stream to the read).
func TestPolledSpinClosedLoop(t *testing.T) {
	c := pollingGateway(t, testkit.AckStation(t))
	r := mllp.NewReader(c, 0)
	for i := range 200 {
		frame, err := mllp.AppendFrame(nil, pollMsg(i))
		if err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 { // half a frame first: the rest comes after the session has read the half
			if _, err := c.Write(frame[:len(frame)/2]); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Microsecond) // the pieces' timing, not a synchronisation
			frame = frame[len(frame)/2:]
		}
		if _, err := c.Write(frame); err != nil {
			t.Fatal(err)
		}
		ack, err := r.ReadFrame()
		if err != nil || !strings.Contains(string(ack), "MSA|AA|M"+strconv.Itoa(i)+"\r") {
			t.Fatalf("message %d: ACK %q, %v", i, ack, err)
		}
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("after the monitor's close: %v, want the gateway to close too (io.EOF)", err)
	}
}
