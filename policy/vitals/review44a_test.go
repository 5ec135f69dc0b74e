package vitals_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Review of rrneo44 (review44a, session 44).

// withPID sets PID-3 of every message of ts ("omit": a monitor that sends
// no PID).
func withPID(ts []tick, pid string) []tick {
	for i := range ts {
		ts[i].m.pid = pid
	}
	return ts
}

// TestReviewHeldRangeAtTurnover44: a neonate's breathing rate written at its
// heart rate above the range for one message, the last before a bed
// turnover (the monitor silent for the turnover gap, then another patient's
// PID, or no PID at all: a monitor without identity turns over at the gap
// alone). A single message at the heart's rate shows no overlay: it is
// range, as on main. On rrneo44 the value was held for its run and the
// turnover dropped it unreported.
func TestReviewHeldRangeAtTurnover44(t *testing.T) {
	for _, pids := range [][2]string{{"12345^^^H^MR", "67890^^^H^MR"}, {"omit", "omit"}} {
		first := withPID(neoBed(121, 10*sec, 167, 45, between(120, 121), atTheHeart), pids[0])
		next := withPID(neoBed(60, 10*sec, 160, 40, func(int) bool { return false }, neoQuiet), pids[1])
		fs := run(t, vitals.DefaultConfig(), then(first, 12*time.Minute, next))
		if n := len(only(fs, "range")); n != 1 {
			t.Errorf("PIDs %q: %d range findings, want 1 (the forged value before the turnover)", pids, n)
		}
	}
}

// TestReviewHeldRangeQuarantined44: with range's action quarantine (or
// annotate) the finding must name the message that carries the value: the
// gateway holds back (or annotates) that message, not a later one. A value
// above the range at the heart's rate for 2 messages is range at its own
// message (C120), as on main. On rrneo44 it was held for its run and
// reported at the run's end, on message C122, whose breathing rate was the
// patient's own: the forged message went to the station and the next clean
// one was quarantined.
func TestReviewHeldRangeQuarantined44(t *testing.T) {
	for _, action := range []string{"quarantine", "annotate"} {
		cfg := vitals.DefaultConfig()
		cfg.Rules.Range.Action = action
		fs := only(run(t, cfg, neoBed(240, 10*sec, 167, 45, between(120, 122), atTheHeart)), "range")
		if len(fs) != 1 || fs[0].ControlID != "C120" || fs[0].Segment == 0 {
			for _, f := range fs {
				t.Logf("range on %s segment %d value %g", f.ControlID, f.Segment, f.Value)
			}
			t.Errorf("action %s: %d range findings, want 1 on C120's breathing-rate row", action, len(fs))
		}
	}
}

// neoQuiet is neoBed's rate for no message.
func neoQuiet(int, float64, *rand.Rand) float64 { return 0 }

// TestReviewRangeAtAForgedPulse44: a neonate's monitor whose ECG heart rate
// is absent while a forger writes the pulse rate and the breathing rate
// together at 200 for 13 min (the pulse moved by 33, below hr_step: no step
// of its own; without a heart rate the pulse has no partner to disagree
// with): on a monitor that sends no heart rate, and on one whose heart-rate
// row the forger leaves out from the forgery's first message. Nothing shows
// the heart there: range, as on main. On rrneo44 the pulse rate stood for
// the heart (atHeart's fallback) and the forger chose the breathing rate
// unseen. Quiet still (corpus7 extra training s5 m0048, message 389: an ECG
// lead off as the impedance's overlay begins, the pulse at the heart's last
// rate): the pulse rate stands for the heart while it lies at the last ECG
// heart rate, within max_gap.
func TestReviewRangeAtAForgedPulse44(t *testing.T) {
	bed := func(ecg func(i int) bool, forged func(i int) bool, overlay bool) []tick {
		return every(240, 10*sec, func(i int) msg {
			h, r := 167+float64(i%4-1), 45+float64(i*7%5-2)
			p := h
			switch {
			case forged(i):
				p, r = 200+float64(i*3%4-1), 200+float64(i*5%3-1)
			case overlay && i >= 120 && i < 160:
				r = h + float64(i*5%3-1)
			}
			rows := []row{pr(num(p)), spo2(wobble(96, i)), rr(num(r)), temp("37.0")}
			if ecg(i) {
				rows = append([]row{hr(num(h))}, rows...)
			}
			return msg{pv1: "1|I|NICU^^01^HOSP", rows: rows}
		})
	}
	never, always := func(int) bool { return false }, func(int) bool { return true }
	for _, tc := range []struct {
		name string
		ts   []tick
		want int
	}{
		{"no heart rate", bed(never, between(120, 200), false), 1},
		{"the heart rate left out", bed(func(i int) bool { return i < 120 || i >= 200 }, between(120, 200), false), 1},
		{"an ECG lead off as an overlay begins", bed(func(i int) bool { return i < 119 || i >= 122 }, never, true), 0},
		{"an overlay", bed(always, never, true), 0},
	} {
		if n := len(only(run(t, vitals.DefaultConfig(), tc.ts), "range")); n != tc.want {
			t.Errorf("%s: %d range findings, want %d", tc.name, n, tc.want)
		}
	}
}
