package server

import (
	lua "github.com/yuin/gopher-lua"

	"quordis/server/lualib"
)

// openScriptLibs opens the libraries Redis adds to Lua's own: cjson, bit,
// cmsgpack and struct.
func openScriptLibs(L *lua.LState) {
	lualib.OpenCJSON(L)
	lualib.OpenBit(L)
	lualib.OpenCMsgpack(L)
	lualib.OpenStruct(L)
}
