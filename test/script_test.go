package test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// ev is an EVAL of body with the given numkeys, keys and arguments.
func ev(body string, rest ...string) []string {
	return append([]string{"EVAL", body}, rest...)
}

// cmds is a list of commands, for scripts that hold spaces and quotes.
func cmds(c ...[]string) [][]string { return c }

// line is a command split on spaces, for the simple commands among them.
func line(l string) []string { return splitQuoted(l) }

// scriptCases check EVAL and its family against Redis 7.0, byte for byte,
// in RESP2 and RESP3: what scripts return, what redis.call gives them,
// the errors and their texts, the shebang flags and the script cache.
var scriptCases = []compatCase{
	{"script returns every type", cmds(
		ev("return 1", "0"), ev("return 3.99", "0"), ev("return -3.99", "0"), ev("return 'hello'", "0"),
		ev("return true", "0"), ev("return false", "0"), ev("return nil", "0"), ev("return", "0"),
		ev("return {1, 'two', {3, {4}}, true, false}", "0"),
		ev("return {1, 2, nil, 4}", "0"), ev("return {}", "0"),
		ev("return {1e20, -1e20, 2^53, 0/0}", "0"),
		ev("return {ok='fine'}", "0"), ev("return {err='My Error'}", "0"), ev("return {err='x'}", "0"),
		ev("return {err='two\\r\\nlines'}", "0"), ev("return {ok='two\\nlines'}", "0"),
		ev("return {1, {ok='fine'}, {err='ERR nested'}}", "0"),
		ev("return {double=3.5}", "0"), ev("return {double=1/0}", "0"), ev("return {double=-1/0}", "0"),
		ev("return {big_number='123456789012345678901234567890'}", "0"),
		ev("return {map={a=1}}", "0"), ev("return {map={}}", "0"), ev("return {set={x=true}}", "0"),
		ev("return {verbatim_string={format='txt', string='hi there'}}", "0"),
		ev("return {verbatim_string={format='mkd', string='# hi'}}", "0"),
		ev("return redis.status_reply('FINE')", "0"), ev("return redis.error_reply('E2 hello')", "0"),
		ev("return redis.error_reply('My Error')", "0"), ev("return redis.error_reply('-X y')", "0"),
		ev("return redis.error_reply('x')", "0"), ev("return redis.error_reply(5)", "0"),
		ev("return redis.status_reply()", "0"), ev("return {err=5}", "0"), ev("return {ok=5}", "0"),
		ev("local t = {}; t[1] = 1; t[3] = 3; return t", "0"),
		ev("return {1, 'a', x='ignored'}", "0"),
	)},
	{"keys and arguments", cmds(
		ev("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", "2", "k1", "k2", "a1", "a2"),
		ev("return #KEYS", "0"), ev("return ARGV", "0", "x", "y", "z"),
		ev("return 1", "-1"), ev("return 1", "5", "a"), ev("return 1", "abc"), ev("return 1", "1.5", "a"),
		ev("return 1", "99999999999999999999"), line("EVAL"), line("EVAL x"),
		ev("KEYS[1] = 'changed'; return KEYS", "1", "k"), ev("return KEYS", "0"),
	)},
	{"redis.call and pcall", cmds(
		line("SET s abc"), line("RPUSH l a b c"), line("HSET h f v"), line("SADD st m"), line("ZADD z 1.5 m"),
		ev("return redis.call('get', KEYS[1])", "1", "s"),
		ev("return redis.call('get', 'nokey')", "0"), ev("return type(redis.call('get', 'nokey'))", "0"),
		ev("return redis.call('lrange', 'l', 0, -1)", "0"),
		ev("return redis.call('hgetall', 'h')", "0"), ev("return redis.call('smembers', 'st')", "0"),
		ev("return redis.call('zscore', 'z', 'm')", "0"), ev("return redis.call('zrange', 'z', 0, -1, 'withscores')", "0"),
		ev("return redis.call('set', 'x', 'y')", "0"), ev("return redis.call('ping')", "0"),
		ev("return type(redis.call('ping'))", "0"), ev("return redis.call('ping').ok", "0"),
		ev("return redis.call('incr', 's')", "0"), ev("return redis.pcall('incr', 's')", "0"),
		ev("local r = redis.pcall('incr', 's'); return {type(r), r.err}", "0"),
		ev("return redis.call('lpush', 's', 'x')", "0"),
		ev("return redis.call('set')", "0"), ev("return redis.pcall('set')", "0"),
		ev("return redis.call('nosuch')", "0"), ev("return redis.pcall('nosuch', 'a')", "0"),
		ev("return redis.call('config', 'nosuch')", "0"),
		ev("return redis.call()", "0"), ev("return redis.pcall()", "0"),
		ev("return redis.call('get', {})", "0"), ev("return redis.pcall('get', {})", "0"),
		ev("return redis.call('get', nil)", "0"), ev("return redis.call('get', true)", "0"),
		ev("return redis.call('subscribe', 'x')", "0"), ev("return redis.pcall('multi')", "0"),
		ev("return redis.call('eval', 'return 1', '0')", "0"), ev("return redis.call('script', 'load', 'return 1')", "0"),
		ev("redis.call('set', 'n', 1/3); return redis.call('get', 'n')", "0"),
		ev("redis.call('set', 'n', 0.1); return redis.call('get', 'n')", "0"),
		ev("redis.call('set', 'n', 1e21); return redis.call('get', 'n')", "0"),
		ev("redis.call('set', 'n', -0.0); return redis.call('get', 'n')", "0"),
		ev("redis.call('set', 'n', 123456789012); return redis.call('get', 'n')", "0"),
		ev("redis.call('set', 'n', 1e-7); return redis.call('get', 'n')", "0"),
		ev("return redis.call('incrbyfloat', 'f', 1.5)", "0"),
		ev("return redis.call('blpop', 'nolist', 0)", "0"), ev("return redis.call('brpoplpush', 'nolist', 'x', 0)", "0"),
		ev("redis.call('select', 1); redis.call('set', 'in1', 'v'); return redis.call('get', 'in1')", "0"),
		line("GET in1"), line("SELECT 1"), line("GET in1"), line("SELECT 0"),
		ev("return redis.call('object', 'encoding', 'l')", "0"),
		ev("return redis.call('hello', '3')", "0"),
	)},
	{"resp3 inside scripts", cmds(
		line("HSET h f v"), line("SADD st m"), line("ZADD z 1.5 m"),
		ev("redis.setresp(3); return redis.call('hgetall', 'h')", "0"),
		ev("redis.setresp(3); local r = redis.call('hgetall', 'h'); return {type(r.map), r.map.f}", "0"),
		ev("redis.setresp(3); return redis.call('smembers', 'st')", "0"),
		ev("redis.setresp(3); local r = redis.call('smembers', 'st'); return tostring(r.set.m)", "0"),
		ev("redis.setresp(3); return redis.call('zscore', 'z', 'm')", "0"),
		ev("redis.setresp(3); local r = redis.call('zscore', 'z', 'm'); return {type(r), tostring(r.double)}", "0"),
		ev("redis.setresp(3); return redis.call('get', 'nokey')", "0"),
		ev("redis.setresp(3); return type(redis.call('get', 'nokey'))", "0"),
		ev("redis.setresp(3); return redis.call('zrange', 'z', 0, -1, 'withscores')", "0"),
		ev("redis.setresp(3); return redis.call('zrandmember', 'z', 1, 'withscores')", "0"),
		ev("redis.setresp(2); return redis.call('hgetall', 'h')", "0"),
		ev("return redis.setresp(4)", "0"), ev("return redis.setresp()", "0"), ev("return redis.setresp('3')", "0"),
		ev("return redis.call('hgetall', 'h')", "0"),
	)},
	{"lua errors", cmds(
		ev("error('x')", "0"), ev("error('x', 0)", "0"), ev("error('x', 2)", "0"), ev("error()", "0"),
		ev("error(5)", "0"), ev("error({err='ERR from a table'})", "0"),
		ev("error({err='CUSTOM from a table'})", "0"),
		ev("local function f() error('in f') end\nf()", "0"),
		ev("local function f() error('in f', 2) end\n\nf()", "0"),
		ev("\n\nredis.call('nosuch')", "0"),
		ev("return x", "0"), ev("x = 1", "0"), ev("string.x = 1", "0"), ev("redis.call = 1", "0"),
		ev("_G.x = 1", "0"), ev("rawset(_G, 'x', 1)", "0"), ev("setmetatable(_G, nil)", "0"),
		ev("return pcall(function() x = 1 end)", "0"),
		ev("local ok, e = pcall(error, 'x'); return e", "0"),
		ev("local ok, e = pcall(redis.call, 'nosuch'); return e.err", "0"),
		ev("local ok, e = pcall(redis.call, 'nosuch'); return {tostring(ok), e}", "0"),
		ev("local ok, e = pcall(function() return redis.call('incr', 'st') end); return e", "0"),
		ev("local ok, e = pcall(error, {err='CODE x'}); return e", "0"),
		ev("local ok, e = pcall(error, {other=1}); return type(e)", "0"),
		ev("return {pcall(function(a, b) return a + b, 'x' end, 1, 2)}", "0"),
		ev("return {pcall(5)}", "0"), ev("return {xpcall(function() error('x') end, function(e) return 'h:' .. e end)}", "0"),
		ev("return type(os)", "0"), ev("return type(require)", "0"), ev("return type(loadfile)", "0"),
		ev("return type(dofile)", "0"),
		ev("return {type(string), type(table), type(math), type(redis), type(loadstring), type(print)}", "0"),
		ev("return loadstring('return 1')()", "0"), ev("local t = {}; t.x = 1; return t.x", "0"),
		ev("return string.format('%d-%s', 5, 'a')", "0"), ev("return table.concat({1, 2, 3}, ',')", "0"),
		ev("return tostring(1/3)", "0"), ev("return 7 % 3", "0"), ev("return string.rep('ab', 3)", "0"),
	)},
	{"the redis library", cmds(
		ev("return redis.sha1hex('')", "0"), ev("return redis.sha1hex('abc')", "0"), ev("return redis.sha1hex()", "0"),
		ev("return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}", "0"),
		ev("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}", "0"),
		ev("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}", "0"),
		ev("redis.log(redis.LOG_WARNING, 'from a script'); return 1", "0"),
		ev("return redis.log(redis.LOG_WARNING)", "0"), ev("return redis.log(99, 'x')", "0"),
		ev("return redis.set_repl(9)", "0"), ev("return redis.set_repl()", "0"),
		ev("redis.set_repl(redis.REPL_ALL); return 1", "0"),
		ev("return tostring(redis.replicate_commands())", "0"), ev("return redis.breakpoint()", "0"),
		ev("return redis.acl_check_cmd('get', 'a')", "0"), ev("return redis.acl_check_cmd('nosuch')", "0"),
	)},
	{"cjson and bit", cmds(
		ev("return cjson.encode({1, 'two', {a=3}, true, cjson.null})", "0"),
		ev("return cjson.encode(cjson.decode(ARGV[1]))", "0", `[1,"x",{"k":[true,false,null]},2.5]`),
		ev("local t = cjson.decode(ARGV[1]); return {t.name, t.n, t.list[2]}", "0", `{"name":"q","n":7,"list":[4,5]}`),
		ev("return cjson.decode('{')", "0"), ev("return cjson.encode(function() end)", "0"),
		ev("return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 1), bit.lshift(1, 4), bit.tohex(255), bit.tobit(0xffffffff)}", "0"),
	)},
	{"cmsgpack and struct", cmds(
		ev("return cmsgpack.pack({1, 2, 'three', {4.5, true}}, -1, 300, 70000, 2^40, 'x')", "0"),
		ev("return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {7, 8}))}", "0"),
		ev("local t = cmsgpack.unpack(ARGV[1]) return {t[1], t[2]}", "0", "\x92\x01\xa2hi"),
		ev("return {cmsgpack.unpack_one(cmsgpack.pack(5, 6), 0)}", "0"),
		ev("return cmsgpack.unpack(ARGV[1])", "0", "\xc1"),
		ev("return struct.pack('>I2<i4b', 258, -2, 65)", "0"),
		ev("return {struct.unpack('>I2<i4b', ARGV[1])}", "0", "\x01\x02\xfe\xff\xff\xffA"),
		ev("return {struct.size('!4bi8d'), struct.unpack('s', 'ab\\0c')}", "0"),
		ev("return struct.pack('q', 1)", "0"),
	)},
	{"script cache", cmds(
		line("SCRIPT FLUSH"),
		line("SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
		line("EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"),
		ev("return 1", "0"),
		line("SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db E0E1F9FABFC9D4800C877A703B823AC0578FF8DB nosuch"),
		line("EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"),
		line("EVALSHA E0E1F9FABFC9D4800C877A703B823AC0578FF8DB 0"),
		line("EVALSHA_RO e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"),
		[]string{"SCRIPT", "LOAD", "return redis.call('get', KEYS[1])"},
		line("SET k v"),
		line("EVALSHA 4e6d8fc8bb01276962cce5371fa795a7763657ae 1 k"),
		line("EVALSHA abc 0"), line("EVALSHA 0123456789012345678901234567890123456789 0"),
		line("EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db x"),
		line("SCRIPT EXISTS"),
		line("SCRIPT FLUSH ASYNC"), line("SCRIPT FLUSH sync"), line("SCRIPT FLUSH foo"), line("SCRIPT FLUSH sync async"),
		line("SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
		line("SCRIPT KILL"), line("SCRIPT NOSUCH"), line("SCRIPT"),
		line("SCRIPT LOAD"),
	)},
	{"shebang flags", cmds(
		ev("#!lua\nreturn redis.call('set', 'a', 'b')", "0"),
		ev("#!lua flags=no-writes\nreturn redis.call('get', 'a')", "0"),
		ev("#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')", "0"),
		ev("#!lua flags=no-writes,allow-oom\nreturn 1", "0"),
		ev("#!lua flags=allow-stale,allow-cross-slot-keys\nreturn 1", "0"),
		ev("#!lua flags=no-cluster\nreturn 1", "0"),
		ev("#!lua flags=\nreturn 1", "0"),
		ev("#!lua flags=bogus\nreturn 1", "0"), ev("#!lua flags=no-writes,bogus\nreturn 1", "0"),
		ev("#!python\nreturn 1", "0"), ev("#!lua foo=bar\nreturn 1", "0"), ev("#!\nreturn 1", "0"),
		ev("#!lua", "0"), ev("#!lua\n\nerror('on line 3')", "0"),
		[]string{"EVAL_RO", "#!lua\nreturn 1", "0"},
		[]string{"EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get', 'a')", "0"},
		[]string{"EVAL_RO", "return redis.call('get', 'a')", "0"},
		[]string{"EVAL_RO", "return redis.call('del', 'a')", "0"},
		[]string{"EVAL_RO", "return redis.pcall('del', 'a')", "0"},
	)},
	{"out of memory", cmds(
		line("SET a 1"), line("CONFIG SET maxmemory 1"),
		ev("return redis.call('set', 'a', 'b')", "0"),
		ev("return redis.call('get', 'a')", "0"),
		ev("redis.call('del', 'zz'); return redis.call('set', 'a', 'b')", "0"),
		ev("#!lua\nreturn 1", "0"),
		ev("#!lua flags=no-writes\nreturn redis.call('get', 'a')", "0"),
		ev("#!lua flags=allow-oom\nreturn redis.call('set', 'a', 'c')", "0"),
		line("CONFIG SET maxmemory 0"),
	)},
	{"scripts in transactions and with watch", cmds(
		line("WATCH w"), ev("return redis.call('set', 'w', '1')", "0"), line("MULTI"), line("PING"), line("EXEC"),
		line("WATCH w"), ev("return redis.call('get', 'w')", "0"), line("MULTI"), line("PING"), line("EXEC"),
		line("MULTI"), ev("return redis.call('incr', 'w')", "0"), ev("return redis.call('nosuch')", "0"),
		ev("return 1", "x"), line("EXEC"),
	)},
}

// TestScriptsMatchRedis runs scriptCases against both servers.
func TestScriptsMatchRedis(t *testing.T) {
	runCompat(t, scriptCases)
}

// TestScriptCompileErrors checks that a script that does not compile gets
// Redis's error, up to the compiler's own message, which Quordis's Lua
// (gopher-lua) words differently: "user_script at EOF:   syntax error"
// where Redis's Lua says "user_script:1: unexpected symbol near '<eof>'".
// A script nested deeper than Lua's compiler allows is refused the same
// way, without exhausting the stack.
func TestScriptCompileErrors(t *testing.T) {
	const prefix = "-ERR Error compiling script (new function): user_script"
	bad := []string{"return 1 +", "if x then", "return 'unfinished", "local = 5", "return )",
		strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000),
		strings.Repeat("do ", 100000) + strings.Repeat("end ", 100000),
		"return " + strings.Repeat("{", 300) + strings.Repeat("}", 300),
		"return 'a'" + strings.Repeat("..'a'", 100000), "return " + strings.Repeat("- ", 100000) + "1",
		"return " + strings.Repeat("not ", 100000) + "1"}
	real, ours := StartRealRedis(t).Dial(t), StartServer(t).Dial(t)
	for _, body := range bad {
		for _, c := range []*Conn{real, ours} {
			for _, cmd := range [][]string{{"EVAL", body, "0"}, {"SCRIPT", "LOAD", body}} {
				reply := c.Do(cmd...)
				require.True(t, strings.HasPrefix(reply, prefix), "%.40q: %q", body, reply)
			}
			require.Equal(t, "+PONG\r\n", c.Do("PING"))
		}
	}
	// Nesting within the compiler's limit compiles on both.
	body := "return " + strings.Repeat("{", 150) + "1" + strings.Repeat("}", 150)
	require.Equal(t, real.Do("EVAL", body, "0"), ours.Do("EVAL", body, "0"))
}

// clusterScriptCases are scripts for a one-node cluster that serves every
// slot ("a" and "b" hash to different slots).
var clusterScriptCases = []compatCase{
	{"scripts in cluster mode", cmds(
		ev("return redis.call('set', KEYS[1], 'v')", "1", "a"),
		ev("return 1", "2", "a", "b"), ev("return 1", "2", "{t}a", "{t}b"),
		ev("return redis.call('get', 'b')", "1", "a"),
		ev("return redis.call('mget', 'a', 'b')", "0"),
		ev("return redis.pcall('mget', 'a', 'b')", "0"),
		ev("#!lua flags=no-cluster\nreturn 1", "0"),
		ev("#!lua flags=allow-cross-slot-keys\nreturn 1", "2", "a", "b"),
		ev("#!lua flags=allow-cross-slot-keys\nreturn {redis.call('get', 'a'), redis.call('get', 'b')}", "0"),
		[]string{"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "a"},
		line("SCRIPT LOAD return 1"), line("EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 2 a b"),
	)},
}

// TestClusterScriptsMatchRedis runs clusterScriptCases against both
// servers in cluster mode.
func TestClusterScriptsMatchRedis(t *testing.T) {
	real, ours := startClusterPair(t)
	runCompatOn(t, real, ours, clusterScriptCases)
}
