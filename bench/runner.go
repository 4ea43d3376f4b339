package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/redis/go-redis/v9"
)

// The two sides of every comparison, indexes of Outcome.Sides.
const (
	QuordisSide = 0
	RedisSide   = 1
)

// SideResult is one server's part of an Outcome. At most one of
// Unsupported and Err is set; Samples holds the rounds that ran.
type SideResult struct {
	Unsupported string   // the probe's "ERR unknown command ..." answer
	Err         string   // why the side stopped early, other than unsupported
	Samples     []Sample // one per completed round
	Command     string   // the load's command line
	Server      string   // the server's command line
}

// Outcome is what the Runner measured for one scenario.
type Outcome struct {
	Scenario      Scenario
	Sides         [2]SideResult
	NotComparable bool     // the numbers exist but do not measure the same work
	Notes         []string // facts the reader needs, printed under the table
}

// Runner runs scenarios against a Quordis and a Redis target (a server,
// or a cluster), one pair per server mode, interleaving the two in every
// round.
type Runner struct {
	QuordisBin string    // quordis-server to run
	RedisBin   string    // redis-server to run
	CLIBin     string    // redis-cli, which joins the nodes of a cluster mode
	Dir        string    // scratch directory for data and logs
	Rounds     int       // rounds per scenario, each running Quordis then Redis
	Ticks      int       // clock ticks per second of /proc CPU times
	Progress   io.Writer // receives one line per run
}

// Run runs scenarios and returns their outcomes in the same order. Pending
// scenarios are not run. Scenarios of one mode share one target pair,
// started before the first and stopped after the last. When ctx ends,
// the remaining runs are skipped and marked so.
func (r *Runner) Run(ctx context.Context, scenarios []Scenario) []Outcome {
	out := make([]Outcome, len(scenarios))
	for i, s := range scenarios {
		out[i].Scenario = s
		if s.Pending != "" {
			out[i].Notes = append(out[i].Notes, s.Pending)
		}
	}
	var modes []Mode
	for _, s := range scenarios {
		if s.Pending == "" && !containsMode(modes, s.Mode.Name) {
			modes = append(modes, s.Mode)
		}
	}
	for _, m := range modes {
		var idx []int
		for i, s := range scenarios {
			if s.Pending == "" && s.Mode.Name == m.Name {
				idx = append(idx, i)
			}
		}
		r.runMode(ctx, m, idx, out)
	}
	return out
}

func containsMode(ms []Mode, name string) bool {
	for _, m := range ms {
		if m.Name == name {
			return true
		}
	}
	return false
}

// runMode starts a target pair for m and runs the scenarios out[idx].
func (r *Runner) runMode(ctx context.Context, m Mode, idx []int, out []Outcome) {
	var targets [2]*Target
	for side, spec := range [2][2]string{{"Quordis", r.QuordisBin}, {"Redis", r.RedisBin}} {
		t, err := StartTarget(ctx, spec[0], spec[1], r.CLIBin, filepath.Join(r.Dir, m.Name, strings.ToLower(spec[0])), m)
		if err != nil {
			for _, i := range idx {
				out[i].Sides[side].Err = err.Error()
			}
			continue
		}
		defer t.Stop()
		targets[side] = t
	}
	var modeNotes []string
	if m.AOF {
		modeNotes = append(modeNotes, configNote(ctx, targets, "appendonly", "appendfsync"))
	}
	if m.Masters > 0 {
		modeNotes = append(modeNotes, clusterNotes(ctx, targets, r.Ticks)...)
	}
	for _, i := range idx {
		o := &out[i]
		o.Notes = append(o.Notes, modeNotes...)
		r.runScenario(ctx, o, targets)
	}
}

// configNote reports what each target answers to CONFIG GET of params.
func configNote(ctx context.Context, targets [2]*Target, params ...string) string {
	var parts []string
	for _, s := range targets {
		if s == nil {
			continue
		}
		for _, p := range params {
			v, err := s.Client.ConfigGet(ctx, p).Result()
			if err != nil {
				parts = append(parts, fmt.Sprintf("%s: CONFIG GET %s fails: %v", s.Name, p, err))
				continue
			}
			parts = append(parts, fmt.Sprintf("%s: CONFIG GET %s answers %q", s.Name, p, v[p]))
		}
	}
	return strings.Join(parts, "; ") + "."
}

