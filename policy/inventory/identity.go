// Package inventory keeps the devices (monitors) hl7gate has seen, by the identity their messages carry,
// and checks them against a watchlist of known-vulnerable models and firmware.
//
// Typical use, per connection and message:
//
//	wl, err := inventory.NewWatchlist(cfg.Watchlist) // built-in entries plus the configuration's
//	inv := inventory.New(10000, wl)
//	...
//	var id inventory.Identity // one per connection, updated from each message
//	id.Update(&msg) // cheap: no allocation when nothing changed
//	if hit := inv.Observe(id, inventory.Sighting{Time: now, Addr: remote, Listener: "icu-a", MessageType: "ORU^R01"}); hit != nil {
//		d, _ := inv.Get(id.Key()) // raise a critical watchlist_hit event, once per device
//	}
//
// Identity holds device identifiers only (MSH-3, OBX-18, the IEEE 11073 product rows of a PCD-01
// message): never PID, PV1 or observation values.
package inventory

import (
	"bytes"

	"github.com/hl7gate/hl7gate/hl7"
)

// MaxLen bounds each identity string: longer values are cut.
const MaxLen = 64

// IEEE 11073-10101 codes (partition 8, MDC_PART_ID) of the production-specification rows a PCD-01
// message may carry after its MDS row, OBX-3.1; OBX-5 holds the value.
const (
	codeModelNumber  = "531969" // MDC_ID_MODEL_NUMBER
	codeManufacturer = "531970" // MDC_ID_MODEL_MANUFACTURER
	codeSerial       = "531972" // MDC_ID_PROD_SPEC_SERIAL
	codeHardware     = "531974" // MDC_ID_PROD_SPEC_HW
	codeSoftware     = "531975" // MDC_ID_PROD_SPEC_SW
	codeFirmware     = "531976" // MDC_ID_PROD_SPEC_FW
)

// Identity is what a message says about the device that sent it. Empty fields were not in the message.
type Identity struct {
	Sender       string // MSH-3.1, the sending application's namespace ID, e.g. MINDRAY_VS_SERIES
	EUI64        string // the device's EUI-64, upper case: MSH-3.2 when MSH-3.3 is EUI-64, else from OBX-18
	Equipment    string // OBX-18.1 of the first OBX that has one (the MDS row in PCD-01)
	Manufacturer string // MDC_ID_MODEL_MANUFACTURER
	Model        string // MDC_ID_MODEL_NUMBER
	Serial       string // MDC_ID_PROD_SPEC_SERIAL
	Hardware     string // MDC_ID_PROD_SPEC_HW
	Software     string // MDC_ID_PROD_SPEC_SW
	Firmware     string // MDC_ID_PROD_SPEC_FW
}

// Key is the identity the inventory files a device under: its EUI-64, else its equipment identifier,
// else its MSH-3 namespace; "" when the message names no device.
func (id *Identity) Key() string {
	switch {
	case id.EUI64 != "":
		return id.EUI64
	case id.Equipment != "":
		return id.Equipment
	}
	return id.Sender
}

// Extract returns the identity m carries.
func Extract(m *hl7.Message) Identity {
	var id Identity
	id.Update(m)
	return id
}

