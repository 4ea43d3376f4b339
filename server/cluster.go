package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"quordis/cluster"
	"quordis/conf"
	"quordis/replication"
)

// clusterNode is this server's part in a cluster: its identity, the
// cluster bus, and its membership of the metadata group g0, whose state
// machine holds the topology (DESIGN.md §5).
//
// Every topology change is an op applied through g0, on every node in the
// same order, so every node renders CLUSTER NODES the same way. A node
// that has met nobody leads a g0 of its own; CLUSTER MEET makes it leave
// that group and join the other node's, taking its slot claims along.
type clusterNode struct {
	s       *Server
	log     *slog.Logger
	id      string
	bus     *replication.Bus
	raftDir string
	cfgPath string

	// mu guards g0 and self, which change when the node joins or leaves a
	// cluster, and serializes those changes. Lock order: Server.mu, then mu.
	mu   sync.Mutex
	g0   *replication.Group
	self cluster.Node

	meta metaFSM
	// fallback is shown while g0's state does not know this node yet (the
	// moments after a join, before the leader's log arrives).
	fallback atomic.Pointer[cluster.State]

	// blockedSeen is the topology redirectBlocked last checked blocked
	// clients against; guarded by Server.mu.
	blockedSeen *cluster.State
	// shardSeen is the topology dropUnservedShardChannels last checked
	// shard channels against; guarded by Server.mu.
	shardSeen *cluster.State

	dirty   atomic.Bool // the topology changed since nodes.conf was written
	cut     atomic.Bool // isolated, as the loop last saw it
	verdict atomic.Pointer[healthVerdict]
	closed  chan struct{}
	wg      sync.WaitGroup // the health loop, joins started by invitations, publish senders

	// pubMu guards pubQueues, the messages waiting to be forwarded to
	// each node (cluster_pubsub.go), by bus address.
	pubMu     sync.Mutex
	pubQueues map[string]*publishQueue
	pubClosed bool // close began: no sender starts any more
}

// metaFSM is g0's state machine: it applies topology ops to a State that
// readers load without a lock.
type metaFSM struct {
	state    atomic.Pointer[cluster.State]
	applied  atomic.Uint64 // the log index state reflects
	onChange func()
}

// metaSnapshot is g0's snapshot: the state and the index it reflects.
type metaSnapshot struct {
	Index uint64         `json:"index"`
	State *cluster.State `json:"state"`
}

// reset empties the state, for a group that starts from nothing.
func (m *metaFSM) reset() {
	m.state.Store(cluster.NewState(nil))
	m.applied.Store(0)
}

// Apply applies one op of the metadata log; the result goes back to the
// proposer through the Raft future.
func (m *metaFSM) Apply(index uint64, data []byte) any {
	op, err := cluster.DecodeOp(data)
	if err != nil {
		return cluster.Result{Err: "ERR " + err.Error()}
	}
	next, r := m.state.Load().Apply(op, index)
	r.Index = index
	m.state.Store(next)
	m.applied.Store(index)
	if m.onChange != nil {
		m.onChange()
	}
	return r
}

// Snapshot captures the state; encoding it happens outside the apply path.
func (m *metaFSM) Snapshot() (func(w io.Writer) error, error) {
	snap := metaSnapshot{Index: m.applied.Load(), State: m.state.Load()}
	return func(w io.Writer) error { return json.NewEncoder(w).Encode(&snap) }, nil
}

// Restore replaces the state with a snapshot's.
func (m *metaFSM) Restore(r io.Reader) error {
	var snap metaSnapshot
	if err := json.NewDecoder(r).Decode(&snap); err != nil {
		return fmt.Errorf("server: cluster snapshot: %w", err)
	}
	if snap.State == nil {
		return errors.New("server: cluster snapshot without a state")
	}
	m.state.Store(snap.State)
	m.applied.Store(snap.Index)
	if m.onChange != nil {
		m.onChange()
	}
	return nil
}

// ctlRequest is a control RPC between nodes over the cluster bus.
type ctlRequest struct {
	Type string        `json:"type"` // join, invite, propose, ping, publish
	Node *cluster.Node `json:"node,omitempty"`
	// Slots are a joining node's slot claims.
	Slots []int       `json:"slots,omitempty"`
	Op    *cluster.Op `json:"op,omitempty"`
	// SeenAs is the IP the sender reached the receiver at (so a node that
	// has never been told its own address learns it, as Redis learns it
	// from MEET).
	SeenAs string `json:"seen,omitempty"`
	// Publish are the messages PUBLISH forwards to the other nodes.
	Publish []publishMsg `json:"publish,omitempty"`
}

