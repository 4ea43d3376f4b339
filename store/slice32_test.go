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

// TestSmallAggregateStructsFitThirtyTwoBytes checks the size class of the
// struct every hash, set and sorted set key allocates: 48 bytes instead of
// 32 cost a one-field hash a tenth of its memory.
func TestSmallAggregateStructsFitThirtyTwoBytes(t *testing.T) {
	require.EqualValues(t, 32, unsafe.Sizeof(Hash{}))
	require.EqualValues(t, 32, unsafe.Sizeof(Set{}))
	require.EqualValues(t, 32, unsafe.Sizeof(ZSet{}))
}
