package cluster

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// Node is one node of the cluster as the metadata group records it.
type Node struct {
	ID       string `json:"id"`
	IP       string `json:"ip"`
	Port     int    `json:"port"`
	BusPort  int    `json:"bus"`
	Hostname string `json:"host,omitempty"`
	// MasterID is the master a replica follows; empty for a master.
	MasterID    string `json:"master,omitempty"`
	ConfigEpoch uint64 `json:"epoch"`
	// Fail is set by the metadata leader when the node has not answered
	// for cluster-node-timeout, and cleared when it answers again.
	Fail bool `json:"fail,omitempty"`
	// Joined is the metadata index at which the node was added: it orders
	// nodes that claim a slot with the same epoch.
	Joined uint64 `json:"joined"`
}

// BusAddr is the address of the node's cluster bus.
func (n *Node) BusAddr() string { return joinHostPort(n.IP, n.BusPort) }

// Addr is the address clients reach the node at.
func (n *Node) Addr() string { return joinHostPort(n.IP, n.Port) }

func joinHostPort(ip string, port int) string {
	for i := 0; i < len(ip); i++ {
		if ip[i] == ':' {
			return "[" + ip + "]:" + strconv.Itoa(port)
		}
	}
	return ip + ":" + strconv.Itoa(port)
}

// State is the cluster topology: the nodes, the owner of every slot, the
// slots being migrated and the epochs. It changes only by Apply of an Op,
// so every node that applies the same ops in the same order holds the same
// state and renders the same CLUSTER NODES.
//
// A State is never modified once published: Apply works on a copy.
type State struct {
	CurrentEpoch uint64           `json:"epoch"`
	Nodes        map[string]*Node `json:"nodes"`
	// Owner is the node id serving each slot, "" when unassigned.
	Owner [Slots]string `json:"-"`
	// Migrating is, for a slot its owner is moving away, the target's id.
	Migrating map[int]string `json:"migrating,omitempty"`
	// Importing is, for a slot a node is importing, the importer's id and
	// the source's id.
	Importing map[int][2]string `json:"importing,omitempty"`
	// Forgotten are node ids removed by FORGET, with the metadata index
	// until which they may not join again (Redis bans them for 60 s).
	Forgotten map[string]int64 `json:"forgotten,omitempty"`
}

// NewState returns the state of a node that knows only itself.
func NewState(self *Node) *State {
	st := &State{Nodes: map[string]*Node{}}
	if self != nil {
		n := *self
		st.Nodes[n.ID] = &n
		st.CurrentEpoch = n.ConfigEpoch
	}
	return st
}

// clone returns a copy whose maps and nodes may be changed.
func (st *State) clone() *State {
	c := *st
	c.Nodes = make(map[string]*Node, len(st.Nodes))
	for id, n := range st.Nodes {
		nn := *n
		c.Nodes[id] = &nn
	}
	c.Migrating = cloneMap(st.Migrating)
	c.Importing = cloneMap(st.Importing)
	c.Forgotten = cloneMap(st.Forgotten)
	return &c
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	if len(m) == 0 {
		return nil
	}
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// SlotsOf returns the slots id owns, ascending.
func (st *State) SlotsOf(id string) []int {
	var out []int
	for s := range st.Owner {
		if st.Owner[s] == id {
			out = append(out, s)
		}
	}
	return out
}

// Assigned counts the slots that have an owner.
func (st *State) Assigned() int {
	n := 0
	for _, o := range st.Owner {
		if o != "" {
			n++
		}
	}
	return n
}

// SortedIDs returns the node ids in a stable order (by join index, then id).
func (st *State) SortedIDs() []string {
	ids := make([]string, 0, len(st.Nodes))
	for id := range st.Nodes {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		na, nb := st.Nodes[a], st.Nodes[b]
		if na.Joined != nb.Joined {
			if na.Joined < nb.Joined {
				return -1
			}
			return 1
		}
		if a < b {
			return -1
		}
		if a > b {
			return 1
		}
		return 0
	})
	return ids
}

// Op kinds.
const (
	OpJoin          = "join"          // Node joins, claiming Slots at Node.ConfigEpoch
	OpForget        = "forget"        // Target leaves; its slots become unassigned
	OpAddSlots      = "addslots"      // ID takes the unassigned Slots
	OpDelSlots      = "delslots"      // Slots become unassigned
	OpSetSlot       = "setslot"       // Action on Slots[0] by ID, with Target
	OpBumpEpoch     = "bumpepoch"     // ID gets a new, unique config epoch unless it has the highest one
	OpSetEpoch      = "setepoch"      // ID's config epoch becomes Epoch (SET-CONFIG-EPOCH)
	OpMarkFail      = "fail"          // ID's fail flag becomes Fail
	OpUpdateAddress = "address"       // Node's addresses change (restart with another announce address)
	OpReplicate     = "replicate"     // ID follows Target (or becomes a master with Target "")
	OpFlushSlots    = "flushslots"    // ID's slots become unassigned
	OpExpireForgets = "expireforgets" // drop FORGET bans older than Time
	// OpNoop changes nothing: proposed after every op, it carries that
	// op's commit to the followers at once.
	OpNoop = "noop"
)

