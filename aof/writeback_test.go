package aof

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// writebackFS records the writebacks the AOF asks of its files.
type writebackFS struct {
	*memFS
	mu    sync.Mutex
	calls []writebackCall
}

type writebackCall struct {
	name   string
	off, n int64
}

type writebackFile struct {
	File
	fs   *writebackFS
	name string
}

func (w *writebackFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := w.memFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &writebackFile{File: f, fs: w, name: name}, nil
}

func (f *writebackFile) startWriteback(off, n int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.fs.calls = append(f.fs.calls, writebackCall{filepath.Base(f.name), off, n})
	return nil
}

func (w *writebackFS) Calls() []writebackCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]writebackCall(nil), w.calls...)
}

// appendDurably appends a SET of a value of n bytes and waits until it is
// as durable as the policy promises.
func appendDurably(t *testing.T, a *AOF, n int) {
	t.Helper()
	seq := a.Append(0, mkArgv("SET", "k", strings.Repeat("v", n)))
	require.NoError(t, a.WaitDurable(seq))
}

// TestEverySecStartsTheWritebackOfWholePages checks that under everysec
// the background goroutine hands the current file's whole pages to a
// writeback as they fill, each once and in order, never the last, partial
// page; and that under always and no it does not.
func TestEverySecStartsTheWritebackOfWholePages(t *testing.T) {
	fsys := &writebackFS{memFS: newMemFS("/data")}
	opts := memOpts(fsys)
	opts.Fsync = EverySec
	a, err := Open(opts)
	require.NoError(t, err)
	defer a.Close()

	for range 5 {
		appendDurably(t, a, 3000)
	}
	_, size := a.Size()
	require.Greater(t, size, int64(3*writebackPage))
	whole := size &^ (writebackPage - 1)
	require.Eventually(t, func() bool {
		calls := fsys.Calls()
		return len(calls) > 0 && calls[len(calls)-1].off+calls[len(calls)-1].n == whole
	}, 5*time.Second, time.Millisecond)
	calls := fsys.Calls()
	next := int64(0)
	for _, c := range calls {
		require.Equal(t, next, c.off, "in order, each page once: %v", calls)
		require.Positive(t, c.n)
		require.Zero(t, (c.off+c.n)%writebackPage, "whole pages only: %v", calls)
		next = c.off + c.n
	}
	require.LessOrEqual(t, next, size)

	for _, p := range []Policy{Always, No} {
		a.SetPolicy(p)
		before := len(fsys.Calls())
		for range 3 {
			appendDurably(t, a, 3000)
		}
		time.Sleep(5 * writebackEvery)
		require.Len(t, fsys.Calls(), before, "no writeback under %s", p)
	}

	// Back to everysec, the writebacks resume (within the second the
	// background goroutine takes to see the change).
	a.SetPolicy(EverySec)
	before := len(fsys.Calls())
	appendDurably(t, a, 3*writebackPage)
	require.Eventually(t, func() bool { return len(fsys.Calls()) > before }, 5*time.Second, 10*time.Millisecond)
}

// TestWritebackStartsAfreshOnANewOrEmptiedFile checks the bookkeeping of
// startWriteback: a file of another name, or one shorter than what was
// handed over (emptied by a failed rewrite), starts again from its first
// byte.
func TestWritebackStartsAfreshOnANewOrEmptiedFile(t *testing.T) {
	fsys := &writebackFS{memFS: newMemFS("/data")}
	opts := memOpts(fsys)
	opts.Fsync = No // the background goroutine stays out of the way
	a, err := Open(opts)
	require.NoError(t, err)
	defer a.Close()

	var wb writebackState
	a.startWriteback(&wb)
	require.Empty(t, fsys.Calls(), "nothing appended yet")
	appendDurably(t, a, 9000)
	a.startWriteback(&wb)
	a.startWriteback(&wb) // nothing new
	appendDurably(t, a, 4000)
	a.startWriteback(&wb)
	calls := fsys.Calls()
	require.Len(t, calls, 2)
	require.Equal(t, int64(0), calls[0].off)
	require.Equal(t, int64(2*writebackPage), calls[0].n)
	require.Equal(t, int64(2*writebackPage), calls[1].off)
	require.Equal(t, int64(writebackPage), calls[1].n)

	wb.name = "another file"
	a.startWriteback(&wb)
	require.Equal(t, writebackCall{calls[0].name, 0, 3 * writebackPage}, fsys.Calls()[2])

	wb.done = 1 << 20 // more than the file holds: it was emptied
	a.startWriteback(&wb)
	require.Equal(t, writebackCall{calls[0].name, 0, 3 * writebackPage}, fsys.Calls()[3])
}

// TestOSFileWritebackLeavesTheDataAlone runs the writeback system call on
// an OS file: it succeeds and the bytes read back are those written.
func TestOSFileWritebackLeavesTheDataAlone(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	f, err := OSFS().OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	require.NoError(t, err)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1000)
	_, err = f.Write(data)
	require.NoError(t, err)
	w, ok := f.(writebacker)
	require.True(t, ok)
	require.NoError(t, w.startWriteback(0, 3*writebackPage))
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
	got, err := os.ReadFile(name)
	require.NoError(t, err)
	require.Equal(t, data, got)
}
