package bench

import (
	"context"
	"fmt"
	"math"
	"path"
	"strings"

	"quordis/bench/loadgen"
)

// Mode is a server configuration that both sides of a scenario run with.
type Mode struct {
	Name    string   // "standalone", "aof-always", "aof-everysec", "cluster"
	Args    []string // redis-server flags, given alike to both servers (to every node)
	AOF     bool     // the mode asks for an append-only file
	Masters int      // 0: one server; n: a cluster of n masters (see StartTarget)
}

// The server modes, read-only. Every server gets --port, --bind 127.0.0.1,
// --dir and --logfile from Start (and a cluster node --cluster-port), then
// these.
var (
	standalone  = Mode{Name: "standalone", Args: []string{"--save", "", "--appendonly", "no"}}
	aofAlways   = Mode{Name: "aof-always", AOF: true, Args: []string{"--save", "", "--appendonly", "yes", "--appendfsync", "always"}}
	aofEverysec = Mode{Name: "aof-everysec", AOF: true, Args: []string{"--save", "", "--appendonly", "yes", "--appendfsync", "everysec"}}
	clusterMode = Mode{Name: "cluster", Masters: 3, Args: []string{"--cluster-enabled", "yes",
		"--cluster-config-file", "nodes.conf", "--save", "", "--appendonly", "no"}}
)

// Prefill is data written after FLUSHALL and before each measured run
// (outside the CPU and time measured), so reads find something to read.
type Prefill struct {
	Desc string // for the report
	Run  func(ctx context.Context, t *Target) error
}

// Scenario is one table of the report: a load sent to both servers.
type Scenario struct {
	Name    string     // unique, /-separated, e.g. "SET/c50/P1/3B"
	Title   string     // for humans, e.g. "SET, 50 clients, no pipeline, 3-byte values"
	Mode    Mode       // server settings on both sides
	Probe   [][]string // sent once to each server before the rounds; "ERR unknown command" marks the side unsupported
	Prefill *Prefill   // nil for none
	Load    Load
	Pending string // when set, the scenario cannot run yet and this says why
}

// Options tune the catalogue's request counts and key space.
type Options struct {
	BenchBin string  // redis-benchmark
	Scale    float64 // multiplies every request count (the -quick run uses 0.1)
	Keyspace int     // -r of redis-benchmark and the Zipf key count
}

// A client mode: connections, pipeline depth and base request count,
// chosen so one run takes one to two seconds on a 2-core machine and the
// whole default run about 12 minutes.
type clientMode struct {
	clients, pipeline, requests int
}

var clientModes = []clientMode{{50, 1, 100_000}, {50, 16, 700_000}, {1, 1, 40_000}}

var valueSizes = []int{3, 1024}

// command is one redis-benchmark test of the catalogue.
type command struct {
	test    string   // -t name
	custom  []string // run as a custom command instead of -t
	weight  float64  // request count factor for slow commands
	sized   bool     // -d (or the prefill's value size) changes what it does
	probe   [][]string
	prefill func(size, requests, keyspace int) *Prefill
}

