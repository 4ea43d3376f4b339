package lualib

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// FuzzCJSONDecode feeds arbitrary text to cjson.decode. Decoding must end
// within inputBound and must either succeed or raise one of lua-cjson's
// decode errors; a Go panic inside the decoder counts as a failure even
// though gopher-lua would turn it into an error. Whatever decodes must
// encode, and the encoded text must decode to the same value, numbers
// being compared as encode writes them (14 significant digits).
func FuzzCJSONDecode(f *testing.F) {
	for _, seed := range []string{
		``, `null`, `true`, `false`, `0`, `-0`, `1e2`, `-1.5E-3`, `0x1F`, `+1`,
		`Infinity`, `-nan`, `nan(1)`, `1e400`, `"abc"`, `"\u00e9\ud83d\ude00"`,
		`"\ud83d"`, `"\/\b\f\n\r\t\"\\"`, `[]`, `{}`, `[1,"a",null,true,{}]`,
		`{"a":{"b":[1,2,{"c":null}]},"d":""}`, `[1,]`, `{"a" 1}`, `[1 2]`,
		"[1]\x00x", "\x00[", strings.Repeat("[", 1001), strings.Repeat(`{"a":`, 1001),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		within(t, func() error { return checkRoundTrip(text) }, "decoding %q", text)
	})
}

// inputBound is how long one input may take: a second, as fuzzing (which
// runs uninstrumented) checks it, and ten under the race detector, which
// makes gopher-lua's table writes some ten times slower; make test runs
// the seeds that way, beside other packages' tests on a busy machine.
var inputBound = map[bool]time.Duration{false: time.Second, true: 10 * time.Second}[raceBuild]

// within runs check on a goroutine of its own and fails t if it returns
// an error or takes more than inputBound; what describes the input.
func within(t *testing.T, check func() error, what string, args ...any) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- check() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(inputBound):
		t.Fatalf(what+" took more than %v", append(args, inputBound)...)
	}
}

// checkRoundTrip does FuzzCJSONDecode's checks on text and returns what
// went wrong, if anything. It runs on a goroutine of its own.
func checkRoundTrip(text string) error {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	mod := OpenCJSON(L)
	call := func(name string, arg lua.LValue) (lua.LValue, *lua.ApiError) {
		err := L.CallByParam(lua.P{Fn: mod.RawGetString(name), NRet: 1, Protect: true}, arg)
		if err != nil {
			return nil, err.(*lua.ApiError)
		}
		defer L.Pop(1)
		return L.Get(-1), nil
	}
	// Let NaN and the infinities, which decode accepts, be encoded too.
	if _, err := call("encode_invalid_numbers", lua.LTrue); err != nil {
		return err
	}

	v, err := call("decode", lua.LString(text))
	if err != nil {
		msg := err.Object.String()
		if err.Type != lua.ApiErrorRun || !(strings.HasPrefix(msg, "Expected ") ||
			strings.HasPrefix(msg, "Found too many nested data structures") ||
			msg == "JSON parser does not support UTF-16 or UTF-32") {
			return fmt.Errorf("decoding %q: unexpected error %v", text, err)
		}
		return nil
	}
	encoded, err := call("encode", v)
	if err != nil {
		return fmt.Errorf("encoding the decoding of %q: %v", text, err)
	}
	again, err := call("decode", encoded)
	if err != nil {
		return fmt.Errorf("decoding %q, the encoding of the decoding of %q: %v", encoded, text, err)
	}
	if !sameValue(v, again) {
		return fmt.Errorf("%q decodes to a value other than that of its re-encoding %q", text, encoded)
	}
	return nil
}

// sameValue compares two decoded values deeply. Numbers are the same when
// encode writes them the same way, so NaN equals NaN and 0.1 equals
// 0.1000000000000001.
func sameValue(a, b lua.LValue) bool {
	switch a := a.(type) {
	case lua.LNumber:
		b, ok := b.(lua.LNumber)
		if !ok {
			return false
		}
		if math.IsNaN(float64(a)) {
			return math.IsNaN(float64(b)) // encode writes every NaN as nan
		}
		return formatNumber(float64(a), 14) == formatNumber(float64(b), 14)
	case *lua.LTable:
		b, ok := b.(*lua.LTable)
		if !ok {
			return false
		}
		same := true
		a.ForEach(func(k, v lua.LValue) {
			same = same && sameValue(v, b.RawGet(k))
		})
		b.ForEach(func(k, _ lua.LValue) {
			same = same && a.RawGet(k) != lua.LNil
		})
		return same
	}
	return a == b
}

