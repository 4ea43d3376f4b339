package aof

import (
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// writeLog records what concurrent writers appended and when each was
// acknowledged.
type writeLog struct {
	mu    sync.Mutex // the "keyspace lock": Append order is the stream order
	order []string   // keys in append order
	acked map[string]time.Time
}

// writer appends SET key v until waiting for it fails or stop closes. Odd
// writers wait with Notify, as a server whose replies are held does, even
// ones with WaitDurable: both share the rounds.
func (w *writeLog) writer(a *AOF, id int, stop <-chan struct{}) {
	wait := a.WaitDurable
	if id%2 == 1 {
		wait = func(seq uint64) error { return notifyWait(a, seq) }
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		k := strconv.Itoa(id) + ":" + strconv.Itoa(i)
		w.mu.Lock()
		seq := a.Append(id%4, mkArgv("SET", k, "v"))
		w.order = append(w.order, k)
		w.mu.Unlock()
		if err := wait(seq); err != nil {
			return
		}
		w.mu.Lock()
		w.acked[k] = time.Now()
		w.mu.Unlock()
	}
}

// present loads the AOF after a crash and checks that what it holds is a
// prefix of the appended stream; it returns the keys present.
func (w *writeLog) present(t *testing.T, opts Options) map[string]bool {
	t.Helper()
	recs, _, _ := loadDir(t, opts)
	got := map[string]bool{}
	for i, r := range recs {
		require.Equal(t, "SET "+w.order[i]+" v", r.Argv, "the AOF is not a prefix of the appended stream")
		got[w.order[i]] = true
	}
	return got
}

func TestAlwaysKeepsEveryAcknowledgedWriteAfterAPowerLoss(t *testing.T) {
	for round := range 5 {
		fsys := newMemFS("/data")
		fsys.syncDelay = 200 * time.Microsecond
		opts := memOpts(fsys)
		opts.Fsync = Always
		a, err := Open(opts)
		require.NoError(t, err)
		w := &writeLog{acked: map[string]time.Time{}}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for id := range 16 {
			wg.Go(func() { w.writer(a, id, stop) })
		}
		require.Eventually(t, func() bool {
			w.mu.Lock()
			defer w.mu.Unlock()
			return len(w.acked) > 200*(round+1)
		}, 10*time.Second, time.Millisecond)
		fsys.Freeze() // the power goes out while writers are busy
		close(stop)
		wg.Wait()
		a.Close()
		fsys.Crash()

		got := w.present(t, opts)
		for k := range w.acked {
			require.True(t, got[k], "acknowledged write %s lost", k)
		}
		t.Logf("round %d: %d appended, %d acknowledged, %d survived", round, len(w.order), len(w.acked), len(got))
	}
}

func TestEverySecLosesAtMostAboutOneSecond(t *testing.T) {
	fsys := newMemFS("/data")
	opts := memOpts(fsys)
	opts.Fsync = EverySec
	a, err := Open(opts)
	require.NoError(t, err)
	fsyncsAtOpen, started := fsys.Fsyncs(), time.Now()
	w := &writeLog{acked: map[string]time.Time{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for id := range 4 {
		wg.Go(func() {
			// A steady load, not a busy loop.
			tick := time.NewTicker(200 * time.Microsecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				w.mu.Lock()
				k := strconv.Itoa(id) + ":" + strconv.Itoa(len(w.order))
				seq := a.Append(id%4, mkArgv("SET", k, "v"))
				w.order = append(w.order, k)
				w.mu.Unlock()
				if a.WaitDurable(seq) != nil {
					return
				}
				w.mu.Lock()
				w.acked[k] = time.Now()
				w.mu.Unlock()
			}
		})
	}
	// Let the background fsync run twice, then cut the power some way into
	// the next second.
	require.Eventually(t, func() bool { return fsys.Fsyncs()-fsyncsAtOpen >= 2 }, 10*time.Second, time.Millisecond)
	w.mu.Lock()
	mark := len(w.acked)
	w.mu.Unlock()
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.acked) > mark+2000
	}, 10*time.Second, time.Millisecond)
	crash := time.Now()
	fsys.Freeze()
	close(stop)
	wg.Wait()
	a.Close()
	fsys.Crash()

	fsys.mu.Lock()
	syncedAt := fsys.syncedAt
	fsys.mu.Unlock()
	got := w.present(t, opts)
	lost, oldest := 0, time.Duration(0)
	for k, at := range w.acked {
		if got[k] {
			continue
		}
		// Acknowledged (written) after the last fsync took its snapshot:
		// the only writes everysec may lose.
		require.True(t, at.After(syncedAt), "%s was acknowledged before the last fsync and lost", k)
		lost++
		oldest = max(oldest, crash.Sub(at))
	}
	require.NotEmpty(t, got, "the background fsync ran")
	// The last fsync is at most about a second old (loosely: other tests
	// may be loading the machine).
	require.Less(t, crash.Sub(syncedAt), 2*time.Second)
	require.LessOrEqual(t, fsys.Fsyncs()-fsyncsAtOpen, int(crash.Sub(started)/time.Second)+1, "at most one fsync a second")
	t.Logf("%d acknowledged, %d lost, the oldest lost was acknowledged %v before the power loss, the last fsync %v before it",
		len(w.acked), lost, oldest, crash.Sub(syncedAt))
}

