package corpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// smallConfig is a corpus small enough for unit tests that still has every
// kind (30 manipulated beds, two each) and a gateway file.
func smallConfig(dir string) Config {
	return Config{Seed: 7, Dir: dir, Monitors: 45, Hours: 1, Gateways: 1, GatewayBeds: 3}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	ca, cb := smallConfig(a), smallConfig(b)
	ca.Workers, cb.Workers = 1, 3
	sa, err := Generate(ca)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := Generate(cb)
	if err != nil {
		t.Fatal(err)
	}
	if sa.Messages != sb.Messages || sa.Bytes != sb.Bytes {
		t.Fatalf("summaries differ: %+v vs %+v", sa, sb)
	}
	names, _ := filepath.Glob(filepath.Join(a, "*"))
	if len(names) < 3 {
		t.Fatalf("only %d files", len(names))
	}
	for _, n := range names {
		x, _ := os.ReadFile(n)
		y, err := os.ReadFile(filepath.Join(b, filepath.Base(n)))
		if err != nil || !bytes.Equal(x, y) {
			t.Fatalf("%s differs between runs (%v)", filepath.Base(n), err)
		}
	}
	// Another seed gives another corpus.
	c := t.TempDir()
	cc := smallConfig(c)
	cc.Seed++
	if _, err := Generate(cc); err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(filepath.Join(a, "labels.jsonl"))
	y, _ := os.ReadFile(filepath.Join(c, "labels.jsonl"))
	if bytes.Equal(x, y) {
		t.Fatal("seed does not change the corpus")
	}
}

// msg is what the tests read back from a rendered message.
type msg struct {
	device, ctrl, mrn, name, visit string
	msgTime, admit                 time.Time
	obx                            map[string]obx // by MDC reference ID
	raw                            string
}

type obx struct {
	value, unit, status, method, equip string
	stamp                              time.Time
}

func parseMsg(t *testing.T, b []byte) msg {
	t.Helper()
	m, err := hl7.Parse(b)
	if err != nil {
		t.Fatalf("parse: %v\n%q", err, b)
	}
	get := func(p string) string {
		v, err := m.Get(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return string(v)
	}
	ts := func(p string) time.Time {
		v := get(p)
		if v == "" {
			return time.Time{}
		}
		x, err := hl7.ParseTime([]byte(v))
		if err != nil {
			t.Fatalf("%s %q: %v", p, v, err)
		}
		return x
	}
	out := msg{device: get("MSH-3"), ctrl: get("MSH-10"), mrn: get("PID-3.1"), name: get("PID-5"),
		visit: get("PV1-19"), msgTime: ts("MSH-7"), admit: ts("PV1-44"), obx: map[string]obx{}, raw: string(b)}
	for i := 2; ; i++ {
		p := "OBX(" + strconv.Itoa(i) + ")"
		if _, err := m.Get(p + "-1"); err != nil {
			break
		}
		ref := get(p + "-3.2")
		if strings.HasSuffix(get(p+"-3.3"), "LN") {
			ref = get(p + "-3.5")
		}
		out.obx[ref] = obx{value: get(p + "-5"), unit: get(p + "-6"), status: get(p + "-11"),
			method: get(p + "-17.1"), equip: get(p + "-18.1"), stamp: ts(p + "-14")}
	}
	return out
}

func readLabels(t *testing.T, dir string) []Label {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "labels.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var ls []Label
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var l Label
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	return ls
}

func readFileMsgs(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, slices.Clone(sc.Bytes()))
	}
	return out
}

