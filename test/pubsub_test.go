package test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// pubsubStep is one command of a pub/sub script, sent on one of several
// connections (a, b, c).
type pubsubStep struct {
	conn string
	cmd  []string
}

// pubsubScript parses lines of the form "a SUBSCRIBE ch1 ch2".
func pubsubScript(lines ...string) []pubsubStep {
	out := make([]pubsubStep, len(lines))
	for i, l := range lines {
		w := splitQuoted(l)
		out[i] = pubsubStep{conn: w[0], cmd: w[1:]}
	}
	return out
}

// pubsubTranscript runs steps on fresh connections of the server dial
// reaches, after FLUSHALL and HELLO proto, and returns what every
// connection received after each step. After a step the connection that
// sent it, then each other one, is sent a PING with a marker, and its
// frames are read up to the PING's reply: the frames before it (replies,
// confirmations, messages) are what the step produced for that
// connection, in order. Inside MULTI (where PING would be queued) the
// sender reads one reply per command instead.
//
// What must differ between servers is normalized: Redis answers some
// things in its hash tables' order, so the channels of the confirmations
// of an UNSUBSCRIBE (or PUNSUBSCRIBE, SUNSUBSCRIBE) without arguments are
// sorted (the counts stay in sequence), the replies of PUBSUB CHANNELS
// and SHARDCHANNELS are sorted, and so are the messages the other
// connections receive (a message and its pmessages, one per pattern);
// CLIENT LIST keeps only the pub/sub fields.
func pubsubTranscript(t *testing.T, dial func(testing.TB) *Conn, proto string, steps []pubsubStep) []string {
	conns := map[string]*Conn{}
	var names []string
	for _, st := range steps {
		if conns[st.conn] == nil {
			c := dial(t)
			require.Contains(t, c.Do("HELLO", proto), "proto")
			if len(names) == 0 {
				require.Equal(t, "+OK\r\n", c.Do("FLUSHALL"))
				// The connections of the script before are closed, but the
				// server may not have seen them go yet; CLIENT LIST in this
				// script must show only its own.
				require.Eventually(t, func() bool {
					return strings.Count(c.Do("CLIENT", "LIST"), "id=") == 1
				}, 5*time.Second, 10*time.Millisecond)
			}
			conns[st.conn] = c
			names = append(names, st.conn)
		}
	}
	inMulti := map[string]bool{}
	var out []string
	closed := map[string]bool{}
	for i, st := range steps {
		conns[st.conn].Send(encodeCommand(st.cmd))
		order := append([]string{st.conn}, slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == st.conn })...)
		for _, name := range order {
			c := conns[name]
			if closed[name] {
				continue
			}
			var frames []string
			verb := strings.ToLower(st.cmd[0])
			if name == st.conn && (verb == "multi" || inMulti[name] && verb != "exec" && verb != "discard") {
				frames = append(frames, c.ReadReply())
				if verb == "multi" && frames[0] == "+OK\r\n" {
					inMulti[name] = true
				}
			} else {
				if name == st.conn {
					inMulti[name] = false
				}
				marker := fmt.Sprintf("barrier-%d", i)
				if _, err := c.Write([]byte(encodeCommand([]string{"PING", marker}))); err != nil {
					frames = append(frames, "<closed>")
				}
				for len(frames) == 0 || frames[len(frames)-1] != "<closed>" {
					var b strings.Builder
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					if err := c.readValue(&b); err != nil {
						require.True(t, errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET), "reading from %s: %v", name, err)
						frames = append(frames, "<closed>")
						break
					}
					if strings.Contains(b.String(), marker) {
						break
					}
					frames = append(frames, b.String())
				}
			}
			closed[name] = slices.Contains(frames, "<closed>")
			if name == st.conn {
				frames = normalizePubsub(st.cmd, frames)
			} else {
				slices.Sort(frames)
			}
			out = append(out, fmt.Sprintf("%s %q -> %s: %q", st.conn, st.cmd, name, frames))
		}
	}
	return out
}

