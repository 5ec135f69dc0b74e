package vitals

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

// TestRowLayoutRandomRows pins extract with a remembered row layout to
// extract without one (sameLayout) over random OBX rows, each message
// followed by three others whose rows change a field, OBX-5, OBX-14 or their
// field count (a trailing field added or removed): the changes most likely
// to leave the bytes outside OBX-5 and OBX-14 as they were.
func TestRowLayoutRandomRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	tokens := []string{"", "", "", "72", "80", "1", "NM", "ST", "147842^MDC_ECG_HEART_RATE^MDC", "150456^MDC_PULS_OXIM_SAT_O2^MDC", "150021", "mmHg", "%", "264864^MDC_DIM_BEAT_PER_MIN^MDC", "F", "R", "D", "DEMO", "20260105002524", "20260105003024", "00A0000120089285^EUI-64", "1.1.1.1", "X", "9^9", "8~9"}
	tok := func() string { return tokens[rng.IntN(len(tokens))] }
	mkRow := func() []string {
		n := 2 + rng.IntN(19)
		f := make([]string, n)
		f[0] = "OBX"
		for i := 1; i < n; i++ {
			f[i] = tok()
		}
		if n > 3 && rng.IntN(2) == 0 {
			f[3] = tokens[8+rng.IntN(3)]
		}
		if n > 2 && rng.IntN(2) == 0 {
			f[2] = "NM"
		}
		return f
	}
	mutate := func(f []string) []string {
		g := append([]string(nil), f...)
		switch rng.IntN(5) {
		case 0:
			if len(g) > 1 {
				g[1+rng.IntN(len(g)-1)] = tok()
			}
		case 1:
			g = append(g, tok())
		case 2:
			if len(g) > 2 {
				g = g[:len(g)-1]
			}
		case 3:
			if len(g) > 5 {
				g[5] = tok()
			}
		case 4:
			if len(g) > 14 {
				g[14] = tok()
			}
		}
		return g
	}
	head := "MSH|^~\\&|MON|ICU|GW|HOSP|20260105000000||ORU^R01|C1|P|2.6\rPV1||I|ICU^^BED1\r"
	build := func(rows [][]string) *hl7.Message {
		var b strings.Builder
		b.WriteString(head)
		for _, r := range rows {
			b.WriteString(strings.Join(r, "|") + "\r")
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
	for iter := range 5000 {
		nr := 1 + rng.IntN(4)
		rows := make([][]string, nr)
		for i := range rows {
			rows[i] = mkRow()
		}
		cached, uncached := newStream(&e.cfg), newStream(&e.cfg)
		m1 := build(rows)
		if m1 == nil {
			continue
		}
		sameLayout(t, e, cached, uncached, m1, at)
		for k := range 3 {
			r2 := make([][]string, nr)
			for i := range rows {
				r2[i] = rows[i]
				if rng.IntN(2) == 0 {
					r2[i] = mutate(rows[i])
				}
			}
			m2 := build(r2)
			if m2 == nil {
				continue
			}
			sameLayout(t, e, cached, uncached, m2, at.Add(time.Duration(iter*4+k+1)*time.Second))
		}
	}
}
