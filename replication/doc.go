// Package replication will hold the generic Raft group (hashicorp/raft)
// that replicated and cluster modes build on (see DESIGN.md §4). Nothing is
// implemented yet.
package replication
