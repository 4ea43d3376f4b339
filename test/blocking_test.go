package test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/server"
)

var blockingCompatCases = []compatCase{
	{"blocking pops served at once", script(
		"RPUSH a 1 2 3 4", "BLPOP nokey a 0", "BRPOP a 0", "BLMOVE a b LEFT RIGHT 0", "LRANGE b 0 -1",
		"BRPOPLPUSH a b 0", "LRANGE b 0 -1", "RPUSH c x y z", "BLMPOP 0 2 nokey c RIGHT COUNT 2", "BLMPOP 0 1 c LEFT",
		"EXISTS c")},
	{"blocking pop errors", script(
		"BLPOP k x", "BLPOP k -1", "BLPOP k 1e400", "SET s v", "BLPOP s 0", "BLPOP nokey s 0", "BLMOVE s b LEFT LEFT 0",
		"BLMOVE a b FOO LEFT 0", "BLMOVE a b LEFT FOO 0", "BLMPOP 0 0 a LEFT", "BLMPOP x 1 a LEFT",
		"BLMPOP 0 1 a MIDDLE", "BLMPOP 0 1 a LEFT COUNT 0", "BLMPOP 0 2 a LEFT", "RPUSH l x", "BLMOVE l s LEFT LEFT 0",
		"LRANGE l 0 -1")},
	{"blocking pops inside MULTI answer at once", script(
		"MULTI", "BLPOP a 0", "BRPOP a 10", "BLMOVE a b LEFT LEFT 0", "BRPOPLPUSH a b 0", "BLMPOP 0 1 a LEFT", "EXEC")},
	{"blocking pops that time out", script(
		"BLPOP a 0.01", "BLMOVE a b LEFT LEFT 0.01", "BRPOPLPUSH a b 0.01", "BLMPOP 0.01 1 a LEFT",
		"BZPOPMIN a 0.01", "BZMPOP 0.01 1 a MIN")},
	{"blocking sorted-set pops served at once", script(
		"ZADD z 1 a 2 b 3 c 4 d", "BZPOPMIN nokey z 0", "BZPOPMAX z 0", "BZMPOP 0 1 z MIN COUNT 2", "EXISTS z",
		"BZPOPMIN z 0.01", "BZMPOP x 0 z MIN", "BZMPOP x 1 z MIN", "BZMPOP 0 1 z FOO", "SET s v", "BZPOPMIN s 0",
		"MULTI", "BZPOPMIN z 0", "BZMPOP 0 1 z MAX", "EXEC")},
	{"blocking pops keys", script(
		"COMMAND GETKEYS BLPOP a b c 0", "COMMAND GETKEYS BLMPOP 0 2 a b LEFT", "COMMAND GETKEYS BLMOVE a b LEFT LEFT 0")},
}

// TestBlockingRepliesMatchRedis compares the blocking pops' immediate
// replies and errors with real Redis.
func TestBlockingRepliesMatchRedis(t *testing.T) {
	runCompat(t, blockingCompatCases)
}

// waitBlocked waits until n clients are blocked, as INFO reports.
func waitBlocked(t *testing.T, rdb *redis.Client, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r\n", n)
	require.Eventually(t, func() bool {
		return strings.Contains(rdb.Info(context.Background(), "clients").Val(), want)
	}, 5*time.Second, 5*time.Millisecond, "waiting for %d blocked clients", n)
}

// TestBlockedClientsAreServedInOrder checks that a push wakes the clients
// blocked on the key in the order they blocked, one element each.
func TestBlockedClientsAreServedInOrder(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	admin := srv.Client(t)
	results := make(chan string, 3)
	for i := 0; i < 3; i++ {
		c := srv.Client(t)
		go func(i int) {
			v, err := c.BLPop(ctx, 0, "q").Result()
			if err != nil {
				results <- "error: " + err.Error()
				return
			}
			results <- fmt.Sprintf("%d:%s", i, v[1])
		}(i)
		waitBlocked(t, admin, i+1)
	}
	require.NoError(t, admin.RPush(ctx, "q", "a", "b", "c").Err())
	got := []string{<-results, <-results, <-results}
	require.ElementsMatch(t, []string{"0:a", "1:b", "2:c"}, got)
	require.Equal(t, int64(0), admin.Exists(ctx, "q").Val())
	waitBlocked(t, admin, 0)
}

