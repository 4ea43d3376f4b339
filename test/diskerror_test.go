package test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Disk errors, as Redis's writeCommandsDeniedByDiskError: while the AOF
// cannot be written, or after a failed background save with save points
// set, writes and PING are refused with MISCONF. The AOF tests make the
// disk "full" with a file size limit (RLIMIT_FSIZE) on the server process:
// a write past it stops short or fails with EFBIG, as on a full disk.

// startWithFileLimit runs bin (redis-server or quordis-server) on a free
// port in dir, ignoring SIGXFSZ so that a write past a file size limit
// fails instead of killing it (Go ignores the signal anyway; Redis would
// die of it), and waits until it accepts connections.
func startWithFileLimit(t *testing.T, bin, dir string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	port := strconv.Itoa(freePorts(t, 1)[0])
	full := append([]string{"-c", `trap "" XFSZ; exec "$@"`, "sh", bin,
		"--port", port, "--bind", "127.0.0.1", "--dir", dir}, args...)
	cmd := exec.Command("sh", full...)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := "127.0.0.1:" + port
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	require.Eventually(t, func() bool { return rdb.Ping(context.Background()).Err() == nil },
		10*time.Second, 10*time.Millisecond, "%s did not start", bin)
	return cmd, addr
}

// setFileLimit sets the soft file size limit of process pid to n bytes.
func setFileLimit(t *testing.T, pid int, n uint64) {
	t.Helper()
	require.NoError(t, unix.Prlimit(pid, unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: n, Max: unix.RLIM_INFINITY}, nil))
}

// infoLine returns the line of INFO section that starts with field.
func infoLine(t *testing.T, c *Conn, section, field string) string {
	t.Helper()
	for _, line := range strings.Split(c.Do("INFO", section), "\r\n") {
		if strings.HasPrefix(line, field) {
			return line
		}
	}
	return field + " missing"
}

// TestAOFWriteErrorsMatchRedis fills the AOF of redis-server and of
// quordis-server (appendfsync everysec) up to a file size limit, and
// requires the same replies from both while the writes fail, once the
// limit is lifted, and after a crash and restart, in which every
// acknowledged write is found. The write whose AOF write failed differs:
// Redis acknowledges it under everysec, Quordis closes the connection
// without a reply (its outcome is unknown to the client), and both keep
// it, written once the disk has room again.
func TestAOFWriteErrorsMatchRedis(t *testing.T) {
	real, err := exec.LookPath("redis-server")
	require.NoError(t, err, "redis-server is needed; the test command installs it")
	ours := BuildServer(t)
	want := aofWriteErrorTranscript(t, real)
	require.Equal(t, want, aofWriteErrorTranscript(t, ours))
}

func aofWriteErrorTranscript(t *testing.T, bin string) []string {
	dir := t.TempDir()
	args := []string{"--appendonly", "yes", "--appendfsync", "everysec", "--save", ""}
	cmd, addr := startWithFileLimit(t, bin, dir, args...)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, Protocol: 2})
	defer rdb.Close()
	waitLoaded(t, rdb)
	require.NoError(t, rdb.Set(ctx, "small", "1", 0).Err())
	setFileLimit(t, cmd.Process.Pid, 64<<10)

	value := strings.Repeat("v", 4000)
	var acked []string
	var tr []string
	for i := 0; len(tr) == 0; i++ {
		require.Less(t, i, 100, "%s: writes past the file size limit were never refused", bin)
		k := fmt.Sprintf("k%03d", i)
		err := rdb.Set(ctx, k, value, 0).Err()
		var rerr redis.Error
		switch {
		case err == nil:
			acked = append(acked, k)
		case errors.As(err, &rerr):
			tr = append(tr, err.Error())
		}
		// Otherwise the connection closed: Quordis could not write the
		// SET to the AOF, and the client learns nothing of its outcome.
	}
	require.Greater(t, len(acked), 5, bin)

	do := func(c *redis.Client, args ...any) {
		v, err := c.Do(ctx, args...).Result()
		tr = append(tr, fmt.Sprint(v, " / ", err))
	}
	for _, args := range [][]any{{"SET", "x", "1"}, {"PING"}, {"GET", "small"}, {"DEL", "small"},
		{"INCR", "n"}, {"EXISTS", "small", "x"}, {"ECHO", "e"}, {"CONFIG", "SET", "appendfsync", "no"},
		{"SET", "x", "1"}, {"CONFIG", "SET", "appendfsync", "everysec"}} {
		do(rdb, args...)
	}
	raw := (&Server{Addr: addr}).Dial(t)
	for _, args := range [][]string{{"MULTI"}, {"GET", "small"}, {"SET", "x", "1"}, {"EXEC"},
		{"MULTI"}, {"GET", "small"}, {"EXEC"}} {
		tr = append(tr, raw.Do(args...))
	}
	tr = append(tr, infoLine(t, raw, "persistence", "aof_last_write_status"),
		infoLine(t, raw, "errorstats", "errorstat_MISCONF"))

	// Room on the disk again: the writes go through once the failed one
	// is written.
	setFileLimit(t, cmd.Process.Pid, unix.RLIM_INFINITY)
	require.Eventually(t, func() bool { return rdb.Set(ctx, "x", "2", 0).Err() == nil },
		5*time.Second, 20*time.Millisecond, "%s: writes still refused", bin)
	tr = append(tr, infoLine(t, raw, "persistence", "aof_last_write_status"))
	do(rdb, "GET", "x")

	// A crash then: every acknowledged write is in the AOF.
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	_, addr = startWithFileLimit(t, bin, dir, args...)
	rdb2 := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer rdb2.Close()
	waitLoaded(t, rdb2)
	for _, k := range acked {
		got, err := rdb2.Get(ctx, k).Result()
		require.NoError(t, err, "%s lost %s", bin, k)
		require.Equal(t, value, got, "%s: %s", bin, k)
	}
	for _, args := range [][]any{{"DBSIZE"}, {"GET", "small"}, {"GET", "x"}, {"GET", "n"}} {
		do(rdb2, args...)
	}
	return tr
}

