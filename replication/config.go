package replication

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hashicorp/raft"
)

// Defaults for zero Config fields.
const (
	DefaultHeartbeatTimeout  = time.Second
	DefaultElectionTimeout   = time.Second
	DefaultCommitTimeout     = 50 * time.Millisecond
	DefaultSnapshotThreshold = 8192
	DefaultSnapshotInterval  = 30 * time.Second
	DefaultTrailingLogs      = 10240
)

// Config describes one member of one group.
type Config struct {
	// GroupID names the group on the bus (at most 255 bytes). Every member
	// of a group uses the same id, and a bus carries one group per id.
	GroupID string
	// NodeID is this member's Raft server id, unique within the group.
	NodeID string
	// Advertise is the bus address other members dial to reach this one.
	Advertise string
	// Dir holds the Raft log (raft.db) and snapshots. One group per Dir.
	Dir string

	// Zero means the default: 1s, 1s, HeartbeatTimeout/2, 50ms.
	// LeaderLeaseTimeout may not exceed HeartbeatTimeout/2: reads served
	// locally by a leader rely on a deposed leader stepping down well before
	// a new one is elected (DESIGN.md §4).
	HeartbeatTimeout, ElectionTimeout, LeaderLeaseTimeout, CommitTimeout time.Duration

	// Snapshot every SnapshotInterval (randomized up to twice that) when
	// SnapshotThreshold entries were applied since the last one, keeping
	// TrailingLogs entries behind it for slow followers. Zero means 8192,
	// 30s and 10240.
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64

	// NoSync skips fsync of the log: for tests only.
	NoSync bool
	// Logger receives Raft's logging; nil discards it.
	Logger *slog.Logger
}

func (cfg *Config) withDefaults() (Config, error) {
	c := *cfg
	switch {
	case c.GroupID == "" || len(c.GroupID) > 255:
		return c, fmt.Errorf("replication: group id %q must be 1 to 255 bytes", c.GroupID)
	case c.NodeID == "":
		return c, errors.New("replication: node id is empty")
	case c.Advertise == "":
		return c, errors.New("replication: advertise address is empty")
	case c.Dir == "":
		return c, errors.New("replication: dir is empty")
	}
	if c.HeartbeatTimeout == 0 {
		c.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	if c.ElectionTimeout == 0 {
		c.ElectionTimeout = DefaultElectionTimeout
	}
	if c.LeaderLeaseTimeout == 0 {
		c.LeaderLeaseTimeout = c.HeartbeatTimeout / 2
	}
	if c.LeaderLeaseTimeout > c.HeartbeatTimeout/2 {
		return c, fmt.Errorf("replication: leader lease timeout %v exceeds half the heartbeat timeout %v",
			c.LeaderLeaseTimeout, c.HeartbeatTimeout)
	}
	if c.CommitTimeout == 0 {
		c.CommitTimeout = DefaultCommitTimeout
	}
	if c.SnapshotThreshold == 0 {
		c.SnapshotThreshold = DefaultSnapshotThreshold
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = DefaultSnapshotInterval
	}
	if c.TrailingLogs == 0 {
		c.TrailingLogs = DefaultTrailingLogs
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func (c Config) raftConfig() *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(c.NodeID)
	rc.HeartbeatTimeout = c.HeartbeatTimeout
	rc.ElectionTimeout = c.ElectionTimeout
	rc.LeaderLeaseTimeout = c.LeaderLeaseTimeout
	rc.CommitTimeout = c.CommitTimeout
	rc.MaxAppendEntries = 256
	rc.BatchApplyCh = true
	rc.SnapshotThreshold = c.SnapshotThreshold
	rc.SnapshotInterval = c.SnapshotInterval
	rc.TrailingLogs = c.TrailingLogs
	rc.ShutdownOnRemove = false
	rc.Logger = newHCLogger(c.Logger, "raft").With("group", c.GroupID)
	return rc
}
