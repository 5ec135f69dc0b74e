package vitals

import (
	"bytes"
	"hash/maphash"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
)

const (
	historyLen = 32 // samples kept per stream for too_regular and replay_window
	maxLearn   = 16 // messages at most for learning the clock offset
)

// reading is one parameter's value in the current message.
type reading struct {
	v    float64   // in the base unit
	at   time.Time // OBX-14, zero when absent
	seg  int       // OBX segment index
	unit uint8     // canonical unit index
	ok   bool
}

// sample is a parameter's value in an earlier message.
type sample struct {
	v  float64
	at time.Time // arrival
	ok bool
}

// step is a rate_of_change step waiting for its related channels to follow.
type step struct {
	active, judged, corroborated bool
	slow                         bool       // a saturation fall too slow to time (see slowFall)
	verdict                      bool       // a neonate's saturation fall judged a step, reported if it has not come back by neoDesatHold
	at                           time.Time  // arrival of the step
	pre                          float64    // value before the step
	partners                     [3]sample  // related channels before the step (smoothed)
	sums                         [3]float64 // related channels since the step
	counts                       [3]int
	lo, hi                       float64 // the channel's own range since the step (see steady)
}

// rateParams are the parameters whose steps need corroboration, and their
// related channels.
var rateParams = [...]struct {
	p        param
	partners [3]param
}{
	{pHR, [3]param{pPR, pPRInv, pNone}},
	{pPR, [3]param{pHR, pPRInv, pNone}},
	{pPRInv, [3]param{pHR, pPR, pNone}},
	{pSpO2, [3]param{pHR, pPR, pRR}},
}

// continuous are the parameters reported every message (not NIBP, which is
// episodic, nor temperature, which is legitimately flat for long).
var continuous = [...]param{pHR, pPR, pPRInv, pSpO2, pRR, pARTSys, pARTDia, pARTMean, pEtCO2}

// stream is the state kept for one monitor. Its size is fixed at creation
// except for the control-ID history, which grows up to its limit (see
// idHistory), and the episode slots, allocated at the monitor's first
// finding (docs/vitals.md, "Cost", reports both).
type stream struct {
	mu       sync.Mutex
	lastSeen atomic.Int64 // arrival, Unix ns; read without mu by eviction

	cur   [numParams]reading
	timed uint16 // bit p (chanBit): cur[p] carries an OBX-14, see timing
	// Flags kept here, beside timed, where they cost no padding: the
	// stream stays in its allocation size class (TestStreamSizeClass).
	idsReused   bool      // the device reuses control IDs by design (e.g. always "1")
	offsetKnown bool      // offset (the device clock's, see timing) is learned
	priorKnown  bool      // prior is known, see undoes
	pvcNow      bool      // a PVC rate (PVCRateCode) in the current message (see arrSuspended; kept here, in padding)
	pvcRun      uint8     // messages in a row, up to the previous one, with a PVC rate (saturating; see rowSteady)
	pulse2Run   uint8     // messages in a row, up to the previous one, whose second pulse-rate row counted the heart rate (saturating; see pulseWitness)
	layout      rowLayout // the OBX rows' layout of a recent message, see extract
	pid         pidRead   // the last PID segment, see extract
	pv1         pv1Read   // the last PV1 segment, see extract

	neonatal, baseNeonatal     bool   // neonatal limits: now (classify), and matched by the configuration's keys
	paediatric, basePaediatric bool   // a child (never with neonatal): now (classify), and matched by the keys
	born                       uint32 // the Engine's count of streams made before this one: eviction's tie-break (see Engine.stream)

	// identity: hashes with the Engine's seed; 0 = not seen
	equip       switcher
	beds        atomic.Uint64 // the established equipment identifier, once the device showed several side by side; see Engine.bedsOf
	patient     uint64
	tempVisit   uint64 // while the patient's identity is provisional, its visit and bed (visitOf); else 0
	msgs        int    // messages observed
	prevArrival time.Time

	ids  idHistory  // recent control IDs, see idHistory
	seq  idSequence // the device's message counter, see idSequence
	hseq idSequence // the same for a counter in hexadecimal (readHex)

	lastMsgTime time.Time
	beforeLast  int64                  // MSH-7 of the message before the last (Unix ns; 0 = none), see timing
	batchFrom   int64                  // MSH-7 of the last message before the current burst (Unix ns; 0 = none), see batched
	obsAt       [len(continuous)]int64 // per continuous channel, its last OBX-14 (Unix ns; 0 = none), see timing
	held14      heldTime               // the last OBX-14 text parsed, see obsTimeOf
	learned     [maxLearn]time.Duration
	nLearned    uint8
	leadN       uint8 // messages of the established identity the OBX-14 lead was learned from, up to time_skew.learn; see rowsLead
	rrStep      bool  // a breathing-rate step was withheld as the cardiac overlay's and its level stands (see overlayStep, overlayOutlasts; in padding)
	batchN      uint8 // messages of the current burst so far, up to batchMax + 1 (see batched; in padding)
	lead        int32 // the rows' learned lead over MSH-7 (ms, 0 to obxLeadMax), see rowsLead
	offset      time.Duration
	prior       time.Duration // the offset before the last one set or relearned (priorKnown), see undoes
	cand        time.Duration
	candN       int
	stepAt      int64         // arrival of a small step back not yet judged (Unix ns; 0 = none), see clockStep
	stepFrom    time.Duration // the device's offset before that step
	stepBack    time.Duration // how far MSH-7 went back in it

	unit   [numParams]uint8  // learned unit, 0xff unknown
	cuffTS uint16            // the cuff rows' last OBX-14, Unix s mod 2^16: its changes tell a new reading (see nibpChecks, cuffNear; in padding)
	prev   [numParams]sample // last value seen, across gaps (a probe off), for rate_of_change
	smooth [numParams]sample // exponentially smoothed (α = 0.3), for rate_of_change partners
	pend   [len(rateParams)]step

	coolRun  uint8    // messages in a row whose temperature fell along a decay (up to coolFalls), see rate
	ecgAlone lately   // since the ECG heart rate last stood more than lim from a pulse rate that kept its level (heartLeft; see notePleth and ecgNoisy; in padding)
	cuffGap  uint16   // seconds between the arrivals of the last two new cuff readings (0: none yet), the cuff's cycle, see cuffNear (in padding)
	lastFall float32  // the temperature's fall into the previous message (°C; 0: none), see rate
	tempFall tempFall // a fast temperature fall not yet judged, see rate

	disagree  [2]disagreement // ECG heart rate against each pulse rate, see hrpr
	plethOK   uint8           // messages since the oximeter was last disturbed, see notePleth
	plethWas  uint8           // plethOK before the current message (a pulse-rate spike's calm before it)
	plethOwn  lately          // since the oximeter itself was last disturbed: plethOK without the heart rate's own departures (see notePleth)
	plethDip  lately          // since the saturation was last pulled below its level (satPulled, see notePleth)
	artAt     uint32          // arrival of the message that ended the last handling spell seen, an ECG over-count or a jolted probe (probeJolt), Unix seconds (see artBurst; kept here, in padding)
	plethAt   int64           // arrival of the oximeter's last disturbance (plethOK), Unix ns
	lineWas   bool            // the previous message's arterial line was flushed, zeroed or damped
	lineZero  bool            // and it was zeroed since it last showed an open trace (the reported steps' memory is forgotten, see excursions)
	ecgOver   bool            // the previous message's heart rate stood above a pulse rate that kept its level (see notePleth; kept here, in padding)
	dipRun    uint8           // messages in a row whose saturation is pulled below its level (satPulled), up to 255 (see notePleth; in padding)
	nibpShown uint32          // MSH-7 (Unix s) of the latest message that carried the current cuff reading, see cuffBack (in padding)

	nibpAt      time.Time
	nibp        [3]float64
	haveNIBP    bool
	damping     bool    // this message changed the arterial line's damping (dampChanged), set by values
	circuit     bool    // this message's breathing rate is 0 through an open circuit (circuitOpen), set by values
	venWasOK    bool    // the previous message had a central venous pressure, venWas (in padding)
	rrBefore    float32 // the breathing rate before the circuit opened, see circuitEnds
	circuitFrom int64   // when the current run of open-circuit breathing rates began (Unix ns; 0 = none), see circuitEnds
	openPP      float32 // the arterial pulse pressure before the line's damping narrowed it; 0: none (dampChanged)
	level       float32 // the arterial line's last shift of its height (levelShift), while levelAt is set
	levelAt     int64   // arrival of that shift (Unix ns; 0 = none)
	lineStep    float32 // the height shift a reported arterial step began with, while that step stands (see lineOff)
	ven         float32 // this message's central venous pressure (pCVP, mmHg), while venOK (in padding)
	lineFrom    int64   // the arrival that step began at (Unix ns), which its twins' reports share
	rrSince     int64   // arrival of the patient's first breathing rate (Unix ns; 0 = none yet), see neoRRWarming
	rrGrid      rrGrid  // the step of the monitor's breathing rates, see countsBeats
	artRelabel  bool    // the arterial pressures are their own levels converted to another pressure unit (artConverted), set by values (in padding)
	cuffHeld    uint8   // artBit(p): the arterial pressure p's step is held for a cuff inflating on the line's arm (see cuffOccluding; in padding)
	vendor      uint8   // the code table of the monitor's sender (tables.vendorOf), chosen once when the stream is made (in padding)
	beatsFrom   int64   // arrival of the first breathing rate of the current run of counted heartbeats (Unix ns; 0 = none), see beatsCounted
	levelBack   bool    // this message takes the line back by that shift (levelled), set by values
	heightMoved bool    // the arterial line's height moved in this message: with the central venous pressure (cvpMoved) or as the patient was turned (turnMoved), set by values (kept here, in padding)
	venOK       bool    // this message has a central venous pressure (ven), set by obx (in padding)
	nibpSoon    uint8   // one bit per new reading, latest lowest: it came sooner than the class's cycle (min_interval, min_interval_child) after the one before, see nibpChecks
	venWas      float32 // the previous message's central venous pressure, while venWasOK (in padding)
	statFrom    int64   // the first reading of the current series less than cycleGap apart (Unix ns; 0 = none), see nibpChecks
	statLast    int64   // the latest measurement time of the current series (Unix ns), see nibpChecks
	nibpBad     int32
	nibpKept    [2]uint32 // measurement times (Unix s; 0 = none) of the reading before the current run of cuff readings and of the one it began with, see cuffBack
	cuff        cuffPair  // cuff against arterial mean, see cuffOffset

	frozenSince time.Time
	frozenN     int
	frozenMask  uint32
	nibpKeptFP  [2]uint16 // the values' fingerprints (cuffPrint) of the readings nibpKept keeps (kept here, in padding)
	frozenRef   [len(continuous)]float64
	held        witnessState         // heart and pulse rates held apart from their witness, see witness
	vent        ventState            // the breathing rate at a ventilator's set rate, see ventState
	sat         satQuiet             // the saturation's changes and flicker, see satSmooth
	curves      [numParams]curveRuns // each channel's directions of change, see curve
	holds       [numParams]heldRuns  // each channel's changes, see heldTogether

	hr       [historyLen]float64                    // ring of HR samples
	hrN, eqN int                                    // HR samples in a row; HR == PR in a row
	hrRep    [periodMaxLag - periodMinLag + 1]uint8 // per lag, the latest HR samples in a row equal to the one lag earlier, up to periodRun (see pushHR)
	booted   bool                                   // this message's control-ID counter went back (a device restart), see rtcLostMin; kept here, in padding
	rtcLost  bool                                   // the device's clock is at its power-up default, see rtcLostMin
	resent   bool                                   // the last message came again, re-sent (a lost acknowledgement): the next one waited behind it, see timing
	hrFull   uint32                                 // bit l set: hrRep of lag l is periodRun
	hrAbove  int32                                  // of the last irregularN changes of the HR, those of at least hrLim (see pushHR)
	cuffNew  uint32                                 // arrival (Unix s) of the latest new cuff reading, see cuffOccluding (in padding)
	hrLim    float64                                // the change hrAbove counts from: the configured irregular threshold
	tuples   [historyLen]uint64                     // ring of per-message value fingerprints
	tupleN   int
	tupleDup [historyLen]uint8 // per tuple, how many tuples back the last equal one lies; 0: none within a run (see replayWindow)
	runSum   uint64            // the last run's tuples as a polynomial in runBase (see replayWindow)
	runPow   uint64            // runBase to the power of the run length
	wins     ring              // fingerprints of past runs
	far      ring              // fingerprints of every farEvery-th past run, see farRepeat
	farIn    uint8             // runs since the last one far kept
	wasStore bool              // the last message was stored on its own account (a store or a burst catching up, not a re-send's wait), see timing
	pidAge   uint8             // the age band the last PID's birth date (PID-7) gave at its arrival (ageOf; the date itself is not kept; unknown after a bed turnover without identity, review43a; kept here, in padding)
	classAge uint8             // the age band the patient's class was set with (see locatedClass; in padding)
	pvcRate  uint8             // the PVC rate of the current message while pvcNow, per minute (saturating; see pvcExplains; kept here, in padding)
	pvcFed   uint8             // messages whose pulse counted more than half the ectopic beats, less those whose pulse did not (0 to 2*pvcFedN; see pvcFeeds; in padding)
	heartN   uint8             // messages in a row whose breathing rate lay at the heart's rate, up to 255 (see rrAtHeart; in padding)
	rrOpen   bool              // the current run at the heart's rate opened rrFrom's window and has not yet shown an overlay (see rrAtHeart; in padding)

	bpPrev uint32   // arterial checks that failed in the previous message, by ruleID bit
	rrFrom uint32   // arrival of the first message of the breathing rate's current overlay window (Unix s; 0 = none), see rrAtHeart (in padding)
	shape  artShape // the arterial mean's place in its waveform, see artShape
	form   cuffForm // the cuff mean's place in its derived pulse, see cuffForm

	eps *[maxEpisodes]episode // open findings, see emitter.add; nil until the monitor's first finding (see occur)

	tracks [numParams]track // per-parameter checks, see excursions
	replay replayState      // near-replay history, see nearReplay

	drift [len(decoupledPairs)]decoupling // see decoupled

	retrace [len(tracked)]retrace // see driftReturn
	pulse   pulseTrack            // the arterial pulse pressure's roughness, see pulseSmooth

	boxes [len(boxed)]box // candidate forged levels, see judgeBox
	left  leftLevel       // the breathing rate's last jump away from its level, see jumpedBack
}

func newStream(cfg *Config) *stream {
	s := &stream{
		ids:  newIDHistory(cfg.Rules.ReplayControlID.History),
		wins: newRing(cfg.Rules.ReplayWindow.History),
		far:  newRing(farRuns),
	}
	s.runPow = 1
	for range cfg.Rules.ReplayWindow.Samples {
		s.runPow *= runBase
	}
	for i := range s.unit {
		s.unit[i] = 0xff
	}
	return s
}

func (s *stream) seen() time.Time { return time.Unix(0, s.lastSeen.Load()) }

// classify sets the stream's patient class from what the configuration's
// keys (sources, applications) and the latest PV1-3 select: neonatal when
// neo, else paediatric when paed, else profile's class (Config.Profile: the
// class of a monitor that no class's keys select).
func (s *stream) classify(neo, paed bool, profile int) {
	if !neo && !paed {
		neo, paed = profile == classNeonatal, profile == classPaediatric
	}
	s.neonatal, s.paediatric = neo, paed && !neo
}

// class is the stream's patient class, the index of its range limits in
// Engine.limits: neonatal when both the neonatal and the paediatric
// configuration match.
func (s *stream) class() int {
	switch {
	case s.neonatal:
		return classNeonatal
	case s.paediatric:
		return classPaediatric
	}
	return classAdult
}

