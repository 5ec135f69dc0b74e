package main

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A minimal io_uring (io_uring_setup(2), io_uring_enter(2)): one submission and one completion queue mapped
// into this process, SQEs filled in place and submitted together by one io_uring_enter, completions read
// from the mapped queue without a system call. Just what the uring relay engine (relay_uring_linux.go)
// uses; the layouts are those of linux/io_uring.h.

// uringParams is struct io_uring_params.
type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff, cqOff                                                           uringOffsets
}

// uringOffsets is struct io_sqring_offsets or io_cqring_offsets: seven offsets into a mapped ring.
type uringOffsets struct {
	head, tail, ringMask, ringEntries uint32
	v4, v5, v6                        uint32 // SQ: flags, dropped, array; CQ: overflow, cqes, flags
	resv1                             uint32
	userAddr                          uint64
}

// sqe is struct io_uring_sqe (64 bytes).
type sqe struct {
	opcode   uint8
	flags    uint8
	ioprio   uint16
	fd       int32
	off      uint64
	addr     uint64
	len      uint32
	opFlags  uint32 // msg_flags, accept_flags, rw_flags...
	userData uint64
	bufIndex uint16
	_        uint16
	_        int32
	_        [2]uint64
}

// cqe is struct io_uring_cqe (16 bytes).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// The io_uring constants used here.
const (
	opRead    = 22 // IORING_OP_READ
	opAccept  = 13 // IORING_OP_ACCEPT
	opConnect = 16 // IORING_OP_CONNECT
	opSend    = 26 // IORING_OP_SEND
	opRecv    = 27 // IORING_OP_RECV

	setupSubmitAll    = 1 << 7  // IORING_SETUP_SUBMIT_ALL: a failing SQE does not stop the batch
	setupCoopTaskrun  = 1 << 8  // IORING_SETUP_COOP_TASKRUN: no interrupt to run completions
	setupSingleIssuer = 1 << 12 // IORING_SETUP_SINGLE_ISSUER
	setupDeferTaskrun = 1 << 13 // IORING_SETUP_DEFER_TASKRUN: completions run only inside io_uring_enter

	enterGetEvents = 1 << 0 // IORING_ENTER_GETEVENTS

	sqeCQESkipSuccess = 1 << 6 // IOSQE_CQE_SKIP_SUCCESS: no completion when the operation succeeds

	offSQRing = 0          // IORING_OFF_SQ_RING
	offCQRing = 0x8000000  // IORING_OFF_CQ_RING
	offSQEs   = 0x10000000 // IORING_OFF_SQES
)

// uring is one mapped io_uring, used by one thread (IORING_SETUP_SINGLE_ISSUER: the thread that created it).
type uring struct {
	fd             int
	sqMem, cqMem   []byte
	sqeMem         []byte
	sqHead, sqTail *uint32
	sqMask         uint32
	sqEntries      uint32
	sqes           []sqe
	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []cqe
	tail           uint32 // SQEs filled, published to the kernel at the next enter
	submitted      uint32 // tail as of the last enter
	enters         uint64 // io_uring_enter calls made
}

// newURing sets up a ring of entries SQEs (and twice as many CQEs, the kernel's default) with flags.
func newURing(entries, flags uint32) (*uring, error) {
	var p uringParams
	p.flags = flags
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, fmt.Errorf("io_uring_setup: %w", errno)
	}
	r := &uring{fd: int(fd)}
	fail := func(what string, err error) (*uring, error) {
		r.close()
		return nil, fmt.Errorf("io_uring mmap %s: %w", what, err)
	}
	mmap := func(off int64, size int) ([]byte, error) {
		return unix.Mmap(r.fd, off, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	}
	var err error
	// The array of SQE indices ends the SQ ring, the CQEs end the CQ ring.
	if r.sqMem, err = mmap(offSQRing, int(p.sqOff.v6)+int(p.sqEntries)*4); err != nil {
		return fail("sq", err)
	}
	if r.cqMem, err = mmap(offCQRing, int(p.cqOff.v5)+int(p.cqEntries)*int(unsafe.Sizeof(cqe{}))); err != nil {
		return fail("cq", err)
	}
	if r.sqeMem, err = mmap(offSQEs, int(p.sqEntries)*int(unsafe.Sizeof(sqe{}))); err != nil {
		return fail("sqes", err)
	}
	u32 := func(mem []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	r.sqHead, r.sqTail = u32(r.sqMem, p.sqOff.head), u32(r.sqMem, p.sqOff.tail)
	r.sqMask, r.sqEntries = *u32(r.sqMem, p.sqOff.ringMask), p.sqEntries
	array := unsafe.Slice(u32(r.sqMem, p.sqOff.v6), p.sqEntries)
	for i := range array {
		array[i] = uint32(i) // SQE i sits in slot i, for good
	}
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.cqHead, r.cqTail = u32(r.cqMem, p.cqOff.head), u32(r.cqMem, p.cqOff.tail)
	r.cqMask = *u32(r.cqMem, p.cqOff.ringMask)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&r.cqMem[p.cqOff.v5])), p.cqEntries)
	r.tail = atomic.LoadUint32(r.sqTail)
	r.submitted = r.tail
	return r, nil
}

// close unmaps the ring and closes it; the kernel cancels what is still in flight.
func (r *uring) close() {
	for _, m := range [][]byte{r.sqeMem, r.cqMem, r.sqMem} {
		if m != nil {
			unix.Munmap(m)
		}
	}
	unix.Close(r.fd)
}

// get returns a zeroed SQE to fill; it is submitted by the next enter. A full queue is submitted first.
func (r *uring) get() (*sqe, error) {
	if r.tail-atomic.LoadUint32(r.sqHead) == r.sqEntries {
		if err := r.enter(0); err != nil {
			return nil, err
		}
	}
	e := &r.sqes[r.tail&r.sqMask]
	*e = sqe{}
	r.tail++
	return e, nil
}

// enter submits the SQEs filled since the last enter and waits until at least wait completions are ready
// (completions are always run: with IORING_SETUP_DEFER_TASKRUN they run nowhere else). The call is raw,
// also when it waits: the runtime's system-call bookkeeping would have its monitor thread hand the P to
// another thread during each wait (light50: 0.25 more system calls and 0.15 more context switches per
// message, futex and nanosleep). The runtime's preemption signal ends such a wait (EINTR) and is then let in.
func (r *uring) enter(wait uint32) error {
	atomic.StoreUint32(r.sqTail, r.tail)
	for {
		n := r.tail - r.submitted
		r.enters++
		_, _, errno := unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(n), uintptr(wait),
			enterGetEvents, 0, 0)
		r.submitted = atomic.LoadUint32(r.sqHead) // the kernel takes SQEs inside the call (no SQPOLL)
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
			runtime.Gosched() // a signal ended the wait, perhaps the runtime's to preempt: let it, then wait again
		default:
			return fmt.Errorf("io_uring_enter: %w", errno)
		}
	}
}

// reap calls f with each completion ready in the queue, in order, and frees their slots.
func (r *uring) reap(f func(userData uint64, res int32)) int {
	head, tail := *r.cqHead, atomic.LoadUint32(r.cqTail)
	for h := head; h != tail; h++ {
		c := &r.cqes[h&r.cqMask]
		f(c.userData, c.res)
	}
	atomic.StoreUint32(r.cqHead, tail)
	return int(tail - head)
}
