package procs

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const p = 200 * time.Millisecond

var (
	oversubscribed = Sample{Run: p, Wait: p, Idle: 0}      // waited as long as it ran
	contended      = Sample{Run: p, Wait: p / 10, Idle: 0} // busy, little wait
	idleMachine    = Sample{Run: p / 100, Idle: 1.5}
	roomy          = Sample{Run: p, Idle: 1}               // busy, with a CPU to spare
	sparse         = Sample{Run: p / 10, Wait: p, Idle: 0} // long waits, but hardly running
)

func TestGovernorShedsWhileThreadsWaitAsLongAsTheyRun(t *testing.T) {
	g := NewGovernor(4, p)
	g.Hold()
	require.Equal(t, 4, g.Procs())
	require.Equal(t, 4, g.Next(contended))
	require.Equal(t, 4, g.Next(sparse), "an idle server's few wake-ups decide nothing")
	require.Equal(t, 3, g.Next(oversubscribed))
	require.Equal(t, 2, g.Next(oversubscribed))
	require.Equal(t, 1, g.Next(oversubscribed))
	require.Equal(t, 1, g.Next(oversubscribed), "never below one")
	require.Equal(t, 1, g.Next(contended), "no CPU idle: stay")
}

func TestGovernorStartsAtOneAndAddsUnderLoadWithACPUIdle(t *testing.T) {
	g := NewGovernor(3, p)
	require.Equal(t, 1, g.Procs())
	require.Equal(t, 1, g.Next(idleMachine), "an idle server keeps its count")
	require.Equal(t, 1, g.Next(contended), "no CPU idle")
	require.Equal(t, 1, g.Next(Sample{Run: p, Idle: 0.5}), "half a CPU idle is not enough")
	require.Equal(t, 1, g.Next(Sample{Run: p, Idle: 0.8}), "nor four fifths")
	require.Equal(t, 1, g.Next(Sample{Run: p / 10, Idle: 1.5}), "one period of a light load is not enough")
	require.Equal(t, 2, g.Next(Sample{Run: p / 10, Idle: 1.5}), "two in a row are")
	require.Equal(t, 1, g.Next(oversubscribed))
	g = NewGovernor(3, p)
	require.Equal(t, 1, g.Next(roomy))
	require.Equal(t, 2, g.Next(roomy))
	require.Equal(t, 2, g.Next(idleMachine), "kept while idle")
	require.Equal(t, 2, g.Next(roomy), "the idle period broke the streak")
	require.Equal(t, 3, g.Next(roomy))
	require.Equal(t, 3, g.Next(roomy), "never above the CPU count")
	require.Equal(t, 2, g.Next(oversubscribed))
}

// A period that looks roomy between periods that do not (a load starting
// partway through it, the benchmark's FLUSHALL and prefill between two
// rounds) does not add a processor.
func TestGovernorIgnoresARoomyPeriodAlone(t *testing.T) {
	g := NewGovernor(2, p)
	for range 10 {
		require.Equal(t, 1, g.Next(idleMachine))
		require.Equal(t, 1, g.Next(roomy))
		require.Equal(t, 1, g.Next(contended))
	}
	require.Equal(t, 1, g.Next(roomy))
	require.Equal(t, 2, g.Next(roomy))
}

func TestGovernorWaitsLongerAfterAPrematureRestore(t *testing.T) {
	g := NewGovernor(2, p)
	g.Hold()
	require.Equal(t, 1, g.Next(oversubscribed))
	require.Equal(t, 1, g.Next(roomy))
	require.Equal(t, 2, g.Next(roomy)) // two periods after shedding (restoreStreak)
	require.Equal(t, 1, g.Next(oversubscribed))
	// Restoring proved premature: the wait doubles, to the two periods
	// the streak takes anyway...
	require.Equal(t, 1, g.Next(roomy))
	require.Equal(t, 2, g.Next(roomy))
	require.Equal(t, 1, g.Next(oversubscribed))
	for range 3 {
		require.Equal(t, 1, g.Next(roomy))
	}
	require.Equal(t, 2, g.Next(roomy), "four periods now")

	// The wait doubles up to maxQuiet, and a full-size run of maxQuiet
	// forgets it.
	for range 10 {
		require.Equal(t, 1, g.Next(oversubscribed))
		for g.Next(roomy) == 1 {
		}
	}
	require.Equal(t, maxQuiet, g.quiet)
	for range int(maxQuiet / p) {
		require.Equal(t, 2, g.Next(contended))
	}
	require.Equal(t, 1, g.Next(oversubscribed))
	require.Equal(t, 1, g.Next(roomy), "back to the streak's two periods")
	require.Equal(t, 2, g.Next(roomy))
}

