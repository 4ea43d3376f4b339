package bench

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Target is what one side of a scenario runs against: one server, or the
// masters of a cluster. Loads connect to the first node; FLUSHALL goes to
// every node, and the server CPU time is the sum over the nodes. Its owner
// must call Stop.
type Target struct {
	Name   string    // "Quordis" or "Redis"
	Dir    string    // holds the data of every node
	Nodes  []*Server // the server, or the cluster's masters
	Create string    // the redis-cli command that joined the nodes, or ""
	// Client sends a command to the node that serves its key: the
	// server's own client, or cluster below.
	Client redis.UniversalClient

	cluster *redis.ClusterClient // nil for one server
}

// StartTarget starts what mode m asks for in dir: one server with Start,
// or m.Masters cluster nodes joined with cli (redis-cli) as described at
// startCluster.
func StartTarget(ctx context.Context, name, bin, cli, dir string, m Mode) (*Target, error) {
	if m.Masters > 0 {
		return startCluster(ctx, name, bin, cli, dir, m)
	}
	s, err := Start(ctx, name, bin, dir, m)
	if err != nil {
		return nil, err
	}
	return &Target{Name: name, Dir: dir, Nodes: []*Server{s}, Client: s.Client}, nil
}

// Port returns the port loads connect to: the first node's.
func (t *Target) Port() int { return t.Nodes[0].Port }

// CommandLines returns the nodes' command lines, then the command that
// joined them, one per line.
func (t *Target) CommandLines() string {
	lines := make([]string, 0, len(t.Nodes)+1)
	for _, s := range t.Nodes {
		lines = append(lines, shellJoin(s.Args))
	}
	if t.Create != "" {
		lines = append(lines, t.Create)
	}
	return strings.Join(lines, "\n")
}

// FlushAll sends FLUSHALL to every node.
func (t *Target) FlushAll(ctx context.Context) error {
	for _, s := range t.Nodes {
		if err := s.Client.FlushAll(ctx).Err(); err != nil {
			return fmt.Errorf("FLUSHALL on %s: %w", s.Addr, err)
		}
	}
	return nil
}

// CPU returns utime+stime summed over the nodes, in clock ticks.
func (t *Target) CPU() (uint64, error) { return t.sumNodes(ReadCPU) }

// RunQueueWait returns how long the nodes' threads have waited for a CPU
// while runnable, summed over the nodes, in nanoseconds.
func (t *Target) RunQueueWait() (uint64, error) { return t.sumNodes(ReadRunQueueWait) }

// sumNodes adds up read of each node's process.
func (t *Target) sumNodes(read func(pid int) (uint64, error)) (uint64, error) {
	var sum uint64
	for _, s := range t.Nodes {
		n, err := read(s.PID)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// ErrorReplies returns the error replies each node has sent so far, by
// error code, summed over the nodes (INFO errorstats). A node that cannot
// tell counts none.
func (t *Target) ErrorReplies(ctx context.Context) map[string]int64 {
	sum := map[string]int64{}
	for _, s := range t.Nodes {
		info, err := s.Client.Info(ctx, "errorstats").Result()
		if err != nil {
			continue
		}
		for code, n := range ParseErrorStats(info) {
			sum[code] += n
		}
	}
	return sum
}

// Alive reports an error if any node has exited.
func (t *Target) Alive() error {
	for _, s := range t.Nodes {
		if err := s.Alive(); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops every node.
func (t *Target) Stop() {
	if t.cluster != nil {
		t.cluster.Close()
	}
	for _, s := range t.Nodes {
		s.Stop()
	}
}

// ParseErrorStats returns the counts of an INFO errorstats reply (Redis
// 7.0: "errorstat_MOVED:count=12" per error code), by code. Lines it
// does not know are skipped.
func ParseErrorStats(info string) map[string]int64 {
	out := map[string]int64{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		code, isStat := strings.CutPrefix(k, "errorstat_")
		if !ok || !isStat || code == "" {
			continue
		}
		for _, f := range strings.Split(v, ",") {
			if c, ok := strings.CutPrefix(f, "count="); ok {
				if n, err := strconv.ParseInt(c, 10, 64); err == nil {
					out[code] += n
				}
			}
		}
	}
	return out
}

// errorDelta describes the error replies sent between before and after,
// or returns nil when there were none.
func errorDelta(before, after map[string]int64) error {
	var (
		total int64
		parts []string
	)
	for _, code := range slices.Sorted(maps.Keys(after)) {
		if n := after[code] - before[code]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%s %d", code, n))
		}
	}
	if total == 0 {
		return nil
	}
	return fmt.Errorf("bench: the server sent %d error replies during the run (%s); the numbers would "+
		"measure them (redis-benchmark --cluster counts an error reply as an answered request)", total, strings.Join(parts, ", "))
}
