package store

import (
	"math"
	"strconv"
	"unsafe"
)

// List is the payload of a KindList value: a deque of chunks, each a byte
// buffer of packed entries, in the spirit of Redis's quicklist of
// listpacks.
//
// Layout. The chunks sit in a ring (a power-of-two slice of chunk headers
// with a head index), so adding or dropping a chunk at either end is O(1)
// and the chunk at position i is found without walking. The ring holds the
// headers themselves, not pointers to them: a chunk is then one object for
// the garbage collector, its buffer, which holds no pointers, where a
// header of its own made it two, one of them to scan: the mark phase over
// a list of 350 MB of 1 KiB values on one processor (BenchmarkListCollect)
// went from 1.7-1.8 ms to 1.1, and a list of one element takes 8 bytes and
// an allocation less. A chunk's entries occupy buf[lo:hi] with free room on
// both sides, so pushing and popping at either end of a chunk writes or
// reads one entry and moves nothing. An entry is
//
//	header [payload] backlen
//
// where the header byte says what follows (a small integer in the header
// itself, a string with a 6-bit or varint length, or an integer of 1 to 8
// bytes), and backlen is the size of header and payload as a varint written
// backwards, so an entry can be stepped over in either direction. Elements
// that are the canonical text of a 64-bit integer are stored as integers,
// as a listpack does: "42" takes 2 bytes, a 10-byte string 12.
//
// Cost. Pushes and pops at either end are O(1) (amortized over a chunk's
// growth). Element i is found by skipping whole chunks from the nearer end,
// then entries inside one chunk from its nearer end: O(d/c + c) for distance
// d from an end and chunk size c.
//
// Chunk size. Like a quicklist's nodes, chunks are bounded by the
// list-max-listpack-size in force when the list was created (ListLimits),
// which the list keeps: a number of bytes, or a number of entries within
// 8 KB. A single element larger than the bound has a chunk of its own.
//
// Values passed in are copied into the chunks; values returned are fresh
// copies the caller may keep, never nil (an empty element is an empty,
// non-nil slice). A List is not safe for concurrent use.
//
// The zero List is an empty list with Redis's default chunk size.
type List struct {
	ring  []listChunk // len(ring) is 0 or a power of two; unused slots are zero
	head  int         // ring index of chunk 0
	n     int         // chunks in use
	count int         // elements
	// bufBytes is the size of the chunks' buffers, kept for Size.
	bufBytes int
	// maxBytes and maxCount bound a chunk; 0 stands for the default
	// (listChunkMax bytes, any number of entries).
	maxBytes, maxCount int32
}

// listChunk is one buffer of packed entries, the header kept in the
// list's ring. A *listChunk from List.chunk points into the ring: it is
// valid until a chunk is inserted or removed (insertChunk, removeChunk),
// which move the headers.
type listChunk struct {
	buf    []byte
	lo, hi int // the entries are buf[lo:hi]
	count  int // entries in buf[lo:hi]
}

const (
	// listChunkMax is the size a chunk grows to before a new one starts
	// under Redis 7.0's default list-max-listpack-size of -2 (8 KB); it is
	// also the bound of a chunk limited by a number of entries (Redis's
	// SIZE_SAFETY_LIMIT).
	listChunkMax = 8 << 10
	// listChunkMin is the smallest buffer a chunk gets.
	listChunkMin = 16
	// listChunkSize is the size of a chunk's header, a slot of the ring.
	listChunkSize = int(unsafe.Sizeof(listChunk{}))
)

// Entry header bytes.
const (
	listStr6   = 0x80 // 10xxxxxx: a string of xxxxxx bytes follows
	listIntK   = 0xC0 // 0xC0+k-1: a k-byte (1..8) little-endian signed integer follows
	listStrVar = 0xC8 // a uvarint length, then the string
)

// ListMaxListpackSize is Redis's list-max-listpack-size default: nodes of
// at most 8 KB.
const ListMaxListpackSize = -2

// ListLimits are the bounds of a list's chunks.
type ListLimits struct {
	// MaxListpackSize is list-max-listpack-size: -1 to -5 bound a chunk to
	// 4, 8, 16, 32 or 64 KB (less than -5 counts as -5); a positive value
	// to that many entries (at most 32767) within 8 KB; 0 to one entry.
	MaxListpackSize int
}

