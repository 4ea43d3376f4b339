package aof

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// kvModel is a keyspace of strings per database, enough to check that a
// base plus incremental files rebuild what was written.
type kvModel map[int]map[string]string

func (m kvModel) apply(r cmdRec) {
	f := strings.SplitN(r.Argv, " ", 3)
	switch strings.ToUpper(f[0]) {
	case "SET":
		if m[r.DB] == nil {
			m[r.DB] = map[string]string{}
		}
		m[r.DB][f[1]] = f[2]
	case "DEL":
		delete(m[r.DB], f[1])
	}
}

// base renders the kvModel as a RESP base file, as Redis's rewrite does.
func (m kvModel) base() []byte {
	var b []byte
	dbs := make([]int, 0, len(m))
	for db := range m {
		dbs = append(dbs, db)
	}
	sort.Ints(dbs)
	for _, db := range dbs {
		if len(m[db]) == 0 {
			continue
		}
		b = AppendCommand(b, mkArgv("SELECT", strconv.Itoa(db)))
		for k, v := range m[db] {
			b = AppendCommand(b, mkArgv("SET", k, v))
		}
	}
	return b
}

func replayRecs(recs []cmdRec) kvModel {
	m := kvModel{}
	for _, r := range recs {
		m.apply(r)
	}
	return m
}

