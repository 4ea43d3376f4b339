package test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// lib is a library's code: the shebang naming it, then lines.
func lib(name string, lines ...string) string {
	return "#!lua name=" + name + "\n" + strings.Join(lines, "\n")
}

// load is FUNCTION LOAD of a library.
func load(name string, lines ...string) []string {
	return []string{"FUNCTION", "LOAD", lib(name, lines...)}
}

// functionCases run against both servers: each starts with FUNCTION
// FLUSH, as FLUSHALL leaves libraries. A library registers one function
// where its FUNCTION LIST entry is compared: Redis lists a library's
// functions (and libraries) in its hash table's order.
var functionCases = []compatCase{
	{"function load errors", [][]string{
		{"FUNCTION", "FLUSH"},
		{"FUNCTION", "LOAD", "return 1"},
		{"FUNCTION", "LOAD", "#!lua name=a"},
		{"FUNCTION", "LOAD", "#!lua\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=a-b\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua foo=bar\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=a x\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=a name=b\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=\"a\nreturn 1"},
		{"FUNCTION", "LOAD", "#!py name=a\nreturn 1"},
		{"FUNCTION", "LOAD", "#!py name=a-b\nreturn 1"},
		{"FUNCTION", "LOAD", "FOO", "#!lua name=a\nreturn 1"},
		load("a", "return 1"),
		load("a", "redis.call('set', 'x', 'y')"),
		load("a", "local n = string.len('x')"),
		load("a", "x = 1"),
		load("a", "error('boom')"),
		load("a", "redis.setresp(3)"),
		load("a", "redis.register_function()"),
		load("a", "redis.register_function('f', function() end, 3)"),
		load("a", "redis.register_function('f-x', function() end)"),
		load("a", "redis.register_function('f', 'x')"),
		load("a", "redis.register_function({}, function() end)"),
		load("a", "redis.register_function('x')"),
		load("a", "redis.register_function{callback=function() end}"),
		load("a", "redis.register_function{function_name='f'}"),
		load("a", "redis.register_function{function_name='f', callback=function() end, foo=1}"),
		load("a", "redis.register_function{function_name='f', callback='x'}"),
		load("a", "redis.register_function{function_name='f', callback=function() end, flags='no-writes'}"),
		load("a", "redis.register_function{function_name='f', callback=function() end, flags={'no-writes', 'bad'}}"),
		load("a", "redis.register_function{function_name={}, callback=function() end}"),
		load("a", "redis.register_function{function_name='f', callback=function() end, description={}}"),
		load("a", "redis.register_function('f', function() end)", "redis.register_function('f', function() end)"),
		load("a", "while true do end"),
		load("a", "redis.log(redis.LOG_NOTICE, 'loading', redis.REDIS_VERSION)"),
		{"FUNCTION", "LIST"},
	}},
	{"fcall", [][]string{
		{"FUNCTION", "FLUSH"},
		load("mylib",
			"redis.register_function('echo', function(keys, args) return {keys, args} end)",
			"redis.register_function('incr', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)",
			"redis.register_function{function_name='get', callback=function(keys) return redis.call('get', keys[1]) end,",
			"  flags={'no-writes'}, description='reads a key'}",
			"redis.register_function('unknown', function() return redis.call('nosuch') end)",
			"redis.register_function('noglobal', function() return KEYS end)",
			"redis.register_function{function_name='rowrite', callback=function() return redis.call('set', 'x', 1) end, flags={'no-writes'}}",
			"redis.register_function('reply', function() return redis.error_reply('MY err') end)",
			"redis.register_function('status', function() return redis.status_reply('FINE') end)",
			"redis.register_function('map', function() redis.setresp(3) return redis.call('hgetall', 'h') end)",
			"redis.register_function('float', function() return 3.7 end)",
			"redis.register_function('bool', function() return {true, false} end)",
			"redis.register_function('nested', function(keys, args) return redis.call('fcall', 'echo', 0) end)"),
		{"FCALL", "echo", "2", "k1", "k2", "a1", "a2"},
		{"FCALL", "echo", "0"},
		{"FCALL", "incr", "1", "counter", "5"},
		{"FCALL", "incr", "1", "counter", "5"},
		{"FCALL_RO", "get", "1", "counter"},
		{"FCALL_RO", "incr", "1", "counter", "5"},
		{"FCALL", "unknown", "0"},
		{"FCALL", "noglobal", "0"},
		{"FCALL", "rowrite", "0"},
		{"FCALL", "reply", "0"},
		{"FCALL", "status", "0"},
		{"HSET", "h", "f", "v"},
		{"FCALL", "map", "0"},
		{"FCALL", "float", "0"},
		{"FCALL", "bool", "0"},
		{"FCALL", "nested", "0"},
		{"FCALL", "nosuch", "0"},
		{"FCALL", "nosuch", "x"},
		{"FCALL", "echo", "x"},
		{"FCALL", "echo", "3", "a"},
		{"FCALL", "echo", "-1"},
		{"FCALL", "echo"},
		{"EVAL", "return redis.call('fcall', 'echo', 0)", "0"},
		{"FUNCTION", "STATS"},
		{"FUNCTION", "LIST", "LIBRARYNAME", "nosuch"},
	}},
	{"function list delete flush", [][]string{
		{"FUNCTION", "FLUSH"},
		{"FUNCTION", "LIST"},
		load("lib1", "redis.register_function{function_name='f1', callback=function() return 1 end, flags={'no-writes', 'allow-oom'}, description='one'}"),
		load("lib1", "redis.register_function('f9', function() return 9 end)"),
		{"FUNCTION", "LOAD", "REPLACE", lib("lib1", "redis.register_function('f1', function() return 2 end)")},
		{"FCALL", "f1", "0"},
		{"FUNCTION", "LIST"},
		{"FUNCTION", "LIST", "WITHCODE"},
		{"FUNCTION", "LIST", "LIBRARYNAME", "LIB*", "WITHCODE"},
		{"FUNCTION", "LIST", "LIBRARYNAME", "x*"},
		{"FUNCTION", "LIST", "LIBRARYNAME"},
		{"FUNCTION", "LIST", "WITHCODE", "WITHCODE"},
		{"FUNCTION", "LIST", "FOO"},
		load("lib2", "redis.register_function('f1', function() return 3 end)"),
		{"FUNCTION", "LOAD", "REPLACE", "REPLACE", lib("lib2", "redis.register_function('f2', function() return 3 end)")},
		{"FUNCTION", "LOAD", "REPLACE", lib("lib2", "redis.register_function('f1', function() return 3 end)")},
		{"FCALL", "f2", "0"},
		{"FUNCTION", "STATS"},
		{"FUNCTION", "DELETE", "nosuch"},
		{"FUNCTION", "DELETE", "lib1"},
		{"FCALL", "f1", "0"},
		{"FUNCTION", "DELETE", "lib1", "x"},
		{"FUNCTION", "FLUSH", "FOO"},
		{"FUNCTION", "FLUSH", "ASYNC"},
		{"FCALL", "f2", "0"},
		{"FUNCTION", "STATS"},
		{"FUNCTION", "KILL"},
		{"FUNCTION", "HELP"},
		{"FUNCTION", "FOO"},
		{"FLUSHALL"},
	}},
	{"function dump restore", [][]string{
		{"FUNCTION", "FLUSH"},
		{"FUNCTION", "DUMP"},
		load("lib1", "redis.register_function('f1', function() return 1 end)"),
		{"FUNCTION", "RESTORE", "x"},
		{"FUNCTION", "RESTORE", "x", "y"},
		{"FUNCTION", "RESTORE", "x", "flush", "y"},
		{"FUNCTION", "RESTORE", "\xf5\x02ab\x0a\x00\x9c\x4e\x2d\x02\x4a\x8c\xb7\xb8"},
	}},
}

