package test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/aof"
	"quordis/store"
)

// rdbDatabases are the databases the RDB tests fill.
var rdbDatabases = []int{0, 1, 3, 15}

// rdbExpireAt is the expiry of the test keys that have one (2100-01-01),
// fixed so that servers filled at different moments hold the same data.
const rdbExpireAt = 4_102_444_800_000

// fillForRDB fills c's server with every type in every encoding: the DUMP
// scenarios in database 0, keys with expiries in 3, one key in 15, and
// with small, the values Redis encodes in its general forms only when its
// thresholds are lowered (a three-field hash table, a two-member skiplist)
// in database 1.
func fillForRDB(t *testing.T, ctx context.Context, c *redis.Client, small bool) {
	conn := c.Conn()
	defer conn.Close()
	run := func(db int, cmds ...[]any) {
		require.NoError(t, conn.Select(ctx, db).Err())
		for _, cmd := range cmds {
			require.NoError(t, conn.Do(ctx, cmd...).Err(), "%v", cmd[:2])
		}
	}
	for _, sc := range dumpScenarios() {
		run(0, sc.cmds...)
	}
	const expireAt = rdbExpireAt
	run(3,
		dumpCmd("SET", "s", "v", "PXAT", expireAt),
		dumpCmd("RPUSH", "l", "a", "b"), dumpCmd("PEXPIREAT", "l", expireAt+1),
		dumpCmd("HSET", "h", "f", "v"), dumpCmd("PEXPIREAT", "h", expireAt+2),
		dumpCmd("SET", "forever", "v"))
	run(15, dumpCmd("SET", "", "empty key name"))
	run(1, dumpCmd("SET", "placeholder", "x"))
	if small {
		run(1,
			dumpCmd("CONFIG", "SET", "hash-max-listpack-entries", "0"),
			dumpCmd("CONFIG", "SET", "zset-max-listpack-entries", "0"),
			dumpCmd("CONFIG", "SET", "set-max-intset-entries", "0"),
			dumpCmd("CONFIG", "SET", "list-max-listpack-size", "1"),
			dumpCmd("HSET", "old:h", "a", "1", "b", "2", "c", "3"),
			dumpCmd("ZADD", "old:z", "1", "a", "2.5", "b"),
			dumpCmd("SADD", "old:s", "1", "2", "3"),
			dumpCmd("RPUSH", "old:l", "a", "b", "c", "1", "2"),
			dumpCmd("CONFIG", "SET", "hash-max-listpack-entries", "512"),
			dumpCmd("CONFIG", "SET", "zset-max-listpack-entries", "128"),
			dumpCmd("CONFIG", "SET", "set-max-intset-entries", "512"),
			dumpCmd("CONFIG", "SET", "list-max-listpack-size", "-2"))
	}
}

// describeAll describes every key of the rdbDatabases of the server at
// addr, by database.
func describeAll(t *testing.T, ctx context.Context, client func(db int) *redis.Client) map[int]map[string]string {
	out := map[int]map[string]string{}
	for _, db := range rdbDatabases {
		c := client(db)
		out[db] = map[string]string{}
		for _, key := range dumpKeys(t, ctx, c) {
			out[db][key] = describeKey(t, ctx, c, key)
		}
	}
	return out
}

// realClient returns a function giving clients of the real server at
// addr, one per database, closed when the test ends.
func realClient(t *testing.T, addr string) func(db int) *redis.Client {
	return func(db int) *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
		t.Cleanup(func() { c.Close() })
		return c
	}
}

func requireSameKeyspace(t *testing.T, want, got map[int]map[string]string) {
	t.Helper()
	for _, db := range rdbDatabases {
		require.Equal(t, len(want[db]), len(got[db]), "keys in database %d", db)
		for key, w := range want[db] {
			require.Equal(t, w, got[db][key], "database %d key %q", db, key)
		}
	}
}

