package replication

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Generous bounds: the machine may be small and busy. Polls return as soon
// as the condition holds.
const (
	waitFor = 10 * time.Second
	tick    = 10 * time.Millisecond
	opWait  = 5 * time.Second
)

var testSecret = []byte("test secret")

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// testBus opens a bus on a loopback port, closed when the test ends.
func testBus(t *testing.T, secret []byte) *Bus {
	t.Helper()
	b, err := Listen("127.0.0.1:0", secret, testLogger())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	return b
}

// memFSM is an FSM that keeps the applied entries in order.
type memFSM struct {
	mu sync.Mutex
	// guarded by mu
	entries []string
}

func (f *memFSM) Apply(index uint64, data []byte) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, string(data))
	return index
}

func (f *memFSM) Snapshot() (func(w io.Writer) error, error) {
	f.mu.Lock()
	entries := append([]string(nil), f.entries...)
	f.mu.Unlock()
	return func(w io.Writer) error { return json.NewEncoder(w).Encode(entries) }, nil
}

func (f *memFSM) Restore(r io.Reader) error {
	var entries []string
	if err := json.NewDecoder(r).Decode(&entries); err != nil {
		return err
	}
	f.mu.Lock()
	f.entries = entries
	f.mu.Unlock()
	return nil
}

func (f *memFSM) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.entries...)
}

func (f *memFSM) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.entries)
}

// member is one node of a test group: its bus, config, FSM and Group.
type member struct {
	bus *Bus
	cfg Config
	fsm *memFSM
	g   *Group
}

func testConfig(t *testing.T, b *Bus, id string) Config {
	return Config{
		GroupID:            "g0",
		NodeID:             id,
		Advertise:          b.Addr().String(),
		Dir:                filepath.Join(t.TempDir(), id),
		HeartbeatTimeout:   200 * time.Millisecond,
		ElectionTimeout:    200 * time.Millisecond,
		LeaderLeaseTimeout: 100 * time.Millisecond,
		CommitTimeout:      10 * time.Millisecond,
		NoSync:             true,
		Logger:             testLogger(),
	}
}

// open starts m.g from m.cfg with a fresh FSM; the group is shut down when
// the test ends.
func (m *member) open(t *testing.T) {
	t.Helper()
	m.fsm = &memFSM{}
	g, err := Open(m.bus, m.cfg, m.fsm)
	require.NoError(t, err)
	m.g = g
	t.Cleanup(func() { _ = g.Shutdown() })
}

func newMember(t *testing.T, id string, tweak func(*Config)) *member {
	t.Helper()
	b := testBus(t, testSecret)
	m := &member{bus: b, cfg: testConfig(t, b, id)}
	if tweak != nil {
		tweak(&m.cfg)
	}
	m.open(t)
	return m
}

// startGroup starts n members on their own buses, bootstraps the first and
// adds the others as voters. The first is the leader on return.
func startGroup(t *testing.T, n int, tweak func(*Config)) []*member {
	t.Helper()
	ms := make([]*member, n)
	for i := range ms {
		ms[i] = newMember(t, fmt.Sprintf("n%d", i+1), tweak)
	}
	require.NoError(t, ms[0].g.Bootstrap())
	require.Eventually(t, ms[0].g.IsLeader, waitFor, tick)
	for _, m := range ms[1:] {
		require.NoError(t, ms[0].g.AddVoter(m.cfg.NodeID, m.cfg.Advertise, opWait))
	}
	return ms
}

// leaderOf waits until exactly one of ms leads and returns it.
func leaderOf(t *testing.T, ms ...*member) *member {
	t.Helper()
	var leader *member
	require.Eventually(t, func() bool {
		leader = nil
		for _, m := range ms {
			if m.g.IsLeader() {
				if leader != nil {
					return false
				}
				leader = m
			}
		}
		return leader != nil
	}, waitFor, tick, "no single leader")
	return leader
}

func applyN(t *testing.T, m *member, prefix string, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		e := fmt.Sprintf("%s-%d", prefix, i)
		_, err := m.g.Apply([]byte(e), opWait)
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

// requireEntries waits until every member's FSM holds exactly want.
func requireEntries(t *testing.T, want []string, ms ...*member) {
	t.Helper()
	for _, m := range ms {
		require.Eventually(t, func() bool { return m.fsm.len() >= len(want) }, waitFor, tick,
			"%s has %d of %d entries", m.cfg.NodeID, m.fsm.len(), len(want))
		require.Equal(t, want, m.fsm.all(), m.cfg.NodeID)
	}
}

// seqReader is a deterministic nonce source for handshake tests.
type seqReader struct{ b byte }

func (r *seqReader) Read(p []byte) (int, error) {
	for i := range p {
		r.b++
		p[i] = r.b
	}
	return len(p), nil
}
