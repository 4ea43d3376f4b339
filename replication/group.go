package replication

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

// Errors a Group returns for outcomes its caller must tell apart.
var (
	// ErrNotLeader: this member is not the leader (or is handing leadership
	// over); nothing was proposed. Ask Leader where to go.
	ErrNotLeader = errors.New("replication: not the leader")
	// ErrLeadershipLost: the entry was proposed but leadership was lost
	// before it committed. It may or may not commit later: the outcome is
	// unknown.
	ErrLeadershipLost = errors.New("replication: leadership lost while committing; the outcome is unknown")
	// ErrTimeout: the request could not be handed to Raft within its
	// timeout; nothing was proposed.
	ErrTimeout = errors.New("replication: timed out before the request was proposed")
	// ErrShutdown: the group is shut down.
	ErrShutdown = errors.New("replication: group is shut down")
)

const (
	transportTimeout  = 10 * time.Second // I/O deadline of one Raft RPC
	transportMaxPool  = 3                // pooled connections per peer
	logCacheSize      = 512
	snapshotsRetained = 2
	boltOpenTimeout   = time.Second // another process holding raft.db fails Open
	// layerDrainTimeout bounds the wait, at Shutdown, for the transport to
	// close the group's connections.
	layerDrainTimeout = time.Second
)

// Member is one server of a group's configuration.
type Member struct {
	ID, Addr string
	Voter    bool
}

// Group is this process's member of one Raft group, talking to the other
// members over a Bus. All methods are safe for concurrent use.
type Group struct {
	cfg   Config
	raft  *raft.Raft
	trans *raft.NetworkTransport
	layer *streamLayer
	store *raftboltdb.BoltStore
	logs  raft.LogStore
	snaps raft.SnapshotStore
	obs   *observer

	// gate orders calls that queue work for raft through one of its
	// buffered channels (apply, verify, leadership transfer) against
	// Shutdown: raft drops what is still queued when it stops, and the
	// caller would wait for it forever. Such calls hold gate.RLock until
	// they have their answer; Shutdown sets down under gate.Lock.
	gate         sync.RWMutex
	down         atomic.Bool
	shutdownOnce sync.Once
	shutdownErr  error
}

// enter admits a call that queues work for raft, or reports false once
// the group is shut down. An admitted caller calls g.gate.RUnlock when it
// has its answer.
func (g *Group) enter() bool {
	g.gate.RLock()
	if g.down.Load() {
		g.gate.RUnlock()
		return false
	}
	return true
}

// Open starts this member of group cfg.GroupID on bus, recovering the log
// and the newest snapshot from cfg.Dir (the FSM is restored from the
// snapshot before Open returns). A member with no state waits to be added
// by a leader, or to be bootstrapped.
func Open(bus *Bus, cfg Config, fsm FSM) (*Group, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	rc := c.raftConfig()
	if err := raft.ValidateConfig(rc); err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	store, err := raftboltdb.New(raftboltdb.Options{
		Path:        filepath.Join(c.Dir, "raft.db"),
		BoltOptions: &bbolt.Options{Timeout: boltOpenTimeout, NoFreelistSync: true},
		NoSync:      c.NoSync,
	})
	if err != nil {
		return nil, fmt.Errorf("replication: open log store: %w", err)
	}
	g := &Group{cfg: c, store: store}
	fail := func(err error) (*Group, error) {
		if g.trans != nil {
			_ = g.trans.Close()
		}
		_ = store.Close()
		return nil, err
	}
	if g.logs, err = raft.NewLogCache(logCacheSize, store); err != nil {
		return fail(fmt.Errorf("replication: %w", err))
	}
	hcl := newHCLogger(c.Logger, "raft").With("group", c.GroupID)
	if g.snaps, err = raft.NewFileSnapshotStoreWithLogger(c.Dir, snapshotsRetained, hcl); err != nil {
		return fail(fmt.Errorf("replication: open snapshot store: %w", err))
	}
	layer, err := newStreamLayer(bus, c.GroupID, c.Advertise)
	if err != nil {
		return fail(err)
	}
	g.layer = layer
	g.trans = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  layer,
		MaxPool: transportMaxPool,
		Timeout: transportTimeout,
		Logger:  hcl,
	})
	if g.raft, err = raft.NewRaft(rc, fsmAdapter{fsm}, g.logs, store, g.snaps, g.trans); err != nil {
		return fail(fmt.Errorf("replication: start raft: %w", err))
	}
	g.obs = newObserver(g.raft)
	return g, nil
}

// wrap maps raft's errors onto this package's.
func wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrNotLeader):
		return ErrNotLeader
	case errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return fmt.Errorf("%w (leadership transfer in progress)", ErrNotLeader)
	case errors.Is(err, raft.ErrLeadershipLost):
		return ErrLeadershipLost
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return ErrTimeout
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrShutdown
	}
	return fmt.Errorf("replication: %w", err)
}

