// Package server is Quordis's network front and command semantics: the
// listener, connections, the RESP reader, reply encoding (RESP2 and RESP3),
// the command table with one file per command family (cmd_*.go), dispatch,
// transactions, MONITOR, SLOWLOG and INFO.
//
// It does not own the data (package store), the configuration format
// (package conf), or files and replication (packages aof, replication).
//
// # Request flow
//
//	socket ─▶ Reader (limits, protocol errors) ─▶ client.serve
//	       ─▶ client.prefetch: the keys of the command and of those
//	          buffered behind it looked up in phases (Reader.Peek,
//	          store.DB.Prefetch), so their cache misses overlap
//	       ─▶ Server.handle: lookup, arity, protected commands, AUTH,
//	          MULTI queueing ─▶ Server.call: handler on the store at `now`
//	       ─▶ effects queued (queueEffect) and handed to the Propagator
//	          once per request (flushEffects)
//	       ─▶ appendReply into the client's buffer ─▶ one write per batch,
//	          once the batch's writes are as durable as appendfsync
//	          promises: with always, the replies are handed to the AOF
//	          (client.hold) and written by the goroutine that completed
//	          their fsync, while the connection's goroutine reads on
//
// A handler (type Handler) gets a Ctx holding its arguments, database,
// time and random source, and returns a Reply value; appendReply is the one
// encoder. Handlers never read the clock or a global random source, so the
// same handler can run on AOF replay and in a Raft state machine.
//
// # Locks
//
// Server.mu is the keyspace lock: every command runs entirely under it, so
// commands are atomic with respect to each other, as in Redis. Reading
// requests, encoding nothing and writing replies happen outside it, on the
// connection's goroutine. Lock order: Server.mu, then a client's heldMu,
// then its pushMu or writeMu; Server.lnMu is never held with another lock.
// The AOF calls a client's heldDone with none of its own locks held.
//
// In cluster mode (cluster.go), clusterNode.mu comes after Server.mu. The
// topology is read without a lock (an atomic pointer to an immutable
// cluster.State), and g0's state machine never takes Server.mu, so a
// CLUSTER command may wait for a g0 commit while holding Server.mu.
package server
