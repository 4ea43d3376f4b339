package test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/server"
)

// recorder is a Propagator that keeps what it is given, as the AOF and
// replication will receive it.
type recorder struct {
	mu      sync.Mutex
	effects []string
}

func (r *recorder) Propagate(db int, argv [][]byte) {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = string(a)
	}
	r.mu.Lock()
	r.effects = append(r.effects, strconv.Itoa(db)+" "+strings.Join(parts, " "))
	r.mu.Unlock()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.effects
	r.effects = nil
	return out
}

// TestWritesPropagateAsDeterministicEffects checks that writes reach the
// propagator as the effects Redis would log: relative expiry made
// absolute, INCRBYFLOAT as a SET of the result, expired keys as DEL, reads
// and failed writes not at all, and a transaction wrapped in MULTI/EXEC.
func TestWritesPropagateAsDeterministicEffects(t *testing.T) {
	rec := &recorder{}
	now := time.UnixMilli(1_700_000_000_000)
	var clockMu sync.Mutex
	clock := func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		clockMu.Lock()
		now = now.Add(d)
		clockMu.Unlock()
	}
	srv := StartServerWith(t, server.Options{Propagator: rec, Clock: clock}, "hz 1")
	ctx := context.Background()
	rdb := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	rec.take()

	do := func(args ...any) {
		t.Helper()
		rdb.Do(ctx, args...)
	}
	do("SET", "a", "1", "EX", "10")
	do("SET", "b", "2")
	do("GET", "b")
	do("INCR", "a", "extra")
	do("INCRBYFLOAT", "f", "1.5")
	do("EXPIRE", "b", "100")
	do("SETEX", "c", "5", "v")
	do("GETEX", "b", "PX", "1000")
	do("SELECT", "3")
	do("SET", "d", "x")
	do("SELECT", "0")
	require.Equal(t, []string{
		"0 SET a 1 PXAT 1700000010000",
		"0 SET b 2",
		"0 SET f 1.5 KEEPTTL",
		"0 PEXPIREAT b 1700000100000",
		"0 SET c v PXAT 1700000005000",
		"0 PEXPIREAT b 1700000001000",
		"3 SET d x",
	}, rec.take())

	// A key found expired on access leaves as a DEL, before the command.
	advance(20 * time.Second)
	do("GET", "a")
	require.Equal(t, []string{"0 DEL a"}, rec.take())

	// A transaction's writes are one unit.
	pipe := rdb.TxPipeline()
	pipe.Set(ctx, "x", "1", 0)
	pipe.Incr(ctx, "x")
	pipe.Get(ctx, "x")
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"0 MULTI", "0 set x 1", "0 incr x", "0 EXEC"}, rec.take())
}