// FuzzCMsgpackUnpack feeds arbitrary bytes to cmsgpack.unpack. Unpacking
// must end within inputBound and must either succeed or raise one of the
// errors lua-cmsgpack and Lua raise for bad data (or "not enough memory"
// for maps past msgpackFreeSlots); a Go panic counts as a failure.
// What unpacks must pack; the packed bytes, unpacked and packed again,
// must give bytes that are a fixed point of unpacking and packing. (The
// first packing is not one: it writes tables nested deeper than 16 as
// nil, and that nil in an array or as a map value is a hole.)
func FuzzCMsgpackUnpack(f *testing.F) {
	for _, seed := range []string{
		"", "\x00", "\x7f\xe0\xff", "\xcc\xff\xcd\x01\x02\xce\x01\x02\x03\x04", "\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
		"\xd0\x80\xd1\x80\x00\xd2\x80\x00\x00\x00\xd3\x80\x00\x00\x00\x00\x00\x00\x00", "\xc0\xc2\xc3",
		"\xca\x7f\xc0\x00\x00", "\xcb\xff\xf8\x00\x00\x00\x00\x00\x00", "\xa3abc", "\xd9\x03abc", "\xda\x00\x01a",
		"\xdb\x00\x00\x00\x01a", "\x93\x01\xc0\x03", "\xdc\x00\x01\x90", "\xdd\xff\xff\xff\xff", "\x82\xa1a\x01\x01\xa1b",
		"\xde\x00\x01\x90\x80", "\xdf\x00\x00\x00\x01\xc0\x01", "\x81\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00\x01",
		"\x81\xce\x00\x03\x0d\x40\x01", "\x81\xce\x00\x0f\x42\x40\x01", "\xc1", "\xc4\x01a", "\xd4\x01\x02",
		strings.Repeat("\x91", 20) + "\x01", strings.Repeat("\x81\x01", 20) + "\x02",
		strings.Repeat("\x91", 5000) + "\x01", strings.Repeat("\x81", 9000), strings.Repeat("\x01", 9000),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		within(t, func() error { return checkMsgpack(string(data)) }, "unpacking %q", data)
	})
}

// newFuzzState returns a bare Lua state whose stack may grow, as the
// server's does, with one library opened by open, and open's result.
func newFuzzState[T any](open func(*lua.LState) T) (*lua.LState, T) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, RegistrySize: 1024, RegistryMaxSize: 1 << 22})
	return L, open(L)
}

// callAll calls fn with args, protected, and returns all its results.
func callAll(L *lua.LState, fn lua.LValue, args ...lua.LValue) ([]lua.LValue, *lua.ApiError) {
	top := L.GetTop()
	if err := L.CallByParam(lua.P{Fn: fn, NRet: lua.MultRet, Protect: true}, args...); err != nil {
		return nil, err.(*lua.ApiError)
	}
	results := make([]lua.LValue, L.GetTop()-top)
	for i := range results {
		results[i] = L.Get(top + 1 + i)
	}
	L.SetTop(top)
	return results, nil
}

// runError checks that err is a Lua error (not a Go panic) whose message
// starts with one of prefixes.
func runError(err *lua.ApiError, prefixes ...string) error {
	msg := err.Object.String()
	if err.Type == lua.ApiErrorRun {
		for _, p := range prefixes {
			if strings.HasPrefix(msg, p) {
				return nil
			}
		}
	}
	return fmt.Errorf("unexpected error %v", err)
}

