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
// sorted sets fit Go's 24-byte size class instead of 48 (see compact).
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

// compact is the encoding of a hash, set or sorted set: a listpack (or an
// intset) in buf until the value converts for good to a structure of type
// T (a hash table, or a skiplist's dict and tree); from then on, with
// *converted set, buf's pointer is that structure's and its lengths are 0.
// The two are never in use together, so one field holds either and the
// struct of a small hash, set or sorted set takes 24 bytes, where a
// pointer of its own made it 32. The garbage collector follows the pointer
// whatever its static type.
type compact[T any] struct {
	buf       *slice32
	converted *bool
}

// get returns the listpack or intset, nil once converted.
func (c compact[T]) get() []byte {
	if *c.converted {
		return nil
	}
	return c.buf.get()
}

// set stores b as the listpack or intset. A write after the conversion
// would overwrite the structure's pointer: it panics instead (a handler's
// panic is an error reply).
func (c compact[T]) set(b []byte) {
	if *c.converted {
		panic("store: a listpack or intset write to a converted value")
	}
	*c.buf = pack(b)
}

// structure returns the structure, nil before the conversion.
func (c compact[T]) structure() *T {
	if !*c.converted {
		return nil
	}
	return (*T)(unsafe.Pointer(c.buf.p))
}

// convert makes t the structure, or, with t nil, leaves the value an empty
// listpack or intset.
func (c compact[T]) convert(t *T) {
	*c.buf, *c.converted = slice32{}, t != nil
	if t != nil {
		c.buf.p = (*byte)(unsafe.Pointer(t))
	}
}
