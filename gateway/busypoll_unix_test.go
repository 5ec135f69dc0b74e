//go:build unix

package gateway

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// busyPolls reads hl7gate_busy_polls_total: the waits for a station's answer and for a monitor's next
// message that polled.
func busyPolls(t *testing.T, g *Gateway) (answer, next float64) {
	t.Helper()
	return waitCounts(t, g, "hl7gate_busy_polls_total")
}

// waitCounts reads the counter name's two series by wait: station_answer and next_message.
func waitCounts(t *testing.T, g *Gateway, name string) (answer, next float64) {
	t.Helper()
	mfs, err := g.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			switch m.GetLabel()[0].GetValue() {
			case "station_answer":
				answer = m.GetCounter().GetValue()
			case "next_message":
				next = m.GetCounter().GetValue()
			}
		}
	}
	return answer, next
}

// setBusyPoll reloads g's configuration with delivery.busy_poll d.
func setBusyPoll(t *testing.T, g *Gateway, d time.Duration) {
	t.Helper()
	cfg := g.rt.Load().cfg
	cfg.Delivery.BusyPoll = &d
	if err := g.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if got := g.spins.budget(); got != d {
		t.Fatalf("after the reload the waits may poll for %v, want %v", got, d)
	}
}

// delivery.busy_poll on real sockets (a monitor on loopback sending its messages in pairs, a station that
// answers at once). On (1ms), waits for the station's answer and for the monitor's next message poll, polls
// for the station's answer find it (hl7gate_busy_polls_found_total; the next message is found only when
// this test's own round trip beats the bound, which under the race detector it mostly does not, so for it
// only found ≤ polled is checked), and the session handling a message is counted as serving (the station
// looks while it holds the message); after a reload to 0 none polls or finds, on the same connections,
// and no session is counted.
//
// The pairs make the polls for the next message certain: the second message of a pair was read with the
// first, so its wait took no time and the wait after its answer polls (loopPolled polls only after a
// quick wait, under 2 × busy_poll). A monitor sending one message at a time polled only while this
// test's round trip stayed under 2 ms, which under the race detector at GOMAXPROCS=1 it mostly did not
// (review15: 2 of 3 runs found no poll in 20 s). With one P the station in this process cannot answer
// while an exchange polls for its answer, so there only found ≤ polled is checked for answers too.
func TestBusyPollSetting(t *testing.T) {
	var (
		gp                atomic.Pointer[Gateway]
		counted, counted0 atomic.Int32 // messages the station got while a session was counted: all, busy_poll 0
		off               atomic.Bool
	)
	station := testkit.GatedStation(t, func(*hl7.Message) {
		if g := gp.Load(); g != nil && g.spins.serving.Load() > 0 {
			counted.Add(1)
			if off.Load() {
				counted0.Add(1)
			}
		}
	})
	g, c := dialGateway(t, station, time.Minute, time.Minute, func(g *Gateway) { g.parkOff = true })
	gp.Store(g)
	r := mllp.NewReader(c, 0)
	send := func(i int) { // messages i and i+1, in one write
		t.Helper()
		var frames []byte
		for k := i; k < i+2; k++ {
			var err error
			if frames, err = mllp.AppendFrame(frames, pollMsg(k)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Write(frames); err != nil {
			t.Fatal(err)
		}
		for k := i; k < i+2; k++ {
			if ack, err := r.ReadFrame(); err != nil || !strings.Contains(string(ack), "MSA|AA|M"+strconv.Itoa(k)+"\r") {
				t.Fatalf("message %d: ACK %q, %v", k, ack, err)
			}
		}
	}
	setBusyPoll(t, g, time.Millisecond)
	oneP := runtime.GOMAXPROCS(0) == 1
	i := 0
	for deadline := time.Now().Add(20 * time.Second); ; i += 2 {
		answer, next := busyPolls(t, g)
		foundAnswer, foundNext := waitCounts(t, g, "hl7gate_busy_polls_found_total")
		if foundAnswer > answer || foundNext > next {
			t.Fatalf("busy_poll 1ms: polls found %v answers in %v polls and %v next messages in %v", foundAnswer, answer, foundNext, next)
		}
		if (foundAnswer > 0 || oneP && answer > 0) && next > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("busy_poll 1ms: after %d messages %v of %v polls for the station's answer found it and %v waits for the next message polled; want some of both",
				i, foundAnswer, answer, next)
		}
		send(i)
	}
	if counted.Load() == 0 {
		t.Fatalf("busy_poll 1ms: no session counted as serving in %d messages", i)
	}
	setBusyPoll(t, g, 0)
	off.Store(true)
	answer, next := busyPolls(t, g)
	foundAnswer, foundNext := waitCounts(t, g, "hl7gate_busy_polls_found_total")
	for end := i + 200; i < end; i += 2 {
		send(i)
	}
	if a, n := busyPolls(t, g); a != answer || n != next {
		t.Fatalf("busy_poll 0: %v waits for the station's answer and %v for the next message polled in 200 messages; want none",
			a-answer, n-next)
	}
	if a, n := waitCounts(t, g, "hl7gate_busy_polls_found_total"); a != foundAnswer || n != foundNext {
		t.Fatalf("busy_poll 0: %v polls for the station's answer and %v for the next message found it in 200 messages; want none",
			a-foundAnswer, n-foundNext)
	}
	if n := counted0.Load(); n != 0 {
		t.Fatalf("busy_poll 0: a session was counted as serving for %d of 200 messages", n)
	}
}
