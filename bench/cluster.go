package bench

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"quordis/bench/loadgen"
	"quordis/cluster"
)

// clusterReadyTimeout bounds the wait for a new cluster to agree.
const clusterReadyTimeout = 30 * time.Second

// startCluster starts m.Masters nodes of bin, each in its own directory
// under dir with its own bus port, joins them as Redis Cluster is joined
// (`redis-cli --cluster create h:p1 h:p2 h:p3 --cluster-yes`: no replicas,
// the 16384 slots split evenly), and waits until every node's CLUSTER INFO
// says cluster_state:ok and `redis-cli --cluster check` exits 0.
func startCluster(ctx context.Context, name, bin, cli, dir string, m Mode) (_ *Target, err error) {
	t := &Target{Name: name, Dir: dir}
	defer func() {
		if err != nil {
			t.Stop()
		}
	}()
	addrs := make([]string, 0, m.Masters)
	for i := range m.Masters {
		s, err := Start(ctx, name, bin, filepath.Join(dir, fmt.Sprintf("node%d", i+1)), m)
		if err != nil {
			return nil, err
		}
		t.Nodes = append(t.Nodes, s)
		addrs = append(addrs, s.Addr)
	}
	args := append(append([]string{"--cluster", "create"}, addrs...), "--cluster-yes")
	t.Create = shellJoin(append([]string{"redis-cli"}, args...))
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bench: %s: %s: %w: %s", name, t.Create, err, cliError(out))
	}
	if err := waitClusterOK(ctx, cli, t); err != nil {
		return nil, err
	}
	t.cluster = redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, Protocol: 2, DisableIdentity: true,
		PoolSize: 1, ReadTimeout: time.Minute,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
	t.Client = t.cluster
	return t, nil
}

// StartSlotOwner starts one node of bin in cluster mode (the cluster rows'
// settings) in dir, makes it the owner of all 16384 slots, and waits as
// startCluster does until it reports the cluster up: a cluster of one
// master, for measurements (memory per key) that several would blur.
func StartSlotOwner(ctx context.Context, name, bin, cli, dir string) (*Server, error) {
	s, err := Start(ctx, name, bin, dir, Mode{Name: clusterMode.Name, Masters: 1, Args: clusterMode.Args})
	if err != nil {
		return nil, err
	}
	err = s.Client.Do(ctx, "cluster", "addslotsrange", 0, cluster.Slots-1).Err()
	if err == nil {
		err = waitClusterOK(ctx, cli, &Target{Name: name, Dir: dir, Nodes: []*Server{s}})
	}
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("bench: %s: %w", name, err)
	}
	return s, nil
}

// waitClusterOK polls until clusterNotReady finds nothing to say, a node
// exits, or clusterReadyTimeout passes.
func waitClusterOK(ctx context.Context, cli string, t *Target) error {
	deadline := time.Now().Add(clusterReadyTimeout)
	for {
		if err := t.Alive(); err != nil {
			return err
		}
		why := clusterNotReady(ctx, cli, t.Nodes)
		if why == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %s cluster not ready within %s: %s", t.Name, clusterReadyTimeout, why)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// clusterNotReady returns why the cluster of nodes cannot take the load
// yet, or "" when every node says cluster_state:ok and redis-cli agrees.
func clusterNotReady(ctx context.Context, cli string, nodes []*Server) string {
	for _, s := range nodes {
		info, err := s.Client.ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Sprintf("CLUSTER INFO on %s: %v", s.Addr, err)
		}
		if st := InfoField(info, "cluster_state"); st != "ok" {
			return fmt.Sprintf("%s says cluster_state:%s", s.Addr, st)
		}
	}
	out, err := exec.CommandContext(ctx, cli, "--cluster", "check", nodes[0].Addr).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("redis-cli --cluster check %s: %v: %s", nodes[0].Addr, err, cliError(out))
	}
	return ""
}

// InfoField returns the value of field name in an INFO-style reply
// ("name:value" lines, as INFO and CLUSTER INFO print), or "" when absent.
func InfoField(info, name string) string {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":"); ok && k == name {
			return v
		}
	}
	return ""
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// cliError picks what explains a failed redis-cli --cluster command from
// its output: the [ERR] lines, or else the last line, without the colour
// codes redis-cli prints even into a pipe.
func cliError(out []byte) string {
	var errs []string
	last := ""
	for _, line := range strings.Split(ansiEscape.ReplaceAllString(string(out), ""), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		last = line
		if strings.HasPrefix(line, "[ERR]") {
			errs = append(errs, line)
		}
	}
	if len(errs) > 0 {
		return strings.Join(errs, "; ")
	}
	return last
}

