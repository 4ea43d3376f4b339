package lualib

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Format is Lua 5.1's string.format(fmt, ...), for scripts to have in
// place of gopher-lua's, which hands the format to Go's fmt.Sprintf (so
// %x of -1 is -1, %g of infinity +Inf and %q quotes as Go does). Each
// directive is read as lstrlib.c reads it: at most five flags from
// "-+ #0", a width and a precision of at most two digits each, and one of
// the conversions c d i o u x X e E f g G q s; it is then formatted as
// glibc's sprintf formats the C value Lua hands it:
//
//   - d and i take the number cut to a long, o u x X to an unsigned long,
//     c to an int, as x86-64 cuts them (toward zero; NaN and values out
//     of range give the smallest long, or int, and a negative number is
//     its two's complement for the unsigned ones).
//   - e E f g G print infinities and NaNs as inf and nan (INF and NAN for
//     E and G), with a minus sign when the sign bit is set (0/0 is -nan
//     on x86), and pad them with spaces even under the 0 flag.
//   - s takes a string, or a number formatted with "%.14g"; without a
//     precision a string of 100 bytes or more is added whole, and any
//     other string ends at its first NUL byte, as a C string does. A %c
//     of 0 ends what it formats there too.
//   - q quotes a string as Lua 5.1 does: a backslash before '"', '\' and
//     newline, "\r" for a carriage return and "\000" for a NUL byte.
func Format(L *lua.LState) int {
	format := checkString(L, 1)
	top := L.GetTop()
	arg := 1
	var b []byte
	for i := 0; i < len(format); {
		if format[i] != '%' {
			b = append(b, format[i])
			i++
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			b = append(b, '%')
			i++
			continue
		}
		arg++
		if arg > top {
			argError(L, arg, "no value")
		}
		spec, n := scanSpec(L, format[i:])
		i += n
		switch spec.verb {
		case 'c':
			// lstrlib.c takes the length of what sprintf wrote with
			// strlen, so a NUL character ends it.
			c := byte(truncInt32(checkNumber(L, arg)))
			b = append(b, cString(spec.pad(string([]byte{c}), -1))...)
		case 'd', 'i':
			v := truncInt64(checkNumber(L, arg))
			mag := uint64(v)
			if v < 0 {
				mag = -mag
			}
			b = append(b, spec.formatInt(mag, v < 0)...)
		case 'o', 'u', 'x', 'X':
			b = append(b, spec.formatInt(truncUint64(checkNumber(L, arg)), false)...)
		case 'e', 'E', 'f', 'g', 'G':
			b = append(b, spec.formatFloat(checkNumber(L, arg))...)
		case 'q':
			b = appendQuoted(b, checkString(L, arg))
		case 's':
			s := checkString(L, arg)
			if spec.prec < 0 && len(s) >= 100 {
				// lstrlib.c adds a long string as it is rather than
				// through its 512-byte sprintf buffer.
				b = append(b, s...)
				break
			}
			s = cString(s)
			if spec.prec >= 0 && len(s) > spec.prec {
				s = s[:spec.prec]
			}
			b = append(b, spec.pad(s, -1)...)
		default:
			// lua_pushfstring's %c of a NUL byte adds nothing.
			verb := ""
			if spec.verb != 0 {
				verb = string([]byte{spec.verb})
			}
			raise(L, "invalid option '%%%s' to 'format'", verb)
		}
	}
	L.Push(lua.LString(b))
	return 1
}

// formatSpec is one directive of a format, after its '%'.
type formatSpec struct {
	minus, plus, space, hash, zero bool
	width                          int
	prec                           int // -1 when there is none
	verb                           byte
}

// scanSpec reads the directive at the start of s (just after its '%') as
// lstrlib.c's scanformat does, and returns it and its length. Past the
// end of s it reads NUL bytes, as C reads the Lua string's terminator.
func scanSpec(L *lua.LState, s string) (formatSpec, int) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	spec := formatSpec{prec: -1}
	p := 0
flags:
	for ; ; p++ {
		switch at(p) {
		case '-':
			spec.minus = true
		case '+':
			spec.plus = true
		case ' ':
			spec.space = true
		case '#':
			spec.hash = true
		case '0':
			spec.zero = true
		default:
			break flags
		}
	}
	// lstrlib.c allows fewer flags than sizeof("-+ #0"), six.
	if p >= 6 {
		raise(L, "invalid format (repeated flags)")
	}
	digits := func() int {
		n := 0
		for k := 0; k < 2 && isDigit(at(p)); k++ {
			n = n*10 + int(at(p)-'0')
			p++
		}
		return n
	}
	spec.width = digits()
	if at(p) == '.' {
		p++
		spec.prec = digits()
	}
	if isDigit(at(p)) {
		raise(L, "invalid format (width or precision too long)")
	}
	spec.verb = at(p)
	return spec, min(p+1, len(s))
}

