//go:build linux

package server

import (
	"bufio"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"quordis/conf"
)

// A past read deadline ends serveIn's wait for input; serveIn clears it
// and goes on serving, without spinning on the deadline.
func TestRawIOServeInWakesOnAPastDeadline(t *testing.T) {
	raw, conn, peer := rawPair(t)
	done := make(chan error, 1)
	go func() { done <- raw.serveIn(echoTurn(raw, make([]byte, 64))) }()
	require.Eventually(t, raw.parked.Load, 10*time.Second, time.Millisecond)

	require.NoError(t, conn.SetReadDeadline(pastDeadline))
	require.Eventually(t, func() bool { return raw.wakes.Load() == 1 }, 10*time.Second, time.Millisecond)
	require.Eventually(t, raw.parked.Load, 10*time.Second, time.Millisecond, "waiting again")
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, int64(1), raw.wakes.Load(), "the deadline was cleared")

	_, err := peer.Write([]byte("ping"))
	require.NoError(t, err)
	reply := make([]byte, 4)
	require.NoError(t, peer.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = peer.Read(reply)
	require.NoError(t, err)
	require.Equal(t, "ping", string(reply))
	peer.Close()
	require.NoError(t, <-done)
	// Reads: the first (nothing there), one after the wake-up (nothing),
	// the request, the end of input.
	require.LessOrEqual(t, raw.reads, 5, "no read loop on the deadline")
}

// testConn is a connection to a test server and the server's client for it.
type testConn struct {
	conn net.Conn
	rd   *bufio.Reader
	c    *client
}

// dialForTest connects to s, waits for a PONG (past LOADING), and finds
// the server's client for the connection.
func dialForTest(t *testing.T, s *Server, addr string) *testConn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	tc := &testConn{conn: conn, rd: bufio.NewReader(conn)}
	for deadline := time.Now().Add(10 * time.Second); ; {
		tc.send(t, "PING\r\n")
		if tc.reply(t) == "+PONG\r\n" {
			break
		}
		require.True(t, time.Now().Before(deadline), "still loading")
		time.Sleep(time.Millisecond)
	}
	s.mu.Lock()
	for _, c := range s.clients {
		if c.raddr == conn.LocalAddr().String() {
			tc.c = c
		}
	}
	s.mu.Unlock()
	require.NotNil(t, tc.c)
	require.NotNil(t, tc.c.raw)
	return tc
}

func (tc *testConn) send(t *testing.T, req string) {
	t.Helper()
	_, err := tc.conn.Write([]byte(req))
	require.NoError(t, err)
}

func (tc *testConn) reply(t *testing.T) string {
	t.Helper()
	require.NoError(t, tc.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	line, err := tc.rd.ReadString('\n')
	require.NoError(t, err)
	return line
}

// wakeParked wakes a connection active lately whose input arrived while
// the runtime had other goroutines to run and so did not ask its poller,
// and leaves alone one without input and one idle for long. With one
// processor held by the test, no connection's goroutine can run between
// the writes and wakeParked: the poll must find the active one parked
// with input, and its next wait end on the deadline.
func TestWakeParkedWakesAnActiveConnectionWithInput(t *testing.T) {
	cfg := conf.Default()
	cfg.Dir, cfg.Save = t.TempDir(), nil
	s, addr := serveForTest(t, cfg)
	active, idle := dialForTest(t, s, addr), dialForTest(t, s, addr)
	parked := func() bool { return active.c.raw.parked.Load() && idle.c.raw.parked.Load() }
	poll := func() { // now, rebuilding the list of active connections
		s.mu.Lock()
		active.c.lastActive = s.clock()
		idle.c.lastActive = s.clock().Add(-time.Hour)
		s.mu.Unlock()
		s.parked.last.Store(-int64(time.Hour))
		s.parked.scanned = false
		s.wakeParked()
	}

	// Nothing to wake: parked connections without input are left alone.
	require.Eventually(t, parked, 10*time.Second, time.Millisecond)
	poll()
	time.Sleep(20 * time.Millisecond)
	require.Zero(t, active.c.raw.wakes.Load())

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	require.Eventually(t, parked, 10*time.Second, time.Millisecond)
	active.send(t, "PING\r\n")
	idle.send(t, "PING\r\n")
	poll()
	require.Equal(t, "+PONG\r\n", active.reply(t))
	require.Equal(t, "+PONG\r\n", idle.reply(t), "served by the runtime's poller")
	require.Eventually(t, func() bool { return active.c.raw.wakes.Load() == 1 }, 10*time.Second, time.Millisecond)
	require.Zero(t, idle.c.raw.wakes.Load(), "idle for long: not polled")
}
