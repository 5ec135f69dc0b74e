package vitals

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/hl7gate/hl7gate/hl7"
)

// TestEUI64 checks which OBX-18 (or MSH-3) values are taken as the
// device's EUI-64: the first component, in any repetition, of 16 hex digits
// or marked so by the next.
func TestEUI64(t *testing.T) {
	d := hl7.DefaultDelimiters()
	for _, tc := range []struct{ f, want string }{
		{"00A0000120089285^EUI-64", "00A0000120089285"},
		{"00-a0-00-01-20-08-92-85^^x^EUI-64", "00-a0-00-01-20-08-92-85"},
		{"00A0000120089285~1234", "00A0000120089285"},
		{"12340000000001^^12340000000001^EUI-64", "12340000000001"}, // 14 digits, but marked
		{"12340000000001", ""},                                      // 14 digits, unmarked
		{"00A000012008928", ""},                                     // 15
		{"00A00001200892850", ""},                                   // 17
		{"00A0000120089G85", ""},                                    // not hex
		{"BED01", ""},
		{"", ""},
		{"00A0000120089285", "00A0000120089285"},
		{"00A000012008928^5", ""},
		{"00A000012008928~00A0000120089285", "00A0000120089285"},
		{"00A0000120089285^^", "00A0000120089285"},
		{"^^00A0000120089285^EUI-64", "00A0000120089285"}, // IHE, entity identifier empty
		{"BED-01^00A0000120089285", "00A0000120089285"},
		{"MINDRAY_EGATEWAY^00A037FFFE5AB708^EUI-64", "00A037FFFE5AB708"}, // an MSH-3
		{"ICU-B057^BED 7", ""},
		{"SERIAL-7^EUI-64x", ""},
		{"SERIAL-7~EUI-64", ""}, // a repetition, not the type
	} {
		if got := string(EUI64([]byte(tc.f), d)); got != tc.want {
			t.Errorf("EUI64(%q) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

// TestFirstComponent checks firstComponent against hl7.Field.Component(1) on random fields full of
// delimiters.
func TestFirstComponent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "|||^^~&\\AB1."
	for range 5000 {
		seg := []byte("OBX")
		for range r.IntN(60) {
			seg = append(seg, alphabet[r.IntN(len(alphabet))])
		}
		m, err := hl7.Parse(append([]byte("MSH|^~\\&|A|B|||2026||ORU^R01|1|P\r"), seg...))
		if err != nil || m.NumSegments() != 2 {
			continue
		}
		s, d := m.Segment(1), m.Delimiters()
		for n := 1; n <= s.NumFields(); n++ {
			f := s.Field(n)
			if c := firstComponent(f.Bytes(), d); string(c) != string(f.Component(1).Bytes()) {
				t.Fatalf("%q: firstComponent of field %d = %q, want %q", s.Bytes(), n, c, f.Component(1).Bytes())
			}
		}
	}
}

// TestStreamSizeClass keeps a monitor's state inside the allocator's 21,760 B
// size class, which holds 21,752 B of an object with pointers (Go puts an
// 8-byte header in front): one word more moves every monitor to the 24,576 B
// class, 2.8 KiB each (BenchmarkMemoryPerMonitor saw it in session 30, until
// three flags moved into padding). A change that needs more says so here
// and in docs/vitals.md.
func TestStreamSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(stream{}); n > 21752 {
		t.Errorf("stream is %d B, over the 21,752 B its size class holds", n)
	}
}

// TestIrregular pins irregular to the median of the sorted changes compared
// with lim, including lims equal to a change and exactly half the changes
// at or above lim; the samples enter through pushHR, which counts the
// changes of at least the configured lim (see TestIrregularCount).
func TestIrregular(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	counted := DefaultConfig().Rules.HRPR.Irregular
	for range 50000 {
		var s stream
		n := 17 + r.IntN(40)
		for range n {
			v := float64(60 + r.IntN(12))
			if r.IntN(3) == 0 {
				v += r.Float64()
			}
			s.pushHR(v, counted)
		}
		var d [16]float64
		for k := range d {
			d[k] = max(s.hr[(s.hrN-1-k)%historyLen]-s.hr[(s.hrN-2-k)%historyLen], s.hr[(s.hrN-2-k)%historyLen]-s.hr[(s.hrN-1-k)%historyLen])
		}
		lims := []float64{float64(r.IntN(8)), r.Float64() * 8, d[r.IntN(16)]}
		slices.Sort(d[:])
		lims = append(lims, (d[7]+d[8])/2, d[7], d[8], counted)
		for _, lim := range lims {
			if got, want := s.irregular(lim), (d[7]+d[8])/2 >= lim; got != want {
				t.Fatalf("irregular(%v) = %v, want %v (changes %v)", lim, got, want, d)
			}
		}
	}
}

// TestIrregularCount pins irregular, which reads the changes pushHR counted,
// to the median of the last irregularN changes, over random series whose
// changes often sit at the threshold, with breaks (as regular makes them
// when a message has no heart rate), and for thresholds other than the one
// counted.
func TestIrregularCount(t *testing.T) {
	naive := func(s *stream, lim float64) bool {
		if s.hrN < irregularN+1 {
			return false
		}
		var d [irregularN]float64
		for k := range d {
			d[k] = math.Abs(s.hrBack(k) - s.hrBack(k+1))
		}
		sort.Float64s(d[:])
		return (d[irregularN/2-1]+d[irregularN/2])/2 >= lim
	}
	r := rand.New(rand.NewPCG(11, 12))
	cfg := DefaultConfig()
	lim := cfg.Rules.HRPR.Irregular
	fast := 0
	for range 100 {
		s := newStream(&cfg)
		v := 80.0
		spread := 1 + r.IntN(int(2*lim))
		for i := range 3000 {
			if r.IntN(300) == 0 {
				s.hrN, s.eqN, s.hrAbove = 0, 0, 0 // as regular does
			}
			if r.IntN(100) == 0 {
				spread = 1 + r.IntN(int(2*lim))
			}
			v = max(30, min(200, v+float64(r.IntN(2*spread+1)-spread)))
			s.pushHR(v, lim)
			for _, l := range []float64{lim, lim - 1, lim + 0.5} {
				if got, want := s.irregular(l), naive(s, l); got != want {
					t.Fatalf("step %d, limit %v: irregular %v, the median says %v", i, l, got, want)
				}
			}
			if s.hrN > irregularN && s.hrAbove != irregularN/2 {
				fast++
			}
		}
	}
	if fast < 100000 {
		t.Fatalf("only %d judged from the count", fast)
	}
}

// TestPeriodicCounts pins periodic, which reads the per-lag counts pushHR
// keeps, to the comparison of the latest periodRun heart rates with those
// at every lag, over random series of few values with looped stretches and
// breaks (hrN reset, as a message without a heart rate does).
func TestPeriodicCounts(t *testing.T) {
	naive := func(s *stream) (lag, distinct int) {
		if s.hrN < periodRun+periodMinLag {
			return 0, 0
		}
		at := func(k int) float64 { return s.hr[(s.hrN-1-k)%historyLen] }
		for l := periodMinLag; l+periodRun <= min(s.hrN, historyLen) && lag == 0; l++ {
			k := 0
			for k < periodRun && at(k) == at(k+l) {
				k++
			}
			if k == periodRun {
				lag = l
			}
		}
		if lag == 0 {
			return 0, 0
		}
		seen := map[float64]bool{}
		for k := range periodRun {
			seen[at(k)] = true
		}
		if len(seen) < periodDistinct {
			return 0, len(seen)
		}
		return lag, len(seen)
	}
	r := rand.New(rand.NewPCG(3, 4))
	cfg := DefaultConfig()
	found := 0
	for range 200 {
		s := newStream(&cfg)
		loop := 0 // > 0: repeating the sample that many back
		for i := range 2000 {
			switch r.IntN(200) {
			case 0:
				s.hrN = 0
			case 1, 2:
				loop = periodMinLag + r.IntN(periodMaxLag+3-periodMinLag)
			case 3:
				loop = 0
			}
			v := float64(60 + r.IntN(8))
			if loop > 0 && s.hrN > loop {
				v = s.hrBack(loop - 1)
			}
			s.pushHR(v, cfg.Rules.HRPR.Irregular)
			gl, gd := s.periodic()
			wl, wd := naive(s)
			if gl != wl || gd != wd {
				t.Fatalf("step %d: periodic %d, %d; comparing the runs %d, %d", i, gl, gd, wl, wd)
			}
			if gl > 0 {
				found++
			}
		}
	}
	if found < 1000 {
		t.Fatalf("only %d periodic runs: the test does not exercise them", found)
	}
}

// incModel is what a stream's incremental counts must equal, kept from the
// raw history: every heart rate regular pushed since the series last broke
// and every replay tuple since the stream began, as Observe made them.
type incModel struct {
	s    *stream // the stream the history is of; another one starts it anew
	hr   []float64
	tups []uint64
}

// incDriver feeds one monitor's messages, which ops choose, through an
// engine and checks the stream's incremental state against incModel after
// each (checkIncremental).
type incDriver struct {
	t     testing.TB
	e     *Engine
	m     incModel
	at    time.Time
	n     int        // messages sent
	v     [6]float64 // hr, pr, spo2, rr, art mean, etco2 of the walk
	pid   int
	loop  int // > 0: the heart rate repeats the one loop messages back
	odd   int // the next odd heart-rate text
	stats struct{ pushes, breaks, periodic, fast, medians, streams, refused int }
}

func newIncDriver(t testing.TB, cfg Config) *incDriver {
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &incDriver{t: t, e: e, at: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), v: [6]float64{80, 78, 97, 16, 85, 35}}
}

// oddHR is heart-rate text no monitor should send, read or refused.
var oddHR = []string{"NaN", "Inf", "-Inf", "1e400", "99999999999999999999", "999999999999999", "-0", "0", "-5", "0.0000001",
	"400", "300.5", " 80 ", "8388607", "", "12a"}

// step sends one message chosen by op (and a, b, its arguments).
func (d *incDriver) step(op, a, b byte) {
	gap := time.Second
	hrText, hrUnit := "", "264864^MDC_DIM_BEAT_PER_MIN^MDC"
	switch op % 16 {
	case 0: // no heart rate: the series breaks
		hrText = "-"
	case 1: // odd or refused text
		hrText = oddHR[d.odd%len(oddHR)]
		d.odd++
	case 2: // a unit that is not a rate's
		hrUnit = "266016"
	case 3: // a new patient in the bed
		d.pid++
	case 4: // silent for longer than rate_of_change.max_gap
		gap = d.e.cfg.Rules.Rate.MaxGap + time.Duration(a)*time.Second
	case 5: // silent for longer than state.idle_evict: the stream starts afresh
		if a%4 == 0 {
			gap = d.e.cfg.State.IdleEvict + time.Second
		}
	case 6: // the heart rate loops from a lag back (periodic)
		d.loop = periodMinLag + int(a)%(periodMaxLag+3-periodMinLag)
	case 7: // the loop ends, now and then
		if a%4 == 0 {
			d.loop = 0
		}
	case 8: // a step of every channel
		for i := range d.v {
			d.v[i] += float64(int(a%41) - 20)
		}
	}
	for i := range d.v { // a walk of few levels: equal values, runs and repeats are common
		if b&(1<<i) != 0 {
			d.v[i] += float64(int(a>>i)%3 - 1)
		}
	}
	d.v[0], d.v[1] = max(35, min(190, d.v[0])), max(35, min(190, d.v[1]))
	d.v[2], d.v[3] = max(80, min(100, d.v[2])), max(4, min(40, d.v[3]))
	d.v[4], d.v[5] = max(40, min(140, d.v[4])), max(10, min(60, d.v[5]))
	hrv := d.v[0]
	if d.loop > 0 && len(d.m.hr) >= d.loop {
		hrv = d.m.hr[len(d.m.hr)-d.loop]
	} else if op%16 == 9 { // a fraction: a heart rate a monitor may average
		hrv += float64(a%4) / 4
	}
	if hrText == "" {
		hrText = fmt.Sprint(hrv)
	}
	if op%16 == 10 { // the pulse rate equal to the heart rate
		d.v[1] = hrv
	}
	d.at = d.at.Add(gap)
	d.n++
	var sb strings.Builder
	fmt.Fprintf(&sb, "MSH|^~\\&|MON1^0012340000000001^EUI-64|ICU|||%s||ORU^R01^ORU_R01|C%d|P|2.6\r", hl7.AppendTime(nil, d.at), d.n)
	fmt.Fprintf(&sb, "PID|||P%d^^^H^MR||DOE^JANE\r", d.pid)
	fmt.Fprintf(&sb, "OBR|1|||182777000^monitoring of patient^SCT|||%s\r", hl7.AppendTime(nil, d.at))
	row := func(i int, code, value, unit string) {
		fmt.Fprintf(&sb, "OBX|%d|NM|%s^^MDC|1.1.1.%d|%s|%s|||||R\r", i, code, i, value, unit)
	}
	if hrText != "-" {
		row(1, "147842", hrText, hrUnit)
	}
	row(2, "149530", fmt.Sprint(d.v[1]), "264864")
	row(3, "150456", fmt.Sprint(d.v[2]), "262688")
	row(4, "151562", fmt.Sprint(d.v[3]), "264928")
	row(5, "150035", fmt.Sprint(d.v[4]), "266016")
	m, err := hl7.Parse([]byte(sb.String()))
	if err != nil {
		d.t.Fatalf("message %d: %v", d.n, err)
	}
	d.e.Observe(netip.MustParseAddr("192.0.2.7"), m, d.at, nil)
	d.check()
}

// check compares the stream's incremental state with incModel after a
// message, having added the message to the model.
func (d *incDriver) check() {
	t := d.t
	t.Helper()
	var s *stream
	for _, x := range d.e.streams {
		s = x.s
	}
	if s != d.m.s {
		d.m = incModel{s: s}
		d.stats.streams++
	}
	if hr := s.cur[pHR]; hr.ok {
		d.m.hr = append(d.m.hr, hr.v)
		d.stats.pushes++
	} else {
		d.m.hr = d.m.hr[:0]
		d.stats.breaks++
	}
	if s.tracks[pHR].refused == d.at.UnixNano() {
		d.stats.refused++
	}
	var h uint64
	for i, p := range continuous {
		if r := &s.cur[p]; r.ok {
			h = mix(h ^ mix(uint64(i+1)<<56^math.Float64bits(r.v)))
		}
	}
	d.m.tups = append(d.m.tups, h)

	// The heart-rate ring and its counts.
	hist := d.m.hr
	if s.hrN != len(hist) {
		t.Fatalf("message %d: %d heart rates in a row, the history has %d", d.n, s.hrN, len(hist))
	}
	for k := range min(len(hist), historyLen) {
		if got, want := s.hrBack(k), hist[len(hist)-1-k]; math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("message %d: heart rate %d back %v, the history has %v", d.n, k, got, want)
		}
	}
	if lim := d.e.cfg.Rules.HRPR.Irregular; s.hrN > 0 && s.hrLim == lim {
		above := int32(0)
		for k := range min(len(hist)-1, irregularN) {
			if math.Abs(hist[len(hist)-1-k]-hist[len(hist)-2-k]) >= lim {
				above++
			}
		}
		if s.hrAbove != above {
			t.Fatalf("message %d: %d of the last changes counted at or above %v, the history has %d (%v)", d.n, s.hrAbove, lim, above, hist)
		}
		if len(hist) > irregularN && above != irregularN/2 {
			d.stats.fast++
		}
	} else if s.hrN > 0 {
		t.Fatalf("message %d: pushHR counted from %v, the configured threshold is %v", d.n, s.hrLim, lim)
	}
	at := func(k int) float64 { return hist[len(hist)-1-k] }
	for l := periodMinLag; l+periodRun <= min(len(hist), historyLen); l++ {
		k := 0
		for k < periodRun && at(k) == at(k+l) {
			k++
		}
		if got := s.hrFull&(1<<l) != 0; got != (k == periodRun) {
			t.Fatalf("message %d: lag %d marked %v, the history repeats %d in a row", d.n, l, got, k)
		}
	}
	if lag, _ := s.periodic(); lag > 0 {
		d.stats.periodic++
	}
	// Every baseline.
	for p := range s.tracks {
		tr := &s.tracks[p]
		if tr.nb != baseN {
			continue
		}
		b := tr.base
		want := median5(&b)
		if got, ok := tr.baseline(); !ok || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("message %d: %s baseline %v, the median of %v is %v", d.n, params[p].key, got, b, want)
		}
		d.stats.medians++
	}
	// The replay tuples: the ring, the run's sum and where each tuple's last equal one lies.
	n := d.e.cfg.Rules.ReplayWindow.Samples
	tups := d.m.tups
	if s.tupleN != len(tups) {
		t.Fatalf("message %d: %d tuples, the history has %d", d.n, s.tupleN, len(tups))
	}
	var sum uint64
	for _, x := range tups[max(0, len(tups)-n):] {
		sum = sum*runBase + x
	}
	if s.runSum != sum {
		t.Fatalf("message %d: the run's sum %x, the history's %x", d.n, s.runSum, sum)
	}
	for k := range min(len(tups), n) {
		i := len(tups) - 1 - k
		want := 0
		for j := 1; j < n && j <= i; j++ {
			if tups[i-j] == tups[i] {
				want = j
				break
			}
		}
		if got := int(s.tupleDup[uint(i)%historyLen]); got != want {
			t.Fatalf("message %d: tuple %d's last equal one %d back, the history's %d", d.n, i, got, want)
		}
	}
}

