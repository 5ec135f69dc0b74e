package vitals

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// TestRowLayoutRandomLabels47 pins extract with a remembered row layout to
// extract without one (sameLayout) over random messages of up to 20 OBX
// rows whose OBX-18s hold bed labels of several kinds, EUI-64s, empty
// fields and separators only, among PVC-rate rows (slow in every message)
// and rows timed at their end (OBX-14 hashed with the row): each message
// followed by three whose rows change only their values and times, so
// that the layout is used (review47b).
func TestRowLayoutRandomLabels47(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 2))
	equips := []string{"", "", "BED-1", "BED-1", "BED-2", "^^BED-1^L", "BED-1^x", "~BED-2", "^", "~", "^~^", "&", " ",
		"00A0000120089285^EUI-64", "00A0000120089286", "ECG", "SPO2", "BED-1~00A0000120089285^EUI-64"}
	codes := []string{"147842^MDC_ECG_HEART_RATE^MDC", "150456^MDC_PULS_OXIM_SAT_O2^MDC", "150021^MDC_PRESS_BLD_NONINV_SYS^MDC",
		"148066^MDC_ECG_V_P_C_RATE^MDC", "69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC", "999999"}
	values := []string{"72", "80", "97", "3", "8388607", "X"}
	times := []string{"", "20260105002524", "20260105003024"}
	type row struct {
		code, unit, equip, obs string
		far                    bool // OBX-7 long: OBX-14 further than a byte tells, hashed with the row
	}
	mkRow := func() row {
		r := row{code: codes[rng.IntN(len(codes))], equip: equips[rng.IntN(len(equips))]}
		r.unit = []string{"/min", "%", "mmHg", ""}[rng.IntN(4)]
		r.far = rng.IntN(6) == 0
		r.obs = times[rng.IntN(len(times))]
		return r
	}
	head := "MSH|^~\\&|MON|ICU|GW|HOSP|20260105000000||ORU^R01|C1|P|2.6\rPV1||I|ICU^^BED1\r"
	build := func(rows []row) *hl7.Message {
		var b strings.Builder
		b.WriteString(head)
		for i, r := range rows {
			ref, obs := "", r.obs
			if r.far {
				ref = strings.Repeat("9", 300)
			} else if obs != "" {
				obs = times[1+rng.IntN(2)] // a new time, not hashed
			}
			f := []string{"OBX", "1", "NM", r.code, "1.1.1." + string(rune('0'+i%10)), values[rng.IntN(len(values))], r.unit, ref, "", "", "", "R", "", "", obs, "", "", "", r.equip}
			b.WriteString(strings.Join(f, "|") + "\r")
		}
		var m hl7.Message
		if err := m.Parse([]byte(b.String())); err != nil {
			return nil
		}
		return &m
	}
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	fast, n := 0, 0
	for iter := range 3000 {
		rows := make([]row, 1+rng.IntN(20))
		for i := range rows {
			rows[i] = mkRow()
		}
		cached, uncached := newStream(&e.cfg), newStream(&e.cfg)
		for k := range 4 {
			m := build(rows)
			if m == nil {
				continue
			}
			n++
			if sameLayout(t, e, cached, uncached, m, at.Add(time.Duration(iter*4+k)*time.Second)) {
				fast++
			}
			if got, want := string(messageEquip(m)), string(extractEquip(t, e, m)); got != want {
				t.Fatalf("message %q: messageEquip %q, extract %q", m.Bytes(), got, want)
			}
		}
	}
	if fast < n/2 {
		t.Fatalf("the layout was used for %d of %d messages, want most", fast, n)
	}
}

// extractEquip returns the equipment identity extract ends m with, on a
// stream of its own.
func extractEquip(t *testing.T, e *Engine, m *hl7.Message) []byte {
	t.Helper()
	s := newStream(&e.cfg)
	em := emitter{e: e, s: s, m: m}
	rh := s.hashRows(e, m)
	s.extract(e, &em, m, &rh, nil)
	return em.equip.id
}

// splitRun feeds msgs (built by mk for i in 0..n-1, 10 s apart) to a new
// Engine from one address and returns how many streams it holds and the
// rules found.
func splitRun(t *testing.T, n int, mk func(i int) string) (streams int, rules map[string]int) {
	t.Helper()
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	rules = map[string]int{}
	src := netip.MustParseAddr("10.1.2.3")
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		var m hl7.Message
		if err := m.Parse([]byte(mk(i))); err != nil {
			t.Fatal(err)
		}
		arr := at.Add(time.Duration(i) * 10 * time.Second)
		for _, f := range e.Observe(src, &m, arr, nil) {
			rules[f.Rule]++
		}
	}
	return len(e.streams), rules
}

