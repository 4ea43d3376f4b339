package lualib

import lua "github.com/yuin/gopher-lua"

// CoerceNumber turns the argument at position i, when it is a string
// that reads as a number (as lua_tonumber reads it), into that number,
// as Lua 5.1's luaL_checkint, luaL_optint and luaL_checknumber take it.
// gopher-lua's CheckInt and OptInt refuse a string, so that
// string.sub(s, ARGV[1]) failed where Redis's Lua runs it.
func CoerceNumber(L *lua.LState, i int) {
	if s, ok := L.Get(i).(lua.LString); ok {
		if f, ok := toNumber(s); ok {
			L.Replace(i, lua.LNumber(f))
		}
	}
}

// NumberArgs wraps fn, a library function that reads its arguments at
// positions pos as integers, so that numeric strings there reach it as
// numbers (CoerceNumber). A position of 0 stands for every argument
// (string.char).
func NumberArgs(fn lua.LGFunction, pos ...int) lua.LGFunction {
	return func(L *lua.LState) int {
		for _, i := range pos {
			if i > 0 {
				CoerceNumber(L, i)
				continue
			}
			for j := 1; j <= L.GetTop(); j++ {
				CoerceNumber(L, j)
			}
		}
		return fn(L)
	}
}
