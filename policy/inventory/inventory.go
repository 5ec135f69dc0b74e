package inventory

import (
	"cmp"
	"container/list"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Bounds of what one device keeps: the most recent addresses, listeners and message types beyond these
// replace the oldest.
const (
	maxAddrs        = 8
	maxListeners    = 8
	maxMessageTypes = 16
)

// Sighting is one message from a device: when, from where, on which listener, of which type.
type Sighting struct {
	Time        time.Time
	Addr        netip.Addr // the monitor's address
	Listener    string     // the listener's configured name
	MessageType string     // MSH-9.1^MSH-9.2, e.g. ORU^R01
}

// Device is what the inventory knows about one device. Devices returns copies; the inventory's own are
// never handed out.
type Device struct {
	Key          string
	Identity     Identity
	FirstSeen    time.Time
	LastSeen     time.Time
	Messages     uint64
	Addrs        []netip.Addr // most recent last
	Listeners    []string
	MessageTypes []string
	// Watchlist is the watchlist entry the device matched, nil when none.
	Watchlist *Entry

	gen  uint64        // counts the changes of Identity, for ObserveNext
	gone bool          // the inventory forgot it (evicted): a Last that holds it files its next sighting anew
	by   netip.Addr    // the address of the sighting that filed it
	mine *list.Element // its place among the devices by filed (Inventory.mine), until evict passes it
}

// settledAfter is how long a device must have been seen (its last message this long after its first)
// before it is settled: a monitor at any cadence up to one message a minute settles by its second
// message; identities that a device names once never do. See evict.
const settledAfter = time.Minute

func (d *Device) settled() bool { return d.LastSeen.Sub(d.FirstSeen) >= settledAfter }

// Inventory holds at most a fixed number of devices; when full, a new device replaces one that has not
// settled (filed from its address, if any), else the one seen least recently (see evict; counted in
// Stats). It is safe for concurrent use.
type Inventory struct {
	max       int
	watchlist *Watchlist

	mu      sync.Mutex
	byKey   map[string]*list.Element  // of *Device
	lru     *list.List                // front: most recently seen
	made    []*list.Element           // devices in the order they were filed, not yet passed by evict
	mine    map[netip.Addr]*list.List // of the devices' *list.Element: made, by the address that filed them
	evicted uint64
	hits    uint64
}

// New returns an empty inventory of at most size devices (at least 1) checked against wl (nil: none).
func New(size int, wl *Watchlist) *Inventory {
	return &Inventory{max: max(1, size), watchlist: wl, byKey: map[string]*list.Element{}, lru: list.New(),
		mine: map[netip.Addr]*list.List{}}
}

// Observe records a message from the device id names. The first time the device matches the
// watchlist, it returns the entry it matched: a caller raises the watchlist hit when hit is not nil
// (Get gives the device's merged identity for the event), so each device is reported once — again
// only if it was evicted and comes back, or its identity changes to match a different entry. A message
// that names no device (empty Key) is not recorded. Observe does not allocate for a known device
// seen from a known address, listener and message type.
func (inv *Inventory) Observe(id Identity, s Sighting) (hit *Entry) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	hit, _ = inv.observe(&id, &s)
	return hit
}

// Last is what ObserveNext keeps of a caller's latest sighting (one per connection): the device it was
// filed under and which of the device's identities that was. The zero Last holds nothing.
type Last struct {
	el  *list.Element // of the device; nil: none
	gen uint64        // the device's gen after the sighting
}

// ObserveNext is Observe for a caller that keeps last between its sightings, and returns what Observe
// returns. same says that id is the identity of the caller's latest sighting (Identity.Update reported no
// change). A sighting that repeats the latest one — the same identity, address, listener and message type
// — of a device still held, whose identity and latest address, listener and message type nobody changed
// since, only counts the message, updates LastSeen and makes the device the most recently seen (all that
// Observe would change): no map lookup, merge or watchlist match. Any other sighting is Observe's, and
// last remembers it.
func (inv *Inventory) ObserveNext(last *Last, id *Identity, same bool, s Sighting) (hit *Entry) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if el := last.el; same && el != nil {
		dev := el.Value.(*Device)
		if !dev.gone && dev.gen == last.gen && isLast(dev.Addrs, s.Addr) && isLast(dev.Listeners, s.Listener) &&
			isLast(dev.MessageTypes, s.MessageType) {
			inv.lru.MoveToFront(el)
			dev.Messages++
			if s.Time.After(dev.LastSeen) {
				dev.LastSeen = s.Time
			}
			return nil
		}
	}
	hit, last.el = inv.observe(id, &s)
	if last.el != nil {
		last.gen = last.el.Value.(*Device).gen
	}
	return hit
}

