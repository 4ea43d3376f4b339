package server

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestEvictionTimeLimitFollowsRedisTenacity checks the time limit of one
// round of evictions against Redis 7.0's evictionTimeLimitUs, whose values
// (in µs) are C's truncation of 500 * pow(1.15, tenacity - 10) past 10.
func TestEvictionTimeLimitFollowsRedisTenacity(t *testing.T) {
	for _, tc := range []struct {
		tenacity int
		want     time.Duration
	}{
		{0, 0},
		{1, 50 * time.Microsecond},
		{5, 250 * time.Microsecond},
		{10, 500 * time.Microsecond},
		{11, 575 * time.Microsecond},
		{12, 661 * time.Microsecond},
		{20, 2022 * time.Microsecond},
		{50, 133931 * time.Microsecond},
		{99, 126205358 * time.Microsecond},
		{100, math.MaxInt64},
	} {
		require.Equal(t, tc.want, evictionTimeLimit(tc.tenacity), "tenacity %d", tc.tenacity)
	}
}
