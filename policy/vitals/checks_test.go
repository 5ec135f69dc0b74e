package vitals_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

func TestRange(t *testing.T) {
	neonatal := vitals.DefaultConfig()
	neonatal.Profile = "neonatal"
	extra := vitals.DefaultConfig()
	extra.Codes = map[string]string{"0002-4bb8": "spo2"}
	one := func(rows ...row) []tick { return []tick{{0, msg{rows: rows}}} }
	tests := []struct {
		name  string
		cfg   vitals.Config
		ticks []tick
		want  []string
	}{
		{"spo2 above 100", vitals.DefaultConfig(), one(spo2("104")), []string{"range"}},
		{"heart rate 400", vitals.DefaultConfig(), one(hr("400")), []string{"range"}},
		{"asystole: HR 0 is possible", vitals.DefaultConfig(), one(hr("0")), nil},
		{"neonatal HR 320 possible", neonatal, one(hr("320")), nil},
		{"neonatal cuff max 140", neonatal, one(nibpS("150", ""), nibpD("90", ""), nibpM("110", "")), []string{"range"}},
		{"adult cuff 150 fine", vitals.DefaultConfig(), one(nibpS("150", ""), nibpD("90", ""), nibpM("110", "")), nil},
		{"fahrenheit labelled Cel", vitals.DefaultConfig(), one(temp("98.6")), []string{"unit_mismatch"}},
		{"fahrenheit as [degF]", vitals.DefaultConfig(), one(row{code: "150344", value: "98.6", unit: "[degF]"}), nil},
		{"fahrenheit as MDC 266560", vitals.DefaultConfig(), one(row{code: "150344", value: "98.6", unit: "266560^MDC_DIM_FAHR^MDC"}), nil},
		{"temperature 47 Cel", vitals.DefaultConfig(), one(temp("47")), []string{"range"}},
		{"etCO2 in kPa normalised", vitals.DefaultConfig(), one(row{code: "151708", value: "5.3", unit: "kPa"}), nil},
		{"heart rate in percent", vitals.DefaultConfig(), one(row{code: "147842", value: "80", unit: "%"}), []string{"unit_mismatch"}},
		{"unknown unit", vitals.DefaultConfig(), one(row{code: "147842", value: "80", unit: "furlongs"}), []string{"unit_mismatch"}},
		{"no unit: base unit assumed", vitals.DefaultConfig(), one(row{code: "147842", value: "80"}), nil},
		{"LOINC SpO2", vitals.DefaultConfig(), one(row{code: "59408-5", value: "130", unit: "%"}), []string{"range"}},
		{"11073 NaN sentinel", vitals.DefaultConfig(), one(hr("8388607")), nil},
		{"SFLOAT NRes sentinel", vitals.DefaultConfig(), one(spo2("-2048")), nil},
		{"-999 placeholder", vitals.DefaultConfig(), one(hr("-999")), nil},
		{"OBX-8 DEMO", vitals.DefaultConfig(), one(row{code: "150456", value: "130", unit: "%", flags: "A~DEMO"}), []string{"demo_data", "range"}},
		{"OBX-11 X", vitals.DefaultConfig(), one(row{code: "150456", value: "130", unit: "%", status: "X"}), []string{"range"}},
		{"MSH-11 D", vitals.DefaultConfig(), []tick{{0, msg{proc: "D", rows: []row{spo2("130")}}}}, []string{"demo_data", "range"}},
		{"not a number", vitals.DefaultConfig(), one(hr("eighty")), nil},
		{"extra code from config", extra, one(row{code: "0002-4bb8", value: "130", unit: "%"}), []string{"range"}},
		{"unknown code ignored", vitals.DefaultConfig(), one(row{code: "999999", value: "130"}), nil},
		{"second row of a parameter judged too", vitals.DefaultConfig(), one(spo2("97"), spo2("130")), []string{"range"}},
		{"range reported once per episode", vitals.DefaultConfig(), every(5, 10*sec, func(int) msg { return msg{rows: []row{spo2("104")}} }), []string{"range"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, tc.cfg, tc.ticks)
			checkRules(t, fs, tc.want...)
			if len(tc.want) > 0 && len(fs) != len(tc.want) { // one finding per rule: a persisting condition is one episode
				t.Errorf("%d findings, want %d", len(fs), len(tc.want))
			}
		})
	}
}

