package vitals

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
)

// TestRated (session 54, pr54): a row named only by a rated label (PR) is
// read when its unit is one of the label's quantity, a rate, as the unit
// table reads rates; not in a time (a P-R interval), another quantity, a
// unit the table does not hold, or none.
func TestRated(t *testing.T) {
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	d := hl7.DefaultDelimiters()
	for _, tc := range []struct {
		unit string
		want bool
	}{
		{"/min", true},
		{"bpm", true},
		{"{beats}/min", true},
		{"264864^MDC_DIM_BEAT_PER_MIN^MDC", true},
		{"0004-0aa0^bpm^MDIL", true},
		{"X^MDC_DIM_BEAT_PER_MIN", true},
		{"ms", false},
		{"s", false},
		{"264338^MDC_DIM_MILLI_SEC^MDC", false},
		{"0004-0f20^mmHg^MDIL", false},
		{"%", false},
		{"", false},
	} {
		if got := e.t.rated(pPR, []byte(tc.unit), d); got != tc.want {
			t.Errorf("rated(pr, %q) = %v, want %v", tc.unit, got, tc.want)
		}
	}
	if e.t.rated(pNone, []byte("/min"), d) {
		t.Error("rated(none, /min) = true")
	}
}

// TestCode checks which OBX-3 component names the parameter: component 1 of
// the first repetition, else component 4, else component 2.
func TestCode(t *testing.T) {
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	d := hl7.DefaultDelimiters()
	for _, tc := range []struct {
		f    string
		want param
		ok   bool
	}{
		{"147842^MDC_ECG_HEART_RATE^MDC", pHR, true},
		{"8867-4^Heart rate^LN^147842^MDC_ECG_HEART_RATE^MDC", pHR, true},
		{"X1^whatever^L^150456^MDC_PULS_OXIM_SAT_O2^MDC", pSpO2, true}, // component 4
		{"999^150456^x^150344", pTemp, true},                           // component 4 before 2
		{"^150456", pSpO2, true},                                       // component 2
		{"150456~147842", pSpO2, true},                                 // first repetition only
		{"~147842", pNone, false},
		// Session 46 (corpus8's gateway): an IEEE 11073 reference ID names the
		// row in component 1 as the number would; the number wins where both
		// are sent (149522 is Comen's pulse rate). review46m: the name alone is
		// read as the number is, pr (session 39's default for every sender).
		// The name is read in component 1 only: in component 2 a PCD-01 row
		// names its number, checked or not, and looking every such name up
		// cost 4 % of Observe (session 46, after review46m).
		{"MDC_ECG_HEART_RATE^Heart rate^MDC", pHR, true},
		{"MDC_PRESS_BLD_ART_ABP_SYS^ART S^MDC", pARTSys, true},
		{"MDC_TEMP_BLD^Tblood^MDC", pTemp, true},
		{"149522^MDC_BLD_PULS_RATE_INV^MDC", pPR, true},
		{"^MDC_BLD_PULS_RATE_INV", pNone, false},
		{"MDC_BLD_PULS_RATE_INV^Pulse (ART)^MDC", pPR, true},
		{"149514^MDC_PULS_RATE^MDC", pNone, false},     // an unknown number, a known name in component 2: not read
		{"X1^y^L^MDC_TEMP^MDC", pNone, false},          // nor in component 4
		{"150456^MDC_ECG_HEART_RATE^MDC", pSpO2, true}, // a known number wins over another's name
		{"mdc_ecg_heart_rate^Heart rate^MDC", pNone, false},
		{"131841^MDC_ECG_AMPL_ST^MDC", pNone, false},
		// Session 54 (det54a): IntelliVue's cuff labels name a local code's
		// row in component 2, as Spacelabs' HR does; a known code in
		// component 1 still decides, and the label is read as written.
		{"601^NBPs^L", pNIBPSys, true},
		{"11^NBPd", pNIBPDia, true},
		{"0203^NBPm^99NK", pNIBPMean, true},
		{"0002-4a06^NBPd^MDIL", pNIBPDia, true},
		{"147842^NBPs^MDC", pHR, true},
		{"601^NBPS^L", pNone, false},
		{"601^NBP^L", pNone, false},
		// review54a: IntelliVue's other labels on the same local-code rows,
		// and etCO2. PR names no row (IntelliVue's pulse is Pulse; PR is also
		// the ECG's P-R interval), and a label is read as written.
		{"150^SpO2^EDAN", pSpO2, true},
		{"0300^RR^99NK", pRR, false}, // RR is a rated label, as PR is (below)
		{"RR-IMP^RR^99NKL", pRR, false},
		{"301^ABPs^EDAN", pARTSys, true},
		{"21^ABPd", pARTDia, true},
		{"0103^ABPm^99NK", pARTMean, true},
		{"8^T1", pTemp, true},
		{"501^etCO2^EDAN", pEtCO2, true},
		{"0002-4bb8^SpO2^MDIL", pSpO2, true},
		{"150456^RR^MDC", pSpO2, true},
		// pr54: PR is a rated label, read as the pulse rate only in a
		// rate unit (TestRated): code names it and leaves the unit to
		// rated. A known code still decides, and PR in component 1 is no
		// label.
		{"6^PR", pPR, false},
		{"0002-4812^PR^MDIL", pPR, false},
		{"147842^PR^MDC", pHR, true},
		{"6^PR^L^150456", pSpO2, true},
		{"PR^Pulse^L", pPR, true}, // by its label Pulse since labels55: PR in component 1 is no label
		{"PR^P-R^L", pNone, false},
		{"6^pr", pNone, false},
		// labels55: IntelliVue's Pulse, Pulse (SpO2) and Resp, GE
		// Datex-Ohmeda's PR(SpO2) and Nihon Kohden's and Mindray's EtCO2
		// are code rows, read whatever the unit; a known code still
		// decides, and a label is read as written.
		{"6^PR(SpO2)", pPR, true},
		{"PR-SPO2^PR(SpO2)^99NKL", pPR, true},
		{"106^EtCO2^CONTEC", pEtCO2, true},
		{"250^EtCO2", pEtCO2, true},
		{"151^Pulse^L", pPR, true},
		{"0002-4822^Pulse (SpO2)^MDIL", pPR, true},
		{"9^Pulse (SpO2)", pPR, true},
		{"201^Resp^L", pRR, true},
		// review55l: IntelliVue's generic T2-T4 (and their MDIL codes)
		// are no rows: a second probe at a site the label does not name.
		{"402^T2", pNone, false},
		{"403^T3", pNone, false},
		{"404^T4", pNone, false},
		{"0002-f0c8^T2^MDIL", pNone, false},
		{"0002-f0ca", pNone, false},
		{"0002-f0e5^Pulse (NBP)^MDIL", pNone, false}, // the cuff's pulse: no row
		{"147842^PR(SpO2)^MDC", pHR, true},
		{"150456^EtCO2^MDC", pSpO2, true},
		{"151708^Pulse^MDC", pEtCO2, true},
		{"007001^VITAL PR(spo2)", pNone, false},
		{"6^PR(spo2)", pNone, false},
		{"ETCO2^ETCO2^L", pNone, false},
		{"201^RESP^L", pRR, true}, // Spacelabs' RESP, a code row, is read in component 2 as before
		{"151^pulse", pNone, false},
		{"111^IBP1_SYS^CONTEC", pNone, false},
		{"5^SPO2", pNone, false},
		{"131841", pNone, false},
		{"", pNone, false},
	} {
		if p, ok := e.t.code(0, []byte(tc.f), d); p != tc.want || ok != tc.ok {
			t.Errorf("code(%q) = %v, %v; want %v, %v", tc.f, p, ok, tc.want, tc.ok)
		}
	}
	// Random OBX-3 values against strings.Split: component 1 of the first
	// repetition, else 4, else 2, each when not empty.
	r0 := rand.New(rand.NewPCG(21, 22))
	parts := []string{"", "150456", "147842", "MDC_X", "MDC_TEMP", "8867-4", "1", "^", "~", "^", "~"}
	for range 100000 {
		var b strings.Builder
		for range r0.IntN(12) {
			b.WriteString(parts[r0.IntN(len(parts))])
		}
		f := b.String()
		want, wantOK := pNone, false
		comps := strings.Split(strings.SplitN(f, "~", 2)[0], "^")
		for _, c := range []int{0, 3, 1} {
			if c < len(comps) && comps[c] != "" {
				if p, ok := e.t.codes[0].get([]byte(comps[c])); ok {
					want, wantOK = p, true
					break
				}
				if p, ok := e.t.names.get([]byte(comps[c])); ok && c == 0 {
					want, wantOK = p, true
					break
				}
			}
		}
		if p, ok := e.t.code(0, []byte(f), d); p != want || ok != wantOK {
			t.Fatalf("code(%q) = %v, %v; want %v, %v", f, p, ok, want, wantOK)
		}
	}
	// componentEnd is the length firstComponent cuts to, separators
	// anywhere, within the first word or after it, or beyond the field
	// in its capacity.
	r := rand.New(rand.NewPCG(19, 20))
	alphabet := []byte{'1', '^', '~', '&', 0x80, 0xff, '^' + 0x80, '^' - 1, '^' + 1}
	for range 200000 {
		buf := make([]byte, 1+r.IntN(20))
		for i := range buf {
			buf[i] = alphabet[r.IntN(len(alphabet))]
			if r.IntN(4) > 0 {
				buf[i] = '1'
			}
		}
		n := r.IntN(len(buf) + 1)
		f := buf[:n]
		if r.IntN(2) == 0 {
			f = buf[:n:n]
		}
		if got, want := componentEnd(f, d), len(firstComponent(f, d)); got != want {
			t.Fatalf("componentEnd(%q, capacity %d) = %d, want %d", f, cap(f), got, want)
		}
	}
}