// isLast reports whether remember(s, v, n) would leave s as it is: v is its latest, or v is the zero
// value, which Observe does not remember.
func isLast[T comparable](s []T, v T) bool {
	var zero T
	return v == zero || len(s) > 0 && s[len(s)-1] == v
}

// observe files sighting s of id, under inv.mu, and returns the watchlist entry it matched and the
// device's list element (nil when id names no device).
func (inv *Inventory) observe(id *Identity, s *Sighting) (hit *Entry, el *list.Element) {
	key := id.Key()
	if key == "" {
		return nil, nil
	}
	var dev *Device
	if e, ok := inv.byKey[key]; ok {
		el = e
		inv.lru.MoveToFront(el)
		dev = el.Value.(*Device)
	} else {
		if inv.lru.Len() >= inv.max {
			inv.evict(inv.mine[s.Addr])
		}
		dev = &Device{Key: key, FirstSeen: s.Time, by: s.Addr}
		el = inv.lru.PushFront(dev)
		inv.byKey[key] = el
		inv.made = append(inv.made, el)
		q := inv.mine[s.Addr]
		if q == nil {
			q = list.New()
			inv.mine[s.Addr] = q
		}
		dev.mine = q.PushBack(el)
	}
	merged := dev.Identity
	merge(&merged, *id)
	if merged != dev.Identity || dev.Messages == 0 {
		dev.Identity = merged
		dev.gen++
		if e, ok := inv.watchlist.Match(&dev.Identity); ok && (dev.Watchlist == nil || dev.Watchlist.Name != e.Name) {
			dev.Watchlist, hit = e, e
			inv.hits++
		}
	}
	dev.Messages++
	if s.Time.After(dev.LastSeen) {
		dev.LastSeen = s.Time
	}
	if s.Addr.IsValid() {
		dev.Addrs = remember(dev.Addrs, s.Addr, maxAddrs)
	}
	if s.Listener != "" {
		dev.Listeners = remember(dev.Listeners, s.Listener, maxListeners)
	}
	if s.MessageType != "" {
		dev.MessageTypes = remember(dev.MessageTypes, s.MessageType, maxMessageTypes)
	}
	return hit, el
}

// evict forgets a device to make room for one filed from the address whose devices are from (nil:
// none), under inv.mu: of the devices that have not settled, the one filed first from there, else the
// one filed first, else the one seen least recently. So a device that names a new identity in every
// message (a forger hiding among made-up devices, or a fault) churns the entries it made, never a
// device that has been talking for a minute, nor one that began talking from another address during
// the flood; the entries of the real ones stay on the dashboard and in the metrics without watchlist
// hits raised again when they are filed anew. Each filed device is passed once in each order (made is
// compacted when the devices evicted from their address's leave it twice as long as the inventory), so
// making room costs O(1) amortised.
func (inv *Inventory) evict(from *list.List) {
	var el *list.Element
	for el == nil && from != nil && from.Len() > 0 {
		f := from.Front().Value.(*list.Element)
		d := f.Value.(*Device)
		inv.pass(d)
		if !d.settled() {
			el = f
		}
	}
	for el == nil && len(inv.made) > 0 {
		f := inv.made[0]
		inv.made[0] = nil
		inv.made = inv.made[1:]
		if d := f.Value.(*Device); !d.gone && !d.settled() {
			el = f
		}
	}
	if el == nil {
		el = inv.lru.Back()
	}
	old := inv.lru.Remove(el).(*Device)
	old.gone = true
	inv.pass(old)
	delete(inv.byKey, old.Key)
	inv.evicted++
	if len(inv.made) > 2*inv.max {
		inv.made = slices.DeleteFunc(inv.made, func(f *list.Element) bool { return f.Value.(*Device).gone })
	}
}

