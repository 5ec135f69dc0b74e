package export

import (
	"strconv"
	"time"
)

// header is the fixed part of the RFC 5424 messages one sender writes.
type header struct {
	facility int
	hostname string // already reduced to PRINTUSASCII, at most 255 bytes, "-" when unknown
	appName  string // at most 48 bytes
	procID   string // at most 128 bytes
	version  string // hl7gate's version, for the origin SD element
}

// Limits of RFC 5424 header fields (section 6).
const (
	maxHostname = 255
	maxAppName  = 48
	maxProcID   = 128
)

// printASCII reduces s to RFC 5424's PRINTUSASCII (33..126), at most n bytes; other bytes become '_'.
// The empty string becomes the NILVALUE "-".
func printASCII(s string, n int) string {
	if s == "" {
		return "-"
	}
	b := []byte(s[:min(len(s), n)])
	for i, c := range b {
		if c < 33 || c > 126 {
			b[i] = '_'
		}
	}
	return string(b)
}

// appendMessage appends one RFC 5424 message:
//
//	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [origin software="hl7gate" swVersion="…"][meta sequenceId="N"] MSG
//
// The caller appends MSG. MSGID is the event's kind; the structured data uses only IANA-registered SD-IDs (RFC 5424 section 7);
// sequenceId is the event's number from Send, so the SOC sees a gap for each event dropped. MSG is the CEF line,
// without a byte order mark.
func (h *header) appendMessage(dst []byte, sev Severity, t time.Time, msgID string, seq uint32) []byte {
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(h.facility*8+sev.syslog()), 10)
	dst = append(dst, ">1 "...)
	dst = t.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
	dst = append(dst, ' ')
	dst = append(dst, h.hostname...)
	dst = append(dst, ' ')
	dst = append(dst, h.appName...)
	dst = append(dst, ' ')
	dst = append(dst, h.procID...)
	dst = append(dst, ' ')
	dst = append(dst, msgID...)
	dst = append(dst, ` [origin software="hl7gate" swVersion="`...)
	dst = appendParam(dst, h.version)
	dst = append(dst, `"][meta sequenceId="`...)
	dst = strconv.AppendUint(dst, uint64(seq), 10)
	return append(dst, `"] `...)
}

// appendParam appends s as an SD-PARAM value: `"`, `\` and `]` are escaped with a backslash.
func appendParam(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', ']':
			dst = append(dst, '\\', c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