const (
	ctlTimeout  = 10 * time.Second
	joinTimeout = 10 * time.Second
)

// startCluster brings the node up in cluster mode once the server listens
// on port: its id from cluster-config-file, the cluster bus, and g0.
func (s *Server) startCluster(port int) error {
	cfg := s.config()
	n := &clusterNode{
		s:       s,
		log:     s.log.With("part", "cluster"),
		cfgPath: filepath.Join(cfg.Dir, cfg.ClusterConfigFile),
		closed:  make(chan struct{}),
	}
	n.raftDir = strings.TrimSuffix(n.cfgPath, filepath.Ext(n.cfgPath)) + "-raft"
	n.meta.onChange = func() { n.dirty.Store(true) }
	id, err := readNodeID(n.cfgPath)
	if err != nil {
		return err
	}
	if id == "" {
		var b [20]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("server: node id: %w", err)
		}
		id = hex.EncodeToString(b[:])
	}
	n.id = id
	busPort := cfg.ClusterPort
	if busPort == 0 {
		busPort = port + 10000
	}
	if busPort > 65535 {
		return fmt.Errorf("server: cluster bus port %d is out of range: set cluster-port", busPort)
	}
	host := bindAddrs(cfg.Bind)[0]
	host = strings.TrimPrefix(host, "-")
	secret := cfg.MasterAuth
	if secret == "" {
		secret = cfg.RequirePass
	}
	bus, err := replication.Listen(net.JoinHostPort(host, strconv.Itoa(busPort)), []byte(secret), n.log)
	if err != nil {
		return fmt.Errorf("server: cluster bus: %w", err)
	}
	n.bus = bus
	bus.HandleControl(n.handleControl)
	n.self = cluster.Node{ID: id, IP: announceIP(cfg), Port: port, BusPort: busPort, Hostname: cfg.ClusterAnnounceHostname}
	if cfg.ClusterAnnouncePort != 0 {
		n.self.Port = cfg.ClusterAnnouncePort
	}
	if cfg.ClusterAnnounceBusPort != 0 {
		n.self.BusPort = cfg.ClusterAnnounceBusPort
	}
	n.meta.reset()
	n.fallback.Store(n.lastKnown())
	if err := n.openG0(); err != nil {
		bus.Close()
		return err
	}
	s.cluster = n
	if err := n.writeConfig(); err != nil {
		n.log.Warn("writing the cluster config file", "err", err)
	}
	n.wg.Add(1)
	go n.loop()
	return nil
}

// announceIP is the IP the node advertises: cluster-announce-ip, else a
// specific bind address, else none until a MEET tells it (as Redis).
func announceIP(cfg *conf.Config) string {
	if cfg.ClusterAnnounceIP != "" {
		return cfg.ClusterAnnounceIP
	}
	for _, b := range cfg.Bind {
		b = strings.TrimPrefix(b, "-")
		if ip := net.ParseIP(b); ip != nil && !ip.IsUnspecified() {
			return b
		}
	}
	return ""
}

// readNodeID returns the id on the myself line of a cluster config file,
// or "" when there is no file yet.
func readNodeID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("server: reading the cluster config file: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.Contains(f[2], "myself") {
			if len(f[0]) != 40 || strings.Trim(f[0], "0123456789abcdef") != "" {
				return "", fmt.Errorf("server: bad node id %q in %s", f[0], path)
			}
			return f[0], nil
		}
	}
	return "", fmt.Errorf("server: %s has no myself line", path)
}

// nodeTimeout is cluster-node-timeout (CONFIG SET changes it at run time;
// g0's Raft timeouts are derived from it when g0 opens).
func (n *clusterNode) nodeTimeout() time.Duration {
	return time.Duration(max(n.s.config().ClusterNodeTimeout, 100)) * time.Millisecond
}

