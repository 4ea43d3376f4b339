// Package replication runs Raft groups (hashicorp/raft) for the replicated
// and cluster modes (DESIGN.md §4-5). It knows nothing of Redis: entries,
// snapshots and control messages are opaque bytes.
//
// It owns:
//
//   - Bus: the one TCP port ("cluster bus") that carries the Raft traffic of
//     every group of the process and request/response control RPCs
//     (HandleControl, Call). Every connection opens with a mutual HMAC-SHA256
//     challenge-response over a shared secret and a header naming what it
//     carries (handshake.go); anything else is refused within the handshake
//     timeout, a peer speaking another protocol at its first wrong byte.
//   - Group: one member of one Raft group on a Bus, with its log store
//     (raft-boltdb/v2 behind a log cache) and snapshot store (files, two
//     kept) in Config.Dir. Proposing (Apply), leader state and hints,
//     membership changes, leadership transfer, barriers and read checks,
//     snapshots, and observation callbacks for leadership and peer health.
//   - FSM: the contract of the state machine a Group drives.
//
// It does not own: what entries mean or how commands are batched into them
// (the server's proposer and state machine), the snapshot format (aof's
// rewrite encoder), when to bootstrap, join or remove members, which groups
// exist or who may vote in them (cluster and server decide and call in),
// carrying those decisions between nodes (callers define control messages),
// or TLS (the handshake authenticates peers; it does not encrypt).
//
// Shape of a process:
//
//	Bus ── accept loop ── handshake ─┬─ kind raft, group "g0" ─▶ streamLayer g0 ─▶ NetworkTransport ─▶ raft g0
//	                                 ├─ kind raft, group "g3" ─▶ streamLayer g3 ─▶ NetworkTransport ─▶ raft g3
//	                                 └─ kind control ─▶ HandleControl's function
//
// Each group keeps its own connection pool and RPC channel, so one group
// cannot stall another. Shutting a group down unregisters it and closes its
// connections; the same group id can then be opened again on the bus.
//
// Goroutines: the Bus owns its accept loop and one goroutine per connection
// in handshake or serving control RPCs; Bus.Close waits for them. A Group
// owns two observer goroutines; Group.Shutdown waits for them, and for
// Raft's own. Shut groups down before closing their bus.
//
// Locks: Bus.mu guards the group table and the control handler; connSet and
// callPool locks guard their maps. No lock is held while calling out, and
// none is taken while raft holds one of its own.
package replication
