package cluster

import (
	"strconv"
	"strings"
)

// Health says how the local node sees the cluster: whether it is cut off
// from the metadata group (then, as a Redis node in a minority partition,
// it reports the cluster down).
type Health struct {
	Isolated bool
}

// OK reports cluster_state:ok: every slot has an owner that is not
// flagged fail (when fullCoverage, Redis's cluster-require-full-coverage),
// and the node is not cut off.
func (st *State) OK(h Health, fullCoverage bool) bool {
	if h.Isolated {
		return false
	}
	if !fullCoverage {
		return true
	}
	for _, o := range st.Owner {
		if o == "" || st.Nodes[o] == nil || st.Nodes[o].Fail {
			return false
		}
	}
	return true
}

// EpochOf returns the config epoch CLUSTER NODES prints for n: a
// replica's is its master's.
func (st *State) EpochOf(n *Node) uint64 {
	if m := st.Nodes[n.MasterID]; m != nil {
		return m.ConfigEpoch
	}
	return n.ConfigEpoch
}

// NodeLine renders one CLUSTER NODES line of n (without the newline) as
// seen from node me at time now (Unix ms). Only me's own line carries the
// open-slot markers, as in Redis.
func (st *State) NodeLine(n *Node, me string, now int64) string {
	var b strings.Builder
	b.WriteString(n.ID)
	b.WriteByte(' ')
	b.WriteString(joinHostPort(n.IP, n.Port))
	b.WriteByte('@')
	b.WriteString(strconv.Itoa(n.BusPort))
	if n.Hostname != "" {
		b.WriteByte(',')
		b.WriteString(n.Hostname)
	}
	b.WriteByte(' ')
	flags := make([]string, 0, 3)
	if n.ID == me {
		flags = append(flags, "myself")
	}
	if n.MasterID != "" {
		flags = append(flags, "slave")
	} else {
		flags = append(flags, "master")
	}
	if n.Fail {
		flags = append(flags, "fail")
	}
	b.WriteString(strings.Join(flags, ","))
	b.WriteByte(' ')
	if n.MasterID != "" {
		b.WriteString(n.MasterID)
	} else {
		b.WriteByte('-')
	}
	pong := now
	if n.ID == me {
		pong = now / 1000 * 1000
	}
	b.WriteString(" 0 ")
	b.WriteString(strconv.FormatInt(pong, 10))
	b.WriteByte(' ')
	b.WriteString(strconv.FormatUint(st.EpochOf(n), 10))
	if n.Fail {
		b.WriteString(" disconnected")
	} else {
		b.WriteString(" connected")
	}
	for _, r := range st.Ranges(n.ID) {
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(r[0]))
		if r[1] != r[0] {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(r[1]))
		}
	}
	if n.ID == me {
		for _, s := range sortedKeys(st.Migrating) {
			if st.Owner[s] == me {
				b.WriteString(" [" + strconv.Itoa(s) + "->-" + st.Migrating[s] + "]")
			}
		}
		for _, s := range sortedKeys(st.Importing) {
			if p := st.Importing[s]; p[0] == me {
				b.WriteString(" [" + strconv.Itoa(s) + "-<-" + p[1] + "]")
			}
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Nodes renders CLUSTER NODES as seen from me: one line per node, each
// ending in "\n".
func (st *State) NodesText(me string, now int64) string {
	var b strings.Builder
	for _, id := range st.SortedIDs() {
		b.WriteString(st.NodeLine(st.Nodes[id], me, now))
		b.WriteByte('\n')
	}
	return b.String()
}

// Ranges returns the maximal runs [start, end] of slots id owns, ascending.
func (st *State) Ranges(id string) [][2]int {
	var out [][2]int
	for s := 0; s < Slots; s++ {
		if st.Owner[s] != id {
			continue
		}
		e := s
		for e+1 < Slots && st.Owner[e+1] == id {
			e++
		}
		out = append(out, [2]int{s, e})
		s = e
	}
	return out
}

// SlotRange is one element of CLUSTER SLOTS: a maximal run of slots with
// the same master, and the nodes serving it, master first.
type SlotRange struct {
	Start, End int
	Nodes      []*Node
}

// SlotRanges returns CLUSTER SLOTS's ranges, by start slot. Failed
// replicas are left out, as Redis leaves them out.
func (st *State) SlotRanges() []SlotRange {
	var out []SlotRange
	for s := 0; s < Slots; s++ {
		id := st.Owner[s]
		if id == "" {
			continue
		}
		e := s
		for e+1 < Slots && st.Owner[e+1] == id {
			e++
		}
		out = append(out, SlotRange{s, e, st.Serving(id)})
		s = e
	}
	return out
}

// Serving returns master id and its replicas that are not failed.
func (st *State) Serving(id string) []*Node {
	nodes := []*Node{st.Nodes[id]}
	for _, rid := range st.SortedIDs() {
		if r := st.Nodes[rid]; r.MasterID == id && !r.Fail {
			nodes = append(nodes, r)
		}
	}
	return nodes
}

// Masters returns the nodes that are masters, in the stable order.
func (st *State) Masters() []*Node {
	var out []*Node
	for _, id := range st.SortedIDs() {
		if n := st.Nodes[id]; n.MasterID == "" {
			out = append(out, n)
		}
	}
	return out
}

// InfoText renders CLUSTER INFO for node me (lines end in CRLF).
func (st *State) InfoText(me string, ok bool) string {
	assigned, pfail, failed := 0, 0, 0
	for _, o := range st.Owner {
		if o == "" {
			continue
		}
		assigned++
		if n := st.Nodes[o]; n == nil || n.Fail {
			failed++
		}
	}
	size := 0
	for _, m := range st.Masters() {
		if len(st.Ranges(m.ID)) > 0 {
			size++
		}
	}
	var myEpoch uint64
	if n := st.Nodes[me]; n != nil {
		myEpoch = st.EpochOf(n)
	}
	state := "fail"
	if ok {
		state = "ok"
	}
	var b strings.Builder
	line := func(k string, v any) {
		b.WriteString(k)
		b.WriteByte(':')
		switch v := v.(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		case uint64:
			b.WriteString(strconv.FormatUint(v, 10))
		}
		b.WriteString("\r\n")
	}
	line("cluster_state", state)
	line("cluster_slots_assigned", assigned)
	line("cluster_slots_ok", assigned-pfail-failed)
	line("cluster_slots_pfail", pfail)
	line("cluster_slots_fail", failed)
	line("cluster_known_nodes", len(st.Nodes))
	line("cluster_size", size)
	line("cluster_current_epoch", st.CurrentEpoch)
	line("cluster_my_epoch", myEpoch)
	line("total_cluster_links_buffer_limit_exceeded", 0)
	return b.String()
}
