package replication

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fuzzTimeout bounds the work on one input. A reader that spins or waits
// for bytes that never come must fail the input, not stall the fuzzer.
const fuzzTimeout = time.Second

// maxFuzzInput covers the longest hello and server transcript (310 bytes)
// and a few control frames. Longer inputs add nothing but stall the fuzzer:
// it minimizes every new input, at a cost that grows with the square of its
// length.
const maxFuzzInput = 512

var fuzzSecret = []byte("fuzz secret")

// Fuzz modes, picked by the first byte of an input.
const (
	fuzzServer    = iota // the rest is what a client sends to serverHandshake
	fuzzClient           // the rest is what a server sends to clientHandshake
	fuzzFrames           // the rest is a stream of control frames
	fuzzRoundTrip        // the rest is a secret and a group id for a real exchange
	fuzzModes
)

// FuzzHandshake feeds the bus's readers (hello and handshake on both sides,
// control frames) with arbitrary input, and runs real handshakes over
// headers the input chooses. Each input must finish within fuzzTimeout.
func FuzzHandshake(f *testing.F) {
	var valid bytes.Buffer
	res := pipeHandshake(f, fuzzSecret, fuzzSecret, header{kind: kindRaft, group: "g0"}, routeAll, &valid)
	require.NoError(f, res.client)
	require.NoError(f, res.server)

	frames := binary.BigEndian.AppendUint32(nil, 3)
	frames = append(frames, "abc"...)
	frames = binary.BigEndian.AppendUint32(frames, 0)
	frames = binary.BigEndian.AppendUint32(frames, maxControlFrame+1)

	seeds := [][]byte{
		append([]byte{fuzzServer}, valid.Bytes()...),
		append([]byte{fuzzServer}, "PING\r\n"...),
		append([]byte{fuzzServer}, "QRDS1C\x00"...),
		append([]byte{fuzzServer}, "QRDS1R\xffg0"...),
		append([]byte{fuzzClient}, "QRDS1"+string(make([]byte, nonceSize+macSize))+"\x00"...),
		append([]byte{fuzzClient}, "-ERR unknown command\r\n"...),
		append([]byte{fuzzFrames}, frames...),
		append([]byte{fuzzFrames}, 0, 1, 0, 0, 'x'),
		append([]byte{fuzzRoundTrip, 4}, "abcdg0"...),
		{fuzzRoundTrip, 0},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		mode, in := data[0]%fuzzModes, data[1:]
		if len(in) > maxFuzzInput {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			switch mode {
			case fuzzServer:
				fuzzServerSide(t, in)
			case fuzzClient:
				fuzzClientSide(t, in)
			case fuzzFrames:
				fuzzFrameStream(t, in)
			case fuzzRoundTrip:
				fuzzExchange(t, in)
			}
		}()
		timer := time.NewTimer(fuzzTimeout)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			t.Fatalf("FuzzHandshake: mode %d did not finish within %v on %d bytes %.200q", mode, fuzzTimeout, len(in), in)
		}
	})
}

// fuzzIO reads the input and records what is written.
type fuzzIO struct {
	in  io.Reader
	out bytes.Buffer
}

func (f *fuzzIO) Read(p []byte) (int, error)  { return f.in.Read(p) }
func (f *fuzzIO) Write(p []byte) (int, error) { return f.out.Write(p) }

func fuzzServerSide(t *testing.T, in []byte) {
	rw := &fuzzIO{in: bytes.NewReader(in)}
	h, err := serverHandshake(rw, fuzzSecret, &seqReader{b: 100}, routeAll)
	if err != nil {
		return
	}
	// Only a client that knows the secret gets here (the valid seed).
	require.True(t, h.valid(), "accepted an invalid header %+v", h)
	require.Equal(t, byte(statusOK), rw.out.Bytes()[rw.out.Len()-1])
}

func fuzzClientSide(t *testing.T, in []byte) {
	rw := &fuzzIO{in: bytes.NewReader(in)}
	// No input can prove the secret over the client's fresh nonce.
	require.Error(t, clientHandshake(rw, fuzzSecret, header{kind: kindCtl}, &seqReader{}))
}

func fuzzFrameStream(t *testing.T, in []byte) {
	r := bytes.NewReader(in)
	for {
		body, err := readFrame(r)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(body), maxControlFrame)
	}
}

// fuzzExchange runs a real handshake for a header taken from the input, with
// a shared secret and with a different one.
func fuzzExchange(t *testing.T, in []byte) {
	if len(in) == 0 {
		return
	}
	n := min(int(in[0]), len(in)-1)
	secret, group := in[1:1+n], string(in[1+n:])
	h := header{kind: kindRaft, group: group}
	if group == "" {
		h.kind = kindCtl
	}
	res := pipeHandshake(t, secret, secret, h, routeAll, nil)
	if !h.valid() {
		require.ErrorIs(t, res.client, errBadHeader)
		return
	}
	require.NoError(t, res.client)
	require.NoError(t, res.server)
	require.Equal(t, h, res.got)

	res = pipeHandshake(t, secret, append([]byte{1}, secret...), h, routeAll, nil)
	require.ErrorIs(t, res.client, errAuth)
	require.Error(t, res.server)
}