// TestAOFWriteErrorUnderAlwaysExitsAsRedis: with appendfsync always, a
// write that cannot be written to the AOF is not acknowledged and the
// server exits with status 1, on both servers (the dataset holds a write
// that the AOF does not); restarted, each has every acknowledged write and
// not the failed one.
func TestAOFWriteErrorUnderAlwaysExitsAsRedis(t *testing.T) {
	real, err := exec.LookPath("redis-server")
	require.NoError(t, err, "redis-server is needed; the test command installs it")
	for _, bin := range []string{real, BuildServer(t)} {
		t.Run(filepath.Base(bin), func(t *testing.T) { aofWriteErrorUnderAlways(t, bin) })
	}
}

func aofWriteErrorUnderAlways(t *testing.T, bin string) {
	dir := t.TempDir()
	args := []string{"--appendonly", "yes", "--appendfsync", "always", "--save", ""}
	cmd, addr := startWithFileLimit(t, bin, dir, args...)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	waitLoaded(t, rdb)
	setFileLimit(t, cmd.Process.Pid, 64<<10)

	value := strings.Repeat("v", 4000)
	var acked []string
	for i := 0; ; i++ {
		require.Less(t, i, 100, "writes past the file size limit never failed")
		k := fmt.Sprintf("k%03d", i)
		err := rdb.Set(ctx, k, value, 0).Err()
		if err == nil {
			acked = append(acked, k)
			continue
		}
		var rerr redis.Error
		require.False(t, errors.As(err, &rerr), "a reply instead of the exit: %v", err)
		break
	}
	require.Greater(t, len(acked), 5)
	err := cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 1, exit.ExitCode())

	_, addr = startWithFileLimit(t, bin, dir, args...)
	rdb2 := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb2.Close()
	waitLoaded(t, rdb2)
	for _, k := range acked {
		got, err := rdb2.Get(ctx, k).Result()
		require.NoError(t, err, "lost %s", k)
		require.Equal(t, value, got, k)
	}
	require.Equal(t, int64(len(acked)), rdb2.DBSize(ctx).Val(), "the write that failed is not in the AOF")
}

// TestBgsaveErrorsStopWritesAsRedis runs the same script on both servers:
// a background save that fails (its directory is gone) stops writes and
// PING with MISCONF while save points are set and
// stop-writes-on-bgsave-error is on; a save that succeeds (FLUSHALL's,
// with save points, or BGSAVE) lifts it. maxmemory's refusal comes first.
func TestBgsaveErrorsStopWritesAsRedis(t *testing.T) {
	real := StartRealRedis(t, "--enable-protected-configs", "yes")
	ours := StartServer(t, "enable-protected-configs yes")
	want := bgsaveErrorTranscript(t, real.Dial(t))
	require.Equal(t, want, bgsaveErrorTranscript(t, ours.Dial(t)))
}

