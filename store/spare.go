package store

import "unsafe"

// Spare allocations. Under eviction every write of a new key is paid for
// by evicting an old one, and each would otherwise leave garbage behind
// (the evicted key's allocations) and make new ones: at a few hundred
// thousand SETs a second against a full heap, the garbage collector then
// ran every quarter second and took a third of the server's CPU. A DB
// instead keeps what it evicts for the new keys to be built in:
//   - strings: the allocation SetString laid the key and value out in
//     (Object.ownKey), for the next SetString of its size class; and the
//     key string of an aggregate that DB.SetFrom allocated at its size
//     class, for the same (a key alone is a joint allocation with an
//     empty value);
//   - hashes, sets and sorted sets: the struct, emptied, and a listpack's
//     or intset's buffer, for NewHash, NewSet and NewZSet; lists of one
//     small chunk: the struct and the chunk, for NewList;
//   - the small hash tables of hashes and sets, emptied in place
//     (Dict.Reset), for the next hash or set to turn into a hash table
//     (their convert, through DB.HashLimits and DB.SetLimits), so that
//     encodings change where Redis's do; and a hash table's entries, each
//     a field and value that joinKeyValue laid out as it lays out a string
//     key and value, for new entries of hash tables and new strings alike.
//
// Only eviction gives spares: the evicting server copies what it needs of
// the key before (its effect, its snapshot's dump, its WATCH and blocking
// bookkeeping), replies were encoded when their commands ran, an
// aggregate's struct belongs to its key alone (COPY clones it), and the
// Evictor forgets the pool candidate that named a reused key string.
// Other deletions leave their allocations to the collector, as some of
// them hand the key or the value on (RENAME, MOVE, the deleting commands'
// own replies). Big aggregates, the key strings of aggregates stored
// otherwise (RENAME, RESTORE, the loaders) and the members of hash-table
// sets (which set operations share between sets) are left to the
// collector too.

// spareClasses are the Go allocator's size classes up to maxSpare. SetString
// asks for a joint allocation's whole size class as its capacity, so a
// spare serves any string of its class; should the runtime's classes
// differ, an allocation is still at least the capacity asked for.
var spareClasses = [...]uint16{
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224,
	240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896,
	1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456,
	4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880,
	12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264,
	28672, 32768,
}

const (
	// maxSpare is the largest key and value, together, whose allocation
	// is kept: the largest small object of Go's allocator.
	maxSpare = 32768
	// maxSpareBytes bounds the spares a DB keeps. A round of evictions
	// frees about what the command after it needs, so spares pile up only
	// where the sizes evicted and the sizes written differ.
	maxSpareBytes = 1 << 20
)

// spareSmall and spareLarge map sizes to classes, as the runtime's own
// tables do: (n+7)/8 for n up to 1024, (n-1024+127)/128 above.
var spareSmall, spareLarge = func() (small [1024/8 + 1]uint8, large [(maxSpare-1024)/128 + 1]uint8) {
	c := 0
	for i := range small {
		for int(spareClasses[c]) < i*8 {
			c++
		}
		small[i] = uint8(c)
	}
	for i := range large {
		for int(spareClasses[c]) < 1024+i*128 {
			c++
		}
		large[i] = uint8(c)
	}
	return small, large
}()

// spareClass is the class of n bytes, n <= maxSpare.
func spareClass(n int) int {
	if n <= 1024 {
		return int(spareSmall[(n+7)>>3])
	}
	return int(spareLarge[(n-1024+127)>>7])
}

// spares are the allocations a DB has evicted, by size class, each the
// first byte of an allocation of at least its class's size that nothing
// else refers to.
type spares struct {
	free  [len(spareClasses)][]*byte
	bytes int // the memory the spares hold: string classes, listpacks, tables, chunks

	// hashes, sets, zsets and lists are emptied structs for NewHash,
	// NewSet, NewZSet and NewList (a list with the chunk it kept, see
	// List.newChunk); hashTables and setTables emptied small tables for
	// the hashes and sets that turn into hash tables.
	hashes     []*Hash
	sets       []*Set
	zsets      []*ZSet
	lists      []*List
	hashTables []*table[string]
	setTables  []*table[struct{}]
}

// joinCap is the capacity of a joint allocation of n bytes: its size class.
func joinCap(n int) int {
	if n > maxSpare {
		return n
	}
	return int(spareClasses[spareClass(n)])
}

