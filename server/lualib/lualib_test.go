package lualib

import (
	"context"
	"strings"
	"testing"
	"time"

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
// base, table, string and math, then cjson, bit, cmsgpack and struct. Its
// stack may grow, as the server's does, for the cases that return
// thousands of values.
func newTestState(t testing.TB) *lua.LState {
	t.Helper()
	L := lua.NewState(lua.Options{SkipOpenLibs: true, RegistrySize: 1024, RegistryMaxSize: 1 << 22})
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
	OpenCMsgpack(L)
	OpenStruct(L)
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
	runCases(t, redisCases)
}

func TestMsgpackStructAgainstRedis(t *testing.T) {
	runCases(t, msgpackStructCases)
}

// runCases runs recorded cases, each in a fresh state.
func runCases(t *testing.T, cases []struct{ script, want string }) {
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range cases {
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
	cj, b, mp, st := OpenCJSON(L), OpenBit(L), OpenCMsgpack(L), OpenStruct(L)
	if L.GetGlobal("cjson") != cj || L.GetGlobal("bit") != b || L.GetGlobal("cmsgpack") != mp || L.GetGlobal("struct") != st {
		t.Fatal("the Open functions must set the globals to the tables they return")
	}
	for _, name := range []string{"pack", "unpack", "unpack_one", "unpack_limit"} {
		if _, ok := mp.RawGetString(name).(*lua.LFunction); !ok {
			t.Errorf("cmsgpack.%s is not a function", name)
		}
	}
	for _, name := range []string{"pack", "unpack", "size"} {
		if _, ok := st.RawGetString(name).(*lua.LFunction); !ok {
			t.Errorf("struct.%s is not a function", name)
		}
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

// TestMsgpackMapSlots checks the one limit cmsgpack.unpack has that
// Redis has not: gopher-lua keeps integer keys in a table's array part,
// so the maps of one unpack may not make it allocate more than
// msgpackFreeSlots array slots, plus one per byte of data.
func TestMsgpackMapSlots(t *testing.T) {
	L := newTestState(t)
	// Maps of one key each, a 32-bit unsigned integer, to 1.
	mapOf := func(keys ...int) string {
		var b []byte
		for _, k := range keys {
			b = append(b, 0x81, 0xce, byte(k>>24), byte(k>>16), byte(k>>8), byte(k), 0x01)
		}
		return string(b)
	}
	// A dense map of n keys, from n down to 1.
	dense := func(n int) string {
		b := []byte{0xdf, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
		for k := n; k > 0; k-- {
			b = append(b, 0xce, byte(k>>24), byte(k>>16), byte(k>>8), byte(k), 0x01)
		}
		return string(b)
	}
	const free = msgpackFreeSlots
	for _, c := range []struct {
		data string
		want string
	}{
		{mapOf(free + 7), "ok 1"},
		{mapOf(free + 8), `err "not enough memory"`},
		{mapOf(free/2+7, free/2+7), "ok 2"},
		{mapOf(free/2+7, free/2+8), `err "not enough memory"`},
		// Only the array part's growth counts, and keys from 2^26 up are
		// hashed: neither costs anything.
		{mapOf(1<<26, 1<<30, 1<<31, 3, 2, 1, 4), "ok 7"},
		{dense(2 * free), "ok 1"},
	} {
		L.SetGlobal("data", lua.LString(c.data))
		got, err := run(t, L, caseScript(`return select('#', cmsgpack.unpack(data))`))
		if err != nil || got != c.want {
			t.Errorf("unpacking %q: got %q, %v; want %q", c.data[:min(len(c.data), 40)], got, err, c.want)
		}
	}
}

// TestMsgpackPackIsKillable checks that pack, which can take as long as
// the script likes, stops when the state's context is cancelled, as
// SCRIPT KILL does.
func TestMsgpackPackIsKillable(t *testing.T) {
	L := newTestState(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	L.SetContext(ctx)
	// 100^16 values to write.
	fn, err := L.LoadString(`local t = {} for i = 1, 100 do t[i] = t end return cmsgpack.pack(t)`)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		L.Push(fn)
		done <- L.PCall(0, 1, nil)
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "context canceled") {
			t.Fatalf("got %v, want the context's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pack went on after the context was cancelled")
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
