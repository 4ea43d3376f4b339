package store

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// spreadSlot hashes a key over all NumSlots slots, as CRC16 does.
func spreadSlot(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % NumSlots)
}

// fewSlots puts keys in 8 slots, so that slots hold many keys each.
func fewSlots(key string) int { return spreadSlot(key) % 8 * 2048 }

// disableSlotIndex drops db's index, as a database that never had one.
func (db *DB) disableSlotIndex() {
	db.slotOf = nil
	db.keys.DisableLists()
}

// requireIndexMatches recomputes the slot of every key of db and checks
// the index against it: counts, key sets, and that the index holds the
// keyspace's own strings. The counts of all slots summing to the number of
// keys, the slots that hold keys are the only ones that count any.
func requireIndexMatches(t *testing.T, db *DB, slotOf func(string) int, step int) {
	t.Helper()
	want := map[int][]string{}
	db.Range(func(key string, _ *Object) bool {
		s := slotOf(key)
		want[s] = append(want[s], key)
		return true
	})
	total := 0
	for _, n := range db.keys.lists.counts {
		total += int(n)
	}
	require.Equal(t, db.Len(), total, "step %d: keys counted over all slots", step)
	for s, keys := range want {
		n := db.CountKeysInSlot(s)
		require.Equal(t, len(keys), n, "step %d: count of slot %d", step, s)
		got := db.KeysInSlot(s, n+1)
		slices.Sort(got)
		slices.Sort(keys)
		require.Equal(t, keys, got, "step %d: keys of slot %d", step, s)
		for _, k := range got {
			own, ok := db.keys.Key(k)
			require.True(t, ok)
			require.Equal(t, uintptr(unsafe.Pointer(unsafe.StringData(own))), uintptr(unsafe.Pointer(unsafe.StringData(k))), "step %d: slot index copied key %q", step, k)
		}
	}
}

// TestSlotIndexFollowsEveryChange runs a random mix of every operation
// that adds or removes keys (SET with either method, SET KEEPTTL, DEL, expiry on access and
// by the active cycle, FLUSHDB, SWAPDB with and without an index on the
// other side, enabling the index on a full database) and checks the index
// against a recomputation after each one.
func TestSlotIndexFollowsEveryChange(t *testing.T) {
	for name, slotOf := range map[string]func(string) int{"spread": spreadSlot, "few": fewSlots} {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 11))
			s := New(Options{Databases: 3})
			db0, db1 := s.DB(0), s.DB(1)
			db0.EnableSlotIndex(slotOf)
			db1.EnableSlotIndex(slotOf)
			indexed := []bool{true, true, false} // which databases keep an index
			now := int64(1_700_000_000_000)
			key := func() string { return fmt.Sprint("k", rng.IntN(300)) }
			for step := range 2500 {
				now += int64(rng.IntN(20))
				db := s.DB(rng.IntN(3))
				switch op := rng.IntN(100); {
				case op < 20:
					db.Set(key(), NewString([]byte("v")), now)
				case op < 35:
					db.SetString([]byte(key()), []byte("u"), now)
				case op < 45:
					db.SetKeepTTL(key(), NewString([]byte("w")), now)
				case op < 60:
					db.Delete(key())
				case op < 75:
					k := key()
					if db.Exists(k, now) {
						db.SetExpiry(k, now+int64(rng.IntN(200)))
					}
				case op < 85:
					db.Get(key(), now) // deletes the key if it expired
				case op < 92:
					db.ExpireCycle(now, rng, 10)
				case op < 94:
					db.Flush()
				case op < 98:
					s.SwapDB(rng.IntN(3), rng.IntN(3))
				default:
					// The unindexed database takes an index over the keys it
					// holds, and one of the others drops its own.
					i := slices.Index(indexed, false)
					s.DB(i).EnableSlotIndex(slotOf)
					other := (i + 1 + rng.IntN(2)) % 3
					s.DB(other).disableSlotIndex()
					indexed[i], indexed[other] = true, false
				}
				for i := range 3 {
					require.Equal(t, indexed[i], s.DB(i).slotOf != nil, "step %d: db %d", step, i)
					require.Equal(t, indexed[i], s.DB(i).keys.HasLists(), "step %d: db %d", step, i)
					if indexed[i] {
						requireIndexMatches(t, s.DB(i), slotOf, step)
					} else {
						require.Zero(t, s.DB(i).CountKeysInSlot(0))
						require.Empty(t, s.DB(i).KeysInSlot(0, 10))
					}
				}
			}
		})
	}
}

// TestKeysInSlotReadsOnlyWhatItReturns fills one slot with many keys:
// counting them allocates nothing and listing a few allocates once,
// whatever the slot's size. Out-of-range slots and counts give nothing.
func TestKeysInSlotReadsOnlyWhatItReturns(t *testing.T) {
	s := New(Options{Databases: 1})
	db := s.DB(0)
	db.EnableSlotIndex(func(key string) int { return 42 })
	const n = 100_000
	for i := range n {
		db.Set(fmt.Sprint("key", i), NewString(nil), 0)
	}
	require.Equal(t, n, db.CountKeysInSlot(42))
	require.Zero(t, testing.AllocsPerRun(100, func() { db.CountKeysInSlot(42) }))
	require.Len(t, db.KeysInSlot(42, 10), 10)
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { db.KeysInSlot(42, 10) }))
	require.Len(t, db.KeysInSlot(42, 1<<30), n)

	require.Zero(t, db.CountKeysInSlot(-1))
	require.Zero(t, db.CountKeysInSlot(NumSlots))
	require.Empty(t, db.KeysInSlot(NumSlots, 10))
	require.Empty(t, db.KeysInSlot(42, 0))
	require.Empty(t, db.KeysInSlot(42, -1))
	require.Zero(t, db.CountKeysInSlot(43))
}

// TestSlotIndexMemoryOverhead measures what the index adds per key for
// 1M keys spread over every slot, as a cluster node holding them would.
func TestSlotIndexMemoryOverhead(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates hundreds of megabytes")
	}
	const n = 1_000_000
	s := New(Options{Databases: 1})
	db := s.DB(0)
	for i := range n {
		db.Set(fmt.Sprintf("key:%09d", i), NewString(nil), 0)
	}
	before := heapAfter()
	db.EnableSlotIndex(spreadSlot)
	after := heapAfter()
	runtime.KeepAlive(db)
	perKey := float64(after-before) / n
	t.Logf("slot index: %.1f bytes per key for %d keys over %d slots", perKey, n, NumSlots)
	// 8 bytes of links per key, 128 KiB of heads and counts.
	require.Less(t, perKey, 9.0)
	// What used_memory counts for the index is what it takes.
	est := db.SlotIndexBytes()
	t.Logf("counted: %d bytes, measured: %d", est, after-before)
	require.InEpsilon(t, float64(after-before), float64(est), 0.15)
	for i := range n / 2 {
		db.Delete(fmt.Sprintf("key:%09d", i))
	}
	require.Less(t, db.SlotIndexBytes(), est)
	db.Flush()
	empty := New(Options{Databases: 1}).DB(0)
	empty.EnableSlotIndex(spreadSlot)
	require.Equal(t, empty.SlotIndexBytes(), db.SlotIndexBytes())
	require.Less(t, db.SlotIndexBytes(), int64(NumSlots*8+100))
}
