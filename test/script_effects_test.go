package test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/server"
)

// TestScriptsPropagateTheirEffects checks what a script's writes send to
// the AOF and the replicas: the commands it ran, as effects (relative
// expiry made absolute, a random pop as the removal of what it popped),
// wrapped in MULTI/EXEC when there are several, nothing for a script that
// only reads or whose writes changed nothing, and nothing for what
// redis.set_repl keeps from the replicas.
func TestScriptsPropagateTheirEffects(t *testing.T) {
	rec := &recorder{}
	now := time.UnixMilli(1_700_000_000_000)
	srv := StartServerWith(t, server.Options{Propagator: rec, Clock: func() time.Time { return now }}, "hz 1")
	ctx := context.Background()
	rdb := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	rec.take()

	eval := func(body string, keys []string, args ...any) any {
		t.Helper()
		v, err := rdb.Eval(ctx, body, keys, args...).Result()
		if err != redis.Nil {
			require.NoError(t, err)
		}
		return v
	}
	require.EqualValues(t, 2, eval("redis.call('set', KEYS[1], '1', 'EX', 10); return redis.call('incr', KEYS[1])", []string{"a"}))
	require.Equal(t, []string{"0 MULTI", "0 SET a 1 PXAT 1700000010000", "0 incr a", "0 EXEC"}, rec.take())

	eval("return redis.call('set', KEYS[1], ARGV[1])", []string{"b"}, "v")
	require.Equal(t, []string{"0 set b v"}, rec.take())

	eval("return {redis.call('get', 'a'), redis.call('del', 'nosuch')}", nil)
	require.Empty(t, rec.take())

	eval("redis.call('sadd', 's', 'm'); return redis.call('spop', 's')", nil)
	require.Equal(t, []string{"0 MULTI", "0 sadd s m", "0 SREM s m", "0 EXEC"}, rec.take())

	eval("redis.call('select', 2); return redis.call('set', 'in2', 'x')", nil)
	require.Equal(t, []string{"2 set in2 x"}, rec.take())

	eval("redis.set_repl(redis.REPL_NONE); redis.call('set', 'hidden', '1'); return 1", nil)
	require.Empty(t, rec.take())
	eval("redis.set_repl(redis.REPL_AOF); redis.call('set', 'aof-only', '1'); return 1", nil)
	require.Empty(t, rec.take())
	eval("redis.set_repl(redis.REPL_REPLICA); redis.call('set', 'replica-only', '1'); "+
		"redis.set_repl(redis.REPL_ALL); redis.call('set', 'both', '1'); return 1", nil)
	require.Equal(t, []string{"0 MULTI", "0 set replica-only 1", "0 set both 1", "0 EXEC"}, rec.take())

	// A script in a transaction: one unit with the rest.
	pipe := rdb.TxPipeline()
	pipe.Set(ctx, "t", "1", 0)
	pipe.Eval(ctx, "return redis.call('incr', 't')", nil)
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"0 MULTI", "0 set t 1", "0 incr t", "0 EXEC"}, rec.take())
}

// TestScriptWritesSurviveARestart runs scripts with the AOF on, under
// appendfsync always, restarts the server on its directory and finds what
// they wrote; what redis.set_repl kept from the AOF is not there.
func TestScriptWritesSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	lines := []string{"dir " + dir, "appendonly yes", "appendfsync always"}
	srv := StartServer(t, lines...)
	ctx := context.Background()
	rdb := srv.Client(t)
	waitLoaded(t, rdb)
	inc := redis.NewScript("local n = redis.call('incrby', KEYS[1], ARGV[1]); redis.call('rpush', KEYS[2], n); return n")
	for i := 1; i <= 50; i++ {
		require.NoError(t, inc.Run(ctx, rdb, []string{"counter", "log"}, i).Err())
	}
	require.NoError(t, rdb.Eval(ctx, "redis.set_repl(redis.REPL_REPLICA); return redis.call('set', 'not-in-aof', '1')", nil).Err())
	require.NoError(t, rdb.Eval(ctx, "redis.call('set', 'gone', 'x'); return redis.call('expire', 'gone', 1000)", nil).Err())

	srv.Close()
	srv2 := StartServer(t, lines...)
	rdb2 := srv2.Client(t)
	waitLoaded(t, rdb2)
	require.Equal(t, "1275", rdb2.Get(ctx, "counter").Val())
	require.EqualValues(t, 50, rdb2.LLen(ctx, "log").Val())
	require.EqualValues(t, 0, rdb2.Exists(ctx, "not-in-aof").Val())
	ttl := rdb2.TTL(ctx, "gone").Val()
	require.True(t, ttl > 900*time.Second && ttl <= 1000*time.Second, "%v", ttl)

	// The AOF holds the commands the scripts ran, not EVAL.
	var aof strings.Builder
	files, err := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		aof.Write(b)
	}
	require.NotContains(t, strings.ToLower(aof.String()), "eval")
	require.Contains(t, aof.String(), "incrby")
	require.Contains(t, aof.String(), "PEXPIREAT")
}