// TestFunctionsMatchRedis runs functionCases on both servers.
func TestFunctionsMatchRedis(t *testing.T) {
	runCompat(t, functionCases)
}

// TestFunctionDumpRestore moves a library between the two servers with
// FUNCTION DUMP and RESTORE, both ways, and checks the restore policies.
func TestFunctionDumpRestore(t *testing.T) {
	real, ours := StartRealRedis(t).Dial(t), StartServer(t).Dial(t)
	code := lib("moved", "redis.register_function('moved_f', function(keys, args) return 'moved' end)")
	other := lib("other", "redis.register_function('other_f', function() return 'other' end)")
	clash := lib("clash", "redis.register_function('moved_f', function() return 'clash' end)")
	var dumps []string
	for _, c := range []*Conn{real, ours} {
		require.Equal(t, "$5\r\nmoved\r\n", c.Do("FUNCTION", "LOAD", code))
		reply := c.Do("FUNCTION", "DUMP")
		dumps = append(dumps, reply[strings.Index(reply, "\r\n")+2:len(reply)-2])
	}
	require.Equal(t, dumps[0], dumps[1], "the same library dumps to the same bytes")
	for i, c := range []*Conn{real, ours} {
		payload := dumps[1-i] // the other server's dump
		want := []string{
			"-ERR Library moved already exists\r\n", // APPEND, the default
			"+OK\r\n",                               // REPLACE
			"+OK\r\n",                               // FLUSH
		}
		require.Equal(t, want[0], c.Do("FUNCTION", "RESTORE", payload))
		require.Equal(t, want[1], c.Do("FUNCTION", "RESTORE", payload, "REPLACE"))
		require.Equal(t, "$5\r\nother\r\n", c.Do("FUNCTION", "LOAD", other))
		require.Equal(t, want[2], c.Do("FUNCTION", "RESTORE", payload, "FLUSH"))
		require.Equal(t, "-ERR Function not found\r\n", c.Do("FCALL", "other_f", "0"), "FLUSH dropped the others")
		require.Equal(t, "$5\r\nmoved\r\n", c.Do("FCALL", "moved_f", "0"))
		require.Equal(t, "+OK\r\n", c.Do("FUNCTION", "DELETE", "moved"))
		require.Equal(t, "$5\r\nclash\r\n", c.Do("FUNCTION", "LOAD", clash))
		require.Equal(t, "-ERR Function moved_f already exists\r\n", c.Do("FUNCTION", "RESTORE", payload, "REPLACE"))
		require.Equal(t, "$5\r\nclash\r\n", c.Do("FCALL", "moved_f", "0"), "a refused restore changes nothing")
	}
}

