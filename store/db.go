package store

import (
	"math/rand/v2"
	"unsafe"
)

// DB is one numbered database: the keys and their expiry times.
//
// Methods that insert a key retain the key string they are given, so callers
// pass a string they own (not a view of a reusable buffer). Lookups may use
// a temporary view.
type DB struct {
	id      int
	opts    *Options
	keys    *Dict[Object]
	expires *Dict[int64] // absolute expiry, Unix milliseconds

	// DeleteExpired says whether this node may delete a key it finds expired
	// on access. True on a standalone server and a group's leader; a follower
	// treats expired keys as missing but leaves the deletion to the leader's log.
	DeleteExpired bool

	// rnd is the state of a xorshift generator for the LFU counter's
	// probabilistic increments (local metadata, never replicated).
	rnd uint64

	// AvgTTL is the running estimate of the average remaining TTL in
	// milliseconds of keys with an expiry, kept by ExpireCycle as Redis does.
	AvgTTL int64

	// slotOf maps a key to its hash slot when db keeps a per-slot key
	// index (cluster mode: EnableSlotIndex), nil otherwise; the index
	// itself is the lists of keys (see slots.go).
	slotOf func(key string) int

	// spares are what eviction left for new keys to be built in.
	spares spares
}

func newDB(id int, opts *Options) *DB {
	return &DB{
		id:            id,
		opts:          opts,
		keys:          NewDict[Object](opts.Seed ^ uint64(id)*0x9e3779b97f4a7c15),
		expires:       NewDict[int64](opts.Seed ^ uint64(id+1)*0xbf58476d1ce4e5b9),
		DeleteExpired: true,
		rnd:           opts.Seed | 1,
	}
}

// ID returns the database number.
func (db *DB) ID() int { return db.id }

// Limits returns the thresholds of the compact encodings in force, for
// writes to pass to the values they change. They may change between
// operations, never during one.
func (db *DB) Limits() *Limits { return db.opts.Limits }

// Len returns the number of keys, including keys that are logically expired
// but not yet deleted (as Redis's DBSIZE does).
func (db *DB) Len() int { return db.keys.Len() }

// ExpiresLen returns the number of keys with an expiry.
func (db *DB) ExpiresLen() int { return db.expires.Len() }

// expired reports whether key has an expiry at or before now.
func (db *DB) expired(key string, now int64) bool {
	if db.expires.Len() == 0 {
		return false
	}
	at, ok := db.expires.Get(key)
	return ok && at <= now
}

// ExpiredAt reports whether key exists but is logically expired at now.
func (db *DB) ExpiredAt(key string, now int64) bool { return db.expired(key, now) }

// expireIfNeeded deletes key when it is expired and this node may delete
// it, and reports whether the key is (logically) gone.
func (db *DB) expireIfNeeded(key string, now int64) bool {
	if !db.expired(key, now) {
		return false
	}
	if db.DeleteExpired {
		if db.opts.OnExpire != nil {
			db.opts.OnExpire(db.id, key, db.keys.GetPtr(key))
		}
		db.keys.Delete(key)
		db.expires.Delete(key)
	}
	return true
}

// Get returns the live value of key at now, or nil, and counts an access
// to it (its LRU or LFU clock). The pointer stays valid until the next
// change to the database; callers may modify the object in place.
func (db *DB) Get(key string, now int64) *Object {
	o := db.Peek(key, now)
	if o != nil {
		db.opts.Access.touch(o, now, db.random())
	}
	return o
}

// Peek is Get without counting an access (OBJECT, TTL, TYPE-like
// inspections that Redis does not let change a key's idle time).
func (db *DB) Peek(key string, now int64) *Object {
	o := db.keys.GetPtr(key)
	if o == nil || db.expireIfNeeded(key, now) {
		return nil
	}
	return o
}

// Stored returns the object stored at key, live or expired but not yet
// deleted, without expiring it or counting an access: what a write left
// there, which DBSIZE counts until something deletes it, as Redis's does.
func (db *DB) Stored(key string) *Object { return db.keys.GetPtr(key) }

// random returns a uniform value in [0,1).
func (db *DB) random() float64 {
	x := db.rnd
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	db.rnd = x
	return float64(x>>11) / (1 << 53)
}

// Exists reports whether key holds a live value at now, without counting
// an access.
func (db *DB) Exists(key string, now int64) bool { return db.Peek(key, now) != nil }

// Set stores o under key at now and removes any expiry, as SET does.
func (db *DB) Set(key string, o Object, now int64) {
	db.opts.Access.initAccess(&o, now)
	db.setKey(key, o)
	if db.expires.Len() > 0 {
		db.expires.Delete(key)
	}
}

