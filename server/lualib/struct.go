package lualib

import (
	"encoding/binary"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The sizes the struct library has on x86-64 Linux, where Redis is built.
const (
	structIntSize    = 4  // sizeof(int), for 'i' and 'I' without a size
	structLongSize   = 8  // sizeof(long) and sizeof(size_t), for 'l', 'L' and 'T'
	structMaxAlign   = 8  // the alignment of a double, for '!' without a size
	structMaxIntSize = 32 // the largest size 'i' and 'I' take
)

// OpenStruct registers the struct module as the global table "struct"
// and returns it.
//
// The module is Roberto Ierusalimschy's struct library (version 1.7) as
// Redis 7.0 bundles it: struct.pack(fmt, ...), struct.unpack(fmt, s
// [, pos]) and struct.size(fmt). A format is a sequence of:
//
//	>  <      big endian, little endian (the default, as on x86-64)
//	![n]      align each value to the smaller of its size and n; n defaults to 8
//	x         a zero byte of padding
//	b B       a signed or unsigned char
//	h H       a signed or unsigned short (2 bytes)
//	l L       a signed or unsigned long (8 bytes)
//	T         a size_t (8 bytes)
//	i[n] I[n] a signed or unsigned integer of n bytes, 4 by default, at most 32
//	c[n]      n bytes of a string, 1 by default; c0 is the whole string
//	          when packing, and as many bytes as the value before when
//	          unpacking
//	s         a zero-terminated string
//	f d       a float or a double
//	' '       ignored
//
// Numbers are Lua numbers (doubles) on both sides, so integers beyond
// 2^53 lose their low bits, as in Redis.
func OpenStruct(L *lua.LState) *lua.LTable {
	mod := L.NewTable()
	mod.RawSetString("pack", L.NewFunction(structPack))
	mod.RawSetString("unpack", L.NewFunction(structUnpack))
	mod.RawSetString("size", L.NewFunction(structSize))
	L.SetGlobal("struct", mod)
	return mod
}

// structFormat walks a format string and keeps the settings it has made.
type structFormat struct {
	L         *lua.LState
	fmt       string
	i         int // the next byte of fmt
	bigEndian bool
	align     uint64
}

// newStructFormat reads argument 1 as a format, which ends at its first
// NUL byte, as a C string does.
func newStructFormat(L *lua.LState) *structFormat {
	fmt := checkString(L, 1)
	if i := strings.IndexByte(fmt, 0); i >= 0 {
		fmt = fmt[:i]
	}
	return &structFormat{L: L, fmt: fmt, align: 1}
}

// next returns the next option and its size, and reports false at the end.
func (f *structFormat) next() (byte, uint64, bool) {
	if f.i >= len(f.fmt) {
		return 0, 0, false
	}
	opt := f.fmt[f.i]
	f.i++
	return opt, f.size(opt), true
}

// number reads the decimal number at the current position, or returns
// def when there is none. Like the C code it stops before an int
// would overflow.
func (f *structFormat) number(def int) int {
	if f.i >= len(f.fmt) || !isDigit(f.fmt[f.i]) {
		return def
	}
	n := 0
	for f.i < len(f.fmt) && isDigit(f.fmt[f.i]) {
		d := int(f.fmt[f.i] - '0')
		if n > math.MaxInt32/10 || n*10 > math.MaxInt32-d {
			raise(f.L, "integral size overflow")
		}
		n = n*10 + d
		f.i++
	}
	return n
}

// size returns the size of option opt, reading the number after 'c',
// 'i' and 'I'. Options that are not values have size 0.
func (f *structFormat) size(opt byte) uint64 {
	switch opt {
	case 'b', 'B', 'x':
		return 1
	case 'h', 'H':
		return 2
	case 'l', 'L', 'T', 'd':
		return structLongSize
	case 'f':
		return 4
	case 'c':
		return uint64(f.number(1))
	case 'i', 'I':
		n := f.number(structIntSize)
		if n > structMaxIntSize {
			raise(f.L, "integral size %d is larger than limit of %d", n, structMaxIntSize)
		}
		return uint64(n)
	}
	return 0
}

// padding returns how many bytes put a value of option opt and the given
// size at the current alignment after pos bytes. With a size that is not
// a power of 2 ('i3') the C arithmetic gives odd results; they are kept.
func (f *structFormat) padding(pos uint64, opt byte, size uint64) uint64 {
	if size == 0 || opt == 'c' {
		return 0
	}
	size = min(size, f.align)
	return (size - pos&(size-1)) & (size - 1)
}

// control carries out an option that is not a value: endianness,
// alignment, a space, or anything else, which is an error.
func (f *structFormat) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		f.bigEndian = true
	case '<':
		f.bigEndian = false
	case '!':
		a := f.number(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			raise(f.L, "alignment %d is not a power of 2", a)
		}
		f.align = uint64(a)
	default:
		argError(f.L, 1, "invalid format option '"+string([]byte{opt})+"'")
	}
}

