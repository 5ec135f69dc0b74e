package egress

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

// An egress_attempt names the monitor's device by the key the inventory files it under, the deviceId of
// its watchlist_hit, policy_rejection and vitals_episode events, not by the raw MSH-3 or OBX-18 field the
// store keeps (which for a PCD-01 monitor is "EUI^^EUI^EUI-64"): the SOC correlates events by it.
func TestEgressExportDeviceID(t *testing.T) {
	const eui = "0009FBFFFF059322"
	for _, tc := range []struct {
		name, app, equipment, want string
	}{
		{"OBX-18 with an EUI-64", "CMS8000^" + eui + "^EUI-64", eui + "^^" + eui + "^EUI-64", eui},
		{"EUI-64 in MSH-3 only", "CMS8000^" + eui + "^EUI-64", "", eui},
		{"equipment id without EUI-64", "CMS8000", "BED7-MON^^1.2.3^ISO", "BED7-MON"},
		{"sending application only", "CMS8000^1.2.840.1^ISO", "", "CMS8000"},
		{"nothing announced", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The inventory's own key for a message carrying these fields: what the other events use.
			if tc.app != "" || tc.equipment != "" {
				m, err := hl7.Parse([]byte("MSH|^~\\&|" + tc.app + "|ICU|CENTRAL|HOSP|20261125120000||ORU^R01^ORU_R01|C1|P|2.6\r" +
					"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||" + tc.equipment + "\r"))
				if err != nil {
					t.Fatal(err)
				}
				if id := inventory.Extract(m); id.Key() != tc.want {
					t.Fatalf("the inventory files this device under %q, the test expects %q", id.Key(), tc.want)
				}
			}
			x, got := webhookExporter(t, 1)
			st := mustStore(t)
			mon := netip.MustParseAddr("192.0.2.10")
			if tc.app != "" || tc.equipment != "" {
				st.UpdateMonitor("intercept/192.0.2.10", func(mo store.Monitor) store.Monitor {
					mo.Source, mo.SendingApplication, mo.Equipment = mon.String(), tc.app, tc.equipment
					return mo
				})
			}
			e := newRecorder(t, recorderConfig(), zerolog.Nop(), st)
			e.ExportTo(x)
			e.record(attempt{monitor: mon, protocol: "tcp", peer: netip.MustParseAddr("203.0.113.119"), port: 515})
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			if err := x.Close(ctx); err != nil {
				t.Fatal(err)
			}
			ev := <-got
			var id string
			if d, ok := ev["device"].(map[string]any); ok {
				id, _ = d["id"].(string)
			}
			if id != tc.want {
				t.Errorf("device.id = %q, want %q (event %v)", id, tc.want, ev)
			}
		})
	}
}
