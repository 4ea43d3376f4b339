package store

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// storedKey is the table's own string for key.
func storedKey(t *testing.T, db *DB, key string) string {
	t.Helper()
	k, ok := db.keys.Key(key)
	require.True(t, ok, key)
	return k
}

// evict evicts keys of db, which must be there.
func evict(t *testing.T, db *DB, keys ...string) {
	t.Helper()
	var e Evictor
	for _, k := range keys {
		require.True(t, e.Evict(db, k), k)
	}
}

// TestSpareClassesCoverEverySize checks the size tables: each size maps to
// the smallest class that holds it.
func TestSpareClassesCoverEverySize(t *testing.T) {
	for n := 1; n <= maxSpare; n++ {
		c := spareClass(n)
		require.GreaterOrEqual(t, int(spareClasses[c]), n, "size %d", n)
		if c > 0 {
			require.Less(t, int(spareClasses[c-1]), n, "size %d", n)
		}
		require.Equal(t, int(spareClasses[c]), joinCap(n))
	}
	require.Equal(t, maxSpare+1, joinCap(maxSpare+1))
}

// TestEvictedStringsAllocationIsReused checks that SetString builds a key
// in the allocation of a string evicted before it when their sizes share a
// class, and only then.
func TestEvictedStringsAllocationIsReused(t *testing.T) {
	s := New(Options{Databases: 1})
	db := s.DB(0)
	var e Evictor
	db.SetString([]byte("key:1"), []byte(strings.Repeat("a", 100)), 0) // 105 bytes: class 112
	old := unsafe.StringData(storedKey(t, db, "key:1"))

	require.True(t, e.Evict(db, "key:1"))
	require.False(t, db.Exists("key:1", 0))
	require.Equal(t, 112, db.spares.bytes)

	db.SetString([]byte("other:1"), []byte(strings.Repeat("b", 500)), 0) // another class
	require.NotSame(t, old, unsafe.StringData(storedKey(t, db, "other:1")))
	require.Equal(t, 112, db.spares.bytes)

	db.SetString([]byte("key:22"), []byte(strings.Repeat("c", 105)), 0) // 111 bytes: class 112
	k := storedKey(t, db, "key:22")
	require.Same(t, old, unsafe.StringData(k))
	require.Equal(t, "key:22", k)
	require.Equal(t, strings.Repeat("c", 105), string(db.Get("key:22", 0).Str()))
	require.Equal(t, 105, cap(db.Get("key:22", 0).Str()), "a value's capacity ends where it does")
	require.Zero(t, db.spares.bytes)

	// The reused allocation is a spare again once its new key is evicted.
	require.True(t, e.Evict(db, "key:22"))
	require.Equal(t, 112, db.spares.bytes)
	require.False(t, e.Evict(db, "key:22"), "gone")
}

// TestOnlyJointStringsAreKept checks which evicted values leave a spare:
// strings SetString stored (also when OverwriteString or an in-place
// shortening wrote over them), never a value stored under another key, one
// that moved out of its allocation, or an aggregate's allocations.
func TestOnlyJointStringsAreKept(t *testing.T) {
	val := []byte(strings.Repeat("v", 40))
	cases := []struct {
		name string
		kept bool
		set  func(db *DB)
	}{
		{"SetString", true, func(db *DB) { db.SetString([]byte("k"), val, 0) }},
		{"overwritten in place", true, func(db *DB) {
			db.SetString([]byte("k"), val, 0)
			db.OverwriteString([]byte("k"), []byte(strings.Repeat("w", 40)), 0)
		}},
		{"shortened in place (INCR)", true, func(db *DB) {
			db.SetString([]byte("k"), []byte("1000"), 0)
			o := db.Get("k", 0)
			o.SetStr(strconv.AppendInt(o.Str()[:0], 999, 10))
		}},
		{"moved out by an append", false, func(db *DB) {
			db.SetString([]byte("k"), val, 0)
			o := db.Get("k", 0)
			o.SetStr(append(o.Str(), 'x'))
			o.Raw = true
		}},
		{"stored under another key (RENAME)", false, func(db *DB) {
			db.SetString([]byte("a"), val, 0)
			o := *db.Get("a", 0)
			db.Delete("a")
			db.Set("k", o, 0)
		}},
		{"copied (COPY)", false, func(db *DB) {
			db.SetString([]byte("a"), val, 0)
			db.Set("k", db.Get("a", 0).Clone(), 0)
		}},
		{"empty value", false, func(db *DB) { db.SetString([]byte("k"), nil, 0) }},
		{"hash", false, func(db *DB) {
			h := NewHash()
			h.Set([]byte("f"), val, db.Limits().Hash)
			db.Set("k", HashObject(h), 0)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := New(Options{Databases: 1}).DB(0)
			tc.set(db)
			var e Evictor
			require.True(t, e.Evict(db, "k"))
			kept := 0
			for _, f := range db.spares.free {
				kept += len(f)
			}
			require.Equal(t, tc.kept, kept == 1)
		})
	}
}

