package vitals

import (
	"fmt"
	"slices"
)

// StateDump (review40b, for TestDifferentialDump) returns the state of
// every stream that the session-40 CPU cuts compute differently (the
// decoupled pairs, the held channels, the current readings), one line a
// stream, sorted: two builds that must not differ compare these.
func StateDump(e *Engine) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, h := range e.streams {
		s := h.s
		s.mu.Lock()
		out = append(out, fmt.Sprintf("drift %+v holds %+v cur %+v prev %+v", s.drift, s.holds, s.cur, s.prev))
		s.mu.Unlock()
	}
	slices.Sort(out)
	return out
}
