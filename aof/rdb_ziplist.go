package aof

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The compact encodings of older versions that Redis 7.0 still loads
// (ziplists and zipmaps), and intsets, which it still writes.

// Ziplist, before 7.0:
//
//	zlbytes (uint32 LE) zltail (uint32 LE) zllen (uint16 LE) entries 0xFF
//
// each entry being the previous entry's size (1 byte, or 0xFE and a
// uint32 LE), an encoding with the string length or integer type, and the
// payload.
const (
	zlHeaderSize = 10
	zlBigPrevLen = 0xFE
	zlEnd        = 0xFF
	zlInt16      = 0xC0
	zlInt32      = 0xD0
	zlInt64      = 0xE0
	zlInt24      = 0xF0
	zlInt8       = 0xFE
	zlImmMin     = 0xF1 // 1111xxxx: the integer xxxx-1, 0 to 12
	zlImmMax     = 0xFD
	zlUnknownLen = 65535
)

// walkZiplist checks zl as Redis's deep integrity check does, calling fn
// with each entry in order, and returns the number of entries. fn's string
// views are valid while zl is.
func walkZiplist(zl []byte, fn func(e lpEntry) error) (int, error) {
	n := len(zl)
	if n < zlHeaderSize+1 {
		return 0, fmt.Errorf("ziplist of %d bytes", n)
	}
	if uint64(binary.LittleEndian.Uint32(zl)) != uint64(n) {
		return 0, fmt.Errorf("ziplist header says %d bytes, has %d", binary.LittleEndian.Uint32(zl), n)
	}
	if zl[n-1] != zlEnd {
		return 0, fmt.Errorf("ziplist not terminated")
	}
	tail := int(binary.LittleEndian.Uint32(zl[4:]))
	want := int(binary.LittleEndian.Uint16(zl[8:]))
	end := n - 1
	p, prevSize, last, count := zlHeaderSize, 0, -1, 0
	for zl[p] != zlEnd {
		start := p
		// The previous entry's size.
		if zl[p] < zlBigPrevLen {
			if int(zl[p]) != prevSize {
				return 0, fmt.Errorf("ziplist entry %d has a wrong previous length", count)
			}
			p++
		} else {
			if end-p < 5 || uint64(binary.LittleEndian.Uint32(zl[p+1:])) != uint64(prevSize) {
				return 0, fmt.Errorf("ziplist entry %d has a wrong previous length", count)
			}
			p += 5
		}
		if p >= end {
			return 0, fmt.Errorf("ziplist entry %d runs past the end", count)
		}
		e, size, err := zlDecode(zl[p:end])
		if err != nil {
			return 0, fmt.Errorf("ziplist entry %d: %w", count, err)
		}
		if err := fn(e); err != nil {
			return 0, err
		}
		p += size
		prevSize, last = p-start, start
		count++
	}
	if p != end {
		return 0, fmt.Errorf("ziplist ends before its last byte")
	}
	if last >= 0 && tail != last || last < 0 && tail != zlHeaderSize {
		return 0, fmt.Errorf("ziplist tail offset %d is wrong", tail)
	}
	if want != zlUnknownLen && want != count {
		return 0, fmt.Errorf("ziplist header says %d entries, has %d", want, count)
	}
	return count, nil
}

// zlDecode decodes the encoding and payload at the start of b and returns
// the entry and their size.
func zlDecode(b []byte) (lpEntry, int, error) {
	h := b[0]
	var hdr, slen int
	switch h >> 6 {
	case 0:
		hdr, slen = 1, int(h&0x3f)
	case 1:
		if len(b) < 2 {
			return lpEntry{}, 0, errTruncated
		}
		hdr, slen = 2, int(h&0x3f)<<8|int(b[1])
	case 2:
		if len(b) < 5 {
			return lpEntry{}, 0, errTruncated
		}
		l := binary.BigEndian.Uint32(b[1:])
		if uint64(l) > uint64(len(b)) {
			return lpEntry{}, 0, errTruncated
		}
		hdr, slen = 5, int(l)
	default:
		var k int
		switch {
		case h == zlInt8:
			k = 1
		case h == zlInt16:
			k = 2
		case h == zlInt24:
			k = 3
		case h == zlInt32:
			k = 4
		case h == zlInt64:
			k = 8
		case h >= zlImmMin && h <= zlImmMax:
			return lpEntry{num: int64(h&0x0f) - 1, isInt: true}, 1, nil
		default:
			return lpEntry{}, 0, fmt.Errorf("invalid encoding 0x%02x", h)
		}
		if len(b) < 1+k {
			return lpEntry{}, 0, errTruncated
		}
		var tmp [8]byte
		copy(tmp[:], b[1:1+k])
		shift := uint(64 - 8*k)
		v := int64(binary.LittleEndian.Uint64(tmp[:])<<shift) >> shift
		return lpEntry{num: v, isInt: true}, 1 + k, nil
	}
	if hdr+slen > len(b) {
		return lpEntry{}, 0, errTruncated
	}
	return lpEntry{str: b[hdr : hdr+slen]}, hdr + slen, nil
}

