package vitals_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// review47u: the attacks on unk47's unidentified family names
// (Engine.unidentified). unk47 makes an identity provisional by its PID-5
// family name as sex U (PID-8) did: an identity change from a provisional
// identity to a complete one under the same visit and bed raises no
// identity_patient.

// nameBed returns n messages 10 s apart of patient id named name (PID-5 as
// written, PID-8 sex after it) in NICU bed 07 under visit, from message k.
func nameBed(k, n int, id, name, sex, visit string) []tick {
	return every(n, 10*sec, func(i int) msg {
		m := normal(k + i)
		m.pid, m.pidName = id, name+"|||"+sex
		m.pv1 = "|I|NICU^07^B" + strings.Repeat("|", 16) + visit
		return m
	})
}

// chain joins parts 10 s apart.
func chain(parts ...[]tick) []tick {
	ts := parts[0]
	for _, p := range parts[1:] {
		ts = then(ts, 10*sec, p)
	}
	return ts
}

// switches returns the identity_patient findings of ticks, each switch an
// episode of its own (a holdoff shorter than the messages' spacing: with
// the default 5 min, switches a few messages apart are one episode, and so
// one finding, whether the second is excused or not).
func switches(t *testing.T, ticks []tick) int {
	t.Helper()
	cfg := vitals.DefaultConfig()
	cfg.State.EpisodeHoldoff = time.Second
	return len(only(run(t, cfg, ticks), "identity_patient"))
}

// TestReview47uForger: a device (or a forger on the wire) that controls PID
// and writes a placeholder family name under a made-up number for a message
// or two, then another real patient under the same visit and bed. The step
// onto the placeholder is reported (a complete identity is never
// provisional), the step off it is not: one finding for the two switches,
// exactly as with sex U on main. The name adds no capability sex U did not
// already give; a placeholder name under the real patient's own number
// marks nothing (the patient did not change), and "accepted once" holds.
func TestReview47uForger(t *testing.T) {
	real := nameBed(0, 10, "4711^^^H^MR", "KHAN^EVIE", "F", "V1")
	other := nameBed(12, 10, "5000^^^H^MR", "ROE^RICHARD", "M", "V1")
	temp := nameBed(0, 10, "T100^^^H^MR", "UNKNOWN^BABY", "F", "V1")
	for _, tc := range []struct {
		name  string
		ticks []tick
		want  int
	}{
		{"real, UNKNOWN for two messages, another real: the step onto UNKNOWN", chain(real,
			nameBed(10, 2, "T999^^^H^MR", "UNKNOWN^PATIENT", "F", "V1"), other), 1},
		{"the same with sex U (main's mark)", chain(real, nameBed(10, 2, "T999^^^H^MR", "DOE^JANE", "U", "V1"), other), 1},
		{"the same with no mark", chain(real, nameBed(10, 2, "T999^^^H^MR", "DOE^JANE", "F", "V1"), other), 2},
		{"UNKNOWN under the real patient's own number, then another real", chain(real,
			nameBed(10, 2, "4711^^^H^MR", "UNKNOWN^PATIENT", "F", "V1"), other), 1},
		{"UNKNOWN, identified, then another real: accepted once", chain(temp,
			nameBed(10, 2, "4711^^^H^MR", "KOWALSKI^BABYGIRL", "F", "V1"), other), 1},
		{"UNKNOWN, then another UNKNOWN under the same visit", chain(temp,
			nameBed(10, 10, "T101^^^H^MR", "UNKNOWN^PATIENT", "F", "V1")), 1},
		{"UNKNOWN, then UNIDENTIFIED under the same visit", chain(temp,
			nameBed(10, 10, "T101^^^H^MR", "unidentified^x", "M", "V1")), 1},
		{"UNKNOWN, then the real identity in another bed under the same visit", chain(temp,
			every(10, 10*sec, func(i int) msg {
				m := normal(10 + i)
				m.pid, m.pidName = "4711^^^H^MR", "KOWALSKI^BABYGIRL|||F"
				m.pv1 = "|I|NICU^08^B" + strings.Repeat("|", 16) + "V1"
				return m
			})), 1},
		{"identified, back to the temporary identity, then a third", chain(temp,
			nameBed(10, 2, "4711^^^H^MR", "KOWALSKI^BABYGIRL", "F", "V1"),
			nameBed(12, 2, "T100^^^H^MR", "UNKNOWN^BABY", "F", "V1"),
			nameBed(14, 10, "5000^^^H^MR", "ROE^RICHARD", "M", "V1")), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := switches(t, tc.ticks); got != tc.want {
				t.Errorf("%d identity_patient, want %d", got, tc.want)
			}
		})
	}
}

