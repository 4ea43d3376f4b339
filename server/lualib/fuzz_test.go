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
// within a second and must either succeed or raise one of lua-cjson's
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
		done := make(chan error, 1)
		go func() { done <- checkRoundTrip(text) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Second):
			t.Fatalf("decoding %q took more than a second", text)
		}
	})
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
