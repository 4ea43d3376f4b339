package aof

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"quordis/store"
)

// input is the reading side of the RDB format: bytes from memory (a DUMP
// payload) or from a stream (a file), with the offset of every error, the
// number of bytes left when it is known, and the running checksum of a
// file.
//
// Corrupt data must not make it allocate more than the data can fill:
// every length is checked against the bytes left when that number is
// known, and otherwise a long string is read in growing chunks, so a
// bogus length meets the end of the data before it costs much memory.
type input struct {
	data []byte // in memory: everything; pos is the read position
	pos  int

	br *bufio.Reader // from a stream

	off  int64 // bytes consumed
	size int64 // total bytes, or -1 when unknown

	sum bool // keep crc
	crc uint64

	str  []byte // scratch for strings that must be built (integers, LZF)
	big  []byte // scratch for strings longer than the stream's buffer
	keep []byte // scratch for a member held while the next one is read

	lim store.Limits // the thresholds values are rebuilt under
}

func newBytesInput(b []byte, lim store.Limits) *input {
	return &input{data: b, size: int64(len(b)), lim: lim}
}

// sizeOf returns the bytes r can still deliver, when r says so, or -1.
func sizeOf(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case *os.File:
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return -1
		}
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return fi.Size() - pos
	}
	return -1
}

// corrupt returns a *CorruptError at the current offset.
func (in *input) corrupt(format string, args ...any) error {
	return &CorruptError{Offset: in.off, Msg: fmt.Sprintf(format, args...)}
}

func (in *input) left() int64 {
	if in.size < 0 {
		return -1
	}
	return in.size - in.off
}

// need checks that n more bytes can exist.
func (in *input) need(n uint64, what string) error {
	if l := in.left(); l >= 0 && n > uint64(l) {
		return in.corrupt("%s of %d bytes but only %d left", what, n, l)
	}
	return nil
}

// count checks a number of elements, each at least minBytes long, against
// the bytes left, and converts it to an int.
func (in *input) count(n uint64, minBytes uint64, what string) (int, error) {
	if n > math.MaxInt32*16 {
		return 0, in.corrupt("%s count %d out of range", what, n)
	}
	if l := in.left(); l >= 0 && n*minBytes > uint64(l) {
		return 0, in.corrupt("%s count %d but only %d bytes left", what, n, l)
	}
	return int(n), nil
}

// take returns the next n bytes. The slice is valid until the next read
// and must not be modified.
func (in *input) take(n int) ([]byte, error) {
	if err := in.need(uint64(n), "read"); err != nil {
		return nil, err
	}
	var p []byte
	if in.br == nil {
		p = in.data[in.pos : in.pos+n]
		in.pos += n
	} else if n <= in.br.Size() {
		var err error
		if p, err = in.br.Peek(n); err != nil {
			return nil, in.readError(err)
		}
		in.br.Discard(n)
	} else {
		var err error
		if p, err = in.takeLong(n); err != nil {
			return nil, err
		}
	}
	if in.sum {
		in.crc = crc64Update(in.crc, p)
	}
	in.off += int64(len(p))
	return p, nil
}

// takeLong reads n bytes, more than the stream's buffer holds, into a
// buffer that starts small and doubles as data arrives, so that a bogus
// length costs at most twice the data that is really there.
func (in *input) takeLong(n int) ([]byte, error) {
	buf := in.big[:0]
	if cap(buf) == 0 {
		buf = make([]byte, 0, min(n, 4<<10))
	}
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		m, err := io.ReadFull(in.br, buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+m]
		if err != nil {
			in.off += int64(len(buf))
			return nil, in.readError(err)
		}
	}
	if cap(buf) <= 4<<20 {
		in.big = buf // keep a moderate buffer for the next long string
	}
	return buf, nil
}

func (in *input) readError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return in.corrupt("unexpected end of data")
	}
	return fmt.Errorf("aof: reading RDB at offset %d: %w", in.off, err)
}

func (in *input) byte() (byte, error) {
	if in.br == nil && !in.sum {
		if in.pos >= len(in.data) {
			return 0, in.corrupt("unexpected end of data")
		}
		b := in.data[in.pos]
		in.pos++
		in.off++
		return b, nil
	}
	p, err := in.take(1)
	if err != nil {
		return 0, err
	}
	return p[0], nil
}

// length reads a length and whether it is instead the marker of a
// specially encoded string (then the length is the encoding).
func (in *input) length() (n uint64, encoded bool, err error) {
	b, err := in.byte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case len6bit:
		return uint64(b & 0x3f), false, nil
	case len14bit:
		b2, err := in.byte()
		return uint64(b&0x3f)<<8 | uint64(b2), false, err
	case lenEnc:
		return uint64(b & 0x3f), true, nil
	}
	switch b {
	case len32bit:
		p, err := in.take(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(p)), false, nil
	case len64bit:
		p, err := in.take(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(p), false, nil
	}
	return 0, false, in.corrupt("unknown length encoding 0x%02x", b)
}

// plainLength reads a length that may not be a string encoding.
func (in *input) plainLength() (uint64, error) {
	n, enc, err := in.length()
	if err == nil && enc {
		err = in.corrupt("string encoding where a length belongs")
	}
	return n, err
}

// string reads a string in any of its encodings. The slice is valid until
// the next read and must not be modified.
func (in *input) string() ([]byte, error) {
	n, enc, err := in.length()
	if err != nil {
		return nil, err
	}
	if !enc {
		if n > math.MaxInt32*16 {
			return nil, in.corrupt("string length %d out of range", n)
		}
		return in.take(int(n))
	}
	switch n {
	case encInt8:
		p, err := in.take(1)
		if err != nil {
			return nil, err
		}
		in.str = strconv.AppendInt(in.str[:0], int64(int8(p[0])), 10)
	case encInt16:
		p, err := in.take(2)
		if err != nil {
			return nil, err
		}
		in.str = strconv.AppendInt(in.str[:0], int64(int16(binary.LittleEndian.Uint16(p))), 10)
	case encInt32:
		p, err := in.take(4)
		if err != nil {
			return nil, err
		}
		in.str = strconv.AppendInt(in.str[:0], int64(int32(binary.LittleEndian.Uint32(p))), 10)
	case encLZF:
		return in.lzfString()
	default:
		return nil, in.corrupt("unknown string encoding %d", n)
	}
	return in.str, nil
}

// lzfString reads an LZF-compressed string, after its marker.
func (in *input) lzfString() ([]byte, error) {
	clen, err := in.plainLength()
	if err != nil {
		return nil, err
	}
	ulen, err := in.plainLength()
	if err != nil {
		return nil, err
	}
	if clen == 0 || ulen == 0 || clen > math.MaxInt32*16 || ulen/lzfMaxRatio > clen {
		return nil, in.corrupt("LZF string of %d bytes compressed to %d", ulen, clen)
	}
	if err := in.need(clen, "LZF string"); err != nil {
		return nil, err
	}
	p, err := in.take(int(clen))
	if err != nil {
		return nil, err
	}
	if cap(in.str) < int(ulen) {
		in.str = make([]byte, ulen)
	}
	out := in.str[:ulen]
	if !lzfDecompress(p, out) {
		return nil, in.corrupt("invalid LZF compressed string")
	}
	return out, nil
}

// ownedString reads a string into memory of its own.
func (in *input) ownedString() ([]byte, error) {
	p, err := in.string()
	if err != nil {
		return nil, err
	}
	return append(make([]byte, 0, len(p)), p...), nil
}
