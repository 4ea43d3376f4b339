package test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// diffPool is what one kind of argument draws from: usual values, and
// edge values (overflow, not a number, infinities, empty) drawn one time in
// eight, so that a command of several arguments still often succeeds.
type diffPool struct{ usual, edge []string }

var diffPools = map[string]diffPool{
	"m": {[]string{"x", "y", "z", "1", "2", "-3", "10", "abc", "1.5", "member"}, []string{"", "-0", " 1", strings.Repeat("m", 70), "12345678901234567890"}},
	"v": {[]string{"v", "1", "-1", "10", "3.5", "hello", "0"}, []string{"", "9223372036854775807", "-9223372036854775808", "0x10", " 1", "1e400", "-0", strings.Repeat("long", 20)}},
	"i": {[]string{"0", "1", "-1", "2", "3", "-2", "5", "100", "-100"}, []string{"9223372036854775807", "-9223372036854775808", "x", "1.5", "", "+1", "01"}},
	"x": {[]string{"0", "1", "2", "3", "-1", "-2", "-3"}, []string{"10", "-10", "9223372036854775807", "-9223372036854775808", "x"}},
	"f": {[]string{"0", "1", "-1", "0.1", "1.5", "-2.5", "1e3", "3", "1e-7", "123456789.125", "1e17", "-0.0"}, []string{"inf", "-inf", "+inf", "nan", "x", "1e400", "5e-324", "1.7976931348623157e308", "", ".5", "1e", "0x1p3"}},
	"r": {[]string{"-inf", "+inf", "0", "1", "(1", "2.5", "(2.5", "-1", "3"}, []string{"x", "(", "(inf", "nan", ""}},
	"l": {[]string{"-", "+", "[a", "(x", "[x", "[z", "(z", "[1"}, []string{"a", "[", "", "(+"}},
	"c": {[]string{"0", "1", "2", "3", "10"}, []string{"-1", "-2", "x", "9223372036854775807"}},
	"b": {[]string{"0", "1"}, []string{"2", "-1"}},
	"o": {[]string{"0", "1", "7", "8", "15", "100"}, []string{"-1", "x", "4294967296"}},
	// Expiry times stay far from now (in milliseconds too: PX, PSETEX) or
	// in the past, so that no key expires between the two servers' turns.
	"e": {[]string{"100000", "1000000"}, []string{"-1", "0", "x", "9223372036854775807"}},
	"t": {[]string{"u8", "i8", "u1", "i16", "u63", "i64"}, []string{"u64", "i0", "x8", "#1", "i65"}}, // BITFIELD types
	"g": {[]string{"0", "1", "-1", "13.361389", "38.115556", "15", "37.5"}, []string{"180", "-85.05112878", "181", "-91", "x"}},
	"p": {[]string{"*", "s*", "?1", "[hz]*", "[^s]*"}, []string{"*[", "\\s1", ""}}, // glob patterns
}

