package test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/conf"
	"quordis/server"
)

// Server is a Quordis server running inside the test process.
type Server struct {
	*server.Server
	Addr   string // host:port
	Port   int
	Config *conf.Config
}

// StartServer starts a server on a free loopback port, configured by
// redis.conf lines (e.g. "requirepass secret"), and stops it when the test
// ends.
func StartServer(t testing.TB, lines ...string) *Server {
	t.Helper()
	return StartServerWith(t, server.Options{}, lines...)
}

// StartServerWith is StartServer with server options (a propagator, a
// clock).
func StartServerWith(t testing.TB, opts server.Options, lines ...string) *Server {
	t.Helper()
	// Each server works in its own directory, so that dump.rdb and the AOF
	// of one test never meet another's (lines may still set dir).
	dir := t.TempDir()
	// No save points unless a test sets them: a server saving dump.rdb
	// at every close would slow the suite down for nothing.
	cfg, err := conf.Parse("dir "+dir+"\nsave \"\"\n"+strings.Join(lines, "\n"), "")
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	cfg.Port = port
	srv, err := server.New(cfg, opts)
	require.NoError(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &Server{Server: srv, Addr: ln.Addr().String(), Port: port, Config: cfg}
}

// Client returns a go-redis client for the server (RESP3, as go-redis
// negotiates by default), closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	return s.ClientWith(t, &redis.Options{})
}

// ClientWith returns a go-redis client with the given options, its address
// set to the server's.
func (s *Server) ClientWith(t testing.TB, opts *redis.Options) *redis.Client {
	t.Helper()
	opts.Addr = s.Addr
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 5 * time.Second
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// EachProtocol runs fn as a subtest for RESP2 and for RESP3, each with a
// go-redis client speaking that version to the emptied server.
func (s *Server) EachProtocol(t *testing.T, fn func(t *testing.T, ctx context.Context, rdb *redis.Client)) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			ctx := context.Background()
			rdb := s.ClientWith(t, &redis.Options{Protocol: proto})
			require.NoError(t, rdb.FlushAll(ctx).Err())
			fn(t, ctx, rdb)
		})
	}
}

// Conn is a raw connection for tests of the wire format.
type Conn struct {
	t testing.TB
	net.Conn
	r *bufio.Reader
}

// Dial opens a raw connection to the server.
func (s *Server) Dial(t testing.TB) *Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &Conn{t: t, Conn: c, r: bufio.NewReader(c)}
}

// Send writes raw bytes.
func (c *Conn) Send(s string) {
	c.t.Helper()
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Write([]byte(s))
	require.NoError(c.t, err)
}

// Do sends a command in RESP and returns the whole reply as raw RESP text.
func (c *Conn) Do(args ...string) string {
	c.t.Helper()
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	c.Send(b.String())
	return c.ReadReply()
}

// ReadReply reads one complete RESP2 or RESP3 reply and returns its raw
// text.
func (c *Conn) ReadReply() string {
	c.t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	require.NoError(c.t, c.readValue(&b))
	return b.String()
}

// ReadClosed reads until the server closes the connection and returns what
// it sent before closing.
func (c *Conn) ReadClosed() string {
	c.t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := c.r.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			var ne net.Error
			require.False(c.t, errors.As(err, &ne) && ne.Timeout(), "server did not close the connection; got %q", b.String())
			return b.String()
		}
	}
}

func (c *Conn) readValue(b *strings.Builder) error {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return err
	}
	b.WriteString(line)
	body := strings.TrimRight(line[1:], "\r\n")
	switch line[0] {
	case '$', '=', '!':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return err
		}
		b.Write(buf)
	case '*', '~', '>', '%', '|':
		n, _ := strconv.Atoi(body)
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := c.readValue(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// RedisCLI runs redis-cli against the server with args and returns its
// standard output.
func (s *Server) RedisCLI(t testing.TB, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("redis-cli")
	require.NoError(t, err, "redis-cli is needed; the test command installs redis-tools")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	full := append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.Port)}, args...)
	out, err := exec.CommandContext(ctx, path, full...).CombinedOutput()
	require.NoError(t, err, "redis-cli %v: %s", args, out)
	return string(out)
}
