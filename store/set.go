package store

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"unsafe"
)

// SetMaxIntsetEntries is Redis's set-max-intset-entries default.
const SetMaxIntsetEntries = 512

// SetLimits are the thresholds of a set's intset encoding: a set of
// integers keeps it up to MaxIntsetEntries members.
type SetLimits struct {
	MaxIntsetEntries int // set-max-intset-entries

	// spares, when set (DB.SetLimits), gives a set that turns into a hash
	// table one that eviction left.
	spares *spares
}

// DefaultSetLimits returns Redis's default threshold.
func DefaultSetLimits() SetLimits { return SetLimits{MaxIntsetEntries: SetMaxIntsetEntries} }

// intsetMaxEntries caps set-max-intset-entries, as Redis does, so an intset
// (one array, moved on every insert) stays of a workable size. Redis's cap
// is 1<<30; an intset here lives in a slice32, so its 8-byte members stop
// at 1<<28, 2 GiB with the slack it grows by.
const intsetMaxEntries = 1 << 28

// setMaxListpackEntries and setMaxListpackValue bound a set of strings
// kept as a listpack: Redis 7.2's set-max-listpack-entries and
// set-max-listpack-value defaults. Redis 7.0 has no such encoding and keeps
// these sets in hash tables; see Set.
const (
	setMaxListpackEntries = 128
	setMaxListpackValue   = 64
)

// setStrs is the Set.width that marks Set.buf as a listpack of string
// members rather than an intset's array.
const setStrs = 1

// Set is the payload of a KindSet value. It starts as an intset, a sorted
// array of integers packed at the narrowest width that holds them all, and
// moves for good to a hash table (Redis's "hashtable" encoding) when a
// member is not the canonical form of a 64-bit integer or a write takes
// the set past SetLimits.MaxIntsetEntries members. As in Redis, it never
// converts back.
//
// In between, as in Redis 7.2, a small set of strings is a listpack: its
// members, each after its length as a uvarint, in one buffer searched
// linearly, while it has at most setMaxListpackEntries members of at most
// setMaxListpackValue bytes. A hash table costs a one-member set some 250
// bytes more (the table's struct, slab and buckets, and a string per
// member), twice Redis's whole key. OBJECT ENCODING still answers
// "hashtable" for it, the name Redis 7.0 gives every set that is not an
// intset, and the RDB format it is saved in is 7.0's too.
//
// Lookups (Has, Remove) accept temporary views of reusable buffers. Members
// handed out (Range, Random, Pop, Scan, Sample) are immutable strings the
// caller may keep and may store in another Set with Add.
//
// The zero Set is an empty intset, ready to use.
type Set struct {
	// buf and width are the intset (see ints), or the listpack when width
	// is setStrs, until the set becomes a hash table; then, with isTable
	// set, buf's pointer is the table and its lengths are 0 (see dict).
	// One field for both keeps the struct at 24 bytes instead of 32.
	buf     slice32
	width   uint8
	isTable bool
}

// enc is the intset or listpack, or the hash table (see compact).
func (s *Set) enc() compact[table[struct{}]] { return compact[table[struct{}]]{&s.buf, &s.isTable} }

// dict returns the hash table holding the members, nil while the set is
// an intset or a listpack.
func (s *Set) dict() *table[struct{}] { return s.enc().structure() }

// setDict makes t the hash table holding the members, or, with t nil,
// leaves the set an empty intset.
func (s *Set) setDict(t *table[struct{}]) { s.width = 0; s.enc().convert(t) }

// ints returns the intset, to read or to change and give back to setInts;
// an empty one once the set is a hash table.
func (s *Set) ints() intset { return intset{width: s.width, data: s.enc().get()} }

// setInts stores is, the intset or listpack, in s.
func (s *Set) setInts(is intset) { s.enc().set(is.data); s.width = is.width }

// lp returns the listpack of a set whose width is setStrs.
func (s *Set) lp() []byte { return s.enc().get() }

// setLP makes lp the listpack of a set whose width is setStrs.
func (s *Set) setLP(lp []byte) { s.enc().set(lp) }

// NewSet returns an empty set.
func NewSet() *Set { return &Set{} }

// Len returns the number of members.
func (s *Set) Len() int {
	d := s.dict()
	switch {
	case d != nil:
		return d.Len()
	case s.width == setStrs:
		n := 0
		for off := 0; off < int(s.buf.n); n++ {
			_, off = s.lpEntry(off)
		}
		return n
	}
	return s.ints().len()
}

// Encoding returns what Redis's OBJECT ENCODING reports for the set.
func (s *Set) Encoding() string {
	if s.dict() != nil || s.width == setStrs {
		return "hashtable"
	}
	return "intset"
}

