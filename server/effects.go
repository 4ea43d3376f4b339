package server

// effect is one write as it is propagated: the database it applies to and
// the command. The arguments may be the request's own, which alias the
// connection's read buffer: effects are flushed before the request's
// handling ends, and a propagator copies what it keeps.
type effect struct {
	db   int
	argv [][]byte
	off  int // where it must not go: replAOF, replReplica (redis.set_repl)
}

// queueEffect records an effect of the request being processed. Effects
// are handed to the propagator together by flushEffects, so a request that
// had several (EXEC, a command that also expired a key) reaches the AOF and
// replicas as one atomic unit. Called with s.mu held.
func (s *Server) queueEffect(db int, argv [][]byte) {
	if !s.propagating() || s.replOff == replAll {
		return
	}
	s.pending = append(s.pending, effect{db: db, argv: argv, off: s.replOff})
}

// flushEffects hands the queued effects to the propagator. With atomic set
// (the effects of one request) several effects are wrapped in MULTI/EXEC,
// as Redis's propagatePendingCommands does; the deletions of an active
// expiry cycle go out one by one. It is the one call site of the
// propagator. Called with s.mu held.
func (s *Server) flushEffects(atomic bool) {
	if len(s.pending) == 0 {
		return
	}
	wrap := atomic && len(s.pending) > 1
	if wrap {
		s.propagate(s.pending[0].db, [][]byte{[]byte("MULTI")}, 0)
	}
	for _, e := range s.pending {
		s.propagate(e.db, e.argv, e.off)
	}
	if wrap {
		s.propagate(s.pending[len(s.pending)-1].db, [][]byte{[]byte("EXEC")}, 0)
	}
	clear(s.pending)
	s.pending = s.pending[:0]
}

// propagating reports whether effects have somewhere to go: the AOF or a
// propagator, and not while replaying a file. Called with s.mu held.
func (s *Server) propagating() bool {
	return (s.prop != nil || s.persist.aof != nil) && !s.persist.replaying
}

// propagate hands one effect to the AOF and the propagator, but not to
// those off names. Called with s.mu held.
func (s *Server) propagate(db int, argv [][]byte, off int) {
	if off&replAOF == 0 {
		s.appendEffect(db, argv)
	}
	if s.prop != nil && off&replReplica == 0 {
		s.prop.Propagate(db, argv)
	}
}
