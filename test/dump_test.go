package test

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc64"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/aof"
	"quordis/server"
	"quordis/store"
)

// DUMP payloads that redis-server 7.0.15 replied with, for scripts: the
// string "hello" and the list [a 1 b]. Neither holds a quote or a space
// outside the quotes, so script() keeps each one argument.
const (
	dumpHello = "'\x00\x05hello\n\x00cr\xdfve4 \n'"
	dumpList  = "'\x12\x01\x02\x0f\x0f\x00\x00\x00\x03\x00\x81a\x02\x01\x01\x81b\x02\xff\n\x00\x90C\xa3L\xeb\x8e\x1b\x1c'"
	// dumpBadCRC is dumpHello with the last byte of its checksum changed.
	dumpBadCRC = "'\x00\x05hello\n\x00cr\xdfve4 \x0b'"
)

var dumpCompatCases = []compatCase{
	{"dump", script(
		"DUMP nokey", "SET s hello", "DUMP s", "SET n 12345", "DUMP n", "SET neg -7", "DUMP neg",
		"SET big 12345678901", "DUMP big", "SET e ''", "DUMP e", "APPEND s ' world and more text to compress'", "DUMP s",
		"RPUSH l a 1 b", "DUMP l", "HSET h f v n 7", "DUMP h", "SADD i 3 1 2", "DUMP i",
		"ZADD z 1 a 2.5 b -inf c", "DUMP z", "PFADD hll a b c", "DUMP hll", "DUMP", "DUMP a b")},
	{"restore errors in Redis's order", script(
		"SET k v",
		"RESTORE k 0 "+dumpHello,
		"RESTORE k x "+dumpHello,
		"RESTORE k x "+dumpHello+" REPLACE",
		"RESTORE k -1 "+dumpHello,
		"RESTORE k 0 garbage",
		"RESTORE k 0 "+dumpHello+" FOO",
		"RESTORE n x "+dumpHello,
		"RESTORE n -1 "+dumpHello,
		"RESTORE n 0 garbage",
		"RESTORE n 0 "+dumpBadCRC,
		"RESTORE n 0 '\x08\x00\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00'",
		"RESTORE n 0 "+dumpHello+" FOO",
		"RESTORE n 0 "+dumpHello+" IDLETIME",
		"RESTORE n 0 "+dumpHello+" IDLETIME x",
		"RESTORE n 0 "+dumpHello+" IDLETIME -1",
		"RESTORE n 0 "+dumpHello+" FREQ 256",
		"RESTORE n 0 "+dumpHello+" FREQ -1",
		"RESTORE n 0 "+dumpHello+" FREQ x",
		"RESTORE n 0 "+dumpHello+" IDLETIME 1 FREQ 1",
		"RESTORE n 0 "+dumpHello+" FREQ 1 IDLETIME 1",
		"RESTORE n 0", "RESTORE n", "EXISTS n")},
	{"restore", script(
		"RESTORE s 0 "+dumpHello, "GET s", "OBJECT ENCODING s", "TTL s",
		"RESTORE l 0 "+dumpList, "LRANGE l 0 -1", "OBJECT ENCODING l",
		"RESTORE s 0 "+dumpList+" REPLACE", "TYPE s",
		"RESTORE t 100000 "+dumpHello, "TTL t",
		"RESTORE u 99999999999999 "+dumpHello+" ABSTTL", "PEXPIRETIME u",
		"RESTORE v 1 "+dumpHello+" ABSTTL", "EXISTS v",
		"RESTORE u 1 "+dumpHello+" ABSTTL REPLACE", "EXISTS u",
		"RESTORE w 9223372036854775807 "+dumpHello, "EXISTS w",
		"RESTORE x 0 "+dumpHello+" REPLACE ABSTTL REPLACE IDLETIME 100 IDLETIME 200",
		"RESTORE y 0 "+dumpHello+" FREQ 5", "OBJECT FREQ y",
		"RESTORE z 0 "+dumpHello+" idletime 9223372036854775807", "OBJECT IDLETIME z",
		"RESTORE-ASKING a 0 "+dumpHello, "GET a",
		"RESTORE zero 0 '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'", "GET zero", "STRLEN zero")},
}

// TestDumpRepliesMatchRedis checks DUMP's payloads and RESTORE's replies
// and errors, byte for byte.
func TestDumpRepliesMatchRedis(t *testing.T) { runCompat(t, dumpCompatCases) }

