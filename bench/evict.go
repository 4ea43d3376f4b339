package bench

import (
	"context"
	"fmt"
)

// evictMode runs both servers as a cache at its limit: maxmemory 100mb
// under allkeys-lru, prefilled past it, so that every SET measured
// evicts a key (the memory issue's "without GC pauses that show in p99").
var evictMode = Mode{Name: "evict", Args: []string{"--save", "", "--appendonly", "no",
	"--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru"}}

// evictKeyspace is the keys the eviction rows draw from: ten times what
// 100 MB holds, so nearly every SET adds a key.
const evictKeyspace = 10_000_000

// evictScenarios are SET of 100-byte values at maxmemory, unpipelined and
// pipelined. The prefill is not scaled: a smaller one would not reach
// maxmemory.
func evictScenarios(o Options) []Scenario {
	fill := Benchmark{Bin: o.BenchBin, Test: "set", Clients: 20, Requests: 1_000_000, Pipeline: 16,
		Size: 100, Keyspace: evictKeyspace}
	prefill := &Prefill{
		Desc: fmt.Sprintf("1,000,000 SETs of 100-byte values over %d keys (redis-benchmark -c 20 -P 16), "+
			"which fill the server past maxmemory", evictKeyspace),
		Run: func(ctx context.Context, t *Target) error {
			_, err := fill.Run(ctx, t.Port())
			return err
		},
	}
	var out []Scenario
	for _, m := range []clientMode{{50, 1, 200_000}, {20, 16, 1_000_000}} {
		b := Benchmark{Bin: o.BenchBin, Test: "set", Clients: m.clients, Requests: scaled(o, float64(m.requests)),
			Pipeline: m.pipeline, Size: 100, Keyspace: evictKeyspace}
		out = append(out, Scenario{
			Name: fmt.Sprintf("%s/SET/c%d/P%d/100B", evictMode.Name, m.clients, m.pipeline),
			Title: fmt.Sprintf("SET evicting at maxmemory 100mb (allkeys-lru), %s, 100-byte values over %d keys",
				clientsText(m), evictKeyspace),
			Mode: evictMode, Probe: commands[0].probe, Prefill: prefill, Load: b,
		})
	}
	return out
}
