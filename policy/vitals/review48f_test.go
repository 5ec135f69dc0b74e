package vitals_test

import (
	"net/netip"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestUnitTextF48 (review48f): the unit text F is degrees Fahrenheit
// (unitf48) and nothing else. On a parameter that is no temperature it is a
// unit of another quantity, as C and % are: the row is a unit_mismatch
// finding, as it was while F was unknown, but UnknownUnits no longer passes
// it (check --unknown does not list it), since naming F in vitals.units would
// change every temperature in F. The table is matched by case: f is still
// unknown, passed with the key f, and a site's vitals.units still overrides
// or adds either spelling.
func TestUnitTextF48(t *testing.T) {
	unknown := func(cfg vitals.Config, r row) (keys []string) {
		t.Helper()
		e, err := vitals.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		m, err := hl7.Parse(msg{rows: []row{r}}.bytes(t0, 0))
		if err != nil {
			t.Fatal(err)
		}
		e.Observe(netip.MustParseAddr("192.0.2.10"), m, t0, nil)
		e.UnknownUnits(m, func(param string, unit hl7.Field) {
			key, why := vitals.UnitsKey(unit)
			keys = append(keys, param+" "+key+why)
		})
		return keys
	}
	units := func(u map[string]string) vitals.Config {
		cfg := vitals.DefaultConfig()
		cfg.Units = u
		return cfg
	}
	tests := []struct {
		name        string
		cfg         vitals.Config
		r           row
		want        []string // rules
		wantUnknown []string // UnknownUnits: parameter and key
	}{
		{"a heart rate in F", vitals.DefaultConfig(), row{code: "147842", value: "80", unit: "F"}, []string{"unit_mismatch"}, nil},
		{"a heart rate with the text F", vitals.DefaultConfig(), row{code: "147842", value: "80", unit: "0004-9999^F^MDIL"}, []string{"unit_mismatch"}, nil},
		{"a temperature in F, alternate identifier", vitals.DefaultConfig(), row{code: "150344", value: "98.1", unit: "xx^^^F"}, nil, nil},
		{"a temperature in f", vitals.DefaultConfig(), row{code: "150344", value: "98.1", unit: "f"}, []string{"unit_mismatch"}, []string{"temp f"}},
		{"a temperature with the text f", vitals.DefaultConfig(), row{code: "150344", value: "98.1", unit: "0004-1780^f^MDIL"}, []string{"unit_mismatch"}, []string{"temp 0004-1780"}},
		{"vitals.units f", units(map[string]string{"f": "[degF]"}), row{code: "150344", value: "98.1", unit: "f"}, nil, nil},
		{"vitals.units F overrides the table: 37.0 F quiet", units(map[string]string{"F": "Cel"}), row{code: "150344", value: "37.0", unit: "F"}, nil, nil},
		// 98.1 is impossible in Cel, plausible in [degF]: a unit_mismatch, not read as [degF].
		{"vitals.units F overrides the table: 98.1 F not read", units(map[string]string{"F": "Cel"}), row{code: "150344", value: "98.1", unit: "F"}, []string{"unit_mismatch"}, nil},
		{"vitals.units F names a rate: the heart rate read", units(map[string]string{"F": "/min"}), row{code: "147842", value: "80", unit: "F"}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, tc.cfg, []tick{{0, msg{rows: []row{tc.r}}}}), tc.want...)
			if got := unknown(tc.cfg, tc.r); len(got) != len(tc.wantUnknown) || (len(got) > 0 && got[0] != tc.wantUnknown[0]) {
				t.Errorf("UnknownUnits %q, want %q", got, tc.wantUnknown)
			}
		})
	}
}