// Op is one change of the state, the entries of the metadata group.
type Op struct {
	Kind   string `json:"k"`
	ID     string `json:"id,omitempty"`
	Node   *Node  `json:"n,omitempty"`
	Slots  []int  `json:"s,omitempty"`
	Action string `json:"a,omitempty"` // SETSLOT: importing, migrating, stable, node
	Target string `json:"t,omitempty"`
	Epoch  uint64 `json:"e,omitempty"`
	Fail   bool   `json:"f,omitempty"`
	// Time is the proposer's clock in Unix milliseconds (for FORGET's ban).
	Time int64 `json:"time,omitempty"`
}

// Encode returns the op's bytes for the metadata log.
func (op *Op) Encode() []byte {
	b, err := json.Marshal(op)
	if err != nil {
		panic(err) // an Op always marshals
	}
	return b
}

// DecodeOp parses an op from the metadata log.
func DecodeOp(b []byte) (*Op, error) {
	var op Op
	if err := json.Unmarshal(b, &op); err != nil {
		return nil, fmt.Errorf("cluster: bad op: %w", err)
	}
	return &op, nil
}

// Result is what applying an op answers: a status text for the client
// ("OK", "BUMPED 7") or an error in Redis's words ("ERR ...").
type Result struct {
	Status string `json:"s,omitempty"`
	Err    string `json:"e,omitempty"`
	// Index is the op's position in the metadata log, so that the node
	// that proposed it can wait until its own copy has applied it.
	Index uint64 `json:"i,omitempty"`
}

// Apply returns the state after op and the op's result. index is the op's
// position in the metadata log. An op that fails leaves the state as it
// was (the returned state is st itself).
func (st *State) Apply(op *Op, index uint64) (*State, Result) {
	if msg := op.check(); msg != "" {
		return st, Result{Err: "ERR " + msg}
	}
	if op.Kind == OpNoop {
		return st, Result{Status: "OK"}
	}
	if op.Kind == OpMarkFail || op.Kind == OpUpdateAddress || op.Kind == OpReplicate {
		// Ops about a node that has since been forgotten are moot.
		id := op.ID
		if op.Node != nil {
			id = op.Node.ID
		}
		if st.Nodes[id] == nil {
			return st, Result{Err: "ERR Unknown node " + id}
		}
	}
	n := st.clone()
	r := n.apply(op, index)
	if r.Err != "" {
		return st, r
	}
	if r.Status == "" {
		r.Status = "OK"
	}
	return n, r
}

