// Package store keeps the gateway's live state in memory with go-memdb: the monitors seen, the central
// stations and their health, recent events (policy, vital-sign findings, refused connections) and the
// aggregated egress attempts of the monitor segment. It is the only package that imports go-memdb.
//
// Stored objects are immutable: every write stores a new value. Nothing here holds patient data.
//
//	st, _ := store.New(10000)
//	st.AddEvent(store.Event{Kind: store.KindPolicy, Reason: "no route to an allowlisted station"})
//	evs := st.Events("", 0, 100)
package store

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// ErrNotFound is returned for an object that is not in the store.
var ErrNotFound = errors.New("store: not found")

// Table and index names.
const (
	tableMonitors = "monitors"
	tableStations = "stations"
	tableEvents   = "events"
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

// Egress is the aggregate of one kind of blocked attempt: a monitor trying one destination.
type Egress struct {
	Key                string    `json:"-"`
	Monitor            string    `json:"monitor"`
	SendingApplication string    `json:"sending_application,omitempty"`
	Equipment          string    `json:"equipment,omitempty"`
	Destination        string    `json:"destination"`
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
	db        *memdb.MemDB
	maxEvents int
	egressN   int  // egress aggregates stored; read and written only inside write transactions
	sink      Sink // set before use; nil: events live only here
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
		tableMonitors: stringTable(tableMonitors, "ID"),
		tableStations: stringTable(tableStations, "Name"),
		tableEvents: {
			Name: tableEvents,
			Indexes: map[string]*memdb.IndexSchema{
				indexID: {Name: indexID, Unique: true, Indexer: &memdb.UintFieldIndex{Field: "ID"}},
			},
		},
		tableEgress: stringTable(tableEgress, "Key"),
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
	return &Store{db: db, maxEvents: maxEvents}, nil
}

// UpdateMonitor applies fn to the monitor with id (a zero Monitor with ID set when it is new) and stores
// the result, in one transaction.
func (s *Store) UpdateMonitor(id string, fn func(Monitor) Monitor) {
	txn := s.db.Txn(true)
	defer txn.Abort()
	cur := Monitor{ID: id}
	if raw, err := txn.First(tableMonitors, indexID, id); err == nil && raw != nil {
		cur = *raw.(*Monitor)
	}
	next := fn(cur)
	next.ID = id
	if err := txn.Insert(tableMonitors, &next); err != nil {
		return // the schema is fixed and tested; an insert cannot fail
	}
	txn.Commit()
}

// Monitor returns one monitor, or ErrNotFound.
func (s *Store) Monitor(id string) (Monitor, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	raw, err := txn.First(tableMonitors, indexID, id)
	if err != nil || raw == nil {
		return Monitor{}, ErrNotFound
	}
	return *raw.(*Monitor), nil
}

// Monitors returns every monitor, ordered by ID.
func (s *Store) Monitors() []Monitor { return all[Monitor](s, tableMonitors) }

// MonitorsSnapshot takes a snapshot of the monitors at once (cheaply: the store is immutable underneath)
// and returns a function that lists it, so that a caller can take it under its own lock and walk it
// outside.
func (s *Store) MonitorsSnapshot() func() []Monitor {
	txn := s.db.Txn(false)
	return func() []Monitor { return list[Monitor](txn, tableMonitors) }
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
	txn := s.db.Txn(true)
	defer txn.Abort()
	var last uint64
	if raw, err := txn.Last(tableEvents, indexID); err == nil && raw != nil {
		last = raw.(*Event).ID
	}
	e.ID = last + 1
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if err := txn.Insert(tableEvents, &e); err != nil {
		return 0
	}
	if e.ID > uint64(s.maxEvents) {
		// IDs are dense and one event goes in at a time, so dropping the oldest keeps the limit.
		if oldest, err := txn.First(tableEvents, indexID); err == nil && oldest != nil {
			_ = txn.Delete(tableEvents, oldest)
		}
	}
	if s.sink != nil {
		s.sink.Append(e) // under the write lock: the sink sees the events in ID order
	}
	txn.Commit()
	return e.ID
}

// UpdateEvent replaces the stored event with e.ID (an aggregate's new count), if it is still stored:
// an event already dropped for its age stays dropped. It keeps the event's place in the order.
func (s *Store) UpdateEvent(e Event) {
	txn := s.db.Txn(true)
	defer txn.Abort()
	if raw, err := txn.First(tableEvents, indexID, e.ID); err != nil || raw == nil {
		return
	}
	if err := txn.Insert(tableEvents, &e); err == nil {
		txn.Commit()
	}
}

// Events returns up to limit events of kind (all kinds when empty) with an ID above since, oldest first.
func (s *Store) Events(kind string, since uint64, limit int) []Event {
	txn := s.db.Txn(false)
	defer txn.Abort()
	it, err := txn.LowerBound(tableEvents, indexID, since+1)
	if err != nil {
		return nil
	}
	var out []Event
	for raw := it.Next(); raw != nil && (limit <= 0 || len(out) < limit); raw = it.Next() {
		if e := raw.(*Event); kind == "" || e.Kind == kind {
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
