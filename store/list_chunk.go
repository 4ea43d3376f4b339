package store

// The chunks of a List and the encoding of their entries: a listpack-like
// layout with a length at each end of an entry, and integers stored as
// integers.

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
)

// newChunk returns an empty chunk with room for an entry of sz bytes on
// the side it will be pushed to: when the list already has chunks (it is
// growing), a buffer for as many such entries as a chunk takes, up to its
// full size; a small one otherwise. An empty list that eviction emptied
// (spares.keepList) still holds its one chunk in its ring, which serves
// when it is big enough.
func (l *List) newChunk(sz int, growing, back bool) listChunk {
	size := max(sz, listChunkMin)
	if maxBytes := l.chunkBytes(); growing && sz <= maxBytes {
		size = maxBytes
		if n := l.chunkCount(); n <= maxBytes/sz {
			size = max(sz*n, listChunkMin)
		}
	}
	var c listChunk
	if l.n == 0 && len(l.ring) == 1 {
		if len(l.ring[0].buf) >= size {
			c.buf = l.ring[0].buf
		}
		l.ring[0] = listChunk{}
	}
	if c.buf == nil {
		c.buf = listAlloc(size)
	}
	if !back {
		c.lo, c.hi = len(c.buf), len(c.buf)
	}
	return c
}

// listAlloc returns a buffer of at least n bytes, as long as the
// allocator's size class.
func listAlloc(n int) []byte {
	b := slices.Grow([]byte(nil), n)
	return b[:cap(b)]
}

// makeRoom ensures sz free bytes at the back (or front) of c, a chunk of
// l, growing or compacting the buffer, and reports false when c is too
// full and a new chunk should start instead.
func (l *List) makeRoom(c *listChunk, sz int, back bool) bool {
	maxBytes := l.chunkBytes()
	need := c.hi - c.lo + sz
	if c.count >= l.chunkCount() || need > maxBytes {
		return false
	}
	if back && len(c.buf)-c.hi >= sz || !back && c.lo >= sz {
		return true
	}
	size := len(c.buf)
	switch {
	case size >= maxBytes:
		// Compacting a nearly full chunk would move much for little room.
		if size-need < maxBytes/8 {
			return false
		}
	case need > size/2:
		size = min(maxBytes, max(2*size, need))
	}
	old := len(c.buf)
	c.relocate(size, sz, back)
	l.bufBytes += len(c.buf) - old
	return true
}

// relocate moves the entries within a buffer of size bytes (c's own when
// the size is unchanged) so that sz bytes are free on the pushing side. The
// other side keeps its free room, up to half of what is left, for pushes
// from that side.
func (c *listChunk) relocate(size, sz int, back bool) {
	buf := c.buf
	if size != len(buf) {
		buf = listAlloc(size)
	}
	live := c.hi - c.lo
	free := len(buf) - live - sz
	other := c.lo
	if !back {
		other = len(c.buf) - c.hi
	}
	keep := min(other, free/2)
	lo := keep
	if !back {
		lo = len(buf) - keep - live
	}
	copy(buf[lo:], c.buf[c.lo:c.hi])
	c.buf, c.lo, c.hi = buf, lo, lo+live
}

// splice is listChunk.splice on a chunk of l, growing it within l's chunk
// size.
func (l *List) splice(c *listChunk, off, del, ins int) int {
	old := len(c.buf)
	p := c.splice(off, del, ins, l.chunkBytes())
	l.bufBytes += len(c.buf) - old
	return p
}

// splice replaces the del bytes at off with a gap of ins bytes, moving the
// shorter side of the chunk, and returns the gap's offset. A buffer too
// small is replaced by one of twice the size, within maxBytes unless the
// entries need more.
func (c *listChunk) splice(off, del, ins, maxBytes int) int {
	d := ins - del
	prefix, suffix := off-c.lo, c.hi-(off+del)
	switch {
	case d == 0:
		return off
	case d < 0 && prefix < suffix:
		copy(c.buf[c.lo-d:], c.buf[c.lo:off])
		c.lo -= d
		return off - d
	case d < 0:
		copy(c.buf[off+ins:], c.buf[off+del:c.hi])
		c.hi += d
		return off
	}
	front, back := c.lo, len(c.buf)-c.hi
	if back >= d && (suffix <= prefix || front < d) {
		copy(c.buf[off+ins:], c.buf[off+del:c.hi])
		c.hi += d
		return off
	}
	if front >= d {
		copy(c.buf[c.lo-d:], c.buf[c.lo:off])
		c.lo -= d
		return off - d
	}
	live := c.hi - c.lo + d
	buf := listAlloc(max(live, min(maxBytes, 2*len(c.buf))))
	lo := (len(buf) - live) / 2
	copy(buf[lo:], c.buf[c.lo:off])
	gap := lo + prefix
	copy(buf[gap+ins:], c.buf[off+del:c.hi])
	c.buf, c.lo, c.hi = buf, lo, lo+live
	return gap
}

