// Command quordis-server runs a Quordis server. It takes redis-server's
// command line: an optional configuration file, then --directive value
// overrides.
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"syscall"

	"quordis/conf"
	"quordis/server"
	"quordis/server/procs"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `Usage: quordis-server [/path/to/redis.conf] [options] [-]
       quordis-server - (read config from stdin)
       quordis-server -v or --version
       quordis-server -h or --help

Examples:
       quordis-server (run the server with default config)
       quordis-server /etc/redis/6379.conf
       quordis-server --port 7777
       quordis-server --port 7777 --replicaof 127.0.0.1 8888
       quordis-server /etc/myredis.conf --loglevel verbose -
       quordis-server /etc/myredis.conf --loglevel verbose
`

// run is main with its inputs and outputs passed in, so tests can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 {
		switch args[0] {
		case "-v", "--version":
			fmt.Fprintf(stdout, "Quordis server v=%s (Redis %s compatible) go=%s bits=%d\n",
				server.Version, server.Version, runtime.Version(), strconv.IntSize)
			return 0
		case "-h", "--help":
			fmt.Fprint(stdout, usage)
			return 0
		}
	}
	cfg, err := conf.Load(args, stdin)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	logger, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer closeLog()
	for _, name := range cfg.Unsupported() {
		logger.Warn("directive accepted but not supported yet; it has no effect", "directive", name)
	}
	if cfg.PidFile != "" {
		if err := os.WriteFile(cfg.PidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			logger.Warn("could not write the pid file", "file", cfg.PidFile, "err", err)
		} else {
			defer os.Remove(cfg.PidFile)
		}
	}
	// QUORDIS_CPUPROFILE and QUORDIS_TRACE name files that get a pprof CPU
	// profile and a Go execution trace of the whole run (written when the
	// server shuts down), for the performance work on the benchmark
	// scenarios.
	for _, p := range []struct {
		env, what string
		start     func(io.Writer) error
		stop      func()
	}{
		{"QUORDIS_CPUPROFILE", "CPU profile", pprof.StartCPUProfile, pprof.StopCPUProfile},
		{"QUORDIS_TRACE", "execution trace", trace.Start, trace.Stop},
	} {
		path := os.Getenv(p.env)
		if path == "" {
			continue
		}
		f, err := os.Create(path)
		if err == nil {
			err = p.start(f)
		}
		if err != nil {
			logger.Error("could not start the "+p.what, "err", err)
			return 1
		}
		defer func() {
			p.stop()
			f.Close()
		}()
	}
	srv, err := server.New(cfg, server.Options{Logger: logger, TuneGC: true})
	if err != nil {
		logger.Error("could not start", "err", err)
		return 1
	}
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			err := procs.Run(stop, srv.HoldProcessors, func(from, to int) {
				logger.Debug("Go processors changed", "from", from, "to", to)
			})
			if err != nil {
				logger.Debug("Go processors stay at the CPU count", "err", err)
			}
		}()
		defer func() { close(stop); <-done }()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	code := 0
	select {
	case err := <-errc:
		if err != nil {
			logger.Error("server stopped", "err", err)
			code = 1
		}
	case sig := <-sigs:
		logger.Warn("received signal, shutting down", "signal", sig.String())
	case <-srv.Done():
	}
	srv.Close()
	logger.Warn("Quordis is now ready to exit, bye bye...")
	return code
}

// newLogger builds the server's logger from logfile and loglevel: stderr
// when logfile is empty (redis-server logs to stdout; Quordis keeps stdout
// free for tools), the file otherwise.
func newLogger(cfg *conf.Config, stderr io.Writer) (*slog.Logger, func(), error) {
	out := stderr
	closeFn := func() {}
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("quordis-server: can't open the log file: %w", err)
		}
		out = f
		closeFn = func() { f.Close() }
	}
	level := slog.LevelInfo
	switch strings.ToLower(cfg.LogLevel) {
	case "debug", "verbose":
		level = slog.LevelDebug
	case "notice":
		level = slog.LevelInfo
	case "warning":
		level = slog.LevelWarn
	case "nothing":
		level = slog.LevelError + 100
	}
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level})), closeFn, nil
}
