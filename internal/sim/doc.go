// Package sim simulates bedside monitors: realistic patients (baselines,
// circadian and slow trends, measurement noise and quantisation, AF, paced
// rhythms, ventilation) with genuine events (desaturations with heart and
// breathing responses, tachycardia episodes the pulse rate follows, probe
// falling off, motion artefacts, cuff readings every few minutes repeated
// with their OBX-14, re-sends after a lost ACK, NTP clock steps, devices set
// an hour off) and, optionally, one injected manipulation of a labelled kind.
// Monitors emit IHE PCD-01 ORU^R01 messages (MSH-21 profile, PID, PV1, OBR,
// MDS/VMD rows with OBX-11 X, metric rows with OBX-4 dotted IDs and OBX-18
// EUI-64), with a unique MSH-10 each.
//
// A load generator drives monitors like this:
//
//	mon := sim.NewMonitor(sim.Options{ID: 7, Seed: 1, Interval: 10 * time.Second, Size: 16 << 10})
//	buf := make([]byte, 0, 32<<10)
//	for {
//		msg, at, label := mon.Next(buf[:0]) // at: when the message is due; label: what it is
//		...
//	}
//
// Evaluate runs many simulated monitors through a vitals.Engine and reports
// recall per manipulation kind and false flags per clean monitor-hour; the
// simulator is written by the same hands as the checks, so its numbers show
// that the checks work as designed, not how they fare on real patients.
package sim
