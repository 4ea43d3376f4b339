package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBucketsAreContiguousAndBoundTheirValues(t *testing.T) {
	prev := -1
	for _, v := range []uint64{0, 1, 255, 256, 257, 511, 512, 1000, 1 << 20, 1<<40 + 12345, 1<<63 + 1} {
		i := bucketOf(v)
		require.Less(t, i, numBuckets)
		require.GreaterOrEqual(t, i, prev, "v=%d", v)
		require.LessOrEqual(t, v, upperBound(i), "v=%d", v)
		if i > 0 {
			require.Greater(t, v, upperBound(i-1), "v=%d", v)
		}
		prev = i
	}
}

func TestQuantilesAreWithinOnePercent(t *testing.T) {
	var h Histogram
	for i := 1; i <= 10_000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	require.Equal(t, uint64(10_000), h.Count())
	for q, want := range map[float64]time.Duration{0.5: 5 * time.Millisecond, 0.99: 9900 * time.Microsecond,
		0.999: 9990 * time.Microsecond, 1: 10 * time.Millisecond} {
		got := h.Quantile(q)
		require.GreaterOrEqual(t, got, want, "q=%v", q)
		require.InEpsilon(t, float64(want), float64(got), 0.01, "q=%v", q)
	}
	require.Equal(t, 10*time.Millisecond, h.Max())
}

func TestMergeAddsCounts(t *testing.T) {
	var a, b Histogram
	a.RecordN(time.Millisecond, 3)
	b.Record(time.Second)
	a.Merge(&b)
	require.Equal(t, uint64(4), a.Count())
	require.Equal(t, time.Second, a.Max())
	require.InEpsilon(t, float64(time.Millisecond), float64(a.Quantile(0.75)), 0.01)
	require.Equal(t, time.Second, a.Quantile(0.99))
	var empty Histogram
	require.Equal(t, time.Duration(0), empty.Quantile(0.5))
}

func TestKeyMatchesRedisBenchmarkFormat(t *testing.T) {
	require.Equal(t, "key:000000000000", Key(0))
	require.Equal(t, "key:000000099999", Key(99_999))
}

func TestRunRejectsAnEmptyConfigWithoutConnecting(t *testing.T) {
	_, err := Run(context.Background(), Config{Addr: "127.0.0.1:1"})
	require.Error(t, err)
}