// shrink is listChunk.shrink on a chunk of l.
func (l *List) shrink(c *listChunk) {
	old := len(c.buf)
	c.shrink()
	l.bufBytes += len(c.buf) - old
}

// shrink reallocates a buffer that is mostly empty.
func (c *listChunk) shrink() {
	live := c.hi - c.lo
	if len(c.buf) <= 4*listChunkMin || live >= len(c.buf)/4 {
		return
	}
	buf := listAlloc(live + live/2)
	lo := (len(buf) - live) / 2
	copy(buf[lo:], c.buf[c.lo:c.hi])
	c.buf, c.lo, c.hi = buf, lo, lo+live
}

// offsetOf returns the byte offset of entry i (0 ≤ i < count), walking
// from the nearer end of the chunk.
func (c *listChunk) offsetOf(i int) int {
	if i < c.count/2 {
		p := c.lo
		for ; i > 0; i-- {
			p += listEntrySize(c.buf, p)
		}
		return p
	}
	q := c.hi
	for j := c.count - i; j > 0; j-- {
		q = entryStartBefore(c.buf, q)
	}
	return q
}

// removeMatches deletes up to limit entries equal to v, the first ones or
// (fromBack) the last ones, compacting the survivors in place towards the
// end the scan started from. It returns how many it deleted.
func (c *listChunk) removeMatches(v *listValue, limit int, fromBack bool) int {
	removed := 0
	if !fromBack {
		w := c.lo
		for r := c.lo; r < c.hi; {
			var e listEntry
			e.decode(c.buf, r)
			if removed < limit && e.equal(v) {
				removed++
			} else if w != r {
				copy(c.buf[w:], c.buf[r:r+e.size])
				w += e.size
			} else {
				w += e.size
			}
			r += e.size
		}
		c.hi = w
	} else {
		w := c.hi
		for r := c.hi; r > c.lo; {
			p := entryStartBefore(c.buf, r)
			var e listEntry
			e.decode(c.buf, p)
			if removed < limit && e.equal(v) {
				removed++
			} else {
				if w != r {
					copy(c.buf[w-(r-p):], c.buf[p:r])
				}
				w -= r - p
			}
			r = p
		}
		c.lo = w
	}
	c.count -= removed
	return removed
}

// listValue is an element prepared for storing: its integer form when it
// has one, and its encoded size.
type listValue struct {
	str   []byte
	num   int64
	isInt bool
	body  int // header and payload bytes
	size  int // body and backlen bytes
}

// set prepares b in v. Like listEntry.decode, it fills v in place: the
// copy of a returned listValue stalled as that of a listEntry did.
func (v *listValue) set(b []byte) {
	v.str, v.num, v.isInt = b, 0, false
	if n, ok := listInt(b); ok {
		v.num, v.isInt = n, true
		v.body = 1
		if n < 0 || n > 127 {
			v.body += listIntWidth(n)
		}
	} else if len(b) < 64 {
		v.body = 1 + len(b)
	} else {
		v.body = 1 + listVarintLen(uint64(len(b))) + len(b)
	}
	v.size = v.body + listVarintLen(uint64(v.body))
}

// put writes the entry into dst, which is exactly v.size bytes.
func (v *listValue) put(dst []byte) {
	switch {
	case v.isInt && v.num >= 0 && v.num <= 127:
		dst[0] = byte(v.num)
	case v.isInt:
		k := v.body - 1
		dst[0] = listIntK + byte(k-1)
		var tmp [8]byte
		binary.LittleEndian.PutUint64(tmp[:], uint64(v.num))
		copy(dst[1:1+k], tmp[:k])
	case len(v.str) < 64:
		dst[0] = listStr6 | byte(len(v.str))
		copy(dst[1:], v.str)
	default:
		dst[0] = listStrVar
		n := binary.PutUvarint(dst[1:], uint64(len(v.str)))
		copy(dst[1+n:], v.str)
	}
	// The backlen, a uvarint stored last byte first.
	x, i := uint64(v.body), v.size-1
	for {
		b := byte(x & 0x7f)
		x >>= 7
		if x != 0 {
			b |= 0x80
		}
		dst[i] = b
		i--
		if x == 0 {
			return
		}
	}
}