func (st *State) apply(op *Op, index uint64) Result {
	switch op.Kind {
	case OpJoin:
		return st.join(op, index)
	case OpForget:
		if st.Nodes[op.Target] == nil {
			if _, ok := st.Forgotten[op.Target]; ok {
				return Result{} // already forgotten by another node's FORGET
			}
			return Result{Err: "ERR Unknown node " + op.Target}
		}
		st.removeNode(op.Target)
		if st.Forgotten == nil {
			st.Forgotten = map[string]int64{}
		}
		st.Forgotten[op.Target] = op.Time + 60_000
	case OpExpireForgets:
		for id, until := range st.Forgotten {
			if until <= op.Time {
				delete(st.Forgotten, id)
			}
		}
	case OpAddSlots:
		if st.Nodes[op.ID] == nil {
			return Result{Err: "ERR Unknown node " + op.ID}
		}
		if msg := st.checkSlots(op.Slots, true); msg != "" {
			return Result{Err: msg}
		}
		for _, s := range op.Slots {
			st.Owner[s] = op.ID
			delete(st.Importing, s)
		}
	case OpDelSlots:
		if msg := st.checkSlots(op.Slots, false); msg != "" {
			return Result{Err: msg}
		}
		for _, s := range op.Slots {
			st.Owner[s] = ""
			delete(st.Migrating, s)
		}
	case OpFlushSlots:
		for s := range st.Owner {
			if st.Owner[s] == op.ID {
				st.Owner[s] = ""
				delete(st.Migrating, s)
			}
		}
	case OpSetSlot:
		return st.setSlot(op)
	case OpBumpEpoch:
		me := st.Nodes[op.ID]
		if me == nil {
			return Result{Err: "ERR Unknown node " + op.ID}
		}
		if me.ConfigEpoch == 0 || st.epochTaken(me) {
			st.CurrentEpoch++
			me.ConfigEpoch = st.CurrentEpoch
			return Result{Status: fmt.Sprintf("BUMPED %d", me.ConfigEpoch)}
		}
		return Result{Status: fmt.Sprintf("STILL %d", me.ConfigEpoch)}
	case OpSetEpoch:
		me := st.Nodes[op.ID]
		if me == nil {
			return Result{Err: "ERR Unknown node " + op.ID}
		}
		if len(st.Nodes) > 1 {
			return Result{Err: "ERR The user can assign a config epoch only when the node does not know any other node."}
		}
		if me.ConfigEpoch != 0 {
			return Result{Err: "ERR Node config epoch is already non-zero"}
		}
		me.ConfigEpoch = op.Epoch
		st.CurrentEpoch = max(st.CurrentEpoch, op.Epoch)
	case OpMarkFail:
		st.Nodes[op.ID].Fail = op.Fail
	case OpUpdateAddress:
		cur := st.Nodes[op.Node.ID]
		cur.IP, cur.Port, cur.BusPort, cur.Hostname = op.Node.IP, op.Node.Port, op.Node.BusPort, op.Node.Hostname
	case OpReplicate:
		st.Nodes[op.ID].MasterID = op.Target
	default:
		return Result{Err: "ERR unknown cluster operation " + op.Kind}
	}
	return Result{}
}

// checkSlots checks the slots of ADDSLOTS (add) or DELSLOTS in argument
// order, as Redis does, and returns the error of the first bad one: busy
// (or unassigned), or given twice.
func (st *State) checkSlots(slots []int, add bool) string {
	seen := make(map[int]bool, len(slots))
	for _, s := range slots {
		if add && st.Owner[s] != "" {
			return fmt.Sprintf("ERR Slot %d is already busy", s)
		}
		if !add && st.Owner[s] == "" {
			return fmt.Sprintf("ERR Slot %d is already unassigned", s)
		}
		if seen[s] {
			return fmt.Sprintf("ERR Slot %d specified multiple times", s)
		}
		seen[s] = true
	}
	return ""
}

// check rejects an op that no node would propose (it comes off the
// network, so it is not trusted to be well formed).
func (op *Op) check() string {
	for _, s := range op.Slots {
		if s < 0 || s >= Slots {
			return "bad slot in cluster operation"
		}
	}
	switch op.Kind {
	case OpJoin, OpUpdateAddress:
		if op.Node == nil || op.Node.ID == "" {
			return "cluster operation without a node"
		}
	case OpSetSlot:
		if len(op.Slots) != 1 {
			return "cluster operation without its slot"
		}
	}
	return ""
}

// epochTaken reports whether another node has me's config epoch or a
// higher one.
func (st *State) epochTaken(me *Node) bool {
	for _, n := range st.Nodes {
		if n != me && n.ConfigEpoch >= me.ConfigEpoch {
			return true
		}
	}
	return false
}

// join adds op.Node (or refreshes it when it is known) with its slot
// claims. A claimed slot goes to the newcomer when it is unassigned or
// its owner's config epoch is lower, as Redis resolves slot claims.
func (st *State) join(op *Op, index uint64) Result {
	nn := *op.Node
	if until, ok := st.Forgotten[nn.ID]; ok && until > op.Time {
		return Result{Err: "ERR node " + nn.ID + " was forgotten recently"}
	}
	if cur := st.Nodes[nn.ID]; cur != nil {
		nn.Joined = cur.Joined
	} else {
		nn.Joined = index
	}
	nn.Fail = false
	st.Nodes[nn.ID] = &nn
	st.CurrentEpoch = max(st.CurrentEpoch, nn.ConfigEpoch)
	for _, s := range op.Slots {
		owner := st.Nodes[st.Owner[s]]
		if owner == nil || owner.ConfigEpoch < nn.ConfigEpoch {
			st.Owner[s] = nn.ID
		}
	}
	return Result{}
}

// removeNode drops id and everything that refers to it.
func (st *State) removeNode(id string) {
	delete(st.Nodes, id)
	for s := range st.Owner {
		if st.Owner[s] == id {
			st.Owner[s] = ""
		}
	}
	for s, t := range st.Migrating {
		if t == id || st.Owner[s] == "" {
			delete(st.Migrating, s)
		}
	}
	for s, p := range st.Importing {
		if p[0] == id || p[1] == id {
			delete(st.Importing, s)
		}
	}
	for _, n := range st.Nodes {
		if n.MasterID == id {
			n.MasterID = ""
		}
	}
}