func TestReplay(t *testing.T) {
	varying := func(i int) msg { return vitalsAt(i, 70+float64(i%17), 72+float64(i%11), 95+float64(i%4)) }
	withCtrl := func(ctrl string, i int) msg { m := varying(i); m.ctrl = ctrl; return m }
	resent := withCtrl("A2", 1)
	resent.ts = "20260301120010"
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"re-send after lost ACK", []tick{{0, withCtrl("A1", 0)}, {10 * sec, resent}, {15 * sec, resent}, {20 * sec, withCtrl("A3", 2)}}, nil},
		{"control ID reused with other content", then(baseline(), 10*sec, []tick{{0, withCtrl("A1", 0)}, {10 * sec, withCtrl("A2", 1)}, {20 * sec, withCtrl("A1", 2)}}), []string{"replay_control_id"}},
		{"a device that reuses its IDs from the start", every(40, 10*sec, func(i int) msg { m := normal(i); m.ctrl = "1"; return m }), nil},
		{"identical message 10 min later", []tick{{0, msg{ctrl: "A1", ts: "20260301120000", rows: []row{hr("80")}}}, {10 * time.Minute, msg{ctrl: "A1", ts: "20260301120000", rows: []row{hr("80")}}}},
			[]string{"replay_control_id"}},
		{"values of 20 earlier messages replayed", then(every(60, 10*sec, varying), 10*sec, every(20, 10*sec, func(i int) msg { return varying(i + 10) })),
			[]string{"replay_window"}},
		{"values of 20 messages from an hour earlier replayed with ±1 jitter", then(every(400, 10*sec, varying), 10*sec, every(20, 10*sec, func(i int) msg {
			m := varying(i + 40)
			for j := range m.rows {
				if v, err := strconv.ParseFloat(m.rows[j].value, 64); err == nil && m.rows[j].code != "150344" {
					m.rows[j].value = num(v + float64(i%3-1))
				}
			}
			return m
		})), []string{"replay_window"}},
		{"13 minutes from 90 minutes earlier replayed with ±1 jitter at a 2 s cadence", then(every(2800, 2*sec, varying), 2*sec, every(400, 2*sec, func(i int) msg {
			m := varying(i + 104) // a lag of 2,696 messages, beyond 1,024: every 8th is remembered
			for j := range m.rows {
				if v, err := strconv.ParseFloat(m.rows[j].value, 64); err == nil && m.rows[j].code != "150344" {
					m.rows[j].value = num(v + float64(i%3-1))
				}
			}
			return m
		})), []string{"replay_window"}},
		{"12 minutes from two hours earlier replayed at a 60 s cadence", then(every(130, time.Minute, func(i int) msg { return vitalsAt(i, 70+float64(i%17), 72+float64(i%11), 94+float64(i%5)) }), time.Minute,
			every(12, time.Minute, func(i int) msg { return vitalsAt(i+3, 70+float64((i+3)%17), 72+float64((i+3)%11), 94+float64((i+3)%5)) })), []string{"replay_window"}},
		{"12 minutes with an arterial flush replayed at a 60 s cadence", then(every(130, time.Minute, flushedAt(8)), time.Minute,
			every(12, time.Minute, func(i int) msg { return jittered(flushedAt(8)(i+3), i) })), []string{"replay_window"}},
		{"arterial flushes of a quiet patient an hour apart are not a replay", every(240, time.Minute, func(i int) msg {
			m := msg{rows: []row{hr(num(72 + float64(i%2))), pr("72"), spo2("97"), rr("16")}}
			v := num(80 + float64(i%2))
			if i%60 == 7 {
				v = "300"
			}
			m.rows = append(m.rows, artS(v), artD(v), artM(v))
			return m
		}), nil},
		{"a sleeping neonate whose values wander inside the tolerance for 3 h is not a replay", func() []tick {
			r := rand.New(rand.NewPCG(16, 19))
			return every(1080, 10*sec, func(int) msg {
				return msg{rows: []row{hr(num(120 + float64(r.IntN(4)))), pr(num(120 + float64(r.IntN(4)))), rr(num(35 + float64(r.IntN(4)))),
					artS(num(50 + float64(r.IntN(4)))), artD(num(28 + float64(r.IntN(4)))), artM(num(34 + float64(r.IntN(4))))}}
			})
		}(), nil},
		{"a quiet patient's arterial line zeroed every 45 min is not a replay", every(480, 30*sec, func(i int) msg {
			a := num(93 + float64(i%2))
			if i%91 == 5 {
				a = "1"
			}
			return msg{rows: []row{hr(num(66 + float64(i%2))), pr("66"), spo2("97"), rr(num(11 + float64(i%2))), artS(a), artD(a), artM(a)}}
		}), nil},
		{"10 minutes from two hours earlier replayed at a 60 s cadence", then(every(130, time.Minute, moving), time.Minute,
			every(10, time.Minute, func(i int) msg { return moving(i + 3) })), []string{"replay_window"}},
		{"an hour of a stable patient is not a replay", every(400, 10*sec, normal), nil},
		{"three hours of a stable patient at a 2 s cadence are not a replay", every(5400, 2*sec, normal), nil},
		{"plateau repeating is not a replay", every(80, 10*sec, func(i int) msg { return msg{rows: []row{hr("70"), pr(num(70 + float64(i%2))), spo2("100")}} }), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...)
		})
	}
}

