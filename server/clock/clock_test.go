package clock

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// closeTo checks, over a few tries (a preempted goroutine can fall between
// the two readings), that m.Since agrees with the monotonic clock.
func closeTo(t *testing.T, m *Mono, tolerance time.Duration) {
	t.Helper()
	var diff time.Duration
	for range 20 {
		got := m.Since()
		want := time.Since(m.Base())
		diff = want - got // read second, so normally ahead, unless the rate is off
		if diff > -tolerance && diff < tolerance {
			return
		}
	}
	t.Fatalf("Since is %v off the monotonic clock", diff)
}

func TestSinceFollowsTheMonotonicClock(t *testing.T) {
	for _, tsc := range []bool{false, tscUsable()} {
		m := newMono(tsc)
		closeTo(t, m, time.Millisecond)
		// A resync measures a rate unless its goroutine was interrupted
		// while pairing the clocks, five times over: try a few resyncs.
		for range 10 {
			time.Sleep(20 * time.Millisecond)
			m.Resync()
			if a := m.anchor.Load(); a == nil || a.nsPerTick > 0 {
				break // no counter, or a rate
			}
		}
		if tsc {
			require.Greater(t, m.anchor.Load().nsPerTick, 0.0, "a rate is measured after a resync")
		}
		for range 5 {
			time.Sleep(15 * time.Millisecond)
			closeTo(t, m, time.Millisecond)
			m.Resync()
		}
		last := m.Since()
		for range 1000 {
			now := m.Since()
			require.GreaterOrEqual(t, now, last, "Since went back between resyncs")
			last = now
		}
	}
}

func TestNextAnchorMeasuresTheRateAndDistrustsAChange(t *testing.T) {
	ms := time.Millisecond
	a := nextAnchor(nil, 10*ms, 1_000_000)
	require.Zero(t, a.nsPerTick, "no rate from one pair")

	require.Same(t, a, nextAnchor(a, 11*ms, 1_100_000), "a period too short keeps the anchor")

	b := nextAnchor(a, 20*ms, 2_000_000) // 10 ms over 1M ticks
	require.InDelta(t, 10.0, b.nsPerTick, 1e-9)
	require.Equal(t, 20*ms, b.mono)

	c := nextAnchor(b, 30*ms, 3_001_000) // within 1% of the last rate
	require.InDelta(t, 10.0/1.001, c.nsPerTick, 1e-9)

	d := nextAnchor(c, 40*ms, 3_500_000) // the counter slowed by half: distrusted
	require.Zero(t, d.nsPerTick)
	e := nextAnchor(d, 50*ms, 4_000_000) // and measured afresh after
	require.InDelta(t, 20.0, e.nsPerTick, 1e-9)

	f := nextAnchor(e, 60*ms, 100) // the counter went back: start over
	require.Zero(t, f.nsPerTick)
	require.Equal(t, uint64(100), f.ticks)
}

func TestSinceFallsBackWhenTheCounterIsBehindTheAnchor(t *testing.T) {
	m := newMono(false)
	// An anchor from a counter far ahead of this CPU's, as an unsynced
	// counter would give: Since must not wrap around.
	m.anchor.Store(&anchor{mono: time.Hour, ticks: ^uint64(0), nsPerTick: 1})
	closeTo(t, m, time.Millisecond)
}

func BenchmarkSince(b *testing.B) {
	m := New()
	time.Sleep(10 * time.Millisecond)
	m.Resync()
	var sink time.Duration
	for b.Loop() {
		sink += m.Since()
	}
	_ = sink
}

func BenchmarkTimeSince(b *testing.B) {
	base := time.Now()
	var sink time.Duration
	for b.Loop() {
		sink += time.Since(base)
	}
	_ = sink
}
