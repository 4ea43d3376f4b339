package store

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// Dict is a hash table from string keys to values of type V with the
// properties Redis's dict gives the keyspace and that Go maps lack:
//
//   - Scan walks the table with a reverse-binary cursor, so a full scan returns
//     every key present for its whole duration at least once, even when the
//     table grows or shrinks between steps.
//   - Resizing is incremental: the old and new bucket arrays coexist and each
//     Set or Delete moves a bucket or a few, so no single call pays for
//     rehashing a large table.
//   - RandomKey and Sample draw entries in O(1) for eviction, active expiry
//     and RANDOMKEY.
//
// Layout. Entries live in a dense slab: entry i is at chunks[i>>chunkShift]
// [i&chunkMask], and entries 0..Len()-1 are all in use. Buckets are uint32
// arrays holding a reference (index+1, so that 0 means empty and a fresh
// array needs no initialization) to the first entry of a chain linked by
// each entry's next field. Delete fills the hole with the last entry, so
// there is no free list and the slab never holds dead entries. The slab is
// chunked so that growing it never copies more than one chunk: a slab of
// millions of entries grows by adding a chunk, not by copying the whole slab
// as append would. Per entry this costs the key's string header, the value,
// 8 bytes of hash and link, and 4 bytes per bucket: 4 to 8 bytes per entry
// at the load factors of a table that grew to its size. A table may also
// thread its entries onto numbered lists (EnableLists: the keyspace's
// per-slot key index), 8 more bytes per entry in a slab of its own.
//
// Determinism. The hash seed is random per table (see NewDict), so bucket
// order, and with it Scan's order and cursors, differ between processes, as
// they do between Redis processes. Everything else is independent of the
// hash: the slab order is fixed by the sequence of Sets and Deletes alone,
// and Range, RandomKey and Sample read the slab, so given the same history
// and the same rng they return the same keys in the same order on every
// node. Commands replicated through Raft or replayed from the AOF (SPOP,
// eviction, SINTERSTORE) therefore behave the same everywhere.
//
// Keys passed to lookups may be temporary views of reusable buffers: a Dict
// retains only the key given to Set when Set inserts it.
//
// Get, GetPtr, Key, Len, Scan, Range, RandomKey, Sample and Prefetch never
// change the table, so they may be called from the callbacks of Scan, Range
// and Sample. A Dict is not safe for concurrent use, not even by readers
// alone: a lookup updates the table's one-entry cache (see last). The zero
// Dict is not usable; call NewDict.
type Dict[V any] struct {
	seed maphash.Seed

	// chunks is the slab. Every chunk holds chunkSize entries, except that
	// a lone first chunk starts small and doubles up to chunkSize, so that
	// the many small tables of hashes and sets stay small.
	chunks [][]entry[V]
	n      uint32 // entries in use: chunk slots 0..n-1 (at most maxEntries)
	// last is the lookup cache's entry (see lastPtr). It sits beside n,
	// and lastLen beside frozen, so that the 4-byte fields pair up: the
	// header is 120 bytes, and a hash's or set's table (the header and
	// its strBytes) stays in the 128-byte size class.
	last uint32

	// tables[0] is the bucket array; while resizing, tables[1] is the new
	// one and buckets [0, rehashIdx) of tables[0] have been moved to it
	// (and are empty). An entry whose tables[0] bucket is below rehashIdx is
	// in tables[1], otherwise in tables[0]; lookups and inserts follow the
	// same rule, so each key is looked for in exactly one bucket.
	tables    [2][]uint32
	rehashIdx int
	// frozen holds the buckets still (see Freeze).
	frozen  bool
	lastLen uint32 // see lastPtr; cut to 32 bits, as a match is checked anyway

	// last is the reference of the entry the last lookup found or
	// inserted, and lastPtr and lastLen are the address and length of the
	// key that lookup was given: a one-entry cache, because a write
	// command looks its key up several times in a row (memory accounting
	// before and after, the command itself), each time with the same view
	// of its argument. A lookup whose key sits at that same address
	// compares it with the entry's key instead of hashing it and walking a
	// chain; any other lookup pays two comparisons of fields of the Dict
	// itself. The address is only compared (a uintptr keeps nothing
	// alive), and a match is checked, never trusted: entries move when
	// others are deleted and buffers are reused, but keys are unique, so
	// an entry in use whose key is the key sought is the one.
	lastPtr uintptr

	// lists threads the entries onto numbered lists (the keyspace's slot
	// index in cluster mode), nil unless EnableLists was called.
	lists *dictLists
}

