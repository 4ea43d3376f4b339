package server

import (
	"slices"
	"strconv"

	"quordis/cluster"
)

// routeCluster decides whether this node serves a command with keys (for
// EXEC, the keys of every queued command), answering "" to run it here or
// the redirection or refusal to send back (cluster.State.Route has the
// rules). Keyless commands are never redirected. Called with s.mu held.
func (s *Server) routeCluster(c *client, cmd *Command, args [][]byte, asking bool, now int64) string {
	write := cmd.Flags&FlagWrite != 0
	var buf [4][]byte
	keys := buf[:0]
	if cmd.Name == "exec" {
		// A transaction already refused (flagDirtyExec) is routed too, by
		// the commands queued before the refusal: Redis's getNodeByQuery
		// answers CROSSSLOT or a redirection for them before EXEC can
		// answer EXECABORT.
		if c.flags&flagMulti == 0 {
			return "" // EXEC answers its own error
		}
		for _, q := range c.multi {
			for _, p := range q.cmd.KeyPositions(q.args) {
				keys = append(keys, q.args[p])
			}
			write = write || q.cmd.Flags&FlagWrite != 0
		}
	} else {
		var pbuf [4]int
		for _, p := range cmd.appendKeyPositions(pbuf[:0], args) {
			keys = append(keys, args[p])
		}
	}
	if len(keys) == 0 {
		return ""
	}
	n := s.cluster
	st := n.view()
	db := s.store.DB(0)
	cfg := s.config()
	req := cluster.Request{
		Keys:         keys,
		Asking:       asking || cmd.Flags&FlagAsking != 0,
		ReadOnly:     c.flags&flagReadonly != 0,
		Migrate:      cmd.Name == "migrate",
		Write:        write,
		EndpointType: cfg.ClusterPreferredEndpointType,
	}
	// SSUBSCRIBE, SUNSUBSCRIBE and SPUBLISH, the pub/sub commands with
	// "keys": shard channels, which are not keys. As in Redis, an EXEC
	// that queued a pub/sub command routes as one.
	shard := (cmd.Flags|queuedFlags(c, cmd))&FlagPubSub != 0
	if len(st.Migrating) > 0 || len(st.Importing) > 0 {
		// Only an open slot asks which keys are here. A shard channel
		// counts as present, as Redis leaves shard channels out of the
		// keys it looks for.
		req.Exists = func(k []byte) bool { return shard || db.Exists(string(k), now) }
	}
	healthy := n.healthy(st)
	if shard && cfg.ClusterAllowPubsubshardWhenDown {
		healthy = true // routed by the slot's owner alone
	}
	msg, _ := st.Route(n.id, &req, healthy)
	if msg == "CLUSTERDOWN The cluster is down" && !write && cfg.ClusterAllowReadsWhenDown {
		return ""
	}
	if msg == "CLUSTERDOWN The cluster is down" && write && cfg.ClusterAllowReadsWhenDown {
		return "CLUSTERDOWN The cluster is down and only accepts read commands"
	}
	return msg
}

// redirectBlocked releases the clients blocked on keys this node no longer
// serves, as Redis's clusterRedirectBlockedClientIfNeeded does: with
// CLUSTERDOWN when the cluster is down or the slot has no owner, with
// MOVED when another node owns it now (unless this node is importing the
// slot). It runs from the cron, only when the topology changed since the
// last look or the cluster is down. Called with s.mu held.
func (s *Server) redirectBlocked() {
	n := s.cluster
	if n == nil || len(s.blockers) == 0 {
		return
	}
	st := n.view()
	ok := n.healthy(st)
	if ok && st == n.blockedSeen {
		return
	}
	n.blockedSeen = st
	var release []*client
	var replies []Reply
	for _, list := range s.blockers {
		for _, cl := range list {
			if cl.blocked == nil || slices.Contains(release, cl) {
				continue
			}
			if msg := blockedRedirect(st, n.id, cl.blocked.keys, ok, s.config().ClusterPreferredEndpointType); msg != "" {
				release = append(release, cl)
				replies = append(replies, Err(msg))
			}
		}
	}
	for i, cl := range release {
		s.unblock(cl, replies[i])
	}
}

// blockedRedirect is the error that releases a client blocked on keys, or
// "" when this node still serves them.
func blockedRedirect(st *cluster.State, me string, keys []watchKey, ok bool, endpointType string) string {
	if !ok {
		return "CLUSTERDOWN The cluster is down"
	}
	for _, wk := range keys {
		slot := cluster.KeySlotString(wk.key)
		owner := st.Owner[slot]
		if owner == me {
			continue
		}
		if p, importing := st.Importing[slot]; importing && p[0] == me {
			continue
		}
		if owner == "" || st.Nodes[owner] == nil {
			return "CLUSTERDOWN Hash slot not served"
		}
		return "MOVED " + strconv.Itoa(slot) + " " + cluster.RedirectAddr(st.Nodes[owner], endpointType)
	}
	return ""
}
