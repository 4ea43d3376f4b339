// Command memory measures the resident memory one million elements of each
// data type cost in quordis-server and in redis-server, started side by
// side with the same settings:
//
//	go build -o /tmp/quordis-server ./cmd/quordis-server
//	go run ./bench/cmd/memory -quordis /tmp/quordis-server
//
// For each type it starts a fresh server of each kind, reads its RSS,
// loads 1M elements through pipelined go-redis calls (1M string keys with
// 16-byte values; a 1M-field hash; a 1M-element list; 1M-member set and
// sorted set; then 1M keys of each aggregate type holding one 16-byte
// element, an integer for the intset; then 1M string keys again on a
// node in cluster mode that owns every slot, where each key is also on
// its slot's list of keys), waits for the servers to settle,
// reads RSS again and prints the growth per element (per key for the
// small aggregates) and the ratio Quordis/Redis as a Markdown table.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"quordis/bench"
)

func main() {
	quordis := flag.String("quordis", "quordis-server", "quordis-server binary")
	redisBin := flag.String("redis-server", "redis-server", "redis-server binary")
	n := flag.Int("n", 1_000_000, "elements per type")
	flag.Parse()
	fmt.Printf("| type (%d elements) | Quordis bytes/element | Redis bytes/element | Quordis/Redis |\n|---|---:|---:|---:|\n", *n)
	for _, kind := range []string{"string", "hash", "list", "set", "zset",
		"hash keys", "list keys", "set keys", "intset keys", "zset keys",
		"string keys, cluster mode"} {
		q, err := measure(*quordis, kind, *n)
		if err != nil {
			fmt.Fprintln(os.Stderr, "quordis:", err)
			os.Exit(1)
		}
		r, err := measure(*redisBin, kind, *n)
		if err != nil {
			fmt.Fprintln(os.Stderr, "redis:", err)
			os.Exit(1)
		}
		fmt.Printf("| %s | %.1f | %.1f | %.2fx |\n", kind, q, r, q/r)
	}
}

// measure starts bin, loads n elements of kind and returns the RSS growth
// per element.
func measure(bin, kind string, n int) (float64, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "quordis-memory-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	var srv *bench.Server
	if kind == "string keys, cluster mode" {
		srv, err = bench.StartSlotOwner(ctx, kind, bin, "redis-cli", dir)
	} else {
		srv, err = bench.Start(ctx, kind, bin, dir, bench.Mode{Name: "standalone", Args: []string{"--save", "", "--appendonly", "no"}})
	}
	if err != nil {
		return 0, err
	}
	defer srv.Stop()
	rdb := srv.Client
	time.Sleep(300 * time.Millisecond)
	before := rss(srv.PID)
	const batch = 1000
	for i := 0; i < n; i += batch {
		p := rdb.Pipeline()
		for j := i; j < min(i+batch, n); j++ {
			switch kind {
			case "string", "string keys, cluster mode":
				p.Set(ctx, fmt.Sprintf("key:%012d", j), "0123456789abcdef", 0)
			case "hash":
				p.HSet(ctx, "h", fmt.Sprintf("field:%d", j), fmt.Sprintf("value:%d", j))
			case "list":
				p.RPush(ctx, "l", fmt.Sprintf("elem:%05d", j%100000))
			case "set":
				p.SAdd(ctx, "s", fmt.Sprintf("member:%d", j))
			case "zset":
				p.ZAdd(ctx, "z", redis.Z{Score: float64(j) * 1.5, Member: fmt.Sprintf("member:%d", j)})
			case "hash keys":
				p.HSet(ctx, fmt.Sprintf("h:%012d", j), "f", fmt.Sprintf("value:%010d", j))
			case "list keys":
				p.RPush(ctx, fmt.Sprintf("l:%012d", j), fmt.Sprintf("value:%010d", j))
			case "set keys":
				p.SAdd(ctx, fmt.Sprintf("s:%012d", j), fmt.Sprintf("value:%010d", j))
			case "intset keys":
				p.SAdd(ctx, fmt.Sprintf("i:%012d", j), j)
			case "zset keys":
				p.ZAdd(ctx, fmt.Sprintf("z:%012d", j), redis.Z{Score: 1.5, Member: fmt.Sprintf("value:%010d", j)})
			}
		}
		if _, err := p.Exec(ctx); err != nil {
			return 0, err
		}
	}
	// Let a garbage collection and the scavenger run.
	time.Sleep(2 * time.Second)
	return float64(rss(srv.PID)-before) / float64(n), nil
}

// rss reads a process's resident set size from /proc.
func rss(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