// diffFamilies are the templates of the random commands, by the type of key
// they work on: a key is of the family's own (its keys) seven times in
// eight and any key otherwise, so that commands meet keys of other types
// too. In a template, a word that names a pool draws from it; "k" is a
// key; a word followed by * is one to three of it; "kv" and "mv" are a key
// or member and a value, "sm" a score and a member; {A|B} picks one
// alternative, where _ stands for a space and an empty one for nothing;
// any other word is itself. Commands whose replies depend on chance (SPOP,
// SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, RANDOMKEY) are drawn only with what
// makes their replies certain (a count of 0, or an error). Left out are
// OBJECT REFCOUNT (Redis does not share a COPY of a shared small integer;
// Quordis reports it shared), DUMP (a hash table's payload lists it in its own order) and
// SORT by numbers: Redis 7.0 reads errno after strtod without clearing
// it, so a number parsed out of range by an earlier command (1e400) can
// fail a later SORT of plain numbers. A positive TTL (or expiry time) is
// compared as a mark, and lexicographic ranges run only over equal scores
// (lexDefined).
var diffFamilies = []struct {
	keys []string
	cmds []string
}{
	{[]string{"s1", "s2", "s3"}, []string{
		"SET k v {|NX|XX} {|GET}", "SET k v {EX|PX|EXAT} e", "GET k", "GETSET k v", "GETDEL k",
		"GETEX k {|PERSIST|EX_e}", "APPEND k v", "STRLEN k", "INCR k", "DECR k", "INCRBY k i",
		"DECRBY k i", "INCRBYFLOAT k f", "SETNX k v", "MSET kv*", "MSETNX kv*", "MGET k*",
		"GETRANGE k x x", "SETRANGE k o v", "LCS k k {|LEN|IDX} {|MINMATCHLEN_c} {|WITHMATCHLEN}",
		"SETBIT k o b", "GETBIT k o", "BITCOUNT k {|x_x|x_x_BIT|x_x_BYTE}", "BITPOS k b {|x|x_x|x_x_BIT}",
		"BITOP {AND|OR|XOR|NOT} k k*", "SETEX k e v", "PSETEX k e v", "SUBSTR k x x",
		"BITFIELD k {GET_t_o|SET_t_o_i|INCRBY_t_o_i} {|OVERFLOW_WRAP|OVERFLOW_SAT|OVERFLOW_FAIL} {|INCRBY_t_o_i|GET_t_o}",
		"BITFIELD_RO k GET t o", "GETEX k {PX|EXAT|PXAT} e", "SET k v KEEPTTL {|GET}",
	}},
	{[]string{"l1", "l2", "l3"}, []string{
		"LPUSH k m*", "RPUSH k m*", "LPUSHX k m*", "RPUSHX k m*", "LPOP k {|c}", "RPOP k {|c}",
		"LRANGE k x x", "LINDEX k x", "LLEN k", "LSET k x m", "LINSERT k {BEFORE|AFTER} m m",
		"LREM k x m", "LTRIM k x x", "LPOS k m {|RANK_x} {|COUNT_c} {|MAXLEN_c}",
		"LMOVE k k {LEFT|RIGHT} {LEFT|RIGHT}", "RPOPLPUSH k k", "LMPOP {1_k|2_k_k} {LEFT|RIGHT} {|COUNT_c}",
		"SORT k ALPHA {|DESC} {|LIMIT_x_c}", "SORT k BY nosort {|GET_#|GET_s*}",
		"SORT k ALPHA {|BY_s*|BY_h1->*} {|GET_#|GET_s*|GET_h1->*} {|DESC}",
		"BLPOP k* 0.01", "BRPOP k 0.01", "BLMOVE k k {LEFT|RIGHT} {LEFT|RIGHT} 0.01",
		"SORT k ALPHA {|DESC} STORE k", "SORT_RO k ALPHA {|LIMIT_x_c}", "BRPOPLPUSH k k 0.01",
	}},
	{[]string{"h1", "h2"}, []string{
		"HSET k mv*", "HMSET k mv*", "HSETNX k m v", "HGET k m", "HMGET k m*", "HDEL k m*", "HLEN k",
		"HEXISTS k m", "HINCRBY k m i", "HINCRBYFLOAT k m f", "HSTRLEN k m", "HGETALL k", "HKEYS k",
		"HVALS k", "HSCAN k 0 COUNT 1000 {|MATCH_p}", "HRANDFIELD k {0|abc|-0} {|WITHVALUES}",
	}},
	{[]string{"S1", "S2", "S3"}, []string{
		"SADD k m*", "SREM k m*", "SISMEMBER k m", "SMISMEMBER k m*", "SCARD k", "SMOVE k k m",
		"SMEMBERS k", "SINTER k*", "SUNION k*", "SDIFF k*", "SINTERSTORE k k*", "SUNIONSTORE k k*",
		"SDIFFSTORE k k*", "SINTERCARD {1_k|2_k_k|c_k} {|LIMIT_c}", "SORT k ALPHA {|DESC} {|LIMIT_x_c}",
		"SSCAN k 0 COUNT 1000 {|MATCH_p}", "SRANDMEMBER k {0|abc|-0}", "SPOP k {0|abc|-1}",
	}},
	{[]string{"z1", "z2", "z3"}, []string{
		"ZADD k {|NX|XX} {|GT|LT} {|CH} {|INCR} sm*", "ZINCRBY k f m", "ZSCORE k m", "ZMSCORE k m*",
		"ZCARD k", "ZREM k m*", "ZRANK k m", "ZREVRANK k m", "ZCOUNT k r r", "ZLEXCOUNT k l l",
		"ZRANGE k x x {|WITHSCORES}", "ZRANGE k r r BYSCORE {|REV} {|LIMIT_x_c} {|WITHSCORES}",
		"ZRANGE k l l BYLEX {|REV} {|LIMIT_x_c}", "ZREVRANGE k x x {|WITHSCORES}",
		"ZRANGEBYSCORE k r r {|WITHSCORES} {|LIMIT_x_c}", "ZREVRANGEBYSCORE k r r {|WITHSCORES}",
		"ZRANGEBYLEX k l l {|LIMIT_x_c}", "ZREVRANGEBYLEX k l l", "ZREMRANGEBYRANK k x x",
		"ZREMRANGEBYSCORE k r r", "ZREMRANGEBYLEX k l l", "ZPOPMIN k {|c}", "ZPOPMAX k {|c}",
		"ZUNIONSTORE k {1_k|2_k_k} {|WEIGHTS_f|WEIGHTS_f_f} {|AGGREGATE_SUM|AGGREGATE_MIN|AGGREGATE_MAX}",
		"ZINTERSTORE k {1_k|2_k_k} {|WEIGHTS_f_f} {|AGGREGATE_MIN|AGGREGATE_MAX}", "ZDIFFSTORE k {1_k|2_k_k}",
		"ZUNION {1_k|2_k_k} {|WITHSCORES}", "ZINTER {2_k_k|c_k} {|WITHSCORES}", "ZDIFF {2_k_k} {|WITHSCORES}",
		"ZRANGESTORE k k x x", "ZMPOP {1_k|2_k_k} {MIN|MAX} {|COUNT_c}", "ZINTERCARD 2 k k {|LIMIT_c}",
		"ZRANGESTORE k k r r BYSCORE {|REV} {|LIMIT_x_c}", "ZRANGESTORE k k l l BYLEX {|REV} {|LIMIT_x_c}",
		"ZSCAN k 0 COUNT 1000", "ZRANDMEMBER k {0|abc|-0} {|WITHSCORES}", "ZRANGE k x x REV {|WITHSCORES}",
		"ZRANGE k r r BYSCORE LIMIT x c", "BZPOPMIN k 0.01", "BZPOPMAX k* 0.01", "BZMPOP 0.01 {1_k|2_k_k} {MIN|MAX}",
	}},
	{[]string{"p1", "p2"}, []string{"PFADD k m*", "PFCOUNT k*", "PFMERGE k k*"}},
	{[]string{"g1", "g2"}, []string{
		"GEOADD k {|NX|XX} {|CH} g g m", "GEOPOS k m*", "GEODIST k m m {|m|km|ft|mi}", "GEOHASH k m*",
		"GEOSEARCH k FROMLONLAT g g BYRADIUS c {m|km} {|ASC|DESC} {|COUNT_c} {|WITHCOORD} {|WITHDIST}",
		"GEOSEARCH k FROMMEMBER m BYBOX c c km ASC {|WITHHASH}", "ZRANGE k 0 -1 WITHSCORES",
		"GEOSEARCHSTORE k k FROMMEMBER m BYRADIUS c km {|ASC|DESC} {|STOREDIST}",
		"GEORADIUS k g g c {km|mi} {|WITHDIST|WITHCOORD} {|ASC|DESC} {|COUNT_c}",
		"GEORADIUSBYMEMBER k m c km {|WITHDIST} {|ASC|DESC} {|STORE_k}",
	}},
	{nil, []string{
		"DEL k*", "UNLINK k*", "EXISTS k*", "TYPE k", "RENAME k k", "RENAMENX k k", "COPY k k {|REPLACE}",
		"KEYS p", "DBSIZE", "EXPIRE k e {|NX|XX}",
		"{EXPIREAT|PEXPIREAT} k {4000000000|5000000000|1000|x} {|NX|XX|GT|LT}", "PERSIST k", "TTL k", "TOUCH k*",
		"MOVE k {0|1|x}", "SWAPDB 0 {0|1}", "{PTTL|EXPIRETIME|PEXPIRETIME} k", "PEXPIRE k e {|GT|LT}",
		"FLUSHDB", "RANDOMKEY abc", "OBJECT ENCODING", "SELECT {0|1|x}", "COPY k k DB x {|REPLACE}",
		"ECHO v", "PING {|v}", "CLIENT {GETNAME|SETNAME_abc|SETNAME_a_b|GETNAME_x}", "OBJECT {ENCODING|FREQ|FOO} k", "SCAN 0 COUNT 1000 {|MATCH_p} {|TYPE_string|TYPE_zset|TYPE_foo}",
	}},
}

