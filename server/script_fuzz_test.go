package server

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	lua "github.com/yuin/gopher-lua"

	"quordis/conf"
)

// withinFuzzTimeout runs f and fails the input if it takes longer than
// fuzzTimeout.
func withinFuzzTimeout(t *testing.T, what string, in []byte, f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	timer := time.NewTimer(fuzzTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		t.Fatalf("%s: input did not finish within %v: %d bytes, %.200q", what, fuzzTimeout, len(in), in)
	}
}

// FuzzScriptReply feeds arbitrary bytes to the parser that turns a
// command's reply into Lua values for a script: it must end in a value or
// an error, never a panic or a hang.
func FuzzScriptReply(f *testing.F) {
	for _, seed := range []string{"+OK\r\n", "-ERR x\r\n", ":12\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*-1\r\n",
		"*2\r\n$1\r\na\r\n:1\r\n", "%1\r\n+a\r\n,1.5\r\n", "~1\r\n#t\r\n", "=7\r\ntxt:abc\r\n", "(123\r\n",
		"|1\r\n+k\r\n+v\r\n:5\r\n", "_\r\n", ",inf\r\n", "*3\r\n*3\r\n*3\r\n"} {
		f.Add([]byte(seed))
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	f.Fuzz(func(t *testing.T, in []byte) {
		withinFuzzTimeout(t, "FuzzScriptReply", in, func() {
			v, rest, err := respToLua(L, in, 0)
			if err == nil {
				require.NotNil(t, v)
				require.LessOrEqual(t, len(rest), len(in))
			}
		})
	})
}

// FuzzScriptLoad compiles arbitrary script bodies with SCRIPT LOAD (the
// shebang reader, the nesting bound and the Lua compiler): each must get
// its SHA1 or an error reply, in bounded time and without a crash.
func FuzzScriptLoad(f *testing.F) {
	for _, seed := range []string{"return 1", "return 1 +", "#!lua flags=no-writes\nreturn 2", "#!lua x",
		"return {{{{1}}}}", "return 'a'..'b'..'c'", "--[[ long\ncomment ]] return [==[x]==]",
		"local t = {} for i = 1, 3 do t[i] = i end return t", "return - - - not not 1", "#!", "\"\\\""} {
		f.Add([]byte(seed))
	}
	s, err := New(conf.Default(), Options{})
	require.NoError(f, err)
	c := &client{srv: s, id: 1, proto: 2, user: "default", authenticated: true}
	f.Fuzz(func(t *testing.T, body []byte) {
		var out []byte
		withinFuzzTimeout(t, "FuzzScriptLoad", body, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			out = s.handle(c, [][]byte{[]byte("SCRIPT"), []byte("LOAD"), body}, nil)
			s.handle(c, [][]byte{[]byte("SCRIPT"), []byte("FLUSH")}, nil)
		})
		reply := string(out)
		if !strings.HasPrefix(reply, "-ERR ") {
			require.Equal(t, "$40\r\n"+scriptSHA(body)+"\r\n", reply)
		}
	})
}

// FuzzFunctionLoad loads arbitrary library code with FUNCTION LOAD (the
// shebang's metadata, the compiler, the load API and its time limit):
// each must get the library's name or an error reply, in bounded time and
// without a crash, and a loaded library must be listed.
func FuzzFunctionLoad(f *testing.F) {
	for _, seed := range []string{"#!lua name=a\nredis.register_function('f', function() return 1 end)",
		"#!lua name=a\nredis.register_function{function_name='f', callback=function() end, flags={'no-writes'}}",
		"#!lua name=a b\n", "#!lua\n", "#!py name=x\n", "#!lua name=\"a b\"\nreturn", "return 1", "#!",
		"#!lua name=a\nredis.call('get', 'x')", "#!lua name=a\nlocal t = {} t[1] = 2",
		"#!lua name=a\nredis.register_function('f', function() end) redis.register_function('f', function() end)"} {
		f.Add([]byte(seed))
	}
	s, err := New(conf.Default(), Options{})
	require.NoError(f, err)
	c := &client{srv: s, id: 1, proto: 2, user: "default", authenticated: true}
	f.Fuzz(func(t *testing.T, code []byte) {
		var out, list []byte
		withinFuzzTimeout(t, "FuzzFunctionLoad", code, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			out = s.handle(c, [][]byte{[]byte("FUNCTION"), []byte("LOAD"), code}, nil)
			list = s.handle(c, [][]byte{[]byte("FUNCTION"), []byte("LIST")}, nil)
			s.handle(c, [][]byte{[]byte("FUNCTION"), []byte("FLUSH")}, nil)
		})
		reply := string(out)
		if strings.HasPrefix(reply, "-ERR ") {
			require.Equal(t, "*0\r\n", string(list), "a refused library is not listed")
		} else {
			require.True(t, strings.HasPrefix(reply, "$"), "%q", reply)
			require.Contains(t, string(list), reply[strings.Index(reply, "\r\n"):])
		}
	})
}
