package config

import (
	"reflect"
	"strings"
	"testing"
)

// secret redacts a value under a key that names a secret unless the key names a file holding it, and a
// URL with credentials or a query; host:port addresses, paths and plain URLs stay readable.
func TestSecret(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       bool
	}{
		{"token", "s3cr3t", true},
		{"api_key", "s3cr3t", true},
		{"password", "s3cr3t", true},
		{"client_secret", "s3cr3t", true},
		{"headers", "Bearer s3cr3t", true},
		{"token", "", false},
		{"token_file", "/etc/hl7gate/admin-token", false},
		{"key_file", "/etc/hl7gate/tls/key.pem", false},
		{"url", "https://hl7gate:s3cr3t@noc.example/events", true},
		{"url", "https://noc.example/events?token=s3cr3t", true},
		{"url", "https://noc.example/events?", true},
		{"url", "https://noc.example/events", false},
		{"address", "siem.example:6514", false},
		{"address", "10.0.0.1:2575", false},
		{"dir", "/var/lib/hl7gate/journal", false},
		{"monkey", "s3cr3t", false}, // a word of its own, not a part of one
	} {
		if got := secret(tc.key, tc.value); got != tc.want {
			t.Errorf("secret(%q, %q) = %v, want %v", tc.key, tc.value, got, tc.want)
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
	if got, want := b.String(), "headers:\n  Authorization: "+Redacted+"\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}
