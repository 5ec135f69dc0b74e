package gateway

import (
	"time"

	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/policy"
)

// clockBase is a reading of the clock when the package started, for monoNow.
var clockBase = time.Now()

// monoNow returns the current time as clockBase plus the monotonic time elapsed since: one clock reading
// where time.Now takes two (the wall clock and the monotonic one). Its wall clock ignores any step of the
// system's clock since the start, so it is for what only measures durations or arms deadlines (which
// both use the monotonic reading), never for timestamps that are shown or stored.
func monoNow() time.Time {
	return clockBase.Add(time.Since(clockBase))
}

// steady returns t, a reading of time.Now, on the clock monoNow reads: clockBase plus the monotonic time
// from it to t. The vital-sign checks judge arrivals by it. A step of the system's clock (an NTP correction
// of a clock that was minutes off at boot, an operator setting it) would otherwise be a step of every
// monitor's clock at once, which the time checks report on each monitor against the offset they learned for
// it (measured at a 5 s cadence: time_future for a step back of 3 minutes, 10 minutes or an hour, time_skew
// for one forward of 10 minutes). A steady clock that started wrong is wrong by the same amount for every
// monitor, and each monitor's learned offset absorbs it; the checks are told how far it lies from the
// system clock (clockSteps) for what a monitor's clock set right reads.
//
// The monotonic clock (CLOCK_MONOTONIC) stands still while the host is suspended or its virtual machine
// paused, while the monitors' clocks go on. Once the system clock's step forward has caught up with the
// time that passed, each monitor reads the system clock again, arrival + skew, and is taken for a clock set
// right (the checks' clockSet): no finding (policy/vitals TestHostStoodStill). A message judged before the
// system clock catches up is ahead of both clocks by the gap (time_future), as it was on the system clock.
func steady(t time.Time) time.Time {
	return clockBase.Add(t.Sub(clockBase))
}

// clockSkew is how far t's wall clock (t a reading of time.Now) lies from st, its reading on the steady
// clock (steady(t)): the sum of the system clock's steps since the gateway started. A slew (NTP's frequency
// correction) moves both alike.
func clockSkew(t, st time.Time) time.Duration {
	return t.Round(0).Sub(st.Round(0))
}

// clockSteps is clockSkew(t, st), or 0 when that is under clockStepMin: the steps the vital-sign checks
// are told of (policy.Request.Skew), the same as watchClock reports.
func clockSteps(t, st time.Time) time.Duration {
	if skew := clockSkew(t, st); skew <= -clockStepMin || skew >= clockStepMin {
		return skew
	}
	return 0
}

// clockStepMin is the least change of clockSkew between two ticks of the event flusher (aggFlush) that
// watchClock reports: a slew moves the clock by at most half a millisecond a second.
const clockStepMin = time.Second

// watchClock reports a step of the system's clock seen at a tick of the event flusher, as a log line and a
// gateway event, once per step: an operator then knows why the times of the logs and events jumped, and
// that the vital-sign checks went on with their steady clock. It runs on the flusher's goroutine only.
func (g *Gateway) watchClock(now time.Time) {
	g.clockStepped(clockSkew(now, steady(now)))
}

// clockStepped is watchClock for the skew read at a tick.
func (g *Gateway) clockStepped(skew time.Duration) {
	step := skew - g.skew
	if step > -clockStepMin && step < clockStepMin {
		return
	}
	g.skew = skew
	reason := "the system clock stepped by " + step.Round(time.Millisecond).String() +
		": logs and events carry its new time; the vital-sign checks go on with the clock they started with" +
		" until hl7gate restarts, so no monitor's clock seems to step with it"
	g.log.Warn().Dur("step", step).Msg(reason)
	g.store.AddEvent(store.Event{Kind: store.KindGateway, Severity: "warning", Reason: reason})
}

// onWallClock puts back on the system clock the findings' times that the vital-sign checks took from the
// steady clock: a closing finding's (the arrival of the last message that showed it) and a finding's whose
// message gave no time of its own (its arrival). Events (the journal, evidence bundles) and ORU^R40 alerts show
// them on the clock of the event's own time, not off by every step since the start. arrival is the steady
// time the checks judged the message by, skew the clock's steps since the start (clockSteps of the arrival's
// reading of time.Now).
func onWallClock(fs []policy.Finding, arrival time.Time, skew time.Duration) {
	if skew == 0 {
		return
	}
	for i := range fs {
		if f := &fs[i]; f.Closed || f.ObservedAt.Equal(arrival) {
			f.ObservedAt = f.ObservedAt.Add(skew).Round(0) // no monotonic reading: one would be the steady clock's
		}
	}
}
