package aof

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// staleAOF is a directory left by an earlier run with appendonly yes.
func staleAOF() *memFS {
	return memAOF("file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", map[string]string{
		"appendonly.aof.1.base.aof": "",
		"appendonly.aof.1.incr.aof": respOf([]string{"SELECT", "0"}, []string{"SET", "stale", "1"}),
	})
}

func TestEnableLeavesTheDirectoryAloneUntilCommit(t *testing.T) {
	fsys := staleAOF()
	opts := memOpts(fsys)
	opts.Fsync = Always
	manifest := readMem(t, fsys, "appendonly.aof.manifest")
	a, rw, err := Enable(opts)
	require.NoError(t, err)
	require.NoError(t, a.WaitDurable(a.Append(0, mkArgv("SET", "new", "1"))))
	require.Equal(t, manifest, readMem(t, fsys, "appendonly.aof.manifest"))
	require.Equal(t, respOf([]string{"SELECT", "0"}, []string{"SET", "new", "1"}), readMem(t, fsys, "temp-appendonly.aof.incr"))
	_, _, _, err = loadInto(a)
	require.Error(t, err, "an enabled AOF has nothing to load")

	// A crash before the commit: the old AOF is what it was.
	snap := fsys.clone()
	snap.Crash()
	recs, _, _ := loadDir(t, memOpts(snap))
	require.Equal(t, []cmdRec{{0, "SET stale 1"}}, recs)

	_, err = rw.Base().Write([]byte(respOf([]string{"SELECT", "0"}, []string{"SET", "snapshot", "1"})))
	require.NoError(t, err)
	a.Append(0, mkArgv("SET", "after", "1")) // still buffered at the commit
	require.NoError(t, rw.Commit(false))
	a.Append(0, mkArgv("SET", "later", "1"))
	require.NoError(t, a.Close())
	require.Equal(t, "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		readMem(t, fsys, "appendonly.aof.manifest"))
	require.Equal(t, []string{
		"/data/appendonlydir/appendonly.aof.2.base.aof",
		"/data/appendonlydir/appendonly.aof.2.incr.aof",
		"/data/appendonlydir/appendonly.aof.manifest",
	}, fsys.Names())
	recs, _, _ = loadDir(t, opts)
	require.Equal(t, []cmdRec{{0, "SET snapshot 1"}, {0, "SET new 1"}, {0, "SET after 1"}, {0, "SET later 1"}}, recs)
}

func TestEnableRetriesAfterAnAbort(t *testing.T) {
	fsys := newMemFS("/data")
	opts := memOpts(fsys)
	a, rw, err := Enable(opts)
	require.NoError(t, err)
	a.Append(0, mkArgv("SET", "a", "1"))
	require.NoError(t, rw.Abort())
	a.Append(0, mkArgv("SET", "b", "1")) // dropped: the next snapshot holds it
	require.NoError(t, a.Flush())
	rw, err = a.StartRewrite()
	require.NoError(t, err)
	a.Append(0, mkArgv("SET", "c", "1"))
	_, err = rw.Base().Write([]byte(respOf([]string{"SELECT", "0"}, []string{"SET", "a", "1"}, []string{"SET", "b", "1"})))
	require.NoError(t, err)
	require.NoError(t, rw.Commit(false))
	require.NoError(t, a.Close())
	// What redis-server 7.0.15 writes for CONFIG SET appendonly yes on a
	// directory without an AOF.
	require.Equal(t, "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		readMem(t, fsys, "appendonly.aof.manifest"))
	recs, _, _ := loadDir(t, opts)
	require.Equal(t, []cmdRec{{0, "SET a 1"}, {0, "SET b 1"}, {0, "SET c 1"}}, recs)
}

// enableScenario enables the AOF over a stale one and writes through its
// first commit, with Always. It returns the keys appended in order and how
// many were acknowledged after the commit.
func enableScenario(fsys *memFS) (keys []string, ackedAfter int) {
	opts := memOpts(fsys)
	opts.Fsync = Always
	a, rw, err := Enable(opts)
	if err != nil {
		return nil, 0
	}
	defer a.Close()
	state := kvModel{}
	put := func(n int, count bool) {
		for range n {
			k := "k" + strconv.Itoa(len(keys))
			keys = append(keys, k)
			state.apply(cmdRec{0, "SET " + k + " v"})
			if a.WaitDurable(a.Append(0, mkArgv("SET", k, "v"))) == nil && count {
				ackedAfter++
			}
		}
	}
	put(3, false) // the snapshot: written to the base below
	snapshot := state.base()
	put(3, false)
	rw.Base().Write(snapshot)
	if rw.Commit(false) != nil {
		return keys, 0
	}
	put(3, true)
	return keys, ackedAfter
}

func TestCrashWhileEnablingLeavesTheOldOrTheNewAOF(t *testing.T) {
	dry := staleAOF()
	keys, acked := enableScenario(dry)
	require.Equal(t, 3, acked)
	steps := dry.Ops()
	for at := 1; at <= steps+1; at++ {
		fsys := staleAOF()
		fsys.FreezeAt(at)
		_, acked := enableScenario(fsys)
		fsys.Crash()
		recs, _, _ := loadDir(t, memOpts(fsys))
		got := replayRecs(recs)[0]
		if got["stale"] != "" {
			require.Equal(t, map[string]string{"stale": "1"}, got, "crash at step %d mixed old and new", at)
			require.Zero(t, acked, "crash at step %d lost writes acknowledged after the commit", at)
			continue
		}
		require.GreaterOrEqual(t, len(got), 6+acked, "crash at step %d", at)
		for _, k := range keys[:len(got)] {
			require.Equal(t, "v", got[k], "crash at step %d: %s missing, present keys are not a prefix", at, k)
		}
	}
	t.Logf("crashed at each of %d steps", steps+1)
}
