package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Server is a server process (quordis-server or redis-server) started by
// Start on a loopback port. Its owner must call Stop.
type Server struct {
	Name   string   // "Quordis" or "Redis"
	Addr   string   // 127.0.0.1:port
	Port   int      // the loopback port
	Dir    string   // its working and data directory
	Args   []string // its command line, binary first
	PID    int      // the process to read CPU time from
	Client *redis.Client

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, set before done is closed
}

// Start runs bin with redis-server's command line: --port on a free
// loopback port, --bind 127.0.0.1, --dir and --logfile in dir, then m's
// flags (such as --appendonly no). A node of a cluster mode (m.Masters > 0)
// also gets --cluster-port on a second free port, because port+10000, the
// default bus port, may be taken. It waits until the server answers PING,
// retrying on other ports if one was taken meanwhile. The process is
// killed if this process dies.
func Start(ctx context.Context, name, bin, dir string, m Mode) (*Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	var lastErr error
	for range 3 {
		s, err := startOnce(ctx, name, bin, dir, m)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func startOnce(ctx context.Context, name, bin, dir string, m Mode) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--logfile", filepath.Join(dir, "server.log")}
	if m.Masters > 0 {
		bus := port
		for bus == port {
			if bus, err = freePort(); err != nil {
				return nil, err
			}
		}
		args = append(args, "--cluster-port", strconv.Itoa(bus))
	}
	args = append(args, m.Args...)
	out, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer out.Close()
	cmd := exec.Command(bin, args[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting %s: %w", name, err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s := &Server{Name: name, Addr: addr, Port: port, Dir: dir, Args: args, PID: cmd.Process.Pid,
		cmd: cmd, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	s.Client = redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true,
		PoolSize: 1, MaxRetries: -1, ReadTimeout: time.Minute,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls PING until the server answers, exits, or 10 s pass.
func (s *Server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Client.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
			out, _ := os.ReadFile(filepath.Join(s.Dir, "stdout.log"))
			return fmt.Errorf("bench: %s exited at start (%v): %s%s", s.Name, s.err, out, log)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %s did not answer PING within 10s: %w", s.Name, err)
		}
	}
}

// Alive reports an error if the process has exited.
func (s *Server) Alive() error {
	select {
	case <-s.done:
		return fmt.Errorf("bench: %s exited: %v (see %s)", s.Name, s.err, filepath.Join(s.Dir, "server.log"))
	default:
		return nil
	}
}

// Stop ends the server with SIGTERM, then SIGKILL after 10 s, and waits
// for it to exit.
func (s *Server) Stop() {
	s.Client.Close()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("bench: finding a free port: %w", err)
	}
	defer ln.Close()
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("bench: listener has no TCP address")
	}
	return addr.Port, nil
}
