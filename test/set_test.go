package test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/server"
)

// intsLine returns a command line: prefix followed by the integers from
// lo to hi, for scripts that cross set-max-intset-entries.
func intsLine(prefix string, lo, hi int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i := lo; i <= hi; i++ {
		b.WriteString(" " + strconv.Itoa(i))
	}
	return b.String()
}

// setCompatCases cover every set command, option and error, compared byte
// for byte with real Redis 7.0. Replies whose order is random or a hash
// table's are kept deterministic: intsets iterate in ascending order, and
// random picks are made from sets of one member or asked for the whole
// set (SMEMBERS, SINTER, SUNION and SDIFF are compared unordered).
var setCompatCases = []compatCase{
	{"intset threshold set at run time", script(
		"CONFIG SET set-max-intset-entries 2", "CONFIG GET set-max-intset-entries",
		"SADD s 1 2", "OBJECT ENCODING s", "SADD s 1", "OBJECT ENCODING s", "SADD s 3", "OBJECT ENCODING s",
		// Raising the threshold leaves a hash table as it is.
		"CONFIG SET set-max-intset-entries 512", "SREM s 3", "SADD s 4", "OBJECT ENCODING s", "SMEMBERS s",
		// Lowering it converts an intset at its next insertion only.
		"SADD t 1 2 3", "CONFIG SET set-max-intset-entries 2", "OBJECT ENCODING t", "SADD t 2",
		"OBJECT ENCODING t", "SREM t 3", "SADD t 3", "OBJECT ENCODING t",
		"SADD t2 5", "SMOVE t2 t 5", "OBJECT ENCODING t2", "SMEMBERS t",
		"CONFIG SET set-max-intset-entries 0", "SADD z 1", "OBJECT ENCODING z",
		"CONFIG SET set-max-intset-entries 3", "SADD a 1 2 3", "SADD b 3 4 5", "SUNIONSTORE u a b",
		"OBJECT ENCODING u", "SINTERSTORE i a b", "OBJECT ENCODING i", "SDIFFSTORE d a b", "OBJECT ENCODING d",
		"SMEMBERS d", "SUNION a b", "SMOVE a m 1", "OBJECT ENCODING m",
		"CONFIG SET set-max-intset-entries 2", "SADD c 7 8", "SINTERSTORE ci c c", "OBJECT ENCODING ci",
		"SMEMBERS ci", "CONFIG SET set-max-intset-entries -1", "CONFIG GET set-max-intset-entries")},
	{"sadd srem scard", script(
		"SADD s 1 2 3", "SADD s 3 4 4", "SCARD s", "SCARD nokey", "TYPE s", "SREM s 1 9", "SREM nokey a",
		"SREM s 9", "SCARD s", "SREM s 2 3 4 5", "EXISTS s", "SADD s", "SREM s", "SCARD", "SCARD s x",
		"SADD h a b a ''", "SCARD h", "SREM h '' a", "SMEMBERS h", "SREM h b", "EXISTS h",
		"SET str x", "SADD str a", "SREM str a", "SCARD str", "GET str")},
	{"sismember smismember", script(
		"SADD s 1 2 a", "SISMEMBER s 1", "SISMEMBER s 3", "SISMEMBER s a", "SISMEMBER nokey a",
		"SADD i 5 -7", "SISMEMBER i 5", "SISMEMBER i 05", "SISMEMBER i -7", "SISMEMBER i x", "SISMEMBER i ''",
		"SMISMEMBER s 1 x a 2", "SMISMEMBER nokey a b", "SMISMEMBER i 5 6", "SMISMEMBER s",
		"SET str x", "SISMEMBER str x", "SMISMEMBER str x", "SISMEMBER s")},
	{"smembers and encodings", script(
		"SADD i 3 1 2 -5 9223372036854775807 -9223372036854775808", "SMEMBERS i", "OBJECT ENCODING i",
		"SADD i 300 70000 5000000000", "SMEMBERS i", "OBJECT ENCODING i",
		"SADD i x", "OBJECT ENCODING i", "SREM i x", "OBJECT ENCODING i", "SMEMBERS i",
		"SADD a 01", "OBJECT ENCODING a", "SADD b -0", "OBJECT ENCODING b", "SADD c 9223372036854775808",
		"OBJECT ENCODING c", "SADD d ' 1'", "OBJECT ENCODING d", "SADD e ''", "OBJECT ENCODING e", "SMEMBERS e",
		"SADD f +1", "OBJECT ENCODING f", "SADD g 1.0", "OBJECT ENCODING g",
		intsLine("SADD big", 1, 512), "OBJECT ENCODING big", "SADD big 512", "OBJECT ENCODING big",
		"SADD big 513", "OBJECT ENCODING big", "SREM big 513", "OBJECT ENCODING big", "SCARD big",
		intsLine("SADD big2", 1, 513), "OBJECT ENCODING big2",
		"SMEMBERS nokey", "SET str x", "SMEMBERS str", "SMEMBERS", "SMEMBERS i x")},
	{"srandmember", script(
		"SADD s 5 1 3", "SRANDMEMBER s 3", "SRANDMEMBER s 10", "SRANDMEMBER s 9223372036854775807",
		"SRANDMEMBER s 0", "SRANDMEMBER s -9223372036854775808", "SRANDMEMBER s -9223372036854775809",
		"SRANDMEMBER s x", "SRANDMEMBER s 1.5", "SRANDMEMBER s ''", "SRANDMEMBER s 1 2",
		"SRANDMEMBER nokey", "SRANDMEMBER nokey 5", "SRANDMEMBER nokey -5", "SRANDMEMBER nokey 0",
		"SRANDMEMBER nokey x", "SADD one 7", "SRANDMEMBER one", "SRANDMEMBER one 1", "SRANDMEMBER one -4",
		"SRANDMEMBER one 4", "SADD h a", "SRANDMEMBER h", "SRANDMEMBER h -2", "SRANDMEMBER h 2",
		"SET str x", "SRANDMEMBER str", "SRANDMEMBER str 2", "SRANDMEMBER str x", "SRANDMEMBER")},
	{"spop", script(
		"SPOP nokey", "SPOP nokey 2", "SPOP nokey 0", "SPOP nokey -1", "SADD s 5 1 3 2", "SPOP s 0",
		"SPOP s -1", "SPOP s x", "SPOP s ''", "SPOP s -9223372036854775808", "SPOP s 1 2", "SCARD s",
		"SPOP s 4", "EXISTS s", "SADD s 5 1 3", "SPOP s 9223372036854775807", "EXISTS s",
		"SADD one 7", "SPOP one", "EXISTS one", "SADD h a", "SPOP h 1", "EXISTS h", "SADD h a", "SPOP h",
		"SADD h b", "SPOP h 5", "SET str x", "SPOP str", "SPOP str 1", "SPOP str x", "SPOP str 0", "SPOP")},
	{"smove", script(
		"SADD s 1 2 3", "SADD t 2 3 4 a", "SMOVE nokey t 1", "SET str v", "SMOVE nokey str 1", "SMOVE str s 1",
		"SMOVE s str 1", "SMOVE s str 9", "SMOVE s s 1", "SMOVE s s 9", "SMOVE s t 1", "SMEMBERS s", "SMEMBERS t",
		"SMOVE s t 9", "SMOVE s t 2", "SMEMBERS t", "SMOVE s new 3", "EXISTS s", "OBJECT ENCODING new",
		"SMOVE t new2 a", "OBJECT ENCODING new2", "SMOVE t new a", "OBJECT ENCODING new", "SMEMBERS new",
		"EXPIRE new 100", "SMOVE t new 4", "TTL new", "SMOVE s t", "SMOVE s t 1 2")},
	{"sinter sunion sdiff", script(
		"SADD a 1 2 3 4", "SADD b 3 4 5", "SADD c 4 x", "SADD h x y z 4",
		"SINTER a b", "SINTER a b c", "SINTER a", "SINTER a a", "SINTER b a b", "SINTER a h", "SINTER h c",
		"SINTER a nokey", "SINTER nokey a", "SINTER nokey",
		"SUNION a b", "SUNION a b c", "SUNION a nokey", "SUNION nokey", "SUNION h a", "SUNION a a",
		"SDIFF a b", "SDIFF a b c", "SDIFF a nokey", "SDIFF nokey a", "SDIFF a a", "SDIFF h c", "SDIFF h a b",
		"SDIFF a", "SDIFF b a a",
		"SET str x", "SINTER a str", "SINTER str a", "SINTER nokey str", "SINTER str nokey",
		"SUNION a str", "SUNION nokey str", "SDIFF a str", "SDIFF nokey str", "SDIFF str nokey",
		"SINTER", "SUNION", "SDIFF")},
	{"sdiff algorithms", script(
		// A large first set against small others, and a small first set
		// against large others, take Redis's two algorithms.
		intsLine("SADD big", 1, 300), "SADD small 1 2 3 301", intsLine("SADD mid", 100, 250),
		"SDIFF big small mid", "SDIFF big small small", "SDIFF big small mid small", "SDIFF small big", "SDIFF small mid big", "SDIFF big big", "SDIFF small small big",
		"SDIFFSTORE d big small mid", "SCARD d", "OBJECT ENCODING d", "SDIFFSTORE d small big", "SMEMBERS d")},
	{"store variants", script(
		"SADD a 1 2 3 4", "SADD b 3 4 5", "SADD h x y 4",
		"SINTERSTORE d a b", "SMEMBERS d", "OBJECT ENCODING d", "SINTERSTORE d a h", "SMEMBERS d",
		"OBJECT ENCODING d", "SUNIONSTORE d a h", "SMEMBERS d", "OBJECT ENCODING d",
		"SDIFFSTORE d a b", "SMEMBERS d", "SUNIONSTORE d a b", "SMEMBERS d",
		"EXPIRE d 100", "SINTERSTORE d a b", "TTL d", "EXPIRE d 100", "SUNIONSTORE d a", "TTL d",
		"EXPIRE d 100", "SDIFFSTORE d a b", "TTL d",
		"SINTERSTORE d a nokey", "EXISTS d", "SINTERSTORE d nokey", "SUNIONSTORE d nokey", "SDIFFSTORE d nokey",
		"SDIFFSTORE d a a", "EXISTS d", "SINTERSTORE d2 a b", "SDIFFSTORE d2 b b", "EXISTS d2",
		"SINTERSTORE a a b", "SMEMBERS a", "SUNIONSTORE b b a", "SMEMBERS b", "SDIFFSTORE b b a", "SMEMBERS b",
		"SET str x", "SINTERSTORE str a", "TYPE str", "SET str x", "SUNIONSTORE d a str", "SDIFFSTORE d str",
		"SINTERSTORE d str", "SINTERSTORE d nokey str", "TYPE str",
		intsLine("SADD lo", 1, 300), intsLine("SADD hi", 301, 600), "SUNIONSTORE u lo hi", "SCARD u",
		"OBJECT ENCODING u", "SDIFFSTORE v u hi", "OBJECT ENCODING v", "SINTERSTORE w u lo", "OBJECT ENCODING w",
		"SINTERSTORE d", "SUNIONSTORE d", "SDIFFSTORE d")},
	{"sintercard", script(
		"SADD s 1 2 3", "SADD t 2 3 4 a", "SADD h 3 a b",
		"SINTERCARD 0 s", "SINTERCARD x s", "SINTERCARD -1 s", "SINTERCARD 3 s t", "SINTERCARD 2 s t",
		"SINTERCARD 1 s", "SINTERCARD 3 s t h", "SINTERCARD 2 t h", "SINTERCARD 2 s s",
		"SINTERCARD 2 s t LIMIT 1", "SINTERCARD 2 s t LIMIT 0", "SINTERCARD 2 s t LIMIT 5", "SINTERCARD 2 s t LIMIT -1",
		"SINTERCARD 2 s t LIMIT x", "SINTERCARD 2 s t LIMIT", "SINTERCARD 2 s t FOO", "SINTERCARD 2 s t FOO 1",
		"SINTERCARD 2 s t limit 5 LIMIT 1", "SINTERCARD 1 nokey", "SINTERCARD 2 s nokey",
		"SINTERCARD 9223372036854775808 s", "SINTERCARD 2 s nokey LIMIT x", "SINTERCARD 1 s LIMIT 1 LIMIT",
		"SET str v", "SINTERCARD 2 s str", "SINTERCARD 2 nokey str", "SINTERCARD 1 str LIMIT x", "SINTERCARD 1",
		"COMMAND GETKEYS SINTERCARD 2 s t LIMIT 1", "COMMAND GETKEYS SINTERCARD 1 s",
		"COMMAND GETKEYSANDFLAGS SINTERCARD 2 s t", "COMMAND GETKEYSANDFLAGS SMOVE a b c",
		"COMMAND GETKEYSANDFLAGS SINTERSTORE d a b", "COMMAND GETKEYSANDFLAGS SUNIONSTORE d a b",
		"COMMAND INFO sintercard smove sinterstore")},
	{"sscan", script(
		"SADD s 3 1 2 10 11", "SSCAN s 0", "SSCAN s 7", "SSCAN s 0 COUNT 1", "SSCAN s 0 MATCH 1*",
		"SSCAN s 0 match 1* count 2", "SSCAN s 0 MATCH *", "SSCAN s 0 MATCH x", "SSCAN s ''", "SSCAN s -1",
		"SSCAN s +5", "SSCAN s 18446744073709551615", "SSCAN s -18446744073709551615", "SSCAN s 18446744073709551616",
		"SSCAN s ' 5'", "SSCAN s '5 '", "SSCAN s x", "SSCAN s -", "SSCAN s 0x1", "SSCAN s 0 COUNT 0",
		"SSCAN s 0 COUNT -1", "SSCAN s 0 COUNT x", "SSCAN s 0 COUNT", "SSCAN s 0 MATCH", "SSCAN s 0 TYPE set",
		"SSCAN s 0 FOO bar", "SSCAN s 0 COUNT 9223372036854775807",
		"SSCAN nokey 0", "SSCAN nokey x", "SSCAN nokey 0 COUNT x", "SSCAN nokey 0 FOO",
		"SADD h member", "SSCAN h 0", "SSCAN h 0 MATCH mem*", "SSCAN h 0 MATCH x*", "SSCAN h 0 COUNT 0",
		"SET str x", "SSCAN str 0", "SSCAN str x", "SSCAN str 0 COUNT 0", "SSCAN s")},
	{"sets in transactions and watch", script(
		"SADD s 1", "WATCH s", "SADD s 1", "MULTI", "SCARD s", "EXEC",
		"WATCH s", "SADD s 2", "MULTI", "SCARD s", "EXEC",
		"WATCH s", "SREM s 9", "SISMEMBER s 1", "SRANDMEMBER s 5", "SMOVE s s 1", "MULTI", "PING", "EXEC",
		"WATCH s", "SINTERSTORE nokey2 nokey", "MULTI", "PING", "EXEC",
		"WATCH d", "SUNIONSTORE d s", "MULTI", "PING", "EXEC",
		"MULTI", "SADD m a", "SPOP m 5", "SADD m 1 2", "SINTERCARD 1 m", "EXEC")},
}

