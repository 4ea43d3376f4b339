package replication

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func echoHandler(req []byte) ([]byte, error) {
	if string(req) == "fail" {
		return nil, errors.New("cluster: no such node")
	}
	return append([]byte("echo:"), req...), nil
}

func TestCallReturnsResponsesAndRemoteErrors(t *testing.T) {
	a, b := testBus(t, testSecret), testBus(t, testSecret)
	b.HandleControl(echoHandler)
	addr := b.Addr().String()

	big := bytes.Repeat([]byte("x"), 1<<20)
	for _, req := range [][]byte{[]byte("hi"), nil, big} {
		resp, err := a.Call(addr, req, opWait)
		require.NoError(t, err)
		require.Equal(t, append([]byte("echo:"), req...), resp)
	}

	_, err := a.Call(addr, []byte("fail"), opWait)
	var re *RemoteError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "cluster: no such node", re.Msg)

	// The calls above, errors included, reused one pooled connection.
	require.Equal(t, 1, b.accepted.len())

	_, err = b.Call(a.Addr().String(), []byte("hi"), opWait)
	require.ErrorAs(t, err, &re, "a bus without a handler answers with an error")
	require.Contains(t, re.Msg, "no control handler")
}

func TestCallRetriesWhenThePooledConnectionIsStale(t *testing.T) {
	a, b := testBus(t, testSecret), testBus(t, testSecret)
	b.HandleControl(echoHandler)
	addr := b.Addr().String()
	_, err := a.Call(addr, []byte("1"), opWait)
	require.NoError(t, err)

	// The peer restarts on the same address; the pooled connection is dead.
	require.NoError(t, b.Close())
	b2, err := Listen(addr, testSecret, testLogger())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b2.Close()) })
	b2.HandleControl(func(req []byte) ([]byte, error) { return []byte("b2"), nil })

	resp, err := a.Call(addr, []byte("2"), opWait)
	require.NoError(t, err)
	require.Equal(t, "b2", string(resp))
}

func TestCallFailsBetweenBusesWithDifferentSecrets(t *testing.T) {
	good, bad := testBus(t, testSecret), testBus(t, []byte("another secret"))
	good.HandleControl(echoHandler)
	bad.HandleControl(echoHandler)

	_, err := bad.Call(good.Addr().String(), []byte("hi"), opWait)
	require.ErrorIs(t, err, errAuth)
	require.NotErrorAs(t, err, new(*RemoteError))
	_, err = good.Call(bad.Addr().String(), []byte("hi"), opWait)
	require.ErrorIs(t, err, errAuth)

	_, err = bad.dial(good.Addr().String(), header{kind: kindRaft, group: "g0"}, time.Time{})
	require.ErrorIs(t, err, errAuth)

	// Neither side keeps the refused connections.
	require.Eventually(t, func() bool { return good.accepted.len() == 0 && bad.accepted.len() == 0 }, waitFor, tick)
}

// readUntilClosed reads c until the bus closes it and fails the test if that
// takes longer than waitFor.
func readUntilClosed(t *testing.T, c net.Conn) []byte {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(waitFor)))
	got, err := io.ReadAll(c)
	require.NoError(t, err, "the bus did not close the connection")
	return got
}

func TestBusDisconnectsAClientSpeakingAnotherProtocol(t *testing.T) {
	b := testBus(t, testSecret)
	for _, in := range []string{"PING\r\n", "*1\r\n$4\r\nPING\r\n", "GET / HTTP/1.1\r\n\r\n", "QRX"} {
		c, err := net.Dial("tcp", b.Addr().String())
		require.NoError(t, err)
		_, err = c.Write([]byte(in))
		require.NoError(t, err)
		got := readUntilClosed(t, c)
		c.Close()
		require.Equal(t, notBusReply, string(got))
	}
	require.Eventually(t, func() bool { return b.accepted.len() == 0 }, waitFor, tick)
}

func TestBusClosesASilentPeerAtTheHandshakeTimeout(t *testing.T) {
	b, err := listen("127.0.0.1:0", testSecret, testLogger(), 200*time.Millisecond)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	for _, in := range []string{"", "QRDS1", "QRDS1R\x02g0"} {
		c, err := net.Dial("tcp", b.Addr().String())
		require.NoError(t, err)
		_, err = c.Write([]byte(in))
		require.NoError(t, err)
		require.Empty(t, readUntilClosed(t, c))
		c.Close()
	}
}

func TestBusRefusesAGroupItDoesNotCarry(t *testing.T) {
	a, b := testBus(t, testSecret), testBus(t, testSecret)
	_, err := a.dial(b.Addr().String(), header{kind: kindRaft, group: "nope"}, time.Time{})
	require.ErrorContains(t, err, `peer has no group "nope"`)
	require.Eventually(t, func() bool { return b.accepted.len() == 0 }, waitFor, tick)
}

func TestBusCloseEndsItsConnectionsAndCalls(t *testing.T) {
	a, b := testBus(t, testSecret), testBus(t, testSecret)
	b.HandleControl(echoHandler)
	_, err := a.Call(b.Addr().String(), []byte("hi"), opWait)
	require.NoError(t, err)
	require.Equal(t, 1, b.accepted.len())

	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close is idempotent")
	require.Zero(t, b.accepted.len())
	_, err = b.Call(a.Addr().String(), nil, opWait)
	require.ErrorIs(t, err, ErrBusClosed)
	_, err = a.Call(b.Addr().String(), nil, opWait)
	require.Error(t, err)
}
