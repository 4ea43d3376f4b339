package test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/server"
)

// listCompatCases cover every list command, option and error, compared
// byte for byte with real Redis 7.0 in RESP2 and RESP3.
var listCompatCases = []compatCase{
	{"push", script(
		"LPUSH l a", "LPUSH l b c", "RPUSH l d e", "LRANGE l 0 -1", "LLEN l", "RPUSH l ''", "LINDEX l -1",
		"LPUSHX nokey a", "RPUSHX nokey a", "EXISTS nokey", "LPUSHX l x y", "RPUSHX l z", "LRANGE l 0 -1",
		"LPUSH n 1 -1 100 9223372036854775807 -9223372036854775808 9223372036854775808 007 -0 1.5 ' 1'",
		"LRANGE n 0 -1", "TYPE l", "OBJECT ENCODING l", "OBJECT ENCODING n",
		"SET s x", "LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a", "LPUSH l", "RPUSHX l")},
	{"pop", script(
		"RPUSH l a b c d e f", "LPOP l", "RPOP l", "LPOP l 2", "RPOP l 1", "LPOP l 0", "RPOP l 0", "LRANGE l 0 -1",
		"LPOP l 10", "EXISTS l", "LPOP l", "RPOP l", "LPOP l 2", "RPOP l 2", "LPOP l 0", "RPOP nokey 0",
		"RPUSH l a b", "RPOP l 5", "EXISTS l", "RPUSH l a", "LPOP l -1", "LPOP l x", "LPOP l ''", "LPOP l 1.5",
		"RPOP l 9223372036854775807", "LPOP nokey -1", "LPOP l 1 2", "RPOP l 1 2", "LPOP",
		"SET s x", "LPOP s", "RPOP s 1", "LPOP s 0", "LPOP s -1")},
	{"llen lindex", script(
		"LLEN nokey", "RPUSH l a b c", "LLEN l", "LINDEX l 0", "LINDEX l 2", "LINDEX l 3", "LINDEX l -1",
		"LINDEX l -3", "LINDEX l -4", "LINDEX l x", "LINDEX nokey x", "LINDEX nokey 0",
		"LINDEX l 9223372036854775807", "LINDEX l -9223372036854775808", "LINDEX l 9223372036854775808",
		"SET s x", "LLEN s", "LINDEX s 0", "LINDEX s x")},
	{"lset", script(
		"LSET nokey 0 a", "LSET nokey x a", "RPUSH l a b c", "LSET l 0 x", "LSET l -1 z", "LSET l 1 ''",
		"LRANGE l 0 -1", "LSET l 3 a", "LSET l -4 a", "LSET l x a", "LSET l 1 12345", "LINDEX l 1",
		"LSET l 1 a-much-longer-value-than-before-to-change-the-size", "LRANGE l 0 -1",
		"SET s x", "LSET s 0 a", "LSET s x a")},
	{"lrange", script(
		"LRANGE nokey 0 -1", "LRANGE nokey x 1", "RPUSH l a b c d e", "LRANGE l 0 0", "LRANGE l 1 3", "LRANGE l -2 -1",
		"LRANGE l -100 100", "LRANGE l 3 1", "LRANGE l 5 10", "LRANGE l -1 -2", "LRANGE l 0 -6", "LRANGE l -6 0",
		"LRANGE l x 1", "LRANGE l 0 y", "LRANGE l 0 9223372036854775807", "LRANGE l -9223372036854775808 -1",
		"LRANGE l 0", "SET s x", "LRANGE s 0 -1", "LRANGE s x y")},
	{"ltrim", script(
		"LTRIM nokey 0 1", "LTRIM nokey x 1", "RPUSH l a b c d e f g", "LTRIM l 1 -2", "LRANGE l 0 -1",
		"LTRIM l -3 100", "LRANGE l 0 -1", "LTRIM l 0 0", "LRANGE l 0 -1", "LTRIM l 0 -1", "LRANGE l 0 -1",
		"LTRIM l 2 1", "EXISTS l", "RPUSH l a b", "LTRIM l 5 10", "EXISTS l", "RPUSH l a b", "LTRIM l x 1",
		"LTRIM l 0 y", "LTRIM l -100 -3", "EXISTS l", "SET s x", "LTRIM s 0 1", "LTRIM s x 1")},
	{"lrem", script(
		"LREM nokey 0 a", "LREM nokey x a", "RPUSH l a b a c a b a", "LREM l 2 a", "LRANGE l 0 -1", "LREM l -1 a",
		"LRANGE l 0 -1", "LREM l 0 b", "LRANGE l 0 -1", "LREM l 0 zz", "LREM l x a", "LREM l 1.5 a",
		"RPUSH n 1 01 1 -1 1", "LREM n 0 1", "LRANGE n 0 -1", "LREM n -9223372036854775808 01", "LREM n 9223372036854775807 -1",
		"LRANGE n 0 -1", "LREM l 0 c", "LREM l 0 a", "EXISTS l", "RPUSH e ''", "LREM e 0 ''", "EXISTS e",
		"SET s x", "LREM s 0 a", "LREM s x a")},
	{"linsert", script(
		"LINSERT nokey BEFORE a b", "LINSERT nokey FOO a b", "RPUSH l a b c a", "LINSERT l BEFORE a x",
		"LINSERT l after a y", "LINSERT l AfTeR c z", "LRANGE l 0 -1", "LINSERT l BEFORE nope x", "LINSERT l MIDDLE a x",
		"LINSERT l BEFORE '' x", "RPUSH n 1 2 3", "LINSERT n AFTER 2 2.5", "LINSERT n BEFORE 01 0", "LRANGE n 0 -1",
		"SET s x", "LINSERT s BEFORE a b", "LINSERT s FOO a b")},
	{"lpos", script(
		"LPOS nokey a", "LPOS nokey a COUNT 0", "LPOS nokey a RANK 0", "LPOS nokey a COUNT -1",
		"RPUSH l a b c 1 2 3 c c", "LPOS l c", "LPOS l c RANK 2", "LPOS l c RANK -1", "LPOS l c RANK -2",
		"LPOS l c COUNT 0", "LPOS l c COUNT 2", "LPOS l c COUNT 2 RANK 2", "LPOS l c COUNT 0 RANK -1",
		"LPOS l c COUNT 1 RANK -3", "LPOS l c RANK 4", "LPOS l c RANK 4 COUNT 0", "LPOS l c MAXLEN 2",
		"LPOS l c MAXLEN 3", "LPOS l c MAXLEN 3 COUNT 0", "LPOS l c RANK -1 MAXLEN 1", "LPOS l c RANK -1 MAXLEN 3 COUNT 0",
		"LPOS l c MAXLEN 0 COUNT 0", "LPOS l 2", "LPOS l 02", "LPOS l x", "LPOS l x COUNT 5",
		"LPOS l c RANK 0", "LPOS l c RANK x", "LPOS l c COUNT -1", "LPOS l c COUNT x", "LPOS l c MAXLEN -1",
		"LPOS l c MAXLEN x", "LPOS l c RANK", "LPOS l c FOO 1", "LPOS l c COUNT", "LPOS l c rank 1 count 1 maxlen 1",
		"LPOS l c RANK -9223372036854775808", "LPOS l c RANK -9223372036854775808 COUNT 0",
		"LPOS l c RANK 9223372036854775807", "LPOS l c RANK -9223372036854775807 COUNT 0",
		"LPOS l c COUNT 9223372036854775807", "LPOS l c MAXLEN 9223372036854775807",
		"SET s x", "LPOS s a", "LPOS s a RANK 0", "LPOS s a COUNT 0")},
	{"lmove rpoplpush", script(
		"LMOVE nokey dst LEFT RIGHT", "RPOPLPUSH nokey dst", "EXISTS dst", "RPUSH src a b c",
		"LMOVE src dst LEFT RIGHT", "LMOVE src dst RIGHT LEFT", "LMOVE src dst left left", "LMOVE src dst RIGHT RIGHT",
		"EXISTS src", "LRANGE dst 0 -1", "RPOPLPUSH dst dst", "LRANGE dst 0 -1", "LMOVE dst dst LEFT RIGHT",
		"LRANGE dst 0 -1", "RPUSH one x", "LMOVE one one LEFT LEFT", "LRANGE one 0 -1", "RPOPLPUSH one one",
		"LMOVE src dst UP LEFT", "LMOVE src dst LEFT DOWN", "LMOVE nokey dst FOO LEFT",
		"SET s x", "LMOVE s dst LEFT LEFT", "LMOVE dst s LEFT LEFT", "LRANGE dst 0 -1", "RPOPLPUSH s dst",
		"RPOPLPUSH dst s", "LMOVE nokey s LEFT LEFT", "RPOPLPUSH nokey s", "RPOPLPUSH a")},
	{"lmpop", script(
		"LMPOP 1 nokey LEFT", "LMPOP 2 a b RIGHT COUNT 3", "RPUSH b 1 2 3 4 5", "LMPOP 2 a b LEFT",
		"LMPOP 2 a b RIGHT COUNT 2", "LMPOP 2 a b LEFT COUNT 10", "EXISTS b", "RPUSH a x y", "RPUSH b z",
		"LMPOP 2 a b right", "LMPOP 1 b left count 1", "LMPOP 3 a b c LEFT COUNT 1",
		"LMPOP 0 a LEFT", "LMPOP -1 a LEFT", "LMPOP x a LEFT", "LMPOP 2 a LEFT", "LMPOP 3 a b LEFT",
		"LMPOP 9223372036854775807 a LEFT", "LMPOP 1 a MIDDLE", "LMPOP 1 a LEFT COUNT 0", "LMPOP 1 a LEFT COUNT -1",
		"LMPOP 1 a LEFT COUNT x", "LMPOP 1 a LEFT COUNT", "LMPOP 1 a LEFT COUNT 1 COUNT 2", "LMPOP 1 a LEFT FOO",
		"LMPOP 1 a", "SET s x", "LMPOP 2 s a LEFT", "LMPOP 2 nokey s LEFT", "RPUSH a v", "LMPOP 2 a s LEFT")},
	{"command getkeys", script(
		"COMMAND GETKEYS LMPOP 2 a b LEFT", "COMMAND GETKEYS LMPOP 3 a b LEFT", "COMMAND GETKEYS LMPOP 2abc a b LEFT",
		"COMMAND GETKEYS LMOVE a b LEFT RIGHT", "COMMAND GETKEYS RPOPLPUSH a b", "COMMAND GETKEYS LPUSH a b c",
		"COMMAND GETKEYSANDFLAGS LMPOP 2 a b LEFT", "COMMAND GETKEYSANDFLAGS LMOVE a b LEFT RIGHT",
		"COMMAND INFO lpush lpop lmpop lmove lpos")},
	{"list watch", script(
		"RPUSH l a b", "WATCH l", "LPUSH l x", "MULTI", "PING", "EXEC",
		"WATCH l", "LREM l 0 nope", "MULTI", "PING", "EXEC",
		"WATCH l", "LINSERT l BEFORE nope x", "MULTI", "PING", "EXEC",
		"WATCH l", "LTRIM l 0 -1", "MULTI", "PING", "EXEC",
		"WATCH l", "LPUSHX nokey a", "MULTI", "PING", "EXEC",
		"WATCH d", "LMOVE l d LEFT LEFT", "MULTI", "PING", "EXEC",
		"WATCH l", "LSET l 0 y", "MULTI", "PING", "EXEC",
		"WATCH l", "LPOP l 0", "MULTI", "PING", "EXEC")},
	{"node size set at run time", script(
		"CONFIG GET list-max-listpack-size", "CONFIG SET list-max-listpack-size 1", "CONFIG GET list-max-ziplist-size",
		"RPUSH l a b c", "LPUSH l z", "LRANGE l 0 -1", "OBJECT ENCODING l", "LINSERT l BEFORE b x", "LSET l 1 y",
		"LRANGE l 0 -1", "LREM l 0 x", "LTRIM l 1 -1", "LRANGE l 0 -1",
		"CONFIG SET list-max-listpack-size 0", "RPUSH z 1 2 3", "LINDEX z 1", "LPOP z 2", "LRANGE z 0 -1",
		"CONFIG SET list-max-ziplist-size -5", "CONFIG SET list-max-listpack-size -6", "CONFIG GET list-max-listpack-size",
		"RPUSH m a b", "LRANGE m 0 -1", "CONFIG SET list-max-listpack-size 32768", "RPUSH m c", "LLEN m",
		"CONFIG SET list-max-listpack-size x", "CONFIG SET list-max-listpack-size 2147483648")},
	{"list in multi", script(
		"RPUSH l a b c", "MULTI", "LRANGE l 0 -1", "LSET l 0 x", "LPOP l", "RPUSH l y", "LINDEX l 0", "LRANGE l 0 -1",
		"LMPOP 1 l RIGHT COUNT 2", "EXEC")},
	{"list ttl and keyspace", script(
		"RPUSH l a b", "EXPIRE l 100", "RPUSH l c", "TTL l", "LPOP l 3", "EXISTS l", "RPUSH l a", "TTL l",
		"RPUSH t a", "PEXPIRE t 1", "DEBUG SLEEP 0.01", "LPUSHX t b", "LLEN t", "RPUSH c 1 2 3", "COPY c d",
		"LPUSH c 0", "LRANGE d 0 -1", "RENAME d e", "LRANGE e 0 -1", "TYPE e", "DEL e", "EXISTS e")},
}

