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
// before — and marks it touched ("pre-dump"). Keys created after the start
// are marked touched by the same hook while still absent. The walk skips
// touched keys, so it never emits a key twice nor one created after the
// start: from the start on, their story belongs to what follows the
// snapshot (the new AOF file, the Raft log).
//
// The walk is a Scan of each database's key table, which it freezes (no
// resizing) while it walks that database: each key is then visited once,
// and whether the walk has passed a key follows from the cursor
// (store.DB.ScanPassed). So the hook needs no record of the keys walked,
// only of those it touched ahead of the walk, and those are dropped as the
// walk passes them: a snapshot holds memory for the keys written while it
// runs, not for the whole keyspace. A table that fills to four keys per
// bucket while frozen has the rest of its walk done at once.
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
	cursor uint64 // Scan cursor in db; 0 until its walk begins
	frozen bool   // db's key table is frozen: its walk has begun
	// touched[i] holds the keys of database i that the hook reached
	// before the walk did.
	touched []map[string]struct{}
	over    bool

	left  int                               // keys the current step may still emit
	visit func(key string, o *store.Object) // the walk's Scan callback
}

// startSnapshot begins a walk of the keyspace as it is now. Only one runs
// at a time. Called with s.mu held.
func (s *Server) startSnapshot(emit emitFunc) *snapshot {
	sn := &snapshot{s: s, emit: emit, touched: make([]map[string]struct{}, s.store.NumDB())}
	for i := range sn.touched {
		sn.touched[i] = make(map[string]struct{})
	}
	sn.visit = sn.walkKey
	s.snap = sn
	s.snapRunning.Store(true)
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
	sn.left = n
	for !sn.over && sn.err == nil && sn.left > 0 {
		db := sn.s.store.DB(sn.db)
		if !sn.frozen {
			db.FreezeScan(true)
			sn.frozen = true
		}
		rush := db.ScanOverloaded()
		for {
			sn.cursor = db.Scan(sn.cursor, sn.visit)
			if !rush || sn.cursor == 0 || sn.err != nil {
				break
			}
		}
		if sn.cursor == 0 {
			db.FreezeScan(false)
			sn.frozen = false
			clear(sn.touched[sn.db])
			sn.db++
			if sn.db == len(sn.touched) {
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

// walkKey is the walk's visit of one key of database sn.db.
func (sn *snapshot) walkKey(key string, o *store.Object) {
	if sn.err != nil {
		return
	}
	touched := sn.touched[sn.db]
	if _, ok := touched[key]; ok {
		delete(touched, key) // the walk does not come back to it
		return
	}
	sn.left--
	sn.emitKey(sn.s.store.DB(sn.db), key, o)
}

// passed reports whether the walk has visited key's place in database db.
func (sn *snapshot) passed(db int, key string) bool {
	switch {
	case db != sn.db:
		return db < sn.db
	case sn.cursor == 0:
		return false
	}
	return sn.s.store.DB(db).ScanPassed(sn.cursor, key)
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
	if sn.frozen {
		sn.s.store.DB(sn.db).FreezeScan(false)
		sn.frozen = false
	}
	sn.over = true
	sn.touched = nil
	if sn.s.snap == sn {
		sn.s.snap = nil
		sn.s.snapRunning.Store(false)
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
// value if the walk has not reached it, and mark it touched either way.
// Called with s.mu held.
func (sn *snapshot) touch(db int, key []byte) {
	if sn.over || sn.err != nil {
		return
	}
	touched := sn.touched[db]
	if _, ok := touched[bytesView(key)]; ok || sn.passed(db, bytesView(key)) {
		return
	}
	k := string(key)
	touched[k] = struct{}{}
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
