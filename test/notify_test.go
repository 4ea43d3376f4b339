package test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// notifyScript exercises every command that sends keyspace notifications,
// and the ways each can end (nothing changed, a key emptied and deleted,
// a store of an empty result).
var notifyScript = [][]string{
	{"SET", "s", "1"}, {"SET", "s", "2", "EX", "100"}, {"SET", "s", "3", "NX"}, {"SET", "s", "4", "XX", "GET"},
	{"SET", "s", "5", "KEEPTTL"}, {"SETNX", "s2", "a"}, {"SETNX", "s2", "b"}, {"SETEX", "s3", "100", "v"},
	{"PSETEX", "s4", "100000", "v"}, {"GETSET", "s", "6"}, {"MSET", "m1", "1", "m2", "2"}, {"MSETNX", "m3", "1", "m1", "2"},
	{"MSETNX", "m4", "1", "m5", "2"}, {"APPEND", "s", "x"}, {"APPEND", "new", "x"}, {"SETRANGE", "s", "1", "yy"},
	{"SETRANGE", "s", "0", ""}, {"INCR", "n"}, {"DECR", "n"}, {"INCRBY", "n", "5"}, {"DECRBY", "n", "2"},
	{"INCRBYFLOAT", "f", "1.5"}, {"GETEX", "s", "EX", "50"}, {"GETEX", "s", "PERSIST"}, {"GETEX", "s", "PERSIST"},
	{"GETEX", "s"}, {"GETDEL", "s2"}, {"GETDEL", "s2"}, {"SETBIT", "b", "7", "1"}, {"SETBIT", "b", "7", "1"},
	{"BITFIELD", "b", "SET", "u8", "0", "255"}, {"BITFIELD", "b", "GET", "u8", "0"}, {"BITOP", "OR", "bo", "b"},
	{"BITOP", "OR", "bo", "nosuch"}, {"PFADD", "h", "a", "b"}, {"PFADD", "h", "a"}, {"PFADD", "h2", "c"},
	{"PFMERGE", "h3", "h", "h2"}, {"PFCOUNT", "h"},

	{"EXPIRE", "m1", "100"}, {"PEXPIRE", "m1", "100000"}, {"EXPIREAT", "m1", "4000000000"},
	{"PEXPIREAT", "m1", "4000000000000"}, {"EXPIRE", "m1", "100", "NX"}, {"PERSIST", "m1"}, {"PERSIST", "m1"},
	{"EXPIRE", "m2", "-1"}, {"EXPIRE", "nosuch", "10"}, {"DEL", "m3", "m4", "nosuch"}, {"UNLINK", "m5"},
	{"RENAME", "n", "n2"}, {"RENAMENX", "n2", "f"}, {"RENAMENX", "n2", "n3"}, {"RENAME", "n3", "n3"},
	{"COPY", "n3", "c1"}, {"COPY", "n3", "c1"}, {"COPY", "n3", "c1", "REPLACE"}, {"COPY", "n3", "c2", "DB", "1"},
	{"MOVE", "c1", "2"}, {"SELECT", "2"}, {"DEL", "c1"}, {"SELECT", "0"},

	{"LPUSH", "l", "a", "b"}, {"RPUSH", "l", "c"}, {"LPUSHX", "l", "d"}, {"RPUSHX", "l", "e"}, {"LPUSHX", "nl", "x"},
	{"LINSERT", "l", "BEFORE", "a", "z"}, {"LINSERT", "l", "BEFORE", "nosuch", "z"}, {"LSET", "l", "0", "q"},
	{"LPOP", "l"}, {"RPOP", "l", "2"}, {"LREM", "l", "0", "z"}, {"LREM", "l", "0", "nosuch"}, {"LTRIM", "l", "0", "0"},
	{"RPUSH", "l2", "1", "2", "3"}, {"LMOVE", "l2", "l3", "LEFT", "RIGHT"}, {"RPOPLPUSH", "l2", "l3"},
	{"LMOVE", "l2", "l3", "RIGHT", "LEFT"}, {"LMOVE", "l3", "l3", "LEFT", "RIGHT"}, {"LMPOP", "2", "nosuch", "l3", "LEFT"},
	{"LMPOP", "1", "l3", "RIGHT", "COUNT", "5"}, {"RPUSH", "l4", "x"}, {"BLPOP", "l4", "0"}, {"RPUSH", "l4", "x", "y"},
	{"BRPOP", "l4", "0"}, {"BLMOVE", "l4", "l5", "LEFT", "LEFT", "0"}, {"BLMPOP", "0", "1", "l5", "RIGHT"},
	{"LTRIM", "l", "5", "10"}, {"RPUSH", "so", "3", "1", "2"}, {"SORT", "so", "STORE", "sorted"},
	{"SORT", "nosuch", "STORE", "sorted"}, {"SORT", "nosuch", "STORE", "sorted"},

	{"SADD", "st", "a", "b", "c"}, {"SADD", "st", "a"}, {"SREM", "st", "a", "zz"}, {"SREM", "st", "zz"},
	{"SMOVE", "st", "st2", "b"}, {"SMOVE", "st", "st2", "b"}, {"SMOVE", "st", "st2", "c"}, {"SADD", "st2", "d"},
	{"SMOVE", "st2", "st2", "d"}, {"SADD", "sp", "1"}, {"SPOP", "sp"}, {"SADD", "sp", "1", "2", "3"},
	{"SPOP", "sp", "0"}, {"SPOP", "sp", "1"}, {"SPOP", "sp", "5"}, {"SINTERSTORE", "si", "st2", "st2"},
	{"SUNIONSTORE", "su", "st2", "nosuch"}, {"SDIFFSTORE", "sd", "st2", "st2"}, {"SDIFFSTORE", "su", "st2", "st2"},
	{"SINTERSTORE", "si", "nosuch", "st2"},

	{"HSET", "hh", "a", "1", "b", "2"}, {"HMSET", "hh", "c", "3"}, {"HSETNX", "hh", "a", "9"}, {"HSETNX", "hh", "d", "4"},
	{"HINCRBY", "hh", "a", "2"}, {"HINCRBYFLOAT", "hh", "a", "0.5"}, {"HDEL", "hh", "a", "zz"}, {"HDEL", "hh", "zz"},
	{"HDEL", "hh", "b", "c", "d"},

	{"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"}, {"ZADD", "z", "1", "a"}, {"ZADD", "z", "CH", "5", "a"},
	{"ZADD", "z", "INCR", "1", "a"}, {"ZADD", "z", "NX", "INCR", "1", "a"}, {"ZINCRBY", "z", "2", "b"},
	{"ZREM", "z", "zz"}, {"ZREM", "z", "c"}, {"ZADD", "z", "10", "e", "11", "f", "12", "g"},
	{"ZREMRANGEBYRANK", "z", "0", "0"}, {"ZREMRANGEBYSCORE", "z", "100", "200"}, {"ZREMRANGEBYSCORE", "z", "10", "10"},
	{"ZREMRANGEBYLEX", "z", "[f", "[f"}, {"ZPOPMIN", "z"}, {"ZPOPMAX", "z", "2"}, {"ZPOPMIN", "nosuch"},
	{"ZADD", "z1", "1", "a", "2", "b"}, {"ZADD", "z2", "1", "b"}, {"ZUNIONSTORE", "zu", "2", "z1", "z2"},
	{"ZINTERSTORE", "zi", "2", "z1", "z2"}, {"ZDIFFSTORE", "zd", "2", "z1", "z2"}, {"ZINTERSTORE", "zi", "2", "z1", "nosuch"},
	{"ZRANGESTORE", "zr", "z1", "0", "-1"}, {"ZRANGESTORE", "zr", "z1", "5", "6"}, {"ZMPOP", "1", "z1", "MIN"},
	{"BZPOPMAX", "z1", "0"}, {"ZADD", "z3", "1", "a"}, {"BZMPOP", "0", "1", "z3", "MAX"}, {"ZREM", "z2", "b"},

	{"GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"},
	{"GEOADD", "g", "13.361389", "38.115556", "Palermo"},
	{"GEOSEARCHSTORE", "gs", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"},
	{"GEOSEARCHSTORE", "gs", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "ASC"},
	{"GEORADIUS", "g", "15", "37", "200", "km", "STORE", "gr"}, {"GEORADIUS", "nosuch", "15", "37", "200", "km", "STORE", "gr"},

	{"SET", "r", "v"}, {"DUMP", "nosuch"}, {"RESTORE", "r2", "0", "\x00\x01v\n\x00\x91\b\xce\xb2\x198\x8a\xce"},
	{"RESTORE", "r2", "0", "\x00\x01v\n\x00\x91\b\xce\xb2\x198\x8a\xce", "REPLACE"},
	{"RESTORE", "r2", "1", "\x00\x01v\n\x00\x91\b\xce\xb2\x198\x8a\xce", "REPLACE", "ABSTTL"},

	{"GET", "miss"}, {"MGET", "miss", "r", "miss2"}, {"STRLEN", "miss"}, {"GETRANGE", "miss", "0", "1"},
	{"EXISTS", "miss"}, {"TYPE", "miss"}, {"TTL", "miss"}, {"LLEN", "miss"}, {"LRANGE", "miss", "0", "1"},
	{"LINDEX", "miss", "0"}, {"HGET", "miss", "f"}, {"HGETALL", "miss"}, {"HLEN", "miss"}, {"SMEMBERS", "miss"},
	{"SISMEMBER", "miss", "m"}, {"SCARD", "miss"}, {"ZSCORE", "miss", "m"}, {"ZRANGE", "miss", "0", "1"},
	{"ZCARD", "miss"}, {"GETBIT", "miss", "1"}, {"BITCOUNT", "miss"}, {"PFCOUNT", "miss"}, {"DUMP", "miss"},
	{"OBJECT", "ENCODING", "miss"}, {"SUNION", "miss", "miss2"}, {"GEOPOS", "miss", "a"}, {"SORT", "miss"},
	{"LPOS", "miss", "a"}, {"HRANDFIELD", "miss"}, {"SRANDMEMBER", "miss"}, {"ZRANDMEMBER", "miss"},
	{"GETEX", "miss"}, {"GETDEL", "miss"}, {"INCR", "miss3"}, {"LPOP", "miss"}, {"COPY", "miss", "x"},
	{"DEBUG", "SET-ACTIVE-EXPIRE", "0"}, {"SET", "ex1", "1", "PX", "1"}, {"SET", "ex2", "1", "PX", "1"},
	{"SET", "ex3", "1", "PX", "1"}, {"RPUSH", "ex4", "1"}, {"PEXPIRE", "ex4", "1"}, {"SET", "ex5", "1", "PX", "1"},
	{"HSET", "ex6", "f", "1"}, {"PEXPIRE", "ex6", "1"}, {"SLEEP"}, {"SET", "ex1", "2"}, {"MSET", "ex2", "2"},
	{"SETNX", "ex3", "2"}, {"LPUSH", "ex4", "2"}, {"APPEND", "ex5", "2"}, {"HSET", "ex6", "g", "2"},
	{"DEBUG", "SET-ACTIVE-EXPIRE", "1"},
	{"MULTI"}, {"SET", "t", "1"}, {"INCR", "t"}, {"EXEC"},
	{"EVAL", "redis.call('set', KEYS[1], 'x') return redis.call('del', KEYS[1])", "1", "ev"},
	{"SET", "mixed", "1"}, {"CONFIG", "SET", "notify-keyspace-events", "El"}, {"SET", "mixed", "2"}, {"RPUSH", "ml", "1"},
	{"CONFIG", "SET", "notify-keyspace-events", "K$"}, {"SET", "mixed", "3"}, {"RPUSH", "ml", "2"},
	{"CONFIG", "SET", "notify-keyspace-events", ""}, {"SET", "mixed", "4"},
	{"CONFIG", "SET", "notify-keyspace-events", "KEAnm"},
	{"FLUSHALL"},
}

// notifyTranscript runs notifyScript on the server at addr with every
// class of notification on, and returns, for each command, its reply and
// the notifications a subscriber to every keyspace channel received for
// it.
func notifyTranscript(t *testing.T, addr string) []string {
	srv := &Server{Addr: addr}
	cmd, sub := srv.Dial(t), srv.Dial(t)
	require.Equal(t, "+OK\r\n", cmd.Do("CONFIG", "SET", "notify-keyspace-events", "KEAnm"))
	sub.Do("PSUBSCRIBE", "__key*__:*")
	sub.Do("SUBSCRIBE", "sync")
	var out []string
	inMulti := false
	for i, args := range notifyScript {
		if args[0] == "SLEEP" {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		reply := cmd.Do(args...)
		if strings.EqualFold(args[0], "SPOP") { // which member is random
			reply = reply[:strings.Index(reply, "\r\n")]
		}
		switch strings.ToUpper(args[0]) {
		case "MULTI":
			inMulti = true
		case "EXEC":
			inMulti = false
		}
		if inMulti { // a PUBLISH would be queued
			out = append(out, strings.Join(args, " ")+" -> "+reply)
			continue
		}
		cmd.Do("PUBLISH", "sync", strconv.Itoa(i))
		var got []string
		for {
			msg := sub.ReadReply()
			if strings.Contains(msg, "$4\r\nsync\r\n") {
				require.Contains(t, msg, "\r\n"+strconv.Itoa(i)+"\r\n")
				break
			}
			got = append(got, msg)
		}
		out = append(out, strings.Join(args, " ")+" -> "+reply+strings.Join(got, ""))
	}
	return out
}

// requireSameTranscript requires two servers' transcripts to match line
// by line, logging the lines before the first that differs.
func requireSameTranscript(t *testing.T, want, got []string) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	for i := range want {
		if want[i] != got[i] {
			for j := max(i-4, 0); j < i; j++ {
				t.Logf("before: %q", got[j])
			}
		}
		require.Equal(t, want[i], got[i])
	}
}

// TestKeyspaceNotificationsMatchRedis compares, command by command, what
// a subscriber to every keyspace and keyevent channel receives from each
// server.
func TestKeyspaceNotificationsMatchRedis(t *testing.T) {
	want := notifyTranscript(t, StartRealRedis(t).Addr)
	got := notifyTranscript(t, StartServer(t, "enable-debug-command yes").Addr)
	requireSameTranscript(t, want, got)
	// The script sends events of every class.
	all := strings.Join(got, "")
	for _, event := range []string{"new", "keymiss", "expired", "set", "expire", "del", "lpush", "lpop", "sadd", "hset", "zadd", "rename_to",
		"move_to", "copy_to", "restore", "geosearchstore", "sortstore", "pfadd", "setbit", "incrbyfloat"} {
		require.Contains(t, all, "$"+strconv.Itoa(len(event))+"\r\n"+event+"\r\n")
	}
}

// TestExpiredAndEvictedNotifications checks the notifications of keys the
// server removes by itself: "expired" when an expired key is found by a
// read or by the background cycle, "evicted" for every key eviction takes
// past maxmemory.
func TestExpiredAndEvictedNotifications(t *testing.T) {
	ctx := context.Background()
	srv := StartServer(t, "notify-keyspace-events Exe", "hz 100")
	rdb := srv.Client(t)
	sub := rdb.PSubscribe(ctx, "__keyevent@0__:*")
	defer sub.Close()
	_, err := sub.Receive(ctx)
	require.NoError(t, err)
	msgs := sub.Channel()

	require.NoError(t, rdb.Set(ctx, "lazy", "v", 20*time.Millisecond).Err())
	require.NoError(t, rdb.Set(ctx, "active", "v", 20*time.Millisecond).Err())
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, redis.Nil, rdb.Get(ctx, "lazy").Err())
	seen := map[string]bool{}
	for len(seen) < 2 {
		select {
		case m := <-msgs:
			require.Equal(t, "__keyevent@0__:expired", m.Channel)
			seen[m.Payload] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("expired notifications: got %v", seen)
		}
	}
	require.Equal(t, map[string]bool{"lazy": true, "active": true}, seen)

	require.NoError(t, rdb.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err())
	base := infoField(t, rdb, "memory", "used_memory")
	require.NoError(t, rdb.ConfigSet(ctx, "maxmemory", strconv.FormatInt(base+2<<20, 10)).Err())
	value := strings.Repeat("x", 10<<10)
	for i := range 1000 {
		require.NoError(t, rdb.Set(ctx, "big:"+strconv.Itoa(i), value, 0).Err())
	}
	evicted := infoField(t, rdb, "stats", "evicted_keys")
	require.Greater(t, evicted, int64(0))
	keys := map[string]bool{}
	for int64(len(keys)) < evicted {
		select {
		case m := <-msgs:
			require.Equal(t, "__keyevent@0__:evicted", m.Channel)
			keys[m.Payload] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("evicted notifications: %d of %d", len(keys), evicted)
		}
	}
	for k := range keys {
		require.Equal(t, int64(0), rdb.Exists(ctx, k).Val(), "%s was evicted", k)
	}
}
