package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/internal/findingjson"
	"github.com/hl7gate/hl7gate/policy"
	"github.com/hl7gate/hl7gate/policy/inventory"
)

// The gateway's per-message work for the uring engine (hl7load relay --engine uring --check), done on the
// ring's thread through the project's public packages as gateway/session.go's handle does it: the MLLP frame
// read by an mllp.Reader, hl7 Message.Parse, the body check, the device inventory's sighting
// (Identity.Update, Inventory.ObserveNext), the policy chain (the allowlist router, then the vital-sign
// engine keyed by the monitor's source address), the annotated copy when a rule asks for one, and the
// monitor's answer: the station's ACK relayed as it came when it answers this message's control ID, the
// gateway's own AE otherwise (hl7.AppendAck, hl7.AppendNak). The configuration is test/bench's
// hl7gate.yaml: listener "bench" (127.0.0.0/8), station "central", route "vitals" (ORU^R01, ORU^R40),
// every check at its default.
//
// Not done here that the gateway does per message: Prometheus counters and the latency histogram, the
// store's monitor record and aggregated events for rejections and findings (counted here instead), the
// rate-limited log lines, the export of events, deadlines (idle, frame, ACK timeout), queued routes,
// fan-out to several stations and ORU^R40 alerts (off by default).

// Errors of a station's answer, as the gateway's (gateway/station.go, stationconn.go; unexported there).
var (
	errAckMismatch  = errors.New("acknowledgement does not match the message control id")
	errAckMalformed = errors.New("station reply is not an acknowledgement")
	errSecondCommit = errors.New("second commit acknowledgement for one message")
)

// gwChecks is the gateway's configuration and shared state for every pair of every ring.
type gwChecks struct {
	ctx      context.Context
	listener string
	allow    []netip.Prefix
	body     bool
	limits   hl7.BodyLimits
	maxFrame int
	noCR     bool
	chain    policy.Chain
	inv      *inventory.Inventory
	ackID    atomic.Uint64 // the gateway's own ACKs' control IDs

	rejected, refused, findings, watchlist, stationNaks atomic.Uint64

	outMu sync.Mutex
	out   *json.Encoder // --findings: one line per message; nil: none
}

// newGWChecks builds the checks of test/bench's hl7gate configuration toward station; findings, when not
// nil, gets one JSON line per message (checkLine).
func newGWChecks(ctx context.Context, station string, findings io.Writer) (*gwChecks, error) {
	cfg := config.Default() // every vital-sign check on
	cfg.Listeners = []config.ListenerConfig{{Name: "bench", Address: "127.0.0.1:0", AllowSources: []string{"127.0.0.0/8"}}}
	cfg.Stations = []config.StationConfig{{Name: "central", Address: station}}
	cfg.Routes = []policy.RouteConfig{{Name: "vitals", Match: policy.MatchConfig{MessageTypes: []string{"ORU^R01", "ORU^R40"}},
		Stations: []string{"central"}}}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lc := cfg.Listeners[0]
	c := &gwChecks{ctx: ctx, listener: lc.Name, body: lc.BodyChecks.On(), limits: lc.BodyChecks.Limits(),
		maxFrame: lc.MaxFrame, noCR: lc.TolerateMissingCR}
	for _, s := range lc.AllowSources {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		c.allow = append(c.allow, p.Masked())
	}
	router, err := policy.NewRouter(cfg.Routes, []string{"central"}, []string{lc.Name})
	if err != nil {
		return nil, err
	}
	v, err := policy.NewVitals(cfg.Vitals.Config)
	if err != nil {
		return nil, err
	}
	c.chain = policy.Chain{router, v}
	wl, err := inventory.NewWatchlist(cfg.Inventory.Watchlist)
	if err != nil {
		return nil, err
	}
	c.inv = inventory.New(cfg.Inventory.MaxDevices, wl)
	if findings != nil {
		c.out = json.NewEncoder(findings)
	}
	return c, nil
}

