package aof

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The operating system's files sync what was written, and a sync after
// Close fails with an error that names the file rather than passing.
func TestOSFileSync(t *testing.T) {
	name := filepath.Join(t.TempDir(), "appendonly.aof.1.incr.aof")
	f, err := OSFS().OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	_, err = f.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())

	got, err := os.ReadFile(name)
	require.NoError(t, err)
	require.Equal(t, "*1\r\n$4\r\nPING\r\n", string(got))

	err = f.Sync()
	require.Error(t, err)
	var pe *fs.PathError
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, name, pe.Path)

	_, err = f.Write([]byte("x"))
	require.Error(t, err, "a write after Close")
}

// Writes append whole buffers, however large, in order.
func TestOSFileWritesAppendInOrder(t *testing.T) {
	name := filepath.Join(t.TempDir(), "appendonly.aof.2.incr.aof")
	f, err := OSFS().OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	var want []byte
	for i, size := range []int{0, 1, 4096, 8 << 20, 3} {
		p := bytes.Repeat([]byte{byte('a' + i)}, size)
		n, err := f.Write(p)
		require.NoError(t, err)
		require.Equal(t, size, n)
		want = append(want, p...)
	}
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
	got, err := os.ReadFile(name)
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, got), "file differs from what was written (%d vs %d bytes)", len(got), len(want))
}