// Has reports whether m is a member.
func (s *Set) Has(m string) bool {
	d := s.dict()
	switch {
	case d != nil:
		_, ok := d.Get(m)
		return ok
	case s.width == setStrs:
		_, off := s.lpFind(m)
		return off >= 0
	}
	v, ok := setMemberInt(m)
	if !ok {
		return false
	}
	_, found := s.ints().find(v)
	return found
}

// Add inserts m and reports whether it was new; an intset that lim does
// not let grow, or a member that is not an integer, converts the set to a
// hash table. The set retains m when it stores it as a string, so m must
// not be a view of a reusable buffer; use AddBytes for request arguments.
func (s *Set) Add(m string, lim SetLimits) bool { return s.add(m, lim, false) }

// AddBytes is Add for a member that the set copies if it stores it.
func (s *Set) AddBytes(m []byte, lim SetLimits) bool { return s.add(view(m), lim, true) }

func (s *Set) add(m string, lim SetLimits, copyOnInsert bool) bool {
	if s.dict() == nil && s.width != setStrs {
		// An intset takes an integer while it has room; a string makes it
		// a listpack when the two fit one, and a hash table otherwise.
		v, isInt := setMemberInt(m)
		if isInt {
			is := s.ints()
			if _, found := is.find(v); found {
				return false
			}
			if is.len() < min(lim.MaxIntsetEntries, intsetMaxEntries) {
				is.insert(v)
				s.setInts(is)
				return true
			}
		}
		if !isInt && listpackFits(s.ints().len(), m) {
			s.toListpack()
		} else {
			s.convert(lim.spares)
		}
	}
	if s.dict() == nil {
		n, off := s.lpFind(m)
		if off >= 0 {
			return false
		}
		if listpackFits(n, m) {
			lp := binary.AppendUvarint(s.lp(), uint64(len(m)))
			s.setLP(append(lp, m...))
			return true
		}
		s.convert(lim.spares)
	}
	d := s.dict()
	if _, found := d.Get(m); found {
		return false
	}
	if copyOnInsert {
		m = string([]byte(m))
	}
	d.Set(m, struct{}{})
	d.strBytes += roundAlloc(len(m))
	return true
}

// listpackFits reports whether a listpack of n members may take m.
func listpackFits(n int, m string) bool {
	return n < setMaxListpackEntries && len(m) <= setMaxListpackValue
}

// convert moves the members of the intset or listpack to a hash table, an
// emptied one of sp when there is one (sp may be nil), in their order.
func (s *Set) convert(sp *spares) {
	d := sp.setTable()
	s.Range(func(m string) bool {
		d.Set(m, struct{}{})
		d.strBytes += roundAlloc(len(m))
		return true
	})
	s.setDict(d)
}

// toListpack rewrites the intset as a listpack of the members' decimal
// forms, in ascending order, for a string member to join them. An empty
// set keeps its buffer (one that eviction left, see spares.keepSet).
func (s *Set) toListpack() {
	is := s.ints()
	lp := is.data[:0]
	if n := is.len(); n > 0 {
		lp = make([]byte, 0, n*8+setMaxListpackValue)
	}
	for i, n := 0, is.len(); i < n; i++ {
		lp = binary.AppendUvarint(lp, 0)
		start := len(lp)
		lp = strconv.AppendInt(lp, is.at(i), 10)
		lp[start-1] = byte(len(lp) - start) // at most 20 digits: one byte
	}
	s.width = setStrs
	s.setLP(lp)
}

// lpFind walks the listpack for m and returns the offset of its entry, or
// -1, and the number of entries it passed: all of them when m is absent.
func (s *Set) lpFind(m string) (n, off int) {
	for off < int(s.buf.n) {
		e, next := s.lpEntry(off)
		if string(e) == m {
			return n, off
		}
		off, n = next, n+1
	}
	return n, -1
}

// lpEntry returns the member whose entry is at off, as a view of the
// listpack, and the offset of the next entry.
func (s *Set) lpEntry(off int) (m []byte, next int) {
	lp := s.lp()
	l, w := binary.Uvarint(lp[off:])
	start := off + w
	return lp[start : start+int(l)], start + int(l)
}

// lpAt returns the offset of the i-th entry of the listpack.
func (s *Set) lpAt(i int) int {
	off := 0
	for ; i > 0; i-- {
		_, off = s.lpEntry(off)
	}
	return off
}