// DefaultListLimits returns Redis's default.
func DefaultListLimits() ListLimits { return ListLimits{MaxListpackSize: ListMaxListpackSize} }

// chunkBounds returns the bytes and the entries (0: any number) a chunk
// may hold, as Redis's quicklist reads its fill factor.
func (lim ListLimits) chunkBounds() (maxBytes, maxCount int) {
	switch fill := lim.MaxListpackSize; {
	case fill < 0:
		return 4 << 10 << min(-fill-1, 4), 0
	case fill == 0:
		return listChunkMax, 1
	default:
		return listChunkMax, min(fill, 1<<15-1)
	}
}

// NewList returns an empty list whose chunks follow lim.
func NewList(lim ListLimits) *List {
	maxBytes, maxCount := lim.chunkBounds()
	return &List{maxBytes: int32(maxBytes), maxCount: int32(maxCount)}
}

// chunkBytes is the size a chunk may grow to.
func (l *List) chunkBytes() int {
	if l.maxBytes == 0 {
		return listChunkMax
	}
	return int(l.maxBytes)
}

// chunkCount is the number of entries a chunk may hold.
func (l *List) chunkCount() int {
	if l.maxCount == 0 {
		return math.MaxInt
	}
	return int(l.maxCount)
}

// Len returns the number of elements.
func (l *List) Len() int { return l.count }

// Encoding is what OBJECT ENCODING reports: Redis 7.0 keeps every list in a
// quicklist.
func (l *List) Encoding() string { return "quicklist" }

// Size estimates the bytes the list takes: its header, its ring of chunk
// headers and the chunks' buffers. It runs in O(1), since every write is
// measured with it.
func (l *List) Size() int64 {
	return int64(unsafe.Sizeof(List{})) + int64(listChunkSize*len(l.ring)) + int64(l.bufBytes)
}

// Clone returns a deep copy whose chunks are packed tightly.
func (l *List) Clone() any {
	c := &List{count: l.count, maxBytes: l.maxBytes, maxCount: l.maxCount}
	for i := 0; i < l.n; i++ {
		src := l.chunk(i)
		live := src.hi - src.lo
		buf := listAlloc(live)
		copy(buf, src.buf[src.lo:src.hi])
		c.insertChunk(i, listChunk{buf: buf, lo: 0, hi: live, count: src.count})
	}
	return c
}

// PushFront adds v at the head.
func (l *List) PushFront(v []byte) { l.push(v, false) }

// PushBack adds v at the tail.
func (l *List) PushBack(v []byte) { l.push(v, true) }

func (l *List) push(b []byte, back bool) {
	var v listValue
	v.set(b)
	ci := 0
	if back {
		ci = l.n - 1
	}
	var c *listChunk
	if l.n > 0 {
		c = l.chunk(ci)
	}
	if c == nil || !l.makeRoom(c, v.size, back) {
		nc := l.newChunk(v.size, l.n > 0, back)
		if back {
			ci = l.n
		}
		l.insertChunk(ci, nc)
		c = l.chunk(ci)
	}
	if back {
		v.put(c.buf[c.hi : c.hi+v.size])
		c.hi += v.size
	} else {
		v.put(c.buf[c.lo-v.size : c.lo])
		c.lo -= v.size
	}
	c.count++
	l.count++
}

// Pop removes up to n elements from the head (front) or the tail and
// returns them in the order they were removed.
func (l *List) Pop(front bool, n int) [][]byte {
	n = min(n, l.count)
	if n <= 0 {
		return nil
	}
	var a listArena
	a.start(n)
	for range n {
		a.add(l.popEntry(front))
	}
	return a.finish()
}

// PopOne removes the element at the head (front) or the tail and returns
// it, reporting false when the list is empty.
func (l *List) PopOne(front bool) ([]byte, bool) {
	return l.PopOneTo(front, nil)
}

// PopOneTo is PopOne appending the element to dst, for a caller that
// reuses a buffer.
func (l *List) PopOneTo(front bool, dst []byte) ([]byte, bool) {
	if l.count == 0 {
		return dst, false
	}
	e := l.popEntry(front)
	return e.appendTo(dst), true
}