// observe runs the checks over m, whose MSH is split in msh (msh[n] is MSH-n).
func (s *stream) observe(e *Engine, src netip.Addr, m *hl7.Message, msh []hl7.Field, arrival time.Time, skew time.Duration, switched bool, dst []Finding) []Finding {
	s.lastSeen.Store(arrival.UnixNano())
	rc := &e.cfg.Rules
	em := emitter{e: e, s: s, arrival: arrival, skew: skew, src: src, m: m, msgTime: arrival}
	msgTime, terr := hl7.ParseTimeIn(component(msh, 7, 1), e.loc)
	timeOK := terr == nil
	if timeOK {
		em.msgTime = msgTime
	}

	// Control IDs: an identical re-send within the window is a retransmission
	// after a lost ACK and changes nothing. A device that reuses IDs from its
	// first messages on (some send "1" always) is not judged on them.
	s.msgs++
	id := component(msh, 10, 0)
	rh := s.hashRows(e, m)
	idFP, contentFP := maphash.Bytes(e.seed, id), rh.content
	plainFP := idFP
	if s.idsReused {
		// Its messages are told apart by their bytes alone: keyed by them,
		// a re-send after a lost ACK is found under its own key as under
		// a unique ID, not lost among the ID's later uses.
		idFP ^= contentFP
	}
	key := idKey(idFP, contentFP)
	at := uint32(arrival.Unix())
	window := rc.ReplayControlID.ResendWindow
	prefix, count, counted := splitCounter(id)
	// The hexadecimal digits read once (readHex): for the hexadecimal
	// counter when a letter is among them, and for booted as they are, a
	// hexadecimal counter's restart included.
	xprefix, xcount, letter := readHex(id)
	hprefix, hcount := xprefix, xcount
	// An ID without a letter is read by the hexadecimal counter only under
	// the prefix it follows (a counter such as 0006E337-002F, 0006E337-0030,
	// whose digits lack a letter ten times in sixteen, and no more than ten
	// in a row: the decimal counter never learns it), and not while the
	// decimal counter follows the device (one stray ID such as E1 among
	// 260216000068 would have the hexadecimal counter read the decimal IDs,
	// 16 of its steps 10 decimal ones: a message delivered 15 late reported,
	// review53d); any other is a decimal counter's, read by splitCounter
	// alone.
	hcounted := letter || xprefix == s.hseq.prefix && !s.seq.learned()
	if !hcounted {
		hprefix, hcount = 0, 0
	}
	// The counter went back (a restart, see rtcLostMin): read as the counter
	// learned.
	s.booted = counted && prefix == s.seq.prefix && count < s.seq.last || s.hseq.last != 0 && xprefix == s.hseq.prefix && xcount < s.hseq.last
	i := -1
	if !s.seq.ahead(prefix, count, counted, s.ids.n) && !s.hseq.ahead(hprefix, hcount, hcounted, s.ids.n) {
		i = s.ids.find(key)
	}
	if i < 0 && s.idsReused && s.ids.recentHas(plainFP, contentFP) {
		// One of the last messages, recorded before the device was known
		// to reuse its IDs (the one that taught it, or one before it),
		// keyed by its ID alone: its re-send is found there (review42a).
		plain := idKey(plainFP, contentFP)
		if j := s.ids.find(plain); j >= 0 {
			if k, _ := s.ids.get(j, at); k == plain {
				i, idFP, key = j, plainFP, plain
			}
		}
	}
	if i >= 0 {
		prevKey, prevAt := s.ids.get(i, at)
		since := time.Duration(int64(at)-int64(prevAt)) * time.Second
		same, recent := s.ids.sameContent(idFP, contentFP)
		same = same && prevKey == key
		// Keyed by its bytes, a message of a device known to reuse IDs is
		// found by the same bytes sent again 2^16 s later (the history keeps
		// the arrival's low bits, see idHistory). A re-send carries the time
		// it was first sent, minutes behind the latest message's; one more
		// than the history's ±9 hours behind is no re-send and is judged
		// (review42a).
		fresh := !s.idsReused || timeOK && !msgTime.Before(s.lastMsgTime.Add(-idTimeRange))
		if same && since.Abs() <= window && fresh {
			s.msgs--
			s.resent = true
			return dst
		}
		s.ids.set(i, key, at)
		s.ids.remember(idFP, contentFP)
		if !same && s.msgs <= learnIDs {
			s.idsReused = true
		}
		if since.Abs() > window && !s.idsReused && (s.seq.numbersOn(prefix, count, counted) || s.hseq.numbersOn(hprefix, hcount, hcounted)) {
			// The counter's next ID, used before the counter restarted (a
			// device reboot renumbering through IDs the history still
			// holds): the counter judges it, as a new ID. Taken for reused,
			// each such ID held the finding's episode open over a reuse
			// among them (corpus7 s2 m0006).
			dst = s.countID(&em, prefix, count, counted, hprefix, hcount, hcounted, dst)
		} else if em.on(rReplayControlID) && !s.idsReused {
			// Only an earlier use among the last messages is compared on
			// enough of its bytes to say which it was; an older one on 8
			// bits, which would word one run's finding otherwise than
			// another's 1 time in 256 (the Engine's seed is random). An
			// older one within the window differs in those 8 bits (the
			// same 8 were taken for a re-send above): other bytes, in every
			// run that reports it, and no use "after the window" (review47x).
			expl := "control ID reused after the retransmission window"
			switch {
			case recent && same:
				expl = "identical message re-sent after the retransmission window"
			case recent || since.Abs() <= window:
				expl = "control ID reused with different content"
			}
			dst = em.add(dst, rReplayControlID, pNone, 0, time.Time{}, since.Seconds(), 0, rc.ReplayControlID.ResendWindow.Seconds(), "", expl)
		}
	} else {
		// A device with a learned counter needs the history only to tell
		// re-sends from reuse within the window: an older ID is behind its
		// counter. So does one known to reuse its IDs, judged on none of
		// them: kept whole, its messages keyed by their bytes filled all
		// of it (8.5 KB, scanned per message, held for days at a slow
		// cadence) where its one ID took one entry (review42a). Any other
		// device keeps it whole.
		s.ids.push(key, at, !s.idsReused && !s.seq.learned() && !s.hseq.learned() || !s.ids.spans(at, uint32(window/time.Second)))
		s.ids.remember(idFP, contentFP)
		dst = s.countID(&em, prefix, count, counted, hprefix, hcount, hcounted, dst)
	}

	if switched && em.on(rIdentityApplication) {
		dst = em.add(dst, rIdentityApplication, pNone, 0, time.Time{}, 0, 0, switchAfter, "", "another device (MSH-3/MSH-4) replaced the one on this source")
	}
	if p := component(msh, 11, 1); (string(p) == "D" || string(p) == "T") && em.on(rDemo) {
		dst = em.add(dst, rDemo, pNone, 0, time.Time{}, 0, 0, 0, "", "message marked as demonstration or training data (MSH-11) on a production listener")
	}
	dst, patient := s.extract(e, &em, m, &rh, dst)
	dst, turn := s.identity(e, &em, msh, patient, arrival, dst)
	dst = s.settleClass(e, &em, turn, dst)
	if timeOK {
		dst = s.timing(e, &em, msgTime, arrival, dst)
	}
	s.resent = false // read by timing only for the message right after the re-send
	dst = s.minutes(e, &em, arrival, dst)
	s.prevArrival = arrival
	return s.closeEpisodes(&em, arrival, dst)
}

// countID moves the device's decimal and hexadecimal counters on by a
// control ID the history took as new (split by splitCounter and readHex)
// and reports a reuse either finds (see idSequence).
func (s *stream) countID(em *emitter, prefix uint32, count uint64, counted bool, hprefix uint32, hcount uint64, hcounted bool, dst []Finding) []Finding {
	reused, late, back := s.seq.next(prefix, count, counted)
	if hreused, hlate, hback := s.hseq.next(hprefix, hcount, hcounted); hreused && !reused {
		reused, late, back = true, hlate, hback
	}
	if !reused || !em.on(rReplayControlID) || s.idsReused {
		return dst
	}
	why := "control ID reused: it lies behind the device's message counter"
	if late {
		why = "control ID reused: the one before this message came back to the counter's start, and the counter went on from where it was"
	}
	return em.add(dst, rReplayControlID, pNone, 0, time.Time{}, float64(back), 0, seqMinBack, "", why)
}

// learnIDs is how many first messages show whether a device reuses control
// IDs by design.
const learnIDs = 16

// extract fills s.cur from the OBX rows of m and returns the patient hash
// (0 when PID carries no identity or marks the patient unidentified). Rows
// that are not measurements (device hierarchy, OBX-11 D or W, non-NM,
// sentinels and "not measured" placeholders) are skipped; rows with a wrong
// unit or an impossible value are reported here. Every row of a parameter is
// judged; the first valid one is the parameter's value. Demonstration data
// (OBX-8 DEMO) is read like any other and reported. rh is m's rows hashed
// against the stream's layout (hashRows).
func (s *stream) extract(e *Engine, em *emitter, m *hl7.Message, rh *rowHashes, dst []Finding) ([]Finding, uint64) {
	clear(s.cur[:])
	if !s.pvcNow {
		s.pvcRun = 0
	} else if s.pvcRun < math.MaxUint8 {
		s.pvcRun++
	}
	s.pvcNow, s.pvcRate = false, 0
	s.timed = 0
	s.venOK = false
	var patient uint64
	pid := false         // a PID read so far
	unknown := uint64(0) // NM rows of unknown codes, added to the Engine's count once
	d := m.Delimiters()
	fast, spans := rh.fast, &rh.spans
	if !fast {
		s.layout = rowLayout{equip: layoutRows, label: noLabel}
	}
	j := 0 // OBX rows so far
	buf := m.Bytes()
	for i := range m.NumSegments() {
		// Only segments named in three characters (as Segment.Name reads
		// them) are of interest; their names are tested in place.
		start, end := m.SegmentSpan(i)
		if b := buf[start:end]; len(b) < 3 || len(b) > 3 && b[3] != d.Field {
			continue
		}
		seg := m.Segment(i)
		switch string(buf[start : start+3]) {
		case "PID":
			// A monitor repeats its patient's PID message after message:
			// it is split only when it changed (see segmentKey).
			if k := segmentKey(e.seed, seg.Bytes(), d); k != s.pid.key {
				s.pid = pidRead{key: k, patient: patientHash(e.seed, seg.Field(3).Bytes(), seg.Field(5), d)}
				s.pidAge = ageOf(seg.Field(7).Component(1).Bytes(), em.arrival)
			}
			patient, pid = s.pid.patient, true
		case "PV1":
			if k := segmentKey(e.seed, seg.Bytes(), d); k != s.pv1.key {
				loc := seg.Field(3).Component(1).Bytes()
				s.pv1.key, s.pv1.located = k, len(loc) > 0
				s.pv1.neonatal = s.pv1.located && atLocation(&e.cfg.Neonatal, loc)
				s.pv1.paediatric = s.pv1.located && atLocation(&e.cfg.Paediatric, loc)
			}
			if s.pv1.located {
				s.locatedClass(e, em, i, patient, pid)
			}
		case "OBX":
			if bit := uint16(1) << j; j < layoutRows && fast && s.layout.slow&bit == 0 {
				// The row is the layout's but for its value; its OBX-18
				// does to the identity what it did in the layout's message.
				if em.equip.looking() {
					switch l := int(s.layout.label); j {
					case int(s.layout.equip):
						em.equip.id, em.equip.label = s.layout.equipOf(seg.Bytes(), d), false
					case l:
						id, _, _ := rowEquip(seg.Bytes(), d)
						em.equip = equipment{id: id, label: true, judged: true}
					case l - labelRefused:
						em.equip.judged, em.equip.refused = true, true
					}
				}
				if rr := s.layout.rows[j]; rr.p != pNone {
					b, sp := seg.Bytes(), spans[j]
					value := b[sp[0]:sp[1]:sp[1]]
					var obs []byte
					if sp[2] > 0 {
						obs = firstComponent(b[sp[2]:sp[3]:sp[3]], d)
					}
					dst = s.obx(e, em, value, obs, rr.p, rr.u, s.layout.demo&bit != 0, i, dst)
				}
				j++
				continue
			}
			var (
				rr    rowRead
				flags uint8
			)
			// A slow row of the layout is counted in its unknown already.
			if dst, rr, flags = s.row(e, em, seg, d, i, j, dst); flags&rowUnknown != 0 && !(fast && j < layoutRows) {
				unknown++
			}
			if j < layoutRows && !fast {
				s.layout.note(j, rr, flags, spans[j])
			}
			j++
		}
	}
	if fast {
		unknown += uint64(s.layout.unknown)
	} else {
		s.layout.hash = rh.rows
	}
	if unknown > 0 {
		e.unknownCodes.Add(unknown)
	}
	return dst, patient
}

// pidRead is what the stream's last PID segment read as (see extract).
type pidRead struct {
	key     uint64 // segmentKey; 0: none yet
	patient uint64 // patientHash of its PID-3 and PID-5
}

// pv1Read is what the stream's last PV1 segment read as (see extract),
// and what the patient's PV1s set (see locatedClass; kept here, in padding).
type pv1Read struct {
	key        uint64 // segmentKey; 0: none yet
	located    bool   // PV1-3 names a point of care
	neonatal   bool   // a neonatal one (atLocation of the neonatal configuration)
	paediatric bool   // a paediatric one (atLocation of the paediatric configuration)
	set        bool   // a located PV1 set the patient's class, or came too late to (see settleClass)
	from       uint32 // arrival (Unix s) of the patient's first message: the stream's, or the one a bed turnover began with; 0: none yet
}

// segmentKey returns a keyed hash of segment b and the delimiters d that
// it is read with, never 0: a segment with the key of an earlier one reads
// as that one did, as rows with the layout's hash do (see rowLayout).
func segmentKey(seed maphash.Seed, b []byte, d hl7.Delimiters) uint64 {
	return (maphash.Bytes(seed, b) ^ delimiterWord(d)) | 1
}

// rowHashes is one message's OBX rows hashed against a stream's layout.
type rowHashes struct {
	rows, content uint64               // rowsHash's; content is the whole message's fingerprint
	fast          bool                 // the rows hash as the layout's: extract reads them with it
	spans         [layoutRows][4]int32 // where the rows' OBX-5 and OBX-14 lie (rowsHash)
}

// hashRows hashes m's rows against the stream's layout, and counts their
// spans afresh when they do not hash as the layout's (its OBX-5 starts need
// not be m's), so that rows and content are always those of counted spans
// (see rowsHash). The layout is not changed: extract replaces it.
func (s *stream) hashRows(e *Engine, m *hl7.Message) (rh rowHashes) {
	d := m.Delimiters()
	rh.rows, rh.content = rowsHash(e.seed, m, d, &s.layout, &rh.spans)
	rh.fast = rh.rows == s.layout.hash
	if !rh.fast && s.layout.known() {
		rh.rows, rh.content = rowsHash(e.seed, m, d, &rowLayout{}, &rh.spans)
	}
	return rh
}

// patientHash returns the hash of a patient identifier list (PID-3), or 0
// when there is none or the name (PID-5) has name type U: an unidentified
// patient, whose later real identity is an update, not another patient.
func patientHash(seed maphash.Seed, id []byte, name hl7.Field, d hl7.Delimiters) uint64 {
	if len(id) == 0 || string(name.Component(7).Bytes()) == "U" {
		return 0
	}
	return maphash.Bytes(seed, id) | 1
}

// equipment is a message's equipment identity (OBX-18), as its rows name
// it in order: the first EUI-64, from its row on; before it (or without
// one) a label, from the first row that names one ("IACS-GICU-35": an
// aggregating gateway names its beds so when they carry no EUI-64), when
// each of the message's first layoutRows OBX rows that names a label names
// the same (rows named after their modules name no bed). A finding names
// the identity as it stands when it is made.
type equipment struct {
	id                     []byte
	label, judged, refused bool // id is a label; the rows' label was judged (taken, or refused); it was refused
}

// looking reports whether a row's OBX-18 may still change the identity:
// no EUI-64 named yet.
func (q *equipment) looking() bool { return len(q.id) == 0 || q.label }

// see takes the OBX-18 f of row j (segment i of m; the rows before it
// seen) into the identity and returns rowEUI when it gave the EUI-64,
// rowLabel or rowNoLabel when the label was judged at it.
func (q *equipment) see(m *hl7.Message, f []byte, d hl7.Delimiters, i, j int) uint8 {
	lo, hi, label := equipSpan(f, d)
	switch {
	case hi == lo:
	case !label:
		q.id, q.label = f[lo:hi:hi], false
		return rowEUI
	case !q.judged:
		q.judged = true
		if !labelsAgree(m, d, f[lo:hi], i, j) {
			q.refused = true
			return rowNoLabel
		}
		q.id, q.label = f[lo:hi:hi], true
		return rowLabel
	}
	return 0
}

// labelsAgree reports whether every label in the OBX-18s of the OBX rows
// after segment i of m (row j) among the first layoutRows is id.
func labelsAgree(m *hl7.Message, d hl7.Delimiters, id []byte, i, j int) bool {
	for i++; i < m.NumSegments() && j < layoutRows-1; i++ {
		if seg := m.Segment(i); string(seg.Name()) == "OBX" {
			j++
			f := seg.Field(18).Bytes()
			if lo, hi, label := equipSpan(f, d); label && !bytes.Equal(f[lo:hi], id) {
				return false
			}
		}
	}
	return true
}

// equipSpan returns where the equipment identity of the raw OBX-18 f lies
// (lo == hi when f holds none) and whether it is a label: its EUI-64
// (eui64Span), else its first non-empty component, in any repetition.
func equipSpan(f []byte, d hl7.Delimiters) (lo, hi int, label bool) {
	if lo, hi = eui64Span(f, d); hi > lo {
		return lo, hi, false
	}
	for lo = 0; lo < len(f); lo = hi + 1 {
		hi = lo
		for hi < len(f) && f[hi] != d.Component && f[hi] != d.Repetition {
			hi++
		}
		if hi > lo {
			return lo, hi, true
		}
	}
	return 0, 0, false
}

// EUI64 returns the first component of the raw field f (in any of its
// repetitions; d its message's delimiters) that is an EUI-64: 16 hex digits
// ('-' or ':' between them allowed), or whatever component the next one
// marks "EUI-64" (IHE's universal ID and its type). That is a device's
// identity in OBX-18 (the equipment instance: "0012345678ABCDEF^EUI-64",
// or "^^0012345678ABCDEF^EUI-64" with an empty entity identifier) or in
// MSH-3 ("NAME^0012345678ABCDEF^EUI-64"). nil when none is: a bed label, a
// model name or a shorter serial is no device identity.
func EUI64(f []byte, d hl7.Delimiters) []byte {
	if lo, hi := eui64Span(f, d); hi > lo {
		return f[lo:hi:hi]
	}
	return nil
}

// eui64Span returns where EUI64's answer lies in f, lo == hi when f holds
// none.
func eui64Span(f []byte, d hl7.Delimiters) (lo, hi int) {
	for lo < len(f) {
		i := lo
		for i < len(f) && f[i] != d.Component && f[i] != d.Repetition {
			i++
		}
		c := f[lo:i:i]
		if len(c) >= 16 && hex16(c) {
			return lo, i
		}
		if i == len(f) {
			return 0, 0
		}
		sep, rest := f[i], f[i+1:]
		if len(c) > 0 && sep == d.Component && len(rest) >= 6 && bytes.EqualFold(rest[:6], []byte("EUI-64")) &&
			(len(rest) == 6 || rest[6] == d.Component || rest[6] == d.Repetition || rest[6] == d.Subcomponent) {
			return lo, i
		}
		lo = i + 1
	}
	return 0, 0
}

// hex16 reports whether c is 16 hex digits, '-' or ':' allowed between.
func hex16(c []byte) bool {
	n := 0
	for _, b := range c {
		switch {
		case b >= '0' && b <= '9', b >= 'a' && b <= 'f', b >= 'A' && b <= 'F':
			n++
		case b == '-' || b == ':':
		default:
			return false
		}
	}
	return n == 16
}

// byteOnes has every byte 1.
const byteOnes = 0x0101_0101_0101_0101

// zeroByte has the top bit of some byte set when w has a zero byte (the
// borrow test: exact for whether there is one, not for which).
func zeroByte(w uint64) uint64 { return (w - byteOnes) &^ w & (byteOnes << 7) }

// component returns component c of field f[n] of a split segment (the whole
// field when c is 0), or nil when the segment has no field n.
func component(f []hl7.Field, n, c int) []byte {
	switch {
	case n >= len(f):
		return nil
	case c == 0:
		return f[n].Bytes()
	}
	return f[n].Component(c).Bytes()
}

// obxFields are the OBX fields obx reads, raw (escapes not decoded), coded
// fields cut to component 1.
type obxFields struct {
	valueType, value, unit, flags, status, obsTime []byte
}

// firstComponent cuts a coded field to its first component (of its first
// repetition), as hl7.Field.Component(1) does.
func firstComponent(f []byte, d hl7.Delimiters) []byte {
	for i, c := range f {
		if c == d.Component || c == d.Repetition {
			return f[:i:i]
		}
	}
	return f
}

// measurement reports whether an OBX row carries a measurement, and
// whether it is flagged as demonstration data. OBX-11 empty or X with a
// number is a value (vendors leave it empty or use X on metric rows); D
// (deleted) and W (wrong) are not.
func (o *obxFields) measurement(d hl7.Delimiters) (ok, demo bool) {
	switch string(o.status) {
	case "D", "W":
		return false, false
	}
	for flags := o.flags; len(flags) > 0; {
		f := flags
		if i := bytes.IndexByte(flags, d.Repetition); i >= 0 {
			f, flags = flags[:i], flags[i+1:]
		} else {
			flags = nil
		}
		if string(f) == "DEMO" {
			demo = true
		}
	}
	return string(o.valueType) == "NM", demo
}

// otherUnit returns v of parameter p, labelled with unit u, read in another
// unit of p's quantity in which it is a plausible value (plausibleLimits),
// in p's base unit; false when there is none, or when v carries no unit.
func (e *Engine) otherUnit(p param, u uint8, v float64) (float64, bool) {
	if u == unitNone {
		return 0, false // no label, so none to be wrong
	}
	for ai, alt := range e.t.canon {
		if alt.q != params[p].q || ai == int(u) {
			continue
		}
		if ab := alt.base(v); ab >= e.plausible[p].Min && ab <= e.plausible[p].Max {
			return ab, true
		}
	}
	return 0, false
}

