// Command loadgen sends package loadgen's mixed GET/SET load over a
// Zipf-distributed key space to one server and prints requests per second
// and latency percentiles. bench/cmd/compare runs the same load in
// process and prints this command line to reproduce it.
//
//	go run ./bench/cmd/loadgen -addr 127.0.0.1:6379 -prefill -c 50 -n 100000 -reads 0.9
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"quordis/bench/loadgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its arguments and outputs passed in; it returns the
// exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var c loadgen.Config
	fl.StringVar(&c.Addr, "addr", "127.0.0.1:6379", "server host:port")
	fl.IntVar(&c.Clients, "c", 50, "connections, one goroutine each")
	fl.IntVar(&c.Requests, "n", 100_000, "total requests")
	fl.IntVar(&c.Pipeline, "P", 1, "commands per round trip")
	fl.IntVar(&c.ValueSize, "d", 3, "SET value size in bytes")
	fl.IntVar(&c.Keys, "keys", 100_000, "key space: key:000000000000 and up")
	fl.Float64Var(&c.ZipfS, "s", 1.1, "Zipf exponent (> 1)")
	fl.Float64Var(&c.ReadRatio, "reads", 0.9, "fraction of GETs; the rest are SETs")
	fl.Uint64Var(&c.Seed, "seed", 1, "random seed")
	prefill := fl.Bool("prefill", false, "first SET every key of the key space (not measured)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *prefill {
		if err := loadgen.Prefill(ctx, c.Addr, c.Keys, c.ValueSize); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	res, err := loadgen.Run(ctx, c)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ms := func(q float64) float64 { return float64(res.Latency.Quantile(q)) / 1e6 }
	fmt.Fprintln(stdout, `"test","rps","p50_latency_ms","p99_latency_ms","p999_latency_ms","max_latency_ms"`)
	fmt.Fprintf(stdout, "\"zipf s=%g reads=%g\",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\"\n", c.ZipfS, c.ReadRatio,
		res.RPS(), ms(0.5), ms(0.99), ms(0.999), float64(res.Latency.Max())/1e6)
	return 0
}
