package gateway

import "time"

// clockBase is a reading of the clock when the package started, for monoNow.
var clockBase = time.Now()

// monoNow returns the current time as clockBase plus the monotonic time elapsed since: one clock reading
// where time.Now takes two (the wall clock and the monotonic one). Its wall clock ignores any step of the
// system's clock since the start, so it is for what only measures durations or arms deadlines (which
// both use the monotonic reading), never for timestamps that are shown or stored.
func monoNow() time.Time {
	return clockBase.Add(time.Since(clockBase))
}
