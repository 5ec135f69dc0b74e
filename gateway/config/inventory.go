package config

import (
	"errors"
	"fmt"

	"github.com/hl7gate/hl7gate/policy/inventory"
)

// InventoryConfig bounds the device inventory and extends the vulnerable-model watchlist (see
// docs/export.md and package policy/inventory).
//
//	inventory:
//	  max_devices: 10000
//	  watchlist:
//	    - name: acme-m3-old-firmware
//	      manufacturer: ACME
//	      model: "M3*"
//	      firmware: "1.*"
//	      advisory: ICSMA-00-000-00
//	      cves: [CVE-0000-0000]
type InventoryConfig struct {
	// MaxDevices is how many devices the inventory holds; beyond it one seen for less than a minute is
	// forgotten (filed from the new device's address, if any), else the one seen least recently
	// (hl7gate_inventory_evicted_total). Default 10000, at most 1000000.
	MaxDevices int `mapstructure:"max_devices"`
	// Watchlist entries are checked after the built-in ones (Contec CMS8000, Epsimed MN-120); each needs a
	// unique name and at least one of sender, manufacturer, model, firmware.
	Watchlist []inventory.Entry `mapstructure:"watchlist"`
}

// DefaultMaxDevices is the default inventory.max_devices.
const DefaultMaxDevices = 10000

// validateInventory reports every problem of the inventory section, each naming its key.
func (c Config) validateInventory() []error {
	var errs []error
	if n := c.Inventory.MaxDevices; n < 1 || n > 1_000_000 {
		errs = append(errs, fmt.Errorf("inventory.max_devices: %d not in 1..1000000", n))
	}
	if _, err := inventory.NewWatchlist(c.Inventory.Watchlist); err != nil {
		var joined interface{ Unwrap() []error }
		if errors.As(err, &joined) {
			for _, e := range joined.Unwrap() {
				errs = append(errs, fmt.Errorf("inventory.%w", e))
			}
		} else {
			errs = append(errs, fmt.Errorf("inventory.%w", err))
		}
	}
	return errs
}