// monMsg is message i of one monitor (MSH-3 MON^ICU, one patient): an
// optional MDS row with OBX-18 mds, then its rows, each code with its
// OBX-18.
func monMsg(i int, mds string, rows ...[2]string) string {
	ts := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * 10 * time.Second).Format("20060102150405")
	var b strings.Builder
	fmt.Fprintf(&b, "MSH|^~\\&|MON^ICU|ICU|||%s||ORU^R01^ORU_R01|C%d|P|2.6\rPID|||12345^^^H^MR||DOE^JANE\rOBR|1|||182777000^monitoring of patient^SCT|||%s\r", ts, i, ts)
	if mds != "-" {
		fmt.Fprintf(&b, "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||%s\r", mds)
	}
	vals := map[string]string{"147842": "264864", "149530": "264864", "150456": "262688", "150021": "266016", "150022": "266016", "150023": "266016"}
	for k, r := range rows {
		v := map[string]int{"147842": 80, "149530": 80, "150456": 96, "150021": 120, "150022": 70, "150023": 87}[r[0]] + i%2
		fmt.Fprintf(&b, "OBX|%d|NM|%s^^MDC|1.1.1.%d|%d|%s|||||R|||||||%s\r", k+2, r[0], k+1, v, vals[r[0]], r[1])
	}
	return b.String()
}

// TestMonitorNoBedsFromLabels47 (review47b): a single monitor is no
// aggregating gateway however its rows' OBX-18s read: it keeps one state,
// and raises no identity_equipment. Before bedlabel47 each kept one
// stream; with it, each was split into "beds".
func TestMonitorNoBedsFromLabels47(t *testing.T) {
	const eui = "0012340000000001^^0012340000000001^EUI-64"
	for _, tc := range []struct {
		name string
		mk   func(i int) string
	}{
		// Its EUI-64 in every message but its episodic cuff messages,
		// which carry only the cuff's rows under the bed label.
		{"EUI-64, cuff messages labelled", func(i int) string {
			if i%10 == 5 {
				return monMsg(i, "-", [2]string{"150021", "BED-5"}, [2]string{"150022", "BED-5"}, [2]string{"150023", "BED-5"})
			}
			return monMsg(i, eui, [2]string{"147842", eui}, [2]string{"150456", eui})
		}},
		// Its bed label in every row; its EUI-64 on the MDS row sent
		// with every sixth message only.
		{"label, MDS row sometimes", func(i int) string {
			mds := "-"
			if i%6 == 0 {
				mds = eui
			}
			return monMsg(i, mds, [2]string{"147842", "BED-5"}, [2]string{"150456", "BED-5"})
		}},
		// Each row names its module; the probe comes off for a while
		// (the ECG's rows alone), later the ECG's leads for two
		// messages (the oximeter's alone), then the probe again.
		{"module names, one module at a time", func(i int) string {
			switch {
			case i == 20 || i == 21:
				return monMsg(i, "", [2]string{"149530", "SPO2"}, [2]string{"150456", "SPO2"})
			case i == 40 || i == 41, i >= 5 && i < 10:
				return monMsg(i, "", [2]string{"147842", "ECG"})
			}
			return monMsg(i, "", [2]string{"147842", "ECG"}, [2]string{"149530", "SPO2"}, [2]string{"150456", "SPO2"})
		}},
		// Its bed label on some messages only (rows that come and go),
		// nothing in OBX-18 on the others: one identity, no beds (as on
		// the branch).
		{"label on some messages", func(i int) string {
			if i%3 == 0 {
				return monMsg(i, "-", [2]string{"147842", ""}, [2]string{"150456", ""})
			}
			return monMsg(i, "-", [2]string{"147842", "BED-5"}, [2]string{"150456", "BED-5"})
		}},
		// Its bed label alone at first, its EUI-64 on an MDS row from
		// message 30 on (the gateway began sending it): no other device.
		{"label, then EUI-64", func(i int) string {
			mds := "-"
			if i >= 30 {
				mds = eui
			}
			return monMsg(i, mds, [2]string{"147842", "BED-5"}, [2]string{"150456", "BED-5"})
		}},
		// A serial number per row's module (not EUI-64s), same story.
		{"serials, one module at a time", func(i int) string {
			switch {
			case i%20 == 7:
				return monMsg(i, "", [2]string{"149530", "SN-0042"}, [2]string{"150456", "SN-0042"})
			case i%20 == 17:
				return monMsg(i, "", [2]string{"147842", "SN-0017"})
			}
			return monMsg(i, "", [2]string{"147842", "SN-0017"}, [2]string{"149530", "SN-0042"}, [2]string{"150456", "SN-0042"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, rules := splitRun(t, 120, tc.mk)
			if n != 1 || rules["identity_equipment"] > 0 {
				t.Errorf("one monitor kept in %d streams, findings %v; want 1 stream, no identity_equipment", n, rules)
			}
		})
	}
}
