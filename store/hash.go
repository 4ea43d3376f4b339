package store

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"unsafe"
)

// Redis's defaults for hash-max-listpack-entries and
// hash-max-listpack-value.
const (
	HashMaxListpackEntries = 512
	HashMaxListpackValue   = 64
)

// HashLimits are the thresholds of a hash's listpack encoding: a hash
// stays a listpack while it has at most MaxEntries fields and no field or
// value is longer than MaxValue bytes.
type HashLimits struct {
	MaxEntries int // hash-max-listpack-entries
	MaxValue   int // hash-max-listpack-value

	// spares, when set (DB.HashLimits), gives a hash that turns into a hash
	// table one that eviction left, and lays its new entries out in what
	// eviction left.
	spares *spares
}

// DefaultHashLimits returns Redis's default thresholds.
func DefaultHashLimits() HashLimits {
	return HashLimits{MaxEntries: HashMaxListpackEntries, MaxValue: HashMaxListpackValue}
}

// Hash is the payload of a KindHash value: a map from fields to values.
//
// It starts in the compact encoding Redis calls "listpack": one byte slice
// holding the entries in insertion order, each field and value preceded by
// its length as a uvarint. Lookups walk it, which is as fast as a hash table
// at the sizes it is used for and costs two bytes of overhead per entry.
// When a write takes the hash past the listpack thresholds (HashLimits) it
// moves for good to a Dict ("hashtable"), whose Scan keeps HSCAN's
// guarantee. In the Dict each field and its value share one allocation:
// the key is the field prefix of the string and the value the rest, so an
// entry costs the Dict's slot and one small string.
//
// Fields and values passed in are copied; lookups accept temporary views.
// The field strings handed out are immutable and may be kept; a value
// string stays as it is until the next Set of its field, which may write
// a value of the same length over it: a caller that keeps a value past
// the command that read it copies it. Nothing does today: replies are
// encoded as soon as their command has run, and a snapshot serializes a
// key's value before a write to it.
type Hash struct {
	// buf is the listpack encoding (see lp) until the hash becomes a hash
	// table; then, with isTable set, its pointer is the table (see dict).
	// One field for both keeps the struct at 24 bytes, where a pointer of
	// its own made it 32: a small hash is one more allocation beside its
	// key, and 8 bytes less of it is 8 bytes less a key.
	buf     slice32
	n       uint32 // entries in the listpack, at most listpackSafeLimit
	isTable bool
}

// enc is the listpack or the hash table (see compact).
func (h *Hash) enc() compact[table[string]] { return compact[table[string]]{&h.buf, &h.isTable} }

// dict returns the hash table holding the entries, nil while the hash is
// a listpack.
func (h *Hash) dict() *table[string] { return h.enc().structure() }

// setDict makes t the hash table holding the entries, or, with t nil,
// leaves the hash an empty listpack.
func (h *Hash) setDict(t *table[string]) { h.n = 0; h.enc().convert(t) }

// lp returns the listpack, nil once the hash is a hash table.
func (h *Hash) lp() []byte { return h.enc().get() }

// setLP makes lp the listpack; the hash must be one.
func (h *Hash) setLP(lp []byte) { h.enc().set(lp) }

// NewHash returns an empty hash in the listpack encoding.
func NewHash() *Hash { return &Hash{} }

// Len returns the number of fields.
func (h *Hash) Len() int {
	if d := h.dict(); d != nil {
		return d.Len()
	}
	return int(h.n)
}

// Encoding returns what Redis's OBJECT ENCODING reports for the hash.
func (h *Hash) Encoding() string {
	if h.dict() != nil {
		return "hashtable"
	}
	return "listpack"
}

// Get returns the value of field and whether the field exists.
func (h *Hash) Get(field string) (string, bool) {
	if d := h.dict(); d != nil {
		return d.Get(field)
	}
	if _, voff, vend, ok := h.lpFind(field); ok {
		return string(h.lp()[voff:vend]), true
	}
	return "", false
}

// Exists reports whether field exists.
func (h *Hash) Exists(field string) bool {
	if d := h.dict(); d != nil {
		return d.GetPtr(field) != nil
	}
	_, _, _, ok := h.lpFind(field)
	return ok
}

// ValueLen returns the length of field's value, 0 when it does not exist.
func (h *Hash) ValueLen(field string) int {
	if d := h.dict(); d != nil {
		v, _ := d.Get(field)
		return len(v)
	}
	_, voff, vend, _ := h.lpFind(field)
	return vend - voff
}

