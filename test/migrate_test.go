package test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// migrateAll moves every key of databases 0 and 1 of src to the same
// databases of dst with MIGRATE, the first key of database 0 in the
// single-key form and the others with KEYS, and checks that src is empty.
func migrateAll(t *testing.T, src, dst string, auth ...any) {
	t.Helper()
	ctx := context.Background()
	host, port, err := net.SplitHostPort(dst)
	require.NoError(t, err)
	for db := 0; db < 2; db++ {
		rdb := redis.NewClient(&redis.Options{Addr: src, DB: db, Protocol: 2})
		keys, err := rdb.Keys(ctx, "*").Result()
		require.NoError(t, err)
		slices.Sort(keys)
		if db == 0 && len(keys) > 0 {
			args := append([]any{"MIGRATE", host, port, keys[0], db, 5000}, auth...)
			require.Equal(t, "OK", rdb.Do(ctx, args...).Val())
			keys = keys[1:]
		}
		if len(keys) > 0 {
			args := append([]any{"MIGRATE", host, port, "", db, 5000}, auth...)
			args = append(args, "KEYS")
			for _, k := range keys {
				args = append(args, k)
			}
			require.Equal(t, "OK", rdb.Do(ctx, args...).Val())
		}
		require.Zero(t, rdb.DBSize(ctx).Val(), "db %d of the source", db)
		rdb.Close()
	}
}

// commandCalls returns how many times the server at addr ran cmd, from
// INFO commandstats.
func commandCalls(t *testing.T, rdb *redis.Client, cmd string) int {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	require.NoError(t, err)
	_, rest, ok := strings.Cut(info, "cmdstat_"+cmd+":calls=")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
	require.NoError(t, err)
	return n
}

