package store

// Options configure a Store.
type Options struct {
	// Databases is the number of databases (redis.conf `databases`).
	Databases int
	// Seed randomizes the hash function of every table.
	Seed uint64
	// OnExpire, when set, is called when the store is about to delete a key
	// because it found it expired (on access or in an active expiry cycle),
	// with the value still in place, so the caller can log the deletion as
	// an effect, count it and account for the memory it frees. Deletion on
	// access only happens on a DB whose DeleteExpired is true.
	OnExpire func(db int, key string, o *Object)
	// OnNew, when set, is called when a key is added to a database (not
	// when a value replaces the one a key held), right after the insertion.
	OnNew func(db int, key string)
	// Access says how reads update a key's access clock (LRU or LFU). The
	// caller may change it between operations (CONFIG SET maxmemory-policy).
	Access *AccessPolicy
	// Limits are the thresholds of the compact encodings, which writes
	// read through DB.Limits. The caller may change them between
	// operations (CONFIG SET hash-max-listpack-entries and the like); nil
	// means Redis's defaults.
	Limits *Limits
}

// Store is the whole keyspace: a fixed number of databases.
type Store struct {
	dbs  []*DB
	opts Options
}

// New returns an empty store.
func New(opts Options) *Store {
	if opts.Databases < 1 {
		opts.Databases = 16
	}
	if opts.Access == nil {
		opts.Access = &AccessPolicy{}
	}
	if opts.Limits == nil {
		lim := DefaultLimits()
		opts.Limits = &lim
	}
	s := &Store{opts: opts, dbs: make([]*DB, opts.Databases)}
	for i := range s.dbs {
		s.dbs[i] = newDB(i, &s.opts)
	}
	return s
}

// NumDB returns the number of databases.
func (s *Store) NumDB() int { return len(s.dbs) }

// DB returns database i; i must be in [0, NumDB()).
func (s *Store) DB(i int) *DB { return s.dbs[i] }

// SwapDB exchanges the contents of databases i and j (SWAPDB).
func (s *Store) SwapDB(i, j int) {
	a, b := s.dbs[i], s.dbs[j]
	a.keys, b.keys = b.keys, a.keys
	a.expires, b.expires = b.expires, a.expires
	swapSlotIndexes(a, b)
}

// FlushAll empties every database.
func (s *Store) FlushAll() {
	for _, db := range s.dbs {
		db.Flush()
	}
}

// Keys returns the total number of keys over all databases.
func (s *Store) Keys() int {
	n := 0
	for _, db := range s.dbs {
		n += db.Len()
	}
	return n
}

// SlotIndexBytes returns the memory the databases' per-slot key indexes
// take (cluster mode), 0 when none is enabled.
func (s *Store) SlotIndexBytes() int64 {
	var n int64
	for _, db := range s.dbs {
		n += db.SlotIndexBytes()
	}
	return n
}