// Set stores value under field, copying both, and reports whether the field
// is new. A field or value longer than lim allows, or a listpack that would
// pass its safety size, converts the hash to a hash table first; more
// fields than lim allows convert it after, as Redis does, even when the
// write only changed a value (the count may have been lowered since).
func (h *Hash) Set(field, value []byte, lim HashLimits) bool {
	if h.dict() == nil && (len(field) > lim.MaxValue || len(value) > lim.MaxValue ||
		len(h.lp())+len(field)+len(value) > listpackSafeLimit) {
		h.convert(lim.spares)
	}
	if h.dict() != nil {
		return h.dictSet(field, value, lim.spares)
	}
	added := false
	if _, voff, vend, ok := h.lpFind(view(field)); !ok {
		h.setLP(hashLPAppend(hashLPAppend(h.lp(), field), value))
		h.n++
		added = true
	} else if len(value) == vend-voff {
		copy(h.lp()[voff:vend], value)
	} else {
		// Replace the value with its length prefix, which starts
		// before voff.
		start := voff - hashUvarintLen(vend-voff)
		h.setLP(slices.Replace(h.lp(), start, vend, hashLPAppend(nil, value)...))
	}
	if int(h.n) > lim.MaxEntries {
		h.convert(lim.spares)
	}
	return added
}

// dictSet is Set on the hash table encoding. A new value as long as the
// old one is written over the old bytes, in the entry's allocation, so
// that rewriting fields with values of the same size makes no garbage
// (see Hash on why that is safe). Otherwise an existing entry takes the
// new field string too (Dict.Swap), so that the new value shares an
// allocation with the field and the old one is freed with it.
func (h *Hash) dictSet(field, value []byte, sp *spares) bool {
	d := h.dict()
	if p := d.GetPtr(view(field)); p != nil && len(*p) == len(value) && len(value) > 0 {
		stored, _ := d.Key(view(field))
		// Every entry is made by hashJoin; this only makes sure.
		if joined(stored, unsafe.StringData(*p)) {
			copy(unsafe.Slice(unsafe.StringData(*p), len(*p)), value)
			return false
		}
	}
	k, v := hashJoin(field, value, sp)
	old, existed := d.Swap(k, v)
	if existed {
		d.strBytes -= roundAlloc(len(field) + len(old))
	}
	d.strBytes += roundAlloc(len(field) + len(value))
	return !existed
}

// hashJoin is joinKeyValue (db.go) for a hash table's entry: a field and
// its value in one allocation, the value as a string, as the Dict holds it
// (dictSet may write over it; nothing else does), laid out in a spare of
// sp when there is one (sp may be nil).
func hashJoin(field, value []byte, sp *spares) (string, string) {
	k, v := sp.join(field, value)
	return k, view(v)
}

// Delete removes field and reports whether it existed.
func (h *Hash) Delete(field string) bool {
	if d := h.dict(); d != nil {
		old, ok := d.Delete(field)
		if ok {
			d.strBytes -= roundAlloc(len(field) + len(old))
		}
		return ok
	}
	start, _, vend, ok := h.lpFind(field)
	if !ok {
		return false
	}
	h.setLP(slices.Delete(h.lp(), start, vend))
	h.n--
	return true
}

// Range calls fn for every entry until fn returns false: in insertion order
// for a listpack, in the table's slab order for a hash table. The hash must
// not change during the walk.
func (h *Hash) Range(fn func(field, value string) bool) {
	if d := h.dict(); d != nil {
		d.Range(func(k string, v *string) bool { return fn(k, *v) })
		return
	}
	lp := h.lp()
	for off := 0; off < len(lp); {
		f, v, next := hashLPEntry(lp, off)
		if !fn(string(f), string(v)) {
			return
		}
		off = next
	}
}

// Scan calls fn for the entries of one step of a full scan from cursor and
// returns the next cursor, 0 when the scan is complete. A hash table keeps
// Dict.Scan's guarantee; a listpack is returned whole in one step, as Redis
// does.
func (h *Hash) Scan(cursor uint64, fn func(field, value string)) uint64 {
	if d := h.dict(); d != nil {
		return d.Scan(cursor, func(k string, v *string) { fn(k, *v) })
	}
	h.Range(func(f, v string) bool {
		fn(f, v)
		return true
	})
	return 0
}