// obx reads the value of OBX segment i, a measurement row for parameter p
// (raw OBX-5, OBX-14 cut to component 1, the unit as unitOf reads it), into
// s.cur[p] when it is the first valid measurement of p in the message.
func (s *stream) obx(e *Engine, em *emitter, value, obsTime []byte, p param, u uint8, demo bool, i int, dst []Finding) []Finding {
	if p == pPR {
		em.pulseRows++ // a placeholder holds its row's place (pulse2)
	}
	v, ok := parseNumber(value)
	if !ok || isSentinel(v) {
		return dst
	}
	if demo && em.on(rDemo) {
		dst = em.add(dst, rDemo, pNone, i, time.Time{}, v, 0, 0, "", "row flagged as demonstration data (OBX-8 DEMO) on a production listener")
	}
	if p == pCVP {
		s.venous(e, v, u)
		return dst
	}
	at := em.obsTimeOf(obsTime)
	if u == unitUnknown || u == unitBad {
		s.tracks[p].refused = em.arrival.UnixNano()
		if u == unitUnknown {
			e.unknownUnits.Add(1)
		}
		if em.on(rUnitMismatch) {
			dst = em.add(dst, rUnitMismatch, p, i, at, v, 0, 0, "", "unit unknown or not a unit of this parameter; value ignored")
		}
		return dst
	}
	base := e.t.canon[u].base(v)
	lim := e.limits[s.class()][p]
	if (base < lim.Min || base > lim.Max) && e.placeholder(v) {
		return dst // "not measured"
	}
	if base < lim.Min || base > lim.Max {
		s.tracks[p].refused = em.arrival.UnixNano()
		if ab, ok := e.otherUnit(p, u, v); ok {
			if em.on(rUnitMismatch) {
				dst = em.add(dst, rUnitMismatch, p, i, at, base, ab, lim.Max, KindIntegrity, "value impossible in its declared unit but plausible in another: unit mislabelled")
			}
			return dst
		}
		if p == pRR && base > lim.Max && em.rrHigh == 0 && e.rules[rRange].action == Forward {
			// Perhaps the heart counted by the impedance: judged once
			// the message's heart rate is read (rrAtHeart). Only when
			// range forwards its message: a finding reported later names
			// a later message, which annotate would mark and quarantine
			// hold back instead of this one (review44a).
			em.rrHigh, em.rrHighSeg, em.rrHighAt = base, i, at
			return dst
		}
		th := lim.Max
		if base < lim.Min {
			th = lim.Min
		}
		return em.outOfRange(dst, p, i, at, base, th)
	}
	if em.laterMinute(p, base, at, u, i) {
		return dst
	}
	if !s.cur[p].ok {
		// Field by field: a composite literal is built on the stack and
		// copied in 16-byte loads that its 8-byte stores cannot forward to
		// (a stall per row).
		c := &s.cur[p]
		c.v, c.at, c.seg, c.unit, c.ok = base, at, i, u, true
		s.timed |= chanBit(p, !at.IsZero())
		if p == pPR && em.pulseRows > 1 {
			// The first pulse-rate row not measured (the oximeter's
			// "not measured" while its probe is off): this one is still
			// the second counter's (review36, corpus5 s3 m0080).
			em.pulse2 = base
		}
	} else if p == pPR && em.pulse2 == 0 {
		em.pulse2 = base // a second pulse counter (see pulseWitness)
	}
	return dst
}

// identity checks equipment and patient continuity (the sending device is
// judged per source, in Engine.stream).
func (s *stream) identity(e *Engine, em *emitter, msh []hl7.Field, patient uint64, arrival time.Time, dst []Finding) ([]Finding, patientTurn) {
	id := em.equip.id
	if em.equip.refused {
		s.equip.modules = true
	}
	switch {
	case em.equip.label && (s.equip.eui || s.equip.modules):
		// A device that names an EUI-64, or whose rows name their modules
		// (or serials) in one message, names no bed by a label: a message
		// of one module's rows, or without the row that holds the EUI-64,
		// is none of another bed's (review47b).
		id = nil
	case len(id) > 0 && !em.equip.label && !s.equip.eui:
		// The device's first EUI-64: labels seen before it told nothing.
		s.equip = switcher{eui: true, modules: s.equip.modules}
	}
	if len(id) > 0 {
		// A label tells a gateway's beds apart, but one that changes
		// names no other device (a monitor moved to another bed is
		// relabelled): only an EUI-64 replaced is reported.
		k, was := maphash.Bytes(e.seed, id)|1, s.equip.cur
		switched := s.equip.see(k, arrival.UnixNano())
		if switched && !em.equip.label && em.on(rIdentityEquipment) {
			dst = em.add(dst, rIdentityEquipment, pNone, 0, time.Time{}, 0, 0, switchAfter, "", "equipment identifier (OBX-18) changed on this device")
		}
		// A message of another identity than the established one stamps
		// its rows by another clock (timing, rowsLead); one that replaced
		// it starts the rows' references and lead afresh (session 48):
		// an EUI-64 replaced (another device, reported above), or an
		// identity that replaced one seen fewer than switchAfter times
		// (a gateway's first bed seen once before another ran three
		// times). A label replacing an established one is the same
		// device relabelled, reported by nothing: its clock is the one
		// the references and the lead are of, and a forger switching
		// labels for three messages wiped them (review48g,
		// TestRelabelKeepsClock48g).
		em.other = k != s.equip.cur
		if was != 0 && k != was && !em.other && (!switched || !em.equip.label) {
			clear(s.obsAt[:])
			s.leadN = 0
		}
		if s.equip.multi {
			// Several identifiers side by side: this stream is the bed of
			// the established one from now on (Engine.bedsOf).
			s.beds.Store(s.equip.cur)
			s.equip.pend, s.equip.pendN, s.equip.multi = 0, 0, false
		}
	}
	if s.equip.unsettled(arrival.UnixNano()) {
		// Another equipment identifier than the established one: the
		// device replaced (identity_equipment after switchAfter messages,
		// the patient judged then) or a gateway's other bed (a stream of
		// its own soon): the patient is not judged meanwhile, unless the
		// established one is overdue.
		return dst, turnUnjudged
	}
	gap := e.cfg.Rules.IdentityPatient.TurnoverGap
	typ := component(msh, 9, 1)
	was := s.patient
	// A silence of the turnover gap before a message whose patient is not
	// the one known (none known, or none told) may have begun another
	// patient: it is all a monitor that sends no identity can show of a
	// bed turnover (the patient's class is set afresh, settleClass).
	silent := !s.prevArrival.IsZero() && arrival.Sub(s.prevArrival) >= gap
	turn := turnSame
	switch {
	case string(typ) == "ADT":
		s.patient = patient // admit, transfer, update: adopt
		// Another patient begins (the class set afresh) only as for any
		// message: after the turnover gap, or with an admission inside a
		// silence of 2 min. Without either, two ADT messages (another
		// patient, then its own again) reset a patient's class unseen
		// (review40a, TestReviewClassADTDetour).
		if silent && (patient == 0 || patient != was) || was != 0 && patient != 0 && patient != was && s.admittedInGap(e, em, arrival) {
			turn = turnNew
		}
	case patient == 0:
		// No identity, or an unidentified patient: whoever is identified
		// next is adopted (an unidentified admission gets its real identity).
		s.patient = 0
		if silent {
			turn = turnNew
		}
	default:
		if s.patient == 0 && silent {
			turn = turnNew
		}
		if s.patient != 0 && patient != s.patient {
			switch {
			case silent, s.admittedInGap(e, em, arrival):
				turn = turnNew
			case s.identified(e, em):
				// The same patient, now identified: the levels learned stay.
			case em.on(rIdentityPatient):
				dst = em.add(dst, rIdentityPatient, pNone, 0, time.Time{}, 0, 0, gap.Seconds(), "", "patient identity changed without admission, transfer or bed turnover")
			}
		}
		s.patient = patient
	}
	if turn == turnNew {
		// One bed turnover, however it showed (a new patient after the gap
		// or an admission, an ADT adopting one, a monitor without identity
		// silent for the gap): the last patient's levels, rhythm and
		// episodes go, as its class does (settleClass). Before, only a new
		// PID-3 forgot them (review40a's open point d).
		if h := s.tracks[pRR].highHeld; h != 0 {
			// A breathing rate above the range held for its run at the
			// heart's rate (rrAtHeart): the turnover ends the run short,
			// so the value showed no overlay and is reported, as at any
			// short run's end (review44a).
			dst = s.rrRange(em, float64(h), 0, time.Time{}, dst)
		}
		s.newPatient(e.cfg.Rules.HRPR.Irregular)
	}
	if s.patient != was {
		s.tempVisit = 0
		if v, provisional := e.visitOf(em.m); provisional && s.patient != 0 {
			s.tempVisit = v
		}
	}
	return dst, turn
}

// timing checks MSH-7 against the previous message and against arrival,
// after the learned per-device clock offset, and OBX-14 against MSH-7.
func (s *stream) timing(e *Engine, em *emitter, msgTime, arrival time.Time, dst []Finding) []Finding {
	rc := &e.cfg.Rules
	tol := rc.TimeBackwards.Tolerance
	off := msgTime.Sub(arrival)
	wire := !s.prevArrival.IsZero() && !arrival.Before(s.prevArrival) && arrival.Sub(s.prevArrival) < burstGap
	if !wire {
		// The first message of a burst, or one at the device's cadence: the
		// last time shown before it bounds the burst's (batched).
		s.batchFrom, s.batchN = 0, 1
		if !s.lastMsgTime.IsZero() {
			s.batchFrom = s.lastMsgTime.UnixNano()
		}
	} else if s.batchN <= batchMax {
		s.batchN++
	}
	if s.rtcLost = off < -rtcLostMin && (s.booted || s.rtcLost); s.rtcLost {
		// A clock at its power-up default: no time of the data's, no
		// offset of the device's clock; the OBX-14 references start afresh.
		if !s.lastMsgTime.IsZero() {
			s.beforeLast = s.lastMsgTime.UnixNano()
		}
		s.lastMsgTime, s.stepAt, s.wasStore = msgTime, 0, false
		clear(s.obsAt[:])
		// Its rows are stamped by the same clock: a row after the
		// message's time is still no time of the device's (a forger's
		// replayed rows under a power-up MSH-7, review37b).
		return s.rowsAhead(em, msgTime, msgTime.Add(rc.TimeFuture.OBXTolerance), 0, rc, dst)
	}
	// A message stored through a silence of the link and sent when it came
	// back (a monitor's store-and-forward after an outage) is behind the
	// arrival by the silence, honestly: its time goes on from the last
	// message's and lies inside the silence (below), or the burst is
	// catching up: its lag shrinks from the message before's by at least
	// half the time between their MSH-7s, the messages arriving at least
	// twice as fast as they were stamped (a lag shrinking a little per
	// message is a late clock's or a forger's, not a burst: review20).
	prevOff := s.lastMsgTime.Sub(s.prevArrival)
	step := msgTime.Sub(s.lastMsgTime)
	catching := step > 0 && off-prevOff >= step/2
	// A store sent at wire speed (within burstGap of the message before, on
	// an arrival clock that did not go back) and catching up is no clock's
	// doing: its lags run from the silence's length down to the clock's own
	// offset, so none of them is that offset. Learned from, a monitor silent
	// for longer than IdleEvict learned its store's age as its offset and
	// its live messages after were time_future; a store passing the
	// arrival's time on its way looked like a clock set right (clockSet)
	// and its next messages were time_future too (corpus5's backfill,
	// session 37, c5time37). So such a message teaches no offset and sets no
	// clock. A forged time arrives at the device's cadence, not at wire
	// speed, and is judged as before.
	burst := wire && !s.lastMsgTime.IsZero() && catching
	set := !burst && s.clockSet(off, em.skew, arrival, rc)
	// The rows of the message that sets the clock may still carry the old
	// clock's time (a cuff reading taken just before): up to where that clock
	// stood at this arrival (computed only then, the rare case).
	lead := s.rowsLead(em, msgTime, rc)
	limit := msgTime.Add(lead + rc.TimeFuture.OBXTolerance)
	rowLimit := limit
	if set {
		if old := s.lastMsgTime.Add(arrival.Sub(s.prevArrival) + lead + rc.TimeFuture.OBXTolerance); old.After(rowLimit) {
			rowLimit = old
		}
	}
	dst = s.clockStep(em, off, arrival, rc, dst)
	back := !s.lastMsgTime.IsZero() && msgTime.Before(s.lastMsgTime.Add(-tol))
	// A message held in the device's queue (behind a retransmission, or
	// stored through a silence of the link) that arrives in the burst right
	// after a newer one that overtook it goes on from the message before
	// that one: the order of the burst, not the clock (overtaken). So is
	// one of a batch sent in arbitrary order that goes back to no time
	// before the batch (batched).
	over := back && (s.overtaken(msgTime, arrival, tol) || s.batched(msgTime, wire, tol))
	back = back && !over
	// A small step back of the device's clock, from its learned offset (not
	// the return from a message stamped ahead) on an independent arrival
	// clock, is judged by what follows it (clockStep); any other is reported
	// at once. A step back that lands on the arrival's time (clockSet) is a
	// clock set right, held as such only if it holds too: a clock set right
	// does not return to its old time seconds later, a forged time put back
	// by about the clock's lead does when the forgery ends (easy25). So it is
	// judged like a small step when it is one (clockSet implies the offset
	// known and the arrival clock not gone back), and is quiet otherwise.
	switch {
	case !back:
	case s.stepAt == 0 && s.offsetKnown && !arrival.Before(s.prevArrival) && prevOff-s.offset <= tol && prevOff-off <= clockStepMax && !s.undoes(off, tol):
		s.stepAt, s.stepFrom, s.stepBack = arrival.UnixNano(), prevOff, s.lastMsgTime.Sub(msgTime)
		if arrival.Sub(s.prevArrival) < burstGap && prevOff < s.offset-tol && s.wasStore {
			// A step inside a store sent at wire speed: the message before
			// lagged by the store's age, catching up, and the messages
			// after it catch up too; the clock the step left is the
			// device's offset (corpus4's backlog flush, session 37). Only
			// when the message before was stored: one that lagged at the
			// live cadence (a time slid back) is the step's reference
			// (review37b, TestStepAfterSlidMessage37b).
			s.stepFrom = s.offset
		}
	case set:
	case em.on(rTimeBackwards):
		dst = em.add(dst, rTimeBackwards, pNone, 0, time.Time{}, s.lastMsgTime.Sub(msgTime).Seconds(), 0, tol.Seconds(), "", "message time went backwards")
	}
	// Stored (see catching above), or waiting behind a re-send. A sender that re-sent its last message, a stored one, waited for the
	// acknowledgement before the next: the next, going on from the last,
	// arrives late by that wait (corpus5's queue after a retransmission
	// inside a backfill, session 37, c5time37). Only behind a message
	// stored on its own account: a re-send costs a forger nothing, and
	// one before each message excused a time slid behind at the live
	// cadence, hours deep (review37b).
	own := over || step > 0 && (!msgTime.Add(-s.offset).Before(s.prevArrival.Add(-tol)) || catching)
	stored := own || step > 0 && s.resent && s.wasStore
	s.wasStore = own
	if !s.lastMsgTime.IsZero() {
		s.beforeLast = s.lastMsgTime.UnixNano()
	}
	s.lastMsgTime = msgTime
	// A continuous channel's observation time (OBX-14) never goes backwards
	// either: a newer sample is never measured before the one it follows,
	// whatever lag the device stamps it with. Re-stamping only the rows under
	// an honest MSH-7 moves them back while the message time goes on. The
	// cuff is left out: its rows keep the last reading's time, which a device
	// may re-stamp with each message's (nibpChecks). A message time that went
	// back (the device's clock moved, or returned from a jump ahead, or was
	// set right) starts the channels afresh, those absent now included; a
	// time after the message's (time_future, below) is no reference.
	//
	// Observation times are one clock's: the rows of a message naming
	// another equipment identity than the stream's established one (a
	// gateway's other bed before its stream is split off, Engine.bedsOf;
	// each bed stamps OBX-14 by its own clock, off the gateway's by its own
	// skew) are neither compared with the stream's references nor recorded
	// as them (em.other). A forger re-stamping rows back under an honest
	// MSH-7 names the same equipment and is judged as before; one naming
	// another identity for the forged message makes the next honest one
	// split the device (switcher.multi), and every later message under
	// that identity starts a bed stream of its own, with no reference
	// either: one message's rows are all this adds to what another label
	// already bought (session 48, gwtime48; TestOtherLabelOnce48g). A label
	// that replaces the established one keeps the references
	// (identity; TestRelabelKeepsClock48g).
	if back || over {
		clear(s.obsAt[:])
	}
	// Most rows carry no OBX-14 (timed): the loops below look only at
	// those that do.
	for i, p := range continuous {
		r := &s.cur[p]
		if s.timed&chanBit(p, true) == 0 || r.at.After(limit) || em.other {
			continue
		}
		at, prev := r.at.UnixNano(), s.obsAt[i]
		s.obsAt[i] = at
		if prev != 0 && at < prev-int64(tol) && !back && s.rowsSetRight(r.at, msgTime, time.Duration(prev-at), rc) {
			// The rows' clock set to the message's: the channels start
			// afresh, those absent now included, as after MSH-7 went back.
			clear(s.obsAt[:])
			s.obsAt[i], s.lead = at, 0
			continue
		}
		if prev != 0 && at < prev-int64(tol) && !back && em.on(rTimeBackwards) {
			back = true
			dst = em.add(dst, rTimeBackwards, p, r.seg, r.at, float64(prev-at)/1e9, 0, tol.Seconds(), "", "observation time (OBX-14) went backwards while the message time did not")
		}
	}

	if !s.offsetKnown && wire {
		// The monitor came back (or first spoke) with its store: a lag of
		// a message sent at wire speed (the store catching up, one of its
		// messages overtaken, a live one among them) is the store's age or
		// the burst's order, not the clock's, and is not learned. A store
		// catching up (burst) right after the one lag learned takes that
		// lag back too: it was the store's first message, after the
		// silence. Two lags learned stay: a forger's clock put ahead in a
		// burst does not wipe the live lags learned before it (review37b,
		// TestForgeryBehindResendOrBurst37b).
		if burst && s.nLearned <= 1 {
			s.nLearned = 0
		}
	} else if !s.offsetKnown {
		s.learned[s.nLearned] = off
		s.nLearned++
		if int(s.nLearned) == rc.TimeSkew.Learn {
			l := s.learned[:s.nLearned]
			slices.Sort(l)
			s.offset, s.offsetKnown = l[len(l)/2], true
		}
	} else if set {
		s.prior, s.priorKnown = s.offset, true
		s.offset, s.candN = off, 0
	} else {
		d := off - s.offset
		if d > rc.TimeFuture.MaxAhead && em.on(rTimeFuture) {
			dst = em.add(dst, rTimeFuture, pNone, 0, time.Time{}, d.Seconds(), s.offset.Seconds(), rc.TimeFuture.MaxAhead.Seconds(), "", "message time ahead of arrival beyond the device's learned clock offset")
		}
		if d < -rc.TimeSkew.MaxBehind && !stored && em.on(rTimeSkew) {
			dst = em.add(dst, rTimeSkew, pNone, 0, time.Time{}, d.Seconds(), s.offset.Seconds(), -rc.TimeSkew.MaxBehind.Seconds(), "", "message time far behind arrival beyond the device's learned clock offset")
		}
		// A clock that settles at a new offset (NTP step, DST) is adopted;
		// a burst catching up on stored messages (its lag shrinking by
		// most of the time between their MSH-7s) is no clock's offset and
		// teaches it nothing (session 29: learned from it, the live
		// messages after the burst were ahead of it, time_future).
		switch {
		case catching:
		case d.Abs() <= tol:
			s.candN = 0
		case s.candN > 0 && (off-s.cand).Abs() <= tol:
			s.candN++
		default:
			s.cand, s.candN = off, 1
		}
		if s.candN >= rc.TimeSkew.Relearn {
			s.prior, s.priorKnown = s.offset, true
			s.offset, s.candN = s.cand, 0
		}
	}
	return s.rowsAhead(em, msgTime, rowLimit, lead, rc, dst)
}

