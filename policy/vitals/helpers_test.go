package vitals_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// t0 is the arrival time of the first message of every scenario.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// row is one OBX metric row.
type row struct {
	code, value, unit string // unit "" writes no OBX-6
	status            string // OBX-11, default R
	flags, at         string // OBX-8, OBX-14
}

// msg describes one message; empty fields take defaults (ts: the arrival
// time, ctrl: unique per scenario; pid "none" writes an empty PID, "omit"
// none at all).
type msg struct {
	ctrl, ts, app, pid, proc, typ, equip string
	pidName                              string // PID-5, default DOE^JANE
	born                                 string // PID-7 (birth date), none when empty
	pv1                                  string // PV1 after PV1-0, none when empty
	label                                string // when set, the OBX-18 of every row (a bed label; no EUI-64 then)
	rows                                 []row
}

// set replaces each row of m whose code one of rows has by that row.
func set(m msg, rows ...row) msg {
	for j, r := range m.rows {
		for _, n := range rows {
			if r.code == n.code {
				m.rows[j] = n
			}
		}
	}
	return m
}

func (m msg) bytes(arrival time.Time, n int) []byte {
	or := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	ts := or(m.ts, string(hl7.AppendTime(nil, arrival)))
	var b strings.Builder
	fmt.Fprintf(&b, "MSH|^~\\&|%s|ICU|||%s||%s|%s|%s|2.6\r", or(m.app, "MON1^0012340000000001^EUI-64"), ts,
		or(m.typ, "ORU^R01^ORU_R01"), or(m.ctrl, fmt.Sprintf("C%d", n)), or(m.proc, "P"))
	pid, name := or(m.pid, "12345^^^H^MR"), or(m.pidName, "DOE^JANE")
	if m.pid == "none" { // an unassociated bed
		pid, name = "", ""
	}
	if m.pid == "omit" { // a monitor not admitted that sends no PID
	} else if m.born != "" {
		fmt.Fprintf(&b, "PID|||%s||%s||%s\r", pid, name, m.born)
	} else {
		fmt.Fprintf(&b, "PID|||%s||%s\r", pid, name)
	}
	if m.pv1 != "" {
		fmt.Fprintf(&b, "PV1|%s\r", m.pv1)
	}
	fmt.Fprintf(&b, "OBR|1|||182777000^monitoring of patient^SCT|||%s\r", ts)
	equip := or(m.equip, "0012340000000001")
	mds := equip + "^^" + equip + "^EUI-64"
	if m.label != "" {
		equip, mds = m.label, m.label
	}
	fmt.Fprintf(&b, "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||%s\r", mds)
	for i, r := range m.rows {
		fmt.Fprintf(&b, "OBX|%d|NM|%s^^MDC|1.1.1.%d|%s|%s||%s|||%s|||%s||||%s\r", i+2, r.code, i+1, r.value, r.unit,
			r.flags, or(r.status, "R"), r.at, equip)
	}
	return []byte(b.String())
}

// Common rows.
func hr(v string) row        { return row{code: "147842", value: v, unit: "264864^MDC_DIM_BEAT_PER_MIN^MDC"} }
func pr(v string) row        { return row{code: "149530", value: v, unit: "264864"} }
func spo2(v string) row      { return row{code: "150456", value: v, unit: "262688"} }
func rr(v string) row        { return row{code: "151562", value: v, unit: "264928"} }
func temp(v string) row      { return row{code: "150344", value: v, unit: "268192^MDC_DIM_DEGC^MDC"} }
func artS(v string) row      { return row{code: "150033", value: v, unit: "266016"} }
func artD(v string) row      { return row{code: "150034", value: v, unit: "266016"} }
func artM(v string) row      { return row{code: "150035", value: v, unit: "266016"} }
func nibpS(v, at string) row { return row{code: "150021", value: v, unit: "266016", at: at} }
func nibpD(v, at string) row { return row{code: "150022", value: v, unit: "266016", at: at} }
func nibpM(v, at string) row { return row{code: "150023", value: v, unit: "266016", at: at} }

// localRow is a row of a monitor with local codes: OBX-3 code^label^L, the
// label (component 2) what the checks read when the code is unknown.
func localRow(code, label, v, unit string) row {
	return row{code: code + "^" + label + "^L", value: v, unit: unit}
}

// num formats a number for OBX-5.
func num(v float64) string { return fmt.Sprint(v) }

// tick is one message at an offset from t0.
type tick struct {
	at time.Duration
	m  msg
}

// every returns n messages step apart, the i-th built by f.
func every(n int, step time.Duration, f func(i int) msg) []tick {
	ts := make([]tick, n)
	for i := range ts {
		ts[i] = tick{time.Duration(i) * step, f(i)}
	}
	return ts
}

