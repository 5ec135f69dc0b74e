package vitals

import "time"

// neoRRWarm is how long after a neonate's first breathing rate on the
// monitor (or after a bed turnover, the next baby's) a step of that rate is
// not judged. A newborn just put on the monitor has been handled, has its
// electrodes placed and often cries: its impedance breathing rate has no
// resting pace yet to step from, and settles by jumps of a quarter of its
// level over the first minutes (session 26, clean26; clean25b's warm-up,
// judged there only together with another change).
const neoRRWarm = 10 * time.Minute

// neoRRWarming reports whether p is a neonate's breathing rate whose
// excursion began (at start, Unix ns) within neoRRWarm of the first
// breathing rate the monitor sent for this patient: not a step from a
// level the baby kept.
func (s *stream) neoRRWarming(p param, start int64) bool {
	return p == pRR && s.neonatal && s.rrSince != 0 && start-s.rrSince < neoRRWarm.Nanoseconds()
}
