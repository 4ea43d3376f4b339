package bench

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseStatReadsUtimeAndStime(t *testing.T) {
	for _, tc := range []struct {
		name, stat   string
		utime, stime uint64
	}{
		{"plain", "21732 (cat) R 21722 21722 19407 0 -1 4194304 99 0 0 0 7 3 0 0 20 0 1 0 363331 3133440 383",
			7, 3},
		{"name with spaces and parens", "42 (a) b (c)) S 1 42 42 0 -1 4194560 5 0 0 0 1234 567 0 0 20 0 3 0 1 2 3",
			1234, 567},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, s, err := ParseStat([]byte(tc.stat + "\n"))
			require.NoError(t, err)
			require.Equal(t, tc.utime, u)
			require.Equal(t, tc.stime, s)
		})
	}
}

func TestParseStatRejectsMalformedInput(t *testing.T) {
	for _, stat := range []string{"", "42 cat R 1 2", "42 (cat) R 1 2 3", "42 (cat) R 1 1 1 0 -1 0 0 0 0 0 x 3"} {
		_, _, err := ParseStat([]byte(stat))
		require.Error(t, err, stat)
	}
}

func TestReadCPUReadsThisProcess(t *testing.T) {
	_, err := ReadCPU(os.Getpid())
	require.NoError(t, err)
}

func TestParseSchedstatReadsRunAndWaitTimes(t *testing.T) {
	run, wait, err := ParseSchedstat([]byte("3206154012 3073001877 91234\n"))
	require.NoError(t, err)
	require.Equal(t, uint64(3206154012), run)
	require.Equal(t, uint64(3073001877), wait)
	for _, bad := range []string{"", "12", "x 3 4", "1 -2 3"} {
		_, _, err := ParseSchedstat([]byte(bad))
		require.Error(t, err, bad)
	}
}

// TestReadRunQueueWaitGrowsWhenThreadsOutnumberCPUs keeps twice as many
// threads busy as there are CPUs (with as many Go processors, so that all
// of them run Go code at once), so some of them must wait for a CPU.
func TestReadRunQueueWaitGrowsWhenThreadsOutnumberCPUs(t *testing.T) {
	busy := 2 * runtime.NumCPU()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(busy))
	before, err := ReadRunQueueWait(os.Getpid())
	require.NoError(t, err)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range busy {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			for !stop.Load() {
			}
		}()
	}
	require.Eventually(t, func() bool {
		after, err := ReadRunQueueWait(os.Getpid())
		return err == nil && after > before
	}, 10*time.Second, 10*time.Millisecond)
	stop.Store(true)
	wg.Wait()
}
