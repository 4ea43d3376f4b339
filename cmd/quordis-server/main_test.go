package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// buildServer compiles quordis-server into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quordis-server")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestConfigFileAndOverridesStartTheServer runs the binary the way users
// do: a redis.conf plus a --port override, then talks to it and stops it
// with SHUTDOWN.
func TestConfigFileAndOverridesStartTheServer(t *testing.T) {
	bin := buildServer(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "redis.conf")
	require.NoError(t, os.WriteFile(cfgPath, []byte("# a comment\nport 1\nrequirepass \"s3cret\"\nmaxmemory 1gb\nbind 127.0.0.1\ndir "+dir+"\n"), 0o644))
	port := freePort(t)
	cmd := exec.Command(bin, cfgPath, "--port", strconv.Itoa(port))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), Password: "s3cret"})
	defer rdb.Close()
	require.Eventually(t, func() bool { return rdb.Ping(ctx).Err() == nil }, 10*time.Second, 20*time.Millisecond, "%s", &stderr)
	require.Equal(t, map[string]string{"maxmemory": "1073741824"}, rdb.ConfigGet(ctx, "maxmemory").Val())
	require.Equal(t, map[string]string{"port": strconv.Itoa(port)}, rdb.ConfigGet(ctx, "port").Val())

	// CONFIG REWRITE writes the file in place, keeping the comment.
	require.NoError(t, rdb.ConfigSet(ctx, "maxmemory", "2mb").Err())
	require.NoError(t, rdb.ConfigRewrite(ctx).Err())
	text, err := os.ReadFile(cfgPath)
	require.NoError(t, err)
	require.Contains(t, string(text), "# a comment\n")
	require.Contains(t, string(text), "maxmemory 2mb\n")

	rdb.Shutdown(ctx)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("SHUTDOWN did not stop the process")
	}
}

// TestBadConfigLineStopsStartup checks that an unknown directive fails
// start-up with Redis's message naming the file and the line.
func TestBadConfigLineStopsStartup(t *testing.T) {
	bin := buildServer(t)
	cfgPath := filepath.Join(t.TempDir(), "bad.conf")
	require.NoError(t, os.WriteFile(cfgPath, []byte("port 7000\nfoo bar\n"), 0o644))
	out, err := exec.Command(bin, cfgPath).CombinedOutput()
	require.Error(t, err)
	text := string(out)
	require.Contains(t, text, "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***")
	require.Contains(t, text, "at line 2")
	require.Contains(t, text, cfgPath)
	require.Contains(t, text, ">>> 'foo bar'")
	require.Contains(t, text, "Bad directive or wrong number of arguments")
}

// TestVersionAndHelp checks --version and --help.
func TestVersionAndHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"--version"}, strings.NewReader(""), &out, &errOut))
	require.Contains(t, out.String(), "v=7.0.15")
	out.Reset()
	require.Equal(t, 0, run([]string{"-h"}, strings.NewReader(""), &out, &errOut))
	require.Contains(t, out.String(), "Usage: quordis-server")
}

// TestNoArgumentsServesPort6379 checks that the bare command serves on
// Redis's default port, like redis-server. test/deps.sh stops the Debian
// redis-server service so the port is free.
func TestNoArgumentsServesPort6379(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:6379")
	require.NoError(t, err, "port 6379 must be free for this test")
	ln.Close()
	bin := buildServer(t)
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir() // where a dump.rdb would go
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	ctx := context.Background()
	require.Eventually(t, func() bool { return rdb.Ping(ctx).Err() == nil }, 10*time.Second, 20*time.Millisecond)
	require.Contains(t, rdb.Info(ctx, "server").Val(), "tcp_port:6379\r\n")
}
