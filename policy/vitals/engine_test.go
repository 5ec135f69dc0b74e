package vitals_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/internal/sim"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *vitals.Config)
		want   []string // every line of the error, in order
	}{
		{"default is valid", func(*vitals.Config) {}, nil},
		{"profile", func(c *vitals.Config) { c.Profile = "child" }, []string{`vitals.profile: "child": want adult, paediatric or neonatal`}},
		{"severity and action", func(c *vitals.Config) {
			c.Rules.Frozen.Severity, c.Rules.BPOrder.Action = "high", "drop"
		}, []string{
			`vitals.rules.bp_order.action: action "drop": want forward, annotate or quarantine`,
			`vitals.rules.frozen.severity: severity "high": want info, warning or critical`,
		}},
		{"thresholds", func(c *vitals.Config) {
			c.Rules.Rate.HRStep = 0
			c.Rules.HRPR.Persist = -time.Second
			c.Rules.ReplayWindow.MinDistinct = 40
			c.State.MaxMonitors = 0
			c.State.MaxPerSource = 0
		}, []string{
			"vitals.rules.rate_of_change.hr_step: 0: must be positive",
			"vitals.rules.hr_pr_agreement.persist: -1s: must be positive",
			"vitals.rules.replay_window.min_distinct: 40 not in 1..12",
			"vitals.state.max_monitors: 0 not in 1..10000000",
			"vitals.state.max_per_source: 0 not in 1..10000000",
		}},
		{"range limits", func(c *vitals.Config) {
			c.Rules.Range.Limits = map[string]vitals.Limits{"hr": {Min: 10, Max: 5}, "bogus": {Max: 1}}
		}, []string{
			"vitals.rules.range.limits.bogus: unknown parameter",
			"vitals.rules.range.limits.hr: min 10 not below max 5",
		}},
		{"codes and units", func(c *vitals.Config) {
			c.Codes = map[string]string{"0002-4bb8": "oxygen"}
			c.Units = map[string]string{"mmHG": "mm[Hg]"}
		}, []string{`vitals.codes.0002-4bb8: unknown parameter "oxygen" (want one of hr, pr, pr_inv, spo2, nibp_sys, nibp_dia, nibp_mean, art_sys, art_dia, art_mean, rr, temp, etco2, cvp)`}},
		{"unit table", func(c *vitals.Config) { c.Units = map[string]string{"268160": "Fahrenheit"} },
			[]string{`vitals.units.268160: unknown canonical unit "Fahrenheit"`}},
		{"cuff deviation not a number", func(c *vitals.Config) { c.Rules.NIBPIBP.Deviation = math.NaN() },
			// NaN would judge every cuff reading after the first eight off its learned difference (cuffOffset), and flag each from the third
			[]string{"vitals.rules.nibp_ibp_agreement.deviation: NaN: want >= 0 (0 disables)"}},
		{"alert", func(c *vitals.Config) { c.Alert.MinSeverity = "" },
			[]string{`vitals.alert.min_severity: severity "": want info, warning or critical`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := vitals.DefaultConfig()
			tc.change(&c)
			err := c.Validate()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Validate() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if _, err := vitals.NewEngine(c); (err != nil) != (tc.want != nil) {
				t.Errorf("NewEngine error %v, want error: %v", err, tc.want != nil)
			}
		})
	}
}

func TestExtraUnit(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Units = map[string]string{"268160": "[degF]"}
	checkRules(t, run(t, cfg, []tick{{0, msg{rows: []row{{code: "150344", value: "98.6", unit: "268160"}}}}}))
}

func TestEviction(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.State.MaxMonitors = 3
	cfg.State.IdleEvict = time.Minute
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := hl7.Parse(msg{rows: []row{hr("80")}}.bytes(t0, 0))
	if err != nil {
		t.Fatal(err)
	}
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}) }
	steps := []struct {
		at   time.Duration
		src  int
		want int
	}{
		{0, 1, 1}, {0, 2, 2}, {0, 3, 3},
		{10 * sec, 4, 3},            // at capacity: the least recently seen goes
		{20 * sec, 1, 3},            // 1 was evicted: back, evicting 2
		{5 * time.Minute, 5, 1},     // everyone else idle for over a minute
		{5*time.Minute + sec, 5, 1}, // known stream
	}
	for i, s := range steps {
		e.Observe(addr(s.src), m, t0.Add(s.at), nil)
		if got := e.Monitors(); got != s.want {
			t.Fatalf("step %d: %d monitors, want %d", i, got, s.want)
		}
	}
}