// TestListRepliesMatchRedis runs the list scripts against real Redis and
// Quordis, in RESP2 and RESP3.
func TestListRepliesMatchRedis(t *testing.T) {
	runCompat(t, listCompatCases)
}

// TestListLongValuesMatchRedis compares replies on lists whose elements
// fill several chunks, including elements larger than a chunk, against
// real Redis.
func TestListLongValuesMatchRedis(t *testing.T) {
	var cmds [][]string
	push := []string{"RPUSH", "l"}
	for i := range 3000 {
		push = append(push, fmt.Sprintf("%d-%s", i, strings.Repeat("x", i%50)))
	}
	cmds = append(cmds, push, []string{"RPUSH", "l", strings.Repeat("B", 20000), "7", strings.Repeat("b", 70)})
	for _, c := range []string{
		"LLEN l", "LINDEX l 1500", "LINDEX l -2", "LRANGE l 1490 1510", "LRANGE l -5 -1",
		"LINSERT l BEFORE 1500-0 inserted", "LINSERT l AFTER 7 after7", "LSET l 10 " + strings.Repeat("S", 9000),
		"LRANGE l 8 12", "LPOS l inserted", "LPOS l 7 RANK -1", "LREM l 0 inserted", "LTRIM l 5 -5",
		"LRANGE l 0 3", "LRANGE l -4 -1", "LPOP l 3", "RPOP l 2", "LLEN l",
	} {
		cmds = append(cmds, strings.Fields(c))
	}
	runCompat(t, []compatCase{{"long values", cmds}})
}

