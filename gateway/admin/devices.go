package admin

import (
	"time"

	"github.com/hl7gate/hl7gate/policy/inventory"
)

// Device is one device of the inventory as /api/devices serves it (and hl7gate devices and the
// dashboard read it): the identity its messages carry, never patient data.
type Device struct {
	ID           string    `json:"id"`                  // the inventory key: EUI-64, else OBX-18 equipment id, else MSH-3
	Sender       string    `json:"sender,omitempty"`    // MSH-3.1
	EUI64        string    `json:"eui64,omitempty"`     // the device's EUI-64
	Equipment    string    `json:"equipment,omitempty"` // OBX-18.1
	Manufacturer string    `json:"manufacturer,omitempty"`
	Model        string    `json:"model,omitempty"`
	Serial       string    `json:"serial,omitempty"`
	Hardware     string    `json:"hardware,omitempty"`
	Software     string    `json:"software,omitempty"`
	Firmware     string    `json:"firmware,omitempty"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	Messages     uint64    `json:"messages"`
	Addresses    []string  `json:"addresses"`     // most recent last
	Listeners    []string  `json:"listeners"`     // most recent last
	MessageTypes []string  `json:"message_types"` // e.g. ORU^R01, most recent last
	// Watchlist is the watchlist entry the device matched; absent when none.
	Watchlist *DeviceWatchlist `json:"watchlist,omitempty"`
}

// DeviceWatchlist is the watchlist entry a device matched.
type DeviceWatchlist struct {
	Name     string   `json:"name"`
	Advisory string   `json:"advisory,omitempty"`
	CVEs     []string `json:"cves,omitempty"`
	Note     string   `json:"note,omitempty"`
}

// DeviceOf is d as /api/devices serves it.
func DeviceOf(d inventory.Device) Device {
	id := d.Identity
	out := Device{
		ID: d.Key, Sender: id.Sender, EUI64: id.EUI64, Equipment: id.Equipment, Manufacturer: id.Manufacturer,
		Model: id.Model, Serial: id.Serial, Hardware: id.Hardware, Software: id.Software, Firmware: id.Firmware,
		FirstSeen: d.FirstSeen, LastSeen: d.LastSeen, Messages: d.Messages,
		Addresses: make([]string, len(d.Addrs)), Listeners: nonNil(d.Listeners), MessageTypes: nonNil(d.MessageTypes),
	}
	for i, a := range d.Addrs {
		out.Addresses[i] = a.String()
	}
	if e := d.Watchlist; e != nil {
		out.Watchlist = &DeviceWatchlist{Name: e.Name, Advisory: e.Advisory, CVEs: nonNil(e.CVEs), Note: e.Note}
	}
	return out
}

// nonNil returns s, or an empty slice for nil (JSON [] rather than null).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
