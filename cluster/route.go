package cluster

import "strconv"

// Request is what routing needs to know of a command with keys.
type Request struct {
	Keys [][]byte
	// Exists reports whether a key is stored on this node (asked only
	// while the slot is being migrated or imported).
	Exists func(key []byte) bool
	// Asking is set when the connection sent ASKING just before, or the
	// command itself carries the asking flag (RESTORE-ASKING).
	Asking bool
	// ReadOnly is set for a read command on a READONLY connection.
	ReadOnly bool
	// Migrate is set for MIGRATE, which always runs where it was sent
	// while its slot is open.
	Migrate bool
	// Write is set for commands that may change data.
	Write bool
	// EndpointType is cluster-preferred-endpoint-type: how redirections
	// name the node ("ip", "hostname" or "unknown-endpoint").
	EndpointType string
}

// Route decides, in the order of Redis 7.0's getNodeByQuery, whether node
// me serves req: it returns "" to run the command here, or the error to
// answer (MOVED, ASK, CROSSSLOT, TRYAGAIN, CLUSTERDOWN), and the slot of
// the keys (-1 when there are none).
func (st *State) Route(me string, req *Request, clusterOK bool) (errMsg string, slot int) {
	if len(req.Keys) == 0 {
		return "", -1
	}
	first := req.Keys[0]
	slot = KeySlot(first)
	owner := st.Owner[slot]
	if owner == "" {
		return "CLUSTERDOWN Hash slot not served", slot
	}
	for _, k := range req.Keys[1:] {
		if string(k) != string(first) && KeySlot(k) != slot {
			return "CROSSSLOT Keys in request don't hash to the same slot", slot
		}
	}
	migratingTo := ""
	if owner == me {
		migratingTo = st.Migrating[slot]
	}
	importing := false
	if p, ok := st.Importing[slot]; ok && p[0] == me {
		importing = true
	}
	existing, missing := 0, 0
	if migratingTo != "" || importing {
		for _, k := range req.Keys {
			if req.Exists(k) {
				existing++
			} else {
				missing++
			}
		}
	}
	if !clusterOK {
		return "CLUSTERDOWN The cluster is down", slot
	}
	if req.Migrate && (migratingTo != "" || importing) {
		return "", slot
	}
	if migratingTo != "" && missing > 0 {
		if existing > 0 {
			return "TRYAGAIN Multiple keys request during rehashing of slot", slot
		}
		return st.redirect("ASK", slot, migratingTo, req.EndpointType), slot
	}
	if importing && req.Asking {
		if len(req.Keys) > 1 && missing > 0 {
			return "TRYAGAIN Multiple keys request during rehashing of slot", slot
		}
		return "", slot
	}
	if req.ReadOnly && !req.Write {
		if n := st.Nodes[me]; n != nil && n.MasterID == owner {
			return "", slot
		}
	}
	if owner != me {
		return st.redirect("MOVED", slot, owner, req.EndpointType), slot
	}
	return "", slot
}

func (st *State) redirect(kind string, slot int, id, endpointType string) string {
	n := st.Nodes[id]
	if n == nil {
		return "CLUSTERDOWN Hash slot not served"
	}
	return kind + " " + strconv.Itoa(slot) + " " + RedirectAddr(n, endpointType)
}

// RedirectAddr is how MOVED and ASK name node n under
// cluster-preferred-endpoint-type, as Redis's getPreferredEndpoint: its
// IP, its hostname ("?" when it announces none), or nothing before the
// port for unknown-endpoint.
func RedirectAddr(n *Node, endpointType string) string {
	switch endpointType {
	case "hostname":
		host := n.Hostname
		if host == "" {
			host = "?"
		}
		return host + ":" + strconv.Itoa(n.Port)
	case "unknown-endpoint":
		return ":" + strconv.Itoa(n.Port)
	}
	return joinHostPort(n.IP, n.Port)
}
