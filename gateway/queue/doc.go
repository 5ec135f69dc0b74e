// Package queue is the durable store-and-forward queue: a message is appended and fsynced before the
// gateway acknowledges it to the monitor, then handed out for delivery in order per key (per monitor)
// until the station accepts it (Ack) or a policy moves it aside (DeadLetter). It uses only the
// standard library.
//
//	q, err := queue.Open("/var/lib/hl7gate/queue", queue.Options{MaxBytes: 1 << 30, MaxAge: 24 * time.Hour})
//	seq, err := q.AppendFrom(ctx, srcAddr, queue.Key(device), frame) // durable when err == nil: answer CA/AA
//	// one deliverer per key (start them for q.Keys() after Open, and for a key's first Append):
//	m, err := q.Next(ctx, key, buf)        // the key's oldest message, again until it is acked
//	err = q.Ack(key, m.Seq)                // station said AA/CA
//	err = q.DeadLetter(key, m.Seq, "AR")   // policy gave up; DeadLetters, Inspect, Replay, Discard
//
// # On-disk format
//
// The directory holds segment files, NNNNNNNNNNNNNNNNNNNN.seg (20 decimal digits: the next seq when the
// segment was created; names increase), a dead/ directory with one NNNN….dead file per dead letter (named by its seq), and
// LOCK, flock'd while a Queue has the directory open. A segment is a sequence of records, a dead-letter
// file is one record. All integers are little-endian:
//
//	record  = crc32c:u32 length:u32 body[length]   crc32c (Castagnoli) covers length and body; length > 0
//	msg     = 1:u8 seq:u64 time:i64 keylen:u8 key payload                 time: unix ns of the Append
//	done    = 2:u8 seq:u64 how:u8                                         how: 1 delivered, 2 dead-lettered
//	dead    = 3:u8 seq:u64 time:i64 deadtime:i64 keylen:u8 reasonlen:u16 key reason payload
//
// Seqs increase across the queue (after Open the next one is above every seq, segment name and
// dead-letter name on disk; only the seq of a torn, never acknowledged record can come again), so a
// key's order is its seq order. The queue is the msg records of all
// segments minus the seqs of done records and of dead-letter files. A msg record may appear twice
// (compaction copies it forward); the copies are identical.
//
// # Group commit
//
// Append encodes its record into the open batch under a mutex and waits. One goroutine writes every
// pending batch (pwrite at the offsets reserved under the mutex) and fsyncs each touched segment, then
// releases all of the batch's waiters at once: appends that arrive during one fsync share the next.
// Done records (Ack, DeadLetter) ride along with the next commit, or are flushed within
// Options.FlushInterval. A write or fsync error fails the queue (see Failure): the page cache may have
// dropped the data, so nothing is written again until the queue is reopened and recovered from disk.
//
// # Failure
//
// A failed write, fsync or segment read (a full disk: ENOSPC; EIO) fails the queue: Append, Ack and
// DeadLetter return the error, Next waits, Health reports it. The queue reopens itself, as a restart
// would but keeping the directory's lock: every second, and on an Append at most every 100 ms, its
// compaction goroutine writes, fsyncs and removes a 256 KiB PROBE file (not before 512 KiB are available:
// the probe must not take the last free bytes from the other writers of the file system); once that
// succeeds it releases the waiters of unwritten batches with the error, cuts each segment back to the bytes fsynced before the failure (fsyncing the cut), fsyncs the
// directory and scans it as Open does (a scan that fails is tried again with back-off up to 30 s). What
// the cut removes was never reported durable: the records of failed Appends (their senders got an
// error, so losing them is correct) and done records not yet fsynced (those messages are delivered
// again, Recovered set). Every message an Append reported durable is in the new index, handed out by
// Next in seq order per key. Health's channel wakes whoever follows the queue at each change between
// failed and usable. A crash during a reopen is a crash like any other: the cut removes nothing durable.
// The rescan repairs nothing: after the cut no segment has a torn tail, so a record that does not decode
// (a checksum failure Next found) is damage to acknowledged messages; the queue stays failed with
// ErrCorrupt rather than cut the intact ones after it, until an operator restarts it (Open then treats
// damage in the last segment as its torn tail).
//
// # Crash safety
//
//   - Append returns success only after the fsync of its segment (and, for a new segment, of the
//     directory) returned: an acknowledged record is on disk and its segment's name too.
//   - Batches are written in order and a segment is fsynced before anything is written to the next one.
//     So after a crash at any point, only the end of the log can be damaged: the last records of the last
//     non-empty segment, which no Append had reported durable.
//   - Open scans the segments in order. The first record that is short, or whose length or checksum is
//     wrong (a zero-filled tail fails too: its length is 0), ends the log: the segment is truncated there
//     and fsynced, and later segments are deleted — only if none of them starts with a valid record;
//     otherwise the damage is not a torn tail and Open fails with ErrCorrupt rather than drop data.
//   - An Ack whose done record was not yet fsynced is lost by a crash: the message is delivered again
//     (at-least-once) with Message.Recovered set; (key, seq) or (device, MSH-10) identifies it.
//   - A dead letter is written to a temp file, fsynced, renamed and its directory fsynced before its done
//     record is appended; Open treats a seq with a dead-letter file as gone from the queue.
//   - Space: the oldest segment is deleted once it holds no queued message. If it holds few (at most a
//     quarter of its bytes, e.g. one monitor whose station is down), or the segments take more than
//     twice the queued bytes plus two segments, its queued messages are first copied to the tail with
//     the same seq and time and fsynced. Only the oldest segment is ever deleted, so a done record is
//     never deleted while the msg record it cancels still exists.
//
// # Bounds
//
// A queue holds what its senders sent while a receiver was away; the bounds keep one sender, one key or
// one receiver from taking that from the others. Append fails with an error that is ErrFull, and what is
// queued stays, when:
//
//   - the queued records plus the dead letters would exceed Options.MaxBytes;
//   - the source's queued records plus the dead letters made of them would exceed
//     Options.MaxSourceBytes (ErrSourceFull; AppendFrom only). A source is whatever the caller names
//     the sender by; the gateway uses the monitor connection's address, not the device ID the message
//     claims (the key), which a hostile sender could vary to get share after share, or set to its
//     victim's to fill the victim's share. Sources are counted in memory from Open: a message recovered
//     at Open, and a dead letter older than Open, count in MaxBytes only;
//   - the key's own oldest message is older than Options.MaxAge (ErrStale). The age is judged per key,
//     not over the queue: a key whose receiver takes nothing refuses its own new messages, and the other
//     keys go on (the gateway's keys are station, device and the device's address: one dead station or
//     one stuck device does not close a route; a fan-out skips a station past MaxAge while another took
//     the message).
//
// Dead letters stay in MaxBytes and their source's share until Discard or Replay (which is credited with
// the dead letter's bytes), so a sender whose messages the receiver refuses fills its own share, not the
// disk. Disk use stays near or below twice the queued bytes plus two segments (plus done records), plus
// the dead letters: reclaiming runs when a segment is added or the oldest segment's messages are
// delivered.
//
// Order per key is strict: Next hands out the key's oldest message until Ack or DeadLetter. Giving up on
// a message (the gateway's poison rule: queue.poison_attempts failures while its station answered other
// messages) is the caller's policy, through DeadLetter; it trades that key's strict order for liveness.
package queue
