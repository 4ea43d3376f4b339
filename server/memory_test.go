package server

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"quordis/conf"
	"quordis/store"
)

// TestEvictionTimeLimitFollowsRedisTenacity checks the time limit of one
// round of evictions against Redis 7.0's evictionTimeLimitUs, whose values
// (in µs) are C's truncation of 500 * pow(1.15, tenacity - 10) past 10.
func TestEvictionTimeLimitFollowsRedisTenacity(t *testing.T) {
	for _, tc := range []struct {
		tenacity int
		want     time.Duration
	}{
		{0, 0},
		{1, 50 * time.Microsecond},
		{5, 250 * time.Microsecond},
		{10, 500 * time.Microsecond},
		{11, 575 * time.Microsecond},
		{12, 661 * time.Microsecond},
		{20, 2022 * time.Microsecond},
		{50, 133931 * time.Microsecond},
		{99, 126205358 * time.Microsecond},
		{100, math.MaxInt64},
	} {
		require.Equal(t, tc.want, evictionTimeLimit(tc.tenacity), "tenacity %d", tc.tenacity)
	}
}

// TestEvictionRoundStopsAtItsTimeLimit checks that a round of evictions
// with maxmemory-eviction-tenacity 0 evicts one batch (16 keys), says it
// was cut short, and wakes the background evictor.
func TestEvictionRoundStopsAtItsTimeLimit(t *testing.T) {
	cfg := conf.Default()
	cfg.MaxMemoryPolicy = "allkeys-random"
	cfg.MaxMemoryEvictionTenacity = 0
	s, err := New(cfg, Options{})
	require.NoError(t, err)
	c := &client{srv: s, id: 1, proto: 2, user: "default", authenticated: true}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range 1000 {
		s.handle(c, [][]byte{[]byte("SET"), []byte(fmt.Sprint("key:", i)), []byte("value")}, nil)
	}
	cfg = cfg.Clone()
	cfg.MaxMemory = s.usedMemory() / 2
	s.cfg.Store(cfg)

	ok, cut := s.evictRound(s.clock())
	require.True(t, ok, "a round cut short lets the command run")
	require.True(t, cut)
	require.Equal(t, int64(evictionCheckEvery), s.mem.evicted)
	require.Equal(t, 1000-evictionCheckEvery, s.store.Keys())

	require.True(t, s.performEvictions(s.clock()))
	select {
	case <-s.mem.evictWake:
	default:
		t.Fatal("a round cut short did not wake the background evictor")
	}
}

// commandsForTest returns a server without a listener, locked until the
// test ends, and a function that runs a command on it for a client and
// returns the reply.
func commandsForTest(t *testing.T) (*Server, func(words ...string) string) {
	s, err := New(conf.Default(), Options{})
	require.NoError(t, err)
	c := &client{srv: s, id: 1, proto: 2, user: "default", authenticated: true}
	s.mu.Lock()
	t.Cleanup(s.mu.Unlock)
	return s, func(words ...string) string {
		args := make([][]byte, len(words))
		for i, w := range words {
			args[i] = []byte(w)
		}
		return string(s.handle(c, args, nil))
	}
}

// The dataset count follows writes that name a key more than once (each
// key counted once) and writes of more keys than the per-command buffers
// hold, and stays equal to a count made from scratch.
func TestDatasetCountWithRepeatedKeys(t *testing.T) {
	s, do := commandsForTest(t)
	run := func(words ...string) {
		out := do(words...)
		require.NotEqual(t, byte('-'), out[0], "%q: %s", words, out)
	}
	fromScratch := func() int64 {
		var n int64
		db := s.store.DB(0)
		db.Range(func(key string, o *store.Object) bool {
			_, ttl := db.Expiry(key)
			n += store.Usage(key, o, ttl)
			return true
		})
		return n
	}
	run("MSET", "a", "1", "b", "22", "a", "333", "c", "4", "a", "55555")
	require.Equal(t, fromScratch(), s.datasetBytes())
	many := []string{"MSET"}
	for i := range 40 {
		many = append(many, fmt.Sprint("k", i%7), strings.Repeat("v", i))
	}
	run(many...)
	require.Equal(t, fromScratch(), s.datasetBytes())
	run("DEL", "a", "a", "k1", "b", "k1")
	require.Equal(t, fromScratch(), s.datasetBytes())
	require.Equal(t, 7, s.store.Keys(), "k0..k6 and c")
}

// A key written already expired (SET with EXAT in the past) stays stored,
// as in Redis, and counts in the dataset until a lookup deletes it.
func TestDatasetCountsAKeyWrittenAlreadyExpired(t *testing.T) {
	s, run := commandsForTest(t)
	require.Equal(t, "+OK\r\n", run("SET", "b", strings.Repeat("x", 100), "EXAT", "100000"))
	require.Equal(t, 1, s.store.Keys())
	stored := s.datasetBytes()
	require.Greater(t, stored, int64(100))
	require.Equal(t, ":0\r\n", run("EXISTS", "b"))
	require.Zero(t, s.store.Keys())
	require.Zero(t, s.datasetBytes(), "the expiry took back what the write added")
}

// TestDistinctKeepsEachKeyOnce: a write's keys are measured once each (MSET
// a 1 a 2), and the same name in two databases is two keys.
func TestDistinctKeepsEachKeyOnce(t *testing.T) {
	k := func(db int, key string) dbKey { return dbKey{db, []byte(key)} }
	require.Empty(t, distinct(nil))
	require.Equal(t, []dbKey{k(0, "a")}, distinct([]dbKey{k(0, "a")}))
	require.Equal(t, []dbKey{k(0, "a")}, distinct([]dbKey{k(0, "a"), k(0, "a")}))
	require.Equal(t, []dbKey{k(0, "a"), k(0, "b"), k(1, "a")},
		distinct([]dbKey{k(0, "a"), k(0, "b"), k(0, "a"), k(1, "a"), k(0, "b")}))
}