type entry[V any] struct {
	// val comes first: Go pads a zero-size last field, so a set's
	// entry[struct{}] would cost 8 more bytes with val at the end.
	val V
	key string
	// hash is the low 32 bits of the key's hash: enough to pick a bucket in
	// any table a 32-bit reference can fill, and a cheap filter before the
	// string comparison.
	hash uint32
	next uint32 // reference of the next entry in the chain, 0 at the end
}

const (
	chunkShift = 10
	chunkSize  = 1 << chunkShift
	chunkMask  = chunkSize - 1

	minChunk = 4 // first chunk size of a new table
	minTable = 4 // smallest bucket array, as DICT_HT_INITIAL_SIZE

	// maxEntries bounds Len so that every entry has a non-zero uint32
	// reference.
	maxEntries = 1<<32 - 1

	// rehashEmptyVisits bounds the empty buckets one rehash step may skip,
	// as Redis's dictRehash does (empty_visits = n*10), so that a sparse
	// table being shrunk costs each call a bounded amount of work.
	rehashEmptyVisits = 10
)

// NewDict returns an empty table.
//
// seed is accepted for the callers that derive one seed per table, but the
// hash does not depend on it: keys are hashed with hash/maphash (the
// runtime's AES-based hash where the CPU has it) under a seed that
// maphash.MakeSeed draws at random for every table, and maphash offers no
// way to build a seed from a number. A random per-table seed is what makes
// flooding a bucket by choosing keys impractical, and no behaviour that must
// agree between nodes depends on the hash (see Dict).
func NewDict[V any](seed uint64) *Dict[V] {
	return &Dict[V]{seed: maphash.MakeSeed()}
}

// table is the Dict of a hash or set in the hash-table encoding, with the
// allocated size of the strings it holds, kept by its owner for Size:
// the struct of a hash or set, one per key, holds only a pointer to it.
type table[V any] struct {
	Dict[V]
	strBytes int64
}

// newTable returns an empty table.
func newTable[V any]() *table[V] {
	return &table[V]{Dict: Dict[V]{seed: maphash.MakeSeed()}}
}

// Len returns the number of entries.
func (d *Dict[V]) Len() int { return int(d.n) }

// Get returns the value stored under key and whether there is one.
func (d *Dict[V]) Get(key string) (V, bool) {
	if e := d.find(key); e != nil {
		return e.val, true
	}
	var zero V
	return zero, false
}

// GetPtr returns a pointer to the value stored under key, or nil. The
// pointer stays valid until the next Set, Delete or Clear; the caller may
// modify the value through it.
func (d *Dict[V]) GetPtr(key string) *V {
	if e := d.find(key); e != nil {
		return &e.val
	}
	return nil
}

// Key returns the key string the table holds that is equal to key, so that
// callers can share it instead of keeping a copy of their own.
func (d *Dict[V]) Key(key string) (string, bool) {
	if e := d.find(key); e != nil {
		return e.key, true
	}
	return "", false
}

// Set stores v under key. When key is new the table retains the key string,
// so the caller must pass one it owns; when key exists only the value is
// replaced and the stored key is kept.
func (d *Dict[V]) Set(key string, v V) { d.upsert(key, key, v, false) }