// diffKeys are every family's keys.
var diffKeys = func() []string {
	var all []string
	for _, f := range diffFamilies {
		all = append(all, f.keys...)
	}
	return all
}()

// diffGen draws random commands from diffFamilies.
type diffGen struct {
	rng  *rand.Rand
	keys []string // the family's keys, for the command being drawn
}

func (g *diffGen) pick(s []string) string { return s[g.rng.IntN(len(s))] }

func (g *diffGen) draw(p diffPool) string {
	if g.rng.IntN(8) == 0 {
		return g.pick(p.edge)
	}
	return g.pick(p.usual)
}

func (g *diffGen) key() string {
	if len(g.keys) == 0 || g.rng.IntN(8) == 0 {
		return g.pick(diffKeys)
	}
	return g.pick(g.keys)
}

func (g *diffGen) next() []string {
	f := diffFamilies[g.rng.IntN(len(diffFamilies))]
	g.keys = f.keys
	var out []string
	for _, w := range strings.Fields(g.pick(f.cmds)) {
		out = g.expand(out, w)
	}
	return out
}

// mutate returns cmd, or one time in twenty-four cmd with its last
// argument dropped or an argument added, for the arity and syntax errors.
// It leaves alone the commands whose templates draw a count of 0 or one
// that is not a number, since without it they would draw at random, and
// the blocking ones.
func (g *diffGen) mutate(cmd []string) []string {
	switch strings.ToUpper(cmd[0]) {
	case "SPOP", "SRANDMEMBER", "HRANDFIELD", "ZRANDMEMBER", "RANDOMKEY":
		return cmd
	}
	if diffBlocking(cmd) {
		return cmd // an argument added could be a timeout of 0: block for ever
	}
	switch g.rng.IntN(48) {
	case 0:
		if len(cmd) > 1 {
			return cmd[:len(cmd)-1]
		}
	case 1:
		return append(cmd, g.pick([]string{"x", "0", "COUNT", g.key()}))
	}
	return cmd
}