// moving returns a patient at a 60 s cadence whose heart rate, saturation
// and arterial pressure move by a few units from one message to the next.
func moving(i int) msg {
	h := 60 + 5*float64(i%12)
	m := vitalsAt(i, h, h, 90+2*float64(i%4))
	m.rows = append(m.rows, artM(num(80+3*float64(i%7))))
	return m
}

// flushedAt returns a patient at a 60 s cadence whose values vary, with
// an arterial line flushed (300 mmHg) in message f.
func flushedAt(f int) func(int) msg {
	return func(i int) msg {
		m := vitalsAt(i, 70+float64(i%17), 72+float64(i%11), 94+float64(i%5))
		s, d, mean := num(110+float64(i%7)), num(60+float64(i%5)), num(80+float64(i%6))
		if i == f {
			s, d, mean = "300", "300", "300"
		}
		m.rows = append(m.rows, artS(s), artD(d), artM(mean))
		return m
	}
}

// jittered adds −1, 0 or +1 (by i) to every value of m but the temperature
// and a flushed line's.
func jittered(m msg, i int) msg {
	for j := range m.rows {
		if v, err := strconv.ParseFloat(m.rows[j].value, 64); err == nil && m.rows[j].code != "150344" && v < 300 {
			m.rows[j].value = num(v + float64(i%3-1))
		}
	}
	return m
}

