package aof

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"unsafe"

	"quordis/store"
)

// Encoding values as Redis 7.0's rdbSaveObject does.

// Quicklist node limits: Redis's default list-max-listpack-size of -2
// lets a node's listpack grow to 8 KB, counting each new entry at its
// length plus an estimate of its overhead; an element from
// packedThreshold bytes on gets a plain node of its own.
const (
	quicklistNodeMax       = 8 << 10
	quicklistEntryOverhead = 8
	packedThreshold        = 1 << 30
)

// encoder is the writing side of the RDB format: bytes accumulate in buf
// and go to w (when set) in large writes, with their running checksum.
type encoder struct {
	w   io.Writer
	buf []byte
	crc uint64
	err error

	// key, when set, is written after the type byte of the next value, as
	// in a file's key entries.
	key []byte

	lzf lzfCompressor
	lp  lpWriter
	num []byte // scratch for integers as text
}

const encoderFlushSize = 64 << 10

func newEncoder(w io.Writer) *encoder { return &encoder{w: w} }

// maybeFlush writes the buffer out once it is large.
func (e *encoder) maybeFlush() {
	if e.w != nil && len(e.buf) >= encoderFlushSize {
		e.flush()
	}
}

// flush writes the buffer to w and returns the first error of any write.
// After an error, what is encoded is dropped.
func (e *encoder) flush() error {
	if e.w == nil {
		return e.err
	}
	e.send(e.buf)
	e.buf = e.buf[:0]
	return e.err
}

// send writes p to w, adding it to the checksum.
func (e *encoder) send(p []byte) {
	if e.err != nil {
		return
	}
	e.crc = crc64Update(e.crc, p)
	if _, err := e.w.Write(p); err != nil {
		e.err = err
	}
}

// raw writes p: into the buffer, or when p is large and there is a
// writer, straight to it so that a long string is not copied.
func (e *encoder) raw(p []byte) {
	if e.w != nil && len(p) >= encoderFlushSize {
		e.flush()
		e.send(p)
		return
	}
	e.buf = append(e.buf, p...)
	e.maybeFlush()
}

func (e *encoder) byte(b byte) { e.buf = append(e.buf, b) }

// length writes n in the length encoding.
func (e *encoder) length(n uint64) {
	switch {
	case n < 1<<6:
		e.buf = append(e.buf, byte(n))
	case n < 1<<14:
		e.buf = append(e.buf, byte(n>>8)|len14bit<<6, byte(n))
	case n <= math.MaxUint32:
		e.buf = append(e.buf, len32bit)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
	default:
		e.buf = append(e.buf, len64bit)
		e.buf = binary.BigEndian.AppendUint64(e.buf, n)
	}
}

// string writes s as rdbSaveRawString does: as an integer when it is the
// canonical text of one that fits 32 bits and s is at most 11 bytes,
// LZF-compressed when longer than 20 bytes and compression saves at least
// 4 bytes, as it is otherwise.
func (e *encoder) string(s []byte) {
	if len(s) <= 11 {
		if v, ok := canonicalInt(s); ok && v >= math.MinInt32 && v <= math.MaxInt32 {
			e.int(v)
			return
		}
	}
	if len(s) > 20 {
		if c := e.lzf.compress(s, len(s)-4); c != nil {
			e.byte(lenEnc<<6 | encLZF)
			e.length(uint64(len(c)))
			e.length(uint64(len(s)))
			e.raw(c)
			return
		}
	}
	e.length(uint64(len(s)))
	e.raw(s)
}

// int writes v, which fits 32 bits, in the narrowest integer encoding.
func (e *encoder) int(v int64) {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		e.buf = append(e.buf, lenEnc<<6|encInt8, byte(v))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		e.buf = append(e.buf, lenEnc<<6|encInt16)
		e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(v))
	default:
		e.buf = append(e.buf, lenEnc<<6|encInt32)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(v))
	}
}

// header writes a value's type byte, and the key when there is one.
func (e *encoder) header(t byte) {
	e.byte(t)
	if e.key != nil {
		e.string(e.key)
		e.key = nil
	}
}

