package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// AckMode says how a Station answers each message.
type AckMode struct {
	Code   hl7.AckCode   // MSA-1 of the answer: AA, AE or AR
	Delay  time.Duration // wait this long before answering
	Silent bool          // never answer
	Close  bool          // close the connection instead of answering
}

// ErrBadAckMode means an ack mode string could not be parsed.
var ErrBadAckMode = errors.New("load: bad ack mode")

// ParseAckMode reads an ack mode: "AA", "AE", "AR", "slow:<duration>" (AA
// after a delay, e.g. slow:50ms), "silent" or "close".
func ParseAckMode(s string) (AckMode, error) {
	switch strings.ToUpper(s) {
	case "AA", "":
		return AckMode{Code: hl7.AA}, nil
	case "AE":
		return AckMode{Code: hl7.AE}, nil
	case "AR":
		return AckMode{Code: hl7.AR}, nil
	case "SILENT":
		return AckMode{Silent: true}, nil
	case "CLOSE":
		return AckMode{Close: true}, nil
	}
	if d, ok := strings.CutPrefix(s, "slow:"); ok {
		delay, err := time.ParseDuration(d)
		if err != nil || delay < 0 {
			return AckMode{}, fmt.Errorf("ack mode %q: %w", s, ErrBadAckMode)
		}
		return AckMode{Code: hl7.AA, Delay: delay}, nil
	}
	return AckMode{}, fmt.Errorf("ack mode %q (want AA, AE, AR, slow:<duration>, silent or close): %w", s, ErrBadAckMode)
}

// String returns the form ParseAckMode reads.
func (m AckMode) String() string {
	switch {
	case m.Silent:
		return "silent"
	case m.Close:
		return "close"
	case m.Delay > 0:
		return "slow:" + m.Delay.String()
	}
	return string(m.Code)
}

// StationStats are a Station's counters.
type StationStats struct {
	Received    uint64 `json:"received"`    // messages recorded
	BadFrames   uint64 `json:"bad_frames"`  // frames that did not parse as HL7 (answered AR, not recorded)
	Connections uint64 `json:"connections"` // connections accepted in total
	Open        int64  `json:"open"`        // connections open now
	ConnErrors  uint64 `json:"conn_errors"` // connections that ended with an error other than EOF
	AckMode     string `json:"ack_mode"`    // current answer
}

// Station is a simulated central station. It accepts MLLP connections,
// answers each message according to its AckMode and records a hash of every
// message it receives, in arrival order, for Verify. It is safe for
// concurrent use.
type Station struct {
	// MaxFrame bounds one message; 0 means 1 MiB.
	MaxFrame int

	mode        atomic.Pointer[AckMode]
	mu          sync.Mutex
	recs        [][]Record // in chunks of recordChunk: appending never copies what is recorded
	nrecs       int
	badFrames   atomic.Uint64
	connections atomic.Uint64
	open        atomic.Int64
	connErrors  atomic.Uint64
}

// NewStation returns a Station that answers with mode.
func NewStation(mode AckMode) *Station {
	s := &Station{}
	s.SetAckMode(mode)
	return s
}

// SetAckMode changes how the following messages are answered.
func (s *Station) SetAckMode(m AckMode) { s.mode.Store(&m) }

func (s *Station) maxFrame() int {
	if s.MaxFrame > 0 {
		return s.MaxFrame
	}
	return 1 << 20
}

// Serve accepts connections on ln until ctx is done, then closes ln and
// every connection and returns nil once all have ended. It returns an
// accept error other than the listener's closing.
func (s *Station) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("station accept: %w", err)
		}
		s.connections.Add(1)
		s.open.Add(1)
		wg.Go(func() {
			defer s.open.Add(-1)
			closeOnDone := context.AfterFunc(ctx, func() { c.Close() })
			defer closeOnDone()
			defer c.Close()
			if err := s.serveConn(ctx, c); err != nil && ctx.Err() == nil {
				s.connErrors.Add(1)
			}
		})
	}
}

