// Package cluster will hold Redis Cluster compatibility: slot hashing, the
// topology kept in the metadata Raft group, CLUSTER replies and routing
// (see DESIGN.md §5). Nothing is implemented yet; cluster-enabled is
// accepted in the configuration but has no effect.
package cluster
