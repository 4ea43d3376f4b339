package test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGoRedisStringsAndKeys drives the string and key commands through
// go-redis over RESP3 and RESP2.
func TestGoRedisStringsAndKeys(t *testing.T) {
	srv := StartServer(t)
	srv.EachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client) {

		require.NoError(t, rdb.Set(ctx, "k", "v", 0).Err())
		require.Equal(t, "v", rdb.Get(ctx, "k").Val())
		require.Equal(t, redis.Nil, rdb.Get(ctx, "missing").Err())
		ok, err := rdb.SetNX(ctx, "k", "w", 0).Result()
		require.NoError(t, err)
		require.False(t, ok)
		require.NoError(t, rdb.Set(ctx, "ttl", "v", 10*time.Second).Err())
		ttl := rdb.TTL(ctx, "ttl").Val()
		require.True(t, ttl > 9*time.Second && ttl <= 10*time.Second, "ttl %v", ttl)
		require.Equal(t, int64(5), rdb.IncrBy(ctx, "n", 5).Val())
		require.Equal(t, 5.5, rdb.IncrByFloat(ctx, "n", 0.5).Val())
		require.Equal(t, int64(6), rdb.Append(ctx, "k", "ravel").Val())
		require.Equal(t, "vravel", rdb.Get(ctx, "k").Val())
		require.Equal(t, []any{"vravel", nil}, rdb.MGet(ctx, "k", "missing").Val())
		require.Equal(t, "string", rdb.Type(ctx, "k").Val())
		require.Equal(t, int64(2), rdb.Exists(ctx, "k", "n", "missing").Val())
		require.NoError(t, rdb.Rename(ctx, "k", "k2").Err())
		require.Equal(t, "vravel", rdb.GetDel(ctx, "k2").Val())
		require.Equal(t, int64(0), rdb.Exists(ctx, "k2").Val())
		require.True(t, rdb.Expire(ctx, "n", time.Hour).Val())
		require.True(t, rdb.Persist(ctx, "n").Val())
		require.Equal(t, time.Duration(-1), rdb.TTL(ctx, "n").Val())

		err = rdb.LPush(ctx, "n", "x").Err()
		require.EqualError(t, err, "WRONGTYPE Operation against a key holding the wrong kind of value")
		err = rdb.Do(ctx, "NOSUCHCMD", "n", "x").Err()
		require.EqualError(t, err, "ERR unknown command 'NOSUCHCMD', with args beginning with: 'n' 'x' ")
		err = rdb.Incr(ctx, "ttl").Err()
		require.EqualError(t, err, "ERR value is not an integer or out of range")
	})
}

// TestTransactionsThroughGoRedis checks MULTI/EXEC atomicity and WATCH
// with a competing client.
func TestTransactionsThroughGoRedis(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)

	// Concurrent optimistic increments: every increment lands exactly once.
	const workers, each = 4, 50
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				for {
					err := rdb.Watch(ctx, func(tx *redis.Tx) error {
						n, err := tx.Get(ctx, "counter").Int()
						if err != nil && err != redis.Nil {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, "counter", n+1, 0)
							return nil
						})
						return err
					}, "counter")
					if err == nil {
						break
					}
					if err != redis.TxFailedErr {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	require.Equal(t, fmt.Sprint(workers*each), rdb.Get(ctx, "counter").Val())

	// A run-time error stays inline; the other commands run.
	cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "s", "text", 0)
		p.Incr(ctx, "s")
		p.Set(ctx, "t", "1", 0)
		return nil
	})
	require.Error(t, err)
	require.Len(t, cmds, 3)
	require.NoError(t, cmds[0].Err())
	require.EqualError(t, cmds[1].Err(), "ERR value is not an integer or out of range")
	require.Equal(t, "1", rdb.Get(ctx, "t").Val())
}

