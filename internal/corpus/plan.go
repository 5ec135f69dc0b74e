package corpus

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Kind is a manipulation kind, the label of every message inside its episode.
type Kind string

// The manipulation kinds.
const (
	Spike          Kind = "spike"                // 1–3 messages of an implausible excursion in HR, SpO2 or RR
	Frozen         Kind = "frozen"               // one channel stuck at a constant while the others move
	Replay         Kind = "replay"               // earlier data of the same monitor re-sent with jitter, new IDs and times
	Drift          Kind = "drift"                // one parameter drifting over 10–60 min, decoupled
	TooSmooth      Kind = "too_smooth"           // channels replaced by a low-amplitude moving-average forgery
	DupControlID   Kind = "duplicate_control_id" // an earlier MSH-10 reused with new content
	Step           Kind = "step"                 // sudden sustained step in ABP, RR or HR
	UnitMislabel   Kind = "unit_mislabel"        // etCO2 in kPa labelled mmHg
	OutOfRange     Kind = "out_of_range"         // physically impossible values
	HRPRMismatch   Kind = "hr_pr_mismatch"       // PR 30–50 off HR with a regular rhythm
	BPInconsist    Kind = "bp_inconsistent"      // sys < dia, or mean outside [dia, sys]
	TimeBackwards  Kind = "time_backwards"       // MSH-7/OBX-14 jump back
	TimeFuture     Kind = "time_future"          // timestamps well ahead of arrival
	IdentitySwitch Kind = "identity_switch"      // another patient's identity mid-stream, no admission
	NIBPCadence    Kind = "nibp_cadence"         // NIBP changing every message, faster than a cuff cycles
)

// Kinds lists every manipulation kind in a fixed order.
var Kinds = []Kind{Spike, Frozen, Replay, Drift, TooSmooth, DupControlID, Step, UnitMislabel, OutOfRange,
	HRPRMismatch, BPInconsist, TimeBackwards, TimeFuture, IdentitySwitch, NIBPCadence}

// Config sets the size and shape of a corpus. Zero fields take the defaults
// shown.
type Config struct {
	Seed        uint64    // everything is derived from it
	Dir         string    // output directory (created)
	Monitors    int       // beds, 150
	Hours       float64   // per monitor, 4
	Start       time.Time // earliest monitor start, 2026-01-15T06:00:00Z
	Clean       float64   // share of entirely clean monitors, 1/3
	Gateways    int       // aggregating gateway files, 2 (0 with NoGateways)
	GatewayBeds int       // beds per gateway file, 4
	NoGateways  bool      // no gateway files
	Workers     int       // parallel monitor simulations, GOMAXPROCS
	// NoForge writes the unforged twin: every episode planned and placed but not written, so the corpus
	// is byte-identical to the forged one outside the episodes and every bed is clean.
	NoForge bool
}

func (c *Config) defaults() error {
	if c.Monitors == 0 {
		c.Monitors = 150
	}
	if c.Hours == 0 {
		c.Hours = 4
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2026, 1, 15, 6, 0, 0, 0, time.UTC)
	}
	if c.Clean == 0 {
		c.Clean = 1.0 / 3
	}
	if c.Gateways == 0 && !c.NoGateways {
		c.Gateways = 2
	}
	if c.GatewayBeds == 0 {
		c.GatewayBeds = 4
	}
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("dir: required"))
	}
	if c.Monitors < 1 || c.Monitors > 9999 {
		errs = append(errs, fmt.Errorf("monitors: %d not in 1..9999", c.Monitors))
	}
	if c.Hours < 0.5 || c.Hours > 72 {
		errs = append(errs, fmt.Errorf("hours: %g not in 0.5..72", c.Hours))
	}
	if c.Clean < 0 || c.Clean > 1 {
		errs = append(errs, fmt.Errorf("clean: %g not in 0..1", c.Clean))
	}
	if c.Gateways*c.GatewayBeds > c.Monitors {
		c.Gateways = c.Monitors / c.GatewayBeds
	}
	return errors.Join(errs...)
}

// monPlan is one bed's static description, fixed before simulation.
type monPlan struct {
	n        int    // 1-based bed number
	id       string // "m0001"
	file     string // "mon-0001.hl7"
	eui      string // EUI-64 of the device (MSH-3, OBX-18)
	app      string // MSH-3 first component
	neonatal bool
	lay      *layout
	cadence  time.Duration
	start    time.Time
	dur      time.Duration
	hasABP   bool
	hasCO2   bool
	co2KPa   bool   // etCO2 genuinely sent in kPa (and labelled so)
	nibpMode string // "repeat", "restamp" or "once"
	nibpInt  time.Duration
	holder   string        // placeholder for "not measured": "omit", "empty" or a number
	skew     time.Duration // device clock minus true time
	skewRate float64       // extra skew per hour, seconds
	kind     Kind          // "" when clean
	subtle   bool          // the episode is of the subtle strength
	episode  int
	seed     uint64
	unit     string // PV1-3 point of care
}

