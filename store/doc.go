// Package store is Quordis's keyspace: databases of typed values with expiry
// metadata.
//
// It owns the data and the rules that are about data alone: which keys exist,
// which are logically expired at a given instant, random sampling for eviction
// and active expiry, and the SCAN cursor guarantee. It knows nothing of RESP,
// sockets, clients, Raft or files. Every method whose answer depends on time
// takes `now` (Unix milliseconds) from its caller, so the same sequence of calls
// gives the same result on a client request, on AOF replay and inside a Raft
// state machine.
//
// A Store is not safe for concurrent use; the server serializes access.
package store