// SetString stores a string holding a copy of val under a copy of key at
// now and drops any expiry the key had, as Set does. The key and the value
// share one allocation (as a big hash's fields and values do), so a string
// key is one object for the garbage collector to mark instead of two, and
// a SET makes one allocation, or none when an eviction left a spare of its
// size (see spares); an existing key takes the new key string too
// (Dict.SwapUsing), so the old allocation goes with the old value.
func (db *DB) SetString(key, val []byte, now int64) {
	k, v := db.spares.join(key, val)
	o := NewString(v)
	o.ownKey = len(key) > 0 && len(val) > 0
	db.opts.Access.initAccess(&o, now)
	if _, existed := db.keys.SwapUsing(view(key), k, o); !existed && db.opts.OnNew != nil {
		db.opts.OnNew(db.id, k)
	}
	if db.expires.Len() > 0 {
		db.expires.Delete(k)
	}
}

// OverwriteString is SetString for a plain SET, whose reply does not carry
// the old value: when key holds a string that SetString stored (its value
// shares the key's allocation, right after the key, and was not modified
// in place since) of val's length, val is copied over it, and the key keeps
// its allocation, so that rewriting a key with a value of the same size
// makes no garbage. Anything that needs the old bytes has copied them by
// now: replies are encoded as soon as their command has run (EXEC too), and
// a snapshot emits a key's value before a write to it. Otherwise it is
// SetString.
func (db *DB) OverwriteString(key, val []byte, now int64) {
	k := view(key)
	if o := db.keys.GetPtr(k); o != nil && o.Kind == KindString && !o.Raw && len(val) > 0 &&
		len(o.Str()) == len(val) && cap(o.Str()) == len(val) {
		stored, _ := db.keys.Key(k)
		if joined(stored, unsafe.SliceData(o.Str())) {
			copy(o.Str(), val)
			o.Float = false
			db.opts.Access.initAccess(o, now)
			if db.expires.Len() > 0 {
				db.expires.Delete(stored)
			}
			return
		}
	}
	db.SetString(key, val, now)
}

// joined reports whether the value at val starts right where key ends, as
// joinKeyValue lays them out. The addresses are compared as numbers: the
// key's end may lie past its own allocation when the two are not joined.
func joined(key string, val *byte) bool {
	return uintptr(unsafe.Pointer(unsafe.StringData(key)))+uintptr(len(key)) == uintptr(unsafe.Pointer(val))
}

// joinKeyValue copies key and val into one allocation. The value's
// capacity ends where it does, so appending to it reallocates instead of
// growing into memory that is not the value's. An empty value is nil, as
// a clone of an empty argument is. The allocation asks for its whole size
// class (joinCap), which the allocator rounds up to anyway, so that every
// joint allocation is known to hold at least that much when eviction
// keeps it (see spares).
func joinKeyValue(key, val []byte) (string, []byte) {
	n := len(key) + len(val)
	return layOut(make([]byte, n, joinCap(n)), key, val)
}

// layOut copies key and val into b, which is as long as the two, as
// joinKeyValue lays them out.
func layOut(b, key, val []byte) (string, []byte) {
	copy(b, key)
	copy(b[len(key):], val)
	var v []byte
	if len(val) > 0 {
		v = b[len(key):len(b):len(b)]
	}
	return unsafe.String(unsafe.SliceData(b), len(key)), v
}

// SetFrom is Set for a key that is a request's argument, which it copies
// when the key is new: into an allocation of the key's whole size class
// (one that eviction left, when there is one), which eviction then
// reuses in turn when it takes the key (see spares). The commands that
// create hashes, sets, sorted sets and lists store them with it.
func (db *DB) SetFrom(key []byte, o Object, now int64) {
	if db.keys.GetPtr(view(key)) != nil {
		// The table keeps the key string it has.
		db.Set(view(key), o, now)
		return
	}
	k, _ := db.spares.join(key, nil)
	db.Set(k, o, now)
	if len(k) > 0 {
		db.keys.GetPtr(k).ownKey = true
	}
}

// SetKeepTTL stores o under key at now and keeps its expiry if the key
// already existed (SET ... KEEPTTL).
func (db *DB) SetKeepTTL(key string, o Object, now int64) {
	db.opts.Access.initAccess(&o, now)
	db.setKey(key, o)
}

// setKey stores o under key in the keyspace.
func (db *DB) setKey(key string, o Object) {
	// The key may be another string than the one join laid out for o.
	o.ownKey = false
	if _, existed := db.keys.upsert(key, key, o, false); !existed && db.opts.OnNew != nil {
		db.opts.OnNew(db.id, key)
	}
}

// Delete removes key and reports whether it existed (expired or not).
func (db *DB) Delete(key string) bool {
	if _, ok := db.keys.Delete(key); !ok {
		return false
	}
	if db.expires.Len() > 0 {
		db.expires.Delete(key)
	}
	return true
}

// Expiry returns the absolute expiry of key in Unix milliseconds and whether
// it has one.
func (db *DB) Expiry(key string) (int64, bool) {
	if db.expires.Len() == 0 {
		return 0, false
	}
	return db.expires.Get(key)
}

// SetExpiry sets the absolute expiry of an existing key.
func (db *DB) SetExpiry(key string, at int64) {
	if p := db.expires.GetPtr(key); p != nil {
		*p = at
		return
	}
	// Share the key string the keyspace already holds.
	db.expires.Set(db.ownedKey(key), at)
}