// obxLeadMax is the most a device's rows (OBX-14) may lead its message time
// (MSH-7) by habit: the steady disagreement of two clocks, learned per stream
// (rowsLead). An aggregating gateway stamps MSH-7 by its own clock and passes
// each bed's OBX-14 on as the bed stamped it (corpus8's Dräger-style gateway:
// each bed off the gateway by its own skew, up to about 75 s); beds are set
// from the network's time now and then and a quartz clock drifts 20-100 ppm
// (2-9 s a day) between, so a bed left unsynchronised for a week or two is a
// minute off its gateway. The bound is time_future's default max_ahead, the
// jump ahead it lets a device's MSH-7 make against its arrival: a lead beyond
// it is reported from the first message, as before (corpus2's OBX-14 put
// +474..+587 s ahead).
const obxLeadMax = 2 * time.Minute

// rowsLead returns how far the message's rows may lie after its time before
// time_future's obx_tolerance counts (time_future, and the time_backwards
// references). A bed's steady lead over its gateway's MSH-7 is a clock
// disagreement, as a device's MSH-7 offset against arrival is (s.offset):
// the rows' lead is learned from the stream's first time_skew.learn messages
// of its established equipment identity as the least lead among them, 0 when
// the rows lag, and at most obxLeadMax (a message leading by more teaches
// nothing and is reported). The least: a forged time ahead in some of those
// messages does not raise it, and every later message is judged against it.
// While it is learned, and for a message naming another identity (a
// gateway's other bed, em.other; its rows teach this stream nothing), the
// rows may lead by up to obxLeadMax. No relearning: a bed whose clock is
// set ahead of its gateway later is reported as before (session 48,
// gwtime48).
func (s *stream) rowsLead(em *emitter, msgTime time.Time, rc *Rules) time.Duration {
	if em.other {
		return obxLeadMax
	}
	if int(s.leadN) >= rc.TimeSkew.Learn {
		return time.Duration(s.lead) * time.Millisecond
	}
	lead, seen := time.Duration(0), false
	for m := s.timed; m != 0; m &= m - 1 {
		p := param(bits.TrailingZeros16(m))
		r := &s.cur[p]
		if s.heldReading(p, r) {
			continue
		}
		if d := r.at.Sub(msgTime); !seen || d > lead {
			lead, seen = d, true
		}
	}
	lead = max(lead, 0)
	if lead > obxLeadMax {
		return obxLeadMax // reported by rowsAhead; teaches nothing
	}
	if ms := int32(lead / time.Millisecond); s.leadN == 0 || ms < s.lead {
		s.lead = ms
	}
	s.leadN++
	return obxLeadMax
}

// rowsSetRight reports whether a row's observation time at, gone back by
// step from its channel's last under a message time msgTime that did not,
// is the rows' clock set to the message's: a bed's clock set from the
// network's time, its steady lead over its gateway's MSH-7 gone (corpus8's
// gateway beds: OBX-14 from 33-72 s ahead to its MSH-7's time in one
// message). So when the stream's rows led by more than obx_tolerance (a
// lead learned, see rowsLead), the row now lies within time_backwards'
// tolerance of msgTime (after it) or at most obx_tolerance before it, and
// the step is no more than the lead and the tolerance: the lead is then 0.
// The step is from the channel's last row, a message or more before, so
// from a row at the learned lead it lands no earlier than the time between
// the two messages and the tolerance before msgTime (at a cadence under 25 s
// that bound, not obx_tolerance's, counts: a bed set to a time 20 s behind
// its gateway's at a 10 s cadence is time_backwards; review48g).
// Before session 48 such rows were no reference (after MSH-7 beyond
// obx_tolerance, time_future), so their step back was never reported; a
// forger stamping rows back onto MSH-7's time gains it once, and rows put
// back to the old lead after it are time_future.
func (s *stream) rowsSetRight(at, msgTime time.Time, step time.Duration, rc *Rules) bool {
	lead := time.Duration(s.lead) * time.Millisecond
	if int(s.leadN) < rc.TimeSkew.Learn || lead <= rc.TimeFuture.OBXTolerance {
		return false
	}
	d := at.Sub(msgTime)
	return d <= rc.TimeBackwards.Tolerance && d >= -rc.TimeFuture.OBXTolerance && step <= lead+rc.TimeBackwards.Tolerance
}

// heldReading reports whether row r of parameter p is a cuff reading the
// stream already holds (its time the held reading's): judged when it came,
// it is no row of this message's clock.
func (s *stream) heldReading(p param, r *reading) bool {
	return s.haveNIBP && p >= pNIBPSys && p <= pNIBPMean && r.at.Equal(s.nibpAt)
}

// rowsAhead reports the first row whose observation time (OBX-14) lies after
// rowLimit (time_future). A cuff reading already held was judged when it
// came: after the clock was set back its time, stamped by the old clock, may
// lie after the message's until the next reading.
func (s *stream) rowsAhead(em *emitter, msgTime, rowLimit time.Time, lead time.Duration, rc *Rules, dst []Finding) []Finding {
	future := false
	var fp param
	for m := s.timed; m != 0; m &= m - 1 {
		p := param(bits.TrailingZeros16(m))
		r := &s.cur[p]
		if !r.at.After(rowLimit) { // the usual case: tested first
			continue
		}
		if !s.heldReading(p, r) {
			future, fp = true, p
			break
		}
	}
	if future && em.on(rTimeFuture) {
		r := &s.cur[fp]
		why := "observation time (OBX-14) after the message time"
		switch {
		case lead == obxLeadMax:
			why = "observation time (OBX-14) after the message time beyond any clock's lead over it"
		case lead > 0:
			why = "observation time (OBX-14) after the message time beyond the rows' learned lead over it"
		}
		dst = em.add(dst, rTimeFuture, fp, r.seg, r.at, r.at.Sub(msgTime).Seconds(), lead.Seconds(), rc.TimeFuture.OBXTolerance.Seconds(), "", why)
	}
	return dst
}

// rtcLostMin is how far behind its arrival a message's time must lie to be
// a device's clock at its power-up default (s.rtcLost, see timing): a year,
// beyond any clock's drift, time-source step (clockStepMax), store-and-forward
// burst, time zone or daylight-saving error (hours), and beyond a forged time
// that is to pass for the data's (hours to days).
//
// A device whose real-time clock lost its power (a flat backup cell, a board
// replaced) comes up from a restart at its firmware's default date
// (2000-01-01 or 1970-01-01, years back) and counts on from there until its
// time source (NTP, the central station) sets it, a minute or two later. Its
// messages then lie years behind their arrival, from the one whose control-ID
// counter went back (the restart, s.booted) on: no data time a forger could
// pass off as the bed's (a forged time moves by hours or days and is to be
// believed), and no offset of the device's clock to learn or report against.
// They drew time_backwards and time_skew, and the clock set right again
// drew time_future against the default date learned as its offset (corpus5's
// clock_reset, session 33, c5time33). Such messages are not judged for their
// time and teach the offset nothing; the clock set right is judged against
// the offset the device kept before. A time years back without a restart of
// the counter, or after the clock came right, is judged as before.
const rtcLostMin = 366 * 24 * time.Hour

// burstGap is the longest time between two arrivals, in a burst of
// messages a device sends at wire speed (its queue after a retransmission,
// or its store after a silence of the link), shorter than any monitor's
// cadence (1 s at the fastest).
const burstGap = 250 * time.Millisecond

// overtaken reports whether a message whose MSH-7 went back from the last
// message's is one of a burst that the last message overtook: it arrived
// within burstGap of it, and its MSH-7 goes on from the message's before
// that (from tol before it to transitDelay after it). A device sending its
// queue or its store in one burst while its live messages go on (corpus5's
// retransmission queues and backfill, session 29, c5clean29) puts a newer
// message among older ones; the older ones' times continue their own
// sequence, and the newer one's jump ahead is no finding either. A time put
// back by a forger arrives at the device's cadence, not in a burst, and
// does not continue the message before the last.
func (s *stream) overtaken(msgTime, arrival time.Time, tol time.Duration) bool {
	if s.beforeLast == 0 || s.prevArrival.IsZero() || arrival.Before(s.prevArrival) || arrival.Sub(s.prevArrival) >= burstGap {
		return false
	}
	from := msgTime.Sub(time.Unix(0, s.beforeLast))
	return from >= -tol && from <= transitDelay
}

// batched reports whether a message whose MSH-7 went back from the last
// message's is one of a batch the device sent in arbitrary order: it arrived
// within burstGap of the message before (wire), among the first batchMax of
// its burst, and its MSH-7 lies no earlier (to within tol) than the last
// one's shown before the burst began (batchFrom). A monitor that holds its
// minute trend values and sends them five at a time, in the order its queue
// yields them (corpus7's trend batches, session 49, batch49: every 5 min
// five messages within 300 ms, their MSH-7s spanning the last 5 min,
// shuffled), goes back inside the batch and rewrites no time already shown
// before it. A time put back before the burst, at the device's cadence, or
// deep in a long store sent in order (a store after a silence of the link,
// judged as a clock's step: TestStoreCatchingUp) is reported as before.
func (s *stream) batched(msgTime time.Time, wire bool, tol time.Duration) bool {
	return wire && s.batchN <= batchMax && s.batchFrom != 0 && !msgTime.Before(time.Unix(0, s.batchFrom).Add(-tol))
}

// batchMax is the most messages of a burst that batched excuses: a trend
// batch holds a few minutes' values (five on the beds seen), a store after a
// silence of the link as many as the silence lasted, in order. Twice the
// batch seen: a forger inside a long burst cannot go back further than the
// first batchMax messages' span from the time shown before it.
const batchMax = 10

// clockStepMax is the largest step back of a device's clock that may be its
// time source's correction, judged by what follows (clockStep): time_skew's
// default max_behind. ntpd steps a clock whose offset exceeds its step
// threshold (128 ms) by the whole offset, up to its panic threshold (1000 s;
// the NTP reference implementation's "Clock State Machine"), and a device's
// clock drifts minutes between corrections: corpus3's clean beds step 5-90 s,
// corpus5's 20-180 s (session 30, c5clean30; 2 min until then). A larger
// step back is reported at once, and is old data (time_skew) as well.
const clockStepMax = 5 * time.Minute

// undoes reports whether a step back of MSH-7 to offset off lands on the
// offset the device kept before its last one, set right (clockSet) or
// relearned (time_skew.relearn messages at a new offset), within tol: the
// jump undone, not a time source's correction, which lands a clock that
// drifted on a new offset. A forged time put ahead, onto the arrival's time
// or anywhere for long enough to be learned, comes back to the device's
// clock when the forgery ends (corpus3 seed 7 m0077: 192 s ahead for 15
// min, onto the arrival's time, session 30): reported at once, as any step
// back beyond clockStepMax.
func (s *stream) undoes(off, tol time.Duration) bool {
	return s.priorKnown && (off-s.prior).Abs() <= tol
}

// clockHold is how long a small step back of a device's clock must hold to
// be the clock's own correction: a time source (NTP, the central station's
// clock) or an operator steps the clock once and it keeps the new time for
// hours, while a forged time put back on a few messages returns to the
// device's clock when the forgery ends (every one seen lasted at most 3 min).
const clockHold = 10 * time.Minute

// clockStep judges a pending small step back of MSH-7 (at most clockStepMax
// against the arrival, from the device's learned offset, on an arrival clock
// that did not go back):
// reported as time_backwards when MSH-7 comes back toward the device's clock
// before it, by most of the step (to within time_backwards' tolerance or a
// quarter of the step, whichever is larger: a forger who returns a few
// seconds short is no clock that held, review20), within clockHold of the step,
// forgotten as the clock's own correction when it held that long. A device
// clock stepped back by a time source keeps its new time and is not reported
// (corpus3's clean beds: steps of 5-90 s, session 20).
func (s *stream) clockStep(em *emitter, off time.Duration, arrival time.Time, rc *Rules, dst []Finding) []Finding {
	switch {
	case s.stepAt == 0:
	case off >= s.stepFrom-max(rc.TimeBackwards.Tolerance, s.stepBack/4):
		if em.on(rTimeBackwards) {
			dst = em.add(dst, rTimeBackwards, pNone, 0, time.Time{}, s.stepBack.Seconds(), 0, rc.TimeBackwards.Tolerance.Seconds(), "",
				"message time went backwards and came back to the device's clock")
		}
		s.stepAt = 0
	case arrival.UnixNano()-s.stepAt >= int64(clockHold):
		s.stepAt = 0
	}
	return dst
}

// transitDelay is how long after its MSH-7 a message may arrive: a message
// waits in the device's queue or is re-sent after a lost acknowledgement.
const transitDelay = 30 * time.Second

// clockSet reports whether the device's clock was just set right: this
// message's MSH-7 agrees with its arrival (off within tol ahead, transitDelay
// behind), the previous message's lay further from its arrival by more than
// tol, and the arrival clock did not go back. An NTP step or an operator
// setting the time moves MSH-7 and the rows' OBX-14 together, once, to the
// time the gateway keeps (both follow the hospital's time source); the stamps
// are right from then on, so the step is no finding and the new offset holds
// at once. A forged time moves the stamps away from the arrival instead; a
// return from one to the arrival's time is the end of the forgery, already
// reported. So the previous message must not lie ahead of the device's
// learned offset by more than tol yet no more than time_future's max_ahead:
// such a message is itself no finding, and the next back on time must not
// restart the OBX-14 references unreported (review16,
// TestClockSetNeedsOldClock). A message behind it is the old clock after a
// wait. With no independent arrival clock (hl7gate
// check without arrival times, where the arrival is MSH-7) no offset was
// ever off, so nothing is taken for this. The time set right is the
// system clock's, skew ahead of the arrival clock (ObserveSteady); the
// offsets learned are the arrival clock's.
func (s *stream) clockSet(off, skew time.Duration, arrival time.Time, rc *Rules) bool {
	tol := rc.TimeBackwards.Tolerance
	if right := off - skew; s.lastMsgTime.IsZero() || !s.offsetKnown || arrival.Before(s.prevArrival) || right > tol || right < -transitDelay {
		return false
	}
	was := s.lastMsgTime.Sub(s.prevArrival)
	if d := was - s.offset; d > tol && d <= rc.TimeFuture.MaxAhead {
		return false // ahead of the device's clock, unreported
	}
	return (was-skew).Abs()-(off-skew).Abs() > tol
}

// values runs the physiological checks over s.cur and then remembers it.
func (s *stream) values(e *Engine, em *emitter, arrival time.Time, dst []Finding) []Finding {
	s.artRelabel = s.artConverted(e)
	dst = s.circuitEnds(em, arrival, e.cfg.Rules.Rate.MaxGap, dst)
	s.damping = s.dampChanged()
	s.levelBack = s.levelled(arrival.UnixNano())
	s.heightMoved = s.cvpMoved(arrival, e.cfg.Rules.Rate.MaxGap)
	dst = s.units(em, dst)
	dst = s.overlayOutlasts(em, unixSeconds(arrival), dst) // before rrAtHeart may open a new window
	dst = s.rrAtHeart(em, arrival, dst)
	dst = s.rate(e, em, arrival, dst)
	s.heightMoved = s.heightMoved || s.turnMoved(arrival, e.cfg.Rules.Rate.MaxGap, e.cfg.Rules.HRPR.Irregular) // after notePleth (rate)
	dst = s.hrpr(e, em, arrival, dst)
	dst = s.decoupled(e, em, arrival, dst)
	dst = s.driftReturn(em, arrival, dst)
	dst = s.nibpChecks(e, em, arrival, dst)
	dst = s.bp(e, em, pARTSys, pARTDia, pARTMean, true, dst)
	dst = s.frozen(e, em, arrival, dst)
	dst = s.excursions(e, em, arrival, dst)
	dst = s.heldTogether(em, dst)
	dst = s.regular(e, em, dst)
	dst = s.replayWindow(e, em, dst)
	s.venWas, s.venWasOK = s.ven, s.venOK
	for p := range s.cur {
		r := &s.cur[p]
		if r.ok {
			pv := &s.prev[p] // field by field, as obx sets cur
			pv.v, pv.at, pv.ok = r.v, arrival, true
		}
		switch sm := &s.smooth[p]; {
		case !r.ok:
			sm.ok = false
		case sm.ok:
			sm.v += 0.3 * (r.v - sm.v)
		default:
			*sm = s.prev[p]
		}
	}
	return dst
}

// circuitEnds sets s.circuit for the current message: its breathing rate
// is 0 through an open circuit (circuitOpen) for at most circuitMax since
// the run of such messages began. A breathing rate still 0 beside a still
// absent etCO2 after circuitMax was no suction: it is reported at once,
// against the rate before the circuit opened (excursions alone would judge
// only what follows circuitMax, too short a box to find).
func (s *stream) circuitEnds(em *emitter, arrival time.Time, gap time.Duration, dst []Finding) []Finding {
	rr, now := &s.cur[pRR], arrival.UnixNano()
	if !rr.ok || rr.v != 0 {
		s.circuitFrom = 0
	}
	open := s.circuitOpen(arrival, gap)
	if open && s.circuitFrom == 0 {
		s.circuitFrom, s.rrBefore = now, float32(s.prev[pRR].v)
	}
	if open && now-s.circuitFrom > circuitMax.Nanoseconds() {
		if s.circuit && !s.cur[pEtCO2].ok && em.on(rRate) {
			dst = em.add(dst, rRate, pRR, rr.seg, rr.at, 0, float64(s.rrBefore), circuitMax.Seconds(), "",
				"breathing rate read 0 with the capnograph silent for longer than an airway suction")
		}
		open = false
	}
	s.circuit = open
	return dst
}