// popEntry removes the entry at one end and returns it, still pointing
// into its chunk: it must be copied before the list changes again.
func (l *List) popEntry(front bool) listEntry {
	var e listEntry
	ci := 0
	if !front {
		ci = l.n - 1
	}
	c := l.chunk(ci)
	if front {
		e.decode(c.buf, c.lo)
		c.lo += e.size
	} else {
		c.hi = entryStartBefore(c.buf, c.hi)
		e.decode(c.buf, c.hi)
	}
	c.count--
	l.count--
	if c.count == 0 {
		l.removeChunk(ci)
	}
	return e
}

// Index returns a copy of element i (0 ≤ i < Len()).
func (l *List) Index(i int) ([]byte, bool) {
	if i < 0 || i >= l.count {
		return nil, false
	}
	ci, off := l.seek(i)
	c := l.chunk(ci)
	var e listEntry
	e.decode(c.buf, off)
	return e.appendTo(make([]byte, 0, len(e.str))), true
}

// Set replaces element i (0 ≤ i < Len()) with v and reports whether i was
// in range.
func (l *List) Set(i int, b []byte) bool {
	if i < 0 || i >= l.count {
		return false
	}
	ci, off := l.seek(i)
	c := l.chunk(ci)
	old := listEntrySize(c.buf, off)
	var v listValue
	v.set(b)
	if v.size == old {
		v.put(c.buf[off : off+old])
		return true
	}
	p := l.splice(c, off, old, v.size)
	v.put(c.buf[p : p+v.size])
	l.splitIfNeeded(ci)
	return true
}

// Range returns copies of the n elements from index start (0 ≤ start,
// start+n ≤ Len()), head to tail.
func (l *List) Range(start, n int) [][]byte {
	if n <= 0 || start < 0 || start+n > l.count {
		return nil
	}
	var a listArena
	a.start(n)
	ci, off := l.seek(start)
	c := l.chunk(ci)
	for range n {
		if off == c.hi {
			ci++
			c = l.chunk(ci)
			off = c.lo
		}
		var e listEntry
		e.decode(c.buf, off)
		a.add(e)
		off += e.size
	}
	return a.finish()
}

// Each calls fn with every element from head to tail until fn returns
// false. The slice is valid only during the call.
func (l *List) Each(fn func(v []byte) bool) { l.EachRange(0, l.count, fn) }

// EachRange calls fn with the n elements from index start (0 ≤ start,
// start+n ≤ Len()), head to tail, until fn returns false, without copying
// them: the slice is valid only during the call. Replies to LRANGE are
// encoded from it directly.
func (l *List) EachRange(start, n int, fn func(v []byte) bool) {
	if n <= 0 || start < 0 || start+n > l.count {
		return
	}
	var scratch [20]byte
	ci, off := l.seek(start)
	c := l.chunk(ci)
	for range n {
		if off == c.hi {
			ci++
			c = l.chunk(ci)
			off = c.lo
		}
		var e listEntry
		e.decode(c.buf, off)
		off += e.size
		v := e.str
		if e.isInt {
			v = strconv.AppendInt(scratch[:0], e.num, 10)
		}
		if !fn(v) {
			return
		}
	}
}

// Trim removes front elements from the head and back elements from the
// tail.
func (l *List) Trim(front, back int) {
	front = min(max(front, 0), l.count)
	back = min(max(back, 0), l.count-front)
	for front > 0 {
		c := l.chunk(0)
		if c.count <= front {
			front -= c.count
			l.count -= c.count
			l.removeChunk(0)
			continue
		}
		for ; front > 0; front-- {
			c.lo += listEntrySize(c.buf, c.lo)
			c.count--
			l.count--
		}
		l.shrink(c)
	}
	for back > 0 {
		c := l.chunk(l.n - 1)
		if c.count <= back {
			back -= c.count
			l.count -= c.count
			l.removeChunk(l.n - 1)
			continue
		}
		for ; back > 0; back-- {
			c.hi = entryStartBefore(c.buf, c.hi)
			c.count--
			l.count--
		}
		l.shrink(c)
	}
}