// TestConcurrent runs sessions in parallel, several per source, under -race.
func TestConcurrent(t *testing.T) {
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			mon := sim.NewMonitor(sim.Options{ID: g, Seed: 3})
			src := netip.AddrFrom4([4]byte{10, 0, 0, byte(g % 4)}) // two sessions per source
			var m hl7.Message
			var fs []vitals.Finding
			for range 200 {
				b, at, _ := mon.Next(nil)
				if err := m.Parse(b); err != nil {
					t.Error(err)
					return
				}
				fs = e.Observe(src, &m, at, fs[:0])
			}
		})
	}
	wg.Wait()
	if got := e.Monitors(); got != 8 { // two devices per source, each a monitor of its own
		t.Errorf("%d monitors, want 8", got)
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	mon := sim.NewMonitor(sim.Options{ID: 1, Seed: 11})
	const n = 50
	var msgs [n]hl7.Message
	var at [n]time.Time
	for i := range msgs {
		b, t1, _ := mon.Next(nil)
		if err := msgs[i].Parse(b); err != nil {
			t.Fatal(err)
		}
		at[i] = t1
	}
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddr("10.9.9.9")
	fs := make([]vitals.Finding, 0, 8)
	e.Observe(src, &msgs[0], at[0], fs) // creates the stream
	i := 1
	allocs := testing.AllocsPerRun(n-2, func() {
		fs = e.Observe(src, &msgs[i], at[i], fs[:0])
		if len(fs) > 0 {
			t.Fatalf("unexpected finding %+v", fs[0])
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("Observe allocates %v times per clean message, want 0", allocs)
	}
}

func TestFindingCarriesNoPatientData(t *testing.T) {
	m := msg{pid: "SECRET-MRN^^^H^MR", rows: []row{spo2("130")}}
	fs := run(t, vitals.DefaultConfig(), []tick{{0, m}})
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	if s := fmt.Sprintf("%+v", fs[0]); strings.Contains(s, "SECRET") || strings.Contains(s, "DOE") {
		t.Errorf("finding carries patient data: %s", s)
	}
	f := fs[0]
	if f.Rule != "range" || f.Parameter != "MDC_PULS_OXIM_SAT_O2" || f.Value != 130 || f.Threshold != 100 ||
		f.ControlID != "C0" || f.Equipment != "0012340000000001" || f.Segment != 4 || !f.ObservedAt.Equal(t0) {
		t.Errorf("finding %+v", f)
	}
	if b := vitals.AppendAlert(nil, f, "ALERT1", t0); bytes.Contains(b, []byte("SECRET")) || bytes.Contains(b, []byte("PID")) {
		t.Errorf("alert carries patient data: %q", b)
	}
}

// TestObservationTimeZone: an OBX-14 without a UTC offset is read in vitals.time_zone, like MSH-7.
func TestObservationTimeZone(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.TimeZone = "Europe/Berlin" // UTC+1 in March
	r := spo2("130")
	r.at = "20260301130000" // 12:00 UTC
	fs := run(t, cfg, []tick{{0, msg{ts: "20260301130000", rows: []row{r}}}})
	if len(fs) != 1 || fs[0].Rule != "range" {
		t.Fatalf("findings %v, want one range", rulesOf(fs))
	}
	if !fs[0].ObservedAt.Equal(t0) {
		t.Errorf("observed at %v, want %v (OBX-14 in Europe/Berlin)", fs[0].ObservedAt, t0)
	}
}

func TestAppendAnnotated(t *testing.T) {
	base := "MSH|^~\\&|MON|ICU|||20260301120000||ORU^R01|C1|P|2.6\rPID|||1\rOBR|1\rOBX|1|NM|150456^^MDC|1|130|%\rOBX|2|NM|147842^^MDC|2|80"
	value := vitals.Finding{Rule: "range", Severity: vitals.Critical, Explanation: "a|b", Action: vitals.Annotate, Segment: 3}
	whole := vitals.Finding{Rule: "time_future", Severity: vitals.Warning, Explanation: "late", Action: vitals.Annotate}
	forward := vitals.Finding{Rule: "frozen", Action: vitals.Forward, Segment: 4}
	tests := []struct {
		name string
		msg  string
		fs   []vitals.Finding
		want string
	}{
		{"nothing to annotate", base, []vitals.Finding{forward}, base},
		{"value and message", base, []vitals.Finding{value, whole, forward},
			"MSH|^~\\&|MON|ICU|||20260301120000||ORU^R01|C1|P|2.6\rPID|||1\rOBR|1\rNTE|1|HL7GATE|warning time_future: late\r" +
				"OBX|1|NM|150456^^MDC|1|130|%\rNTE|1|HL7GATE|critical range: a\\F\\b\rOBX|2|NM|147842^^MDC|2|80"},
		{"last segment without terminator", base, []vitals.Finding{{Rule: "frozen", Severity: vitals.Info, Action: vitals.Annotate, Segment: 4, Explanation: "x"}},
			base + "\rNTE|1|HL7GATE|info frozen: x"},
		{"CRLF terminators kept", strings.ReplaceAll(base, "\r", "\r\n") + "\r\n", []vitals.Finding{value},
			strings.ReplaceAll("MSH|^~\\&|MON|ICU|||20260301120000||ORU^R01|C1|P|2.6\rPID|||1\rOBR|1\rOBX|1|NM|150456^^MDC|1|130|%\rNTE|1|HL7GATE|critical range: a\\F\\b\rOBX|2|NM|147842^^MDC|2|80\r", "\r", "\r\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := hl7.Parse([]byte(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(vitals.AppendAnnotated([]byte("prefix"), m, tc.fs)); got != "prefix"+tc.want {
				t.Errorf("got  %q\nwant %q", got, "prefix"+tc.want)
			}
		})
	}
}

func TestAppendAlert(t *testing.T) {
	f := vitals.Finding{Rule: "hr_pr_agreement", Severity: vitals.Warning, Kind: vitals.KindIntegrity,
		Source: netip.MustParseAddr("192.0.2.7"), Equipment: "0012340000000001", Parameter: "MDC_ECG_HEART_RATE",
		Value: 42, ObservedAt: t0, Explanation: "ECG heart rate and pulse rate disagree persistently"}
	m, err := hl7.Parse(vitals.AppendAlert(nil, f, "A-17", t0.Add(time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"MSH-3": "HL7GATE", "MSH-9": "ORU^R40^ORU_R40", "MSH-10": "A-17", "MSH-21.1": "IHE_PCD_ACM_001",
		"OBR-3.1": "A-17", "OBR-4": "196616^MDC_EVT_ALARM^MDC", "OBR-7": "20260301120000+0000",
		"OBX(1)-4": "1.0.0.0.1", "OBX(1)-5.1": "hr_pr_agreement", "OBX(1)-8": "PM~SA", "OBX(1)-18": "0012340000000001",
		"OBX(2)-3.1": "147842", "OBX(2)-5": "42", "OBX(3)-5": "start", "OBX(4)-5": "active",
		"OBX(6)-5": "PM", "OBX(7)-3.2": "MDC_ATTR_ALERT_TYPE", "OBX(7)-4": "1.0.0.0.7", "OBX(7)-5": "SA",
	}
	for path, v := range want {
		if got, err := m.Get(path); err != nil || string(got) != v {
			t.Errorf("%s = %q (%v), want %q", path, got, err, v)
		}
	}
	if _, err := m.Get("PID-3"); !errors.Is(err, hl7.ErrNoSegment) {
		t.Errorf("alert has a PID segment (%v)", err)
	}
}

func TestShouldAlert(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Alert.SendR40 = true
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for sev, want := range map[vitals.Severity]bool{vitals.Info: false, vitals.Warning: true, vitals.Critical: true} {
		if got := e.ShouldAlert(vitals.Finding{Severity: sev}); got != want {
			t.Errorf("ShouldAlert(%s) = %v, want %v", sev, got, want)
		}
	}
}

// TestIdleStreamStartsAfresh: a monitor silent for longer than state.idle_evict starts afresh even when the
// engine's clock went back since a later monitor's message (hl7gate check over several files, each from its
// own first arrival), so that no sweep came for it: its next message is not judged against the old state,
// as in the gateway. A message MSH-7 10 minutes before the monitor's previous one is time_backwards after a
// silence of 2 minutes, and a first message after a silence of 20.
func TestIdleStreamStartsAfresh(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.State.IdleEvict = 15 * time.Minute
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("192.0.2.2")
	for _, tc := range []struct {
		silence  time.Duration
		laterMon bool // another monitor's message, hours later, came first (the clock went back)
		want     bool // time_backwards
	}{
		{2 * time.Minute, true, true},
		{20 * time.Minute, true, false},
		{20 * time.Minute, false, false},
	} {
		e, err := vitals.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		observe := func(src netip.Addr, m msg, arrival time.Time, n int) []vitals.Finding {
			pm, err := hl7.Parse(m.bytes(arrival, n))
			if err != nil {
				t.Fatal(err)
			}
			return e.Observe(src, pm, arrival, nil)
		}
		if tc.laterMon {
			observe(b, msg{app: "MON2^0012340000000002^EUI-64", rows: []row{hr("80")}}, t0.Add(10*time.Hour), 1)
		}
		observe(a, msg{rows: []row{hr("80")}}, t0, 1)
		back := string(hl7.AppendTime(nil, t0.Add(-10*time.Minute)))
		got := false
		for _, f := range observe(a, msg{ts: back, rows: []row{hr("80")}}, t0.Add(tc.silence), 2) {
			got = got || f.Rule == "time_backwards"
		}
		if got != tc.want {
			t.Errorf("silence %s, clock back %v: time_backwards %v, want %v", tc.silence, tc.laterMon, got, tc.want)
		}
	}
}