func encodeCommand(args []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

var clientListPubsub = regexp.MustCompile(`flags=\S+ db=\d+ sub=\d+ psub=\d+ ssub=\d+ multi=-?\d+`)

func normalizePubsub(cmd []string, frames []string) []string {
	name := strings.ToLower(cmd[0])
	switch {
	case len(cmd) == 1 && (name == "unsubscribe" || name == "punsubscribe" || name == "sunsubscribe"):
		// Each frame is header, kind, channel, count: sort the channels.
		var channels []string
		parts := make([][]string, len(frames))
		for i, f := range frames {
			parts[i] = strings.SplitN(f, "\r\n", 6)
			if len(parts[i]) == 6 {
				channels = append(channels, parts[i][3]+"\r\n"+parts[i][4])
			}
		}
		slices.Sort(channels)
		for i, p := range parts {
			if len(p) == 6 {
				ch := strings.SplitN(channels[0], "\r\n", 2)
				channels = channels[1:]
				p[3], p[4] = ch[0], ch[1]
				frames[i] = strings.Join(p, "\r\n")
			}
		}
	case name == "pubsub" && len(cmd) > 1 && strings.HasSuffix(strings.ToLower(cmd[1]), "channels"):
		for i, f := range frames {
			frames[i] = sortBulks(f)
		}
	case name == "client" && len(cmd) > 1 && strings.EqualFold(cmd[1], "list"):
		for i, f := range frames {
			frames[i] = strings.Join(clientListPubsub.FindAllString(f, -1), "\n")
		}
	}
	return frames
}

// pubsubCases are scripts whose transcripts must be identical on Quordis
// and on real Redis 7.0, in RESP2 and in RESP3.
var pubsubCases = []struct {
	name  string
	steps []pubsubStep
}{
	{"channels and patterns", pubsubScript(
		"a SUBSCRIBE c1 c2 c1", "b PUBLISH c1 m1", "b PUBLISH c3 m3", "a PSUBSCRIBE c* ?1 c*",
		"b PUBLISH c1 m2", "b PUBLISH c3 'with space'", "b PUBLISH '' empty", "c PSUBSCRIBE [a-c]?",
		"b PUBLISH c2 m4", "a UNSUBSCRIBE c1 nope", "b PUBLISH c1 m5", "a UNSUBSCRIBE", "a UNSUBSCRIBE",
		"a PUNSUBSCRIBE ?1", "b PUBLISH c1 m6", "a PUNSUBSCRIBE", "a PUNSUBSCRIBE", "b PUBLISH c1 m7",
		"c PUNSUBSCRIBE x", "c PUNSUBSCRIBE", "b PUBLISH c1 m8")},
	{"what a subscriber may run", pubsubScript(
		"a SUBSCRIBE ch", "a GET k", "a SET k v", "a PING", "a PING hello", "a PING a b", "a FOO",
		"a GET", "a CLIENT LIST", "a CLIENT ID x y", "a MULTI", "a PSUBSCRIBE p*", "a UNSUBSCRIBE ch",
		"a GET k", "a PUNSUBSCRIBE", "a GET k", "a PING")},
	{"publishing to oneself", pubsubScript(
		"a SUBSCRIBE me", "a PUBLISH me hi", "a SSUBSCRIBE me", "a SPUBLISH me hi", "a CLIENT LIST",
		"b CLIENT LIST", "b CLIENT LIST TYPE pubsub", "b CLIENT LIST TYPE normal", "b CLIENT KILL TYPE pubsub",
		"b PUBLISH me gone")},
	{"shard channels count apart", pubsubScript(
		"a SSUBSCRIBE s1 s2", "a SUBSCRIBE c1", "a SSUBSCRIBE s1", "b SPUBLISH s1 x", "b PUBLISH s1 y",
		"b SPUBLISH c1 z", "a PSUBSCRIBE s*", "b SPUBLISH s2 w", "a SUNSUBSCRIBE s1", "a SUNSUBSCRIBE",
		"a SUNSUBSCRIBE", "a CLIENT LIST", "a UNSUBSCRIBE", "a PUNSUBSCRIBE", "a GET k")},
	{"subscribing inside a transaction", pubsubScript(
		"a MULTI", "a SUBSCRIBE t1 t2", "a SSUBSCRIBE t3", "a PING", "a EXEC", "b PUBLISH t2 m",
		"a UNSUBSCRIBE")},
	{"introspection", pubsubScript(
		"a SUBSCRIBE x1 x2 y1", "b SUBSCRIBE x1", "c PSUBSCRIBE x* x*", "c SSUBSCRIBE s1",
		"d PUBSUB NUMSUB x1 x2 nope", "d PUBSUB NUMSUB", "d PUBSUB NUMPAT", "d PUBSUB SHARDNUMSUB s1 s2",
		"d PUBSUB SHARDNUMSUB", "d PUBSUB CHANNELS x*", "d PUBSUB CHANNELS nomatch", "d PUBSUB SHARDCHANNELS",
		"d PUBSUB SHARDCHANNELS s?", "d PUBSUB CHANNELS a b", "d PUBSUB SHARDCHANNELS a b", "d PUBSUB NUMPAT x",
		"d PUBSUB HELP", "d PUBSUB FOO", "d PUBSUB", "d SUBSCRIBE", "d PUBLISH x", "d SPUBLISH x",
		"d PUBLISH x y z", "d COMMAND GETKEYS SPUBLISH ch msg", "d COMMAND GETKEYSANDFLAGS SSUBSCRIBE a b",
		"d COMMAND GETKEYS PUBLISH ch msg")},
	{"reset leaves every channel", pubsubScript(
		"a SUBSCRIBE r1", "a PSUBSCRIBE r*", "a SSUBSCRIBE r2", "a RESET", "b PUBLISH r1 m",
		"b SPUBLISH r2 m", "b PUBSUB NUMPAT", "a GET k")},
}

// TestPubSubMatchesRedis runs each pub/sub script against real
// redis-server 7.0 and Quordis and requires the same transcript.
func TestPubSubMatchesRedis(t *testing.T) {
	real, ours := StartRealRedis(t), StartServer(t)
	for _, proto := range []string{"2", "3"} {
		for _, tc := range pubsubCases {
			t.Run(tc.name+"/resp"+proto, func(t *testing.T) {
				want := pubsubTranscript(t, real.Dial, proto, tc.steps)
				got := pubsubTranscript(t, ours.Dial, proto, tc.steps)
				require.Equal(t, want, got)
			})
		}
	}
}

// TestPubSubWithGoRedis subscribes and publishes through go-redis in RESP2
// and RESP3: messages on channels and patterns, in order, and the
// introspection commands.
func TestPubSubWithGoRedis(t *testing.T) {
	s := StartServer(t)
	s.EachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client) {
		sub := rdb.Subscribe(ctx, "news")
		defer sub.Close()
		_, err := sub.Receive(ctx) // the confirmation
		require.NoError(t, err)
		require.NoError(t, sub.PSubscribe(ctx, "sport.*"))
		require.Eventually(t, func() bool {
			n, err := rdb.PubSubNumPat(ctx).Result()
			return err == nil && n == 1
		}, 5*time.Second, 10*time.Millisecond)
		pub := s.Client(t)
		for i := range 100 {
			require.NoError(t, pub.Publish(ctx, "news", fmt.Sprint("n", i)).Err())
		}
		require.Equal(t, int64(1), pub.Publish(ctx, "sport.tennis", "ace").Val())
		require.Equal(t, int64(0), pub.Publish(ctx, "weather", "rain").Val())
		ch := sub.Channel()
		for i := range 100 {
			m := <-ch
			require.Equal(t, "news", m.Channel)
			require.Equal(t, fmt.Sprint("n", i), m.Payload)
		}
		m := <-ch
		require.Equal(t, "sport.*", m.Pattern)
		require.Equal(t, "sport.tennis", m.Channel)
		require.Equal(t, "ace", m.Payload)

		require.Equal(t, map[string]int64{"news": 1, "none": 0}, pub.PubSubNumSub(ctx, "news", "none").Val())
		require.Equal(t, []string{"news"}, pub.PubSubChannels(ctx, "*").Val())
		require.NoError(t, sub.Unsubscribe(ctx, "news"))
		require.Eventually(t, func() bool {
			return pub.PubSubNumSub(ctx, "news").Val()["news"] == 0
		}, 5*time.Second, 10*time.Millisecond)
		require.NoError(t, sub.Close())
		require.Eventually(t, func() bool {
			n, err := pub.PubSubNumPat(ctx).Result()
			return err == nil && n == 0
		}, 5*time.Second, 10*time.Millisecond, "a closed subscriber leaves its patterns")
	})
}

