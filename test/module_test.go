package test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"quordis/server"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestModuleCommandMatchesRedis checks MODULE where enable-module-command
// allows it, on Quordis and on redis-server 7.0 with no module loaded:
// nothing is listed, a load fails with Redis's error (Quordis cannot load
// Redis modules, and says so in its log), and an unload finds nothing.
func TestModuleCommandMatchesRedis(t *testing.T) {
	var logged lockedBuffer
	quordis := StartServerWith(t, server.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))}, "enable-module-command yes")
	real := StartRealRedis(t, "--enable-module-command", "yes")
	for _, addr := range []string{real.Addr, quordis.Addr} {
		for _, proto := range []int{2, 3} {
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
			list, err := rdb.Do(ctx, "MODULE", "LIST").Slice()
			require.NoError(t, err, addr)
			require.Empty(t, list)
			for _, load := range [][]any{
				{"MODULE", "LOAD", "/nonexistent.so"},
				{"MODULE", "LOAD", "/nonexistent.so", "a", "b"},
				{"MODULE", "LOADEX", "/nonexistent.so", "CONFIG", "a", "b", "ARGS", "x"},
			} {
				require.EqualError(t, rdb.Do(ctx, load...).Err(), "ERR Error loading the extension. Please check the server logs.", addr)
			}
			require.EqualError(t, rdb.Do(ctx, "MODULE", "UNLOAD", "foo").Err(), "ERR Error unloading module: no such module with that name")
			rdb.Close()
		}
	}
	require.Contains(t, logged.String(), `msg="Module failed to load: Quordis cannot load Redis modules" path=/nonexistent.so`)
}

// lockedBuffer is a bytes.Buffer for a server's log, safe to write from
// its goroutines while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
