package vitals_test

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestDifferentialDump (review40b) writes every finding of a seeded set of
// adversarial streams to the file named by VITALS_DIFF_OUT (skipped
// without it), for a diff between two builds that must not differ in any
// finding (a CPU cut): run it on both and compare the files. The streams
// vary what the session-40 cuts read differently:
//   - OBX-18 (equipOf): EUI-64 styles (bare, ^EUI-64, ^^EUI^EUI-64, after
//     a repetition, in a later repetition, with subcomponents and escape
//     sequences, bed labels, short serials), fields after OBX-18 or none,
//     OBX-14 present, absent or far, the device swapping its EUI-64
//     mid-stream to one of the same length or of another style, every
//     row's OBX-18 or only the device row's, a byte of a row flipped now
//     and then;
//   - MSH-7 and OBX-14 (ParseTimeIn's fixedDate): offsets whole, half and
//     quarter hours, negative, -0000, none, fractions, leap days, dates
//     far from the arrival;
//   - decoupled and heldTogether: heart and pulse rates (the oximeter's and
//     the invasive one, each missing now and then, so that the two pairs'
//     intervals differ) that agree, drift apart, or hold their values for
//     minutes across sensors, at steady, irregular and repeated intervals.
func TestDifferentialDump(t *testing.T) {
	path := os.Getenv("VITALS_DIFF_OUT")
	if path == "" {
		t.Skip("VITALS_DIFF_OUT not set")
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	cfg := vitals.DefaultConfig()
	cfg.State.ReportClose = true
	cfg.Codes = map[string]string{"149522@MON": "pr_inv"} // the arterial line's pulse rate: decoupled's second pair
	e, err := vitals.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	euis := []string{
		"%s^EUI-64", "%s", "%s^^%s^EUI-64", "^^%s^EUI-64", "BED-01^%s", "SER1~%s", "%s~1234", "%s&x^EUI-64",
		"%s\\F\\x^EUI-64", "\\S\\%s^EUI-64", "BED01", "", "12340000000001^^12340000000001^EUI-64", "%s^eui-64~x",
	}
	tails := []string{"", "|", "|x^y|20260105081720", "|" + strings.Repeat("z", 300), "||||"}
	offs := []string{"", "+0000", "-0000", "+0530", "-0930", "+0545", "-2359", "+1400", "+2300", "-0100"}
	var all []vitals.Finding
	n := 0
	for seed := range uint64(48) {
		r := rand.New(rand.NewPCG(seed, 40))
		src := netip.AddrFrom4([4]byte{10, 40, byte(seed >> 8), byte(seed)})
		eui := func() string { return fmt.Sprintf("%016X", r.Uint64()) }
		dev, style, tail := eui(), euis[r.IntN(len(euis))], tails[r.IntN(len(tails))]
		every := r.IntN(2) == 0 // every row carries OBX-18, or only the device row
		off := offs[r.IntN(len(offs))]
		step := time.Duration(2+r.IntN(30)) * time.Second
		mode := r.IntN(4) // 0 agree, 1 pulse drifts, 2 held, 3 wander
		at := time.Date(2026, 2, 28, 23, 50, 0, 0, time.UTC).Add(time.Duration(r.IntN(3*365*24)) * time.Hour)
		if seed%7 == 0 {
			at = time.Date(2028, 2, 29, 23, 59, 0, 0, time.UTC)
		}
		h, p, s, rr := 70+r.Float64()*40, 0.0, 94+r.Float64()*5, 12+r.Float64()*10
		p = h
		for i := range 500 {
			switch {
			case r.IntN(40) == 0:
				at = at.Add(time.Duration(r.IntN(300)) * time.Second)
			case r.IntN(30) == 0: // same arrival again
			default:
				at = at.Add(step + time.Duration(r.IntN(3000))*time.Millisecond)
			}
			if r.IntN(150) == 0 { // the device's EUI-64 changes, same length or another style
				dev = eui()
				if r.IntN(2) == 0 {
					style = euis[r.IntN(len(euis))]
				}
			}
			if r.IntN(200) == 0 {
				tail = tails[r.IntN(len(tails))]
			}
			if r.IntN(200) == 0 {
				off = offs[r.IntN(len(offs))]
			}
			switch mode {
			case 0:
				h += r.NormFloat64()
				p = h + r.NormFloat64()
			case 1:
				h += r.NormFloat64() * 0.5
				if i > 200 {
					p += 0.3 + r.NormFloat64()*0.3
				} else {
					p = h + r.NormFloat64()
				}
			case 2:
				if i%60 > 20 { // held across sensors
					break
				}
				h, s, rr = h+r.NormFloat64(), s+r.NormFloat64()*0.3, rr+r.NormFloat64()*0.5
				p = h + r.NormFloat64()
			case 3:
				h, s, rr = h+r.NormFloat64()*3, s+r.NormFloat64(), rr+r.NormFloat64()
				p = h + r.NormFloat64()*4
			}
			h, p = math.Max(20, math.Min(250, h)), math.Max(20, math.Min(250, p))
			s, rr = math.Max(60, math.Min(100, s)), math.Max(4, math.Min(50, rr))
			equip := style
			if strings.Contains(style, "%s") {
				equip = strings.ReplaceAll(style, "%s", dev)
			}
			ts := at
			if r.IntN(100) == 0 {
				ts = ts.Add(time.Duration(r.IntN(7200)-3600) * time.Second)
			}
			msh7 := ts.Format("20060102150405")
			if r.IntN(5) == 0 {
				msh7 += fmt.Sprintf(".%04d", r.IntN(10000))
			}
			if off != "" {
				var sign, hh, mm int
				fmt.Sscanf(off, "%c%02d%02d", &sign, &hh, &mm)
				d := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
				if sign == '-' {
					d = -d
				}
				msh7 = ts.Add(d).Format("20060102150405") + msh7[14:] + off
			}
			var b strings.Builder
			fmt.Fprintf(&b, "MSH|^~\\&|MON%d|ICU|||%s||ORU^R01^ORU_R01|C%d-%d|P|2.6\r", seed, msh7, seed, i)
			fmt.Fprintf(&b, "PID|||P%d^^^H^MR||DOE^J\rPV1||I|ICU^^%d\r", seed, seed)
			fmt.Fprintf(&b, "OBR|1|||182777000^monitoring of patient^SCT|||%s\r", msh7)
			fmt.Fprintf(&b, "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||%s%s\r", equip, tail)
			rowEquip := ""
			if every {
				rowEquip = equip
			}
			obs := ""
			if r.IntN(3) == 0 {
				obs = msh7
			}
			rows := [][3]string{
				{"147842^MDC_ECG_HEART_RATE^MDC", fmt.Sprintf("%.0f", h), "264864^MDC_DIM_BEAT_PER_MIN^MDC"},
				{"149530^MDC_PULS_OXIM_PULS_RATE^MDC", fmt.Sprintf("%.0f", p), "264864"},
				{"150456^MDC_PULS_OXIM_SAT_O2^MDC", fmt.Sprintf("%.0f", s), "262688"},
				{"151562^MDC_RESP_RATE^MDC", fmt.Sprintf("%.0f", rr), "264928"},
				{"150344^MDC_TEMP^MDC", "37.0", "268192^MDC_DIM_DEGC^MDC"},
			}
			if seed%3 == 0 {
				rows = append(rows, [3]string{"149522^MDC_BLD_PULS_RATE_INV^MDC", fmt.Sprintf("%.0f", p+r.NormFloat64()), "264864"})
			}
			for k, row := range rows {
				if k == 1 && r.IntN(12) == 0 || k == 5 && r.IntN(5) == 0 {
					continue // a pulse rate missing now and then: the two pairs' intervals differ
				}
				o := ""
				if k == 1 || k == 5 {
					o = obs
				}
				fmt.Fprintf(&b, "OBX|%d|NM|%s|1.1.1.%d|%s|%s|||||R|||%s||||%s%s\r", k+2, row[0], k+1, row[1], row[2], o, rowEquip, tail)
			}
			raw := []byte(b.String())
			if r.IntN(60) == 0 { // a byte of a row flipped
				k := strings.Index(b.String(), "OBX|1|") + r.IntN(len(raw)-strings.Index(b.String(), "OBX|1|"))
				raw[k] = "|^~\\&0A-EUI"[r.IntN(11)]
			}
			m, err := hl7.Parse(raw)
			if err != nil {
				continue
			}
			n++
			all = e.Observe(src, m, at, all[:0])
			for _, fd := range all {
				if fd.Rule == "replay_control_id" {
					fd.Explanation = "-"
				}
				fmt.Fprintf(w, "%d %d %+v\n", seed, i, fd)
			}
			if i%50 == 49 {
				for _, l := range vitals.StateDump(e) {
					fmt.Fprintf(w, "%d %d state %s\n", seed, i, l)
				}
			}
		}
	}
	t.Logf("%d messages", n)
}

// TestEquipSwapMidStream (review40b): a device whose rows keep their layout
// but for OBX-18 (only the device row carries it; fields after it, a time in
// OBX-14 of another row) changes its EUI-64 to one of the same length,
// writes the same EUI-64 in another form (no change of identity), then
// changes back: identity_equipment is reported once, on the third message
// of the new EUI-64 and naming it, and not for the return to the identity
// it knows (the switcher's), exactly as main (d984976) reports it.
func TestEquipSwapMidStream(t *testing.T) {
	e, err := vitals.NewEngine(vitals.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	const a, b = "00A0000120089285", "00A0000120089286"
	src := netip.MustParseAddr("192.0.2.40")
	var got []string
	for i := range 60 {
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		equip := a + "^EUI-64"
		switch {
		case i >= 45:
			equip = a + "^EUI-64"
		case i >= 30:
			equip = "BED-01~" + b + "^EUI-64" // the same identity, another form
		case i >= 15:
			equip = b + "^EUI-64"
		}
		ts := at.Format("20060102150405")
		raw := fmt.Sprintf("MSH|^~\\&|MON|ICU|||%s||ORU^R01^ORU_R01|C%d|P|2.6\rPID|||1^^^H^MR||DOE^J\r"+
			"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||%s|x^y\r"+
			"OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|%d|264864|||||R\r"+
			"OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.2|%d|262688|||||R|||%s\r",
			ts, i, equip, 78+i%3, 96+i%2, ts)
		m, err := hl7.Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range e.Observe(src, m, at, nil) {
			if f.Rule == "identity_equipment" {
				got = append(got, fmt.Sprintf("%d %s", i, f.Equipment))
			}
		}
	}
	want := []string{"17 " + b}
	if !slices.Equal(got, want) {
		t.Fatalf("identity_equipment at %q, want %q", got, want)
	}
}