// TestPubSubClientsAsRedis checks, on both servers, what happens around a
// subscriber: an idle one outlives `timeout` where another client does
// not, and one that stops reading is closed at the pubsub class of
// client-output-buffer-limit, leaving its channels.
func TestPubSubClientsAsRedis(t *testing.T) {
	real, ours := StartRealRedis(t), StartServer(t)
	for name, dial := range map[string]func(testing.TB) *Conn{"redis": real.Dial, "quordis": ours.Dial} {
		t.Run(name, func(t *testing.T) {
			admin := dial(t)
			require.Equal(t, "+OK\r\n", admin.Do("CONFIG", "SET", "timeout", "1"))
			sub, idle := dial(t), dial(t)
			sub.Do("SUBSCRIBE", "quiet")
			require.Equal(t, "+PONG\r\n", idle.Do("PING"))
			time.Sleep(2500 * time.Millisecond) // Redis checks timeouts in its client cron
			require.Equal(t, "", idle.ReadClosed(), "an idle client is closed")
			admin = dial(t) // the first was idle too
			require.Equal(t, ":1\r\n", admin.Do("PUBLISH", "quiet", "still here"))
			require.Equal(t, "*3\r\n$7\r\nmessage\r\n$5\r\nquiet\r\n$10\r\nstill here\r\n", sub.ReadReply())
			require.Equal(t, "+OK\r\n", admin.Do("CONFIG", "SET", "timeout", "0"))

			defer admin.Do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")
			// The hard limit, then the soft one held for a second.
			for _, limit := range []string{"pubsub 1mb 0 0", "pubsub 0 256kb 1"} {
				require.Equal(t, "+OK\r\n", admin.Do("CONFIG", "SET", "client-output-buffer-limit", limit))
				slow := dial(t)
				slow.Do("SUBSCRIBE", "flood")
				require.NoError(t, slow.Conn.(interface{ SetReadBuffer(int) error }).SetReadBuffer(4096))
				payload := strings.Repeat("x", 64<<10)
				start := time.Now()
				require.Eventually(t, func() bool {
					admin.Do("PUBLISH", "flood", payload)
					return admin.Do("PUBSUB", "NUMSUB", "flood") == "*2\r\n$5\r\nflood\r\n:0\r\n"
				}, 10*time.Second, time.Millisecond, "a subscriber that does not read is closed (%s)", limit)
				if strings.HasSuffix(limit, " 1") {
					require.GreaterOrEqual(t, time.Since(start), time.Second, "the soft limit allows its seconds")
				}
			}
		})
	}
}

