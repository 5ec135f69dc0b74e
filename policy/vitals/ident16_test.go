package vitals_test

import (
	"strings"
	"testing"
	"time"
)

// TestProvisionalIdentity: an unidentified admission is registered under a
// temporary identifier with sex U (PID-8) and gets its real identity later
// under the same visit number (PV1-19), in the same bed (PV1-3): the same
// patient, quiet (session 16, the second blind generator's `unidentified`
// beds: main flagged every such replacement). Another visit, another bed, a
// patient whose identity was complete and a second replacement are
// identity_patient; a feed with no visit number is judged by its bed.
func TestProvisionalIdentity(t *testing.T) {
	// bed returns 10 messages 10 s apart of patient id, provisional or not,
	// in bed loc under visit (none when empty), from message k on.
	bed := func(k int, id string, provisional bool, loc, visit string) []tick {
		return every(10, 10*sec, func(i int) msg {
			m := normal(k + i)
			m.pid, m.pidName = id, "DOE^JANE|||F"
			if provisional {
				m.pidName = "UNKNOWN^UNKNOWN|||U" // PID-5, and PID-8 sex U
			}
			m.pv1 = "|I|ICU^" + loc + "^1"
			if visit != "" {
				m.pv1 += strings.Repeat("|", 16) + visit // PV1-19
			}
			return m
		})
	}
	seq := func(parts ...[]tick) []tick {
		ts := parts[0]
		for _, p := range parts[1:] {
			ts = then(ts, 10*sec, p)
		}
		return ts
	}
	temp := bed(0, "T100^^^H^MR", true, "12", "V1")
	tests := []ruleCase{
		{"provisional identity replaced under its visit and bed", seq(temp, bed(10, "4711^^^H^MR", false, "12", "V1")), nil},
		// One provisional identity swapped for another is no identification:
		// accepted, it would let a device swap identities under one visit at will
		// (review16).
		{"provisional identity replaced by another provisional one", seq(temp,
			bed(10, "T101^^^H^MR", true, "12", "V1")), []string{"identity_patient"}},
		{"provisional identity, then another visit", seq(temp, bed(10, "4711^^^H^MR", false, "12", "V2")), []string{"identity_patient"}},
		{"provisional identity, then another bed", seq(temp, bed(10, "4711^^^H^MR", false, "13", "V1")), []string{"identity_patient"}},
		{"a complete identity, then another under the same visit", seq(bed(0, "4710^^^H^MR", false, "12", "V1"),
			bed(10, "4711^^^H^MR", false, "12", "V1")), []string{"identity_patient"}},
		{"replaced once, then another patient under the same visit", seq(temp, bed(10, "4711^^^H^MR", false, "12", "V1"),
			bed(20, "4712^^^H^MR", false, "12", "V1")), []string{"identity_patient"}},
		// A monitor that sends no visit number is left its bed (session 19,
		// the third blind generator's unidentified beds).
		{"provisional identity, no visit number, same bed", seq(bed(0, "T100^^^H^MR", true, "12", ""), bed(10, "4711^^^H^MR", false, "12", "")), nil},
		{"provisional identity, no visit number, then another bed", seq(bed(0, "T100^^^H^MR", true, "12", ""), bed(10, "4711^^^H^MR", false, "13", "")),
			[]string{"identity_patient"}},
		{"a complete identity, then another in the same bed, no visit number", seq(bed(0, "4710^^^H^MR", false, "12", ""),
			bed(10, "4711^^^H^MR", false, "12", "")), []string{"identity_patient"}},
	}
	checkCases(t, tests)
}

// TestCuffEarlyReading: a cuff cannot cycle in under nibp_cadence's
// min_interval, and a cuff made to report faster does so reading after
// reading; one reading soon after the last (a measurement repeated at once
// after a disturbed one, or started by hand on top of the schedule) is quiet
// (session 16: the second blind generator's clean beds carry such single
// early readings 6-28 s after the last; main flagged each). Readings every
// 10 s, one reading copied with its time jittered back and forth by a
// second, and an early reading after every other scheduled one are
// nibp_cadence.
func TestCuffEarlyReading(t *testing.T) {
	// cuff returns 60 messages 10 s apart whose cuff reading, systolic
	// sys(i), is stamped at(i) (seconds after t0).
	cuff := func(sys func(i int) float64, at func(i int) time.Duration) []tick {
		return every(60, 10*sec, func(i int) msg {
			m := normal(i)
			ts := t0.Add(at(i)).Format("20060102150405.000")
			m.rows = append(m.rows, nibpS(num(sys(i)), ts), nibpD("72", ts), nibpM("88", ts))
			return m
		})
	}
	cycle := func(i int) time.Duration { return time.Duration(i/12) * 2 * time.Minute } // a reading every 2 min
	early := func(i int) time.Duration {
		if i >= 26 && i < 36 { // a reading 20 s after the one at 4 min
			return 4*time.Minute + 20*sec
		}
		return cycle(i)
	}
	jitter := func(i int) time.Duration {
		if i >= 30 { // the reading at 4 min copied, its time moved by up to a second
			return 4*time.Minute + time.Duration(i%3-1)*700*time.Millisecond
		}
		return cycle(i)
	}
	alternate := func(i int) time.Duration { // from 2 min on: a reading 20 s after each even scheduled one
		c := cycle(i)
		if c >= 2*time.Minute && c%(4*time.Minute) == 0 && i%12 >= 6 {
			return c + 20*sec
		}
		return c
	}
	tests := []ruleCase{
		{"one reading 20 s after the last", cuff(func(i int) float64 { return float64(115 + early(i)/time.Minute) }, early), nil},
		{"a new reading every 10 s", cuff(func(i int) float64 { return float64(110 + i%5) }, func(i int) time.Duration {
			if i >= 30 {
				return time.Duration(i) * 10 * sec
			}
			return cycle(i)
		}), []string{"nibp_cadence"}},
		{"one reading copied with its time jittered", cuff(func(i int) float64 { return float64(115 + jitter(i)/time.Minute) }, jitter),
			[]string{"nibp_cadence"}},
		// An early reading slipped in after every other scheduled one is never
		// early twice in a row, but twice within three readings (review16).
		{"an early reading after every other scheduled one", cuff(func(i int) float64 { return float64(110 + alternate(i)/(10*sec)) }, alternate),
			[]string{"nibp_cadence"}},
	}
	checkCases(t, tests)
}
