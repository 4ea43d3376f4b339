package test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/server"
)

// hsetOf is an HSET of n fields f0..f<n-1> with values of length vlen.
func hsetOf(key string, n, vlen int) []string {
	cmd := []string{"HSET", key}
	for i := range n {
		cmd = append(cmd, "f"+strconv.Itoa(i), strings.Repeat("v", vlen))
	}
	return cmd
}

var long64, long65 = strings.Repeat("x", 64), strings.Repeat("x", 65)

var hashCompatCases = []compatCase{
	{"hset hget hmset", script(
		"HSET h a 1", "HSET h a 2 b 3", "HGET h a", "HGET h b", "HGET h nofield", "HGET nokey a",
		"HSET h a", "HSET h a 1 b", "HMSET h a 1 b", "HMSET h c 4 d 5", "HGETALL h", "HSET h '' ''",
		"HGET h ''", "HMSET h2 x y", "HGETALL h2", "HSET h a 1 a 2", "HGET h a",
		"SET s x", "HSET s a 1", "HMSET s a 1", "HGET s a", "HSET s a", "TYPE h")},
	{"hsetnx", script(
		"HSETNX h a 1", "HSETNX h a 2", "HGET h a", "HSETNX h b 3", "HGETALL h", "SET s x", "HSETNX s a 1",
		"HSETNX h a "+long65, "OBJECT ENCODING h", "HSETNX h c "+long65, "OBJECT ENCODING h")},
	{"hmget", script(
		"HMSET h a 1 b ''", "HMGET h a b c", "HMGET nokey a b", "SET s x", "HMGET s a", "HMGET h a a")},
	{"hdel hlen", script(
		"HSET h a 1 b 2 c 3", "HDEL h a", "HDEL h a", "HLEN h", "HDEL h x b y", "HGETALL h", "HDEL h c",
		"EXISTS h", "HLEN h", "HDEL nokey a", "SET s x", "HDEL s a", "HLEN s",
		"HSET h a 1 b 2", "HDEL h a b a", "EXISTS h")},
	{"hstrlen hexists", script(
		"HSET h a hello b '' n 12345 neg -7", "HSTRLEN h a", "HSTRLEN h b", "HSTRLEN h n", "HSTRLEN h neg",
		"HSTRLEN h nofield", "HSTRLEN nokey a", "HEXISTS h a", "HEXISTS h b", "HEXISTS h x", "HEXISTS nokey a",
		"SET s x", "HSTRLEN s a", "HEXISTS s a")},
	{"hkeys hvals hgetall", script(
		"HSET h z 1 a 2 m 3", "HKEYS h", "HVALS h", "HGETALL h", "HSET h a 20", "HGETALL h", "HDEL h z",
		"HSET h z 0", "HGETALL h", "HKEYS nokey", "HVALS nokey", "HGETALL nokey",
		"SET s x", "HKEYS s", "HVALS s", "HGETALL s")},
	{"hincrby", script(
		"HINCRBY h n 5", "HINCRBY h n -10", "HGET h n", "HINCRBY h n x", "HINCRBY h n 1.5", "HINCRBY h n ''",
		"HSET h big 9223372036854775807 small -9223372036854775808", "HINCRBY h big 1", "HINCRBY h big 0",
		"HINCRBY h small -1", "HINCRBY h small 1", "HINCRBY h big -9223372036854775808",
		"HSET h s abc sp ' 1' z 007 m -0 f 1.0", "HINCRBY h s 1", "HINCRBY h sp 1", "HINCRBY h z 1",
		"HINCRBY h m 1", "HINCRBY h f 1", "HINCRBY h new 9223372036854775807", "HINCRBY h new2 -9223372036854775808",
		"HINCRBY h n 99999999999999999999", "SET s x", "HINCRBY s n 1", "HINCRBY s n x",
		"HINCRBY lf "+long65+" 1", "OBJECT ENCODING lf", "HINCRBY lp "+long64+" 1", "OBJECT ENCODING lp")},
	{"hincrbyfloat", script(
		"HSET h f 10.50", "HINCRBYFLOAT h f 0.1", "HINCRBYFLOAT h f -5", "HSET h f 5.0e3", "HINCRBYFLOAT h f 2.0e2",
		"HINCRBYFLOAT h g 0.1", "HINCRBYFLOAT h g 0.2", "HINCRBYFLOAT h g inf", "HINCRBYFLOAT h g -inf",
		"HINCRBYFLOAT h g nan", "HINCRBYFLOAT h g x", "HINCRBYFLOAT h g ''", "HINCRBYFLOAT h g ' 1'",
		"HINCRBYFLOAT h g 0x10", "HINCRBYFLOAT h g 1e5000", "HGET h g",
		"HSET h s abc i inf n 3", "HINCRBYFLOAT h s 1", "HINCRBYFLOAT h i 1", "HINCRBYFLOAT h n 1.5",
		"HINCRBYFLOAT h big 1e300", "HINCRBYFLOAT h big -1e300", "HINCRBYFLOAT h e 1e4000",
		"HINCRBYFLOAT h e 1e4932", "HINCRBYFLOAT h e 1e4932", "HINCRBYFLOAT h t 3", "HGET h t",
		"HINCRBYFLOAT h z -0.0", "HINCRBYFLOAT h sm 0.0000000000000000001", "HINCRBYFLOAT h sm 1.23456789012345678",
		"SET s x", "HINCRBYFLOAT s a 1", "HINCRBYFLOAT s a x", "HINCRBYFLOAT nokey a x", "EXISTS nokey")},
	{"hrandfield", script(
		"HRANDFIELD nokey", "HRANDFIELD nokey 5", "HRANDFIELD nokey 5 WITHVALUES", "HRANDFIELD nokey 5 foo",
		"HSET one a 1", "HRANDFIELD one", "HRANDFIELD one 1", "HRANDFIELD one -3", "HRANDFIELD one -3 WITHVALUES",
		"HRANDFIELD one 1 withvalues", "HRANDFIELD one 0", "HRANDFIELD one 0 WITHVALUES",
		"HSET h a 1 b 2 c 3", "HRANDFIELD h 3", "HRANDFIELD h 10", "HRANDFIELD h 3 WITHVALUES",
		"HRANDFIELD h 100 WITHVALUES", "HRANDFIELD h x", "HRANDFIELD h 1.5", "HRANDFIELD h 1 foo",
		"HRANDFIELD h 1 WITHVALUES x", "HRANDFIELD h -9223372036854775808", "HRANDFIELD h 9223372036854775807 WITHVALUES",
		"HRANDFIELD h 4611686018427387904 WITHVALUES", "HRANDFIELD h -4611686018427387904 WITHVALUES",
		"HRANDFIELD h 4611686018427387903 WITHVALUES", "HRANDFIELD h 9223372036854775807",
		"SET s x", "HRANDFIELD s", "HRANDFIELD s 1", "HRANDFIELD s x", "HRANDFIELD s 1 foo", "HRANDFIELD s 0")},
	{"hscan", script(
		"HSET h a 1 b 2 ab 3", "HSCAN h 0", "HSCAN h 0 MATCH a*", "HSCAN h 0 match *b COUNT 1", "HSCAN h 0 COUNT 100",
		"HSCAN h 0 MATCH nothing", "HSCAN h ''", "HSCAN h -1", "HSCAN h +5", "HSCAN h 18446744073709551615",
		"HSCAN h 18446744073709551616", "HSCAN h ' 1'", "HSCAN h 1x", "HSCAN h -", "HSCAN h 0x1",
		"HSCAN h 0 COUNT 0", "HSCAN h 0 COUNT -1", "HSCAN h 0 COUNT x", "HSCAN h 0 MATCH", "HSCAN h 0 TYPE hash",
		"HSCAN h 0 FOO bar", "HSCAN nokey 0", "HSCAN nokey 0 FOO", "HSCAN nokey x",
		"SET s x", "HSCAN s 0", "HSCAN s x", "HSCAN s 0 FOO")},
	{"encoding conversion", [][]string{
		hsetOf("e512", 512, 64), {"OBJECT", "ENCODING", "e512"}, {"HLEN", "e512"},
		hsetOf("e513", 513, 1), {"OBJECT", "ENCODING", "e513"}, {"HLEN", "e513"},
		{"HSET", "grow", "a", "1"}, {"OBJECT", "ENCODING", "grow"}, {"HSET", "grow", "b", long64},
		{"OBJECT", "ENCODING", "grow"}, {"HSET", "grow", "c", long65}, {"OBJECT", "ENCODING", "grow"},
		{"HDEL", "grow", "c", "b"}, {"OBJECT", "ENCODING", "grow"}, {"HGET", "grow", "a"},
		{"HSET", "lf", long65, "v"}, {"OBJECT", "ENCODING", "lf"}, {"HGET", "lf", long65},
		{"HSET", "up", "a", "1"}, {"HSET", "up", "a", long65}, {"OBJECT", "ENCODING", "up"},
		{"HINCRBYFLOAT", "fl", long65, "1.5"}, {"OBJECT", "ENCODING", "fl"},
		{"HSETNX", "nx", long65, "1"}, {"OBJECT", "ENCODING", "nx"},
		{"HSTRLEN", "e512", "f0"}, {"HEXISTS", "e513", "f512"}, {"HDEL", "e513", "f0", "f1"},
		{"HLEN", "e513"}, {"OBJECT", "ENCODING", "e513"},
		// A listpack of the largest size answers in its own order, and HSCAN
		// returns it whole whatever the COUNT.
		{"HGETALL", "e512"}, {"HSCAN", "e512", "0", "COUNT", "5"}, {"HRANDFIELD", "e512", "600", "WITHVALUES"},
	}},
	{"thresholds set at run time", script(
		"CONFIG SET hash-max-listpack-entries 2 hash-max-listpack-value 4",
		"CONFIG GET hash-max-ziplist-entries", "CONFIG GET hash-max-listpack-value",
		"HSET h a 1 b 2", "OBJECT ENCODING h", "HSET h c 3", "OBJECT ENCODING h",
		"HSET v a abcd", "OBJECT ENCODING v", "HSET v b abcde", "OBJECT ENCODING v",
		"HSET f abcde 1", "OBJECT ENCODING f", "HMSET m a 1 b 22222", "OBJECT ENCODING m",
		"HINCRBY i abcde 1", "OBJECT ENCODING i", "HSETNX n abcde 1", "OBJECT ENCODING n",
		"HINCRBYFLOAT fl a 1.25", "HINCRBYFLOAT fl a 100", "OBJECT ENCODING fl",
		// Raising the thresholds leaves hash tables as they are.
		"CONFIG SET hash-max-listpack-entries 512 hash-max-listpack-value 64",
		"HDEL h c", "HSET h d 4", "OBJECT ENCODING h", "HGET h d", "HLEN h",
		// Lowering them converts a listpack at its next write only, even
		// one that only changes a value; a delete never converts.
		"HSET s a 1 b 2 c 3", "CONFIG SET hash-max-ziplist-entries 2", "OBJECT ENCODING s", "HGET s a",
		"OBJECT ENCODING s", "HDEL s c", "OBJECT ENCODING s", "HSET s c 3", "OBJECT ENCODING s",
		"CONFIG SET hash-max-ziplist-entries 512", "HSET t a 1 b 2 c 3", "CONFIG SET hash-max-ziplist-entries 2",
		"HSET t a 9", "OBJECT ENCODING t", "HGET t a", "HLEN s",
		"CONFIG SET hash-max-ziplist-entries 512", "HSET u a 1 b 2 c 3", "CONFIG SET hash-max-ziplist-entries 2",
		"HSETNX u a 9", "OBJECT ENCODING u", "HINCRBY u a 1", "OBJECT ENCODING u",
		"CONFIG SET hash-max-listpack-entries 0", "HSET z a 1", "OBJECT ENCODING z",
		"CONFIG SET hash-max-listpack-entries 10 hash-max-listpack-value 0", "HSET e '' ''", "OBJECT ENCODING e",
		"HSET e a ''", "OBJECT ENCODING e",
		"CONFIG SET hash-max-listpack-value 1kb", "CONFIG GET hash-max-listpack-value",
		"HSET big a "+strings.Repeat("x", 1000), "OBJECT ENCODING big", "HGETALL big",
		"CONFIG SET hash-max-listpack-entries -1", "CONFIG SET hash-max-listpack-value x",
		"CONFIG GET hash-max-listpack-entries")},
	{"copy and rename keep the hash", script(
		"HSET h a 1 b 2", "COPY h h2", "HSET h2 a changed", "HGET h a", "HGETALL h2", "RENAME h h3",
		"HGETALL h3", "TYPE h3", "OBJECT ENCODING h3")},
	{"transactions and watch", script(
		"WATCH h", "HSET h a 1", "MULTI", "HGET h a", "EXEC", "MULTI", "HSET h b 2", "HINCRBY h b x",
		"HINCRBY h b 3", "HGETALL h", "EXEC")},
}