// TestListRandomScriptMatchesRedis runs a long seeded random script of
// list commands, on lists that grow to a few thousand elements of mixed
// sizes, against real Redis and Quordis.
func TestListRandomScriptMatchesRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	keys := []string{"a", "b", "c"}
	value := func() string {
		switch rng.IntN(5) {
		case 0:
			return strconv.Itoa(rng.IntN(20) - 5)
		case 1:
			return strings.Repeat("v", rng.IntN(120))
		case 2:
			return strconv.FormatInt(rng.Int64(), 10)
		default:
			return fmt.Sprintf("e%d", rng.IntN(30))
		}
	}
	index := func() string { return strconv.Itoa(rng.IntN(400) - 200) }
	end := func() string { return []string{"LEFT", "RIGHT"}[rng.IntN(2)] }
	var cmds [][]string
	for range 5000 {
		k := keys[rng.IntN(len(keys))]
		var cmd []string
		switch rng.IntN(16) {
		case 0, 1, 2, 3:
			cmd = []string{[]string{"LPUSH", "RPUSH"}[rng.IntN(2)], k}
			for range 1 + rng.IntN(20) {
				cmd = append(cmd, value())
			}
		case 4:
			cmd = []string{[]string{"LPOP", "RPOP"}[rng.IntN(2)], k}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, strconv.Itoa(rng.IntN(6)))
			}
		case 5:
			cmd = []string{"LINDEX", k, index()}
		case 6:
			cmd = []string{"LSET", k, index(), value()}
		case 7:
			cmd = []string{"LRANGE", k, index(), index()}
		case 8:
			if rng.IntN(16) == 0 {
				cmd = []string{"LTRIM", k, index(), index()}
			} else {
				cmd = []string{"LLEN", k}
			}
		case 9:
			cmd = []string{"LREM", k, strconv.Itoa(rng.IntN(5) - 2), value()}
		case 10:
			cmd = []string{"LINSERT", k, []string{"BEFORE", "AFTER"}[rng.IntN(2)], value(), value()}
		case 11:
			cmd = []string{"LPOS", k, value(), "RANK", strconv.Itoa(rng.IntN(5) - 2 | 1), "COUNT", strconv.Itoa(rng.IntN(3)),
				"MAXLEN", strconv.Itoa(rng.IntN(50))}
		case 12:
			cmd = []string{"LMOVE", k, keys[rng.IntN(len(keys))], end(), end()}
		case 13:
			cmd = []string{"LMPOP", "2", k, keys[rng.IntN(len(keys))], end(), "COUNT", strconv.Itoa(1 + rng.IntN(4))}
		case 14:
			cmd = []string{"RPOPLPUSH", k, keys[rng.IntN(len(keys))]}
		default:
			cmd = []string{"LRANGE", k, "0", "-1"}
		}
		cmds = append(cmds, cmd)
	}
	// The same script on lists whose nodes hold three elements each.
	small := append([][]string{{"CONFIG", "SET", "list-max-listpack-size", "3"}}, cmds...)
	runCompat(t, []compatCase{{"random", cmds}, {"random with three elements a node", small}})
}

