package testkit

import "fmt"

// StoreModeYAML is an hl7gate config in YAML for store mode: listener "icu" on listen (loopback sources),
// station "central" at station (200 ms connect timeout, 2 s ACK timeout), route "vitals" in store mode
// with its queue below queueDir (retries from 10 ms to 200 ms), vitals checks off, log level warn.
func StoreModeYAML(listen, station, queueDir string) string {
	return fmt.Sprintf(`listeners:
  - name: icu
    address: %q
    allow_sources: ["127.0.0.0/8"]
stations:
  - name: central
    address: %q
    connect_timeout: 200ms
    ack_timeout: 2s
routes:
  - name: vitals
    delivery: store
    stations: [central]
queue:
  directory: %q
  retry_min: 10ms
  retry_max: 200ms
vitals:
  enabled: false
log:
  level: warn
`, listen, station, queueDir)
}
