package bench

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Report writes the Markdown report: the run's Info, the servers' command
// lines, one table per scenario with the exact load commands, then a
// summary table of the ratios.
func Report(w io.Writer, info Info, outcomes []Outcome) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	redis := "Redis " + redisVersion(info.Redis)
	p("# Quordis vs %s\n\n", redis)
	p("- Machine: %s, %d logical CPUs, %s\n", info.CPU, info.Cores, info.Kernel)
	p("- Go: %s\n- quordis-server: %s\n- redis-server: %s\n- redis-benchmark: %s\n", info.Go, info.Quordis, info.Redis, info.Benchmark)
	p("- Started %s; command: `%s`\n", info.Started, info.Command)
	p("- Each scenario ran %d rounds, Quordis then Redis in every round; the tables show medians over the rounds.\n", info.Rounds)
	p("- Server CPU is utime+stime of the server process from /proc/<pid>/stat (%d ticks/s) around each run, per million requests; for a cluster, summed over its nodes.\n", info.Ticks)
	p("- CPU wait is how long the server's threads were runnable but waited for a CPU (/proc/<pid>/task/*/schedstat), per second of server CPU: near 0 when the server got a CPU whenever it could run, 1 when its threads waited as long as they ran.\n")
	p("- Load generator CPUs is how many CPUs redis-benchmark kept busy during the run (its user+system time over its run time; — for the Go load generator, which runs inside this process): near 1, its one thread set the pace, not the server. Load generator preemptions per 1k req is how often it was preempted (its involuntary context switches) per thousand requests: a server thread woken on its CPU takes the CPU from it, and every request waits while it is off.\n")
	p("- Both servers run on loopback on the same machine as the load generator, which competes with them for the CPUs. redis-server runs with its defaults (io-threads 1); quordis-server with its own, which start it at one Go processor and add one while it serves a load and a CPU sits idle, giving one up while its threads wait for a CPU (see the README, Running it).\n\n")
	writeServers(w, outcomes)
	for _, o := range outcomes {
		writeOutcome(w, redis, o)
	}
	writeSummary(w, outcomes)
}

// writeServers prints each mode's server command lines once (for a
// cluster, every node's and the command that joined them).
func writeServers(w io.Writer, outcomes []Outcome) {
	fmt.Fprintf(w, "## Servers\n\n```\n")
	seen := map[string]bool{}
	for _, o := range outcomes {
		for _, s := range o.Sides {
			if s.Server != "" && !seen[s.Server] {
				seen[s.Server] = true
				fmt.Fprintf(w, "%s\n", s.Server)
			}
		}
	}
	fmt.Fprintf(w, "```\n\n")
}

