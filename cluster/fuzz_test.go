package cluster

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzApply decodes ops and snapshots as they arrive from other nodes
// and applies them: bad input must give an error or a result, never a
// panic, and each input must finish within a second.
func FuzzApply(f *testing.F) {
	st, n := threeMastersForFuzz()
	snap, _ := json.Marshal(st)
	f.Add([]byte(`{"k":"setslot","id":"`+n[0]+`","s":[3],"a":"migrating","t":"`+n[1]+`"}`), snap)
	f.Add([]byte(`{"k":"addslots","id":"`+n[0]+`","s":[-1,16384]}`), []byte(`{"slots":[{"id":"x","Start":5,"End":2}]}`))
	f.Add([]byte(`{"k":"join","n":{"id":"d"},"s":[99999]}`), []byte(`{}`))
	f.Add([]byte(`{"k":"setslot","s":[]}`), []byte(`null`))
	f.Fuzz(func(t *testing.T, opBytes, snapBytes []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			base := st
			var restored State
			if err := json.Unmarshal(snapBytes, &restored); err == nil && restored.Nodes != nil {
				base = &restored
			}
			op, err := DecodeOp(opBytes)
			if err != nil {
				return
			}
			next, _ := base.Apply(op, 7)
			for id := range next.Nodes {
				next.NodesText(id, 0)
			}
			next.InfoText("x", next.OK(Health{}, true))
			next.SlotRanges()
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatalf("input took over a second: op %q snapshot %q", opBytes, snapBytes)
		}
	})
}

func threeMastersForFuzz() (*State, []string) {
	st := NewState(nil)
	var ids []string
	for i, id := range []byte("abc") {
		nd := node(id, 7000+i)
		nd.ConfigEpoch = uint64(i + 1)
		var slots []int
		for s := i * 5461; s < min((i+1)*5461, Slots); s++ {
			slots = append(slots, s)
		}
		st, _ = st.Apply(&Op{Kind: OpJoin, Node: nd, Slots: slots}, uint64(i+1))
		ids = append(ids, nd.ID)
	}
	return st, ids
}
