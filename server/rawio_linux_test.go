//go:build linux

package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rawPair returns a rawIO over one end of a loopback TCP connection and
// the other end.
func rawPair(t *testing.T) (*rawIO, net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	conn, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(); peer.Close() })
	raw := newRawIO(conn)
	require.NotNil(t, raw)
	return raw, conn, peer
}

func TestRawIOReadsAndWritesLikeTheConn(t *testing.T) {
	raw, conn, peer := rawPair(t)

	// A read waits for data, and returns what has arrived.
	go func() {
		time.Sleep(20 * time.Millisecond)
		peer.Write([]byte("hello"))
	}()
	buf := make([]byte, 64)
	n, err := raw.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "hello", string(buf[:n]))

	// A write far larger than the socket buffers completes while the peer
	// reads slowly, and reading goes on at the same time.
	big := bytes.Repeat([]byte("0123456789abcdef"), 4<<20) // 64 MiB
	got := make(chan []byte)
	go func() {
		var b bytes.Buffer
		chunk := make([]byte, 1<<20)
		for b.Len() < len(big) {
			n, err := peer.Read(chunk)
			if err != nil {
				break
			}
			b.Write(chunk[:n])
			if b.Len() < 1<<20 {
				time.Sleep(time.Millisecond)
			}
		}
		got <- b.Bytes()
	}()
	readDone := make(chan string)
	go func() {
		b := make([]byte, 16)
		n, _ := raw.Read(b)
		readDone <- string(b[:n])
	}()
	n, err = raw.Write(big)
	require.NoError(t, err)
	require.Equal(t, len(big), n)
	require.True(t, bytes.Equal(big, <-got))
	peer.Write([]byte("again"))
	require.Equal(t, "again", <-readDone)

	// The peer's close is io.EOF.
	peer.Close()
	_, err = raw.Read(buf)
	require.ErrorIs(t, err, io.EOF)
	conn.Close()
}

func TestRawIOHonoursDeadlinesAndClose(t *testing.T) {
	raw, conn, _ := rawPair(t)

	// A write to a peer that never reads stops at the write deadline,
	// having written what the socket buffers took. (The buffer is made
	// first: allocating 256 MB under the race detector on a busy machine can
	// take longer than the deadline, and a write that starts after its
	// deadline writes nothing.)
	big := make([]byte, 256<<20)
	require.NoError(t, conn.SetWriteDeadline(time.Now().Add(100*time.Millisecond)))
	n, err := raw.Write(big)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.Greater(t, n, 0)
	require.Less(t, n, 256<<20)

	// Closing the connection ends a read waiting for data.
	errc := make(chan error)
	go func() {
		_, err := raw.Read(make([]byte, 16))
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	conn.Close()
	select {
	case err := <-errc:
		require.True(t, errors.Is(err, net.ErrClosed), "got %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("a read went on after Close")
	}
	_, err = raw.Write([]byte("x"))
	require.ErrorIs(t, err, net.ErrClosed)
}

func TestRawIOTryWriteTakesWhatTheSocketTakes(t *testing.T) {
	raw, conn, peer := rawPair(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 4<<20) // 64 MiB, more than the buffers hold
	start := time.Now()
	n, err := raw.TryWrite(big)
	require.NoError(t, err)
	require.Positive(t, n)
	require.Less(t, n, len(big), "the peer reads nothing: the rest must be left")
	require.Less(t, time.Since(start), 5*time.Second, "TryWrite must not wait for the peer")

	// The rest goes out with Write while the peer reads, in order.
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(peer, int64(len(big))))
		got <- b
	}()
	m, err := raw.Write(big[n:])
	require.NoError(t, err)
	require.Equal(t, len(big)-n, m)
	require.True(t, bytes.Equal(big, <-got))

	conn.Close()
	_, err = raw.TryWrite([]byte("x"))
	require.Error(t, err, "a closed connection")
}

func TestRawIOTryReadDoesNotWait(t *testing.T) {
	raw, _, peer := rawPair(t)
	buf := make([]byte, 64)

	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := raw.TryRead(buf)
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		require.NoError(t, r.err)
		require.Zero(t, r.n, "nothing has arrived")
	case <-time.After(5 * time.Second):
		t.Fatal("TryRead waited for data")
	}

	_, err := peer.Write([]byte("ping"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		n, err := raw.TryRead(buf)
		require.NoError(t, err)
		return n > 0 && string(buf[:n]) == "ping"
	}, 5*time.Second, time.Millisecond)

	// After a TryRead that found nothing, a Read still waits for and gets
	// what arrives next (the poller was not left expecting nothing).
	n, err := raw.TryRead(buf)
	require.NoError(t, err)
	require.Zero(t, n)
	go func() {
		time.Sleep(20 * time.Millisecond)
		peer.Write([]byte("pong"))
	}()
	n, err = raw.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "pong", string(buf[:n]))

	require.NoError(t, peer.Close())
	require.Eventually(t, func() bool {
		_, err := raw.TryRead(buf)
		return errors.Is(err, io.EOF)
	}, 5*time.Second, time.Millisecond, "a closed peer is io.EOF, as for Read")
}