// TestIncrementalModel: the counts kept as each message arrives (pushHR's
// per-lag runs and changes at or above the irregular threshold, the
// baselines' medians kept per push, replay_window's moving run) equal those
// recomputed from the raw history after every message of random streams
// with breaks (no heart rate), refused and odd values (NaN, infinities,
// numbers past float64's range, negative zero), unit errors, bed turnovers,
// silences past rate_of_change.max_gap and state.idle_evict, looped heart
// rates and ring wrap (thousands of messages). Found sound (session 14).
func TestIncrementalModel(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1401))
	var total incDriver
	for trial := range 12 {
		cfg := DefaultConfig()
		if trial%3 == 1 {
			cfg.Rules.ReplayWindow.Samples = cfg.Rules.ReplayWindow.MinDistinct + r.IntN(historyLen+1-cfg.Rules.ReplayWindow.MinDistinct)
		}
		d := newIncDriver(t, cfg)
		for range 3000 {
			op := byte(r.IntN(64))
			if op >= 16 {
				op = 11 + op%5 // mostly plain walking (ops 11-15)
			}
			d.step(op, byte(r.Uint32()), byte(r.Uint32()))
		}
		s, x := &total.stats, d.stats
		s.pushes, s.breaks, s.periodic, s.fast = s.pushes+x.pushes, s.breaks+x.breaks, s.periodic+x.periodic, s.fast+x.fast
		s.medians, s.streams, s.refused = s.medians+x.medians, s.streams+x.streams, s.refused+x.refused
	}
	st := total.stats
	t.Logf("%+v", st)
	if st.periodic < 100 || st.fast < 10000 || st.breaks < 1000 || st.streams < 50 || st.refused < 500 || st.medians < 100000 {
		t.Fatalf("the streams do not exercise the counts: %+v", st)
	}
}

