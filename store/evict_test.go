package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEvictorFollowsEachPolicy checks which keys each policy picks:
// volatile policies only keys with a TTL, volatile-ttl the nearest expiry
// first, LRU the least recently read, LFU the least often read.
func TestEvictorFollowsEachPolicy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const now = int64(1_700_000_000_000)
	build := func(access *AccessPolicy) *Store {
		s := New(Options{Databases: 2, Access: access})
		for i := 0; i < 200; i++ {
			s.DB(i%2).Set(fmt.Sprint("k", i), NewString([]byte("v")), now-int64(i)*60_000)
		}
		for i := 0; i < 200; i += 10 {
			s.DB(i%2).SetExpiry(fmt.Sprint("k", i), now+int64(1000+i))
		}
		return s
	}
	evictAll := func(s *Store, p EvictPolicy, n int) []string {
		var e Evictor
		var out []string
		for i := 0; i < n; i++ {
			db, key, ok := e.Next(s, p, 5, 1, now, rng)
			if !ok {
				break
			}
			s.DB(db).Delete(key)
			out = append(out, key)
		}
		return out
	}

	s := build(&AccessPolicy{})
	_, _, ok := (&Evictor{}).Next(s, NoEviction, 5, 1, now, rng)
	require.False(t, ok)

	for _, p := range []EvictPolicy{VolatileLRU, VolatileLFU, VolatileRandom, VolatileTTL} {
		got := evictAll(build(&AccessPolicy{LFU: p == VolatileLFU, LogFactor: 10, DecayTime: 1}), p, 1000)
		require.Len(t, got, 20, "policy %d evicts exactly the keys with a TTL", p)
		for _, k := range got {
			var i int
			fmt.Sscanf(k, "k%d", &i)
			require.Zero(t, i%10, "policy %d evicted %s, which has no TTL", p, k)
		}
	}

	// volatile-ttl: with a pool fed by samples, the first victims are among
	// the nearest expiries.
	got := evictAll(build(&AccessPolicy{}), VolatileTTL, 5)
	for _, k := range got {
		var i int
		fmt.Sscanf(k, "k%d", &i)
		require.Less(t, i, 120, "volatile-ttl should take near expiries first, took %s", k)
	}

	// allkeys-lru: keys were created (and so last accessed) i minutes ago;
	// the oldest go first.
	got = evictAll(build(&AccessPolicy{}), AllKeysLRU, 20)
	old := 0
	for _, k := range got {
		var i int
		fmt.Sscanf(k, "k%d", &i)
		if i >= 100 {
			old++
		}
	}
	require.GreaterOrEqual(t, old, 17, "LRU should mostly evict the least recently used half: %v", got)

	// allkeys-lfu: a set of keys read often survives.
	lfu := &AccessPolicy{LFU: true, LogFactor: 10, DecayTime: 1}
	s = build(lfu)
	for r := 0; r < 200; r++ {
		for i := 0; i < 50; i++ {
			s.DB(i%2).Get(fmt.Sprint("k", i), now)
		}
	}
	got = evictAll(s, AllKeysLFU, 100)
	for _, k := range got {
		var i int
		fmt.Sscanf(k, "k%d", &i)
		require.GreaterOrEqual(t, i, 50, "LFU evicted %s, a frequently read key", k)
	}

	got = evictAll(build(&AccessPolicy{}), AllKeysRandom, 1000)
	require.Len(t, got, 200)
}

// TestEvictorPoolMakesNoGarbageWhenFull checks that offering better
// candidates to a full pool shifts it in place: under constant eviction
// every offer would otherwise allocate sooner or later.
func TestEvictorPoolMakesNoGarbageWhenFull(t *testing.T) {
	db := New(Options{Databases: 1}).DB(0)
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = fmt.Sprint("k", i)
		db.Set(keys[i], NewString([]byte("v")), 0)
	}
	var e Evictor
	score := uint64(0)
	for _, k := range keys[:evictPoolSize] {
		score++
		e.offer(db, k, score)
	}
	i := 0
	require.Zero(t, testing.AllocsPerRun(100, func() {
		for range 100 { // AllocsPerRun truncates its average: count many offers
			score++
			e.offer(db, keys[i%len(keys)], score)
			i++
		}
	}))
	require.Len(t, e.pool, evictPoolSize)
	for j := 1; j < len(e.pool); j++ {
		require.Less(t, e.pool[j-1].score, e.pool[j].score)
	}
}