// Zipmap, the small-hash encoding before 2.6:
//
//	count (1 byte, 254: unknown) entries 0xFF
//
// each entry being the field's length, the field, the value's length, a
// byte of free space after the value, the value and the free space. A
// length is 1 byte, or 254 and a uint32 LE.
const (
	zmBigLen = 254
	zmEnd    = 255
)

// walkZipmap checks zm as Redis's integrity check does and calls fn with
// each field and value.
func walkZipmap(zm []byte, fn func(field, value []byte) error) (int, error) {
	n := len(zm)
	if n < 2 || zm[n-1] != zmEnd {
		return 0, fmt.Errorf("zipmap not terminated")
	}
	end := n - 1
	readLen := func(p int) (l, size int, err error) {
		if p >= end {
			return 0, 0, errTruncated
		}
		if zm[p] < zmBigLen {
			return int(zm[p]), 1, nil
		}
		if end-p < 5 {
			return 0, 0, errTruncated
		}
		v := binary.LittleEndian.Uint32(zm[p+1:])
		if uint64(v) > uint64(end) {
			return 0, 0, errTruncated
		}
		return int(v), 5, nil
	}
	p, count := 1, 0
	for p < end && zm[p] != zmEnd {
		fl, s, err := readLen(p)
		if err != nil {
			return 0, err
		}
		p += s
		if fl > end-p {
			return 0, errTruncated
		}
		field := zm[p : p+fl]
		p += fl
		vl, s, err := readLen(p)
		if err != nil {
			return 0, err
		}
		p += s
		if p >= end {
			return 0, errTruncated
		}
		free := int(zm[p])
		p++
		if vl > end-p || free > end-p-vl {
			return 0, errTruncated
		}
		value := zm[p : p+vl]
		p += vl + free
		if err := fn(field, value); err != nil {
			return 0, err
		}
		count++
	}
	if p != end {
		return 0, fmt.Errorf("zipmap ends before its last byte")
	}
	if zm[0] < zmBigLen && int(zm[0]) != count {
		return 0, fmt.Errorf("zipmap header says %d entries, has %d", zm[0], count)
	}
	return count, nil
}

// Intset: the width of its members (uint32 LE: 2, 4 or 8), their number
// (uint32 LE), and the members in ascending order, little endian.
const intsetHeaderSize = 8

// walkIntset checks is (width, size, strictly ascending members) and calls
// fn with each member.
func walkIntset(is []byte, fn func(v int64) error) (int, error) {
	if len(is) < intsetHeaderSize {
		return 0, fmt.Errorf("intset of %d bytes", len(is))
	}
	w := binary.LittleEndian.Uint32(is)
	n := binary.LittleEndian.Uint32(is[4:])
	if w != 2 && w != 4 && w != 8 {
		return 0, fmt.Errorf("intset of width %d", w)
	}
	if uint64(intsetHeaderSize)+uint64(n)*uint64(w) != uint64(len(is)) {
		return 0, fmt.Errorf("intset of %d members of %d bytes in %d bytes", n, w, len(is))
	}
	prev := int64(math.MinInt64)
	for i := 0; i < int(n); i++ {
		p := is[intsetHeaderSize+i*int(w):]
		var v int64
		switch w {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && v <= prev {
			return 0, fmt.Errorf("intset members out of order")
		}
		prev = v
		if err := fn(v); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// appendIntset appends the intset of the ascending members vals, at the
// narrowest width that holds them all.
func appendIntset(dst []byte, vals []int64) []byte {
	w := 2
	for _, v := range vals {
		switch {
		case v < math.MinInt32 || v > math.MaxInt32:
			w = 8
		case (v < math.MinInt16 || v > math.MaxInt16) && w < 4:
			w = 4
		}
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(w))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(vals)))
	for _, v := range vals {
		switch w {
		case 2:
			dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
		case 4:
			dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
		default:
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
		}
	}
	return dst
}
