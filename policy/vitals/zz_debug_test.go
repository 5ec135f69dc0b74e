package vitals_test

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
	"github.com/hl7gate/hl7gate/policy/vitals/sim"
)

func TestZZDebug(t *testing.T) {
	from, _ := strconv.Atoi(os.Getenv("FROM"))
	to, _ := strconv.Atoi(os.Getenv("TO"))
	n, _ := strconv.Atoi(os.Getenv("N"))
	kind := sim.Kind(os.Getenv("KIND"))
	e, _ := vitals.NewEngine(vitals.DefaultConfig())
	var m hl7.Message
	var buf []byte
	var fs []vitals.Finding
	for id := from; id < to; id++ {
		mon := sim.NewMonitor(sim.Options{ID: id, Seed: 1, Manipulation: kind})
		src := netip.AddrFrom4([4]byte{10, 0, byte(id >> 8), byte(id)})
		for i := 0; i < n; i++ {
			b, at, l := mon.Next(buf[:0])
			buf = b
			m.Parse(b)
			fs = e.Observe(src, &m, at, fs[:0])
			if os.Getenv("DUMP") != "" && (l.Active || strconv.Itoa(l.Index) == os.Getenv("DUMP")) {
				fmt.Printf("%q\n", b)
			}
			for _, f := range fs {
				fmt.Printf("id=%d idx=%d act=%v [%d,%d] %s %s v=%g o=%g th=%g %s\n", id, l.Index, l.Active, l.First, l.Last, f.Rule, f.Parameter, f.Value, f.Other, f.Threshold, f.Explanation)
			}
		}
	}
}