func bgsaveErrorTranscript(t *testing.T, c *Conn) []string {
	sub := filepath.Join(t.TempDir(), "rdb")
	var tr []string
	do := func(cmds ...[]string) {
		for _, args := range cmds {
			tr = append(tr, c.Do(args...))
		}
	}
	// Each server reads its directory as it is now: Redis works in it
	// (chdir), so a directory made again at the same path needs setting
	// again.
	setDir := func() {
		require.NoError(t, os.Mkdir(sub, 0o755))
		do([]string{"CONFIG", "SET", "dir", sub})
	}
	bgsave := func() {
		do([]string{"BGSAVE"})
		require.Eventually(t, func() bool {
			return infoLine(t, c, "persistence", "rdb_bgsave_in_progress") == "rdb_bgsave_in_progress:0"
		}, 10*time.Second, 10*time.Millisecond)
		tr = append(tr, infoLine(t, c, "persistence", "rdb_last_bgsave_status"))
	}
	setDir()
	do([]string{"CONFIG", "SET", "save", "3600 1"}, []string{"SET", "k", "v"})
	require.NoError(t, os.RemoveAll(sub))
	bgsave()
	do([]string{"SET", "k", "v2"}, []string{"PING"}, []string{"GET", "k"}, []string{"DEL", "k"},
		[]string{"SAVE"}, []string{"MULTI"}, []string{"SET", "k", "x"}, []string{"EXEC"},
		[]string{"MULTI"}, []string{"GET", "k"}, []string{"EXEC"},
		[]string{"CONFIG", "SET", "maxmemory", "1"}, []string{"SET", "k", "x"},
		[]string{"CONFIG", "SET", "maxmemory", "0"},
		[]string{"CONFIG", "SET", "stop-writes-on-bgsave-error", "no"}, []string{"SET", "k", "v3"},
		// FLUSHALL saves, and fails to: still refused afterwards.
		[]string{"FLUSHALL"}, []string{"CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"},
		[]string{"SET", "k", "v4"}, []string{"CONFIG", "SET", "save", ""}, []string{"SET", "k", "v5"},
		[]string{"CONFIG", "SET", "save", "3600 1"}, []string{"SET", "k", "v6"})
	tr = append(tr, infoLine(t, c, "errorstats", "errorstat_MISCONF"))

	// FLUSHALL's save succeeds: writes go through.
	setDir()
	do([]string{"CONFIG", "SET", "stop-writes-on-bgsave-error", "no"}, []string{"FLUSHALL"},
		[]string{"CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"}, []string{"SET", "k", "v7"})
	tr = append(tr, infoLine(t, c, "persistence", "rdb_last_bgsave_status"))
	_, err := os.Stat(filepath.Join(sub, "dump.rdb"))
	require.NoError(t, err, "FLUSHALL with save points writes dump.rdb")

	// A failed BGSAVE again, then one that succeeds.
	require.NoError(t, os.RemoveAll(sub))
	bgsave()
	do([]string{"SET", "k", "v8"})
	setDir()
	bgsave()
	do([]string{"SET", "k", "v9"}, []string{"GET", "k"})
	return tr
}

// TestFlushallWithSavePointsWritesDumpRDB: with save points set, FLUSHALL
// writes the empty dataset to dump.rdb at once (a restart from dump.rdb
// does not bring the keys back), as Redis does; a FLUSHALL replayed from
// the AOF at start-up writes nothing.
func TestFlushallWithSavePointsWritesDumpRDB(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump.rdb")
	srv := StartServer(t, "dir "+dir, `save "3600 1"`, "appendonly yes")
	rdb := srv.Client(t)
	waitLoaded(t, rdb)
	require.NoError(t, rdb.Set(ctx, "a", "1", 0).Err())
	require.NoError(t, rdb.Save(ctx).Err())
	require.NoError(t, rdb.Set(ctx, "b", "1", 0).Err())
	before, err := os.Stat(dump)
	require.NoError(t, err)
	require.NoError(t, rdb.FlushAll(ctx).Err())
	after, err := os.Stat(dump)
	require.NoError(t, err)
	require.Less(t, after.Size(), before.Size(), "dump.rdb holds the empty dataset")
	require.NoError(t, rdb.Set(ctx, "c", "1", 0).Err())

	// From dump.rdb alone, the flushed keys stay gone.
	rdbOnly := StartServer(t, "dir "+dir, `save ""`, "appendonly no")
	require.Equal(t, int64(0), rdbOnly.Client(t).DBSize(ctx).Val())
	require.NoError(t, rdbOnly.Close())

	// Replaying the AOF (SET a, SET b, FLUSHALL, SET c) saves nothing.
	srv.Close()
	require.NoError(t, os.Remove(dump))
	again := StartServer(t, "dir "+dir, `save "3600 1"`, "appendonly yes")
	rdb2 := again.Client(t)
	waitLoaded(t, rdb2)
	require.Equal(t, []string{"c"}, rdb2.Keys(ctx, "*").Val())
	_, err = os.Stat(dump)
	require.True(t, os.IsNotExist(err), "no dump.rdb written while loading: %v", err)
}
