package server

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/tidwall/redcon"
	lua "github.com/yuin/gopher-lua"
)

// Conversions between replies and Lua values, as Redis 7.0's script
// engine makes them: a command's reply, encoded in the script's protocol
// (RESP2 unless it called redis.setresp(3)), is parsed into Lua values;
// the value a script returns is encoded in the caller's protocol.

// maxReplyDepth bounds the nesting of a reply converted either way (a
// script can return a table that holds itself).
const maxReplyDepth = 1000

// maxReplyNodes bounds the values one conversion of a script's result
// writes: a table that holds itself twice would otherwise take 2^depth.
const maxReplyNodes = 1 << 24

var errBadReply = errors.New("ERR bad reply from the command called from script")

// respToLua parses the RESP value at the start of b into a Lua value, as
// Redis's redisProtocolToLuaType does, and returns it with the rest of b.
func respToLua(L *lua.LState, b []byte, depth int) (lua.LValue, []byte, error) {
	if depth > maxReplyDepth {
		return nil, nil, errBadReply
	}
	if len(b) < 3 {
		return nil, nil, errBadReply
	}
	kind := b[0]
	line, rest, ok := cutLine(b[1:])
	if !ok {
		return nil, nil, errBadReply
	}
	switch kind {
	case '+':
		return fieldTable(L, "ok", lua.LString(line)), rest, nil
	case '-':
		return fieldTable(L, "err", lua.LString(line)), rest, nil
	case ':':
		n, err := strconv.ParseInt(string(line), 10, 64)
		if err != nil {
			return nil, nil, errBadReply
		}
		return lua.LNumber(n), rest, nil
	case '$', '=':
		n, err := strconv.Atoi(string(line))
		if err != nil || n < -1 {
			return nil, nil, errBadReply
		}
		if n == -1 {
			return lua.LFalse, rest, nil
		}
		if len(rest) < n+2 {
			return nil, nil, errBadReply
		}
		s, rest := string(rest[:n]), rest[n+2:]
		if kind == '$' {
			return lua.LString(s), rest, nil
		}
		if len(s) < 4 {
			return nil, nil, errBadReply
		}
		v := L.NewTable()
		v.RawSetString("format", lua.LString(s[:3]))
		v.RawSetString("string", lua.LString(s[4:]))
		return fieldTable(L, "verbatim_string", v), rest, nil
	case '_':
		return lua.LNil, rest, nil
	case '#':
		return lua.LBool(len(line) == 1 && line[0] == 't'), rest, nil
	case ',':
		f, err := parseReplyDouble(string(line))
		if err != nil {
			return nil, nil, errBadReply
		}
		return fieldTable(L, "double", lua.LNumber(f)), rest, nil
	case '(':
		return fieldTable(L, "big_number", lua.LString(line)), rest, nil
	case '*', '>', '~', '%', '|':
		n, err := strconv.Atoi(string(line))
		if err != nil || n < -1 || n > len(rest) {
			return nil, nil, errBadReply
		}
		if n == -1 && kind == '*' {
			return lua.LFalse, rest, nil
		}
		if n < 0 {
			return nil, nil, errBadReply
		}
		t := L.CreateTable(0, 0)
		for i := 0; i < n; i++ {
			var k, v lua.LValue
			if k, rest, err = respToLua(L, rest, depth+1); err != nil {
				return nil, nil, err
			}
			switch kind {
			case '%', '|':
				if v, rest, err = respToLua(L, rest, depth+1); err != nil {
					return nil, nil, err
				}
				if k != lua.LNil {
					t.RawSet(k, v)
				}
			case '~':
				if k != lua.LNil {
					t.RawSet(k, lua.LTrue)
				}
			default:
				t.RawSetInt(i+1, k)
			}
		}
		switch kind {
		case '%':
			return fieldTable(L, "map", t), rest, nil
		case '~':
			return fieldTable(L, "set", t), rest, nil
		case '|':
			// An attribute annotates the value after it, which scripts
			// see alone.
			return respToLua(L, rest, depth)
		}
		return t, rest, nil
	}
	return nil, nil, errBadReply
}

// cutLine splits b at its first CRLF.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return b[:i], b[i+2:], true
		}
	}
	return nil, nil, false
}