// pad pads s with spaces to the spec's width, on the right under the '-'
// flag and on the left otherwise. A number passes the length of the sign
// and prefix it starts with as lead, so that the 0 flag, when it counts,
// puts zeros after them; anything else passes -1.
func (spec formatSpec) pad(s string, lead int) string {
	n := spec.width - len(s)
	switch {
	case n <= 0:
		return s
	case spec.minus:
		return s + strings.Repeat(" ", n)
	case spec.zero && lead >= 0:
		return s[:lead] + strings.Repeat("0", n) + s[lead:]
	}
	return strings.Repeat(" ", n) + s
}

// sign is the sign printf writes before a number: '-' when it is
// negative, else '+' or ' ' under those flags.
func (spec formatSpec) sign(neg bool) string {
	switch {
	case neg:
		return "-"
	case spec.plus:
		return "+"
	case spec.space:
		return " "
	}
	return ""
}

// formatInt formats the magnitude mag of an integer (negative when neg)
// as printf's %ld, %lu, %lo, %lx or %lX do: a precision is a minimum
// number of digits (0 leaves a zero with none) and turns the 0 flag off;
// '#' makes an octal number start with 0 and puts 0x or 0X in front of a
// hexadecimal one that is not zero; '+' and ' ' count for d and i only.
func (spec formatSpec) formatInt(mag uint64, neg bool) string {
	var digits string
	switch spec.verb {
	case 'o':
		digits = strconv.FormatUint(mag, 8)
	case 'x':
		digits = strconv.FormatUint(mag, 16)
	case 'X':
		digits = strings.ToUpper(strconv.FormatUint(mag, 16))
	default:
		digits = strconv.FormatUint(mag, 10)
	}
	if spec.prec == 0 && mag == 0 {
		digits = ""
	}
	if len(digits) < spec.prec {
		digits = strings.Repeat("0", spec.prec-len(digits)) + digits
	}
	lead := ""
	switch spec.verb {
	case 'd', 'i':
		lead = spec.sign(neg)
	case 'o':
		if spec.hash && !strings.HasPrefix(digits, "0") {
			digits = "0" + digits
		}
	case 'x', 'X':
		if spec.hash && mag != 0 {
			lead = "0" + string(spec.verb)
		}
	}
	zeroLead := len(lead)
	if spec.prec >= 0 {
		zeroLead = -1
	}
	return spec.pad(lead+digits, zeroLead)
}

// formatFloat formats f as printf's %e, %E, %f, %g or %G do (precision 6
// by default; %g drops trailing zeros unless '#' is given, and '#' keeps
// the point when no digit follows it).
func (spec formatSpec) formatFloat(f float64) string {
	upper := spec.verb == 'E' || spec.verb == 'G'
	sign := spec.sign(math.Signbit(f))
	if math.IsInf(f, 0) || math.IsNaN(f) {
		body := "inf"
		if math.IsNaN(f) {
			body = "nan"
		}
		if upper {
			body = strings.ToUpper(body)
		}
		return spec.pad(sign+body, -1)
	}
	f = math.Abs(f)
	prec := spec.prec
	if prec < 0 {
		prec = 6
	}
	var body string
	switch spec.verb {
	case 'f':
		body = strconv.FormatFloat(f, 'f', prec, 64)
		if spec.hash && prec == 0 {
			body += "."
		}
	case 'e', 'E':
		body = strconv.FormatFloat(f, 'e', prec, 64)
		if spec.hash && prec == 0 {
			body = strings.Replace(body, "e", ".e", 1)
		}
	default:
		body = formatG(f, max(prec, 1), spec.hash)
	}
	if upper {
		body = strings.ToUpper(body)
	}
	return spec.pad(sign+body, len(sign))
}

// formatG is %g of a finite f >= 0 with precision p >= 1: %e with p-1
// digits after the point when the exponent X that gives is below -4 or at
// least p, else %f with p-1-X; then, unless alt, the trailing zeros of
// the fraction go, and the point with them when nothing is left of it.
// With alt a point is always written.
func formatG(f float64, p int, alt bool) string {
	e := strconv.FormatFloat(f, 'e', p-1, 64)
	k := strings.IndexByte(e, 'e')
	x, _ := strconv.Atoi(e[k+1:])
	body, exp := e[:k], e[k:]
	if x >= -4 && x < p {
		body, exp = strconv.FormatFloat(f, 'f', p-1-x, 64), ""
	}
	if !alt {
		if strings.IndexByte(body, '.') >= 0 {
			body = strings.TrimRight(body, "0")
			body = strings.TrimSuffix(body, ".")
		}
	} else if strings.IndexByte(body, '.') < 0 {
		body += "."
	}
	return body + exp
}

// appendQuoted appends s to b as Lua 5.1's %q writes it.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b = append(b, '\\', c)
		case '\r':
			b = append(b, `\r`...)
		case 0:
			b = append(b, `\000`...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// cString is s up to its first NUL byte, as C reads it.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// truncInt32 converts f to a C int as the x86-64 conversion instruction
// does: toward zero, and the minimum int32 for NaN and values out of
// range.
func truncInt32(f float64) int32 {
	if f > math.MinInt32-1 && f < math.MaxInt32+1 {
		return int32(f)
	}
	return math.MinInt32
}
