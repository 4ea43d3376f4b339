package aof

import (
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
}
