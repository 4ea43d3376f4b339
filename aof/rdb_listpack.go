package aof

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// Listpacks, the compact encoding Redis 7.0 writes for small hashes and
// sorted sets and for the nodes of lists:
//
//	total-bytes (uint32 LE) count (uint16 LE, 65535: unknown) entries 0xFF
//
// Each entry is an encoding byte, possibly more length or integer bytes,
// the payload, and backlen: the size of all that as a base-128 number
// written backwards, so the list can be walked from either end.

// Entry encodings: the first byte of an entry.
const (
	lp7bitUint   = 0x00 // 0xxxxxxx
	lp6bitStr    = 0x80 // 10xxxxxx, then the string
	lp13bitInt   = 0xC0 // 110xxxxx yyyyyyyy
	lp12bitStr   = 0xE0 // 1110xxxx yyyyyyyy, then the string
	lp32bitStr   = 0xF0 // then a uint32 LE length and the string
	lp16bitInt   = 0xF1
	lp24bitInt   = 0xF2
	lp32bitInt   = 0xF3
	lp64bitInt   = 0xF4
	lpEOF        = 0xFF
	lpHeaderSize = 6
	lpUnknownLen = 65535
)

// lpEntry is one element of a listpack or ziplist: an integer, or a
// string that points into the blob.
type lpEntry struct {
	str   []byte
	num   int64
	isInt bool
}

// appendTo appends the element's text to dst.
func (e lpEntry) appendTo(dst []byte) []byte {
	if e.isInt {
		return strconv.AppendInt(dst, e.num, 10)
	}
	return append(dst, e.str...)
}

// walkListpack checks every entry of lp, as Redis's deep integrity check
// does, calling fn with each in order, and returns the number of entries.
// fn's string views are valid while lp is.
func walkListpack(lp []byte, fn func(e lpEntry) error) (int, error) {
	n := len(lp)
	if n < lpHeaderSize+1 {
		return 0, fmt.Errorf("listpack of %d bytes", n)
	}
	if uint64(binary.LittleEndian.Uint32(lp)) != uint64(n) {
		return 0, fmt.Errorf("listpack header says %d bytes, has %d", binary.LittleEndian.Uint32(lp), n)
	}
	if lp[n-1] != lpEOF {
		return 0, fmt.Errorf("listpack not terminated")
	}
	want := int(binary.LittleEndian.Uint16(lp[4:]))
	count := 0
	p := lpHeaderSize
	end := n - 1
	for p < end {
		e, size, err := lpDecode(lp[p:end])
		if err != nil {
			return 0, fmt.Errorf("listpack entry %d: %w", count, err)
		}
		bl := lpBacklenSize(uint64(size))
		if size+bl > end-p {
			return 0, fmt.Errorf("listpack entry %d runs past the end", count)
		}
		if got, ok := lpBacklen(lp[p+size : p+size+bl]); !ok || got != uint64(size) {
			return 0, fmt.Errorf("listpack entry %d has a wrong back length", count)
		}
		if err := fn(e); err != nil {
			return 0, err
		}
		p += size + bl
		count++
	}
	if want != lpUnknownLen && want != count {
		return 0, fmt.Errorf("listpack header says %d entries, has %d", want, count)
	}
	return count, nil
}

// lpDecode decodes the entry at the start of b (which ends before the
// listpack's terminator) and returns it with the size of its encoding and
// payload, backlen excluded.
func lpDecode(b []byte) (lpEntry, int, error) {
	h := b[0]
	var hdr, slen int
	switch {
	case h&0x80 == lp7bitUint:
		return lpEntry{num: int64(h), isInt: true}, 1, nil
	case h&0xC0 == lp6bitStr:
		hdr, slen = 1, int(h&0x3f)
	case h&0xE0 == lp13bitInt:
		if len(b) < 2 {
			return lpEntry{}, 0, errTruncated
		}
		u := int64(h&0x1f)<<8 | int64(b[1])
		if u >= 1<<12 {
			u -= 1 << 13
		}
		return lpEntry{num: u, isInt: true}, 2, nil
	case h&0xF0 == lp12bitStr:
		if len(b) < 2 {
			return lpEntry{}, 0, errTruncated
		}
		hdr, slen = 2, int(h&0x0f)<<8|int(b[1])
	case h == lp32bitStr:
		if len(b) < 5 {
			return lpEntry{}, 0, errTruncated
		}
		l := binary.LittleEndian.Uint32(b[1:])
		if uint64(l) > uint64(len(b)) {
			return lpEntry{}, 0, errTruncated
		}
		hdr, slen = 5, int(l)
	case h >= lp16bitInt && h <= lp64bitInt:
		k := [...]int{2, 3, 4, 8}[h-lp16bitInt]
		if len(b) < 1+k {
			return lpEntry{}, 0, errTruncated
		}
		var tmp [8]byte
		copy(tmp[:], b[1:1+k])
		shift := uint(64 - 8*k)
		v := int64(binary.LittleEndian.Uint64(tmp[:])<<shift) >> shift
		return lpEntry{num: v, isInt: true}, 1 + k, nil
	default:
		return lpEntry{}, 0, fmt.Errorf("invalid encoding 0x%02x", h)
	}
	if hdr+slen > len(b) {
		return lpEntry{}, 0, errTruncated
	}
	return lpEntry{str: b[hdr : hdr+slen]}, hdr + slen, nil
}

