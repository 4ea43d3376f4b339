package bench

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1}, 10},
	} {
		require.Equal(t, tc.want, Median(tc.xs), "%v", tc.xs)
	}
	require.True(t, math.IsNaN(Median(nil)))
}

func TestMedianLeavesItsInputAlone(t *testing.T) {
	xs := []float64{3, 1, 2}
	Median(xs)
	require.Equal(t, []float64{3, 1, 2}, xs)
}

func TestRatioIsNaNWithoutAMeaningfulDenominator(t *testing.T) {
	require.Equal(t, 1.5, Ratio(3, 2))
	require.Equal(t, 0.0, Ratio(0, 2))
	for _, tc := range [][2]float64{{1, 0}, {1, -1}, {math.NaN(), 1}, {1, math.NaN()}} {
		require.True(t, math.IsNaN(Ratio(tc[0], tc[1])), "%v", tc)
	}
}

func TestCPUPerMillion(t *testing.T) {
	require.InDelta(t, 5.0, Sample{CPU: 0.5, Requests: 100_000}.CPUPerMillion(), 1e-9)
	require.True(t, math.IsNaN(Sample{CPU: 1}.CPUPerMillion()))
}

func TestSummarizeTakesEachMetricsMedianOnItsOwn(t *testing.T) {
	nan := math.NaN()
	s := Summarize([]Sample{
		{RPS: 100, P50Ms: 0.3, P99Ms: 9, P999Ms: nan, Requests: 1000, CPU: 0.01, Wait: 0.01, LoadCPU: 9, LoadWall: 10, LoadPreempted: 300},
		{RPS: 300, P50Ms: 0.1, P99Ms: 1, P999Ms: nan, Requests: 1000, CPU: 0.03, Wait: 0, LoadCPU: 1, LoadWall: 2, LoadPreempted: 100},
		{RPS: 200, P50Ms: 0.2, P99Ms: 5, P999Ms: nan, Requests: 1000, CPU: 0.02, Wait: 0.005},
	})
	require.Equal(t, 200.0, s.RPS)
	require.Equal(t, 0.2, s.P50Ms)
	require.Equal(t, 5.0, s.P99Ms)
	require.True(t, math.IsNaN(s.P999Ms))
	require.InDelta(t, 20.0, s.CPUPerM, 1e-9)
	require.InDelta(t, 0.25, s.WaitPerCPU, 1e-9) // of 1, 0 and 0.25
	require.InDelta(t, 0.7, s.LoadUse, 1e-9)     // of 0.9 and 0.5; the third was not measured
	require.InDelta(t, 200.0, s.LoadPreemptsPerK, 1e-9)
	require.True(t, math.IsNaN(Summarize(nil).RPS))
}

func TestRatiosAreQuordisOverRedis(t *testing.T) {
	r := Ratios(Summary{RPS: 150, P50Ms: 1, P99Ms: 3, P999Ms: math.NaN(), CPUPerM: 4},
		Summary{RPS: 100, P50Ms: 2, P99Ms: 2, P999Ms: 1, CPUPerM: 5})
	require.Equal(t, 1.5, r.RPS)
	require.Equal(t, 0.5, r.P50Ms)
	require.Equal(t, 1.5, r.P99Ms)
	require.True(t, math.IsNaN(r.P999Ms))
	require.Equal(t, 0.8, r.CPUPerM)
	require.True(t, math.IsNaN(r.WaitPerCPU), "waits are printed side by side, not as a ratio")
	require.True(t, math.IsNaN(r.LoadUse), "so is the load generator's CPU")
	require.True(t, math.IsNaN(r.LoadPreemptsPerK), "and how often it was preempted")
}

func TestLoadPreemptsPerK(t *testing.T) {
	require.InDelta(t, 150.0, Sample{Requests: 300_000, LoadWall: 2, LoadPreempted: 45_000}.LoadPreemptsPerK(), 1e-9)
	require.InDelta(t, 0.0, Sample{Requests: 300_000, LoadWall: 2}.LoadPreemptsPerK(), 1e-9)
	require.True(t, math.IsNaN(Sample{Requests: 1000, LoadPreempted: 5}.LoadPreemptsPerK()), "not measured")
	require.True(t, math.IsNaN(Sample{LoadWall: 1, LoadPreempted: 5}.LoadPreemptsPerK()), "no requests")
}

func TestLoadUse(t *testing.T) {
	require.InDelta(t, 0.98, Sample{LoadCPU: 1.96, LoadWall: 2}.LoadUse(), 1e-9)
	require.True(t, math.IsNaN(Sample{LoadCPU: 1}.LoadUse()), "not measured")
}

func TestWaitPerCPU(t *testing.T) {
	require.InDelta(t, 0.5, Sample{CPU: 2, Wait: 1}.WaitPerCPU(), 1e-9)
	require.True(t, math.IsNaN(Sample{Wait: 1}.WaitPerCPU()))
}