// HasState reports whether this member has any Raft state (log, term or
// snapshot), that is, whether it was ever bootstrapped or added.
func (g *Group) HasState() bool {
	ok, err := raft.HasExistingState(g.logs, g.store, g.snaps)
	return err == nil && ok
}

// Bootstrap makes this member a one-voter group. It does nothing (and
// returns nil) when the member already has state.
func (g *Group) Bootstrap() error {
	err := g.raft.BootstrapCluster(raft.Configuration{Servers: []raft.Server{{
		Suffrage: raft.Voter,
		ID:       raft.ServerID(g.cfg.NodeID),
		Address:  raft.ServerAddress(g.cfg.Advertise),
	}}}).Error()
	if errors.Is(err, raft.ErrCantBootstrap) {
		return nil
	}
	return wrap(err)
}

// Apply proposes data and waits until it is committed and applied, then
// returns what FSM.Apply returned for it. timeout bounds only the wait to
// hand the entry to Raft (zero: no limit). Besides ErrNotLeader, ErrTimeout
// and ErrShutdown, which mean nothing was proposed, an error means the
// outcome is unknown.
func (g *Group) Apply(data []byte, timeout time.Duration) (any, error) {
	if !g.enter() {
		return nil, ErrShutdown
	}
	defer g.gate.RUnlock()
	f := g.raft.Apply(data, timeout)
	if err := f.Error(); err != nil {
		return nil, wrap(err)
	}
	return f.Response(), nil
}

// Propose hands data to Raft as Apply does, without waiting for the entry
// to be committed or applied; on a member that is not the leader it does
// nothing. A follower learns that entries committed only with the next
// entry the leader sends it, or after CommitTimeout: an entry proposed
// after a commit carries it to them at once.
func (g *Group) Propose(data []byte, timeout time.Duration) {
	if !g.enter() {
		return
	}
	defer g.gate.RUnlock()
	g.raft.Apply(data, timeout)
}

// IsLeader reports whether this member is the leader now. A new leader may
// not have applied every committed entry yet; see Barrier.
func (g *Group) IsLeader() bool { return g.raft.State() == raft.Leader }

// Leader returns the current leader as this member knows it, or empty
// strings when it knows none.
func (g *Group) Leader() (id, addr string) {
	if g.down.Load() {
		return "", ""
	}
	a, i := g.raft.LeaderWithID()
	return string(i), string(a)
}

// Members returns the latest configuration, committed or not.
func (g *Group) Members() ([]Member, error) {
	if g.down.Load() {
		return nil, ErrShutdown
	}
	f := g.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, wrap(err)
	}
	servers := f.Configuration().Servers
	out := make([]Member, 0, len(servers))
	for _, s := range servers {
		out = append(out, Member{ID: string(s.ID), Addr: string(s.Address), Voter: s.Suffrage == raft.Voter})
	}
	return out, nil
}

// AddVoter adds a voting member, or makes an existing member a voter, on
// the leader. The new voter counts for quorum at once, before it has caught
// up; add it as a non-voter first and promote it once it has.
func (g *Group) AddVoter(id, addr string, timeout time.Duration) error {
	return wrap(g.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, timeout).Error())
}

// AddNonvoter adds a member that receives the log but does not vote, on the
// leader. An existing voter stays a voter.
func (g *Group) AddNonvoter(id, addr string, timeout time.Duration) error {
	return wrap(g.raft.AddNonvoter(raft.ServerID(id), raft.ServerAddress(addr), 0, timeout).Error())
}

// DemoteVoter turns a voter into a non-voter, on the leader.
func (g *Group) DemoteVoter(id string, timeout time.Duration) error {
	return wrap(g.raft.DemoteVoter(raft.ServerID(id), 0, timeout).Error())
}

// RemoveServer removes a member, on the leader. The removed member keeps
// running; its owner shuts it down (or Removes it).
func (g *Group) RemoveServer(id string, timeout time.Duration) error {
	return wrap(g.raft.RemoveServer(raft.ServerID(id), 0, timeout).Error())
}

// Barrier waits, on the leader, until every entry before it is applied
// here. A new leader calls it before serving reads. timeout bounds the wait
// to hand the barrier to Raft (zero: no limit).
func (g *Group) Barrier(timeout time.Duration) error {
	if !g.enter() {
		return ErrShutdown
	}
	defer g.gate.RUnlock()
	return wrap(g.raft.Barrier(timeout).Error())
}

// VerifyLeader confirms, with one heartbeat round to a quorum, that this
// member is still the leader. With CommitIndex and AppliedIndex it makes a
// linearizable read (ReadIndex).
func (g *Group) VerifyLeader() error {
	if !g.enter() {
		return ErrShutdown
	}
	defer g.gate.RUnlock()
	return wrap(g.raft.VerifyLeader().Error())
}

