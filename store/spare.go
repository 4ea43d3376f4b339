package store

import (
	"slices"
	"unsafe"
)

// Spare allocations. Under eviction every write of a new key is paid for
// by evicting an old one, and each would otherwise leave garbage behind
// (the evicted key's allocations) and make new ones: at a few hundred
// thousand SETs a second against a full heap, the garbage collector then
// ran every quarter second and took a third of the server's CPU. A DB
// instead keeps what it evicts for the new keys to be built in:
//   - strings: the allocation SetString laid the key and value out in
//     (Object.Joint), for the next SetString of its size class;
//   - hashes and sorted sets in the listpack encoding: the struct and its
//     listpack, for NewHash and NewZSet; lists of one small chunk: the
//     struct and the chunk, for NewList;
//   - hashes and sets in the hash-table encoding whose table is small: the
//     struct and the table, emptied in place (Dict.Reset), for the new
//     keys that would be hash tables from their first write (NewHashFor,
//     NewSetFor), so that encodings stay what Redis reports; and a hash
//     table's entries, each a field and value that joinKeyValue laid out
//     as it lays out a string key and value, for new entries of hash
//     tables (DB.HashLimits) and new strings alike.
//
// Only eviction gives spares: the evicting server copies what it needs of
// the key before (its effect, its snapshot's dump, its WATCH and blocking
// bookkeeping), replies were encoded when their commands ran, an
// aggregate's struct belongs to its key alone (COPY clones it), and the
// Evictor forgets the pool candidate that named a reused key string.
// Other deletions leave their allocations to the collector, as some of
// them hand the key or the value on (RENAME, MOVE, the deleting commands'
// own replies). Big aggregates, the key strings of aggregates and the
// members of sets (which set operations share between sets) are left to
// the collector too.

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

	// hashes are emptied listpack hashes, for NewHash; tableHashes and
	// tableSets emptied hashes and sets in the hash-table encoding, whose
	// tables (small ones, see Dict.Reset) they keep, for NewHashFor and
	// NewSetFor.
	hashes      []*Hash
	tableHashes []*Hash
	tableSets   []*Set
	// zsets are emptied listpack sorted sets, for NewZSet; lists emptied
	// lists of one small chunk, which they keep (see List.newChunk), for
	// NewList.
	zsets []*ZSet
	lists []*List
}

// joinCap is the capacity of a joint allocation of n bytes: its size class.
func joinCap(n int) int {
	if n > maxSpare {
		return n
	}
	return int(spareClasses[spareClass(n)])
}

