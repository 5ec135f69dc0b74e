package vitals

import "time"

// maxEpisodes bounds the findings a monitor can have open at once; a new
// episode beyond it closes the one idle longest.
const maxEpisodes = 8

// episode is one open finding of a monitor: a condition of one rule about
// one parameter (pNone for the message) that persists. Only its opening
// message yields a Finding; later messages with the same condition update
// the count, the last value and the last time. It closes once the condition
// has been absent for the hold-off (State.EpisodeHoldoff).
type episode struct {
	open    bool
	touched bool // the condition held in the current message
	rule    ruleID
	p       param
	count   uint32  // messages with the condition, the opening one included
	last    float64 // Value of the latest occurrence
	opened  int64   // arrival of the opening message, Unix ns
	lastAt  int64   // arrival of the latest occurrence, Unix ns
	first   Finding // kept only when closes are reported (State.ReportClose)
}

// occur records that rule r holds for parameter p in the current message,
// at arrival. It returns true when this opens a new episode (the caller then
// emits the Finding) and false when it only updates an open one.
func (s *stream) occur(r ruleID, p param, value float64, arrival time.Time) (*episode, bool) {
	now := arrival.UnixNano()
	if s.eps == nil {
		s.eps = new([maxEpisodes]episode) // once per monitor: most never have a finding
	}
	free := -1
	for i := range s.eps {
		ep := &s.eps[i]
		if !ep.open {
			if free < 0 {
				free = i
			}
			continue
		}
		if ep.rule == r && ep.p == p {
			ep.count++
			ep.last, ep.lastAt, ep.touched = value, now, true
			return ep, false
		}
	}
	if free < 0 { // full: the episode idle longest makes room
		free = 0
		for i := range s.eps {
			if s.eps[i].lastAt < s.eps[free].lastAt {
				free = i
			}
		}
	}
	s.eps[free] = episode{open: true, touched: true, rule: r, p: p, count: 1, last: value, opened: now, lastAt: now}
	return &s.eps[free], true
}

// closeEpisodes ends the episodes whose condition has been absent for the
// hold-off and, when closes are reported, appends a closing Finding for each.
func (s *stream) closeEpisodes(em *emitter, arrival time.Time, dst []Finding) []Finding {
	if s.eps == nil {
		return dst
	}
	holdoff := em.e.cfg.State.EpisodeHoldoff.Nanoseconds()
	now := arrival.UnixNano()
	for i := range s.eps {
		ep := &s.eps[i]
		if !ep.open {
			continue
		}
		if ep.touched {
			ep.touched = false
			continue
		}
		if now-ep.lastAt < holdoff {
			continue
		}
		ep.open = false
		if em.e.cfg.State.ReportClose {
			f := ep.first
			f.Closed, f.Count, f.Value = true, int(ep.count), ep.last
			f.ObservedAt = time.Unix(0, ep.lastAt).UTC()
			f.Segment = 0
			dst = append(dst, f)
		}
	}
	return dst
}
