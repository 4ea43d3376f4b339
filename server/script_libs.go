package server

import (
	lua "github.com/yuin/gopher-lua"

	"quordis/server/lualib"
)

// openScriptLibs opens the libraries Redis adds to Lua's own: cjson and
// bit (cmsgpack and struct are not there yet).
func openScriptLibs(L *lua.LState) {
	lualib.OpenCJSON(L)
	lualib.OpenBit(L)
}
