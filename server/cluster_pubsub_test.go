package server

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPublishQueueTakesBatchesInOrder fills a node's backlog past a batch
// and takes it back: batches of at most maxPublishBatch bytes (one message
// even when it alone is larger), in the order queued, with the byte count
// back at zero at the end.
func TestPublishQueueTakesBatchesInOrder(t *testing.T) {
	q := &publishQueue{wake: make(chan struct{}, 1)}
	n := &clusterNode{}
	big := publishMsg{Channel: []byte("big"), Message: bytes.Repeat([]byte("x"), maxPublishBatch+1)}
	q.add(n, big)
	msg := bytes.Repeat([]byte("y"), 1<<20)
	for i := range 10 {
		q.add(n, publishMsg{Channel: []byte{byte(i)}, Message: msg})
	}
	first := q.take()
	require.Len(t, first, 1, "a message larger than a batch goes alone")
	require.Equal(t, "big", string(first[0].Channel))
	next := 0
	for len(q.pending) > 0 {
		select {
		case <-q.wake:
		default:
			t.Fatal("the sender is not woken while messages are left")
		}
		batch := q.take()
		size := 0
		for _, m := range batch {
			require.Equal(t, byte(next), m.Channel[0])
			next++
			size += len(m.Channel) + len(m.Message)
		}
		require.LessOrEqual(t, size-len(batch[len(batch)-1].Message), maxPublishBatch)
	}
	require.Equal(t, 10, next)
	require.Zero(t, q.bytes)
}
