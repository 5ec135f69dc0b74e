package export

import (
	"strconv"
	"unicode/utf8"
)

// CEF writes events as ArcSight Common Event Format lines:
//
//	CEF:0|hl7gate|hl7gate|Version|Kind|Name|Severity|rt=… act=… src=… …
//
// Header fields escape `\` and `|` with a backslash; extension values escape `\` and `=` and write
// line breaks as `\n` and `\r`. Other control characters become spaces and invalid UTF-8 becomes
// U+FFFD, so a line never breaks a syslog record. Extension keys are CEF's own (rt, act, src, spt,
// dst, dpt, proto, reason, cnt, msg) plus labelled custom strings:
//
//	cs1 deviceId   cs2 listener   cs3 rule     cs4 deviceModel   cs5 advisory   cs6 station
//	flexString1 parameter         flexString2 patientData (only with IncludePatientData)
type CEF struct {
	Version            string // hl7gate's version: the header's Device Version
	IncludePatientData bool   // export Event.PatientData; off by default
}

// Append appends e as one CEF line (without a line break) to dst.
func (f CEF) Append(dst []byte, e *Event) []byte {
	info := kindInfo[e.Kind]
	name := info.name
	if name == "" {
		name = string(e.Kind)
	}
	sev := e.severity()
	dst = append(dst, "CEF:0|hl7gate|hl7gate|"...)
	dst = appendHeader(dst, f.Version)
	dst = append(dst, '|')
	dst = appendHeader(dst, string(e.Kind))
	dst = append(dst, '|')
	dst = appendHeader(dst, name)
	dst = append(dst, '|')
	dst = strconv.AppendInt(dst, int64(sev), 10)
	dst = append(dst, '|')

	x := ext{dst: dst}
	if !e.Time.IsZero() {
		x.int("rt", e.Time.UnixMilli())
	}
	x.str("act", e.Action)
	if e.Src.IsValid() {
		x.str("src", e.Src.Addr().Unmap().String())
		x.port("spt", e.Src.Port())
	}
	if e.Dst.IsValid() {
		x.str("dst", e.Dst.Addr().Unmap().String())
		x.port("dpt", e.Dst.Port())
	}
	x.str("proto", e.Proto)
	x.str("reason", e.Reason)
	if e.Count != 0 {
		x.int("cnt", e.Count)
	}
	x.labelled("cs1", "deviceId", e.Device.ID)
	x.labelled("cs2", "listener", e.Listener)
	x.labelled("cs3", "rule", e.Rule)
	x.labelled("cs4", "deviceModel", joinNonEmpty(e.Device.Manufacturer, e.Device.Model, e.Device.Firmware))
	x.labelled("cs5", "advisory", e.Advisory)
	x.labelled("cs6", "station", e.Station)
	x.labelled("flexString1", "parameter", e.Parameter)
	if f.IncludePatientData {
		x.labelled("flexString2", "patientData", e.PatientData)
	}
	x.str("msg", e.Detail)
	return x.dst
}

// joinNonEmpty joins the non-empty strings with " / ".
func joinNonEmpty(s ...string) string {
	out := ""
	for _, v := range s {
		if v == "" {
			continue
		}
		if out != "" {
			out += " / "
		}
		out += v
	}
	return out
}

// ext appends space-separated key=value pairs.
type ext struct {
	dst []byte
	n   int
}

func (x *ext) key(k string) {
	if x.n > 0 {
		x.dst = append(x.dst, ' ')
	}
	x.n++
	x.dst = append(x.dst, k...)
	x.dst = append(x.dst, '=')
}

func (x *ext) str(k, v string) {
	if v == "" {
		return
	}
	x.key(k)
	x.dst = appendValue(x.dst, v)
}

func (x *ext) int(k string, v int64) {
	x.key(k)
	x.dst = strconv.AppendInt(x.dst, v, 10)
}

func (x *ext) port(k string, p uint16) {
	if p != 0 {
		x.int(k, int64(p))
	}
}

func (x *ext) labelled(k, label, v string) {
	if v == "" {
		return
	}
	x.str(k+"Label", label)
	x.str(k, v)
}

// appendHeader appends s escaped for a CEF header field.
func appendHeader(dst []byte, s string) []byte {
	return appendEscaped(dst, s, false)
}

// appendValue appends s escaped for a CEF extension value.
func appendValue(dst []byte, s string) []byte {
	return appendEscaped(dst, s, true)
}

// appendEscaped appends at most MaxValueLen bytes of s (cut at a rune boundary) with CEF escaping: in
// the header `\` and `|`, in extension values `\`, `=`, CR and LF. Other control characters become a
// space, invalid UTF-8 becomes U+FFFD.
func appendEscaped(dst []byte, s string, value bool) []byte {
	if len(s) > MaxValueLen {
		cut := MaxValueLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
		switch {
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c == '|' && !value:
			dst = append(dst, '\\', '|')
		case c == '=' && value:
			dst = append(dst, '\\', '=')
		case c == '\n' && value:
			dst = append(dst, '\\', 'n')
		case c == '\r' && value:
			dst = append(dst, '\\', 'r')
		case c < ' ' || c == 0x7f:
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
