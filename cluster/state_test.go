package cluster

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func node(id byte, port int) *Node {
	return &Node{ID: strings.Repeat(string(id), 40), IP: "127.0.0.1", Port: port, BusPort: port + 10000}
}

// apply applies ops in order and fails the test on an error result.
func apply(t *testing.T, st *State, ops ...*Op) *State {
	t.Helper()
	for i, op := range ops {
		var r Result
		st, r = st.Apply(op, uint64(i+1))
		require.Empty(t, r.Err, "op %d %+v", i, op)
	}
	return st
}

func threeMasters(t *testing.T) (*State, []*Node) {
	a, b, c := node('a', 7000), node('b', 7001), node('c', 7002)
	a.ConfigEpoch, b.ConfigEpoch, c.ConfigEpoch = 1, 2, 3
	slots := func(lo, hi int) []int {
		var s []int
		for i := lo; i <= hi; i++ {
			s = append(s, i)
		}
		return s
	}
	st := apply(t, NewState(nil),
		&Op{Kind: OpJoin, Node: a, Slots: slots(0, 5460)},
		&Op{Kind: OpJoin, Node: b, Slots: slots(5461, 10922)},
		&Op{Kind: OpJoin, Node: c, Slots: slots(10923, 16383)})
	return st, []*Node{a, b, c}
}

func TestNodesTextRendersRedisLines(t *testing.T) {
	st, n := threeMasters(t)
	text := st.NodesText(n[0].ID, 1795577869123)
	lines := strings.Split(text, "\n")
	require.Len(t, lines, 4, "every line ends in a newline")
	require.Equal(t, "", lines[3])
	require.Equal(t, n[0].ID+" 127.0.0.1:7000@17000 myself,master - 0 1795577869000 1 connected 0-5460", lines[0])
	require.Equal(t, n[1].ID+" 127.0.0.1:7001@17001 master - 0 1795577869123 2 connected 5461-10922", lines[1])
	info := st.InfoText(n[0].ID, st.OK(Health{}, true))
	require.Contains(t, info, "cluster_state:ok\r\ncluster_slots_assigned:16384\r\n")
	require.Contains(t, info, "cluster_known_nodes:3\r\ncluster_size:3\r\ncluster_current_epoch:3\r\ncluster_my_epoch:1\r\n")
}

func TestSlotMoveRendersMarkersOnlyOnMyselfLine(t *testing.T) {
	st, n := threeMasters(t)
	st = apply(t, st,
		&Op{Kind: OpSetSlot, ID: n[1].ID, Slots: []int{3443}, Action: "importing", Target: n[0].ID},
		&Op{Kind: OpSetSlot, ID: n[0].ID, Slots: []int{3443}, Action: "migrating", Target: n[1].ID})
	require.Contains(t, st.NodesText(n[0].ID, 0), "0-5460 [3443->-"+n[1].ID+"]\n")
	require.Contains(t, st.NodesText(n[1].ID, 0), "5461-10922 [3443-<-"+n[0].ID+"]\n")
	require.NotContains(t, st.NodesText(n[2].ID, 0), "[")

	// Routing while the slot is open: present keys here, missing ones
	// asked of the target, which serves them only after ASKING.
	key := []byte("{user1000}.x")
	exists := func(k []byte) bool { return string(k) == "{user1000}.here" }
	msg, _ := st.Route(n[0].ID, &Request{Keys: [][]byte{key}, Exists: exists}, true)
	require.Equal(t, "ASK 3443 127.0.0.1:7001", msg)
	msg, _ = st.Route(n[0].ID, &Request{Keys: [][]byte{[]byte("{user1000}.here")}, Exists: exists}, true)
	require.Equal(t, "", msg)
	msg, _ = st.Route(n[0].ID, &Request{Keys: [][]byte{[]byte("{user1000}.here"), key}, Exists: exists}, true)
	require.Equal(t, "TRYAGAIN Multiple keys request during rehashing of slot", msg)
	msg, _ = st.Route(n[1].ID, &Request{Keys: [][]byte{key}, Exists: exists}, true)
	require.Equal(t, "MOVED 3443 127.0.0.1:7000", msg)
	msg, _ = st.Route(n[1].ID, &Request{Keys: [][]byte{key}, Exists: exists, Asking: true}, true)
	require.Equal(t, "", msg)

	// The target's SETSLOT NODE ends the move for everyone.
	st = apply(t, st, &Op{Kind: OpSetSlot, ID: n[1].ID, Slots: []int{3443}, Action: "node", Target: n[1].ID})
	require.Equal(t, n[1].ID, st.Owner[3443])
	require.Empty(t, st.Migrating)
	require.Empty(t, st.Importing)
	require.Contains(t, st.NodesText(n[0].ID, 0), "myself,master - 0 0 1 connected 0-3442 3444-5460\n")
	require.Greater(t, st.Nodes[n[1].ID].ConfigEpoch, uint64(3), "the importer's claim wins by a new epoch")
}

