package hl7_test

import (
	"errors"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
)

func TestDelimitersValidate(t *testing.T) {
	tests := []struct {
		name string
		d    hl7.Delimiters
		ok   bool
	}{
		{"default", hl7.DefaultDelimiters(), true},
		{"with truncation", hl7.Delimiters{'|', '^', '~', '\\', '&', '#'}, true},
		{"custom", hl7.Delimiters{'#', '$', '%', '@', '!', 0}, true},
		{"zero", hl7.Delimiters{}, false},
		{"duplicate", hl7.Delimiters{'|', '^', '^', '\\', '&', 0}, false},
		{"truncation duplicates", hl7.Delimiters{'|', '^', '~', '\\', '&', '|'}, false},
		{"letter", hl7.Delimiters{'|', 'A', '~', '\\', '&', 0}, false},
		{"digit", hl7.Delimiters{'|', '^', '~', '\\', '0', 0}, false},
		{"CR", hl7.Delimiters{'\r', '^', '~', '\\', '&', 0}, false},
		{"LF", hl7.Delimiters{'|', '^', '\n', '\\', '&', 0}, false},
		{"space", hl7.Delimiters{'|', '^', '~', ' ', '&', 0}, false},
		{"non-ASCII", hl7.Delimiters{'|', '^', '~', '\\', 0xa7, 0}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.d.Validate()
			if (err == nil) != tc.ok || err != nil && !errors.Is(err, hl7.ErrBadDelimiters) {
				t.Errorf("Validate = %v, want ok %t", err, tc.ok)
			}
		})
	}
}

func TestUnescape(t *testing.T) {
	trunc := hl7.Delimiters{'|', '^', '~', '\\', '&', '#'}
	custom := hl7.Delimiters{'#', '$', '%', '@', '!', 0}
	tests := []struct {
		name string
		d    hl7.Delimiters
		in   string
		want string
	}{
		{"plain", hl7.DefaultDelimiters(), "abc", "abc"},
		{"empty", hl7.DefaultDelimiters(), "", ""},
		{"delimiters", hl7.DefaultDelimiters(), `\F\\S\\T\\R\\E\`, `|^&~\`},
		{"in text", hl7.DefaultDelimiters(), `a\F\b`, "a|b"},
		{"line break", hl7.DefaultDelimiters(), `one\.br\two`, "one\rtwo"},
		{"hex", hl7.DefaultDelimiters(), `\X0D0A\`, "\r\n"},
		{"hex lower", hl7.DefaultDelimiters(), `\X48656c6c6f\`, "Hello"},
		{"hex odd digits kept", hl7.DefaultDelimiters(), `\X123\`, `\X123\`},
		{"hex bad digit kept", hl7.DefaultDelimiters(), `\X1G\`, `\X1G\`},
		{"empty hex kept", hl7.DefaultDelimiters(), `\X\`, `\X\`},
		{"highlight kept", hl7.DefaultDelimiters(), `\H\bold\N\`, `\H\bold\N\`},
		{"charset escapes kept", hl7.DefaultDelimiters(), `\C2842\x\M2442\\Z99\`, `\C2842\x\M2442\\Z99\`},
		{"formatting kept", hl7.DefaultDelimiters(), `\.sp2\`, `\.sp2\`},
		{"lone escape kept", hl7.DefaultDelimiters(), `50\ mg`, `50\ mg`},
		{"trailing escape kept", hl7.DefaultDelimiters(), `abc\`, `abc\`},
		{"double escape kept", hl7.DefaultDelimiters(), `\\`, `\\`},
		{"unknown then known", hl7.DefaultDelimiters(), `\Q\F\`, `\Q\F\`},
		{"known then lone", hl7.DefaultDelimiters(), `\F\\`, `|\`},
		{"windows path", hl7.DefaultDelimiters(), `C:\dir\file`, `C:\dir\file`},
		{"truncation without char kept", hl7.DefaultDelimiters(), `\P\`, `\P\`},
		{"truncation", trunc, `a\P\b`, "a#b"},
		{"custom", custom, `@F@@S@@T@@R@@E@`, `#$!%@`},
		{"custom ignores backslash", custom, `\F\`, `\F\`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.d.Unescape([]byte("prefix:"), []byte(tc.in))
			if string(got) != "prefix:"+tc.want {
				t.Errorf("Unescape(%q) = %q, want %q", tc.in, got[7:], tc.want)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	tests := []struct {
		name string
		d    hl7.Delimiters
		in   string
		want string
	}{
		{"plain", hl7.DefaultDelimiters(), "abc 123", "abc 123"},
		{"delimiters", hl7.DefaultDelimiters(), `|^~\&`, `\F\\S\\R\\E\\T\`},
		{"line breaks", hl7.DefaultDelimiters(), "a\r\nb", `a\X0D\\X0A\b`},
		{"hash without truncation", hl7.DefaultDelimiters(), "#", "#"},
		{"truncation", hl7.Delimiters{'|', '^', '~', '\\', '&', '#'}, "#", `\P\`},
		{"custom", hl7.Delimiters{'#', '$', '%', '@', '!', 0}, `#$%@!|^`, `@F@@S@@R@@E@@T@|^`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(tc.d.Escape(nil, []byte(tc.in)))
			if got != tc.want {
				t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if back := string(tc.d.Unescape(nil, []byte(got))); back != tc.in {
				t.Errorf("Unescape(Escape(%q)) = %q", tc.in, back)
			}
		})
	}
}