// TestMigrateMovesEveryTypeToRedis migrates keys of every type and
// encoding, one with a TTL, from Quordis to a real redis-server: the target
// holds what the source held, the TTL included, and the source is empty.
// The connection to the target is cached: one SELECT per change of
// database, and a connection the target closed is replaced transparently.
func TestMigrateMovesEveryTypeToRedis(t *testing.T) {
	ctx := context.Background()
	srv := StartServer(t)
	dst := StartRealRedis(t)
	q := srv.ClientWith(t, &redis.Options{Protocol: 2})
	r := redis.NewClient(&redis.Options{Addr: dst.Addr, Protocol: 2})
	t.Cleanup(func() { r.Close() })

	fillAllTypes(t, q)
	want := fingerprint(t, srv.Addr)
	migrateAll(t, srv.Addr, dst.Addr)
	// Database 0 twice (single key, then KEYS), then database 1, on one
	// cached connection.
	require.Equal(t, 2, commandCalls(t, r, "select"))
	require.Equal(t, want, fingerprint(t, dst.Addr))
	ttl := r.PTTL(ctx, "ttl").Val()
	require.True(t, ttl > 0 && ttl <= time.Hour, "PTTL on the target: %v", ttl)

	// The target drops the cached connection; the next MIGRATE dials again.
	require.NoError(t, r.Do(ctx, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").Err())
	require.NoError(t, q.Set(ctx, "again", "v", 0).Err())
	host, port, _ := net.SplitHostPort(dst.Addr)
	require.Equal(t, "OK", q.Do(ctx, "MIGRATE", host, port, "again", 0, 5000).Val())
	require.Equal(t, "v", r.Get(ctx, "again").Val())
}

// TestMigrateFromRedisIntoQuordis has real redis-servers migrate into
// Quordis: a standalone one sends SELECT and RESTORE, one in cluster mode
// SELECT and RESTORE-ASKING.
func TestMigrateFromRedisIntoQuordis(t *testing.T) {
	ctx := context.Background()
	srv := StartServer(t)
	q := srv.ClientWith(t, &redis.Options{Protocol: 2})

	src := StartRealRedis(t)
	r := redis.NewClient(&redis.Options{Addr: src.Addr, Protocol: 2})
	t.Cleanup(func() { r.Close() })
	fillAllTypes(t, r)
	want := fingerprint(t, src.Addr)
	migrateAll(t, src.Addr, srv.Addr)
	require.Equal(t, 2, commandCalls(t, q, "select"))
	require.Equal(t, want, fingerprint(t, srv.Addr))
	require.NotZero(t, commandCalls(t, q, "restore"))

	require.NoError(t, q.FlushAll(ctx).Err())
	node := StartRealRedis(t, "--cluster-enabled", "yes")
	c := redis.NewClient(&redis.Options{Addr: node.Addr, Protocol: 2})
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err())
	require.Eventually(t, func() bool {
		return strings.Contains(c.ClusterInfo(ctx).Val(), "cluster_state:ok")
	}, 10*time.Second, 20*time.Millisecond)
	// The keys of one MIGRATE share a slot, as cluster mode requires.
	require.NoError(t, c.RPush(ctx, "{t}list", "a", "b").Err())
	require.NoError(t, c.Set(ctx, "{t}str", "v", time.Hour).Err())
	host, port, _ := net.SplitHostPort(srv.Addr)
	r2 := c.Do(ctx, "MIGRATE", host, port, "", 0, 5000, "KEYS", "{t}list", "{t}str")
	require.NoError(t, r2.Err())
	require.Equal(t, "OK", r2.Val())
	require.Equal(t, []string{"a", "b"}, q.LRange(ctx, "{t}list", 0, -1).Val())
	require.Equal(t, "v", q.Get(ctx, "{t}str").Val())
	require.Positive(t, q.PTTL(ctx, "{t}str").Val())
	require.Equal(t, 2, commandCalls(t, q, "restore-asking"))
	require.Zero(t, c.DBSize(ctx).Val())
}

// TestMigrateDrainsASlotOfAClusterNode moves a slot's keys off a Quordis
// cluster node the way redis-cli's reshard does, GETKEYSINSLOT then
// MIGRATE until the slot is empty, which ends only if every +OK really
// removed the keys. A node in cluster mode sends RESTORE-ASKING.
func TestMigrateDrainsASlotOfAClusterNode(t *testing.T) {
	ctx := context.Background()
	srv := StartServer(t, "cluster-enabled yes")
	q := srv.ClientWith(t, &redis.Options{Protocol: 2})
	require.NoError(t, q.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err())
	require.Eventually(t, func() bool {
		return strings.Contains(q.ClusterInfo(ctx).Val(), "cluster_state:ok")
	}, 10*time.Second, 20*time.Millisecond)
	const n = 25
	for i := range n {
		require.NoError(t, q.Set(ctx, fmt.Sprintf("{slot}%d", i), i, 0).Err())
	}
	require.NoError(t, q.Set(ctx, "elsewhere", "v", 0).Err())
	slot := int(q.ClusterKeySlot(ctx, "{slot}").Val())
	require.Equal(t, int64(n), q.ClusterCountKeysInSlot(ctx, slot).Val())

	dst := StartRealRedis(t)
	r := redis.NewClient(&redis.Options{Addr: dst.Addr, Protocol: 2})
	t.Cleanup(func() { r.Close() })
	host, port, _ := net.SplitHostPort(dst.Addr)
	for rounds := 0; ; rounds++ {
		require.Less(t, rounds, n, "GETKEYSINSLOT keeps returning keys")
		keys := q.ClusterGetKeysInSlot(ctx, slot, 10).Val()
		if len(keys) == 0 {
			break
		}
		args := []any{"MIGRATE", host, port, "", 0, 60000, "KEYS"}
		for _, k := range keys {
			args = append(args, k)
		}
		require.Equal(t, "OK", q.Do(ctx, args...).Val())
	}
	require.Zero(t, q.ClusterCountKeysInSlot(ctx, slot).Val())
	require.Equal(t, int64(1), q.DBSize(ctx).Val())
	require.Equal(t, int64(n), r.DBSize(ctx).Val())
	require.Equal(t, n, commandCalls(t, r, "restore-asking"))
}

// TestMigrateBetweenQuordisServers moves every type from one Quordis to
// another, and with COPY leaves the source as it was.
func TestMigrateBetweenQuordisServers(t *testing.T) {
	ctx := context.Background()
	src, dst := StartServer(t), StartServer(t)
	q := src.ClientWith(t, &redis.Options{Protocol: 2})
	fillAllTypes(t, q)
	want := fingerprint(t, src.Addr)
	migrateAll(t, src.Addr, dst.Addr)
	require.Equal(t, want, fingerprint(t, dst.Addr))

	// And back with COPY: both hold everything.
	d := dst.ClientWith(t, &redis.Options{Protocol: 2})
	keys := d.Keys(ctx, "*").Val()
	host, port, _ := net.SplitHostPort(src.Addr)
	args := []any{"MIGRATE", host, port, "", 0, 5000, "COPY", "KEYS"}
	for _, k := range keys {
		args = append(args, k)
	}
	require.Equal(t, "OK", d.Do(ctx, args...).Val())
	require.Equal(t, int64(len(keys)), d.DBSize(ctx).Val())
	require.Equal(t, int64(len(keys)), q.DBSize(ctx).Val())
}

// TestMigrateLeavesDeletionsInTheAOF migrates keys away (one with COPY)
// from a server with the AOF on: the AOF holds the deletions, so a restart
// finds the keyspace the MIGRATEs left.
func TestMigrateLeavesDeletionsInTheAOF(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	lines := []string{"dir " + dir, "appendonly yes"}
	srv := StartServer(t, lines...)
	dst := StartServer(t)
	q := srv.ClientWith(t, &redis.Options{Protocol: 2})
	waitLoaded(t, q)
	fillAllTypes(t, q)
	host, port, _ := net.SplitHostPort(dst.Addr)
	require.Equal(t, "OK", q.Do(ctx, "MIGRATE", host, port, "str", 0, 5000, "COPY").Val())
	keys := q.Keys(ctx, "*").Val()
	slices.Sort(keys)
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == "str" })
	args := []any{"MIGRATE", host, port, "", 0, 5000, "KEYS"}
	for _, k := range keys {
		args = append(args, k)
	}
	require.Equal(t, "OK", q.Do(ctx, args...).Val())
	require.Equal(t, []string{"str"}, q.Keys(ctx, "*").Val())
	want := fingerprint(t, srv.Addr)
	srv.Close()

	incr, err := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
	require.NoError(t, err)
	require.NotEmpty(t, incr)
	var aof []byte
	for _, f := range incr {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		aof = append(aof, b...)
	}
	del := fmt.Sprintf("*%d\r\n$3\r\nDEL\r\n", len(keys)+1)
	for _, k := range keys {
		del += fmt.Sprintf("$%d\r\n%s\r\n", len(k), k)
	}
	require.Contains(t, string(aof), del)
	require.NotContains(t, string(aof), "MIGRATE")

	srv2 := StartServer(t, lines...)
	waitLoaded(t, srv2.ClientWith(t, &redis.Options{Protocol: 2}))
	require.Equal(t, want, fingerprint(t, srv2.Addr))
}