// TestRestoreUnderConfigSetThresholdsMatchesRedis restores payloads of the
// compact and the general encodings after CONFIG SET changed the
// thresholds, and compares the encodings the values get with Redis's.
func TestRestoreUnderConfigSetThresholdsMatchesRedis(t *testing.T) {
	// Values built with no compact encoding allowed dump in the general
	// forms (RDB_TYPE_HASH, _SET, _ZSET_2); with the defaults, in the
	// compact ones.
	general, compact := store.Limits{}, store.DefaultLimits()
	hash := func(lim store.Limits, kv ...string) string {
		h := store.NewHash()
		for i := 0; i < len(kv); i += 2 {
			h.Set([]byte(kv[i]), []byte(kv[i+1]), lim.Hash)
		}
		return string(aof.Dump(ptr(store.HashObject(h))))
	}
	set := func(lim store.Limits, ms ...string) string {
		s := store.NewSet()
		for _, m := range ms {
			s.Add(m, lim.Set)
		}
		return string(aof.Dump(ptr(store.SetObject(s))))
	}
	zset := func(lim store.Limits, ms ...string) string {
		z := store.NewZSet(lim.ZSet, 0)
		for i, m := range ms {
			z.Add(m, float64(i), lim.ZSet)
		}
		return string(aof.Dump(ptr(store.ZSetObject(z))))
	}
	var cmds [][]string
	restore := func(key, payload string) {
		cmds = append(cmds, []string{"RESTORE", key, "0", payload}, []string{"OBJECT", "ENCODING", key})
	}
	cmds = append(cmds, []string{"CONFIG", "SET", "hash-max-listpack-entries", "2", "hash-max-listpack-value", "4",
		"set-max-intset-entries", "2", "zset-max-listpack-entries", "2", "zset-max-listpack-value", "4"})
	restore("h1", hash(compact, "a", "1", "b", "2"))
	restore("h2", hash(compact, "a", "1", "b", "2", "c", "3"))
	restore("h3", hash(compact, "a", "abcdef"))
	restore("h4", hash(general, "a", "1"))
	restore("h5", hash(general, "a", "abcdef"))
	restore("h6", hash(general, "a", "1", "b", "2", "c", "3"))
	restore("s1", set(compact, "1", "2"))
	restore("s2", set(compact, "1", "2", "3"))
	restore("s3", set(general, "1", "2"))
	restore("s4", set(general, "1", "2", "3"))
	restore("z1", zset(compact, "a", "b"))
	restore("z2", zset(compact, "a", "b", "c"))
	restore("z3", zset(compact, "abcdef"))
	restore("z4", zset(general, "a"))
	restore("z5", zset(general, "abcdef"))
	restore("z6", zset(general, "a", "b", "c"))
	cmds = append(cmds, []string{"HGETALL", "h3"}, []string{"ZRANGE", "z3", "0", "-1", "WITHSCORES"})
	runCompat(t, []compatCase{{"restore under lowered thresholds", cmds}})
}

// dumpScenario is data built with commands: what it is for, the commands,
// and whether Redis's DUMP of it is byte for byte what Quordis writes for
// the same value (true unless an encoding's order is a hash table's, or a
// list was not built by pushes to the tail).
type dumpScenario struct {
	name      string
	cmds      [][]any
	identical bool
}

func dumpCmd(args ...any) []any { return args }