// TestLabelsMatchFiles reads the corpus back through the hl7 codec and
// checks it against labels.jsonl and monitors.jsonl.
func TestLabelsMatchFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := Generate(smallConfig(dir)); err != nil {
		t.Fatal(err)
	}
	mons, err := readMonitors(filepath.Join(dir, "monitors.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]MonitorInfo{}
	kinds := map[string]int{}
	perFile := map[string]int{}
	for _, m := range mons {
		byID[m.ID] = m
		kinds[m.Kind]++
		perFile[m.File]++
	}
	for _, k := range Kinds {
		if kinds[string(k)] < 2 {
			t.Errorf("kind %s on %d beds, want >= 2", k, kinds[string(k)])
		}
	}
	if kinds[""] != 15 {
		t.Errorf("%d clean beds, want 15", kinds[""])
	}
	gw := 0
	for _, n := range perFile {
		if n > 1 {
			gw++
		}
	}
	if gw != 1 {
		t.Errorf("%d gateway files, want 1", gw)
	}
	labels := readLabels(t, dir)
	files := map[string][][]byte{}
	type devState struct {
		last      msg
		lastArr   time.Time
		lastClean time.Time
		ctrls     map[string]string // MSH-10 -> message text
		n         int
	}
	devs := map[string]*devState{}
	episodes := map[int][]Label{}
	for _, l := range labels {
		ms, ok := files[l.File]
		if !ok {
			ms = readFileMsgs(t, filepath.Join(dir, l.File))
			files[l.File] = ms
			if got := perFile[l.File]; got == 0 {
				t.Fatalf("%s not in monitors.jsonl", l.File)
			}
		}
		if l.Message < 1 || l.Message > len(ms) {
			t.Fatalf("%s message %d of %d", l.File, l.Message, len(ms))
		}
		mon, ok := byID[l.Monitor]
		if !ok || mon.File != l.File {
			t.Fatalf("label %+v: monitor not in that file", l)
		}
		m := parseMsg(t, ms[l.Message-1])
		if m.device != mon.Device {
			t.Fatalf("%s:%d from %s, labelled %s (%s)", l.File, l.Message, m.device, l.Monitor, mon.Device)
		}
		d := devs[l.Monitor]
		if d == nil {
			d = &devState{ctrls: map[string]string{}}
			devs[l.Monitor] = d
		}
		d.n++
		if !d.lastArr.IsZero() && l.Arrival.Before(d.lastArr) {
			t.Fatalf("%s:%d arrives before the previous message", l.File, l.Message)
		}
		// Clean messages: MSH-10 is new, or the message is a retransmission
		// of the one before, byte for byte; time never runs back; no
		// timestamp is minutes ahead of arrival.
		if l.Label == "clean" {
			retrans := strings.Contains(l.Events, condRetransmit)
			if prev, seen := d.ctrls[m.ctrl]; seen && !retrans {
				t.Errorf("%s:%d clean but reuses MSH-10 %s", l.File, l.Message, m.ctrl)
			} else if retrans && prev != m.raw {
				t.Errorf("%s:%d retransmission differs from the original", l.File, l.Message)
			}
			if m.msgTime.Before(d.lastClean) {
				t.Errorf("%s:%d clean, MSH-7 earlier than the last clean message's", l.File, l.Message)
			}
			d.lastClean = m.msgTime
			if m.msgTime.Sub(l.Arrival) > 2*time.Minute || l.Arrival.Sub(m.msgTime) > 2*time.Minute {
				t.Errorf("%s:%d clean, MSH-7 %v vs arrival %v", l.File, l.Message, m.msgTime, l.Arrival)
			}
			checkCleanValues(t, l, mon, m)
		} else {
			episodes[l.Episode] = append(episodes[l.Episode], l)
			if l.Episode != mon.Episode || l.Label != mon.Kind {
				t.Errorf("%s:%d label %s/%d, monitor says %s/%d", l.File, l.Message, l.Label, l.Episode, mon.Kind, mon.Episode)
			}
		}
		d.ctrls[m.ctrl] = m.raw
		d.last, d.lastArr = m, l.Arrival
	}
	for f, ms := range files {
		n := 0
		for _, l := range labels {
			if l.File == f {
				n++
			}
		}
		if n != len(ms) {
			t.Errorf("%s: %d messages, %d labels", f, len(ms), n)
		}
	}
	for _, m := range mons {
		if devs[m.ID] == nil || devs[m.ID].n != m.Messages {
			t.Errorf("%s: monitors.jsonl says %d messages", m.ID, m.Messages)
		}
		if m.Status == "clean" {
			continue
		}
		ls := episodes[m.Episode]
		if len(ls) == 0 {
			t.Errorf("%s: episode %d has no message", m.ID, m.Episode)
			continue
		}
		if ls[0].Message != m.EpisodeFirst || ls[len(ls)-1].Message != m.EpisodeLast {
			t.Errorf("%s: episode at %d..%d, monitors.jsonl says %d..%d", m.ID, ls[0].Message, ls[len(ls)-1].Message, m.EpisodeFirst, m.EpisodeLast)
		}
	}
}

// checkCleanValues asserts that a clean message holds nothing a
// manipulation is defined by: values a body or a sensor can produce,
// consistent blood-pressure triplets.
func checkCleanValues(t *testing.T, l Label, mon MonitorInfo, m msg) {
	t.Helper()
	num := func(ref string) (float64, bool) {
		o, ok := m.obx[ref]
		if !ok || o.value == "" {
			return 0, false
		}
		v, err := strconv.ParseFloat(o.value, 64)
		if err != nil {
			t.Fatalf("%s:%d %s = %q", l.File, l.Message, ref, o.value)
		}
		if v < 0 { // a "not measured" placeholder
			if o.value != mon.Placeholder {
				t.Errorf("%s:%d %s = %q, placeholder is %q", l.File, l.Message, ref, o.value, mon.Placeholder)
			}
			return 0, false
		}
		return v, true
	}
	bounds := map[string][2]float64{
		"MDC_ECG_HEART_RATE": {20, 260}, "MDC_PULS_OXIM_PULS_RATE": {20, 260}, "MDC_PULS_OXIM_SAT_O2": {50, 100},
		"MDC_RESP_RATE": {0, 120}, "MDC_PRESS_BLD_ART_SYS": {0, 345}, "MDC_AWAY_CO2_ET": {0, 80},
	}
	for ref, b := range bounds {
		if v, ok := num(ref); ok && (v < b[0] || v > b[1]) {
			t.Errorf("%s:%d clean %s = %v outside %v", l.File, l.Message, ref, v, b)
		}
	}
	if v, ok := num("MDC_TEMP"); ok {
		if mon.Layout == "us-vendor" {
			v = (v - 32) * 5 / 9
		}
		if v < 34 || v > 42 {
			t.Errorf("%s:%d clean temperature %v", l.File, l.Message, v)
		}
	}
	for _, bp := range [][3]string{
		{"MDC_PRESS_BLD_ART_SYS", "MDC_PRESS_BLD_ART_DIA", "MDC_PRESS_BLD_ART_MEAN"},
		{"MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA", "MDC_PRESS_BLD_NONINV_MEAN"},
		{"MDC_PRESS_CUFF_SYS", "MDC_PRESS_CUFF_DIA", "MDC_PRESS_CUFF_MEAN"},
	} {
		s, ok1 := num(bp[0])
		d, ok2 := num(bp[1])
		mn, ok3 := num(bp[2])
		if ok1 && ok2 && ok3 && (s <= d || mn < d || mn > s) {
			t.Errorf("%s:%d clean %s %v/%v (%v)", l.File, l.Message, bp[0], s, d, mn)
		}
	}
	for ref, o := range m.obx {
		if o.method != "AMEAS" || !strings.HasPrefix(mon.Device, m.device) || o.equip == "" {
			t.Errorf("%s:%d %s: OBX-17 %q OBX-18 %q", l.File, l.Message, ref, o.method, o.equip)
		}
	}
}

// kindBed simulates a bed of the given kind twice, once without and once
// with its episode, from the same plan.
func kindBed(t *testing.T, kind Kind, seed uint64) (clean, manip *bedSim, ep *episode) {
	t.Helper()
	cfg := Config{Seed: seed, Dir: "unused", Monitors: 1, Hours: 3, Clean: 1, NoGateways: true}
	if err := cfg.defaults(); err != nil {
		t.Fatal(err)
	}
	m := plan(cfg)[0]
	m.kind, m.episode, m.subtle = kind, 1, seed%2 == 1
	m.require(rand.New(rand.NewPCG(seed, 1)))
	if kind == BPInconsist || kind == Step || kind == Frozen || kind == Drift || kind == TooSmooth || kind == OutOfRange {
		m.hasABP = seed%2 == 0
	}
	clean = simulate(m)
	manip = simulate(m)
	ep = manip.manipulate()
	if ep == nil || ep.first > ep.last || ep.last >= len(manip.recs) {
		t.Fatalf("%s: bad episode %+v", kind, ep)
	}
	if len(clean.recs) != len(manip.recs) {
		t.Fatalf("%s: manipulation changed the message count", kind)
	}
	for i := range clean.recs {
		inside := i >= ep.first && i <= ep.last
		if same := sameRecord(&clean.recs[i], &manip.recs[i]); !same && !inside {
			t.Fatalf("%s: record %d outside the episode %d..%d changed", kind, i, ep.first, ep.last)
		}
		if (manip.recs[i].kind == kind) != inside {
			t.Fatalf("%s: record %d labelled %q", kind, i, manip.recs[i].kind)
		}
	}
	return clean, manip, ep
}

func sameRecord(a, b *record) bool {
	for c := range numChannels {
		if a.v[c] != b.v[c] && !(math.IsNaN(a.v[c]) && math.IsNaN(b.v[c])) {
			return false
		}
	}
	return a.msgTime.Equal(b.msgTime) && a.nibpTime.Equal(b.nibpTime) && a.ctrl == b.ctrl &&
		*a.id == *b.id && a.kpa == b.kpa
}

// TestKindsChangeData checks, for every kind and a few seeds, that the
// episode changes the data in the way the kind is defined, and nothing
// outside it.
func TestKindsChangeData(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			for seed := uint64(1); seed <= 6; seed++ {
				clean, manip, ep := kindBed(t, kind, seed)
				checkKind(t, kind, clean, manip, ep)
			}
		})
	}
}

