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

type handshakeResult struct {
	client error
	server error
	got    header
}

// pipeHandshake runs both sides over an in-memory connection. clientOut, when
// set, records what the client sent.
func pipeHandshake(t testing.TB, clientSecret, serverSecret []byte, h header, route func(header) bool, clientOut *bytes.Buffer) handshakeResult {
	t.Helper()
	cc, sc := net.Pipe()
	deadline := time.Now().Add(opWait)
	_ = cc.SetDeadline(deadline)
	_ = sc.SetDeadline(deadline)
	var res handshakeResult
	done := make(chan struct{})
	go func() {
		defer close(done)
		res.got, res.server = serverHandshake(sc, serverSecret, &seqReader{b: 100}, route)
		sc.Close()
	}()
	var rw io.ReadWriter = cc
	if clientOut != nil {
		rw = struct {
			io.Reader
			io.Writer
		}{cc, io.MultiWriter(cc, clientOut)}
	}
	res.client = clientHandshake(rw, clientSecret, h, &seqReader{})
	cc.Close()
	<-done
	return res
}

func routeAll(header) bool { return true }

func TestHandshakeAuthenticatesBothSides(t *testing.T) {
	raftG0 := header{kind: kindRaft, group: "g0"}
	tests := []struct {
		name           string
		client, server []byte
		h              header
		ok             bool
	}{
		{"same secret raft", []byte("s"), []byte("s"), raftG0, true},
		{"same secret control", []byte("s"), []byte("s"), header{kind: kindCtl}, true},
		{"both empty", nil, []byte{}, raftG0, true},
		{"different secrets", []byte("s1"), []byte("s2"), raftG0, false},
		{"client empty", nil, []byte("s"), raftG0, false},
		{"server empty", []byte("s"), nil, raftG0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := pipeHandshake(t, tc.client, tc.server, tc.h, routeAll, nil)
			if tc.ok {
				require.NoError(t, res.client)
				require.NoError(t, res.server)
				require.Equal(t, tc.h, res.got)
				return
			}
			require.ErrorIs(t, res.client, errAuth, "the client checks the server's proof first")
			require.Error(t, res.server)
		})
	}
}

func TestHandshakeRejectsReplayedTranscript(t *testing.T) {
	var sent bytes.Buffer
	res := pipeHandshake(t, testSecret, testSecret, header{kind: kindRaft, group: "g0"}, routeAll, &sent)
	require.NoError(t, res.client)
	require.NoError(t, res.server)

	// Replay everything the client sent to a server that picks another nonce.
	replay := struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(sent.Bytes()), io.Discard}
	_, err := serverHandshake(replay, testSecret, &seqReader{b: 7}, routeAll)
	require.ErrorIs(t, err, errAuth)
}

func TestHandshakeReportsUnknownGroupAfterAuthentication(t *testing.T) {
	res := pipeHandshake(t, testSecret, testSecret, header{kind: kindRaft, group: "nope"},
		func(header) bool { return false }, nil)
	require.ErrorContains(t, res.client, `peer has no group "nope"`)
	require.ErrorContains(t, res.server, `no group "nope"`)
}

func TestReadHelloRefusesOtherProtocolsAtFirstWrongByte(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"redis inline", "PING\r\n", errNotBus},
		{"redis multibulk", "*1\r\n$4\r\nPING\r\n", errNotBus},
		{"http", "GET / HTTP/1.1\r\n", errNotBus},
		{"other version", "QRDS2", errNotBus},
		{"bad kind", "QRDS1X\x02g0", errBadHeader},
		{"raft without group", "QRDS1R\x00" + string(make([]byte, nonceSize)), errBadHeader},
		{"control with group", "QRDS1C\x01x" + string(make([]byte, nonceSize)), errBadHeader},
		{"truncated nonce", "QRDS1R\x02g0abc", io.ErrUnexpectedEOF},
		{"truncated magic", "QRD", io.ErrUnexpectedEOF},
		{"empty", "", io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readHello(&strictReader{t: t, data: []byte(tc.in), wantErr: tc.want})
			require.ErrorIs(t, err, tc.want)
		})
	}
}

// strictReader yields data one byte per Read. For a protocol error it fails
// the test when asked for more than it has: the reader must decide on the
// bytes it got, not wait for more.
type strictReader struct {
	t       *testing.T
	data    []byte
	wantErr error
}

func (r *strictReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		if !errors.Is(r.wantErr, io.ErrUnexpectedEOF) {
			r.t.Errorf("read past the input")
		}
		return 0, io.EOF
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	return 1, nil
}
