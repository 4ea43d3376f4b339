package store

import (
	"math"
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

// Object is one value of the keyspace, in 24 bytes: every key's table
// entry holds one, so each byte here is a megabyte per million keys. A
// string's bytes are a slice32 (strings stop at 4 GiB; proto-max-bulk-len
// stops there), and an aggregate's struct is the same pointer, its length
// and capacity unused, read as the type its Kind names.
type Object struct {
	// v is a string's value, or holds the *Hash, *Set, *ZSet or *List of
	// an aggregate.
	v slice32
	// Access is the key's access clock, kept by DB.Get: the second of the
	// last access (modulo 2^24) under an LRU policy, or the minute of the
	// last decrement (16 bits) and a logarithmic access counter (8 bits)
	// under an LFU policy, as Redis's lru field.
	Access uint32
	Kind   Kind
	// Raw marks a string that was modified in place (APPEND, SETRANGE,
	// SETBIT), which Redis reports as the "raw" encoding from then on.
	Raw bool
	// Float marks a string INCRBYFLOAT wrote, which Redis keeps as a
	// string ("embstr", "raw" past 44 bytes) even when it reads as an
	// integer.
	Float bool
	// ownKey marks a value stored under a key string that spares.join
	// laid out at its whole size class and that only the keyspace holds,
	// which eviction may then reuse (see spares): the key and, right after
	// it, the value of a string SetString stored, or the key alone of an
	// aggregate SetFrom stored.
	ownKey bool
}

// MaxString is the longest string value an Object holds.
const MaxString = math.MaxUint32

// Str returns the payload of a KindString value, nil for other kinds. The
// store owns it: callers copy bytes they got from elsewhere before storing
// them (SetStr).
func (o *Object) Str() []byte {
	if o.Kind != KindString {
		return nil
	}
	return o.v.get()
}

// SetStr makes b the payload of a KindString value. b is at most
// MaxString bytes long (proto-max-bulk-len and the loaders see to it).
func (o *Object) SetStr(b []byte) { o.v = pack(b) }

// Data returns the payload of an aggregate kind (*Hash, *Set, *ZSet or
// *List), nil for a string. Code that knows the kind calls AsHash, AsSet,
// AsZSet or AsList instead, without the interface and its assertion.
func (o *Object) Data() any {
	switch o.Kind {
	case KindHash:
		return o.AsHash()
	case KindSet:
		return o.AsSet()
	case KindZSet:
		return o.AsZSet()
	case KindList:
		return o.AsList()
	}
	return nil
}

// AsHash, AsSet, AsZSet and AsList return the aggregate of a value of
// that kind, and nil for any other kind.
func (o *Object) AsHash() *Hash { return (*Hash)(o.payload(KindHash)) }
func (o *Object) AsSet() *Set   { return (*Set)(o.payload(KindSet)) }
func (o *Object) AsZSet() *ZSet { return (*ZSet)(o.payload(KindZSet)) }
func (o *Object) AsList() *List { return (*List)(o.payload(KindList)) }

func (o *Object) payload(k Kind) unsafe.Pointer {
	if o.Kind != k {
		return nil
	}
	return unsafe.Pointer(o.v.p)
}

// HashObject, SetObject, ZSetObject and ListObject return the value of a
// key holding an aggregate.
func HashObject(h *Hash) Object { return aggregate(KindHash, unsafe.Pointer(h)) }
func SetObject(s *Set) Object   { return aggregate(KindSet, unsafe.Pointer(s)) }
func ZSetObject(z *ZSet) Object { return aggregate(KindZSet, unsafe.Pointer(z)) }
func ListObject(l *List) Object { return aggregate(KindList, unsafe.Pointer(l)) }

func aggregate(k Kind, p unsafe.Pointer) Object {
	return Object{Kind: k, v: slice32{p: (*byte)(p)}}
}

// SetData replaces the aggregate of o with v, one of the same kind.
func (o *Object) SetData(v any) {
	var n Object
	switch v := v.(type) {
	case *Hash:
		n = HashObject(v)
	case *Set:
		n = SetObject(v)
	case *ZSet:
		n = ZSetObject(v)
	case *List:
		n = ListObject(v)
	}
	if n.Kind != o.Kind || n.v.p == nil {
		panic("store: SetData of another kind")
	}
	o.v = n.v
}

// Cloner is implemented by the payloads of aggregate kinds so COPY can
// duplicate them.
type Cloner interface {
	Clone() any
}

// Clone returns a deep copy of o for COPY.
func (o *Object) Clone() Object {
	c := *o
	c.ownKey = false
	if o.Kind == KindString {
		if b := o.Str(); b != nil {
			c.SetStr(append([]byte(nil), b...))
		}
		return c
	}
	if cl, ok := o.Data().(Cloner); ok {
		c.SetData(cl.Clone())
	}
	return c
}

// NewString returns a string object that owns b.
func NewString(b []byte) Object {
	o := Object{Kind: KindString}
	o.SetStr(b)
	return o
}

// NewRawString is NewString for a value made by a write in place (see
// Object.Raw).
func NewRawString(b []byte) Object {
	o := NewString(b)
	o.Raw = true
	return o
}

// maxEmbstr is the length up to which Redis stores a string as "embstr".
const maxEmbstr = 44

// StringEncoding returns the encoding Redis's OBJECT ENCODING would report for
// a string value: "int" when it is the canonical form of a 64-bit integer,
// "embstr" when short, "raw" otherwise.
func (o *Object) StringEncoding() string {
	b := o.Str()
	if !o.Raw && !o.Float && len(b) <= 20 && len(b) > 0 {
		if n, err := strconv.ParseInt(string(b), 10, 64); err == nil && strconv.FormatInt(n, 10) == string(b) {
			return "int"
		}
	}
	if !o.Raw && len(b) <= maxEmbstr {
		return "embstr"
	}
	return "raw"
}

// Usage estimates the bytes key and o take in the keyspace, as MEMORY
// USAGE reports and maxmemory counts: the table entry (its slot in the
// slab and its share of the buckets), the key, the payload, and the
// expiry's own entry when the key has a TTL.
func Usage(key string, o *Object, hasTTL bool) int64 {
	n := int64(unsafe.Sizeof(entry[Object]{})) + bucketShare + roundAlloc(len(key))
	// A switch on the kind, not Data and an interface: every write is
	// measured twice with this (see the server's trackWrite).
	switch o.Kind {
	case KindString:
		n += roundAlloc(int(o.v.c))
	case KindList:
		n += o.AsList().Size()
	case KindHash:
		n += o.AsHash().Size()
	case KindSet:
		n += o.AsSet().Size()
	case KindZSet:
		n += o.AsZSet().Size()
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
