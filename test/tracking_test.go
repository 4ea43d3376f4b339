package test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"
	"github.com/stretchr/testify/require"
)

// trackingStep is one command of a tracking transcript: the connection
// that sends it, and its arguments; "$R" stands for connection R's
// client ID.
type trackingStep struct {
	conn string
	args []string
}

// trackingScript drives client-side caching: A tracks in RESP3, C in RESP2
// with its invalidations redirected to R (subscribed to
// __redis__:invalidate), D broadcasts prefixes with NOLOOP, E opts in, F
// redirects to G, which goes away; B writes.
var trackingScript = []trackingStep{
	{"A", []string{"HELLO", "3"}}, {"D", []string{"HELLO", "3"}}, {"E", []string{"HELLO", "3"}}, {"F", []string{"HELLO", "3"}},
	{"R", []string{"SUBSCRIBE", "__redis__:invalidate"}},
	{"A", []string{"CLIENT", "TRACKING", "ON"}}, {"A", []string{"GET", "k1"}}, {"A", []string{"MGET", "k2", "k3"}},
	{"B", []string{"SET", "k1", "v"}}, {"B", []string{"SET", "k1", "v"}},
	{"A", []string{"GET", "k1"}}, {"A", []string{"SET", "k1", "x"}}, {"A", []string{"CLIENT", "TRACKINGINFO"}},
	{"C", []string{"CLIENT", "TRACKING", "ON", "REDIRECT", "$R"}}, {"C", []string{"GET", "k2"}},
	{"C", []string{"CLIENT", "TRACKINGINFO"}}, {"B", []string{"DEL", "k2"}}, {"B", []string{"SET", "k2", "v"}},
	{"C", []string{"STRLEN", "k2"}}, {"A", []string{"HGET", "h", "f"}}, {"B", []string{"HSET", "h", "f", "1"}},
	{"D", []string{"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:", "PREFIX", "cart:", "NOLOOP"}},
	{"D", []string{"CLIENT", "TRACKINGINFO"}}, {"B", []string{"SET", "user:1", "a"}},
	{"B", []string{"MSET", "user:2", "b", "other", "c", "cart:9", "d", "user:0", "e"}},
	{"D", []string{"SET", "user:3", "x"}}, {"D", []string{"GET", "user:3"}}, {"B", []string{"DEL", "other"}},
	{"E", []string{"CLIENT", "TRACKING", "ON", "OPTIN"}}, {"E", []string{"GET", "k5"}}, {"B", []string{"SET", "k5", "1"}},
	{"E", []string{"CLIENT", "CACHING", "YES"}}, {"E", []string{"GET", "k5"}}, {"B", []string{"SET", "k5", "2"}},
	{"E", []string{"CLIENT", "CACHING", "YES"}}, {"E", []string{"MULTI"}}, {"E", []string{"GET", "k6"}},
	{"E", []string{"EXEC"}}, {"B", []string{"SET", "k6", "2"}},
	{"A", []string{"EVAL", "return redis.call('get', KEYS[1])", "1", "k7"}}, {"B", []string{"SET", "k7", "1"}},
	{"A", []string{"GET", "k8"}}, {"B", []string{"SET", "k8", "1", "PX", "20"}}, {"A", []string{"GET", "k8"}},
	{"SLEEP", nil}, {"B", []string{"GET", "k8"}},
	{"F", []string{"CLIENT", "TRACKING", "ON", "REDIRECT", "$G"}}, {"F", []string{"GET", "k9"}}, {"G", []string{"QUIT"}}, {"SLEEP", nil},
	{"B", []string{"SET", "k9", "1"}}, {"F", []string{"GET", "k9"}}, {"B", []string{"SET", "k9", "2"}},
	{"F", []string{"CLIENT", "TRACKINGINFO"}},
	{"A", []string{"GET", "k10"}}, {"C", []string{"GET", "k10"}}, {"B", []string{"FLUSHALL"}},
	{"A", []string{"GET", "k11"}}, {"A", []string{"FLUSHDB"}},
	{"A", []string{"CLIENT", "TRACKING", "OFF"}}, {"A", []string{"GET", "k12"}}, {"B", []string{"SET", "k12", "1"}},
	{"A", []string{"CLIENT", "TRACKINGINFO"}}, {"D", []string{"RESET"}}, {"B", []string{"SET", "user:4", "1"}},
}

