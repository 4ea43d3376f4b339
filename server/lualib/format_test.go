package lualib

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	lua "github.com/yuin/gopher-lua"
)

// formatCases are string.format calls and what redis-server 7.0.15
// answers for them, run as
//
//	local ok, r = pcall(function() return EXPR end)
//	return (ok and 'ok ' or 'err ') .. tostring(r)
var formatCases = []struct{ expr, want string }{
	{`string.format('%g', 0.1+0.2)`, "ok 0.3"},
	{`string.format('%s', 1e15)`, "ok 1e+15"},
	{`string.format('%u', -1)`, "ok 18446744073709551615"},
	{`string.format('%x', -1)`, "ok ffffffffffffffff"},
	{`string.format('%g', 1/0)`, "ok inf"},
	{`string.format('%f', 0/0)`, "ok -nan"},
	{`string.format('%q', 'a\0b')`, "ok \"a\\000b\""},
	{`string.format('%05.1f', -1/0)`, "ok  -inf"},
	{`string.format('%05s', 'ab')`, "ok    ab"},
	{`string.format('%05c', 65)`, "ok     A"},
	{`string.format('%y', 1)`, "err user_script:1: invalid option '%y' to 'format'"},
	{`string.format('%d')`, "err user_script:1: bad argument #2 to 'format' (no value)"},
	{`string.format('%d', 'x')`, "err user_script:1: bad argument #2 to 'format' (number expected, got string)"},
	{`string.format('%s', {})`, "err user_script:1: bad argument #2 to 'format' (string expected, got table)"},
	{`string.format('%s', nil)`, "err user_script:1: bad argument #2 to 'format' (string expected, got nil)"},
	{`string.format('%123d', 1)`, "err user_script:1: invalid format (width or precision too long)"},
	{`string.format('%1.123d', 1)`, "err user_script:1: invalid format (width or precision too long)"},
	{`string.format('%------d', 1)`, "err user_script:1: invalid format (repeated flags)"},
	{`string.format('%-----d', 1)`, "ok 1"},
	{`string.format('%', 1)`, "err user_script:1: invalid option '%' to 'format'"},
	{`string.format('%')`, "err user_script:1: bad argument #2 to 'format' (no value)"},
	{`string.format('%5', 1)`, "err user_script:1: invalid option '%' to 'format'"},
	{`string.format('%x', 0/0)`, "ok 8000000000000000"},
	{`string.format('%d', 0/0)`, "ok -9223372036854775808"},
	{`string.format('%d', 1/0)`, "ok -9223372036854775808"},
	{`string.format('%u', 1/0)`, "ok 0"},
	{`string.format('%u', 2^64)`, "ok 0"},
	{`string.format('%u', 2^63)`, "ok 9223372036854775808"},
	{`string.format('%c', 2^32+65)`, "ok "},
	{`string.format('%c', 321)`, "ok A"},
	{`string.format('[%5c]', 0)`, "ok [    ]"},
	{`string.format('[%-5c]', 0)`, "ok []"},
	{`string.format('%F', 1)`, "err user_script:1: invalid option '%F' to 'format'"},
	{`string.format('%a', 1)`, "err user_script:1: invalid option '%a' to 'format'"},
	{`string.format('%i', -3.9)`, "ok -3"},
	{`string.format('%05d|%-5d|%+d|% d|%+ d|%.3d|%.0d|%5.0d|%05.2d', -3, 7, 5, 5, 5, 5, 0, 0, 9)`, "ok -0003|7    |+5| 5|+5|005||     |   09"},
	{`string.format('%#o|%#x|%#X|%#o|%#x|%#.0o|%.0o|%#5x|%#05x|%+u|% x', 8, 255, 255, 0, 0, 0, 0, 1, 1, 3, 3)`, "ok 010|0xff|0XFF|0|0|0||  0x1|0x001|3|3"},
	{`string.format('%e|%E|%.0e|%#.0e|%#e|%+e|% e|%012.3e|%-12.3e|', 1234.5, -0.000012, 5, 5, 0, 1, 1, -3.14159, 2)`, "ok 1.234500e+03|-1.200000E-05|5e+00|5.e+00|0.000000e+00|+1.000000e+00| 1.000000e+00|-003.142e+00|2.000e+00   |"},
	{`string.format('%g|%g|%g|%g|%g|%g|%#g|%#.3g|%.0g|%#.0g|%G|%g', 100000, 1e6, 1e-4, 1e-5, 0, -0.0, 1, 1e10, 123, 123, 1e-10, 2^53)`, "ok 100000|1e+06|0.0001|1e-05|0|0|1.00000|1.00e+10|1e+02|1.e+02|1E-10|9.0072e+15"},
	{`string.format('%f|%.0f|%#.0f|%.3f|%+.2f|% .2f|%010.2f|%-10.2f|%f', 1/3, 2.5, 2.5, -0.0005, 1, 1, -1.5, 1.5, 1e300)`, "ok 0.333333|2|2.|-0.001|+1.00| 1.00|-000001.50|1.50      |1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.000000"},
	{`string.format('%f|%e|%g|%E|%G|%+f|% f|%5.1f|%-6f|%06f', 1/0, -1/0, 0/0, 1/0, -(0/0), 1/0, 1/0, 0/0, -1/0, 1/0)`, "ok inf|-inf|-nan|INF|NAN|+inf| inf| -nan|-inf  |   inf"},
	{`string.format('%s|%5s|%-5s|%.2s|%5.1s|%.s|%s|%s|%s', 'abc', 'ab', 'ab', 'abc', 'xyz', 'abc', 1.5, -0.0, 2^63)`, "ok abc|   ab|ab   |ab|    x||1.5|-0|9.2233720368548e+18"},
	{`string.format('%s|%.5s|%10s|', 'a\0b', 'a\0b', 'a\0b')`, "ok a|a|         a|"},
	{`#string.format('%s', string.rep('x', 99)..'\0'..'y')`, "ok 101"},
	{`#string.format('%s', string.rep('x', 100)..'\0'..'y')`, "ok 102"},
	{`string.format('%5s', string.rep('x', 100)..'\0'..'y')`, "ok xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\x00y"},
	{`#string.format('%.99s', string.rep('x', 200))`, "ok 99"},
	{`string.format('%q', 'a"b\\c\nd\re\0f\tg\1')`, "ok \"a\\\"b\\\\c\\\nd\\re\\000f\tg\x01\""},
	{`string.format('%q', 1/3)`, "ok \"0.33333333333333\""},
	{`string.format('%5q', 'x')`, "ok \"x\""},
	{`string.format('%q')`, "err user_script:1: bad argument #2 to 'format' (no value)"},
	{`string.format('%q', {})`, "err user_script:1: bad argument #2 to 'format' (string expected, got table)"},
	{`string.format('%c%c%c', 72, 105.9, -191)`, "ok HiA"},
	{`string.format('%d|%x|%o|%X', '10', '0x10', ' 8 ', 2^53+1)`, "ok 10|10|10|20000000000000"},
	{`string.format(12)`, "ok 12"},
	{`string.format({})`, "err user_script:1: bad argument #1 to 'format' (string expected, got table)"},
	{`string.format()`, "err user_script:1: bad argument #1 to 'format' (string expected, got no value)"},
	{`string.format('%d %d', 1)`, "err user_script:1: bad argument #3 to 'format' (no value)"},
	{`string.format('a%%b%%', 1)`, "ok a%b%"},
	{`string.format('%d', 2^63)`, "ok -9223372036854775808"},
	{`string.format('%d', -2^63)`, "ok -9223372036854775808"},
	{`string.format('%x', -2^63-4096)`, "ok 8000000000000000"},
	{`string.format('%u', -0.5)`, "ok 0"},
	{`string.format('%.99f', 1)`, "ok 1.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
	{`string.format('%99.99f', 1e308)`, "ok 100000000000000001097906362944045541740492309677311846336810682903157585404911491537163328978494688899061249669721172515611590283743140088328307009198146046031271664502933027185697489699588559043338384466165001178426897626212945177628091195786707458122783970171784415105291802893207873272974885715430223118336.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
	{`string.format('%.20g|%.17g|%.14g', 0.1, 0.1, 0.1)`, "ok 0.10000000000000000555|0.10000000000000001|0.1"},
	{`string.format('%s', true)`, "err user_script:1: bad argument #2 to 'format' (string expected, got boolean)"},
	{`string.format('%d', true)`, "err user_script:1: bad argument #2 to 'format' (number expected, got boolean)"},
	{`string.format('a\0%d\0b', 1)`, "ok a\x001\x00b"},
	{`string.format('%\0d', 1)`, "err user_script:1: invalid option '%' to 'format'"},
	{`string.format('%+f|% f|%+e|%+g|% g', 0/0, -(0/0), 1/0, -(0/0), 0/0)`, "ok -nan| nan|+inf|+nan|-nan"},
	{`string.format('%.0f|%.0f|%.0f|%.0f|%.1f|%.2e|%.1f|%.2f', 0.5, 1.5, 2.5, 3.5, 0.25, 1.125, 0.05, 2.675)`, "ok 0|2|2|4|0.2|1.12e+00|0.1|2.67"},
	{`string.format('%#x|%#X|%#o|%#10.4x|%-#10o|', 2^63, -1, -1, 255, 8)`, "ok 0x8000000000000000|0XFFFFFFFFFFFFFFFF|01777777777777777777777|    0x00ff|010       |"},
	{`string.format('%.14g|%.15g|%.16g|%.17g|%.18g', 1/3, 1/3, 1/3, 1/3, 1/3)`, "ok 0.33333333333333|0.333333333333333|0.3333333333333333|0.33333333333333331|0.333333333333333315"},
	{`string.format('%g|%g|%g|%g|%g', 1e-300, 5e-324, 1.7976931348623157e308, 123456789, 0.000123456)`, "ok 1e-300|4.94066e-324|1.79769e+308|1.23457e+08|0.000123456"},
	{`string.format('%#g|%#g|%#.1g|%#.10g|%#G', 0, 1e-5, 1, 1/3, 1e20)`, "ok 0.00000|1.00000e-05|1.|0.3333333333|1.00000E+20"},
	{`string.format('%e|%e|%.10e|%.0e|%E', 5e-324, 1.7976931348623157e308, 1/7, 0, 0)`, "ok 4.940656e-324|1.797693e+308|1.4285714286e-01|0e+00|0.000000E+00"},
	{`string.format('%f|%.10f|%.99f', 5e-324, 1e-10, 1/3)`, "ok 0.000000|0.0000000001|0.333333333333333314829616256247390992939472198486328125000000000000000000000000000000000000000000000"},
	{`string.format('%99.1f|%-99.1f|', 1, 1)`, "ok                                                                                                 1.0|1.0                                                                                                |"},
	{`string.format('%-099d|', 5)`, "ok 5                                                                                                  |"},
	{`string.format('%0-5d|%-05d|', 5, 5)`, "ok 5    |5    |"},
	{`string.format('%+5s|% 5s|%#5s|', 'a', 'a', 'a')`, "ok     a|    a|    a|"},
	{`string.format('%+c|%#c|% c|%.3c|', 65, 65, 65, 65)`, "ok A|A|A|A|"},
	{`string.format('%d', '1e3')`, "ok 1000"},
	{`string.format('%d', '0x1p4')`, "ok 16"},
	{`string.format('%x', '  0x1F  ')`, "ok 1f"},
	{`string.format('%d', 'inf')`, "ok -9223372036854775808"},
	{`string.format('%s %s', 1, 2, 3)`, "ok 1 2"},
	{`string.format('%5.3s|', 'abcdef')`, "ok   abc|"},
	{`string.format('%-5.3s|', 'a\0cdef')`, "ok a    |"},
	{`string.format('%c', 0/0)`, "ok "},
	{`string.format('%c', 255)`, "ok \xff"},
	{`string.format('%c', 2^31)`, "ok "},
	{`string.format('%c', -2^31)`, "ok "},
	{`string.format('%c', 2^31-1)`, "ok \xff"},
	{`string.format('%.3x|%.3o|%8.3X|%-8.3u|%08.3d|', 10, 8, 255, 7, -7)`, "ok 00a|010|     0FF|007     |    -007|"},
	{`string.format('%h', 1)`, "err user_script:1: invalid option '%h' to 'format'"},
	{`string.format('%l', 1)`, "err user_script:1: invalid option '%l' to 'format'"},
	{`string.format('%ld', 1)`, "err user_script:1: invalid option '%l' to 'format'"},
	{`string.format('%n', 1)`, "err user_script:1: invalid option '%n' to 'format'"},
	{`string.format('%p', 1)`, "err user_script:1: invalid option '%p' to 'format'"},
	{`string.format('%\255', 1)`, "err user_script:1: invalid option '%\xff' to 'format'"},
	{`string.format('%.', 1)`, "err user_script:1: invalid option '%' to 'format'"},
	{`string.format('%.d|%.f|%.e|%.g|%.s|', 5, 2.5, 2.5, 2.5, 'x')`, "ok 5|2|2e+00|2||"},
	{`string.format('%00000d', 5)`, "ok 5"},
	{`string.format('%12345', 5)`, "err user_script:1: invalid format (width or precision too long)"},
	{`string.format('% 12.345', 5)`, "err user_script:1: invalid format (width or precision too long)"},
	{`string.format('%s', -(0/0))`, "ok nan"},
	{`string.format('%s', 1/0)`, "ok inf"},
	{`string.format('%d', -0.0)`, "ok 0"},
	{`string.format('%.3f', -0.0001)`, "ok -0.000"},
	{`string.format('%g', -1e-5)`, "ok -1e-05"},
	{`string.format('%5.1g|%-8.3G|%08.3g|%+.3g', 1234, 0.000012345, -1.5, 99999)`, "ok 1e+03|1.23E-05|-00001.5|+1e+05"},
	{`('%d'):format(5)`, "ok 5"},
	{`('%5.1f|%x'):format(1/3, 255)`, "ok   0.3|ff"},
	{`(function() local f = string.format return f('%d', 'x') end)()`, "err user_script:1: bad argument #2 to 'f' (number expected, got string)"},
	{`select(2, pcall(string.format, '%d', 'x'))`, "ok bad argument #2 to '?' (number expected, got string)"},
	{`select(2, pcall(string.format, '%d'))`, "ok bad argument #2 to '?' (no value)"},
	{`select(2, pcall(string.format, '%y', 1))`, "ok invalid option '%y' to 'format'"},
	{`select(2, pcall(function() return string.format('%d', {}) end))`, "ok user_script:1: bad argument #2 to 'format' (number expected, got table)"},
}

// newFormatState is newTestState with Format as string.format.
func newFormatState(t *testing.T) *lua.LState {
	L := newTestState(t)
	L.GetGlobal("string").(*lua.LTable).RawSetString("format", L.NewFunction(Format))
	return L
}

func TestFormatMatchesRedis(t *testing.T) {
	for _, c := range formatCases {
		t.Run(c.expr, func(t *testing.T) {
			L := newFormatState(t)
			got, err := run(t, L, "local ok, r = pcall(function() return "+c.expr+" end) return (ok and 'ok ' or 'err ') .. tostring(r)")
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

// FuzzFormat feeds an arbitrary format to string.format, with a number
// and a string for its directives, by turns. It must end within
// inputBound and either return a string or raise one of string.format's
// errors; a Go panic counts as a failure.
func FuzzFormat(f *testing.F) {
	for _, seed := range []struct {
		format string
		n      float64
		s      string
	}{
		{"%d %s", 1, "a"}, {"%5.2f|%-8s", -1.5, "abc"}, {"%#x %q", -1, "a\x00\"\n\r"}, {"%g%c", math.NaN(), "x"},
		{"%+ #0-5.3e%.s", math.Inf(-1), "x"}, {"%99.99f", 1e308, ""}, {"%c", 1 << 40, "x\x00y"},
		{"%------d", 1, ""}, {"%123d", 1, ""}, {"%", 0, ""}, {"%\x00", 0, ""}, {"%s%s%s", 0, strings.Repeat("x", 200)},
	} {
		f.Add(seed.format, seed.n, seed.s)
	}
	f.Fuzz(func(t *testing.T, format string, n float64, s string) {
		within(t, func() error { return checkFormat(format, n, s) }, "formatting %q", format)
	})
}

// checkFormat does FuzzFormat's checks and returns what went wrong, if
// anything. It runs on a goroutine of its own.
func checkFormat(format string, n float64, s string) error {
	L, fn := newFuzzState(func(L *lua.LState) *lua.LFunction { return L.NewFunction(Format) })
	defer L.Close()
	args := []lua.LValue{lua.LString(format)}
	for i := 0; i < 8; i++ {
		args = append(args, lua.LNumber(n), lua.LString(s))
	}
	results, err := callAll(L, fn, args...)
	if err != nil {
		if err := runError(err, "invalid option '%", "invalid format (", "bad argument #"); err != nil {
			return fmt.Errorf("formatting %q: %v", format, err)
		}
		return nil
	}
	if _, ok := results[0].(lua.LString); len(results) != 1 || !ok {
		return fmt.Errorf("formatting %q returned %v", format, results)
	}
	return nil
}