func TestWritesDuringARewriteGoToTheNewIncrFile(t *testing.T) {
	fsys := newMemFS("/data")
	opts := memOpts(fsys)
	a, err := Open(opts)
	require.NoError(t, err)
	_, _, _, err = loadInto(a)
	require.NoError(t, err)
	state := kvModel{}
	put := func(db int, k, v string) {
		a.Append(db, mkArgv("SET", k, v))
		state.apply(cmdRec{db, "SET " + k + " " + v})
	}
	put(0, "a", "1")
	put(2, "b", "2")
	a.Append(2, mkArgv("DEL", "b")) // buffered, not flushed: still belongs before the switch
	state.apply(cmdRec{2, "DEL b"})

	rw, err := a.StartRewrite()
	require.NoError(t, err)
	snapshot := state.base()
	require.Equal(t, "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		readMem(t, fsys, "appendonly.aof.manifest"), "the new incr file is in the manifest from the start, as in Redis")
	require.Equal(t, respOf([]string{"SELECT", "0"}, []string{"SET", "a", "1"}, []string{"SELECT", "2"}, []string{"SET", "b", "2"}, []string{"DEL", "b"}),
		readMem(t, fsys, "appendonly.aof.1.incr.aof"))

	put(2, "c", "3") // same database as before the switch: SELECT again
	put(0, "d", "4")
	require.NoError(t, a.Flush())
	require.Equal(t, respOf([]string{"SELECT", "2"}, []string{"SET", "c", "3"}, []string{"SELECT", "0"}, []string{"SET", "d", "4"}),
		readMem(t, fsys, "appendonly.aof.2.incr.aof"))

	_, err = rw.Base().Write(snapshot)
	require.NoError(t, err)
	require.NoError(t, rw.Commit(false))
	put(5, "e", "5")
	require.NoError(t, a.Close())

	// What redis-server 7.0.15 leaves after BGREWRITEAOF with
	// aof-use-rdb-preamble no: the new base and the current incr file,
	// history deleted.
	require.Equal(t, "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		readMem(t, fsys, "appendonly.aof.manifest"))
	require.Equal(t, []string{
		"/data/appendonlydir/appendonly.aof.2.base.aof",
		"/data/appendonlydir/appendonly.aof.2.incr.aof",
		"/data/appendonlydir/appendonly.aof.manifest",
	}, fsys.Names())
	recs, _, _ := loadDir(t, opts)
	require.Equal(t, state, replayRecs(recs))
}

func TestCommitRDBNamesTheBaseRDB(t *testing.T) {
	fsys := newMemFS("/data")
	opts := memOpts(fsys)
	a, err := Open(opts)
	require.NoError(t, err)
	rw, err := a.StartRewrite()
	require.NoError(t, err)
	rdb := "REDIS0010\xfe\x00\xff\x00\x00\x00\x00\x00\x00\x00\x00"
	_, err = rw.Base().Write([]byte(rdb))
	require.NoError(t, err)
	require.NoError(t, rw.Commit(true))
	a.Append(0, mkArgv("SET", "k", "v"))
	require.NoError(t, a.Close())
	require.Equal(t, "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		readMem(t, fsys, "appendonly.aof.manifest"))
	recs, gotRDB, _ := loadDir(t, opts)
	require.Equal(t, rdb, string(gotRDB))
	require.Equal(t, []cmdRec{{0, "SET k v"}}, recs)
}

func TestAbortKeepsTheNewIncrFile(t *testing.T) {
	fsys := newMemFS("/data")
	opts := memOpts(fsys)
	a, err := Open(opts)
	require.NoError(t, err)
	a.Append(0, mkArgv("SET", "a", "1"))
	rw, err := a.StartRewrite()
	require.NoError(t, err)
	_, err = a.StartRewrite()
	require.ErrorIs(t, err, ErrRewriteInProgress)
	a.Append(0, mkArgv("SET", "b", "2"))
	_, err = rw.Base().Write([]byte("partial"))
	require.NoError(t, err)
	require.NoError(t, rw.Abort())
	require.Error(t, rw.Commit(false), "an aborted rewrite cannot be committed")
	a.Append(0, mkArgv("SET", "c", "3"))
	require.NoError(t, a.Flush())
	// As Redis after a failed rewrite: both incr files stay, no temp file.
	require.Equal(t, "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		readMem(t, fsys, "appendonly.aof.manifest"))
	for _, n := range fsys.Names() {
		require.NotContains(t, n, "temp-")
	}

	// The next rewrite turns both into history.
	rw, err = a.StartRewrite()
	require.NoError(t, err)
	_, err = rw.Base().Write([]byte(respOf([]string{"SELECT", "0"}, []string{"SET", "a", "1"}, []string{"SET", "b", "2"}, []string{"SET", "c", "3"})))
	require.NoError(t, err)
	a.Append(0, mkArgv("SET", "d", "4"))
	require.NoError(t, rw.Commit(false))
	require.NoError(t, a.Close())
	require.Equal(t, "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n",
		readMem(t, fsys, "appendonly.aof.manifest"))
	recs, _, _ := loadDir(t, opts)
	require.Equal(t, kvModel{0: {"a": "1", "b": "2", "c": "3", "d": "4"}}, replayRecs(recs))
}

func TestCloseAbandonsARewrite(t *testing.T) {
	fsys := newMemFS("/data")
	a, err := Open(memOpts(fsys))
	require.NoError(t, err)
	rw, err := a.StartRewrite()
	require.NoError(t, err)
	require.NoError(t, a.Close())
	require.Error(t, rw.Commit(false))
	for _, n := range fsys.Names() {
		require.NotContains(t, n, "temp-")
	}
}

// rewriteScenario writes through two rewrites (one aborted) with Always,
// stopping at the first error. It returns the keys in the order they were
// appended and how many of them were acknowledged.
func rewriteScenario(fsys *memFS) (keys []string, acked int) {
	opts := memOpts(fsys)
	opts.Fsync = Always
	a, err := Open(opts)
	if err != nil {
		return nil, 0
	}
	defer a.Close()
	if _, _, _, err := loadInto(a); err != nil {
		return nil, 0
	}
	state := kvModel{}
	ok := true
	put := func(n int) {
		for range n {
			k := "k" + strconv.Itoa(len(keys))
			db := len(keys) % 3
			seq := a.Append(db, mkArgv("SET", k, "v"))
			keys = append(keys, k)
			state.apply(cmdRec{db, "SET " + k + " v"})
			if ok && a.WaitDurable(seq) == nil {
				acked++
			} else {
				ok = false
			}
		}
	}
	rewrite := func(commit bool) {
		// Appended but not waited for: StartRewrite writes it to the old
		// file, which must be fsynced before later writes count.
		k := "k" + strconv.Itoa(len(keys))
		a.Append(len(keys)%3, mkArgv("SET", k, "v"))
		state.apply(cmdRec{len(keys) % 3, "SET " + k + " v"})
		keys = append(keys, k)
		rw, err := a.StartRewrite()
		if err != nil {
			ok = false
			return
		}
		snapshot := state.base()
		put(3)
		if _, err := rw.Base().Write(snapshot); err != nil {
			ok = false
		}
		if commit {
			if rw.Commit(false) != nil {
				ok = false
			}
		} else {
			rw.Abort()
		}
	}
	put(4)
	rewrite(true)
	put(2)
	rewrite(false)
	put(2)
	rewrite(true)
	put(2)
	return keys, acked
}

func TestCrashAtAnyStepLeavesALoadableAOF(t *testing.T) {
	dry := newMemFS("/data")
	keys, acked := rewriteScenario(dry)
	require.Equal(t, len(keys)-3, acked)
	steps := dry.Ops()
	for at := 1; at <= steps+1; at++ {
		fsys := newMemFS("/data")
		fsys.FreezeAt(at)
		keys, acked := rewriteScenario(fsys)
		fsys.Crash()
		opts := memOpts(fsys)
		a, err := Open(opts)
		require.NoError(t, err, "crash at step %d of %d", at, steps)
		recs, _, _, err := loadInto(a)
		require.NoError(t, err, "crash at step %d of %d", at, steps)
		require.NoError(t, a.Close())
		// The keys present are a prefix of those appended, covering every
		// acknowledged one, each in its database.
		got := replayRecs(recs)
		n := 0
		for db := range got {
			n += len(got[db])
		}
		require.GreaterOrEqual(t, n, acked, "crash at step %d lost an acknowledged write", at)
		for i := range n {
			require.Equal(t, "v", got[i%3][keys[i]], "crash at step %d: %s missing, present keys are not a prefix", at, keys[i])
		}
	}
	t.Logf("crashed at each of %d steps", steps+1)
}

func TestRewriteStartFailureLeavesTheAOFAsItWas(t *testing.T) {
	fsys := newMemFS("/data")
	opts := memOpts(fsys)
	a, err := Open(opts)
	require.NoError(t, err)
	a.Append(0, mkArgv("SET", "a", "1"))
	require.NoError(t, a.Flush())
	manifest := readMem(t, fsys, "appendonly.aof.manifest")
	fsys.mu.Lock()
	fsys.freezeAt = fsys.ops + 3 // temp base, flush, new incr file: then the manifest write fails
	fsys.mu.Unlock()
	a.Append(0, mkArgv("SET", "b", "2"))
	_, err = a.StartRewrite()
	require.Error(t, err)
	fsys.mu.Lock()
	fsys.frozen, fsys.freezeAt = false, 0
	fsys.mu.Unlock()
	a.Append(0, mkArgv("SET", "c", "3"))
	require.NoError(t, a.Close())
	require.Equal(t, manifest, readMem(t, fsys, "appendonly.aof.manifest"))
	recs, _, _ := loadDir(t, opts)
	require.Equal(t, fmt.Sprint([]cmdRec{{0, "SET a 1"}, {0, "SET b 2"}, {0, "SET c 3"}}), fmt.Sprint(recs))
}