// migrateCase is one MIGRATE run from real Redis and from Quordis against
// the same target, set up the same way.
type migrateCase struct {
	name   string
	target string   // see the targets in TestMigrateRepliesMatchRedis
	src    []string // commands on the source, after FLUSHALL
	dst    []string // commands on the target, after FLUSHALL
	args   string   // MIGRATE's arguments after host and port
}

var migrateCases = []migrateCase{
	{"one key", "plain", []string{"SET k v"}, nil, "k 0 5000"},
	{"keys form", "plain", []string{"MSET a 1 b 2 c 3"}, nil, "'' 0 5000 KEYS a b missing"},
	{"no key", "plain", []string{"SET k v"}, nil, "missing 0 5000"},
	{"no key in keys form", "plain", nil, nil, "'' 0 5000 KEYS x y"},
	{"keys form without keys", "plain", nil, nil, "'' 0 5000 KEYS"},
	{"copy", "plain", []string{"SET k v"}, nil, "k 0 5000 COPY"},
	{"busy key", "plain", []string{"SET k v"}, []string{"SET k old"}, "k 0 5000"},
	{"replace", "plain", []string{"SET k v"}, []string{"SET k old"}, "k 0 5000 REPLACE"},
	{"copy replace", "plain", []string{"SET k v"}, []string{"SET k old"}, "k 0 5000 copy replace"},
	{"busy among others", "plain", []string{"MSET a 1 b 2 c 3"}, []string{"SET b old"}, "'' 0 5000 KEYS a b c"},
	{"same key twice", "plain", []string{"SET a 1"}, nil, "'' 0 5000 KEYS a a"},
	{"same key twice replace", "plain", []string{"SET a 1"}, nil, "'' 0 5000 REPLACE KEYS a a"},
	{"ttl", "plain", []string{"SET k v PX 100000"}, nil, "k 0 5000"},
	{"other db", "plain", []string{"SET k v"}, nil, "k 1 5000"},
	{"back to db 0", "plain", []string{"SET k v"}, nil, "k 0 5000"},
	{"db out of range", "plain", []string{"SET k v"}, nil, "k 99 5000"},
	{"zero timeout", "plain", []string{"SET k v"}, nil, "k 0 0"},
	{"negative timeout", "plain", []string{"SET k v"}, nil, "k 0 -5"},
	{"unknown option", "plain", []string{"SET k v"}, nil, "k 0 5000 FOO"},
	{"auth without password", "plain", []string{"SET k v"}, nil, "k 0 5000 AUTH"},
	{"auth2 without password", "plain", []string{"SET k v"}, nil, "k 0 5000 AUTH2 user"},
	{"keys with a key", "plain", []string{"SET k v"}, nil, "k 0 5000 KEYS a"},
	{"timeout not a number", "plain", []string{"SET k v"}, nil, "k 0 soon"},
	{"db not a number", "plain", []string{"SET k v"}, nil, "k zero 5000"},
	{"syntax before numbers", "plain", []string{"SET k v"}, nil, "k zero soon FOO"},
	{"target down", "down", []string{"SET k v"}, nil, "k 0 1000"},
	{"target down no key", "down", nil, nil, "k 0 1000"},
	{"host unknown", "unresolvable", []string{"SET k v"}, nil, "k 0 1000"},
	{"port not a number", "bad port", []string{"SET k v"}, nil, "k 0 1000"},
	{"target silent", "silent", []string{"SET k v"}, nil, "k 0 300"},
	{"no auth", "auth", []string{"SET k v"}, nil, "k 0 5000"},
	{"wrong password", "auth", []string{"SET k v"}, nil, "k 0 5000 AUTH wrong"},
	{"auth", "auth", []string{"SET k v"}, nil, "k 0 5000 AUTH secret"},
	{"auth2", "auth", []string{"SET k v", "SET j w"}, nil, "'' 0 5000 AUTH2 default secret KEYS k j"},
}