// A quick check gives up a processor when the threads waited most of the
// time they ran, and only then.
func TestGovernorQuickCheckShedsOnlyOnLongWaits(t *testing.T) {
	const q = p / 4
	g := NewGovernor(3, p)
	g.Hold()
	require.Equal(t, 3, g.Quick(Sample{Run: q, Wait: q / 10}, q), "little wait")
	require.Equal(t, 3, g.Quick(Sample{Run: q, Wait: q / 2}, q), "the period's rule, not the quick one")
	require.Equal(t, 3, g.Quick(Sample{Run: q / 10, Wait: q}, q), "hardly running")
	require.Equal(t, 2, g.Quick(Sample{Run: q, Wait: q * 9 / 10}, q))
	require.Equal(t, 1, g.Quick(Sample{Run: q, Wait: q}, q))
	require.Equal(t, 1, g.Quick(Sample{Run: q, Wait: q}, q), "never below one")
	require.Equal(t, p, g.quiet, "no processor was taken back lately: the wait before the next stays")
}

func TestGovernorHoldGoesBackToTheFullCount(t *testing.T) {
	g := NewGovernor(3, p)
	g.Hold()
	require.Equal(t, 3, g.Procs())
	g.Next(oversubscribed)
	g.Next(oversubscribed)
	require.Equal(t, 1, g.Procs())
	g.Hold()
	require.Equal(t, 3, g.Procs())
}

func TestParsers(t *testing.T) {
	run, wait, ok := parseSchedstat([]byte("3206154012 3073001877 91234\n"))
	require.True(t, ok)
	require.Equal(t, uint64(3206154012), run)
	require.Equal(t, uint64(3073001877), wait)
	for _, bad := range []string{"", "12", "x 3 4", "1 -2 3"} {
		_, _, ok := parseSchedstat([]byte(bad))
		require.False(t, ok, bad)
	}
	idle, err := parseIdle([]byte("cpu  4705 150 1120 16250 520 0 40 0 0 0\ncpu0 1 2 3 4 5 6 7\n"))
	require.NoError(t, err)
	require.Equal(t, uint64(16250+520), idle)
	for _, bad := range []string{"", "intr 1 2 3 4 5 6", "cpu 1 2 3 x 5", "cpu 1 2 3 4"} {
		_, err := parseIdle([]byte(bad))
		require.Error(t, err, bad)
	}
}

// spin keeps n goroutines busy until the returned function is called.
// They do not lock their threads: a goroutine that ends locked to its
// thread ends the thread too, and its times with it (see ThreadTimes).
func spin(n int) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done.Load() {
			}
		}()
	}
	return func() { done.Store(true); wg.Wait() }
}

func TestMeterSeesThisProcessRunAndWait(t *testing.T) {
	m, err := NewMeter()
	require.NoError(t, err)
	busy := 2 * runtime.NumCPU()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(busy))
	stop := spin(busy)
	time.Sleep(300 * time.Millisecond)
	stop()
	s, err := m.Read()
	require.NoError(t, err)
	require.Greater(t, s.Run, 100*time.Millisecond)
	require.Greater(t, s.Wait, time.Duration(0), "twice as many busy threads as CPUs must wait")
	require.GreaterOrEqual(t, s.Idle, 0.0)
}

// TestRunShedsProcessorsWhenOversubscribedAndRestoresThem runs the
// governor on this process while twice as many threads as CPUs spin, held
// at as many processors at first: the kernel makes them wait, so once the
// hold ends it must shed some.
func TestRunShedsProcessorsWhenOversubscribedAndRestoresThem(t *testing.T) {
	busy := 2 * runtime.NumCPU()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(busy))
	var held, shed atomic.Bool
	held.Store(true)
	stop, done := make(chan struct{}), make(chan error)
	go func() {
		done <- Run(stop, held.Load, func(from, to int) {
			if to < from && !held.Load() {
				shed.Store(true)
			}
		})
	}()
	release := spin(busy)
	time.Sleep(3 * Period)
	require.Equal(t, busy, runtime.GOMAXPROCS(0), "held")
	held.Store(false)
	require.Eventually(t, shed.Load, 20*time.Second, 10*time.Millisecond)
	require.Less(t, runtime.GOMAXPROCS(0), busy)
	release()
	close(stop)
	require.NoError(t, <-done)
	require.Equal(t, busy, runtime.GOMAXPROCS(0), "Run restores the count it started with")
}

