package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Review of vendor39c (session 39, review39a): the table a stream reads
// follows MSH-3 as sent.

// senderBed is message i of a bed whose arterial line's pulse rate (149522)
// agrees with the heart rate (80–82) and whose oximeter's (149530) is
// written 40 above it when forged.
func senderBed(i int, app, eui string, forged bool) msg {
	h := 80 + float64(i%3)
	p := h + float64((i+1)%3) - 1
	if forged {
		p = h + 40
	}
	return msg{app: app, equip: eui, rows: []row{hr(num(h)), {code: "149522", value: num(h), unit: "264864"}, pr(num(p)),
		spo2(num(96 + float64(i%2))), rr(num(16 + float64(i%3)))}}
}

// TestSenderTableOnGatewayBedsReview39a: an aggregating gateway's beds
// (one MSH-3, each bed its EUI-64 in OBX-18) all read the gateway's
// sender's table, the bed whose stream the device's became as well as the
// beds made after: with 149522@EGATEWAY: pr_inv, one bed's oximeter rate
// forged 40 above its heart rate beside an agreeing line is hr_pr_agreement;
// the genuine beds are quiet.
func TestSenderTableOnGatewayBedsReview39a(t *testing.T) {
	const gw = "EGATEWAY^00A037FFFE5AB708^EUI-64"
	euis := []string{"00E0D6FFFE000001", "00E0D6FFFE000002", "00E0D6FFFE000003"}
	cfg := vitals.DefaultConfig()
	cfg.Codes = map[string]string{"149522@EGATEWAY": "pr_inv"}
	for forgedBed := -1; forgedBed < 3; forgedBed++ {
		ticks := every(270, 5*sec, func(i int) msg {
			b := i % 3
			return senderBed(i/3, gw, euis[b], b == forgedBed && i/3 >= 45)
		})
		if forgedBed >= 0 { // every sender's reading (main's): the forged rate is a second row, unjudged
			checkRules(t, only(run(t, vitals.DefaultConfig(), ticks), "hr_pr_agreement"))
		}
		fs := only(run(t, cfg, ticks), "hr_pr_agreement")
		if forgedBed < 0 {
			checkRules(t, fs)
			continue
		}
		if len(fs) == 0 {
			t.Errorf("bed %d forged: no hr_pr_agreement", forgedBed)
		}
		for _, f := range fs {
			if f.Equipment != euis[forgedBed] {
				t.Errorf("bed %d forged: hr_pr_agreement on %s", forgedBed, f.Equipment)
			}
		}
	}
}

// TestSenderSwitchedMidStreamReview39a: a forger who takes over a monitor
// whose sender has a table of its own (149522@ACME: pr_inv) and rewrites
// MSH-3 to another sender's reads 149522 as every sender's pulse rate: the
// oximeter's rate forged 40 above the heart rate beside the line's agreeing
// one goes unjudged, as on main. The table cannot change within a stream:
// the new MSH-3 is a new device on the connection, reported as
// identity_application.
func TestSenderSwitchedMidStreamReview39a(t *testing.T) {
	const acme, other = "ACME_ICU^0012340000000001^EUI-64", "B40_GE^0012340000000001^EUI-64"
	cfg := vitals.DefaultConfig()
	cfg.Codes = map[string]string{"149522@ACME": "pr_inv"}
	ticks := then(every(30, 10*sec, func(i int) msg { return senderBed(i, acme, "", false) }),
		10*sec, every(60, 10*sec, func(i int) msg { return senderBed(i+30, other, "", true) }))
	checkRules(t, run(t, cfg, ticks), "identity_application")
	// The same forgery under ACME's own MSH-3 is judged.
	kept := then(every(30, 10*sec, func(i int) msg { return senderBed(i, acme, "", false) }),
		10*sec, every(60, 10*sec, func(i int) msg { return senderBed(i+30, acme, "", true) }))
	if fs := only(run(t, cfg, kept), "hr_pr_agreement"); len(fs) == 0 {
		t.Errorf("ACME's MSH-3 kept: no hr_pr_agreement")
	}
}
