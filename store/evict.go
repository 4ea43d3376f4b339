package store

import (
	"math/rand/v2"
	"slices"
	"unsafe"
)

// EvictPolicy is maxmemory-policy.
type EvictPolicy uint8

// The eviction policies of Redis 7.0.
const (
	NoEviction EvictPolicy = iota
	AllKeysLRU
	VolatileLRU
	AllKeysLFU
	VolatileLFU
	AllKeysRandom
	VolatileRandom
	VolatileTTL
)

// ParseEvictPolicy maps a maxmemory-policy name to its policy; unknown
// names are NoEviction (the configuration has validated them).
func ParseEvictPolicy(name string) EvictPolicy {
	switch name {
	case "allkeys-lru":
		return AllKeysLRU
	case "volatile-lru":
		return VolatileLRU
	case "allkeys-lfu":
		return AllKeysLFU
	case "volatile-lfu":
		return VolatileLFU
	case "allkeys-random":
		return AllKeysRandom
	case "volatile-random":
		return VolatileRandom
	case "volatile-ttl":
		return VolatileTTL
	}
	return NoEviction
}

// volatile reports whether the policy only evicts keys with a TTL.
func (p EvictPolicy) volatile() bool {
	return p == VolatileLRU || p == VolatileLFU || p == VolatileRandom || p == VolatileTTL
}

// evictPoolSize is Redis's EVPOOL_SIZE.
const evictPoolSize = 16

// candidate is an entry of the eviction pool: a key and how good a victim
// it is (higher is better: idle time, inverse frequency, or nearness of
// expiry).
type candidate struct {
	score uint64
	db    int
	key   string
}

// Evictor chooses the keys to evict, as Redis's evict.c does: for the LRU,
// LFU and TTL policies it samples maxmemory-samples keys of every
// database into a pool of the 16 best candidates seen so far and takes the
// best one still present; for the random policies it takes a random key,
// visiting the databases in turn. An Evictor belongs to one Store and is
// not safe for concurrent use.
type Evictor struct {
	pool   []candidate // best candidates, ascending score
	nextDB int         // for the random policies

	// drawn holds the keys one Sample drew until they are rated: reading
	// them all first lets their cache misses overlap, where rating each
	// as it is drawn would wait for one miss after another.
	drawn []drawnKey
}

// drawnKey is a key drawn by sampling, with its value or its expiry time.
type drawnKey struct {
	key string
	o   *Object
	at  *int64
}

// Next returns a key to evict under policy at now, or false when no key
// qualifies (noeviction, or no key with a TTL under a volatile policy).
// decay is lfu-decay-time.
func (e *Evictor) Next(s *Store, policy EvictPolicy, samples, decay int, now int64, rng *rand.Rand) (db int, key string, ok bool) {
	switch policy {
	case NoEviction:
		return 0, "", false
	case AllKeysRandom, VolatileRandom:
		for i := 0; i < s.NumDB(); i++ {
			d := s.DB((e.nextDB + i) % s.NumDB())
			var k string
			var found bool
			if policy == AllKeysRandom {
				k, found = d.keys.RandomKey(rng)
			} else {
				k, found = d.expires.RandomKey(rng)
			}
			if found {
				e.nextDB = (d.ID() + 1) % s.NumDB()
				return d.ID(), k, true
			}
		}
		return 0, "", false
	}
	for {
		total := 0
		for i := 0; i < s.NumDB(); i++ {
			d := s.DB(i)
			if policy.volatile() {
				total += d.expires.Len()
				d.expires.Sample(rng, samples, func(k string, at *int64) bool {
					e.drawn = append(e.drawn, drawnKey{key: k, at: at})
					return true
				})
			} else {
				total += d.keys.Len()
				d.keys.Sample(rng, samples, func(k string, o *Object) bool {
					e.drawn = append(e.drawn, drawnKey{key: k, o: o})
					return true
				})
			}
			for _, c := range e.drawn {
				switch {
				case policy == VolatileTTL:
					e.offer(d, c.key, ^uint64(*c.at)) // the nearest expiry is the best victim
				case c.o != nil:
					e.offer(d, c.key, score(c.o, policy, decay, now))
				default:
					if o := d.keys.GetPtr(c.key); o != nil {
						e.offer(d, c.key, score(o, policy, decay, now))
					}
				}
			}
			clear(e.drawn)
			e.drawn = e.drawn[:0]
		}
		if total == 0 {
			return 0, "", false
		}
		// Take the best candidate that still exists; a pool of vanished
		// keys is refilled by sampling again.
		for len(e.pool) > 0 {
			c := e.pool[len(e.pool)-1]
			e.pool = e.pool[:len(e.pool)-1]
			d := s.DB(c.db)
			if _, exists := d.keys.Key(c.key); !exists {
				continue
			}
			if policy.volatile() {
				if _, has := d.expires.Get(c.key); !has {
					continue
				}
			}
			return c.db, c.key, true
		}
	}
}