// TestClusterPubSub publishes on every node of a three-node cluster and
// receives on every node: PUBLISH reaches the subscribers of the whole
// cluster, in order from each publisher, and its reply counts the
// publisher's node alone; shard channels follow their slot (MOVED
// elsewhere) and go-redis's cluster client finds them; redis-py's cluster
// client receives too.
func TestClusterPubSub(t *testing.T) {
	nodes := StartNodes(t, BuildServer(t), 3)
	CreateCluster(t, nodes)
	WaitClusterOK(t, nodes)
	ctx := context.Background()

	var subs []*redis.PubSub
	for _, nd := range nodes {
		sub := nd.Client(t).Subscribe(ctx, "all")
		_, err := sub.Receive(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { sub.Close() })
		subs = append(subs, sub)
	}
	for i, nd := range nodes {
		for j := range 50 {
			n, err := nd.Client(t).Publish(ctx, "all", fmt.Sprintf("%d-%d", i, j)).Result()
			require.NoError(t, err)
			require.Equal(t, int64(1), n, "PUBLISH counts the subscribers of its node")
		}
	}
	for _, sub := range subs {
		next := make([]int, len(nodes))
		ch := sub.Channel()
		for range 50 * len(nodes) {
			select {
			case m := <-ch:
				var from, seq int
				_, err := fmt.Sscanf(m.Payload, "%d-%d", &from, &seq)
				require.NoError(t, err)
				require.Equal(t, next[from], seq, "messages from node %d out of order", from)
				next[from]++
			case <-time.After(10 * time.Second):
				t.Fatalf("messages missing: got %v of 50 from each node", next)
			}
		}
	}

	// Shard channels: SSUBSCRIBE on the wrong node is redirected, and
	// go-redis's cluster client subscribes where the slot lives.
	cc := ClusterClient(t, nodes)
	ssub := cc.SSubscribe(ctx, "orders")
	_, err := ssub.Receive(ctx)
	require.NoError(t, err)
	defer ssub.Close()
	require.Equal(t, int64(1), cc.SPublish(ctx, "orders", "o1").Val())
	select {
	case m := <-ssub.Channel():
		require.Equal(t, "orders", m.Channel)
		require.Equal(t, "o1", m.Payload)
	case <-time.After(10 * time.Second):
		t.Fatal("no shard message")
	}
	moved := 0
	for _, nd := range nodes {
		_, err := nd.Do(t, "SPUBLISH", "orders", "x")
		if err != nil {
			require.Contains(t, err.Error(), "MOVED")
			moved++
		}
	}
	require.Equal(t, 2, moved, "two nodes do not serve the channel's slot")

	// redis-py's cluster client receives a message published on another
	// node.
	py := fmt.Sprintf(`
import time
from redis.cluster import RedisCluster
rc = RedisCluster(host="127.0.0.1", port=%d)
p = rc.pubsub()
p.subscribe("py")
assert p.get_message(timeout=5)["type"] == "subscribe"
print("ready", flush=True)
deadline = time.time() + 10
while time.time() < deadline:
    m = p.get_message(timeout=1)
    if m and m["type"] == "message":
        print(m["channel"].decode(), m["data"].decode())
        break
`, nodes[0].Port)
	cmd := exec.Command("/usr/bin/python3", "-c", py)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewReader(stdout)
	line, err := lines.ReadString('\n')
	require.NoError(t, err, "redis-py: %s", stderr.String())
	require.Equal(t, "ready\n", line)
	_, err = nodes[2].Do(t, "PUBLISH", "py", "hello")
	require.NoError(t, err)
	line, _ = lines.ReadString('\n')
	require.NoError(t, cmd.Wait(), "redis-py: %s", stderr.String())
	require.Equal(t, "py hello\n", line)
}