// TestHashRepliesMatchRedis compares every hash command's replies with
// real Redis 7.0, in RESP2 and RESP3.
func TestHashRepliesMatchRedis(t *testing.T) { runCompat(t, hashCompatCases) }

// TestHashThroughGoRedis drives the hash commands through go-redis's typed
// API in RESP2 and RESP3.
func TestHashThroughGoRedis(t *testing.T) {
	srv := StartServer(t)
	srv.EachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client) {

		require.Equal(t, int64(2), rdb.HSet(ctx, "h", "a", "1", "b", "2").Val())
		require.True(t, rdb.HMSet(ctx, "h", map[string]any{"c": "3"}).Val())
		require.True(t, rdb.HSetNX(ctx, "h", "d", "4").Val())
		require.False(t, rdb.HSetNX(ctx, "h", "d", "5").Val())
		require.Equal(t, "4", rdb.HGet(ctx, "h", "d").Val())
		require.Equal(t, redis.Nil, rdb.HGet(ctx, "h", "zz").Err())
		require.Equal(t, []any{"1", nil, "3"}, rdb.HMGet(ctx, "h", "a", "zz", "c").Val())
		require.Equal(t, map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}, rdb.HGetAll(ctx, "h").Val())
		require.Equal(t, []string{"a", "b", "c", "d"}, rdb.HKeys(ctx, "h").Val())
		require.Equal(t, []string{"1", "2", "3", "4"}, rdb.HVals(ctx, "h").Val())
		require.Equal(t, int64(4), rdb.HLen(ctx, "h").Val())
		require.True(t, rdb.HExists(ctx, "h", "a").Val())
		require.Equal(t, int64(1), rdb.HStrLen(ctx, "h", "a").Val())
		require.Equal(t, int64(11), rdb.HIncrBy(ctx, "h", "a", 10).Val())
		require.Equal(t, 11.5, rdb.HIncrByFloat(ctx, "h", "a", 0.5).Val())
		require.Equal(t, int64(2), rdb.HDel(ctx, "h", "a", "b", "zz").Val())
		require.Equal(t, map[string]string{}, rdb.HGetAll(ctx, "missing").Val())

		field, err := rdb.HRandField(ctx, "h", 1).Result()
		require.NoError(t, err)
		require.Len(t, field, 1)
		require.Contains(t, []string{"c", "d"}, field[0])
		pairs, err := rdb.HRandFieldWithValues(ctx, "h", -5).Result()
		require.NoError(t, err)
		require.Len(t, pairs, 5)
		for _, p := range pairs {
			require.Equal(t, map[string]string{"c": "3", "d": "4"}[p.Key], p.Value)
		}
		pairs, err = rdb.HRandFieldWithValues(ctx, "h", 10).Result()
		require.NoError(t, err)
		require.Equal(t, []redis.KeyValue{{Key: "c", Value: "3"}, {Key: "d", Value: "4"}}, pairs)

		kv, cursor, err := rdb.HScan(ctx, "h", 0, "*", 10).Result()
		require.NoError(t, err)
		require.Zero(t, cursor)
		require.Equal(t, []string{"c", "3", "d", "4"}, kv)

		require.NoError(t, rdb.Set(ctx, "s", "x", 0).Err())
		require.EqualError(t, rdb.HSet(ctx, "s", "a", "1").Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
	})
}

