package loadgen

// Verification compares what monitors sent with what a station received.
type Verification struct {
	Received   uint64 `json:"received"`     // messages of these monitors the station got at least once
	Lost       uint64 `json:"lost"`         // positively ACKed to the monitor, never received by the station
	FalseAcked uint64 `json:"false_acked"`  // positively ACKed to the monitor, but the station answered otherwise or not at all
	Duplicated uint64 `json:"duplicated"`   // extra copies received
	OutOfOrder uint64 `json:"out_of_order"` // received before a message its monitor sent earlier
	Corrupted  uint64 `json:"corrupted"`    // received with different bytes than sent
	Unexpected uint64 `json:"unexpected"`   // received, but sent by none of these monitors
}

// Failed reports whether anything went wrong that a correct relay never
// causes: a loss, a false positive ACK, a duplicate, a reorder or a change
// of content.
func (v Verification) Failed() bool {
	return v.Lost+v.FalseAcked+v.Duplicated+v.OutOfOrder+v.Corrupted > 0
}

// arrival is what a station's record list says about one control ID.
type arrival struct {
	first   int    // index of the first copy in arrival order
	copies  uint32 // how many copies arrived
	sumDiff bool   // a copy's content hash differs from the first copy's
	sum     uint64 // content hash of the first copy
	answer  Outcome
	claimed bool // a sent message matched it
}

// Verify checks sent, one slice per monitor in send order, against the
// station's records in arrival order. A message that was never positively
// ACKed may be missing without counting as lost: its monitor was told.
func Verify(sent [][]Record, station []Record) Verification {
	idx := make(map[uint64]*arrival, len(station))
	for i, r := range station {
		a, ok := idx[r.ID]
		if !ok {
			idx[r.ID] = &arrival{first: i, copies: 1, sum: r.Sum, answer: r.Answer}
			continue
		}
		a.copies++
		a.sumDiff = a.sumDiff || a.sum != r.Sum
	}
	var v Verification
	for _, msgs := range sent {
		last := -1
		for _, s := range msgs {
			a, ok := idx[s.ID]
			if !ok {
				if s.Answer.Positive() {
					v.Lost++
				}
				continue
			}
			a.claimed = true
			v.Received++
			v.Duplicated += uint64(a.copies - 1)
			if a.sum != s.Sum || a.sumDiff {
				v.Corrupted++
			}
			if s.Answer.Positive() && !a.answer.Positive() {
				v.FalseAcked++
			}
			if a.first < last {
				v.OutOfOrder++
			}
			last = max(last, a.first)
		}
	}
	for _, a := range idx {
		if !a.claimed {
			v.Unexpected += uint64(a.copies)
		}
	}
	return v
}
