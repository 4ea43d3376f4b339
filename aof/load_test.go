package aof

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// memAOF builds a /data AOF directory on a fresh memFS from a manifest and
// file contents.
func memAOF(manifest string, files map[string]string) *memFS {
	m := newMemFS("/data", "/data/appendonlydir")
	m.WriteDurable("/data/appendonlydir/appendonly.aof.manifest", []byte(manifest))
	for name, data := range files {
		m.WriteDurable("/data/appendonlydir/"+name, []byte(data))
	}
	return m
}

const twoIncrs = "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n"

func TestLoadCutsATruncatedTailAtEveryOffset(t *testing.T) {
	head := respOf([]string{"SELECT", "0"}, []string{"SET", "a", "1"}, []string{"SELECT", "4"}, []string{"RPUSH", "l", "x", "yy"})
	lastCmd := respOf([]string{"SET", "key", "a longer value\r\nwith CRLF"})
	for cut := len(head); cut < len(head)+len(lastCmd); cut++ {
		file := (head + lastCmd)[:cut]
		files := map[string]string{
			"appendonly.aof.1.base.aof": respOf([]string{"SET", "base", "1"}),
			"appendonly.aof.1.incr.aof": respOf([]string{"SET", "first", "1"}),
			"appendonly.aof.2.incr.aof": file,
		}
		want := []cmdRec{{0, "SET base 1"}, {0, "SET first 1"}, {0, "SET a 1"}, {4, "RPUSH l x yy"}}

		m := memAOF(twoIncrs, files)
		opts := memOpts(m)
		recs, _, stats := loadDir(t, opts)
		require.Equal(t, want, recs, "cut at %d", cut)
		require.Equal(t, cut > len(head), stats.Truncated, "cut at %d", cut)
		m.Crash()
		require.Equal(t, head, readMem(t, m, "appendonly.aof.2.incr.aof"), "the tail is cut off, durably")

		m = memAOF(twoIncrs, files)
		opts = memOpts(m)
		opts.LoadTruncated = false
		a, err := Open(opts)
		require.NoError(t, err)
		_, _, _, err = loadInto(a)
		a.Close()
		if cut == len(head) {
			require.NoError(t, err)
			continue
		}
		require.ErrorIs(t, err, ErrTruncated, "cut at %d", cut)
		require.ErrorContains(t, err, fmt.Sprintf("appendonly.aof.2.incr.aof at offset %d", len(head)))
		require.ErrorContains(t, err, "aof-load-truncated")
		require.Equal(t, file, readMem(t, m, "appendonly.aof.2.incr.aof"), "nothing is cut without aof-load-truncated")
	}
}

func TestLoadRevertsAMultiWithoutExecAtTheEnd(t *testing.T) {
	head := respOf([]string{"SELECT", "0"}, []string{"SET", "a", "1"})
	multi := respOf([]string{"MULTI"}, []string{"INCR", "a"}, []string{"INCR", "b"})
	exec := respOf([]string{"EXEC"})
	for cut := len(head) + 1; cut <= len(head)+len(multi)+len(exec); cut++ {
		m := memAOF("file appendonly.aof.1.incr.aof seq 1 type i\n", map[string]string{
			"appendonly.aof.1.incr.aof": (head + multi + exec)[:cut],
		})
		recs, _, stats := loadDir(t, memOpts(m))
		if cut == len(head)+len(multi)+len(exec) {
			require.Equal(t, []cmdRec{{0, "SET a 1"}, {0, "MULTI"}, {0, "INCR a"}, {0, "INCR b"}, {0, "EXEC"}}, recs)
			require.False(t, stats.Truncated)
			continue
		}
		require.Equal(t, []cmdRec{{0, "SET a 1"}}, recs, "cut at %d: nothing of the transaction is applied", cut)
		require.True(t, stats.Truncated)
		require.Equal(t, head, readMem(t, m, "appendonly.aof.1.incr.aof"))
	}
}