func checkKind(t *testing.T, kind Kind, clean, manip *bedSim, ep *episode) {
	t.Helper()
	c, g := clean.recs, manip.recs
	changed := 0
	for i := ep.first; i <= ep.last; i++ {
		if !sameRecord(&c[i], &g[i]) {
			changed++
		}
	}
	if changed == 0 {
		t.Fatalf("seed %d: episode %d..%d (%s) changes nothing", manip.m.seed, ep.first, ep.last, ep.param)
	}
	ch := func(p string) Channel { return Channel(slices.Index(channelNames[:], p)) }
	n := ep.last - ep.first + 1
	switch kind {
	case Spike:
		if n > 3 {
			t.Errorf("spike of %d messages", n)
		}
	case Frozen:
		for i := ep.first; i <= ep.last; i++ {
			if g[i].v[ch(ep.param)] != g[ep.first].v[ch(ep.param)] {
				t.Fatalf("frozen %s moves", ep.param)
			}
		}
	case Replay:
		if ep.source < 0 || ep.source+n > ep.first {
			t.Fatalf("replay source %d overlaps %d", ep.source, ep.first)
		}
		for i := ep.first; i <= ep.last; i++ {
			if d := math.Abs(g[i].v[HR] - c[ep.source+i-ep.first].v[HR]); d > 1 {
				t.Fatalf("replayed HR differs from its source by %v", d)
			}
			if g[i].ctrl != c[i].ctrl || !g[i].msgTime.Equal(c[i].msgTime) {
				t.Fatal("replay must keep the current MSH-10 and time")
			}
		}
	case Drift:
		p := ep.param
		if p == "ABP" {
			p = "ABP-sys"
		}
		first := math.Abs(g[ep.first].v[ch(p)] - c[ep.first].v[ch(p)])
		last := math.Abs(g[ep.last].v[ch(p)] - c[ep.last].v[ch(p)])
		if n > 5 && last <= first {
			t.Errorf("drift of %s does not grow: %v then %v", p, first, last)
		}
	case TooSmooth:
		p := strings.Split(ep.param, ",")[0]
		if p == "ABP" {
			p = "ABP-sys"
		}
		if n > 20 && sd(g[ep.first:ep.last+1], ch(p)) >= sd(c[ep.first:ep.last+1], ch(p)) {
			t.Errorf("forged %s not smoother than the real one", p)
		}
	case DupControlID:
		for i := ep.first; i <= ep.last; i++ {
			if !slices.ContainsFunc(g[:ep.first], func(r record) bool { return r.ctrl == g[i].ctrl }) {
				t.Fatal("MSH-10 not reused")
			}
		}
	case Step:
		p := ep.param
		if p == "ABP" {
			p = "ABP-sys"
		}
		if math.Abs(g[ep.first].v[ch(p)]-c[ep.first].v[ch(p)]) < 4 {
			t.Errorf("step of %s too small", p)
		}
	case UnitMislabel:
		for i := ep.first; i <= ep.last; i++ {
			if !g[i].kpa || math.Abs(g[i].v[EtCO2]*mmHgPerKPa-c[i].v[EtCO2]) > 1 {
				t.Fatalf("etCO2 %v not %v in kPa", g[i].v[EtCO2], c[i].v[EtCO2])
			}
		}
		var b []byte
		b = render(b, manip.m, &g[ep.first])
		if !bytes.Contains(b, []byte("MDC_AWAY_CO2_ET")) || bytes.Contains(b, []byte("KILO_PASCAL")) || bytes.Contains(b, []byte("kPa")) {
			t.Fatalf("mislabelled etCO2 rendered with a kPa unit: %q", b)
		}
	case OutOfRange:
		v := g[ep.first].v[ch(ep.param)]
		if v > 15 && v < 330 && ep.param != "RR" && ep.param != "SpO2" && ep.param != "Temp" && ep.param != "ABP-sys" && ep.param != "etCO2" {
			t.Errorf("out_of_range %s = %v", ep.param, v)
		}
	case HRPRMismatch:
		for i := ep.first; i <= ep.last; i++ {
			if d := math.Abs(g[i].v[HR] - g[i].v[PR]); !math.IsNaN(d) && (d < 29 || d > 51) {
				t.Fatalf("HR %v PR %v", g[i].v[HR], g[i].v[PR])
			}
		}
		if slices.Contains(manip.conds, condAF) || slices.Contains(manip.conds, condBigeminy) {
			t.Fatal("hr_pr_mismatch on a bed with an irregular rhythm")
		}
	case BPInconsist:
		s, d, m := ABPSys, ABPDia, ABPMean
		if ep.param == "NIBP" {
			s, d, m = NIBPSys, NIBPDia, NIBPMean
		}
		v := g[ep.first].v
		if v[s] > v[d] && v[m] >= v[d] && v[m] <= v[s] {
			t.Fatalf("%s %v/%v (%v) is consistent", ep.param, v[s], v[d], v[m])
		}
	case TimeBackwards:
		if !g[ep.first].msgTime.Before(g[ep.first-1].msgTime) {
			t.Fatal("time does not go back")
		}
	case TimeFuture:
		if g[ep.first].msgTime.Sub(g[ep.first].arrival) < 3*time.Minute {
			t.Fatal("time not ahead")
		}
	case IdentitySwitch:
		if g[ep.first].id.mrn == c[ep.first].id.mrn || g[ep.first].id.visit == c[ep.first].id.visit {
			t.Fatal("identity not switched")
		}
		if g[ep.first].t.Sub(g[ep.first-1].t) != manip.m.cadence {
			t.Fatal("identity switch after a gap")
		}
	case NIBPCadence:
		if manip.m.cadence > 10*time.Second {
			t.Fatalf("cadence %v", manip.m.cadence)
		}
		for i := ep.first + 1; i <= ep.last; i++ {
			if g[i].nibpTime.Equal(g[i-1].nibpTime) || !g[i].nibpNew {
				t.Fatal("NIBP not new every message")
			}
		}
	}
}