// TestGoRedisLists drives every list command through go-redis in RESP3
// and RESP2.
func TestGoRedisLists(t *testing.T) {
	srv := StartServer(t)
	srv.EachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client) {

		require.Equal(t, int64(3), rdb.RPush(ctx, "l", "a", "b", "c").Val())
		require.Equal(t, int64(4), rdb.LPush(ctx, "l", "z").Val())
		require.Equal(t, int64(0), rdb.LPushX(ctx, "nokey", "x").Val())
		require.Equal(t, int64(5), rdb.RPushX(ctx, "l", "d").Val())
		require.Equal(t, []string{"z", "a", "b", "c", "d"}, rdb.LRange(ctx, "l", 0, -1).Val())
		require.Equal(t, int64(5), rdb.LLen(ctx, "l").Val())
		require.Equal(t, "d", rdb.LIndex(ctx, "l", -1).Val())
		require.Equal(t, redis.Nil, rdb.LIndex(ctx, "l", 5).Err())
		require.NoError(t, rdb.LSet(ctx, "l", 0, "y").Err())
		require.EqualError(t, rdb.LSet(ctx, "l", 9, "y").Err(), "ERR index out of range")
		require.Equal(t, int64(6), rdb.LInsertBefore(ctx, "l", "b", "a").Val())
		require.Equal(t, int64(2), rdb.LRem(ctx, "l", 0, "a").Val())
		require.Equal(t, int64(1), rdb.LPos(ctx, "l", "b", redis.LPosArgs{}).Val())
		require.Equal(t, []int64{3}, rdb.LPosCount(ctx, "l", "d", 0, redis.LPosArgs{Rank: -1}).Val())
		require.Equal(t, redis.Nil, rdb.LPos(ctx, "l", "nope", redis.LPosArgs{}).Err())
		require.Equal(t, "y", rdb.LPop(ctx, "l").Val())
		require.Equal(t, []string{"d", "c"}, rdb.RPopCount(ctx, "l", 2).Val())
		require.Equal(t, redis.Nil, rdb.LPop(ctx, "nokey").Err())
		require.Equal(t, redis.Nil, rdb.LPopCount(ctx, "nokey", 2).Err())

		require.Equal(t, int64(3), rdb.RPush(ctx, "src", "1", "2", "3").Val())
		require.Equal(t, "3", rdb.Do(ctx, "RPOPLPUSH", "src", "dst").Val())
		require.Equal(t, "1", rdb.LMove(ctx, "src", "dst", "LEFT", "RIGHT").Val())
		require.Equal(t, []string{"3", "1"}, rdb.LRange(ctx, "dst", 0, -1).Val())
		require.Equal(t, redis.Nil, rdb.LMove(ctx, "nokey", "dst", "LEFT", "RIGHT").Err())
		key, vals, err := rdb.LMPop(ctx, "right", 5, "nokey", "src", "dst").Result()
		require.NoError(t, err)
		require.Equal(t, "src", key)
		require.Equal(t, []string{"2"}, vals)
		require.Equal(t, int64(0), rdb.Exists(ctx, "src").Val())
		_, _, err = rdb.LMPop(ctx, "left", 1, "nokey").Result()
		require.Equal(t, redis.Nil, err)
		require.NoError(t, rdb.LTrim(ctx, "dst", 1, 1).Err())
		require.Equal(t, []string{"1"}, rdb.LRange(ctx, "dst", 0, -1).Val())

		require.NoError(t, rdb.Set(ctx, "s", "x", 0).Err())
		require.EqualError(t, rdb.LPush(ctx, "s", "a").Err(),
			"WRONGTYPE Operation against a key holding the wrong kind of value")
		require.Equal(t, "list", rdb.Type(ctx, "dst").Val())
		require.Equal(t, "quicklist", rdb.ObjectEncoding(ctx, "dst").Val())
	})
}

