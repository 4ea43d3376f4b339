package replication

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// defaultHandshakeTimeout bounds the handshake on both sides, so a peer that
// connects and stays silent cannot hold a goroutine for long.
const defaultHandshakeTimeout = 5 * time.Second

// ErrBusClosed is returned by a Bus, and by groups dialing through it, once
// the Bus is closed.
var ErrBusClosed = errors.New("replication: cluster bus closed")

// Bus is one TCP listener that carries the Raft traffic of every Group of
// the process, and control RPCs. Every connection, in either direction,
// starts with a handshake in which both ends prove they hold the same
// secret (see handshake.go); a connection that fails it is closed.
//
// A Bus authenticates peers; it does not encrypt or protect the traffic
// that follows the handshake. Run it on a private network.
type Bus struct {
	ln               net.Listener
	secret           []byte
	logger           *slog.Logger
	handshakeTimeout time.Duration

	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
	done      chan struct{} // closed by Close
	wg        sync.WaitGroup

	// accepted holds accepted connections until they are handed to a group,
	// and control connections while they are served.
	accepted connSet
	// dialed holds outgoing control connections, idle or in use.
	dialed connSet
	idle   callPool

	mu sync.Mutex
	// guarded by mu
	groups  map[string]*streamLayer
	control func(req []byte) ([]byte, error)
}

// Listen opens the bus on addr ("host:port"; port 0 picks one). Peers must
// use the same secret; an empty secret is allowed but authenticates nothing
// beyond "speaks this protocol". logger may be nil.
func Listen(addr string, secret []byte, logger *slog.Logger) (*Bus, error) {
	return listen(addr, secret, logger, defaultHandshakeTimeout)
}

func listen(addr string, secret []byte, logger *slog.Logger, handshakeTimeout time.Duration) (*Bus, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	b := &Bus{
		ln:               ln,
		secret:           append([]byte(nil), secret...),
		logger:           logger,
		handshakeTimeout: handshakeTimeout,
		done:             make(chan struct{}),
		groups:           make(map[string]*streamLayer),
	}
	b.accepted.refuse = b.closed.Load
	b.dialed.refuse = b.closed.Load
	b.wg.Add(1)
	go b.acceptLoop()
	return b, nil
}

// Addr is the address the bus listens on.
func (b *Bus) Addr() net.Addr { return b.ln.Addr() }

// Close closes the listener, every connection the bus accepted or dialed
// (including those handed to groups), and waits for the bus's goroutines,
// among them running control handlers. Groups should be shut down first;
// their dials fail once the bus is closed. Close is idempotent.
func (b *Bus) Close() error {
	b.closeOnce.Do(func() {
		b.closed.Store(true)
		close(b.done)
		if err := b.ln.Close(); err != nil {
			b.closeErr = fmt.Errorf("replication: %w", err)
		}
		b.accepted.closeAll(true)
		b.dialed.closeAll(true)
		b.idle.closeAll()
		b.mu.Lock()
		layers := make([]*streamLayer, 0, len(b.groups))
		for _, l := range b.groups {
			layers = append(layers, l)
		}
		b.mu.Unlock()
		for _, l := range layers {
			l.conns.closeAll(false)
		}
		b.wg.Wait()
	})
	return b.closeErr
}

func (b *Bus) acceptLoop() {
	defer b.wg.Done()
	var delay time.Duration
	for {
		c, err := b.ln.Accept()
		if err != nil {
			if b.closed.Load() {
				return
			}
			// Out of file descriptors and the like: back off and retry.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			b.logger.Warn("cluster bus accept failed", "err", err, "retry_in", delay)
			select {
			case <-b.done:
				return
			case <-time.After(delay):
			}
			continue
		}
		delay = 0
		if !b.accepted.add(c) {
			_ = c.Close()
			return
		}
		b.wg.Add(1)
		go b.serveConn(c)
	}
}

// serveConn authenticates an accepted connection and hands it to its group
// or serves control RPCs on it.
func (b *Bus) serveConn(c net.Conn) {
	defer b.wg.Done()
	_ = c.SetDeadline(time.Now().Add(b.handshakeTimeout))
	h, err := serverHandshake(c, b.secret, rand.Reader, b.routes)
	if err != nil {
		level := slog.LevelDebug
		if errors.Is(err, errAuth) {
			level = slog.LevelWarn
		}
		b.logger.Log(context.Background(), level, "cluster bus connection refused",
			"remote", c.RemoteAddr().String(), "err", err)
		if errors.Is(err, errNotBus) {
			lingerClose(c)
		}
		b.accepted.remove(c)
		_ = c.Close()
		return
	}
	_ = c.SetDeadline(time.Time{})
	switch h.kind {
	case kindRaft:
		b.accepted.remove(c)
		b.mu.Lock()
		l := b.groups[h.group]
		b.mu.Unlock()
		if l == nil {
			_ = c.Close()
			return
		}
		l.deliver(c)
	case kindCtl:
		b.serveControl(c)
		b.accepted.remove(c)
		_ = c.Close()
	}
}

// routes reports whether the bus serves what h asks for.
func (b *Bus) routes(h header) bool {
	if h.kind == kindCtl {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.groups[h.group] != nil
}

// dial connects to the bus at addr and runs the handshake for h. A zero
// deadline means only the handshake timeout applies.
func (b *Bus) dial(addr string, h header, deadline time.Time) (net.Conn, error) {
	if b.closed.Load() {
		return nil, ErrBusClosed
	}
	hs := time.Now().Add(b.handshakeTimeout)
	if !deadline.IsZero() && deadline.Before(hs) {
		hs = deadline
	}
	d := net.Dialer{Deadline: hs}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	_ = c.SetDeadline(hs)
	if err := clientHandshake(c, b.secret, h, rand.Reader); err != nil {
		_ = c.Close()
		if strings.HasPrefix(err.Error(), "replication: ") {
			return nil, fmt.Errorf("%w [peer %s]", err, addr)
		}
		return nil, fmt.Errorf("replication: handshake with %s: %w", addr, err)
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// register makes l the receiver of group l.group's connections.
func (b *Bus) register(l *streamLayer) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return ErrBusClosed
	}
	if b.groups[l.group] != nil {
		return fmt.Errorf("replication: group %q is already open on this bus", l.group)
	}
	b.groups[l.group] = l
	return nil
}

// unregister forgets l, unless another layer has taken its group id since.
func (b *Bus) unregister(l *streamLayer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.groups[l.group] == l {
		delete(b.groups, l.group)
	}
}

// lingerClose lets the reply to a peer that spoke another protocol reach
// it: closing a socket with unread input resets the connection, and the
// reset can destroy the reply in flight. So send FIN, then discard what the
// peer still sends for a short while.
func lingerClose(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	_ = tc.CloseWrite()
	_ = tc.SetReadDeadline(time.Now().Add(time.Second))
	_, _ = io.Copy(io.Discard, io.LimitReader(tc, 64<<10))
}