// calmBed returns 100 messages step apart of a calm adult (heart and pulse
// rates near 80, each scattering by a beat, saturation 96–97, breathing
// rate 16–18, temperature 37.0), messages 75–84 passed to edit with their
// index from 75: the bed the spike tests forge one channel of.
func calmBed(step time.Duration, edit func(i int, m *msg)) []tick {
	return every(100, step, func(i int) msg {
		m := msg{rows: []row{hr(num(80 + float64(i%3))), pr(num(80 + float64((i+1)%3))), spo2(num(96 + float64(i%2))),
			rr(num(16 + float64(i%3))), temp("37.0")}}
		if i >= 75 && i < 85 {
			edit(i-75, &m)
		}
		return m
	})
}

// then appends ticks shifted to start step after the last of ts.
func then(ts []tick, step time.Duration, more []tick) []tick {
	base := time.Duration(0)
	if len(ts) > 0 {
		base = ts[len(ts)-1].at + step
	}
	for _, t := range more {
		ts = append(ts, tick{base + t.at, t.m})
	}
	return ts
}

// run feeds the ticks from one source through a fresh Engine and returns
// every finding.
func run(t *testing.T, cfg vitals.Config, ticks []tick) []vitals.Finding {
	t.Helper()
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return feed(t, e, ticks)
}

// feed feeds the ticks from one source through e and returns every finding.
func feed(t *testing.T, e *vitals.Engine, ticks []tick) []vitals.Finding {
	t.Helper()
	src := netip.MustParseAddr("192.0.2.10")
	var all []vitals.Finding
	for i, tk := range ticks {
		arrival := t0.Add(tk.at)
		m, err := hl7.Parse(tk.m.bytes(arrival, i))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		all = e.Observe(src, m, arrival, all)
	}
	return all
}

func rulesOf(fs []vitals.Finding) []string {
	var rs []string
	for _, f := range fs {
		if !slices.Contains(rs, f.Rule) {
			rs = append(rs, f.Rule)
		}
	}
	slices.Sort(rs)
	return rs
}

// checkRules fails unless the rules that fired are exactly want (sorted).
func checkRules(t *testing.T, fs []vitals.Finding, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := rulesOf(fs); !slices.Equal(got, want) {
		for _, f := range fs {
			t.Logf("finding %s %s value=%g other=%g threshold=%g: %s", f.Rule, f.Parameter, f.Value, f.Other, f.Threshold, f.Explanation)
		}
		t.Errorf("rules fired %q, want %q", got, want)
	}
}

// af is a message in atrial fibrillation: an irregular heart rate around h
// (±10 from sample to sample) and a pulse rate around p.
func af(i int, h, p float64) msg {
	r := rand.New(rand.NewPCG(uint64(i), 11))
	return msg{rows: []row{hr(num(h + float64(r.IntN(21)-10))), pr(wobble(p, i+5)), spo2("96"), rr(wobble(16, i+3)), temp("37.0")}}
}

// only returns the findings of rule.
func only(fs []vitals.Finding, rule string) []vitals.Finding {
	var out []vitals.Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// checkRuleCases runs each case on the default configuration: the rules
// that fired are exactly its own (any number of findings each).
func checkRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...) })
	}
}

const sec = time.Second

// wobble gives the i-th sample a little measurement noise (±3, the same for
// the same i), so streams are neither frozen, nor too regular, nor periodic.
func wobble(base float64, i int) string {
	if base == 0 {
		return "0"
	}
	return num(base + float64(rand.New(rand.NewPCG(uint64(i), 7)).IntN(7)-3))
}

// vitalsAt returns a normal adult message with HR h, PR p, SpO2 s (NaN
// omits a row), each with noise.
func vitalsAt(i int, h, p, s float64) msg {
	var rows []row
	if !math.IsNaN(h) {
		rows = append(rows, hr(wobble(h, i)))
	}
	if !math.IsNaN(p) {
		rows = append(rows, pr(wobble(p, i+5)))
	}
	if !math.IsNaN(s) {
		rows = append(rows, spo2(num(math.Min(100, s+float64(i%2)))))
	}
	rows = append(rows, rr(wobble(16, i+3)), temp("37.0"))
	return msg{rows: rows}
}

func normal(i int) msg { return vitalsAt(i, 80, 80, 96) }

// baseline is five minutes of a normal patient at one message per 10 s.
func baseline() []tick { return every(30, 10*sec, normal) }

// later is another five minutes of the same patient, with other noise.
func later() []tick { return every(30, 10*sec, func(i int) msg { return normal(i + 1000) }) }

