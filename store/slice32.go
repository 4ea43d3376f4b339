package store

import (
	"math"
	"unsafe"
)

// slice32 is a []byte in 16 bytes instead of 24: its length and capacity
// are 32-bit. It holds string values (Object) and the buffers of the
// compact encodings (a listpack, an intset), which listpackSafeLimit and
// the intset's own bound keep well under 4 GiB: a key's table entry then
// takes 48 bytes instead of 56, and the structs of small hashes, sets and
// sorted sets fit Go's 32-byte size class instead of 48.
type slice32 struct {
	p    *byte
	n, c uint32
}

// get returns the slice.
func (s slice32) get() []byte {
	if s.p == nil {
		return nil
	}
	return unsafe.Slice(s.p, s.c)[:s.n]
}

// pack returns b as a slice32. b is at most 4 GiB - 1 long; capacity past
// that is dropped.
func pack(b []byte) slice32 {
	if uint64(len(b)) > math.MaxUint32 {
		panic("store: a value past 4 GiB")
	}
	return slice32{unsafe.SliceData(b), uint32(len(b)), uint32(min(uint64(cap(b)), math.MaxUint32))}
}
