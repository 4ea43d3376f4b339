package aof

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAppendFlushCloseThenLoadGivesBackTheCommands(t *testing.T) {
	for _, fsName := range []string{"os", "mem"} {
		t.Run(fsName, func(t *testing.T) {
			opts := memOpts(newMemFS("/data"))
			if fsName == "os" {
				opts = Options{Dir: t.TempDir()}
			}
			a, err := Open(opts)
			require.NoError(t, err)
			_, _, _, err = loadInto(a)
			require.NoError(t, err)
			want := []cmdRec{
				{0, "SET a 1"}, {0, "SET b 2"}, {3, "RPUSH l x y"}, {3, "INCR n"},
				{0, "DEL a"}, {15, "SET bin \x00\r\n$3\r\n*"}, {15, "SET empty "},
			}
			for _, r := range want {
				args := mkArgv(splitRec(r.Argv)...)
				a.Append(r.DB, args)
			}
			require.NoError(t, a.Flush())
			a.Append(-1, mkArgv("FLUSHALL")) // no SELECT, as Redis's dictid -1
			want = append(want, cmdRec{15, "FLUSHALL"})
			require.NoError(t, a.Close())

			got, _, stats := loadDir(t, opts)
			require.Equal(t, want, got)
			require.Equal(t, int64(len(want)), stats.Commands)
			require.Equal(t, 2, stats.Files)
		})
	}
}