// Swap stores v under key and returns the value it replaced, if any. Unlike
// Set, an existing entry takes the new key string too, so a key that
// shares one allocation with its value (a hash's field and value) frees
// the old one. One lookup does what Delete then Set would do in two.
func (d *Dict[V]) Swap(key string, v V) (old V, existed bool) { return d.upsert(key, key, v, true) }

// SwapUsing is Swap(key, v) for a caller that also holds lookup, a view
// equal to key that it looks the key up with before and after (a
// request's argument; key is the copy the table keeps): the entry is
// found through lookup, so those lookups and this one share the lookup
// cache (see last).
func (d *Dict[V]) SwapUsing(lookup, key string, v V) (old V, existed bool) {
	return d.upsert(lookup, key, v, true)
}

// upsert is Set, Swap and SwapUsing: it finds the entry of lookup (equal
// to key) with one hash, and replaces its value (and its key with key
// when replaceKey), or inserts key.
func (d *Dict[V]) upsert(lookup, key string, v V, replaceKey bool) (old V, existed bool) {
	if d.tables[1] != nil {
		d.rehash()
	}
	if d.tables[0] == nil {
		d.tables[0] = make([]uint32, minTable)
	}
	if e := d.cached(lookup); e != nil {
		return e.replace(key, v, replaceKey), true
	}
	h := d.hash(lookup)
	for ref := *d.head(h); ref != 0; {
		e := d.at(ref)
		if e.hash == h && e.key == lookup {
			d.remember(ref, lookup)
			return e.replace(key, v, replaceKey), true
		}
		ref = e.next
	}
	if d.n == maxEntries {
		panic("store: Dict is full")
	}
	d.reserve()
	ref := uint32(d.n + 1)
	head := d.head(h)
	*d.at(ref) = entry[V]{key: key, hash: h, next: *head, val: v}
	*head = ref
	d.n++
	if d.lists != nil {
		d.lists.grow(ref)
		d.lists.push(ref, key)
	}
	d.remember(ref, lookup)
	d.resizeIfNeeded()
	return old, false
}

// replace gives e the value v, and the key string key too when
// replaceKey, and returns the value it held.
func (e *entry[V]) replace(key string, v V, replaceKey bool) V {
	old := e.val
	e.val = v
	if replaceKey {
		e.key = key
	}
	return old
}

// Delete removes key and returns the value it held and whether it was
// present.
func (d *Dict[V]) Delete(key string) (V, bool) {
	var zero V
	if d.tables[1] != nil {
		d.rehash()
	}
	if d.n == 0 {
		return zero, false
	}
	h := d.hash(key)
	link := d.head(h)
	for ref := *link; ref != 0; ref = *link {
		e := d.at(ref)
		if e.hash == h && e.key == key {
			old := e.val
			*link = e.next
			d.release(ref)
			d.resizeIfNeeded()
			return old, true
		}
		link = &e.next
	}
	return zero, false
}

// Clear removes every entry and releases the table's memory; lists (see
// EnableLists) stay, empty.
func (d *Dict[V]) Clear() {
	lists := d.lists
	*d = Dict[V]{seed: d.seed, lists: lists}
	if lists != nil {
		lists.clear()
	}
}

// Reset removes every entry of a small table, one whose slab is a lone
// chunk of at most maxSlab entries and whose bucket array has its smallest
// size, and keeps that memory, cleared, for the entries to come (the
// spares of eviction). It reports whether d was such a table; another is
// left as it is.
func (d *Dict[V]) Reset(maxSlab int) bool {
	if len(d.chunks) != 1 || len(d.chunks[0]) > maxSlab || len(d.tables[0]) > minTable || d.tables[1] != nil {
		return false
	}
	clear(d.chunks[0][:d.n])
	clear(d.tables[0])
	if d.lists != nil {
		d.lists.clear()
	}
	d.n, d.rehashIdx, d.frozen = 0, 0, false
	d.last, d.lastLen, d.lastPtr = 0, 0, 0
	return true
}

