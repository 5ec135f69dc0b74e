package main

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/configs"
	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/policy/vitals"
)

// Every file in configs/ must load and validate through the real loader.
func TestExampleConfigsLoad(t *testing.T) {
	names, err := fs.Glob(configs.Files, "*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no example configs: %v", err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("..", "..", "configs", name)
			if _, err := loadConfig(path, nil, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := loadConfig("", nil, nil); err != nil {
		t.Fatalf("embedded default: %v", err)
	}
}

// A listener's source_rates, a list of mappings, decode through the loader (strict, unknown keys refused).
func TestSourceRatesLoad(t *testing.T) {
	cfg, err := loadConfig(filepath.Join("..", "..", "configs", "icu-example.yaml"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []config.SourceRate{{Sources: "10.20.0.40/32", MaxSourceRate: 16 << 20}}
	if got := cfg.Listeners[0].SourceRates; !slices.Equal(got, want) {
		t.Fatalf("listeners[0].source_rates = %+v, want %+v", got, want)
	}
}

// Every file in configs/vitals/ (a vitals section to paste into a gateway's
// configuration, or to give hl7gate check) must load and validate.
func TestVitalsConfigsLoad(t *testing.T) {
	names, err := filepath.Glob(filepath.Join("..", "..", "configs", "vitals", "*.yaml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no configs/vitals files: %v", err)
	}
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			cfg, err := loadVitalsConfig(name)
			if err != nil {
				t.Fatal(err)
			}
			if reflect.DeepEqual(cfg, vitals.DefaultConfig()) {
				t.Error("the defaults: nothing in the file was read")
			}
		})
	}
}

// configs/vitals/quiet.yaml records as info exactly the 21 rule/parameter pairs of profile A (frontier46's greedy
// on the training seeds, docs/vitals-history.md), "time_backwards" alone being the rule's message-level findings
// ("/" with no parameter key): its findings on one channel (an OBX-14 gone backwards) are no pair of the profile
// and stay at the rule's default severity, as every pair not listed does.
func TestQuietProfile(t *testing.T) {
	cfg, err := loadVitalsConfig(filepath.Join("..", "..", "configs", "vitals", "quiet.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	info := func(c vitals.Config) map[string]bool {
		out := map[string]bool{}
		rv := reflect.ValueOf(c.Rules)
		for i := range rv.NumField() {
			r, ok := rv.Field(i).Interface().(vitals.Rule)
			if !ok {
				r = rv.Field(i).FieldByName("Rule").Interface().(vitals.Rule)
			}
			name := rv.Type().Field(i).Tag.Get("mapstructure")
			for _, k := range append([]string{""}, vitals.Parameters()...) {
				sev, ok := r.SeverityFor[k]
				if !ok || k == "" {
					sev = r.Severity
				}
				if sev == "info" {
					out[name+"/"+k] = true
				}
			}
		}
		return out
	}
	got, defaults := info(cfg), info(vitals.DefaultConfig())
	maps.DeleteFunc(got, func(u string, _ bool) bool { return defaults[u] }) // pulse_pressure is info by default
	want := []string{"drift_return/art_sys", "drift_return/etco2", "hr_pr_agreement/hr", "map_formula/nibp_mean",
		"nibp_cadence/nibp_mean", "nibp_ibp_agreement/nibp_mean", "range/hr", "rate_of_change/art_dia",
		"rate_of_change/art_mean", "rate_of_change/art_sys", "rate_of_change/etco2", "rate_of_change/hr",
		"rate_of_change/rr", "rate_of_change/temp", "spike/hr", "time_backwards/", "too_regular/art_sys",
		"too_regular/etco2", "too_regular/hr", "too_regular/pr", "unit_mismatch/nibp_mean"}
	if units := slices.Sorted(maps.Keys(got)); !slices.Equal(units, want) {
		t.Errorf("recorded as info:\n%v\nwant the 21 pairs of profile A:\n%v", units, want)
	}
}

// Each rejected shape has a file in testdata and the exact error text it must produce.
func TestInvalidConfigs(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "invalid-*.yaml"))
	if len(files) == 0 {
		t.Fatal("no invalid-*.yaml cases")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			_, err = loadConfig(f, nil, nil)
			if err == nil {
				t.Fatal("loaded without error")
			}
			if got := err.Error(); strings.TrimSpace(got) != strings.TrimSpace(string(want)) {
				t.Fatalf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	env := []string{"HL7GATE_LOG_LEVEL=debug", "HL7GATE_ADMIN_ADDRESS=127.0.0.1:9999", "HL7GATE_STATE_MAX_EVENTS=7"}
	cfg, err := loadConfig("", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Log.Level != "debug" || cfg.Admin.Address != "127.0.0.1:9999" || cfg.State.MaxEvents != 7 {
		t.Fatalf("overrides not applied: %+v %+v %+v", cfg.Log, cfg.Admin, cfg.State)
	}
	if _, err := loadConfig("", nil, []string{"HL7GATE_LOG_LEVEL=loud"}); err == nil ||
		!strings.Contains(err.Error(), `log.level: "loud"`) {
		t.Fatalf("bad override not reported: %v", err)
	}
}

// A bad HL7GATE_* variable is reported as such, naming the variable, never against the config file; an
// HL7GATE_* variable that sets no key is an error, with the nearest known one when there is one.
func TestEnvironmentErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string
		env  []string
		want string
	}{
		{"invalid value", "", []string{"HL7GATE_LOG_LEVEL=loud"}, `
environment (HL7GATE_* variables):
HL7GATE_LOG_LEVEL="loud": log.level: "loud" is not debug, info, warn or error`},
		{"value of the wrong type", "", []string{"HL7GATE_STATE_MAX_EVENTS=many"}, `
environment (HL7GATE_* variables):
HL7GATE_STATE_MAX_EVENTS="many": 'state.max_events' cannot parse value as 'int': strconv.ParseInt: invalid syntax`},
		{"a key the value makes invalid", "", []string{"HL7GATE_ADMIN_ADDRESS=192.0.2.1:9102"}, `
environment (HL7GATE_* variables):
HL7GATE_ADMIN_ADDRESS="192.0.2.1:9102": admin.token_file: required when admin.address 192.0.2.1:9102 is not a loopback address`},
		{"unknown variables", "", []string{"HL7GATE_LOG_LEVL=debug", "HL7GATE_COLOUR=blue", "PATH=/bin", "HL7GATEWAY=1"}, `
environment (HL7GATE_* variables):
HL7GATE_LOG_LEVL: no configuration key is set by this variable (did you mean HL7GATE_LOG_LEVEL?)
HL7GATE_COLOUR: no configuration key is set by this variable`},
		{"file and environment", filepath.Join("testdata", "invalid-no-station.yaml"), []string{"HL7GATE_DELIVERY_ON_FAILURE=retry"}, `
config testdata/invalid-no-station.yaml:
stations: at least one allowlisted central station is required
routes[0].stations[0]: "central" is not an allowlisted station
environment (HL7GATE_* variables):
HL7GATE_DELIVERY_ON_FAILURE="retry": delivery.on_failure: "retry" is not nak or silent`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(tc.path, nil, tc.env)
			if err == nil {
				t.Fatal("loaded without error")
			}
			if got, want := err.Error(), strings.TrimPrefix(tc.want, "\n"); got != want {
				t.Fatalf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// The export and inventory sections decode through the real loader, lists and durations included.
func TestExportInventoryConfig(t *testing.T) {
	cfg, err := loadConfig(filepath.Join("testdata", "export.yaml"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	inv, x := cfg.Inventory, cfg.Export
	if inv.MaxDevices != 50 || len(inv.Watchlist) != 1 || inv.Watchlist[0].Model != "M3*" || len(inv.Watchlist[0].CVEs) != 2 {
		t.Errorf("inventory: %+v", inv)
	}
	if len(x.Syslog) != 1 || x.Syslog[0].Transport != "tcp" || x.Syslog[0].Facility == nil || *x.Syslog[0].Facility != 4 ||
		x.Syslog[0].Buffer != 100 || x.Syslog[0].MinBackoff.Milliseconds() != 50 {
		t.Errorf("export.syslog: %+v", x.Syslog)
	}
	if len(x.Webhook) != 1 || x.Webhook[0].Attempts != 3 || !x.Webhook[0].IncludePatientData {
		t.Errorf("export.webhook: %+v", x.Webhook)
	}
}

// Map keys keep the case they have in the file (viper lowercases every key): an OBX-3 code or a unit
// that differs from the table only in case is matched as the monitor sends it.
func TestMapKeysKeepCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "case.yaml")
	b, err := configs.Files.ReadFile(configs.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, "vitals:\n  codes:\n    0002-4BB8: spo2\n    149522@Comen_C: pr\n  units:\n    mmHG: mm[Hg]\n    mmhg: kPa\n"...)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Vitals.Codes, map[string]string{"0002-4BB8": "spo2", "149522@Comen_C": "pr"}; !maps.Equal(got, want) {
		t.Errorf("vitals.codes = %v, want %v", got, want)
	}
	if got, want := cfg.Vitals.Units, map[string]string{"mmHG": "mm[Hg]", "mmhg": "kPa"}; !maps.Equal(got, want) {
		t.Errorf("vitals.units = %v, want %v", got, want)
	}
}

// A section written as a value (vitals: 5) is an error naming it, also when an override sets a key inside
// it (viper would let the override replace the value and say nothing).
func TestSectionWrittenAsValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "section.yaml")
	b, err := configs.Files.ReadFile(configs.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, "vitals: 5\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, env := range [][]string{nil, {"HL7GATE_VITALS_ENABLED=true"}} {
		_, err := loadConfig(path, nil, env)
		if err == nil || !strings.Contains(err.Error(), "vitals") {
			t.Errorf("env %v: error %v, want one naming vitals", env, err)
		}
	}
}

// hl7gate validate prints a warning naming the key for a station reached over TLS without a pinned CA,
// and still says ok.
func TestValidateWarnsSystemRoots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roots.yaml")
	if err := os.WriteFile(path, []byte(`listeners:
  - {name: icu, address: "127.0.0.1:2575", allow_sources: ["127.0.0.0/8"]}
stations:
  - {name: central, address: "127.0.0.1:2576", tls: {enabled: true}}
routes:
  - {name: all, stations: [central]}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"validate", "--config", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, &errb)
	}
	if !strings.Contains(errb.String(), "warning: stations[0].tls.ca_file: not set") {
		t.Errorf("no warning about the system roots: %q", &errb)
	}
}

// delivery.busy_poll through the real loader: a duration, 0 (off, kept as 0 rather than taken for "not
// set"), not set (the default), and set by HL7GATE_DELIVERY_BUSY_POLL.
func TestBusyPollLoads(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "invalid-busy-poll.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, value string
		env         []string
		want        time.Duration
	}{
		{"duration", "250us", nil, 250 * time.Microsecond},
		{"off", "0", nil, 0},
		{"off as a duration", "0s", nil, 0},
		{"not set", "", nil, config.DefaultBusyPoll},
		{"environment", "", []string{"HL7GATE_DELIVERY_BUSY_POLL=0"}, 0},
		{"environment over the file", "250us", []string{"HL7GATE_DELIVERY_BUSY_POLL=40us"}, 40 * time.Microsecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := strings.Replace(string(base), "busy_poll: 5ms", "busy_poll: "+tc.value, 1)
			if tc.value == "" {
				y = strings.Replace(string(base), "delivery:\n  busy_poll: 5ms\n", "", 1)
			}
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := loadConfig(path, nil, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Delivery.BusyPollBound(); got != tc.want {
				t.Fatalf("busy_poll %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := loadConfig("", nil, []string{"HL7GATE_DELIVERY_BUSY_POLL=-5us"}); err == nil ||
		!strings.Contains(err.Error(), `HL7GATE_DELIVERY_BUSY_POLL="-5us": delivery.busy_poll: -5µs not in 0..1ms`) {
		t.Fatalf("negative override: %v", err)
	}
}
