package lualib

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The limits lua-cmsgpack works within.
const (
	// msgpackMaxNesting is LUACMSGPACK_MAX_NESTING: a table nested this
	// deep inside the packed value is packed as nil.
	msgpackMaxNesting = 16
	// msgpackFreeSlots bounds the array slots that the maps of one unpack
	// may make gopher-lua allocate, beyond one slot per byte of the data
	// (which a dense map needs, whatever the order of its keys): it keeps
	// every integer key from 1 to lua.MaxArrayIndex in a table's array
	// part, so a map key n costs up to n slots, where Lua 5.1 spends one
	// hash node on it, and a few bytes of data could cost a gigabyte.
	msgpackFreeSlots = 1 << 18
	// msgpackCheckEvery is how many values pack writes between looks at
	// the state's context, which SCRIPT KILL cancels.
	msgpackCheckEvery = 1 << 12
)

// OpenCMsgpack registers the cmsgpack module as the global table
// "cmsgpack" and returns it.
//
// The module is lua-cmsgpack 0.4.0's, as in Redis 7.0: pack, unpack,
// unpack_one and unpack_limit, and the fields _NAME, _VERSION, _COPYRIGHT
// and _DESCRIPTION.
func OpenCMsgpack(L *lua.LState) *lua.LTable {
	mod := L.NewTable()
	funcs := []struct {
		name string
		fn   lua.LGFunction
	}{
		{"pack", cmsgpackPack},
		{"unpack", func(L *lua.LState) int { return cmsgpackUnpack(L, 0, 0) }},
		{"unpack_one", func(L *lua.LState) int {
			offset := optInteger(L, 2, 0)
			keepFirstArg(L)
			return cmsgpackUnpack(L, 1, offset)
		}},
		{"unpack_limit", func(L *lua.LState) int {
			limit := checkInteger(L, 2)
			offset := optInteger(L, 3, 0)
			keepFirstArg(L)
			return cmsgpackUnpack(L, limit, offset)
		}},
	}
	for _, f := range funcs {
		mod.RawSetString(f.name, L.NewFunction(f.fn))
	}
	mod.RawSetString("_NAME", lua.LString("cmsgpack"))
	mod.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	mod.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	mod.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	L.SetGlobal("cmsgpack", mod)
	return mod
}

// keepFirstArg drops all arguments but the first, as unpack_one and
// unpack_limit do before they unpack, so that the Lua stack they count
// against holds just the string.
func keepFirstArg(L *lua.LState) {
	if L.GetTop() > 1 {
		L.SetTop(1)
	}
}

// stackOverflow raises luaL_checkstack's error.
func stackOverflow(L *lua.LState, what string) {
	raise(L, "stack overflow (%s)", what)
}

// msgpackEncoder writes Lua values as MessagePack, following lua-cmsgpack.
type msgpackEncoder struct {
	L      *lua.LState
	buf    []byte
	values int // values written, for the context checks
}

// cmsgpackPack implements cmsgpack.pack(...): the arguments packed one
// after the other.
func cmsgpackPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		argError(L, 0, "MessagePack pack needs input.")
	}
	// lua-cmsgpack asks for n more stack slots above the n arguments.
	if 2*n > maxCStack {
		argError(L, 0, "Too many arguments for MessagePack pack.")
	}
	e := &msgpackEncoder{L: L}
	for i := 1; i <= n; i++ {
		// Below the copy of argument i that lua-cmsgpack encodes are
		// the n arguments and the strings packed from the i-1 before.
		e.value(L.Get(i), 0, n+i)
	}
	L.Push(lua.LString(e.buf))
	return 1
}

// value appends v. level counts the tables around v, and slots is the
// number of Lua stack slots lua-cmsgpack would be using, v's included.
func (e *msgpackEncoder) value(v lua.LValue, level, slots int) {
	e.values++
	if e.values%msgpackCheckEvery == 0 {
		e.checkContext()
	}
	switch v := v.(type) {
	case lua.LString:
		e.bytes(string(v))
	case lua.LBool:
		if v {
			e.buf = append(e.buf, 0xc3)
		} else {
			e.buf = append(e.buf, 0xc2)
		}
	case lua.LNumber:
		e.number(float64(v))
	case *lua.LTable:
		if level == msgpackMaxNesting {
			e.buf = append(e.buf, 0xc0)
			return
		}
		e.table(v, level, slots)
	default: // nil, and what MessagePack has no type for
		e.buf = append(e.buf, 0xc0)
	}
}

