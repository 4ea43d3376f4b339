package lualib

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// formatNumber formats f as C's printf("%.*g", prec, f) does with glibc,
// which is how lua-cjson writes numbers and Lua 5.1 turns them into
// strings (with prec 14).
func formatNumber(f float64, prec int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', prec, 64)
}

// NumberString is a number as Lua 5.1's tostring and lua_tolstring write
// it: "%.14g", with inf, -inf, nan and -nan as glibc prints them.
func NumberString(f float64) string { return formatNumber(f, 14) }

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHexDigit(c byte) bool {
	return isDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'f')
}

// hasPrefixFold reports whether s starts with the lower-case ASCII word
// prefix, ignoring ASCII case, as strncasecmp does in the C locale.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// strtod parses the longest prefix of s that glibc's strtod accepts and
// returns its value and length; a length of 0 means no number was found.
// Like strtod it skips leading white space and takes an optional sign,
// then a decimal number with an optional exponent, a hexadecimal number
// ("0x1f", "0x1.8p3"), "inf", "infinity", "nan" or "nan(chars)", all
// without regard to case. Values too large become infinities and values
// too small become zero, as with strtod.
func strtod(s string) (float64, int) {
	i, neg := spaceSign(s)
	v, n := unsignedStrtod(s[i:])
	if n == 0 {
		return 0, 0
	}
	if neg {
		v = -v
	}
	return v, i + n
}

// spaceSign skips the white space and the optional sign that strtod and
// strtoul accept before a number: it returns where the number starts and
// whether the sign was a minus.
func spaceSign(s string) (int, bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	return i, neg
}

// unsignedStrtod is strtod after the white space and the sign.
func unsignedStrtod(s string) (float64, int) {
	switch {
	case hasPrefixFold(s, "infinity"):
		return math.Inf(1), len("infinity")
	case hasPrefixFold(s, "inf"):
		return math.Inf(1), len("inf")
	case hasPrefixFold(s, "nan"):
		n := len("nan")
		// An optional "(chars)" of letters, digits and '_' belongs to it.
		if n < len(s) && s[n] == '(' {
			j := n + 1
			for j < len(s) && (isDigit(s[j]) || ('a' <= s[j]|0x20 && s[j]|0x20 <= 'z') || s[j] == '_') {
				j++
			}
			if j < len(s) && s[j] == ')' {
				n = j + 1
			}
		}
		return math.NaN(), n
	}
	if len(s) >= 2 && s[0] == '0' && s[1]|0x20 == 'x' {
		if v, n := hexStrtod(s[2:]); n > 0 {
			return v, n + 2
		}
		return 0, 1 // just the "0"
	}
	return decimalStrtod(s)
}

// scanDigits returns how many bytes at the start of s satisfy ok.
func scanDigits(s string, ok func(byte) bool) int {
	n := 0
	for n < len(s) && ok(s[n]) {
		n++
	}
	return n
}

// mantissaEnd returns the length of the digits, optional point and digits
// at the start of s, or 0 when they hold no digit.
func mantissaEnd(s string, digit func(byte) bool) int {
	n := scanDigits(s, digit)
	digits := n
	if n < len(s) && s[n] == '.' {
		frac := scanDigits(s[n+1:], digit)
		digits += frac
		n += 1 + frac
	}
	if digits == 0 {
		return 0
	}
	return n
}

// exponentEnd returns the length of an exponent (marker, optional sign,
// decimal digits) at the start of s whose marker is marker, or 0 when s
// does not start with a complete one.
func exponentEnd(s string, marker byte) int {
	if len(s) == 0 || s[0]|0x20 != marker {
		return 0
	}
	n := 1
	if n < len(s) && (s[n] == '+' || s[n] == '-') {
		n++
	}
	d := scanDigits(s[n:], isDigit)
	if d == 0 {
		return 0
	}
	return n + d
}

// decimalStrtod parses an unsigned decimal number at the start of s.
func decimalStrtod(s string) (float64, int) {
	n := mantissaEnd(s, isDigit)
	if n == 0 {
		return 0, 0
	}
	n += exponentEnd(s[n:], 'e')
	return parseFloat(s[:n]), n
}

// hexStrtod parses the hexadecimal number that follows "0x".
func hexStrtod(s string) (float64, int) {
	n := mantissaEnd(s, isHexDigit)
	if n == 0 {
		return 0, 0
	}
	text := "0x" + s[:n]
	if e := exponentEnd(s[n:], 'p'); e > 0 {
		text += s[n : n+e]
		n += e
	} else {
		text += "p0"
	}
	return parseFloat(text), n
}

// parseFloat converts text that is known to be well formed. Out of range
// values come back as infinities or zero, which is what strtod gives too.
func parseFloat(text string) float64 {
	v, _ := strconv.ParseFloat(text, 64)
	return v
}

// str2number converts a string to a number as Lua 5.1's lua_tonumber does:
// strtod must consume it all, up to trailing white space. The string ends
// at its first NUL byte, as a C string does.
func str2number(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	v, n := strtod(s)
	if n == 0 {
		return 0, false
	}
	for n < len(s) && isSpace(s[n]) {
		n++
	}
	return v, n == len(s)
}

// toNumber is Lua 5.1's lua_tonumber: numbers, and strings that convert
// to numbers, give their value; anything else gives false.
func toNumber(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		return str2number(string(v))
	}
	return 0, false
}

// toCInt converts f to a C int the way Lua 5.1 on x86-64 does when a C
// library stores lua_tointeger's result in an int: truncate to 64 bits
// (NaN and out of range values become the minimum int64, as the CPU's
// conversion instruction gives) and keep the low 32 bits.
func toCInt(f float64) int32 {
	return int32(truncInt64(f))
}

// truncInt64 converts f to a C int64_t (or long, or lua_Integer) as the
// x86-64 conversion instruction does: toward zero, and the minimum int64
// for NaN and values out of range.
func truncInt64(f float64) int64 {
	if f >= -(1<<63) && f < 1<<63 {
		return int64(f)
	}
	return math.MinInt64
}

// truncUint64 converts f to a C unsigned long (or size_t) as GCC does on
// x86-64: values below 2^63, NaN and negative values included, go through
// truncInt64; larger ones have 2^63 taken off first and put back as the
// top bit, so that 2^64 and more, and +Inf, become 0.
func truncUint64(f float64) uint64 {
	if f >= 1<<63 {
		return uint64(truncInt64(f-(1<<63))) ^ (1 << 63)
	}
	return uint64(truncInt64(f))
}

// toCString converts v to a string as lua_tolstring does: strings as they
// are, numbers formatted with "%.14g"; anything else gives false.
func toCString(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return NumberString(float64(v)), true
	}
	return "", false
}
