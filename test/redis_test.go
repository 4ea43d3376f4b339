package test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// RealRedis is a redis-server 7.0 process started for a test, to compare
// Quordis's replies with the reference implementation's.
type RealRedis struct {
	Addr string
	Port int
}

// StartRealRedis starts redis-server on a free loopback port with no
// persistence and stops it when the test ends. The test command installs
// redis-server; a machine without it fails the test rather than skip it.
func StartRealRedis(t testing.TB, args ...string) *RealRedis {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	require.NoError(t, err, "redis-server is needed; the test command installs it")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	full := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--enable-debug-command", "yes"}, args...)
	cmd := exec.Command(path, full...)
	cmd.Stdout, _ = os.Create(filepath.Join(dir, "redis.log"))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}, 10*time.Second, 20*time.Millisecond, "redis-server did not start")
	return &RealRedis{Addr: addr, Port: port}
}

// Dial opens a raw connection to the real server.
func (r *RealRedis) Dial(t testing.TB) *Conn {
	return (&Server{Addr: r.Addr}).Dial(t)
}
