package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/configs"
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
