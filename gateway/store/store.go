// Package store keeps the gateway's live state in memory: the monitors seen, the central stations and
// their health, recent events (policy, vital-sign findings, refused connections) and the aggregated
// egress attempts of the monitor segment. Stations and egress aggregates live in go-memdb (this is the
// only package that imports it); the monitors, written twice per connection, are a map, and the events, a
// numbered log that drops its oldest, are a ring: a go-memdb write copies the path of its radix tree, 5 KB
// of garbage per monitor update and 15 KB per event at 5,000 monitors, which a switch's 5,000 connections
// closing at once turned into 100 MB (BENCHMARKS.md, tenth round, open loop).
//
// Readers get copies; nothing a reader holds changes under it. Nothing here holds patient data.
//
//	st, _ := store.New(10000)
//	st.AddEvent(store.Event{Kind: store.KindPolicy, Reason: "no route to an allowlisted station"})
//	evs := st.Events("", 0, 100)
package store

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// ErrNotFound is returned for an object that is not in the store.
var ErrNotFound = errors.New("store: not found")

// Table and index names.
const (
	tableStations = "stations"
	tableEgress   = "egress"
	indexID       = "id"
)

// Event kinds.
const (
	KindPolicy     = "policy"     // a message rejected by the gateway's policy or parser
	KindVitals     = "vitals"     // a vital-sign finding
	KindConnection = "connection" // a connection refused (source not allowed, limits)
	KindSession    = "session"    // a monitor connection that carried messages ended (the device's connection timeline)
	KindDelivery   = "delivery"   // a message no station accepted
	KindEgress     = "egress"     // a monitor-segment attempt to reach anything but hl7gate (first of its pair)
	KindGateway    = "gateway"    // the gateway started, stopped or reloaded its configuration
	KindWatchlist  = "watchlist"  // a device matched the vulnerable-model watchlist (once per device)
	KindFirewall   = "firewall"   // the nftables containment rules in force changed state (missing, foreign, modified, unknown, intact)
	KindThrottle   = "throttle"   // a source over its listener's max_source_rate: its messages handled later, none refused
)

// Monitor is one monitor as the gateway sees it: a source address on a listener.
type Monitor struct {
	ID                 string    `json:"id"` // listener/source
	Listener           string    `json:"listener"`
	Source             string    `json:"source"`
	SendingApplication string    `json:"sending_application,omitempty"`
	SendingFacility    string    `json:"sending_facility,omitempty"`
	Equipment          string    `json:"equipment,omitempty"` // OBX-18 equipment instance id
	FirstSeen          time.Time `json:"first_seen"`
	LastSeen           time.Time `json:"last_seen"`
	Messages           uint64    `json:"messages"`
	Errors             uint64    `json:"errors"`
	Connections        int       `json:"open_connections"` // filled in by the gateway from its live connections; 0 in the store
}

// Station is one allowlisted central station and its health.
type Station struct {
	Name       string    `json:"name"`
	Address    string    `json:"address"`
	Up         bool      `json:"up"`
	LastError  string    `json:"last_error,omitempty"`
	LastChange time.Time `json:"last_change"`
	// LatencyMS is the round trip of the station's last acknowledged message, in milliseconds (0 before
	// the first). Queue counts the messages waiting in its background queue as a secondary station
	// (store-mode queues are per route: /api/queues). Both are filled when the admin API reads them.
	LatencyMS float64 `json:"latency_ms"`
	Queue     int     `json:"queue"`
}

