package bench

import (
	"os"
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

// TestReadRunQueueWaitReadsThisProcess: procs.ThreadTimes, which it
// reads through, is tested against real waits in its own package.
func TestReadRunQueueWaitReadsThisProcess(t *testing.T) {
	_, err := ReadRunQueueWait(os.Getpid())
	require.NoError(t, err)
	_, err = ReadRunQueueWait(-1)
	require.Error(t, err)
}

// FuzzParseStat feeds ParseStat anything: it must answer a value or an
// error, never panic, within a second per input.
func FuzzParseStat(f *testing.F) {
	f.Add([]byte("21732 (cat) R 21722 21722 19407 0 -1 4194304 99 0 0 0 7 3 0 0 20 0 1 0 363331 3133440 383"))
	f.Add([]byte("42 (a) b (c)) S 1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _, _ = ParseStat(b)
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatalf("input took over a second: %q", b)
		}
	})
}