// checkMsgpack does FuzzCMsgpackUnpack's checks on data and returns what
// went wrong, if anything. It runs on a goroutine of its own.
func checkMsgpack(data string) error {
	L, mod := newFuzzState(OpenCMsgpack)
	defer L.Close()
	pack, unpack := mod.RawGetString("pack"), mod.RawGetString("unpack")
	values, err := callAll(L, unpack, lua.LString(data))
	if err != nil {
		if err := runError(err, "Missing bytes in input.", "Bad data format in input.", "stack overflow (",
			"table index is nil", "table index is NaN", "not enough memory"); err != nil {
			return fmt.Errorf("unpacking %q: %v", data, err)
		}
		return nil
	}
	// pack takes at most 4000 arguments, fewer when they are tables.
	if len(values) == 0 || len(values) > 1000 {
		return nil
	}
	var packed []string
	for i := 0; i < 3; i++ {
		p, err := callAll(L, pack, values...)
		if err != nil {
			return fmt.Errorf("packing what %q unpacks to: %v", append([]string{data}, packed...)[i], err)
		}
		packed = append(packed, string(p[0].(lua.LString)))
		if values, err = callAll(L, unpack, p[0]); err != nil {
			return fmt.Errorf("unpacking %q, packed from what %q unpacks to: %v", packed[i], data, err)
		}
	}
	if packed[1] != packed[2] {
		return fmt.Errorf("%q unpacks and packs to %q, then to %q, then to %q", data, packed[0], packed[1], packed[2])
	}
	return nil
}

// FuzzStructUnpack feeds an arbitrary format and data to struct.unpack
// and the format to struct.size. Each must end within inputBound and must
// either succeed or raise one of the struct library's errors; a Go panic
// counts as a failure. When both succeed, unpack must stop right after
// size bytes, and packing what it unpacked must make size bytes again.
func FuzzStructUnpack(f *testing.F) {
	for _, seed := range []struct{ format, data string }{
		{"", ""}, {"b", "\x01"}, {"<i4 >h !4 b d", strings.Repeat("\x01", 24)}, {"!bd", strings.Repeat("\xff", 16)},
		{"BHLTIlhi3I5i16I32", strings.Repeat("\x80", 100)}, {"fd", "\x00\x00\xc0\x7f\x00\x00\x00\x00\x00\x00\xf8\x7f"},
		{"bc0", "\x03abc"}, {"c1c0", "2ab"}, {"s", "abc\x00"}, {"s", "abc"}, {"c0", "x"}, {"xc3x", "xabcx"},
		{"!3", ""}, {"i33", ""}, {"c99999999999", ""}, {"z", "a"}, {"=", ""}, {"\xff", ""}, {"i0I0", ""},
		{strings.Repeat("b", 8000), strings.Repeat("\x01", 8000)},
	} {
		f.Add(seed.format, seed.data)
	}
	f.Fuzz(func(t *testing.T, format, data string) {
		within(t, func() error { return checkStruct(format, data) }, "unpacking %q with %q", data, format)
	})
}

// checkStruct does FuzzStructUnpack's checks and returns what went
// wrong, if anything. It runs on a goroutine of its own.
func checkStruct(format, data string) error {
	L, mod := newFuzzState(OpenStruct)
	defer L.Close()
	formatErrors := []string{"bad argument #1 to '?' (invalid format option", "integral size ", "alignment "}
	values, uerr := callAll(L, mod.RawGetString("unpack"), lua.LString(format), lua.LString(data))
	if uerr != nil {
		prefixes := append(formatErrors, "bad argument #2 to '?' (data string too short)",
			"format 'c0' needs a previous size", "unfinished string in data", "stack overflow (too many results)")
		if err := runError(uerr, prefixes...); err != nil {
			return fmt.Errorf("unpacking %q with %q: %v", data, format, err)
		}
	}
	size, serr := callAll(L, mod.RawGetString("size"), lua.LString(format))
	if serr != nil {
		prefixes := append(formatErrors, "bad argument #1 to '?' (option 's' has no fixed size)",
			"bad argument #1 to '?' (option 'c0' has no fixed size)")
		if err := runError(serr, prefixes...); err != nil {
			return fmt.Errorf("struct.size(%q): %v", format, err)
		}
	}
	if uerr != nil || serr != nil {
		return nil
	}
	n := size[0].(lua.LNumber)
	if next := values[len(values)-1]; next != n+1 {
		return fmt.Errorf("unpacking %q with %q ends at %v, but struct.size gives %v", data, format, next, n)
	}
	args := append([]lua.LValue{lua.LString(format)}, values[:len(values)-1]...)
	packed, err := callAll(L, mod.RawGetString("pack"), args...)
	if err != nil {
		return fmt.Errorf("packing what %q unpacks to with %q: %v", data, format, err)
	}
	if got := lua.LNumber(len(packed[0].(lua.LString))); got != n {
		return fmt.Errorf("packing what %q unpacks to with %q makes %v bytes, but struct.size gives %v", data, format, got, n)
	}
	return nil
}