// TestSetClearsJointForAnotherKey stores a value whose bytes follow its
// key's in one buffer, as SetString lays them out, but through Set, which
// must not let eviction take the buffer for SetString's: Set never vouches
// for how its key and value were allocated.
func TestSetClearsJointForAnotherKey(t *testing.T) {
	db := New(Options{Databases: 1}).DB(0)
	b := make([]byte, 32)
	copy(b, "0123456789abcdef")
	key := unsafe.String(&b[0], 16)
	o := NewString(b[16:32:32])
	o.ownKey = true
	db.Set(key, o, 0)
	var e Evictor
	require.True(t, e.Evict(db, key))
	require.Zero(t, db.spares.bytes)
}

// TestEvictDropsThePoolsCandidateForTheReusedKey checks that a key whose
// allocation becomes a spare leaves the eviction pool: a candidate naming
// its string would name whatever key SetString builds there next.
func TestEvictDropsThePoolsCandidateForTheReusedKey(t *testing.T) {
	db := New(Options{Databases: 1}).DB(0)
	for i := 0; i < 16; i++ {
		db.SetString([]byte(fmt.Sprintf("key:%02d", i)), []byte("value"), 0)
	}
	var e Evictor
	for i := 0; i < 16; i++ {
		score := uint64(100 + i)
		if i == 0 {
			score = 150
		}
		e.offer(db, storedKey(t, db, fmt.Sprintf("key:%02d", i)), score)
	}
	// Set key:00 anew: the pool holds its old string, and once sampled
	// again its new one too.
	db.SetString([]byte("key:00"), []byte("value"), 0)
	newKey := storedKey(t, db, "key:00")
	e.offer(db, newKey, 200)
	require.Len(t, e.pool, 16)
	named := 0
	for _, c := range e.pool {
		if c.key == "key:00" {
			named++
		}
	}
	require.Equal(t, 2, named, "the old string and the new")

	require.True(t, e.Evict(db, "key:00"))
	require.Positive(t, db.spares.bytes)
	require.Len(t, e.pool, 15)
	for _, c := range e.pool {
		require.NotSame(t, unsafe.StringData(newKey), unsafe.StringData(c.key), "candidate %q", c.key)
	}
}

// TestEvictedListpackHashIsReused checks that NewHash hands out the hash
// of a key eviction deleted, emptied, in the listpack encoding.
func TestEvictedListpackHashIsReused(t *testing.T) {
	db := New(Options{Databases: 1}).DB(0)
	lim := db.Limits().Hash
	small := db.NewHash()
	small.Set([]byte("field"), []byte("value"), lim)
	db.Set("small", HashObject(small), 0)

	evict(t, db, "small")
	require.Len(t, db.spares.hashes, 1)

	h := db.NewHash()
	require.Same(t, small, h)
	require.Zero(t, h.Len())
	require.Equal(t, "listpack", h.Encoding())
	require.True(t, h.Set([]byte("other"), []byte("x"), lim), "a new field")
	v, ok := h.Get("other")
	require.True(t, ok)
	require.Equal(t, "x", v)
	_, ok = h.Get("field")
	require.False(t, ok, "the evicted key's field is gone")
	require.NotSame(t, small, db.NewHash(), "one spare, handed out once")
}

// TestDictResetKeepsASmallTable checks that Reset empties a small table in
// place, which then works as a new one, and leaves a larger one alone.
func TestDictResetKeepsASmallTable(t *testing.T) {
	d := NewDict[int](0)
	d.Set("a", 1)
	d.Set("b", 2)
	slab := &d.chunks[0][0]
	require.True(t, d.Reset(maxSpareSlab))
	require.Zero(t, d.Len())
	require.Same(t, slab, &d.chunks[0][0])
	_, ok := d.Get("a")
	require.False(t, ok)
	d.Set("c", 3)
	v, ok := d.Get("c")
	require.True(t, ok)
	require.Equal(t, 3, v)
	require.Equal(t, 1, d.Len())

	big := NewDict[int](0)
	for i := 0; i < 100; i++ {
		big.Set(strconv.Itoa(i), i)
	}
	require.False(t, big.Reset(maxSpareSlab))
	require.Equal(t, 100, big.Len())
}

