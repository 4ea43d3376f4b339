// Package cluster holds what makes Quordis a Redis Cluster node, apart
// from the network: slot hashing (CRC16/XMODEM with hash tags), the
// topology as a deterministic state machine (State, changed only by
// applying Ops, which the server carries through the metadata Raft group
// g0 so every node holds the same State), the rendering of CLUSTER NODES,
// SLOTS and INFO from it, and the routing decision for a command's keys
// (MOVED, ASK, CROSSSLOT, TRYAGAIN, CLUSTERDOWN), in Redis 7.0's order
// and words (see DESIGN.md §5 and reference/cluster-protocol.md).
//
// It does not own the Raft group, the cluster bus or the decisions that
// depend on the local keyspace (whether a node still holds keys of a
// slot): the server makes those and proposes Ops.
package cluster
