package lualib

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// calledFromLua reports whether the Go function now running was called
// by a Lua function, as opposed to by Go code such as pcall.
func calledFromLua(L *lua.LState) bool {
	dbg, ok := L.GetStack(1)
	if !ok {
		return false
	}
	if _, err := L.GetInfo("l", dbg, lua.LNil); err != nil {
		return false
	}
	return dbg.CurrentLine > 0
}

// raise raises a Lua error the way luaL_error does in Redis's Lua 5.1:
// when the running function was called from Lua code, the message starts
// with that code's position ("user_script:1: "); when it was called from
// Go code, such as pcall(cjson.decode, s), the message is left bare.
func raise(L *lua.LState, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if calledFromLua(L) {
		L.RaiseError("%s", msg)
		return
	}
	L.Error(lua.LString(msg), 0)
}

// funcName is the name Lua 5.1 gives the running function in argument
// errors: the name its Lua caller called it by (the field in
// "cjson.decode(s)", the local in "d(s)"), or "?" when it was called from
// Go code.
func funcName(L *lua.LState) string {
	if !calledFromLua(L) {
		return "?"
	}
	dbg, ok := L.GetStack(0)
	if !ok {
		return "?"
	}
	if _, err := L.GetInfo("n", dbg, lua.LNil); err != nil || dbg.Name == "" {
		return "?"
	}
	return dbg.Name
}

// argError raises "bad argument #n to 'name' (msg)", as luaL_argerror does.
func argError(L *lua.LState, n int, msg string) {
	raise(L, "bad argument #%d to '%s' (%s)", n, funcName(L), msg)
}

// typeError raises the argument error for argument n not being of the
// type named want, as luaL_typerror does ("number expected, got nil").
func typeError(L *lua.LState, n int, want string) {
	got := "no value"
	if n <= L.GetTop() {
		got = L.Get(n).Type().String()
	}
	argError(L, n, want+" expected, got "+got)
}

// argValue returns argument n, or nil when there is none.
func argValue(L *lua.LState, n int) lua.LValue {
	if n > L.GetTop() {
		return lua.LNil
	}
	return L.Get(n)
}

// checkNumber is luaL_checknumber: argument n as a number, which may be
// given as a string that converts to one.
func checkNumber(L *lua.LState, n int) float64 {
	f, ok := toNumber(argValue(L, n))
	if !ok {
		typeError(L, n, "number")
	}
	return f
}

// checkInteger is luaL_checkinteger: checkNumber cut to a lua_Integer.
func checkInteger(L *lua.LState, n int) int64 {
	return truncInt64(checkNumber(L, n))
}

// optInteger is luaL_optinteger: def when argument n is nil or absent.
func optInteger(L *lua.LState, n int, def int64) int64 {
	if argValue(L, n) == lua.LNil {
		return def
	}
	return checkInteger(L, n)
}

// checkString is luaL_checklstring: argument n as a string, which may be
// given as a number (formatted as Lua formats numbers).
func checkString(L *lua.LState, n int) string {
	s, ok := toCString(argValue(L, n))
	if !ok {
		typeError(L, n, "string")
	}
	return s
}
