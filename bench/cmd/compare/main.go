// Command compare runs the Quordis vs Redis benchmarks of package bench
// and prints a Markdown report on standard output (progress goes to
// standard error). It needs redis-server, redis-benchmark and redis-cli
// (Debian's redis-server and redis-tools packages) and the Go toolchain,
// which it uses to build quordis-server from this module.
//
//	go run ./bench/cmd/compare                 # every scenario, ~15 min on 2 cores
//	go run ./bench/cmd/compare -quick          # a smoke run of one scenario per kind
//	go run ./bench/cmd/compare -scenarios 'SET,GET/*/P16' -rounds 5
//	go run ./bench/cmd/compare -quick -scenarios cluster   # the three-master cluster rows
//	go run ./bench/cmd/compare -list           # scenario names
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"quordis/bench"
)

const logPrefix = "compare: "

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its arguments and outputs passed in; it returns the
// exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("compare", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var (
		rounds   = fl.Int("rounds", 3, "rounds per scenario, each running Quordis then Redis (at least 3 for a meaningful median)")
		patterns = fl.String("scenarios", "", "comma-separated scenario patterns (path.Match on /-separated names, e.g. SET,*/c1,aof-*); empty: all, or the quick set with -quick")
		quick    = fl.Bool("quick", false, "smoke run: one scenario per kind, a tenth of the requests")
		scale    = fl.Float64("scale", 0, "multiply every request count by this (default 1, or 0.1 with -quick)")
		keyspace = fl.Int("keyspace", 100_000, "random key space (-r of redis-benchmark, keys of the Zipf load)")
		quordis  = fl.String("quordis", "", "quordis-server binary to use instead of building ./cmd/quordis-server")
		redisBin = fl.String("redis-server", "redis-server", "redis-server binary")
		benchBin = fl.String("redis-benchmark", "redis-benchmark", "redis-benchmark binary")
		cliBin   = fl.String("redis-cli", "redis-cli", "redis-cli binary (joins the nodes of the cluster rows)")
		list     = fl.Bool("list", false, "print the scenario names and exit")
		keep     = fl.Bool("keep", false, "keep the scratch directory (server logs and data)")
	)
	if err := fl.Parse(args); err != nil {
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, logPrefix+format+"\n", a...)
		return 1
	}
	if *scale == 0 {
		*scale = 1
		if *quick {
			*scale = 0.1
		}
	}
	if *rounds < 1 || *scale < 0 || *keyspace < 2 {
		return fail("-rounds must be >= 1, -scale > 0, -keyspace >= 2")
	}
	if *rounds < 3 {
		fmt.Fprintf(stderr, logPrefix+"warning: %d rounds; the issue asks for at least 3\n", *rounds)
	}
	all := bench.Catalogue(bench.Options{BenchBin: *benchBin, Scale: *scale, Keyspace: *keyspace})
	if *list {
		for _, s := range all {
			fmt.Fprintf(stdout, "%-32s %s\n", s.Name, s.Title)
		}
		return 0
	}
	sel, err := all, error(nil)
	switch {
	case *patterns != "":
		sel, err = bench.Select(all, strings.Split(*patterns, ","))
	case *quick:
		sel, err = bench.Select(all, bench.QuickPatterns())
	}
	if err != nil {
		return fail("%v (see -list)", err)
	}

	for _, tool := range []*string{redisBin, benchBin, cliBin} {
		p, err := exec.LookPath(*tool)
		if err != nil {
			return fail("%s not found: install redis-server and redis-tools (apt-get install redis-server redis-tools; `make bench` does it)", *tool)
		}
		*tool = p
	}
	dir, err := os.MkdirTemp("", "quordis-bench-")
	if err != nil {
		return fail("%v", err)
	}
	if *keep {
		fmt.Fprintf(stderr, logPrefix+"scratch directory: %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	goVersion := strings.TrimSpace(output("go", "env", "GOVERSION"))
	if *quordis == "" {
		*quordis = filepath.Join(dir, "quordis-server")
		fmt.Fprintf(stderr, logPrefix+"building %s\n", *quordis)
		if err := build(*quordis, stderr); err != nil {
			return fail("building quordis-server: %v", err)
		}
	}
	ticks, err := bench.ClockTicks()
	if err != nil {
		fmt.Fprintf(stderr, logPrefix+"warning: %v\n", err)
	}
	info := bench.MachineInfo()
	info.Go = goVersion
	info.Quordis = bench.Version(*quordis, "--version")
	info.Redis = bench.Version(*redisBin, "--version")
	info.Benchmark = bench.Version(*benchBin, "--version")
	info.Ticks, info.Rounds = ticks, *rounds
	info.Command = strings.TrimSpace("go run ./bench/cmd/compare " + strings.Join(args, " "))
	info.Started = time.Now().UTC().Format(time.RFC3339)
	if !strings.Contains(info.Redis, "v=7.0.") {
		fmt.Fprintf(stderr, logPrefix+"warning: the issue compares with redis-server 7.0.15; this is %s\n", info.Redis)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := &bench.Runner{QuordisBin: *quordis, RedisBin: *redisBin, CLIBin: *cliBin, Dir: dir, Rounds: *rounds,
		Ticks: ticks, Progress: stderr}
	start := time.Now()
	outcomes := r.Run(ctx, sel)
	bench.Report(stdout, info, outcomes)
	fmt.Fprintf(stderr, logPrefix+"%d scenarios in %s\n", len(sel), time.Since(start).Round(time.Second))
	if ctx.Err() != nil {
		return fail("interrupted")
	}
	return 0
}

// build compiles ./cmd/quordis-server of this module into path.
func build(path string, stderr io.Writer) error {
	gomod := strings.TrimSpace(output("go", "env", "GOMOD"))
	if gomod == "" || gomod == os.DevNull {
		return fmt.Errorf("not inside the quordis module (go env GOMOD is %q): run from the repository", gomod)
	}
	cmd := exec.Command("go", "build", "-o", path, "./cmd/quordis-server")
	cmd.Dir = filepath.Dir(gomod)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	return cmd.Run()
}

// output returns what a command prints, or "" if it fails.
func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return string(out)
}