// TestReadRDBLoadsWhatRedisSaved reads dump.rdb files that redis-server
// 7.0.15 saved (with every type and encoding, a function library, and
// the LRU and then the LFU hints of each key), restores what ReadRDB
// returns into Quordis, and compares the keyspace with a Redis that
// loaded the same file.
func TestReadRDBLoadsWhatRedisSaved(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := StartRealRedis(t, "--dir", dir, "--dbfilename", "dump.rdb")
	a := redis.NewClient(&redis.Options{Addr: src.Addr, Protocol: 2})
	t.Cleanup(func() { a.Close() })
	fillForRDB(t, ctx, a, true)
	require.NoError(t, a.Do(ctx, "FUNCTION", "LOAD",
		"#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 1 end)").Err())

	for _, policy := range []string{"allkeys-lru", "allkeys-lfu"} {
		t.Run(policy, func(t *testing.T) {
			require.NoError(t, a.ConfigSet(ctx, "maxmemory-policy", policy).Err())
			require.NoError(t, a.Save(ctx).Err())
			path := filepath.Join(dir, "dump.rdb")

			// A Redis that loads the file is the reference.
			refDir := t.TempDir()
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(refDir, "dump.rdb"), data, 0o644))
			ref := StartRealRedis(t, "--dir", refDir, "--dbfilename", "dump.rdb")
			want := describeAll(t, ctx, realClient(t, ref.Addr))

			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			type entry struct {
				db       int
				key      string
				o        store.Object
				expireAt int64
			}
			var entries []entry
			aux, err := aof.ReadRDB(f, store.DefaultLimits(), func(db int, key string, o store.Object, expireAt int64) error {
				entries = append(entries, entry{db, key, o, expireAt})
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, "7.0.15", aux["redis-ver"])
			require.Equal(t, "64", aux["redis-bits"])
			require.Equal(t, "0", aux["aof-base"])
			require.NotEmpty(t, aux["ctime"])
			require.NotEmpty(t, aux["used-mem"])

			srv := StartServer(t)
			conn := srv.ClientWith(t, &redis.Options{Protocol: 2}).Conn()
			defer conn.Close()
			for _, e := range entries {
				require.NoError(t, conn.Select(ctx, e.db).Err())
				ttl := int64(0)
				if e.expireAt >= 0 {
					ttl = e.expireAt
				}
				require.NoError(t, conn.Do(ctx, "RESTORE", e.key, ttl, aof.Dump(&e.o), "ABSTTL").Err(), e.key)
			}
			got := describeAll(t, ctx, func(db int) *redis.Client {
				return srv.ClientWith(t, &redis.Options{DB: db, Protocol: 2})
			})
			requireSameKeyspace(t, want, got)
		})
	}
}

// TestWriteRDBLoadsIntoRedis fills Quordis with every type and encoding,
// writes its keyspace with WriteRDB (through DUMP payloads into a store),
// checks the file with redis-check-rdb, starts redis-server on it, and
// compares the keyspace with a Redis that got the same commands and
// reloaded its own file (DEBUG RELOAD).
func TestWriteRDBLoadsIntoRedis(t *testing.T) {
	ctx := context.Background()
	srv := StartServer(t)
	fillForRDB(t, ctx, srv.ClientWith(t, &redis.Options{Protocol: 2}), false)
	src := StartRealRedis(t)
	a := redis.NewClient(&redis.Options{Addr: src.Addr, Protocol: 2})
	t.Cleanup(func() { a.Close() })
	fillForRDB(t, ctx, a, false)
	require.NoError(t, a.Do(ctx, "DEBUG", "RELOAD").Err())
	want := describeAll(t, ctx, realClient(t, src.Addr))

	now := time.Now().UnixMilli()
	st := store.New(store.Options{})
	for _, db := range rdbDatabases {
		q := srv.ClientWith(t, &redis.Options{DB: db, Protocol: 2})
		for _, key := range dumpKeys(t, ctx, q) {
			p, err := q.Dump(ctx, key).Result()
			require.NoError(t, err)
			o, err := aof.Restore([]byte(p), store.DefaultLimits())
			require.NoError(t, err)
			st.DB(db).Set(key, o, now)
			if exp := q.Do(ctx, "PEXPIRETIME", key).Val().(int64); exp > 0 {
				st.DB(db).SetExpiry(key, exp)
			}
		}
	}
	// A key already expired: Redis drops it when it loads the file.
	st.DB(3).Set("expired", store.NewString([]byte("x")), now)
	st.DB(3).SetExpiry("expired", now-1000)

	dir := t.TempDir()
	path := filepath.Join(dir, "dump.rdb")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, aof.WriteRDB(f, st, now, map[string]string{"used-mem": "1048576"}))
	require.NoError(t, f.Close())

	check, err := exec.LookPath("redis-check-rdb")
	require.NoError(t, err, "redis-check-rdb is needed; the test command installs redis-tools")
	out, err := exec.Command(check, path).CombinedOutput()
	require.NoError(t, err, "redis-check-rdb: %s", out)
	require.Contains(t, string(out), "RDB looks OK")

	loaded := StartRealRedis(t, "--dir", dir, "--dbfilename", "dump.rdb")
	got := describeAll(t, ctx, realClient(t, loaded.Addr))
	requireSameKeyspace(t, want, got)
	require.False(t, strings.Contains(strings.Join(keysOf(got[3]), " "), "expired"))
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
