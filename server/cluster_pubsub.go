package server

import (
	"encoding/json"
	"slices"
	"sync"
	"time"

	"quordis/cluster"
)

// PUBLISH in cluster mode reaches the subscribers of every node, as Redis's
// clusterPropagatePublish sends the message to every node over the cluster
// bus; its reply counts the receivers on the node that ran it, as Redis's
// does. Each node has a queue of its own, sent in batches by one goroutine
// (one control RPC per batch), so that the messages from one node reach
// another in the order they were published there, and a slow or dead node
// holds up only its own queue. A batch that cannot be delivered is
// dropped, as Redis's messages are when a bus link is down.
//
// SPUBLISH is not forwarded: Redis sends a shard message only to the
// replicas of the shard, and every node here is a master of its own.

// publishMsg is one forwarded message.
type publishMsg struct {
	Channel []byte `json:"c"`
	Message []byte `json:"m"`
}

// maxPublishBatch bounds the messages one control RPC carries, in bytes
// (their JSON, base64 inside, stays well under the bus's 16 MB frame).
const maxPublishBatch = 4 << 20

// maxForwarded is the largest message forwarded: its JSON (base64, a
// third larger) must fit in one control RPC, 16 MB. A larger one reaches
// only the subscribers of the node that ran PUBLISH.
const maxForwarded = 12 << 20

// maxPublishBacklog bounds the messages waiting for one node, in bytes:
// past it, new messages for that node are dropped (logged once per
// backlog) rather than held in memory without end.
const maxPublishBacklog = 64 << 20

// publishQueue is the backlog for one node.
type publishQueue struct {
	mu      sync.Mutex
	pending []publishMsg
	bytes   int
	dropped bool // a message was dropped since the backlog last emptied
	wake    chan struct{}
}

// forwardPublish queues a message for every other node that is not
// flagged as failing. Called with Server.mu held.
func (n *clusterNode) forwardPublish(channel, message []byte, shard bool) {
	if shard {
		return
	}
	st := n.view()
	if len(st.Nodes) < 2 {
		return
	}
	if len(channel)+len(message) > maxForwarded {
		n.log.Warn("not forwarding a published message to the other nodes: over 12 MB", "bytes", len(channel)+len(message))
		return
	}
	m := publishMsg{Channel: append([]byte(nil), channel...), Message: append([]byte(nil), message...)}
	for id, node := range st.Nodes {
		if id == n.id || node.Fail {
			continue
		}
		if q := n.publishQueue(node.BusAddr()); q != nil {
			q.add(n, m)
		}
	}
}

// publishQueue returns the queue for the node at the bus address addr,
// starting its sender the first time, or nil once the node is closing.
func (n *clusterNode) publishQueue(addr string) *publishQueue {
	n.pubMu.Lock()
	defer n.pubMu.Unlock()
	q := n.pubQueues[addr]
	if q == nil {
		if n.pubClosed {
			return nil
		}
		if n.pubQueues == nil {
			n.pubQueues = make(map[string]*publishQueue)
		}
		q = &publishQueue{wake: make(chan struct{}, 1)}
		n.pubQueues[addr] = q
		n.wg.Add(1)
		go n.sendPublished(addr, q)
	}
	return q
}

func (q *publishQueue) add(n *clusterNode, m publishMsg) {
	size := len(m.Channel) + len(m.Message)
	q.mu.Lock()
	if q.bytes+size > maxPublishBacklog {
		first := !q.dropped
		q.dropped = true
		q.mu.Unlock()
		if first {
			n.log.Warn("dropping published messages: a node does not take them fast enough")
		}
		return
	}
	q.pending = append(q.pending, m)
	q.bytes += size
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// sendPublished delivers a node's queue until the node closes.
func (n *clusterNode) sendPublished(addr string, q *publishQueue) {
	defer n.wg.Done()
	for {
		select {
		case <-n.closed:
			return
		case <-q.wake:
		}
		batch := q.take()
		if len(batch) == 0 {
			continue
		}
		b, err := json.Marshal(&ctlRequest{Type: "publish", Publish: batch})
		if err == nil {
			_, err = n.bus.Call(addr, b, publishTimeout)
		}
		if err != nil {
			n.log.Debug("forwarding published messages", "node", addr, "messages", len(batch), "err", err)
		}
	}
}

// publishTimeout bounds the delivery of one batch; shutting down waits for
// the batches in flight.
const publishTimeout = 2 * time.Second

// take removes the oldest messages, up to maxPublishBatch bytes (at least
// one), and wakes the sender again when more are left.
func (q *publishQueue) take() []publishMsg {
	q.mu.Lock()
	defer q.mu.Unlock()
	size, i := 0, 0
	for i < len(q.pending) && (i == 0 || size < maxPublishBatch) {
		size += len(q.pending[i].Channel) + len(q.pending[i].Message)
		i++
	}
	batch := q.pending[:i:i]
	q.pending = q.pending[i:]
	q.bytes -= size
	if len(q.pending) == 0 {
		q.pending, q.dropped = nil, false
	} else {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return batch
}

// deliverPublished hands messages another node forwarded to this node's
// subscribers.
func (n *clusterNode) deliverPublished(msgs []publishMsg) {
	s := n.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		s.publish(m.Channel, m.Message, false, false)
	}
}

// dropUnservedShardChannels unsubscribes every client from the shard
// channels whose slot another node (or none) now serves, each with a
// SUNSUBSCRIBE confirmation, as Redis does when a slot leaves a node
// (removeChannelsInSlot): the clients resubscribe where the slot went. It
// runs from the cron when the topology changed since its last look.
// Called with Server.mu held.
func (s *Server) dropUnservedShardChannels() {
	n := s.cluster
	if n == nil || len(s.pubsub[subShard]) == 0 {
		return
	}
	st := n.view()
	if st == n.shardSeen {
		return
	}
	n.shardSeen = st
	var gone []string
	for name := range s.pubsub[subShard] {
		if st.Owner[cluster.KeySlotString(name)] != n.id {
			gone = append(gone, name)
		}
	}
	slices.Sort(gone)
	for _, name := range gone {
		for cl := range s.pubsub[subShard][name] {
			s.unsubscribeOne(cl, subShard, name)
			cl.push(appendSubReply(nil, cl.proto, subNames[subShard].unsub, []byte(name), cl.subCount(subShard)), aofMark{})
			if cl.subs.total() == 0 {
				cl.leavePubSub()
			}
		}
	}
}