// TestReferenceIDRowsReview46m: a reference-ID row of codes.csv (MDC_...)
// maps its name to the parameter the table's number for it maps to, where
// the table names that number by the reference ID (its name column's first
// word), so that a gateway naming rows by reference ID is read as one
// sending the numbers (mdcref46 read MDC_BLD_PULS_RATE_INV as pr_inv, 149522
// as pr). Every reference-ID row is a row for every sender.
func TestReferenceIDRowsReview46m(t *testing.T) {
	rows, err := readCSV(codesCSV, 4)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{} // reference ID → parameter of its numeric row
	for _, r := range rows {
		if strings.HasPrefix(r[0], "MDC_") || r[2] != "" {
			continue
		}
		if f := strings.Fields(r[3]); len(f) > 0 && strings.HasPrefix(f[0], "MDC_") {
			byName[f[0]] = r[1]
		}
	}
	n := 0
	for _, r := range rows {
		if !strings.HasPrefix(r[0], "MDC_") {
			continue
		}
		if r[2] != "" {
			t.Errorf("%s: a sender (%s) on a reference-ID row", r[0], r[2])
		}
		if want, ok := byName[r[0]]; ok {
			n++
			if r[1] != want {
				t.Errorf("%s reads as %s, its number as %s", r[0], r[1], want)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d reference-ID rows matched a numeric row", n)
	}
}