// checkContext stops pack once the state's context is done. A table
// that holds itself w times takes w^16 values to pack, so pack can run
// for as long as the script's own code can, and must be as killable.
func (e *msgpackEncoder) checkContext() {
	if ctx := e.L.Context(); ctx != nil && ctx.Err() != nil {
		e.L.RaiseError("%s", ctx.Err().Error())
	}
}

// bytes appends a string with the shortest str header for its length.
func (e *msgpackEncoder) bytes(s string) {
	n := len(s)
	switch {
	case n < 32:
		e.buf = append(e.buf, 0xa0|byte(n))
	case n <= 0xff:
		e.buf = append(e.buf, 0xd9, byte(n))
	case n <= 0xffff:
		e.buf = append(e.buf, 0xda)
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(n))
	default:
		e.buf = append(e.buf, 0xdb)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
	}
	e.buf = append(e.buf, s...)
}

// number appends f as an integer when it has an int64 value, and
// otherwise as a float 32 when that holds it exactly, else a float 64.
// As in C on x86-64, 2^63 does not count as an int64 (the conversion
// gives -2^63), nor do NaN and the infinities.
func (e *msgpackEncoder) number(f float64) {
	if i := truncInt64(f); !math.IsInf(f, 0) && float64(i) == f {
		e.integer(i)
		return
	}
	if f32 := float32(f); float64(f32) == f {
		e.buf = append(e.buf, 0xca)
		e.buf = binary.BigEndian.AppendUint32(e.buf, math.Float32bits(f32))
		return
	}
	e.buf = append(e.buf, 0xcb)
	e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(f))
}

// integer appends n in the shortest MessagePack integer format, an
// unsigned one for n >= 0 and a signed one below.
func (e *msgpackEncoder) integer(n int64) {
	switch {
	case n >= 0 && n <= 0x7f, n < 0 && n >= -32:
		e.buf = append(e.buf, byte(n)) // positive or negative fixint
	case n >= 0 && n <= 0xff:
		e.buf = append(e.buf, 0xcc, byte(n))
	case n >= 0 && n <= 0xffff:
		e.buf = append(e.buf, 0xcd)
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(n))
	case n >= 0 && n <= 0xffffffff:
		e.buf = append(e.buf, 0xce)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
	case n >= 0:
		e.buf = append(e.buf, 0xcf)
		e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(n))
	case n >= math.MinInt8:
		e.buf = append(e.buf, 0xd0, byte(n))
	case n >= math.MinInt16:
		e.buf = append(e.buf, 0xd1)
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(n))
	case n >= math.MinInt32:
		e.buf = append(e.buf, 0xd2)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
	default:
		e.buf = append(e.buf, 0xd3)
		e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(n))
	}
}

// header appends an array or map header: fix for n < 16, then 16 and 32
// bits, with the format bytes given.
func (e *msgpackEncoder) header(n int, fix, b16, b32 byte) {
	switch {
	case n <= 15:
		e.buf = append(e.buf, fix|byte(n))
	case n <= 0xffff:
		e.buf = append(e.buf, b16)
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(n))
	default:
		e.buf = append(e.buf, b32)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
	}
}

// table appends t as an array when its keys are exactly 1 to n (so an
// empty table is an empty array), and otherwise as a map, in gopher-lua's
// iteration order.
func (e *msgpackEncoder) table(t *lua.LTable, level, slots int) {
	if slots+2 > maxCStack {
		stackOverflow(e.L, "in function table_is_an_array")
	}
	if n, ok := msgpackArrayLen(t); ok {
		e.header(n, 0x90, 0xdc, 0xdd)
		for i := 1; i <= n; i++ {
			e.value(t.RawGet(lua.LNumber(i)), level+1, slots+1)
		}
		return
	}
	if slots+3 > maxCStack {
		stackOverflow(e.L, "in function mp_encode_lua_table_as_map")
	}
	n := 0
	t.ForEach(func(lua.LValue, lua.LValue) { n++ })
	e.header(n, 0x80, 0xde, 0xdf)
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		e.value(k, level+1, slots+3) // under it: the key, the value
		e.value(v, level+1, slots+2)
	}
}