// dumpScenarios covers every type in every encoding Redis 7.0 writes.
func dumpScenarios() []dumpScenario {
	r := rand.New(rand.NewPCG(7, 8))
	randomBytes := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	}
	many := func(cmd, key string, n int, elem func(i int) []any) []any {
		args := []any{cmd, key}
		for i := range n {
			args = append(args, elem(i)...)
		}
		return args
	}
	const expireAt = rdbExpireAt
	one := func(f func(i int) any) func(int) []any { return func(i int) []any { return []any{f(i)} } }
	words := func(i int) any { return fmt.Sprintf("element:%d:%s", i, strings.Repeat("x", i%50)) }
	return []dumpScenario{
		{"strings", [][]any{
			dumpCmd("SET", "int", "42"), dumpCmd("SET", "neg", "-100000"), dumpCmd("SET", "int64", "-9223372036854775808"),
			dumpCmd("SET", "int32max", "2147483647"), dumpCmd("SET", "leading0", "0042"),
			dumpCmd("SET", "empty", ""), dumpCmd("SET", "embstr", "a short string"),
			dumpCmd("SET", "raw", strings.Repeat("compress me ", 20)),
			dumpCmd("SET", "incompressible", randomBytes(1000)),
			dumpCmd("SET", "appended", "12"), dumpCmd("APPEND", "appended", "34"),
			dumpCmd("SET", "megabyte", strings.Repeat("0123456789abcdef", 1<<16)),
			dumpCmd("SET", "ttl", "v", "PXAT", expireAt),
		}, true},
		{"hyperloglogs", [][]any{
			many("PFADD", "sparse", 20, one(func(i int) any { return i })),
			many("PFADD", "dense", 5000, one(func(i int) any { return i })),
		}, true},
		{"lists", [][]any{
			dumpCmd("RPUSH", "small", "a", "1", "-5", "", "9223372036854775807", strings.Repeat("y", 100)),
			many("RPUSH", "nodes", 20000, one(words)),
			many("RPUSH", "ints", 10000, one(func(i int) any { return i*37 - 5000 })),
			dumpCmd("RPUSH", "bigelem", "a", strings.Repeat("z", 20000), "b"),
		}, true},
		{"lists pushed at the head", [][]any{
			many("LPUSH", "lpushed", 20000, one(words)),
			dumpCmd("RPUSH", "edited", "a", "b", "c"), many("LPUSH", "edited", 3000, one(words)),
			dumpCmd("LSET", "edited", "100", strings.Repeat("w", 5000)), dumpCmd("LREM", "edited", "0", "element:7:xxxxxxx"),
			dumpCmd("LINSERT", "edited", "BEFORE", "b", "inserted"),
		}, false},
		{"listpack hashes and zsets, intsets", [][]any{
			dumpCmd("HSET", "h", "f", "v", "n", "7", "neg", "-3", "e", ""),
			many("HSET", "h512", 512, func(i int) []any { return []any{fmt.Sprintf("f%d", i), i} }),
			dumpCmd("HSET", "hdel", "a", "1", "b", "2", "c", "3"), dumpCmd("HDEL", "hdel", "b"),
			dumpCmd("SADD", "iset", "5", "-3", "100000", "-9223372036854775808"),
			many("SADD", "iset512", 512, one(func(i int) any { return i * 1000 })),
			dumpCmd("ZADD", "z", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "1e300", "e", "-0.1", "f", "4503599627370496", "g"),
			many("ZADD", "z128", 128, func(i int) []any { return []any{float64(i) / 7, fmt.Sprintf("m%d", i)} }),
		}, true},
		{"skiplist sorted sets", [][]any{
			many("ZADD", "zbig", 5000, func(i int) []any { return []any{r.Float64()*1e6 - 5e5, fmt.Sprintf("member%d", i)} }),
			dumpCmd("ZADD", "zlong", "1", strings.Repeat("m", 65), "2", "short"),
		}, true},
		{"hash tables", [][]any{
			many("HSET", "hbig", 3000, func(i int) []any { return []any{fmt.Sprintf("field%d", i), words(i)} }),
			dumpCmd("HSET", "hlong", "f", strings.Repeat("v", 65)),
			many("SADD", "sbig", 3000, one(words)),
			dumpCmd("SADD", "sstr", "a", "1"),
			many("SADD", "sints", 600, one(func(i int) any { return i })),
		}, false},
	}
}

// runScenario runs a scenario's commands.
func runScenario(t *testing.T, ctx context.Context, c *redis.Client, sc dumpScenario) {
	t.Helper()
	pipe := c.Pipeline()
	for _, cmd := range sc.cmds {
		pipe.Do(ctx, cmd...)
	}
	cmds, err := pipe.Exec(ctx)
	require.NoError(t, err, sc.name)
	for _, cmd := range cmds {
		require.NoError(t, cmd.Err())
	}
}