// ruleCase is a named run of messages and the rules it must raise, one
// finding each.
type ruleCase struct {
	name  string
	ticks []tick
	want  []string
}

// at60 returns an edit that sets message 60's rows labelled label (OBX-3
// component 2) to v, and to unit when unit is not empty.
func at60(label, v, unit string) func(int, *msg) {
	return func(i int, m *msg) {
		if i != 60 {
			return
		}
		for j := range m.rows {
			if strings.Split(m.rows[j].code, "^")[1] == label {
				m.rows[j].value = v
				if unit != "" {
					m.rows[j].unit = unit
				}
			}
		}
	}
}

// etco2 is an end-tidal CO2 row in mmHg.
func etco2(v string) row { return row{code: "151708", value: v, unit: "266016"} }

// cuffReadings returns messages 10 s apart for d, each carrying the latest
// of the cuff readings taken at times (after t0, ascending) with its time
// as OBX-14, the k-th reading's systolic, diastolic and mean val(k), and,
// unless loc is empty, a PV1 whose point of care is loc.
func cuffReadings(loc string, d time.Duration, times []time.Duration, val func(k int) [3]float64) []tick {
	return every(int(d/(10*sec)), 10*sec, func(i int) msg {
		m := normal(i)
		if loc != "" {
			m.pv1 = "1|I|" + loc + "^^01^HOSP"
		}
		k := -1
		for k+1 < len(times) && times[k+1] <= time.Duration(i)*10*sec {
			k++
		}
		if k >= 0 {
			ts := t0.Add(times[k]).Format("20060102150405")
			v := val(k)
			m.rows = append(m.rows, nibpS(num(v[0]), ts), nibpD(num(v[1]), ts), nibpM(num(v[2]), ts))
		}
		return m
	})
}

// schedule returns reading times: every step from 0 until from, then n
// readings gap apart, then every step again until end.
func schedule(step, from time.Duration, n int, gap, end time.Duration) []time.Duration {
	var ts []time.Duration
	for t := time.Duration(0); t < from; t += step {
		ts = append(ts, t)
	}
	t := from
	for range n {
		ts = append(ts, t)
		t += gap
	}
	for t += step; t < end; t += step {
		ts = append(ts, t)
	}
	return ts
}

// checkCases runs each case on the default configuration: its rules, one
// finding per rule, nothing else.
func checkCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), tc.ticks)
			checkRules(t, fs, tc.want...)
			if len(fs) != len(tc.want) {
				t.Errorf("%d findings, want one per rule", len(fs))
			}
		})
	}
}

// wandering returns n messages step apart of a patient whose heart rate,
// saturation, breathing rate and arterial mean take a random walk: at a
// cadence of seconds, neighbouring messages differ by more than the
// near-replay tolerance.
func wandering(seed uint64, n int) []msg {
	return walk(rand.New(rand.NewPCG(seed, 12)), n, walkBounds{start: [4]int{90, 96, 18, 80}, lo: [4]int{60, 90, 10, 65}, hi: [4]int{130, 99, 28, 105}})
}

// walkBounds are a random walk's start and bounds for the heart rate,
// saturation, breathing rate and arterial mean, in that order.
type walkBounds struct{ start, lo, hi [4]int }

// walk returns n messages whose heart rate and arterial mean move by up to
// 3 and whose saturation and breathing rate move by up to 1 each message,
// inside the bounds, with a pulse rate within 1 of the heart rate.
func walk(r *rand.Rand, n int, b walkBounds) []msg {
	v := b.start
	ms := make([]msg, n)
	for i := range ms {
		for c, span := range [4]int{7, 3, 3, 7} {
			v[c] = min(b.hi[c], max(b.lo[c], v[c]+r.IntN(span)-span/2))
		}
		ms[i] = msg{rows: []row{hr(num(float64(v[0]))), pr(num(float64(v[0] + r.IntN(3) - 1))), spo2(num(float64(v[1]))), rr(num(float64(v[2]))), artM(num(float64(v[3]))), temp("37.0")}}
	}
	return ms
}

// constantID is message i of a calm device whose control ID is always "1",
// MSH-7 its send time at step apart.
func constantID(step time.Duration) func(i int) msg {
	return func(i int) msg {
		m := vitalsAt(i, 70+float64(i%17), 72+float64(i%11), 95+float64(i%4))
		m.ctrl, m.ts = "1", t0.Add(time.Duration(i)*step).Format("20060102150405")
		return m
	}
}

// byArrival sorts ts by arrival, ticks at the same time in their order.
func byArrival(ts []tick) []tick {
	slices.SortStableFunc(ts, func(a, b tick) int { return cmp.Compare(a.at, b.at) })
	return ts
}