func TestTime(t *testing.T) {
	// clock returns 30 messages 10 s apart whose MSH-7 is off by d(i).
	clock := func(d func(i int) time.Duration) []tick {
		return every(30, 10*sec, func(i int) msg {
			m := normal(i)
			m.ts = t0.Add(time.Duration(i)*10*sec + d(i)).Format("20060102150405")
			return m
		})
	}
	from := func(first, last int, d time.Duration) func(int) time.Duration {
		return func(i int) time.Duration {
			if i >= first && i <= last {
				return d
			}
			return 0
		}
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"clock one hour ahead from the start (learned)", clock(from(0, 30, time.Hour)), nil},
		// The return to the arrival's time ends the jump (session 16: a clock set right is no finding).
		{"clock jumps 10 min ahead for 4 messages", clock(from(10, 13, 10*time.Minute)), []string{"time_future"}},
		{"clock jumps 1 h back for 4 messages", clock(from(10, 13, -time.Hour)), []string{"time_backwards", "time_skew"}},
		{"NTP steps back 2 s", clock(from(10, 30, -12*sec)), nil},
		{"observation time after message time", []tick{{0, msg{rows: []row{nibpS("120", "20260301121000"), nibpD("70", "20260301121000"), nibpM("85", "20260301121000")}}}},
			[]string{"time_future"}},
		{"new offset adopted after a DST step", clock(from(10, 30, time.Hour)), []string{"time_future"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), tc.ticks)
			checkRules(t, fs, tc.want...)
			if len(tc.want) > 0 && len(fs) != len(tc.want) {
				t.Errorf("%d findings, want one per rule", len(fs))
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	with := func(f func(i int, m *msg)) func(int) msg {
		return func(i int) msg { m := normal(i); f(i, &m); return m }
	}
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"patient changes mid-stream", every(10, 10*sec, with(func(i int, m *msg) {
			if i >= 5 {
				m.pid = "99999^^^H^MR"
			}
		})), []string{"identity_patient"}},
		{"patient changes after an admission message", every(10, 10*sec, with(func(i int, m *msg) {
			if i == 5 {
				m.typ, m.rows = "ADT^A01^ADT_A01", nil
			}
			if i >= 5 {
				m.pid = "99999^^^H^MR"
			}
		})), nil},
		{"new patient after a 20 min gap", then(every(5, 10*sec, normal), 20*time.Minute, every(5, 10*sec, with(func(i int, m *msg) { m.pid = "99999^^^H^MR" }))), nil},
		{"unassociated bed then a patient", every(10, 10*sec, with(func(i int, m *msg) {
			if i < 5 {
				m.pid = "none"
			}
		})), nil},
		{"discharged, empty PID for 15 min, then a new patient", then(then(every(5, 10*sec, normal), 10*sec,
			every(90, 10*sec, with(func(i int, m *msg) { m.pid = "none" }))), 10*sec,
			every(5, 10*sec, with(func(i int, m *msg) { m.pid = "99999^^^H^MR" }))), nil},
		{"equipment identifier changes", every(10, 10*sec, with(func(i int, m *msg) {
			if i >= 5 {
				m.equip = "00AA000000000002"
			}
		})), []string{"identity_equipment"}},
		{"sending application changes", every(10, 10*sec, with(func(i int, m *msg) {
			if i >= 5 {
				m.app = "EMULATOR"
			}
		})), []string{"identity_application"}},
		{"temperature unit changes", every(10, 10*sec, with(func(i int, m *msg) {
			if i >= 5 {
				m.rows[len(m.rows)-1] = row{code: "150344", value: "98.6", unit: "[degF]"}
			}
		})), []string{"unit_change"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, vitals.DefaultConfig(), tc.ticks)
			checkRules(t, fs, tc.want...)
			for _, f := range fs {
				if f.SendingApplication == "" || f.ControlID == "" || !f.Source.IsValid() {
					t.Errorf("finding without monitor identity: %+v", f)
				}
			}
		})
	}
}

func TestRuleSettings(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.Rules.Range.Enabled = false
	cfg.Rules.BPOrder.Severity, cfg.Rules.BPOrder.Action = "info", "quarantine"
	fs := run(t, cfg, []tick{{0, msg{rows: []row{spo2("130"), artS("70"), artD("120"), artM("90")}}}, {10 * sec, msg{rows: []row{artS("70"), artD("120"), artM("90")}}}})
	checkRules(t, fs, "bp_order")
	if len(fs) == 1 && (fs[0].Severity != vitals.Info || fs[0].Action != vitals.Quarantine || fs[0].Kind != vitals.KindIntegrity) {
		t.Errorf("finding %+v: want severity info, action quarantine, kind integrity", fs[0])
	}
}