// describeKey renders a key's type, encoding, absolute expiry and contents
// (members of unordered types sorted), as read with commands.
func describeKey(t *testing.T, ctx context.Context, c *redis.Client, key string) string {
	t.Helper()
	typ, err := c.Type(ctx, key).Result()
	require.NoError(t, err)
	enc, _ := c.ObjectEncoding(ctx, key).Result()
	exp, err := c.Do(ctx, "PEXPIRETIME", key).Int64()
	require.NoError(t, err)
	var body string
	switch typ {
	case "string":
		body = strconv.Quote(c.Get(ctx, key).Val())
	case "list":
		body = fmt.Sprintf("%q", c.LRange(ctx, key, 0, -1).Val())
	case "set":
		m := c.SMembers(ctx, key).Val()
		sort.Strings(m)
		body = fmt.Sprintf("%q", m)
	case "hash":
		var kv []string
		for f, v := range c.HGetAll(ctx, key).Val() {
			kv = append(kv, strconv.Quote(f)+"="+strconv.Quote(v))
		}
		sort.Strings(kv)
		body = strings.Join(kv, " ")
	case "zset":
		raw, err := c.Do(ctx, "ZRANGE", key, 0, -1, "WITHSCORES").StringSlice()
		require.NoError(t, err)
		body = fmt.Sprintf("%q", raw)
	case "none":
	default:
		t.Fatalf("unexpected type %s", typ)
	}
	return fmt.Sprintf("%s/%s exp=%d %s", typ, enc, exp, body)
}

// dumpKeys returns the keys of the current database, sorted.
func dumpKeys(t *testing.T, ctx context.Context, c *redis.Client) []string {
	keys, err := c.Keys(ctx, "*").Result()
	require.NoError(t, err)
	sort.Strings(keys)
	return keys
}

// restoreAbs restores payload under key with the expiry (PEXPIRETIME)
// exp, -1 for none.
func restoreAbs(ctx context.Context, c *redis.Client, key, payload string, exp int64) error {
	ttl := int64(0)
	if exp > 0 {
		ttl = exp
	}
	return c.Do(ctx, "RESTORE", key, ttl, payload, "ABSTTL").Err()
}

// TestDumpPayloadsMoveBetweenRedisAndQuordis builds every type in every
// encoding in real Redis and in Quordis with the same commands, and moves
// each key through DUMP and RESTORE both ways: Redis to Quordis, Quordis
// to a second Redis, comparing contents and encodings with commands and,
// where the encoding is deterministic, the payloads byte for byte.
func TestDumpPayloadsMoveBetweenRedisAndQuordis(t *testing.T) {
	ctx := context.Background()
	src := StartRealRedis(t) // built with commands
	ref := StartRealRedis(t) // receives payloads, as a reference restore
	srv := StartServer(t)
	a := redis.NewClient(&redis.Options{Addr: src.Addr, Protocol: 2})
	b := redis.NewClient(&redis.Options{Addr: ref.Addr, Protocol: 2})
	t.Cleanup(func() { a.Close(); b.Close() })
	q := srv.ClientWith(t, &redis.Options{Protocol: 2})

	for _, sc := range dumpScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			for _, c := range []*redis.Client{a, b, q} {
				require.NoError(t, c.FlushAll(ctx).Err())
			}
			runScenario(t, ctx, a, sc)
			runScenario(t, ctx, q, sc)
			keys := dumpKeys(t, ctx, a)
			require.Equal(t, keys, dumpKeys(t, ctx, q))
			for _, key := range keys {
				want := describeKey(t, ctx, a, key)
				require.Equal(t, want, describeKey(t, ctx, q, key), "key %s as built", key)
				exp := a.Do(ctx, "PEXPIRETIME", key).Val().(int64)
				fromRedis, err := a.Dump(ctx, key).Result()
				require.NoError(t, err)
				fromQuordis, err := q.Dump(ctx, key).Result()
				require.NoError(t, err)
				if sc.identical {
					requireSameBytes(t, fromRedis, fromQuordis, "DUMP "+key)
				}

				// Redis → Quordis, and the reference restore in Redis.
				require.NoError(t, restoreAbs(ctx, b, key, fromRedis, exp))
				require.NoError(t, restoreAbs(ctx, q, key+":r", fromRedis, exp))
				restored := describeKey(t, ctx, b, key)
				require.Equal(t, restored, describeKey(t, ctx, q, key+":r"), "key %s from Redis", key)

				// Quordis → Redis.
				require.NoError(t, restoreAbs(ctx, b, key+":q", fromQuordis, exp))
				require.Equal(t, restored, describeKey(t, ctx, b, key+":q"), "key %s from Quordis", key)
			}
		})
	}
}

