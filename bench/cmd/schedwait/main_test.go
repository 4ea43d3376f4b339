package main

import (
	"bytes"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAnalyzeMeasuresLockAndRunnableWaits traces goroutines that contend
// for a mutex held for a while, and checks that the analysis finds waits
// on it of about that length and goroutines woken from them.
func TestAnalyzeMeasuresLockAndRunnableWaits(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, trace.Start(&buf))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				mu.Lock()
				time.Sleep(2 * time.Millisecond)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	trace.Stop()

	rep, err := analyze(&buf, time.Millisecond)
	require.NoError(t, err)
	require.NotEmpty(t, rep.syncWait, "the goroutines waited on the mutex")
	var longest time.Duration
	for _, d := range rep.syncWait {
		longest = max(longest, d)
	}
	require.GreaterOrEqual(t, longest, 2*time.Millisecond, "a waiter waited at least one hold")
	woken := 0
	for o, n := range rep.allBy {
		if strings.Contains(o, "sync") {
			woken += n
		}
	}
	require.Positive(t, woken, "runnable waits of goroutines woken from the mutex: %v", rep.allBy)
	var out bytes.Buffer
	rep.print(&out)
	require.Contains(t, out.String(), "waits on sync primitives: n=")
}
