package server

import (
	"math/rand/v2"

	"quordis/store"
)

// Ctx is what a handler works with: its arguments, the database, the time
// and the random source of this execution, and the calling client. The same
// handler runs on a client's request, on AOF replay and in a Raft state
// machine; only the caller differs, so a handler never reads the clock or a
// global random source.
type Ctx struct {
	s    *Server
	cl   *client // the calling client; a pseudo client on replay
	Cmd  *Command
	Args [][]byte
	DB   *store.DB
	Now  int64 // Unix milliseconds
	Rand *rand.Rand

	dirty   int        // changes made by this command
	effects [][][]byte // explicit effects; none means "the request itself"
	noProp  bool       // the command changed data but must not be propagated
}

// Modified records that the command changed key: it counts a change (for
// propagation and rdb_changes_since_last_save) and invalidates WATCHes on
// the key, as Redis's signalModifiedKey does.
func (c *Ctx) Modified(key []byte) {
	c.dirty++
	c.s.signalModified(c.DB.ID(), key)
}

// ModifiedTimes records n changes to key (none when n is 0): one
// Modified, so WATCHes on key fail, and n changes counted in all.
func (c *Ctx) ModifiedTimes(key []byte, n int) {
	if n > 0 {
		c.Modified(key)
		c.Changed(n - 1)
	}
}

// Changed counts n changes that are not tied to one key's WATCH (FLUSHDB
// and the like invalidate WATCHes themselves).
func (c *Ctx) Changed(n int) { c.dirty += n }

// Propagate records argv as an effect of this command, in place of the
// request itself. Handlers call it when the request is not deterministic
// on its own (relative expiry, random choices) so the AOF and replicas
// see what actually happened. argv must not alias the request buffer.
func (c *Ctx) Propagate(argv ...[]byte) {
	c.effects = append(c.effects, argv)
}

// PropagateStrings is Propagate for string arguments.
func (c *Ctx) PropagateStrings(argv ...string) {
	b := make([][]byte, len(argv))
	for i, a := range argv {
		b[i] = []byte(a)
	}
	c.effects = append(c.effects, b)
}

// key returns argument i as a string view for lookups. The view aliases the
// request buffer: never store it; use ownedKey for keys that are inserted.
func (c *Ctx) key(i int) string { return bytesView(c.Args[i]) }

// ownedKey returns argument i as a newly allocated string, for insertion.
func (c *Ctx) ownedKey(i int) string { return string(c.Args[i]) }

// Propagator receives the effects of every write, in execution order, with
// the database they apply to. The AOF and replication implement it. argv
// may alias a connection's read buffer: it is valid only during the call,
// so an implementation copies (or encodes) what it keeps.
type Propagator interface {
	Propagate(db int, argv [][]byte)
}