// msgpackArrayLen reports whether t's keys are all numbers that a C int
// holds exactly, at least 1, and as many as the largest of them, and
// returns that count.
func msgpackArrayLen(t *lua.LTable) (int, bool) {
	count, largest := 0, 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f <= 0 || f > math.MaxInt32 || math.Trunc(f) != f {
			return 0, false
		}
		largest = max(largest, int(f))
		count++
	}
	return count, count == largest
}

// msgpackFieldSize gives, for each format byte from 0xc0 to 0xdf, how
// many bytes of value or length follow it, or -1 for the formats that
// lua-cmsgpack does not read (bin, ext, fixext and the unused 0xc1).
var msgpackFieldSize = [32]int8{
	0, -1, 0, 0, -1, -1, -1, -1, -1, -1, // nil, unused, false, true; bin 8-32, ext 8-32
	0xca - 0xc0: 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, // float 32, 64; uint 8-64; int 8-64
	0xd4 - 0xc0: -1, -1, -1, -1, -1, // fixext
	0xd9 - 0xc0: 1, 2, 4, 2, 4, 2, 4, // str 8-32, array 16 and 32, map 16 and 32
}

// msgpackDecoder reads MessagePack values into Lua values, following
// lua-cmsgpack.
type msgpackDecoder struct {
	L     *lua.LState
	data  string
	pos   int
	slots int // array slots the maps made so far
}

// Why a decode stopped early: the data ended, or held a byte that starts
// no value lua-cmsgpack knows.
type msgpackError int

const (
	msgpackOK msgpackError = iota
	msgpackEOF
	msgpackBadFormat
)

// cmsgpackUnpack unpacks the string that is argument 1, from offset, at
// most limit values, as mp_unpack_full does: when both are 0 it unpacks
// every value and returns just them, else it returns first the offset
// where it stopped (-1 at the end of the string) and then the values.
func cmsgpackUnpack(L *lua.LState, limit, offset int64) int {
	data := checkString(L, 1)
	all := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		// lua-cmsgpack reports the string's length as the limit.
		raise(L, "Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(len(data)))
	}
	if uint64(offset) > uint64(len(data)) {
		raise(L, "Start offset %d greater than input length %d.", int32(offset), int32(len(data)))
	}
	if all {
		limit = math.MaxInt32
	}
	d := &msgpackDecoder{L: L, data: data, pos: int(offset)}
	top := L.GetTop()
	var values []lua.LValue
	for int64(len(values)) < limit && d.pos < len(data) {
		v, err := d.value(top + len(values))
		switch err {
		case msgpackEOF:
			raise(L, "Missing bytes in input.")
		case msgpackBadFormat:
			raise(L, "Bad data format in input.")
		}
		values = append(values, v)
	}
	n := len(values)
	if !all {
		if top+n+1 > maxCStack {
			stackOverflow(L, "in function mp_unpack_full")
		}
		next := lua.LNumber(d.pos)
		if d.pos == len(data) {
			next = -1
		}
		L.Push(next)
		n++
	}
	for _, v := range values {
		L.Push(v)
	}
	return n
}

// need reports whether n more bytes are left.
func (d *msgpackDecoder) need(n int) bool {
	return len(d.data)-d.pos >= n
}

// value reads one value. top is the Lua stack top lua-cmsgpack would
// have below it; Lua 5.1's limit on that stack is what bounds nesting.
func (d *msgpackDecoder) value(top int) (lua.LValue, msgpackError) {
	if !d.need(1) {
		return nil, msgpackEOF
	}
	if top+1 > maxCStack {
		stackOverflow(d.L, "too many return values at once; use unpack_one or unpack_limit instead.")
	}
	c := d.data[d.pos]
	switch {
	case c <= 0x7f: // positive fixint
		d.pos++
		return lua.LNumber(c), msgpackOK
	case c >= 0xe0: // negative fixint
		d.pos++
		return lua.LNumber(int8(c)), msgpackOK
	case c&0xe0 == 0xa0: // fixstr
		return d.str(1, int(c&0x1f))
	case c&0xf0 == 0x90: // fixarray
		d.pos++
		return d.array(top, uint64(c&0x0f))
	case c&0xf0 == 0x80: // fixmap
		d.pos++
		return d.hash(top, uint64(c&0x0f))
	}
	n := int(msgpackFieldSize[c-0xc0])
	if n < 0 {
		return nil, msgpackBadFormat
	}
	if !d.need(1 + n) {
		return nil, msgpackEOF
	}
	b := d.data[d.pos+1 : d.pos+1+n]
	var u uint64
	for i := 0; i < n; i++ {
		u = u<<8 | uint64(b[i])
	}
	switch c {
	case 0xd9, 0xda, 0xdb: // str 8, 16, 32: the length, then the bytes
		return d.str(1+n, int(u))
	}
	d.pos += 1 + n
	switch c {
	case 0xc0:
		return lua.LNil, msgpackOK
	case 0xc2:
		return lua.LFalse, msgpackOK
	case 0xc3:
		return lua.LTrue, msgpackOK
	case 0xca:
		return lua.LNumber(math.Float32frombits(uint32(u))), msgpackOK
	case 0xcb:
		return lua.LNumber(math.Float64frombits(u)), msgpackOK
	case 0xcc, 0xcd, 0xce:
		return lua.LNumber(u), msgpackOK
	case 0xcf:
		// lua_pushinteger takes it as a signed 64-bit integer.
		return lua.LNumber(int64(u)), msgpackOK
	case 0xd0:
		return lua.LNumber(int8(u)), msgpackOK
	case 0xd1:
		return lua.LNumber(int16(u)), msgpackOK
	case 0xd2:
		return lua.LNumber(int32(u)), msgpackOK
	case 0xd3:
		return lua.LNumber(int64(u)), msgpackOK
	case 0xdc, 0xdd:
		return d.array(top, u)
	default: // 0xde, 0xdf
		return d.hash(top, u)
	}
}