func TestSetRepliesMatchRedis(t *testing.T) { runCompat(t, setCompatCases) }

// TestSetsThroughGoRedis drives every set command through go-redis's typed
// API over RESP2 and RESP3.
func TestSetsThroughGoRedis(t *testing.T) {
	srv := StartServer(t)
	srv.EachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client) {

		require.Equal(t, int64(3), rdb.SAdd(ctx, "s", "a", "b", "c").Val())
		require.Equal(t, int64(1), rdb.SAdd(ctx, "s", "c", "d").Val())
		require.Equal(t, int64(4), rdb.SCard(ctx, "s").Val())
		require.True(t, rdb.SIsMember(ctx, "s", "a").Val())
		require.False(t, rdb.SIsMember(ctx, "s", "z").Val())
		require.Equal(t, []bool{true, false, true}, rdb.SMIsMember(ctx, "s", "a", "z", "d").Val())
		require.ElementsMatch(t, []string{"a", "b", "c", "d"}, rdb.SMembers(ctx, "s").Val())
		require.Len(t, rdb.SMembersMap(ctx, "s").Val(), 4)
		require.Equal(t, int64(1), rdb.SRem(ctx, "s", "d", "z").Val())

		require.Contains(t, []string{"a", "b", "c"}, rdb.SRandMember(ctx, "s").Val())
		require.Len(t, rdb.SRandMemberN(ctx, "s", 2).Val(), 2)
		require.Len(t, rdb.SRandMemberN(ctx, "s", -7).Val(), 7)
		require.ElementsMatch(t, []string{"a", "b", "c"}, rdb.SRandMemberN(ctx, "s", 10).Val())
		require.Equal(t, redis.Nil, rdb.SRandMember(ctx, "nokey").Err())
		require.Empty(t, rdb.SRandMemberN(ctx, "nokey", 3).Val())

		require.Equal(t, int64(5), rdb.SAdd(ctx, "p", 1, 2, 3, 4, 5).Val())
		popped := rdb.SPop(ctx, "p").Val()
		require.Contains(t, []string{"1", "2", "3", "4", "5"}, popped)
		require.Len(t, rdb.SPopN(ctx, "p", 2).Val(), 2)
		require.Equal(t, int64(2), rdb.SCard(ctx, "p").Val())
		require.Len(t, rdb.SPopN(ctx, "p", 10).Val(), 2)
		require.Equal(t, int64(0), rdb.Exists(ctx, "p").Val())
		require.Equal(t, redis.Nil, rdb.SPop(ctx, "p").Err())
		require.Empty(t, rdb.SPopN(ctx, "p", 3).Val())

		require.True(t, rdb.SMove(ctx, "s", "t", "a").Val())
		require.False(t, rdb.SMove(ctx, "s", "t", "a").Val())
		require.Equal(t, []string{"a"}, rdb.SMembers(ctx, "t").Val())

		rdb.SAdd(ctx, "x", 1, 2, 3, 4)
		rdb.SAdd(ctx, "y", 3, 4, 5)
		require.ElementsMatch(t, []string{"3", "4"}, rdb.SInter(ctx, "x", "y").Val())
		require.Equal(t, int64(2), rdb.SInterCard(ctx, 0, "x", "y").Val())
		require.Equal(t, int64(1), rdb.SInterCard(ctx, 1, "x", "y").Val())
		require.Equal(t, int64(2), rdb.SInterStore(ctx, "xy", "x", "y").Val())
		require.ElementsMatch(t, []string{"1", "2", "3", "4", "5"}, rdb.SUnion(ctx, "x", "y").Val())
		require.Equal(t, int64(5), rdb.SUnionStore(ctx, "u", "x", "y").Val())
		require.ElementsMatch(t, []string{"1", "2"}, rdb.SDiff(ctx, "x", "y").Val())
		require.Equal(t, int64(2), rdb.SDiffStore(ctx, "d", "x", "y").Val())
		require.Equal(t, "intset", rdb.ObjectEncoding(ctx, "u").Val())

		members, cursor, err := rdb.SScan(ctx, "u", 0, "", 2).Result()
		require.NoError(t, err)
		require.Zero(t, cursor, "an intset answers in one call")
		require.Equal(t, []string{"1", "2", "3", "4", "5"}, members)

		rdb.Set(ctx, "str", "v", 0)
		require.EqualError(t, rdb.SAdd(ctx, "str", "a").Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
		require.EqualError(t, rdb.SInterCard(ctx, -1, "x").Err(), "ERR LIMIT can't be negative")
	})
}

