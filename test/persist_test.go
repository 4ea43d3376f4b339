package test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// fillAllTypes writes keys of every type, small and big encodings, in
// databases 0 and 1, some with an expiry.
func fillAllTypes(t *testing.T, rdb *redis.Client) {
	t.Helper()
	ctx := context.Background()
	p := rdb.Pipeline()
	p.Set(ctx, "str", "hello", 0)
	p.Set(ctx, "int", "12345", 0)
	p.Set(ctx, "big", strings.Repeat("x", 5000), 0)
	p.Set(ctx, "ttl", "v", time.Hour)
	p.RPush(ctx, "list", "a", "b", "c")
	p.HSet(ctx, "hash", "f1", "v1", "f2", "v2")
	p.SAdd(ctx, "intset", 1, 2, 3)
	p.SAdd(ctx, "set", "x", "y")
	p.ZAdd(ctx, "zset", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: -2, Member: "b"})
	p.PFAdd(ctx, "hll", "a", "b", "c")
	for i := 0; i < 600; i++ {
		p.RPush(ctx, "biglist", fmt.Sprint("e", i))
		p.HSet(ctx, "bighash", fmt.Sprint("f", i), fmt.Sprint("v", i))
		p.SAdd(ctx, "bigset", fmt.Sprint("m", i))
		p.ZAdd(ctx, "bigzset", redis.Z{Score: float64(i) / 3, Member: fmt.Sprint("m", i)})
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	require.NoError(t, rdb.Do(ctx, "SELECT", "1").Err())
	require.NoError(t, rdb.Do(ctx, "SET", "indb1", "yes").Err())
	require.NoError(t, rdb.Do(ctx, "SELECT", "0").Err())
}

// fingerprint describes every key of databases 0 and 1 with its type,
// content and whether it has a TTL, in a canonical order.
func fingerprint(t *testing.T, addr string) string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for db := 0; db < 2; db++ {
		rdb := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
		keys, err := rdb.Keys(ctx, "*").Result()
		require.NoError(t, err)
		for _, k := range keys {
			typ := rdb.Type(ctx, k).Val()
			var v any
			switch typ {
			case "string":
				v = rdb.Get(ctx, k).Val()
			case "list":
				v = rdb.LRange(ctx, k, 0, -1).Val()
			case "hash":
				v = rdb.HGetAll(ctx, k).Val()
			case "set":
				m := rdb.SMembers(ctx, k).Val()
				sort.Strings(m)
				v = m
			case "zset":
				v = rdb.ZRangeWithScores(ctx, k, 0, -1).Val()
			}
			hasTTL := rdb.TTL(ctx, k).Val() > 0
			out = append(out, fmt.Sprintf("%d %s %s %v ttl=%v", db, k, typ, v, hasTTL))
		}
		rdb.Close()
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// waitLoaded waits until the server has finished loading its dataset.
// restartKeepsData stops srv, starts a server with the same configuration
// lines, waits until it has loaded its data, requires that data to be what
// srv held, and returns the new server.
func restartKeepsData(t *testing.T, srv *Server, lines ...string) *Server {
	t.Helper()
	want := fingerprint(t, srv.Addr)
	srv.Close()
	srv2 := StartServer(t, lines...)
	waitLoaded(t, srv2.Client(t))
	require.Equal(t, want, fingerprint(t, srv2.Addr))
	return srv2
}

func waitLoaded(t *testing.T, rdb *redis.Client) {
	t.Helper()
	require.Eventually(t, func() bool {
		info, err := rdb.Info(context.Background(), "persistence").Result()
		return err == nil && strings.Contains(info, "\r\nloading:0\r\n")
	}, 20*time.Second, 10*time.Millisecond)
}

// TestAOFKeepsEveryTypeAcrossRestarts writes every type with the AOF on,
// restarts the server on the same directory, and finds the same data; a
// rewrite in between changes nothing.
func TestAOFKeepsEveryTypeAcrossRestarts(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble-"+preamble, func(t *testing.T) {
			dir := t.TempDir()
			lines := []string{"dir " + dir, "appendonly yes", "aof-use-rdb-preamble " + preamble}
			srv := StartServer(t, lines...)
			rdb := srv.Client(t)
			waitLoaded(t, rdb)
			fillAllTypes(t, rdb)
			srv2 := restartKeepsData(t, srv, lines...)
			rdb2 := srv2.Client(t)

			require.Equal(t, "Background append only file rewriting started", rdb2.BgRewriteAOF(context.Background()).Val())
			require.Eventually(t, func() bool {
				return strings.Contains(rdb2.Info(context.Background(), "persistence").Val(), "aof_rewrites:1\r\n")
			}, 20*time.Second, 10*time.Millisecond)
			require.NoError(t, rdb2.Incr(context.Background(), "int").Err())
			restartKeepsData(t, srv2, lines...)
		})
	}
}