// prefillTaggedKeys is the prefill of GET under redis-benchmark --cluster.
// redis-benchmark 7.0 puts a hash tag in every key it sends, the same for
// all of one master's keys (key:{06S}:000000012345: the tag of the
// master's first slot, from a table inside redis-benchmark), so a GET hits
// only keys that carry that tag. A SET run with -r 1 leaves one key on
// each master, which shows its tag; then each master gets keyspace keys
// with its tag, as the standalone GET rows get keyspace plain ones.
func prefillTaggedKeys(benchBin string, size, keyspace int) *Prefill {
	return &Prefill{
		Desc: fmt.Sprintf("on every master, MSET key:{t}:000000000000 .. key:{t}:%012d with %d-byte values, "+
			"{t} being the hash tag redis-benchmark --cluster puts in that master's keys (read back after "+
			"`redis-benchmark --cluster -t set -r 1` wrote one key per master)", keyspace-1, size),
		Run: func(ctx context.Context, t *Target) error {
			tags := Benchmark{Bin: benchBin, Cluster: true, Threads: 1, Test: "set", Clients: len(t.Nodes),
				Requests: 1000 * len(t.Nodes), Pipeline: 1, Size: size, Keyspace: 1}
			if _, err := tags.Run(ctx, t.Port()); err != nil {
				return err
			}
			for _, s := range t.Nodes {
				keys, err := s.Client.Keys(ctx, "key:*").Result()
				if err != nil {
					return fmt.Errorf("bench: prefill: KEYS on %s: %w", s.Addr, err)
				}
				if len(keys) != 1 {
					return fmt.Errorf("bench: prefill: %s holds %d keys after redis-benchmark -r 1, want 1: %q", s.Addr, len(keys), keys)
				}
				prefix, err := TaggedKeyPrefix(keys[0])
				if err != nil {
					return err
				}
				if err := loadgen.PrefillKeys(ctx, s.Addr, prefix, keyspace, size); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// TaggedKeyPrefix returns the part before the number of a key that
// redis-benchmark --cluster -r 1 wrote: "key:{06S}:" of
// "key:{06S}:000000000000". A tag shorter than three characters is
// padded with '}' ("key:{8M}}:000000000000").
func TaggedKeyPrefix(key string) (string, error) {
	const zeros = "000000000000" // __rand_int__ with -r 1
	prefix, ok := strings.CutSuffix(key, zeros)
	if !ok || !strings.HasPrefix(prefix, "key:{") || !strings.HasSuffix(prefix, ":") ||
		strings.IndexByte(prefix, '}') < len("key:{")+1 {
		return "", fmt.Errorf("bench: %q is not a key of redis-benchmark --cluster -r 1 (key:{tag}:%s)", key, zeros)
	}
	return prefix, nil
}

// idleWindow is how long clusterNotes watches both clusters sit idle.
const idleWindow = 2 * time.Second

// clusterNotes are the facts a reader of a cluster row needs: how each
// side split the slots, what each side costs while idle (a cluster's
// bus, and Quordis's Raft groups, keep working between requests, and
// each side stays up while the other is measured), and how redis-benchmark
// --cluster spreads its load.
func clusterNotes(ctx context.Context, targets [2]*Target, ticks int) []string {
	var slots, idle []string
	var before [2]uint64
	for side, t := range targets {
		if t == nil {
			continue
		}
		slots = append(slots, t.Name+" "+slotRanges(ctx, t))
		before[side], _ = t.CPU()
	}
	select {
	case <-ctx.Done():
	case <-time.After(idleWindow):
	}
	for side, t := range targets {
		if t == nil {
			continue
		}
		if after, err := t.CPU(); err == nil {
			pct := float64(after-before[side]) / float64(ticks) / idleWindow.Seconds() * 100
			idle = append(idle, fmt.Sprintf("%s's %d nodes %.1f%%", t.Name, len(t.Nodes), pct))
		}
	}
	return []string{
		"Slots per master (CLUSTER SHARDS of the first node): " + strings.Join(slots, "; ") + ".",
		"CPU used while idle, over " + idleWindow.String() + " before the rounds, in % of one CPU: " + strings.Join(idle, ", ") +
			". Each side stays up while the other is measured.",
		"redis-benchmark --cluster reads the masters from the first node and connects the clients to them in turn; " +
			"every key it sends to one master carries the same hash tag, so all of a master's keys fall in one slot. " +
			"--threads 1 because a threaded redis-benchmark 7.0 rounds each run's time up to a multiple of 250 ms.",
	}
}

// slotRanges lists the slot ranges of each shard (master) in t's CLUSTER
// SHARDS, as "[0-5460] [5461-10922] ...", shards in slot order.
func slotRanges(ctx context.Context, t *Target) string {
	shards, err := t.Nodes[0].Client.ClusterShards(ctx).Result()
	if err != nil {
		return "CLUSTER SHARDS fails: " + err.Error()
	}
	first := func(s redis.ClusterShard) int64 {
		if len(s.Slots) == 0 {
			return -1
		}
		return s.Slots[0].Start
	}
	slices.SortFunc(shards, func(a, b redis.ClusterShard) int { return cmp.Compare(first(a), first(b)) })
	parts := make([]string, len(shards))
	for i, s := range shards {
		ranges := make([]string, len(s.Slots))
		for j, r := range s.Slots {
			ranges[j] = fmt.Sprintf("%d-%d", r.Start, r.End)
		}
		parts[i] = "[" + strings.Join(ranges, ",") + "]"
	}
	return strings.Join(parts, " ")
}