// TestFunctionsSurviveRestarts loads libraries, calls them, and restarts
// the server on its AOF (with and without the RDB preamble, across a
// rewrite) and on its dump.rdb: the libraries come back, and what their
// functions wrote too. A dump.rdb saved by Redis 7.0 brings its library.
func TestFunctionsSurviveRestarts(t *testing.T) {
	ctx := context.Background()
	code := lib("counter", "redis.register_function('bump', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)")
	check := func(t *testing.T, rdb *redis.Client, want int64) {
		t.Helper()
		n, err := rdb.FCall(ctx, "bump", []string{"n"}, 1).Int64()
		require.NoError(t, err)
		require.Equal(t, want, n)
	}
	for _, tc := range []struct {
		name  string
		lines []string
	}{
		{"aof", []string{"appendonly yes", "appendfsync always"}},
		{"aof-rewrite-preamble", []string{"appendonly yes", "aof-use-rdb-preamble yes"}},
		{"aof-rewrite-commands", []string{"appendonly yes", "aof-use-rdb-preamble no"}},
		{"rdb", []string{"appendonly no"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := append([]string{"dir " + t.TempDir()}, tc.lines...)
			srv := StartServer(t, lines...)
			rdb := srv.Client(t)
			waitLoaded(t, rdb)
			require.NoError(t, rdb.FunctionLoad(ctx, code).Err())
			require.NoError(t, rdb.FunctionLoad(ctx, lib("gone", "redis.register_function('gone', function() return 1 end)")).Err())
			require.NoError(t, rdb.FunctionDelete(ctx, "gone").Err())
			check(t, rdb, 1)
			check(t, rdb, 2)
			switch {
			case strings.HasPrefix(tc.name, "aof-rewrite"):
				require.NoError(t, rdb.BgRewriteAOF(ctx).Err())
				require.Eventually(t, func() bool {
					return strings.Contains(rdb.Info(ctx, "persistence").Val(), "aof_rewrite_in_progress:0")
				}, 10*time.Second, 20*time.Millisecond)
				check(t, rdb, 3)
			case tc.name == "rdb":
				require.NoError(t, rdb.Save(ctx).Err())
				check(t, rdb, 3) // not saved: lost with the restart
			}
			srv.Close()
			srv2 := StartServer(t, lines...)
			rdb2 := srv2.Client(t)
			waitLoaded(t, rdb2)
			libs, err := rdb2.FunctionList(ctx, redis.FunctionListQuery{WithCode: true}).Result()
			require.NoError(t, err)
			require.Len(t, libs, 1)
			require.Equal(t, "counter", libs[0].Name)
			require.Equal(t, code, libs[0].Code)
			info := rdb2.Info(ctx, "memory").Val()
			require.Contains(t, info, "number_of_functions:1\r\n")
			require.Contains(t, info, "number_of_libraries:1\r\n")
			// Two bumps were kept, three across a rewrite; of the three
			// before the restart, the saved dump.rdb holds two.
			want := int64(3)
			if strings.HasPrefix(tc.name, "aof-rewrite") {
				want = 4
			}
			check(t, rdb2, want)
		})
	}

	t.Run("rdb-from-redis", func(t *testing.T) {
		dir := t.TempDir()
		real := StartRealRedis(t, "--dir", dir, "--dbfilename", "dump.rdb")
		rc := redis.NewClient(&redis.Options{Addr: real.Addr})
		defer rc.Close()
		require.NoError(t, rc.FunctionLoad(ctx, code).Err())
		require.NoError(t, rc.Set(ctx, "n", "10", 0).Err())
		require.NoError(t, rc.Save(ctx).Err())
		srv := StartServer(t, "dir "+dir, "dbfilename dump.rdb")
		rdb := srv.Client(t)
		waitLoaded(t, rdb)
		check(t, rdb, 11)
	})
}

