package bench

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNumberFormats(t *testing.T) {
	require.Equal(t, "1,234,568", thousands(1234567.8))
	require.Equal(t, "999", thousands(999))
	require.Equal(t, "-1,000", thousands(-1000))
	require.Equal(t, "—", thousands(math.NaN()))
	require.Equal(t, "1.25x", ratio(1.25))
	require.Equal(t, "—", ratio(math.NaN()))
	require.Equal(t, "0.047", fixed(0.0474, 3))
}

func TestRedisVersionFindsTheVersionField(t *testing.T) {
	require.Equal(t, "7.0.15", redisVersion("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64"))
	require.Equal(t, "(version unknown)", redisVersion("unknown: not found"))
}

func TestShellJoinQuotesWhatTheShellWouldSplit(t *testing.T) {
	require.Equal(t, `redis-server --save '' --dir /tmp/a --x 'it'\''s'`,
		shellJoin([]string{"redis-server", "--save", "", "--dir", "/tmp/a", "--x", "it's"}))
}

// TestScenarioTableGivesTheLoadGeneratorColumns renders one scenario: each
// side's row carries its medians, the load generator's CPUs and its
// preemptions per thousand requests, and the ratio row leaves those two
// empty.
func TestScenarioTableGivesTheLoadGeneratorColumns(t *testing.T) {
	sample := func(rps float64, preempted int64) Sample {
		return Sample{RPS: rps, P50Ms: 0.2, P99Ms: 0.5, Requests: 100_000, CPU: 0.5,
			LoadCPU: 0.9, LoadWall: 1, LoadPreempted: preempted}
	}
	o := Outcome{Scenario: Scenario{Name: "cluster/SET/c50/P1/3B", Title: "SET"}, Sides: [2]SideResult{
		{Samples: []Sample{sample(130_000, 15_000)}, Command: "redis-benchmark ..."},
		{Samples: []Sample{sample(140_000, 2_000)}, Command: "redis-benchmark ..."},
	}}
	var b strings.Builder
	writeOutcome(&b, "Redis 7.0.15", o)
	out := b.String()
	require.Contains(t, out, "| load generator CPUs | load generator preemptions per 1k req |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	require.Contains(t, out, "| Quordis | 130,000 | 0.200 | 0.500 | 5.00 | 0.00 | 0.90 | 150 |\n")
	require.Contains(t, out, "| Redis 7.0.15 | 140,000 | 0.200 | 0.500 | 5.00 | 0.00 | 0.90 | 20 |\n")
	require.Contains(t, out, "| Quordis/Redis | 0.93x | 1.00x | 1.00x | 1.00x | | | |\n")
}
