package replication

import (
	"io"

	"github.com/hashicorp/raft"
)

// FSM is the replicated state machine of a Group. Raft calls it from one
// goroutine at a time, except for the function returned by Snapshot.
type FSM interface {
	// Apply applies the committed entry at index. It must be deterministic:
	// every member applies the same entries in the same order and must reach
	// the same state, so it may not read the clock, a random source or any
	// state outside the FSM. Its result is returned by Group.Apply on the
	// member that proposed the entry and is dropped elsewhere.
	Apply(index uint64, data []byte) any

	// Snapshot captures the current state. Apply is paused while it runs,
	// so it should be cheap (a copy-on-write clone). The function it returns
	// writes the captured state and runs concurrently with later Applys.
	Snapshot() (func(w io.Writer) error, error)

	// Restore replaces the whole state with a snapshot written by the
	// function Snapshot returned. It runs with Apply paused.
	Restore(r io.Reader) error
}

// fsmAdapter presents an FSM to raft.
type fsmAdapter struct{ fsm FSM }

func (a fsmAdapter) Apply(l *raft.Log) any { return a.fsm.Apply(l.Index, l.Data) }

func (a fsmAdapter) Snapshot() (raft.FSMSnapshot, error) {
	write, err := a.fsm.Snapshot()
	if err != nil {
		return nil, err
	}
	return fsmSnapshot(write), nil
}

func (a fsmAdapter) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	return a.fsm.Restore(rc)
}

// fsmSnapshot is the write function of a captured state.
type fsmSnapshot func(w io.Writer) error

func (s fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := s(sink); err != nil {
		_ = sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s fsmSnapshot) Release() {}
