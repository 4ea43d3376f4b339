package server

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"quordis/cluster"
)

const msgClusterDisabled = "ERR This instance has cluster support disabled"

// clusterCommands are CLUSTER and its subcommands, and the per-connection
// cluster commands ASKING, READONLY and READWRITE.
func clusterCommands() []*Command {
	admin := FlagAdmin | FlagStale | FlagNoAsyncLoading
	nondet := []string{"nondeterministic_output"}
	sub := func(name string, arity int, flags Flag, tips []string, summary string, h func(*Ctx, *clusterNode) Reply) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, Tips: tips, Group: "cluster", Since: "3.0.0",
			Summary: summary, Complexity: "O(1)", Handler: onCluster(h)}
	}
	conn := func(name, summary string, flags Flag, h Handler) *Command {
		return &Command{Name: name, Arity: 1, Flags: flags, ACL: ACLConnection, Group: "cluster", Since: "3.0.0",
			Summary: summary, Complexity: "O(1)", Handler: h}
	}
	return []*Command{
		{
			Name: "cluster", Arity: -2, Group: "cluster", Since: "3.0.0",
			Summary: "A container for Redis Cluster commands",
			Sub: []*Command{
				sub("addslots", -3, admin, nil, "Assigns new hash slots to a node", clusterAddSlots),
				sub("addslotsrange", -4, admin, nil, "Assigns new hash slot ranges to a node", clusterAddSlots),
				sub("bumpepoch", 2, admin, nondet, "Advances the cluster config epoch", clusterBumpEpoch),
				sub("count-failure-reports", 3, FlagAdmin|FlagStale, nondet, "Returns the number of active failure reports active for a node", clusterCountFailureReports),
				sub("countkeysinslot", 3, FlagStale, nil, "Returns the number of keys in a hash slot", clusterCountKeysInSlot),
				sub("delslots", -3, admin, nil, "Sets hash slots as unbound for a node", clusterDelSlots),
				sub("delslotsrange", -4, admin, nil, "Sets hash slot ranges as unbound for a node", clusterDelSlots),
				sub("failover", -2, admin, nil, "Forces a replica to perform a manual failover of its master", clusterFailover),
				sub("flushslots", 2, admin, nil, "Deletes all slots information from a node", clusterFlushSlots),
				sub("forget", 3, admin, nil, "Removes a node from the nodes table", clusterForget),
				sub("getkeysinslot", 4, FlagStale, nondet, "Returns the key names in a hash slot", clusterGetKeysInSlot),
				sub("info", 2, FlagStale, nondet, "Returns information about the state of a node", clusterInfo),
				sub("keyslot", 3, FlagStale, nil, "Returns the hash slot for a key", clusterKeySlot),
				sub("links", 2, FlagStale, nondet, "Returns a list of all TCP links to and from peer nodes", clusterLinks),
				sub("meet", -4, admin, nil, "Forces a node to handshake with another node", clusterMeet),
				sub("myid", 2, FlagStale, nil, "Returns the ID of a node", clusterMyID),
				sub("myshardid", 2, FlagStale, nondet, "Returns the shard ID of a node", clusterMyShardID),
				sub("nodes", 2, FlagStale, nondet, "Returns the cluster configuration for a node", clusterNodes),
				sub("replicas", 3, FlagAdmin|FlagStale, nondet, "Lists the replica nodes of a master node", clusterReplicas),
				sub("replicate", 3, admin, nil, "Configure a node as replica of a master node", clusterReplicate),
				sub("reset", -2, FlagAdmin|FlagNoScript|FlagStale, nil, "Resets a node", clusterReset),
				sub("saveconfig", 2, admin, nil, "Forces a node to save the cluster configuration to disk", clusterSaveConfig),
				sub("set-config-epoch", 3, admin, nil, "Sets the configuration epoch for a new node", clusterSetConfigEpoch),
				sub("setslot", -4, admin, nil, "Binds a hash slot to a node", clusterSetSlot),
				sub("shards", 2, FlagStale, nondet, "Returns the mapping of cluster slots to shards", clusterShards),
				sub("slaves", 3, FlagAdmin|FlagStale, nondet, "Lists the replica nodes of a master node", clusterReplicas),
				sub("slots", 2, FlagStale, nondet, "Returns the mapping of cluster slots to nodes", clusterSlots),
				clusterOnly(helpCommand("5.0.0", "cluster",
					"ADDSLOTS <slot> [<slot> ...]", "    Assign slots to the current node.",
					"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]", "    Assign slot ranges to the current node.",
					"BUMPEPOCH", "    Advance the cluster config epoch.",
					"COUNT-FAILURE-REPORTS <node-id>", "    Return number of failure reports for <node-id>.",
					"COUNTKEYSINSLOT <slot>", "    Return the number of keys in <slot>.",
					"DELSLOTS <slot> [<slot> ...]", "    Delete slots information from the current node.",
					"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]", "    Delete slot ranges information from the current node.",
					"FAILOVER [FORCE|TAKEOVER]", "    Promote current replica node to being a master.",
					"FORGET <node-id>", "    Remove a node from the cluster.",
					"GETKEYSINSLOT <slot> <count>", "    Return key names stored by current node in a slot.",
					"FLUSHSLOTS", "    Delete current node own slots information.",
					"INFO", "    Return information about the cluster.",
					"KEYSLOT <key>", "    Return the hash slot for <key>.",
					"MEET <ip> <port> [<bus-port>]", "    Connect nodes into a working cluster.",
					"MYID", "    Return the node id.",
					"MYSHARDID", "    Return the node's shard id.",
					"NODES", "    Return cluster configuration seen by node. Output format:",
					"    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
					"REPLICATE <node-id>", "    Configure current node as replica to <node-id>.",
					"RESET [HARD|SOFT]", "    Reset current node (default: soft).",
					"SET-CONFIG-EPOCH <epoch>", "    Set config epoch of current node.",
					"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)", "    Set slot state.",
					"REPLICAS <node-id>", "    Return <node-id> replicas.",
					"SAVECONFIG", "    Force saving cluster configuration on disk.",
					"SLOTS", "    Return information about slots range mappings. Each range is made of:",
					"    start, end, master and replicas IP addresses, ports and ids",
					"SHARDS", "    Return information about slot range mappings and the nodes associated with them.",
					"LINKS", "    Return information about all network links between this node and its peers.")),
			},
		},
		conn("asking", "Sent by cluster clients after an -ASK redirect", FlagFast, askingCommand),
		conn("readonly", "Enables read-only queries for a connection to a Redis Cluster replica node",
			FlagLoading|FlagStale|FlagFast, readonlyCommand),
		conn("readwrite", "Enables read-write queries for a connection to a Reids Cluster replica node",
			FlagLoading|FlagStale|FlagFast, readwriteCommand),
	}
}