// join is joinKeyValue for SetString: it lays key and val out in a spare
// of their size class when there is one, else in a new allocation of the
// whole class.
func (sp *spares) join(key, val []byte) (string, []byte) {
	n := len(key) + len(val)
	if sp.bytes > 0 && n <= maxSpare {
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
// deleted, and its value o, when SetString made them and they still share
// it. It reports whether it did; the caller then forgets every reference
// to key.
//
// Joint says the value was laid out right after the key in an allocation
// of joinCap(len(key)+len(value)) bytes beginning at the key, and that the
// key has not been stored anew since (DB.setKey clears it). A value that
// was moved out of that allocation (APPEND, INCR past its length) cannot
// start where the key ends, inside the allocation; one still in it has the
// capacity it was given, so the allocation's size follows from the two.
func (sp *spares) keep(key string, o *Object) bool {
	if !o.Joint || o.Kind != KindString || len(o.Str) == 0 {
		return false
	}
	return sp.keepJoint(key, unsafe.String(unsafe.SliceData(o.Str), cap(o.Str)))
}

// keepJoint takes the allocation that key and val, laid out by
// joinKeyValue, share (its capacity the size class of the two), when val
// still follows key and nothing else refers to either, and reports whether
// it did.
func (sp *spares) keepJoint(key, val string) bool {
	n := len(key) + len(val)
	if len(key) == 0 || len(val) == 0 || n > maxSpare || !joined(key, unsafe.StringData(val)) {
		return false
	}
	c := spareClass(n)
	size := int(spareClasses[c])
	if sp.bytes+size > maxSpareBytes {
		return false
	}
	sp.free[c] = append(sp.free[c], unsafe.StringData(key))
	sp.bytes += size
	return true
}

// maxSpareListpack bounds the capacity of a listpack kept with its hash or
// sorted set, and of a list's chunk: a spare goes to a new key whatever its
// size, and its memory counts in the key's usage from then on.
const maxSpareListpack = 256

// maxSpareSlab bounds the slab of a table kept with its hash or set: the
// tables of values with a few entries.
const maxSpareSlab = 16

// keepHash takes h, the hash of a key eviction just deleted, emptied, and
// reports whether it did: a listpack up to maxSpareListpack bytes, or a
// small hash table.
func (sp *spares) keepHash(h *Hash) bool {
	if h.dict == nil {
		if cap(h.lp) > maxSpareListpack || sp.bytes+cap(h.lp) > maxSpareBytes {
			return false
		}
		h.lp, h.n, h.strBytes = h.lp[:0], 0, 0
		sp.hashes = append(sp.hashes, h)
		sp.bytes += cap(h.lp)
		return true
	}
	size := int(h.dict.Bytes())
	if sp.bytes+size > maxSpareBytes || h.dict.Len() > maxSpareSlab {
		return false
	}
	// The entries' allocations first: hashJoin made each, its field
	// then its value, and the hash was theirs alone.
	h.dict.Range(func(f string, v *string) bool {
		sp.keepJoint(f, *v)
		return true
	})
	if !h.dict.Reset(maxSpareSlab) {
		return false
	}
	h.lp, h.n, h.strBytes = nil, 0, 0
	sp.tableHashes = append(sp.tableHashes, h)
	sp.bytes += size
	return true
}

// keepSet takes s, the set of a key eviction just deleted, emptied, when
// it is a small hash table, and reports whether it did.
func (sp *spares) keepSet(s *Set) bool {
	if s.dict == nil {
		return false
	}
	size := int(s.dict.Bytes())
	if sp.bytes+size > maxSpareBytes || !s.dict.Reset(maxSpareSlab) {
		return false
	}
	s.ints, s.strBytes = intset{}, 0
	sp.tableSets = append(sp.tableSets, s)
	sp.bytes += size
	return true
}

// keepZSet takes z, the sorted set of a key eviction just deleted,
// emptied, when it is a listpack up to maxSpareListpack bytes, and reports
// whether it did. A listpack that Walk shared stays shared: its next write
// copies it.
func (sp *spares) keepZSet(z *ZSet) bool {
	if z.big != nil || cap(z.lp) > maxSpareListpack || sp.bytes+cap(z.lp) > maxSpareBytes {
		return false
	}
	z.lp, z.n = z.lp[:0], 0
	sp.zsets = append(sp.zsets, z)
	sp.bytes += cap(z.lp)
	return true
}

// keepList takes l, the list of a key eviction just deleted, emptied, when
// it is one chunk of up to maxSpareListpack bytes, which it keeps in its
// ring for the next push (List.newChunk), and reports whether it did.
func (sp *spares) keepList(l *List) bool {
	if l.n != 1 || len(l.ring) != 1 {
		return false
	}
	c := l.ring[0]
	size := len(c.buf)
	if size > maxSpareListpack || sp.bytes+size > maxSpareBytes {
		return false
	}
	l.n, l.count, l.head, l.bufBytes = 0, 0, 0, 0
	sp.lists = append(sp.lists, l)
	sp.bytes += size
	return true
}

// pop takes the last of list, or nil.
func pop[T any](list *[]*T) *T {
	n := len(*list)
	if n == 0 {
		return nil
	}
	x := (*list)[n-1]
	(*list)[n-1] = nil
	*list = (*list)[:n-1]
	return x
}

// NewHash returns an empty hash for a new key of db: one eviction left,
// when there is one, else a new one.
func (db *DB) NewHash() *Hash {
	sp := &db.spares
	if h := pop(&sp.hashes); h != nil {
		sp.bytes -= cap(h.lp)
		return h
	}
	return NewHash()
}

// NewHashFor is NewHash for a hash about to get pairs (field, value, ...):
// when one of them is too long for a listpack, the hash would be a hash
// table at once, and an emptied one eviction left serves.
func (db *DB) NewHashFor(pairs [][]byte, lim HashLimits) *Hash {
	sp := &db.spares
	if len(sp.tableHashes) > 0 && slices.ContainsFunc(pairs, func(b []byte) bool { return len(b) > lim.MaxValue }) {
		h := pop(&sp.tableHashes)
		sp.bytes -= int(h.dict.Bytes())
		return h
	}
	return db.NewHash()
}

// NewSetFor returns an empty set for a new key of db about to get members:
// when one of them is not an integer, the set would be a hash table at
// once, and an emptied one eviction left serves.
func (db *DB) NewSetFor(members [][]byte) *Set {
	sp := &db.spares
	if len(sp.tableSets) > 0 && slices.ContainsFunc(members, func(m []byte) bool {
		_, ok := setMemberInt(view(m))
		return !ok
	}) {
		s := pop(&sp.tableSets)
		sp.bytes -= int(s.dict.Bytes())
		return s
	}
	return NewSet()
}

// NewZSet is store.NewZSet for a new key of db: an emptied listpack one
// that eviction left serves one that starts as a listpack.
func (db *DB) NewZSet(lim ZSetLimits, firstLen int) *ZSet {
	sp := &db.spares
	if len(sp.zsets) > 0 && lim.MaxEntries > 0 && firstLen <= lim.MaxValue {
		z := pop(&sp.zsets)
		sp.bytes -= cap(z.lp)
		return z
	}
	return NewZSet(lim, firstLen)
}

// NewList is store.NewList for a new key of db: an emptied list that
// eviction left serves, its chunks bounded by lim.
func (db *DB) NewList(lim ListLimits) *List {
	sp := &db.spares
	if l := pop(&sp.lists); l != nil {
		sp.bytes -= len(l.ring[0].buf)
		maxBytes, maxCount := lim.chunkBounds()
		l.maxBytes, l.maxCount = int32(maxBytes), int32(maxCount)
		return l
	}
	return NewList(lim)
}

// HashLimits is Limits().Hash for the writes to db's hashes: their new
// hash-table entries are laid out in what eviction left.
func (db *DB) HashLimits() HashLimits {
	lim := db.opts.Limits.Hash
	lim.spares = &db.spares
	return lim
}