// g0CommitTimeout is how often, at most, g0's leader sends each follower
// its commit index when no entry is appended (Raft's default is 50 ms).
// Every change announces its own commit (see applyLeader), so this only
// bounds how late a follower learns of an entry whose announcement was
// lost. At 50 ms those messages were most of an idle cluster's cost: the
// leader's node used 10-23 ms of CPU a second and made 620-1,020 context
// switches, against 6-11 ms and 300-500 at 500 ms (perf stat, 5 s a node).
const g0CommitTimeout = 500 * time.Millisecond

// raftConfig is g0's configuration on this node.
func (n *clusterNode) raftConfig() replication.Config {
	ht := min(max(n.nodeTimeout()/3, 100*time.Millisecond), time.Second)
	return replication.Config{
		GroupID:            "g0",
		NodeID:             n.id,
		Advertise:          n.raftAddr(),
		Dir:                n.raftDir,
		HeartbeatTimeout:   ht,
		ElectionTimeout:    ht,
		LeaderLeaseTimeout: ht / 2,
		CommitTimeout:      g0CommitTimeout,
		Logger:             n.log,
	}
}

// raftAddr is the bus address peers dial. Called with mu held or before
// the node is shared.
func (n *clusterNode) raftAddr() string {
	ip := n.self.IP
	if ip == "" {
		ip = "127.0.0.1"
	}
	return net.JoinHostPort(ip, strconv.Itoa(n.self.BusPort))
}

// openG0 opens g0 from its directory; a node without one founds a group
// of its own holding just itself. Called with mu held or at start.
func (n *clusterNode) openG0() error {
	g, err := replication.Open(n.bus, n.raftConfig(), &n.meta)
	if err != nil {
		return fmt.Errorf("server: opening the cluster metadata: %w", err)
	}
	n.g0 = g
	if g.HasState() {
		n.wg.Add(1)
		go n.refreshAddress()
		return nil
	}
	return n.foundLocked(cluster.NewState(&n.self))
}