func writeOutcome(w io.Writer, redis string, o Outcome) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	sc := o.Scenario
	p("## %s\n\n%s.\n\n", sc.Name, sc.Title)
	if sc.Pending != "" {
		p("%s\n\n", sc.Pending)
		return
	}
	p("```\n")
	for side, name := range []string{"Quordis", "Redis"} {
		if c := o.Sides[side].Command; c != "" {
			p("%-8s %s\n", name+":", c)
		}
	}
	p("```\n\n")
	flush := "FLUSHALL"
	if sc.Mode.Masters > 0 {
		flush = "FLUSHALL on every master"
	}
	if sc.Prefill != nil {
		p("Before each run, unmeasured: %s, then %s.\n\n", flush, sc.Prefill.Desc)
	} else {
		p("Before each run, unmeasured: %s.\n\n", flush)
	}
	sums := [2]Summary{Summarize(o.Sides[0].Samples), Summarize(o.Sides[1].Samples)}
	p("| | req/s | p50 ms | p99 ms | server CPU s per 1M req | CPU wait per CPU s | load generator CPUs | load generator preemptions per 1k req |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for side, name := range []string{"Quordis", redis} {
		res := o.Sides[side]
		switch {
		case res.Unsupported != "":
			p("| %s | unsupported | | | | | | |\n", name)
		case len(res.Samples) == 0:
			p("| %s | failed | | | | | | |\n", name)
		default:
			s := sums[side]
			p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, thousands(s.RPS), fixed(s.P50Ms, 3), fixed(s.P99Ms, 3),
				fixed(s.CPUPerM, 2), fixed(s.WaitPerCPU, 2), fixed(s.LoadUse, 2), fixed(s.LoadPreemptsPerK, 0))
		}
	}
	ra := Ratios(sums[0], sums[1])
	label := "Quordis/Redis"
	if o.NotComparable {
		label += " (not comparable)"
	}
	p("| %s | %s | %s | %s | %s | | | |\n\n", label, ratio(ra.RPS), ratio(ra.P50Ms), ratio(ra.P99Ms), ratio(ra.CPUPerM))
	var rounds []string
	for side, name := range []string{"Quordis", "Redis"} {
		if ss := o.Sides[side].Samples; len(ss) > 0 {
			var xs []string
			for _, s := range ss {
				xs = append(xs, thousands(s.RPS))
			}
			rounds = append(rounds, name+" "+strings.Join(xs, ", "))
		}
	}
	if len(rounds) > 0 {
		p("Per round, req/s: %s.\n", strings.Join(rounds, "; "))
	}
	if !math.IsNaN(sums[0].P999Ms) || !math.IsNaN(sums[1].P999Ms) {
		p("p99.9 ms: Quordis %s, Redis %s.\n", fixed(sums[0].P999Ms, 3), fixed(sums[1].P999Ms, 3))
	}
	for side, name := range []string{"Quordis", "Redis"} {
		res := o.Sides[side]
		if res.Unsupported != "" {
			p("%s: unsupported, its probe answered `%s`.\n", name, res.Unsupported)
		}
		if res.Err != "" {
			p("%s: failed: %s\n", name, res.Err)
		}
	}
	for _, n := range o.Notes {
		p("%s\n", n)
	}
	p("\n")
}

// writeSummary prints one line per scenario with the three ratios the
// issue's targets are stated in.
func writeSummary(w io.Writer, outcomes []Outcome) {
	fmt.Fprintf(w, "## Summary\n\nRatios are Quordis/Redis of the medians: req/s above 1 is better, p99 and CPU per request below 1 are better. "+
		"CPU wait is each server's wait for a CPU per second of its CPU time, Quordis / Redis.\n\n")
	fmt.Fprintf(w, "| scenario | Quordis req/s | Redis req/s | req/s ratio | p99 ratio | CPU/req ratio | CPU wait | status |\n|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, o := range outcomes {
		q, r := Summarize(o.Sides[0].Samples), Summarize(o.Sides[1].Samples)
		ra := Ratios(q, r)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s / %s | %s |\n", o.Scenario.Name,
			thousands(q.RPS), thousands(r.RPS), ratio(ra.RPS), ratio(ra.P99Ms), ratio(ra.CPUPerM),
			fixed(q.WaitPerCPU, 2), fixed(r.WaitPerCPU, 2), status(o))
	}
	fmt.Fprintln(w)
}

// status is the summary's last column: why a row has no ratios, or "ok".
func status(o Outcome) string {
	q, r := o.Sides[QuordisSide], o.Sides[RedisSide]
	switch {
	case o.Scenario.Pending != "":
		return o.Scenario.Pending
	case q.Unsupported != "":
		return "Quordis: unsupported"
	case q.Err != "" || r.Err != "":
		return "failed (see its table)"
	case o.NotComparable:
		return "Quordis wrote no AOF while Redis did: numbers not comparable"
	}
	return "ok"
}

// redisVersion extracts "7.0.15" from redis-server --version output.
func redisVersion(s string) string {
	for _, f := range strings.Fields(s) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			return v
		}
	}
	return "(version unknown)"
}

// thousands formats v rounded to an integer with comma separators; NaN
// is "—".
func thousands(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func fixed(v float64, prec int) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func ratio(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "x"
}
