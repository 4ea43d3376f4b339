//go:build linux

package procs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestProcFilesReadAsTheOSPackageDoes: whole files past the first buffer,
// directories past one getdents64 buffer, and errors for what is missing.
func TestProcFilesReadAsTheOSPackageDoes(t *testing.T) {
	dir := t.TempDir()
	big := []byte(strings.Repeat("0123456789abcdef", 1000)) // 16,000 bytes: four buffers
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big"), big, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty"), nil, 0o600))
	want := []string{"big", "empty"}
	for i := range 300 { // 300 names of 60 bytes: about 24 KB of records
		name := strings.Repeat("n", 56) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + "xx"
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o600))
		want = append(want, name)
	}

	var p procFiles
	b, err := p.readFile(filepath.Join(dir, "big"))
	require.NoError(t, err)
	require.Equal(t, big, b)
	b, err = p.readFile(filepath.Join(dir, "empty"))
	require.NoError(t, err)
	require.Empty(t, b)
	_, err = p.readFile(filepath.Join(dir, "missing"))
	require.ErrorIs(t, err, os.ErrNotExist)

	names, err := p.readDirNames(dir)
	require.NoError(t, err)
	slices.Sort(names)
	slices.Sort(want)
	require.Equal(t, want, names)
	_, err = p.readDirNames(filepath.Join(dir, "big"))
	require.Error(t, err, "not a directory")

	stat, err := os.ReadFile("/proc/stat")
	require.NoError(t, err)
	b, err = p.readFile("/proc/stat")
	require.NoError(t, err)
	require.Equal(t, strings.Fields(string(stat))[0], strings.Fields(string(b))[0])
	tasks, err := os.ReadDir("/proc/self/task")
	require.NoError(t, err)
	names, err = p.readDirNames("/proc/self/task")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	require.InDelta(t, len(tasks), len(names), 3, "threads may come and go between the two readings")
}