// TestHashWithMillionFields builds a 1M-field hash with pipelined batches,
// checks its length, ends, values and conversion, and scans it with HSCAN
// while other fields are added and removed: every field present for the
// whole scan is returned at least once.
func TestHashWithMillionFields(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	const n, batch = 1_000_000, 1000

	field := func(i int) string { return "field:" + strconv.Itoa(i) }
	value := func(i int) string { return "value:" + strconv.Itoa(i) }
	for start := 0; start < n; start += 100 * batch {
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for b := start; b < start+100*batch && b < n; b += batch {
				args := make([]any, 0, 2*batch)
				for i := b; i < b+batch; i++ {
					args = append(args, field(i), value(i))
				}
				p.HSet(ctx, "big", args...)
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.Equal(t, int64(n), rdb.HLen(ctx, "big").Val())
	require.Equal(t, "hashtable", rdb.ObjectEncoding(ctx, "big").Val())
	require.Equal(t, value(0), rdb.HGet(ctx, "big", field(0)).Val())
	require.Equal(t, value(n-1), rdb.HGet(ctx, "big", field(n-1)).Val())
	require.Equal(t, redis.Nil, rdb.HGet(ctx, "big", field(n)).Err())
	require.Equal(t, []any{value(500_000), nil, value(999_999)},
		rdb.HMGet(ctx, "big", field(500_000), field(n), field(999_999)).Val())
	require.Equal(t, int64(len(value(123_456))), rdb.HStrLen(ctx, "big", field(123_456)).Val())
	sample, err := rdb.HRandFieldWithValues(ctx, "big", 1000).Result()
	require.NoError(t, err)
	distinct := map[string]bool{}
	for _, kv := range sample {
		require.Equal(t, "value:"+strings.TrimPrefix(kv.Key, "field:"), kv.Value)
		distinct[kv.Key] = true
	}
	require.Len(t, distinct, 1000)
	usage := rdb.MemoryUsage(ctx, "big").Val()
	t.Logf("MEMORY USAGE of a %d-field hash: %d bytes (%.1f per field)", n, usage, float64(usage)/n)

	// Scan while another client adds and removes fields between steps.
	other := srv.Client(t)
	seen := make([]bool, n)
	var cursor uint64
	steps, churn := 0, 0
	for {
		kv, next, err := rdb.HScan(ctx, "big", cursor, "field:*", 2000).Result()
		require.NoError(t, err)
		require.Zero(t, len(kv)%2)
		for i := 0; i < len(kv); i += 2 {
			// Plain checks: a million require calls would dominate the test.
			id, err := strconv.Atoi(strings.TrimPrefix(kv[i], "field:"))
			if err != nil || kv[i+1] != value(id) {
				require.Failf(t, "HSCAN returned a wrong pair", "%q %q", kv[i], kv[i+1])
			}
			if id < n {
				seen[id] = true
			}
		}
		if steps%5 == 0 {
			p := other.Pipeline()
			for j := range 2000 {
				f := field(n + j)
				if churn%2 == 0 {
					p.HSet(ctx, "big", f, value(n+j))
				} else {
					p.HDel(ctx, "big", f)
				}
			}
			_, err = p.Exec(ctx)
			require.NoError(t, err)
			churn++
		}
		steps++
		cursor = next
		if cursor == 0 {
			break
		}
	}
	for i, ok := range seen {
		if !ok {
			require.Failf(t, "HSCAN missed a field", "%s was present throughout", field(i))
		}
	}
	t.Logf("HSCAN took %d steps with %d rounds of churn", steps, churn)

	require.Equal(t, int64(n/2), rdb.HDel(ctx, "big", evenFields(n)...).Val())
	require.Equal(t, "hashtable", rdb.ObjectEncoding(ctx, "big").Val(), "Redis never converts back")
}

// evenFields lists field:0, field:2, ... below n.
func evenFields(n int) []string {
	out := make([]string, 0, n/2)
	for i := 0; i < n; i += 2 {
		out = append(out, "field:"+strconv.Itoa(i))
	}
	return out
}

// TestHashWritesPropagateAsRedisDoes checks the effects of hash writes:
// HINCRBYFLOAT as an HSET of its result, everything else as sent, reads
// and no-op writes not at all.
func TestHashWritesPropagateAsRedisDoes(t *testing.T) {
	rec := &recorder{}
	srv := StartServerWith(t, server.Options{Propagator: rec})
	ctx := context.Background()
	rdb := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	rec.take()

	do := func(args ...any) {
		t.Helper()
		rdb.Do(ctx, args...)
	}
	do("HSET", "h", "a", "1")
	do("HINCRBYFLOAT", "h", "f", "1.5")
	do("HINCRBYFLOAT", "h", "f", "2.0e2")
	do("HINCRBY", "h", "n", "5")
	do("HSETNX", "h", "a", "2")
	do("HRANDFIELD", "h", "-3", "WITHVALUES")
	do("HGETALL", "h")
	do("HSCAN", "h", "0")
	do("HDEL", "h", "zz")
	do("HDEL", "h", "a")
	do("HINCRBY", "h", "a", "x")
	require.Equal(t, []string{
		"0 HSET h a 1",
		"0 HSET h f 1.5",
		"0 HSET h f 201.5",
		"0 HINCRBY h n 5",
		"0 HDEL h a",
	}, rec.take())
}

// TestHashInPlaceKeepsEarlierRepliesCopiesAndSnapshots: HSET writes a value
// as long as the old one over it (store.Hash.dictSet); replies to earlier
// commands, COPY's copy and a BGSAVE running meanwhile keep the old bytes.
func TestHashInPlaceKeepsEarlierRepliesCopiesAndSnapshots(t *testing.T) {
	dir := t.TempDir()
	srv := StartServer(t, "dir "+dir)
	ctx := context.Background()
	rdb := srv.Client(t)
	const n = 20000 // a hash table, and a walk long enough to overlap the writes
	old := strings.Repeat("o", 70)
	args := []any{}
	for i := range n {
		args = append(args, "f"+strconv.Itoa(i), old)
	}
	require.NoError(t, rdb.HSet(ctx, "h", args...).Err())
	require.Equal(t, "hashtable", rdb.ObjectEncoding(ctx, "h").Val())

	fresh := strings.Repeat("n", 70)
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HGet(ctx, "h", "f1")
		p.HGetAll(ctx, "h")
		p.HSet(ctx, "h", "f1", fresh)
		p.HGet(ctx, "h", "f1")
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, old, cmds[0].(*redis.StringCmd).Val())
	require.Equal(t, old, cmds[1].(*redis.MapStringStringCmd).Val()["f1"])
	require.Equal(t, fresh, cmds[3].(*redis.StringCmd).Val())

	cmds, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HGet(ctx, "h", "f2")
		p.HSet(ctx, "h", "f2", fresh)
		p.HGet(ctx, "h", "f2")
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, old, cmds[0].(*redis.StringCmd).Val())
	require.Equal(t, fresh, cmds[2].(*redis.StringCmd).Val())

	require.NoError(t, rdb.Copy(ctx, "h", "h2", 0, false).Err())
	require.NoError(t, rdb.HSet(ctx, "h", "f3", fresh).Err())
	require.NoError(t, rdb.HSet(ctx, "h2", "f4", fresh).Err())
	require.Equal(t, old, rdb.HGet(ctx, "h2", "f3").Val(), "the copy keeps its own bytes")
	require.Equal(t, old, rdb.HGet(ctx, "h", "f4").Val())
	require.NoError(t, rdb.Del(ctx, "h2").Err())

	require.NoError(t, rdb.HSet(ctx, "c", "n", "10", "pad", old).Err())
	require.Equal(t, int64(11), rdb.HIncrBy(ctx, "c", "n", 1).Val())
	require.Equal(t, "11", rdb.HGet(ctx, "c", "n").Val())

	// Many hash tables, so that the walk takes many steps and the writes
	// below land both ahead of it and behind it.
	const hashes, fields = 300, 600
	p := rdb.Pipeline()
	for k := range hashes {
		args := []any{}
		for i := range fields {
			args = append(args, "f"+strconv.Itoa(i), "before")
		}
		p.HSet(ctx, "s"+strconv.Itoa(k), args...)
	}
	_, err = p.Exec(ctx)
	require.NoError(t, err)
	require.Equal(t, "Background saving started", rdb.BgSave(ctx).Val())
	p = rdb.Pipeline()
	for k := range hashes {
		for i := 0; i < fields; i += 7 {
			p.HSet(ctx, "s"+strconv.Itoa(k), "f"+strconv.Itoa(i), "after!") // as long as "before"
		}
	}
	_, err = p.Exec(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return strings.Contains(rdb.Info(ctx, "persistence").Val(), "rdb_bgsave_in_progress:0\r\n")
	}, 30*time.Second, 5*time.Millisecond)
	require.Equal(t, "after!", rdb.HGet(ctx, "s0", "f0").Val())
	srv.Close()

	srv2 := StartServer(t, "dir "+dir)
	rdb2 := srv2.Client(t)
	waitLoaded(t, rdb2)
	for k := range hashes {
		got := rdb2.HGetAll(ctx, "s"+strconv.Itoa(k)).Val()
		require.Len(t, got, fields)
		for i := 0; i < fields; i += 7 {
			require.Equal(t, "before", got["f"+strconv.Itoa(i)], "s%d f%d as the snapshot began", k, i)
		}
	}
}