// testLender records the calls ReadLending makes and lends p2 on unpark.
type testLender struct {
	parks, unparks int
	p2             []byte
	parked         chan struct{} // closed at the first park
}

func (l *testLender) park() {
	if l.parks++; l.parks == 1 {
		close(l.parked)
	}
}

func (l *testLender) unpark() []byte {
	l.unparks++
	return l.p2
}

func TestRawIOReadLendingParksOnlyToWait(t *testing.T) {
	raw, conn, peer := rawPair(t)
	p := make([]byte, 64)

	// Input already there is read into p, without parking.
	_, err := peer.Write([]byte("ready"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		n, err := raw.TryRead(p[:1]) // once "r" is there, so is the rest
		require.NoError(t, err)
		return n == 1
	}, 5*time.Second, time.Millisecond)
	l := &testLender{parked: make(chan struct{}), p2: make([]byte, 64)}
	n, err := raw.ReadLending(p, l)
	require.NoError(t, err)
	require.Equal(t, "eady", string(p[:n]))
	require.Zero(t, l.parks+l.unparks)

	// With nothing there it parks before waiting, then reads into the
	// buffer unpark gives.
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := raw.ReadLending(p, l)
		done <- result{n, err}
	}()
	select {
	case <-l.parked:
	case <-time.After(5 * time.Second):
		t.Fatal("ReadLending did not park with nothing to read")
	}
	_, err = peer.Write([]byte("later"))
	require.NoError(t, err)
	res := <-done
	require.NoError(t, res.err)
	require.Equal(t, "later", string(l.p2[:res.n]))
	require.Equal(t, 1, l.unparks)

	// A wait that fails (the connection closes) returns the error without
	// unparking.
	l = &testLender{parked: make(chan struct{}), p2: make([]byte, 64)}
	go func() {
		<-l.parked
		conn.Close()
	}()
	_, err = raw.ReadLending(p, l)
	require.Error(t, err)
	require.Zero(t, l.unparks)
}

// echoTurn is a turn for serveIn that reads what has arrived and writes
// it back.
func echoTurn(raw *rawIO, buf []byte) func() turnResult {
	return func() turnResult {
		n, err := raw.Read(buf)
		switch {
		case err == errWaitReadable:
			return turnWait
		case err != nil:
			return turnEnd
		}
		if _, err := raw.Write(buf[:n]); err != nil {
			return turnEnd
		}
		return turnNext
	}
}

func TestRawIOServeInReadsOncePerRequest(t *testing.T) {
	raw, _, peer := rawPair(t)
	const rounds, readLen = 2000, 4096
	done := make(chan error, 1)
	go func() { done <- raw.serveIn(echoTurn(raw, make([]byte, readLen))) }()

	// Request and reply: a read that drains the socket is followed by a
	// wait, not by a read that finds nothing.
	reply := make([]byte, 4)
	for i := range rounds {
		_, err := peer.Write([]byte("ping"))
		require.NoError(t, err)
		require.NoError(t, peer.SetReadDeadline(time.Now().Add(10*time.Second)))
		_, err = io.ReadFull(peer, reply)
		require.NoError(t, err, "round %d", i)
	}
	// Input longer than a read is read on at once, and none is lost.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	go peer.Write(big)
	got := make([]byte, len(big))
	_, err := io.ReadFull(peer, got)
	require.NoError(t, err)
	require.Equal(t, big, got)
	peer.Close()
	select {
	case err := <-done:
		require.NoError(t, err, "the peer's close ends the turns")
	case <-time.After(10 * time.Second):
		t.Fatal("serveIn did not return")
	}
	// About one read per request, where a read after each reply would
	// make two; and at most two per read's worth of the big input.
	require.Less(t, raw.reads, rounds*5/4+2*len(big)/readLen+10)
}

func TestRawIOServeInEndsWhenClosedMeanwhile(t *testing.T) {
	raw, conn, peer := rawPair(t)
	read := 0
	done := make(chan error, 1)
	go func() {
		done <- raw.serveIn(func() turnResult {
			buf := make([]byte, 16)
			n, err := raw.Read(buf)
			switch {
			case err == nil:
				read += n
				return turnNext
			case err != errWaitReadable:
				return turnEnd
			}
			if read > 0 {
				// Close waits for the poller's read call to return, so
				// from inside it the close runs on its own goroutine, as
				// client.disconnect does.
				go conn.Close()
			}
			return turnWait
		})
	}()
	_, err := peer.Write([]byte("x"))
	require.NoError(t, err)
	select {
	case err := <-done:
		require.Error(t, err, "the wait after the close fails")
	case <-time.After(10 * time.Second):
		t.Fatal("serveIn did not return after the close")
	}
	require.Equal(t, 1, read)
}