// Insert adds v before (or, with after, after) the first element equal to
// pivot, scanning from the head, and reports whether pivot was found.
func (l *List) Insert(pivot []byte, after bool, b []byte) bool {
	var want listValue
	want.set(pivot)
	for ci := 0; ci < l.n; ci++ {
		c := l.chunk(ci)
		for off := c.lo; off < c.hi; {
			var e listEntry
			e.decode(c.buf, off)
			if !e.equal(&want) {
				off += e.size
				continue
			}
			if after {
				off += e.size
			}
			var v listValue
			v.set(b)
			p := l.splice(c, off, 0, v.size)
			v.put(c.buf[p : p+v.size])
			c.count++
			l.count++
			l.splitIfNeeded(ci)
			return true
		}
	}
	return false
}

// Remove deletes elements equal to v: the first count from the head when
// count > 0, the last -count from the tail when count < 0, all when count
// is 0. It returns how many it removed.
func (l *List) Remove(b []byte, count int) int {
	var v listValue
	v.set(b)
	limit := count
	if limit < 0 {
		limit = -limit
	}
	if limit == 0 {
		limit = math.MaxInt
	}
	removed := 0
	first, last := -1, -1 // the touched chunks, as indexes after removal
	if count >= 0 {
		for ci := 0; ci < l.n && removed < limit; {
			c := l.chunk(ci)
			k := c.removeMatches(&v, limit-removed, false)
			removed += k
			if k > 0 {
				if first < 0 {
					first = ci
				}
				last = ci
			}
			if c.count == 0 {
				l.removeChunk(ci)
				last = ci - 1
				continue
			}
			ci++
		}
	} else {
		for ci := l.n - 1; ci >= 0 && removed < limit; ci-- {
			c := l.chunk(ci)
			k := c.removeMatches(&v, limit-removed, true)
			removed += k
			if k > 0 {
				if last < 0 {
					last = ci
				}
				first = ci
			}
			if c.count == 0 {
				l.removeChunk(ci)
				last--
			}
		}
	}
	l.count -= removed
	if removed > 0 {
		l.compact(max(first-1, 0), min(last+1, l.n-1))
	}
	return removed
}

// Positions returns the indexes of elements equal to v, scanning from the
// head (or from the tail with fromTail), skipping the first skip matches,
// returning at most limit (0: no limit) and looking at no more than maxlen
// elements (0: all).
func (l *List) Positions(b []byte, fromTail bool, skip, limit, maxlen int) []int {
	var want listValue
	want.set(b)
	if maxlen <= 0 || maxlen > l.count {
		maxlen = l.count
	}
	var out []int
	seen := 0
	match := func(e listEntry) bool {
		if e.equal(&want) {
			if skip > 0 {
				skip--
			} else {
				idx := seen
				if fromTail {
					idx = l.count - 1 - seen
				}
				out = append(out, idx)
				if limit > 0 && len(out) >= limit {
					return false
				}
			}
		}
		seen++
		return seen < maxlen
	}
	if !fromTail {
		for ci := 0; ci < l.n; ci++ {
			c := l.chunk(ci)
			for off := c.lo; off < c.hi; {
				var e listEntry
				e.decode(c.buf, off)
				off += e.size
				if !match(e) {
					return out
				}
			}
		}
		return out
	}
	for ci := l.n - 1; ci >= 0; ci-- {
		c := l.chunk(ci)
		for off := c.hi; off > c.lo; {
			off = entryStartBefore(c.buf, off)
			var e listEntry
			e.decode(c.buf, off)
			if !match(e) {
				return out
			}
		}
	}
	return out
}

// seek returns the chunk and byte offset of element i, walking from the
// nearer end.
func (l *List) seek(i int) (ci, off int) {
	if i < l.count/2 {
		for ci = 0; ; ci++ {
			if c := l.chunk(ci); i < c.count {
				return ci, c.offsetOf(i)
			}
			i -= l.chunk(ci).count
		}
	}
	back := l.count - 1 - i
	for ci = l.n - 1; ; ci-- {
		c := l.chunk(ci)
		if back < c.count {
			return ci, c.offsetOf(c.count - 1 - back)
		}
		back -= c.count
	}
}

