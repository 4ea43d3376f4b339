//go:build linux

package server

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// rawIO reads and writes a TCP connection with raw system calls made from
// inside the runtime poller's callbacks (syscall.RawConn). A plain
// net.Conn Read or Write enters the scheduler's syscall state around each
// call, which on a busy server keeps the runtime's monitor thread waking
// every 20 µs and hands processors between threads; a read or write of a
// non-blocking socket returns at once and needs none of that. Waiting for
// readiness, deadlines and Close still go through the poller as for any
// net.Conn.
//
// One goroutine reads while another may write (a client's pusher), so
// each direction has its own state. The callbacks are method values made
// once, so a call allocates nothing.
type rawIO struct {
	conn    *net.TCPConn
	rc      syscall.RawConn
	rd, wr  rawCall
	readFn  func(fd uintptr) bool
	tryRdFn func(fd uintptr) bool
	wrFn    func(fd uintptr) bool
	tryFn   func(fd uintptr) bool

	// Owned by the reading goroutine, during serveIn: in is set while it
	// runs inside the poller's read call on descriptor fd; drained, when
	// its last read found the socket empty (see serveIn).
	in      bool
	drained bool
	fd      uintptr
	reads   int // read system calls made by readNow, for tests

	// parked is set while the reading goroutine waits in the poller for
	// input inside serveIn, for Server.wakeParked; wakes counts the waits
	// that wakeParked ended, for tests.
	parked atomic.Bool
	wakes  atomic.Int64
}

// rawCall is the state of the read or the write in progress.
type rawCall struct {
	buf   []byte
	n     int
	errno syscall.Errno
	lend  bufferLender // the reader's, during ReadLending
}

// newRawIO returns raw I/O for conn, or nil when conn is not a TCP
// connection.
func newRawIO(conn net.Conn) *rawIO {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawIO{rc: rc, conn: tc}
	r.readFn = r.read
	r.tryRdFn = r.tryRead
	r.wrFn = r.write
	r.tryFn = r.tryWrite
	return r
}

// read is the poller's callback for Read: false asks it to wait until the
// socket is readable and call again.
func (r *rawIO) read(fd uintptr) bool {
	c := &r.rd
	if c.buf == nil {
		c.buf = c.lend.unpark() // called again after waiting, input is there
	}
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&c.buf[0])), uintptr(len(c.buf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if c.lend != nil {
				// The wait may be long: the reader's buffer is not needed
				// until the poller calls again.
				c.lend.park()
				c.buf = nil
			}
			return false
		}
		c.n, c.errno = int(n), e
		return true
	}
}

// write is the poller's callback for Write: it writes until the buffer is
// empty, or returns false to wait until the socket is writable.
func (r *rawIO) write(fd uintptr) bool {
	c := &r.wr
	for len(c.buf) > 0 {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&c.buf[0])), uintptr(len(c.buf)))
		switch e {
		case 0:
			c.n += int(n)
			c.buf = c.buf[n:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			c.errno = e
			return true
		}
	}
	return true
}

// tryRead is the poller's callback for TryRead: one attempt, no wait.
func (r *rawIO) tryRead(fd uintptr) bool {
	if !r.read(fd) {
		r.rd.n, r.rd.errno = 0, syscall.EAGAIN
	}
	return true
}

// Read reads into p as net.Conn's Read does; inside serveIn, see readIn.
func (r *rawIO) Read(p []byte) (int, error) {
	if r.in {
		return r.readIn(p, nil)
	}
	return r.readWith(p, r.readFn)
}

// ReadLending is Read that lends the buffer out while it waits (see
// lendingReader).
func (r *rawIO) ReadLending(p []byte, l bufferLender) (int, error) {
	if r.in {
		return r.readIn(p, l)
	}
	r.rd.lend = l
	n, err := r.readWith(p, r.readFn)
	r.rd.lend = nil
	return n, err
}

// TryRead reads what has already arrived into p, without waiting: 0 and
// no error when nothing has.
func (r *rawIO) TryRead(p []byte) (int, error) {
	var n int
	var err error
	if r.in {
		n, err = r.readNow(p)
	} else {
		n, err = r.readWith(p, r.tryRdFn)
	}
	if err == syscall.EAGAIN {
		return 0, nil
	}
	return n, err
}

