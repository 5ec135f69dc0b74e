package inventory

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Entry is one watchlist entry: a device matches when every pattern the entry sets matches the
// device's identity (case-insensitive; '*' is any run of characters, '?' any one). An entry sets at
// least one pattern.
type Entry struct {
	Name         string   `json:"name" mapstructure:"name"`
	Sender       string   `json:"sender,omitempty" mapstructure:"sender"`             // MSH-3.1
	Manufacturer string   `json:"manufacturer,omitempty" mapstructure:"manufacturer"` // MDC_ID_MODEL_MANUFACTURER
	Model        string   `json:"model,omitempty" mapstructure:"model"`               // MDC_ID_MODEL_NUMBER
	Firmware     string   `json:"firmware,omitempty" mapstructure:"firmware"`         // firmware or software revision
	Advisory     string   `json:"advisory,omitempty" mapstructure:"advisory"`         // e.g. ICSMA-25-030-01
	CVEs         []string `json:"cves,omitempty" mapstructure:"cves"`
	Note         string   `json:"note,omitempty" mapstructure:"note"`
}

// Match reports whether id matches e.
func (e *Entry) Match(id *Identity) bool {
	fw := func(p string) bool { return glob(p, id.Firmware) || glob(p, id.Software) }
	return (e.Sender == "" || glob(e.Sender, id.Sender)) &&
		(e.Manufacturer == "" || glob(e.Manufacturer, id.Manufacturer)) &&
		(e.Model == "" || glob(e.Model, id.Model)) &&
		(e.Firmware == "" || fw(e.Firmware))
}

// Advisories returns the advisory and CVEs of e in one line, e.g. "ICSMA-25-030-01 CVE-2025-0626".
func (e *Entry) Advisories() string {
	return strings.TrimSpace(e.Advisory + " " + strings.Join(e.CVEs, " "))
}

//go:embed watchlist.json
var builtinJSON []byte

// Builtin returns the watchlist entries shipped with hl7gate: the Contec CMS8000, its firmware builds,
// and its relabel Epsimed MN-120 (CISA ICSMA-25-030-01).
func Builtin() []Entry {
	var es []Entry
	if err := json.Unmarshal(builtinJSON, &es); err != nil {
		panic("inventory: embedded watchlist.json: " + err.Error()) // a build defect, caught by the tests
	}
	return es
}

// Watchlist is the set of entries devices are checked against. It is immutable once built.
type Watchlist struct {
	entries []Entry
}

// NewWatchlist returns the built-in entries followed by extra (from configuration), after checking
// extra: every entry needs a unique name and at least one pattern. Every problem is reported at once.
func NewWatchlist(extra []Entry) (*Watchlist, error) {
	entries := append(Builtin(), extra...)
	seen := map[string]bool{}
	var errs []error
	for i, e := range entries {
		key := fmt.Sprintf("watchlist[%d]", i-len(entries)+len(extra))
		if i < len(entries)-len(extra) {
			key = "built-in watchlist " + e.Name
		}
		switch {
		case e.Name == "":
			errs = append(errs, fmt.Errorf("%s.name: required", key))
		case seen[e.Name]:
			errs = append(errs, fmt.Errorf("%s.name: %q is used twice", key, e.Name))
		}
		seen[e.Name] = true
		if e.Sender == "" && e.Manufacturer == "" && e.Model == "" && e.Firmware == "" {
			errs = append(errs, fmt.Errorf("%s: sets none of sender, manufacturer, model, firmware", key))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Watchlist{entries: entries}, nil
}

// Entries returns a copy of the watchlist's entries.
func (w *Watchlist) Entries() []Entry { return append([]Entry(nil), w.entries...) }

// Match returns the first entry id matches.
func (w *Watchlist) Match(id *Identity) (*Entry, bool) {
	if w == nil {
		return nil, false
	}
	for i := range w.entries {
		if w.entries[i].Match(id) {
			return &w.entries[i], true
		}
	}
	return nil, false
}

// glob reports whether s matches pattern p, ASCII case-insensitively: '*' matches any run of bytes
// (slashes included, unlike path.Match: firmware names contain them), '?' any one byte. An empty s
// matches only a pattern of stars.
func glob(p, s string) bool {
	var px, sx, nextPx, nextSx int
	star := false
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				star, nextPx, nextSx = true, px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px, sx = px+1, sx+1
					continue
				}
			default:
				if sx < len(s) && lower(s[sx]) == lower(c) {
					px, sx = px+1, sx+1
					continue
				}
			}
		}
		if star && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
