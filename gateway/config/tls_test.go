package config

import "testing"

// Any key of a station's tls block turns TLS on unless enabled says otherwise; a block with only
// server_name or a client certificate used to mean plaintext.
func TestClientTLSOn(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name string
		tls  ClientTLS
		want bool
	}{
		{"empty", ClientTLS{}, false},
		{"enabled", ClientTLS{Enabled: &yes}, true},
		{"server name only", ClientTLS{ServerName: "central.example"}, true},
		{"client certificate only", ClientTLS{CertFile: "c", KeyFile: "k"}, true},
		{"ca only", ClientTLS{CAFile: "ca"}, true},
		{"explicitly off", ClientTLS{Enabled: &no}, false},
	} {
		if got := tc.tls.On(); got != tc.want {
			t.Errorf("%s: On() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