// TestRunStartsAtOneProcessor: Run drops to one processor as it starts,
// and gives back the count it started with when it returns.
func TestRunStartsAtOneProcessor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var first atomic.Int64
	stop, done := make(chan struct{}), make(chan error)
	go func() {
		done <- Run(stop, nil, func(from, to int) { first.CompareAndSwap(0, int64(from*10+to)) })
	}()
	require.Eventually(t, func() bool { return first.Load() != 0 }, 5*time.Second, time.Millisecond)
	require.Equal(t, int64(41), first.Load(), "from 4 to 1")
	close(stop)
	require.NoError(t, <-done)
	require.Equal(t, 4, runtime.GOMAXPROCS(0), "Run restores the count it started with")
}

func TestRunKeepsTheFullCountWhileHeld(t *testing.T) {
	busy := 2 * runtime.NumCPU()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(busy))
	var changes atomic.Int32
	stop, done := make(chan struct{}), make(chan error)
	go func() {
		done <- Run(stop, func() bool { return true }, func(int, int) { changes.Add(1) })
	}()
	release := spin(busy)
	time.Sleep(5 * Period)
	release()
	close(stop)
	require.NoError(t, <-done)
	require.Zero(t, changes.Load())
	require.Equal(t, busy, runtime.GOMAXPROCS(0))
}

// fakeTicker hands run the ticks a test sends, and blocks its Resets
// until the test takes them.
type fakeTicker struct {
	c      chan time.Time
	resets chan time.Duration
}

func (f *fakeTicker) C() <-chan time.Time   { return f.c }
func (f *fakeTicker) Reset(d time.Duration) { f.resets <- d }
func (f *fakeTicker) Stop()                 {}

// tick sends one tick, failing if run resets the ticker instead of
// waiting for it.
func (f *fakeTicker) tick(t *testing.T, what string) {
	t.Helper()
	select {
	case f.c <- time.Now():
	case d := <-f.resets:
		t.Fatalf("%s: ticker reset to %v", what, d)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: run took no tick", what)
	}
}

func (f *fakeTicker) reset(t *testing.T, what string) time.Duration {
	t.Helper()
	select {
	case d := <-f.resets:
		return d
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no reset", what)
		return 0
	}
}

// startRun runs the governor with a fakeTicker and returns it with the
// interval run started it at.
func startRun(t *testing.T, hold func() bool) (*fakeTicker, time.Duration, func()) {
	f := &fakeTicker{c: make(chan time.Time), resets: make(chan time.Duration)}
	first := make(chan time.Duration, 1)
	stop, done := make(chan struct{}), make(chan error)
	go func() {
		done <- run(stop, hold, nil, func(d time.Duration) ticker { first <- d; return f })
	}()
	return f, <-first, func() { close(stop); require.NoError(t, <-done) }
}

// TestRunWakesOnceAPeriodAtOneProcessor: quick checks are made only while
// more than one processor runs, so at one every tick ends a period.
func TestRunWakesOnceAPeriodAtOneProcessor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	f, first, stop := startRun(t, nil)
	defer stop()
	require.Equal(t, Period, first)
	for i := range 8 {
		f.tick(t, fmt.Sprintf("idle period %d", i+1))
	}
	require.Equal(t, 1, runtime.GOMAXPROCS(0))
}

// TestRunMakesQuickChecksAboveOneProcessorUnheld: held at four processors
// the governor wakes once a period; once the hold ends and a period keeps
// more than one (an idle process keeps its count; a process made to wait
// by a loaded machine may shed one of the four), it ticks at quickCheck,
// and goes back to the period at the end of the first period held again.
func TestRunMakesQuickChecksAboveOneProcessorUnheld(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var held atomic.Bool
	held.Store(true)
	f, first, stop := startRun(t, held.Load)
	defer stop()
	require.Equal(t, Period, first, "held")
	held.Store(false)
	f.tick(t, "the end of the held period")
	require.Equal(t, quickCheck, f.reset(t, "after the hold"))
	require.Greater(t, runtime.GOMAXPROCS(0), 1)
	held.Store(true)
	for i := 1; i < int(Period/quickCheck); i++ {
		f.tick(t, fmt.Sprintf("quick check %d, held", i))
	}
	f.tick(t, "the end of the period")
	require.Equal(t, Period, f.reset(t, "held again"))
}

// BenchmarkMeterRead is the cost of one reading of the counters, which Run
// makes every quickCheck.
func BenchmarkMeterRead(b *testing.B) {
	m, err := NewMeter()
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Read(); err != nil {
			b.Fatal(err)
		}
	}
}
