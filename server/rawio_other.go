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