// TestSetWithAMillionMembers builds a 1M-member set in pipelined batches
// and checks its size, ends, encoding, scans, algebra and pops.
func TestSetWithAMillionMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-member set")
	}
	srv := StartServer(t)
	ctx := context.Background()
	// Replies of a million members take a while under the race detector;
	// SPOP must not be retried after a timeout.
	rdb := srv.ClientWith(t, &redis.Options{ReadTimeout: time.Minute, MaxRetries: -1})
	const n, batch = 1_000_000, 10_000
	member := func(i int) string { return "m:" + strconv.Itoa(i) }

	// Integers first: the set is an intset up to 512 members.
	args := make([]any, 512)
	for i := range args {
		args[i] = i
	}
	require.Equal(t, int64(512), rdb.SAdd(ctx, "big", args...).Val())
	require.Equal(t, "intset", rdb.ObjectEncoding(ctx, "big").Val())
	require.Equal(t, int64(512), rdb.SRem(ctx, "big", args...).Val())

	for lo := 0; lo < n; lo += batch {
		p := rdb.Pipeline()
		for j := lo; j < lo+batch; j += 1000 {
			members := make([]any, 1000)
			for k := range members {
				members[k] = member(j + k)
			}
			p.SAdd(ctx, "big", members...)
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
	}
	require.Equal(t, int64(n), rdb.SCard(ctx, "big").Val())
	require.Equal(t, "hashtable", rdb.ObjectEncoding(ctx, "big").Val())
	require.Equal(t, []bool{true, true, false, false}, rdb.SMIsMember(ctx, "big", member(0), member(n-1), member(n), "0").Val())
	require.Equal(t, int64(0), rdb.SAdd(ctx, "big", member(0), member(n-1)).Val())

	// SMEMBERS returns every member once, in one reply.
	members, err := rdb.SMembers(ctx, "big").Result()
	require.NoError(t, err)
	require.Len(t, members, n)
	seen := make([]bool, n)
	for _, m := range members {
		i, err := strconv.Atoi(strings.TrimPrefix(m, "m:"))
		require.NoError(t, err)
		require.False(t, seen[i], "%s twice", m)
		seen[i] = true
	}

	// SSCAN walks the table a step at a time (the full-scan guarantee is
	// checked on a smaller set that changes under the scan, below).
	var cursor uint64
	scanned := map[string]bool{}
	for step := 0; step < 5; step++ {
		keys, next, err := rdb.SScan(ctx, "big", cursor, "", 1000).Result()
		require.NoError(t, err)
		require.NotZero(t, next)
		require.GreaterOrEqual(t, len(keys), 1000)
		for _, k := range keys {
			require.False(t, scanned[k], "%s twice", k)
			scanned[k] = true
		}
		cursor = next
	}
	require.True(t, rdb.SMIsMember(ctx, "big", members[0], members[n-1]).Val()[1])

	// The algebra walks the smaller side.
	rdb.SAdd(ctx, "few", member(5), member(999_999), "other")
	require.ElementsMatch(t, []string{member(5), member(999_999)}, rdb.SInter(ctx, "big", "few").Val())
	require.Equal(t, int64(1), rdb.SInterCard(ctx, 1, "few", "big").Val())
	require.Equal(t, []string{"other"}, rdb.SDiff(ctx, "few", "big").Val())
	require.Equal(t, int64(2), rdb.SInterStore(ctx, "both", "big", "few").Val())

	sample := map[string]bool{}
	for _, m := range rdb.SRandMemberN(ctx, "big", 1000).Val() {
		sample[m] = true
	}
	require.Len(t, sample, 1000)

	// Pops remove distinct members; the set stays a hash table.
	const pop = 100_000
	popped, err := rdb.SPopN(ctx, "big", pop).Result()
	require.NoError(t, err)
	require.Len(t, popped, pop)
	require.Equal(t, int64(n-pop), rdb.SCard(ctx, "big").Val())
	require.Equal(t, "hashtable", rdb.ObjectEncoding(ctx, "big").Val())
	gone := make([]any, 0, pop)
	for _, m := range popped {
		gone = append(gone, m)
	}
	require.Equal(t, int64(0), rdb.SRem(ctx, "big", gone...).Val(), "popped members are gone and distinct")
	require.Equal(t, int64(n-pop), rdb.SInterCard(ctx, 0, "big").Val())
}