// Scan calls fn for the entries of one step of a full scan and returns the
// cursor for the next step, or 0 when the scan is complete. A full scan
// starts at cursor 0 and returns every entry that is present from its start
// to its end at least once, whatever Sets and Deletes happen between steps;
// an entry may be returned more than once if the table shrinks during the
// scan. fn must not change d.
//
// The cursor counts in reverse binary over the bucket index (Redis's
// dictScan): because the increment carries from the high bit down, the
// buckets visited so far are, in an array of any other power-of-two size,
// exactly the buckets their entries move to (growing) or all but the one the
// cursor is in (shrinking, whence the repeats), so a resize between steps
// never skips an entry. While the table is being resized, a step visits the
// cursor's bucket in the smaller array and the buckets of the larger array
// that it expands to, which between them hold every entry whose hash falls in
// that bucket.
func (d *Dict[V]) Scan(cursor uint64, fn func(key string, v *V)) uint64 {
	if d.n == 0 {
		return 0
	}
	small, large := d.tables[0], d.tables[1]
	if large == nil {
		m := uint64(len(small) - 1)
		d.visit(small[cursor&m], fn)
		return nextCursor(cursor, m)
	}
	if len(small) > len(large) {
		small, large = large, small
	}
	m0, m1 := uint64(len(small)-1), uint64(len(large)-1)
	d.visit(small[cursor&m0], fn)
	// Visit the expansions of the small bucket in the large array in cursor
	// order, starting from the cursor's own: if an earlier step ran over an
	// array at least as large, the ones before it have been visited. The
	// loop ends when the bits above m0 wrap to zero, which carries into the
	// bits under m0 and so also advances the cursor to the next small bucket.
	for {
		d.visit(large[cursor&m1], fn)
		cursor = nextCursor(cursor, m1)
		if cursor&(m0^m1) == 0 {
			return cursor
		}
	}
}

// Freeze stops (on) or resumes resizing. While frozen, every entry stays
// in its bucket, whatever Sets and Deletes happen (chains grow longer
// instead), so a full Scan begun while frozen returns each entry present
// for its whole duration exactly once, and Passed can tell which part of
// the table it has walked. Clear unfreezes.
func (d *Dict[V]) Freeze(on bool) {
	d.frozen = on
	if !on && d.tables[0] != nil && d.tables[1] == nil {
		d.resizeIfNeeded() // what the frozen Sets and Deletes deferred
	}
}

// Overloaded reports whether the table holds more than four entries per
// bucket, which a frozen table reaches when keys keep being added: its
// lookups then slow down, and the scan that froze it should end soon.
func (d *Dict[V]) Overloaded() bool {
	return int(d.n) > 4*len(d.tables[0])
}

// Passed reports whether a full Scan begun while the Dict was frozen, and
// now at cursor (not 0: a scan at 0 has not begun or has ended), has
// visited key's bucket: that is, has returned key if key was present
// when its bucket was visited. The Dict must have stayed frozen since the
// scan began.
func (d *Dict[V]) Passed(cursor uint64, key string) bool {
	if d.tables[0] == nil {
		return false
	}
	// Scan steps through the buckets of the smaller array (with their
	// expansions in the larger), in reverse-binary order of their index.
	m := uint64(len(d.tables[0]) - 1)
	if t1 := d.tables[1]; t1 != nil && len(t1) < len(d.tables[0]) {
		m = uint64(len(t1) - 1)
	}
	b := uint64(d.hash(key)) & m
	return bits.Reverse64(b) < bits.Reverse64(cursor&m)
}

// nextCursor increments the bits of cursor under mask in reverse binary
// order: setting the bits above mask first makes the carry out of the
// reversed increment skip them.
func nextCursor(cursor, mask uint64) uint64 {
	return bits.Reverse64(bits.Reverse64(cursor|^mask) + 1)
}