// TestRewriteUnderLoadKeepsEveryIncrement rewrites the AOF while clients
// increment counters: after a restart every counter holds exactly the
// number of acknowledged increments (no increment lost or applied twice).
func TestRewriteUnderLoadKeepsEveryIncrement(t *testing.T) {
	dir := t.TempDir()
	lines := []string{"dir " + dir, "appendonly yes", "appendfsync everysec"}
	srv := StartServer(t, lines...)
	ctx := context.Background()
	admin := srv.Client(t)
	waitLoaded(t, admin)
	p := admin.Pipeline()
	for i := 0; i < 20000; i++ {
		p.Set(ctx, fmt.Sprint("filler:", i), "x", 0)
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)

	const workers = 4
	counts := make([]int, workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := srv.Client(t)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := c.Incr(ctx, fmt.Sprint("counter:", w)).Err(); err != nil {
					t.Error(err)
					return
				}
				counts[w]++
			}
		}(w)
	}
	for r := 1; r <= 3; r++ {
		require.NoError(t, admin.BgRewriteAOF(ctx).Err())
		require.Eventually(t, func() bool {
			return strings.Contains(admin.Info(ctx, "persistence").Val(), fmt.Sprintf("aof_rewrites:%d\r\n", r))
		}, 30*time.Second, 5*time.Millisecond)
	}
	close(stop)
	wg.Wait()
	srv.Close()

	srv2 := StartServer(t, lines...)
	rdb := srv2.Client(t)
	waitLoaded(t, rdb)
	for w := 0; w < workers; w++ {
		require.Equal(t, fmt.Sprint(counts[w]), rdb.Get(ctx, fmt.Sprint("counter:", w)).Val(), "counter %d", w)
	}
	require.Equal(t, int64(20000+workers), rdb.DBSize(ctx).Val())
}

// TestBgsaveSavesTheDatasetOfItsStart writes dump.rdb with BGSAVE while
// another client overwrites every key: the file holds the values of the
// moment BGSAVE started, and a restart without AOF loads it.
func TestBgsaveSavesTheDatasetOfItsStart(t *testing.T) {
	dir := t.TempDir()
	srv := StartServer(t, "dir "+dir)
	ctx := context.Background()
	rdb := srv.Client(t)
	const n = 30000
	p := rdb.Pipeline()
	for i := 0; i < n; i++ {
		p.Set(ctx, fmt.Sprint("k", i), "old", 0)
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	require.Equal(t, "Background saving started", rdb.BgSave(ctx).Val())
	p = rdb.Pipeline()
	for i := 0; i < n; i++ {
		p.Set(ctx, fmt.Sprint("k", i), "new", 0)
	}
	p.Set(ctx, "created-after", "x", 0)
	_, err = p.Exec(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		info := rdb.Info(ctx, "persistence").Val()
		return strings.Contains(info, "rdb_bgsave_in_progress:0\r\n") && strings.Contains(info, "rdb_saves:1\r\n")
	}, 30*time.Second, 5*time.Millisecond)
	require.Contains(t, rdb.Info(ctx, "persistence").Val(), "rdb_last_bgsave_status:ok\r\n")
	srv.Close()

	srv2 := StartServer(t, "dir "+dir)
	rdb2 := srv2.Client(t)
	waitLoaded(t, rdb2)
	require.Equal(t, int64(n), rdb2.DBSize(ctx).Val())
	for _, i := range []int{0, n / 2, n - 1} {
		require.Equal(t, "old", rdb2.Get(ctx, fmt.Sprint("k", i)).Val())
	}
}