func TestRouteChecksInRedisOrder(t *testing.T) {
	st, n := threeMasters(t)
	none := func([]byte) bool { return false }
	msg, _ := st.Route(n[0].ID, &Request{Keys: [][]byte{[]byte("foo"), []byte("key:1")}, Exists: none}, true)
	require.Equal(t, "CROSSSLOT Keys in request don't hash to the same slot", msg)
	msg, _ = st.Route(n[0].ID, &Request{Keys: [][]byte{[]byte("foo")}, Exists: none}, false)
	require.Equal(t, "CLUSTERDOWN The cluster is down", msg)
	msg, _ = st.Route(n[0].ID, &Request{Keys: [][]byte{[]byte("foo")}, Exists: none}, true)
	require.Equal(t, "MOVED 12182 127.0.0.1:7002", msg)
	st = apply(t, st, &Op{Kind: OpDelSlots, Slots: []int{12182}})
	msg, _ = st.Route(n[0].ID, &Request{Keys: [][]byte{[]byte("foo")}, Exists: none}, true)
	require.Equal(t, "CLUSTERDOWN Hash slot not served", msg)
	require.False(t, st.OK(Health{}, true))
	require.True(t, st.OK(Health{}, false))
}

func TestSlotOpsCheckLikeRedis(t *testing.T) {
	st, n := threeMasters(t)
	_, r := st.Apply(&Op{Kind: OpAddSlots, ID: n[0].ID, Slots: []int{7}}, 9)
	require.Equal(t, "ERR Slot 7 is already busy", r.Err)
	_, r = st.Apply(&Op{Kind: OpSetSlot, ID: n[1].ID, Slots: []int{7}, Action: "migrating", Target: n[0].ID}, 9)
	require.Equal(t, "ERR I'm not the owner of hash slot 7", r.Err)
	_, r = st.Apply(&Op{Kind: OpSetSlot, ID: n[0].ID, Slots: []int{7}, Action: "importing", Target: n[1].ID}, 9)
	require.Equal(t, "ERR I'm already the owner of hash slot 7", r.Err)
	_, r = st.Apply(&Op{Kind: OpSetSlot, ID: n[0].ID, Slots: []int{7}, Action: "migrating", Target: "nope"}, 9)
	require.Equal(t, "ERR I don't know about node nope", r.Err)
	_, r = st.Apply(&Op{Kind: OpBumpEpoch, ID: n[2].ID}, 9)
	require.Equal(t, "STILL 3", r.Status)
	next, r := st.Apply(&Op{Kind: OpBumpEpoch, ID: n[0].ID}, 9)
	require.Equal(t, "BUMPED 4", r.Status)
	require.Equal(t, uint64(4), next.CurrentEpoch)
	_, r = st.Apply(&Op{Kind: OpSetEpoch, ID: n[0].ID, Epoch: 9}, 9)
	require.Equal(t, "ERR The user can assign a config epoch only when the node does not know any other node.", r.Err)

	// FORGET frees the node's slots and bans it for a minute; a second
	// FORGET of the same node (from another node) is fine.
	st = apply(t, st, &Op{Kind: OpForget, ID: n[0].ID, Target: n[2].ID, Time: 1000})
	require.Nil(t, st.Nodes[n[2].ID])
	require.Equal(t, "", st.Owner[16383])
	st = apply(t, st, &Op{Kind: OpForget, ID: n[1].ID, Target: n[2].ID, Time: 1001})
	_, r = st.Apply(&Op{Kind: OpJoin, Node: n[2], Time: 2000}, 20)
	require.Contains(t, r.Err, "forgotten")
	st = apply(t, st, &Op{Kind: OpExpireForgets, Time: 61_000})
	st = apply(t, st, &Op{Kind: OpJoin, Node: n[2], Time: 61_001})
	require.NotNil(t, st.Nodes[n[2].ID])
}