// TestRestoreTakesRedisSmallEncodingsFromAnyConfig restores payloads that
// a Redis with other thresholds wrote (a hash table for three fields, a
// skiplist for two members, a listpack hash of long values): Quordis
// converts them as a Redis with the default configuration does.
func TestRestoreTakesRedisSmallEncodingsFromAnyConfig(t *testing.T) {
	ctx := context.Background()
	src := StartRealRedis(t, "--hash-max-listpack-entries", "0", "--zset-max-listpack-entries", "0",
		"--set-max-intset-entries", "0", "--list-max-listpack-size", "1")
	big := StartRealRedis(t, "--hash-max-listpack-entries", "1000", "--zset-max-listpack-entries", "1000",
		"--set-max-intset-entries", "1000", "--zset-max-listpack-value", "1000", "--list-max-listpack-size", "-5")
	ref := StartRealRedis(t)
	srv := StartServer(t)
	b := redis.NewClient(&redis.Options{Addr: ref.Addr, Protocol: 2})
	t.Cleanup(func() { b.Close() })
	q := srv.ClientWith(t, &redis.Options{Protocol: 2})

	sc := dumpScenario{name: "small values", cmds: [][]any{
		dumpCmd("HSET", "h", "a", "1", "b", "2", "c", "3"),
		dumpCmd("ZADD", "z", "1", "a", "2", "b"),
		dumpCmd("SADD", "s", "1", "2", "3"),
		numbered("SADD", "s600", 600, 1),
		dumpCmd("RPUSH", "l", "a", "b", "c", "1", "2"),
		dumpCmd("ZADD", "zlong", "1", strings.Repeat("m", 200), "2", "n"),
		numbered("HSET", "h600", 600, 2),
		dumpCmd("HSET", "hlong", "f", strings.Repeat("v", 200)),
		numbered("ZADD", "z200", 200, 2),
	}}
	for _, addr := range []string{src.Addr, big.Addr} {
		a := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
		t.Cleanup(func() { a.Close() })
		require.NoError(t, b.FlushAll(ctx).Err())
		require.NoError(t, q.FlushAll(ctx).Err())
		runScenario(t, ctx, a, sc)
		for _, key := range dumpKeys(t, ctx, a) {
			p, err := a.Dump(ctx, key).Result()
			require.NoError(t, err)
			require.NoError(t, b.Restore(ctx, key, 0, p).Err())
			require.NoError(t, q.Restore(ctx, key, 0, p).Err())
			want, got := describeKey(t, ctx, b, key), describeKey(t, ctx, q, key)
			if key == "hlong" {
				// Redis keeps a listpack hash with a value longer than
				// hash-max-listpack-value when it loads one; store.Hash
				// has no way to, and holds it as a hash table.
				want = strings.Replace(want, "/listpack ", "/hashtable ", 1)
			}
			require.Equal(t, want, got, "key %s", key)
		}
	}
}

// numbered returns cmd key followed by n groups of per copies of 0..n-1.
func numbered(cmd, key string, n, per int) []any {
	args := []any{cmd, key}
	for i := range n {
		for range per {
			args = append(args, i)
		}
	}
	return args
}