// serveConn reads, records and answers messages on one connection until the
// peer closes it (nil) or an error occurs.
func (s *Station) serveConn(ctx context.Context, c net.Conn) error {
	// Answers are queued and written just before the station would wait for more input, so a
	// client that sends several messages at once (a pipelining gateway) gets their ACKs in one write,
	// and a stop-and-wait client gets each ACK at once.
	w := &flushWriter{c: c}
	defer w.flush() // what was answered before a read error still goes out
	r := mllp.NewReader(w, s.maxFrame())
	var (
		m    hl7.Message
		ack  []byte
		idb  []byte
		nAck uint64
	)
	for {
		frame, err := r.ReadFrame()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := m.Parse(frame); err != nil {
			s.badFrames.Add(1)
			ack = hl7.AppendNak(ack[:0], frame, hl7.Ack{Code: hl7.AR, ErrorCode: 100, Reason: "unparseable message", Time: time.Now()})
			if err := w.queue(ack); err != nil {
				return err
			}
			continue
		}
		mode := s.mode.Load()
		rec := Record{ID: hash64(m.ControlID()), Sum: hash64(frame), Answer: NoAck}
		if !mode.Silent && !mode.Close {
			rec.Answer = outcomeOf(mode.Code)
		}
		s.mu.Lock()
		s.record(rec)
		s.mu.Unlock()
		switch {
		case mode.Close:
			return w.flush()
		case mode.Silent:
			continue
		}
		if mode.Delay > 0 {
			if err := w.flush(); err != nil {
				return err
			}
			t := time.NewTimer(mode.Delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		nAck++
		idb = strconv.AppendUint(append(idb[:0], 'S'), nAck, 10)
		a := hl7.Ack{Code: mode.Code, ControlID: string(idb), Time: time.Now()}
		if mode.Code != hl7.AA {
			a.ErrorCode, a.Reason = 207, "simulated station error"
		}
		ack = hl7.AppendAck(ack[:0], &m, a)
		if err := w.queue(ack); err != nil {
			return err
		}
	}
}

// flushWriter queues MLLP frames for a connection and writes them all when the connection's reader
// is about to read from it.
type flushWriter struct {
	c   net.Conn
	out []byte
}

// queue appends p, framed, to the frames waiting to be written.
func (w *flushWriter) queue(p []byte) (err error) {
	w.out, err = mllp.AppendFrame(w.out, p)
	return err
}

// flush writes the queued frames.
func (w *flushWriter) flush() error {
	if len(w.out) == 0 {
		return nil
	}
	_, err := w.c.Write(w.out)
	w.out = w.out[:0]
	return err
}

// Read flushes the queued frames, then reads from the connection.
func (w *flushWriter) Read(p []byte) (int, error) {
	if err := w.flush(); err != nil {
		return 0, err
	}
	return w.c.Read(p)
}

// recordChunk is how many records the Station keeps per chunk.
const recordChunk = 1 << 16

// record appends rec; the caller holds s.mu.
func (s *Station) record(rec Record) {
	if n := len(s.recs); n == 0 || len(s.recs[n-1]) == recordChunk {
		s.recs = append(s.recs, make([]Record, 0, recordChunk))
	}
	last := &s.recs[len(s.recs)-1]
	*last = append(*last, rec)
	s.nrecs++
}

// Records returns a copy of every message recorded so far, in arrival order.
func (s *Station) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Record, 0, s.nrecs)
	for _, c := range s.recs {
		out = append(out, c...)
	}
	return out
}

// Stats returns the station's counters.
func (s *Station) Stats() StationStats {
	s.mu.Lock()
	n := s.nrecs
	s.mu.Unlock()
	return StationStats{
		Received:    uint64(n),
		BadFrames:   s.badFrames.Load(),
		Connections: s.connections.Load(),
		Open:        s.open.Load(),
		ConnErrors:  s.connErrors.Load(),
		AckMode:     s.mode.Load().String(),
	}
}

// Handler serves the station's state over HTTP, for a monitors process to
// verify against:
//
//	GET  /records          every record in arrival order (WriteRecords form)
//	GET  /stats            StationStats as JSON
//	POST /ackmode?mode=AE  change the answer (ParseAckMode form)
func (s *Station) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /records", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		WriteRecords(w, s.Records()) // an error here is the client going away
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Stats())
	})
	mux.HandleFunc("POST /ackmode", func(w http.ResponseWriter, r *http.Request) {
		m, err := ParseAckMode(r.FormValue("mode"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.SetAckMode(m)
		fmt.Fprintln(w, m)
	})
	return mux
}

// FetchRecords gets a remote station's records from its Handler at baseURL
// (e.g. "http://127.0.0.1:9200").
func FetchRecords(ctx context.Context, baseURL string) ([]Record, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(baseURL, "/")+"/records", nil)
	if err != nil {
		return nil, fmt.Errorf("fetch station records: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch station records: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch station records: http status %d", resp.StatusCode)
	}
	recs, err := ReadRecords(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("fetch station records: %w", err)
	}
	return recs, nil
}
