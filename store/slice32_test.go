package store

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func TestSlice32KeepsLengthAndCapacity(t *testing.T) {
	require.Nil(t, slice32{}.get())
	require.Nil(t, pack(nil).get())
	b := make([]byte, 3, 10)
	copy(b, "abc")
	s := pack(b)
	got := s.get()
	require.Equal(t, "abc", string(got))
	require.Equal(t, 10, cap(got))
	require.Same(t, &b[0], &got[0])
	empty := pack(b[:0])
	require.NotNil(t, empty.get(), "an empty buffer stays a buffer")
	require.Equal(t, 10, cap(empty.get()))
}

// TestObjectTakesTwentyFourBytes checks the size of the value every key's
// table entry holds, and that strings and aggregates read back as stored.
func TestObjectTakesTwentyFourBytes(t *testing.T) {
	require.EqualValues(t, 24, unsafe.Sizeof(Object{}))
	require.EqualValues(t, 48, unsafe.Sizeof(entry[Object]{}))
	b := make([]byte, 2, 5)
	o := NewString(b)
	require.Same(t, &b[0], &o.Str()[0])
	require.Equal(t, 5, cap(o.Str()))
	require.Nil(t, o.Data())
	empty := NewString(nil)
	require.Nil(t, empty.Str())
	h := NewHash()
	ho := HashObject(h)
	require.Same(t, h, ho.Data())
	require.Nil(t, ho.Str(), "an aggregate has no string")
	h2 := NewHash()
	ho.SetData(h2)
	require.Same(t, h2, ho.Data())
	require.Panics(t, func() { ho.SetData(NewSet()) }, "another kind")
	require.Same(t, h2, ho.AsHash())
	require.Nil(t, ho.AsSet(), "the typed accessors answer only their kind")
	require.Nil(t, o.AsList())
	s, z, l := NewSet(), NewZSet(DefaultZSetLimits(), 1), NewList(DefaultListLimits())
	so, zo, lo := SetObject(s), ZSetObject(z), ListObject(l)
	require.Same(t, s, so.AsSet())
	require.Same(t, z, zo.AsZSet())
	require.Same(t, l, lo.AsList())
	require.Nil(t, lo.AsZSet())
	for _, o := range []Object{SetObject(NewSet()), ZSetObject(NewZSet(DefaultZSetLimits(), 1)), ListObject(NewList(DefaultListLimits()))} {
		require.NotNil(t, o.Data())
		require.Equal(t, o.Data().(interface{ Encoding() string }).Encoding() != "", true)
	}
}

// TestSmallAggregateStructsFitTwentyFourBytes checks the size class of
// the struct every hash, set and sorted set key allocates: 48 bytes
// instead of 32 cost a one-field hash a tenth of its memory, and 32
// instead of 24 another 8 bytes a key.
func TestSmallAggregateStructsFitTwentyFourBytes(t *testing.T) {
	require.EqualValues(t, 24, unsafe.Sizeof(Hash{}))
	require.EqualValues(t, 24, unsafe.Sizeof(Set{}))
	require.EqualValues(t, 24, unsafe.Sizeof(ZSet{}))
}
