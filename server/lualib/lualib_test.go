package lualib

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// casePrelude defines show, which turns any value into a string that is
// the same under Lua 5.1 and gopher-lua: table keys sorted, numbers with
// %.17g, cjson.null as null. It must stay on one line, so that errors in
// the case bodies are reported at line 1, as they were when recorded.
const casePrelude = `local function show(v) local t = type(v) if t == 'table' then local keys = {} for k in pairs(v) do keys[#keys+1] = k end table.sort(keys, function(a, b) local ta, tb = type(a), type(b) if ta ~= tb then return ta < tb end return a < b end) local parts = {} for _, k in ipairs(keys) do parts[#parts+1] = show(k) .. '=' .. show(v[k]) end return '{' .. table.concat(parts, ',') .. '}' elseif t == 'number' then if v ~= v then return 'nan' elseif v == 1/0 then return 'inf' elseif v == -1/0 then return '-inf' end return string.format('%.17g', v) elseif t == 'string' then return '"' .. v .. '"' elseif v == cjson.null then return 'null' end return tostring(v) end`

// caseScript wraps a case body as it was wrapped for redis-server.
func caseScript(body string) string {
	return casePrelude + ` local ok, r = pcall(function() ` + body + ` end) return (ok and "ok " or "err ") .. show(r)`
}

// newTestState returns a Lua state with the libraries the cases need:
// base, table, string and math, then cjson and bit.
func newTestState(t testing.TB) *lua.LState {
	t.Helper()
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	t.Cleanup(L.Close)
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	OpenCJSON(L)
	OpenBit(L)
	return L
}

// run runs script as the chunk "user_script", as Redis names scripts,
// and returns its first result as a string, or the error it raised.
func run(t testing.TB, L *lua.LState, script string) (string, error) {
	t.Helper()
	fn, err := L.Load(strings.NewReader(script), "user_script")
	if err != nil {
		t.Fatalf("compiling %q: %v", script, err)
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		return "", err
	}
	defer L.Pop(1)
	return L.ToString(-1), nil
}

func TestAgainstRedis(t *testing.T) {
	for _, c := range redisCases {
		L := newTestState(t)
		got, err := run(t, L, caseScript(c.script))
		if err != nil {
			t.Errorf("%s\n  error %v", c.script, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s\n   got %q\n  want %q", c.script, got, c.want)
		}
	}
}

func TestOpenRegistersGlobals(t *testing.T) {
	L := newTestState(t)
	cj, b := OpenCJSON(L), OpenBit(L)
	if L.GetGlobal("cjson") != cj || L.GetGlobal("bit") != b {
		t.Fatal("OpenCJSON and OpenBit must set the globals to the tables they return")
	}
	for _, name := range []string{"encode", "decode", "new", "encode_sparse_array", "encode_max_depth",
		"decode_max_depth", "encode_number_precision", "encode_keep_buffer",
		"encode_invalid_numbers", "decode_invalid_numbers"} {
		if _, ok := cj.RawGetString(name).(*lua.LFunction); !ok {
			t.Errorf("cjson.%s is not a function", name)
		}
	}
	for _, name := range []string{"tobit", "tohex", "bnot", "band", "bor", "bxor",
		"lshift", "rshift", "arshift", "rol", "ror", "bswap"} {
		if _, ok := b.RawGetString(name).(*lua.LFunction); !ok {
			t.Errorf("bit.%s is not a function", name)
		}
	}
}

// TestNull checks cjson.null beyond what the recorded cases show.
func TestNull(t *testing.T) {
	L := newTestState(t)
	for script, want := range map[string]string{
		"return tostring(cjson.decode('null') == cjson.null)":            "true",
		"return tostring(cjson.decode('[null]')[1] == cjson.new().null)": "true",
		"return type(cjson.null)":                                        "userdata",
		"return tostring(cjson.null)":                                    "userdata: (nil)",
		"return cjson.encode({a = cjson.null})":                          `{"a":null}`,
		"return tostring(getmetatable(cjson.null))":                      "false",
		"return tostring(pcall(setmetatable, cjson.null, {}))":           "false",
		"return tostring(cjson.decode('{\"a\":null}').a ~= nil)":         "true",
	} {
		got, err := run(t, L, script)
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", script, got, err, want)
		}
	}
}

func TestEncodeThread(t *testing.T) {
	L := newTestState(t)
	th, _ := L.NewThread()
	L.SetGlobal("th", th)
	_, err := run(t, L, "return cjson.encode(th)")
	if err == nil || !strings.Contains(err.Error(), "user_script:1: Cannot serialise thread: type not supported") {
		t.Fatalf("got %v", err)
	}
}

// TestDeepNesting checks that however high the depth limits are set, the
// nesting stops where Lua 5.1's C stack limit stops lua-cjson, so deep
// input cannot exhaust the Go stack.
func TestDeepNesting(t *testing.T) {
	L := newTestState(t)
	script := `cjson.decode_max_depth(2^31-1) return cjson.decode(string.rep('[', 1000000))`
	_, err := run(t, L, script)
	if err == nil || !strings.Contains(err.Error(), "Found too many nested data structures (7999) at character 7999") {
		t.Fatalf("got %v", err)
	}
	script = `cjson.encode_max_depth(2^31-1) local t = {} t[1] = t return cjson.encode(t)`
	_, err = run(t, L, script)
	if err == nil || !strings.Contains(err.Error(), "Cannot serialise, excessive nesting (7998)") {
		t.Fatalf("got %v", err)
	}
}

func BenchmarkCJSON(b *testing.B) {
	L := newTestState(b)
	doc := `{"id":12345,"name":"a \"quoted\" name","tags":["x","y","z"],"score":98.25,` +
		`"nested":{"ok":true,"none":null,"list":[1,2,3,4,5,6,7,8,9,10]}}`
	L.SetGlobal("doc", lua.LString(doc))
	if _, err := run(b, L, "value = cjson.decode(doc)"); err != nil {
		b.Fatal(err)
	}
	for _, bench := range []struct{ name, script string }{
		{"decode", "return cjson.decode(doc)"},
		{"encode", "return cjson.encode(value)"},
	} {
		fn, err := L.LoadString(bench.script)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bench.name, func(b *testing.B) {
			for b.Loop() {
				L.Push(fn)
				L.Call(0, 0)
			}
		})
	}
}