// openCO2 is the end-tidal CO2, in mmHg, below which a capnograph that was
// reading samples no exhaled gas: the airway circuit is open.
const openCO2 = 5

// circuitMax is how long a run of breathing rates of 0 beside an absent or
// near-0 etCO2 is taken for an open circuit: an airway suction is kept under
// 15 s (AARC clinical practice guideline, 2010), and with the capnograph's
// return after the circuit closes it lasts well under a minute (the third
// generator's suctions, 30-40 s, sit inside it).
const circuitMax = 45 * time.Second

// circuitOpen reports whether the breathing rate of the current message is
// 0 while the etCO2, present within gap before, is absent or below openCO2:
// a ventilator circuit opened (for suction, a disconnection) counts no
// breaths and the capnograph samples room air, so a rate of 0 then is no
// reading of the patient's breathing, and its return to the patient's rate
// when the circuit closes is no step (the third blind generator's suction,
// session 21). Such a value neither begins, extends nor ends an excursion
// (excursions), as a flushed arterial line's; the other checks read it as
// before. A rate forged to 0 leaves the etCO2 as it was, or drops it: then
// it is judged after circuitMax (circuitEnds; one shorter is not: review22).
func (s *stream) circuitOpen(arrival time.Time, gap time.Duration) bool {
	rr, co2, was := &s.cur[pRR], &s.cur[pEtCO2], &s.prev[pEtCO2]
	return rr.ok && rr.v == 0 && (!co2.ok || co2.v < openCO2) && was.ok && arrival.Sub(was.at) <= gap
}

func (s *stream) units(em *emitter, dst []Finding) []Finding {
	for p := range s.cur {
		r := &s.cur[p]
		if !r.ok {
			continue
		}
		if s.unit[p] != 0xff && s.unit[p] != r.unit && em.on(rUnitChange) {
			dst = em.add(dst, rUnitChange, param(p), r.seg, r.at, 0, 0, 0, "", "unit of this parameter changed on this source")
		}
		s.unit[p] = r.unit
	}
	return dst
}

// slowFall is how long a saturation fall of at least spo2_step between two
// messages too far apart to time it (slower than spo2_per_minute over the
// interval: at a cadence of 15 s or slower) must hold its level, with the
// scatter it had and no heart or breathing rate answering, before it is
// judged as a step. Between two messages a minute apart a genuine
// desaturation and a forged offset look alike; what tells them apart is
// what follows: motion and a patient's desaturation come back or are
// answered within a minute or two, a saturation written 10 points lower
// stays there, and nothing else in the patient notices. A rise (a
// recovery, a probe put back) is not judged this way.
const slowFall = 5 * time.Minute

// neoDesatHold is how long a neonate's saturation fall, judged a step at the
// corroboration time as any other, must stay away before it is reported. A
// newborn's apnoea or periodic breathing takes its saturation 10–20 points
// down within a reading, holds it for a few readings and gives it back over
// the next few as breathing resumes, within a minute or two, with no heart
// or breathing rate answering beyond their scatter; a saturation written
// lower stays there (session 26, clean26b).
const neoDesatHold = 2 * time.Minute

// rate flags steps faster than physiology allows: pulse-rate and SpO2 steps
// only when no related channel corroborates them within the corroboration
// time, temperature steps at once.
func (s *stream) rate(e *Engine, em *emitter, arrival time.Time, dst []Finding) []Finding {
	rr := &e.cfg.Rules.Rate
	s.notePleth(e.cfg.Rules.HRPR.PROverHR, e.cfg.Rules.HRPR.Irregular, arrival) // spikes need it too
	if !em.on(rRate) {
		return dst
	}
	for i, rp := range rateParams {
		c, pr := &s.cur[rp.p], &s.prev[rp.p]
		th := rr.HRStep
		if rp.p == pSpO2 {
			th = rr.SpO2Step
		}
		pd := &s.pend[i]
		// The step's size first: most messages move by less, and the
		// interval (a time.Time subtraction) is needed only for a step.
		if d := math.Abs(c.v - pr.v); !pd.active && c.ok && pr.ok && d >= th && arrival.Sub(pr.at) <= rr.MaxGap {
			fast := rp.p != pSpO2 || d/max(arrival.Sub(pr.at).Minutes(), 1.0/60) >= rr.SpO2PerMinute
			if (fast || c.v < pr.v) && !s.backToBaseline(rp.p, 0.75*th) &&
				(rp.p != pSpO2 || !s.plethSettling(arrival, rr.Corroboration)) {
				*pd = step{active: true, slow: !fast, at: arrival, pre: pr.v, lo: c.v, hi: c.v}
				for j, q := range rp.partners {
					if q != pNone {
						pd.partners[j] = s.smooth[q]
					}
				}
			}
		}
		if !pd.active {
			continue
		}
		if !c.ok && pd.verdict {
			// A neonate's fall already judged a step waits to see whether
			// it is given back; a message without the saturation (the
			// cuff's own, a probe off for a reading) shows neither, and the
			// next one with it decides.
			continue
		}
		if !c.ok || math.Abs(c.v-pd.pre) < 0.75*th {
			pd.active = false // went back (a spike, an artefact) or vanished: not a sustained edit
			continue
		}
		if (rp.p == pPR || rp.p == pPRInv) && s.cur[pHR].ok && deficitRatio(c.v, s.cur[pHR].v) {
			pd.active = false // the pulse fell to a bigeminy deficit of a heart rate still there
			continue
		}
		if rp.p == pPR && s.plethSettling(arrival, rr.Corroboration) {
			pd.active = false // a disturbed oximeter's pulse rate (motion): an artefact, see notePleth
			continue
		}
		pd.lo, pd.hi = min(pd.lo, c.v), max(pd.hi, c.v)
		s.corroborate(rp.p, rp.partners, pd)
		if held := arrival.Sub(pd.at); held < rr.Corroboration || pd.slow && held < slowFall {
			continue
		}
		if pd.verdict {
			if arrival.Sub(pd.at) < neoDesatHold {
				continue
			}
			pd.active = false
			dst = em.add(dst, rRate, rp.p, c.seg, c.at, c.v, pd.pre, th, "", stepExplanation[i])
			continue
		}
		pd.active = false
		if rp.p == pSpO2 {
			s.respond(pd, rr)
		}
		if pd.judged && !pd.corroborated && pd.steady(th, c.v) {
			if rp.p == pSpO2 && s.neonatal && pd.pre > c.v && arrival.Sub(pd.at) < neoDesatHold {
				pd.active, pd.verdict = true, true // judged as before; reported if it holds
				continue
			}
			dst = em.add(dst, rRate, rp.p, c.seg, c.at, c.v, pd.pre, th, "", stepExplanation[i])
		}
	}
	c, pr := &s.cur[pTemp], &s.prev[pTemp]
	fast, near := false, false
	if c.ok && pr.ok {
		dt := arrival.Sub(pr.at)
		d := c.v - pr.v
		near = dt <= rr.MaxGap
		fast = near && math.Abs(d) >= rr.TempStep && math.Abs(d)/max(dt.Minutes(), 1.0/60) >= rr.TempPerMinute
	}
	// The temperature's run of falls, each at least a third of the one
	// before it and at most twice it: a decay (see coolFalls).
	fall := 0.0
	if near {
		fall = pr.v - c.v
	}
	switch last := float64(s.lastFall); {
	case fall < tempFallMin:
		s.coolRun = 0
	case s.coolRun > 0 && fall >= last/3 && fall <= 2*last:
		s.coolRun = min(s.coolRun+1, coolFalls)
	default:
		s.coolRun = 1
	}
	s.lastFall = float32(max(fall, 0))
	cooling := s.coolRun >= coolFalls && c.v >= ambientMin
	if f := &s.tempFall; f.n > 0 {
		// A fall held back (see below) is decided by the messages after it.
		switch {
		case cooling:
			f.cooled, f.low = true, c.v // the decay goes on: judged where it ends
		case !f.cooled && s.coolRun >= 2 && f.n < coolFalls-1:
			f.n++ // a decay may be starting: one more message decides
		default:
			if !f.cooled || f.low > airMax {
				// A level that holds, or a decay that stopped short of
				// any air a probe could be reading.
				dst = em.add(dst, rRate, pTemp, 0, f.at, f.v, f.pre, rr.TempStep, KindQuality,
					"temperature fell faster than physiology allows (probe displaced?)")
			}
			f.n = 0
		}
	}
	switch {
	case !fast:
	case c.v < pr.v:
		// A probe that comes off cools toward the air around it (25-32
		// °C in a room or an incubator) along a decay, each reading lower
		// than the last; a forged or displaced level moves and holds, or
		// comes back. A fast fall is held back until coolFalls falls in a
		// row show a decay, which is then followed to its end (quiet if
		// it reached airMax), or a reading that does not fall shows a
		// level (reported then, at most coolFalls-1 messages late, with
		// the fall's own time).
		if !cooling && s.tempFall.n == 0 {
			at := c.at
			if at.IsZero() {
				at = em.msgTime
			}
			s.tempFall = tempFall{n: 1, v: c.v, pre: pr.v, at: at}
		}
	case !s.probeBack(pr.v, c.v):
		dst = em.add(dst, rRate, pTemp, c.seg, c.at, c.v, pr.v, rr.TempStep, KindIntegrity, "temperature rose faster than physiology allows")
	}
	return dst
}

// A temperature probe coming off (rate): coolFalls readings in a row, each
// at least tempFallMin °C below the one before, by at least a third of the
// fall before it and at most twice it (a decay toward the air goes on and
// its falls shrink or, along a line, stay; a level's noise after a step
// does not go on, and a step after small falls is no decay), the last not
// below ambientMin °C, are a probe cooling toward the air; the fall is not
// judged if the decay then reaches airMax °C or below. No room a patient
// lies in is colder than ambientMin (a Celsius value labelled Fahrenheit
// reads 2-4 °C); a probe in a room's air, or lying in the bed, reads below
// airMax (an incubator's air may be warmer: a neonate's probe coming off
// there is reported as before).
const (
	coolFalls   = 3
	tempFallMin = 0.05
	ambientMin  = 20
	airMax      = 33
)

// tempFall is a fast temperature fall held back by rate: n messages since
// it (0: none), its value, the value before it and its time; cooled when a
// decay followed it, low the decay's last reading.
type tempFall struct {
	n           uint8
	cooled      bool
	v, pre, low float64
	at          time.Time
}

var stepExplanation = [len(rateParams)]string{
	"ECG heart rate stepped but the pulse rates did not follow",
	"pulse rate stepped but the related rate channels did not follow",
	"pulse rate stepped but the related rate channels did not follow",
	"SpO2 stepped faster than desaturation allows with no heart or respiratory response",
}

// corroborate looks at the related channels of a pending step in the current
// message. A heart- or pulse-rate step is corroborated when a related rate
// agrees with the new value at any time in the window (whichever channel
// moved first). For an SpO2 step it collects the related channels for
// respond. judged says whether a related channel is present now: a step
// whose partners vanished (probe off) cannot be judged.
func (s *stream) corroborate(p param, partners [3]param, pd *step) {
	c := &s.cur[p]
	half := math.Abs(c.v-pd.pre) / 2
	pd.judged = false
	for j, q := range partners {
		if q == pNone || !s.cur[q].ok {
			continue
		}
		if p == pSpO2 {
			pd.sums[j] += s.cur[q].v
			pd.counts[j]++
			pd.judged = pd.judged || pd.partners[j].ok
			continue
		}
		pd.judged = true
		pd.corroborated = pd.corroborated || math.Abs(s.cur[q].v-c.v) <= half ||
			(pd.partners[j].ok && proportional(p, q, c.v, pd.pre, s.cur[q].v, pd.partners[j].v, half))
	}
}

// respond judges an SpO2 step: corroborated when a related channel's mean
// since the step moved from its smoothed level before the step by
// PartnerResponse, in either direction: heart and breathing rates rise as
// an adult desaturates, but a neonate's heart rate falls with its
// saturation (bradycardia–desaturation). Means keep the noise of an
// irregular rhythm (AF) from passing for a response.
func (s *stream) respond(pd *step, rr *RateRule) {
	for j := range pd.partners {
		if pd.counts[j] > 0 && pd.partners[j].ok {
			moved := pd.sums[j]/float64(pd.counts[j]) - pd.partners[j].v
			pd.corroborated = pd.corroborated || math.Abs(moved) >= rr.PartnerResponse
		}
	}
}

// hrpr flags ECG heart rate and a pulse rate that disagree for longer than
// the persistence time. A pulse above the heart rate is never physiological
// beyond PROverHR. A pulse deficit (heart rate above the pulse) is allowed
// Deficit in a regular rhythm and HROverPR in an irregular one (AF: the
// heart rate's median sample-to-sample change is at least Irregular, or
// half of it with the rate rough now, roughNow, in a heart rate whose
// roughness was learned in AF, afQuiet, or in a disagreement that began
// with both rates leaving their levels the same way, hrAlone's -2: an
// arrhythmia's onset seen by both sensors; or a heart rate irregular since
// a disagreement no channel began alone, its pulse rate sharing the jumps,
// jumpsTogether: AF's onset at a 60 s cadence; or a disagreement begun anew
// inside such a heart rate from a deficit already there, withinAF); a
// pulse rate at 40–65 % of the heart rate is the deficit of bigeminy (every
// other beat not perfused; its mean share not below shareFloor). Neither
// allowance holds when the disagreement began with the heart rate leaving its
// level while the pulse rate stayed: then the ECG channel moved alone.
func (s *stream) hrpr(e *Engine, em *emitter, arrival time.Time, dst []Finding) []Finding {
	hc := &e.cfg.Rules.HRPR
	hr := &s.cur[pHR]
	perfused := s.pvcFed >= pvcFedN // up to the message before this one
	switch s.pvcFeeds(hc.Deficit) {
	case 1:
		s.pvcFed = min(s.pvcFed+1, 2*pvcFedN)
	case -1:
		s.pvcFed -= min(s.pvcFed, 1)
	}
	for i, q := range [2]param{pPR, pPRInv} {
		pr := &s.cur[q]
		dg := &s.disagree[i]
		bad := false
		var d float64
		if hr.ok && pr.ok {
			d = pr.v - hr.v
			bad = d > hc.PROverHR || -d > hc.Deficit
		}
		if hr.ok && pr.ok && !s.prevArrival.IsZero() && arrival.After(s.prevArrival) {
			dg.learnLag(min(max(-d, -hc.HROverPR), hc.HROverPR), arrival.Sub(s.prevArrival))
		}
		if !bad {
			dg.n = 0
			continue
		}
		if dg.n++; dg.n == 1 {
			dg.since = arrival
			dg.hr, dg.pr = s.smooth[pHR], s.smooth[q]
			dg.alone, dg.locked, dg.af, dg.fol, dg.sh = 0, lockstep{}, false, follow{}, share{}
			dg.levels, dg.un = s.hrN >= levelSamples, 0
			dg.perfused = perfused
			// d0 only from the message just before: s.prev keeps a channel's
			// last value across messages without it, and a pulse offset
			// before a gap in its row would show no jump into the
			// disagreement that follows the gap (review37d). Nor from the
			// last patient's final message: hrN counts this patient's
			// heart rates before this message (hrpr runs before pushHR; a
			// bed turnover starts the series anew, turnover39).
			dg.locked.d0, dg.within = -1, false
			if hp, pp := &s.prev[pHR], &s.prev[q]; s.hrN > 0 && hp.ok && pp.ok && hp.at.Equal(s.prevArrival) && pp.at.Equal(s.prevArrival) {
				dg.locked.d0 = float32(math.Abs(d - (pp.v - hp.v)))
				dg.within = withinAF(hp.v-pp.v, float64(dg.locked.d0), hc.Deficit) && s.jumpedBefore(hc.Irregular)
			}
		}
		dg.locked.see(d, hr.v)
		bigeminy := d < 0 && deficitRatio(pr.v, hr.v)
		dg.locked.vary(d, bigeminy)
		if bigeminy {
			dg.fol.add(hr.v, pr.v)
		}
		if d < 0 {
			dg.sh.add(pr.v / hr.v)
		}
		persisted := dg.n >= hc.MinSamples && arrival.Sub(dg.since) >= hc.Persist
		th := hc.PROverHR
		explained := s.pulseDisturbed(q)
		if d < 0 {
			th = hc.Deficit
			if dg.alone == 0 && dg.onset(s, hr.v, hc.Irregular) {
				dg.alone = -1 // AF began with it: the rhythm changed, not the ECG channel alone
			}
			if persisted && dg.alone == 0 && dg.levels {
				if dg.alone = s.hrAlone(dg.hr, dg.pr, q, -d); dg.alone > 0 && s.afWidens(dg, hc) {
					dg.alone = -3 // AF's own deficit grew with its rate (see afWidens)
					if dg.n > afAbruptN {
						dg.alone = -4 // or wandered with it (see afWanders)
					}
				}
			}
			switch {
			case dg.alone > 0, dg.locked.derived(dg.n):
				// The ECG channel moved alone, or the pulse is computed
				// from it: the whole disagreement is unexplained.
				explained, dg.un, dg.unAt = false, dg.n-1, dg.since
			case dg.alone == -3 && -d > float64(dg.lag)+hc.Deficit:
				// AF's deficit widened with its rate by more than the
				// regular limit beyond its slow level: a heart rate forged
				// up by the issue's 20-50 (or into a bigeminy's share) over
				// the deficit the patient had, not the share of a rise AF
				// leaves unperfused; neither the AF, PVC nor bigeminy
				// allowance takes it (review44b, TestReview44bAFForgedStep).
				th = float64(dg.lag) + hc.Deficit
			case dg.alone == -4 && float64(dg.mid-dg.lag) > afWanders*hc.Deficit:
				// AF's deficit, over the last few minutes, left its slow
				// level by more than its own wandering: a heart rate ramped
				// up over the pulse, the ECG channel moving alone after all
				// (see afWanders; TestAFSlowRampCaught44, review54b).
				dg.alone = 1
				explained, dg.un, dg.unAt = false, dg.n-1, dg.since
			case s.pvcNow && !dg.perfused && pvcExplains(hr.v, pr.v, s.pvcRate) && !dg.fol.oneForOne() && (!dg.sh.low() || s.irregular(hc.Irregular)):
				// The ECG's own count of ectopic beats the pulse missed; not a
				// pulse that follows the heart rate one for one, nor one below
				// any bigeminy's share in a regular rhythm (only AF leaves
				// sinus beats unperfused too): the heart rate minus a number,
				// which the count beside a genuine bigeminy would cover
				// (review43b, TestBigeminyForgeriesBesideItsPVCRate43); nor
				// a deficit that opened beside ectopic beats the pulse had
				// counted (perfused; TestDeficitBesidePerfusedPVCs43).
				explained = true
			case deficitRatio(pr.v, hr.v) && !dg.sh.low():
				explained = !dg.fol.oneForOne() // bigeminy, unless the pulse follows the heart rate one for one
			case s.hrN <= 16 && (s.tracks[pHR].seen <= irregularN+1 || s.tracks[pHR].rough >= 2*hc.Irregular || s.tracks[pHR].roughNow >= hc.Irregular || s.tracks[pHR].relearn > 0 && s.tracks[pHR].relearn <= relearnSkip):
				// Too few samples yet to tell the rhythm: the stream's
				// first, or the first after a gap in the heart rate of a
				// rhythm learned irregular or rough over the last two dozen
				// messages (AF, its electrodes off for a moment; roughNow
				// is not reset by a gap, and an AF begun within the hour
				// has not taught the long-run roughness yet: corpus5
				// training s2 m0137). A heart regular before the gap is
				// judged as one after it: a heart-rate row left out of one
				// message opened any pulse deficit for 16 messages
				// (review37d, TestDeficitAfterHeartGap). After a bed
				// turnover the series and the roughness are the next
				// patient's (newPatient, learnRough): its first three heart
				// rates, before it has a second difference of its own, and
				// then a rhythm its own samples show rough; the last
				// patient's AF opened any deficit for about 20 messages
				// (review36c, turnover39, TestTurnoverForgetsAF).
				explained = true
			case s.irregular(hc.Irregular) || dg.af || s.afQuiet(hc.Irregular) || dg.alone == -2 && s.roughNow(hc.Irregular) || (dg.alone == 0 || dg.alone == -2) && dg.jumpsTogether(s, hr.v, hc.Irregular) || dg.alone <= 0 && dg.within && s.tracks[pHR].roughNow >= hc.Irregular && dg.meanJump(s, hr.v) >= hc.Irregular && float64(dg.locked.dv+dg.locked.d0) >= hc.Irregular*float64(dg.locked.nv+1):
				if th = hc.HROverPR; -d <= th && !(s.neonatal && dg.locked.held(hc.Irregular)) {
					explained = true // AF (on a neonate, a pleth thrown about by crying)
				}
			}
		}
		if !dg.unexplained(explained, arrival, hc) || !persisted || !em.on(rHRPR) {
			continue
		}
		dst = em.add(dst, rHRPR, pHR, hr.seg, hr.at, hr.v, pr.v, th, "", "ECG heart rate and pulse rate disagree persistently")
	}
	return dst
}