// FuzzIncremental: the incremental counts equal their recomputation
// (TestIncrementalModel) over the streams the input's ops choose, three bytes
// a message, replay_window.samples from samples.
func FuzzIncremental(f *testing.F) {
	f.Add(uint8(20), []byte{6, 4, 0xff, 16, 1, 2, 1, 0, 0, 0, 3, 3, 5, 0, 0, 9, 9, 9})
	f.Add(uint8(4), []byte("loop loop loop, break; refuse 1 2 3"))
	f.Fuzz(func(t *testing.T, samples uint8, ops []byte) {
		cfg := DefaultConfig()
		cfg.Rules.ReplayWindow.Samples = cfg.Rules.ReplayWindow.MinDistinct + int(samples)%(historyLen+1-cfg.Rules.ReplayWindow.MinDistinct)
		d := newIncDriver(t, cfg)
		for i := 0; i+2 < len(ops) && i < 3*5000; i += 3 {
			d.step(ops[i], ops[i+1], ops[i+2])
		}
	})
}

// randomTrackOp applies one step of a random walk over a stream's track:
// op 0 resets tr to v, op 1 starts a new patient, any other op pushes v.
func randomTrackOp(s *stream, tr *track, op int, v float64) {
	switch op {
	case 0:
		tr.reset(v)
	case 1:
		s.newPatient(DefaultConfig().Rules.HRPR.Irregular)
	default:
		tr.push(v)
	}
}