func TestLoadReportsCorruptionWithFileAndOffset(t *testing.T) {
	good := respOf([]string{"SELECT", "0"}, []string{"SET", "a", "1"})
	tail := respOf([]string{"SET", "b", "2"})
	cases := []struct {
		name, bad string
		at        int // offset of the bad line, relative to the bad part
	}{
		{"not a multibulk", "+OK\r\n", 0},
		{"inline command", "SET x y\r\n", 0},
		{"zero args", "*0\r\n", 0},
		{"negative args", "*-1\r\n", 0},
		{"no count", "*\r\n", 0},
		{"not a bulk", "*1\r\n:1\r\n", 4},
		{"negative bulk", "*1\r\n$-1\r\n", 4},
		{"huge count", "*99999999999\r\n", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := memAOF("file appendonly.aof.1.incr.aof seq 1 type i\n", map[string]string{
				"appendonly.aof.1.incr.aof": good + tc.bad + tail,
			})
			a, err := Open(memOpts(m))
			require.NoError(t, err)
			defer a.Close()
			recs, _, _, err := loadInto(a)
			require.ErrorIs(t, err, ErrBadFormat)
			require.ErrorContains(t, err, fmt.Sprintf("reading the append only file appendonly.aof.1.incr.aof at offset %d:", len(good)+tc.at))
			require.ErrorContains(t, err, "redis-check-aof --fix")
			require.Equal(t, []cmdRec{{0, "SET a 1"}}, recs)
		})
	}
}

func TestLoadRefusesATruncatedFileThatIsNotTheLast(t *testing.T) {
	first := respOf([]string{"SET", "a", "1"}) + "*2\r\n$3\r\nGET"
	m := memAOF(twoIncrs, map[string]string{
		"appendonly.aof.1.base.aof": "",
		"appendonly.aof.1.incr.aof": first,
		"appendonly.aof.2.incr.aof": respOf([]string{"SET", "b", "2"}),
	})
	a, err := Open(memOpts(m))
	require.NoError(t, err)
	defer a.Close()
	_, _, _, err = loadInto(a)
	require.ErrorIs(t, err, ErrTruncated)
	require.ErrorContains(t, err, "the truncated file is not the last file")
	require.Equal(t, first, readMem(t, m, "appendonly.aof.1.incr.aof"), "left alone, unlike Redis")
}

func TestLoadCutsATruncatedLegacyBase(t *testing.T) {
	// After an upgrade, Open creates the first incr file, which Redis only
	// creates after loading: the base is still the last file then.
	legacy := respOf([]string{"SET", "a", "1"}) + "*3\r\n$3\r\nSET\r\n$1"
	m := newMemFS("/data")
	m.WriteDurable("/data/appendonly.aof", []byte(legacy))
	recs, _, stats := loadDir(t, memOpts(m))
	require.True(t, stats.Truncated)
	require.Equal(t, []cmdRec{{0, "SET a 1"}}, recs)
	require.Equal(t, respOf([]string{"SET", "a", "1"}), readMem(t, m, "appendonly.aof"))
}

func TestLoadStartsEveryFileInDatabaseZero(t *testing.T) {
	m := memAOF(twoIncrs, map[string]string{
		"appendonly.aof.1.base.aof": respOf([]string{"SELECT", "7"}, []string{"SET", "a", "1"}),
		"appendonly.aof.1.incr.aof": respOf([]string{"SET", "b", "1"}, []string{"select", "9"}, []string{"SET", "c", "1"}),
		"appendonly.aof.2.incr.aof": respOf([]string{"SET", "d", "1"}),
	})
	recs, _, _ := loadDir(t, memOpts(m))
	require.Equal(t, []cmdRec{{7, "SET a 1"}, {0, "SET b 1"}, {9, "SET c 1"}, {0, "SET d 1"}}, recs)
}

func TestLoadSkipsAnnotations(t *testing.T) {
	m := memAOF("file appendonly.aof.1.incr.aof seq 1 type i\n", map[string]string{
		"appendonly.aof.1.incr.aof": "#TS:1700000000\r\n" + respOf([]string{"SET", "a", "1"}) + "#TS:1700000001\r\n" + respOf([]string{"SET", "b", "2"}),
	})
	recs, _, _ := loadDir(t, memOpts(m))
	require.Equal(t, []cmdRec{{0, "SET a 1"}, {0, "SET b 2"}}, recs)
}