// Remove deletes m and reports whether it was a member.
func (s *Set) Remove(m string) bool {
	d := s.dict()
	switch {
	case d != nil:
		if _, ok := d.Delete(m); !ok {
			return false
		}
		d.strBytes -= roundAlloc(len(m))
		return true
	case s.width == setStrs:
		_, off := s.lpFind(m)
		if off < 0 {
			return false
		}
		_, next := s.lpEntry(off)
		s.setLP(slices.Delete(s.lp(), off, next))
		return true
	}
	v, ok := setMemberInt(m)
	if !ok {
		return false
	}
	is := s.ints()
	i, found := is.find(v)
	if found {
		is.removeAt(i)
		s.setInts(is)
	}
	return found
}

// Range calls fn for every member until fn returns false: in ascending
// order for an intset, in insertion order for a listpack, in the hash
// table's insertion-derived order otherwise. The set must not change
// during the walk.
func (s *Set) Range(fn func(m string) bool) {
	d := s.dict()
	switch {
	case d != nil:
		d.Range(func(k string, _ *struct{}) bool { return fn(k) })
		return
	case s.width == setStrs:
		for off := 0; off < int(s.buf.n); {
			m, next := s.lpEntry(off)
			if !fn(string(m)) {
				return
			}
			off = next
		}
		return
	}
	is := s.ints()
	for i, n := 0, is.len(); i < n; i++ {
		if !fn(strconv.FormatInt(is.at(i), 10)) {
			return
		}
	}
}

// Random returns a member chosen uniformly at random; the set must not be
// empty.
func (s *Set) Random(rng *rand.Rand) string {
	d := s.dict()
	switch {
	case d != nil:
		k, _ := d.RandomKey(rng)
		return k
	case s.width == setStrs:
		m, _ := s.lpEntry(s.lpAt(rng.IntN(s.Len())))
		return string(m)
	}
	is := s.ints()
	return strconv.FormatInt(is.at(rng.IntN(is.len())), 10)
}

// RandomN calls fn count times with a member drawn uniformly at random
// each time, so members may repeat (SRANDMEMBER with a negative count);
// the set must not be empty. A listpack is walked once, not once a draw.
func (s *Set) RandomN(rng *rand.Rand, count int, fn func(m string)) {
	if s.width != setStrs || count == 1 {
		for range count {
			fn(s.Random(rng))
		}
		return
	}
	var all []string
	s.Range(func(m string) bool {
		all = append(all, m)
		return true
	})
	for range count {
		fn(all[rng.IntN(len(all))])
	}
}

// Pop removes a member chosen uniformly at random and returns it; the set
// must not be empty.
func (s *Set) Pop(rng *rand.Rand) string {
	d := s.dict()
	switch {
	case d != nil:
		k, _ := d.RandomKey(rng)
		d.Delete(k)
		d.strBytes -= roundAlloc(len(k))
		return k
	case s.width == setStrs:
		off := s.lpAt(rng.IntN(s.Len()))
		b, next := s.lpEntry(off)
		m := string(b)
		s.setLP(slices.Delete(s.lp(), off, next))
		return m
	}
	is := s.ints()
	i := rng.IntN(is.len())
	m := strconv.FormatInt(is.at(i), 10)
	is.removeAt(i)
	s.setInts(is)
	return m
}

// Sample returns n distinct members chosen uniformly at random (every
// subset of size n is equally likely), in random order; n must be less
// than Len. Like Redis's SRANDMEMBER, it copies the set and discards from
// the copy when n is a large part of it, and otherwise draws members until
// it has n distinct ones, so the cost is O(n) either way.
func (s *Set) Sample(rng *rand.Rand, n int) []string {
	size := s.Len()
	if n*3 > size {
		all := make([]string, 0, size)
		s.Range(func(m string) bool {
			all = append(all, m)
			return true
		})
		// A partial Fisher-Yates shuffle: the first n slots end up holding
		// a uniform random n-subset in random order.
		for i := 0; i < n; i++ {
			j := i + rng.IntN(size-i)
			all[i], all[j] = all[j], all[i]
		}
		return all[:n:n]
	}
	out := make([]string, 0, n)
	seen := make(map[string]struct{}, n)
	for len(out) < n {
		m := s.Random(rng)
		if _, dup := seen[m]; dup {
			continue
		}
		seen[m] = struct{}{}
		out = append(out, m)
	}
	return out
}

// Scan calls fn for the members of one step of an SSCAN and returns the
// next cursor, 0 when the scan is complete. A hash table is walked with
// Dict.Scan's guarantee (every member present for the whole scan is
// returned at least once); an intset or a listpack returns every member at
// once with cursor 0, whatever the cursor, as Redis does. fn must not
// change s.
func (s *Set) Scan(cursor uint64, fn func(m string)) uint64 {
	if d := s.dict(); d != nil {
		return d.Scan(cursor, func(k string, _ *struct{}) { fn(k) })
	}
	s.Range(func(m string) bool {
		fn(m)
		return true
	})
	return 0
}