// isStructInt reports whether opt is one of the integer options.
func isStructInt(opt byte) bool {
	return strings.IndexByte("bBhHlLTiI", opt) >= 0
}

// structPack implements struct.pack(fmt, ...).
func structPack(L *lua.LState) int {
	f := newStructFormat(L)
	// The C code pushes a nil to mark the end of the arguments, so that
	// one argument too few is reported as a nil, not as no value.
	L.Push(lua.LNil)
	arg := 2
	var buf []byte
	var total uint64 // as the C code counts it, which 's' makes differ from len(buf)
	for {
		opt, size, ok := f.next()
		if !ok {
			break
		}
		pad := f.padding(total, opt, size)
		total += pad
		buf = append(buf, make([]byte, pad)...)
		switch {
		case isStructInt(opt):
			buf = f.putInteger(buf, checkNumber(L, arg), int(size))
			arg++
		case opt == 'x':
			buf = append(buf, 0)
		case opt == 'f':
			bits := math.Float32bits(float32(checkNumber(L, arg)))
			arg++
			if f.bigEndian {
				buf = binary.BigEndian.AppendUint32(buf, bits)
			} else {
				buf = binary.LittleEndian.AppendUint32(buf, bits)
			}
		case opt == 'd':
			bits := math.Float64bits(checkNumber(L, arg))
			arg++
			if f.bigEndian {
				buf = binary.BigEndian.AppendUint64(buf, bits)
			} else {
				buf = binary.LittleEndian.AppendUint64(buf, bits)
			}
		case opt == 'c' || opt == 's':
			s := checkString(L, arg)
			arg++
			if size == 0 {
				size = uint64(len(s))
			}
			if uint64(len(s)) < size {
				// The C code has counted the argument already, so it
				// names the one after.
				argError(L, arg, "string too short")
			}
			buf = append(buf, s[:size]...)
			if opt == 's' {
				buf = append(buf, 0)
				size++
			}
		default:
			f.control(opt)
		}
		total += size
	}
	L.Push(lua.LString(buf))
	return 1
}

// putInteger appends the number n as an integer of size bytes. Negative
// numbers go through a C long and others through an unsigned long, with
// the x86-64 conversions; bytes past the eighth are zero.
func (f *structFormat) putInteger(buf []byte, n float64, size int) []byte {
	var v uint64
	if n < 0 {
		v = uint64(truncInt64(n))
	} else {
		v = truncUint64(n)
	}
	start := len(buf)
	buf = append(buf, make([]byte, size)...)
	b := buf[start:]
	for i := 0; i < size; i++ {
		if f.bigEndian {
			b[size-1-i] = byte(v)
		} else {
			b[i] = byte(v)
		}
		v >>= 8
	}
	return buf
}