func TestJoinResolvesSlotClaimsByEpoch(t *testing.T) {
	st, n := threeMasters(t)
	d := node('d', 7003)
	d.ConfigEpoch = 2
	st = apply(t, st, &Op{Kind: OpJoin, Node: d, Slots: []int{0, 6000, 12000}})
	require.Equal(t, d.ID, st.Owner[0], "epoch 2 beats epoch 1")
	require.Equal(t, n[1].ID, st.Owner[6000], "a tie keeps the owner")
	require.Equal(t, n[2].ID, st.Owner[12000])
}

func TestStateSnapshotRoundTrips(t *testing.T) {
	st, n := threeMasters(t)
	st = apply(t, st, &Op{Kind: OpSetSlot, ID: n[0].ID, Slots: []int{5}, Action: "migrating", Target: n[1].ID})
	b, err := json.Marshal(st)
	require.NoError(t, err)
	require.Less(t, len(b), 2000, "slots are stored as ranges")
	var back State
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, st.NodesText(n[0].ID, 5), back.NodesText(n[0].ID, 5))
	require.Equal(t, st.Owner, back.Owner)
}

func TestRedirectsNameThePreferredEndpoint(t *testing.T) {
	st, n := threeMasters(t)
	st.Nodes[n[2].ID].Hostname = "c.example"
	none := func([]byte) bool { return false }
	for typ, want := range map[string]string{"ip": "MOVED 12182 127.0.0.1:7002",
		"hostname": "MOVED 12182 c.example:7002", "unknown-endpoint": "MOVED 12182 :7002"} {
		msg, _ := st.Route(n[0].ID, &Request{Keys: [][]byte{[]byte("foo")}, Exists: none, EndpointType: typ}, true)
		require.Equal(t, want, msg, typ)
	}
	st.Nodes[n[2].ID].Hostname = ""
	require.Equal(t, "?:7002", RedirectAddr(st.Nodes[n[2].ID], "hostname"))
}

func TestSlotArgumentsAreCheckedInOrder(t *testing.T) {
	st, n := threeMasters(t)
	st = apply(t, st, &Op{Kind: OpDelSlots, Slots: []int{5, 6}})
	_, r := st.Apply(&Op{Kind: OpAddSlots, ID: n[0].ID, Slots: []int{5, 5, 7}}, 9)
	require.Equal(t, "ERR Slot 5 specified multiple times", r.Err)
	_, r = st.Apply(&Op{Kind: OpAddSlots, ID: n[0].ID, Slots: []int{5, 7, 5}}, 9)
	require.Equal(t, "ERR Slot 7 is already busy", r.Err)
	_, r = st.Apply(&Op{Kind: OpDelSlots, Slots: []int{8, 6}}, 9)
	require.Equal(t, "ERR Slot 6 is already unassigned", r.Err)
	_, r = st.Apply(&Op{Kind: OpForget, Target: "nope"}, 9)
	require.Equal(t, "ERR Unknown node nope", r.Err)
}