// commands are the redis-benchmark tests compared, with the keys they use:
// key:__rand_int__, counter:__rand_int__, mylist, myset, myhash, myzset.
// INCR, SADD and ZADD carry no value (redis-benchmark sends no -d data
// with them), so they run with one size only and their names have none.
// LRANGE_100 runs as the custom command LRANGE mylist 0 99 over a
// prefilled list, because -t lrange_100 first runs n LPUSHes inside the
// same process and its CPU time could not be told apart.
var commands = []command{
	{test: "set", sized: true, weight: 1, probe: [][]string{{"SET", "key:000000000000", "x"}}},
	{test: "get", sized: true, weight: 1, probe: [][]string{{"GET", "key:000000000000"}}, prefill: prefillKeys},
	{test: "incr", weight: 1, probe: [][]string{{"INCR", "counter:000000000000"}}},
	{test: "lpush", sized: true, weight: 1, probe: [][]string{{"LPUSH", "mylist", "x"}}},
	{test: "lpop", sized: true, weight: 1, probe: [][]string{{"LPUSH", "mylist", "x"}, {"LPOP", "mylist"}},
		prefill: func(size, requests, _ int) *Prefill { return prefillList(size, requests) }},
	{test: "sadd", weight: 1, probe: [][]string{{"SADD", "myset", "element:000000000000"}}},
	{test: "hset", sized: true, weight: 1, probe: [][]string{{"HSET", "myhash", "element:000000000000", "x"}}},
	{test: "zadd", weight: 1, probe: [][]string{{"ZADD", "myzset", "0", "element:000000000000"}}},
	{test: "mset", sized: true, weight: 0.4, probe: [][]string{{"MSET", "key:000000000000", "x", "key:000000000001", "x"}}},
	{test: "lrange_100", sized: true, custom: []string{"LRANGE", "mylist", "0", "99"}, weight: 0.25,
		probe:   [][]string{{"LPUSH", "mylist", "x"}, {"LRANGE", "mylist", "0", "99"}},
		prefill: func(size, _, _ int) *Prefill { return prefillList(size, 1000) }},
}

// Catalogue returns every scenario, in report order: the redis-benchmark
// commands, the Zipf mix, the persistence rows, the cluster rows, the
// eviction rows, then the rows measured by other tools (memory per key).
func Catalogue(o Options) []Scenario {
	var out []Scenario
	for _, c := range commands {
		for _, m := range clientModes {
			for _, size := range valueSizes {
				if !c.sized && size != valueSizes[0] {
					continue
				}
				n := scaled(o, float64(m.requests)*c.weight*sizeWeight(c, m, size))
				b := Benchmark{Bin: o.BenchBin, Test: c.test, Command: c.custom, Clients: m.clients,
					Requests: n, Pipeline: m.pipeline, Size: size, Keyspace: o.Keyspace}
				s := Scenario{
					Name:  fmt.Sprintf("%s/c%d/P%d/%s", strings.ToUpper(c.test), m.clients, m.pipeline, sizeName(size)),
					Title: fmt.Sprintf("%s, %s, %s values", strings.ToUpper(c.test), clientsText(m), sizeText(size)),
					Mode:  standalone, Probe: c.probe, Load: b,
				}
				if !c.sized {
					s.Name = fmt.Sprintf("%s/c%d/P%d", strings.ToUpper(c.test), m.clients, m.pipeline)
					s.Title = fmt.Sprintf("%s, %s (no value: -d does not apply)", strings.ToUpper(c.test), clientsText(m))
				}
				if c.prefill != nil {
					s.Prefill = c.prefill(size, n, o.Keyspace)
				}
				out = append(out, s)
			}
		}
	}
	for _, p := range []int{1, 16} {
		out = append(out, zipfScenario(o, p))
	}
	// The persistence rows: the writes the issue names (SET, INCR, LPUSH).
	// Unpipelined, an fsync per batch makes them the slowest rows (30-80k
	// requests a second under always): 50,000 requests keep a run near a
	// second, where 20,000 took a quarter to half of one and their medians
	// moved by a tenth from run to run.
	for _, mode := range []Mode{aofAlways, aofEverysec} {
		for _, c := range []command{commands[0], commands[2], commands[3]} {
			for _, m := range []clientMode{{50, 1, 50_000}, {50, 16, 300_000}} {
				b := Benchmark{Bin: o.BenchBin, Test: c.test, Clients: m.clients, Requests: scaled(o, float64(m.requests)),
					Pipeline: m.pipeline, Size: 3, Keyspace: o.Keyspace}
				name := strings.ToUpper(c.test)
				out = append(out, Scenario{
					Name:  fmt.Sprintf("%s/%s/c%d/P%d/3B", mode.Name, name, m.clients, m.pipeline),
					Title: fmt.Sprintf("%s with appendfsync %s, %s, 3-byte values", name, mode.Args[len(mode.Args)-1], clientsText(m)),
					Mode:  mode, Probe: c.probe, Load: b,
				})
			}
		}
	}
	out = append(out, clusterScenarios(o)...)
	out = append(out, evictScenarios(o)...)
	return append(out, MemoryPerKey())
}

