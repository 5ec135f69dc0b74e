package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// A hostile monitor that claims the victim's EUI-64 and keeps sending messages the station
// never answers with a matching ACK. Each is dead-lettered after queue.poison_attempts, but if the
// attacker's messages shared the victim's ordering key, every message the victim sends would wait behind
// all the attacker's poison queued before it (about poison_attempts backoffs each): the attacker delays
// the victim's data at will and, once the key's head is older than queue.max_age, gets the victim AE.
// The ordering key holds the monitor's connection address as well as the device ID it claims, so the
// victim's messages never queue behind another address's: V1 reaches the station while the attacker's
// poison messages are still queued.
func TestStorePoisonStreamCannotHoldVictim(t *testing.T) {
	const poisons = 12
	st := newStation(t, truncatesMSA2)
	g, _ := startGateway(t, storeConfig(t, st))
	attacker := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.5")
	victim := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.6")
	other := dialMonitorFrom(t, g.ListenerAddr("icu"), "127.0.0.7")

	for i := range poisons { // oru's EUI-64 is the victim's (MON1 below)
		attacker.mustAA(t, oru("EVIL", fmt.Sprintf("POISON%02d-0000000000000000000000", i)), "poison message")
	}
	victim.mustAA(t, oru("MON1", "V1"), "V1")
	delivered := func() bool { return slices.Contains(controlIDs(t, st.received()), "V1") }
	for i := 0; !delivered(); i++ { // the others' answered messages are what make the poison strikes count
		if i == 2000 {
			t.Fatalf("V1 not delivered after 2000 of another monitor's messages")
		}
		ctrl := fmt.Sprintf("O%d", i)
		other.mustAA(t, withEUI(oru("MON2", ctrl), "0009FBFFFF0593AA"), ctrl)
		n := len(st.received())
		st.update.waitFor(5*time.Second, func() bool { return len(st.received()) > n })
	}
	ids := controlIDs(t, st.received())
	last := fmt.Sprintf("POISON%02d", poisons-1)
	v1 := slices.Index(ids, "V1")
	if i := slices.IndexFunc(ids, func(id string) bool { return strings.HasPrefix(id, last) }); i >= 0 && i < v1 {
		t.Fatalf("V1 reached the station only after the attacker's last poison message (position %d, V1 at %d of %d): the victim waited behind the attacker's messages", i, v1, len(ids))
	}
}
