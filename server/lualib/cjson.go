package lualib

import (
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The settings lua-cjson starts with, and the largest number of stack
// slots a C function may use in Lua 5.1 (LUAI_MAXCSTACK), which bounds how
// deeply lua-cjson can nest whatever depth limit is set.
const (
	defaultSparseRatio = 2
	defaultSparseSafe  = 10
	defaultMaxDepth    = 1000
	defaultPrecision   = 14
	maxCStack          = 8000
)

// cjsonConfig holds the settings of one cjson module table; cjson.new
// makes another table with settings of its own.
type cjsonConfig struct {
	sparseConvert  int // 0 or 1: encode excessively sparse arrays as objects
	sparseRatio    int
	sparseSafe     int
	encodeMaxDepth int
	decodeMaxDepth int
	precision      int // significant digits of encoded numbers, 1 to 14
	encodeInvalid  int // 0: refuse NaN and Inf, 1: write them, 2: write null
	decodeInvalid  int // 0 or 1: accept hex, Inf, NaN and the like
	keepBuffer     int // 0 or 1: has no effect here, only remembered
}

func newCJSONConfig() *cjsonConfig {
	return &cjsonConfig{
		sparseRatio:    defaultSparseRatio,
		sparseSafe:     defaultSparseSafe,
		encodeMaxDepth: defaultMaxDepth,
		decodeMaxDepth: defaultMaxDepth,
		precision:      defaultPrecision,
		decodeInvalid:  1,
		keepBuffer:     1,
	}
}

// OpenCJSON registers the cjson module in L as the global table "cjson" and returns it.
//
// The table holds encode, decode, null, the configuration functions
// (encode_sparse_array, encode_max_depth, decode_max_depth,
// encode_number_precision, encode_keep_buffer, encode_invalid_numbers,
// decode_invalid_numbers), new, _NAME and _VERSION, as in Redis 7.0.
// cjson.null is a userdata value that decode returns for JSON null and
// that encode writes as null; a Lua script can compare values with it.
func OpenCJSON(L *lua.LState) *lua.LTable {
	null := L.NewUserData()
	// Redis's cjson.null is a NULL light userdata, which Lua shows as
	// "userdata: (nil)" and which has no metatable. Here it needs one for
	// tostring; __metatable hides it from getmetatable (which gives false
	// rather than nil) and stops setmetatable from replacing it, so that a
	// script cannot change what cjson.null does in later scripts (only
	// debug.setmetatable can, as it can in Redis).
	mt := L.NewTable()
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("userdata: (nil)"))
		return 1
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	null.Metatable = mt
	mod := newCJSONModule(L, null)
	L.SetGlobal("cjson", mod)
	return mod
}

// newCJSONModule builds one cjson table with fresh settings. Every table
// shares null, as every lua-cjson table shares the NULL light userdata.
func newCJSONModule(L *lua.LState, null *lua.LUserData) *lua.LTable {
	cfg := newCJSONConfig()
	mod := L.NewTable()
	// In a fixed order, so that pairs(cjson) always lists them alike.
	funcs := []struct {
		name string
		fn   lua.LGFunction
	}{
		{"encode", func(L *lua.LState) int { return cjsonEncode(L, cfg, null) }},
		{"decode", func(L *lua.LState) int { return cjsonDecode(L, cfg, null) }},
		{"encode_sparse_array", func(L *lua.LState) int {
			checkArgCount(L, 3)
			enumOption(L, 1, &cfg.sparseConvert, nil)
			integerOption(L, 2, &cfg.sparseRatio, 0, math.MaxInt32)
			integerOption(L, 3, &cfg.sparseSafe, 0, math.MaxInt32)
			return 3
		}},
		{"encode_max_depth", func(L *lua.LState) int {
			checkArgCount(L, 1)
			integerOption(L, 1, &cfg.encodeMaxDepth, 1, math.MaxInt32)
			return 1
		}},
		{"decode_max_depth", func(L *lua.LState) int {
			checkArgCount(L, 1)
			integerOption(L, 1, &cfg.decodeMaxDepth, 1, math.MaxInt32)
			return 1
		}},
		{"encode_number_precision", func(L *lua.LState) int {
			checkArgCount(L, 1)
			integerOption(L, 1, &cfg.precision, 1, defaultPrecision)
			return 1
		}},
		{"encode_keep_buffer", func(L *lua.LState) int {
			checkArgCount(L, 1)
			enumOption(L, 1, &cfg.keepBuffer, nil)
			return 1
		}},
		{"encode_invalid_numbers", func(L *lua.LState) int {
			checkArgCount(L, 1)
			enumOption(L, 1, &cfg.encodeInvalid, []string{"off", "on", "null"})
			return 1
		}},
		{"decode_invalid_numbers", func(L *lua.LState) int {
			checkArgCount(L, 1)
			enumOption(L, 1, &cfg.decodeInvalid, nil)
			return 1
		}},
		{"new", func(L *lua.LState) int {
			L.Push(newCJSONModule(L, null))
			return 1
		}},
	}
	for _, f := range funcs {
		mod.RawSetString(f.name, L.NewFunction(f.fn))
	}
	mod.RawSetString("null", null)
	mod.RawSetString("_NAME", lua.LString("cjson"))
	mod.RawSetString("_VERSION", lua.LString("2.1.0"))
	return mod
}

// checkArgCount refuses more than n arguments, as the configuration
// functions do, and pads missing ones with nil, so that the settings they
// push go above all n.
func checkArgCount(L *lua.LState, n int) {
	if L.GetTop() > n {
		argError(L, n+1, "found too many arguments")
	}
	for L.GetTop() < n {
		L.Push(lua.LNil)
	}
}

// enumOption reads and pushes a setting chosen from a list of names. The
// argument may be one of the names or, since the first two are always
// "off" and "on", a boolean; nil or no argument leaves the setting as it
// is. The setting is pushed back as a boolean when it is off or on and as
// its name otherwise (encode_invalid_numbers's "null").
func enumOption(L *lua.LState, idx int, setting *int, names []string) {
	if names == nil {
		names = []string{"off", "on"}
	}
	switch v := L.Get(idx).(type) {
	case *lua.LNilType:
	case lua.LBool:
		*setting = 0
		if v {
			*setting = 1
		}
	default:
		s, ok := toCString(v)
		if !ok {
			typeError(L, idx, "string")
		}
		found := false
		for i, name := range names {
			if s == name {
				*setting, found = i, true
				break
			}
		}
		if !found {
			argError(L, idx, fmt.Sprintf("invalid option '%s'", s))
		}
	}
	if *setting <= 1 {
		L.Push(lua.LBool(*setting == 1))
	} else {
		L.Push(lua.LString(names[*setting]))
	}
}

// integerOption reads and pushes an integer setting that must lie in
// [min, max]; nil or no argument leaves it as it is. As in lua-cjson, a
// value out of range is reported against argument 1 whichever argument
// it was, and the number is cut to a C int first (5.9 is 5, 2^32+5 is 5).
func integerOption(L *lua.LState, idx int, setting *int, min, max int) {
	v := L.Get(idx)
	if v != lua.LNil {
		f, ok := toNumber(v)
		if !ok {
			typeError(L, idx, "number")
		}
		n := int(toCInt(f))
		if n < min || n > max {
			argError(L, 1, fmt.Sprintf("expected integer between %d and %d", min, max))
		}
		*setting = n
	}
	L.Push(lua.LNumber(*setting))
}
