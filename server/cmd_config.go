package server

import (
	"fmt"
	"strings"

	"quordis/conf"
	"quordis/store"
)

// configCommand is CONFIG and its subcommands.
func configCommand() *Command {
	admin := FlagAdmin | FlagNoScript | FlagLoading | FlagStale
	return &Command{
		Name: "config", Arity: -2, Group: "server", Since: "2.0.0",
		Summary: "Container for server configuration commands",
		Sub: []*Command{
			{
				// CONFIG GET parameter [parameter ...]
				Name: "get", Arity: -3, Flags: admin, Group: "server", Since: "2.0.0",
				Summary:    "Returns the values of configuration parameters",
				Complexity: "O(N) when N is the number of configuration parameters provided",
				Handler:    configGet,
			},
			{
				// CONFIG SET parameter value [parameter value ...]
				Name: "set", Arity: -4, Flags: admin, Group: "server", Since: "2.0.0",
				Tips:       []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Summary:    "Sets configuration parameters at run time",
				Complexity: "O(N) when N is the number of configuration parameters provided",
				Handler:    configSet,
			},
			{
				// CONFIG RESETSTAT
				Name: "resetstat", Arity: 2, Flags: admin, Group: "server", Since: "2.0.0",
				Summary: "Resets the server's statistics", Complexity: "O(1)",
				Handler: func(c *Ctx) Reply { c.s.resetStats(); return replyOK },
			},
			{
				// CONFIG REWRITE
				Name: "rewrite", Arity: 2, Flags: admin, Group: "server", Since: "2.8.0",
				Summary: "Writes the configuration in force to the configuration file", Complexity: "O(1)",
				Handler: configRewrite,
			},
			helpCommand("2.0.0", "config",
				"GET <pattern> [<pattern> ...]", "    The parameters matching the glob-style patterns, with their values.",
				"SET <directive> <value> [<directive> <value> ...]", "    Change parameters, all or none.",
				"RESETSTAT", "    Reset the statistics INFO reports.",
				"REWRITE", "    Write the configuration in force to the configuration file."),
		},
	}
}

// CONFIG GET parameter [parameter ...]
func configGet(c *Ctx) Reply {
	patterns := make([]string, len(c.Args)-2)
	for i, a := range c.Args[2:] {
		patterns[i] = string(a)
	}
	pairs := c.s.config().Get(patterns...)
	out := make([]Reply, 0, 2*len(pairs))
	for _, p := range pairs {
		out = append(out, BulkString(p[0]), BulkString(p[1]))
	}
	return Map(out...)
}

// CONFIG SET parameter value [parameter value ...]
func configSet(c *Ctx) Reply {
	if len(c.Args)%2 != 0 {
		return replySyntax // a parameter without its value (the arity counts 4 or more)
	}
	pairs := make([][2]string, 0, len(c.Args)/2-1)
	for i := 2; i < len(c.Args); i += 2 {
		pairs = append(pairs, [2]string{string(c.Args[i]), string(c.Args[i+1])})
	}
	old := c.s.config()
	cfg, err := old.SetFrom(pairs, isLoopback(c.cl.conn.RemoteAddr()))
	if err != nil {
		return errorReply(err)
	}
	if cfg.AppendOnly != old.AppendOnly {
		if err := c.s.setAppendOnly(cfg); err != nil {
			return errorReply(fmt.Errorf("CONFIG SET failed (possibly related to argument 'appendonly') - %w", err))
		}
	}
	c.s.applyConfig(old, cfg)
	return replyOK
}

// applyConfig puts cfg in force after CONFIG SET and adjusts what depends
// on it. Called with s.mu held.
func (s *Server) applyConfig(old, cfg *conf.Config) {
	s.cfg.Store(cfg)
	if old.MaxMemory != cfg.MaxMemory || old == cfg {
		s.tuneGC(cfg.MaxMemory)
	}
	if old.MaxMemory != cfg.MaxMemory && cfg.MaxMemory > 0 {
		if used := s.usedMemory(); used > cfg.MaxMemory {
			s.log.Warn(fmt.Sprintf("WARNING: the new maxmemory value set via CONFIG SET (%d) is smaller than the current memory usage (%d). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.", cfg.MaxMemory, used))
		}
		s.wakeEvictor()
	}
	if a := s.persist.aof; a != nil && old.AppendFsync != cfg.AppendFsync {
		a.SetPolicy(fsyncPolicy(cfg))
	}
	s.access.LFU = strings.HasSuffix(cfg.MaxMemoryPolicy, "-lfu")
	s.access.LogFactor = cfg.LFULogFactor
	s.access.DecayTime = cfg.LFUDecayTime
	*s.limits = encodingLimits(cfg)
	if old.RequirePass != cfg.RequirePass {
		s.log.Info("requirepass changed; new connections must authenticate with the new password")
	}
}

// encodingLimits are the thresholds of the compact encodings cfg sets. A
// CONFIG SET puts them in force for the writes that follow: values already
// converted stay as they are, as in Redis.
func encodingLimits(cfg *conf.Config) store.Limits {
	return store.Limits{
		Hash: store.HashLimits{MaxEntries: int(cfg.HashMaxListpackEntries), MaxValue: int(cfg.HashMaxListpackValue)},
		Set:  store.SetLimits{MaxIntsetEntries: int(cfg.SetMaxIntsetEntries)},
		ZSet: store.ZSetLimits{MaxEntries: int(cfg.ZSetMaxListpackEntries), MaxValue: int(cfg.ZSetMaxListpackValue)},
		List: store.ListLimits{MaxListpackSize: cfg.ListMaxListpackSize},
	}
}

// CONFIG REWRITE
func configRewrite(c *Ctx) Reply {
	if err := c.s.config().Rewrite(); err != nil {
		return errorReply(err)
	}
	return replyOK
}

// resetStats clears the counters INFO reports, as CONFIG RESETSTAT does.
// Called with s.mu held.
func (s *Server) resetStats() {
	s.stats = stats{}
	s.mem.evicted = 0
	s.mem.peak = 0
	for _, cmd := range s.table.all() {
		cmd.stats = cmdStat{}
	}
	s.mem.latency = 0
	clear(s.errorstats)
	s.netInput.Store(0)
	s.netOutput.Store(0)
}