// listEntry is a decoded entry; str aliases the chunk.
type listEntry struct {
	str   []byte
	num   int64
	isInt bool
	size  int // bytes of the whole entry
}

// decode sets e to the entry at p of buf. It fills e in place rather
// than return one: a listEntry is too big for registers, and the copy of
// the returned struct, read back right after its fields were stored,
// stalled the processor (4% of the CPU of 50 clients running LRANGE of
// 100 1 KiB values, by perf annotate).
func (e *listEntry) decode(buf []byte, p int) {
	h := buf[p]
	var body int
	switch {
	case h < listStr6:
		e.str, e.num, e.isInt, body = nil, int64(h), true, 1
	case h < listIntK:
		n := int(h & 0x3f)
		e.str, e.num, e.isInt, body = buf[p+1:p+1+n], 0, false, 1+n
	case h < listStrVar:
		k := int(h-listIntK) + 1
		var tmp [8]byte
		copy(tmp[:], buf[p+1:p+1+k])
		// Sign-extend the k-byte integer.
		shift := uint(64 - 8*k)
		e.str, e.num, e.isInt, body = nil, int64(binary.LittleEndian.Uint64(tmp[:])<<shift)>>shift, true, 1+k
	default:
		n, w := binary.Uvarint(buf[p+1:])
		e.str, e.num, e.isInt, body = buf[p+1+w:p+1+w+int(n)], 0, false, 1+w+int(n)
	}
	e.size = body + listVarintLen(uint64(body))
}

// listEntrySize returns the size of the entry at p without decoding it.
func listEntrySize(buf []byte, p int) int {
	h := buf[p]
	var body int
	switch {
	case h < listStr6:
		body = 1
	case h < listIntK:
		body = 1 + int(h&0x3f)
	case h < listStrVar:
		body = 2 + int(h-listIntK)
	default:
		n, w := binary.Uvarint(buf[p+1:])
		body = 1 + w + int(n)
	}
	return body + listVarintLen(uint64(body))
}

// entryStartBefore returns the offset of the entry that ends at q, read
// from its backlen.
func entryStartBefore(buf []byte, q int) int {
	var body uint64
	var shift uint
	p := q
	for {
		p--
		b := buf[p]
		body |= uint64(b&0x7f) << shift
		shift += 7
		if b&0x80 == 0 {
			return p - int(body)
		}
	}
}

func (e *listEntry) appendTo(dst []byte) []byte {
	if e.isInt {
		return strconv.AppendInt(dst, e.num, 10)
	}
	return append(dst, e.str...)
}

// equal compares with a prepared value. A string that is a canonical
// integer is always stored as an integer, so the forms never need mixing.
func (e *listEntry) equal(v *listValue) bool {
	if e.isInt != v.isInt {
		return false
	}
	if e.isInt {
		return e.num == v.num
	}
	return string(e.str) == string(v.str)
}

// listArena collects copies of decoded entries in one buffer.
type listArena struct {
	buf  []byte
	ends []int
}

// start prepares for n values. The buffer is non-nil from the start so
// that no copy, even of an empty string, is a nil slice.
func (a *listArena) start(n int) {
	a.buf = make([]byte, 0, 16*n)
	a.ends = make([]int, 0, n)
}

func (a *listArena) add(e listEntry) {
	a.buf = e.appendTo(a.buf)
	a.ends = append(a.ends, len(a.buf))
}

func (a *listArena) finish() [][]byte {
	out := make([][]byte, len(a.ends))
	prev := 0
	for i, end := range a.ends {
		out[i] = a.buf[prev:end:end]
		prev = end
	}
	return out
}

// listInt parses b when it is exactly the decimal text of an int64
// (no sign but '-', no leading zeros, no "-0"), the strings that can be
// stored as integers and printed back unchanged.
func listInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := b[0] == '-'
	d := b
	if neg {
		d = b[1:]
	}
	if len(d) == 0 || len(d) > 19 || d[0] == '0' && (len(d) > 1 || neg) {
		return 0, false
	}
	var v uint64
	for _, ch := range d {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		v = v*10 + uint64(ch-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// listIntWidth returns the bytes a signed integer needs.
func listIntWidth(n int64) int {
	for k := 1; k < 8; k++ {
		if lim := int64(1) << (8*k - 1); n >= -lim && n < lim {
			return k
		}
	}
	return 8
}

func listVarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