// onCluster wraps a CLUSTER subcommand: without cluster mode it answers
// Redis's error.
func onCluster(h func(*Ctx, *clusterNode) Reply) Handler {
	return func(c *Ctx) Reply {
		if c.s.cluster == nil {
			return Err(msgClusterDisabled)
		}
		return h(c, c.s.cluster)
	}
}

// clusterOnly makes cmd (CLUSTER HELP) answer Redis's error without
// cluster mode, as every CLUSTER subcommand does there.
func clusterOnly(cmd *Command) *Command {
	h := cmd.Handler
	cmd.Handler = onCluster(func(c *Ctx, _ *clusterNode) Reply { return h(c) })
	return cmd
}

// ASKING
func askingCommand(c *Ctx) Reply {
	if c.s.cluster == nil {
		return Err(msgClusterDisabled)
	}
	c.cl.flags |= flagAsking
	return replyOK
}

// READONLY
func readonlyCommand(c *Ctx) Reply {
	if c.s.cluster == nil {
		return Err(msgClusterDisabled)
	}
	c.cl.flags |= flagReadonly
	return replyOK
}

// READWRITE
func readwriteCommand(c *Ctx) Reply {
	if c.s.cluster == nil {
		return Err(msgClusterDisabled)
	}
	c.cl.flags &^= flagReadonly
	return replyOK
}