// cadences and their weights: the share of monitors sending every so many seconds.
var cadences = []struct {
	every  time.Duration
	weight float64
}{
	{time.Second, 0.015}, {2 * time.Second, 0.025}, {5 * time.Second, 0.08}, {10 * time.Second, 0.18},
	{15 * time.Second, 0.15}, {30 * time.Second, 0.25}, {60 * time.Second, 0.30},
}

func pickCadence(rng *rand.Rand) time.Duration {
	x := rng.Float64()
	for _, c := range cadences {
		if x < c.weight {
			return c.every
		}
		x -= c.weight
	}
	return cadences[len(cadences)-1].every
}

// plan builds every bed's description: which beds are clean, which kind each
// manipulated bed carries (every kind on at least floor(manipulated/15)
// beds), and the device and patient class of each.
func plan(cfg Config) []*monPlan {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	n := cfg.Monitors
	nClean := int(math.Round(float64(n) * cfg.Clean))
	// Kinds are dealt round-robin over a shuffled list of the manipulated beds.
	order := rng.Perm(n)
	kinds := make([]Kind, n)
	kindOrder := make([]Kind, len(Kinds))
	copy(kindOrder, Kinds)
	rng.Shuffle(len(kindOrder), func(i, j int) { kindOrder[i], kindOrder[j] = kindOrder[j], kindOrder[i] })
	for i, bed := range order[nClean:] {
		kinds[bed] = kindOrder[i%len(kindOrder)]
	}
	gwFirst := n - cfg.Gateways*cfg.GatewayBeds // beds from here on sit behind gateways
	var plans []*monPlan
	seen := map[Kind]int{} // beds of each kind so far: two in five are subtle
	for i := range n {
		m := &monPlan{
			n:    i + 1,
			id:   fmt.Sprintf("m%04d", i+1),
			file: fmt.Sprintf("mon-%04d.hl7", i+1),
			eui:  fmt.Sprintf("00A0%04X%08X", i+1, rng.Uint32()),
			kind: kinds[i],
			seed: rng.Uint64(),
		}
		if m.kind != "" {
			m.episode = i + 1
			m.subtle = seen[m.kind]%5 == 1 || seen[m.kind]%5 == 3
			seen[m.kind]++
		}
		m.neonatal = rng.Float64() < 0.3
		m.cadence = pickCadence(rng)
		m.lay = layouts[rng.IntN(len(layouts)-1)] // the last layout is the gateway's
		if i >= gwFirst {
			g := (i - gwFirst) / cfg.GatewayBeds
			m.lay = gatewayLayout
			m.file = fmt.Sprintf("mon-%04d.hl7", gwFirst+g*cfg.GatewayBeds+1)
			m.app = fmt.Sprintf("GW%02d_BED%d", g+1, (i-gwFirst)%cfg.GatewayBeds+1)
		} else {
			m.app = m.lay.app
		}
		m.dur = time.Duration(cfg.Hours * float64(time.Hour))
		m.start = cfg.Start.Add(time.Duration(rng.IntN(600)) * time.Second)
		m.hasABP = rng.Float64() < pickF(m.neonatal, 0.3, 0.55)
		m.hasCO2 = rng.Float64() < pickF(m.neonatal, 0.35, 0.4)
		m.co2KPa = m.lay.kpaOK && rng.Float64() < 0.5
		m.nibpMode = m.lay.nibp
		m.nibpInt = pick[time.Duration](rng, 5, 10, 15, 15, 15, 30, 30, 60) * time.Minute
		m.holder = pick(rng, m.lay.holders...)
		m.skew = time.Duration(rng.NormFloat64()*1.5*float64(time.Second)) + pick[time.Duration](rng, 0, 0, 0, 0, 8, -12, 25)*time.Second
		m.skewRate = rng.NormFloat64() * 0.5
		if m.neonatal {
			m.unit = "NICU"
		} else {
			m.unit = pick(rng, "ICU1", "ICU2", "CCU")
		}
		m.require(rng)
		plans = append(plans, m)
	}
	return plans
}

// require gives the bed what its kind needs: etCO2 in mmHg to mislabel,
// a cadence well below a cuff cycle to change NIBP every message.
func (m *monPlan) require(rng *rand.Rand) {
	switch m.kind {
	case UnitMislabel:
		m.hasCO2, m.co2KPa = true, false
	case NIBPCadence:
		m.cadence = pick(rng, 2*time.Second, 5*time.Second, 5*time.Second, 10*time.Second, 10*time.Second)
	}
}

func pickF(neonatal bool, neo, adult float64) float64 {
	if neonatal {
		return neo
	}
	return adult
}
