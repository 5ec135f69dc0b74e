package vitals

// connDevices follows the devices one connection carries (see
// Engine.ObserveVia): one monitor, or an aggregating gateway's beds. A
// device that begins as another falls silent has replaced it: the other
// established (switchAfter messages), its last message at most two of its
// own intervals before the new one's first, and none since, while the new
// one has sent switchAfter messages and the other is overdue (silent for more
// than two of its intervals). So a monitor's identity changed under a forged
// patient is reported on a gateway too, where the other beds keep talking
// (session 29, c5miss29); a bed that starts while the others talk on, or
// whose neighbour was only between two slow messages, is not, and neither is
// a device that comes back or one that comes after a longer silence (a bed
// turnover). On a clock that went back (offline, captures of other times
// given one source) the order of the messages alone is judged.
type connDevices struct {
	devs [connMax]connDevice
	n    int    // devices in devs
	msgs uint64 // messages on the connection
}

// connMax is how many devices a connection keeps (a gateway carries 3–4
// beds); a new one beyond it takes the place of the one silent longest.
const connMax = 8

// connDevice is one device on a connection.
type connDevice struct {
	key              uint64
	first, last, gap int64  // first and last message (Unix ns), its usual interval
	firstN, lastN    uint64 // the connection's message numbers of those
	msgs             uint32
	judged           bool // replacement reported, or judged impossible
}

// see records a message of device k at now (Unix ns) and reports whether k
// has just replaced another device of the connection.
func (c *connDevices) see(k uint64, now int64) bool {
	c.msgs++
	d := c.find(k)
	if d == nil {
		d = c.add(k, now)
	} else {
		if iv := now - d.last; iv > 0 {
			// the usual interval: a re-send seconds after a message shortens
			// it by an eighth, not to its own few seconds
			d.gap = max(iv, d.gap-d.gap/8)
		}
		d.last, d.lastN = now, c.msgs
	}
	d.msgs++
	if d.judged || d.msgs < switchAfter {
		return false
	}
	for i := range c.n {
		x := &c.devs[i]
		if x.key == k || x.msgs < switchAfter || x.lastN >= d.firstN {
			continue
		}
		started, silent := d.first-x.last, now-x.last
		if (started < 0 || started <= 2*x.gap) && (silent < 0 || silent > 2*x.gap) {
			d.judged = true
			return true
		}
	}
	return false
}

// forget drops device k from the connection's devices.
func (c *connDevices) forget(k uint64) {
	if d := c.find(k); d != nil {
		c.n--
		*d = c.devs[c.n]
		c.devs[c.n] = connDevice{}
	}
}

// find returns the entry of device k, or nil.
func (c *connDevices) find(k uint64) *connDevice {
	for i := range c.n {
		if c.devs[i].key == k {
			return &c.devs[i]
		}
	}
	return nil
}

// add makes an entry for device k first seen at now, in the place of the
// device silent longest when the table is full.
func (c *connDevices) add(k uint64, now int64) *connDevice {
	i := c.n
	if i < connMax {
		c.n++
	} else {
		i = 0
		for j := 1; j < connMax; j++ {
			if c.devs[j].lastN < c.devs[i].lastN {
				i = j
			}
		}
	}
	c.devs[i] = connDevice{key: k, first: now, last: now, firstN: c.msgs, lastN: c.msgs}
	return &c.devs[i]
}