// parseReplyDouble parses a RESP3 double, "inf", "-inf" and "nan" among
// them.
func parseReplyDouble(s string) (float64, error) {
	switch s {
	case "inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	case "nan":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}

// fieldTable is the table {name = v}.
func fieldTable(L *lua.LState, name string, v lua.LValue) *lua.LTable {
	t := L.CreateTable(0, 1)
	t.RawSetString(name, v)
	return t
}

// luaReply turns the value a script returned into its reply in protocol
// proto, as Redis's luaReplyToRedisReply does. Booleans follow the
// script's own protocol, scriptProto, as in Redis 7.0: true is 1 and
// false a null unless the script chose RESP3. An error table at the top
// is an error reply of its own (counted as one); anything else is encoded
// here.
func luaReply(v lua.LValue, proto, scriptProto int) Reply {
	if t, ok := v.(*lua.LTable); ok {
		if msg, ok := t.RawGetString("err").(lua.LString); ok {
			return Err(string(msg))
		}
	}
	nodes := 0
	return Raw(appendLua(nil, v, luaEncoding{proto, scriptProto}, 0, &nodes))
}

// luaEncoding is how a script's result is encoded: in the caller's
// protocol, with booleans as the script's protocol has them.
type luaEncoding struct{ proto, scriptProto int }

// appendLua appends the reply encoding of v.
func appendLua(b []byte, v lua.LValue, enc luaEncoding, depth int, nodes *int) []byte {
	proto := enc.proto
	if *nodes++; depth > maxReplyDepth || *nodes > maxReplyNodes {
		return appendError(b, "ERR reached lua stack limit")
	}
	switch v := v.(type) {
	case lua.LString:
		return redcon.AppendBulkString(b, string(v))
	case lua.LBool:
		// A RESP3 script's booleans are RESP3's, which a RESP2 caller
		// gets as 1 and 0.
		switch {
		case enc.scriptProto >= 3 && proto >= 3 && bool(v):
			return append(b, "#t\r\n"...)
		case enc.scriptProto >= 3 && proto >= 3:
			return append(b, "#f\r\n"...)
		case enc.scriptProto >= 3 && !bool(v):
			return append(b, ":0\r\n"...)
		case bool(v):
			return append(b, ":1\r\n"...)
		case proto >= 3:
			return append(b, "_\r\n"...)
		}
		return append(b, "$-1\r\n"...)
	case lua.LNumber:
		return redcon.AppendInt(b, luaInteger(float64(v)))
	case *lua.LTable:
		return appendLuaTable(b, v, enc, depth, nodes)
	}
	if proto >= 3 {
		return append(b, "_\r\n"...)
	}
	return append(b, "$-1\r\n"...)
}

// appendLuaTable encodes a table: the special forms Redis recognizes by
// their one field (err, ok, double, big_number, map, set,
// verbatim_string), else an array of the elements from 1 up to the first
// nil.
func appendLuaTable(b []byte, t *lua.LTable, enc luaEncoding, depth int, nodes *int) []byte {
	proto := enc.proto
	if s, ok := t.RawGetString("err").(lua.LString); ok {
		return appendError(b, string(s))
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		return redcon.AppendString(b, string(s))
	}
	if f, ok := t.RawGetString("double").(lua.LNumber); ok {
		r := Double(float64(f))
		return appendReply(b, &r, proto)
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		if proto >= 3 {
			// A status line with its first byte made RESP3's big number.
			n := len(b)
			b = redcon.AppendString(b, string(s))
			b[n] = '('
			return b
		}
		return redcon.AppendBulkString(b, string(s))
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		n := 0
		m.ForEach(func(_, _ lua.LValue) { n++ })
		if proto >= 3 {
			b = appendHeader(b, '%', n)
		} else {
			b = appendHeader(b, '*', 2*n)
		}
		m.ForEach(func(k, v lua.LValue) {
			b = appendLua(b, k, enc, depth+1, nodes)
			b = appendLua(b, v, enc, depth+1, nodes)
		})
		return b
	}
	if set, ok := t.RawGetString("set").(*lua.LTable); ok {
		n := 0
		set.ForEach(func(_, _ lua.LValue) { n++ })
		if proto >= 3 {
			b = appendHeader(b, '~', n)
		} else {
			b = appendHeader(b, '*', n)
		}
		set.ForEach(func(k, _ lua.LValue) { b = appendLua(b, k, enc, depth+1, nodes) })
		return b
	}
	if vs, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		format, fok := vs.RawGetString("format").(lua.LString)
		s, sok := vs.RawGetString("string").(lua.LString)
		if fok && sok {
			if proto >= 3 {
				b = appendHeader(b, '=', len(s)+4)
				b = append(append(append(b, verbatimFormat(string(format))...), ':'), s...)
				return append(b, '\r', '\n')
			}
			return redcon.AppendBulkString(b, string(s))
		}
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	b = appendHeader(b, '*', n)
	for i := 1; i <= n; i++ {
		b = appendLua(b, t.RawGetInt(i), enc, depth+1, nodes)
	}
	return b
}

// verbatimFormat is the three bytes of a verbatim string's format that
// Redis writes for format, read as a C string: its first three bytes,
// spaces for those missing, up to a NUL.
func verbatimFormat(format string) []byte {
	if i := strings.IndexByte(format, 0); i >= 0 {
		format = format[:i]
	}
	out := []byte("   ")
	copy(out, format)
	return out
}

// luaInteger converts a Lua number to a reply integer as C's cast does on
// the machines Redis runs on: truncated, and the minimum int64 when out of
// range or NaN.
func luaInteger(f float64) int64 {
	if f != f || f >= 1<<63 || f < -(1<<63) {
		return math.MinInt64
	}
	return int64(f)
}
