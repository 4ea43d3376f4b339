package server

import (
	"time"

	"quordis/store"
)

// A snapshot walks the keyspace as it was at the instant the snapshot
// started, without stopping clients: BGSAVE, BGREWRITEAOF and (later) Raft
// snapshots use it. Redis forks for this; a Go process cannot, so the walk
// runs in short steps under the keyspace lock, between commands, and a
// write to a key the walk has not reached yet first emits that key's
// current value — its value at the start, since nothing has changed it
// before — and marks it done ("pre-dump"). Keys created after the start
// are marked done by the same hook while still absent, so the walk never
// emits them: from the start on, their story belongs to what follows the
// snapshot (the new AOF file, the Raft log).
//
// Every write that can touch a key goes through the hook: commands with
// the write flag (their keys come from the command table), served
// blocking pops, and the commands that reach beyond their key arguments
// (MOVE and COPY into another database; SWAPDB, FLUSHALL and FLUSHDB
// finish the walk first). Deletions by expiry need no hook: a key deleted
// before it was walked is logged as a DEL, which replays as a no-op.

// emitFunc receives one key of a snapshot: its database, name, value and
// absolute expiry (0 for none). It runs under the keyspace lock and must
// serialize o before returning: o may change right after.
type emitFunc func(db int, key string, o *store.Object, expireAt int64) error

// snapshot is the state of one walk. All its fields are guarded by
// Server.mu.
type snapshot struct {
	s    *Server
	emit emitFunc
	err  error // the first emit error; the walk stops

	db     int    // database being walked
	cursor uint64 // Scan cursor in db
	done   []map[string]struct{}
	over   bool
}

// startSnapshot begins a walk of the keyspace as it is now. Only one runs
// at a time. Called with s.mu held.
func (s *Server) startSnapshot(emit emitFunc) *snapshot {
	sn := &snapshot{s: s, emit: emit, done: make([]map[string]struct{}, s.store.NumDB())}
	for i := range sn.done {
		sn.done[i] = make(map[string]struct{})
	}
	s.snap = sn
	return sn
}

// step emits up to n keys, stopping early once it has run for budget (0:
// no limit), and reports whether the walk is complete (or failed: see
// err). Called with s.mu held.
func (sn *snapshot) step(n int, budget time.Duration) bool {
	var deadline time.Duration
	if budget > 0 {
		deadline = sn.s.mono.Since() + budget
	}
	for !sn.over && sn.err == nil && n > 0 {
		db := sn.s.store.DB(sn.db)
		sn.cursor = db.Scan(sn.cursor, func(key string, o *store.Object) {
			if sn.err != nil {
				return
			}
			if !markDone(sn.done[sn.db], key) {
				return
			}
			n--
			sn.emitKey(db, key, o)
		})
		if sn.cursor == 0 {
			sn.db++
			if sn.db == len(sn.done) {
				sn.finish()
			}
		}
		// Checked after a bucket, so that every step makes progress.
		if deadline > 0 && sn.s.mono.Since() > deadline {
			break
		}
	}
	return sn.over || sn.err != nil
}

// markDone adds key to done and reports whether it was not there yet,
// hashing it once (a lookup and then an insert would hash it twice).
func markDone(done map[string]struct{}, key string) bool {
	n := len(done)
	done[key] = struct{}{}
	return len(done) > n
}

// emitKey hands one key to the emitter with its expiry; a key already
// expired is emitted too (loaders drop expired keys, as Redis's do).
func (sn *snapshot) emitKey(db *store.DB, key string, o *store.Object) {
	at, _ := db.Expiry(key)
	if sn.err == nil {
		sn.err = sn.emit(db.ID(), key, o, at)
	}
}

// finish ends the walk and unregisters it.
func (sn *snapshot) finish() {
	sn.over = true
	sn.done = nil
	if sn.s.snap == sn {
		sn.s.snap = nil
	}
}

// abort stops the walk early (the snapshot's consumer failed or was
// cancelled). Called with s.mu held.
func (sn *snapshot) abort() {
	if !sn.over {
		sn.finish()
	}
}

// touch is the pre-dump hook: before a write to key in db, emit the key's
// value if the walk has not reached it, and mark it done either way.
// Called with s.mu held.
func (sn *snapshot) touch(db int, key []byte) {
	if sn.over || sn.err != nil {
		return
	}
	done := sn.done[db]
	if _, ok := done[bytesView(key)]; ok {
		return
	}
	k := string(key)
	markDone(done, k)
	d := sn.s.store.DB(db)
	if o := d.Peek(k, sn.s.now()); o != nil {
		sn.emitKey(d, k, o)
	}
}

// touchAll emits every key not walked yet, for commands that move whole
// databases (SWAPDB). Called with s.mu held.
func (sn *snapshot) touchAll() {
	for !sn.step(1<<30, 0) {
	}
}

// snapshotHook runs the pre-dump hook for a write command about to run
// on keys (see writtenKeys). Called with s.mu held.
func (s *Server) snapshotHook(cmd *Command, keys []dbKey) {
	sn := s.snap
	switch cmd.Name {
	case "swapdb", "flushall", "flushdb":
		sn.touchAll()
		return
	}
	for _, k := range keys {
		sn.touch(k.db, k.key)
	}
}

// dbIndex parses a database number argument that is in range.
func (s *Server) dbIndex(b []byte) (int, bool) {
	id, ok := parseInt(b)
	if !ok || id < 0 || id >= int64(s.store.NumDB()) {
		return 0, false
	}
	return int(id), true
}