// splitIfNeeded splits chunk ci in two while it is over the list's chunk
// bounds and holds more than one element.
func (l *List) splitIfNeeded(ci int) {
	c := l.chunk(ci)
	if c.hi-c.lo <= l.chunkBytes() && c.count <= l.chunkCount() || c.count < 2 {
		return
	}
	half := (c.hi - c.lo) / 2
	mid, k := c.lo, 0
	for {
		sz := listEntrySize(c.buf, mid)
		if k > 0 && mid-c.lo+sz > half {
			break
		}
		mid += sz
		k++
		if k == c.count-1 {
			break
		}
	}
	second := listChunk{count: c.count - k}
	second.buf = listAlloc(c.hi - mid)
	second.hi = copy(second.buf, c.buf[mid:c.hi])
	first := listChunk{count: k}
	first.buf = listAlloc(mid - c.lo)
	first.hi = copy(first.buf, c.buf[c.lo:mid])
	l.bufBytes += len(first.buf) - len(c.buf)
	l.setChunk(ci, first)
	l.insertChunk(ci+1, second)
	l.splitIfNeeded(ci + 1)
	l.splitIfNeeded(ci)
}

// compact merges neighbouring chunks among from..to whose entries fit in
// one chunk, and shrinks the buffers left mostly empty.
func (l *List) compact(from, to int) {
	maxBytes, maxCount := l.chunkBytes(), l.chunkCount()
	for ci := from; ci <= to && ci < l.n; ci++ {
		c := l.chunk(ci)
		for ci+1 < l.n && ci+1 <= to {
			next := l.chunk(ci + 1)
			live, nlive := c.hi-c.lo, next.hi-next.lo
			if live+nlive > maxBytes || c.count+next.count > maxCount {
				break
			}
			if len(c.buf)-c.hi < nlive {
				buf := listAlloc(live + nlive)
				copy(buf, c.buf[c.lo:c.hi])
				l.bufBytes += len(buf) - len(c.buf)
				c.buf, c.lo, c.hi = buf, 0, live
			}
			c.hi += copy(c.buf[c.hi:], next.buf[next.lo:next.hi])
			c.count += next.count
			l.removeChunk(ci + 1)
			c = l.chunk(ci) // the ring moved
			to--
		}
		l.shrink(c)
	}
}

// chunk returns chunk i (0 ≤ i < n), in the ring: see listChunk.
func (l *List) chunk(i int) *listChunk { return &l.ring[(l.head+i)&(len(l.ring)-1)] }

func (l *List) setChunk(i int, c listChunk) { l.ring[(l.head+i)&(len(l.ring)-1)] = c }

// insertChunk makes c chunk i, shifting the shorter side of the ring.
func (l *List) insertChunk(i int, c listChunk) {
	l.bufBytes += len(c.buf)
	if l.n == len(l.ring) {
		l.resizeRing(max(1, 2*len(l.ring)))
	}
	if i < l.n-i {
		l.head = (l.head - 1) & (len(l.ring) - 1)
		for j := 0; j < i; j++ {
			l.setChunk(j, *l.chunk(j + 1))
		}
	} else {
		for j := l.n; j > i; j-- {
			l.setChunk(j, *l.chunk(j - 1))
		}
	}
	l.setChunk(i, c)
	l.n++
}

// removeChunk drops chunk i, shifting the shorter side of the ring.
func (l *List) removeChunk(i int) {
	l.bufBytes -= len(l.chunk(i).buf)
	if i < l.n-1-i {
		for j := i; j > 0; j-- {
			l.setChunk(j, *l.chunk(j - 1))
		}
		l.setChunk(0, listChunk{})
		l.head = (l.head + 1) & (len(l.ring) - 1)
	} else {
		for j := i; j < l.n-1; j++ {
			l.setChunk(j, *l.chunk(j + 1))
		}
		l.setChunk(l.n-1, listChunk{})
	}
	l.n--
	if l.n == 0 {
		l.ring, l.head = nil, 0
	} else if len(l.ring) >= 16 && l.n <= len(l.ring)/4 {
		l.resizeRing(len(l.ring) / 2)
	}
}

func (l *List) resizeRing(size int) {
	ring := make([]listChunk, size)
	for i := 0; i < l.n; i++ {
		ring[i] = *l.chunk(i)
	}
	l.ring, l.head = ring, 0
}