// TestMigrateRepliesMatchRedis runs each case from a real redis-server and
// from Quordis against the same target, set up alike: the replies are
// byte-identical, and so are both keyspaces afterwards. The cases run in
// order, so the cached connections of both sources go through the same
// states (database selected, authenticated).
func TestMigrateRepliesMatchRedis(t *testing.T) {
	ctx := context.Background()
	redisSrc := StartRealRedis(t)
	ours := StartServer(t)
	plain := StartRealRedis(t)
	auth := StartRealRedis(t, "--requirepass", "secret")
	targets := map[string]string{
		"plain":        plain.Addr,
		"auth":         auth.Addr,     // requirepass secret
		"down":         closedAddr(t), // nothing listens
		"silent":       silentAddr(t), // accepts, never answers
		"unresolvable": "nonexistent.invalid:6379",
		"bad port":     "127.0.0.1:abc",
	}
	sources := map[string]*Conn{"redis": redisSrc.Dial(t), "quordis": ours.Dial(t)}
	for _, tc := range migrateCases {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			for _, name := range []string{"redis", "quordis"} {
				src := sources[name]
				var dst *redis.Client
				if tc.target == "plain" || tc.target == "auth" {
					opts := &redis.Options{Addr: targets[tc.target], Protocol: 2}
					if tc.target == "auth" {
						opts.Password = "secret"
					}
					dst = redis.NewClient(opts)
					require.NoError(t, dst.FlushAll(ctx).Err())
					for _, cmd := range tc.dst {
						require.NoError(t, dst.Do(ctx, strArgs(splitQuoted(cmd))...).Err())
					}
				}
				require.Equal(t, "+OK\r\n", src.Do("FLUSHALL"))
				for _, cmd := range tc.src {
					require.Equal(t, "+OK\r\n", src.Do(splitQuoted(cmd)...))
				}
				host, port, _ := net.SplitHostPort(targets[tc.target])
				reply := src.Do(append([]string{"MIGRATE", host, port}, splitQuoted(tc.args)...)...)
				state := "reply " + reply + "source " + describeRaw(src)
				if dst != nil {
					state += "target " + describeClient(t, ctx, dst)
					dst.Close()
				}
				got[name] = state
			}
			require.Equal(t, got["redis"], got["quordis"])
		})
	}
	// Key extraction for COMMAND GETKEYS and cluster routing.
	for _, cmd := range []string{
		"COMMAND GETKEYS MIGRATE h 1 k 0 100",
		"COMMAND GETKEYS MIGRATE h 1 '' 0 100 COPY KEYS a b",
		"COMMAND GETKEYS MIGRATE h 1 '' 0 100 AUTH keys KEYS a b",
		"COMMAND GETKEYS MIGRATE h 1 '' 0 100 AUTH2 keys keys KEYS a",
		"COMMAND GETKEYS MIGRATE h 1 k 0 100 KEYS a",
		"COMMAND GETKEYSANDFLAGS MIGRATE h 1 '' 0 100 KEYS a b",
		"COMMAND GETKEYSANDFLAGS MIGRATE h 1 k 0 100",
	} {
		args := splitQuoted(cmd)
		require.Equal(t, sources["redis"].Do(args...), sources["quordis"].Do(args...), cmd)
	}
}

