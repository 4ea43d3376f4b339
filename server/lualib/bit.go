package lualib

import (
	"math"
	"math/bits"

	lua "github.com/yuin/gopher-lua"
)

// OpenBit registers the bit module as the global table "bit" and returns it.
//
// The module is LuaBitOp 1.0.2's, as in Redis 7.0: tobit, tohex, bnot,
// band, bor, bxor, lshift, rshift, arshift, rol, ror and bswap, all
// working on 32-bit integers and returning signed results, so that
// bit.tobit(0xffffffff) is -1.
func OpenBit(L *lua.LState) *lua.LTable {
	mod := L.NewTable()
	funcs := []struct {
		name string
		fn   lua.LGFunction
	}{
		{"tobit", func(L *lua.LState) int { return bitReturn(L, bitArg(L, 1)) }},
		{"bnot", func(L *lua.LState) int { return bitReturn(L, ^bitArg(L, 1)) }},
		{"band", bitFold(func(a, b uint32) uint32 { return a & b })},
		{"bor", bitFold(func(a, b uint32) uint32 { return a | b })},
		{"bxor", bitFold(func(a, b uint32) uint32 { return a ^ b })},
		{"lshift", bitShift(func(b uint32, n int) uint32 { return b << n })},
		{"rshift", bitShift(func(b uint32, n int) uint32 { return b >> n })},
		{"arshift", bitShift(func(b uint32, n int) uint32 { return uint32(int32(b) >> n) })},
		{"rol", bitShift(func(b uint32, n int) uint32 { return bits.RotateLeft32(b, n) })},
		{"ror", bitShift(func(b uint32, n int) uint32 { return bits.RotateLeft32(b, -n) })},
		{"bswap", func(L *lua.LState) int { return bitReturn(L, bits.ReverseBytes32(bitArg(L, 1))) }},
		{"tohex", bitToHex},
	}
	for _, f := range funcs {
		mod.RawSetString(f.name, L.NewFunction(f.fn))
	}
	L.SetGlobal("bit", mod)
	return mod
}

// bitArg converts argument idx to 32 bits as LuaBitOp does: add 2^52+2^51
// to the number, so that the FPU rounds it to an integer (to even on a
// tie) in the low bits of the mantissa, and keep those 32 bits. Numbers
// out of the int32 range wrap modulo 2^32. Strings that Lua would convert
// to numbers are accepted.
func bitArg(L *lua.LState, idx int) uint32 {
	var v lua.LValue = lua.LNil
	if idx <= L.GetTop() {
		v = L.Get(idx)
	}
	f, ok := toNumber(v)
	if !ok {
		typeError(L, idx, "number")
	}
	return uint32(math.Float64bits(f + 6755399441055744.0))
}

// bitReturn pushes b as a signed 32-bit number.
func bitReturn(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

// bitFold makes band, bor and bxor, which combine all their arguments.
// The arguments after the first are converted from the last one down, so
// that a bad argument is reported as LuaBitOp reports it.
func bitFold(op func(a, b uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		b := bitArg(L, 1)
		for i := L.GetTop(); i > 1; i-- {
			b = op(b, bitArg(L, i))
		}
		return bitReturn(L, b)
	}
}

// bitShift makes the shifts and rotations, whose count is taken modulo 32.
func bitShift(op func(b uint32, n int) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		b := bitArg(L, 1)
		n := int(bitArg(L, 2) & 31)
		return bitReturn(L, op(b, n))
	}
}

// bitToHex implements bit.tohex(x [, n]): the low n hex digits of x, 8 by
// default, at most 8, and upper case when n is negative.
func bitToHex(L *lua.LState) int {
	b := bitArg(L, 1)
	n := int64(8)
	if L.GetTop() >= 2 {
		n = int64(int32(bitArg(L, 2)))
	}
	digits := "0123456789abcdef"
	if n < 0 {
		n = -n
		digits = "0123456789ABCDEF"
	}
	n = min(n, 8)
	buf := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(lua.LString(buf))
	return 1
}