// TestIncrementalOddValues: pushHR's counts and a track's kept median
// against their recomputation when the values themselves are odd (the
// parser refuses these, so only a bug upstream could bring them): NaN,
// infinities, the extremes of float64, negative zero beside zero.
func TestIncrementalOddValues(t *testing.T) {
	odd := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Copysign(0, -1), 0, 1e300, -1e300, 60, 61, 62}
	r := rand.New(rand.NewPCG(14, 1402))
	cfg := DefaultConfig()
	lim := cfg.Rules.HRPR.Irregular
	s := newStream(&cfg)
	var hist []float64
	for i := range 200000 {
		if r.IntN(500) == 0 {
			s.hrN, s.eqN, s.hrAbove = 0, 0, 0 // as regular does
			hist = hist[:0]
		}
		v := odd[r.IntN(len(odd))]
		if r.IntN(4) == 0 && len(hist) > 8 {
			v = hist[len(hist)-1-r.IntN(8)]
		}
		s.pushHR(v, lim)
		hist = append(hist, v)
		above := int32(0)
		for k := range min(len(hist)-1, irregularN) {
			if math.Abs(hist[len(hist)-1-k]-hist[len(hist)-2-k]) >= lim {
				above++
			}
		}
		if s.hrAbove != above {
			t.Fatalf("push %d: %d changes counted, the history has %d", i, s.hrAbove, above)
		}
		if len(hist) > irregularN {
			var d [irregularN]float64
			for k := range d {
				d[k] = math.Abs(hist[len(hist)-1-k] - hist[len(hist)-2-k])
			}
			for _, l := range []float64{lim, lim / 2, math.NaN(), math.Inf(1)} {
				if got, want := s.irregular(l), medianReaches(slices.Clone(d[:]), l); got != want {
					t.Fatalf("push %d, limit %v: irregular %v, medianReaches %v (%v)", i, l, got, want, d)
				}
			}
		}
		tr := &s.tracks[pHR]
		op := r.IntN(40)
		randomTrackOp(s, tr, op, v)
		if op == 1 {
			hist = hist[:0] // a new patient starts the heart-rate series anew (turnover39)
		}
		if tr.nb == baseN {
			b := tr.base
			if got, want := tr.med, median5(&b); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("push %d: median %v kept, %v of %v", i, got, want, b)
			}
		}
	}
}