// setSlot applies CLUSTER SETSLOT <slot> <action> [<target>] sent to op.ID.
func (st *State) setSlot(op *Op) Result {
	slot, me := op.Slots[0], st.Nodes[op.ID]
	if me == nil {
		return Result{Err: "ERR Unknown node " + op.ID}
	}
	if me.MasterID != "" {
		return Result{Err: "ERR Please use SETSLOT only with masters."}
	}
	target := st.Nodes[op.Target]
	switch op.Action {
	case "migrating":
		if st.Owner[slot] != op.ID {
			return Result{Err: fmt.Sprintf("ERR I'm not the owner of hash slot %d", slot)}
		}
		if target == nil {
			return Result{Err: "ERR I don't know about node " + op.Target}
		}
		if target.MasterID != "" {
			return Result{Err: "ERR Target node is not a master"}
		}
		if st.Migrating == nil {
			st.Migrating = map[int]string{}
		}
		st.Migrating[slot] = op.Target
	case "importing":
		if st.Owner[slot] == op.ID {
			return Result{Err: fmt.Sprintf("ERR I'm already the owner of hash slot %d", slot)}
		}
		if target == nil {
			return Result{Err: "ERR I don't know about node " + op.Target}
		}
		if target.MasterID != "" {
			return Result{Err: "ERR Target node is not a master"}
		}
		if st.Importing == nil {
			st.Importing = map[int][2]string{}
		}
		st.Importing[slot] = [2]string{op.ID, op.Target}
	case "stable":
		if st.Owner[slot] == op.ID {
			delete(st.Migrating, slot)
		}
		if p, ok := st.Importing[slot]; ok && p[0] == op.ID {
			delete(st.Importing, slot)
		}
	case "node":
		if target == nil {
			return Result{Err: "ERR Unknown node " + op.Target}
		}
		if target.MasterID != "" {
			return Result{Err: "ERR Target node is not a master"}
		}
		if p, ok := st.Importing[slot]; ok && op.Target == op.ID && p[0] == op.ID {
			// The importer takes the slot: a new epoch makes its claim win,
			// as Redis bumps the epoch without agreement here.
			if st.epochTaken(me) || me.ConfigEpoch == 0 {
				st.CurrentEpoch++
				me.ConfigEpoch = st.CurrentEpoch
			}
		}
		if st.Owner[slot] != op.Target {
			// The slot changes hands: the marks of the move are done.
			delete(st.Migrating, slot)
			delete(st.Importing, slot)
			st.Owner[slot] = op.Target
		} else if p, ok := st.Importing[slot]; ok && p[0] == op.ID {
			delete(st.Importing, slot)
		}
		if st.Owner[slot] == op.Target && st.Migrating[slot] != "" && op.ID != op.Target {
			delete(st.Migrating, slot)
		}
	default:
		return Result{Err: "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"}
	}
	return Result{}
}

type ownedRange struct {
	ID         string `json:"id"`
	Start, End int
}

// MarshalJSON encodes the state for a metadata snapshot.
func (st *State) MarshalJSON() ([]byte, error) {
	type plain State // without this method
	var ranges []ownedRange
	for s := 0; s < Slots; {
		e := s
		for e+1 < Slots && st.Owner[e+1] == st.Owner[s] {
			e++
		}
		if st.Owner[s] != "" {
			ranges = append(ranges, ownedRange{st.Owner[s], s, e})
		}
		s = e + 1
	}
	return json.Marshal(struct {
		*plain
		Ranges []ownedRange `json:"slots"`
	}{(*plain)(st), ranges})
}

// UnmarshalJSON decodes a metadata snapshot.
func (st *State) UnmarshalJSON(b []byte) error {
	type plain State
	var v struct {
		*plain
		Ranges []ownedRange `json:"slots"`
	}
	v.plain = (*plain)(st)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if st.Nodes == nil {
		st.Nodes = map[string]*Node{}
	}
	for id, n := range st.Nodes {
		if n == nil || n.ID != id {
			return fmt.Errorf("cluster: bad node record %q", id)
		}
	}
	for _, r := range v.Ranges {
		if r.Start < 0 || r.End >= Slots || r.Start > r.End {
			return fmt.Errorf("cluster: bad slot range %d-%d", r.Start, r.End)
		}
		for s := r.Start; s <= r.End; s++ {
			st.Owner[s] = r.ID
		}
	}
	return nil
}