// trackingTranscript runs trackingScript on the server at addr and
// returns each command's reply followed by what every other connection
// received meanwhile (read up to the reply of a PING each sends).
func trackingTranscript(t *testing.T, addr string) []string {
	srv := &Server{Addr: addr}
	conns := map[string]*Conn{}
	names := []string{"A", "B", "C", "D", "E", "F", "G", "R"}
	ids := map[string]string{}
	for _, n := range names {
		conns[n] = srv.Dial(t)
		ids["$"+n] = strings.TrimSuffix(strings.TrimPrefix(conns[n].Do("CLIENT", "ID"), ":"), "\r\n")
	}
	gone, inMulti := map[string]bool{}, map[string]bool{}
	var out []string
	for _, st := range trackingScript {
		if st.conn == "SLEEP" {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		args := make([]string, len(st.args))
		for i, a := range st.args {
			if id, ok := ids[a]; ok {
				a = id
			}
			args[i] = a
		}
		line := st.conn + ": " + strings.Join(st.args, " ") + " -> " + conns[st.conn].Do(args...)
		switch strings.ToUpper(args[0]) {
		case "QUIT":
			gone[st.conn] = true
		case "MULTI":
			inMulti[st.conn] = true
		case "EXEC":
			inMulti[st.conn] = false
		}
		for _, n := range names {
			// A PING would be queued in MULTI, and would take CLIENT
			// CACHING's choice for itself.
			caching := n == st.conn && strings.EqualFold(args[0], "CLIENT") && strings.EqualFold(args[1], "CACHING")
			if gone[n] || inMulti[n] || caching {
				continue
			}
			c := conns[n]
			c.Send(encodeCommand([]string{"PING"}))
			var got []string
			for {
				msg := c.ReadReply()
				if msg == "+PONG\r\n" || strings.HasPrefix(msg, "*2\r\n$4\r\npong\r\n") {
					break
				}
				got = append(got, msg)
			}
			if len(got) > 0 {
				line += " | " + n + " got " + strings.Join(got, "")
			}
		}
		// Client IDs differ between the servers: name them.
		for n, id := range ids {
			for _, field := range []string{"id", "redirect", "tracking-redir-broken"} {
				line = strings.ReplaceAll(line, field+"\r\n:"+id+"\r\n", field+"\r\n:"+n+"\r\n")
			}
		}
		out = append(out, line)
	}
	return out
}

// TestClientTrackingMatchesRedis runs trackingScript on both servers and
// requires the same replies and the same invalidation messages on every
// connection after each command.
func TestClientTrackingMatchesRedis(t *testing.T) {
	want := trackingTranscript(t, StartRealRedis(t).Addr)
	got := trackingTranscript(t, StartServer(t).Addr)
	requireSameTranscript(t, want, got)
	all := strings.Join(got, "\n")
	for _, s := range []string{"__redis__:invalidate", "tracking-redir-broken", "user:2",
		"SET k5 2 -> +OK\r\n | E got >2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk5",
		"SET k6 2 -> +OK\r\n | E got >2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk6"} {
		require.Contains(t, all, s)
	}
}

// TestTrackingTableMaxKeys reads more keys than tracking-table-max-keys
// allows on both servers: each invalidates keys to make room (which ones
// is random) until the table is within the limit.
func TestTrackingTableMaxKeys(t *testing.T) {
	for _, addr := range []string{StartRealRedis(t).Addr, StartServer(t).Addr} {
		srv := &Server{Addr: addr}
		c := srv.Dial(t)
		c.Do("HELLO", "3")
		require.Equal(t, "+OK\r\n", c.Do("CONFIG", "SET", "tracking-table-max-keys", "10"))
		require.Equal(t, "+OK\r\n", c.Do("CLIENT", "TRACKING", "ON"))
		args := []string{"MGET"}
		for i := range 25 {
			args = append(args, "key:"+strconv.Itoa(i))
		}
		require.True(t, strings.HasPrefix(c.Do(args...), "*25\r\n"))
		invalidated := 0
		require.Eventually(t, func() bool {
			c.Send(encodeCommand([]string{"PING"}))
			for {
				msg := c.ReadReply()
				if msg == "+PONG\r\n" {
					break
				}
				require.True(t, strings.HasPrefix(msg, ">2\r\n$10\r\ninvalidate\r\n*1\r\n"), "%q", msg)
				invalidated++
			}
			return invalidated == 15
		}, 5*time.Second, 10*time.Millisecond, "%s: %d invalidated", addr, invalidated)
		info := c.Do("INFO", "stats")
		require.Contains(t, info, "tracking_total_keys:10\r\n")
	}
}

// TestRueidisClientSideCaching uses rueidis, a Go client whose DoCache
// caches replies on the client under CLIENT TRACKING (RESP3, default and
// BCAST modes): a second read is served from its cache, and a write by
// another connection invalidates it, so the next read sees the new value.
func TestRueidisClientSideCaching(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	writer := srv.Client(t)
	for _, bcast := range []bool{false, true} {
		opt := rueidis.ClientOption{InitAddress: []string{srv.Addr}, DisableRetry: true}
		if bcast {
			opt.ClientTrackingOptions = []string{"PREFIX", "cached:", "BCAST"}
		}
		client, err := rueidis.NewClient(opt)
		require.NoError(t, err)
		key := "cached:" + strconv.FormatBool(bcast)
		require.NoError(t, writer.Set(ctx, key, "1", 0).Err())
		read := func() (string, bool) {
			r := client.DoCache(ctx, client.B().Get().Key(key).Cache(), time.Minute)
			v, err := r.ToString()
			require.NoError(t, err)
			return v, r.IsCacheHit()
		}
		v, hit := read()
		require.Equal(t, "1", v)
		require.False(t, hit)
		v, hit = read()
		require.Equal(t, "1", v)
		require.True(t, hit, "the second read comes from the client's cache")
		require.NoError(t, writer.Set(ctx, key, "2", 0).Err())
		require.Eventually(t, func() bool {
			v, hit := read()
			return v == "2" && !hit
		}, 5*time.Second, 10*time.Millisecond, "the write invalidated the cached value")
		client.Close()
	}
}