var errTruncated = fmt.Errorf("entry runs past the end")

// lpBacklenSize is the number of bytes of the backlen of an entry of size
// l, by Redis's thresholds (which leave 16383 and the like one byte
// longer than needed; a reader checks the size it expects).
func lpBacklenSize(l uint64) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// lpBacklen decodes a backlen that fills b exactly.
func lpBacklen(b []byte) (uint64, bool) {
	var v uint64
	var shift uint
	for i := len(b) - 1; i >= 0; i-- {
		v |= uint64(b[i]&127) << shift
		last := b[i]&128 == 0
		if last != (i == 0) {
			return 0, false
		}
		shift += 7
	}
	return v, true
}

// lpWriter builds a listpack.
type lpWriter struct {
	buf []byte
	n   int
}

func (w *lpWriter) reset() {
	w.buf = append(w.buf[:0], make([]byte, lpHeaderSize)...)
	w.n = 0
}

// appendString appends s, as an integer when it is the canonical text of
// one, as lpAppend does.
func (w *lpWriter) appendString(s []byte) {
	if v, ok := canonicalInt(s); ok {
		w.appendInt(v)
		return
	}
	start := len(w.buf)
	switch l := len(s); {
	case l < 64:
		w.buf = append(w.buf, lp6bitStr|byte(l))
	case l < 4096:
		w.buf = append(w.buf, lp12bitStr|byte(l>>8), byte(l))
	default:
		w.buf = append(w.buf, lp32bitStr)
		w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(l))
	}
	w.buf = append(w.buf, s...)
	w.appendBacklen(len(w.buf) - start)
}

// appendInt appends v in the narrowest integer encoding.
func (w *lpWriter) appendInt(v int64) {
	start := len(w.buf)
	switch {
	case v >= 0 && v <= 127:
		w.buf = append(w.buf, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		w.buf = append(w.buf, lp13bitInt|byte(u>>8), byte(u))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		w.buf = append(w.buf, lp16bitInt)
		w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(v))
	case v >= -1<<23 && v < 1<<23:
		w.buf = append(w.buf, lp24bitInt, byte(v), byte(v>>8), byte(v>>16))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		w.buf = append(w.buf, lp32bitInt)
		w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(v))
	default:
		w.buf = append(w.buf, lp64bitInt)
		w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(v))
	}
	w.appendBacklen(len(w.buf) - start)
}

func (w *lpWriter) appendBacklen(l int) {
	k := lpBacklenSize(uint64(l))
	for i := k - 1; i >= 0; i-- {
		// The first byte in memory ends the number (high bit clear);
		// the others, read before it from the entry's end, carry it on.
		b := byte(l>>(7*uint(i))) & 127
		if i < k-1 {
			b |= 128
		}
		w.buf = append(w.buf, b)
	}
	w.n++
}

// finish terminates the listpack, fills in its header and returns it; the
// slice is valid until the next reset.
func (w *lpWriter) finish() []byte {
	w.buf = append(w.buf, lpEOF)
	binary.LittleEndian.PutUint32(w.buf, uint32(len(w.buf)))
	binary.LittleEndian.PutUint16(w.buf[4:], uint16(min(w.n, lpUnknownLen)))
	return w.buf
}

// lpEntrySize returns the bytes s takes as a listpack entry.
func lpEntrySize(s []byte) int {
	var size int
	if v, ok := canonicalInt(s); ok {
		switch {
		case v >= 0 && v <= 127:
			size = 1
		case v >= -4096 && v <= 4095:
			size = 2
		case v >= math.MinInt16 && v <= math.MaxInt16:
			size = 3
		case v >= -1<<23 && v < 1<<23:
			size = 4
		case v >= math.MinInt32 && v <= math.MaxInt32:
			size = 5
		default:
			size = 9
		}
	} else {
		switch l := len(s); {
		case l < 64:
			size = 1 + l
		case l < 4096:
			size = 2 + l
		default:
			size = 5 + l
		}
	}
	return size + lpBacklenSize(uint64(size))
}

// canonicalInt parses s when it is exactly the decimal text of an int64:
// an optional '-', digits without leading zeros, "0" but not "-0", as
// Redis's string2ll, whose strings are stored as integers.
func canonicalInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	d := s
	neg := s[0] == '-'
	if neg {
		d = s[1:]
	}
	if len(d) == 0 || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range d {
		if c < '0' || c > '9' || v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
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