// admits reports whether the listener's allow_sources hold src (the gateway's admission, per connection).
func (c *gwChecks) admits(src netip.Addr) bool {
	for _, p := range c.allow {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// ringFeed is what a pair's mllp.Reader reads: the bytes of the ring's latest receive, then
// mllp.ErrWouldBlock until the next.
type ringFeed struct{ b []byte }

// Read implements io.Reader.
func (f *ringFeed) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, mllp.ErrWouldBlock
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

// pairCheck is a monitor connection's per-message state, as a gateway session's.
type pairCheck struct {
	src          netip.Addr
	mfeed, sfeed ringFeed
	mr, sr       *mllp.Reader // the monitor's frames; the station's answers
	msg, ack     hl7.Message
	req          policy.Request
	v            policy.Verdict
	ident        inventory.Identity
	invLast      inventory.Last
	msgType      string
	out          []byte // the annotated copy
	fwd          []byte // the framed message to the station
	reply        []byte // the gateway's own answer (unframed)
	ans          []byte // the station's answer to relay (unframed; aliases sr's buffer)
	n            int    // frames read on this connection
	ctrl         []byte // the forwarded message's MSH-10
	wantApp      bool
	committed    bool
}

func (c *gwChecks) newPairCheck(src netip.Addr) *pairCheck {
	pc := &pairCheck{src: src}
	pc.mr = mllp.NewReader(&pc.mfeed, c.maxFrame)
	pc.mr.TolerateMissingCR = c.noCR
	pc.sr = mllp.NewReader(&pc.sfeed, mllp.DefaultMaxFrame)
	return pc
}

// What handle leaves to do with a frame.
const (
	chkNone    = iota // no answer (a truncated frame, a monitor's ACK): read the next frame
	chkAnswer         // answer the monitor with pc.reply, the gateway's own
	chkForward        // send pc.fwd to the station, relay its answer
)

// handle is gateway/session.go's handle for the frame (or frame error ferr) that arrived at now.
func (c *gwChecks) handle(pc *pairCheck, now time.Time, frame []byte, ferr error) int {
	pc.n++
	pc.v.Findings = pc.v.Findings[:0]
	switch {
	case errors.Is(ferr, mllp.ErrTruncated):
		c.rejected.Add(1)
		return chkNone
	case errors.Is(ferr, mllp.ErrFrameTooLarge):
		return c.nak(pc, now, frame, "message exceeds the size limit")
	case errors.Is(ferr, mllp.ErrMissingCR):
		return c.nak(pc, now, frame, "malformed MLLP frame")
	}
	if err := pc.msg.Parse(frame); err != nil {
		return c.nak(pc, now, frame, "message header could not be parsed")
	}
	if pc.msg.IsAck() {
		c.rejected.Add(1)
		return chkNone
	}
	if c.body {
		if err := pc.msg.CheckBody(c.limits); err != nil {
			var be *hl7.BodyError
			code := hl7.CodeDataType
			if errors.As(err, &be) {
				code = be.ErrorCode()
			}
			return c.ownAck(pc, now, hl7.AE, code, "message body refused: "+strings.TrimPrefix(err.Error(), "hl7: "))
		}
	}
	c.observe(pc, now)
	pc.req = policy.Request{Listener: c.listener, Source: pc.src, Msg: &pc.msg, Arrival: now, Station: -1}
	c.chain.Evaluate(c.ctx, &pc.req, &pc.v)
	c.findings.Add(uint64(len(pc.v.Findings)))
	if c.out != nil {
		c.record(pc, now)
	}
	if pc.v.Drop {
		return c.ownAck(pc, now, pc.v.Code, pc.v.ErrorCode, pc.v.Reason)
	}
	out := frame
	if annotated, ok := pc.v.AppendAnnotated(pc.out[:0], &pc.msg); ok {
		pc.out, out = annotated, annotated
	}
	fwd, err := mllp.AppendFrame(pc.fwd[:0], out)
	if err != nil { // a framing byte inside the message: the gateway's exchange fails likewise
		return c.ownAck(pc, now, hl7.AE, hl7.CodeInternalError, "central station did not accept the message")
	}
	pc.fwd, pc.ctrl, pc.wantApp, pc.committed = fwd, pc.msg.ControlID(), pc.msg.WantsAppAck(), false
	return chkForward
}

// observe files the message's device in the inventory, as the gateway's session.observe.
func (c *gwChecks) observe(pc *pairCheck, now time.Time) {
	same := !pc.ident.Update(&pc.msg)
	typ, trig, _ := pc.msg.MessageType()
	if have := pc.msgType; len(have) != len(typ)+1+len(trig) || have[:len(typ)] != string(typ) || have[len(typ)] != '^' ||
		have[len(typ)+1:] != string(trig) {
		pc.msgType = string(typ) + "^" + string(trig)
	}
	if hit := c.inv.ObserveNext(&pc.invLast, &pc.ident, same, inventory.Sighting{Time: now, Addr: pc.src,
		Listener: c.listener, MessageType: pc.msgType}); hit != nil {
		c.watchlist.Add(1)
	}
}

// nak answers a frame that could not be handled, as the gateway's session.nak.
func (c *gwChecks) nak(pc *pairCheck, now time.Time, frame []byte, text string) int {
	c.rejected.Add(1)
	code := hl7.AE
	var m hl7.Message
	if m.Parse(frame) == nil && m.WantsAcceptAck() {
		code = hl7.CE
	}
	pc.reply = hl7.AppendNak(pc.reply[:0], frame, hl7.Ack{Code: code, ErrorCode: hl7.CodeSegmentSequence, Reason: text,
		ControlID: c.nextControlID(), Time: now})
	return chkAnswer
}

// ownAck answers the parsed message with the gateway's own negative ACK, as the gateway's session.ownAck.
func (c *gwChecks) ownAck(pc *pairCheck, now time.Time, code hl7.AckCode, errCode int, text string) int {
	c.rejected.Add(1)
	if pc.msg.WantsAcceptAck() {
		switch code {
		case hl7.AE:
			code = hl7.CE
		case hl7.AR:
			code = hl7.CR
		}
	}
	pc.reply = hl7.AppendAck(pc.reply[:0], &pc.msg, hl7.Ack{Code: code, ErrorCode: errCode, Reason: text,
		ControlID: c.nextControlID(), Time: now})
	return chkAnswer
}

// stationFailed is the answer to a message whose station exchange failed: the gateway's AE (its
// delivery.on_failure default, nak).
func (c *gwChecks) stationFailed(pc *pairCheck) {
	c.ownAck(pc, time.Now(), hl7.AE, hl7.CodeInternalError, "central station did not accept the message")
}

func (c *gwChecks) nextControlID() string {
	return "HL7GATE" + strconv.FormatUint(c.ackID.Add(1), 10)
}

// answer takes one frame of the station's answer to pc's message, as the gateway's stationConn.answer: it
// reports whether it is the answer (in pc.ans), or an error: malformed, another message's, a second commit.
// A commit accept when the monitor wants an application ACK is not the answer: the next frame is awaited.
func (c *gwChecks) answer(pc *pairCheck, frame []byte) (done bool, code hl7.AckCode, err error) {
	var id []byte
	switch {
	case mllp.IsCommitACK(frame):
		code = hl7.CA
	case mllp.IsCommitNAK(frame):
		code = hl7.CE
	default:
		if pc.ack.Parse(frame) != nil {
			return false, "", errAckMalformed
		}
		var ok bool
		if code, id, ok = hl7.ParseAck(&pc.ack); !ok {
			return false, "", errAckMalformed
		}
		if id == nil {
			id = []byte{}
		}
		if !bytes.Equal(id, pc.ctrl) {
			return false, "", errAckMismatch
		}
	}
	if pc.committed && (id == nil || code == hl7.CA) {
		return false, "", errSecondCommit
	}
	if code == hl7.CA && pc.wantApp {
		pc.committed = true
		return false, code, nil
	}
	if !code.Positive() {
		c.stationNaks.Add(1)
	}
	pc.ans = frame
	return true, code, nil
}

// isCommit reports whether code is a commit ACK's: the gateway never reuses a station connection after one.
func isCommit(code hl7.AckCode) bool { return code == hl7.CA || code == hl7.CE || code == hl7.CR }

// checkLine is one line of --findings: a message's position on its connection, its source, its arrival
// (so that the file is also an --arrival file for `hl7gate check`) and its findings in check's fields.
type checkLine struct {
	File     string                `json:"file"` // the monitor's source address
	Message  int                   `json:"message"`
	Arrival  time.Time             `json:"arrival"`
	Findings []findingjson.Finding `json:"findings,omitempty"`
}

// record writes the message's line to --findings.
func (c *gwChecks) record(pc *pairCheck, now time.Time) {
	l := checkLine{File: pc.src.String(), Message: pc.n, Arrival: now}
	for _, f := range pc.v.Findings {
		l.Findings = append(l.Findings, findingjson.From(&f))
	}
	c.outMu.Lock()
	defer c.outMu.Unlock()
	c.out.Encode(l)
}

// summary is the checks' counts for the relay's last log line.
func (c *gwChecks) summary() string {
	return fmt.Sprintf("checks: %d findings, %d rejected, %d station NAKs, %d refused connections, %d watchlist hits",
		c.findings.Load(), c.rejected.Load(), c.stationNaks.Load(), c.refused.Load(), c.watchlist.Load())
}