// str reads a string of n bytes after a header of the given length.
func (d *msgpackDecoder) str(header, n int) (lua.LValue, msgpackError) {
	if !d.need(header + n) {
		return nil, msgpackEOF
	}
	s := d.data[d.pos+header : d.pos+header+n]
	d.pos += header + n
	return lua.LString(s), msgpackOK
}

// array reads n values into a table at keys 1 to n. Each value takes at
// least a byte, so a large n in short data soon meets its end.
func (d *msgpackDecoder) array(top int, n uint64) (lua.LValue, msgpackError) {
	// Above top: the table, then the index and the value.
	if top+2 > maxCStack {
		stackOverflow(d.L, "in function mp_decode_to_lua_array")
	}
	t := d.L.NewTable()
	for i := uint64(1); i <= n; i++ {
		v, err := d.value(top + 2)
		if err != msgpackOK {
			return nil, err
		}
		t.RawSetInt(int(i), v)
	}
	return t, msgpackOK
}

// hash reads n keys and values into a table, as lua_settable would set
// them: a nil or NaN key is an error, a nil value leaves the key unset.
// The pairs are read first and the table made at its final size, so a
// large integer key costs gopher-lua one allocation of its array part
// rather than a doubling for each power of two below it.
func (d *msgpackDecoder) hash(top int, n uint64) (lua.LValue, msgpackError) {
	type pair struct{ k, v lua.LValue }
	var pairs []pair
	arrayLen, hashLen := 0, 0 // the table's array part in gopher-lua, and the other keys
	for i := uint64(0); i < n; i++ {
		k, err := d.value(top + 1)
		if err != msgpackOK {
			return nil, err
		}
		v, err := d.value(top + 2)
		if err != msgpackOK {
			return nil, err
		}
		// Lua raises these in lua_settable, from inside the C function,
		// so without a position.
		if k == lua.LNil {
			d.L.Error(lua.LString("table index is nil"), 0)
		}
		num, isNum := k.(lua.LNumber)
		if isNum && math.IsNaN(float64(num)) {
			d.L.Error(lua.LString("table index is NaN"), 0)
		}
		pairs = append(pairs, pair{k, v})
		if v == lua.LNil {
			continue
		}
		if f := float64(num); isNum && f >= 1 && f < float64(lua.MaxArrayIndex) && math.Trunc(f) == f {
			if int(f) > arrayLen {
				d.slots += int(f) - arrayLen
				if d.slots > msgpackFreeSlots+len(d.data) {
					// What Lua reports when memory runs out.
					d.L.Error(lua.LString("not enough memory"), 0)
				}
				arrayLen = int(f)
			}
		} else {
			hashLen++
		}
	}
	t := d.L.CreateTable(arrayLen, hashLen)
	for _, p := range pairs {
		if p.v == lua.LNil {
			// Only a key that is there needs unsetting.
			if t.RawGet(p.k) != lua.LNil {
				t.RawSet(p.k, lua.LNil)
			}
			continue
		}
		t.RawSet(p.k, p.v)
	}
	return t, msgpackOK
}