// Range calls fn for every entry, in slab order, until fn returns false. d
// must not change during the walk.
func (d *Dict[V]) Range(fn func(key string, v *V) bool) {
	left := int(d.n)
	for _, c := range d.chunks {
		if left == 0 {
			return
		}
		c = c[:min(len(c), left)]
		left -= len(c)
		for i := range c {
			if !fn(c[i].key, &c[i].val) {
				return
			}
		}
	}
}

// RandomKey returns a key chosen uniformly at random, or false when the
// table is empty. Redis picks a random non-empty bucket and then a random
// entry of its chain, which favours keys in short chains; the dense slab
// allows an exactly uniform choice in O(1) instead.
func (d *Dict[V]) RandomKey(rng *rand.Rand) (string, bool) {
	if d.n == 0 {
		return "", false
	}
	return d.at(uint32(rng.IntN(int(d.n))) + 1).key, true
}

// Sample calls fn for up to n distinct entries chosen at random, stopping
// early when fn returns false; it visits every entry once when n >= Len().
// Active expiry and eviction use it as Redis uses dictGetSomeKeys. fn must
// not change d.
//
// The entries are the slab positions start, start+step, start+2*step, ...
// modulo the power of two above Len(), skipping positions past the end, with
// start random and step random and odd. An odd step is a permutation modulo
// a power of two, so no entry is visited twice; each entry is about equally
// likely to be visited; and the sample spreads over the whole slab rather
// than over neighbours, which sit together in insertion order and would
// often share a TTL.
func (d *Dict[V]) Sample(rng *rand.Rand, n int, fn func(key string, v *V) bool) {
	if n <= 0 || d.n == 0 {
		return
	}
	size := uint64(d.n)
	mask := uint64(1)<<bits.Len64(size-1) - 1
	pos := rng.Uint64() & mask
	step := rng.Uint64() | 1
	for k := uint64(0); k <= mask && n > 0; k++ {
		if pos < size {
			e := d.at(uint32(pos) + 1)
			if !fn(e.key, &e.val) {
				return
			}
			n--
		}
		pos = (pos + step) & mask
	}
}

// hash returns the part of key's hash that entries keep.
func (d *Dict[V]) hash(key string) uint32 {
	return uint32(maphash.String(d.seed, key))
}

// at returns the entry with reference ref (slab index ref-1).
func (d *Dict[V]) at(ref uint32) *entry[V] {
	i := ref - 1
	return &d.chunks[i>>chunkShift][i&chunkMask]
}

// head returns the bucket that holds, or will hold, the entries with hash h.
// The table must have a bucket array.
func (d *Dict[V]) head(h uint32) *uint32 {
	t0 := d.tables[0]
	i := h & uint32(len(t0)-1)
	if int(i) < d.rehashIdx {
		t1 := d.tables[1]
		return &t1[h&uint32(len(t1)-1)]
	}
	return &t0[i]
}

// find returns the entry stored under key, or nil.
func (d *Dict[V]) find(key string) *entry[V] {
	if d.n == 0 {
		return nil
	}
	if e := d.cached(key); e != nil {
		return e
	}
	h := d.hash(key)
	for ref := *d.head(h); ref != 0; {
		e := d.at(ref)
		if e.hash == h && e.key == key {
			d.remember(ref, key)
			return e
		}
		ref = e.next
	}
	return nil
}

// cached returns the entry of key if the last lookup was given the same
// key at the same address and found it, or nil.
func (d *Dict[V]) cached(key string) *entry[V] {
	if uintptr(unsafe.Pointer(unsafe.StringData(key))) != d.lastPtr || uint32(len(key)) != d.lastLen {
		return nil
	}
	if r := d.last; r != 0 && r <= d.n {
		if e := d.at(r); e.key == key {
			return e
		}
	}
	return nil
}