// TestGoRedisMillionElementList builds a list of a million elements from
// both ends with pipelined batches and checks its length, its ends,
// ranges near both ends and in the middle, LTRIM and LPOS on it.
func TestGoRedisMillionElementList(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.ClientWith(t, &redis.Options{ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
	const n, batch = 1_000_000, 1000
	elem := func(i int) string { return fmt.Sprintf("e%09d", i) } // 10 bytes

	// Elements n/2..n-1 go to the tail with RPUSH, 0..n/2-1 to the head
	// with LPUSH (in reverse, so the list ends up in order).
	for start := 0; start < n/2; start += 100 * batch {
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for b := start; b < start+100*batch && b < n/2; b += batch {
				right := make([]any, batch)
				left := make([]any, batch)
				for j := range batch {
					right[j] = elem(n/2 + b + j)
					left[j] = elem(n/2 - 1 - b - j)
				}
				p.RPush(ctx, "big", right...)
				p.LPush(ctx, "big", left...)
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.Equal(t, int64(n), rdb.LLen(ctx, "big").Val())
	require.Equal(t, "quicklist", rdb.ObjectEncoding(ctx, "big").Val())
	for _, i := range []int64{0, 1, 499_999, 500_000, n - 2, n - 1} {
		require.Equal(t, elem(int(i)), rdb.LIndex(ctx, "big", i).Val(), "LINDEX %d", i)
	}
	require.Equal(t, elem(n-3), rdb.LIndex(ctx, "big", -3).Val())
	want := func(from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, elem(i))
		}
		return out
	}
	require.Equal(t, want(0, 9), rdb.LRange(ctx, "big", 0, 9).Val())
	require.Equal(t, want(n-10, n-1), rdb.LRange(ctx, "big", -10, -1).Val())
	require.Equal(t, want(499_995, 500_004), rdb.LRange(ctx, "big", 499_995, 500_004).Val())
	all := rdb.LRange(ctx, "big", 0, -1).Val()
	require.Len(t, all, n)
	require.Equal(t, elem(123_456), all[123_456])

	require.Equal(t, int64(999_990), rdb.LPos(ctx, "big", elem(999_990), redis.LPosArgs{Rank: -1}).Val())
	require.NoError(t, rdb.LSet(ctx, "big", -2, "changed").Err())
	require.Equal(t, "changed", rdb.LIndex(ctx, "big", n-2).Val())
	usage := rdb.MemoryUsage(ctx, "big").Val()
	t.Logf("MEMORY USAGE of %d 10-byte elements: %d (%.2f bytes per element)", n, usage, float64(usage)/n)
	require.Less(t, usage, int64(16*n))

	require.NoError(t, rdb.LTrim(ctx, "big", 1000, -1001).Err())
	require.Equal(t, int64(n-2000), rdb.LLen(ctx, "big").Val())
	require.Equal(t, elem(1000), rdb.LIndex(ctx, "big", 0).Val())
	require.Equal(t, elem(n-1001), rdb.LIndex(ctx, "big", -1).Val())
	require.NoError(t, rdb.LTrim(ctx, "big", 400_000, 400_009).Err())
	require.Equal(t, want(401_000, 401_009), rdb.LRange(ctx, "big", 0, -1).Val())
	require.Equal(t, want(401_000, 401_004), rdb.LPopCount(ctx, "big", 5).Val())
	require.NoError(t, rdb.LTrim(ctx, "big", 1, 0).Err())
	require.Equal(t, int64(0), rdb.Exists(ctx, "big").Val())
}

// TestListPopsPropagateAsTheirEffects checks that LMPOP reaches the
// propagator as the pop it did ("RPOP key n"), as Redis rewrites it, and
// that pops that change nothing are not propagated.
func TestListPopsPropagateAsTheirEffects(t *testing.T) {
	rec := &recorder{}
	srv := StartServerWith(t, server.Options{Propagator: rec})
	c := srv.Dial(t)
	for _, cmd := range []string{
		"RPUSH a 1 2 3", "LMPOP 2 nokey a RIGHT COUNT 5", "LMPOP 1 a LEFT", "LPOP nokey", "RPUSH b x y",
		"LMOVE b c LEFT RIGHT", "RPOPLPUSH b c", "LREM c 0 nope", "LPOP c 1",
	} {
		c.Do(strings.Fields(cmd)...)
	}
	require.Equal(t, []string{
		"0 RPUSH a 1 2 3", "0 RPOP a 3", "0 RPUSH b x y", "0 LMOVE b c LEFT RIGHT", "0 RPOPLPUSH b c",
		"0 LPOP c 1",
	}, rec.take())
}
