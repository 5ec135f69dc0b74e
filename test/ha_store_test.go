//go:build linux

package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/internal/loadgen"
	"github.com/hl7gate/hl7gate/test/netns"
)

// TestFailoverStoreMode checks what docs/high-availability.md says of store mode in the keepalived pair:
// a node's queue is its own. The pair of TestFailover runs with its route in store mode and the station
// unreachable (its link down): monitors get AA (queued) through the virtual address from the active
// node, whose hl7gate is then killed; the other node takes the address and queues the monitors' next
// messages. The station comes back: that node delivers its queue. Then hl7gate runs again on the failed
// node, as standby, and delivers what it had queued. In the end every AA's message is at the station.
func TestFailoverStoreMode(t *testing.T) {
	netns.Require(t)
	haRequire(t)
	bin := buildHL7gate(t)
	n := newHANet(t, bin, haWatchOff)

	// The same configuration on both nodes but for the queue directory: here both namespaces share one
	// filesystem, in a real pair each node has its own disk.
	base, err := os.ReadFile(n.config)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(n.config)
	cfgOf := map[*haNode]string{}
	for _, g := range []*haNode{n.a, n.b} {
		cfg := strings.Replace(string(base), "  - {name: all, stations: [central]}",
			"  - {name: all, stations: [central], delivery: store}", 1) +
			"queue: {directory: " + filepath.Join(dir, "queue-"+g.name) + ", retry_min: 20ms, retry_max: 200ms}\n"
		cfgOf[g] = filepath.Join(dir, "hl7gate-store-"+g.name+".yaml")
		if err := os.WriteFile(cfgOf[g], []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n.st.IP(t, "link", "set", "s0", "down") // the station is unreachable from here on
	for _, g := range []*haNode{n.a, n.b} {
		g.hl7gate.stop(t)
		g.hl7gate = startProc(t, g.ns, "hl7gate-store-"+g.name, bin, "serve", "--config", cfgOf[g])
	}
	active, standby := n.waitActive(t)

	mons := n.startMonitors(t)
	mons.waitAcked(t, 5, time.Time{}, time.Time{})
	event := time.Now()
	active.hl7gate.kill(t)
	after := time.Now()
	n.waitVIP(t, standby)
	mons.waitAcked(t, 5, after, event)
	mons.stop()
	if got := len(n.station.Records()); got != 0 {
		t.Fatalf("the station got %d messages while unreachable", got)
	}

	// The station is back: the active node delivers its queue; the failed node's stays on its disk.
	n.st.IP(t, "link", "set", "s0", "up")
	acked := map[uint64]bool{}
	var before, onB int
	mons.mu.Lock()
	for _, sends := range mons.sends {
		for _, s := range sends {
			if s.answer == loadgen.AckAA {
				acked[s.id] = true
				if s.start.Before(event) {
					before++
				} else if s.start.After(after) {
					onB++
				}
			}
		}
	}
	mons.mu.Unlock()
	arrived := func() (got, missing int) {
		seen := map[uint64]bool{}
		for _, r := range n.station.Records() {
			seen[r.ID] = true
		}
		for id := range acked {
			if seen[id] {
				got++
			} else {
				missing++
			}
		}
		return got, missing
	}
	n.poll(t, 20*time.Second, "the active node's queue delivered", func() bool { got, _ := arrived(); return got >= onB })
	_, missingBefore := arrived()
	if missingBefore < before {
		t.Errorf("%d AA'd messages missing at the station before the failed node returns, want at least the %d it queued", missingBefore, before)
	}

	// hl7gate runs again on the failed node (standby: keepalived does not move the address back) and
	// delivers its queue.
	active.hl7gate = startProc(t, active.ns, "hl7gate-store-"+active.name+"-again", bin, "serve", "--config", cfgOf[active])
	n.poll(t, 20*time.Second, "the failed node's queue delivered", func() bool { _, missing := arrived(); return missing == 0 })
	if !n.holdsVIP(t, standby) || n.holdsVIP(t, active) {
		t.Error("the address moved back to the failed node")
	}
	t.Logf("store mode, node %s killed: %d messages AA'd before the kill, %d after it through node %s; "+
		"%d AA'd messages waited on the failed node's disk until its hl7gate ran again; all %d at the station",
		active.name, before, onB, standby.name, missingBefore, len(acked))
}