// proposeReply applies op through the metadata group and turns its result
// into a reply.
func proposeReply(n *clusterNode, op *cluster.Op) Reply {
	op.ID = n.id
	res, err := n.propose(op)
	if err != nil {
		return Err("CLUSTERDOWN The cluster metadata is unavailable: " + err.Error())
	}
	if res.Err != "" {
		return Err(res.Err)
	}
	return Simple(res.Status)
}

// CLUSTER INFO
func clusterInfo(c *Ctx, n *clusterNode) Reply {
	st := n.view()
	return Verbatim(st.InfoText(n.id, n.healthy(st)))
}

// CLUSTER NODES
func clusterNodes(c *Ctx, n *clusterNode) Reply {
	return Verbatim(n.view().NodesText(n.id, c.Now))
}

// CLUSTER MYID
func clusterMyID(c *Ctx, n *clusterNode) Reply { return BulkString(n.id) }

// CLUSTER MYSHARDID (Redis 7.2): a shard is a master and its replicas, so
// its id is the master's.
func clusterMyShardID(c *Ctx, n *clusterNode) Reply {
	if me := n.view().Nodes[n.id]; me != nil && me.MasterID != "" {
		return BulkString(me.MasterID)
	}
	return BulkString(n.id)
}

// CLUSTER KEYSLOT key
func clusterKeySlot(c *Ctx, n *clusterNode) Reply {
	return Int(int64(cluster.KeySlot(c.Args[2])))
}

// CLUSTER COUNTKEYSINSLOT slot
func clusterCountKeysInSlot(c *Ctx, n *clusterNode) Reply {
	slot, err := strconv.ParseInt(string(c.Args[2]), 10, 64)
	if err != nil {
		return replyNotInt
	}
	if slot < 0 || slot >= cluster.Slots {
		return Err("ERR Invalid slot")
	}
	return Int(int64(c.s.store.DB(0).CountKeysInSlot(int(slot))))
}

// CLUSTER GETKEYSINSLOT slot count
func clusterGetKeysInSlot(c *Ctx, n *clusterNode) Reply {
	slot, err := strconv.ParseInt(string(c.Args[2]), 10, 64)
	if err != nil {
		return replyNotInt
	}
	count, err := strconv.ParseInt(string(c.Args[3]), 10, 64)
	if err != nil {
		return replyNotInt
	}
	if slot < 0 || slot >= cluster.Slots || count < 0 {
		return Err("ERR Invalid slot or number of keys")
	}
	return Strings(c.s.store.DB(0).KeysInSlot(int(slot), int(min(count, 1<<30))))
}

// parseSlot parses a slot argument with Redis's error.
func parseSlot(b []byte) (int, *Reply) {
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || v < 0 || v >= cluster.Slots {
		r := Err("ERR Invalid or out of range slot")
		return 0, &r
	}
	return int(v), nil
}

// CLUSTER ADDSLOTS slot [slot ...] | ADDSLOTSRANGE start end [start end ...]
// CLUSTER DELSLOTS ... | DELSLOTSRANGE ...
//
// The arguments are parsed here; whether each slot is free (or assigned)
// and given once is checked by the metadata group's state machine, in
// argument order with Redis's errors, where it is atomic with the change.
func clusterAddSlots(c *Ctx, n *clusterNode) Reply { return changeSlots(c, n, true) }

func clusterDelSlots(c *Ctx, n *clusterNode) Reply { return changeSlots(c, n, false) }

func changeSlots(c *Ctx, n *clusterNode, add bool) Reply {
	ranged := strings.HasSuffix(c.Cmd.Name, "range")
	args := c.Args[2:]
	if ranged && len(args)%2 != 0 {
		return Err("ERR wrong number of arguments for '" + c.Cmd.FullName() + "' command")
	}
	var slots []int
	if ranged {
		for i := 0; i < len(args); i += 2 {
			a, r := parseSlot(args[i])
			if r != nil {
				return *r
			}
			b, r := parseSlot(args[i+1])
			if r != nil {
				return *r
			}
			if a > b {
				return Err(fmt.Sprintf("ERR start slot number %d is greater than end slot number %d", a, b))
			}
			for s := a; s <= b; s++ {
				slots = append(slots, s)
			}
		}
	} else {
		for _, a := range args {
			s, r := parseSlot(a)
			if r != nil {
				return *r
			}
			slots = append(slots, s)
		}
	}
	kind := cluster.OpDelSlots
	if add {
		kind = cluster.OpAddSlots
	}
	return proposeReply(n, &cluster.Op{Kind: kind, Slots: slots})
}

