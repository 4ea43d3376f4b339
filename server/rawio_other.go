//go:build !linux

package server

import (
	"io"
	"net"
)

// rawIO is not used outside Linux, where the connection's own Read and
// Write serve.
type rawIO struct {
	io.Reader
	io.Writer
}

func newRawIO(net.Conn) *rawIO { return nil }

// TryWrite is never called: no connection has raw I/O here.
func (r *rawIO) TryWrite(p []byte) (int, error) { return r.Write(p) }

// TryRead is never called: no connection has raw I/O here.
func (r *rawIO) TryRead(p []byte) (int, error) { return 0, nil }

// ReadLending is never called: no connection has raw I/O here.
func (r *rawIO) ReadLending(p []byte, _ bufferLender) (int, error) { return r.Read(p) }

// serveIn is never called: no connection has raw I/O here.
func (r *rawIO) serveIn(turn func() turnResult) error {
	for turn() == turnNext {
	}
	return nil
}

// parkedPoll is empty: no connection has raw I/O here.
type parkedPoll struct{}

// wakeParked does nothing: connections wait in Read, not in serveIn.
func (s *Server) wakeParked() {}
