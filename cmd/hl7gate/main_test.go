package main

import (
	"bytes"
	"strings"
	"testing"
)

// Asking for help is not an error: -h, --help and help print the usage and exit 0, on the command and
// on every subcommand. Wrong arguments still exit 2.
func TestHelpAndUsageExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stdout or stderr
	}{
		{[]string{"--help"}, 0, "usage: hl7gate COMMAND [flags]"},
		{[]string{"-h"}, 0, "usage: hl7gate COMMAND [flags]"},
		{[]string{"help"}, 0, "usage: hl7gate COMMAND [flags]"},
		{[]string{"serve", "--help"}, 0, "--config string"},
		{[]string{"validate", "-h"}, 0, "--config string"},
		{[]string{"validate", "-h"}, 0, "--print"},
		{[]string{"check", "--help"}, 0, "usage: hl7gate check [flags] FILE..."},
		{[]string{"demo", "-h"}, 0, "--duration"},
		{[]string{"firewall", "--help"}, 0, "usage: hl7gate firewall render|apply|remove --config FILE"},
		{[]string{"firewall", "render", "-h"}, 0, "usage: hl7gate firewall render|apply|remove --config FILE"},
		{[]string{"evidence", "--help"}, 0, "--include-patient-data"},
		{[]string{"evidence", "--config", "x.yaml"}, 2, "--since string"},
		{[]string{"devices", "--help"}, 0, "--token-file string"},
		{[]string{"devices", "extra"}, 2, "unexpected arguments: extra"},
		{[]string{"keepalived", "--help"}, 0, "usage: hl7gate keepalived --config FILE"},
		{nil, 2, "usage: hl7gate COMMAND [flags]"},
		{[]string{"serv"}, 2, `hl7gate: unknown command "serv"`},
		{[]string{"serve", "--no-such-flag"}, 2, "unknown flag: --no-such-flag"},
		{[]string{"firewall", "render"}, 2, "usage: hl7gate firewall render|apply|remove --config FILE"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(t.Context(), tc.args, &out, &errb)
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d and %q", code, &out, &errb, tc.code, tc.want)
			}
		})
	}
}
