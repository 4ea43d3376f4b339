package lualib

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// ToNumber is Lua 5.1's tonumber(e [, base]), for scripts to have in
// place of gopher-lua's, which reads a string without a point as an
// integer only ("1e3" and "1e400" give nil, "-0" gives 0, "-0x10" nil).
// In base 10 a string converts as lua_tonumber converts it, by strtod's
// syntax, up to trailing white space; in any other base (2 to 36) by
// strtoul's, whose unsigned result a minus sign wraps around.
func ToNumber(L *lua.LState) int {
	base := toCInt(float64(optInteger(L, 2, 10)))
	if base == 10 {
		if L.GetTop() < 1 {
			argError(L, 1, "value expected")
		}
		if f, ok := toNumber(L.Get(1)); ok {
			L.Push(lua.LNumber(f))
			return 1
		}
		L.Push(lua.LNil)
		return 1
	}
	s := checkString(L, 1)
	if base < 2 || base > 36 {
		argError(L, 2, "base out of range")
	}
	if n, ok := strtoul(s, int(base)); ok {
		L.Push(lua.LNumber(float64(n)))
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

// strtoul converts s as tonumber does with a base: glibc's strtoul (white
// space, an optional sign, for base 16 an optional "0x", digits of the
// base; too large a value gives the largest unsigned long, a negative one
// wraps around), which must leave nothing but white space. s ends at its
// first NUL byte, as a C string does.
func strtoul(s string, base int) (uint64, bool) {
	s = cString(s)
	i, neg := spaceSign(s)
	if base == 16 && i+2 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' && isHexDigit(s[i+2]) {
		i += 2
	}
	var n uint64
	digits, overflow := 0, false
	for ; i < len(s); i++ {
		d := digitValue(s[i])
		if d >= base {
			break
		}
		digits++
		if n > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
		}
		n = n*uint64(base) + uint64(d)
	}
	if digits == 0 {
		return 0, false
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	switch {
	case overflow:
		n = math.MaxUint64
	case neg:
		n = -n
	}
	return n, i == len(s)
}

// digitValue is the value of c as a digit of a base up to 36, or 36 when
// it is none.
func digitValue(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case 'a' <= c|0x20 && c|0x20 <= 'z':
		return int(c|0x20-'a') + 10
	}
	return 36
}