// remember makes the entry ref, found or inserted under key, the cached one.
func (d *Dict[V]) remember(ref uint32, key string) {
	d.last, d.lastLen, d.lastPtr = ref, uint32(len(key)), uintptr(unsafe.Pointer(unsafe.StringData(key)))
}

// visit calls fn for every entry of the chain starting at ref.
func (d *Dict[V]) visit(ref uint32, fn func(key string, v *V)) {
	for ref != 0 {
		e := d.at(ref)
		ref = e.next
		fn(e.key, &e.val)
	}
}

// reserve makes room in the slab for entry d.n.
func (d *Dict[V]) reserve() {
	switch {
	case len(d.chunks) == 0:
		d.chunks = append(d.chunks, make([]entry[V], minChunk))
	case len(d.chunks) == 1 && int(d.n) == len(d.chunks[0]) && d.n < chunkSize:
		c := make([]entry[V], 2*int(d.n))
		copy(c, d.chunks[0])
		d.chunks[0] = c
	case int(d.n) == len(d.chunks)*chunkSize:
		d.chunks = append(d.chunks, make([]entry[V], chunkSize))
	}
}

// release removes the entry with reference ref, already unlinked from its
// chain, by moving the last entry of the slab into its place, and frees slab
// memory that is no longer needed.
func (d *Dict[V]) release(ref uint32) {
	last := uint32(d.n)
	if d.lists != nil {
		d.lists.unlink(ref, d.at(ref).key)
		if ref != last {
			d.lists.move(last, ref, d.at(last).key)
		}
	}
	if ref != last {
		le := d.at(last)
		link := d.head(le.hash)
		for *link != last {
			link = &d.at(*link).next
		}
		*link = ref
		*d.at(ref) = *le
	}
	// Zero the vacated slot so that the key and value can be collected.
	*d.at(last) = entry[V]{}
	d.n--
	n := int(d.n)
	if d.lists != nil {
		d.lists.shrink(n)
	}

	// Keep at most one empty chunk beyond the last used one, so that a table
	// whose size hovers around a chunk boundary does not allocate and free a
	// chunk on every call; shrink a lone first chunk by halves, which costs a
	// bounded copy and amortizes like its growth.
	switch k := len(d.chunks); {
	case k > 1 && n <= (k-2)*chunkSize:
		d.chunks[k-1] = nil
		d.chunks = d.chunks[:k-1]
	case k == 1 && len(d.chunks[0]) > minChunk && n <= len(d.chunks[0])/4:
		c := make([]entry[V], len(d.chunks[0])/2)
		copy(c, d.chunks[0][:n])
		d.chunks[0] = c
	}
}

// resizeIfNeeded starts a resize when none is in progress and the load
// factor has reached 1 or fallen under 1/8 (as Redis's dict does), moving
// the entries to a bucket array of the smallest power of two, at least
// minTable, that holds 2*Len(). After any resize the load factor is at most
// 1/2, twice away from both thresholds, so a table does not oscillate
// between sizes.
func (d *Dict[V]) resizeIfNeeded() {
	t0, n := d.tables[0], int(d.n)
	if d.frozen || d.tables[1] != nil || (n < len(t0) && (len(t0) <= minTable || n*8 >= len(t0))) {
		return
	}
	size := minTable
	for size < 2*n {
		size *= 2
	}
	d.tables[1] = make([]uint32, size)
	d.rehashIdx = 0
}

// rehash advances a resize in progress; Set and Delete call it.
//
// One step per call finishes a growth before the table can fill the new
// array: growth starts at Len() = len(tables[0]) into an array of twice
// that, and each step consumes at least one of the old buckets. A shrink is
// different: it starts from a sparse array that may be much larger than the
// new one (when keys were deleted faster than an earlier resize ended), and
// a burst of inserts while it runs would pile into the small array with
// no way to grow it until the shrink ends. So the number of steps follows
// the new array's load factor: the work per call stays of the order of a
// lookup in that array, and the shrink ends after a number of calls that
// grows only as the square root of the old array's size.
func (d *Dict[V]) rehash() {
	if d.frozen {
		return
	}
	for k := max(1, int(d.n)/len(d.tables[1])); k > 0 && d.tables[1] != nil; k-- {
		d.rehashStep()
	}
}

