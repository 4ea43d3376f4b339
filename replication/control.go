package replication

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Control RPCs travel on connections of kind control, one request and one
// response at a time:
//
//	request:  len(4, big endian) body
//	response: status(1) len(4) body      status 0: result, 1: error text

const (
	// maxControlFrame bounds a control request or response.
	maxControlFrame = 16 << 20
	// controlWriteTimeout bounds writing a response, so a peer that stops
	// reading cannot hold a serving goroutine.
	controlWriteTimeout = 10 * time.Second
	// maxIdleCalls is how many idle control connections are kept per peer.
	maxIdleCalls = 2

	replyOK  = 0
	replyErr = 1
)

// RemoteError is an error returned by the control handler of the called bus
// (or the lack of one). Msg is its text, verbatim.
type RemoteError struct{ Msg string }

func (e *RemoteError) Error() string { return e.Msg }

var errFrameTooLarge = errors.New("replication: control frame too large")

// HandleControl sets the function that answers control RPCs arriving on the
// bus. It runs concurrently, on one goroutine per connection; an error it
// returns reaches the caller as a *RemoteError. Close waits for it, so it
// must not call Close. Before HandleControl is called, every request is
// answered with an error.
func (b *Bus) HandleControl(h func(req []byte) ([]byte, error)) {
	b.mu.Lock()
	b.control = h
	b.mu.Unlock()
}

// Call sends req to the control handler of the bus at addr and returns its
// response, or a *RemoteError carrying the handler's error. timeout bounds
// the whole call, handshake included; zero means no limit beyond the
// handshake's.
//
// Connections are pooled. When a pooled connection turns out to have been
// closed by the peer before any response byte arrived, the request is sent
// again on a fresh connection; a handler can therefore see a request twice if
// its bus closed while answering it and a new bus took over the address.
func (b *Bus) Call(addr string, req []byte, timeout time.Duration) ([]byte, error) {
	if len(req) > maxControlFrame {
		return nil, errFrameTooLarge
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if c := b.idle.get(addr); c != nil {
		resp, stale, err := b.roundTrip(addr, c, req, deadline)
		if err == nil || !stale {
			return resp, err
		}
	}
	raw, err := b.dial(addr, header{kind: kindCtl}, deadline)
	if err != nil {
		return nil, err
	}
	c, ok := b.dialed.track(raw)
	if !ok {
		_ = raw.Close()
		return nil, ErrBusClosed
	}
	resp, _, err := b.roundTrip(addr, c, req, deadline)
	return resp, err
}

// roundTrip sends one request on c and reads its response. It returns c to
// the pool when c is still usable and closes it otherwise. stale reports a
// connection that failed before any byte of the response arrived.
func (b *Bus) roundTrip(addr string, c net.Conn, req []byte, deadline time.Time) (resp []byte, stale bool, err error) {
	defer func() {
		if err == nil || errors.As(err, new(*RemoteError)) {
			_ = c.SetDeadline(time.Time{})
			b.idle.put(addr, c)
			return
		}
		_ = c.Close()
	}()
	_ = c.SetDeadline(deadline)
	if err := writeFrame(c, nil, req); err != nil {
		return nil, true, fmt.Errorf("replication: control call to %s: %w", addr, err)
	}
	var status [1]byte
	if _, err := io.ReadFull(c, status[:]); err != nil {
		var ne net.Error
		timedOut := errors.As(err, &ne) && ne.Timeout()
		return nil, !timedOut, fmt.Errorf("replication: control call to %s: %w", addr, err)
	}
	body, err := readFrame(c)
	if err != nil {
		return nil, false, fmt.Errorf("replication: control call to %s: %w", addr, err)
	}
	switch status[0] {
	case replyOK:
		return body, false, nil
	case replyErr:
		return nil, false, &RemoteError{Msg: string(body)}
	}
	return nil, false, fmt.Errorf("replication: control call to %s: bad reply status %d", addr, status[0])
}

// serveControl answers control requests on c until it fails or closes.
func (b *Bus) serveControl(c net.Conn) {
	for {
		req, err := readFrame(c)
		if err != nil {
			return
		}
		b.mu.Lock()
		h := b.control
		b.mu.Unlock()
		status, resp := byte(replyOK), []byte(nil)
		if h == nil {
			status, resp = replyErr, []byte("replication: no control handler on this bus")
		} else if out, err := h(req); err != nil {
			status, resp = replyErr, []byte(err.Error())
		} else {
			resp = out
		}
		if len(resp) > maxControlFrame {
			status, resp = replyErr, []byte(errFrameTooLarge.Error())
		}
		_ = c.SetWriteDeadline(time.Now().Add(controlWriteTimeout))
		if err := writeFrame(c, []byte{status}, resp); err != nil {
			return
		}
		_ = c.SetWriteDeadline(time.Time{})
	}
}

// writeFrame writes prefix, the length of body and body in one write.
func writeFrame(w io.Writer, prefix, body []byte) error {
	buf := make([]byte, 0, len(prefix)+4+len(body))
	buf = append(buf, prefix...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(body)))
	buf = append(buf, body...)
	_, err := w.Write(buf)
	return err
}

// readFrame reads a length-prefixed body of at most maxControlFrame bytes.
func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxControlFrame {
		return nil, errFrameTooLarge
	}
	if size <= 64<<10 {
		body := make([]byte, size)
		if _, err := io.ReadFull(r, body); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return body, nil
	}
	// Grow with the bytes that arrive rather than trusting the length.
	body, err := io.ReadAll(io.LimitReader(r, int64(size)))
	if err != nil {
		return nil, err
	}
	if len(body) < int(size) {
		return nil, io.ErrUnexpectedEOF
	}
	return body, nil
}

// callPool keeps idle outgoing control connections by peer address.
type callPool struct {
	mu sync.Mutex
	// guarded by mu
	idle   map[string][]net.Conn
	closed bool
}

func (p *callPool) get(addr string) net.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	conns := p.idle[addr]
	if len(conns) == 0 {
		return nil
	}
	c := conns[len(conns)-1]
	p.idle[addr] = conns[:len(conns)-1]
	return c
}

func (p *callPool) put(addr string, c net.Conn) {
	p.mu.Lock()
	if p.closed || len(p.idle[addr]) >= maxIdleCalls {
		p.mu.Unlock()
		_ = c.Close()
		return
	}
	if p.idle == nil {
		p.idle = make(map[string][]net.Conn)
	}
	p.idle[addr] = append(p.idle[addr], c)
	p.mu.Unlock()
}

func (p *callPool) closeAll() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.closed = true
	p.mu.Unlock()
	for _, conns := range idle {
		for _, c := range conns {
			_ = c.Close()
		}
	}
}