// Persist removes the expiry of key and reports whether it had one.
func (db *DB) Persist(key string) bool {
	_, ok := db.expires.Delete(key)
	return ok
}

// ownedKey returns the keyspace's own copy of key, so that the expires table
// does not keep a caller's temporary view alive.
func (db *DB) ownedKey(key string) string {
	k, ok := db.keys.Key(key)
	if !ok {
		return key
	}
	return k
}

// Flush removes every key.
func (db *DB) Flush() {
	db.keys.Clear()
	db.expires.Clear()
	db.AvgTTL = 0
}

// FreezeScan stops (on) or resumes the resizing of the key table, so that
// a Scan begun while it is frozen visits each key once and ScanPassed can
// tell where it has been (see Dict.Freeze).
func (db *DB) FreezeScan(on bool) { db.keys.Freeze(on) }

// ScanOverloaded reports whether the frozen key table holds more than
// four keys per bucket (see Dict.Overloaded).
func (db *DB) ScanOverloaded() bool { return db.keys.Overloaded() }

// ScanPassed reports whether a Scan of the frozen key table, now at cursor
// (not 0), has visited the bucket of key (see Dict.Passed).
func (db *DB) ScanPassed(cursor uint64, key string) bool { return db.keys.Passed(cursor, key) }

// Scan visits the keys of one step of a SCAN over the database and returns
// the next cursor (0 when complete). It reports keys without checking expiry;
// callers filter with Get.
func (db *DB) Scan(cursor uint64, fn func(key string, o *Object)) uint64 {
	return db.keys.Scan(cursor, fn)
}

// Range calls fn for every key until fn returns false. The database must not
// change during the walk.
func (db *DB) Range(fn func(key string, o *Object) bool) { db.keys.Range(fn) }

// RandomKey returns a random live key, as RANDOMKEY does: it retries a bounded
// number of times when it draws expired keys, and gives up when it sees only
// expired keys on a node that may not delete them.
func (db *DB) RandomKey(rng *rand.Rand, now int64) (string, bool) {
	for tries := 0; tries < 100; tries++ {
		key, ok := db.keys.RandomKey(rng)
		if !ok {
			return "", false
		}
		if !db.expired(key, now) {
			return key, true
		}
		if db.DeleteExpired {
			db.expireIfNeeded(key, now)
			continue
		}
		if db.expires.Len() == db.keys.Len() && tries >= 50 {
			// Every key is volatile and this node may not delete them:
			// return an expired one rather than loop, as Redis does.
			return key, true
		}
	}
	return "", false
}

// ExpireCycle samples up to n keys with an expiry, deletes those expired at
// now, and returns how many it sampled and deleted. The server's active
// expiry cron calls it repeatedly within its time budget.
func (db *DB) ExpireCycle(now int64, rng *rand.Rand, n int) (sampled, deleted int) {
	if db.expires.Len() == 0 || !db.DeleteExpired {
		return 0, 0
	}
	var victims []string
	var ttlSum, ttlCount int64
	db.expires.Sample(rng, n, func(key string, at *int64) bool {
		sampled++
		if *at <= now {
			victims = append(victims, key)
		} else {
			ttlSum += *at - now
			ttlCount++
		}
		return true
	})
	for _, key := range victims {
		if db.expireIfNeeded(key, now) {
			deleted++
		}
	}
	if ttlCount > 0 {
		avg := ttlSum / ttlCount
		// The same smoothing Redis applies: 2% of the new sample each cycle.
		if db.AvgTTL == 0 {
			db.AvgTTL = avg
		} else {
			db.AvgTTL = (db.AvgTTL/50)*49 + avg/50
		}
	}
	return sampled, deleted
}

// Prefetch brings the table entries, keys and string values of keys into
// the processor's cache, overlapping their misses (see Dict.Prefetch), for
// the commands of a pipeline about to run. It changes nothing.
func (db *DB) Prefetch(keys []string) uint32 {
	return db.keys.Prefetch(keys, touchObject)
}

func touchObject(o *Object) uint32 {
	if len(o.Str()) > 0 {
		return uint32(o.Str()[0])
	}
	return 0
}

// PrefetchMembers brings into the cache the entries of members in the hash,
// set or sorted set stored at key, overlapping their misses (see
// Dict.Prefetch), for the commands of a pipeline about to run. It does
// nothing for a missing key, another kind, or a compact encoding (a
// listpack or intset is one allocation). It changes nothing.
func (db *DB) PrefetchMembers(key string, members []string) uint32 {
	o := db.keys.GetPtr(key)
	if o == nil {
		return 0
	}
	switch v := o.Data().(type) {
	case *Hash:
		if d := v.dict(); d != nil {
			return d.Prefetch(members, nil)
		}
	case *Set:
		if d := v.dict(); d != nil {
			return d.Prefetch(members, nil)
		}
	case *ZSet:
		if b := v.big(); b != nil {
			return b.dict.Prefetch(members, nil)
		}
	}
	return 0
}
