package cluster

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The vectors were measured with CLUSTER KEYSLOT on Redis 7.0.15.
func TestKeySlotMatchesRedis(t *testing.T) {
	for key, slot := range map[string]int{
		"foo": 12182, "123456789": 12739, "key:1": 6657,
		"{user1000}.following": 3443, "foo{}{bar}": 8363, "foo{{bar}}zap": 4015,
		"foo{bar}{zap}": 5061, "a{b}c": 3300, "{a}1": 15495, "{": 4092, "{}": 15257, "": 0,
	} {
		require.Equal(t, slot, KeySlot([]byte(key)), "key %q", key)
		require.Equal(t, slot, KeySlotString(key), "key %q", key)
	}
}

func TestCRC16CheckValue(t *testing.T) {
	require.Equal(t, uint16(0x31C3), crc16([]byte("123456789")))
}

func BenchmarkKeySlot(b *testing.B) {
	b.ReportAllocs()
	key := []byte("user:1000:profile")
	for b.Loop() {
		KeySlot(key)
	}
}