// clusterScenarios are SET and GET against a three-master cluster on each
// side, the "three-master cluster of each": redis-benchmark
// --cluster finds the masters from the first node and sends each key to
// the master that serves it.
//
// They run redis-benchmark with --threads 1. Left alone, --cluster starts
// one thread per master, and a threaded redis-benchmark 7.0 stops a thread
// whose clients have nothing left to send only at its next 250 ms
// progress tick, so every run's time is rounded up to a multiple of 250
// ms (10,000 SETs "take" 0.25 s whatever the server does). With one
// thread the run ends at the last reply, the clients still go to the
// masters in turn, and the load generator is one thread as in the
// standalone rows.
func clusterScenarios(o Options) []Scenario {
	var out []Scenario
	for _, c := range []command{commands[0], commands[1]} {
		for _, m := range clientModes[:2] {
			name := strings.ToUpper(c.test)
			b := Benchmark{Bin: o.BenchBin, Cluster: true, Threads: 1, Test: c.test, Clients: m.clients,
				Requests: scaled(o, float64(m.requests)), Pipeline: m.pipeline, Size: 3, Keyspace: o.Keyspace}
			s := Scenario{
				Name:  fmt.Sprintf("%s/%s/c%d/P%d/3B", clusterMode.Name, name, m.clients, m.pipeline),
				Title: fmt.Sprintf("%s on a three-master cluster, %s, 3-byte values (redis-benchmark --cluster)", name, clientsText(m)),
				Mode:  clusterMode, Probe: c.probe, Load: b,
			}
			if c.prefill != nil {
				s.Prefill = prefillTaggedKeys(o.BenchBin, 3, o.Keyspace)
			}
			out = append(out, s)
		}
	}
	return out
}

// zipfScenario is "zipf-90r10w": 90% GET, 10% SET over Keyspace keys
// drawn with Zipf s=1.1, 50 clients, pipelined by p.
func zipfScenario(o Options, p int) Scenario {
	n := map[int]int{1: 100_000, 16: 700_000}[p]
	cfg := loadgen.Config{Clients: 50, Pipeline: p, Requests: scaled(o, float64(n)), Keys: o.Keyspace,
		ZipfS: 1.1, ReadRatio: 0.9, ValueSize: 3, Seed: 1}
	return Scenario{
		Name:    fmt.Sprintf("zipf-90r10w/c50/P%d/3B", p),
		Title:   fmt.Sprintf("90%% GET / 10%% SET, Zipf s=1.1 over %d keys, %s, 3-byte values (Go load generator)", o.Keyspace, clientsText(clientMode{50, p, 0})),
		Mode:    standalone,
		Probe:   [][]string{{"GET", "key:000000000000"}, {"SET", "key:000000000000", "x"}},
		Prefill: prefillKeys(3, 0, o.Keyspace),
		Load:    Zipf{Config: cfg},
	}
}

// MemoryPerKey points to bench/cmd/memory, which measures memory per
// element of each type side by side (RSS of a fresh process, not
// throughput, so it does not fit this runner's rounds).
func MemoryPerKey() Scenario {
	return Scenario{Name: "memory-per-key", Title: "memory per key and per element of each type",
		Pending: "measured by go run ./bench/cmd/memory (resident memory that 1M elements of each type add, both servers side by side)"}
}

