package server

import (
	"testing"

	"github.com/stretchr/testify/require"
)

type cdfPoint struct{ usec, calls int64 }

func histOf(ns ...int64) *latencyHist {
	h := new(latencyHist)
	for _, v := range ns {
		h.record(v)
	}
	return h
}

func cdfOf(h *latencyHist) []cdfPoint {
	var out []cdfPoint
	h.cdf(func(usec, calls int64) { out = append(out, cdfPoint{usec, calls}) })
	return out
}

// The figures below are those redis-server 7.0.15 reported (INFO
// latencystats with latency-tracking-info-percentiles "0 1 34 50 99.9 100",
// LATENCY HISTOGRAM) for calls that took these times; Redis records whole
// microseconds, and a call under one as 1 ns.
func TestLatencyHistMatchesRedis(t *testing.T) {
	// Three PINGs of 0, 1 and 1 µs: p0=0.001,p1=0.001,p34=0.001,p50=1.003,p100=1.003.
	h := histOf(0, 1000, 1000)
	for p, want := range map[float64]int64{0: 1, 1: 1, 34: 1, 50: 1003, 100: 1003} {
		require.Equal(t, want, h.percentile(p), "p%v", p)
	}
	require.Equal(t, []cdfPoint{{1, 3}}, cdfOf(h))

	// PINGs of 2, 2 and 3 µs: p0=2.000,p50=2.007,p100=3.007; histogram 2 => 2, 4 => 3.
	h = histOf(2000, 2000, 3000)
	for p, want := range map[float64]int64{0: 2000, 50: 2007, 100: 3007} {
		require.Equal(t, want, h.percentile(p), "p%v", p)
	}
	require.Equal(t, []cdfPoint{{2, 2}, {4, 3}}, cdfOf(h))

	// DEBUG SLEEP of 0.0003, 0.02 and 0.5915 s (463 µs, 20.1 ms, 591.5 ms
	// with the overhead): p0=462.848,p50=20185.087,p99.9=595591.167,
	// p100=595591.167; histogram 528 => 1, 33816 => 2, 1073741 => 3 (the
	// last past the last power of two the histogram holds).
	h = histOf(463_000, 20_100_000, 591_500_000)
	for p, want := range map[float64]int64{0: 462848, 50: 20185087, 99.9: 595591167, 100: 595591167} {
		require.Equal(t, want, h.percentile(p), "p%v", p)
	}
	require.Equal(t, []cdfPoint{{528, 1}, {33816, 2}, {1073741, 3}}, cdfOf(h))
}

func TestLatencyHistClampsToItsRange(t *testing.T) {
	h := histOf(-5, 0, 5_000_000_000)
	require.Equal(t, int64(3), h.total)
	require.Equal(t, int64(1), h.percentile(0))
	require.Equal(t, histHighest(1_000_000_000), h.percentile(100))
	require.Equal(t, []cdfPoint{{1, 2}, {1073741, 3}}, cdfOf(h))
}

// Every value lands in a range that holds it, the ranges of consecutive
// counters meet, and the walk of the CDF ends at the total.
func TestLatencyHistRanges(t *testing.T) {
	for i := 0; i+1 < histLen; i++ {
		lo, next := histValue(i), histValue(i+1)
		require.Equal(t, lo, histLowest(lo))
		require.Equal(t, next-1, histHighest(lo), "counter %d", i)
	}
	h := new(latencyHist)
	for v := int64(1); v <= histMax; v = v*3/2 + 1 {
		require.LessOrEqual(t, histLowest(v), v)
		require.GreaterOrEqual(t, histHighest(v), v)
		h.record(v)
	}
	pts := cdfOf(h)
	require.Equal(t, h.total, pts[len(pts)-1].calls)
	for i := 1; i < len(pts); i++ {
		require.Greater(t, pts[i].usec, pts[i-1].usec)
		require.Greater(t, pts[i].calls, pts[i-1].calls)
	}
}

func BenchmarkLatencyHistRecord(b *testing.B) {
	h := new(latencyHist)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h.record(int64(i&1023) * 1000)
	}
}
