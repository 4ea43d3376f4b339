package bench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"quordis/bench/loadgen"
)

// Load is the client side of a scenario: it sends a fixed number of
// requests to the server at host:port and reports what it measured. It
// leaves Sample.CPU for the caller.
type Load interface {
	// CommandLine returns the shell command that reproduces the load.
	CommandLine(port int) string
	// Run sends the load and waits for every reply.
	Run(ctx context.Context, port int) (Sample, error)
}

// Benchmark is a redis-benchmark run: -t Test, or Command when set (a
// custom command line such as LRANGE mylist 0 99).
type Benchmark struct {
	Bin      string   // path of redis-benchmark
	Cluster  bool     // --cluster: the port is a cluster node; the load goes to every master
	Threads  int      // --threads when > 0 (see clusterScenarios for why)
	Test     string   // -t name, e.g. "set", "mset"
	Command  []string // custom command instead of -t, or nil
	Clients  int      // -c
	Requests int      // -n
	Pipeline int      // -P
	Size     int      // -d, value bytes
	Keyspace int      // -r, random keys in [0, Keyspace)
}

func (b Benchmark) args(port int) []string {
	var a []string
	if b.Cluster {
		a = append(a, "--cluster")
	}
	if b.Threads > 0 {
		a = append(a, "--threads", strconv.Itoa(b.Threads))
	}
	a = append(a, "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-c", strconv.Itoa(b.Clients), "-n", strconv.Itoa(b.Requests),
		"-P", strconv.Itoa(b.Pipeline), "-d", strconv.Itoa(b.Size),
		"-r", strconv.Itoa(b.Keyspace), "--csv")
	if b.Command != nil {
		return append(a, b.Command...)
	}
	return append(a, "-t", b.Test)
}

// CommandLine implements Load.
func (b Benchmark) CommandLine(port int) string {
	return shellJoin(append([]string{"redis-benchmark"}, b.args(port)...))
}

// Run implements Load. An error reply fails the run: the numbers would
// measure error replies. redis-benchmark 7.0 reports one ("Error from
// server") and exits, except with --cluster, where it counts error
// replies as answered requests (after MOVED or ASK it reloads the slots;
// only CLUSTERDOWN is printed), so Runner also checks the servers' error
// counts. With --cluster it first prints the masters it found, which
// ParseCSV skips.
func (b Benchmark) Run(ctx context.Context, port int) (Sample, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.Bin, b.args(port)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		if msg := firstLine(stderr.String()); msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return Sample{}, fmt.Errorf("bench: redis-benchmark: %w", err)
	}
	wall := time.Since(start).Seconds()
	cpu := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	var preempted int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		preempted = ru.Nivcsw
	}
	if i := strings.Index(stderr.String()+stdout.String(), "Error from server"); i >= 0 {
		return Sample{}, fmt.Errorf("bench: %s", firstLine((stderr.String() + stdout.String())[i:]))
	}
	rows, err := ParseCSV(&stdout)
	if err != nil {
		return Sample{}, err
	}
	// One -t test or one custom command prints one row.
	r := rows[len(rows)-1]
	return Sample{RPS: r.RPS, P50Ms: r.P50Ms, P99Ms: r.P99Ms, P999Ms: math.NaN(), Requests: b.Requests,
		LoadCPU: cpu, LoadWall: wall, LoadPreempted: preempted}, nil
}

// Zipf is a run of package loadgen: GET/SET over a Zipf-distributed key
// space, which redis-benchmark cannot draw.
type Zipf struct {
	Config loadgen.Config // Addr is set by Run
}

// CommandLine implements Load: bench/cmd/loadgen runs the same load.
func (z Zipf) CommandLine(port int) string {
	c := z.Config
	return shellJoin([]string{"go", "run", "./bench/cmd/loadgen",
		"-addr", "127.0.0.1:" + strconv.Itoa(port),
		"-c", strconv.Itoa(c.Clients), "-n", strconv.Itoa(c.Requests),
		"-P", strconv.Itoa(c.Pipeline), "-d", strconv.Itoa(c.ValueSize),
		"-keys", strconv.Itoa(c.Keys), "-s", strconv.FormatFloat(c.ZipfS, 'g', -1, 64),
		"-reads", strconv.FormatFloat(c.ReadRatio, 'g', -1, 64),
		"-seed", strconv.FormatUint(c.Seed, 10)})
}

// Run implements Load.
func (z Zipf) Run(ctx context.Context, port int) (Sample, error) {
	c := z.Config
	c.Addr = "127.0.0.1:" + strconv.Itoa(port)
	res, err := loadgen.Run(ctx, c)
	if err != nil {
		return Sample{}, err
	}
	ms := func(q float64) float64 { return float64(res.Latency.Quantile(q)) / 1e6 }
	return Sample{RPS: res.RPS(), P50Ms: ms(0.50), P99Ms: ms(0.99), P999Ms: ms(0.999),
		Requests: res.Requests}, nil
}

// shellJoin quotes args for a POSIX shell where needed.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,", r))
		}) < 0 {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