// TestUnforgedTwin checks the unforged twin (Config.NoForge) against the forged corpus of the same config: the same
// files, messages, arrivals and events; the same bytes outside the episodes; each episode different somewhere, and on
// its first message where the kind writes it whatever the values (the kinds that move a value label a window whose
// first message may carry the genuine bytes: a ramp from zero, a value frozen at its own level, a channel not
// measured there); every label and bed clean, the dealt kind kept in planned_kind; and the twin the same on every run.
func TestUnforgedTwin(t *testing.T) {
	forged, twin, again := t.TempDir(), t.TempDir(), t.TempDir()
	if _, err := Generate(smallConfig(forged)); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{twin, again} {
		cfg := smallConfig(d)
		cfg.NoForge = true
		if _, err := Generate(cfg); err != nil {
			t.Fatal(err)
		}
	}
	fm, err := readMonitors(filepath.Join(forged, "monitors.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tm, err := readMonitors(filepath.Join(twin, "monitors.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fm) != len(tm) {
		t.Fatalf("%d beds, twin %d", len(fm), len(tm))
	}
	episode := map[string]MonitorInfo{}
	for i, m := range fm {
		w := tm[i]
		if w.Status != "clean" || w.Episode != 0 || w.ID != m.ID || w.Messages != m.Messages ||
			w.PlannedKind != m.Kind || w.PlannedStrength != m.Strength || w.PlannedParameter != m.Parameter {
			t.Errorf("twin's %+v for %+v", w, m)
		}
		if m.Status == "manipulated" {
			episode[m.ID] = m
		}
	}
	fl, tl := readLabels(t, forged), readLabels(t, twin)
	if len(fl) != len(tl) {
		t.Fatalf("%d labels, twin %d", len(fl), len(tl))
	}
	msgs := map[string][2][][]byte{}
	for _, l := range fl {
		if _, ok := msgs[l.File]; !ok {
			msgs[l.File] = [2][][]byte{readFileMsgs(t, filepath.Join(forged, l.File)), readFileMsgs(t, filepath.Join(twin, l.File))}
		}
	}
	always := []Kind{Spike, OutOfRange, TimeBackwards, TimeFuture, IdentitySwitch, DupControlID, NIBPCadence}
	differs := map[string]bool{}
	for i, l := range fl {
		w := tl[i]
		if w.Label != "clean" || w.Episode != 0 || w.File != l.File || w.Message != l.Message || w.Monitor != l.Monitor ||
			!w.Arrival.Equal(l.Arrival) || w.Events != l.Events {
			t.Fatalf("twin's label %+v for %+v", w, l)
		}
		x, y := msgs[l.File][0][l.Message-1], msgs[l.File][1][l.Message-1]
		switch {
		case l.Episode == 0 && !bytes.Equal(x, y):
			t.Errorf("%s message %d (outside the episodes) differs in the twin", l.File, l.Message)
		case l.Episode != 0 && !bytes.Equal(x, y):
			differs[l.Monitor] = true
		case l.Message == episode[l.Monitor].EpisodeFirst && slices.Contains(always, Kind(l.Label)):
			t.Errorf("%s message %d (episode %d's first, %s) is the same in the twin", l.File, l.Message, l.Episode, l.Label)
		}
	}
	for id := range episode {
		if !differs[id] {
			t.Errorf("%s: the twin is the same throughout its episode", id)
		}
	}
	names, _ := filepath.Glob(filepath.Join(twin, "*"))
	for _, n := range names {
		x, _ := os.ReadFile(n)
		y, err := os.ReadFile(filepath.Join(again, filepath.Base(n)))
		if err != nil || !bytes.Equal(x, y) {
			t.Fatalf("twin's %s differs between runs (%v)", filepath.Base(n), err)
		}
	}
}