func strArgs(s []string) []any {
	out := make([]any, len(s))
	for i, a := range s {
		out[i] = a
	}
	return out
}

// describeRaw lists the keys of databases 0 and 1 on a raw connection
// with their values (as raw replies to GET) and whether they have a TTL,
// then selects database 0 again.
func describeRaw(c *Conn) string {
	var b strings.Builder
	for _, db := range []string{"0", "1"} {
		c.Do("SELECT", db)
		lines := strings.Split(c.Do("KEYS", "*"), "\r\n")
		var keys []string
		for i := 2; i < len(lines); i += 2 {
			keys = append(keys, lines[i])
		}
		slices.Sort(keys)
		b.WriteString(fmt.Sprintf("db%s %v\n", db, keys))
		for _, k := range keys {
			b.WriteString(fmt.Sprintf("%s=%q ttl %v\n", k, c.Do("GET", k), c.Do("PTTL", k) != ":-1\r\n"))
		}
	}
	c.Do("SELECT", "0")
	return b.String()
}

// describeClient is describeRaw through go-redis.
func describeClient(t *testing.T, ctx context.Context, rdb *redis.Client) string {
	t.Helper()
	var b strings.Builder
	for db := 0; db < 2; db++ {
		conn := rdb.Conn()
		require.NoError(t, conn.Select(ctx, db).Err())
		keys := conn.Keys(ctx, "*").Val()
		slices.Sort(keys)
		b.WriteString(fmt.Sprintf("db%d %v\n", db, keys))
		for _, k := range keys {
			b.WriteString(fmt.Sprintf("%s=%s ttl %v\n", k, conn.Get(ctx, k).Val(), conn.PTTL(ctx, k).Val() > 0))
		}
		conn.Close()
	}
	return b.String()
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silentAddr returns the address of a listener that accepts connections
// and never answers, until the test ends.
func silentAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}