// runScenario probes both sides, then runs the rounds interleaved.
func (r *Runner) runScenario(ctx context.Context, o *Outcome, targets [2]*Target) {
	sc := o.Scenario
	var aofBefore [2]int64
	for side, t := range targets {
		if t == nil {
			continue
		}
		res := &o.Sides[side]
		res.Command = sc.Load.CommandLine(t.Port())
		res.Server = t.CommandLines()
		res.Unsupported, res.Err = probe(ctx, t.Client, sc.Probe)
		aofBefore[side] = aofBytes(t.Dir)
	}
	for round := 1; round <= r.Rounds; round++ {
		for side, t := range targets {
			res := &o.Sides[side]
			if t == nil || res.Unsupported != "" || res.Err != "" {
				continue
			}
			sample, err := r.runOnce(ctx, t, sc)
			if err != nil {
				res.Err = fmt.Sprintf("round %d: %v", round, err)
				continue
			}
			res.Samples = append(res.Samples, sample)
			fmt.Fprintf(r.Progress, "%-32s round %d/%d %-7s %10s req/s  p99 %7.3f ms  CPU %6.2f s/M req  wait %5.2f s/CPU s\n",
				sc.Name, round, r.Rounds, t.Name, thousands(sample.RPS), sample.P99Ms, sample.CPUPerMillion(), sample.WaitPerCPU())
		}
	}
	if sc.Mode.AOF && targets[QuordisSide] != nil && targets[RedisSide] != nil {
		r.noteAOF(o, targets, aofBefore)
	}
}

// noteAOF tells whether each side wrote to its append-only file during the
// scenario; a Quordis that wrote nothing makes the numbers not comparable.
func (r *Runner) noteAOF(o *Outcome, targets [2]*Target, before [2]int64) {
	if len(o.Sides[QuordisSide].Samples) == 0 {
		return
	}
	grew := [2]int64{aofBytes(targets[0].Dir) - before[0], aofBytes(targets[1].Dir) - before[1]}
	// An AOF rewrite during the runs can shrink the files on either side,
	// so only Quordis writing nothing while Redis wrote is suspicious.
	if grew[QuordisSide] <= 0 && grew[RedisSide] > 0 {
		o.NotComparable = true
		o.Notes = append(o.Notes, "Quordis wrote nothing to its append-only file during the runs while Redis "+
			"wrote to its own, so it did no fsync work: numbers not comparable.")
	}
	o.Notes = append(o.Notes, fmt.Sprintf("AOF bytes written during the runs: Quordis %d, Redis %d.",
		max(grew[QuordisSide], 0), max(grew[RedisSide], 0)))
}

// runOnce measures one run: FLUSHALL and prefill first, unmeasured. Error
// replies sent during the run (INFO errorstats before and after) fail it,
// since redis-benchmark --cluster does not report most of them.
func (r *Runner) runOnce(ctx context.Context, t *Target, sc Scenario) (Sample, error) {
	if err := t.FlushAll(ctx); err != nil {
		return Sample{}, err
	}
	if sc.Prefill != nil {
		if err := sc.Prefill.Run(ctx, t); err != nil {
			return Sample{}, fmt.Errorf("prefill: %w", err)
		}
	}
	errsBefore := t.ErrorReplies(ctx)
	before, err := t.CPU()
	if err != nil {
		return Sample{}, err
	}
	waitBefore, err := t.RunQueueWait()
	if err != nil {
		return Sample{}, err
	}
	sample, err := sc.Load.Run(ctx, t.Port())
	if err != nil {
		return Sample{}, err
	}
	after, err := t.CPU()
	if err != nil {
		return Sample{}, err
	}
	waitAfter, err := t.RunQueueWait()
	if err != nil {
		return Sample{}, err
	}
	if err := t.Alive(); err != nil {
		return Sample{}, err
	}
	if err := errorDelta(errsBefore, t.ErrorReplies(ctx)); err != nil {
		return Sample{}, err
	}
	sample.CPU = float64(after-before) / float64(r.Ticks)
	// A thread that exited during the run can make the sum shrink.
	sample.Wait = float64(max(waitAfter, waitBefore)-waitBefore) / 1e9
	return sample, nil
}

// probe sends each command once. It returns the answer to the first
// command the server does not know, or an error text for any other
// failure. A nil reply (GET of a missing key) is a success.
func probe(ctx context.Context, c redis.UniversalClient, cmds [][]string) (unsupported, failure string) {
	for _, cmd := range cmds {
		args := make([]any, len(cmd))
		for i, a := range cmd {
			args[i] = a
		}
		err := c.Do(ctx, args...).Err()
		switch {
		case err == nil || errors.Is(err, redis.Nil):
		case strings.HasPrefix(err.Error(), "ERR unknown command"):
			return strings.TrimSpace(err.Error()), ""
		default:
			return "", fmt.Sprintf("probe %s: %v", strings.Join(cmd, " "), err)
		}
	}
	return "", ""
}

// aofBytes returns the total size of the append-only files under dir
// (Redis 7 keeps them in appendonlydir/ with ".aof" in their names).
func aofBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".aof") {
			return nil
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n
}