// QuickPatterns returns the patterns of the -quick smoke run: one
// scenario per kind.
func QuickPatterns() []string {
	return []string{"SET/c50/P1/3B", "GET/c50/P16/1KiB", "INCR/c1/P1", "LPUSH/c50/P1/3B",
		"LRANGE_100/c50/P1/3B", "zipf-90r10w/c50/P1", "aof-always/SET/c50/P1", "aof-everysec/SET/c50/P1",
		"cluster/SET/c50/P1", "cluster/GET/c50/P16", "memory-per-key"}
}

// Select returns the scenarios that some pattern selects, in catalogue
// order. A pattern selects a scenario when it matches, case-insensitively
// and with path.Match's syntax, the scenario's name or a leading part of
// it made of whole /-separated components: "SET" selects "SET/c50/P1/3B",
// "*/c1" every 1-client scenario, "aof-*" the persistence rows. A pattern
// that selects nothing is an error.
func Select(all []Scenario, patterns []string) ([]Scenario, error) {
	used := make([]bool, len(patterns))
	var out []Scenario
	for _, s := range all {
		parts := strings.Split(strings.ToLower(s.Name), "/")
		hit := false
		for i, p := range patterns {
			p = strings.ToLower(strings.TrimSpace(p))
			for k := 1; k <= len(parts); k++ {
				if ok, _ := path.Match(p, strings.Join(parts[:k], "/")); ok {
					used[i], hit = true, true
					break
				}
			}
		}
		if hit {
			out = append(out, s)
		}
	}
	for i, u := range used {
		if !u {
			return nil, fmt.Errorf("bench: scenario pattern %q selects nothing", patterns[i])
		}
	}
	return out, nil
}

func prefillKeys(size, _, keyspace int) *Prefill {
	return &Prefill{
		Desc: fmt.Sprintf("MSET key:000000000000 .. key:%012d, %d-byte values", keyspace-1, size),
		Run: func(ctx context.Context, t *Target) error {
			return loadgen.Prefill(ctx, t.Nodes[0].Addr, keyspace, size)
		},
	}
}

func prefillList(size, n int) *Prefill {
	return &Prefill{
		Desc: fmt.Sprintf("LPUSH mylist with %d values of %d bytes", n, size),
		Run: func(ctx context.Context, t *Target) error {
			v := strings.Repeat("x", size)
			for left := n; left > 0; {
				p := t.Client.Pipeline()
				for range 16 {
					k := min(left, 500)
					if k == 0 {
						break
					}
					args := make([]any, k)
					for i := range args {
						args[i] = v
					}
					p.LPush(ctx, "mylist", args...)
					left -= k
				}
				if _, err := p.Exec(ctx); err != nil {
					return fmt.Errorf("bench: prefill: %w", err)
				}
			}
			return nil
		},
	}
}

// sizeWeight lowers the request count where 1 KiB values make each
// request much heavier.
func sizeWeight(c command, m clientMode, size int) float64 {
	switch {
	case size < 1024:
		return 1
	case c.test == "lrange_100" && m.pipeline > 1:
		return 0.2 // 100 KiB replies, 16 to a batch
	case c.test == "lrange_100":
		// 100 KiB replies one at a time run at 11-30k a second: at 0.2
		// a run lasted a fifth of a second, and the p99 of 50 clients
		// (the slowest 50 of 5,000 requests) swung from 4.9 to 8.7 ms
		// between rounds, where 25,000 requests give 2.3-3.0 ms.
		return 1
	case m.pipeline > 1:
		return 0.5
	default:
		return 0.8
	}
}

func scaled(o Options, n float64) int {
	return max(int(math.Round(n*o.Scale/100))*100, 100)
}

func sizeName(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%dKiB", n/1024)
	}
	return fmt.Sprintf("%dB", n)
}

func sizeText(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d-byte", n)
}

func clientsText(m clientMode) string {
	s := fmt.Sprintf("%d clients", m.clients)
	if m.clients == 1 {
		s = "1 client"
	}
	if m.pipeline > 1 {
		return fmt.Sprintf("%s, pipeline %d", s, m.pipeline)
	}
	return s + ", no pipeline"
}