// Clone returns a deep copy with the same encoding, for COPY. Member
// strings are immutable and shared.
func (s *Set) Clone() any {
	c := &Set{}
	d := s.dict()
	if d == nil {
		c.setInts(intset{width: s.width, data: slices.Clone(s.buf.get())})
		return c
	}
	t := newTable[struct{}]()
	t.strBytes = d.strBytes
	d.Range(func(k string, _ *struct{}) bool {
		t.Set(k, struct{}{})
		return true
	})
	c.setDict(t)
	return c
}

// setHeaderSize is the size of a Set value.
const setHeaderSize = int64(unsafe.Sizeof(Set{}))

// Size estimates the bytes the set takes, for MEMORY USAGE: the header,
// the intset's or listpack's array, or the hash table's slab and buckets
// and the member strings.
func (s *Set) Size() int64 {
	d := s.dict()
	if d == nil {
		return setHeaderSize + int64(s.buf.c)
	}
	return setHeaderSize + d.strBytes + d.Bytes()
}

// setMemberInt parses m as Redis's string2ll does, the test for a member
// that an intset can hold: an optional '-', then digits without leading
// zeros ("0" itself excepted, "-0" refused), within int64, nothing else.
func setMemberInt(m string) (int64, bool) {
	if len(m) == 0 || len(m) > 20 {
		return 0, false
	}
	if m == "0" {
		return 0, true
	}
	neg := m[0] == '-'
	d := m
	if neg {
		d = m[1:]
	}
	if len(d) == 0 || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(d); i++ {
		ch := d[i]
		if ch < '0' || ch > '9' || v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(ch-'0')
	}
	switch {
	case neg && v <= 1<<63:
		return int64(-v), true
	case !neg && v <= math.MaxInt64:
		return int64(v), true
	}
	return 0, false
}

// intset is Redis's intset: distinct integers in ascending order, packed
// little-endian at 2, 4 or 8 bytes each, the narrowest width that holds
// every member (widened on demand, never narrowed), searched by bisection.
type intset struct {
	width uint8 // bytes per member; 0 while nothing was ever stored (setStrs: see Set)
	data  []byte
}

func (is intset) len() int {
	if is.width == 0 {
		return 0
	}
	return len(is.data) / int(is.width)
}

func (is intset) at(i int) int64 {
	switch is.width {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(is.data[2*i:])))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(is.data[4*i:])))
	}
	return int64(binary.LittleEndian.Uint64(is.data[8*i:]))
}

func (is *intset) put(i int, v int64) {
	switch is.width {
	case 2:
		binary.LittleEndian.PutUint16(is.data[2*i:], uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(is.data[4*i:], uint32(v))
	default:
		binary.LittleEndian.PutUint64(is.data[8*i:], uint64(v))
	}
}

// intsetWidth returns the narrowest intset width that holds v.
func intsetWidth(v int64) uint8 {
	switch {
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 2
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 4
	}
	return 8
}

// find returns the position of v, or where it would be inserted, and
// whether it is present.
func (is intset) find(v int64) (int, bool) {
	n := is.len()
	if n == 0 || intsetWidth(v) > is.width {
		// A value wider than the array cannot be in it; it goes at an end.
		if n > 0 && v > 0 {
			return n, false
		}
		return 0, false
	}
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if is.at(mid) < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < n && is.at(lo) == v
}

// insert adds v, which must not be present.
func (is *intset) insert(v int64) {
	if w := intsetWidth(v); w > is.width {
		is.widen(w)
	}
	i, _ := is.find(v)
	n, w := is.len(), int(is.width)
	need := (n + 1) * w
	if need > cap(is.data) {
		// Grow by an eighth rather than double: a set that stops growing
		// keeps little slack, and the copies stay amortized O(1) per insert.
		grown := make([]byte, need, need+max(n/8, 4)*w)
		copy(grown, is.data)
		is.data = grown
	} else {
		is.data = is.data[:need]
	}
	copy(is.data[(i+1)*w:], is.data[i*w:n*w])
	is.put(i, v)
}

// removeAt deletes the member at position i, returning memory when the
// array is mostly empty.
func (is *intset) removeAt(i int) {
	n, w := is.len(), int(is.width)
	copy(is.data[i*w:], is.data[(i+1)*w:])
	is.data = is.data[:(n-1)*w]
	if c := cap(is.data); c > 64 && len(is.data) < c/2 {
		is.data = append(make([]byte, 0, len(is.data)+len(is.data)/8), is.data...)
	}
}

// widen re-encodes the members at width w.
func (is *intset) widen(w uint8) {
	n := is.len()
	old := *is
	is.width = w
	is.data = make([]byte, n*int(w), (n+1)*int(w))
	for i := 0; i < n; i++ {
		is.put(i, old.at(i))
	}
}
