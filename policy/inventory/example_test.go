package inventory_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

func ExampleInventory_Observe() {
	wl, err := inventory.NewWatchlist(nil) // the built-in entries only
	if err != nil {
		panic(err)
	}
	inv := inventory.New(10000, wl)
	m, err := hl7.Parse([]byte("MSH|^~\\&|CMS8000^0009FBFFFF059322^EUI-64|WARD|||20261202170000||ORU^R01^ORU_R01|1|P|2.6\r" +
		"PID|||12345^^^HOSP^MR||DOE^JANE\r" +
		"OBX|1|ST|531970^MDC_ID_MODEL_MANUFACTURER^MDC|1.0.0.1|Contec||||||X\r" +
		"OBX|2|ST|531969^MDC_ID_MODEL_NUMBER^MDC|1.0.0.2|CMS8000||||||X\r"))
	if err != nil {
		panic(err)
	}
	id := inventory.Extract(m)
	for i := range 2 {
		hit := inv.Observe(id, inventory.Sighting{Time: time.Unix(int64(i), 0), Addr: netip.MustParseAddr("10.20.0.7"),
			Listener: "icu-a", MessageType: "ORU^R01"})
		d, _ := inv.Get(id.Key())
		fmt.Println(d.Key, d.Identity.Manufacturer, d.Identity.Model, d.Messages)
		if hit != nil {
			fmt.Println("watchlist:", hit.Name, hit.Advisories())
		}
	}
	// Output:
	// 0009FBFFFF059322 Contec CMS8000 1
	// watchlist: contec-cms8000 ICSMA-25-030-01 CVE-2024-12248 CVE-2025-0626 CVE-2025-0683 CVE-2025-1204
	// 0009FBFFFF059322 Contec CMS8000 2
}
