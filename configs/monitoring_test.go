package configs

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// Files of the monitoring configuration, relative to this directory.
const (
	rulesFile     = "prometheus/hl7gate-rules.yaml"
	rulesTestFile = "prometheus/hl7gate-rules_test.yaml"
	dashboardFile = "grafana/hl7gate-dashboard.json"
)

// coming are metrics the rules use that the gateway does not export yet, with the package that will:
// once it does and the README lists them, delete them here.
var coming = []string{}

// undocumented are metrics the gateway exports today that the README's list omits: add them there,
// then delete them here.
var undocumented = []string{}

var metricName = regexp.MustCompile(`\bhl7gate_[a-z0-9_]+`)

// metricsIn returns the hl7gate metric names in s, histogram series reduced to their family.
func metricsIn(s string) []string {
	var names []string
	for _, n := range metricName.FindAllString(s, -1) {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if strings.HasSuffix(n, "_seconds"+suffix) {
				n = strings.TrimSuffix(n, suffix)
			}
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// documented is every metric the README's Operations section lists, plus coming.
func documented(t *testing.T) []string {
	readme := readFile(t, filepath.Join("..", "README.md"))
	start := strings.Index(readme, "## Operations")
	if start < 0 {
		t.Fatal("README has no Operations section")
	}
	ops := readme[start:]
	if end := strings.Index(ops[3:], "\n## "); end >= 0 {
		ops = ops[:end+3]
	}
	names := append(append(metricsIn(ops), coming...), undocumented...)
	if len(names) < 10 {
		t.Fatalf("README lists only %v", names)
	}
	return names
}

// Rules pass `promtool check rules` and their unit tests (`promtool test rules`).
func TestPrometheusRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		testkit.Unavailable(t, "promtool (Debian package prometheus) is missing: bash .ci/deps installs it")
	}
	for _, args := range [][]string{{"check", "rules", filepath.Base(rulesFile)}, {"test", "rules", filepath.Base(rulesTestFile)}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = filepath.Dir(rulesFile)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// Every metric an alerting rule uses is one the README documents (or one listed as coming), and the
// rules cover the README's key signals.
func TestRulesMetricsKnown(t *testing.T) {
	known := documented(t)
	used := metricsIn(readFile(t, rulesFile))
	for _, n := range used {
		if !slices.Contains(known, n) {
			t.Errorf("%s uses %s, which neither the README nor the coming list knows", rulesFile, n)
		}
	}
	for _, n := range []string{"hl7gate_station_up", "hl7gate_egress_attempts_total", "hl7gate_vitals_findings_total",
		"hl7gate_connections_refused_total", "hl7gate_queue_depth", "hl7gate_watchlist_hits_total", "hl7gate_firewall_intact"} {
		if !slices.Contains(used, n) {
			t.Errorf("no alerting rule uses %s", n)
		}
	}
}

// dashboard is the part of a Grafana dashboard the test reads.
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // of a collapsed row
}

// The Grafana dashboard is valid JSON, every panel queries something, and every metric it queries is one
// the rules or the README know.
func TestGrafanaDashboard(t *testing.T) {
	var d dashboard
	if err := json.Unmarshal([]byte(readFile(t, dashboardFile)), &d); err != nil {
		t.Fatal(err)
	}
	if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
		t.Fatalf("dashboard uid %q title %q, %d panels", d.UID, d.Title, len(d.Panels))
	}
	known := append(documented(t), metricsIn(readFile(t, rulesFile))...)
	var exprs []string
	ids := map[int]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel id %d used twice", p.ID)
			}
			ids[p.ID] = true
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q queries nothing", p.Title)
			}
			for _, tg := range p.Targets {
				if len(metricsIn(tg.Expr)) == 0 {
					t.Errorf("panel %q: %q queries no hl7gate metric", p.Title, tg.Expr)
				}
				exprs = append(exprs, tg.Expr)
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		exprs = append(exprs, string(v.Query))
	}
	selector := regexp.MustCompile(`\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{`)
	for _, e := range exprs {
		for _, m := range selector.FindAllStringSubmatch(e, -1) {
			if !strings.HasPrefix(m[1], "hl7gate_") {
				t.Errorf("%q selects %s, not an hl7gate metric", e, m[1])
			}
		}
		for _, n := range metricsIn(e) {
			if !slices.Contains(known, n) {
				t.Errorf("%q queries %s, which neither the rules nor the README know", e, n)
			}
		}
	}
	if len(exprs) < 15 {
		t.Fatalf("only %d queries", len(exprs))
	}
}
