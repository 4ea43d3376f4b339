package server

import (
	"bufio"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"quordis/aof"
	"quordis/conf"
)

// serveForTest starts a server with cfg on a loopback port, closed when
// the test ends, and returns it and its address.
func serveForTest(t *testing.T, cfg *conf.Config) (*Server, string) {
	t.Helper()
	s, err := New(cfg, Options{})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return s, ln.Addr().String()
}

// TestConfigSetAppendfsyncReachesTheOpenAOF changes appendfsync with
// CONFIG SET over a connection: the open AOF must take the new policy, as
// Redis applies it to the writes that follow.
func TestConfigSetAppendfsyncReachesTheOpenAOF(t *testing.T) {
	cfg := conf.Default()
	cfg.Dir = t.TempDir()
	cfg.AppendOnly = true
	s, addr := serveForTest(t, cfg)
	policy := func() aof.Policy {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.persist.aof == nil {
			return -1
		}
		return s.persist.aof.Policy()
	}
	require.Eventually(t, func() bool { return policy() == aof.EverySec }, 5*time.Second, time.Millisecond)

	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	r := bufio.NewReader(conn)
	set := func(v string) {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, err := conn.Write([]byte("*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$11\r\nappendfsync\r\n$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n"))
		require.NoError(t, err)
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "+OK\r\n", line)
	}
	set("always")
	require.Equal(t, aof.Always, policy())
	set("no")
	require.Equal(t, aof.No, policy())
	set("everysec")
	require.Equal(t, aof.EverySec, policy())
}
