package server

import "quordis/cluster"

// routeCluster decides whether this node serves a command with keys (for
// EXEC, the keys of every queued command), answering "" to run it here or
// the redirection or refusal to send back (cluster.State.Route has the
// rules). Keyless commands are never redirected. Called with s.mu held.
func (s *Server) routeCluster(c *client, cmd *Command, args [][]byte, asking bool, now int64) string {
	write := cmd.Flags&FlagWrite != 0
	var keys [][]byte
	if cmd.Name == "exec" {
		if c.flags&flagMulti == 0 || c.flags&flagDirtyExec != 0 {
			return "" // EXEC answers its own error
		}
		for _, q := range c.multi {
			for _, p := range q.cmd.KeyPositions(q.args) {
				keys = append(keys, q.args[p])
			}
			write = write || q.cmd.Flags&FlagWrite != 0
		}
	} else {
		if cmd.FirstKey == 0 && cmd.Keys == nil {
			return ""
		}
		for _, p := range cmd.KeyPositions(args) {
			keys = append(keys, args[p])
		}
	}
	if len(keys) == 0 {
		return ""
	}
	n := s.cluster
	st := n.view()
	db := s.store.DB(0)
	req := cluster.Request{
		Keys:     keys,
		Exists:   func(k []byte) bool { return db.Exists(string(k), now) },
		Asking:   asking || cmd.Flags&FlagAsking != 0,
		ReadOnly: c.flags&flagReadonly != 0,
		Migrate:  cmd.Name == "migrate",
		Write:    write,
	}
	msg, _ := st.Route(n.id, &req, n.healthy(st))
	if msg == "CLUSTERDOWN The cluster is down" && !write && s.config().ClusterAllowReadsWhenDown {
		return ""
	}
	if msg == "CLUSTERDOWN The cluster is down" && write && s.config().ClusterAllowReadsWhenDown {
		return "CLUSTERDOWN The cluster is down and only accepts read commands"
	}
	return msg
}