// serveIn runs turn, again and again, inside one read call of the poller
// (RawConn.Read) until it returns turnEnd or the wait for input fails,
// which it returns. A read there is a plain read system call (readIn);
// when it has to wait, turn returns turnWait, the callback returns false,
// and the poller calls it again once the socket is readable.
//
// This saves a read per request, or per pipeline: each RawConn.Read
// starts by forgetting the readiness the poller saw before it, so its
// first read must try the socket, and after a request is answered that
// read nearly always finds nothing (EAGAIN, half a microsecond here).
// Inside one call the poller remembers: a read that finds the socket
// empty (drained) is followed by a wait, not by another read, and the
// poller's edge-triggered wake-up comes for any input that arrived since
// that read. Redis reads once per readable event for the same reason.
//
// Close waits for the poller call to return, so while a connection's
// goroutine is inside it, the connection is closed with
// client.disconnect.
//
// A read deadline in the past ends a wait early: Server.wakeParked sets
// one to wake the goroutine when input has arrived that the poller has
// not been asked about yet. serveIn clears it and calls the poller again,
// which calls the callback first, so the input is read.
func (r *rawIO) serveIn(turn func() turnResult) error {
	ended := false
	fn := func(fd uintptr) bool {
		// Called first, or after a wait: read before waiting again.
		r.parked.Store(false)
		r.fd, r.in, r.drained = fd, true, false
		for {
			switch turn() {
			case turnWait:
				r.in = false
				r.parked.Store(true)
				return false
			case turnEnd:
				r.in, ended = false, true
				return true
			}
		}
	}
	for {
		err := r.rc.Read(fn)
		if ended {
			return nil
		}
		if errors.Is(err, os.ErrDeadlineExceeded) && r.conn.SetReadDeadline(time.Time{}) == nil {
			r.wakes.Add(1)
			continue
		}
		return err
	}
}

// readIn is Read inside serveIn: after a read that drained the socket, or
// one that finds nothing, it returns errWaitReadable, having lent the
// buffer out (see lendingReader) when l is not nil.
func (r *rawIO) readIn(p []byte, l bufferLender) (int, error) {
	if !r.drained {
		n, err := r.readNow(p)
		if err != syscall.EAGAIN {
			return n, err
		}
	}
	if l != nil {
		l.park()
	}
	return 0, errWaitReadable
}

// readNow is one read system call inside serveIn. It notes whether the
// socket is drained: a read of TCP that returns less than asked for has
// emptied the receive queue.
func (r *rawIO) readNow(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		r.reads++
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, r.fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch e {
		case 0:
			if n == 0 {
				return 0, io.EOF
			}
			r.drained = int(n) < len(p)
			return int(n), nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			r.drained = true
		}
		return 0, e
	}
}

func (r *rawIO) readWith(p []byte, fn func(fd uintptr) bool) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c := &r.rd
	c.buf, c.n, c.errno = p, 0, 0
	err := r.rc.Read(fn)
	n := c.n
	c.buf = nil
	switch {
	case err != nil:
		return 0, err
	case c.errno != 0:
		return 0, c.errno
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// Write writes all of p as net.Conn's Write does.
func (r *rawIO) Write(p []byte) (int, error) { return r.writeWith(p, r.wrFn) }

// TryWrite writes as much of p as the socket takes without waiting.
func (r *rawIO) TryWrite(p []byte) (int, error) { return r.writeWith(p, r.tryFn) }

// tryWrite is the poller's callback for TryWrite: one attempt, no wait.
func (r *rawIO) tryWrite(fd uintptr) bool {
	r.write(fd)
	return true
}

func (r *rawIO) writeWith(p []byte, fn func(fd uintptr) bool) (int, error) {
	c := &r.wr
	c.buf, c.n, c.errno = p, 0, 0
	err := r.rc.Write(fn)
	n := c.n
	c.buf = nil
	if err == nil && c.errno != 0 {
		err = c.errno
	}
	return n, err
}