func TestNoPolicyLeavesFsyncToTheOS(t *testing.T) {
	fsys := newMemFS("/data")
	opts := memOpts(fsys)
	opts.Fsync = No
	a, err := Open(opts)
	require.NoError(t, err)
	before := fsys.Fsyncs()
	require.NoError(t, a.WaitDurable(a.Append(0, mkArgv("SET", "a", "1"))))
	require.Equal(t, before, fsys.Fsyncs())
	fsys.Crash()
	recs, _, _ := loadDir(t, opts)
	require.Empty(t, recs, "written but never fsynced")
}

func TestGroupCommitSharesFsyncs(t *testing.T) {
	const writers, each = 32, 50
	run := func(t *testing.T, opts Options) (fsyncs int64) {
		opts.Fsync = Always
		a, err := Open(opts)
		require.NoError(t, err)
		_, _, _, err = loadInto(a)
		require.NoError(t, err)
		var wg sync.WaitGroup
		for id := range writers {
			wg.Go(func() {
				for i := range each {
					seq := a.Append(0, mkArgv("SET", strconv.Itoa(id)+":"+strconv.Itoa(i), "v"))
					require.NoError(t, a.WaitDurable(seq))
				}
			})
		}
		wg.Wait()
		a.smu.Lock()
		fsyncs = a.fsyncs
		a.smu.Unlock()
		require.NoError(t, a.Close())
		recs, _, _ := loadDir(t, opts)
		require.Len(t, recs, writers*each)
		return fsyncs
	}
	t.Run("mem", func(t *testing.T) {
		fsys := newMemFS("/data")
		fsys.syncDelay = time.Millisecond
		n := run(t, memOpts(fsys))
		writes := fsys.Ops() - fsys.Fsyncs() // and the few of Open and Close
		t.Logf("%d acknowledged writes, %d fsyncs, %d other file operations", writers*each, n, writes)
		require.Less(t, n, int64(writers*each/4), "concurrent waiters share fsyncs")
		require.Less(t, writes, writers*each/4, "and the writes before them")
	})
	t.Run("os", func(t *testing.T) {
		n := run(t, Options{Dir: t.TempDir()})
		t.Logf("%d acknowledged writes, %d fsyncs", writers*each, n)
		require.Less(t, n, int64(writers*each))
	})
	t.Run("os, one processor", func(t *testing.T) {
		// The fsync holds the only processor: the writers must still
		// append before a round starts, not one round each.
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		n := run(t, Options{Dir: t.TempDir()})
		t.Logf("%d acknowledged writes, %d fsyncs", writers*each, n)
		require.Less(t, n, int64(writers*each/4))
	})
}