// TransferLeadership hands leadership to member id, or to the most
// up-to-date voter when id is empty, and waits until the transfer is done
// or has failed. Applies are refused meanwhile.
func (g *Group) TransferLeadership(id string) error {
	if !g.enter() {
		return ErrShutdown
	}
	defer g.gate.RUnlock()
	if id == "" {
		return wrap(g.raft.LeadershipTransfer().Error())
	}
	members, err := g.Members()
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.ID == id {
			return wrap(g.raft.LeadershipTransferToServer(raft.ServerID(m.ID), raft.ServerAddress(m.Addr)).Error())
		}
	}
	return fmt.Errorf("replication: no member %q in group %q", id, g.cfg.GroupID)
}

// Snapshot takes a snapshot now and compacts the log behind it, keeping
// TrailingLogs entries. Raft also does this on its own (see Config).
func (g *Group) Snapshot() error {
	err := g.raft.Snapshot().Error()
	if errors.Is(err, raft.ErrNothingNewToSnapshot) {
		return nil
	}
	return wrap(err)
}

// AppliedIndex is the index of the last entry Raft has handed to the FSM.
// Raft records it after handing the batch over, so an Apply whose entry
// the FSM has just applied may return a moment before AppliedIndex
// reaches its index.
func (g *Group) AppliedIndex() uint64 { return g.raft.AppliedIndex() }

// CommitIndex is the index of the last entry known to be committed.
func (g *Group) CommitIndex() uint64 { return g.raft.CommitIndex() }

// Term is the current Raft term.
func (g *Group) Term() uint64 { return g.raft.CurrentTerm() }

// LastContact is when this member last heard from a leader; meaningful on
// followers only. It is zero when it never did.
func (g *Group) LastContact() time.Time { return g.raft.LastContact() }

// OnLeaderChange registers f, called with true when this member becomes the
// leader and with false when it stops being it (including at Shutdown).
// Calls come in order from the group's observer goroutine, never while raft
// holds a lock. f may call other Group methods (a new leader typically runs
// Barrier before it serves reads) but not Shutdown or Remove, and it delays
// the callbacks after it while it runs. Registered while this member already
// leads, f is called with true at once.
func (g *Group) OnLeaderChange(f func(isLeader bool)) { g.obs.onLeaderChange(f) }

// OnPeerHealth registers f, called on the leader when heartbeats to member
// id start failing (ok false) and when they succeed again (ok true), from the
// same goroutine as OnLeaderChange callbacks. Only transitions are reported,
// and only those after f is registered: register right after Open. The view
// belongs to one leadership term: when this member stops leading
// (OnLeaderChange(false)), forget it; a member removed from the group is
// forgotten silently.
func (g *Group) OnPeerHealth(f func(id string, ok bool)) { g.obs.onPeerHealth(f) }

// Shutdown stops this member: Raft, its connections on the bus, the
// observer goroutines and the log store. The bus stays open, and the group
// id can be opened again on it. It first waits for calls in progress
// (Apply, Barrier, VerifyLeader, TransferLeadership) to get their answer,
// which Raft gives within about LeaderLeaseTimeout even without a quorum.
// It is idempotent; other methods return ErrShutdown afterwards.
func (g *Group) Shutdown() error {
	g.shutdownOnce.Do(func() {
		g.gate.Lock()
		g.down.Store(true)
		g.gate.Unlock()
		var errs []error
		if err := g.raft.Shutdown().Error(); err != nil {
			errs = append(errs, wrap(err))
		}
		g.obs.stop()
		_ = g.trans.Close() // closes the stream layer, which unregisters the group
		g.trans.CloseStreams()
		g.layer.drain(layerDrainTimeout)
		if err := g.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("replication: close log store: %w", err))
		}
		g.shutdownErr = errors.Join(errs...)
	})
	return g.shutdownErr
}

// Remove shuts the member down and deletes its directory, for a node that
// leaves the group for good (say, to join another group with the same id).
func (g *Group) Remove() error {
	if err := g.Shutdown(); err != nil {
		return err
	}
	// Raft has stopped writing when Shutdown returns, yet CI once saw
	// RemoveAll find the directory refilled under it (ENOTEMPTY) while
	// CLUSTER RESET ran. Whatever wrote there is done a moment later:
	// try again for a while before giving up.
	var err error
	for try := 0; try < 20; try++ {
		if err = os.RemoveAll(g.cfg.Dir); err == nil || !errors.Is(err, syscall.ENOTEMPTY) {
			break
		}
		g.cfg.Logger.Warn("the group's directory filled again while being removed; retrying",
			"dir", g.cfg.Dir, "err", err, "found", dirEntries(g.cfg.Dir, 20))
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("replication: %w", err)
	}
	return nil
}

// dirEntries lists up to n paths under dir, for a log line.
func dirEntries(dir string, n int) []string {
	var out []string
	filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil || len(out) == n {
			return filepath.SkipAll
		}
		out = append(out, path)
		return nil
	})
	return out
}
