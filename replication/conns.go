package replication

import (
	"net"
	"sync"
)

// connSet remembers open connections so that their owner can close them all
// when it shuts down: a goroutine blocked reading a connection only returns
// once the connection is closed.
type connSet struct {
	// refuse, when set, is asked on every add; true refuses the connection.
	// It lets a set follow its bus's closing without a lock of the bus.
	refuse func() bool

	mu sync.Mutex
	// guarded by mu
	conns  map[net.Conn]struct{}
	closed bool
	// drained, made by closeReads, is closed once the set is empty.
	drained chan struct{}
}

// add records c, or reports false when the set no longer takes connections.
func (s *connSet) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || (s.refuse != nil && s.refuse()) {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *connSet) remove(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.signalDrainedLocked()
	s.mu.Unlock()
}

func (s *connSet) signalDrainedLocked() {
	if s.drained == nil || len(s.conns) > 0 {
		return
	}
	select {
	case <-s.drained:
	default:
		close(s.drained)
	}
}

func (s *connSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// closeAll closes every connection in the set. With final, the set also
// refuses every later add.
func (s *connSet) closeAll(final bool) {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	if final {
		s.closed = true
	}
	s.signalDrainedLocked()
	s.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

// closeReads refuses later adds and shuts the read side of every
// connection in the set. The goroutine reading a connection then sees a
// clean EOF and closes it, where a plain Close would make it log "use of
// closed network connection". Connections stay in the set until closed; the
// returned channel is closed once none is left.
func (s *connSet) closeReads() <-chan struct{} {
	s.mu.Lock()
	s.closed = true
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	drained := s.drained
	s.signalDrainedLocked()
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		if cr, ok := c.(interface{ CloseRead() error }); ok {
			_ = cr.CloseRead()
		} else {
			_ = c.Close()
		}
	}
	return drained
}

// track wraps c so that closing it also removes it from s. It returns false
// (and leaves c open) when s refuses it.
func (s *connSet) track(c net.Conn) (net.Conn, bool) {
	tc := &trackedConn{Conn: c, set: s}
	if !s.add(tc) {
		return nil, false
	}
	return tc, true
}

// trackedConn is a connection that leaves its set when it is closed.
type trackedConn struct {
	net.Conn
	set  *connSet
	once sync.Once
	err  error
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.set.remove(c)
		c.err = c.Conn.Close()
	})
	return c.err
}

// CloseRead shuts the read side of a TCP connection, and closes any other.
func (c *trackedConn) CloseRead() error {
	if cr, ok := c.Conn.(interface{ CloseRead() error }); ok {
		return cr.CloseRead()
	}
	return c.Close()
}