// Event is one thing worth telling an operator. Fields that do not apply stay empty.
type Event struct {
	ID         uint64    `json:"id"`
	Time       time.Time `json:"time"`
	Kind       string    `json:"kind"`
	Severity   string    `json:"severity"`
	Listener   string    `json:"listener,omitempty"`
	Source     string    `json:"source,omitempty"`
	Station    string    `json:"station,omitempty"`
	SendingApp string    `json:"sending_application,omitempty"`
	Equipment  string    `json:"equipment,omitempty"`
	ControlID  string    `json:"control_id,omitempty"` // MSH-10
	Rule       string    `json:"rule,omitempty"`
	Parameter  string    `json:"parameter,omitempty"`
	Value      *float64  `json:"value,omitempty"`
	Other      *float64  `json:"other,omitempty"`
	Threshold  *float64  `json:"threshold,omitempty"`
	ObservedAt time.Time `json:"observed_at,omitzero"`
	Reason     string    `json:"reason"`
	// Count, FirstSeen and LastSeen aggregate repeats of the same event (one source, one kind, one
	// reason): the gateway stores the first and folds the repeats in. Zero for an event not aggregated.
	Count     uint64    `json:"count,omitempty"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
}

// Egress is the aggregate of one kind of attempt across the monitor segment's boundary: a monitor trying one
// destination and port, or (protocol "inbound-...") one sender trying a monitor's port. Monitor is the monitor
// either way, so that a device's attempts group under it; Destination and Port are where the packets went.
type Egress struct {
	Key                string    `json:"-"`
	Monitor            string    `json:"monitor"`
	SendingApplication string    `json:"sending_application,omitempty"`
	Equipment          string    `json:"equipment,omitempty"`
	Destination        string    `json:"destination"`      // the monitor itself for inbound traffic (protocol "inbound-...")
	Source             string    `json:"source,omitempty"` // the sender of inbound traffic; empty for a monitor's own
	Protocol           string    `json:"protocol"`
	Port               uint16    `json:"port,omitempty"`
	Count              uint64    `json:"count"`
	FirstSeen          time.Time `json:"first_seen"`
	LastSeen           time.Time `json:"last_seen"`
	Watchlist          bool      `json:"watchlist"`
	LooksLikeHL7       bool      `json:"looks_like_hl7"`
	Severity           string    `json:"severity"`
}

// EgressKey is the aggregation key of an egress attempt.
func EgressKey(monitor netip.Addr, protocol string, dst netip.Addr, port uint16) string {
	return fmt.Sprintf("%s|%s|%s|%d", monitor, protocol, dst, port)
}

// OverflowKey is the key of the egress aggregate that counts attempts to further destinations once the
// table is full, so that a monitor spraying addresses cannot grow the state without bound.
const OverflowKey = "overflow"

// Store is the live state. It is safe for concurrent use.
type Store struct {
	db        *memdb.MemDB // stations and egress aggregates
	maxEvents int
	egressN   int  // egress aggregates stored; read and written only inside write transactions
	sink      Sink // set before use; nil: events live only here

	monMu    sync.RWMutex
	monitors map[string]Monitor

	evMu      sync.RWMutex
	events    []Event // a ring: event ID n is at events[(n-1)%maxEvents]; grows to maxEvents, then wraps
	lastEvent uint64  // the latest event's ID; 0 before the first
}

// Sink receives every event the store records, numbered, in ID order (e.g. gateway/journal, which keeps
// them on disk). Append is called inside the store's write transaction: it must not block.
type Sink interface {
	Append(Event)
}

// SetSink makes every event recorded from now on go to sink as well. Call it before the store is used.
func (s *Store) SetSink(sink Sink) { s.sink = sink }

func schema() *memdb.DBSchema {
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		tableStations: stringTable(tableStations, "Name"),
		tableEgress:   stringTable(tableEgress, "Key"),
	}}
}

func stringTable(name, field string) *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: name,
		Indexes: map[string]*memdb.IndexSchema{
			indexID: {Name: indexID, Unique: true, Indexer: &memdb.StringFieldIndex{Field: field}},
		},
	}
}

// New returns an empty store that keeps at most maxEvents recent events and at most maxEvents egress
// aggregates (beyond that, new destinations are counted under OverflowKey).
func New(maxEvents int) (*Store, error) {
	if maxEvents < 1 {
		return nil, fmt.Errorf("store: maxEvents %d must be at least 1", maxEvents)
	}
	db, err := memdb.NewMemDB(schema())
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &Store{db: db, maxEvents: maxEvents, monitors: map[string]Monitor{}}, nil
}

// UpdateMonitor applies fn to the monitor with id (a zero Monitor with ID set when it is new) and stores
// the result, at once: no other write or read of the monitors comes between.
func (s *Store) UpdateMonitor(id string, fn func(Monitor) Monitor) {
	s.monMu.Lock()
	defer s.monMu.Unlock()
	cur, ok := s.monitors[id]
	if !ok {
		cur = Monitor{ID: id}
	}
	next := fn(cur)
	next.ID = id
	s.monitors[id] = next
}

// Monitor returns one monitor, or ErrNotFound.
func (s *Store) Monitor(id string) (Monitor, error) {
	s.monMu.RLock()
	defer s.monMu.RUnlock()
	m, ok := s.monitors[id]
	if !ok {
		return Monitor{}, ErrNotFound
	}
	return m, nil
}

// Monitors returns every monitor, ordered by ID.
func (s *Store) Monitors() []Monitor { return s.MonitorsSnapshot()() }

// MonitorsSnapshot takes a snapshot of the monitors at once (a copy) and returns a function that lists
// it, ordered by ID, so that a caller can take it under its own lock and sort it outside.
func (s *Store) MonitorsSnapshot() func() []Monitor {
	s.monMu.RLock()
	ms := make([]Monitor, 0, len(s.monitors))
	for _, m := range s.monitors {
		ms = append(ms, m)
	}
	s.monMu.RUnlock()
	return sync.OnceValue(func() []Monitor { // sorted once, however often and from wherever it is called
		slices.SortFunc(ms, func(a, b Monitor) int { return strings.Compare(a.ID, b.ID) })
		return ms
	})
}

// SetStation stores a station's state.
func (s *Store) SetStation(st Station) {
	txn := s.db.Txn(true)
	defer txn.Abort()
	if err := txn.Insert(tableStations, &st); err == nil {
		txn.Commit()
	}
}

// DeleteStation forgets a station (no longer configured).
func (s *Store) DeleteStation(name string) {
	txn := s.db.Txn(true)
	defer txn.Abort()
	if _, err := txn.DeleteAll(tableStations, indexID, name); err == nil {
		txn.Commit()
	}
}

// Stations returns every station, ordered by name.
func (s *Store) Stations() []Station { return all[Station](s, tableStations) }

// AddEvent stores e with the next ID (returned) and drops the oldest events beyond the limit.
func (s *Store) AddEvent(e Event) uint64 {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	s.lastEvent++
	e.ID = s.lastEvent
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	// IDs are dense and one event goes in at a time, so the newest takes the oldest's place.
	if len(s.events) < s.maxEvents {
		s.events = append(s.events, e)
	} else {
		s.events[s.slot(e.ID)] = e
	}
	if s.sink != nil {
		s.sink.Append(e) // under the write lock: the sink sees the events in ID order
	}
	return e.ID
}

// slot is where the event with ID id is (or goes) in s.events.
func (s *Store) slot(id uint64) int { return int((id - 1) % uint64(s.maxEvents)) }

// firstEvent is the ID of the oldest event kept (lastEvent+1 when none is). Under evMu.
func (s *Store) firstEvent() uint64 { return s.lastEvent - uint64(len(s.events)) + 1 }

// UpdateEvent replaces the stored event with e.ID (an aggregate's new count), if it is still stored:
// an event already dropped for its age stays dropped. It keeps the event's place in the order.
func (s *Store) UpdateEvent(e Event) {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	if e.ID < s.firstEvent() || e.ID > s.lastEvent {
		return
	}
	s.events[s.slot(e.ID)] = e
}

// Events returns up to limit events of kind (all kinds when empty) with an ID above since, oldest first.
func (s *Store) Events(kind string, since uint64, limit int) []Event {
	s.evMu.RLock()
	defer s.evMu.RUnlock()
	var out []Event
	for id := max(since+1, s.firstEvent()); id <= s.lastEvent && (limit <= 0 || len(out) < limit); id++ {
		if e := &s.events[s.slot(id)]; kind == "" || e.Kind == kind {
			out = append(out, *e)
		}
	}
	return out
}

// RecordEgress adds one attempt to the aggregate under a.Key, creating it when new (the returned bool).
// Count is added to the stored count; FirstSeen is kept from the first record.
func (s *Store) RecordEgress(a Egress) (Egress, bool) {
	txn := s.db.Txn(true)
	defer txn.Abort()
	raw, err := txn.First(tableEgress, indexID, a.Key)
	if (err != nil || raw == nil) && s.egressN >= s.maxEvents {
		a = Egress{Key: OverflowKey, Monitor: "*", Destination: "*", Protocol: "*", Count: a.Count,
			FirstSeen: a.FirstSeen, LastSeen: a.LastSeen, Severity: a.Severity}
		raw, err = txn.First(tableEgress, indexID, OverflowKey)
	}
	isNew := true
	if err == nil && raw != nil {
		cur := raw.(*Egress)
		isNew = false
		a.Count += cur.Count
		a.FirstSeen = cur.FirstSeen
		a.LooksLikeHL7 = a.LooksLikeHL7 || cur.LooksLikeHL7
		if a.SendingApplication == "" {
			a.SendingApplication = cur.SendingApplication
		}
		if a.Equipment == "" {
			a.Equipment = cur.Equipment
		}
	}
	if err := txn.Insert(tableEgress, &a); err != nil {
		return a, false
	}
	if isNew {
		s.egressN++ // the overflow aggregate may take the table one past the limit
	}
	txn.Commit()
	return a, isNew
}

// EgressAttempts returns every egress aggregate, ordered by key.
func (s *Store) EgressAttempts() []Egress { return all[Egress](s, tableEgress) }

func all[T any](s *Store, table string) []T {
	return list[T](s.db.Txn(false), table)
}

// list lists a table in a read transaction, which it ends.
func list[T any](txn *memdb.Txn, table string) []T {
	defer txn.Abort()
	it, err := txn.Get(table, indexID)
	if err != nil {
		return nil
	}
	var out []T
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, *raw.(*T))
	}
	return out
}