// TestReview47uNames: what counts as a family name that stands for none.
// Component 1 only: a given name UNKNOWN under an empty or a real family
// name marks nothing (KOWALSKI^UNKNOWN is a newborn's real identity with
// its given name not chosen yet), nor does UNKNOWN in a later repetition
// (an alias). HL7 v2 string data is left-justified with trailing blanks
// optional: UNKNOWN padded with spaces is UNKNOWN.
func TestReview47uNames(t *testing.T) {
	then := nameBed(10, 10, "4711^^^H^MR", "KOWALSKI^BABYGIRL", "F", "V1")
	from := func(name string) []tick { return chain(nameBed(0, 10, "T100^^^H^MR", name, "F", "V1"), then) }
	checkCases(t, []ruleCase{
		{"UnKnOwN ignoring case", from("UnKnOwN^Baby"), nil},
		{"UNKNOWN with trailing blanks", from("UNKNOWN  ^BABY"), nil},
		{"an empty family name, given name UNKNOWN", from("^UNKNOWN"), []string{"identity_patient"}},
		{"a real family name, given name UNKNOWN", from("NOWAK^UNKNOWN"), []string{"identity_patient"}},
		{"UNKNOWN as an alias only", from("NOWAK^ANNA~UNKNOWN^BABY"), []string{"identity_patient"}},
		{"UNKNOWNS, a longer name", from("UNKNOWNS^ANNA"), []string{"identity_patient"}},
		{"UNKNOWN as a prefix subcomponent", from("UNKNOWN&VAN^ANNA"), []string{"identity_patient"}},
	})
}

// TestReview47uConfigNames: a configured name that could never match a
// family name (spaces around it, an HL7 separator in it) is refused, as the
// empty one is, rather than left to do nothing unseen.
func TestReview47uConfigNames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		names []string
		want  string
	}{
		{"spaces around", []string{" NN"}, "vitals.unidentified_names[0]: \" NN\": spaces around the name"},
		{"a whole name", []string{"NN", "UNKNOWN^BABY"}, "vitals.unidentified_names[1]: \"UNKNOWN^BABY\": a family name only, no HL7 separator (|^~)"},
		{"a repetition", []string{"NN~X"}, "vitals.unidentified_names[0]: \"NN~X\": a family name only, no HL7 separator (|^~)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := vitals.DefaultConfig()
			cfg.UnidentifiedNames = tc.names
			err := cfg.Validate()
			if err == nil || err.Error() != tc.want {
				t.Errorf("Validate: %v, want %s", err, tc.want)
			}
		})
	}
	// A configured name padded in the message, matched ignoring case.
	cfg := vitals.DefaultConfig()
	cfg.UnidentifiedNames = []string{"Nn"}
	checkRules(t, run(t, cfg, chain(nameBed(0, 10, "T100^^^H^MR", "NN ^NN", "F", "V1"),
		nameBed(10, 10, "4711^^^H^MR", "KHAN^EVIE", "F", "V1"))))
}

// TestReview47uNoNameInFindings: the family name is compared, never kept:
// no finding of a scenario that reads it carries it (nor the temporary or
// the real identity's name).
func TestReview47uNoNameInFindings(t *testing.T) {
	cfg := vitals.DefaultConfig()
	cfg.UnidentifiedNames = []string{"PLACEHOLDERX"}
	for _, ticks := range [][]tick{
		chain(nameBed(0, 10, "T100^^^H^MR", "UNKNOWN^BABYQ", "F", "V1"), nameBed(10, 10, "4711^^^H^MR", "KOWALSKIZ^EVIEW", "F", "V2")),
		chain(nameBed(0, 10, "4711^^^H^MR", "KOWALSKIZ^EVIEW", "F", "V1"), nameBed(10, 10, "T100^^^H^MR", "PLACEHOLDERX^BABYQ", "F", "V1")),
	} {
		fs := run(t, cfg, ticks)
		if len(fs) == 0 {
			t.Fatal("no finding to look into")
		}
		for _, f := range fs {
			s := strings.ToUpper(fmt.Sprintf("%+v", f))
			for _, n := range []string{"UNKNOWN", "BABYQ", "KOWALSKIZ", "EVIEW", "PLACEHOLDERX", "4711", "T100"} {
				if strings.Contains(s, n) {
					t.Errorf("finding %s carries %q: %s", f.Rule, n, s)
				}
			}
		}
	}
}
