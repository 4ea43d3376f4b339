package store

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unsafe"
)

// Redis's defaults for zset-max-listpack-entries and
// zset-max-listpack-value: a sorted set keeps the compact "listpack"
// encoding while it has at most this many members, none longer than this.
const (
	ZSetMaxListpackEntries = 128
	ZSetMaxListpackValue   = 64
)

// ZSetLimits are the thresholds of the listpack encoding.
type ZSetLimits struct {
	MaxEntries int // zset-max-listpack-entries
	MaxValue   int // zset-max-listpack-value
}

// DefaultZSetLimits returns Redis's default thresholds.
func DefaultZSetLimits() ZSetLimits {
	return ZSetLimits{MaxEntries: ZSetMaxListpackEntries, MaxValue: ZSetMaxListpackValue}
}

// ZSet is the payload of a KindZSet value: members with a score each,
// ordered by score and then by member bytes.
//
// A small set is one flat byte slice (Redis's "listpack"): entries back to
// back, each the member's length as a uvarint, the member, and the score's
// eight bytes, in order. Every operation on it is a scan, as on a listpack;
// the set has at most the ZSetLimits.MaxEntries in force at its last
// insertion there. An insertion past the thresholds moves it for good to
// the "skiplist" encoding: a Dict from
// member to score, for lookups and ZSCAN's cursor, and a counted B+tree
// (ztree) of (score, member) for order, rank and ranges in O(log n). Both
// hold the same member string.
//
// Ranks count from 0 at the lowest score. Member strings handed to the
// callbacks of Walk and Scan by a listpack share its bytes; the set's next
// change copies the bytes instead of overwriting them, so such strings stay
// valid and may go into replies that are encoded later (EXEC encodes its
// replies after the whole transaction ran). Strings from RemoveRange and
// Random, and all those of a skiplist, are immutable copies. Lookups accept
// temporary views; Add copies a member it stores.
type ZSet struct {
	// buf is the listpack (see lp) until the set takes the skiplist
	// encoding; then, with isBig set, its pointer is the *zbig and its
	// lengths are 0 (see big). One field for both keeps the struct at 24
	// bytes instead of 32.
	buf slice32
	n   uint32 // members in the listpack, at most listpackSafeLimit
	// shared is set once Walk has handed out views of lp: the next change
	// copies lp instead of changing its bytes in place, so the views stay
	// intact (replies queued by EXEC are encoded after later commands).
	shared bool
	isBig  bool
}

// enc is the listpack or the skiplist encoding (see compact).
func (s *ZSet) enc() compact[zbig] { return compact[zbig]{&s.buf, &s.isBig} }

// big returns the skiplist encoding's dict and tree, nil while the
// encoding is listpack.
func (s *ZSet) big() *zbig { return s.enc().structure() }

// setBig makes b the set's skiplist encoding, or, with b nil, leaves the
// set an empty listpack.
func (s *ZSet) setBig(b *zbig) { s.n = 0; s.enc().convert(b) }

type zbig struct {
	dict     *Dict[float64]
	tree     ztree
	strBytes int64 // allocated size of the member strings
}

// NewZSet returns an empty set for a first member of firstLen bytes: a
// listpack unless that member, or a zero entry limit, rules it out from the
// start, as ZADD decides.
func NewZSet(lim ZSetLimits, firstLen int) *ZSet { return newZSetIn(&ZSet{}, lim, firstLen) }

// newZSetIn is NewZSet in s, an empty set in the listpack encoding.
func newZSetIn(s *ZSet, lim ZSetLimits, firstLen int) *ZSet {
	if lim.MaxEntries == 0 || firstLen > lim.MaxValue {
		s.convert()
	}
	return s
}

// NewBigZSet returns an empty set in the skiplist encoding, for results
// that Compact may turn into a listpack once complete.
func NewBigZSet() *ZSet {
	s := &ZSet{}
	s.convert()
	return s
}

// Len returns the number of members.
func (s *ZSet) Len() int {
	if b := s.big(); b != nil {
		return b.dict.Len()
	}
	return int(s.n)
}

// lp returns the listpack, nil in the skiplist encoding.
func (s *ZSet) lp() []byte { return s.enc().get() }

// setLP makes lp the listpack; the set must be in that encoding.
func (s *ZSet) setLP(lp []byte) { s.enc().set(lp) }