// TestSaveAndShutdownWriteDumpRDB checks SAVE and SHUTDOWN SAVE, and that
// SHUTDOWN NOSAVE leaves the file alone.
func TestSaveAndShutdownWriteDumpRDB(t *testing.T) {
	dir := t.TempDir()
	srv := StartServer(t, "dir "+dir)
	ctx := context.Background()
	rdb := srv.Client(t)
	fillAllTypes(t, rdb)
	require.Equal(t, "OK", rdb.Save(ctx).Val())
	want := fingerprint(t, srv.Addr)
	require.NoError(t, rdb.Set(ctx, "after-save", "x", 0).Err())
	rdb.Do(ctx, "SHUTDOWN", "NOSAVE")
	<-srv.Done()

	srv2 := StartServer(t, "dir "+dir)
	rdb2 := srv2.Client(t)
	waitLoaded(t, rdb2)
	require.Equal(t, want, fingerprint(t, srv2.Addr))
	require.NoError(t, rdb2.Set(ctx, "before-shutdown-save", "x", 0).Err())
	rdb2.Do(ctx, "SHUTDOWN", "SAVE")
	<-srv2.Done()

	srv3 := StartServer(t, "dir "+dir)
	rdb3 := srv3.Client(t)
	waitLoaded(t, rdb3)
	require.Equal(t, "x", rdb3.Get(ctx, "before-shutdown-save").Val())
}