// rehashStep moves the next non-empty bucket of tables[0] to tables[1],
// skipping at most rehashEmptyVisits empty buckets, and completes the resize
// when tables[0] is exhausted.
func (d *Dict[V]) rehashStep() {
	t0, t1 := d.tables[0], d.tables[1]
	m1 := uint32(len(t1) - 1)
	for empty := 0; d.rehashIdx < len(t0) && empty < rehashEmptyVisits; {
		ref := t0[d.rehashIdx]
		if ref == 0 {
			d.rehashIdx++
			empty++
			continue
		}
		for ref != 0 {
			e := d.at(ref)
			next := e.next
			b := &t1[e.hash&m1]
			e.next = *b
			*b = ref
			ref = next
		}
		t0[d.rehashIdx] = 0
		d.rehashIdx++
		break
	}
	if d.rehashIdx == len(t0) {
		d.tables = [2][]uint32{t1, nil}
		d.rehashIdx = 0
		// Changes made during the resize may call for another.
		d.resizeIfNeeded()
	}
}

// Bytes estimates the memory of the table itself — its header, slab and
// buckets, not the bytes of its keys — in O(1): every slab chunk but a
// lone first one holds chunkSize entries.
func (d *Dict[V]) Bytes() int64 {
	slab := len(d.chunks) * chunkSize
	if len(d.chunks) == 1 {
		slab = cap(d.chunks[0])
	}
	return int64(unsafe.Sizeof(*d)) + int64(cap(d.chunks))*int64(unsafe.Sizeof([]entry[V]{})) +
		int64(slab)*int64(unsafe.Sizeof(entry[V]{})) + int64(len(d.tables[0])+len(d.tables[1]))*4
}

// PrefetchMax is the most keys one Prefetch call looks at.
const PrefetchMax = 32

// Prefetch looks up keys the way find would, but one step of every lookup
// at a time: all the buckets, then the first entry of every chain, then the
// second of the chains whose first entry did not match, and so on, then the
// found keys' bytes and, through touch, their values. The loads of a step do
// not depend on each other, so the processor overlaps their cache misses,
// where lookups made one after another would wait for each miss in turn. It
// changes nothing; its result means nothing and exists so that the loads are
// not optimised away. Keys past PrefetchMax are ignored.
func (d *Dict[V]) Prefetch(keys []string, touch func(*V) uint32) (sink uint32) {
	if d.n == 0 {
		return 0
	}
	keys = keys[:min(len(keys), PrefetchMax)]
	var hs, refs [PrefetchMax]uint32
	for i, k := range keys {
		hs[i] = d.hash(k)
		refs[i] = *d.head(hs[i])
	}
	// Each pass follows every chain one entry further, until every chain
	// has reached its key or its end.
	var es [PrefetchMax]*entry[V]
	for more := true; more; {
		more = false
		for i := range keys {
			ref := refs[i]
			if ref == 0 {
				continue
			}
			// An entry may straddle two cache lines: load from both
			// ends.
			e := d.at(ref)
			sink += uint32(*(*byte)(unsafe.Pointer(e)))
			if e.hash == hs[i] {
				es[i], refs[i] = e, 0
			} else {
				refs[i] = e.next
				more = more || e.next != 0
			}
		}
	}
	for _, e := range es[:len(keys)] {
		if e != nil && len(e.key) > 0 {
			sink += uint32(e.key[0]) + uint32(e.key[len(e.key)-1])
			if touch != nil {
				sink += touch(&e.val)
			}
		}
	}
	return sink
}
