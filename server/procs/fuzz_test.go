package procs

import (
	"testing"
	"time"
)

// FuzzParsers feeds the readers of /proc text anything: they must answer
// a value or an error, never panic, within a second per input.
func FuzzParsers(f *testing.F) {
	f.Add([]byte("3206154012 3073001877 91234\n"))
	f.Add([]byte("cpu  4705 150 1120 16250 520 0 40 0 0 0\ncpu0 1 2 3 4 5 6 7\n"))
	f.Add([]byte("cpu 1 2 3 18446744073709551616 5 6"))
	f.Fuzz(func(t *testing.T, b []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _, _ = parseSchedstat(b)
			_, _ = parseIdle(b)
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatalf("input took over a second: %q", b)
		}
	})
}