// TestBlockingTimeouts checks fractional timeouts and the timeout reply.
func TestBlockingTimeouts(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	start := time.Now()
	err := rdb.BLPop(ctx, 150*time.Millisecond, "nothing").Err()
	require.Equal(t, redis.Nil, err)
	require.GreaterOrEqual(t, time.Since(start), 140*time.Millisecond)

	c := srv.Dial(t)
	require.Equal(t, "*-1\r\n", c.Do("BRPOP", "nothing", "0.05"))
	// A timed-out BLMOVE gets a null array, as any blocked list command,
	// in Redis 7.0 (inside MULTI, a null: see blockingCompatCases).
	require.Equal(t, "*-1\r\n", c.Do("BLMOVE", "nothing", "x", "LEFT", "LEFT", "0.05"))
	c.Do("HELLO", "3")
	require.Equal(t, "_\r\n", c.Do("BLMPOP", "0.05", "1", "nothing", "LEFT"))
}

// TestRepliesBeforeABlockingCommandAreNotHeldBack pipelines a command, a
// BLPOP that blocks and another command: as in Redis, the first reply
// comes at once, then the BLPOP's when it is served (or times out), then
// the last.
func TestRepliesBeforeABlockingCommandAreNotHeldBack(t *testing.T) {
	srv := StartServer(t)
	c := srv.Dial(t)
	pipeline := "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"
	c.Send(pipeline)
	require.Equal(t, ":1\r\n", c.ReadReply(), "the reply before the BLPOP must not wait for it")
	require.NoError(t, srv.Client(t).RPush(context.Background(), "q", "x").Err())
	require.Equal(t, "*2\r\n$1\r\nq\r\n$1\r\nx\r\n", c.ReadReply())
	require.Equal(t, ":2\r\n", c.ReadReply())

	// A timeout instead of a push: the same order.
	c.Send(strings.Replace(pipeline, "$1\r\n0\r\n", "$4\r\n0.05\r\n", 1))
	require.Equal(t, ":3\r\n", c.ReadReply())
	require.Equal(t, "*-1\r\n", c.ReadReply())
	require.Equal(t, ":4\r\n", c.ReadReply())
}

// TestPushInsideTransactionWakesAfterExec checks that a waiter sees the
// state after EXEC, not an intermediate one.
func TestPushInsideTransactionWakesAfterExec(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	admin := srv.Client(t)
	waiter := srv.Client(t)
	got := make(chan []string, 1)
	go func() { got <- waiter.BLPop(ctx, 0, "l").Val() }()
	waitBlocked(t, admin, 1)
	_, err := admin.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, "l", "a")
		p.LPush(ctx, "l", "b")
		p.LPush(ctx, "l", "c")
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []string{"l", "c"}, <-got)
	require.Equal(t, []string{"b", "a"}, admin.LRange(ctx, "l", 0, -1).Val())

	// A transaction that pushes and pops leaves the waiter blocked.
	go func() { got <- waiter.BLPop(ctx, 0, "m").Val() }()
	waitBlocked(t, admin, 1)
	_, err = admin.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, "m", "x")
		p.LPop(ctx, "m")
		return nil
	})
	require.NoError(t, err)
	waitBlocked(t, admin, 1)
	require.NoError(t, admin.RPush(ctx, "m", "y").Err())
	require.Equal(t, []string{"m", "y"}, <-got)
}