// Update sets id to the identity m carries and reports whether it changed. It reads MSH-3 and, in OBX
// segments, only OBX-3, OBX-5 and OBX-18; when nothing changed it does not allocate.
func (id *Identity) Update(m *hl7.Message) (changed bool) {
	var next [9][]byte // in the order of Identity's fields
	msh3 := m.HeaderField(3)
	next[0] = msh3.Component(1).Bytes()
	if bytes.EqualFold(msh3.Component(3).Bytes(), []byte("EUI-64")) {
		next[1] = msh3.Component(2).Bytes()
	}
	fs := m.Delimiters().Field
	for i := 1; i < m.NumSegments(); i++ {
		s := m.Segment(i)
		if string(s.Name()) != "OBX" {
			continue
		}
		// OBX-18 only until an OBX has one; after that only OBX-3 (and OBX-5 of a product row) is
		// split off, instead of every OBX's value, units and ranges.
		if next[2] == nil {
			if f18 := s.Field(18); !f18.IsEmpty() {
				ei := f18.Rep(1)
				next[2] = ei.Component(1).Bytes()
				if next[1] == nil {
					if bytes.EqualFold(ei.Component(4).Bytes(), []byte("EUI-64")) {
						next[1] = ei.Component(3).Bytes()
					} else if isEUI64(next[2]) {
						next[1] = next[2]
					}
				}
			}
		}
		// Every production-specification code begins with productPart: a row whose OBX-3 does not is none
		// of them, and its OBX-3 is not split off (most rows being readings).
		if !fieldHasPrefix(s.Bytes(), fs, 3, productPart) {
			continue
		}
		slot := productSlot(s.Field(3).Component(1).Bytes())
		if slot == 0 || next[slot] != nil {
			continue
		}
		if s.NumFields() >= 5 { // an OBX without OBX-5 names nothing
			next[slot] = s.Field(5).Rep(1).Bytes()
		}
	}
	fields := [9]*string{&id.Sender, &id.EUI64, &id.Equipment, &id.Manufacturer, &id.Model, &id.Serial,
		&id.Hardware, &id.Software, &id.Firmware}
	for i, p := range fields {
		v := next[i]
		if len(v) > MaxLen {
			v = v[:MaxLen]
		}
		if i == 1 && !isEUI64(v) {
			v = nil // not a device identifier we can rely on
		}
		if !same(v, *p) {
			*p, changed = clean(v), true
		}
	}
	return changed
}

// productPart is what every code of productSlot's begins with.
const productPart = "5319"

// fieldHasPrefix reports whether field n (n >= 1) of segment seg, whose fields fs separates, begins with
// p. It tests the bytes before that field one by one: in an OBX only OBX-1 and OBX-2, a few bytes, precede
// OBX-3, so that this costs less than Segment.Field's word-at-a-time split or a search of the whole row
// for p (a reading's values hold p's first digit often).
func fieldHasPrefix(seg []byte, fs byte, n int, p string) bool {
	i := 0
	for ; n > 0 && i < len(seg); i++ {
		if seg[i] == fs {
			n--
		}
	}
	return n == 0 && len(seg)-i >= len(p) && string(seg[i:i+len(p)]) == p
}

// productSlot returns the index in Update's next of the production-specification row whose code is
// OBX-3.1 code, or 0 when it is no such row.
func productSlot(code []byte) int {
	switch string(code) {
	case codeManufacturer:
		return 3
	case codeModelNumber:
		return 4
	case codeSerial:
		return 5
	case codeHardware:
		return 6
	case codeSoftware:
		return 7
	case codeFirmware:
		return 8
	}
	return 0
}

// isEUI64 reports whether b is 16 hexadecimal digits.
func isEUI64(b []byte) bool {
	if len(b) != 16 {
		return false
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// clean returns b as a string with control characters replaced by spaces and lower-case letters of an
// EUI-64 made upper case; same reports whether b would clean to s, without allocating.
func clean(b []byte) string {
	s := []byte(string(b))
	upper := isEUI64(b)
	for i, c := range s {
		s[i] = cleanByte(c, upper)
	}
	return string(s)
}

func same(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	if string(b) == s { // s is clean's result, which clean leaves as it is
		return true
	}
	upper := isEUI64(b)
	for i, c := range b {
		if cleanByte(c, upper) != s[i] {
			return false
		}
	}
	return true
}

func cleanByte(c byte, upper bool) byte {
	switch {
	case c < ' ' || c == 0x7f:
		return ' '
	case upper && 'a' <= c && c <= 'f':
		return c - 'a' + 'A'
	}
	return c
}
