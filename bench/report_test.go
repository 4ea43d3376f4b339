package bench

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNumberFormats(t *testing.T) {
	require.Equal(t, "1,234,568", thousands(1234567.8))
	require.Equal(t, "999", thousands(999))
	require.Equal(t, "-1,000", thousands(-1000))
	require.Equal(t, "—", thousands(math.NaN()))
	require.Equal(t, "1.25x", ratio(1.25))
	require.Equal(t, "—", ratio(math.NaN()))
	require.Equal(t, "0.047", fixed(0.0474, 3))
}

func TestRedisVersionFindsTheVersionField(t *testing.T) {
	require.Equal(t, "7.0.15", redisVersion("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64"))
	require.Equal(t, "(version unknown)", redisVersion("unknown: not found"))
}

func TestShellJoinQuotesWhatTheShellWouldSplit(t *testing.T) {
	require.Equal(t, `redis-server --save '' --dir /tmp/a --x 'it'\''s'`,
		shellJoin([]string{"redis-server", "--save", "", "--dir", "/tmp/a", "--x", "it's"}))
}
