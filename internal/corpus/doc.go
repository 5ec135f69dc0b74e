// Package corpus generates a labelled, deterministic corpus of ICU monitor
// feeds (HL7 v2 ORU^R01 in IHE PCD-01 style) for testing vital-sign
// manipulation detection, and scores a detector's findings against it.
//
// The generator is blind to any detector: it is built from its own
// physiological model (coupled adult and neonatal vital signs, genuine
// clinical events and artefacts) and its own catalogue of manipulations.
//
// Typical use:
//
//	sum, err := corpus.Generate(corpus.Config{Seed: 1, Dir: "out"}) // defaults: 150 monitors, 4 h
//	...
//	sc, err := corpus.Score("out", findings) // findings: io.Reader of JSON lines {"file","message"}
//	sc.WriteText(os.Stdout)
//
// # Files written to the output directory
//
// mon-NNNN.hl7: one file per monitor, or per aggregating device gateway
// carrying several beds (then NNNN is its first bed's number and the beds
// numbered after it have no file of their own). Each message is its segments,
// each ended by CR ("\r"), followed by one LF ("\n"); no MLLP framing. The
// messages are in arrival order at the gateway.
//
// labels.jsonl: one Label per message, in file order then message order.
// message is the 1-based position of the message in its file.
//
// monitors.jsonl: one MonitorInfo per monitor (bed).
//
// With Config.NoForge the corpus is the unforged twin of the same config:
// each episode is planned and placed but not written, so every message is
// the genuine one (byte-identical to the forged corpus outside the
// episodes), every bed is clean and a bed dealt a kind keeps it in
// PlannedKind. No manipulation inserts or removes a message, so message N
// of a file is message N of its twin.
//
// # Episodes and scoring
//
// A manipulated monitor carries exactly one episode of one Kind; every
// message inside the episode has that kind as its label, all others are
// labelled "clean". Score counts an episode detected when any of its messages,
// or a message of the same monitor within the grace after it (the
// GraceMessages next messages, or messages arriving up to GraceTime after the
// episode's last message, whichever reaches further), has a finding.
package corpus
