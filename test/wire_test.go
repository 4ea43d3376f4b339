package test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestBadInputGetsRedisErrorsAndServerLives sends each malformed request
// of wire.md on its own connection: the reply must be Redis's exact error
// (or a silent close), the connection must close, and the server must
// still answer afterwards.
func TestBadInputGetsRedisErrorsAndServerLives(t *testing.T) {
	srv := StartServer(t)
	cases := []struct {
		name, input, want string
	}{
		{"multibulk count not a number", "*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"multibulk count above INT_MAX", "*9000000000000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"bulk length not a number", "*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"negative bulk length", "*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"bulk above proto-max-bulk-len", "*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"expected dollar", "*1\r\n:5\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"},
		{"unbalanced quotes", "SET \"a b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"too big inline", strings.Repeat("a", 70000), "-ERR Protocol error: too big inline request\r\n"},
		{"too big mbulk count", "*" + strings.Repeat("1", 70000), "-ERR Protocol error: too big mbulk count string\r\n"},
		{"too big bulk count", "*1\r\n$" + strings.Repeat("1", 70000), "-ERR Protocol error: too big bulk count string\r\n"},
		{"POST is a cross-protocol attack", "POST / HTTP/1.1\r\n", ""},
		{"Host: is a cross-protocol attack", "Host: example.com\r\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := srv.Dial(t)
			c.Send(tc.input)
			require.Equal(t, tc.want, c.ReadClosed())
			require.Equal(t, "+PONG\r\n", srv.Dial(t).Do("PING"))
		})
	}
}

// TestEmptyCommandsAreIgnored checks that *0, *-1 and blank inline lines
// are skipped, and that the bytes after a bulk are not checked for CRLF.
func TestEmptyCommandsAreIgnored(t *testing.T) {
	srv := StartServer(t)
	c := srv.Dial(t)
	c.Send("*0\r\n*-1\r\n\r\n   \r\n*1\r\n$4\r\nPINGxx")
	require.Equal(t, "+PONG\r\n", c.ReadReply())
}

// TestInlineCommandsAndPipelines checks inline syntax with quotes and a
// pipeline whose replies arrive in order.
func TestInlineCommandsAndPipelines(t *testing.T) {
	srv := StartServer(t)
	c := srv.Dial(t)
	c.Send("SET k \"a b\\x41\"\r\nGET k\r\nSET n 'it''s'\r\n")
	require.Equal(t, "+OK\r\n", c.ReadReply())
	require.Equal(t, "$4\r\na bA\r\n", c.ReadReply())
	require.Equal(t, "-ERR Protocol error: unbalanced quotes in request\r\n", c.ReadClosed())

	c = srv.Dial(t)
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		b.WriteString("*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
	}
	c.Send(b.String())
	for i := 1; i <= 1000; i++ {
		require.Equal(t, ":"+strconv.Itoa(i)+"\r\n", c.ReadReply())
	}
}

// TestUnauthenticatedLimits checks requirepass: NOAUTH before AUTH, and
// the 10-argument and 16 KB bulk limits that close an unauthenticated
// connection.
func TestUnauthenticatedLimits(t *testing.T) {
	srv := StartServer(t, "requirepass secret")
	c := srv.Dial(t)
	require.Equal(t, "-NOAUTH Authentication required.\r\n", c.Do("GET", "k"))
	require.Equal(t, "-WRONGPASS invalid username-password pair or user is disabled.\r\n", c.Do("AUTH", "nope"))
	require.Equal(t, "+OK\r\n", c.Do("AUTH", "secret"))
	require.Equal(t, "$-1\r\n", c.Do("GET", "k"))
	require.Equal(t, "+OK\r\n", c.Do("SET", "k", strings.Repeat("v", 20000)))

	c = srv.Dial(t)
	c.Send("*11\r\n")
	require.Equal(t, "-ERR Protocol error: unauthenticated multibulk length\r\n", c.ReadClosed())
	c = srv.Dial(t)
	c.Send("*2\r\n$3\r\nGET\r\n$16385\r\n")
	require.Equal(t, "-ERR Protocol error: unauthenticated bulk length\r\n", c.ReadClosed())

	c = srv.Dial(t)
	require.Equal(t, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n", c.Do("HELLO", "3"))
	require.Contains(t, c.Do("HELLO", "3", "AUTH", "default", "secret"), "proto")
	require.Equal(t, "+PONG\r\n", c.Do("PING"))
}

// TestPipelineInOneWrite sends each pipeline in one write, so the server
// finds every command already buffered and runs them in one go: what one
// command changes about how the next is read (AUTH lifts the
// unauthenticated limits, a failed AUTH keeps them), QUIT, and a protocol
// error after good commands must still take effect at their place in the
// pipeline.
func TestPipelineInOneWrite(t *testing.T) {
	srv := StartServer(t, "requirepass secret")
	elevenKeys := "*12\r\n$3\r\nDEL\r\n" + strings.Repeat("$1\r\nk\r\n", 11)

	c := srv.Dial(t)
	c.Send("*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n" + elevenKeys + "*1\r\n$4\r\nPING\r\n")
	require.Equal(t, "+OK\r\n", c.ReadReply())
	require.Equal(t, ":0\r\n", c.ReadReply())
	require.Equal(t, "+PONG\r\n", c.ReadReply())

	c = srv.Dial(t)
	c.Send("*2\r\n$4\r\nAUTH\r\n$4\r\nnope\r\n" + elevenKeys)
	require.Equal(t, "-WRONGPASS invalid username-password pair or user is disabled.\r\n-ERR Protocol error: unauthenticated multibulk length\r\n", c.ReadClosed())

	c = srv.Dial(t)
	c.Send("*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n")
	require.Equal(t, "+OK\r\n+PONG\r\n+OK\r\n", c.ReadClosed())

	c = srv.Dial(t)
	c.Send("*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$x\r\n*1\r\n$4\r\nPING\r\n")
	require.Equal(t, "+OK\r\n+OK\r\n-ERR Protocol error: invalid bulk length\r\n", c.ReadClosed())
	c = srv.Dial(t)
	require.Equal(t, "+OK\r\n", c.Do("AUTH", "secret"))
	require.Equal(t, "$1\r\nv\r\n", c.Do("GET", "k"), "the command before the bad one ran")
}

// TestQueryBufferLimitClosesClient checks client-query-buffer-limit: a
// request larger than the limit closes the connection without a reply.
func TestQueryBufferLimitClosesClient(t *testing.T) {
	srv := StartServer(t, "client-query-buffer-limit 1mb")
	c := srv.Dial(t)
	c.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n")
	go c.Write([]byte(strings.Repeat("x", 3000000)))
	require.Equal(t, "", c.ReadClosed())
	require.Equal(t, "+PONG\r\n", srv.Dial(t).Do("PING"))
}

// TestMaxClientsRefusesExtraConnections checks maxclients.
func TestMaxClientsRefusesExtraConnections(t *testing.T) {
	srv := StartServer(t, "maxclients 2")
	a, b := srv.Dial(t), srv.Dial(t)
	require.Equal(t, "+PONG\r\n", a.Do("PING"))
	require.Equal(t, "+PONG\r\n", b.Do("PING"))
	c := srv.Dial(t)
	require.Equal(t, "-ERR max number of clients reached\r\n", c.ReadClosed())
}

// TestIdleTimeoutClosesClient checks the timeout directive.
func TestIdleTimeoutClosesClient(t *testing.T) {
	srv := StartServer(t, "timeout 1")
	c := srv.Dial(t)
	require.Equal(t, "+PONG\r\n", c.Do("PING"))
	require.Equal(t, "", c.ReadClosed())
}

// TestOutputBufferLimitClosesClient checks the hard limit of
// client-output-buffer-limit normal.
func TestOutputBufferLimitClosesClient(t *testing.T) {
	srv := StartServer(t, "client-output-buffer-limit normal 100kb 0 0")
	c := srv.Dial(t)
	require.Equal(t, "+OK\r\n", c.Do("SET", "big", strings.Repeat("x", 200000)))
	c.Send("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
	require.Equal(t, "", c.ReadClosed())
	require.Equal(t, "+PONG\r\n", srv.Dial(t).Do("PING"))
}

// TestDebugNeedsEnableDebugCommand checks that DEBUG is refused unless
// enable-debug-command allows it, with Redis's text.
func TestDebugNeedsEnableDebugCommand(t *testing.T) {
	c := StartServer(t).Dial(t)
	require.Equal(t, "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n",
		c.Do("DEBUG", "SLEEP", "0"))
	require.Equal(t, "+OK\r\n", StartServer(t, "enable-debug-command local").Dial(t).Do("DEBUG", "SLEEP", "0"))
}

// TestLongPipelineRepliesBeforeItsEnd sends, in one write, a pipeline four
// times the server's largest input buffer, ending with DEBUG SLEEP 2: the
// replies to its first commands must arrive while the sleep still runs,
// not all at once after it, as Redis writes a client's replies after each
// read of its event loop.
func TestLongPipelineRepliesBeforeItsEnd(t *testing.T) {
	srv := StartServer(t, "enable-debug-command yes")
	conn := srv.Dial(t)
	value := strings.Repeat("v", 1024)
	const sets = 256 // 256 KiB
	var b strings.Builder
	for i := range sets {
		key := fmt.Sprint("k", i)
		fmt.Fprintf(&b, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(value), value)
	}
	b.WriteString("*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n2\r\n")
	sent := make(chan error, 1)
	go func() { // the server reads as it writes: it cannot all fit in the socket's buffers
		_, err := conn.Write([]byte(b.String()))
		sent <- err
	}()
	require.Equal(t, "+OK\r\n", conn.ReadReply())
	first := time.Now()
	for i := 1; i < sets; i++ {
		require.Equal(t, "+OK\r\n", conn.ReadReply())
	}
	require.Equal(t, "+OK\r\n", conn.ReadReply()) // DEBUG SLEEP's
	require.NoError(t, <-sent)
	require.Greater(t, time.Since(first), time.Second, "the first replies waited for the last command")
}

// TestConcurrentLongPipelinesKeepOrderAndData has many clients pipeline
// more than a turn's worth of input at once (16 MSETs of ten 1 KiB values,
// 160 KiB, as redis-benchmark's pipelined MSET sends), so that the server
// answers each pipeline in several turns, wakes waiting connections and
// lets them go first: every reply must come in order and every value
// must be kept.
func TestConcurrentLongPipelinesKeepOrderAndData(t *testing.T) {
	srv := StartServer(t)
	const clients, rounds, perPipe, keysPerMSET = 20, 5, 16, 10
	value := func(c, r, i, k int) string {
		return fmt.Sprintf("%d:%d:%d:%d:", c, r, i, k) + strings.Repeat("v", 1024)
	}
	errs := make(chan error, clients)
	for c := range clients {
		rdb := srv.Client(t)
		go func() {
			ctx := t.Context()
			for r := range rounds {
				pipe := rdb.Pipeline()
				cmds := make([]*redis.StatusCmd, perPipe)
				for i := range perPipe {
					args := make([]any, 0, 2*keysPerMSET)
					for k := range keysPerMSET {
						args = append(args, fmt.Sprintf("c%d:%d:%d", c, i, k), value(c, r, i, k))
					}
					cmds[i] = pipe.MSet(ctx, args...)
				}
				if _, err := pipe.Exec(ctx); err != nil {
					errs <- err
					return
				}
				for i, cmd := range cmds {
					if cmd.Val() != "OK" {
						errs <- fmt.Errorf("client %d round %d MSET %d: %q", c, r, i, cmd.Val())
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		require.NoError(t, <-errs)
	}
	rdb := srv.Client(t)
	for c := range clients {
		for i := range perPipe {
			keys := make([]string, keysPerMSET)
			for k := range keys {
				keys[k] = fmt.Sprintf("c%d:%d:%d", c, i, k)
			}
			got, err := rdb.MGet(t.Context(), keys...).Result()
			require.NoError(t, err)
			for k, v := range got {
				require.Equal(t, value(c, rounds-1, i, k), v, keys[k])
			}
		}
	}
}
