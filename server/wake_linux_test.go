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

// wakeParked wakes a connection whose input arrived while the runtime had
// other goroutines to run and so did not ask its poller. With one
// processor held by the test, the connection's goroutine cannot run
// between the write and wakeParked: the poll must find it parked with
// input, and its next wait end on the deadline.
func TestWakeParkedWakesAWaitingConnectionWithInput(t *testing.T) {
	cfg := conf.Default()
	cfg.Dir, cfg.Save = t.TempDir(), nil
	s, addr := serveForTest(t, cfg)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	rd := bufio.NewReader(conn)
	reply := func() string {
		t.Helper()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		line, err := rd.ReadString('\n')
		require.NoError(t, err)
		return line
	}
	for deadline := time.Now().Add(10 * time.Second); ; { // past LOADING
		_, err := conn.Write([]byte("PING\r\n"))
		require.NoError(t, err)
		if reply() == "+PONG\r\n" {
			break
		}
		require.True(t, time.Now().Before(deadline), "still loading")
		time.Sleep(time.Millisecond)
	}
	var c *client
	s.mu.Lock()
	n := len(s.clients)
	for _, c = range s.clients {
	}
	s.mu.Unlock()
	require.NotNil(t, c, "%d clients", n)
	require.NotNil(t, c.raw)

	// Nothing to wake: a parked connection without input is left alone.
	require.Eventually(t, c.raw.parked.Load, 10*time.Second, time.Millisecond)
	s.parked.last.Store(-int64(time.Hour))
	s.wakeParked()
	time.Sleep(20 * time.Millisecond)
	require.Zero(t, c.raw.wakes.Load())

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	require.Eventually(t, c.raw.parked.Load, 10*time.Second, time.Millisecond)
	s.parked.last.Store(-int64(time.Hour))
	_, err = conn.Write([]byte("PING\r\n"))
	require.NoError(t, err)
	s.wakeParked()
	require.Equal(t, "+PONG\r\n", reply())
	require.Eventually(t, func() bool { return c.raw.wakes.Load() == 1 }, 10*time.Second, time.Millisecond)
}
