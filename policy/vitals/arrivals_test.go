package vitals_test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// arrivalBed is one monitor's messages through what reads the interval from
// the previous arrival: a temperature step (rate's interval), a temperature back
// after a gap (its interval from its own last sample), cuff readings whose
// stamp repeats (sameStamp), an identical re-send (observe returns early),
// an arrival before its predecessor, a store at wire speed catching up
// (timing's burst), a clock stepped back, another patient after a 3-min
// silence (admittedInGap, turnable), another after the turnover gap, and a
// silence past IdleEvict (the stream made afresh: no previous arrival).
func arrivalBed() []tick {
	stamp := func(d time.Duration) string { return string(hl7.AppendTime(nil, t0.Add(d))) }
	ts := calmBed(10*time.Second, func(i int, m *msg) {
		if i < 4 {
			*m = set(*m, temp("38.9"))
		}
	})
	// The temperature missing for 140 s, then back 1.5 °C higher: its
	// interval is from its own last sample (past rate's max_gap), not the
	// previous message's arrival.
	ts = then(ts, 10*time.Second, every(17, 10*time.Second, func(i int) msg {
		m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2("97"), rr("16")}}
		if i >= 14 {
			m.rows = append(m.rows, temp("38.5"))
		}
		return m
	}))
	cuff := func(i int) msg {
		at := stamp(time.Duration(900+60*(i/3)) * time.Second)
		return msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80)), spo2("97"), rr("16"), temp("37.0"),
			nibpS("120", at), nibpD("70", at), nibpM("87", at)}}
	}
	ts = then(ts, 10*time.Second, every(9, 10*time.Second, cuff))
	// An identical re-send 2 s after its first sending, then an arrival
	// 4 s before the message before it.
	last := ts[len(ts)-1].at
	re := msg{ctrl: "RESEND1", ts: stamp(last + 5*time.Second), rows: []row{hr("81"), pr("80"), spo2("97"), rr("16"), temp("37.0")}}
	ts = append(ts, tick{last + 5*time.Second, re}, tick{last + 7*time.Second, re},
		tick{last + 17*time.Second, msg{rows: []row{hr("82"), pr("81"), spo2("97"), rr("17"), temp("37.0")}}},
		tick{last + 13*time.Second, msg{rows: []row{hr("80"), pr("80"), spo2("96"), rr("16"), temp("37.0")}}})
	// A store at wire speed: ten messages 100 ms apart stamped 10 s apart
	// from 2 min back, then the clock stepped back by 40 s.
	last = ts[len(ts)-1].at + 10*time.Second
	for k := range 10 {
		ts = append(ts, tick{last + time.Duration(k)*100*time.Millisecond,
			msg{ts: stamp(last - 2*time.Minute + time.Duration(k)*10*time.Second), rows: []row{hr("80"), pr("80"), spo2("97"), rr("16")}}})
	}
	last += 10 * time.Second
	ts = append(ts, every(6, 10*time.Second, func(i int) msg {
		return msg{ts: stamp(last + time.Duration(i)*10*time.Second - 40*time.Second), rows: []row{hr(num(80 + float64(i%2))), pr("80"), spo2("97"), rr("16")}}
	})...)
	for i := range ts[len(ts)-6:] {
		ts[len(ts)-6+i].at += last - ts[len(ts)-6].at
	}
	other := func(pid string) func(i int) msg {
		return func(i int) msg {
			return msg{pid: pid, pidName: "ROE^RICHARD", rows: []row{hr(num(62 + float64(i%3))), pr(num(62 + float64((i+1)%3))), spo2("94"), rr("22"), temp("36.4")}}
		}
	}
	ts = then(ts, 3*time.Minute, every(20, 10*time.Second, other("777^^^H^MR")))
	ts = then(ts, 12*time.Minute, every(20, 10*time.Second, other("888^^^H^MR")))
	ts = then(ts, 20*time.Minute, every(30, 10*time.Second, other("999^^^H^MR")))
	return ts
}

// TestArrivalReadingsAgree: the checks find the same whether the arrivals
// carry a monotonic clock reading (time.Now(), the gateway), carry none
// (hl7gate check, the package's other tests), are in another zone, or mix
// these from one message to the next. The corpora (hl7gate check) and the
// other tests never hand the engine a monotonic reading (review45v, written
// for session 45's vcpu45, which was not merged).
func TestArrivalReadingsAgree(t *testing.T) {
	now := time.Now()
	base := now.Add(t0.Sub(now.Round(0))) // wall clock t0, with a monotonic reading
	if base.Round(0) == base || !base.Equal(t0) || !base.Round(0).Equal(t0) {
		t.Fatalf("base %v: no monotonic reading at t0", base)
	}
	east := time.FixedZone("east", 13*3600+45*60)
	forms := []struct {
		name string
		f    func(a time.Time, i int) time.Time
	}{
		{"wall", func(a time.Time, _ int) time.Time { return a }},
		{"monotonic", func(a time.Time, _ int) time.Time { return base.Add(a.Sub(t0)) }},
		{"monotonic-east", func(a time.Time, _ int) time.Time { return base.Add(a.Sub(t0)).In(east) }},
		{"mixed", func(a time.Time, i int) time.Time {
			m := base.Add(a.Sub(t0))
			switch i % 5 {
			case 1:
				return m.Round(0)
			case 2:
				return m.In(east)
			case 3:
				return a.In(time.Local)
			}
			return m
		}},
	}
	ticks := arrivalBed()
	var want, rules []string
	for _, form := range forms {
		e, err := vitals.NewEngine(vitals.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		src := netip.MustParseAddr("192.0.2.45")
		var got []string
		var fs []vitals.Finding
		for i, tk := range ticks {
			a := t0.Add(tk.at)
			m, err := hl7.Parse(tk.m.bytes(a, i)) // MSH-7 as on the wire, whatever the arrival's form
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			fs = e.Observe(src, m, form.f(a, i), fs[:0])
			for _, f := range fs {
				f.ObservedAt = f.ObservedAt.Round(0).UTC()
				got = append(got, fmt.Sprintf("%d %+v", i, f))
				if want == nil && !slices.Contains(rules, f.Rule) {
					rules = append(rules, f.Rule)
				}
			}
		}
		if want == nil {
			want = got
			t.Logf("%d findings on wall-clock arrivals: %v", len(got), rules)
			// As main (c9a4d65) finds them: an interval read wrong
			// anywhere (stale, from another arrival) moves these.
			var at []string
			for _, g := range got {
				var i int
				var rule string
				fmt.Sscanf(g, "%d {Rule:%s", &i, &rule)
				at = append(at, fmt.Sprint(i, " ", rule))
			}
			if w := []string{"75 rate_of_change", "118 rate_of_change", "141 time_backwards", "141 time_future",
				"146 identity_patient", "167 frozen", "167 frozen"}; !slices.Equal(at, w) {
				t.Errorf("findings %q, want (as main) %q", at, w)
			}
			continue
		}
		if !slices.Equal(got, want) {
			for k := range max(len(got), len(want)) {
				var g, w string
				if k < len(got) {
					g = got[k]
				}
				if k < len(want) {
					w = want[k]
				}
				if g != w {
					t.Fatalf("%s arrivals: finding %d\n%s\nwall-clock arrivals:\n%s", form.name, k, g, w)
				}
			}
		}
	}
}
