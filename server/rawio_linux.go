//go:build linux

package server

import (
	"io"
	"net"
	"syscall"
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
	rc      syscall.RawConn
	rd, wr  rawCall
	readFn  func(fd uintptr) bool
	tryRdFn func(fd uintptr) bool
	wrFn    func(fd uintptr) bool
	tryFn   func(fd uintptr) bool
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
	r := &rawIO{rc: rc}
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

// Read reads into p as net.Conn's Read does.
func (r *rawIO) Read(p []byte) (int, error) { return r.readWith(p, r.readFn) }

// ReadLending is Read that lends the buffer out while it waits (see
// lendingReader).
func (r *rawIO) ReadLending(p []byte, l bufferLender) (int, error) {
	r.rd.lend = l
	n, err := r.readWith(p, r.readFn)
	r.rd.lend = nil
	return n, err
}

// TryRead reads what has already arrived into p, without waiting: 0 and
// no error when nothing has.
func (r *rawIO) TryRead(p []byte) (int, error) {
	n, err := r.readWith(p, r.tryRdFn)
	if err == syscall.EAGAIN {
		return 0, nil
	}
	return n, err
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