// TestShardChannelsLeaveWithTheirSlotAsRedis removes the slot of a shard
// channel from a one-node cluster of each server: its subscribers get a
// SUNSUBSCRIBE confirmation, and a subscriber left with no subscription
// may run commands again (RESP2).
func TestShardChannelsLeaveWithTheirSlotAsRedis(t *testing.T) {
	real, ours := startClusterPair(t)
	run := func(dial func(testing.TB) *Conn) []string {
		sub, admin := dial(t), dial(t)
		var got []string
		sub.Send(encodeCommand([]string{"SSUBSCRIBE", "orders", "{orders}x"}))
		got = append(got, sub.ReadReply(), sub.ReadReply())
		slot := strings.TrimPrefix(strings.TrimSpace(admin.Do("CLUSTER", "KEYSLOT", "orders")), ":")
		got = append(got, admin.Do("CLUSTER", "DELSLOTS", slot))
		got = append(got, sub.ReadReply(), sub.ReadReply())
		got = append(got, sub.Do("GET", "k"))
		require.Equal(t, "+OK\r\n", admin.Do("CLUSTER", "ADDSLOTS", slot))
		return got
	}
	want := run(real)
	got := run(ours)
	// The two channels leave in hash order in Redis, in byte order here.
	require.Equal(t, normalizePubsub([]string{"SUNSUBSCRIBE"}, want[3:5]), normalizePubsub([]string{"SUNSUBSCRIBE"}, got[3:5]))
	want[3], want[4], got[3], got[4] = "", "", "", ""
	require.Equal(t, want, got)
}

// TestRepliesComeBeforeLaterPushes subscribes (and starts MONITOR) while
// other clients publish (and run commands) without pause: the first thing
// the new subscriber reads must be its confirmation, and a monitor's its
// OK, never a message or a command line produced after them.
func TestRepliesComeBeforeLaterPushes(t *testing.T) {
	s := StartServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pub := s.Client(t)
		for ctx.Err() == nil {
			pub.Publish(ctx, "busy", "m")
			pub.Set(ctx, "k", "v", 0)
		}
	}()
	for range 300 {
		sub := s.Dial(t)
		sub.Send(encodeCommand([]string{"SUBSCRIBE", "busy"}))
		require.Equal(t, "*3\r\n$9\r\nsubscribe\r\n$4\r\nbusy\r\n:1\r\n", sub.ReadReply())
		sub.Close()
		mon := s.Dial(t)
		mon.Send(encodeCommand([]string{"MONITOR"}))
		require.Equal(t, "+OK\r\n", mon.ReadReply())
		mon.Close()
	}
	cancel()
	<-done
}

// TestPipelinedUnsubscribeAll sends an UNSUBSCRIBE without arguments with
// other commands behind it in one write, in RESP2 and RESP3: the
// confirmations of every channel, then the replies to the rest, as Redis.
func TestPipelinedUnsubscribeAll(t *testing.T) {
	real, ours := StartRealRedis(t), StartServer(t)
	for _, proto := range []string{"2", "3"} {
		run := func(dial func(testing.TB) *Conn) []string {
			c := dial(t)
			require.Contains(t, c.Do("HELLO", proto), "proto")
			c.Send(encodeCommand([]string{"SUBSCRIBE", "c1", "c2", "c3", "c4"}))
			var got []string
			for range 4 {
				got = append(got, c.ReadReply())
			}
			c.Send(encodeCommand([]string{"UNSUBSCRIBE"}) + encodeCommand([]string{"PING", "after"}) +
				encodeCommand([]string{"ECHO", "more"}) + encodeCommand([]string{"SUBSCRIBE", "d"}))
			var unsub []string
			for range 4 {
				unsub = append(unsub, c.ReadReply())
			}
			got = append(got, normalizePubsub([]string{"UNSUBSCRIBE"}, unsub)...)
			for range 3 {
				got = append(got, c.ReadReply())
			}
			return got
		}
		require.Equal(t, run(real.Dial), run(ours.Dial), "RESP%s", proto)
	}
}
