package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/export"
)

// Redact hides a value under a key that names a secret unless the key names a file holding it, and
// whatever a URL has beyond scheme://host[:port]/ (user info, a Slack-style path, a query); host:port
// addresses, paths and a URL of a host alone stay readable.
func TestRedact(t *testing.T) {
	const r = export.Redacted
	for _, tc := range []struct {
		key, value, want string
	}{
		{"token", "s3cr3t", r},
		{"api_key", "s3cr3t", r},
		{"password", "s3cr3t", r},
		{"client_secret", "s3cr3t", r},
		{"headers", "Bearer s3cr3t", r},
		{"token", "", ""},
		{"token_file", "/etc/hl7gate/admin-token", "/etc/hl7gate/admin-token"},
		{"key_file", "/etc/hl7gate/tls/key.pem", "/etc/hl7gate/tls/key.pem"},
		{"url", "https://hl7gate:s3cr3t@noc.example/", "https://noc.example/" + r},
		{"url", "https://noc.example/events?token=s3cr3t", "https://noc.example/" + r},
		{"url", "https://noc.example/events?", "https://noc.example/" + r},
		{"url", "https://hooks.example/services/T0/B0/s3cr3t", "https://hooks.example/" + r},
		{"url", "https://noc.example:8443/", "https://noc.example:8443/"},
		{"url", "https://hl7gate:s3%zz@noc.example/", r}, // does not parse
		{"address", "https://hl7gate:s3cr3t@noc.example", "https://noc.example/" + r},
		{"address", "siem.example:6514", "siem.example:6514"},
		{"address", "10.0.0.1:2575", "10.0.0.1:2575"},
		{"dir", "/var/lib/hl7gate/journal", "/var/lib/hl7gate/journal"},
		{"monkey", "s3cr3t", "s3cr3t"}, // a word of its own, not a part of one
	} {
		if got := Redact(tc.key, tc.value); got != tc.want {
			t.Errorf("Redact(%q, %q) = %q, want %q", tc.key, tc.value, got, tc.want)
		}
	}
}

// durations print as they are written, and parse back to themselves.
func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                          "0s",
		100 * time.Microsecond:     "100us",
		1500 * time.Millisecond:    "1.5s",
		10 * time.Minute:           "10m",
		90 * time.Second:           "1m30s",
		24 * time.Hour:             "24h",
		time.Hour + 30*time.Minute: "1h30m",
		time.Hour + 5*time.Second:  "1h0m5s",
		-10 * time.Minute:          "-10m",
	} {
		got := duration(d)
		if back, err := time.ParseDuration(got); got != want || err != nil || back != d {
			t.Errorf("duration(%v) = %q (parsed back %v, %v), want %q", d, got, back, err, want)
		}
	}
}

// The values of a map under a secret key (a webhook's headers, were there such a key) are redacted,
// its keys are not.
func TestPrintRedactsMapValues(t *testing.T) {
	v := struct {
		Headers map[string]string `mapstructure:"headers"`
	}{map[string]string{"Authorization": "Bearer s3cr3t"}}
	n, err := yamlNode(reflect.ValueOf(v), reflect.Value{}, "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := encode(&b, n); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "headers:\n  Authorization: "+export.Redacted+"\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}