// TestEvictedTablesServeValuesThatNeedOne checks that the small hash
// tables of the sets and hashes eviction takes go to the next set or hash
// that turns into a hash table, and only then (their structs go to any new
// set or hash), and that a hash table's entries go to new entries.
func TestEvictedTablesServeValuesThatNeedOne(t *testing.T) {
	db := New(Options{Databases: 1}).DB(0)
	long := []byte(strings.Repeat("v", db.Limits().Hash.MaxValue+1))
	h := db.NewHash()
	h.Set([]byte("f"), long, db.HashLimits())
	require.Equal(t, "hashtable", h.Encoding())
	db.Set("h", HashObject(h), 0)
	hashTable := h.dict()
	entry, _ := h.dict().Key("f")
	s := db.NewSet()
	member := strings.Repeat("m", setMaxListpackValue+1) // too long for a listpack
	s.AddBytes([]byte(member), db.SetLimits())
	require.Equal(t, "hashtable", s.Encoding())
	require.NotNil(t, s.dict())
	db.Set("s", SetObject(s), 0)
	setTable := s.dict()

	evict(t, db, "h", "s")
	require.Len(t, db.spares.free[spareClass(len("f")+len(long))], 1, "the entry, in its own class")
	require.Len(t, db.spares.hashTables, 1)
	require.Len(t, db.spares.setTables, 1)

	short := db.NewHash()
	require.Same(t, h, short, "the struct")
	short.Set([]byte("f"), []byte("short"), db.HashLimits())
	require.Equal(t, "listpack", short.Encoding())
	ints := db.NewSet()
	require.Same(t, s, ints, "the struct")
	ints.AddBytes([]byte("1"), db.SetLimits())
	ints.AddBytes([]byte("2"), db.SetLimits())
	require.Equal(t, "intset", ints.Encoding())
	require.Len(t, db.spares.hashTables, 1, "no hash turned into a table yet")
	require.Len(t, db.spares.setTables, 1, "no set turned into a table yet")

	h2 := db.NewHash()
	h2.Set([]byte("g"), long, db.HashLimits())
	require.Same(t, hashTable, h2.dict())
	require.Equal(t, "hashtable", h2.Encoding())
	require.Equal(t, 1, h2.Len())
	_, ok := h2.Get("f")
	require.False(t, ok)
	// The entry's field and value went to the spares too, and a new
	// entry of their size class is laid out in them.
	g, _ := h2.dict().Key("g")
	require.Same(t, unsafe.StringData(entry), unsafe.StringData(g))
	v, _ := h2.Get("g")
	require.Equal(t, string(long), v)
	s2 := db.NewSet()
	s2.AddBytes([]byte("1"), db.SetLimits())
	s2.AddBytes([]byte("short"), db.SetLimits())
	require.Nil(t, s2.dict(), "a listpack")
	s2.AddBytes([]byte(strings.Repeat("o", setMaxListpackValue+1)), db.SetLimits())
	require.Same(t, setTable, s2.dict())
	require.Equal(t, 3, s2.Len())
	require.False(t, s2.Has(member))
	require.True(t, s2.Has("1"))
	require.True(t, s2.Has("short"))
	require.Zero(t, db.spares.bytes)
}

// TestEvictedListpackZSetIsReused checks that NewZSet hands out the sorted
// sets of keys eviction deleted, emptied, each in the encoding its first
// member calls for.
func TestEvictedListpackZSetIsReused(t *testing.T) {
	db := New(Options{Databases: 1}).DB(0)
	lim := db.Limits().ZSet
	long := strings.Repeat("m", lim.MaxValue+1)
	small := db.NewZSet(lim, 1)
	small.Add("a", 1, lim)
	db.Set("small", ZSetObject(small), 0)
	big := db.NewZSet(lim, len(long))
	big.Add(long, 1, lim)
	require.Equal(t, "skiplist", big.Encoding())
	db.Set("big", ZSetObject(big), 0)

	evict(t, db, "big", "small")
	require.Len(t, db.spares.zsets, 2)

	z := db.NewZSet(lim, 1)
	require.Same(t, small, z)
	require.Zero(t, z.Len())
	require.Equal(t, "listpack", z.Encoding())
	_, ok := z.Score("a")
	require.False(t, ok)
	require.True(t, z.Add("b", 2, lim))
	score, ok := z.Score("b")
	require.True(t, ok)
	require.Equal(t, 2.0, score)
	zl := db.NewZSet(lim, len(long))
	require.Same(t, big, zl)
	require.Equal(t, "skiplist", zl.Encoding(), "a skiplist from its first member")
	require.Zero(t, zl.Len())
	require.Zero(t, db.spares.bytes)
}