// splitRec undoes join for the test records above (the binary one has no
// spaces in its arguments except the separators).
func splitRec(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func TestAppendWritesRedisBytes(t *testing.T) {
	m := newMemFS("/data")
	a, err := Open(memOpts(m))
	require.NoError(t, err)
	a.Append(0, mkArgv("set", "a", "1"))
	a.Append(3, mkArgv("set", "b", "2"))
	a.Append(3, mkArgv("incr", "c"))
	a.Append(0, mkArgv("set", "d", "x"))
	require.NoError(t, a.Close())
	// The incremental file redis-server 7.0.15 wrote for the same commands.
	require.Equal(t, "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n"+
		"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nset\r\n$1\r\nb\r\n$1\r\n2\r\n"+
		"*2\r\n$4\r\nincr\r\n$1\r\nc\r\n"+
		"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\nd\r\n$1\r\nx\r\n",
		readMem(t, m, "appendonly.aof.1.incr.aof"))
}

func TestOpenCreatesTheLayoutRedisCreates(t *testing.T) {
	m := newMemFS("/data")
	a, err := Open(memOpts(m))
	require.NoError(t, err)
	require.NoError(t, a.Close())
	// redis-server 7.0.15 --appendonly yes --aof-use-rdb-preamble no on an
	// empty dir writes exactly this: an empty base, an empty incr file.
	require.Equal(t, []string{
		"/data/appendonlydir/appendonly.aof.1.base.aof",
		"/data/appendonlydir/appendonly.aof.1.incr.aof",
		"/data/appendonlydir/appendonly.aof.manifest",
	}, m.Names())
	require.Equal(t, "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		readMem(t, m, "appendonly.aof.manifest"))
	require.Empty(t, readMem(t, m, "appendonly.aof.1.base.aof"))

	// The layout is durable: a power loss right after Open keeps it.
	m.Crash()
	recs, _, _ := loadDir(t, memOpts(m))
	require.Empty(t, recs)
}

func TestOpenHonoursDirNameAndFileName(t *testing.T) {
	m := newMemFS("/data")
	opts := memOpts(m)
	opts.DirName, opts.FileName = "aofs", "my file.aof"
	a, err := Open(opts)
	require.NoError(t, err)
	a.Append(2, mkArgv("SET", "k", "v"))
	require.NoError(t, a.Close())
	b, ok := m.Read("/data/aofs/my file.aof.manifest")
	require.True(t, ok)
	require.Equal(t, "file \"my file.aof.1.base.aof\" seq 1 type b\nfile \"my file.aof.1.incr.aof\" seq 1 type i\n", string(b))
	recs, _, _ := loadDir(t, opts)
	require.Equal(t, []cmdRec{{2, "SET k v"}}, recs)

	_, err = Open(Options{Dir: "/data", FS: m, FileName: "a/b"})
	require.ErrorContains(t, err, "appendfilename can't be a path")
}

func TestReopenAppendsToTheLastIncrFile(t *testing.T) {
	m := newMemFS("/data")
	opts := memOpts(m)
	a, err := Open(opts)
	require.NoError(t, err)
	a.Append(1, mkArgv("SET", "a", "1"))
	require.NoError(t, a.Close())
	manifest := readMem(t, m, "appendonly.aof.manifest")

	a, err = Open(opts)
	require.NoError(t, err)
	recs, _, _, err := loadInto(a)
	require.NoError(t, err)
	require.Equal(t, []cmdRec{{1, "SET a 1"}}, recs)
	// A new process starts with an unknown database: SELECT again.
	a.Append(1, mkArgv("SET", "b", "2"))
	require.NoError(t, a.Close())
	require.Equal(t, manifest, readMem(t, m, "appendonly.aof.manifest"))
	require.Equal(t, respOf([]string{"SELECT", "1"}, []string{"SET", "a", "1"}, []string{"SELECT", "1"}, []string{"SET", "b", "2"}),
		readMem(t, m, "appendonly.aof.1.incr.aof"))
}

func TestOpenAddsAnIncrFileAndDeletesHistory(t *testing.T) {
	m := newMemFS("/data", "/data/appendonlydir")
	m.WriteDurable("/data/appendonlydir/appendonly.aof.3.base.aof", []byte(respOf([]string{"SET", "k", "v"})))
	m.WriteDurable("/data/appendonlydir/appendonly.aof.6.incr.aof", []byte("history"))
	m.WriteDurable("/data/appendonlydir/appendonly.aof.manifest", []byte("file appendonly.aof.3.base.aof seq 3 type b\nfile appendonly.aof.6.incr.aof seq 6 type h\n"))
	recs, _, _ := loadDir(t, memOpts(m))
	require.Equal(t, []cmdRec{{0, "SET k v"}}, recs)
	// As redis-server 7.0.15: a new incr file, and history deleted at start.
	require.Equal(t, "file appendonly.aof.3.base.aof seq 3 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		readMem(t, m, "appendonly.aof.manifest"))
	_, ok := m.Read("/data/appendonlydir/appendonly.aof.6.incr.aof")
	require.False(t, ok)
}

func TestOpenUpgradesALegacyAppendOnlyFile(t *testing.T) {
	legacy := respOf([]string{"SELECT", "0"}, []string{"SET", "x", "1"})
	m := newMemFS("/data")
	m.WriteDurable("/data/appendonly.aof", []byte(legacy))
	recs, _, _ := loadDir(t, memOpts(m))
	require.Equal(t, []cmdRec{{0, "SET x 1"}}, recs)
	// What redis-server 7.0.15 makes of the same legacy file.
	require.Equal(t, []string{
		"/data/appendonlydir/appendonly.aof",
		"/data/appendonlydir/appendonly.aof.1.incr.aof",
		"/data/appendonlydir/appendonly.aof.manifest",
	}, m.Names())
	require.Equal(t, "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		readMem(t, m, "appendonly.aof.manifest"))
	require.Equal(t, legacy, readMem(t, m, "appendonly.aof"))
}

func TestLegacyFileWithRDBPreambleReplaysItsTail(t *testing.T) {
	rdb := "REDIS0009\xfa\x00fake-rdb\xff12345678"
	tail := respOf([]string{"SELECT", "2"}, []string{"SET", "after", "rdb"})
	m := newMemFS("/data")
	m.WriteDurable("/data/appendonly.aof", []byte(rdb+tail))
	a, err := Open(memOpts(m))
	require.NoError(t, err)
	defer a.Close()
	var gotRDB []byte
	var recs []cmdRec
	_, err = a.Load(func(r io.Reader) error {
		// A decoder reads exactly the RDB, up to its checksum.
		gotRDB = make([]byte, len(rdb))
		_, err := io.ReadFull(r, gotRDB)
		return err
	}, func(db int, argv [][]byte) error {
		recs = append(recs, cmdRec{db, joinArgv(argv)})
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, rdb, string(gotRDB))
	require.Equal(t, []cmdRec{{2, "SET after rdb"}}, recs)
}

func TestOpenFailsOnAFileMissingFromTheManifest(t *testing.T) {
	m := newMemFS("/data", "/data/appendonlydir")
	m.WriteDurable("/data/appendonlydir/appendonly.aof.manifest", []byte("file appendonly.aof.9.incr.aof seq 9 type i\n"))
	_, err := Open(memOpts(m))
	require.ErrorContains(t, err, "unable to obtain the AOF file appendonly.aof.9.incr.aof length")
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestOpenRefusesABadManifest(t *testing.T) {
	m := newMemFS("/data", "/data/appendonlydir")
	m.WriteDurable("/data/appendonlydir/appendonly.aof.manifest", []byte("file x seq 1 type i"))
	_, err := Open(memOpts(m))
	var me *ManifestError
	require.ErrorAs(t, err, &me)
	require.Equal(t, "The AOF manifest file contains too long line", me.Err)
}

func TestSizeCountsBaseAndIncrFiles(t *testing.T) {
	m := newMemFS("/data")
	opts := memOpts(m)
	a, err := Open(opts)
	require.NoError(t, err)
	_, _, _, err = loadInto(a)
	require.NoError(t, err)
	a.Append(0, mkArgv("SET", "k", "v"))
	base, incr := a.Size()
	require.Zero(t, base)
	require.Zero(t, incr, "Size counts what was written, not what is buffered")
	require.NoError(t, a.Flush())
	_, incr = a.Size()
	require.Equal(t, int64(len(respOf([]string{"SELECT", "0"}, []string{"SET", "k", "v"}))), incr)

	rw, err := a.StartRewrite()
	require.NoError(t, err)
	a.Append(0, mkArgv("SET", "k2", "v2"))
	require.NoError(t, a.Flush())
	_, incr2 := a.Size()
	require.Equal(t, incr+int64(len(respOf([]string{"SELECT", "0"}, []string{"SET", "k2", "v2"}))), incr2)
	_, err = rw.Base().Write([]byte(respOf([]string{"SELECT", "0"}, []string{"SET", "k", "v"})))
	require.NoError(t, err)
	require.NoError(t, rw.Commit(false))
	base, incr3 := a.Size()
	require.Equal(t, incr, base)
	require.Equal(t, incr2-incr, incr3)
	require.NoError(t, a.Close())

	a, err = Open(opts)
	require.NoError(t, err)
	defer a.Close()
	b, i := a.Size()
	require.Equal(t, base, b)
	require.Equal(t, incr3, i)
}

func TestAFailedFsyncIsSticky(t *testing.T) {
	m := newMemFS("/data")
	opts := memOpts(m)
	opts.Fsync = Always
	a, err := Open(opts)
	require.NoError(t, err)
	require.NoError(t, a.WaitDurable(a.Append(0, mkArgv("SET", "a", "1"))))
	require.NoError(t, a.Err())

	m.mu.Lock()
	m.failSync = errors.New("EIO")
	m.mu.Unlock()
	seq := a.Append(0, mkArgv("SET", "b", "2"))
	require.ErrorContains(t, a.WaitDurable(seq), "EIO")
	m.mu.Lock()
	m.failSync = nil
	m.mu.Unlock()
	// The disk "works" again, but dirty pages may have been dropped: the
	// AOF keeps refusing, and the server must stop acknowledging writes.
	require.ErrorContains(t, a.Err(), "EIO")
	require.ErrorContains(t, a.WaitDurable(a.Append(0, mkArgv("SET", "c", "3"))), "EIO")
	require.ErrorContains(t, a.Flush(), "EIO")
	a.Close()
}

func TestAFailedWriteIsRetriedUnderEverySec(t *testing.T) {
	m := newMemFS("/data")
	opts := memOpts(m)
	opts.Fsync = No
	a, err := Open(opts)
	require.NoError(t, err)
	a.Append(0, mkArgv("SET", "a", "1"))
	require.NoError(t, a.Flush())

	m.mu.Lock()
	m.failWrite, m.failWriteN = syscall.EIO, 0
	m.mu.Unlock()
	seq := a.Append(0, mkArgv("SET", "b", "2"))
	require.ErrorIs(t, a.Flush(), syscall.EIO)
	require.ErrorIs(t, a.Err(), syscall.EIO)
	require.ErrorIs(t, a.WaitDurable(seq), syscall.EIO)

	// A write that stops part way reports ENOSPC whatever stopped it, as
	// Redis's does (what MISCONF then says).
	m.mu.Lock()
	m.failWrite, m.failWriteN = syscall.EFBIG, 7
	m.mu.Unlock()
	require.ErrorIs(t, a.Flush(), syscall.ENOSPC)
	require.ErrorIs(t, a.Err(), syscall.ENOSPC)
	require.ErrorContains(t, a.Err(), "file too large")
	require.ErrorIs(t, a.WaitDurable(seq), syscall.ENOSPC)
	a.Append(0, mkArgv("SET", "c", "3"))

	m.mu.Lock()
	m.failWrite = nil
	m.mu.Unlock()
	require.NoError(t, a.Flush(), "Redis: AOF write error looks solved")
	require.NoError(t, a.Err())
	require.NoError(t, a.WaitDurable(seq))
	require.NoError(t, a.Close())
	// The short write was undone: no torn record in the middle.
	recs, _, stats := loadDir(t, opts)
	require.False(t, stats.Truncated)
	require.Equal(t, []cmdRec{{0, "SET a 1"}, {0, "SET b 2"}, {0, "SET c 3"}}, recs)
}

// TestRetryWriteRetriesAFailedWriteInTheBackground: under appendfsync no
// nothing else writes while the server refuses writes, so a failed write
// is retried in the background, at once when RetryWrite asks.
func TestRetryWriteRetriesAFailedWriteInTheBackground(t *testing.T) {
	m := newMemFS("/data")
	opts := memOpts(m)
	opts.Fsync = No
	a, err := Open(opts)
	require.NoError(t, err)
	defer a.Close()
	m.mu.Lock()
	m.failWrite = syscall.ENOSPC
	m.mu.Unlock()
	seq := a.Append(0, mkArgv("SET", "a", "1"))
	require.ErrorIs(t, a.Flush(), syscall.ENOSPC)
	a.RetryWrite()
	time.Sleep(50 * time.Millisecond)
	require.ErrorIs(t, a.Err(), syscall.ENOSPC, "the disk is still full")

	m.mu.Lock()
	m.failWrite = nil
	m.mu.Unlock()
	start := time.Now()
	a.RetryWrite()
	require.Eventually(t, func() bool { return a.Err() == nil }, 5*time.Second, time.Millisecond)
	require.Less(t, time.Since(start), 900*time.Millisecond, "retried when asked, not at the next tick")
	require.NoError(t, a.WaitDurable(seq))
}

func TestAFailedWriteIsStickyUnderAlways(t *testing.T) {
	m := newMemFS("/data")
	opts := memOpts(m)
	opts.Fsync = Always
	a, err := Open(opts)
	require.NoError(t, err)
	m.mu.Lock()
	m.failWrite = errors.New("ENOSPC")
	m.mu.Unlock()
	require.ErrorContains(t, a.WaitDurable(a.Append(0, mkArgv("SET", "a", "1"))), "ENOSPC")
	m.mu.Lock()
	m.failWrite = nil
	m.mu.Unlock()
	// Redis exits here: a reply may already have been sent for a write
	// that is not on disk. We refuse from now on.
	require.ErrorContains(t, a.Flush(), "ENOSPC")
	require.ErrorContains(t, a.WaitDurable(a.Append(0, mkArgv("SET", "b", "1"))), "ENOSPC")
	a.Close()
}

func TestCloseIsFinal(t *testing.T) {
	a, err := Open(memOpts(newMemFS("/data")))
	require.NoError(t, err)
	require.NoError(t, a.Close())
	require.ErrorIs(t, a.Close(), ErrClosed)
	seq := a.Append(0, mkArgv("SET", "a", "1"))
	require.ErrorIs(t, a.Flush(), ErrClosed)
	require.ErrorIs(t, a.WaitDurable(seq), ErrClosed)
	require.ErrorIs(t, a.Err(), ErrClosed)
	_, err = a.StartRewrite()
	require.ErrorIs(t, err, ErrClosed)
}

func TestLoadRunsOnceBeforeAppends(t *testing.T) {
	a, err := Open(memOpts(newMemFS("/data")))
	require.NoError(t, err)
	defer a.Close()
	a.Append(0, mkArgv("SET", "a", "1"))
	require.NoError(t, a.Flush())
	_, _, _, err = loadInto(a)
	require.ErrorContains(t, err, "Load must run once, before any Append")
}

func TestOpenOnTheOSCreatesRealFiles(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(Options{Dir: dir})
	require.NoError(t, err)
	a.Append(0, mkArgv("SET", "k", "v"))
	require.NoError(t, a.Close())
	b, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof"))
	require.NoError(t, err)
	require.Equal(t, respOf([]string{"SELECT", "0"}, []string{"SET", "k", "v"}), string(b))
}

func TestPolicyNames(t *testing.T) {
	require.Equal(t, "everysec", EverySec.String())
	require.Equal(t, "always", Always.String())
	require.Equal(t, "no", No.String())
	require.Equal(t, EverySec, Options{}.Fsync, "the zero value is Redis's default")
}
