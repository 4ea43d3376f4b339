package conf

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Redis parses most config values with C library functions that stop at the
// first NUL byte, and a few with length-aware ones that do not. The helpers
// here reproduce each, so "100\x00x" is accepted or refused exactly where
// Redis accepts or refuses it.

// cstr cuts s at its first NUL byte, as a C string would end there.
func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// ParseMemory parses a memory amount the way redis.conf does: digits
// followed by an optional unit, k=1000, kb=1024, m=1000², mb=1024²,
// g=1000³, gb=1024³ (or b), in any case. Signs, spaces and fractions are
// refused. A value that does not fit in an int64 is an error here, although
// Redis itself would wrap it; config directives keep Redis's wrapping.
func ParseMemory(s string) (int64, error) {
	v, ok := memtoull(s)
	if !ok {
		return 0, errors.New("conf: argument must be a memory value")
	}
	if v > math.MaxInt64 {
		return 0, errors.New("conf: memory value out of range")
	}
	return int64(v), nil
}

// memtoull is Redis's memtoull: an empty number counts as 0, an overflowing
// one saturates before the unit multiplies (and wraps), as in C.
func memtoull(s string) (uint64, bool) {
	s = cstr(s)
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	var mul uint64
	switch lowerASCII(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var v uint64
	for _, c := range []byte(s[:i]) {
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			v = math.MaxUint64
			break
		}
		v = v*10 + d
	}
	return v * mul, true
}

// string2ll is Redis's strict integer parser: no spaces, no '+', no leading
// zeros, at most 20 bytes, the whole string must be used.
func string2ll(s string) (int64, bool) {
	if len(s) == 0 || len(s) >= 21 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	neg := false
	p := s
	if p[0] == '-' {
		neg = true
		p = p[1:]
		if len(p) == 0 {
			return 0, false
		}
	}
	if p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range []byte(p) {
		if !isDigit(c) {
			return 0, false
		}
		d := uint64(c - '0')
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-d {
			return 0, false
		}
		v += d
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

// strtoll is C's strtoll on a C string: leading spaces and a sign are
// skipped, overflow saturates, and rest is what the parse did not use. With
// no digits at all, rest is the whole input (C's endptr == nptr).
func strtoll(s string, base int) (v int64, rest string, overflow bool) {
	s = cstr(s)
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	limit := uint64(math.MaxInt64)
	if neg {
		limit = 1 << 63
	}
	for i < len(s) {
		d := digitValue(s[i])
		if d >= base {
			break
		}
		if !overflow {
			if u > (limit-uint64(d))/uint64(base) {
				overflow = true
			} else {
				u = u*uint64(base) + uint64(d)
			}
		}
		i++
	}
	if i == start {
		return 0, s, false
	}
	switch {
	case overflow && neg:
		v = math.MinInt64
	case overflow:
		v = math.MaxInt64
	case neg:
		v = int64(-u)
	default:
		v = int64(u)
	}
	return v, s[i:], overflow
}

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// formatMemory writes a byte count the way CONFIG REWRITE does: with the
// largest of gb, mb, kb that divides it exactly.
func formatMemory(v uint64) string {
	const kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
	switch {
	case v != 0 && v%gb == 0:
		return strconv.FormatUint(v/gb, 10) + "gb"
	case v != 0 && v%mb == 0:
		return strconv.FormatUint(v/mb, 10) + "mb"
	case v != 0 && v%kb == 0:
		return strconv.FormatUint(v/kb, 10) + "kb"
	}
	return strconv.FormatUint(v, 10)
}

// parseDouble is Redis's string2d: C strtod syntax over the whole string,
// no leading space, no NaN, and no overflow or total underflow.
func parseDouble(s string) (float64, bool) {
	if len(s) == 0 || isSpace(s[0]) || !strtodSyntax(s) {
		return 0, false
	}
	t := s
	low := lowerASCII(strings.TrimLeft(s, "+-"))
	if strings.HasPrefix(low, "0x") && !strings.ContainsAny(low, "p") {
		t = s + "p0" // C accepts hex floats without an exponent, Go does not
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false // overflow is refused as strtod's ERANGE is
	}
	if f == 0 && hasNonZeroMantissa(low) {
		return 0, false // underflowed to zero: strtod reports ERANGE
	}
	return f, true
}

// strtodSyntax reports whether all of s is one number in C strtod's syntax.
func strtodSyntax(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	rest := lowerASCII(s[i:])
	if rest == "inf" || rest == "infinity" || rest == "nan" {
		return true
	}
	digits := func(hex bool) int {
		n := 0
		for i < len(s) && (isDigit(s[i]) || hex && strings.IndexByte("abcdefABCDEF", s[i]) >= 0) {
			i++
			n++
		}
		return n
	}
	hex := strings.HasPrefix(rest, "0x") && len(rest) > 2
	if hex {
		i += 2
	}
	n := digits(hex)
	if i < len(s) && s[i] == '.' {
		i++
		n += digits(hex)
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (hex && (s[i] == 'p' || s[i] == 'P') || !hex && (s[i] == 'e' || s[i] == 'E')) {
		j := i
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits(false) == 0 {
			i = j // C leaves an exponent without digits unused
		}
	}
	return i == len(s)
}

func hasNonZeroMantissa(low string) bool {
	if strings.HasPrefix(low, "0x") {
		low = low[2:]
		if k := strings.IndexByte(low, 'p'); k >= 0 {
			low = low[:k]
		}
	} else if k := strings.IndexByte(low, 'e'); k >= 0 {
		low = low[:k]
	}
	return strings.ContainsAny(low, "123456789abcdef")
}

// FormatPercentile is "%f" with trailing zeros (and a bare ".") removed, as
// Redis writes a latency-tracking-info-percentiles value (trimDoubleString).
func FormatPercentile(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}
