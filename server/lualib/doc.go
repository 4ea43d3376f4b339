// Package lualib gives a gopher-lua state the two libraries that Redis 7.0
// adds to the Lua 5.1 interpreter its scripts run in, and that scripts use
// most: cjson (Redis bundles lua-cjson 2.1.0) and bit (LuaBitOp 1.0.2).
// OpenCJSON and OpenBit register them as the globals cjson and bit.
//
// The aim is that a script sees what it would see under redis-server
// 7.0.15: the same JSON text from cjson.encode, the same values from
// cjson.decode, the same numbers from the bit functions, and the same
// error messages, down to the character a decode error points at, the
// "user_script:1: " position in front (absent when the function was
// called by pcall itself, as in Lua) and the "bad argument #n to 'name'"
// wording of argument errors. Where lua-cjson leans on C, this package
// copies the C behaviour rather than tidying it up: numbers are written
// with %.14g; decode reads numbers as strtod does, so by default it takes
// hex, a leading '+' or leading zeros, inf and nan; the text ends at its
// first NUL byte, as a C string does; and nesting stops where Lua 5.1's
// limit of 8000 stack slots for a C function stops lua-cjson (7998 arrays
// deep when encoding, 7999 when decoding, 4000 objects deep for both),
// whatever depth limit a script sets. That last point also keeps deep
// input from exhausting the Go stack.
//
// What does not follow Redis:
//   - An object with more than one key has its keys in gopher-lua's table
//     order, not Lua 5.1's, and when a table holds more than one thing
//     that cannot be encoded, another one may be the one reported.
//   - A bad argument in a method-style call, cjson:decode(), is reported
//     as "bad argument #1 to 'decode'", not "calling 'decode' on bad self".
//   - cjson.null is a full userdata with a protected metatable (so that
//     tostring gives Redis's "userdata: (nil)"), so getmetatable returns
//     false for it rather than nil.
package lualib