// pvcExplains reports a pulse deficit (heart above pulse) that the PVC
// rate of the same message (pvc, PVCRateCode) explains: at least three
// quarters of the deficit and no more than the heart rate. An early
// ectopic beat fills the ventricle too little to make a palpable pulse
// wave; the oximeter and the arterial line miss it while the ECG counts it,
// so the deficit is at most the rate of ectopic beats, which the monitor's
// arrhythmia analysis reports as the PVC rate (trigeminy, AF with ectopy:
// the pulse at 0.60–0.78 of the heart rate, the PVC rate at the deficit;
// session 43, pvc43). A forged pulse or heart rate leaves the PVC count
// where the rhythm had it (0–4 beside every forged deficit of the seven
// generators' training). A PVC rate at the row's ceiling (255) is no count.
func pvcExplains(heart, pulse float64, pvc uint8) bool {
	v := float64(pvc)
	return pvc < math.MaxUint8 && v >= pvcShare*(heart-pulse) && v <= heart
}

// pvcShare is the least share of a pulse deficit a PVC rate that explains
// it reaches (see pvcExplains).
const pvcShare = 0.75

// pvcFeeds judges the current message for pvcFed: 1 when its PVC rate
// could explain a deficit beyond the limit (at least pvcShare of it) while
// every pulse rate sent lies less than half that rate below the heart rate
// (the pulse counted most of the ectopic beats: they came late enough to
// fill the ventricle), -1 when a pulse rate lies that far below or the
// PVC rate is lower, 0 (neither) without a heart rate, a pulse rate or a
// PVC rate. A disagreement that begins after pvcFedN such messages more
// than the others (disagreement.perfused) opened beside ectopic beats the
// pulse had counted, which do not explain it: a pulse forged below the
// heart rate of a patient with frequent perfused PVCs (corpus7 training s4
// m0082, a clean bed: heart 80, pulse 80, PVC rate 37–42) lies beside a
// count that would (review43b, TestDeficitBesidePerfusedPVCs43). The count
// falls with the messages that show the beats not perfused, one a message,
// so that a trigeminy that comes and goes is not judged by the last
// minute's (TestTrigeminyComesAndGoes43).
func (s *stream) pvcFeeds(limit float64) int {
	hr := &s.cur[pHR]
	if !hr.ok || !s.pvcNow || s.pvcRate == math.MaxUint8 {
		return 0
	}
	v, seen := float64(s.pvcRate), false
	for _, q := range [2]param{pPR, pPRInv} {
		if c := &s.cur[q]; c.ok {
			if seen = true; 2*(hr.v-c.v) >= v {
				return -1
			}
		}
	}
	switch {
	case !seen:
		return 0
	case v < pvcShare*limit:
		return -1
	}
	return 1
}

// pvcFedN is how many messages more of a pulse that counted the ectopic
// beats than of one that did not mark them perfused (see pvcFeeds).
const pvcFedN = 12

// afWidens reports a heart rate that rose alone over a pulse deficit an
// irregular rhythm already made (hrAlone's 1; hrpr then takes it as no
// channel moving alone, -3): the pulse rate's smoothed level lay at least
// half the limit below the heart rate's before the disagreement began, and
// so did the deficit's slow level over about the last half hour (lag,
// learnLag: the smoothed levels at a disagreement that began anew a few
// messages after an offset written into a channel already hold most of
// it), and the heart rate had learned an irregular rhythm's roughness (at
// least twice irregular, as afQuiet takes it). In AF the pulse deficit grows
// with the ventricular rate: the faster the rate, the more R-R intervals
// are too short for the ventricle to fill and eject a palpable beat, so a
// rise of the heart rate's level lifts the pulse rate by much less or not
// at all, and a deficit near the limit crosses it. The AF allowance
// (HROverPR) still needs the rhythm irregular now (irregular, afQuiet); a
// heart rate raised over a pulse that agreed with it (a forged offset on
// an AF bed: corpus5 training s2 m0038, the levels 103 and 104 before) or
// over a regular rhythm stays the ECG channel moving alone
// (TestAFDeficitWidens44). A rise hrAlone found within the disagreement's
// first afAbruptN messages is AF's abrupt widening (-3, afwide44); one
// found later is AF's deficit wandering (-4, det54b), allowed only while
// the deficit's level over minutes stays near its slow level (see
// afWanders).
func (s *stream) afWidens(dg *disagreement, hc *HRPRRule) bool {
	return float64(dg.lag) >= hc.Deficit/2 && dg.hr.ok && dg.pr.ok && dg.hr.v-dg.pr.v >= hc.Deficit/2 && s.tracks[pHR].rough >= 2*hc.Irregular
}

// learnLag moves the pulse deficit's slow level (heart rate minus pulse
// rate, see afWidens) towards deficit, the current message's (bounded by
// hr_over_pr), by the share of lagTau the time since the message before
// (dt) makes: an exponential average over about half an hour. A heart rate
// forged up over a pulse that kept up with it finds the slow level where
// the patient's rhythm had it; its own offset takes about 10 minutes to
// teach it half the limit (a 28 offset), by when a disagreement begun anew
// inside it, its smoothed levels already the forged ones, is judged as on
// main (hrAlone undecided; TestAFDeficitWidens44).
func (dg *disagreement) learnLag(deficit float64, dt time.Duration) {
	dg.lag += float32(min(1, dt.Seconds()/lagTau.Seconds()) * (deficit - float64(dg.lag)))
	dg.mid += float32(min(1, dt.Seconds()/midTau.Seconds()) * (deficit - float64(dg.mid)))
}

// lagTau is the time constant of the pulse deficit's slow level (see
// learnLag): half an hour, longer than the forgeries of the issue (5-30
// min) take to teach it half the limit, shorter than the hours an AF
// patient's deficit keeps.
const lagTau = 30 * time.Minute

// midTau is the time constant of the pulse deficit's level over the last
// few minutes (mid, see learnLag): long enough to average AF's beat mix
// (a dozen samples at a 30 s cadence, 300 at 1 s), short enough to follow
// its level as it wanders (see afWanders).
const midTau = 5 * time.Minute

// afAbruptN bounds the messages of a disagreement within which hrAlone
// must have found the heart rate's rise for afWidens (afwide44). AF's
// ventricular rate changes abruptly: conduction through the AV node
// changes with vagal tone, catecholamines (pain, a sedation hold, fever)
// and rate-control drugs wearing off, and its level moves 10-20 within one
// or two messages; the smoothed level (0.3 of each change) then reaches 60 %
// of such a rise within 3-5 messages. A heart rate that climbs steadily for
// the better part of an hour while the pulse stays flat is not AF's deficit
// widening but the ECG channel moving alone: a forged ramp (+26 over 53
// minutes, about 0.25 a message at 30 s) takes 30 or more messages to lift
// the smoothed level by 60 % of a deficit of 15 from where a disagreement
// began, and stays reported as on main (TestAFSlowRampCaught44; hrpr44's
// fresh block lost such an episode). A rise found later is judged by
// afWanders.
const afAbruptN = 8

// afWanders is how far, as a share of the deficit limit, the pulse
// deficit's level over the last few minutes (mid, learnLag) may lie above
// its slow level (lag) in a disagreement whose heart-rate rise hrAlone
// found only after afAbruptN messages over an AF deficit (afWidens'
// conditions; hrpr's -4) before the rise is taken for the ECG channel
// moving alone after all (hrAlone's 1: the whole disagreement unexplained)
// (session 54, det54b; review54b). In established AF a deficit that sits
// about the limit (its slow level 15-21 on corpus7's clean AF beds)
// crosses it again and again; within one long disagreement the smoothed
// heart rate, a minute's beat mix in each sample (its learned roughness
// 19-25), drifts 60 % of the deficit off the level it began at by chance
// while the pulse follows less, and hrAlone's late 1 called the patient's
// own rhythm an ECG channel moving alone (corpus7 training: 15 of its 27
// clean-bed hr_pr_agreement flags). There the deficit's level over minutes
// stays within a few beats of its slow level. A heart rate ramped up over
// the pulse leaves the slow level, an average over lagTau, behind the
// level over midTau by up to rate x (lagTau - midTau): a third of the limit
// (5) at 0.2 a minute. det54b compared one message's smoothed deficit
// (0.3 of its change) with the slow level, a sample at a time against the
// persistence, its cap max(7.5, half the heart rate's learned roughness):
// at a 1 s cadence the scatter broke every run of 90 unexplained samples,
// and the forger writes the roughness; a heart rate forged into AF's
// scatter and a deficit over a sinus pulse, then ramped, passed
// (TestForgedAFRampCaught54). mid averages the scatter out at any cadence
// and the cap is the limit's alone.
const afWanders = 1.0 / 3

// withinAF reports a disagreement that began from a pulse deficit already
// there: in the message before its first sample the pulse rate lay below
// the heart rate by at least half the limit, and the deficit crossed the
// limit by a change (jump) smaller than the limit itself. In AF the pulse
// loses a share of the beats that varies from one minute's beat mix to the
// next, so the deficit dips below the limit now and then and the
// disagreement begins anew inside the same rhythm, its levels before
// already AF's (hrAlone cannot see an onset there, nor jumpsTogether a
// deficit steadier than the heart rate, nor irregular a median change over
// 16 samples that still holds the sinus minutes). hrpr asks it with no
// channel found to have begun the disagreement alone (hrAlone not 1), the
// heart rate rough now (its mean second difference over about the last
// smoothWindow samples, roughNow's, at least Irregular) and jumping since
// (meanJump, at least Irregular), and the deficit varying over the
// disagreement, its change into the first sample included, by Irregular on
// average (as onset asks of AF's deficit: varies): the rhythm the monitor
// has shown goes on, each minute's beat mix losing more or fewer beats. A
// pulse offset just beyond the limit (corpus2's subtle 17) dips to it and
// begins anew from a deficit already there as well, but keeps the two
// sensors' noise.
// hrpr also asks the heart rate to have been irregular before the
// disagreement began (jumpedBefore): a ramped offset under an ECG jittered
// from the ramp's first message begins from a deficit already there too,
// its ramp varying the deficit (review38c, TestWithinAFNotRamped).
// An offset of 30 or more written into one channel jumps into the
// disagreement's first sample by more than the limit from rates that
// agreed; a heart rate replaced by a moving average of itself, its pulse
// still jumping, no longer jumps (TestAFDeficitDipsEveryMinute).
func withinAF(before, jump, lim float64) bool {
	return before >= lim/2 && jump < lim
}

// onsetRough is how many times its own learned roughness (a mean |second
// difference|, about 1.7 times the mean |change| of sensor noise) the heart
// rate's median change reaches at the onset of AF: about twice the
// learned change from sample to sample (see onset).
const onsetRough = 1.2

// onset reports an irregular rhythm that began with the disagreement: AF
// starting makes the heart rate jump and vary from beat to beat, and the
// pulse lose a share of the beats that varies as much, minutes before the
// irregular samples are half of the last 16 (8 min at 30 s). The heart
// rate's median change over its last 8 changes up to the current value h
// (as many as the disagreement's samples when it is longer, at most 16)
// and the deficit's mean change over the disagreement are at least lim and
// about twice the heart rate's own learned variation (onsetRough: a noisy
// regular rhythm is not AF, its variation is the one learned); once seen,
// the rhythm stays irregular for the rest of the disagreement (AF has
// calmer stretches).
func (dg *disagreement) onset(s *stream, h, lim float64) bool {
	th := max(lim, onsetRough*s.tracks[pHR].rough)
	n := min(16, max(8, dg.n)) &^ 1
	if dg.af || s.hrN < n || !dg.locked.varies(th) {
		return dg.af
	}
	var d [16]float64
	for k := range n {
		v := s.hrBack(k)
		d[k], h = math.Abs(h-v), v
	}
	dg.af = medianReaches(d[:n], th)
	return dg.af
}

// jumpsTogether reports a heart rate irregular since the disagreement
// began, with the pulse rate sharing its jumps: the heart rate's median
// change over the disagreement's samples (from the one before it to h, the
// current value; at least three, at most irregularN) reaches lim and
// onsetRough times the rate's own learned roughness and twice the deficit's
// mean change (the deficit changed by at most half as much), the
// change into the disagreement's first sample included (an offset written
// into one channel makes its whole jump there). hrpr asks it of a
// disagreement that no channel began alone (hrAlone 0 or -2). At an AF
// onset sent every 60 s each sample is a new minute's average of the
// irregular beats: the heart rate jumps by 5–25 between most samples from
// the first one on, and the pulse counts the same beats some fewer, while
// irregular's median over the last irregularN changes still holds the
// sinus minutes before it; the onset's first sample often lifts both rates
// with the deficit below the limit, so the disagreement begins with both
// rates already off their levels, hrAlone cannot see the onset (and
// roughNow, asked with its -2 only, is not asked) and onset finds the
// deficit steady (corpus5's clean beds, session 37). A heart rate thrown about alone (ECG noise,
// a forged channel with noise) moves the deficit by as much as it jumps;
// a regular heart with one channel offset changes by its sensor's beat or
// two.
func (dg *disagreement) jumpsTogether(s *stream, h, lim float64) bool {
	n := min(dg.n, irregularN)
	if n < 3 || s.hrN < n { // fewer than three changes are a jump, not a rhythm
		return false
	}
	l := &dg.locked
	if l.nv < 2 || l.d0 < 0 {
		return false
	}
	var d [irregularN]float64
	for k := range n {
		v := s.hrBack(k)
		d[k], h = math.Abs(h-v), v
	}
	// Against the heart rate's median change, not its mean: a lift of both
	// rates into the disagreement's first sample is one change, not the
	// rhythm, and its size must not outweigh the deficit's jump made in
	// the same message (review37d, TestJumpsTogetherNotTheLift).
	return medianReaches(d[:n], max(lim, onsetRough*s.tracks[pHR].rough, 2*float64(l.dv+l.d0)/float64(l.nv+1)))
}

// jumpedBefore reports a heart rate irregular before the disagreement began:
// the median of its last withinBefore changes, up to the message just
// before the disagreement's first sample, at least lim. A disagreement
// begun anew inside AF comes minutes after the rhythm's onset; a forger
// ramping a pulse offset (8, then 20, then 40) under an ECG heart rate
// jittered from the ramp's first message had it begin from a deficit
// already there by less than the limit, and its own ramp made the deficit
// vary (review38c, TestWithinAFNotRamped).
func (s *stream) jumpedBefore(lim float64) bool {
	if s.hrN < withinBefore+1 {
		return false
	}
	var d [withinBefore]float64
	h := s.hrBack(0)
	for k := range withinBefore {
		v := s.hrBack(k + 1)
		d[k], h = math.Abs(h-v), v
	}
	return medianReaches(d[:], lim)
}

// withinBefore is how many of the heart rate's changes before a
// disagreement jumpedBefore judges (half of irregular's).
const withinBefore = irregularN / 2

// meanJump is the heart rate's mean change over the disagreement's samples
// (from the one before it to h, the current value), and over its last three
// changes while the disagreement has fewer samples (see withinAF).
func (dg *disagreement) meanJump(s *stream, h float64) float64 {
	n := min(max(dg.n, 3), irregularN)
	if s.hrN < n {
		return 0
	}
	sum := 0.0
	for k := range n {
		v := s.hrBack(k)
		sum, h = sum+math.Abs(h-v), v
	}
	return sum / float64(n)
}

// afQuiet reports AF whose heart rate changes little between most of its
// latest samples: the heart rate's roughness was learned in an irregular
// rhythm (at least 2 × lim, as decoupled and too_regular take it) and its
// median change over the last irregularN samples still reaches lim/2. A
// monitor averages the irregular beats over several seconds, so AF's rate
// moves by a beat or two between most samples and by a dozen between some:
// its median change dips below lim for minutes while the rhythm stays what
// it was (corpus6's clean beds in AF, session 36, c6hrpr36). A regular
// heart never learns that roughness; a heart rate replaced by a moving
// average of itself, its pulse rate still jumping, has lost the changes the
// rhythm shows now and is still judged (TestAFDeficitQuietChanges). The
// learned roughness outlasts AF (it learns only while the rate is as rough
// now as learned, and a bed turnover keeps it), so the rate must be rough
// now too (roughNow; review36c): a patient converted to sinus rhythm hours
// ago, or the next patient in the bed, is judged as a regular heart
// (TestAFQuietAfterConversion36).
func (s *stream) afQuiet(lim float64) bool {
	return s.tracks[pHR].rough >= 2*lim && s.roughNow(lim)
}

// roughNow reports a heart rate irregular now at half of lim: its median
// change over the last irregularN samples reaches lim/2 and its mean second
// difference over about the last smoothWindow samples reaches lim (half the
// 2 × lim at which a learned roughness is AF's). A sinus rate stepping by a
// beat or two has the median change but not the second differences
// (review36c).
func (s *stream) roughNow(lim float64) bool {
	return s.tracks[pHR].roughNow >= lim && s.irregular(lim/2)
}