// Encoding returns what Redis's OBJECT ENCODING reports.
func (s *ZSet) Encoding() string {
	if s.big() != nil {
		return "skiplist"
	}
	return "listpack"
}

// Score returns the score of member and whether it is present.
func (s *ZSet) Score(member string) (float64, bool) {
	if b := s.big(); b != nil {
		return b.dict.Get(member)
	}
	_, _, score, ok := s.lpFind(member)
	return score, ok
}

// Add sets the score of member, inserting it if absent, and reports
// whether it was inserted. score must not be NaN. A listpack that would
// pass lim's thresholds, or its safety size, becomes a skiplist first.
func (s *ZSet) Add(member string, score float64, lim ZSetLimits) bool {
	if s.big() == nil {
		off, _, cur, ok := s.lpFind(member)
		if ok {
			if cur != score {
				s.lpDelete(off)
				s.lpInsert(member, score)
			}
			return false
		}
		if s.Len()+1 <= lim.MaxEntries && len(member) <= lim.MaxValue && len(s.lp())+len(member) <= listpackSafeLimit {
			s.lpInsert(member, score)
			s.n++
			return true
		}
		s.convert()
	}
	b := s.big()
	if cur, ok := b.dict.Get(member); ok {
		if cur != score {
			stored := member
			b.tree.remove(b.tree.rank(zitem{cur, member}), 1, func(it zitem) { stored = it.member })
			b.tree.insert(zitem{score, stored})
			b.dict.Set(stored, score)
		}
		return false
	}
	m := strings.Clone(member)
	b.dict.Set(m, score)
	b.tree.insert(zitem{score, m})
	b.strBytes += roundAlloc(len(m))
	return true
}

// Remove deletes member and reports whether it was present.
func (s *ZSet) Remove(member string) bool {
	b := s.big()
	if b == nil {
		off, _, _, ok := s.lpFind(member)
		if ok {
			s.lpDelete(off)
			s.n--
		}
		return ok
	}
	score, ok := b.dict.Get(member)
	if !ok {
		return false
	}
	b.tree.remove(b.tree.rank(zitem{score, member}), 1, nil)
	b.dict.Delete(member)
	b.strBytes -= roundAlloc(len(member))
	return true
}

// Rank returns the rank of member and whether it is present.
func (s *ZSet) Rank(member string) (int, bool) {
	b := s.big()
	if b == nil {
		_, i, _, ok := s.lpFind(member)
		return i, ok
	}
	score, ok := b.dict.Get(member)
	if !ok {
		return 0, false
	}
	return b.tree.rank(zitem{score, member}), true
}

// Walk calls fn for the members from rank from (0 <= from < Len()) up to
// the highest, or with reverse down to the lowest, until fn returns false.
// The set must not change during the walk.
func (s *ZSet) Walk(from int, reverse bool, fn func(member string, score float64) bool) {
	s.shared = s.big() == nil
	s.walk(from, reverse, fn)
}

// walk is Walk for callers that do not keep the member strings.
func (s *ZSet) walk(from int, reverse bool, fn func(member string, score float64) bool) {
	if from < 0 || from >= s.Len() {
		return
	}
	if b := s.big(); b != nil {
		leaf, i := b.tree.seek(from)
		for leaf != nil {
			if reverse {
				for ; i >= 0; i-- {
					if it := leaf.items[i]; !fn(it.member, it.score) {
						return
					}
				}
				if leaf = leaf.prev; leaf != nil {
					i = len(leaf.items) - 1
				}
				continue
			}
			for ; i < len(leaf.items); i++ {
				if it := leaf.items[i]; !fn(it.member, it.score) {
					return
				}
			}
			leaf, i = leaf.next, 0
		}
		return
	}
	if reverse {
		var stack [ZSetMaxListpackEntries]int
		offs := s.lpOffsets(stack[:0])
		lp := s.lp()
		for i := from; i >= 0; i-- {
			m, score, _ := zlpEntry(lp, offs[i])
			if !fn(view(m), score) {
				return
			}
		}
		return
	}
	lp := s.lp()
	for i, off := 0, 0; off < len(lp); i++ {
		m, score, next := zlpEntry(lp, off)
		if i >= from && !fn(view(m), score) {
			return
		}
		off = next
	}
}