// score rates o as a victim under an LRU or LFU policy: its idle time, or
// how rarely it is used. Higher is a better victim.
func score(o *Object, policy EvictPolicy, decay int, now int64) uint64 {
	if policy == AllKeysLFU || policy == VolatileLFU {
		return uint64(255 - o.LFUCounter(now, decay))
	}
	return uint64(o.IdleMillis(now))
}

// offer considers key of d, rated score, for the pool.
func (e *Evictor) offer(d *DB, key string, score uint64) {
	// A key already in the pool holds the table's own string, the one
	// sampling hands out, so comparing the strings' addresses finds it
	// without reading 16 keys' bytes per sample. A key deleted and set
	// again has a new string and may then sit in the pool twice, as in
	// Redis, whose pool does not look for duplicates at all: the second
	// copy is skipped when taken, its key being gone.
	for _, c := range e.pool {
		if c.db == d.ID() && len(c.key) == len(key) && unsafe.StringData(c.key) == unsafe.StringData(key) {
			return
		}
	}
	if len(e.pool) == evictPoolSize {
		if score <= e.pool[0].score {
			return
		}
		// Shift rather than reslice: a pool sliding along its array would
		// make a new one every few offers, the last garbage an evicting
		// SET left.
		copy(e.pool, e.pool[1:])
		e.pool[len(e.pool)-1] = candidate{}
		e.pool = e.pool[:len(e.pool)-1]
	}
	// Insert in ascending order; the pool owns its key strings (the
	// table may drop its own before the candidate is used).
	i := len(e.pool)
	for i > 0 && e.pool[i-1].score > score {
		i--
	}
	e.pool = append(e.pool, candidate{})
	copy(e.pool[i+1:], e.pool[i:])
	e.pool[i] = candidate{score: score, db: d.ID(), key: key}
}

// Evict deletes key from d, as DB.Delete does, and keeps the allocation
// of a string that SetString stored for d's next SetString of its size,
// an aggregate's key string that SetFrom allocated, and an aggregate's
// struct and small buffers for its next NewHash, NewSet, NewZSet or
// NewList and hash tables (see spares), dropping the pool's candidate
// that names a reused key string. key may be a string Next returned, and
// the caller must not use it afterwards: it may be the table's own, which
// the next SetString or SetFrom overwrites.
func (e *Evictor) Evict(d *DB, key string) bool {
	stored, ok := d.keys.Key(key)
	if !ok {
		return false
	}
	o := *d.keys.GetPtr(stored)
	d.Delete(stored)
	if d.spares.keep(stored, &o) {
		p := unsafe.StringData(stored)
		e.pool = slices.DeleteFunc(e.pool, func(c candidate) bool { return unsafe.StringData(c.key) == p })
	}
	switch o.Kind {
	case KindHash:
		d.spares.keepHash(o.AsHash())
	case KindSet:
		d.spares.keepSet(o.AsSet())
	case KindZSet:
		d.spares.keepZSet(o.AsZSet())
	case KindList:
		d.spares.keepList(o.AsList())
	}
	return true
}

// Forget drops the pool, after FLUSHALL or SWAPDB changed what its
// candidates refer to.
func (e *Evictor) Forget() { e.pool = e.pool[:0] }
