// Command hitratio replays the same skewed cache trace against
// quordis-server and redis-server with the same maxmemory and policy, and
// compares their hit ratios:
//
//	go build -o /tmp/quordis-server ./cmd/quordis-server
//	go run ./bench/cmd/hitratio -quordis /tmp/quordis-server
//
// The trace is cache-aside traffic: GET of a key drawn from a Zipf
// distribution, and on a miss a SET of a 100-byte value, as an application
// filling its cache does. The hit ratio is keyspace_hits / (hits +
// misses) from INFO after the trace, for allkeys-lru then allkeys-lfu.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"quordis/bench"
)

func main() {
	quordis := flag.String("quordis", "quordis-server", "quordis-server binary")
	redisBin := flag.String("redis-server", "redis-server", "redis-server binary")
	requests := flag.Int("n", 300_000, "requests in the trace")
	keys := flag.Uint64("keys", 200_000, "distinct keys")
	zipfS := flag.Float64("s", 1.01, "Zipf exponent")
	maxmemory := flag.String("maxmemory", "8mb", "maxmemory for both servers")
	flag.Parse()
	fmt.Printf("Trace: %d GETs over %d keys, Zipf s=%.2f, SET of 100 bytes on a miss; maxmemory %s.\n\n",
		*requests, *keys, *zipfS, *maxmemory)
	fmt.Println("| policy | Quordis hit ratio | Redis hit ratio | difference (points) |")
	fmt.Println("|---|---:|---:|---:|")
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu"} {
		q, err := replay(*quordis, policy, *maxmemory, *requests, *keys, *zipfS)
		check(err)
		r, err := replay(*redisBin, policy, *maxmemory, *requests, *keys, *zipfS)
		check(err)
		fmt.Printf("| %s | %.2f%% | %.2f%% | %+.2f |\n", policy, 100*q, 100*r, 100*(q-r))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// replay starts bin with the policy, runs the trace (the same for every
// call: the seed is fixed) and returns the hit ratio.
func replay(bin, policy, maxmemory string, n int, keys uint64, s float64) (float64, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "quordis-hitratio-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	srv, err := bench.Start(ctx, policy, bin, dir, bench.Mode{Name: "standalone", Args: []string{
		"--save", "", "--appendonly", "no", "--maxmemory", maxmemory, "--maxmemory-policy", policy}})
	if err != nil {
		return 0, err
	}
	defer srv.Stop()
	rdb := srv.Client
	zipf := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), s, 1, keys-1)
	value := strings.Repeat("v", 100)
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("key:%012d", zipf.Uint64())
		if err := rdb.Get(ctx, key).Err(); err == redis.Nil {
			if err := rdb.Set(ctx, key, value, 0).Err(); err != nil {
				return 0, err
			}
		} else if err != nil {
			return 0, err
		}
	}
	info := rdb.Info(ctx, "stats").Val()
	hits, misses := field(info, "keyspace_hits"), field(info, "keyspace_misses")
	return float64(hits) / float64(hits+misses), nil
}

func field(info, name string) int64 {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
