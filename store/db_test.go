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
		require.Equal(t, uintptr(unsafe.Pointer(unsafe.StringData(own)))+uintptr(len(own)), uintptr(unsafe.Pointer(unsafe.SliceData(o.Str()))), "value follows the key in one allocation")
		return o
	}

	key, val := []byte("user:1"), []byte("first")
	db.SetString(key, val, 0)
	key[0], val[0] = 'X', 'X' // the store holds copies
	o := joined("user:1")
	require.Equal(t, "first", string(o.Str()))
	require.Equal(t, len(o.Str()), cap(o.Str()), "appending to the value reallocates")
	first, _ := db.keys.Key("user:1")

	db.SetExpiry("user:1", 1000)
	db.SetString([]byte("user:1"), []byte("second value"), 0)
	o = joined("user:1")
	require.Equal(t, "second value", string(o.Str()))
	own, _ := db.keys.Key("user:1")
	require.NotEqual(t, uintptr(unsafe.Pointer(unsafe.StringData(first))), uintptr(unsafe.Pointer(unsafe.StringData(own))), "the key moved to the new allocation")
	_, hasTTL := db.Expiry("user:1")
	require.False(t, hasTTL, "SET drops the expiry")
	require.Equal(t, 1, db.Len())

	o.SetStr(append(o.Str(), '!'))
	require.Equal(t, "user:1", own, "growing the value leaves the key alone")

	emptyKey := []byte("empty")
	db.SetString(emptyKey, nil, 0)
	emptyKey[0] = 'X'
	o = db.Peek("empty", 0)
	require.NotNil(t, o, "the key was copied with an empty value too")
	require.Nil(t, o.Str())
	db.SetString(nil, []byte("v"), 0)
	require.Equal(t, "v", string(db.Peek("", 0).Str()))
	runtime.KeepAlive(first)
}

// TestOverwriteStringReusesTheValuesAllocation checks that a plain SET of a
// value as long as the old one writes over it in place, with SetString's
// effects (expiry dropped, access clock reset), and falls back to
// SetString for a value of another length, a value modified in place, a
// value not stored by SetString, and a missing key.
func TestOverwriteStringReusesTheValuesAllocation(t *testing.T) {
	s := New(Options{Databases: 1, Access: &AccessPolicy{LFU: true}})
	db := s.DB(0)
	at := func(key string) uintptr {
		t.Helper()
		o := db.Peek(key, 0)
		require.NotNil(t, o)
		return uintptr(unsafe.Pointer(unsafe.SliceData(o.Str())))
	}

	db.SetString([]byte("k"), []byte("aaaa"), 0)
	before := at("k")
	db.Get("k", 0).Access = 0 // as if read until its counter fell
	db.SetExpiry("k", 1000)
	val := []byte("bbbb")
	db.OverwriteString([]byte("k"), val, 60_000)
	val[0] = 'X' // the store holds a copy
	require.Equal(t, before, at("k"), "same length: written in place")
	o := db.Peek("k", 0)
	require.Equal(t, "bbbb", string(o.Str()))
	require.Equal(t, lfuMinutes(60_000)<<8|lfuInitVal, o.Access, "a fresh access clock, as a new value's")
	_, hasTTL := db.Expiry("k")
	require.False(t, hasTTL)
	require.Equal(t, 1, db.Len())

	db.OverwriteString([]byte("k"), []byte("ccccc"), 0)
	require.NotEqual(t, before, at("k"), "another length: a new allocation")
	require.Equal(t, "ccccc", string(db.Peek("k", 0).Str()))

	db.Peek("k", 0).Raw = true // APPEND, SETRANGE and SETBIT mark it
	moved := at("k")
	db.OverwriteString([]byte("k"), []byte("ddddd"), 0)
	require.NotEqual(t, moved, at("k"))
	require.False(t, db.Peek("k", 0).Raw)

	db.Set("own", NewString([]byte("eeee")), 0) // not SetString's layout
	separate := at("own")
	db.OverwriteString([]byte("own"), []byte("ffff"), 0)
	require.NotEqual(t, separate, at("own"))
	require.Equal(t, "ffff", string(db.Peek("own", 0).Str()))

	db.OverwriteString([]byte("new"), []byte("gggg"), 0)
	require.Equal(t, "gggg", string(db.Peek("new", 0).Str()))
	db.OverwriteString([]byte("new"), nil, 0)
	require.Nil(t, db.Peek("new", 0).Str())
	require.Equal(t, 3, db.Len())
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
	require.Equal(t, "two", string(db.Peek("k", 0).Str()))
	requireIndexMatches(t, db, spreadSlot, 0)
	own, _ := db.keys.Key("k")
	require.Equal(t, uintptr(unsafe.Pointer(unsafe.StringData(own)))+uintptr(len(own)), uintptr(unsafe.Pointer(unsafe.SliceData(db.Peek("k", 0).Str()))), "value follows the key in one allocation")
}