// TestSwapDBServesBlockedClients checks that SWAPDB bringing a list into
// the database a client is blocked on serves it, as Redis's
// scanDatabaseForReadyKeys does, and leaves a client blocked on a key that
// is not there.
func TestSwapDBServesBlockedClients(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	admin := srv.Client(t)
	waiter := srv.Client(t)
	other := srv.ClientWith(t, &redis.Options{DB: 1})
	got := make(chan []string, 2)
	go func() { got <- waiter.BLPop(ctx, 0, "l").Val() }()
	go func() { got <- other.BLPop(ctx, 0, "m").Val() }()
	waitBlocked(t, admin, 2)
	require.NoError(t, other.RPush(ctx, "l", "x").Err())
	served := func() []string {
		select {
		case v := <-got:
			return v
		case <-time.After(5 * time.Second):
			return nil
		}
	}
	require.NoError(t, admin.Do(ctx, "SWAPDB", 0, 1).Err())
	require.Equal(t, []string{"l", "x"}, served())
	waitBlocked(t, admin, 1) // m is in neither database
	require.NoError(t, admin.RPush(ctx, "m", "y").Err())
	require.NoError(t, admin.Do(ctx, "SWAPDB", 0, 1).Err())
	require.Equal(t, []string{"m", "y"}, served())
}