// Random calls fn count times with an entry drawn uniformly at random each
// time, so entries may repeat (HRANDFIELD with a negative count). The hash
// must not be empty.
func (h *Hash) Random(rng *rand.Rand, count int, fn func(field, value string)) {
	if d := h.dict(); d != nil {
		for range count {
			k, _ := d.RandomKey(rng)
			v, _ := d.Get(k)
			fn(k, v)
		}
		return
	}
	entries := h.lpEntries()
	for range count {
		e := entries[rng.IntN(len(entries))]
		fn(e[0], e[1])
	}
}

// Sample calls fn for count distinct entries chosen at random; count must be
// less than Len (HRANDFIELD with a positive count).
func (h *Hash) Sample(rng *rand.Rand, count int, fn func(field, value string)) {
	if d := h.dict(); d != nil {
		d.Sample(rng, count, func(k string, v *string) bool {
			fn(k, *v)
			return true
		})
		return
	}
	// A partial Fisher-Yates shuffle of the entries' positions.
	entries := h.lpEntries()
	for i := range count {
		j := i + rng.IntN(len(entries)-i)
		entries[i], entries[j] = entries[j], entries[i]
		fn(entries[i][0], entries[i][1])
	}
}

// lpEntries returns the listpack's entries as field/value pairs.
func (h *Hash) lpEntries() [][2]string {
	out := make([][2]string, 0, h.n)
	h.Range(func(f, v string) bool {
		out = append(out, [2]string{f, v})
		return true
	})
	return out
}

// Clone returns a deep copy, for COPY. A hash table's entries are copied
// too, since Set may write over a value in place.
func (h *Hash) Clone() any {
	c := &Hash{n: h.n}
	d := h.dict()
	if d == nil {
		c.setLP(slices.Clone(h.lp()))
		return c
	}
	t := newTable[string]()
	t.strBytes = d.strBytes
	d.Range(func(k string, v *string) bool {
		t.Set(hashJoin([]byte(k), []byte(*v), nil))
		return true
	})
	c.setDict(t)
	return c
}

// Size estimates the bytes the hash takes, for MEMORY USAGE: the
// listpack, or the Dict's slab and buckets and the entries' strings.
func (h *Hash) Size() int64 {
	n := int64(unsafe.Sizeof(Hash{}))
	d := h.dict()
	if d == nil {
		return n + roundAlloc(cap(h.lp()))
	}
	return n + d.strBytes + d.Bytes()
}

// convert moves the listpack's entries to a hash table, an emptied one of
// sp when there is one (sp may be nil).
func (h *Hash) convert(sp *spares) {
	t := sp.hashTable()
	lp := h.lp()
	for off := 0; off < len(lp); {
		f, v, next := hashLPEntry(lp, off)
		k, s := hashJoin(f, v, sp)
		t.Set(k, s)
		t.strBytes += roundAlloc(len(f) + len(v))
		off = next
	}
	h.setDict(t)
}

// lpFind looks field up in the listpack and returns the offsets of its
// entry (start), of the value's bytes (voff) and of the end of the value
// (vend).
func (h *Hash) lpFind(field string) (start, voff, vend int, ok bool) {
	lp := h.lp()
	for off := 0; off < len(lp); {
		flen, n := binary.Uvarint(lp[off:])
		fs := off + n
		fe := fs + int(flen)
		vlen, m := binary.Uvarint(lp[fe:])
		vs := fe + m
		ve := vs + int(vlen)
		if int(flen) == len(field) && string(lp[fs:fe]) == field {
			return off, vs, ve, true
		}
		off = ve
	}
	return 0, 0, 0, false
}

// hashLPEntry decodes the entry at off and returns its field, its value and the
// offset of the next entry.
func hashLPEntry(lp []byte, off int) (field, value []byte, next int) {
	flen, n := binary.Uvarint(lp[off:])
	off += n
	field = lp[off : off+int(flen)]
	off += int(flen)
	vlen, m := binary.Uvarint(lp[off:])
	off += m
	value = lp[off : off+int(vlen)]
	return field, value, off + int(vlen)
}

// hashLPAppend appends s with its length prefix.
func hashLPAppend(lp, s []byte) []byte {
	lp = binary.AppendUvarint(lp, uint64(len(s)))
	return append(lp, s...)
}

// hashUvarintLen returns the encoded length of n as a uvarint.
func hashUvarintLen(n int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(n))
}
