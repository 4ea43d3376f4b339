package replication

import (
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// streamLayer is one group's view of the bus: the raft.StreamLayer its
// NetworkTransport accepts from and dials through. Accepted connections come
// from the bus's accept loop, already authenticated and routed by group id;
// dialed ones are authenticated and carry the group id in their header.
type streamLayer struct {
	bus    *Bus
	group  string
	addr   busAddr
	accept chan net.Conn
	done   chan struct{} // closed by Close
	once   sync.Once
	// drained is closed once every connection is closed; set by Close.
	drained <-chan struct{}
	// conns holds every connection of this layer, accepted or dialed, so
	// that closing the layer cuts every peer's pooled connection to it: a
	// group opened later under the same id must not inherit them.
	conns connSet
}

// busAddr is the advertised address of a group, the one its peers dial.
type busAddr string

func (a busAddr) Network() string { return "tcp" }
func (a busAddr) String() string  { return string(a) }

var _ raft.StreamLayer = (*streamLayer)(nil)

// newStreamLayer registers a layer for group on b.
func newStreamLayer(b *Bus, group, advertise string) (*streamLayer, error) {
	l := &streamLayer{
		bus:    b,
		group:  group,
		addr:   busAddr(advertise),
		accept: make(chan net.Conn),
		done:   make(chan struct{}),
	}
	l.conns.refuse = b.closed.Load
	if err := b.register(l); err != nil {
		return nil, err
	}
	return l, nil
}

// deliver hands an accepted, authenticated connection to the transport's
// accept loop, or closes it when the layer or the bus closes first.
func (l *streamLayer) deliver(raw net.Conn) {
	c, ok := l.conns.track(raw)
	if !ok {
		_ = raw.Close()
		return
	}
	select {
	case l.accept <- c:
	case <-l.done:
		_ = c.Close()
	case <-l.bus.done:
		_ = c.Close()
	}
}

// Accept implements net.Listener.
func (l *streamLayer) Accept() (net.Conn, error) {
	select {
	case c := <-l.accept:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener: it unregisters the group from the bus and
// shuts the read side of every connection of the layer, so that the
// transport's reading goroutines see EOF and close them. It is idempotent.
func (l *streamLayer) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.bus.unregister(l)
		l.drained = l.conns.closeReads()
	})
	return nil
}

// drain waits, after Close, until the transport has closed every connection
// of the layer (raft closes those it dialed in CloseStreams), and closes
// whatever is left after timeout: a peer that stopped reading can hold a
// transport goroutine in a write.
func (l *streamLayer) drain(timeout time.Duration) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-l.drained:
	case <-t.C:
		l.conns.closeAll(true)
	}
}

// Addr implements net.Listener and returns the advertised address, which
// raft takes as this server's address.
func (l *streamLayer) Addr() net.Addr { return l.addr }

// Dial implements raft.StreamLayer.
func (l *streamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	select {
	case <-l.done:
		return nil, net.ErrClosed
	default:
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	raw, err := l.bus.dial(string(address), header{kind: kindRaft, group: l.group}, deadline)
	if err != nil {
		return nil, err
	}
	c, ok := l.conns.track(raw)
	if !ok {
		_ = raw.Close()
		return nil, net.ErrClosed
	}
	return c, nil
}