// TestBusyFunctions runs a function that does not end on both servers:
// the other clients get the FUNCTION KILL form of BUSY, SCRIPT KILL does
// not stop it, FUNCTION STATS names it, and FUNCTION KILL does.
func TestBusyFunctions(t *testing.T) {
	run := func(t *testing.T, srv *Server) []string {
		var out []string
		a, b := srv.Dial(t), srv.Dial(t)
		out = append(out, b.Do("CONFIG", "SET", "busy-reply-threshold", "100"))
		out = append(out, b.Do("FUNCTION", "LOAD", "REPLACE", lib("spin", "redis.register_function('spin', function() while true do end end)")))
		a.Send(encodeCommand([]string{"FCALL", "spin", "1", "k", "arg"}))
		time.Sleep(150 * time.Millisecond)
		out = append(out, b.Do("GET", "k"), b.Do("SCRIPT", "KILL"))
		stats := b.Do("FUNCTION", "STATS")
		// duration_ms moves: keep what comes before it.
		out = append(out, stats[:strings.Index(stats, "duration_ms")])
		out = append(out, b.Do("FUNCTION", "KILL"), a.ReadReply(), b.Do("FUNCTION", "KILL"), b.Do("GET", "k"))
		return out
	}
	real := StartRealRedis(t)
	want := run(t, &Server{Addr: real.Addr})
	got := run(t, StartServer(t))
	require.Equal(t, want, got)
	require.Contains(t, got[2], "You can only call FUNCTION KILL")
	require.Equal(t, "+OK\r\n", got[5])
}
