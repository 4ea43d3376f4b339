package store

import (
	"strconv"
	"unsafe"
)

// Kind is the type of a value, as TYPE reports it.
type Kind uint8

// The value kinds. The zero Kind is not a valid value.
const (
	KindString Kind = iota + 1
	KindList
	KindSet
	KindZSet
	KindHash
	KindStream
)

// String returns the name TYPE replies with.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindList:
		return "list"
	case KindSet:
		return "set"
	case KindZSet:
		return "zset"
	case KindHash:
		return "hash"
	case KindStream:
		return "stream"
	}
	return "none"
}

// Object is one value of the keyspace.
type Object struct {
	Kind Kind
	// Raw marks a string that was modified in place (APPEND, SETRANGE,
	// SETBIT), which Redis reports as the "raw" encoding from then on.
	Raw bool
	// Joint marks a string that SetString laid out in one allocation with
	// the key it stored it under, which eviction may then reuse (see
	// spares).
	Joint bool
	// Access is the key's access clock, kept by DB.Get: the second of the
	// last access (modulo 2^24) under an LRU policy, or the minute of the
	// last decrement (16 bits) and a logarithmic access counter (8 bits)
	// under an LFU policy, as Redis's lru field.
	Access uint32
	// Str is the payload of a KindString value. The store owns it: callers
	// copy bytes they got from elsewhere before storing them.
	Str []byte
	// Data holds the payload of the aggregate kinds; its concrete type belongs
	// to the code of that kind.
	Data any
}

// Cloner is implemented by the payloads of aggregate kinds so COPY can
// duplicate them.
type Cloner interface {
	Clone() any
}

// Clone returns a deep copy of o for COPY.
func (o *Object) Clone() Object {
	c := *o
	c.Joint = false
	if o.Str != nil {
		c.Str = append([]byte(nil), o.Str...)
	}
	if cl, ok := o.Data.(Cloner); ok {
		c.Data = cl.Clone()
	}
	return c
}

// NewString returns a string object that owns b.
func NewString(b []byte) Object { return Object{Kind: KindString, Str: b} }

// maxEmbstr is the length up to which Redis stores a string as "embstr".
const maxEmbstr = 44

// StringEncoding returns the encoding Redis's OBJECT ENCODING would report for
// a string value: "int" when it is the canonical form of a 64-bit integer,
// "embstr" when short, "raw" otherwise.
func (o *Object) StringEncoding() string {
	if !o.Raw && len(o.Str) <= 20 && len(o.Str) > 0 {
		if n, err := strconv.ParseInt(string(o.Str), 10, 64); err == nil && strconv.FormatInt(n, 10) == string(o.Str) {
			return "int"
		}
	}
	if !o.Raw && len(o.Str) <= maxEmbstr {
		return "embstr"
	}
	return "raw"
}

// Sizer is implemented by aggregate payloads to estimate their memory.
type Sizer interface {
	Size() int64
}

// Usage estimates the bytes key and o take in the keyspace, as MEMORY
// USAGE reports and maxmemory counts: the table entry (its slot in the
// slab and its share of the buckets), the key, the payload, and the
// expiry's own entry when the key has a TTL.
func Usage(key string, o *Object, hasTTL bool) int64 {
	n := int64(unsafe.Sizeof(entry[Object]{})) + bucketShare + roundAlloc(len(key))
	switch {
	case o.Kind == KindString:
		n += roundAlloc(cap(o.Str))
	default:
		if s, ok := o.Data.(Sizer); ok {
			n += s.Size()
		}
	}
	if hasTTL {
		n += int64(unsafe.Sizeof(entry[int64]{})) + bucketShare
	}
	return n
}

// bucketShare is a table entry's share of the bucket array: 4-byte heads,
// one to two per entry between resizes.
const bucketShare = 6

// roundAlloc rounds n up to the allocator's size class granularity.
func roundAlloc(n int) int64 {
	switch {
	case n == 0:
		return 0
	case n <= 8:
		return 8
	}
	return int64((n + 15) &^ 15)
}

// view returns a string sharing b's memory, for lookups that do not retain
// their key; it is valid only while b is unchanged.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
