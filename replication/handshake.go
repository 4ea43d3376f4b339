package replication

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// Every bus connection opens with this exchange. The dialer is the client,
// the acceptor the server:
//
//	client → server  "QRDS1" kind(1) len(1) group(len) nonceC(16)   (the hello)
//	server → client  "QRDS1" nonceS(16) macS(32)
//	client → server  macC(32)
//	server → client  status(1)
//
//	header = kind len group
//	macS   = HMAC-SHA256(secret, "quordis-bus server" | nonceC | nonceS | header)
//	macC   = HMAC-SHA256(secret, "quordis-bus client" | nonceS | nonceC | header)
//
// Each side proves it holds the secret over a nonce the other side just chose,
// so the secret never crosses the wire and a recorded transcript is useless
// later. The role labels keep one side's proof from being reflected back as
// the other's. The header is inside both MACs, so a man in the middle cannot
// redirect an authenticated connection to another group. The status is sent
// only after the client has proved itself, so an unauthenticated peer learns
// nothing about which groups exist.

const (
	magic      = "QRDS1"
	nonceSize  = 16
	macSize    = sha256.Size
	kindRaft   = 'R'
	kindCtl    = 'C'
	statusOK   = 0
	statusNoGr = 1
)

var (
	labelServer = []byte("quordis-bus server")
	labelClient = []byte("quordis-bus client")
)

// notBusReply is what a peer that does not open with the magic gets before
// the connection is closed; a redis-cli pointed at the bus port prints it.
const notBusReply = "-ERR this is the Quordis cluster bus port, not a client port\r\n"

var (
	errNotBus    = errors.New("replication: peer does not speak the cluster bus protocol")
	errAuth      = errors.New("replication: cluster bus authentication failed (different secrets?)")
	errBadHeader = errors.New("replication: malformed cluster bus header")
)

// header says what a connection carries: Raft traffic of one group, or
// control RPCs (group empty).
type header struct {
	kind  byte
	group string
}

func (h header) bytes() []byte {
	b := make([]byte, 0, 2+len(h.group))
	b = append(b, h.kind, byte(len(h.group)))
	return append(b, h.group...)
}

func (h header) valid() bool {
	switch h.kind {
	case kindRaft:
		return len(h.group) > 0 && len(h.group) <= 255
	case kindCtl:
		return h.group == ""
	}
	return false
}

func mac(secret, label, first, second, hdr []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(label)
	m.Write(first)
	m.Write(second)
	m.Write(hdr)
	return m.Sum(nil)
}

// readMagic reads the magic and fails on the first byte that differs, so a
// peer speaking another protocol (a Redis client sending "PING\r\n") is
// refused as soon as its first byte arrives instead of when a deadline hits.
func readMagic(r io.Reader) error {
	var buf [len(magic)]byte
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if string(buf[:n]) != magic[:n] {
			return errNotBus
		}
		if n == len(buf) {
			return nil
		}
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readHello reads a client's first message: the magic, the header and the
// client's nonce. It reads no byte past the hello.
func readHello(r io.Reader) (header, []byte, error) {
	if err := readMagic(r); err != nil {
		return header{}, nil, err
	}
	var kl [2]byte
	if _, err := io.ReadFull(r, kl[:]); err != nil {
		return header{}, nil, err
	}
	kind, n := kl[0], int(kl[1])
	if (kind != kindRaft || n == 0) && (kind != kindCtl || n != 0) {
		return header{}, nil, errBadHeader
	}
	rest := make([]byte, n+nonceSize)
	if _, err := io.ReadFull(r, rest); err != nil {
		return header{}, nil, err
	}
	return header{kind: kind, group: string(rest[:n])}, rest[n:], nil
}

// serverHandshake runs the acceptor's side on rw. rnd supplies the nonce.
// route reports whether the header names something this bus serves. A peer
// that does not send the magic gets notBusReply. The caller bounds the whole
// exchange with a deadline.
func serverHandshake(rw io.ReadWriter, secret []byte, rnd io.Reader, route func(header) bool) (header, error) {
	h, nonceC, err := readHello(rw)
	if errors.Is(err, errNotBus) {
		_, _ = io.WriteString(rw, notBusReply)
	}
	if err != nil {
		return header{}, err
	}
	nonceS := make([]byte, nonceSize)
	if _, err := io.ReadFull(rnd, nonceS); err != nil {
		return header{}, fmt.Errorf("replication: nonce: %w", err)
	}
	hdr := h.bytes()
	out := make([]byte, 0, len(magic)+nonceSize+macSize)
	out = append(out, magic...)
	out = append(out, nonceS...)
	out = append(out, mac(secret, labelServer, nonceC, nonceS, hdr)...)
	if _, err := rw.Write(out); err != nil {
		return header{}, err
	}
	got := make([]byte, macSize)
	if _, err := io.ReadFull(rw, got); err != nil {
		return header{}, err
	}
	if !hmac.Equal(got, mac(secret, labelClient, nonceS, nonceC, hdr)) {
		return header{}, errAuth
	}
	if !route(h) {
		_, _ = rw.Write([]byte{statusNoGr})
		return header{}, fmt.Errorf("replication: no group %q on this bus", h.group)
	}
	if _, err := rw.Write([]byte{statusOK}); err != nil {
		return header{}, err
	}
	return h, nil
}

// clientHandshake runs the dialer's side on rw for header h. rnd supplies
// the nonce. The caller bounds the whole exchange with a deadline.
func clientHandshake(rw io.ReadWriter, secret []byte, h header, rnd io.Reader) error {
	if !h.valid() {
		return errBadHeader
	}
	nonceC := make([]byte, nonceSize)
	if _, err := io.ReadFull(rnd, nonceC); err != nil {
		return fmt.Errorf("replication: nonce: %w", err)
	}
	hdr := h.bytes()
	hello := make([]byte, 0, len(magic)+len(hdr)+nonceSize)
	hello = append(hello, magic...)
	hello = append(hello, hdr...)
	hello = append(hello, nonceC...)
	if _, err := rw.Write(hello); err != nil {
		return err
	}
	if err := readMagic(rw); err != nil {
		return err
	}
	in := make([]byte, nonceSize+macSize)
	if _, err := io.ReadFull(rw, in); err != nil {
		return err
	}
	nonceS, macS := in[:nonceSize], in[nonceSize:]
	if !hmac.Equal(macS, mac(secret, labelServer, nonceC, nonceS, hdr)) {
		return errAuth
	}
	if _, err := rw.Write(mac(secret, labelClient, nonceS, nonceC, hdr)); err != nil {
		return err
	}
	var status [1]byte
	if _, err := io.ReadFull(rw, status[:]); err != nil {
		return err
	}
	switch status[0] {
	case statusOK:
		return nil
	case statusNoGr:
		return fmt.Errorf("replication: peer has no group %q", h.group)
	}
	return fmt.Errorf("replication: unknown cluster bus status %d", status[0])
}
