package vitals_test

import (
	"net/netip"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestEpisodes: a condition that persists is one Finding; with ReportClose
// its end is a second one, Closed, counting the messages that showed it.
func TestEpisodes(t *testing.T) {
	ticks := then(then(baseline(), 10*sec, every(30, 10*sec, func(i int) msg { m := normal(i + 500); m.rows[2] = spo2("130"); return m })), 10*sec,
		every(40, 10*sec, func(i int) msg { return normal(i + 2000) }))
	fs := run(t, vitals.DefaultConfig(), ticks)
	checkRules(t, fs, "range")
	if len(fs) != 1 || fs[0].Count != 1 || fs[0].Closed {
		t.Fatalf("findings %+v, want one opening", fs)
	}
	cfg := vitals.DefaultConfig()
	cfg.State.ReportClose = true
	fs = run(t, cfg, ticks)
	if len(fs) != 2 || !fs[1].Closed || fs[1].Rule != "range" || fs[1].Count != 30 {
		t.Fatalf("findings %+v, want an opening and a close after 30 messages", fs)
	}
}

// TestVendorConventions: real vendors' spellings are read, not flagged.
func TestVendorConventions(t *testing.T) {
	one := func(rows ...row) []tick { return []tick{{0, msg{rows: rows}}} }
	tests := []struct {
		name  string
		ticks []tick
		want  []string
	}{
		{"placeholders -100, -1, -1000, -99.9, -32767 are not measured", one(hr("-100"), pr("-1"), spo2("-1000"), rr("-99.9"), temp("-32767")), nil},
		{"bpm, rpm, cel, degF and 268160", one(row{code: "147842", value: "80", unit: "bpm"}, row{code: "151562", value: "16", unit: "rpm"},
			row{code: "150344", value: "37.1", unit: "cel"}, row{code: "188496", value: "98.6", unit: "degF"}, row{code: "150364", value: "98.6", unit: "268160"}), nil},
		{"LOINC first, MDC as the alternate identifier", one(row{code: "X-LOCAL^Heart rate^LN^147842^MDC_ECG_HEART_RATE^MDC", value: "400", unit: "/min"}), []string{"range"}},
		{"the vendor's own unit code first, MDC's as the alternate identifier", one(row{code: "0002-4182^HR^MDIL^147842^MDC_ECG_HEART_RATE^MDC", value: "400",
			unit: "0004-0aa0^/min^MDIL^264864^MDC_DIM_BEAT_PER_MIN^MDC"}), []string{"range"}},
		{"the vendor's own unit code first, UCUM's as the text", one(row{code: "150456", value: "130", unit: "0004-0220^%^MDIL"}), []string{"range"}},
		{"an unknown unit in every component", one(row{code: "150456", value: "97", unit: "0004-9999^furlong^MDIL^1^X^MDC"}), []string{"unit_mismatch"}},
		{"blank OBX-11 is read", one(row{code: "150456", value: "130", unit: "%", status: " "}), []string{"range"}},
		{"a monitor's own patient query is not checked", []tick{{0, msg{typ: "QBP^ZV1^QBP_Q21", rows: []row{spo2("130")}}}}, nil},
		{"adult breathing at 180/min", one(rr("180")), []string{"range"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkRules(t, run(t, vitals.DefaultConfig(), tc.ticks), tc.want...) })
	}
}

// TestPerMonitorProfile: the neonatal limits follow PV1-3, per monitor.
func TestPerMonitorProfile(t *testing.T) {
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		app, pv1 string
		want     int
	}{{"ADULTMON", "ICU^12", 0}, {"NEOMON", "NICU^3", 1}} {
		m, err := hl7.Parse([]byte("MSH|^~\\&|" + tc.app + "|F|||20260301120000||ORU^R01|1|P|2.6\rPID|||7\rPV1||I|" + tc.pv1 +
			"\rOBX|1|NM|150021^^MDC|1|160|mm[Hg]|||||R"))
		if err != nil {
			t.Fatal(err)
		}
		if fs := e.Observe(netip.MustParseAddr("192.0.2.1"), m, t0, nil); len(fs) != tc.want {
			t.Errorf("%s: cuff 160 mmHg gave %d findings, want %d", tc.pv1, len(fs), tc.want)
		}
	}
}

// TestDevicesBehindOneAddress: an aggregating gateway's beds are separate
// monitors, and interleaving beds are not an identity switch; one device
// replacing another is.
func TestDevicesBehindOneAddress(t *testing.T) {
	bed := func(app string) func(int) msg {
		return func(i int) msg { m := normal(i); m.app = app; m.equip = ""; return m }
	}
	interleaved := every(60, 5*sec, func(i int) msg {
		if i%2 == 0 {
			return bed("BED1^0012340000000011^EUI-64")(i)
		}
		return bed("BED2^0012340000000022^EUI-64")(i + 500)
	})
	checkRules(t, run(t, vitals.DefaultConfig(), interleaved))
	replaced := then(every(20, 10*sec, bed("MON1^0012340000000011^EUI-64")), 10*sec, every(10, 10*sec, func(i int) msg {
		return bed("ROGUE^0012340000000099^EUI-64")(i + 20)
	}))
	checkRules(t, run(t, vitals.DefaultConfig(), replaced), "identity_application")
}

// TestUnidentifiedAdmission: a bed admitted unidentified then identified.
func TestUnidentifiedAdmission(t *testing.T) {
	ticks := then(every(10, 10*sec, func(i int) msg { m := normal(i); m.pid = "TMP1"; return m }), 10*sec,
		every(10, 10*sec, func(i int) msg { m := normal(i + 10); m.pid = "4711^^^H^MR"; return m }))
	for i := range 10 {
		ticks[i].m.pidName = "^^^^^^U"
	}
	checkRules(t, run(t, vitals.DefaultConfig(), ticks))
}