// TestActiveExpiryRemovesKeysNobodyReads checks the expiry cycle: keys
// with a short TTL disappear from DBSIZE without being accessed, and
// DEBUG SET-ACTIVE-EXPIRE 0 stops it.
func TestActiveExpiryRemovesKeysNobodyReads(t *testing.T) {
	srv := StartServer(t, "hz 50", "enable-debug-command yes")
	ctx := context.Background()
	rdb := srv.Client(t)
	for i := 0; i < 200; i++ {
		require.NoError(t, rdb.Set(ctx, fmt.Sprint("v", i), "x", 100*time.Millisecond).Err())
	}
	require.NoError(t, rdb.Set(ctx, "keep", "x", 0).Err())
	require.Eventually(t, func() bool { return rdb.DBSize(ctx).Val() == 1 }, 5*time.Second, 20*time.Millisecond)
	require.Contains(t, rdb.Info(ctx, "stats").Val(), "expired_keys:200\r\n")

	require.NoError(t, rdb.Do(ctx, "DEBUG", "SET-ACTIVE-EXPIRE", "0").Err())
	require.NoError(t, rdb.Set(ctx, "short", "x", 10*time.Millisecond).Err())
	time.Sleep(300 * time.Millisecond) // several cron periods at hz 50
	require.Equal(t, int64(2), rdb.DBSize(ctx).Val(), "the expired key is still counted until accessed")
	require.Equal(t, redis.Nil, rdb.Get(ctx, "short").Err())
	require.Equal(t, int64(1), rdb.DBSize(ctx).Val())
}

// TestScanReturnsEveryStableKeyWhileKeysChange checks SCAN's guarantee
// while another client adds and removes keys and the table resizes.
func TestScanReturnsEveryStableKeyWhileKeysChange(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	stable := map[string]bool{}
	for i := 0; i < 2000; i++ {
		k := fmt.Sprint("stable:", i)
		stable[k] = true
		require.NoError(t, rdb.Set(ctx, k, "1", 0).Err())
	}
	seen := map[string]bool{}
	var cursor uint64
	churn := 0
	for {
		keys, next, err := rdb.Scan(ctx, cursor, "stable:*", 50).Result()
		require.NoError(t, err)
		for _, k := range keys {
			seen[k] = true
		}
		// Grow and shrink the table between steps.
		p := rdb.Pipeline()
		for j := 0; j < 300; j++ {
			if churn%2 == 0 {
				p.Set(ctx, fmt.Sprint("churn:", j), "1", 0)
			} else {
				p.Del(ctx, fmt.Sprint("churn:", j))
			}
		}
		_, err = p.Exec(ctx)
		require.NoError(t, err)
		churn++
		cursor = next
		if cursor == 0 {
			break
		}
	}
	for k := range stable {
		require.True(t, seen[k], "SCAN missed %s", k)
	}
}

// TestMonitorStreamsCommands checks MONITOR's format through a raw
// connection.
func TestMonitorStreamsCommands(t *testing.T) {
	srv := StartServer(t)
	mon := srv.Dial(t)
	require.Equal(t, "+OK\r\n", mon.Do("MONITOR"))
	c := srv.Dial(t)
	require.Equal(t, "+OK\r\n", c.Do("SET", "k", "a \"b\"\n"))
	line := mon.ReadReply()
	require.Regexp(t, `^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "k" "a \\"b\\"\\n"\r\n$`, line)
}

// TestClientCommands checks CLIENT LIST, SETNAME, KILL and REPLY.
func TestClientCommands(t *testing.T) {
	srv := StartServer(t)
	a, b := srv.Dial(t), srv.Dial(t)
	require.Equal(t, "+OK\r\n", b.Do("CLIENT", "SETNAME", "victim"))
	list := a.Do("CLIENT", "LIST")
	require.Contains(t, list, " name=victim ")
	require.Contains(t, list, " cmd=client|list ")
	require.Equal(t, ":1\r\n", a.Do("CLIENT", "KILL", "SKIPME", "yes"))
	require.Equal(t, "", b.ReadClosed())

	c := srv.Dial(t)
	c.Send("*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n")
	require.Equal(t, "$2\r\nhi\r\n", c.ReadReply())
	c.Send("*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n*1\r\n$4\r\nPING\r\n*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n")
	require.Equal(t, "+OK\r\n", c.ReadReply())
}

