package replication

import (
	"sync"

	"github.com/hashicorp/raft"
)

// observer turns raft's leadership signal and observations into the
// callbacks registered with OnLeaderChange and OnPeerHealth.
//
// Two goroutines: collect drains raft (the leader channel and a blocking
// observer channel) and only records what it saw, so raft never waits on
// a callback; deliver runs the callbacks. Nothing is lost in between:
// leadership transitions are queued in order, and peer health is coalesced
// to the latest state per peer.
type observer struct {
	raft    *raft.Raft
	obs     *raft.Observer
	ch      chan raft.Observation
	wake    chan struct{} // capacity 1: deliver has work
	stopCol chan struct{} // closed to stop collect
	stopDel chan struct{} // closed to stop deliver, after collect has stopped
	colDone chan struct{}
	delDone chan struct{}

	mu sync.Mutex
	// guarded by mu
	transitions []bool          // leadership transitions not yet delivered
	health      map[string]bool // latest heartbeat state per peer, not yet delivered
	forget      map[string]bool // peers removed from the configuration
	leaderFns   []*leaderFn
	healthFns   []func(id string, ok bool)

	seenLeader bool // owned by the collect goroutine

	// Owned by the deliver goroutine.
	leader bool
	failed map[string]bool
}

type leaderFn struct {
	f        func(isLeader bool)
	reported bool // owned by the deliver goroutine
}

func newObserver(r *raft.Raft) *observer {
	o := &observer{
		raft:    r,
		ch:      make(chan raft.Observation, 64),
		wake:    make(chan struct{}, 1),
		stopCol: make(chan struct{}),
		stopDel: make(chan struct{}),
		colDone: make(chan struct{}),
		delDone: make(chan struct{}),
		health:  make(map[string]bool),
		forget:  make(map[string]bool),
		failed:  make(map[string]bool),
	}
	// Blocking, so no observation is dropped; collect never blocks for long.
	o.obs = raft.NewObserver(o.ch, true, func(ob *raft.Observation) bool {
		switch ob.Data.(type) {
		case raft.FailedHeartbeatObservation, raft.ResumedHeartbeatObservation, raft.PeerObservation:
			return true
		}
		return false
	})
	r.RegisterObserver(o.obs)
	go o.collect()
	go o.deliver()
	return o
}

func (o *observer) onLeaderChange(f func(bool)) {
	o.mu.Lock()
	o.leaderFns = append(o.leaderFns, &leaderFn{f: f})
	o.mu.Unlock()
	o.signal()
}

func (o *observer) onPeerHealth(f func(string, bool)) {
	o.mu.Lock()
	o.healthFns = append(o.healthFns, f)
	o.mu.Unlock()
}

func (o *observer) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// stop ends both goroutines; raft must be shut down already, so that no
// observation is pending. Callbacks that last reported leadership are told
// it is gone.
func (o *observer) stop() {
	close(o.stopCol)
	<-o.colDone
	o.raft.DeregisterObserver(o.obs)
	close(o.stopDel)
	<-o.delDone
}

func (o *observer) collect() {
	defer close(o.colDone)
	leaderCh := o.raft.LeaderCh()
	for {
		select {
		case v := <-leaderCh:
			o.recordLeader(v)
		case ob := <-o.ch:
			o.record(ob)
		case <-o.stopCol:
			for {
				select {
				case v := <-leaderCh:
					o.recordLeader(v)
				case ob := <-o.ch:
					o.record(ob)
				default:
					return
				}
			}
		}
		o.signal()
	}
}

func (o *observer) recordLeader(v bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	// Raft keeps only the latest value in its channel: two trues in a row
	// mean leadership was lost and won again in between.
	if v && o.seenLeader {
		o.transitions = append(o.transitions, false)
	}
	if v || o.seenLeader {
		o.transitions = append(o.transitions, v)
	}
	o.seenLeader = v
}

func (o *observer) record(ob raft.Observation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch d := ob.Data.(type) {
	case raft.FailedHeartbeatObservation:
		o.health[string(d.PeerID)] = false
		delete(o.forget, string(d.PeerID))
	case raft.ResumedHeartbeatObservation:
		o.health[string(d.PeerID)] = true
		delete(o.forget, string(d.PeerID))
	case raft.PeerObservation:
		if d.Removed {
			delete(o.health, string(d.Peer.ID))
			o.forget[string(d.Peer.ID)] = true
		}
	}
}

func (o *observer) deliver() {
	defer close(o.delDone)
	for {
		select {
		case <-o.wake:
			o.deliverPending(false)
		case <-o.stopDel:
			o.deliverPending(true)
			return
		}
	}
}

// deliverPending runs the callbacks for what collect recorded. final forces
// a last "not leader" since the group is going away.
func (o *observer) deliverPending(final bool) {
	o.mu.Lock()
	transitions, health, forget := o.transitions, o.health, o.forget
	o.transitions, o.health, o.forget = nil, make(map[string]bool), make(map[string]bool)
	leaderFns := append([]*leaderFn(nil), o.leaderFns...)
	healthFns := append([]func(string, bool){}, o.healthFns...)
	o.mu.Unlock()

	for id := range forget {
		delete(o.failed, id)
	}
	for id, ok := range health {
		if ok == !o.failed[id] {
			continue
		}
		if ok {
			delete(o.failed, id)
		} else {
			o.failed[id] = true
		}
		for _, f := range healthFns {
			f(id, ok)
		}
	}
	if final {
		transitions = append(transitions, false)
	}
	for _, v := range transitions {
		o.setLeader(v, leaderFns)
	}
	o.setLeader(o.leader, leaderFns) // catches up callbacks registered late
}

func (o *observer) setLeader(v bool, fns []*leaderFn) {
	if o.leader && !v {
		// Peer health is the leader's view; a new term starts afresh.
		clear(o.failed)
	}
	o.leader = v
	for _, lf := range fns {
		if lf.reported != v {
			lf.reported = v
			lf.f(v)
		}
	}
}
