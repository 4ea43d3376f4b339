package test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// BuildServer compiles quordis-server into a temporary directory, for
// tests that need a real process to kill.
func BuildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quordis-server")
	out, err := exec.Command("go", "build", "-o", bin, "quordis/cmd/quordis-server").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// startProcess runs quordis-server with args on a free port and waits
// until it answers PING (even LOADING counts as up).
func startProcess(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, args...)...)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}, 10*time.Second, 10*time.Millisecond)
	return cmd, addr
}

// TestKillUnderLoadKeepsAcknowledgedWrites kills the server with SIGKILL
// while clients increment counters with appendfsync always, restarts it,
// and finds every acknowledged increment (and at most the ones in flight
// per client on top). There are more clients than fsyncs can serve one by
// one, some pipelining, so that replies are held and written in batches.
func TestKillUnderLoadKeepsAcknowledgedWrites(t *testing.T) {
	bin := BuildServer(t)
	dir := t.TempDir()
	args := []string{"--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", ""}
	cmd, addr := startProcess(t, bin, args...)
	ctx := context.Background()

	const workers, pipelined = 32, 3
	acked := make([]int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
			defer c.Close()
			k := fmt.Sprint("counter:", w)
			for {
				if w%4 == 0 {
					// Increments in one pipeline: acknowledged together.
					p := c.Pipeline()
					var last *redis.IntCmd
					for range pipelined {
						last = p.Incr(ctx, k)
					}
					if _, err := p.Exec(ctx); err != nil {
						return
					}
					acked[w] = last.Val()
					continue
				}
				n, err := c.Incr(ctx, k).Result()
				if err != nil {
					return // the server is gone
				}
				acked[w] = n
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	wg.Wait()
	cmd.Wait()

	_, addr2 := startProcess(t, bin, args...)
	rdb := redis.NewClient(&redis.Options{Addr: addr2})
	defer rdb.Close()
	waitLoaded(t, rdb)
	var total int64
	for w := range workers {
		got, err := rdb.Get(ctx, fmt.Sprint("counter:", w)).Int64()
		if err == redis.Nil {
			err = nil // nothing was written
		}
		require.NoError(t, err)
		require.GreaterOrEqual(t, got, acked[w], "counter %d lost acknowledged increments", w)
		require.LessOrEqual(t, got, acked[w]+pipelined, "counter %d", w)
		total += acked[w]
	}
	require.Greater(t, total, int64(1000), "the load was too light to mean anything")
	t.Logf("%d acknowledged increments of %d clients survived SIGKILL", total, workers)
}

// TestDumpRDBMovesBetweenRedisAndQuordis copies dump.rdb both ways between
// real redis-server 7.0 and Quordis and compares every key.
func TestDumpRDBMovesBetweenRedisAndQuordis(t *testing.T) {
	ctx := context.Background()
	realDir := t.TempDir()
	real := StartRealRedis(t, "--dir", realDir)
	realClient := redis.NewClient(&redis.Options{Addr: real.Addr})
	defer realClient.Close()
	fillAllTypes(t, realClient)
	require.NoError(t, realClient.Save(ctx).Err())
	want := fingerprint(t, real.Addr)

	ourDir := t.TempDir()
	copyFile(t, filepath.Join(realDir, "dump.rdb"), filepath.Join(ourDir, "dump.rdb"))
	ours := StartServer(t, "dir "+ourDir)
	rdb := ours.Client(t)
	waitLoaded(t, rdb)
	require.Equal(t, want, fingerprint(t, ours.Addr))

	require.NoError(t, rdb.Set(ctx, "written-by-quordis", "1", 0).Err())
	require.NoError(t, rdb.Save(ctx).Err())
	want = fingerprint(t, ours.Addr)
	back := StartRealRedis(t, "--dir", ourDir, "--dbfilename", "dump.rdb")
	require.Eventually(t, func() bool {
		c := redis.NewClient(&redis.Options{Addr: back.Addr})
		defer c.Close()
		return c.Get(ctx, "written-by-quordis").Val() == "1"
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, want, fingerprint(t, back.Addr))
}

// TestAOFDirectoryMovesBetweenRedisAndQuordis does the same with an
// appendonlydir (RDB preamble base plus incremental commands).
func TestAOFDirectoryMovesBetweenRedisAndQuordis(t *testing.T) {
	ctx := context.Background()
	realDir := t.TempDir()
	real := StartRealRedis(t, "--dir", realDir, "--appendonly", "yes")
	realClient := redis.NewClient(&redis.Options{Addr: real.Addr})
	defer realClient.Close()
	fillAllTypes(t, realClient)
	require.NoError(t, realClient.BgRewriteAOF(ctx).Err())
	require.Eventually(t, func() bool {
		return strings.Contains(realClient.Info(ctx, "persistence").Val(), "aof_rewrite_in_progress:0\r\n")
	}, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, realClient.RPush(ctx, "after-rewrite", "x").Err())
	want := fingerprint(t, real.Addr)
	realClient.Do(ctx, "SHUTDOWN", "NOSAVE")

	ourDir := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(ourDir, "appendonlydir"), os.DirFS(filepath.Join(realDir, "appendonlydir"))))
	ours := StartServer(t, "dir "+ourDir, "appendonly yes")
	rdb := ours.Client(t)
	waitLoaded(t, rdb)
	require.Equal(t, want, fingerprint(t, ours.Addr))

	require.NoError(t, rdb.Incr(ctx, "int").Err())
	want = fingerprint(t, ours.Addr)
	ours.Close()
	back := StartRealRedis(t, "--dir", ourDir, "--appendonly", "yes")
	require.Eventually(t, func() bool {
		c := redis.NewClient(&redis.Options{Addr: back.Addr})
		defer c.Close()
		return c.Get(ctx, "int").Val() == "12346"
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, want, fingerprint(t, back.Addr))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o644))
}