// RemoveRange deletes the members of ranks start to stop, inclusive
// (0 <= start <= stop < Len()), calling fn, when not nil, with each one in
// ascending order before it goes.
func (s *ZSet) RemoveRange(start, stop int, fn func(member string, score float64)) {
	if b := s.big(); b != nil {
		b.tree.remove(start, stop-start+1, func(it zitem) {
			b.dict.Delete(it.member)
			b.strBytes -= roundAlloc(len(it.member))
			if fn != nil {
				fn(it.member, it.score)
			}
		})
		return
	}
	lp := s.lp()
	from, to := -1, len(lp)
	for i, off := 0, 0; off < len(lp); i++ {
		m, score, next := zlpEntry(lp, off)
		if i == start {
			from = off
		}
		if i >= start && fn != nil {
			fn(string(m), score)
		}
		if i == stop {
			to = next
			break
		}
		off = next
	}
	s.lpCut(from, to)
	s.n -= uint32(stop - start + 1)
}

// Random returns a member chosen uniformly at random and its score; the set
// must not be empty.
func (s *ZSet) Random(rng *rand.Rand) (string, float64) {
	if b := s.big(); b != nil {
		m, _ := b.dict.RandomKey(rng)
		score, _ := b.dict.Get(m)
		return m, score
	}
	k := rng.IntN(s.Len())
	lp, off := s.lp(), 0
	for i := 0; i < k; i++ {
		_, _, off = zlpEntry(lp, off)
	}
	m, score, _ := zlpEntry(lp, off)
	return string(m), score
}

// Scan calls fn for the members of one step of a ZSCAN and returns the next
// cursor. A listpack is returned whole, in order, with cursor 0, as Redis
// does; a skiplist is scanned through its Dict, with Dict.Scan's guarantee.
func (s *ZSet) Scan(cursor uint64, fn func(member string, score float64)) uint64 {
	if b := s.big(); b != nil {
		return b.dict.Scan(cursor, func(m string, score *float64) { fn(m, *score) })
	}
	s.Walk(0, false, func(m string, score float64) bool {
		fn(m, score)
		return true
	})
	return 0
}

// Compact turns a skiplist back into a listpack if it is within lim, as
// Redis does for the freshly built result of ZUNIONSTORE and friends (and
// never for a set that grew).
func (s *ZSet) Compact(lim ZSetLimits) {
	if s.big() == nil || s.Len() > lim.MaxEntries {
		return
	}
	var lp []byte
	fits := true
	s.walk(0, false, func(m string, score float64) bool {
		if len(m) > lim.MaxValue || len(lp)+len(m) > listpackSafeLimit {
			fits = false
			return false
		}
		lp = zlpAppend(lp, m, score)
		return true
	})
	if fits {
		n := s.big().dict.Len()
		s.setBig(nil)
		s.setLP(append([]byte(nil), lp...))
		s.n = uint32(n)
	}
}

// convert moves a listpack to the skiplist encoding.
func (s *ZSet) convert() {
	b := &zbig{dict: NewDict[float64](0)}
	lp := s.lp()
	for off := 0; off < len(lp); {
		m, score, next := zlpEntry(lp, off)
		k := string(m)
		b.dict.Set(k, score)
		b.tree.insert(zitem{score, k})
		b.strBytes += roundAlloc(len(k))
		off = next
	}
	s.setBig(b)
}

// Clone returns a deep copy with the same encoding, for COPY. Member
// strings are immutable and shared.
func (s *ZSet) Clone() any {
	c := &ZSet{n: s.n}
	src := s.big()
	if src == nil {
		c.setLP(append([]byte(nil), s.lp()...))
		return c
	}
	b := &zbig{dict: NewDict[float64](0), strBytes: src.strBytes}
	s.walk(0, false, func(m string, score float64) bool {
		b.dict.Set(m, score)
		b.tree.insert(zitem{score, m})
		return true
	})
	c.setBig(b)
	return c
}

// Size estimates the bytes the set takes, for MEMORY USAGE.
func (s *ZSet) Size() int64 {
	n := int64(unsafe.Sizeof(ZSet{}))
	b := s.big()
	if b == nil {
		return n + roundAlloc(int(s.buf.c))
	}
	n += int64(unsafe.Sizeof(zbig{})) + b.strBytes + zdictBytes(b.dict)
	leaves, inner := b.tree.estimateNodes()
	node := int64(unsafe.Sizeof(znode{}))
	n += int64(leaves) * (node + zLeafCap*int64(unsafe.Sizeof(zitem{})))
	n += int64(inner) * (node + zInnerCap*int64(unsafe.Sizeof((*znode)(nil))+unsafe.Sizeof(0)+unsafe.Sizeof(zitem{})))
	return n
}

