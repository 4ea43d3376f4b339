package test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// busyTranscript drives a server through a script that does not end: the
// other clients' replies once it is past busy-reply-threshold (set with
// its old name, lua-time-limit), SCRIPT KILL of a script that has not
// written and of one that has, a script that catches the kill with pcall,
// a go-redis client that connects meanwhile (HELLO, then SCRIPT KILL), and
// last SHUTDOWN NOSAVE, which stops the server. It returns every reply.
func busyTranscript(t *testing.T, addr string) []string {
	srv := &Server{Addr: addr}
	var out []string
	add := func(s string) { out = append(out, s) }
	a, b := srv.Dial(t), srv.Dial(t)
	add(b.Do("CONFIG", "SET", "lua-time-limit", "200"))
	add(b.Do("SET", "before", "1"))

	// b waits for the threshold, then is refused; c connects meanwhile.
	a.Send(encodeCommand([]string{"EVAL", "local i = 0 while true do i = i + 1 end", "0"}))
	time.Sleep(50 * time.Millisecond)
	add(b.Do("PING"))
	c := srv.Dial(t)
	for _, cmd := range [][]string{
		{"NOSUCH", "x"}, {"GET"}, {"GET", "before"}, {"SET", "x", "1"}, {"SHUTDOWN"}, {"SHUTDOWN", "SAVE"},
		{"SCRIPT", "FLUSH"}, {"EVAL", "return 1", "0"}, {"AUTH", "pw"}, {"SHUTDOWN", "ABORT"}, {"SHUTDOWN", "NOW", "X"},
	} {
		add(c.Do(cmd...))
	}
	add(srv.Dial(t).Do("MULTI"))
	add(c.Do("SCRIPT", "KILL"))
	add(a.ReadReply())
	add(b.Do("SCRIPT", "KILL"))
	add(c.Do("GET", "x"))
	add(c.Do("GET", "before"))

	// pcall cannot keep a killed script running past its line (Redis
	// raises the error again at the next line, Quordis at the next
	// instruction); a client that connects with go-redis (HELLO 3 first)
	// kills it.
	a.Send(encodeCommand([]string{"EVAL", "pcall(function() while true do end end)\nreturn 'survived'", "0"}))
	time.Sleep(250 * time.Millisecond)
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second})
	defer rdb.Close()
	ctx := context.Background()
	add(rdb.ScriptKill(ctx).Val())
	add(a.ReadReply())

	// Once the script has written, only SHUTDOWN NOSAVE stops it; its
	// caller gets no reply.
	a.Send(encodeCommand([]string{"EVAL", "redis.call('set', 'written', '1') while true do end", "0"}))
	time.Sleep(250 * time.Millisecond)
	d := srv.Dial(t)
	add(d.Do("SCRIPT", "KILL"))
	d.Send(encodeCommand([]string{"SHUTDOWN", "NOSAVE"}))
	add(d.ReadClosed())
	add(a.ReadClosed())
	require.Eventually(t, func() bool {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
		}
		return err != nil
	}, 5*time.Second, 10*time.Millisecond, "the server still accepts connections after SHUTDOWN NOSAVE")
	return out
}

// TestBusyScriptsAsRedis runs busyTranscript on Redis and on Quordis.
func TestBusyScriptsAsRedis(t *testing.T) {
	real := StartRealRedis(t)
	ours := StartServer(t)
	want := busyTranscript(t, real.Addr)
	got := busyTranscript(t, ours.Addr)
	busy := "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
	// Redis runs MULTI during a busy script; Quordis refuses it, and so
	// every command of the transaction (README, Known differences).
	require.Equal(t, "+OK\r\n", want[14])
	want[14] = busy
	require.Equal(t, want, got)
	require.Equal(t, busy, got[2])
	require.Equal(t, "+OK\r\n", got[15], "SCRIPT KILL")
	require.Contains(t, got[16], "-ERR Script killed by user with SCRIPT KILL... script: ")
	require.Equal(t, "OK", got[20], "SCRIPT KILL from go-redis")
	require.Contains(t, got[21], "-ERR Script killed")
	require.Contains(t, got[22], "-UNKILLABLE ")
}

// TestShutdownNosaveDropsABusyScriptsWrites stops a script that wrote with
// SHUTDOWN NOSAVE under appendfsync always: what was acknowledged before
// survives the restart, the script's write, never acknowledged, does not.
func TestShutdownNosaveDropsABusyScriptsWrites(t *testing.T) {
	dir := t.TempDir()
	lines := []string{"dir " + dir, "appendonly yes", "appendfsync always", "busy-reply-threshold 100"}
	srv := StartServer(t, lines...)
	ctx := context.Background()
	rdb := srv.Client(t)
	waitLoaded(t, rdb)
	require.NoError(t, rdb.Set(ctx, "acked", "1", 0).Err())
	a := srv.Dial(t)
	a.Send(encodeCommand([]string{"EVAL", "redis.call('set', 'unacked', '1') redis.call('del', 'acked') while true do end", "0"}))
	time.Sleep(150 * time.Millisecond)
	require.Equal(t, "", srv.RedisCLI(t, "SHUTDOWN", "NOSAVE"))
	a.ReadClosed()
	<-srv.Done()
	srv.Close()

	srv2 := StartServer(t, lines...)
	rdb2 := srv2.Client(t)
	waitLoaded(t, rdb2)
	require.Equal(t, "1", rdb2.Get(ctx, "acked").Val())
	require.EqualValues(t, 0, rdb2.Exists(ctx, "unacked").Val())
}
