package lualib

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// encoder writes one Lua value as JSON text, following lua-cjson.
type encoder struct {
	L    *lua.LState
	cfg  *cjsonConfig
	null *lua.LUserData
	buf  []byte
}

// cjsonEncode implements cjson.encode(value).
func cjsonEncode(L *lua.LState, cfg *cjsonConfig, null *lua.LUserData) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	e := &encoder{L: L, cfg: cfg, null: null}
	// lua-cjson keeps the value being encoded, and below it the keys and
	// values it is walking, on the Lua stack: the argument is slot 1.
	e.value(L.Get(1), 0, 1)
	L.Push(lua.LString(e.buf))
	return 1
}

// fail raises "Cannot serialise <type>: <reason>" for the value v.
func (e *encoder) fail(v lua.LValue, reason string) {
	raise(e.L, "Cannot serialise %s: %s", v.Type().String(), reason)
}

// value appends v. depth counts the tables that enclose v, and slots the
// Lua stack slots lua-cjson would be using while it encodes v.
func (e *encoder) value(v lua.LValue, depth, slots int) {
	switch v := v.(type) {
	case *lua.LNilType:
		e.buf = append(e.buf, "null"...)
	case lua.LBool:
		if v {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case lua.LNumber:
		e.number(v)
	case lua.LString:
		e.string(string(v))
	case *lua.LTable:
		depth++
		// lua-cjson also needs 3 free stack slots for each table, and
		// Lua 5.1 gives a C function at most maxCStack.
		if depth > e.cfg.encodeMaxDepth || slots+3 > maxCStack {
			raise(e.L, "Cannot serialise, excessive nesting (%d)", depth)
		}
		if n := e.arrayLength(v); n > 0 {
			e.array(v, n, depth, slots)
		} else {
			e.object(v, depth, slots)
		}
	case *lua.LUserData:
		if v != e.null {
			e.fail(v, "type not supported")
		}
		e.buf = append(e.buf, "null"...)
	default:
		e.fail(v, "type not supported")
	}
}

// number appends n as lua-cjson does: with the configured precision in
// the style of C's %g, and NaN and the infinities refused, written as
// they are, or written as null, depending on encode_invalid_numbers.
func (e *encoder) number(n lua.LNumber) {
	f := float64(n)
	invalid := math.IsInf(f, 0) || math.IsNaN(f)
	switch e.cfg.encodeInvalid {
	case 0:
		if invalid {
			e.fail(n, "must not be NaN or Inf")
		}
	case 1:
		if math.IsNaN(f) {
			e.buf = append(e.buf, "nan"...) // never "-nan"
			return
		}
	default:
		if invalid {
			e.buf = append(e.buf, "null"...)
			return
		}
	}
	e.buf = append(e.buf, formatNumber(f, e.cfg.precision)...)
}

// escapes maps each byte that lua-cjson escapes in strings to its escape:
// control characters, DEL, the quote, the backslash and the slash.
var escapes = func() [256]string {
	var t [256]string
	const hex = "0123456789abcdef"
	for c := 0; c < 0x20; c++ {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&15])
	}
	t['\b'], t['\t'], t['\n'], t['\f'], t['\r'] = `\b`, `\t`, `\n`, `\f`, `\r`
	t['"'], t['\\'], t['/'] = `\"`, `\\`, `\/`
	t[0x7f] = `\u007f`
	return t
}()

// string appends s as a JSON string. Bytes from 0x80 up are copied as
// they are, whether or not they form valid UTF-8.
func (e *encoder) string(s string) {
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if esc := escapes[s[i]]; esc != "" {
			e.buf = append(e.buf, s[start:i]...)
			e.buf = append(e.buf, esc...)
			start = i + 1
		}
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}

// arrayLength decides, as lua-cjson does, whether t is written as an
// array: when every key is a whole number from 1 up, it returns the
// largest key, else -1 (or 0 for an empty table), and both mean an
// object. A table that would be an excessively sparse array is an error
// or, with encode_sparse_array(true), an object.
//
// The arithmetic copies lua-cjson's C ints on x86-64: a key of 2^31 or
// more turns into the smallest int, so such a table becomes an object,
// and the sparseness product wraps around.
func (e *encoder) arrayLength(t *lua.LTable) int32 {
	var max, items int32
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f < 1 || math.Floor(f) != f {
			return -1
		}
		if f > float64(max) {
			max = math.MinInt32
			if f <= math.MaxInt32 {
				max = int32(f)
			}
		}
		items++
	}
	ratio, safe := int32(e.cfg.sparseRatio), int32(e.cfg.sparseSafe)
	if ratio > 0 && max > items*ratio && max > safe {
		if e.cfg.sparseConvert == 0 {
			e.fail(t, "excessively sparse array")
		}
		return -1
	}
	return max
}

// array appends t[1] to t[n] as a JSON array; missing items are null.
func (e *encoder) array(t *lua.LTable, n int32, depth, slots int) {
	e.buf = append(e.buf, '[')
	for i := 1; i <= int(n); i++ {
		if i > 1 {
			e.buf = append(e.buf, ',')
		}
		e.value(t.RawGetInt(i), depth, slots+1)
	}
	e.buf = append(e.buf, ']')
}

// object appends t as a JSON object, in gopher-lua's iteration order.
// Number keys are written as strings; other key types are an error.
func (e *encoder) object(t *lua.LTable, depth, slots int) {
	e.buf = append(e.buf, '{')
	first := true
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		switch k := k.(type) {
		case lua.LNumber:
			e.buf = append(e.buf, '"')
			e.number(k)
			e.buf = append(e.buf, '"', ':')
		case lua.LString:
			e.string(string(k))
			e.buf = append(e.buf, ':')
		default:
			e.fail(k, "table key must be a number or string")
		}
		e.value(v, depth, slots+2)
	}
	e.buf = append(e.buf, '}')
}
