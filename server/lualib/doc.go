// Package lualib gives a gopher-lua state the four libraries that Redis
// 7.0 adds to the Lua 5.1 interpreter its scripts run in: cjson (Redis
// bundles lua-cjson 2.1.0), bit (LuaBitOp 1.0.2), cmsgpack (lua-cmsgpack
// 0.4.0) and struct (Roberto Ierusalimschy's struct library, 1.7).
// OpenCJSON, OpenBit, OpenCMsgpack and OpenStruct register them as the
// globals cjson, bit, cmsgpack and struct. ToNumber, Lua 5.1's tonumber
// on the same number reading as these libraries, replaces gopher-lua's.
// Format, Lua 5.1's string.format with glibc's printf under it, replaces
// gopher-lua's, which formats as Go's fmt does. NumberArgs has gopher-lua's
// functions that take integers read numeric strings as Lua 5.1's do.
//
// The aim is that a script sees what it would see under redis-server
// 7.0.15: the same JSON text from cjson.encode and the same bytes from
// cmsgpack.pack and struct.pack, the same values from cjson.decode,
// cmsgpack.unpack and struct.unpack, the same numbers from the bit
// functions, and the same error messages, down to the character a decode
// error points at, the "user_script:1: " position in front (absent when
// the function was called by pcall itself, as in Lua) and the "bad
// argument #n to 'name'" wording of argument errors. Where the C code
// leans on C, this package copies the C behaviour on x86-64 rather than
// tidying it up:
//
//   - cjson writes numbers with %.14g; decode reads numbers as strtod
//     does, so by default it takes hex, a leading '+' or leading zeros,
//     inf and nan; the text ends at its first NUL byte, as a C string
//     does; and nesting stops where Lua 5.1's limit of 8000 stack slots
//     for a C function stops lua-cjson (7998 arrays deep when encoding,
//     7999 when decoding, 4000 objects deep for both), whatever depth
//     limit a script sets. That last point also keeps deep input from
//     exhausting the Go stack.
//   - cmsgpack.pack writes a number as the smallest integer format when
//     it converts to an int64 and back unchanged (not 2^63, NaN or the
//     infinities), else as a float 32 when that holds it exactly, else as
//     a float 64; a table as an array when its keys are exactly 1 to n
//     (so {} is an empty array) and as a map otherwise; a table nested 16
//     deep, and any value MessagePack has no type for, as nil. unpack
//     returns each top-level value as a result of its own; unpack_one and
//     unpack_limit return first the offset to go on from (-1 at the end).
//     Unsigned 64-bit integers of 2^63 and more come back negative, as in
//     Redis, and a nil or NaN map key raises Lua's "table index is nil" or
//     "table index is NaN". The 8000 stack slots bound pack's arguments
//     (4000), unpack's results (7999 less its extra arguments) and its
//     nesting (3999 arrays), with Redis's "stack overflow (...)" errors.
//   - struct has Redis's sizes (short 2, int 4, long and size_t 8) and
//     native little-endian order; numbers go to integers through C's
//     conversions (NaN and out-of-range values give the smallest long, or
//     0 above 2^64), integers over 8 bytes keep only 8 of them, and the
//     library's quirks stay: a format ends at a NUL byte, 's' and 'c0'
//     are whole strings when packing, 'c0' takes its size from the value
//     before when unpacking (which may be a string that converts to a
//     number), a string too short is reported against the argument after
//     it, one argument too few as nil rather than no value, and
//     struct.size ignores letters and digits that are not options.
//
// Returning thousands of values, as unpack may, needs a state whose
// registry can grow (lua.Options.RegistryMaxSize).
//
// What does not follow Redis:
//   - An object or map with more than one key that is not in the array
//     part has its keys in gopher-lua's table order, not Lua 5.1's, so
//     cjson.encode and cmsgpack.pack may write them in another order, and
//     when a table holds more than one thing that cjson cannot encode,
//     another one may be the one reported.
//   - A bad argument in a method-style call, cjson:decode(), is reported
//     as if the call were cjson.decode(cjson): "bad argument #1 to
//     'decode'", not "calling 'decode' on bad self", and so on.
//   - cjson.null is a full userdata with a protected metatable (so that
//     tostring gives Redis's "userdata: (nil)"), so getmetatable returns
//     false for it rather than nil.
//   - gopher-lua keeps every integer key from 1 to 2^26 in a table's
//     array part, so a map key n makes it allocate n slots where Lua 5.1
//     allocates one node. So that a few bytes of MessagePack cannot make
//     it allocate a gigabyte, the maps that one cmsgpack.unpack makes may
//     grow array parts by at most 2^18 slots more than the data has
//     bytes; past that unpack raises "not enough memory", as Lua does
//     when memory runs out. Dense maps, whatever the order of their keys,
//     and keys above 2^26 cost nothing beyond the data's bytes.
//   - cmsgpack.pack stops with the state's context (which SCRIPT KILL
//     cancels): a table that holds itself w times takes w^16 values to
//     pack, which in Redis is a script that cannot be killed.
package lualib