// pass takes d from the devices its address filed (mine), under inv.mu.
func (inv *Inventory) pass(d *Device) {
	if d.mine == nil {
		return
	}
	q := inv.mine[d.by]
	q.Remove(d.mine)
	d.mine = nil
	if q.Len() == 0 {
		delete(inv.mine, d.by)
	}
}

// Reconfigure applies a reloaded configuration: at most size devices (at least 1; beyond it devices are
// forgotten as evict chooses them, and counted in Stats) checked against wl. Every device is checked
// against wl again at once: a device that now matches an entry other than the one it matched (or none)
// is marked and returned, so the caller raises its watchlist hit as Observe's caller does, once; a
// device that matches no entry any more loses its mark. It returns copies, most recently seen first.
func (inv *Inventory) Reconfigure(size int, wl *Watchlist) (hits []Device) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.max, inv.watchlist = max(1, size), wl
	for inv.lru.Len() > inv.max {
		inv.evict(nil)
	}
	for el := inv.lru.Front(); el != nil; el = el.Next() {
		dev := el.Value.(*Device)
		e, ok := wl.Match(&dev.Identity)
		switch {
		case !ok:
			dev.Watchlist = nil
		case dev.Watchlist == nil || dev.Watchlist.Name != e.Name:
			dev.Watchlist = e
			inv.hits++
			hits = append(hits, dev.copy())
		default:
			dev.Watchlist = e // the same entry, perhaps with other advisories or notes
		}
	}
	return hits
}

// merge sets the fields id knows in dst: a message that omits the product rows does not erase what an
// earlier one said.
func merge(dst *Identity, id Identity) {
	set := func(p *string, v string) {
		if v != "" {
			*p = v
		}
	}
	set(&dst.Sender, id.Sender)
	set(&dst.EUI64, id.EUI64)
	set(&dst.Equipment, id.Equipment)
	set(&dst.Manufacturer, id.Manufacturer)
	set(&dst.Model, id.Model)
	set(&dst.Serial, id.Serial)
	set(&dst.Hardware, id.Hardware)
	set(&dst.Software, id.Software)
	set(&dst.Firmware, id.Firmware)
}

// remember moves v to the end of s, adding it if new and dropping the oldest beyond n.
func remember[T comparable](s []T, v T, n int) []T {
	if i := slices.Index(s, v); i >= 0 {
		if i == len(s)-1 {
			return s
		}
		s = slices.Delete(s, i, i+1)
	} else if len(s) >= n {
		s = slices.Delete(s, 0, 1)
	}
	return append(s, v)
}

func (d *Device) copy() Device {
	c := *d
	c.Addrs = slices.Clone(d.Addrs)
	c.Listeners = slices.Clone(d.Listeners)
	c.MessageTypes = slices.Clone(d.MessageTypes)
	return c
}

// Get returns the device filed under key.
func (inv *Inventory) Get(key string) (Device, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	el, ok := inv.byKey[key]
	if !ok {
		return Device{}, false
	}
	return el.Value.(*Device).copy(), true
}

// Devices returns every device, sorted by key.
func (inv *Inventory) Devices() []Device {
	inv.mu.Lock()
	ds := make([]Device, 0, inv.lru.Len())
	for el := inv.lru.Front(); el != nil; el = el.Next() {
		ds = append(ds, el.Value.(*Device).copy())
	}
	inv.mu.Unlock()
	slices.SortFunc(ds, func(a, b Device) int { return cmp.Compare(a.Key, b.Key) })
	return ds
}

// Stats are the inventory's counters.
type Stats struct {
	Devices       int    // devices held now
	Evicted       uint64 // devices replaced because the inventory was full
	WatchlistHits uint64 // watchlist hits reported by Observe (hl7gate_watchlist_hits_total)
}

// Stats returns the inventory's counters.
func (inv *Inventory) Stats() Stats {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return Stats{Devices: inv.lru.Len(), Evicted: inv.evicted, WatchlistHits: inv.hits}
}
