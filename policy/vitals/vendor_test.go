package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Session 39 (vendor39c, issue 14): the code table per sender. codes.csv's
// sender column and vitals.codes' CODE@SENDER keys read a code as another
// parameter for the monitors whose sending application (MSH-3) starts with
// the sender. No row of codes.csv names a sender: MDC_BLD_PULS_RATE_INV
// (149522) is the pulse rate (pr) for every monitor, as before; a site maps
// it to the arterial pulse rate in configuration (149522@SENDER: pr_inv).

const (
	comenApp = "COMEN^00D0C9FFFE000001^EUI-64" // corpus5's Comen layout
	geApp    = "B40_GE^080019FFFE0B4020^EUI-64"
)

// TestPulseRateCodeBySender39: 149522 out of range is reported as the
// parameter the sender's code table reads it as: the pulse rate for every
// monitor by default (Comen's or another's), and as configured (vitals.codes
// CODE@SENDER) for a sender the configuration names, ignoring case, a
// prefix of MSH-3's namespace ID (not a substring), the longest matching
// sender winning. A sender's row wins over the row for every sender.
func TestPulseRateCodeBySender39(t *testing.T) {
	senders := map[string]string{"149522@Acme": "pr_inv", "149522@ACME_NICU": "hr"}
	overrides := map[string]string{"149522": "pr_inv", "149522@Comen": "pr"}
	for _, tc := range []struct {
		codes     map[string]string
		app, want string
	}{
		{nil, comenApp, "MDC_PULS_OXIM_PULS_RATE"},
		{nil, "COMEN_C80", "MDC_PULS_OXIM_PULS_RATE"},
		{nil, geApp, "MDC_PULS_OXIM_PULS_RATE"},
		{nil, "", "MDC_PULS_OXIM_PULS_RATE"},
		{senders, "ACME_ICU", "MDC_BLD_PULS_RATE_INV"},
		{senders, "acme^7", "MDC_BLD_PULS_RATE_INV"},
		{senders, "acme_nicu7", "MDC_ECG_HEART_RATE"}, // the longer sender
		{senders, "XACME", "MDC_PULS_OXIM_PULS_RATE"}, // a prefix, not a substring
		{senders, "ACM", "MDC_PULS_OXIM_PULS_RATE"},
		{senders, geApp, "MDC_PULS_OXIM_PULS_RATE"},
		{senders, comenApp, "MDC_PULS_OXIM_PULS_RATE"},
		{overrides, geApp, "MDC_BLD_PULS_RATE_INV"},
		{overrides, "COMEN_C80", "MDC_PULS_OXIM_PULS_RATE"},
	} {
		cfg := vitals.DefaultConfig()
		cfg.Codes = tc.codes
		t.Run(tc.app, func(t *testing.T) {
			ts := every(3, 10*sec, func(i int) msg {
				return msg{app: tc.app, rows: []row{{code: "149522", value: "400", unit: "264864"}}}
			})
			var got []string
			for _, f := range only(run(t, cfg, ts), "range") {
				got = append(got, f.Parameter)
			}
			if len(got) == 0 || got[0] != tc.want {
				t.Errorf("range findings on %v, want %s", got, tc.want)
			}
		})
	}
}

// TestPulseRateCodeConfiguredPerSender39: vitals.codes 149522@ACME: pr_inv
// makes ACME's 149522 the arterial line's pulse rate while another
// sender's stays the pulse rate, through the engine. A monitor with an
// arterial line sends the line's pulse rate (149522) before the oximeter's
// (149530). Read as the pulse rate (the default, every sender), the line's
// count takes the oximeter's place and the oximeter's is only a second row:
// an oximeter's pulse rate 40 above the heart rate for 5 min beside an
// agreeing line goes unjudged by hr_pr_agreement. With the row configured
// for ACME, ACME's oximeter rate is the pulse rate and is judged; the same
// bed from another sender stays as main reads it.
func TestPulseRateCodeConfiguredPerSender39(t *testing.T) {
	bed := func(app string, forged bool) []tick {
		return every(60, 10*sec, func(i int) msg {
			h := 80 + float64(i%3)
			p := h + float64((i+1)%3) - 1
			if forged && i >= 30 {
				p = h + 40
			}
			return msg{app: app, rows: []row{hr(num(h)), {code: "149522", value: num(h), unit: "264864"}, pr(num(p)),
				spo2(num(96 + float64(i%2))), rr(num(16 + float64(i%3)))}}
		})
	}
	const acme = "ACME_ICU^080019FFFE0B4020^EUI-64"
	cfg := vitals.DefaultConfig()
	cfg.Codes = map[string]string{"149522@ACME": "pr_inv"}
	checkRules(t, only(run(t, cfg, bed(acme, false)), "hr_pr_agreement"))
	if fs := only(run(t, cfg, bed(acme, true)), "hr_pr_agreement"); len(fs) == 0 {
		t.Errorf("ACME (149522@ACME: pr_inv): the oximeter's pulse rate 40 above the heart rate for 5 min beside an arterial line's agreeing one: no hr_pr_agreement")
	}
	for _, app := range []string{geApp, comenApp} {
		checkRules(t, only(run(t, cfg, bed(app, true)), "hr_pr_agreement"))
		checkRules(t, only(run(t, vitals.DefaultConfig(), bed(app, true)), "hr_pr_agreement"))
	}
	// The same bed from ACME without the row: as every sender's.
	checkRules(t, only(run(t, vitals.DefaultConfig(), bed(acme, true)), "hr_pr_agreement"))
	// Out of range: ACME's 149522 is reported as the arterial pulse rate,
	// another sender's as the pulse rate.
	for app, want := range map[string]string{acme: "MDC_BLD_PULS_RATE_INV", geApp: "MDC_PULS_OXIM_PULS_RATE"} {
		ts := every(3, 10*sec, func(i int) msg {
			return msg{app: app, rows: []row{{code: "149522", value: "400", unit: "264864"}}}
		})
		fs := only(run(t, cfg, ts), "range")
		if len(fs) == 0 || fs[0].Parameter != want {
			t.Errorf("%s: range findings %v, want on %s", app, fs, want)
		}
	}
}
