package store

import (
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestSetStringSharesOneAllocation checks that SetString keeps a string
// key and its value in one allocation, that overwriting it moves the key
// to the new allocation (so the old one can be freed), and that it behaves
// as Set otherwise: a copy of its arguments, the expiry dropped, an empty
// value nil.
func TestSetStringSharesOneAllocation(t *testing.T) {
	s := New(Options{Databases: 1})
	db := s.DB(0)
	joined := func(key string) *Object {
		t.Helper()
		own, ok := db.keys.Key(key)
		require.True(t, ok)
		o := db.Peek(key, 0)
		require.NotNil(t, o)
		require.Equal(t, uintptr(unsafe.Pointer(unsafe.StringData(own)))+uintptr(len(own)), uintptr(unsafe.Pointer(unsafe.SliceData(o.Str))), "value follows the key in one allocation")
		return o
	}

	key, val := []byte("user:1"), []byte("first")
	db.SetString(key, val, 0)
	key[0], val[0] = 'X', 'X' // the store holds copies
	o := joined("user:1")
	require.Equal(t, "first", string(o.Str))
	require.Equal(t, len(o.Str), cap(o.Str), "appending to the value reallocates")
	first, _ := db.keys.Key("user:1")

	db.SetExpiry("user:1", 1000)
	db.SetString([]byte("user:1"), []byte("second value"), 0)
	o = joined("user:1")
	require.Equal(t, "second value", string(o.Str))
	own, _ := db.keys.Key("user:1")
	require.NotEqual(t, uintptr(unsafe.Pointer(unsafe.StringData(first))), uintptr(unsafe.Pointer(unsafe.StringData(own))), "the key moved to the new allocation")
	_, hasTTL := db.Expiry("user:1")
	require.False(t, hasTTL, "SET drops the expiry")
	require.Equal(t, 1, db.Len())

	o.Str = append(o.Str, '!')
	require.Equal(t, "user:1", own, "growing the value leaves the key alone")

	emptyKey := []byte("empty")
	db.SetString(emptyKey, nil, 0)
	emptyKey[0] = 'X'
	o = db.Peek("empty", 0)
	require.NotNil(t, o, "the key was copied with an empty value too")
	require.Nil(t, o.Str)
	db.SetString(nil, []byte("v"), 0)
	require.Equal(t, "v", string(db.Peek("", 0).Str))
	runtime.KeepAlive(first)
}

// TestSetStringInClusterMode checks that with a slot index an overwritten
// key's new string, which shares the new value's allocation, replaces the
// old one in the index as in the keyspace.
func TestSetStringInClusterMode(t *testing.T) {
	s := New(Options{Databases: 1})
	db := s.DB(0)
	db.EnableSlotIndex(spreadSlot)
	db.SetString([]byte("k"), []byte("one"), 0)
	db.SetString([]byte("k"), []byte("two"), 0)
	require.Equal(t, "two", string(db.Peek("k", 0).Str))
	requireIndexMatches(t, db, spreadSlot, 0)
	own, _ := db.keys.Key("k")
	require.Equal(t, uintptr(unsafe.Pointer(unsafe.StringData(own)))+uintptr(len(own)), uintptr(unsafe.Pointer(unsafe.SliceData(db.Peek("k", 0).Str))), "value follows the key in one allocation")
}