// deficitRatio reports a pulse rate at 40–65 % of the heart rate: the
// pulse deficit of bigeminy, where every other beat is not perfused.
func deficitRatio(pulse, heart float64) bool {
	return heart > 0 && pulse >= 0.4*heart && pulse <= 0.65*heart
}

// irregularN is how many of the heart rate's latest changes irregular judges.
const irregularN = 16

// irregular reports whether the heart rate's median absolute change between
// consecutive samples, over the last irregularN, is at least lim.
func (s *stream) irregular(lim float64) bool {
	const n = irregularN
	if s.hrN < n+1 {
		return false
	}
	// The median reaches lim when more than half the changes do and not
	// when fewer do (see medianReaches): pushHR counted them.
	if lim == s.hrLim && s.hrAbove != n/2 {
		return s.hrAbove > n/2
	}
	var d [n]float64
	for k := range d {
		d[k] = math.Abs(s.hrBack(k) - s.hrBack(k+1))
	}
	return medianReaches(d[:], lim)
}

// medianReaches reports whether the median of d reaches lim, as sorting d
// would tell, without the sort. Of an odd count the median is the middle
// value: it reaches lim when more than half the values do. Of an even count
// it is (a+b)/2 of the two middle values a <= b: it reaches lim when both
// do and not when neither does; only when exactly half the values reach lim
// are a (the largest below) and b (the smallest at or above) needed
// (jumpsTogether asks of odd counts too: review37d).
func medianReaches(d []float64, lim float64) bool {
	above, a, b := 0, math.Inf(-1), math.Inf(1)
	for _, v := range d {
		if v >= lim {
			above, b = above+1, min(b, v)
		} else {
			a = max(a, v)
		}
	}
	switch {
	case above > len(d)/2:
		return true
	case above < len(d)/2 || len(d)%2 == 1:
		return false // of an odd count, the middle value is below lim
	}
	return (a+b)/2 >= lim
}

// cuffFloor is the lowest systolic pressure an oscillometric cuff reports,
// in mm[Hg]: the lowest of the vendors' measurement ranges (30 mm[Hg] for
// adults and neonates alike; others start at 40; docs/vitals-history.md, session 15,
// c2miss15). Below it a cuff reports no value.
const cuffFloor = 30

// nibpSoonWindow selects, in stream.nibpSoon, the readings before the
// current one among which a second early reading is a cuff made to report
// faster than it cycles: the last three (at a usual 5–15 min cycle, the
// last 15–45 minutes).
const nibpSoonWindow = 0b111

// statGap is the longest gap between two cuff readings of one series: below
// the shortest automatic interval, one minute on every monitor, by more
// than the few seconds a determination's length varies. Readings closer
// than this come from a STAT (or continuous) mode, which stops after
// NIBPCadenceRule.Stat, or from a cuff made to report more often than it
// measures.
const statGap = 55 * time.Second

// cycleGap is the longest gap between two cuff readings of one series
// judged by its length (NIBPCadenceRule.Stat): a one-minute automatic
// interval with the few seconds a determination's length and its timing by
// message arrival add. Readings this close keep the cuff inflated for much
// of every minute; a STAT series does so for five minutes (ten on some
// monitors), and a bed whose pressure must be known every minute for
// longer is usually given an arterial line (docs/vitals-history.md, session 22).
const cycleGap = 65 * time.Second

// restampJitter is how far a device's repeated stamp of one cuff reading
// (OBX-14) may wander from the reading's first: some exports derive it anew
// for each message from the monitor's relative clock, tens of milliseconds
// off each time (fineJitter, for stamps with a fraction of a second), or
// round it to the second either way (restampJitter, for whole seconds: two
// seconds from one extreme to the other). A cuff takes far longer to measure
// again, so the same values stamped this close are the same reading. A stamp
// that walks away from the reading's own by more, message after message, is
// no rounding (a replay's times rewritten).
const (
	restampJitter = 2 * time.Second
	fineJitter    = 250 * time.Millisecond
)

// clockDrift is how fast two clocks may part: a reading's stamp (OBX-14)
// that a device-integration gateway or an export derives anew for each
// message from the monitor's relative clock walks away from the reading's
// first by the drift between that clock and the one it is mapped onto, one
// way at one rate (about 1 s an hour between a monitor's crystal and a
// gateway's, 0.03 %). 0.1 % (3.6 s an hour) is a clock no one would keep.
// stampQuantum is a millisecond stamp's rounding on each side, and the
// truncation of nibpShown to whole seconds (1 ms at clockDrift).
const (
	clockDrift   = 1e-3
	stampQuantum = 2 * time.Millisecond
)

// stampDrifted reports whether a repeat of the current cuff reading's
// values stamped at is that reading carried on by a drifting clock: a
// stamp with a fraction of a second, moved from the reading's stamp as
// last followed (last) by no more than clockDrift of the time since the
// previous message that showed it (shown, MSH-7 in Unix s; a silence
// counted whole, review41d) plus stampQuantum, and from the reading's own
// stamp as it was new (from) by no more than clockDrift of the time since
// that stamp (to msgTime) plus stampQuantum. A clock walks a few
// milliseconds in a message's interval, smoothly; a stamp rewritten by hand
// (a replay's times jittered) or re-derived with its jitter jumps tens of
// milliseconds either way and is compared with the reading's own time as
// before (sameStamp). The second bound makes the walk a rate: the first
// alone, its quantum allowed in every message, let a stamp walk 0.3 % at a
// message a second and faster as messages come faster (review41d).
// Followed message by message, the drift never adds up to fineJitter
// between two messages (docs/vitals-history.md, session 41).
func stampDrifted(at, last, from, msgTime time.Time, shown uint32) bool {
	if shown == 0 || (at.Nanosecond() == 0 && last.Nanosecond() == 0) {
		return false
	}
	dt := time.Duration(int64(unixSeconds(msgTime))-int64(shown)) * time.Second
	return at.Sub(last).Abs() <= stampQuantum+time.Duration(float64(max(dt, 0))*clockDrift) &&
		at.Sub(from).Abs() <= stampQuantum+time.Duration(float64(max(msgTime.Sub(from), 0))*clockDrift)
}

// sameStamp reports whether cuff stamps a and b can be one reading's time
// re-derived (see restampJitter).
func sameStamp(a, b time.Time) bool {
	tol := restampJitter
	if a.Nanosecond() != 0 || b.Nanosecond() != 0 {
		tol = fineJitter
	}
	return a.Sub(b).Abs() <= tol
}

// nibpRunGap is the longest gap between two cuff readings of one run, for
// the readings cuffBack remembers: the shortest automatic interval but the
// one- to three-minute ones. Readings closer than that (a STAT series, a
// retried or hand-started reading, an interval of a few minutes, or readings
// made to come between the bed's own) are one run, and the memory keeps the
// reading the run began with and the one before it (docs/vitals-history.md,
// session 35: at 10 minutes a bed's hand-started reading 9 minutes before
// its scheduled one hid the scheduled one from it).
const nibpRunGap = 5 * time.Minute

// cuffBack reports whether a new cuff reading measured at at is one the
// monitor had replaced by a newer reading: a monitor repeats its latest
// determination in every message, and a cuff measures one determination at
// a time, so once a newer reading has been shown, an older one does not
// become the latest again. When it does, in a message later by the device's
// own clock than the last one that showed the newer reading (a message
// the device held back through a silence of the link and sends late carries
// its own older time, and is not judged), the readings between were not
// this cuff's: readings put into the feed between the bed's own, which
// comes back when they stop (docs/vitals-history.md, session 35).
//
// Only readings stamped with their measurement time (OBX-14) are judged,
// and only against the two it keeps (nibpKept): the reading the current
// run of readings less than nibpRunGap apart began with, and the one
// before it. One reading is the same time (within restampJitter: some
// devices derive the stamp anew for each message) and the same values
// (cuffPrint). The reading must lie at least a cuff's cycle (cycle) before
// the newer one: a device that derives a reading's stamp anew from its own
// clock moves it by its clock's step (seconds) when the clock is set; and
// the newer reading must have other values: the same values under a later
// stamp are that one reading re-stamped, by a clock set forward and back
// again (a step longer than a cycle and shorter than the messages' interval
// passes the other guards, review35).
//
// A reading that comes late without having been shown before (a reading
// delivered after newer ones) is not judged: it may be a delayed
// delivery of a reading measured then.
func (s *stream) cuffBack(at time.Time, fp uint16, cycle time.Duration, shown uint32, msgTime time.Time) bool {
	if s.nibpAt.Sub(at) < cycle || shown == 0 || unixSeconds(msgTime) <= shown || fp == cuffPrint(s.nibp) {
		return false
	}
	t := at.Unix()
	for i, k := range s.nibpKept {
		if d := t - int64(k); k != 0 && fp == s.nibpKeptFP[i] && d <= int64(restampJitter/time.Second) && d >= -int64(restampJitter/time.Second) {
			return true
		}
	}
	return false
}

// cuffPrint is a 16-bit fingerprint of a cuff reading's three values, for
// cuffBack: one reading shown again has its values; another reading
// stamped within a second or two of it (two determinations a cuff cannot
// make) almost never has all three.
func cuffPrint(v [3]float64) uint16 {
	h := uint64(14695981039346656037)
	for _, x := range v {
		h = (h ^ math.Float64bits(x)) * 1099511628211
	}
	return uint16(h ^ h>>16 ^ h>>32 ^ h>>48)
}

// unixSeconds is t in Unix seconds as a uint32, 0 outside its range (before
// 1970 or after 2106).
func unixSeconds(t time.Time) uint32 {
	if u := t.Unix(); u > 0 && u <= math.MaxUint32 {
		return uint32(u)
	}
	return 0
}

// nibpChecks runs the cuff checks once per new cuff reading (a new OBX-14,
// or new values when there is none); repeats of the last reading are quiet.
func (s *stream) nibpChecks(e *Engine, em *emitter, arrival time.Time, dst []Finding) []Finding {
	sys, dia, mean := &s.cur[pNIBPSys], &s.cur[pNIBPDia], &s.cur[pNIBPMean]
	if !sys.ok && !dia.ok && !mean.ok {
		return dst
	}
	var at time.Time
	for _, r := range [3]*reading{sys, dia, mean} {
		if r.ok && !r.at.IsZero() {
			at = r.at
			break
		}
	}
	// A new reading has new values; the same values under a new OBX-14 are
	// a new reading only when that time is not just the message's own (some
	// devices re-stamp the last reading with each message's time), nor
	// one the reading's own re-derived (sameStamp).
	// A cuff measures no systolic below its floor. A reading whose systolic
	// lies there, in the order a reading keeps (systolic above mean above
	// diastolic), and is a plausible systolic for this patient in another
	// unit of pressure is a whole reading in that unit, mislabelled (kPa as
	// mm[Hg]): reported, and not judged as a reading. A swapped or broken
	// reading is bp_order's; a low reading the arterial line confirms, as
	// labelled, is a very low pressure (a preterm neonate's).
	art := &s.cur[pARTMean]
	confirmed := mean.ok && art.ok && math.Abs(mean.v-art.v) <= e.cfg.Rules.NIBPIBP.Tolerance
	if sys.ok && dia.ok && sys.v > 0 && sys.v < cuffFloor && sys.v > dia.v && (!mean.ok || (mean.v < sys.v && mean.v > dia.v)) && !confirmed {
		cu := e.t.canon[sys.unit]
		if ab, ok := e.otherUnit(pNIBPSys, sys.unit, (sys.v-cu.offset)/cu.scale); ok && ab <= e.limits[s.class()][pNIBPSys].Max {
			if em.on(rUnitMismatch) {
				dst = em.add(dst, rUnitMismatch, pNIBPSys, sys.seg, sys.at, sys.v, ab, cuffFloor, KindIntegrity, "cuff systolic below what a cuff can measure in its declared unit but plausible in another: unit mislabelled")
			}
			return dst
		}
	}
	vals := [3]float64{sys.v, dia.v, mean.v}
	restamped := !at.IsZero() && at.Sub(em.msgTime).Abs() <= 2*time.Second
	// A repeat whose stamp a clock's drift moved since the previous message
	// is the same reading: its time is followed (stampDrifted). statLast is
	// the reading's stamp as it was new (unless it was stamped before the
	// one before it in a series: then it is not followed).
	if s.haveNIBP && vals == s.nibp && !at.IsZero() && !restamped && s.statLast != 0 && stampDrifted(at, s.nibpAt, time.Unix(0, s.statLast), em.msgTime, s.nibpShown) {
		s.nibpAt = at
	}
	isNew := !s.haveNIBP || vals != s.nibp || (!at.IsZero() && !sameStamp(at, s.nibpAt) && !restamped)
	shown := s.nibpShown
	s.nibpShown = unixSeconds(em.msgTime)
	// The readings' arrivals, for a cuff on the arterial line's arm
	// (cuffarm.go): a reading is new there also when it repeats the last
	// one's values under an OBX-14 that changed after staying the same (a
	// device that re-stamps each message changes it every time), and one
	// taken as new above under the OBX-14 already noted (the message's own
	// time has moved on from it) is not noted again.
	changed := at.IsZero() || vals != s.nibp
	if !at.IsZero() {
		ts := uint16(unixSeconds(at))
		if ts != s.cuffTS {
			changed = true
			if s.cuffHeld&cuffStill != 0 && !isNew && s.cuffDue(arrival) {
				s.noteCuff(arrival)
			}
			s.cuffHeld &^= cuffStill
		} else {
			s.cuffHeld |= cuffStill
		}
		s.cuffTS = ts
	}
	if !isNew {
		return dst
	}
	if changed {
		s.noteCuff(arrival)
	}
	stamped := !at.IsZero()
	if !stamped {
		at = arrival
	}
	seg := sys.seg
	if !sys.ok {
		seg = mean.seg
	}
	// A cuff cannot cycle faster than it inflates and deflates, so readings
	// kept sooner than min_interval apart are not the cuff's cycle. One early
	// reading alone is not that: a measurement repeated at once after a
	// disturbed one (motion, a cough) or started by hand on top of the
	// schedule follows the last reading closely once; a cuff made to report
	// faster than it can cycle does so again within a few readings (an early
	// reading slipped in after every other scheduled one included). A new
	// reading stamped shortly before the last one is no cycle either
	// (readings copied with their times jittered).
	//
	// A neonatal or paediatric cuff cycles faster (min_interval_child). A
	// STAT series (readings back to back for five minutes, ten on some
	// monitors) is a cuff's own; readings closer than any automatic interval
	// (statGap) for longer than that are not (stat).
	nc := &e.cfg.Rules.NIBPCadence
	cycle := nc.MinInterval
	if s.neonatal || s.paediatric {
		cycle = nc.MinIntervalChild
	}
	iv := at.Sub(s.nibpAt)
	fp := cuffPrint(vals)
	back := s.haveNIBP && stamped && s.cuffBack(at, fp, cycle, shown, em.msgTime)
	if stamped && (!s.haveNIBP || iv >= nibpRunGap) {
		s.nibpKept, s.nibpKeptFP = [2]uint32{0, unixSeconds(at)}, [2]uint16{0, fp}
		if s.haveNIBP {
			s.nibpKept[0], s.nibpKeptFP[0] = unixSeconds(s.nibpAt), cuffPrint(s.nibp)
		}
	}
	soon := s.haveNIBP && iv != 0 && iv.Abs() < cycle
	soonAgain := soon && s.nibpSoon&nibpSoonWindow != 0
	s.nibpSoon <<= 1
	if soon {
		s.nibpSoon |= 1
	}
	inSeries := s.haveNIBP && iv < statGap
	// A series is timed from its latest reading: a reading stamped before
	// the one before it (a scheduled reading among readings made to come
	// between its cycles) neither ends the series nor moves its end.
	run := time.Duration(at.UnixNano() - s.statLast)
	inRun := s.haveNIBP && s.statLast != 0 && run < cycleGap
	switch {
	case !inRun:
		s.statFrom = 0
	case s.statFrom == 0:
		s.statFrom = s.statLast
	}
	if !inRun || run > 0 {
		s.statLast = at.UnixNano()
	}
	series := time.Duration(at.UnixNano() - s.statFrom)
	switch {
	case !em.on(rNIBPCadence):
	case back:
		dst = em.add(dst, rNIBPCadence, pNIBPMean, seg, at, -iv.Seconds(), 0, cycle.Seconds(), "", "cuff reading the monitor had replaced by newer ones came back: the newer ones were not its cuff's")
	case soonAgain:
		dst = em.add(dst, rNIBPCadence, pNIBPMean, seg, at, iv.Seconds(), 0, cycle.Seconds(), "", "new cuff reading sooner than a cuff can cycle")
	case inRun && s.statFrom != 0 && series > nc.Stat:
		dst = em.add(dst, rNIBPCadence, pNIBPMean, seg, at, series.Seconds(), iv.Seconds(), nc.Stat.Seconds(), "", "cuff readings a minute apart or closer for longer than a STAT series lasts")
	}
	// A cuff reading is one measurement: its values do not change while its
	// measurement time (OBX-14) stays. Only values present in both count (a
	// row left out is not a change), and a time without seconds may be a
	// device's minute-precision stamp, which two readings of a stat series
	// can share.
	if s.haveNIBP && iv == 0 && stamped && !at.Equal(at.Truncate(time.Minute)) && em.on(rNIBPCadence) {
		for k, v := range vals {
			if v != 0 && s.nibp[k] != 0 && v != s.nibp[k] {
				dst = em.add(dst, rNIBPCadence, pNIBPMean, seg, at, 0, 0, e.cfg.Rules.NIBPCadence.MinInterval.Seconds(), "", "cuff values changed under the same measurement time (OBX-14)")
				break
			}
		}
	}
	s.nibpAt, s.nibp, s.haveNIBP = at, vals, true

	ni := &e.cfg.Rules.NIBPIBP
	if mean.ok && art.ok && !s.flushed() && !s.damped() { // a line showing no patient pressure is not compared
		if math.Abs(mean.v-art.v) > ni.Tolerance && math.Abs(mean.v-art.v+s.lineOff()) > ni.Tolerance {
			s.nibpBad++
		} else {
			s.nibpBad = 0
		}
		if int(s.nibpBad) >= ni.Readings && em.on(rNIBPIBP) {
			dst = em.add(dst, rNIBPIBP, pNIBPMean, mean.seg, at, mean.v, art.v, ni.Tolerance, "", "cuff and arterial mean pressure disagree over consecutive cuff readings")
		}
		if !inSeries && s.cuffComparable(sys, dia, mean, art) { // a series' readings (STAT) are one measurement of the difference, not several
			dst = s.cuffOffset(em, ni, mean, art, at, dst)
			dst = s.cuffCmH2O(em, ni, sys, dia, mean, art, arrival.UnixNano(), at, dst)
		}
	}
	return s.bp(e, em, pNIBPSys, pNIBPDia, pNIBPMean, false, dst)
}