// join is joinKeyValue for SetString and hash-table entries: it lays key
// and val out in a spare of their size class when there is one (sp may be
// nil), else in a new allocation of the whole class.
func (sp *spares) join(key, val []byte) (string, []byte) {
	n := len(key) + len(val)
	if sp != nil && sp.bytes > 0 && n <= maxSpare {
		c := spareClass(n)
		if f := sp.free[c]; len(f) > 0 {
			p := f[len(f)-1]
			f[len(f)-1] = nil
			sp.free[c] = f[:len(f)-1]
			sp.bytes -= int(spareClasses[c])
			return layOut(unsafe.Slice(p, n), key, val)
		}
	}
	return joinKeyValue(key, val)
}

// keep takes the allocation of key, the table's own string that was just
// deleted with its value o, when o.ownKey says spares.join laid it out.
// It reports whether it did; the caller then forgets every reference to
// key.
//
// For an aggregate (SetFrom) the allocation is the key's alone. For a
// string (SetString) the value was laid out right after the key in an
// allocation of joinCap(len(key)+len(value)) bytes, and the key has not
// been stored anew since (DB.setKey clears ownKey). A value that was moved
// out of that allocation (APPEND, INCR past its length) cannot start where
// the key ends, inside the allocation; one still in it has the capacity it
// was given, so the allocation's size follows from the two.
func (sp *spares) keep(key string, o *Object) bool {
	if !o.ownKey || len(key) == 0 {
		return false
	}
	if o.Kind != KindString {
		return sp.keepClass(unsafe.StringData(key), len(key))
	}
	v := o.Str()
	return len(v) > 0 && sp.keepJoint(key, unsafe.String(unsafe.SliceData(v), cap(v)))
}

// keepJoint takes the allocation that key and val, laid out by
// joinKeyValue, share (its capacity the size class of the two), when val
// still follows key and nothing else refers to either, and reports whether
// it did.
func (sp *spares) keepJoint(key, val string) bool {
	return len(key) > 0 && len(val) > 0 && joined(key, unsafe.StringData(val)) &&
		sp.keepClass(unsafe.StringData(key), len(key)+len(val))
}

// keepClass keeps p, an allocation of joinCap(n) bytes that nothing else
// refers to, for the next joint allocation of its size class.
func (sp *spares) keepClass(p *byte, n int) bool {
	if n > maxSpare {
		return false
	}
	c := spareClass(n)
	return add(sp, &sp.free[c], p, int(spareClasses[c]))
}

// maxSpareListpack bounds the capacity of a listpack kept with its hash or
// sorted set, and of a list's chunk: a spare goes to a new key whatever its
// size, and its memory counts in the key's usage from then on.
const maxSpareListpack = 256

// maxSpareSlab bounds the slab of a table kept with its hash or set: the
// tables of values with a few entries.
const maxSpareSlab = 16

// add keeps x, which holds size bytes, in list, within maxSpareBytes, and
// reports whether it did.
func add[T any](sp *spares, list *[]*T, x *T, size int) bool {
	if sp.bytes+size > maxSpareBytes {
		return false
	}
	*list = append(*list, x)
	sp.bytes += size
	return true
}

// take takes the last of list, which holds size(x) bytes, or nil.
func take[T any](sp *spares, list *[]*T, size func(x *T) int) *T {
	n := len(*list)
	if n == 0 {
		return nil
	}
	x := (*list)[n-1]
	(*list)[n-1] = nil
	*list = (*list)[:n-1]
	sp.bytes -= size(x)
	return x
}

func tableBytes[V any](d *table[V]) int { return int(d.Bytes()) }

// keepTable keeps d, the table of an evicted hash or set, when Reset
// empties it in place.
func keepTable[V any](sp *spares, list *[]*table[V], d *table[V]) {
	if d.Reset(maxSpareSlab) {
		d.strBytes = 0
		add(sp, list, d, tableBytes(d))
	}
}

// spareBuf empties b, the listpack or intset buffer of an evicted hash, set
// or sorted set, to be kept with its struct, or drops it when it is past
// maxSpareListpack bytes.
func spareBuf(b slice32) slice32 {
	if b.c > maxSpareListpack {
		return slice32{}
	}
	b.n = 0
	return b
}

// keepHash takes h, the hash of a key eviction just deleted, emptied: the
// struct with its listpack's buffer (up to maxSpareListpack bytes), and
// a small hash table apart, with its entries' allocations.
func (sp *spares) keepHash(h *Hash) {
	if d := h.dict(); d != nil {
		if d.Len() <= maxSpareSlab {
			// hashJoin made each entry, its field then its value, and
			// the hash was theirs alone.
			d.Range(func(f string, v *string) bool {
				sp.keepJoint(f, *v)
				return true
			})
			keepTable(sp, &sp.hashTables, d)
		}
		h.setDict(nil)
	}
	h.buf, h.n = spareBuf(h.buf), 0
	add(sp, &sp.hashes, h, int(h.buf.c))
}