// zdictBytes estimates the bytes of a Dict's slab and buckets.
func zdictBytes[V any](d *Dict[V]) int64 { return d.Bytes() }

// The listpack encoding. An entry is the member's length as a uvarint,
// the member, and the score: an integral score of magnitude below 2^54 as
// the uvarint of its zigzag form shifted left once (one byte for 0 to 31
// and -32 to -1, two up to 4095, five for a Unix time, at most eight), any
// other as the byte 1 and the 8 bytes of the float, little-endian. Redis's listpack
// keeps integral scores as integers too, and most scores are integers
// (counters, timestamps, ranks).

// zlpFloat marks a score stored as the 8 bytes of a float64.
const zlpFloat = 1

// zlpEntry decodes the entry at off: its member, its score, and the offset
// of the next entry.
func zlpEntry(lp []byte, off int) (member []byte, score float64, next int) {
	l, k := binary.Uvarint(lp[off:])
	p := off + k
	member = lp[p : p+int(l)]
	p += int(l)
	v, k := binary.Uvarint(lp[p:])
	if v&zlpFloat != 0 {
		return member, math.Float64frombits(binary.LittleEndian.Uint64(lp[p+1:])), p + 9
	}
	z := v >> 1
	return member, float64(int64(z>>1) ^ -int64(z&1)), p + k
}

// zlpAppend appends an entry to lp. As a listpack stores integral scores as
// integers, -0 is stored as 0.
func zlpAppend(lp []byte, member string, score float64) []byte {
	lp = binary.AppendUvarint(lp, uint64(len(member)))
	lp = append(lp, member...)
	if score == math.Trunc(score) && math.Abs(score) < 1<<54 {
		i := int64(score)
		return binary.AppendUvarint(lp, uint64(i<<1^i>>63)<<1)
	}
	lp = append(lp, zlpFloat)
	return binary.LittleEndian.AppendUint64(lp, math.Float64bits(score))
}

// lpFind returns the offset, rank and score of member.
func (s *ZSet) lpFind(member string) (off, rank int, score float64, ok bool) {
	lp := s.lp()
	for i, o := 0, 0; o < len(lp); i++ {
		m, sc, next := zlpEntry(lp, o)
		if string(m) == member {
			return o, i, sc, true
		}
		o = next
	}
	return 0, 0, 0, false
}

// lpInsert inserts member, which is absent, in order.
func (s *ZSet) lpInsert(member string, score float64) {
	it := zitem{score, member}
	lp := s.lp()
	at := len(lp)
	for off := 0; off < len(lp); {
		m, sc, next := zlpEntry(lp, off)
		if it.less(zitem{sc, view(m)}) {
			at = off
			break
		}
		off = next
	}
	var buf [2*binary.MaxVarintLen64 + ZSetMaxListpackValue]byte
	e := zlpAppend(buf[:0], member, score)
	need := len(lp) + len(e)
	if need > cap(lp) || s.shared {
		// A new buffer as large as its allocation size class anyway: a
		// listpack grows by an entry at a time, and a small set should
		// not carry spare room it may never use.
		grown := append(slices.Grow([]byte(nil), need), lp[:at]...)
		grown = append(append(grown, e...), lp[at:]...)
		s.setLP(grown)
		s.shared = false
		return
	}
	lp = lp[:need]
	copy(lp[at+len(e):], lp[at:need-len(e)])
	copy(lp[at:], e)
	s.setLP(lp)
}

// lpDelete removes the entry at off.
func (s *ZSet) lpDelete(off int) {
	_, _, next := zlpEntry(s.lp(), off)
	s.lpCut(off, next)
}

// lpCut removes the bytes from off to end, in place unless Walk shared
// them.
func (s *ZSet) lpCut(off, end int) {
	lp := s.lp()
	if s.shared {
		s.setLP(append(append(slices.Grow([]byte(nil), len(lp)-(end-off)), lp[:off]...), lp[end:]...))
		s.shared = false
		return
	}
	s.setLP(append(lp[:off], lp[end:]...))
}

// lpOffsets appends the offsets of the entries to dst.
func (s *ZSet) lpOffsets(dst []int) []int {
	lp := s.lp()
	for off := 0; off < len(lp); {
		dst = append(dst, off)
		_, _, off = zlpEntry(lp, off)
	}
	return dst
}