// TestClientKillOfAPausedClient: the victim's goroutine waits for the
// pause inside its connection's read call (server's rawIO.serveIn) while
// the killer holds the keyspace lock, so the close must not wait for the
// victim to return from that call. The killed client's command never runs.
func TestClientKillOfAPausedClient(t *testing.T) {
	srv := StartServer(t)
	admin, victim := srv.Dial(t), srv.Dial(t)
	require.Equal(t, "+OK\r\n", admin.Do("CLIENT", "PAUSE", "3000", "WRITE"))
	victim.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
	time.Sleep(100 * time.Millisecond) // the SET arrives and waits for the pause
	start := time.Now()
	require.Equal(t, ":1\r\n", admin.Do("CLIENT", "KILL", "SKIPME", "yes"))
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, "+OK\r\n", admin.Do("CLIENT", "UNPAUSE"))
	require.Equal(t, "", victim.ReadClosed())
	require.Equal(t, "$-1\r\n", admin.Do("GET", "k"))
}

// TestClientPauseHoldsWrites checks CLIENT PAUSE WRITE: reads go on, a
// write waits for the pause to end.
func TestClientPauseHoldsWrites(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	require.NoError(t, rdb.Do(ctx, "CLIENT", "PAUSE", "300", "WRITE").Err())
	start := time.Now()
	require.Equal(t, redis.Nil, rdb.Get(ctx, "k").Err())
	require.Less(t, time.Since(start), 200*time.Millisecond)
	require.NoError(t, rdb.Set(ctx, "k", "v", 0).Err())
	require.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond)

	// PAUSE ALL holds every command, CLIENT UNPAUSE included (as in Redis),
	// until it runs out.
	require.NoError(t, rdb.Do(ctx, "CLIENT", "PAUSE", "400", "ALL").Err())
	start = time.Now()
	other := srv.Client(t)
	require.NoError(t, other.Ping(ctx).Err())
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
}

// TestSlowlogRecordsSlowCommands checks SLOWLOG with a threshold of 0.
func TestSlowlogRecordsSlowCommands(t *testing.T) {
	srv := StartServer(t, "slowlog-log-slower-than 0", "slowlog-max-len 3")
	ctx := context.Background()
	rdb := srv.Client(t)
	require.NoError(t, rdb.Do(ctx, "SLOWLOG", "RESET").Err())
	require.NoError(t, rdb.Set(ctx, "k", strings.Repeat("x", 200), 0).Err())
	logs, err := rdb.SlowLogGet(ctx, 10).Result()
	require.NoError(t, err)
	require.NotEmpty(t, logs)
	var found bool
	for _, l := range logs {
		if strings.EqualFold(l.Args[0], "set") {
			found = true
			require.Equal(t, strings.Repeat("x", 128)+"... (72 more bytes)", l.Args[2])
		}
	}
	require.True(t, found)
	for i := 0; i < 5; i++ {
		rdb.Ping(ctx)
	}
	require.Equal(t, int64(3), rdb.Do(ctx, "SLOWLOG", "LEN").Val())
}

