package aof

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// cmdRec is a loaded or appended command.
type cmdRec struct {
	DB   int
	Argv string // arguments joined by spaces, for readable diffs
}

func mkArgv(args ...string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

func joinArgv(argv [][]byte) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = string(a)
	}
	return strings.Join(parts, " ")
}

// memOpts returns options for an AOF in /data on fsys.
func memOpts(fsys FS) Options {
	return Options{Dir: "/data", FS: fsys, LoadTruncated: true}
}

// load opens the AOF described by opts, loads it and closes it again,
// returning the commands and, if there was an RDB, its bytes.
func loadDir(t testing.TB, opts Options) ([]cmdRec, []byte, LoadStats) {
	t.Helper()
	a, err := Open(opts)
	require.NoError(t, err)
	defer a.Close()
	recs, rdb, stats, err := loadInto(a)
	require.NoError(t, err)
	return recs, rdb, stats
}

func loadInto(a *AOF) ([]cmdRec, []byte, LoadStats, error) {
	var recs []cmdRec
	var rdb []byte
	stats, err := a.Load(func(r io.Reader) error {
		b, err := io.ReadAll(r)
		rdb = b
		return err
	}, func(db int, argv [][]byte) error {
		recs = append(recs, cmdRec{db, joinArgv(argv)})
		return nil
	})
	return recs, rdb, stats, err
}

// readMem returns a file of the memFS's AOF directory.
func readMem(t testing.TB, m *memFS, name string) string {
	t.Helper()
	b, ok := m.Read(filepath.Join("/data/appendonlydir", name))
	require.True(t, ok, "%s does not exist", name)
	return string(b)
}

// resp encodes commands as an AOF file holds them.
func respOf(cmds ...[]string) string {
	var b []byte
	for _, c := range cmds {
		b = AppendCommand(b, mkArgv(c...))
	}
	return string(b)
}