// value writes o's type byte and value.
func (e *encoder) value(o *store.Object) {
	switch o.Kind {
	case store.KindString:
		e.header(typeString)
		e.string(o.Str())
	case store.KindList:
		e.list(o.AsList())
	case store.KindSet:
		e.set(o.AsSet())
	case store.KindZSet:
		e.zset(o.AsZSet())
	case store.KindHash:
		e.hash(o.AsHash())
	default:
		if e.err == nil {
			e.err = fmt.Errorf("aof: cannot encode a value of kind %s", o.Kind)
		}
	}
	e.maybeFlush()
}

// list writes a quicklist of listpack nodes, split where Redis's pushes
// to the tail would split it.
func (e *encoder) list(l *store.List) {
	e.header(typeListQuicklist2)
	// The node count comes first: a first pass finds the node boundaries
	// from the entries' sizes, a second writes the nodes.
	var sizes []int // elements per node; 0 marks a plain node
	nodeBytes := 0
	l.Each(func(v []byte) bool {
		if len(v) >= packedThreshold {
			sizes = append(sizes, 0)
			nodeBytes = 0
			return true
		}
		last := len(sizes) - 1
		if last < 0 || sizes[last] == 0 || nodeBytes+len(v)+quicklistEntryOverhead > quicklistNodeMax {
			sizes = append(sizes, 0)
			last++
			nodeBytes = lpHeaderSize + 1
		}
		sizes[last]++
		nodeBytes += lpEntrySize(v)
		return true
	})
	e.length(uint64(len(sizes)))
	node, inNode := 0, 0
	e.lp.reset()
	l.Each(func(v []byte) bool {
		if sizes[node] == 0 {
			e.length(quicklistPlain)
			e.string(v)
			node++
			return true
		}
		e.lp.appendString(v)
		inNode++
		if inNode == sizes[node] {
			e.length(quicklistPacked)
			e.string(e.lp.finish())
			e.lp.reset()
			node++
			inNode = 0
		}
		return true
	})
}

// set writes an intset, or the members of a hash table set.
func (e *encoder) set(s *store.Set) {
	if s.Encoding() == "intset" {
		vals := make([]int64, 0, s.Len())
		s.Range(func(m string) bool {
			v, _ := strconv.ParseInt(m, 10, 64)
			vals = append(vals, v)
			return true
		})
		e.header(typeSetIntset)
		e.string(appendIntset(e.lp.buf[:0], vals))
		return
	}
	e.header(typeSet)
	e.length(uint64(s.Len()))
	s.Range(func(m string) bool {
		e.string(unsafeBytes(m))
		return true
	})
}

// zset writes a listpack, or the members of a skiplist from the highest
// score to the lowest (which makes loading them cheap) with binary scores.
func (e *encoder) zset(z *store.ZSet) {
	if z.Encoding() == "listpack" {
		e.lp.reset()
		z.Walk(0, false, func(m string, score float64) bool {
			e.lp.appendString(unsafeBytes(m))
			e.num = appendScore(e.num[:0], score)
			e.lp.appendString(e.num)
			return true
		})
		e.header(typeZSetListpack)
		e.string(e.lp.finish())
		return
	}
	e.header(typeZSet2)
	e.length(uint64(z.Len()))
	z.Walk(z.Len()-1, true, func(m string, score float64) bool {
		e.string(unsafeBytes(m))
		e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(score))
		return true
	})
}

// appendScore formats a score as Redis's d2string does for a listpack:
// integral values in the safe range as integers, others with %.17g.
func appendScore(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f > -(1<<52-1) && f < 1<<52 && f == math.Trunc(f):
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// hash writes a listpack, or the fields and values of a hash table.
func (e *encoder) hash(h *store.Hash) {
	if h.Encoding() == "listpack" {
		e.lp.reset()
		h.Range(func(f, v string) bool {
			e.lp.appendString(unsafeBytes(f))
			e.lp.appendString(unsafeBytes(v))
			return true
		})
		e.header(typeHashListpack)
		e.string(e.lp.finish())
		return
	}
	e.header(typeHash)
	e.length(uint64(h.Len()))
	h.Range(func(f, v string) bool {
		e.string(unsafeBytes(f))
		e.string(unsafeBytes(v))
		return true
	})
}

// unsafeBytes returns the bytes of s without copying them; they must not
// be modified.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
