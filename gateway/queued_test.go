package gateway

import (
	"net/netip"
	"testing"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

// A store-mode key names the device by what its messages carry (EUI-64, else equipment) and the address
// it connects from, else the address alone.
func TestDeviceKey(t *testing.T) {
	src := netip.MustParseAddr("10.20.0.7")
	for _, tc := range []struct {
		name, msg, want string
	}{
		{"eui64 in MSH-3", "MSH|^~\\&|MON^0009FBFFFF059322^EUI-64|ICU|||||ORU^R01|1|P|2.6\r", "eui64:0009FBFFFF059322@10.20.0.7"},
		{"equipment in OBX-18", "MSH|^~\\&|MON|ICU|||||ORU^R01|1|P|2.6\rOBX|1|NM|x||1||||||R|||||||BED7-MON\r", "equipment:BED7-MON@10.20.0.7"},
		{"nothing: the source address", "MSH|^~\\&|MON|ICU|||||ORU^R01|1|P|2.6\r", "addr:10.20.0.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := hl7.Parse([]byte(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			id := inventory.Extract(m)
			if got := deviceKey(&id, src); got != tc.want {
				t.Errorf("deviceKey = %q, want %q", got, tc.want)
			}
		})
	}
}