// TestPushTuple checks replay_window's moving run (pushTuple) against
// taking each run whole, as the rule did before: the distinct tuples
// counted pairwise, and runs told apart by their tuples, over sequences of
// few tuple values (many repeats and equal runs) for run lengths from 4 to
// historyLen.
func TestPushTuple(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{4, 7, 12, 31, historyLen} {
		for _, values := range []int{2, 5, 40} {
			cfg := DefaultConfig()
			cfg.Rules.ReplayWindow.Samples = n
			s := newStream(&cfg)
			var seq []uint64
			runOf := map[uint64]string{} // run fingerprint -> the run
			fpOf := map[string]uint64{}  // and back
			for i := range 600 {
				h := uint64(r.IntN(values)) * 0x51af_d7ed_558c_cd11
				if i > 300 && i%100 < 60 {
					h = seq[i-80] // replay an earlier stretch
				}
				seq = append(seq, h)
				got := s.pushTuple(h, n)
				if len(seq) < n {
					if got != 0 {
						t.Fatalf("n %d: %d distinct before a whole run", n, got)
					}
					continue
				}
				run := seq[len(seq)-n:]
				want := 0
				for k := range run {
					if !slices.Contains(run[:k], run[k]) {
						want++
					}
				}
				if got != want {
					t.Fatalf("n %d, values %d, tuple %d: %d distinct, want %d", n, values, i, got, want)
				}
				key, fp := fmt.Sprint(run), mix(s.runSum)
				if prev, ok := runOf[fp]; ok && prev != key {
					t.Fatalf("n %d: runs %s and %s share a fingerprint", n, prev, key)
				}
				if prev, ok := fpOf[key]; ok && prev != fp {
					t.Fatalf("n %d: run %s has fingerprints %x and %x", n, key, prev, fp)
				}
				runOf[fp], fpOf[key] = key, fp
			}
			if len(fpOf) == 600-n+1 {
				t.Fatalf("n %d, values %d: no run repeated", n, values)
			}
		}
	}
}

// TestMedianReachesOdd (review37d): of an odd count the median is the
// middle value; jumpsTogether asks of 3, 5, ... changes.
func TestMedianReachesOdd(t *testing.T) {
	for _, c := range []struct {
		d    []float64
		lim  float64
		want bool
	}{
		{[]float64{2, 20, 70}, 26, false},
		{[]float64{2, 20, 70}, 20, true},
		{[]float64{70, 2, 30, 1, 40}, 31, false},
		{[]float64{70, 2, 30, 1, 40}, 30, true},
		{[]float64{2, 20, 70, 4}, 12, true}, // even: (4+20)/2
		{[]float64{2, 20, 70, 4}, 13, false},
	} {
		if got := medianReaches(slices.Clone(c.d), c.lim); got != c.want {
			t.Errorf("medianReaches(%v, %v) = %v, want %v", c.d, c.lim, got, c.want)
		}
	}
}