// diffScript is a script that runs a drawn command, given as its ARGV,
// and returns its reply whole or something computed from it: the reply
// goes through the scripting layer's conversions, from the command's
// reply (in RESP2, or in RESP3 after redis.setresp(3)) to a Lua value, and
// from the Lua value the script returns to the caller's reply. What the
// scripts compute is defined alike in Redis's Lua 5.1 and in gopher-lua:
// no number made a string by .., no order of pairs left unsorted, no #
// of a table with holes (a RESP3 null inside an array makes one), no
// error raised by Lua itself rather than by Redis.
type diffScript struct {
	body string
	// luaOrder marks a script that returns a RESP3 map or set as it came
	// in its Lua table, in that table's order.
	luaOrder bool
	// describes marks a script that returns a description of the reply,
	// which diffNormalize cannot make comparable: it runs only the
	// commands whose replies need no normalizing (diffAsIs).
	describes bool
}

// diffDescribe is a Lua function that describes a value that redis.call
// returned, the pairs of a map and the members of a set sorted, the
// elements of an array up to its last (table.maxn, which holes leave
// defined).
const diffDescribe = `local function d(v)
  if type(v) ~= 'table' then return type(v) .. ' ' .. tostring(v) end
  if v.double then return 'double ' .. tostring(v.double) end
  if v.err then return 'err ' .. v.err end
  if v.ok then return 'ok ' .. v.ok end
  local out = {}
  if v.map or v.set then
    for k, x in pairs(v.map or v.set) do out[#out+1] = d(k) .. '=' .. d(x) end
    table.sort(out)
    return (v.map and 'map{' or 'set{') .. table.concat(out, ', ') .. '}'
  end
  for i = 1, table.maxn(v) do out[i] = d(v[i]) end
  return '[' .. table.concat(out, ', ') .. ']'
end
`

