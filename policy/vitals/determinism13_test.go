package vitals_test

import (
	"math"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/sim"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestFindingsDeterministic: the same messages at the same arrival times give the same findings, field
// for field, in two engines, whatever the order the monitors' messages interleave in. Monitors at 1 s and
// 2 s (several messages per remembered one, so the near-replay's offPhase and its ring run), adult and
// neonatal, clean and manipulated (replays, spikes and steps, the cuff and the line, a patient changed),
// 25 min each, manipulated from the middle.
func TestFindingsDeterministic(t *testing.T) {
	type arrival struct {
		src netip.Addr
		m   *hl7.Message
		at  time.Time
	}
	var msgs []arrival
	kinds := []sim.Kind{sim.None, sim.ReplayWindow, sim.ReplayMessage, sim.SpO2Step, sim.HRStep, sim.NIBPIBP, sim.IdentityPatient, sim.Frozen}
	for i, k := range kinds {
		for j, iv := range []time.Duration{time.Second, 2 * time.Second} {
			id := 1 + 2*i + j
			profile := "adult"
			if id%3 == 0 {
				profile = "neonatal"
			}
			n := int(25 * time.Minute / iv)
			mon := sim.NewMonitor(sim.Options{ID: id, Seed: uint64(100 + id), Interval: iv, Profile: profile, Manipulation: k, ManipulateAt: n / 2})
			src := netip.AddrFrom4([4]byte{10, 0, 0, byte(id)})
			for range n {
				b, at, _ := mon.Next(nil)
				m, err := hl7.Parse(b)
				if err != nil {
					t.Fatal(err)
				}
				msgs = append(msgs, arrival{src, m, at})
			}
		}
	}
	run := func(order []arrival) map[netip.Addr][]vitals.Finding {
		e, err := vitals.NewEngine(vitals.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		out := map[netip.Addr][]vitals.Finding{}
		for _, a := range order {
			out[a.src] = append(out[a.src], e.Observe(a.src, a.m, a.at, nil)...)
		}
		return out
	}
	first := run(msgs) // monitor after monitor
	sorted := append([]arrival(nil), msgs...)
	slices.SortStableFunc(sorted, func(a, b arrival) int { return a.at.Compare(b.at) }) // ties in the order above
	n := 0
	for _, fs := range first {
		n += len(fs)
	}
	if n == 0 {
		t.Fatal("no findings at all")
	}
	for name, order := range map[string][]arrival{"the same order": msgs, "interleaved by arrival": sorted} {
		if got := run(order); !reflect.DeepEqual(got, first) {
			for src, fs := range first {
				if !reflect.DeepEqual(got[src], fs) {
					t.Errorf("%s: monitor %s: %d findings, then %d", name, src, len(fs), len(got[src]))
				}
			}
		}
	}
	rules := map[string]int{}
	for _, fs := range first {
		for _, f := range fs {
			rules[f.Rule]++
		}
	}
	t.Logf("%d messages, %d findings %v", len(msgs), n, rules)
}

// Values a monitor should never send, in a moving stream at 2 s (k > 1: offPhase runs): NaN, infinities,
// numbers past float64's range, huge and tiny ones, and negative zero, now and then in one channel or all. No
// finding may carry a number that is not finite, whatever rule reports it (a NaN would compare false
// everywhere and an infinity would be exported as such).
func TestOddValuesFiniteFindings(t *testing.T) {
	odd := []string{"NaN", "nan", "Inf", "+Inf", "-Inf", "infinity", "1e400", "-1e400", "1e308", "-1e308", "4.9e-324",
		"99999999999999999999", "-0", "0x1p10", "1_000", "8388607", "8388608", "-8388608"}
	base := wandering(2026, 2000)
	ms := make([]msg, len(base))
	for i, m := range base {
		ms[i] = m
		if i%37 == 36 {
			v := odd[(i/37)%len(odd)]
			rows := slices.Clone(m.rows)
			if i%74 == 36 { // all channels
				for j := range rows {
					rows[j].value = v
				}
			} else {
				rows[(i/37)%len(rows)].value = v
			}
			ms[i].rows = rows
		}
	}
	n := 0
	for _, f := range run(t, vitals.DefaultConfig(), every(len(ms), 2*sec, func(i int) msg { return ms[i] })) {
		n++
		for _, x := range []float64{f.Value, f.Other, f.Threshold} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Errorf("%s at %s: value %g, other %g, threshold %g", f.Rule, f.ObservedAt.Format("15:04:05"), f.Value, f.Other, f.Threshold)
				break
			}
		}
	}
	t.Logf("%d findings", n)
}