// TestClientsSeeLoadingWhileTheDatasetLoads slows loading down with
// key-load-delay and checks the LOADING reply, then the data.
func TestClientsSeeLoadingWhileTheDatasetLoads(t *testing.T) {
	dir := t.TempDir()
	srv := StartServer(t, "dir "+dir)
	ctx := context.Background()
	rdb := srv.Client(t)
	p := rdb.Pipeline()
	for i := 0; i < 300; i++ {
		p.Set(ctx, fmt.Sprint("k", i), "v", 0)
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	require.NoError(t, rdb.Save(ctx).Err())
	srv.Close()

	srv2 := StartServer(t, "dir "+dir, "key-load-delay 1000")
	c := srv2.Dial(t)
	require.Equal(t, "-LOADING Redis is loading the dataset in memory\r\n", c.Do("GET", "k1"))
	require.Contains(t, c.Do("INFO", "persistence"), "\r\nloading:1\r\n")
	rdb2 := srv2.Client(t)
	waitLoaded(t, rdb2)
	require.Equal(t, int64(300), rdb2.DBSize(ctx).Val())
}

// TestConfigSetAppendonlyStartsAnAOF turns the AOF on at run time: the
// dataset is written as the AOF's base, and a restart with appendonly yes
// finds it.
func TestConfigSetAppendonlyStartsAnAOF(t *testing.T) {
	dir := t.TempDir()
	srv := StartServer(t, "dir "+dir)
	ctx := context.Background()
	rdb := srv.Client(t)
	fillAllTypes(t, rdb)
	require.NoError(t, rdb.ConfigSet(ctx, "appendonly", "yes").Err())
	require.Eventually(t, func() bool {
		return strings.Contains(rdb.Info(ctx, "persistence").Val(), "aof_rewrites:1\r\n")
	}, 20*time.Second, 5*time.Millisecond)
	require.NoError(t, rdb.Set(ctx, "after", "1", 0).Err())
	want := fingerprint(t, srv.Addr)
	srv.Close()
	_, err := os.Stat(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	require.NoError(t, err)

	srv2 := StartServer(t, "dir "+dir, "appendonly yes")
	rdb2 := srv2.Client(t)
	waitLoaded(t, rdb2)
	require.Equal(t, want, fingerprint(t, srv2.Addr))
}

// TestAppendonlyOffThenOnServesEveryClient turns the AOF off and on again
// at run time after many writes: the new AOF counts its commands from zero,
// and clients old and new must go on being served, their writes kept.
func TestAppendonlyOffThenOnServesEveryClient(t *testing.T) {
	dir := t.TempDir()
	srv := StartServer(t, "dir "+dir, "appendonly yes", "appendfsync always")
	ctx := context.Background()
	old := srv.Client(t)
	waitLoaded(t, old)
	for i := range 300 {
		require.NoError(t, old.Set(ctx, fmt.Sprint("before:", i), i, 0).Err())
	}
	require.NoError(t, old.ConfigSet(ctx, "appendonly", "no").Err())
	require.NoError(t, old.ConfigSet(ctx, "appendonly", "yes").Err())
	require.Eventually(t, func() bool {
		return strings.Contains(old.Info(ctx, "persistence").Val(), "aof_rewrites:1\r\n")
	}, 20*time.Second, 5*time.Millisecond)

	fresh := srv.Client(t)
	require.Equal(t, "PONG", fresh.Ping(ctx).Val())
	require.NoError(t, fresh.Set(ctx, "after:fresh", "1", 0).Err())
	require.NoError(t, old.Set(ctx, "after:old", "1", 0).Err())
	require.Equal(t, "1", fresh.Get(ctx, "after:old").Val())
	want := fingerprint(t, srv.Addr)
	srv.Close()

	srv2 := StartServer(t, "dir "+dir, "appendonly yes")
	rdb2 := srv2.Client(t)
	waitLoaded(t, rdb2)
	require.Equal(t, want, fingerprint(t, srv2.Addr))
	require.Equal(t, int64(302), rdb2.DBSize(ctx).Val())
}

// TestTruncatedAOFTail checks aof-load-truncated: a torn last command is
// cut with yes, and stops start-up with no.
func TestTruncatedAOFTail(t *testing.T) {
	dir := t.TempDir()
	srv := StartServer(t, "dir "+dir, "appendonly yes")
	ctx := context.Background()
	rdb := srv.Client(t)
	waitLoaded(t, rdb)
	require.NoError(t, rdb.Set(ctx, "a", "1", 0).Err())
	require.NoError(t, rdb.Set(ctx, "b", "2", 0).Err())
	srv.Close()
	incr, err := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
	require.NoError(t, err)
	require.Len(t, incr, 1)
	f, err := os.OpenFile(incr[0], os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhal"))
	require.NoError(t, err)
	require.NoError(t, f.Close())

	bad := StartServer(t, "dir "+dir, "appendonly yes", "aof-load-truncated no")
	<-bad.Done()
	require.Error(t, bad.Err())

	good := StartServer(t, "dir "+dir, "appendonly yes")
	rdb2 := good.Client(t)
	waitLoaded(t, rdb2)
	require.Equal(t, "2", rdb2.Get(ctx, "b").Val())
	require.Equal(t, int64(2), rdb2.DBSize(ctx).Val())
}

// TestSaveScheduleAndAutoRewrite checks the save points (a BGSAVE after
// enough changes and seconds), auto-aof-rewrite-* (a rewrite once the AOF
// has grown enough), and CONFIG SET appendonly no closing the AOF.
func TestSaveScheduleAndAutoRewrite(t *testing.T) {
	dir := t.TempDir()
	srv := StartServer(t, "dir "+dir, "save 1 5", "hz 50", "appendonly yes",
		"auto-aof-rewrite-min-size 1kb", "auto-aof-rewrite-percentage 50")
	ctx := context.Background()
	rdb := srv.Client(t)
	waitLoaded(t, rdb)
	p := rdb.Pipeline()
	for i := 0; i < 200; i++ {
		p.Set(ctx, fmt.Sprint("key:", i), strings.Repeat("v", 20), 0)
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		info := rdb.Info(ctx, "persistence").Val()
		return strings.Contains(info, "\r\nrdb_saves:1\r\n") && strings.Contains(info, "\r\naof_rewrites:1\r\n")
	}, 20*time.Second, 20*time.Millisecond)
	_, err = os.Stat(filepath.Join(dir, "dump.rdb"))
	require.NoError(t, err)

	require.NoError(t, rdb.ConfigSet(ctx, "appendonly", "no").Err())
	require.Contains(t, rdb.Info(ctx, "persistence").Val(), "\r\naof_enabled:0\r\n")
	require.NoError(t, rdb.Set(ctx, "after-aof-off", "1", 0).Err())
}

// TestAOFKeepsPipelinedWritesExactly sends writes in deep pipelines, each
// command's arguments in the connection's read buffer next to the ones
// after it, and reloads the AOF: every key must come back with its own
// value. A write is logged from its request's arguments without a copy,
// so one logged after the buffer moved on would come back wrong.
func TestAOFKeepsPipelinedWritesExactly(t *testing.T) {
	dir := t.TempDir()
	lines := []string{"dir " + dir, "appendonly yes", "appendfsync everysec"}
	srv := StartServer(t, lines...)
	rdb := srv.Client(t)
	waitLoaded(t, rdb)
	ctx := context.Background()
	const batches, depth = 20, 500
	for b := range batches {
		pipe := rdb.Pipeline()
		for i := range depth {
			n := b*depth + i
			pipe.Set(ctx, fmt.Sprintf("k:%d", n), strings.Repeat(strconv.Itoa(n%10), 1+n%50), 0)
			pipe.RPush(ctx, fmt.Sprintf("l:%d", n%7), n)
			pipe.IncrBy(ctx, "sum", int64(n))
		}
		_, err := pipe.Exec(ctx)
		require.NoError(t, err)
	}
	rdb2 := restartKeepsData(t, srv, lines...).Client(t)
	n := batches * depth
	sum, err := rdb2.Get(ctx, "sum").Int64()
	require.NoError(t, err)
	require.Equal(t, int64(n*(n-1)/2), sum)
}

// TestHoldProcessorsWhileSavingOrFsyncingEveryWrite checks when the server
// asks to keep every Go processor (see procs.Run): with appendfsync always
// on, and while BGSAVE walks the keyspace.
func TestHoldProcessorsWhileSavingOrFsyncingEveryWrite(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	require.False(t, srv.HoldProcessors())
	require.NoError(t, rdb.ConfigSet(ctx, "appendfsync", "always").Err())
	require.False(t, srv.HoldProcessors(), "always without an AOF fsyncs nothing")
	require.NoError(t, rdb.ConfigSet(ctx, "appendonly", "yes").Err())
	require.True(t, srv.HoldProcessors())
	require.NoError(t, rdb.ConfigSet(ctx, "appendfsync", "everysec").Err())
	require.False(t, srv.HoldProcessors())
	require.NoError(t, rdb.ConfigSet(ctx, "appendonly", "no").Err())

	p := rdb.Pipeline()
	for i := 0; i < 300000; i++ {
		p.Set(ctx, fmt.Sprint("k", i), "v", 0)
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool { // the AOF rewrite CONFIG SET started
		return strings.Contains(rdb.Info(ctx, "persistence").Val(), "aof_rewrite_in_progress:0\r\n")
	}, 30*time.Second, 5*time.Millisecond)
	require.Equal(t, "Background saving started", rdb.BgSave(ctx).Val())
	require.True(t, srv.HoldProcessors(), "BGSAVE walks 300,000 keys in steps; its first cannot have finished it")
	require.Eventually(t, func() bool {
		return strings.Contains(rdb.Info(ctx, "persistence").Val(), "rdb_bgsave_in_progress:0\r\n")
	}, 30*time.Second, 5*time.Millisecond)
	require.False(t, srv.HoldProcessors())
}
