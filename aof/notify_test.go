package aof

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notifyWait calls Notify for seq and waits for the callback, or fails
// after 10 seconds.
func notifyWait(a *AOF, seq uint64) error {
	got := make(chan error, 1)
	a.Notify(seq, func(err error) { got <- err })
	select {
	case err := <-got:
		return err
	case <-time.After(10 * time.Second):
		return errNoCallback
	}
}

var errNoCallback = errors.New("the Notify callback never came")

// TestNotifyGoesOnThroughRewrites has writers wait on Notify while
// rewrites switch files under them (fsyncs made outside the rounds): every
// callback must come, and every write be kept.
func TestNotifyGoesOnThroughRewrites(t *testing.T) {
	fsys := newMemFS("/data")
	fsys.syncDelay = 100 * time.Microsecond
	opts := memOpts(fsys)
	opts.Fsync = Always
	a, err := Open(opts)
	require.NoError(t, err)
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for id := range writers {
		wg.Go(func() {
			for i := range each {
				seq := a.Append(0, mkArgv("SET", strconv.Itoa(id)+":"+strconv.Itoa(i), "v"))
				if !assert.NoError(t, notifyWait(a, seq), "writer %d, write %d", id, i) {
					return
				}
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	rewrites := 0
	for running := true; running; {
		select {
		case <-finished:
			running = false
		default:
			rw, err := a.StartRewrite()
			require.NoError(t, err)
			require.NoError(t, rw.Commit(false)) // an empty base: only the count matters
			rewrites++
		}
	}
	require.NoError(t, a.Close())
	recs, _, _ := loadDir(t, opts)
	t.Logf("%d rewrites; %d commands after the last", rewrites, len(recs))
	require.Positive(t, rewrites)
}

// TestNotifyCallsBackAfterAnFsyncOutsideARound asks for a callback while
// a rewrite's switch holds the sync claim and fsyncs the old file, which
// covers the command: no round is needed, and the callback must still come.
func TestNotifyCallsBackAfterAnFsyncOutsideARound(t *testing.T) {
	m := newMemFS("/data")
	opts := memOpts(m)
	opts.Fsync = Always
	a, err := Open(opts)
	require.NoError(t, err)
	seq := a.Append(0, mkArgv("SET", "a", "1"))
	m.mu.Lock()
	m.syncDelay = 200 * time.Millisecond
	m.mu.Unlock()
	rewrote := make(chan error, 1)
	go func() {
		rw, err := a.StartRewrite()
		if err == nil {
			rw.Abort()
		}
		rewrote <- err
	}()
	require.Eventually(t, func() bool {
		a.smu.Lock()
		defer a.smu.Unlock()
		return a.syncing
	}, 5*time.Second, 100*time.Microsecond)
	require.NoError(t, notifyWait(a, seq))
	require.NoError(t, <-rewrote)
	require.NoError(t, a.Close())
}

func TestNotifyReportsWhatWaitDurableWould(t *testing.T) {
	t.Run("always", func(t *testing.T) {
		m := newMemFS("/data")
		opts := memOpts(m)
		opts.Fsync = Always
		a, err := Open(opts)
		require.NoError(t, err)
		notify := func(seq uint64) error { return notifyWait(a, seq) }
		require.NoError(t, notify(a.Append(0, mkArgv("SET", "a", "1"))))
		require.Equal(t, 1, m.Fsyncs()-fsyncsAtOpen(t), "the callback came after the fsync")
		require.ErrorContains(t, notify(1<<40), "never appended")

		m.mu.Lock()
		m.failSync = errors.New("EIO")
		m.mu.Unlock()
		require.ErrorContains(t, notify(a.Append(0, mkArgv("SET", "b", "2"))), "EIO")
		require.ErrorContains(t, notify(a.Append(0, mkArgv("SET", "c", "3"))), "EIO", "a failed fsync is sticky")
		a.Close()
		require.ErrorContains(t, notify(a.Append(0, mkArgv("SET", "d", "4"))), "EIO")
	})
	t.Run("closed", func(t *testing.T) {
		a, err := Open(memOpts(newMemFS("/data")))
		require.NoError(t, err)
		require.NoError(t, a.Close())
		var got error
		a.Notify(a.Append(0, mkArgv("SET", "a", "1")), func(err error) { got = err })
		require.ErrorIs(t, got, ErrClosed)
	})
	t.Run("everysec calls back at once", func(t *testing.T) {
		m := newMemFS("/data")
		a, err := Open(memOpts(m))
		require.NoError(t, err)
		called := false
		seq := a.Append(0, mkArgv("SET", "a", "1"))
		a.Notify(seq, func(err error) { called = err == nil })
		require.True(t, called)
		require.Contains(t, readMem(t, m, "appendonly.aof.1.incr.aof"), "SET", "written to the OS, as WaitDurable does")
		require.NoError(t, a.Close())
	})
}

// fsyncsAtOpen is the number of fsyncs Open makes on an empty directory.
func fsyncsAtOpen(t *testing.T) int {
	m := newMemFS("/data")
	opts := memOpts(m)
	opts.Fsync = Always
	a, err := Open(opts)
	require.NoError(t, err)
	n := m.Fsyncs()
	a.Close()
	return n
}

// TestSetPolicyAppliesToTheWritesThatFollow changes appendfsync on an open
// AOF, as CONFIG SET does: the writes waited for afterwards are fsynced, or
// not, by the new policy.
func TestSetPolicyAppliesToTheWritesThatFollow(t *testing.T) {
	m := newMemFS("/data")
	opts := memOpts(m)
	opts.Fsync = No
	a, err := Open(opts)
	require.NoError(t, err)
	defer a.Close()
	survivors := func() []cmdRec {
		c := m.clone()
		c.Crash()
		recs, _, _ := loadDir(t, memOpts(c))
		return recs
	}
	require.NoError(t, a.WaitDurable(a.Append(0, mkArgv("SET", "a", "1"))))
	require.Empty(t, survivors(), "no: written, not fsynced")

	a.SetPolicy(Always)
	require.Equal(t, Always, a.Policy())
	require.NoError(t, a.WaitDurable(a.Append(0, mkArgv("SET", "b", "2"))))
	require.Equal(t, []cmdRec{{0, "SET a 1"}, {0, "SET b 2"}}, survivors())
	require.NoError(t, notifyWait(a, a.Append(0, mkArgv("SET", "c", "3"))))
	require.Len(t, survivors(), 3, "Notify waits for the fsync under always")

	a.SetPolicy(No)
	require.NoError(t, a.WaitDurable(a.Append(0, mkArgv("SET", "d", "4"))))
	require.Len(t, survivors(), 3, "no again: d is written, not fsynced")
}