// TestSscanReturnsEveryStableMemberWhileMembersChange checks SSCAN's
// guarantee while another client adds and removes members, growing and
// shrinking the set's table between steps.
func TestSscanReturnsEveryStableMemberWhileMembersChange(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb, other := srv.Client(t), srv.Client(t)
	stable := make([]any, 3000)
	for i := range stable {
		stable[i] = "stable:" + strconv.Itoa(i)
	}
	require.NoError(t, rdb.SAdd(ctx, "s", stable...).Err())
	churn := make([]any, 2000)
	for i := range churn {
		churn[i] = "churn:" + strconv.Itoa(i)
	}
	seen := map[string]bool{}
	var cursor uint64
	for round := 0; ; round++ {
		keys, next, err := rdb.SScan(ctx, "s", cursor, "stable:*", 40).Result()
		require.NoError(t, err)
		for _, k := range keys {
			require.True(t, strings.HasPrefix(k, "stable:"), "MATCH let %q through", k)
			seen[k] = true
		}
		if round%2 == 0 {
			require.NoError(t, other.SAdd(ctx, "s", churn...).Err())
		} else {
			require.NoError(t, other.SRem(ctx, "s", churn...).Err())
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	for _, m := range stable {
		require.True(t, seen[m.(string)], "SSCAN missed %s", m)
	}
}

// TestSpopAndSrandmemberAreUniform checks the server's random choices for
// gross bias: over many draws every member of a small set, in either
// encoding, comes up within 25% of its expected count.
func TestSpopAndSrandmemberAreUniform(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	const size, draws = 20, 40_000
	for _, prefix := range []string{"", "m"} {
		members := make([]any, size)
		for i := range members {
			members[i] = prefix + strconv.Itoa(i)
		}
		require.NoError(t, rdb.Del(ctx, "s").Err())
		require.NoError(t, rdb.SAdd(ctx, "s", members...).Err())
		check := func(what string, counts map[string]int, total int) {
			t.Helper()
			require.Len(t, counts, size, what)
			exp := float64(total) / size
			for m, got := range counts {
				require.InDelta(t, exp, float64(got), exp/4, "%s: member %s", what, m)
			}
		}

		counts := map[string]int{}
		p := rdb.Pipeline()
		var cmds []*redis.StringCmd
		for i := 0; i < draws; i++ {
			cmds = append(cmds, p.SRandMember(ctx, "s"))
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
		for _, c := range cmds {
			counts[c.Val()]++
		}
		check("SRANDMEMBER", counts, draws)

		clear(counts)
		for _, m := range rdb.SRandMemberN(ctx, "s", -draws).Val() {
			counts[m]++
		}
		check("SRANDMEMBER negative count", counts, draws)

		clear(counts)
		var batches []*redis.StringSliceCmd
		p = rdb.Pipeline()
		for i := 0; i < draws/5; i++ {
			batches = append(batches, p.SRandMemberN(ctx, "s", 5))
		}
		_, err = p.Exec(ctx)
		require.NoError(t, err)
		for _, c := range batches {
			for _, m := range c.Val() {
				counts[m]++
			}
		}
		check("SRANDMEMBER count", counts, draws)

		// SPOP a quarter of a fresh set each time.
		clear(counts)
		batches = batches[:0]
		p = rdb.Pipeline()
		for i := 0; i < draws/5; i++ {
			p.Del(ctx, "c")
			p.SAdd(ctx, "c", members...)
			batches = append(batches, p.SPopN(ctx, "c", 5))
		}
		_, err = p.Exec(ctx)
		require.NoError(t, err)
		for _, c := range batches {
			for _, m := range c.Val() {
				counts[m]++
			}
		}
		check("SPOP count", counts, draws)
	}
}

// TestSpopOfMostOfASetRebuildsIt checks Redis's way of popping most of a
// set (measured with redis-server 7.0.15): when at most one member stays
// for five popped, the members that stay move to a new set, so a hash
// table of integers may become an intset again, under the threshold in
// force; popping fewer leaves the encoding as it is.
func TestSpopOfMostOfASetRebuildsIt(t *testing.T) {
	srv := StartServer(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	ints := make([]any, 600)
	for i := range ints {
		ints[i] = i + 1
	}
	encoding := func(key string) string {
		t.Helper()
		enc, err := rdb.ObjectEncoding(ctx, key).Result()
		require.NoError(t, err)
		return enc
	}
	for _, key := range []string{"most", "few", "over"} {
		require.NoError(t, rdb.SAdd(ctx, key, ints...).Err())
		require.Equal(t, "hashtable", encoding(key))
	}
	require.Len(t, rdb.SPopN(ctx, "most", 500).Val(), 500)
	require.Equal(t, int64(100), rdb.SCard(ctx, "most").Val())
	require.Equal(t, "intset", encoding("most"))

	require.Len(t, rdb.SPopN(ctx, "few", 10).Val(), 10)
	require.Equal(t, "hashtable", encoding("few"))

	require.NoError(t, rdb.ConfigSet(ctx, "set-max-intset-entries", "50").Err())
	require.Len(t, rdb.SPopN(ctx, "over", 500).Val(), 500)
	require.Equal(t, "hashtable", encoding("over"))

	require.NoError(t, rdb.SAdd(ctx, "mixed", 1, 2, 3, 4, 5, 6, "x").Err())
	require.NoError(t, rdb.SRem(ctx, "mixed", "x").Err())
	require.Equal(t, "hashtable", encoding("mixed"))
	require.Len(t, rdb.SPopN(ctx, "mixed", 5).Val(), 5)
	require.Equal(t, "intset", encoding("mixed"))
}

// TestSpopPropagatesWhatItRemoved checks the effects of the random and
// set-algebra writes, as Redis 7.0 writes them to its AOF: SPOP as SREM of
// the popped member, SPOP with a count as one SREM per member (several in
// MULTI/EXEC) or DEL when it takes the whole set, and no effect for writes
// that changed nothing.
func TestSpopPropagatesWhatItRemoved(t *testing.T) {
	rec := &recorder{}
	srv := StartServerWith(t, server.Options{Propagator: rec}, "hz 1")
	ctx := context.Background()
	rdb := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	rec.take()

	do := func(args ...any) any {
		t.Helper()
		return rdb.Do(ctx, args...).Val()
	}
	do("SADD", "one", "a")
	popped := do("SPOP", "one")
	require.Equal(t, []string{"0 SADD one a", "0 SREM one a"}, rec.take())
	require.Equal(t, "a", popped)

	do("SADD", "s", "1", "2", "3", "4", "5")
	rec.take()
	p1 := do("SPOP", "s").(string)
	require.Equal(t, []string{"0 SREM s " + p1}, rec.take())
	pn := do("SPOP", "s", "2").([]any)
	require.Equal(t, []string{"0 MULTI", "0 SREM s " + pn[0].(string), "0 SREM s " + pn[1].(string), "0 EXEC"}, rec.take())
	p1s := do("SPOP", "s", "1").([]any)
	require.Equal(t, []string{"0 SREM s " + p1s[0].(string)}, rec.take())
	do("SPOP", "s", "0")
	do("SPOP", "nokey", "3")
	do("SPOP", "nokey")
	require.Empty(t, rec.take())
	do("SPOP", "s", "10")
	require.Equal(t, []string{"0 DEL s"}, rec.take())

	// Deterministic writes propagate as they are, and only when they
	// changed something.
	do("SADD", "t", "x", "y")
	do("SADD", "t", "x")
	do("SREM", "t", "nope")
	do("SMOVE", "t", "u", "nope")
	do("SRANDMEMBER", "t", "5")
	do("SINTERSTORE", "empty", "nokey")
	do("SMOVE", "t", "u", "x")
	do("SINTERSTORE", "t", "nokey")
	require.Equal(t, []string{"0 SADD t x y", "0 SMOVE t u x", "0 SINTERSTORE t nokey"}, rec.take())

	// Inside MULTI the pops are one unit with the rest.
	do("SADD", "m", "1", "2", "3")
	rec.take()
	pipe := rdb.TxPipeline()
	pipe.SPop(ctx, "m")
	pipe.SAdd(ctx, "m", "9")
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	got := rec.take()
	require.Len(t, got, 4)
	require.Equal(t, "0 MULTI", got[0])
	require.True(t, strings.HasPrefix(got[1], "0 SREM m "), got[1])
	require.Equal(t, []string{"0 sadd m 9", "0 EXEC"}, got[2:])
}

// TestSetWatchIsTouchedOnlyByChanges checks that a set write invalidates
// a WATCH only when it changes the set, from another client.
func TestSetWatchIsTouchedOnlyByChanges(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb, other := srv.Client(t), srv.Client(t)
	require.NoError(t, rdb.SAdd(ctx, "s", "a").Err())
	watchWith := func(change func()) error {
		var once sync.Once
		return rdb.Watch(ctx, func(tx *redis.Tx) error {
			once.Do(change)
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.SCard(ctx, "s")
				return nil
			})
			return err
		}, "s")
	}
	require.NoError(t, watchWith(func() { other.SAdd(ctx, "s", "a") }))
	require.NoError(t, watchWith(func() { other.SRem(ctx, "s", "zz") }))
	require.Equal(t, redis.TxFailedErr, watchWith(func() { other.SAdd(ctx, "s", "b") }))
	require.Equal(t, redis.TxFailedErr, watchWith(func() { other.SPop(ctx, "s") }))
	require.Equal(t, int64(1), other.SCard(ctx, "s").Val())
}

// TestSmallSetsOfStringsAreListpacks checks through go-redis that a small
// set of strings is kept compact (MEMORY USAGE), up to 128 members of up to
// 64 bytes, that OBJECT ENCODING still names it as Redis 7.0 does, and
// that every set command, a DUMP/RESTORE round trip and the conversion to a
// hash table keep its members.
func TestSmallSetsOfStringsAreListpacks(t *testing.T) {
	srv := StartServer(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	usage := func(key string) int64 {
		t.Helper()
		n, err := rdb.MemoryUsage(ctx, key).Result()
		require.NoError(t, err)
		return n
	}
	members := func(prefix string, n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = prefix + strconv.Itoa(i)
		}
		return out
	}

	require.NoError(t, rdb.SAdd(ctx, "one", "member").Err())
	require.Equal(t, "hashtable", rdb.ObjectEncoding(ctx, "one").Val())
	compact := usage("one")
	require.Less(t, compact, int64(160), "a listpack, not a table")
	require.NoError(t, rdb.SAdd(ctx, "one", strings.Repeat("v", 65)).Err())
	require.Greater(t, usage("one"), compact+150, "a member past 64 bytes makes a table")
	require.ElementsMatch(t, []string{"member", strings.Repeat("v", 65)}, rdb.SMembers(ctx, "one").Val())

	full := members("m", 128)
	require.NoError(t, rdb.SAdd(ctx, "full", full...).Err())
	atLimit := usage("full")
	require.NoError(t, rdb.SAdd(ctx, "full", "m0", "m127").Err(), "members already there")
	require.Equal(t, atLimit, usage("full"))
	require.NoError(t, rdb.SAdd(ctx, "full", "more").Err())
	require.Greater(t, usage("full"), atLimit+1000, "the 129th member makes a table")
	require.Equal(t, int64(129), rdb.SCard(ctx, "full").Val())

	// The commands on a listpack set, against a model of it.
	small := members("s", 40)
	require.NoError(t, rdb.SAdd(ctx, "s", small...).Err())
	require.NoError(t, rdb.SAdd(ctx, "s", 7, -3, "").Err())
	model := map[string]bool{"7": true, "-3": true, "": true}
	for _, m := range small {
		model[m.(string)] = true
	}
	check := func() {
		t.Helper()
		var want []string
		for m := range model {
			want = append(want, m)
		}
		require.ElementsMatch(t, want, rdb.SMembers(ctx, "s").Val())
		keys, cursor, err := rdb.SScan(ctx, "s", 0, "", 10).Result()
		require.NoError(t, err)
		require.Zero(t, cursor, "returned whole")
		require.ElementsMatch(t, want, keys)
		require.Equal(t, int64(len(model)), rdb.SCard(ctx, "s").Val())
	}
	check()
	require.Less(t, usage("s"), int64(700))
	require.True(t, rdb.SIsMember(ctx, "s", "").Val())
	require.True(t, rdb.SIsMember(ctx, "s", "-3").Val())
	require.False(t, rdb.SIsMember(ctx, "s", "s40").Val())
	require.Equal(t, int64(2), rdb.SRem(ctx, "s", "s0", "", "nope").Val())
	delete(model, "s0")
	delete(model, "")
	check()
	popped := rdb.SPopN(ctx, "s", 5).Val()
	require.Len(t, popped, 5)
	for _, m := range popped {
		require.True(t, model[m], m)
		delete(model, m)
	}
	check()
	for _, m := range rdb.SRandMemberN(ctx, "s", -500).Val() {
		require.True(t, model[m], m)
	}
	distinct := rdb.SRandMemberN(ctx, "s", 10).Val()
	require.Len(t, distinct, 10)
	for _, m := range distinct {
		require.True(t, model[m], m)
	}
	// SPOP took five at random: the members below are ones still there.
	present := func(n int) []string {
		var out []string
		for m := range model {
			if len(out) < n {
				out = append(out, m)
			}
		}
		return out
	}
	moved := present(1)[0]
	require.True(t, rdb.SMove(ctx, "s", "dst", moved).Val())
	delete(model, moved)
	check()
	require.Equal(t, []string{moved}, rdb.SMembers(ctx, "dst").Val())
	both := present(2)
	require.NoError(t, rdb.SAdd(ctx, "other", both[0], both[1], "x").Err())
	require.ElementsMatch(t, both, rdb.SInter(ctx, "s", "other").Val())
	require.Equal(t, int64(2), rdb.SInterStore(ctx, "inter", "s", "other").Val())
	require.ElementsMatch(t, both, rdb.SMembers(ctx, "inter").Val())

	dump, err := rdb.Dump(ctx, "s").Result()
	require.NoError(t, err)
	require.NoError(t, rdb.Restore(ctx, "copy", 0, dump).Err())
	require.ElementsMatch(t, rdb.SMembers(ctx, "s").Val(), rdb.SMembers(ctx, "copy").Val())
	// The restored listpack is laid out exactly; the original may have room.
	require.LessOrEqual(t, usage("copy"), usage("s"), "restored compact")

	// A long member turns it into a hash table with every member.
	require.NoError(t, rdb.SAdd(ctx, "s", strings.Repeat("w", 100)).Err())
	model[strings.Repeat("w", 100)] = true
	var want []string
	for m := range model {
		want = append(want, m)
	}
	require.ElementsMatch(t, want, rdb.SMembers(ctx, "s").Val())
}