// TestSlowlogTimesEachCommandOfAPipeline sends a slow command and fast
// ones behind it in one write. The server runs the commands a pipeline has
// buffered one after the other under one hold of the keyspace lock, each
// timed from the end of the one before it, so only the slow one may reach
// the slowlog.
func TestSlowlogTimesEachCommandOfAPipeline(t *testing.T) {
	srv := StartServer(t, "enable-debug-command yes", "slowlog-log-slower-than 100000")
	ctx := context.Background()
	rdb := srv.Client(t)
	require.NoError(t, rdb.Do(ctx, "SLOWLOG", "RESET").Err())
	p := rdb.Pipeline()
	p.Do(ctx, "DEBUG", "SLEEP", "0.2")
	for range 10 {
		p.Ping(ctx)
		p.Incr(ctx, "n")
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	logs, err := rdb.SlowLogGet(ctx, 10).Result()
	require.NoError(t, err)
	require.Len(t, logs, 1, "only DEBUG SLEEP is slow")
	require.Equal(t, "debug", strings.ToLower(logs[0].Args[0]))
	require.GreaterOrEqual(t, logs[0].Duration, 200*time.Millisecond)
	require.Equal(t, "10", rdb.Get(ctx, "n").Val())
}

// TestRedisCLIWorks drives the server with redis-cli, as users do.
func TestRedisCLIWorks(t *testing.T) {
	srv := StartServer(t)
	require.Equal(t, "OK\n", srv.RedisCLI(t, "SET", "greeting", "hello world"))
	require.Equal(t, "hello world\n", srv.RedisCLI(t, "GET", "greeting"))
	require.Equal(t, "\"hello world\"\n", srv.RedisCLI(t, "--no-raw", "GET", "greeting"))
	require.Equal(t, "1\n", srv.RedisCLI(t, "DBSIZE"))
	require.Equal(t, "hello world\n", srv.RedisCLI(t, "-3", "GET", "greeting"))
	info := srv.RedisCLI(t, "INFO", "keyspace")
	require.Contains(t, info, "db0:keys=1,expires=0,avg_ttl=0")
	require.Contains(t, srv.RedisCLI(t, "INFO"), "redis_version:7.0.15")
}

// TestLongPipelinesAnswerEveryCommandInOrder sends pipelines of thousands of
// commands over many keys, as a pipelining client does, from several
// connections at once: reads, writes, commands with several keys and ones
// that fail, and members of big hashes, sets and sorted sets. The server
// prefetches the keys and members of what it has buffered; this checks
// that every reply is still the right one.
func TestLongPipelinesAnswerEveryCommandInOrder(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			rdb := srv.Client(t)
			p := rdb.Pipeline()
			const n = 3000
			var gets []*redis.StringCmd
			var incrs []*redis.IntCmd
			var errs []*redis.IntCmd
			var fields []*redis.StringCmd
			var members []*redis.BoolCmd
			var scores []*redis.FloatCmd
			for i := range n {
				k := fmt.Sprintf("w%d:k%d", w, i)
				p.Set(ctx, k, i, 0)
				p.MSet(ctx, k+":a", "a", k+":b", "b")
				gets = append(gets, p.Get(ctx, k), p.Get(ctx, k+":b"), p.Get(ctx, k+":missing"))
				incrs = append(incrs, p.Incr(ctx, k))
				p.HSet(ctx, k+":h", "f", i)
				errs = append(errs, p.LPush(ctx, k, "x"))
				// Big aggregates (hash tables), whose members are
				// prefetched too.
				big := fmt.Sprintf("w%d:", w)
				p.HSet(ctx, big+"hash", fmt.Sprint("f", i), i)
				p.SAdd(ctx, big+"set", fmt.Sprint("m", i))
				p.ZAdd(ctx, big+"zset", redis.Z{Score: float64(i), Member: fmt.Sprint("m", i)})
				fields = append(fields, p.HGet(ctx, big+"hash", fmt.Sprint("f", i/2)))
				members = append(members, p.SIsMember(ctx, big+"set", fmt.Sprint("m", i/2)))
				scores = append(scores, p.ZScore(ctx, big+"zset", fmt.Sprint("m", i/2)))
			}
			_, err := p.Exec(ctx)
			assert.Error(t, err, "the LPUSHes to strings fail")
			for i := range n {
				assert.Equal(t, fmt.Sprint(i), gets[3*i].Val())
				assert.Equal(t, "b", gets[3*i+1].Val())
				assert.Equal(t, redis.Nil, gets[3*i+2].Err())
				assert.Equal(t, int64(i+1), incrs[i].Val())
				assert.EqualError(t, errs[i].Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
				assert.Equal(t, fmt.Sprint(i/2), fields[i].Val())
				assert.True(t, members[i].Val())
				assert.Equal(t, float64(i/2), scores[i].Val())
			}
			assert.Equal(t, "hashtable", rdb.ObjectEncoding(ctx, fmt.Sprintf("w%d:set", w)).Val())
		})
	}
	wg.Wait()
	require.Equal(t, int64(4*3000*4+4*3), srv.Client(t).DBSize(ctx).Val())
}