var diffScripts = []diffScript{
	{body: "return redis.call(unpack(ARGV))"},
	{body: "return redis.pcall(unpack(ARGV))"},
	{body: "redis.setresp(3) return redis.call(unpack(ARGV))", luaOrder: true},
	{body: "redis.setresp(3) return redis.pcall(unpack(ARGV))", luaOrder: true},
	// An array's length (RESP2 only: its nulls are false, not holes).
	{body: "local r = redis.pcall(unpack(ARGV)) if type(r) == 'table' and r.err == nil and r.ok == nil then return #r end return r"},
	{body: "local r = redis.pcall(unpack(ARGV)) return type(r)"},
	{body: "redis.setresp(3) local r = redis.pcall(unpack(ARGV)) return type(r)"},
	// Lua's pcall gets the message of the error redis.call raised.
	{body: "local ok, r = pcall(redis.call, unpack(ARGV)) if ok then return r end return 'caught: ' .. r"},
	// Booleans, which a RESP3 script returns as RESP3's.
	{body: "local r = redis.pcall(unpack(ARGV)) return {type(r) == 'table', type(r) == 'number', r == false}"},
	{body: "redis.setresp(3) local r = redis.pcall(unpack(ARGV)) return {type(r) == 'table', r == nil, r == true}"},
	// A bulk string read as Lua 5.1 reads a number (tostring writes it
	// with %.14g on both).
	{body: "local r = redis.pcall(unpack(ARGV)) if type(r) == 'string' then return {r, tostring(tonumber(r))} end return r"},
	{body: diffDescribe + "return d(redis.pcall(unpack(ARGV)))", describes: true},
	{body: diffDescribe + "redis.setresp(3) return d(redis.pcall(unpack(ARGV)))", describes: true},
}

// diffBlocking reports whether cmd is one of the blocking commands the
// templates draw.
func diffBlocking(cmd []string) bool {
	switch strings.ToUpper(cmd[0]) {
	case "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP":
		return true
	}
	return false
}

// wrap returns cmd, or one time in ten cmd run by a script of
// diffScripts: EVAL body 0 cmd... It leaves alone the blocking commands,
// which do not block in a script, where they answer at once what they
// answer on timeout. (SPOP, SRANDMEMBER and the like are drawn with what
// makes their replies certain, so scripts run them too.)
func (g *diffGen) wrap(cmd []string) []string {
	if diffBlocking(cmd) || g.rng.IntN(10) != 0 {
		return cmd
	}
	form := diffScripts[g.rng.IntN(len(diffScripts))]
	for form.describes && !diffAsIs(cmd) {
		form = diffScripts[g.rng.IntN(len(diffScripts))]
	}
	return append([]string{"EVAL", form.body, "0"}, cmd...)
}

// diffUnwrap returns the command that cmd runs, and the script it runs
// it in (nil for a command not wrapped).
func diffUnwrap(cmd []string) ([]string, *diffScript) {
	if len(cmd) < 4 || cmd[0] != "EVAL" {
		return cmd, nil
	}
	for i := range diffScripts {
		if diffScripts[i].body == cmd[1] {
			return cmd[3:], &diffScripts[i]
		}
	}
	return cmd, nil
}

func (g *diffGen) expand(out []string, w string) []string {
	if strings.HasPrefix(w, "{") {
		alt := g.pick(strings.Split(strings.Trim(w, "{}"), "|"))
		for _, a := range strings.Split(alt, "_") {
			if a != "" {
				out = g.expand(out, a)
			}
		}
		return out
	}
	n := 1
	if len(w) > 1 && strings.HasSuffix(w, "*") {
		w, n = strings.TrimSuffix(w, "*"), 1+g.rng.IntN(3)
	}
	for range n {
		switch w {
		case "k":
			out = append(out, g.key())
		case "kv":
			out = append(out, g.key(), g.draw(diffPools["v"]))
		case "mv":
			out = append(out, g.draw(diffPools["m"]), g.draw(diffPools["v"]))
		case "sm":
			out = append(out, g.draw(diffPools["f"]), g.draw(diffPools["m"]))
		default:
			if pool, ok := diffPools[w]; ok {
				out = append(out, g.draw(pool))
			} else {
				out = append(out, w)
			}
		}
	}
	return out
}

// diffNormalize makes replies comparable: those in a hash table's order
// sorted, and a positive TTL (the seconds left, which may tick between the
// two servers' turns) replaced by a mark.
func diffNormalize(cmd []string, reply string) string {
	switch strings.ToUpper(cmd[0]) {
	case "SMEMBERS", "SINTER", "SUNION", "SDIFF", "KEYS":
		return sortBulks(reply)
	case "SCAN", "SSCAN", "HSCAN", "ZSCAN":
		// The cursor, then the elements in a hash table's order (pairs
		// of them for HSCAN and ZSCAN).
		if i := strings.Index(reply, "\r\n*"); strings.HasPrefix(reply, "*2\r\n") && i > 0 {
			per := 2
			if u := strings.ToUpper(cmd[0]); u == "HSCAN" || u == "ZSCAN" {
				per = 4
			}
			return reply[:i+2] + sortElements(reply[i+2:], per)
		}
	case "SORT":
		// BY a pattern without * (nosort) does not sort: a set comes in
		// its hash table's order.
		for i := 1; i+1 < len(cmd); i++ {
			if strings.EqualFold(cmd[i], "BY") && !strings.Contains(cmd[i+1], "*") {
				return sortBulks(reply)
			}
		}
	case "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME":
		if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(reply, ":"), "\r\n")); err == nil && n > 0 {
			return ":positive\r\n"
		}
	}
	return reply
}

