package test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestOneProcessorServesEveryPipeline runs the server on one Go processor,
// where a connection lets the others run their commands before it writes
// its replies, and checks that 20 clients pipelining INCRs, beside one
// sending single commands, each get every reply, in order.
func TestOneProcessorServesEveryPipeline(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	srv := StartServer(t)
	ctx := context.Background()
	const clients, rounds, depth = 20, 50, 16
	var wg sync.WaitGroup
	errs := make(chan error, clients+1)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := srv.ClientWith(t, &redis.Options{PoolSize: 1})
			key := fmt.Sprint("counter:", c)
			for r := range rounds {
				cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
					for range depth {
						p.Incr(ctx, key)
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
				for i, cmd := range cmds {
					if got, want := cmd.(*redis.IntCmd).Val(), int64(r*depth+i+1); got != want {
						errs <- fmt.Errorf("%s: reply %d of round %d is %d, want %d", key, i, r, got, want)
						return
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		rdb := srv.ClientWith(t, &redis.Options{PoolSize: 1})
		for i := range 500 {
			if err := rdb.Set(ctx, "single", i, 0).Err(); err != nil {
				errs <- err
				return
			}
			if got := rdb.Get(ctx, "single").Val(); got != fmt.Sprint(i) {
				errs <- fmt.Errorf("GET single = %q after SET %d", got, i)
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, runtime.GOMAXPROCS(0))
}