// keepSet takes s, the set of a key eviction just deleted, emptied: the
// struct with its intset's or listpack's buffer (up to maxSpareListpack
// bytes), and a small hash table apart.
func (sp *spares) keepSet(s *Set) {
	if d := s.dict(); d != nil {
		keepTable(sp, &sp.setTables, d)
		s.setDict(nil)
	}
	s.buf, s.width = spareBuf(s.buf), 0
	add(sp, &sp.sets, s, int(s.buf.c))
}

// keepZSet takes z, the sorted set of a key eviction just deleted,
// emptied: the struct with its listpack's buffer (up to maxSpareListpack
// bytes). A listpack that Walk shared stays shared: its next write copies
// it.
func (sp *spares) keepZSet(z *ZSet) {
	if z.isBig {
		z.setBig(nil) // a skiplist's dict and tree are left to the collector
	}
	z.buf, z.n = spareBuf(z.buf), 0
	add(sp, &sp.zsets, z, int(z.buf.c))
}

// keepList takes l, the list of a key eviction just deleted, emptied, when
// it is one chunk of up to maxSpareListpack bytes, which it keeps in its
// ring for the next push (List.newChunk).
func (sp *spares) keepList(l *List) {
	if l.n != 1 || len(l.ring) != 1 || len(l.ring[0].buf) > maxSpareListpack {
		return
	}
	l.n, l.count, l.head, l.bufBytes = 0, 0, 0, 0
	add(sp, &sp.lists, l, spareChunkBytes(l))
}

func spareChunkBytes(l *List) int { return len(l.ring[0].buf) }

// hashTable returns an empty table for a hash turning into one: an
// emptied one of sp when there is one (sp may be nil).
func (sp *spares) hashTable() *table[string] {
	if sp != nil {
		if d := take(sp, &sp.hashTables, tableBytes[string]); d != nil {
			return d
		}
	}
	return newTable[string]()
}

// setTable is hashTable for a set.
func (sp *spares) setTable() *table[struct{}] {
	if sp != nil {
		if d := take(sp, &sp.setTables, tableBytes[struct{}]); d != nil {
			return d
		}
	}
	return newTable[struct{}]()
}

// NewHash returns an empty hash for a new key of db: one eviction left,
// when there is one, else a new one.
func (db *DB) NewHash() *Hash {
	if h := take(&db.spares, &db.spares.hashes, func(h *Hash) int { return int(h.buf.c) }); h != nil {
		return h
	}
	return NewHash()
}

// NewSet is NewHash for a set.
func (db *DB) NewSet() *Set {
	if s := take(&db.spares, &db.spares.sets, func(s *Set) int { return int(s.buf.c) }); s != nil {
		return s
	}
	return NewSet()
}

// NewZSet is store.NewZSet for a new key of db, in a struct eviction left
// when there is one.
func (db *DB) NewZSet(lim ZSetLimits, firstLen int) *ZSet {
	if z := take(&db.spares, &db.spares.zsets, func(z *ZSet) int { return int(z.buf.c) }); z != nil {
		return newZSetIn(z, lim, firstLen)
	}
	return NewZSet(lim, firstLen)
}

// NewList is store.NewList for a new key of db: an emptied list that
// eviction left serves, its chunks bounded by lim.
func (db *DB) NewList(lim ListLimits) *List {
	if l := take(&db.spares, &db.spares.lists, spareChunkBytes); l != nil {
		maxBytes, maxCount := lim.chunkBounds()
		l.maxBytes, l.maxCount = int32(maxBytes), int32(maxCount)
		return l
	}
	return NewList(lim)
}

// HashLimits is Limits().Hash for the writes to db's hashes: a hash that
// turns into a hash table takes one that eviction left, and its entries
// are laid out in what eviction left.
func (db *DB) HashLimits() HashLimits {
	lim := db.opts.Limits.Hash
	lim.spares = &db.spares
	return lim
}

// SetLimits is Limits().Set for the writes to db's sets: a set that turns
// into a hash table takes one that eviction left.
func (db *DB) SetLimits() SetLimits {
	lim := db.opts.Limits.Set
	lim.spares = &db.spares
	return lim
}