// diffAsIs reports whether the replies to cmd, run by a script, are
// compared as they come, with nothing for diffReply to normalize. (SORT
// is: in a script, BY nosort sorts a set as ALPHA does.)
func diffAsIs(cmd []string) bool {
	switch strings.ToUpper(cmd[0]) {
	case "SMEMBERS", "SINTER", "SUNION", "SDIFF", "KEYS", "SCAN", "SSCAN", "HSCAN", "ZSCAN",
		"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "HGETALL", "HKEYS", "HVALS":
		return false
	}
	return true
}

// diffState describes what the keys a command named hold on the server
// behind c, and the key count: type, value (in an order both servers
// share), encoding and whether they expire.
func diffState(c *Conn, cmd []string) string {
	cmd, _ = diffUnwrap(cmd)
	var b strings.Builder
	b.WriteString(c.Do("DBSIZE"))
	for _, k := range cmd[1:] {
		if !slices.Contains(diffKeys, k) {
			continue
		}
		typ := c.Do("TYPE", k)
		b.WriteString(k + " " + typ)
		switch strings.TrimSpace(strings.TrimPrefix(typ, "+")) {
		case "string":
			b.WriteString(c.Do("GET", k))
		case "list":
			b.WriteString(c.Do("LRANGE", k, "0", "-1"))
		case "hash":
			b.WriteString(hashInOrder(c, "HGETALL", k, c.Do("HGETALL", k)))
		case "set":
			b.WriteString(sortBulks(c.Do("SMEMBERS", k)))
		case "zset":
			b.WriteString(c.Do("ZRANGE", k, "0", "-1", "WITHSCORES"))
		}
		if typ != "+none\r\n" {
			b.WriteString(c.Do("OBJECT", "ENCODING", k))
		}
		b.WriteString(diffNormalize([]string{"TTL"}, c.Do("TTL", k)))
	}
	return b.String()
}

// hashInOrder returns a reply listing the hash at key (HGETALL, HKEYS or
// HVALS, named by cmd) in an order both servers share: a listpack's is
// the order of insertion on both; a hash table's is its own, so its
// fields (and values) are sorted. Only a reply with elements asks c for
// the encoding: the key is live then, and OBJECT ENCODING expires nothing.
// With c nil (a reply inside EXEC, whose encoding then is gone) the
// fields are sorted whatever the encoding.
func hashInOrder(c *Conn, cmd, key, reply string) string {
	if reply == "*0\r\n" || reply == "%0\r\n" || !strings.HasPrefix(reply, "*") && !strings.HasPrefix(reply, "%") ||
		c != nil && !strings.Contains(c.Do("OBJECT", "ENCODING", key), "hashtable") {
		return reply
	}
	if strings.EqualFold(cmd, "HGETALL") {
		return sortElements(reply, 4) // a field and its value
	}
	return sortElements(reply, 2)
}

// sortElements sorts the elements of an array (or map) of bulk strings, per
// lines to an element: 2 for a bulk string (its length and bytes), 4 for a
// pair of them.
func sortElements(reply string, per int) string {
	lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
	var elems []string
	for i := 1; i+per-1 < len(lines); i += per {
		elems = append(elems, strings.Join(lines[i:i+per], "\r\n"))
	}
	if len(elems) == 0 {
		return reply
	}
	slices.Sort(elems)
	return lines[0] + "\r\n" + strings.Join(elems, "\r\n") + "\r\n"
}

// TestRandomCommandsMatchRedis sends the same seeded random commands to
// real Redis 7.0 and to Quordis, in RESP2 and RESP3, and requires
// byte-identical replies: errors, edge cases and the interplay of commands
// on shared keys that no hand-written script covers. QUORDIS_DIFF_SEEDS=N
// runs seeds 1 to N instead of the first eight (QUORDIS_DIFF_COMMANDS sets
// the commands per seed).
func TestRandomCommandsMatchRedis(t *testing.T) {
	diffRun(t, StartRealRedis(t).Dial, StartServer(t, "enable-debug-command yes").Dial, 8)
}