// legacyDumps are payloads in encodings Redis 7.0 loads but no longer
// writes (from aof's test builders; redis-server 7.0.15 accepts each).
var legacyDumps = map[string]string{
	"list linked":               "\x01\x16\x01a\xc0\x00\xc0\f\xc0\r\xc0\xff\xc0\x7f\xc0\x80\xc1,\x01\xc1\x00\x80\xc2p\x11\x01\x00\xc2\x00\x00\x80\xff\xc2\xff\xff\xff\x7f\xc2\x00\x00\x00\x80\x139223372036854775807\x14-9223372036854775808\x03007\x02-0\xc3\t?\x01xx\xe02\x00\x01xx\xc3\t@@\x01yy\xe03\x00\x01yy\xc3\fA,\x01zz\xe0\xff\x00\xe0\x17\x00\x01zz\xc3@\xea\x80\x00\x00N \x01ww\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xbb\x00\x01ww\x00\x06\x00\xfd\x1d`\rY=n9",
	"list ziplist":              "\n\xc3Ag\x80\x00\x00P<\x04<P\x00\x005 \x03\x1f\x16\x00\x00\x01a\x03\xf1\x02\xfd\x02\xfe\r\x03\xfe\xff\x03\xfe\x7f\x03\xfe\x80\x03\xc0,\x01\x04\xc0\x00\x80\x04\xf0p\x0f\x11\x01\x05\xf0\x00\x00\x80\x05\xd0\xff\xff\xff\x7f\x06\xd0\x00 \v\x01\x06\xe0 \v@\x00\x02\x7f\n\xe0 \x0f@\x00\f\x80\n\x03007\x05\x02-0\x04?x\xe05\x00\x03A@@y\xe06\x00\x03CA,z\xe0\xff\x00\xe0\x1a\x00\x02\xfe/\x01!\xc1\x04\x00\x00N w\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xbe\x00\x06\xfe*N\x00\x00\x00\xff\x06\x00\xe9\xdfg\x99\x12\xcbP\a",
	"list quicklist v1":         "\x0e\x03\x18\x18\x00\x00\x00\x14\x00\x00\x00\x05\x00\x00\x01a\x03\xf1\x02\xfd\x02\xfe\r\x03\xfe\xff\xff\v\v\x00\x00\x00\n\x00\x00\x00\x00\x00\xff\xc3AZ\x80\x00\x00P/\x04/P\x00\x00( \x03\x1f\x11\x00\x00\xfe\x7f\x03\xfe\x80\x03\xc0,\x01\x04\xc0\x00\x80\x04\xf0p\x11\x01\x05\xf0\x00\x00\x80\x05\xd0\xff\xff\xff\x7f\x02\x06\xd0\x00 \v\x01\x06\xe0 \v@\x00\x02\x7f\n\xe0 \x0f@\x00\f\x80\n\x03007\x05\x02-0\x04?x\xe05\x00\x03A@@y\xe06\x00\x03CA,z\xe0\xff\x00\xe0\x1a\x00\x02\xfe/\x01!\xc1\x04\x00\x00N w\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xbe\x00\x06\xfe*N\x00\x00\x00\xff\t\x00/'\xd7E\x99L\xfc\xc6",
	"list quicklist plain node": "\x12\x03\x02\x10\x10\x00\x00\x00\x04\x00\x81a\x02\x00\x01\f\x01\r\x01\xff\x01\nplain node\x02\xc3AR\x80\x00\x00P'\x1f'P\x00\x00\x12\x00\xdf\xff\x02\x7f\x01߀\x02\xc1,\x02\xf1\x00\x80\x03\xf2p\x11\x01\x04\xf2\x00\x00\x80\x04\xf3\x06\xff\xff\xff\x7f\x05\xf3\x00 \v\x01\x05\xf4 \v@\x00\x02\x7f\t\xf4 \x0f@\x00\f\x80\t\x83007\x04\x82-0\x03\xbfx\xe05\x00\x03@\xe0@y\xe06\x00\x03B\xe1,z\xe0\xff\x00\xe0\x1a\x00\a\x02\xae\xf0 N\x00\x00w\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xff\x00\xe0\xbe\x00\x05\x01\x9c\xa5\x80\x01\xff\n\x00B\x00V]\xa7\x7fO\x1a",
	"set of integers":           "\x02\x03\xc0\x03\xc0\xf9\u00a0\x86\x01\x00\x06\x00\xdbd\xfc\x10\xe2\x118%",
	"intset -5,1,2":             "\v\x0e\x02\x00\x00\x00\x03\x00\x00\x00\xfb\xff\x01\x00\x02\x00\n\x00I.\xedn\xc0\a\x8c\xef",
	"intset -70000,5":           "\v\x10\x04\x00\x00\x00\x02\x00\x00\x00\x90\xee\xfe\xff\x05\x00\x00\x00\n\x00yY\xd3L\x8a\xcbs\xf6",
	"intset -9223372036854775808,0,9223372036854775807": "\v\xc3\x16 \x04\b\x00\x00\x00\x03 \x03\xa0\x00\x00\x80\xa0\a\x01\x00\xff`\x00\x01\xff\x7f\n\x00Z\xd4{7=\x83,\n",
	"intset wide":      "\v\x18\b\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\n\x00\xdc\xe1\xc3y2e\xa8\xf5",
	"zset text scores": "\x03\x05\x01a\x031.5\x01b\xff\x01c\xfe\x01d\x130.10000000000000001\x01e\x061e+100\x06\x00\xc5\x7f\x90E\x04\v\xd0\v",
	"zset ziplist":     "\f**\x00\x00\x00\"\x00\x00\x00\b\x00\x00\x02m3\x04\xfe\xfd\x03\x02m1\x04\xf2\x02\x02m2\x04\x032.5\x05\xfb\x02\x051e300\xff\t\x00\x01\xc6\xc7b\xbd\x8b\xae\xf7",
	"hash zipmap":      "\t\xc33AW\x0f\x04\x02f1\x02\x03v1\x00\x00\x00\x02f2\x00\x03 \a\x05\x01n\x02\x0312 \b\v\x04long\xfe,\x01\x00\x00\x03v\xe0\xff\x00\xe0\x1a\x00!9\x00\xff\x06\x008\x85p\x0e{\xd7\xd63",
	"hash ziplist":     "\r&&\x00\x00\x00#\x00\x00\x00\b\x00\x00\x02f1\x04\x02v1\x04\x01n\x03\xfd\x02\x03neg\x05\xc0x\xec\x04\x01e\x03\x00\xff\t\x00\xc8\xc1\x82\x16<]\xe7\t",
}