// bp checks one SYS/DIA/MEAN triple: ordering, MAP formula and pulse
// pressure. Latched triples (the
// continuous arterial line) must fail in two consecutive messages and report
// an episode once; cuff readings are judged one by one.
func (s *stream) bp(e *Engine, em *emitter, ps, pd, pm param, latched bool, dst []Finding) []Finding {
	sys, dia, mean := &s.cur[ps], &s.cur[pd], &s.cur[pm]
	if !sys.ok || !dia.ok {
		return dst
	}
	fire := func(r ruleID, cond bool) bool {
		if !latched {
			return cond && em.on(r)
		}
		// A continuous line must show it twice in a row: single noisy beats
		// and one-message artefacts do not count.
		prev := s.bpPrev&(1<<r) != 0
		s.bpPrev &^= 1 << r
		if cond {
			s.bpPrev |= 1 << r
		}
		return cond && prev && em.on(r)
	}
	rc := &e.cfg.Rules
	pp := sys.v - dia.v
	flat := mean.ok && sys.v == dia.v && dia.v == mean.v
	if latched && (lineArtefact(sys.v, dia.v, mean.v, mean.ok) || s.flushed()) {
		s.bpPrev = 0
		s.shape.skip()
		return dst // flush, zeroing or blood sampling: the line shows no pulse
	}
	order := !flat && (pp <= 0 || (mean.ok && (mean.v > sys.v || mean.v < dia.v)))
	if fire(rBPOrder, order) {
		o := dia.v
		if mean.ok && pp > 0 {
			o = mean.v
		}
		dst = em.add(dst, rBPOrder, ps, sys.seg, sys.at, sys.v, o, 0, "", "systolic, mean and diastolic pressure out of order")
	}
	mapBad := false
	var est float64
	if mean.ok && !order && !flat {
		mr := &rc.MAPFormula
		est = dia.v + 0.4*pp
		f := (mean.v - dia.v) / pp
		// An oscillometric cuff measures the mean (the oscillations' peak)
		// and derives systolic and diastolic from it: a neonate's or a
		// child's measured mean sits lower in its pulse than an adult's
		// (child_form_min).
		lo := mr.FormMin
		if !latched && (s.neonatal || s.paediatric) {
			lo = mr.ChildFormMin
		}
		form := pp >= mr.MinPulsePressure && (f < lo || f > mr.FormMax)
		if !latched && pp >= mr.MinPulsePressure && !s.form.low(f, mr.FormMax) && f < lo {
			form = false // within the bed's own scatter of its derived pressures
		}
		if !latched && pp >= narrowCuffPulse && pp < mr.MinPulsePressure && f > narrowFormMax {
			form = true // a narrow pulse's measured mean at its systolic
		}
		if form && !latched && s.cuffMeanOnLine(mean.v) {
			form = false // the measured mean is the patient's; its derived pressures are the algorithm's
		}
		mapBad = math.Abs(mean.v-est) > mr.Tolerance || form
	}
	if fire(rMAP, mapBad) {
		dst = em.add(dst, rMAP, pm, mean.seg, mean.at, mean.v, est, rc.MAPFormula.Tolerance, "", "mean pressure inconsistent with systolic and diastolic")
	}
	if latched && mean.ok && !order && !flat && !s.damped() {
		if want, bound, now := s.shape.judge(sys.v, dia.v, mean.v, em.arrival.UnixNano()); now && em.on(rMAP) {
			dst = em.add(dst, rMAP, pm, mean.seg, mean.at, mean.v, want, bound, "", "arterial mean moved off its own waveform: its systolic and diastolic did not follow")
		}
	} else if latched {
		s.shape.skip()
	}
	// A narrow arterial pulse pressure is damping, an artefact, not a
	// manipulation (and a flat line is skipped above); a cuff reading is
	// held to SYS = DIA = MAP.
	narrow := !order && flat
	wide := !order && pp > rc.PulsePressure.Max
	if fire(rPulsePressure, narrow || wide) {
		expl := "pulse pressure implausibly narrow for the systolic pressure (damped, flushed or zeroed line?)"
		if wide {
			expl = "pulse pressure implausibly wide"
		}
		dst = em.add(dst, rPulsePressure, ps, sys.seg, sys.at, pp, sys.v, rc.PulsePressure.Max, "", expl)
	}
	return dst
}

// For a cuff reading whose pulse pressure is below map_formula's
// min_pulse_pressure (a neonate's, a child's, a shocked adult's), where the
// form-factor window is not applied: from narrowCuffPulse mmHg of pulse, a
// measured mean above narrowFormMax of its pulse over the diastolic (within
// one to three mmHg of the systolic) is no oscillometric mean. The cuff
// measures the mean at the oscillations' peak and derives the systolic
// above it and the diastolic below, and the mean lies nearer the diastolic
// (clean cuffs of the training seeds with a pulse of 10-29 mmHg: form
// factors up to 0.79; forged means 0.95-0.96). The low side is not judged
// there: a preterm neonate's rounded mean meets its diastolic (46/32, mean
// 32; docs/vitals-history.md, session 20), and below narrowCuffPulse the rounding
// reaches the systolic too.
const (
	narrowCuffPulse = 16
	narrowFormMax   = 0.88
)

// cuffLineAgree is how close (mmHg) a cuff's mean must lie to the arterial
// line's mean in the same message for the line to confirm it: the genuine
// readings outside the form factor window on the training corpora lay 0–6
// mmHg from the line's mean, the forged cuff means beside a line 15–69.
const cuffLineAgree = 8

// cuffMeanOnLine reports whether the arterial line in the current message,
// showing a patient pressure (not flushed, zeroed or damped), has a mean
// within cuffLineAgree of the cuff's mean. An oscillometric cuff measures
// the mean (the cuff pressure of the largest oscillation) and derives the
// systolic and diastolic from it by fixed ratios of that peak, which vary
// with the artery's compliance and the pulse pressure: a mean the line
// confirms is the patient's, and a form factor outside the window is then
// the derivation's, not a forged mean (map_formula's window stays quiet;
// its tolerance still applies).
func (s *stream) cuffMeanOnLine(cuffMean float64) bool {
	sys, dia, mean := &s.cur[pARTSys], &s.cur[pARTDia], &s.cur[pARTMean]
	if !sys.ok || !dia.ok || !mean.ok || s.flushed() || s.damped() || lineArtefact(sys.v, dia.v, mean.v, true) {
		return false
	}
	return math.Abs(cuffMean-mean.v) <= cuffLineAgree
}

// lineArtefact reports an arterial line that shows no pulse: systolic,
// diastolic and mean within a few mmHg of one another (a flush at the bag
// pressure, zeroing to atmosphere, a closed stopcock while sampling). The
// values are then not blood pressures at all, so no pressure rule applies.
func lineArtefact(sys, dia, mean float64, haveMean bool) bool {
	lo, hi := min(sys, dia), max(sys, dia)
	if haveMean {
		lo, hi = min(lo, mean), max(hi, mean)
	}
	return hi-lo <= max(6, 0.05*hi)
}

// frozen flags a stream whose continuous parameters all stop changing.
func (s *stream) frozen(e *Engine, em *emitter, arrival time.Time, dst []Finding) []Finding {
	fc := &e.cfg.Rules.Frozen
	var mask uint32
	same := true
	for i, p := range continuous {
		r := &s.cur[p]
		if !r.ok {
			continue
		}
		mask |= 1 << i
		if s.frozenMask&(1<<i) == 0 || s.frozenRef[i] != r.v {
			same = false
		}
	}
	if mask != s.frozenMask || !same {
		s.frozenMask, s.frozenSince, s.frozenN = mask, arrival, 1
		for i, p := range continuous {
			s.frozenRef[i] = s.cur[p].v
		}
	} else {
		s.frozenN++
	}
	cond := same && mask == s.frozenMask && s.frozenN >= fc.MinSamples &&
		arrival.Sub(s.frozenSince) >= fc.Duration && bits.OnesCount32(mask) >= fc.MinParameters
	if cond && em.on(rFrozen) {
		dst = em.add(dst, rFrozen, pNone, 0, time.Time{}, float64(s.frozenN), float64(bits.OnesCount32(mask)), fc.Duration.Seconds(), "", "every continuous parameter unchanged for longer than a live patient allows")
	}
	return dst
}

// regular flags heart-rate data too exact or too smooth to be measured: ECG
// heart rate identical to the pulse rate sample after sample, or a moving
// heart rate without the sample-to-sample noise of a real measurement.
func (s *stream) regular(e *Engine, em *emitter, dst []Finding) []Finding {
	rc := &e.cfg.Rules.TooRegular
	hr, pr := &s.cur[pHR], &s.cur[pPR]
	if !hr.ok {
		s.hrN, s.eqN, s.hrAbove = 0, 0, 0
		return dst
	}
	s.pushHR(hr.v, e.cfg.Rules.HRPR.Irregular)
	if pr.ok && pr.v == hr.v {
		s.eqN++
	} else {
		s.eqN = 0
	}
	cond := false
	var rough float64
	if s.hrN >= rc.Window {
		lo, hi := math.Inf(1), math.Inf(-1)
		var sum, peak float64
		flat := 0
		for k := range rc.Window {
			v := s.hrBack(k)
			lo, hi = min(lo, v), max(hi, v)
			if k >= 1 && v == s.hrBack(k-1) {
				flat++
			}
			if k >= 2 {
				v1, v2 := s.hrBack(k-1), s.hrBack(k-2)
				d2 := math.Abs(v2 - 2*v1 + v)
				sum, peak = sum+d2, max(peak, d2)
			}
			// The sum, the peak and the flat count only grow: once the
			// window cannot be smooth, and the pulse rate is not the same
			// sample after sample, cond is false (a measured rate's noise
			// shows within a few samples).
			if s.eqN < rc.Window && (peak > 2 || flat >= rc.Window/2 || sum/float64(rc.Window-2) >= rc.MaxRoughness) {
				break
			}
		}
		rough = sum / float64(rc.Window-2)
		// Smooth: small mean second difference, not one jump beyond
		// quantisation, and moving most of the time (noise has jumps; a
		// paced rhythm is mostly flat).
		smooth := rough < rc.MaxRoughness && peak <= 2 && flat < rc.Window/2
		cond = hi-lo >= rc.MinRange && (smooth || s.eqN >= rc.Window)
	}
	if cond && em.on(rRegular) {
		expl := "heart rate moves without measurement noise"
		if s.eqN >= rc.Window {
			expl = "ECG heart rate and pulse rate identical sample after sample"
		}
		dst = em.add(dst, rRegular, pHR, hr.seg, hr.at, rough, float64(s.eqN), rc.MaxRoughness, "", expl)
	} else if lag, distinct := s.periodic(); lag > 0 && em.on(rRegular) {
		dst = em.add(dst, rRegular, pHR, hr.seg, hr.at, float64(lag), float64(distinct), periodRun, "", "heart rate repeats its own recent values exactly: a looped or periodic generator")
	}
	return dst
}

// hrBack returns the heart rate k samples before the newest (0 <= k <
// min(hrN, historyLen)); the index is unsigned, so the ring's modulo is one
// mask.
func (s *stream) hrBack(k int) float64 { return s.hr[uint(s.hrN-1-k)%historyLen] }

// pushHR adds a heart rate to the ring and counts, per lag l of periodic,
// the latest samples in a row equal to the one l earlier (hrRep), and marks
// the lags where they reach periodRun (hrFull), so that periodic reads a
// mask instead of comparing the runs at every lag each message. A comparison with a sample from before the series began (hrN
// was reset, or the ring not yet filled) may count too: periodic judges a
// lag only when l + periodRun <= hrN, and then the latest periodRun
// comparisons all lay within the series.
//
// It also counts, of the changes between the last irregularN + 1 samples,
// those of at least lim (hrAbove, for irregular): the change into v joins,
// the one irregularN changes back leaves.
func (s *stream) pushHR(v, lim float64) {
	s.hr[s.hrN%historyLen] = v
	s.hrN++
	if s.hrLim != lim {
		s.hrLim, s.hrAbove = lim, 0
		for k := range min(s.hrN-1, irregularN) {
			if math.Abs(s.hrBack(k)-s.hrBack(k+1)) >= lim {
				s.hrAbove++
			}
		}
	} else {
		if s.hrN >= 2 && math.Abs(v-s.hrBack(1)) >= lim {
			s.hrAbove++
		}
		if s.hrN >= irregularN+2 && math.Abs(s.hrBack(irregularN)-s.hrBack(irregularN+1)) >= lim {
			s.hrAbove--
		}
	}
	// Without branches (a moving heart rate equals an earlier one at random,
	// which no predictor guesses): the count goes up, or to 0 where v differs.
	var full uint32
	last := uint(s.hrN - 1)
	for l := periodMinLag; l <= periodMaxLag; l++ {
		c := min(s.hrRep[l-periodMinLag]+1, periodRun)
		if v != s.hr[(last-uint(l))%historyLen] {
			c = 0
		}
		s.hrRep[l-periodMinLag] = c
		if c == periodRun {
			full |= 1 << l
		}
	}
	s.hrFull = full
}

// periodic reports the lag, in samples, at which the last periodRun heart
// rates repeat earlier ones exactly, and how many distinct values they
// hold; lag 0 when they repeat none. Only runs that move (at least
// periodDistinct distinct values) count: a measured rate that moves does
// not repeat a dozen of its values in order, a looped table or a periodic
// curve sampled at a multiple of its period does.
func (s *stream) periodic() (lag, distinct int) {
	if s.hrN < periodRun+periodMinLag {
		return 0, 0
	}
	// The lags judged: l + periodRun <= min(hrN, historyLen); the shortest one wins.
	judged := uint32(1)<<(min(s.hrN, historyLen)-periodRun+1) - 1
	if s.hrFull&judged == 0 {
		return 0, 0
	}
	lag = bits.TrailingZeros32(s.hrFull & judged)
	var run [periodRun]float64
	for k := range run {
		run[k] = s.hrBack(k)
	}
	slices.Sort(run[:])
	distinct = 1
	for k := 1; k < periodRun; k++ {
		if run[k] != run[k-1] {
			distinct++
		}
	}
	if distinct < periodDistinct {
		return 0, distinct
	}
	return lag, distinct
}

const (
	periodRun      = 12                     // heart rates that must repeat in order
	periodDistinct = 6                      // distinct values among them
	periodMinLag   = 4                      // shortest lag judged, in samples
	periodMaxLag   = historyLen - periodRun // longest: the run and its repeat within the ring
)

// replayWindow flags a run of messages whose continuous values repeat an
// earlier run exactly. Runs with few distinct samples (plateaus) are skipped.
func (s *stream) replayWindow(e *Engine, em *emitter, dst []Finding) []Finding {
	rw := &e.cfg.Rules.ReplayWindow
	if !em.on(rReplayWindow) {
		return dst
	}
	if lag, win, ok := s.nearReplay(em.arrival); ok {
		dst = em.add(dst, rReplayWindow, pNone, 0, time.Time{}, float64(win), float64(lag), replayMinLag, "", "a run of values repeats an earlier stretch, within a small jitter")
	}
	var h uint64
	for i, p := range continuous {
		if r := &s.cur[p]; r.ok {
			h = mix(h ^ mix(uint64(i+1)<<56^math.Float64bits(r.v)))
		}
	}
	distinct := s.pushTuple(h, rw.Samples)
	if distinct < rw.MinDistinct {
		return dst
	}
	win := mix(s.runSum)
	repeat := s.wins.find(win) >= 0 || s.farRepeat(win)
	if repeat && em.on(rReplayWindow) {
		dst = em.add(dst, rReplayWindow, pNone, 0, time.Time{}, float64(rw.Samples), float64(distinct), float64(rw.MinDistinct), "", "a run of values repeats an earlier run exactly")
	}
	s.wins.push(win)
	return dst
}

// farRuns is how many run fingerprints far keeps: with every farEvery-th
// run kept, at least replayHorizon (2 h 30 min) of them at the device's
// cadence (at 10 s, every 2nd; at 3 s, every 8th; at 1 s, every 32nd).
// 6 KiB per monitor (4 KiB of fingerprints, 2 KiB of index).
const farRuns = 512

// farRepeat reports whether run, the latest run's fingerprint, repeats
// one far keeps, and keeps it if it is the farEvery-th since the last kept.
// The exact repeat (wins) reaches back history (360) runs, 30 min at 5 s
// and 18 min at 3 s: a quiet patient's stretch, too still for the near
// replay to tell a copy from chance, copied exactly an hour or two later
// went unseen (corpus3 training seed 7 m0110, 111 min at 3 s; seed 10
// m0030, 42 min at 5 s). Of a copy of farEvery + samples − 1 messages or
// more, some run is one far kept.
func (s *stream) farRepeat(run uint64) bool {
	found := s.far.find(run) >= 0
	if s.farIn++; int(s.farIn) >= farEvery(s.replay.k) {
		s.farIn = 0
		s.far.push(run)
	}
	return found
}

// farEvery returns how many runs far keeps one of, twice the near
// replay's k (1 while it learns the cadence): farRuns of them span
// replayHorizon at the device's cadence, as replayHist of k do.
func farEvery(k uint8) int { return 2 * int(max(k, 1)) }

// runBase is the base of the polynomial a run of tuples is summed in: odd,
// so that its powers modulo 2⁶⁴ are too.
const runBase = 0x9e3779b97f4a7c15

// pushTuple adds h, a message's tuple, to the ring and returns how many
// distinct tuples the last n (the run, n <= historyLen) hold, 0 while fewer
// than n have come. The run's fingerprint is kept as it moves, rather than
// hashed anew from its n tuples every message: runSum is the sum of its
// tuples t times runBase to the power of how many messages are newer than t
// (wrapping arithmetic), so the newest tuple enters and the one n back leaves
// with a multiplication each; equal runs have equal sums, and mix(runSum) is
// the run's fingerprint. A tuple counts as distinct when no equal one lies
// before it in the run: the distance back to the last equal tuple within n is
// found once, as the tuple is added (tupleDup), instead of comparing the
// run's tuples pairwise every message.
func (s *stream) pushTuple(h uint64, n int) (distinct int) {
	i := uint(s.tupleN)
	var out uint64 // the tuple leaving the run
	if s.tupleN >= n {
		out = s.tuples[(i-uint(n))%historyLen]
	}
	s.runSum = s.runSum*runBase + h - out*s.runPow
	dup := uint8(0)
	for j := uint(1); j < uint(n) && j <= i; j++ {
		if s.tuples[(i-j)%historyLen] == h {
			dup = uint8(j)
			break
		}
	}
	s.tuples[i%historyLen], s.tupleDup[i%historyLen] = h, dup
	s.tupleN++
	if s.tupleN < n {
		return 0
	}
	for k := range uint(n) {
		// The tuple k back is distinct when its last equal one lies before the run.
		if d := uint(s.tupleDup[(i-k)%historyLen]); d == 0 || d > uint(n)-1-k {
			distinct++
		}
	}
	return distinct
}

// mix is the SplitMix64 finaliser: a fast, well-distributed 64-bit mix.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