func TestLoadDoesNotCheckTheCRLFAfterABulk(t *testing.T) {
	// Redis's loader skips the two bytes; so do we.
	m := memAOF("file appendonly.aof.1.incr.aof seq 1 type i\n", map[string]string{
		"appendonly.aof.1.incr.aof": "*2\r\n$3\r\nGETXY$1\r\nk\r\n",
	})
	recs, _, _ := loadDir(t, memOpts(m))
	require.Equal(t, []cmdRec{{0, "GET k"}}, recs)
}

func TestLoadRefusesABadSelect(t *testing.T) {
	for _, sel := range [][]string{{"SELECT", "x"}, {"SELECT", "-1"}, {"SELECT"}, {"SELECT", "1", "2"}, {"SELECT", "01"}} {
		m := memAOF("file appendonly.aof.1.incr.aof seq 1 type i\n", map[string]string{
			"appendonly.aof.1.incr.aof": respOf(sel),
		})
		a, err := Open(memOpts(m))
		require.NoError(t, err)
		_, _, _, err = loadInto(a)
		require.ErrorIs(t, err, ErrBadFormat, "%q", sel)
		require.ErrorContains(t, err, "invalid SELECT")
		a.Close()
	}
}

func TestLoadStopsAtACallbackError(t *testing.T) {
	good := respOf([]string{"SET", "a", "1"})
	m := memAOF("file appendonly.aof.1.incr.aof seq 1 type i\n", map[string]string{
		"appendonly.aof.1.incr.aof": good + respOf([]string{"NOSUCH", "x"}) + respOf([]string{"SET", "b", "2"}),
	})
	a, err := Open(memOpts(m))
	require.NoError(t, err)
	defer a.Close()
	unknown := errors.New("Unknown command 'NOSUCH' reading the append only file")
	n := 0
	_, err = a.Load(nil, func(db int, argv [][]byte) error {
		n++
		if string(argv[0]) == "NOSUCH" {
			return unknown
		}
		return nil
	})
	require.ErrorIs(t, err, unknown)
	require.ErrorContains(t, err, fmt.Sprintf("appendonly.aof.1.incr.aof at offset %d", len(good)))
	require.Equal(t, 2, n)
}

func TestLoadHandsAnRDBBaseToTheRDBCallback(t *testing.T) {
	rdb := "REDIS0010\xfa\x09redis-ver\x067.0.15\xff\x01\x02\x03\x04\x05\x06\x07\x08"
	m := memAOF("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", map[string]string{
		"appendonly.aof.1.base.rdb": rdb,
		"appendonly.aof.1.incr.aof": respOf([]string{"SELECT", "0"}, []string{"SET", "a", "1"}),
	})
	recs, gotRDB, stats := loadDir(t, memOpts(m))
	require.Equal(t, rdb, string(gotRDB))
	require.Equal(t, []cmdRec{{0, "SET a 1"}}, recs)
	require.Equal(t, 2, stats.Files)

	a, err := Open(memOpts(m))
	require.NoError(t, err)
	defer a.Close()
	_, err = a.Load(nil, func(int, [][]byte) error { return nil })
	require.ErrorContains(t, err, "no RDB loader")

	m = memAOF("file appendonly.aof.1.base.rdb seq 1 type b\n", map[string]string{"appendonly.aof.1.base.rdb": rdb})
	a2, err := Open(memOpts(m))
	require.NoError(t, err)
	defer a2.Close()
	_, err = a2.Load(func(io.Reader) error { return errors.New("bad checksum") }, func(int, [][]byte) error { return nil })
	require.ErrorContains(t, err, "Error reading the RDB base file appendonly.aof.1.base.rdb, AOF loading aborted: bad checksum")
}

func TestLoadReadsLargeArgumentsAndRefusesBogusLengths(t *testing.T) {
	big := strings.Repeat("v", 3<<20+17)
	m := memAOF("file appendonly.aof.1.incr.aof seq 1 type i\n", map[string]string{
		"appendonly.aof.1.incr.aof": respOf([]string{"SET", "k", big}) + "*1\r\n$9000000000000000000\r\nabc",
	})
	a, err := Open(memOpts(m))
	require.NoError(t, err)
	defer a.Close()
	var got []int
	stats, err := a.Load(nil, func(db int, argv [][]byte) error {
		got = append(got, len(argv[2]))
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []int{len(big)}, got)
	require.True(t, stats.Truncated, "a length past the end of the file is a truncated tail")
}