// TestRestoreAcceptsLegacyEncodingsAsRedisDoes restores payloads of older
// Redis versions in Redis and in Quordis and compares the values.
func TestRestoreAcceptsLegacyEncodingsAsRedisDoes(t *testing.T) {
	ctx := context.Background()
	ref := StartRealRedis(t)
	srv := StartServer(t)
	b := redis.NewClient(&redis.Options{Addr: ref.Addr, Protocol: 2})
	t.Cleanup(func() { b.Close() })
	q := srv.ClientWith(t, &redis.Options{Protocol: 2})
	for name, p := range legacyDumps {
		require.NoError(t, b.Restore(ctx, name, 0, p).Err(), name)
		require.NoError(t, q.Restore(ctx, name, 0, p).Err(), name)
		require.Equal(t, describeKey(t, ctx, b, name), describeKey(t, ctx, q, name), name)
	}
}

// TestRestorePropagatesAbsoluteExpiry checks RESTORE's effects: a relative
// TTL becomes absolute with ABSTTL appended, other forms go as they came,
// and a TTL already past deletes the replaced key with a DEL.
func TestRestorePropagatesAbsoluteExpiry(t *testing.T) {
	rec := &recorder{}
	now := time.UnixMilli(1_700_000_000_000)
	var clockMu sync.Mutex
	clock := func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return now
	}
	srv := StartServerWith(t, server.Options{Propagator: rec, Clock: clock})
	ctx := context.Background()
	rdb := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	hello := strings.Trim(dumpHello, "'")
	rec.take()

	do := func(args ...any) {
		t.Helper()
		require.NoError(t, rdb.Do(ctx, args...).Err())
	}
	do("restore", "a", "5000", hello, "REPLACE", "IDLETIME", "3")
	do("RESTORE", "b", "0", hello)
	do("RESTORE", "c", "1700000009000", hello, "ABSTTL")
	do("RESTORE", "b", "1", hello, "ABSTTL", "REPLACE")
	do("RESTORE", "nokey", "1", hello, "ABSTTL", "REPLACE")
	do("RESTORE-ASKING", "d", "100", hello)
	require.Equal(t, []string{
		"0 restore a 1700000005000 " + hello + " REPLACE IDLETIME 3 ABSTTL",
		"0 RESTORE b 0 " + hello,
		"0 RESTORE c 1700000009000 " + hello + " ABSTTL",
		"0 DEL b",
		"0 RESTORE-ASKING d 1700000000100 " + hello + " ABSTTL",
	}, rec.take())
	require.Equal(t, int64(5000), rdb.PTTL(ctx, "a").Val().Milliseconds())
}

// TestRestoreSurvivesCorruptPayloads sends payloads with valid checksums
// but mangled contents: each gets an error or OK, never a dead server.
func TestRestoreSurvivesCorruptPayloads(t *testing.T) {
	ctx := context.Background()
	srv := StartServer(t)
	q := srv.ClientWith(t, &redis.Options{Protocol: 2})
	runScenario(t, ctx, q, dumpScenarios()[4])
	r := rand.New(rand.NewPCG(9, 10))
	for _, key := range dumpKeys(t, ctx, q) {
		p := []byte(q.Dump(ctx, key).Val())
		for range 100 {
			c := append([]byte(nil), p[:len(p)-10]...)
			for range 1 + r.IntN(3) {
				c[r.IntN(len(c))] = byte(r.IntN(256))
			}
			c = dumpFooter(c)
			err := q.Restore(ctx, "x", 0, string(c)).Err()
			if err != nil {
				require.Equal(t, "ERR Bad data format", err.Error())
			}
			q.Del(ctx, "x")
		}
	}
	require.NoError(t, q.Ping(ctx).Err())
}