// TestPipelinesOnOneKeyThenManyAnswerInOrder sends a pipeline that works on
// one list, which makes the server stop prefetching for a while, then moves
// on to many keys and back: every reply must still be the right one.
func TestPipelinesOnOneKeyThenManyAnswerInOrder(t *testing.T) {
	srv := StartServer(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	for round := range 3 {
		p := rdb.Pipeline()
		var pushes, incrs []*redis.IntCmd
		var gets []*redis.StringCmd
		for i := range 2000 {
			pushes = append(pushes, p.LPush(ctx, "mylist", i))
		}
		for i := range 2000 {
			k := fmt.Sprintf("k%d", i)
			p.Set(ctx, k, i+round, 0)
			gets = append(gets, p.Get(ctx, k))
			incrs = append(incrs, p.Incr(ctx, "counter"))
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
		for i, c := range pushes {
			require.Equal(t, int64(round*2000+i+1), c.Val())
		}
		for i := range 2000 {
			require.Equal(t, fmt.Sprint(i+round), gets[i].Val())
			require.Equal(t, int64(round*2000+i+1), incrs[i].Val())
		}
	}
	require.Equal(t, "1999", rdb.LIndex(ctx, "mylist", 0).Val(), "the last pushed")
}

// TestSetInPlaceKeepsEarlierRepliesAndSnapshots overwrites keys with values
// of the same length, which the store writes over the old bytes: replies
// to earlier commands of the same pipeline or transaction must still carry
// the old values, and a BGSAVE that started before must save them.
func TestSetInPlaceKeepsEarlierRepliesAndSnapshots(t *testing.T) {
	dir := t.TempDir()
	srv := StartServer(t, "dir "+dir)
	ctx := context.Background()
	rdb := srv.Client(t)
	require.NoError(t, rdb.Set(ctx, "k", "old1", 0).Err())

	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "k")
		p.Set(ctx, "k", "new1", 0)
		p.Get(ctx, "k")
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, "old1", cmds[0].(*redis.StringCmd).Val())
	require.Equal(t, "new1", cmds[2].(*redis.StringCmd).Val())

	cmds, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "k")
		p.MSet(ctx, "k", "new2", "other", "x")
		p.Get(ctx, "k")
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, "new1", cmds[0].(*redis.StringCmd).Val())
	require.Equal(t, "new2", cmds[2].(*redis.StringCmd).Val())

	require.NoError(t, rdb.Expire(ctx, "k", time.Hour).Err())
	require.NoError(t, rdb.Set(ctx, "k", "new3", 0).Err())
	require.Equal(t, time.Duration(-1), rdb.TTL(ctx, "k").Val(), "SET drops the expiry, in place too")
	require.Equal(t, "new3", rdb.Get(ctx, "k").Val())

	const n = 20000
	p := rdb.Pipeline()
	for i := 0; i < n; i++ {
		p.Set(ctx, fmt.Sprint("s", i), "before", 0)
	}
	_, err = p.Exec(ctx)
	require.NoError(t, err)
	require.Equal(t, "Background saving started", rdb.BgSave(ctx).Val())
	p = rdb.Pipeline()
	for i := 0; i < n; i++ {
		p.Set(ctx, fmt.Sprint("s", i), "after!", 0) // as long as "before"
	}
	_, err = p.Exec(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return strings.Contains(rdb.Info(ctx, "persistence").Val(), "rdb_bgsave_in_progress:0\r\n")
	}, 30*time.Second, 5*time.Millisecond)
	srv.Close()

	srv2 := StartServer(t, "dir "+dir)
	rdb2 := srv2.Client(t)
	waitLoaded(t, rdb2)
	for i := 0; i < n; i += 997 {
		require.Equal(t, "before", rdb2.Get(ctx, fmt.Sprint("s", i)).Val(), "key s%d", i)
	}
}

// TestInfoNamesTheOperatingSystemAsUnameDoes checks INFO's os field
// against uname(1): the kernel's name, release and machine, as Redis
// writes them; and multiplexing_api, epoll on Linux as for Redis.
func TestInfoNamesTheOperatingSystemAsUnameDoes(t *testing.T) {
	out, err := exec.Command("uname", "-s", "-r", "-m").Output()
	require.NoError(t, err)
	srv := StartServer(t)
	info := srv.Client(t).Info(context.Background(), "server").Val()
	require.Contains(t, info, "\r\nos:"+strings.TrimSpace(string(out))+"\r\n")
	require.Contains(t, info, "\r\nmultiplexing_api:epoll\r\n")
}