// TestRandomCommandsMatchRedisCluster does the same with both servers in
// cluster mode, each a one-node cluster serving every slot: most commands
// of several keys name keys of different slots, so what it checks most is
// which error comes first, CROSSSLOT or the command's own, inside MULTI
// too.
func TestRandomCommandsMatchRedisCluster(t *testing.T) {
	real, ours := startClusterPair(t)
	diffRun(t, real, ours, 4)
}

// diffRun runs the seeds of the random commands against the servers that
// real and ours dial, seeds of them in RESP2 and RESP3 (QUORDIS_DIFF_SEEDS
// overrides it).
func diffRun(t *testing.T, real, ours func(testing.TB) *Conn, seeds int) {
	commands := 2000
	if s, err := strconv.Atoi(os.Getenv("QUORDIS_DIFF_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	if n, err := strconv.Atoi(os.Getenv("QUORDIS_DIFF_COMMANDS")); err == nil && n > 0 {
		commands = n
	}
	for _, proto := range []string{"2", "3"} {
		for seed := 1; seed <= seeds; seed++ {
			t.Run(fmt.Sprintf("resp%s/seed%d", proto, seed), func(t *testing.T) {
				a, b := real(t), ours(t)
				for _, c := range []*Conn{a, b} {
					c.Do("HELLO", proto)
					c.Do("FLUSHALL")
					// Keys written already expired stay until looked up: the
					// expiry cycles, on their own timers, would delete them
					// at different moments on the two servers.
					c.Do("DEBUG", "SET-ACTIVE-EXPIRE", "0")
					// Odd seeds keep the default encoding thresholds; even
					// ones lower them, so that hashes, sets and sorted sets
					// turn into hash tables and skiplists as they grow.
					entries, bytes, ints := "4", "8", "4"
					if seed%2 == 1 {
						entries, bytes, ints = "128", "64", "512"
					}
					c.Do("CONFIG", "SET", "maxmemory", "0", "hash-max-listpack-entries", entries,
						"hash-max-listpack-value", bytes, "set-max-intset-entries", ints,
						"zset-max-listpack-entries", entries, "zset-max-listpack-value", bytes,
						"list-max-listpack-size", "-2")
				}
				g := &diffGen{rng: rand.New(rand.NewPCG(uint64(seed), 0))}
				var past []string
				// check sends cmd to both servers and fails the test where
				// their replies differ (once norm, if not nil, has made them
				// comparable) or, after it, the keys that the commands in
				// named name.
				check := func(i int, cmd []string, norm func(c *Conn, reply string) string, named ...[]string) {
					past = append(past, quoteCommand(cmd))
					want, got := a.Do(cmd...), b.Do(cmd...)
					if norm != nil {
						want, got = norm(a, want), norm(b, got)
					}
					what := "reply"
					if want == got {
						// The same reply, and the same keys after it.
						what, want, got = "keys after it", "", ""
						for _, n := range named {
							want, got = want+diffState(a, n), got+diffState(b, n)
						}
					}
					if want != got {
						from := max(0, len(past)-30)
						t.Fatalf("command %d of seed %d, RESP%s: %s\n%s differ:\nRedis:   %q\nQuordis: %q\nthe commands before it:\n%s",
							i+1, seed, proto, past[len(past)-1], what, want, got, strings.Join(past[from:len(past)-1], "\n"))
					}
				}
				for i := range commands {
					if g.rng.IntN(16) != 0 {
						cmd := g.wrap(g.mutate(g.next()))
						if lexDefined(a, cmd) {
							check(i, cmd, func(c *Conn, r string) string { return diffReply(c, cmd, r) }, cmd)
						}
						continue
					}
					// A transaction of one to four commands, sometimes
					// watching keys first, sometimes discarded.
					if g.rng.IntN(3) == 0 {
						check(i, append([]string{"WATCH"}, g.next()[1:]...), nil)
						if cmd := g.next(); g.rng.IntN(2) == 0 && lexKey(cmd) == "" {
							check(i, cmd, func(c *Conn, r string) string { return diffReply(c, cmd, r) }, cmd)
						}
					}
					check(i, []string{"MULTI"}, nil)
					var queued [][]string
					for range 1 + g.rng.IntN(4) {
						// No lexicographic range: whether one is defined
						// depends on the commands queued before it.
						if cmd := g.wrap(g.mutate(g.next())); lexKey(cmd) == "" {
							check(i, cmd, nil)
							queued = append(queued, cmd)
						}
					}
					if g.rng.IntN(8) == 0 {
						check(i, []string{"DISCARD"}, nil)
						continue
					}
					check(i, []string{"EXEC"}, func(_ *Conn, r string) string { return diffExec(queued, r) }, queued...)
				}
			})
		}
	}
}

// diffReply makes the reply to cmd comparable (diffNormalize), and the
// fields or values of a hash table in it too (hashInOrder, which asks c;
// nil inside EXEC). A command run by a script is normalized as the
// command itself, but for SORT (a script's BY nosort sorts a set), and
// where the script's RESP3 reply went through a Lua table (a map or a
// set), whose order Lua 5.1 and gopher-lua do not share, its elements or
// pairs are sorted whatever the encoding.
func diffReply(c *Conn, cmd []string, reply string) string {
	cmd, form := diffUnwrap(cmd)
	if form != nil && form.luaOrder {
		c = nil
		if strings.EqualFold(cmd[0], "LCS") {
			reply = sortPairs(reply)
		}
	}
	if form != nil && diffAsIs(cmd) {
		return reply
	}
	reply = diffNormalize(cmd, reply)
	switch strings.ToUpper(cmd[0]) {
	case "HGETALL", "HKEYS", "HVALS":
		if len(cmd) == 2 {
			reply = hashInOrder(c, cmd[0], cmd[1], reply)
		}
	}
	return reply
}

// sortPairs sorts the pairs of elements, whatever they are, of a map or
// of an array of an even length (a map a RESP2 client got).
func sortPairs(reply string) string {
	r := bufio.NewReader(strings.NewReader(reply))
	head, err := r.ReadString('\n')
	if err != nil || head[0] != '%' && head[0] != '*' {
		return reply
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if head[0] == '%' {
		n *= 2
	}
	if err != nil || n < 0 || n%2 != 0 {
		return reply
	}
	parse := &Conn{r: r}
	pairs := make([]string, n/2)
	for i := range n {
		var elem strings.Builder
		if err := parse.readValue(&elem); err != nil {
			return reply
		}
		pairs[i/2] += elem.String()
	}
	slices.Sort(pairs)
	return head + strings.Join(pairs, "")
}

// diffExec makes EXEC's reply comparable: each queued command's reply as
// diffReply makes it, without a connection to ask for encodings.
func diffExec(queued [][]string, reply string) string {
	r := bufio.NewReader(strings.NewReader(reply))
	head, err := r.ReadString('\n')
	if err != nil || head != "*"+strconv.Itoa(len(queued))+"\r\n" {
		return reply // an error, or a null array: EXEC aborted
	}
	parse := &Conn{r: r}
	var b strings.Builder
	b.WriteString(head)
	for _, cmd := range queued {
		var elem strings.Builder
		if err := parse.readValue(&elem); err != nil {
			return reply
		}
		b.WriteString(diffReply(nil, cmd, elem.String()))
	}
	return b.String()
}

// lexKey returns the sorted set whose lexicographic range cmd takes, or ""
// if it takes none.
func lexKey(cmd []string) string {
	cmd, _ = diffUnwrap(cmd)
	switch u := strings.ToUpper(cmd[0]); {
	case len(cmd) < 3:
	case u == "ZRANGEBYLEX" || u == "ZREVRANGEBYLEX" || u == "ZLEXCOUNT" || u == "ZREMRANGEBYLEX":
		return cmd[1]
	case u == "ZRANGE" && slices.Contains(cmd, "BYLEX"):
		return cmd[1]
	case u == "ZRANGESTORE" && slices.Contains(cmd, "BYLEX"):
		return cmd[2]
	}
	return ""
}

// lexDefined reports whether cmd, if it takes a lexicographic range of a
// sorted set, takes it of one whose members all have the same score, as
// Redis requires: with different scores the result is undefined, and
// Redis's depends on its skiplist's random levels. It asks c, which it
// leaves as it was: a sorted set never holds an expiry in the past.
func lexDefined(c *Conn, cmd []string) bool {
	key := lexKey(cmd)
	if key == "" {
		return true
	}
	last := func(reply string) string {
		lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
		return lines[len(lines)-1]
	}
	return last(c.Do("ZRANGE", key, "0", "0", "WITHSCORES")) == last(c.Do("ZRANGE", key, "-1", "-1", "WITHSCORES"))
}

// quoteCommand writes a command as redis-cli would take it.
func quoteCommand(cmd []string) string {
	q := make([]string, len(cmd))
	for i, a := range cmd {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}