// TestClientUnblock checks CLIENT UNBLOCK with TIMEOUT and ERROR.
func TestClientUnblock(t *testing.T) {
	srv := StartServer(t)
	admin := srv.Dial(t)
	waiter := srv.Dial(t)
	id := strings.TrimSpace(strings.TrimPrefix(waiter.Do("CLIENT", "ID"), ":"))
	waiter.Send("*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n")
	rdb := srv.Client(t)
	waitBlocked(t, rdb, 1)
	require.Equal(t, ":1\r\n", admin.Do("CLIENT", "UNBLOCK", id, "TIMEOUT"))
	require.Equal(t, "*-1\r\n", waiter.ReadReply())
	require.Equal(t, ":0\r\n", admin.Do("CLIENT", "UNBLOCK", id))
	require.Equal(t, "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n", admin.Do("CLIENT", "UNBLOCK", id, "FOO"))

	waiter.Send("*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n")
	waitBlocked(t, rdb, 1)
	require.Contains(t, admin.Do("CLIENT", "LIST", "ID", id), " flags=b ")
	require.Equal(t, ":1\r\n", admin.Do("CLIENT", "UNBLOCK", id, "ERROR"))
	require.Equal(t, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", waiter.ReadReply())
}

// TestDisconnectedWaiterLeavesNoTrace checks that a client that blocked
// and went away does not swallow a later push.
func TestDisconnectedWaiterLeavesNoTrace(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	c := srv.Dial(t)
	c.Send("*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n")
	waitBlocked(t, rdb, 1)
	c.Close()
	waitBlocked(t, rdb, 0)
	require.NoError(t, rdb.RPush(ctx, "k", "v").Err())
	require.Equal(t, []string{"v"}, rdb.LRange(ctx, "k", 0, -1).Val())
}

// TestPipelineAfterBlockingCommandKeepsOrder checks that commands sent
// after a blocking one wait for it, and replies come in order.
func TestPipelineAfterBlockingCommandKeepsOrder(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	c := srv.Dial(t)
	c.Send("*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n")
	waitBlocked(t, rdb, 1)
	require.NoError(t, rdb.RPush(ctx, "k", "a", "b").Err())
	require.Equal(t, "*2\r\n$1\r\nk\r\n$1\r\na\r\n", c.ReadReply())
	require.Equal(t, ":1\r\n", c.ReadReply())
	require.Equal(t, "+PONG\r\n", c.ReadReply())
}

// TestBlockingMoveChainsAndWrongTypeKeepsWaiting checks BLMOVE waking a
// BLPOP on its destination, and a waiter staying blocked while its key
// holds another type.
func TestBlockingMoveChainsAndWrongTypeKeepsWaiting(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	admin := srv.Client(t)
	mover, popper := srv.Client(t), srv.Client(t)
	moved := make(chan string, 1)
	popped := make(chan []string, 1)
	go func() { moved <- mover.BLMove(ctx, "src", "dst", "LEFT", "RIGHT", 0).Val() }()
	go func() { popped <- popper.BLPop(ctx, 0, "dst").Val() }()
	waitBlocked(t, admin, 2)
	require.NoError(t, admin.RPush(ctx, "src", "item").Err())
	require.Equal(t, "item", <-moved)
	require.Equal(t, []string{"dst", "item"}, <-popped)

	go func() { popped <- popper.BLPop(ctx, 0, "k").Val() }()
	waitBlocked(t, admin, 1)
	require.NoError(t, admin.Set(ctx, "k", "string", 0).Err())
	waitBlocked(t, admin, 1)
	require.NoError(t, admin.Del(ctx, "k").Err())
	require.NoError(t, admin.RPush(ctx, "k", "v").Err())
	require.Equal(t, []string{"k", "v"}, <-popped)
}

// TestServedBlockingPopsPropagateAsPops checks the effects: a served
// BLPOP is an LPOP, a served BLMOVE an LMOVE, after the push.
func TestServedBlockingPopsPropagateAsPops(t *testing.T) {
	rec := &recorder{}
	srv := StartServerWith(t, server.Options{Propagator: rec})
	ctx := context.Background()
	admin := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	waiter := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	got := make(chan []string, 1)
	go func() { got <- waiter.BLPop(ctx, 0, "q").Val() }()
	waitBlocked(t, admin, 1)
	rec.take()
	require.NoError(t, admin.RPush(ctx, "q", "a", "b").Err())
	require.Equal(t, []string{"q", "a"}, <-got)
	require.Equal(t, []string{"0 rpush q a b", "0 LPOP q"}, rec.take())

	moved := make(chan string, 1)
	go func() { moved <- waiter.BLMove(ctx, "s", "d", "RIGHT", "LEFT", 0).Val() }()
	waitBlocked(t, admin, 1)
	rec.take()
	require.NoError(t, admin.LPush(ctx, "s", "x").Err())
	require.Equal(t, "x", <-moved)
	require.Equal(t, []string{"0 lpush s x", "0 LMOVE s d RIGHT LEFT"}, rec.take())
}

// TestBlockingSortedSetPops checks BZPOPMIN and BZMPOP waking on ZADD and
// their effects.
func TestBlockingSortedSetPops(t *testing.T) {
	rec := &recorder{}
	srv := StartServerWith(t, server.Options{Propagator: rec})
	ctx := context.Background()
	admin := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	waiter := srv.Client(t)
	got := make(chan *redis.ZWithKey, 1)
	go func() { got <- waiter.BZPopMin(ctx, 0, "z1", "z2").Val() }()
	waitBlocked(t, admin, 1)
	rec.take()
	require.NoError(t, admin.ZAdd(ctx, "z2", redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 1, Member: "a"}).Err())
	r := <-got
	require.Equal(t, "z2", r.Key)
	require.Equal(t, "a", r.Member)
	require.Equal(t, 1.0, r.Score)
	require.Equal(t, []string{"0 zadd z2 2 b 1 a", "0 ZPOPMIN z2"}, rec.take())

	type mpop struct {
		key string
		zs  []redis.Z
	}
	gotM := make(chan mpop, 1)
	go func() {
		k, zs, _ := waiter.BZMPop(ctx, 0, "max", 5, "z3").Result()
		gotM <- mpop{k, zs}
	}()
	waitBlocked(t, admin, 1)
	rec.take()
	require.NoError(t, admin.ZAdd(ctx, "z3", redis.Z{Score: 1, Member: "x"}, redis.Z{Score: 3, Member: "y"}).Err())
	m := <-gotM
	require.Equal(t, "z3", m.key)
	require.Equal(t, []redis.Z{{Score: 3, Member: "y"}, {Score: 1, Member: "x"}}, m.zs)
	require.Equal(t, []string{"0 zadd z3 1 x 3 y", "0 ZPOPMAX z3 2"}, rec.take())
}