// getInteger reads an integer of len(b) bytes. Only the last eight bytes
// to be read (the least significant) count, and a signed value is
// sign-extended from a bit chosen, as x86-64 shifts do, by the size times
// 8 minus 1 modulo 64.
func (f *structFormat) getInteger(b string, signed bool) float64 {
	var v uint64
	for i := range len(b) {
		if f.bigEndian {
			v = v<<8 | uint64(b[i])
		} else {
			v = v<<8 | uint64(b[len(b)-1-i])
		}
	}
	if !signed {
		return float64(v)
	}
	mask := ^uint64(0) << (uint(len(b)*8-1) & 63)
	if v&mask != 0 {
		v |= mask
	}
	return float64(int64(v))
}

// structUnpack implements struct.unpack(fmt, s [, pos]): the values, then
// the position after them.
func structUnpack(L *lua.LState) int {
	f := newStructFormat(L)
	data := checkString(L, 2)
	pos := uint64(optInteger(L, 3, 1)) // negative ones wrap around
	if pos == 0 {
		argError(L, 3, "offset must be 1 or greater")
	}
	pos--
	top := L.GetTop()
	ld := uint64(len(data))
	var values []lua.LValue
	for {
		opt, size, ok := f.next()
		if !ok {
			break
		}
		pos += f.padding(pos, opt, size)
		if size > ld || pos > ld-size {
			argError(L, 2, "data string too short")
		}
		// Room for a value and the final position.
		if top+len(values)+2 > maxCStack {
			stackOverflow(L, "too many results")
		}
		switch {
		case isStructInt(opt):
			values = append(values, lua.LNumber(f.getInteger(data[pos:pos+size], opt >= 'a')))
		case opt == 'x':
		case opt == 'f':
			b := []byte(data[pos : pos+4])
			bits := binary.LittleEndian.Uint32(b)
			if f.bigEndian {
				bits = binary.BigEndian.Uint32(b)
			}
			values = append(values, lua.LNumber(math.Float32frombits(bits)))
		case opt == 'd':
			b := []byte(data[pos : pos+8])
			bits := binary.LittleEndian.Uint64(b)
			if f.bigEndian {
				bits = binary.BigEndian.Uint64(b)
			}
			values = append(values, lua.LNumber(math.Float64frombits(bits)))
		case opt == 'c':
			if size == 0 {
				// The value before, a number or a string that converts
				// to one, gives the size, and the string replaces it.
				var n float64
				ok := len(values) > 0
				if ok {
					n, ok = toNumber(values[len(values)-1])
				}
				if !ok {
					raise(L, "format 'c0' needs a previous size")
				}
				values = values[:len(values)-1]
				size = truncUint64(n)
				if size > ld || pos > ld-size {
					argError(L, 2, "data string too short")
				}
			}
			values = append(values, lua.LString(data[pos:pos+size]))
		case opt == 's':
			end := strings.IndexByte(data[pos:], 0)
			if end < 0 {
				raise(L, "unfinished string in data")
			}
			values = append(values, lua.LString(data[pos:pos+uint64(end)]))
			size = uint64(end) + 1
		default:
			f.control(opt)
		}
		pos += size
	}
	for _, v := range values {
		L.Push(v)
	}
	L.Push(lua.LNumber(int64(pos + 1)))
	return len(values) + 1
}

// structSize implements struct.size(fmt): the size of what pack makes
// with fmt. Letters and digits that are not options count for nothing.
func structSize(L *lua.LState) int {
	f := newStructFormat(L)
	var pos uint64
	for {
		opt, size, ok := f.next()
		if !ok {
			break
		}
		pos += f.padding(pos, opt, size)
		if opt == 's' {
			argError(L, 1, "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			argError(L, 1, "option 'c0' has no fixed size")
		}
		if !isAlnum(opt) {
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(int64(pos)))
	return 1
}

// isAlnum is C's isalnum in the C locale.
func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'z')
}