// CLUSTER FLUSHSLOTS
func clusterFlushSlots(c *Ctx, n *clusterNode) Reply {
	if c.s.store.DB(0).Len() != 0 {
		return Err("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.")
	}
	return proposeReply(n, &cluster.Op{Kind: cluster.OpFlushSlots})
}

// CLUSTER SETSLOT slot IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE
func clusterSetSlot(c *Ctx, n *clusterNode) Reply {
	st := n.view()
	if me := st.Nodes[n.id]; me != nil && me.MasterID != "" {
		return Err("ERR Please use SETSLOT only with masters.")
	}
	slot, r := parseSlot(c.Args[2])
	if r != nil {
		return *r
	}
	action := strings.ToLower(string(c.Args[3]))
	switch {
	case (action == "migrating" || action == "importing" || action == "node") && len(c.Args) == 5:
	case action == "stable" && len(c.Args) == 4:
	default:
		return Err("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
	}
	op := &cluster.Op{Kind: cluster.OpSetSlot, Slots: []int{slot}, Action: action}
	if len(c.Args) == 5 {
		op.Target = string(c.Args[4])
	}
	importer := st.Importing[slot]
	switch action {
	case "stable":
		if (st.Owner[slot] != n.id || st.Migrating[slot] == "") && importer[0] != n.id {
			return replyOK // nothing open here
		}
	case "node":
		target := st.Nodes[op.Target]
		if target == nil {
			return Err("ERR Unknown node " + op.Target)
		}
		if target.MasterID != "" {
			return Err("ERR Target node is not a master")
		}
		if st.Owner[slot] == n.id && op.Target != n.id && c.s.store.DB(0).CountKeysInSlot(slot) > 0 {
			return Err(fmt.Sprintf("ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot.", slot))
		}
		if st.Owner[slot] == op.Target && st.Migrating[slot] == "" && importer[0] != n.id {
			return replyOK // the first SETSLOT NODE of the move already gave it away
		}
	}
	return proposeReply(n, op)
}

// CLUSTER BUMPEPOCH
func clusterBumpEpoch(c *Ctx, n *clusterNode) Reply {
	return proposeReply(n, &cluster.Op{Kind: cluster.OpBumpEpoch})
}

// CLUSTER SET-CONFIG-EPOCH epoch
func clusterSetConfigEpoch(c *Ctx, n *clusterNode) Reply {
	epoch, err := strconv.ParseInt(string(c.Args[2]), 10, 64)
	if err != nil {
		return replyNotInt
	}
	if epoch < 0 {
		return Err(fmt.Sprintf("ERR Invalid config epoch specified: %d", epoch))
	}
	return proposeReply(n, &cluster.Op{Kind: cluster.OpSetEpoch, Epoch: uint64(epoch)})
}

// CLUSTER MEET ip port [bus-port]
//
// A node that knows only itself joins the other node's cluster, taking
// its slots along; a node already in a cluster invites the other one in.
func clusterMeet(c *Ctx, n *clusterNode) Reply {
	ip, portArg := string(c.Args[2]), string(c.Args[3])
	port, err := strconv.ParseInt(portArg, 10, 64)
	if err != nil {
		return Err("ERR Invalid TCP base port specified: " + portArg)
	}
	bus := port + 10000
	if len(c.Args) >= 5 {
		if bus, err = strconv.ParseInt(string(c.Args[4]), 10, 64); err != nil {
			return Err("ERR Invalid TCP bus port specified: " + string(c.Args[4]))
		}
	}
	if len(c.Args) > 5 {
		return Err("ERR syntax error")
	}
	if net.ParseIP(ip) == nil || port <= 0 || port > 65535 || bus <= 0 || bus > 65535 {
		return Err("ERR Invalid node address specified: " + ip + ":" + portArg)
	}
	st := n.view()
	for _, node := range st.Nodes {
		if node.IP == ip && node.Port == int(port) {
			return replyOK // already known
		}
	}
	if len(st.Nodes) > 1 {
		n.mu.Lock()
		self := n.self
		n.mu.Unlock()
		_, err := n.call(net.JoinHostPort(ip, strconv.Itoa(int(bus))), &ctlRequest{Type: "invite", Node: &self, SeenAs: ip})
		if err != nil {
			return Err("ERR " + err.Error())
		}
		return replyOK
	}
	if err := n.join(ip, int(port), int(bus)); err != nil {
		return Err("ERR " + err.Error())
	}
	return replyOK
}

// CLUSTER FORGET node-id
//
// An unknown node, or one another node's FORGET removed already, is the
// state machine's to answer.
func clusterForget(c *Ctx, n *clusterNode) Reply {
	id := string(c.Args[2])
	st := n.view()
	if id == n.id {
		return Err("ERR I tried hard but I can't forget myself...")
	}
	if me := st.Nodes[n.id]; me != nil && me.MasterID == id {
		return Err("ERR Can't forget my master!")
	}
	return proposeReply(n, &cluster.Op{Kind: cluster.OpForget, Time: c.Now, Target: id})
}

// CLUSTER RESET [HARD|SOFT]
func clusterReset(c *Ctx, n *clusterNode) Reply {
	hard := false
	if len(c.Args) == 3 {
		switch strings.ToLower(string(c.Args[2])) {
		case "hard":
			hard = true
		case "soft":
		default:
			return Err("ERR syntax error")
		}
	} else if len(c.Args) > 3 {
		return Err("ERR wrong number of arguments for 'cluster|reset' command")
	}
	st := n.view()
	if me := st.Nodes[n.id]; (me == nil || me.MasterID == "") && c.s.store.DB(0).Len() != 0 {
		return Err("ERR CLUSTER RESET can't be called with master nodes containing keys")
	}
	n.mu.Lock()
	self := n.self
	n.mu.Unlock()
	if me := st.Nodes[n.id]; me != nil && !hard {
		self.ConfigEpoch = me.ConfigEpoch
	}
	if err := n.leave(cluster.NewState(&self), hard); err != nil {
		return Err("ERR " + err.Error())
	}
	return replyOK
}

// CLUSTER SAVECONFIG
func clusterSaveConfig(c *Ctx, n *clusterNode) Reply {
	if err := n.writeConfig(); err != nil {
		return Err("ERR error saving the cluster node config: " + err.Error())
	}
	return replyOK
}

// CLUSTER COUNT-FAILURE-REPORTS node-id: failures are decided by the
// metadata leader, not by reports gossiped between nodes, so there are
// none to count.
func clusterCountFailureReports(c *Ctx, n *clusterNode) Reply {
	if n.view().Nodes[string(c.Args[2])] == nil {
		return Err("ERR Unknown node " + string(c.Args[2]))
	}
	return Int(0)
}

// CLUSTER LINKS: the bus connections to the other nodes.
func clusterLinks(c *Ctx, n *clusterNode) Reply {
	st := n.view()
	var out []Reply
	for _, id := range st.SortedIDs() {
		if id == n.id {
			continue
		}
		out = append(out, Map(
			BulkString("direction"), BulkString("to"),
			BulkString("node"), BulkString(id),
			BulkString("create-time"), Int(int64(st.Nodes[id].Joined)),
			BulkString("events"), BulkString("r"),
			BulkString("send-buffer-allocated"), Int(0),
			BulkString("send-buffer-used"), Int(0)))
	}
	return Array(out...)
}

// CLUSTER REPLICAS node-id
func clusterReplicas(c *Ctx, n *clusterNode) Reply {
	st := n.view()
	id := string(c.Args[2])
	node := st.Nodes[id]
	if node == nil {
		return Err("ERR Unknown node " + id)
	}
	if node.MasterID != "" {
		return Err("ERR The specified node is not a master")
	}
	var lines []string
	for _, rid := range st.SortedIDs() {
		if st.Nodes[rid].MasterID == id {
			lines = append(lines, st.NodeLine(st.Nodes[rid], n.id, c.Now))
		}
	}
	return Strings(lines)
}

const msgNoReplicas = "ERR Quordis cluster nodes cannot be replicas yet: every node is a master (replicated shard groups are not built)"

// CLUSTER REPLICATE node-id
func clusterReplicate(c *Ctx, n *clusterNode) Reply {
	st := n.view()
	id := string(c.Args[2])
	node := st.Nodes[id]
	switch {
	case node == nil:
		return Err("ERR Unknown node " + id)
	case id == n.id:
		return Err("ERR Can't replicate myself")
	case node.MasterID != "":
		return Err("ERR I can only replicate a master, not a replica.")
	}
	return Err(msgNoReplicas)
}

// CLUSTER FAILOVER [FORCE|TAKEOVER]
func clusterFailover(c *Ctx, n *clusterNode) Reply {
	if len(c.Args) == 3 {
		switch strings.ToLower(string(c.Args[2])) {
		case "force", "takeover":
		default:
			return Err("ERR syntax error")
		}
	} else if len(c.Args) > 3 {
		return Err("ERR syntax error")
	}
	return Err("ERR You should send CLUSTER FAILOVER to a replica")
}

// endpoint returns what CLUSTER SLOTS and redirections name a node by,
// following cluster-preferred-endpoint-type, and the other names as
// CLUSTER SLOTS's metadata map.
func (s *Server) endpoint(node *cluster.Node) (string, []Reply) {
	switch s.config().ClusterPreferredEndpointType {
	case "hostname":
		host := node.Hostname
		if host == "" {
			host = "?"
		}
		return host, []Reply{BulkString("ip"), BulkString(node.IP)}
	case "unknown-endpoint":
		meta := []Reply{BulkString("ip"), BulkString(node.IP)}
		if node.Hostname != "" {
			meta = append(meta, BulkString("hostname"), BulkString(node.Hostname))
		}
		return "?", meta
	}
	if node.Hostname != "" {
		return node.IP, []Reply{BulkString("hostname"), BulkString(node.Hostname)}
	}
	return node.IP, nil
}

// CLUSTER SLOTS
func clusterSlots(c *Ctx, n *clusterNode) Reply {
	st := n.view()
	ranges := st.SlotRanges()
	out := make([]Reply, 0, len(ranges))
	for _, r := range ranges {
		elems := []Reply{Int(int64(r.Start)), Int(int64(r.End))}
		for _, node := range r.Nodes {
			host, meta := c.s.endpoint(node)
			elems = append(elems, Array(BulkString(host), Int(int64(node.Port)), BulkString(node.ID), Map(meta...)))
		}
		out = append(out, Array(elems...))
	}
	return Array(out...)
}

// CLUSTER SHARDS
func clusterShards(c *Ctx, n *clusterNode) Reply {
	st := n.view()
	var shards []Reply
	for _, m := range st.Masters() {
		var slots []Reply
		for _, r := range st.Ranges(m.ID) {
			slots = append(slots, Int(int64(r[0])), Int(int64(r[1])))
		}
		var nodes []Reply
		for _, node := range append([]*cluster.Node{m}, replicasOf(st, m.ID)...) {
			host, _ := c.s.endpoint(node)
			kv := []Reply{
				BulkString("id"), BulkString(node.ID),
				BulkString("port"), Int(int64(node.Port)),
				BulkString("ip"), BulkString(node.IP),
				BulkString("endpoint"), BulkString(host),
			}
			if node.Hostname != "" {
				kv = append(kv, BulkString("hostname"), BulkString(node.Hostname))
			}
			role, health := "master", "online"
			if node.MasterID != "" {
				role = "replica"
			}
			if node.Fail {
				health = "fail"
			}
			kv = append(kv, BulkString("role"), BulkString(role),
				BulkString("replication-offset"), Int(0),
				BulkString("health"), BulkString(health))
			nodes = append(nodes, Map(kv...))
		}
		shards = append(shards, Map(BulkString("slots"), Array(slots...), BulkString("nodes"), Array(nodes...)))
	}
	return Array(shards...)
}

func replicasOf(st *cluster.State, id string) []*cluster.Node {
	var out []*cluster.Node
	for _, rid := range st.SortedIDs() {
		if st.Nodes[rid].MasterID == id {
			out = append(out, st.Nodes[rid])
		}
	}
	return out
}