// foundLocked bootstraps g0 with this node alone and records it with
// what it held in prev (its slots and epoch). Called with mu held.
func (n *clusterNode) foundLocked(prev *cluster.State) error {
	if err := n.g0.Bootstrap(); err != nil {
		return fmt.Errorf("server: founding the cluster metadata: %w", err)
	}
	self := n.self
	if me := prev.Nodes[n.id]; me != nil {
		self.ConfigEpoch = me.ConfigEpoch
	}
	op := &cluster.Op{Kind: cluster.OpJoin, Node: &self, Slots: prev.SlotsOf(n.id), Time: n.s.now()}
	deadline := time.Now().Add(joinTimeout)
	for {
		_, err := n.g0.Apply(op.Encode(), time.Second)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server: founding the cluster metadata: %w", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// refreshAddress, after a restart, records this node's addresses in g0
// when they changed (another port or announce address).
func (n *clusterNode) refreshAddress() {
	defer n.wg.Done()
	for {
		st := n.meta.state.Load()
		if me := st.Nodes[n.id]; me != nil {
			n.mu.Lock()
			if n.self.IP == "" {
				n.self.IP = me.IP
			}
			self := n.self
			n.mu.Unlock()
			if me.IP != self.IP || me.Port != self.Port || me.BusPort != self.BusPort || me.Hostname != self.Hostname {
				self.ConfigEpoch = me.ConfigEpoch
				if _, err := n.propose(&cluster.Op{Kind: cluster.OpUpdateAddress, Node: &self}); err != nil {
					n.log.Warn("recording the new address", "err", err)
				}
			}
			return
		}
		select {
		case <-n.closed:
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// view returns the topology to answer from.
func (n *clusterNode) view() *cluster.State {
	if st := n.meta.state.Load(); st.Nodes[n.id] != nil {
		return st
	}
	return n.fallback.Load()
}

// group returns g0 as it is now.
func (n *clusterNode) group() *replication.Group {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.g0
}

// healthy reports cluster_state:ok as this node sees it. The verdict is
// cached per state (it looks at every slot), and isolation is refreshed
// by the loop, so a request pays two atomic loads.
func (n *clusterNode) healthy(st *cluster.State) bool {
	full := n.s.config().ClusterRequireFullCoverage
	isolated := n.cut.Load()
	if v := n.verdict.Load(); v != nil && v.st == st && v.isolated == isolated && v.full == full {
		return v.ok
	}
	ok := st.OK(cluster.Health{Isolated: isolated}, full)
	n.verdict.Store(&healthVerdict{st: st, isolated: isolated, full: full, ok: ok})
	return ok
}

// healthVerdict is a cached answer of healthy.
type healthVerdict struct {
	st             *cluster.State
	isolated, full bool
	ok             bool
}

// isolated reports whether this node has lost g0's leader for longer than
// cluster-node-timeout, as a Redis node in a minority partition reports
// the cluster down.
func (n *clusterNode) isolated() bool {
	g := n.group()
	if g.IsLeader() {
		return false
	}
	last := g.LastContact()
	return last.IsZero() || time.Since(last) > n.nodeTimeout()
}

// propose applies op through g0's leader and returns its result.
func (n *clusterNode) propose(op *cluster.Op) (cluster.Result, error) {
	return n.proposeWithin(op, ctlTimeout)
}

// proposeWithin is propose giving up after d.
func (n *clusterNode) proposeWithin(op *cluster.Op, d time.Duration) (cluster.Result, error) {
	deadline := time.Now().Add(d)
	for {
		g := n.group()
		var res cluster.Result
		var err error
		if g.IsLeader() {
			res, err = n.applyLeader(g, op)
		} else if _, addr := g.Leader(); addr != "" {
			res, err = n.callPropose(addr, op)
		} else {
			err = replication.ErrNotLeader
		}
		if err == nil {
			// Read your writes: the caller's next command here must see
			// the change (a SETSLOT IMPORTING, then RESTORE-ASKING).
			for n.meta.applied.Load() < res.Index && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			return res, nil
		}
		if time.Now().After(deadline) {
			return res, err
		}
		select {
		case <-n.closed:
			return res, err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// applyLeader applies op on the leader, with what follows from it in g0's
// membership, and announces its commit to the followers.
//
// Followers learn that an entry committed only with the next entry the
// leader sends them, or after g0's commit timeout (g0CommitTimeout): a
// no-op entry proposed right after carries it to them at once, without
// waiting for the no-op itself to commit. So the node that proposed a
// change sees it applied within a round trip (reshard proposes three
// changes per slot and waits for each), and every node's view follows a
// change the leader made (a failure flag, a SETSLOT sent to the leader's
// node) as promptly.
func (n *clusterNode) applyLeader(g *replication.Group, op *cluster.Op) (cluster.Result, error) {
	v, err := g.Apply(op.Encode(), ctlTimeout)
	if err != nil {
		return cluster.Result{}, err
	}
	g.Propose((&cluster.Op{Kind: cluster.OpNoop}).Encode(), ctlTimeout)
	res := v.(cluster.Result)
	if res.Err == "" && op.Kind == cluster.OpForget {
		if err := g.RemoveServer(op.Target, ctlTimeout); err != nil {
			n.log.Warn("removing a forgotten node from the metadata group", "node", op.Target, "err", err)
		}
	}
	return res, nil
}

func (n *clusterNode) callPropose(addr string, op *cluster.Op) (cluster.Result, error) {
	var res cluster.Result
	b, err := n.call(addr, &ctlRequest{Type: "propose", Op: op})
	if err != nil {
		return res, err
	}
	return res, json.Unmarshal(b, &res)
}

func (n *clusterNode) call(addr string, req *ctlRequest) ([]byte, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return n.bus.Call(addr, b, ctlTimeout)
}

// handleControl answers the control RPCs of other nodes.
//
// A panic here would take the process down from a bus goroutine, so it is
// turned into an error for the caller, as runHandler does for commands.
func (n *clusterNode) handleControl(b []byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			n.log.Error("control request panicked", "panic", fmt.Sprint(p))
			out, err = nil, errors.New("internal error")
		}
	}()
	var req ctlRequest
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, fmt.Errorf("bad request: %w", err)
	}
	if (req.Type == "propose" && req.Op == nil) || (req.Type == "invite" && (req.Node == nil || len(req.Node.ID) != 40)) {
		return nil, fmt.Errorf("bad %s request", req.Type)
	}
	switch req.Type {
	case "ping":
		return []byte("PONG"), nil
	case "publish":
		n.deliverPublished(req.Publish)
		return nil, nil
	case "propose":
		g := n.group()
		if !g.IsLeader() {
			return nil, replication.ErrNotLeader
		}
		res, err := n.applyLeader(g, req.Op)
		if err != nil {
			return nil, err
		}
		return json.Marshal(res)
	case "join":
		n.learnIP(req.SeenAs)
		return nil, n.admit(&req)
	case "invite":
		n.learnIP(req.SeenAs)
		st := n.view()
		if len(st.Nodes) > 1 {
			if st.Nodes[req.Node.ID] != nil {
				return nil, nil
			}
			return nil, errors.New("ERR this node is already part of another cluster")
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := n.join(req.Node.IP, req.Node.Port, req.Node.BusPort); err != nil {
				n.log.Warn("joining the cluster that invited us", "err", err)
			}
		}()
		return nil, nil
	}
	return nil, fmt.Errorf("unknown request %q", req.Type)
}

// learnIP records the IP another node reached this one at, when the node
// did not know its own.
func (n *clusterNode) learnIP(ip string) {
	if ip == "" {
		return
	}
	n.mu.Lock()
	learned := n.self.IP == ""
	if learned {
		n.self.IP = ip
	}
	self := n.self
	n.mu.Unlock()
	if learned {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if st := n.meta.state.Load(); st.Nodes[n.id] != nil {
				self.ConfigEpoch = st.Nodes[n.id].ConfigEpoch
			}
			if _, err := n.propose(&cluster.Op{Kind: cluster.OpUpdateAddress, Node: &self}); err != nil {
				n.log.Warn("recording our address", "err", err)
			}
		}()
	}
}

// admit adds a joining node to g0 (on the leader; others forward): as a
// voter while g0 has fewer than three voters (five once the cluster has
// five nodes), else as a non-voter, then records it with its slot claims.
func (n *clusterNode) admit(req *ctlRequest) error {
	g := n.group()
	if !g.IsLeader() {
		_, addr := g.Leader()
		if addr == "" {
			return replication.ErrNotLeader
		}
		fwd := *req
		fwd.SeenAs = ""
		_, err := n.call(addr, &fwd)
		return err
	}
	if req.Node == nil || len(req.Node.ID) != 40 {
		return errors.New("bad join request")
	}
	st := n.meta.state.Load()
	if until, ok := st.Forgotten[req.Node.ID]; ok && until > n.s.now() {
		return fmt.Errorf("node %s was forgotten recently", req.Node.ID)
	}
	members, err := g.Members()
	if err != nil {
		return err
	}
	voters := 0
	for _, m := range members {
		if m.Voter && m.ID != req.Node.ID {
			voters++
		}
	}
	total := len(st.Nodes)
	if st.Nodes[req.Node.ID] == nil {
		total++
	}
	addr := req.Node.BusAddr()
	if voters < 3 || (total >= 5 && voters < 5) {
		err = g.AddVoter(req.Node.ID, addr, ctlTimeout)
	} else {
		err = g.AddNonvoter(req.Node.ID, addr, ctlTimeout)
	}
	if err != nil {
		return err
	}
	op := &cluster.Op{Kind: cluster.OpJoin, Node: req.Node, Slots: req.Slots, Time: n.s.now()}
	res, err := n.applyLeader(g, op)
	if err == nil && res.Err != "" {
		err = errors.New(res.Err)
	}
	if err != nil {
		if rerr := g.RemoveServer(req.Node.ID, ctlTimeout); rerr != nil {
			n.log.Warn("undoing a failed join", "err", rerr)
		}
	}
	return err
}

// join makes this lone node leave its own g0 and join the cluster of the
// node at ip:port (bus port bus), taking its slots and epoch along. On
// failure it founds its own group again with what it had.
func (n *clusterNode) join(ip string, port, bus int) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	prev := n.view()
	if len(prev.Nodes) > 1 {
		return nil // joined meanwhile
	}
	if n.self.IP == "" {
		n.self.IP = localIPToward(ip, bus)
	}
	self := n.self
	if me := prev.Nodes[n.id]; me != nil {
		self.ConfigEpoch = me.ConfigEpoch
	}
	shown := cluster.NewState(&self)
	for _, s := range prev.SlotsOf(n.id) {
		shown.Owner[s] = n.id
	}
	n.fallback.Store(shown)
	if err := n.g0.Remove(); err != nil {
		return err
	}
	n.meta.reset()
	g, err := replication.Open(n.bus, n.raftConfig(), &n.meta)
	if err != nil {
		return err
	}
	n.g0 = g
	target := net.JoinHostPort(ip, strconv.Itoa(bus))
	_, err = n.call(target, &ctlRequest{Type: "join", Node: &self, Slots: prev.SlotsOf(n.id), SeenAs: ip})
	if err == nil {
		deadline := time.Now().Add(joinTimeout)
		for n.meta.state.Load().Nodes[n.id] == nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		n.dirty.Store(true)
		if n.meta.state.Load().Nodes[n.id] == nil {
			// The leader has added us: founding a group of our own now would
			// answer its appends with a second history. Stay; the metadata
			// arrives when the leader reaches us.
			return errors.New("joined, but the cluster's metadata has not arrived yet")
		}
		return nil
	}
	// The join was refused or never arrived (a timeout after the leader
	// added us is the one case this guess gets wrong): back to a group of
	// our own, as we were.
	if rerr := n.g0.Remove(); rerr != nil {
		n.log.Warn("leaving a failed join", "err", rerr)
	}
	n.meta.reset()
	g, oerr := replication.Open(n.bus, n.raftConfig(), &n.meta)
	if oerr != nil {
		return errors.Join(err, oerr)
	}
	n.g0 = g
	if ferr := n.foundLocked(prev); ferr != nil {
		return errors.Join(err, ferr)
	}
	return err
}

// leave makes this node forget the cluster: it asks g0 to forget it (when
// others are there), then founds a group of its own holding state
// (CLUSTER RESET).
func (n *clusterNode) leave(self *cluster.State, hard bool) error {
	st := n.view()
	if len(st.Nodes) > 1 && st.Nodes[n.id] != nil {
		// Best effort, and short: a node already forgotten by the others
		// (del-node sends FORGET everywhere first) may have no leader left.
		op := &cluster.Op{Kind: cluster.OpForget, ID: n.id, Target: n.id, Time: n.s.now()}
		if _, err := n.proposeWithin(op, 2*time.Second); err != nil {
			n.log.Warn("asking the cluster to forget us", "err", err)
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.g0.Remove(); err != nil {
		return err
	}
	if hard {
		var b [20]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		n.id = hex.EncodeToString(b[:])
		n.self.ID = n.id
	}
	n.fallback.Store(self)
	n.meta.reset()
	g, err := replication.Open(n.bus, n.raftConfig(), &n.meta)
	if err != nil {
		return err
	}
	n.g0 = g
	n.dirty.Store(true)
	return n.foundLocked(self)
}

// localIPToward returns the local IP this host uses to reach ip.
func localIPToward(ip string, port int) string {
	c, err := net.Dial("udp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return "127.0.0.1"
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP.String()
}

// loop runs the periodic work: on g0's leader, failure detection (a node
// that has not answered a ping for cluster-node-timeout is flagged fail,
// and unflagged when it answers) and the voter count; on every node,
// writing nodes.conf after changes.
func (n *clusterNode) loop() {
	defer n.wg.Done()
	lastOK := map[string]time.Time{}
	wasLeader := false
	for {
		select {
		case <-n.closed:
			return
		case <-time.After(min(n.nodeTimeout()/4, 250*time.Millisecond)):
		}
		if n.dirty.Swap(false) {
			if err := n.writeConfig(); err != nil {
				n.log.Warn("writing the cluster config file", "err", err)
			}
		}
		n.cut.Store(n.isolated())
		g := n.group()
		if !g.IsLeader() {
			wasLeader = false
			continue
		}
		if !wasLeader {
			clear(lastOK)
			wasLeader = true
		}
		n.checkHealth(lastOK)
		n.balanceVoters(g)
	}
}

// checkHealth pings every other node and proposes fail flags that changed.
func (n *clusterNode) checkHealth(lastOK map[string]time.Time) {
	st := n.meta.state.Load()
	now := time.Now()
	type answer struct {
		id string
		ok bool
	}
	answers := make(chan answer, len(st.Nodes))
	asked := 0
	for id, node := range st.Nodes {
		if id == n.id {
			continue
		}
		if _, ok := lastOK[id]; !ok {
			lastOK[id] = now
		}
		asked++
		go func() {
			b, _ := json.Marshal(&ctlRequest{Type: "ping"})
			_, err := n.bus.Call(node.BusAddr(), b, min(n.nodeTimeout()/2, time.Second))
			answers <- answer{id, err == nil}
		}()
	}
	for range asked {
		a := <-answers
		node := st.Nodes[a.id]
		if a.ok {
			lastOK[a.id] = time.Now()
		}
		down := time.Since(lastOK[a.id]) > n.nodeTimeout()
		if down != node.Fail {
			if _, err := n.propose(&cluster.Op{Kind: cluster.OpMarkFail, ID: a.id, Fail: down}); err != nil {
				n.log.Warn("flagging a node", "node", a.id, "fail", down, "err", err)
			}
		}
	}
	for id := range lastOK {
		if st.Nodes[id] == nil {
			delete(lastOK, id)
		}
	}
	nowMs := n.s.now()
	for _, until := range st.Forgotten {
		if until <= nowMs {
			if _, err := n.propose(&cluster.Op{Kind: cluster.OpExpireForgets, Time: nowMs}); err != nil {
				n.log.Warn("expiring forgotten nodes", "err", err)
			}
			break
		}
	}
}

// balanceVoters keeps g0's voters at three (five once the cluster has
// five nodes), promoting healthy non-voters and demoting failed voters
// when a healthy non-voter can take their place.
func (n *clusterNode) balanceVoters(g *replication.Group) {
	st := n.meta.state.Load()
	members, err := g.Members()
	if err != nil {
		return
	}
	want := min(3, len(members))
	if len(members) >= 5 {
		want = 5
	}
	var healthyVoters int
	var spare, failedVoters []replication.Member
	for _, m := range members {
		node := st.Nodes[m.ID]
		ok := node != nil && !node.Fail
		switch {
		case m.Voter && ok:
			healthyVoters++
		case m.Voter:
			failedVoters = append(failedVoters, m)
		case ok:
			spare = append(spare, m)
		}
	}
	for healthyVoters < want && len(spare) > 0 {
		m := spare[0]
		spare = spare[1:]
		if err := g.AddVoter(m.ID, m.Addr, ctlTimeout); err != nil {
			n.log.Warn("promoting a metadata voter", "node", m.ID, "err", err)
			return
		}
		healthyVoters++
		if len(failedVoters) > 0 {
			f := failedVoters[0]
			failedVoters = failedVoters[1:]
			if err := g.DemoteVoter(f.ID, ctlTimeout); err != nil {
				n.log.Warn("demoting a failed metadata voter", "node", f.ID, "err", err)
			}
		}
	}
}

// lastKnown is the topology this node last wrote down (beside g0's
// files), shown after a restart until g0's log has been replayed; a node
// without one knows only itself.
func (n *clusterNode) lastKnown() *cluster.State {
	b, err := os.ReadFile(filepath.Join(n.raftDir, "topology.json"))
	if err == nil {
		st := &cluster.State{}
		if err := json.Unmarshal(b, st); err == nil && st.Nodes[n.id] != nil {
			return st
		}
		n.log.Warn("ignoring a damaged topology.json", "dir", n.raftDir)
	}
	return cluster.NewState(&n.self)
}

// writeConfig writes cluster-config-file: the nodes as CLUSTER NODES
// shows them and the epochs, in Redis's layout, so the node keeps its id.
func (n *clusterNode) writeConfig() error {
	st := n.view()
	var b strings.Builder
	b.WriteString(st.NodesText(n.id, n.s.now()))
	fmt.Fprintf(&b, "vars currentEpoch %d lastVoteEpoch 0\n", st.CurrentEpoch)
	if err := writeFileSync(n.cfgPath, []byte(b.String())); err != nil {
		return err
	}
	if st.Nodes[n.id] == nil {
		return nil
	}
	js, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return writeFileSync(filepath.Join(n.raftDir, "topology.json"), js)
}

// writeFileSync replaces path with data durably: a temporary file,
// fsync, rename.
func writeFileSync(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// close stops the node's goroutines, g0 and the bus.
func (n *clusterNode) close() {
	n.pubMu.Lock()
	n.pubClosed = true // no wg.Add once Wait may have begun
	n.pubMu.Unlock()
	close(n.closed)
	n.wg.Wait()
	n.mu.Lock()
	if n.g0 != nil {
		if err := n.g0.Shutdown(); err != nil {
			n.log.Warn("stopping the cluster metadata group", "err", err)
		}
	}
	n.mu.Unlock()
	if err := n.writeConfig(); err != nil {
		n.log.Warn("writing the cluster config file", "err", err)
	}
	n.bus.Close()
}