// TestEvictedListIsReused checks that NewList hands out the list of a key
// eviction deleted, emptied, and that its first push reuses the chunk it
// kept; a list of several chunks is not kept.
func TestEvictedListIsReused(t *testing.T) {
	db := New(Options{Databases: 1}).DB(0)
	lim := db.Limits().List
	small := db.NewList(lim)
	small.PushBack([]byte("a"))
	small.PushBack([]byte("b"))
	buf := &small.ring[0].buf[0]
	db.Set("small", ListObject(small), 0)
	big := db.NewList(lim)
	for i := 0; i < 5000; i++ {
		big.PushBack([]byte(strings.Repeat("x", 20)))
	}
	require.Greater(t, big.n, 1)
	db.Set("big", ListObject(big), 0)

	evict(t, db, "big", "small")
	require.Len(t, db.spares.lists, 1)

	l := db.NewList(lim)
	require.Same(t, small, l)
	require.Zero(t, l.Len())
	require.Zero(t, l.Size()-int64(unsafe.Sizeof(List{}))-int64(listChunkSize), "nothing counted but the struct and its ring")
	l.PushFront([]byte("c"))
	require.Same(t, buf, &l.ring[0].buf[0], "the kept chunk serves")
	l.PushFront([]byte("d"))
	var got []string
	l.Each(func(v []byte) bool { got = append(got, string(v)); return true })
	require.Equal(t, []string{"d", "c"}, got)
	require.Zero(t, db.spares.bytes)
}

// TestEvictedAggregatesKeyIsReused checks that the key string SetFrom
// allocates for a new aggregate goes to the spares when eviction takes the
// key, and serves the next key or string of its size class; and that a
// key SetFrom did not allocate (an existing key, or an aggregate stored
// again under another key, as RENAME does) is not taken.
func TestEvictedAggregatesKeyIsReused(t *testing.T) {
	db := New(Options{Databases: 1}).DB(0)
	db.SetFrom([]byte("hash:1"), HashObject(db.NewHash()), 0)
	stored := storedKey(t, db, "hash:1")
	var e Evictor
	e.offer(db, stored, 100)
	require.True(t, e.Evict(db, "hash:1"))
	require.Empty(t, e.pool, "the candidate naming the reused string")
	require.Len(t, db.spares.free[spareClass(len("hash:1"))], 1)

	db.SetFrom([]byte("list:2"), ListObject(db.NewList(DefaultListLimits())), 0)
	require.Same(t, unsafe.StringData(stored), unsafe.StringData(storedKey(t, db, "list:2")))
	require.Equal(t, "list:2", storedKey(t, db, "list:2"))
	evict(t, db, "list:2")
	db.SetString([]byte("str"), []byte("abc"), 0)
	require.Same(t, unsafe.StringData(stored), unsafe.StringData(storedKey(t, db, "str")), "a string of the class")
	require.Equal(t, "abc", string(db.Get("str", 0).Str()))

	// An existing key keeps its string and gets no mark.
	db.Set("set:3", SetObject(db.NewSet()), 0)
	db.SetFrom([]byte("set:3"), SetObject(db.NewSet()), 0)
	require.False(t, db.keys.GetPtr("set:3").ownKey)
	evict(t, db, "set:3")
	require.Zero(t, len(db.spares.free[spareClass(len("set:3"))]), "not SetFrom's")

	// Stored again under another key, as RENAME does: no mark either.
	db.SetFrom([]byte("zset:4"), ZSetObject(db.NewZSet(DefaultZSetLimits(), 1)), 0)
	o := *db.keys.GetPtr("zset:4")
	require.True(t, o.ownKey)
	db.Delete("zset:4")
	db.Set("other", o, 0)
	require.False(t, db.keys.GetPtr("other").ownKey)
	c := db.keys.GetPtr("other").Clone()
	require.False(t, c.ownKey)
	evict(t, db, "other")
	require.Zero(t, len(db.spares.free[spareClass(len("other"))]))
}