// dumpFooter appends the RDB version and the CRC-64 (Jones, as Redis's
// crc64.c) of body to make a DUMP payload.
func dumpFooter(body []byte) []byte {
	p := binary.LittleEndian.AppendUint16(body, 10)
	table := crc64.MakeTable(0x95ac9329ac4bc9b5) // the Jones polynomial, reflected
	return binary.LittleEndian.AppendUint64(p, ^crc64.Update(^uint64(0), table, p))
}

// requireSameBytes compares long byte strings, reporting where they
// first differ rather than printing them.
func requireSameBytes(t *testing.T, want, got, what string) {
	t.Helper()
	if want == got {
		return
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	t.Fatalf("%s: %d and %d bytes, first difference at offset %d: want %q, got %q", what, len(want), len(got), i,
		want[i:min(len(want), i+24)], got[i:min(len(got), i+24)])
}

// TestDumpRestoreLargeValues moves values of 300,000 elements
// of each aggregate type from Quordis to Redis and back.
func TestDumpRestoreLargeValues(t *testing.T) {
	ctx := context.Background()
	ref := StartRealRedis(t)
	srv := StartServer(t)
	b := redis.NewClient(&redis.Options{Addr: ref.Addr, Protocol: 2})
	t.Cleanup(func() { b.Close() })
	q := srv.ClientWith(t, &redis.Options{Protocol: 2, ReadTimeout: time.Minute})
	const n = 300_000
	const batch = 10_000
	for start := 0; start < n; start += batch {
		pipe := q.Pipeline()
		list, hash, set, zset := []any{"RPUSH", "list"}, []any{"HSET", "hash"}, []any{"SADD", "set"}, []any{"ZADD", "zset"}
		for i := start; i < start+batch; i++ {
			list = append(list, i)
			hash = append(hash, "f"+strconv.Itoa(i), i)
			set = append(set, "m"+strconv.Itoa(i))
			zset = append(zset, i%1000, "m"+strconv.Itoa(i))
		}
		for _, cmd := range [][]any{list, hash, set, zset} {
			pipe.Do(ctx, cmd...)
		}
		_, err := pipe.Exec(ctx)
		require.NoError(t, err)
	}
	for _, key := range []string{"list", "hash", "set", "zset"} {
		start := time.Now()
		p, err := q.Dump(ctx, key).Result()
		require.NoError(t, err)
		dumped := time.Since(start)
		require.NoError(t, b.Restore(ctx, key, 0, p).Err())
		p2, err := b.Dump(ctx, key).Result()
		require.NoError(t, err)
		start = time.Now()
		require.NoError(t, q.Restore(ctx, key+":back", 0, p2).Err())
		t.Logf("%s: DUMP %v (%d bytes), RESTORE of Redis's DUMP %v", key, dumped, len(p), time.Since(start))
		for _, c := range []*redis.Client{b, q} {
			require.Equal(t, int64(n), c.Do(ctx, map[string]string{"list": "LLEN", "hash": "HLEN", "set": "SCARD", "zset": "ZCARD"}[key], key).Val())
		}
		require.Equal(t, int64(n), q.Do(ctx, map[string]string{"list": "LLEN", "hash": "HLEN", "set": "SCARD", "zset": "ZCARD"}[key], key+":back").Val())
	}
	require.Equal(t, q.LRange(ctx, "list", 149_990, 150_010).Val(), b.LRange(ctx, "list", 149_990, 150_010).Val())
	require.Equal(t, q.LRange(ctx, "list", 149_990, 150_010).Val(), q.LRange(ctx, "list:back", 149_990, 150_010).Val())
	require.Equal(t, b.ZRangeWithScores(ctx, "zset", 0, 20).Val(), q.ZRangeWithScores(ctx, "zset:back", 0, 20).Val())
	require.Equal(t, b.HGet(ctx, "hash", "f277777").Val(), q.HGet(ctx, "hash:back", "f277777").Val())
	require.True(t, q.SIsMember(ctx, "set:back", "m299999").Val())
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
