package server

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"quordis/store"
)

// serverCommands are the commands about the server as a whole.
func serverCommands() []*Command {
	admin := FlagAdmin | FlagNoScript | FlagLoading | FlagStale
	allShardsSum := []string{"request_policy:all_shards", "response_policy:agg_sum"}
	flushTips := []string{"request_policy:all_shards", "response_policy:all_succeeded"}
	return []*Command{
		{
			// DBSIZE
			Name: "dbsize", Arity: 1, Flags: FlagReadonly | FlagFast, ACL: ACLKeyspace, Tips: allShardsSum,
			Group: "server", Since: "1.0.0", Summary: "Returns the number of keys in the database", Complexity: "O(1)",
			Handler: func(c *Ctx) Reply { return Int(int64(c.DB.Len())) },
		},
		{
			// FLUSHDB [ASYNC | SYNC]
			Name: "flushdb", Arity: -1, Flags: FlagWrite, ACL: ACLKeyspace | ACLDangerous, Tips: flushTips,
			Group: "server", Since: "1.0.0", Summary: "Removes every key of the database",
			Complexity: "O(N) where N is the number of keys in the selected database", Handler: flushCommand,
		},
		{
			// FLUSHALL [ASYNC | SYNC]
			Name: "flushall", Arity: -1, Flags: FlagWrite, ACL: ACLKeyspace | ACLDangerous, Tips: flushTips,
			Group: "server", Since: "1.0.0", Summary: "Removes every key of every database",
			Complexity: "O(N) where N is the total number of keys in all databases", Handler: flushCommand,
		},
		{
			// TIME
			Name: "time", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Tips: []string{"nondeterministic_output"},
			Group: "server", Since: "2.6.0", Summary: "Returns the server's time", Complexity: "O(1)",
			Handler: func(c *Ctx) Reply {
				t := c.s.clock()
				return Array(BulkInt(t.Unix()), BulkInt(int64(t.Nanosecond()/1000)))
			},
		},
		{
			// ROLE
			Name: "role", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast, ACL: ACLAdmin | ACLDangerous,
			Group: "server", Since: "2.8.12", Summary: "Returns the replication role", Complexity: "O(1)",
			Handler: func(c *Ctx) Reply { return Array(BulkString("master"), Int(0), Array()) },
		},
		{
			// WAIT numreplicas timeout
			Name: "wait", Arity: 3, Flags: FlagNoScript, ACL: ACLConnection,
			Tips:  []string{"request_policy:all_shards", "response_policy:agg_min"},
			Group: "generic", Since: "3.0.0", Complexity: "O(1)",
			Summary: "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed",
			Handler: waitCommand,
		},
		{
			// LASTSAVE
			Name: "lastsave", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, ACL: ACLAdmin | ACLDangerous,
			Tips:  []string{"nondeterministic_output"},
			Group: "server", Since: "1.0.0", Summary: "Returns the Unix time of the last successful save", Complexity: "O(1)",
			Handler: func(c *Ctx) Reply { return Int(c.s.lastSave.Unix()) },
		},
		{
			// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
			Name: "shutdown", Arity: -1, Flags: admin | FlagNoMulti | FlagAllowBusy,
			Group: "server", Since: "1.0.0", Summary: "Stops the server",
			Complexity: "O(N) when saving, where N is the total number of keys in all databases", Handler: shutdownCommand,
		},
		{
			// MONITOR
			Name: "monitor", Arity: 1, Flags: admin,
			Group: "server", Since: "1.0.0", Summary: "Streams every command the server runs", Complexity: "O(1)",
			Handler: monitorCommand,
		},
		{
			// DEBUG subcommand [argument ...]
			Name: "debug", Arity: -2, Flags: admin | FlagProtected,
			Group: "server", Since: "1.0.0", Summary: "Debugging and testing helpers", Complexity: "Depends on the subcommand",
			Handler: debugCommand,
		},
		latencyCommand(),
		moduleCommand(),
		lolwutCommand(),
		memoryCommand(),
		slowlogCommand(),
		configCommand(),
		commandCommand(),
		infoCommand(),
	}
}

// FLUSHDB [ASYNC | SYNC] | FLUSHALL [ASYNC | SYNC]
func flushCommand(c *Ctx) Reply {
	if len(c.Args) > 2 {
		return replySyntax
	}
	if len(c.Args) == 2 {
		switch strings.ToLower(string(c.Args[1])) {
		case "async", "sync":
		default:
			return replySyntax
		}
	}
	dbs := []*store.DB{c.DB}
	if c.Cmd.Name == "flushall" {
		dbs = dbs[:0]
		for i := 0; i < c.s.store.NumDB(); i++ {
			dbs = append(dbs, c.s.store.DB(i))
		}
	}
	n := 0
	for _, db := range dbs {
		c.s.touchAllWatched(db.ID(), -1, c.Now)
		n += db.Len()
		c.s.flushUsage(db.ID())
		db.Flush()
	}
	if c.Cmd.Name == "flushall" {
		c.s.saveFlushed()
	}
	c.s.trackingFlush()
	// A flush is always propagated, even of an empty keyspace.
	c.Changed(max(n, 1))
	return replyOK
}

// The saving modes of SHUTDOWN, in Server.shutdownSave.
const (
	shutdownDefault = iota // save if save points are configured
	shutdownNoSave
	shutdownSave
)

// msgNoShutdown is SHUTDOWN ABORT's reply: a shutdown here never waits.
const msgNoShutdown = "ERR No shutdown in progress."

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
func shutdownCommand(c *Ctx) Reply {
	mode, ok := shutdownMode(c.Args)
	if !ok {
		return replySyntax
	}
	if mode < 0 {
		return Err(msgNoShutdown)
	}
	c.s.log.Warn("user requested shutdown")
	c.s.shutdownSave = mode
	c.s.shutdownLocked()
	return replyNone
}

// shutdownMode reads SHUTDOWN's arguments: the saving mode, -1 for ABORT,
// and false for a syntax error.
func shutdownMode(args [][]byte) (int, bool) {
	mode := shutdownDefault
	for _, a := range args[1:] {
		switch strings.ToLower(string(a)) {
		case "nosave":
			mode = shutdownNoSave
		case "save":
			mode = shutdownSave
		case "now", "force":
		case "abort":
			return -1, len(args) == 2
		default:
			return 0, false
		}
	}
	return mode, true
}

// MONITOR
func monitorCommand(c *Ctx) Reply {
	if c.cl.flags&flagMulti != 0 {
		return replyNone
	}
	c.cl.flags |= flagMonitor
	c.s.monitors[c.cl] = struct{}{}
	c.cl.startPusher()
	return replyOK
}

// DEBUG subcommand [argument ...]: the subcommands tests and tools use.
func debugCommand(c *Ctx) Reply {
	sub := strings.ToLower(string(c.Args[1]))
	n := len(c.Args)
	switch {
	case sub == "help" && n == 2:
		return Array(
			Simple("DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
			Simple("OBJECT <key>"), Simple("    Low level details of the value at <key>."),
			Simple("SLEEP <seconds>"), Simple("    Stop the server for <seconds> (decimals allowed)."),
			Simple("SET-ACTIVE-EXPIRE <0|1>"), Simple("    Turn the background expiry of keys off (0) or on (1)."),
			Simple("HELP"), Simple("    Prints this help."),
		)
	case sub == "sleep" && n == 3:
		secs, err := strconv.ParseFloat(string(c.Args[2]), 64)
		if err != nil {
			secs = 0
		}
		// DEBUG SLEEP stops the whole server, as in Redis: the keyspace lock
		// is held meanwhile.
		time.Sleep(time.Duration(secs * float64(time.Second)))
		return replyOK
	case sub == "set-active-expire" && n == 3:
		v, _ := strconv.Atoi(string(c.Args[2]))
		c.s.activeExpireOff = v == 0
		return replyOK
	case sub == "object" && n == 3:
		o := c.DB.Peek(c.key(2), c.Now)
		if o == nil {
			return replyNoSuchKey
		}
		return Simple(fmt.Sprintf("Value at:%p refcount:1 encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
			o, encodingOf(o), len(o.Str())+1, o.Access, o.IdleMillis(c.Now)/1000))
	}
	return subcommandSyntax(c)
}

// subcommandSyntax is Redis's addReplySubcommandSyntaxError: the reply of
// a container command to a subcommand it does not know, or one given the
// wrong number of arguments that its handler counts itself.
func subcommandSyntax(c *Ctx) Reply {
	parent := c.Cmd
	if parent.parent != nil {
		parent = parent.parent
	}
	return Err("ERR unknown subcommand or wrong number of arguments for '" + string(truncate(c.Args[1], 128)) +
		"'. Try " + strings.ToUpper(parent.Name) + " HELP.")
}

// latencyCommand is LATENCY and its basic subcommands.
func latencyCommand() *Command {
	admin := FlagAdmin | FlagNoScript | FlagLoading | FlagStale
	nodes := []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}
	return &Command{
		Name: "latency", Arity: -2, Group: "server", Since: "2.8.13",
		Summary: "Container for latency monitor commands",
		Sub: []*Command{
			{
				// LATENCY LATEST
				Name: "latest", Arity: 2, Flags: admin, Tips: nodes, Group: "server", Since: "2.8.13",
				Summary: "Returns the latest sample of every latency event", Handler: latencyLatest,
			},
			{
				// LATENCY HISTORY event
				Name: "history", Arity: 3, Flags: admin, Tips: nodes, Group: "server", Since: "2.8.13",
				Summary: "Returns the samples of a latency event", Handler: latencyHistory,
			},
			{
				// LATENCY RESET [event [event ...]]
				Name: "reset", Arity: -2, Flags: admin, Group: "server", Since: "2.8.13",
				Tips:    []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Summary: "Forgets the samples of latency events", Handler: latencyReset,
			},
			{
				// LATENCY DOCTOR
				Name: "doctor", Arity: 2, Flags: admin, Tips: nodes, Group: "server", Since: "2.8.13",
				Summary: "Describes the latency events seen", Handler: latencyDoctor,
			},
			{
				// LATENCY GRAPH event
				Name: "graph", Arity: 3, Flags: admin, Tips: nodes, Group: "server", Since: "2.8.13",
				Summary: "Draws the samples of a latency event as an ASCII graph", Handler: latencyGraphCommand,
			},
			{
				// LATENCY HISTOGRAM [command ...]
				Name: "histogram", Arity: -2, Flags: admin, Tips: nodes, Group: "server", Since: "7.0.0",
				Summary: "Returns the cumulative distribution of latencies of some or all commands", Handler: latencyHistogram,
			},
			helpCommand("2.8.13", "latency",
				"LATEST", "    The latest sample of every event.",
				"GRAPH <event>", "    The samples of <event> as an ASCII graph.",
				"HISTORY <event>", "    The samples of <event>.",
				"RESET [<event> ...]", "    Forget the samples of the given events (all by default).",
				"DOCTOR", "    A report on the events seen.",
				"HISTOGRAM [<command> ...]", "    The cumulative distribution of the latencies of the given commands",
				"    (of every command with calls by default)."),
		},
	}
}

// LATENCY LATEST
func latencyLatest(c *Ctx) Reply {
	var out []Reply
	for name, ev := range c.s.latency {
		last := ev.history[len(ev.history)-1]
		out = append(out, Array(BulkString(name), Int(last.unix), Int(last.ms), Int(ev.max)))
	}
	return Array(out...)
}

// LATENCY GRAPH event
func latencyGraphCommand(c *Ctx) Reply {
	name := string(c.Args[2])
	ev := c.s.latency[name]
	if ev == nil || len(ev.history) == 0 {
		return Err("ERR No samples available for event '" + name + "'")
	}
	return Verbatim(latencyGraph(name, ev, c.Now/1000))
}

// LATENCY HISTORY event
func latencyHistory(c *Ctx) Reply {
	ev := c.s.latency[string(c.Args[2])]
	if ev == nil {
		return Array()
	}
	out := make([]Reply, len(ev.history))
	for i, s := range ev.history {
		out[i] = Array(Int(s.unix), Int(s.ms))
	}
	return Array(out...)
}

// LATENCY RESET [event [event ...]]
func latencyReset(c *Ctx) Reply {
	if len(c.Args) == 2 {
		n := len(c.s.latency)
		clear(c.s.latency)
		return Int(int64(n))
	}
	n := 0
	for _, a := range c.Args[2:] {
		if _, ok := c.s.latency[string(a)]; ok {
			delete(c.s.latency, string(a))
			n++
		}
	}
	return Int(int64(n))
}

// LATENCY DOCTOR
func latencyDoctor(c *Ctx) Reply {
	if c.s.config().LatencyMonitorThreshold <= 0 {
		return Verbatim("Latency monitoring is disabled. Enable it with CONFIG SET latency-monitor-threshold <milliseconds>.\n")
	}
	if len(c.s.latency) == 0 {
		return Verbatim("No latency spikes were observed.\n")
	}
	var b strings.Builder
	for name, ev := range c.s.latency {
		fmt.Fprintf(&b, "%s: %d latency spikes, worst %d ms.\n", name, len(ev.history), ev.max)
	}
	return Verbatim(b.String())
}

// memoryCommand is MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS and PURGE.
func memoryCommand() *Command {
	return &Command{
		Name: "memory", Arity: -2, Group: "server", Since: "4.0.0",
		Summary: "Container for memory diagnostics commands",
		Sub: []*Command{
			{
				// MEMORY USAGE key [SAMPLES count]
				Name: "usage", Arity: -3, Flags: FlagReadonly, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{ks("RO", 2)}, Group: "server", Since: "4.0.0",
				Summary: "Estimates the memory a key and its value take", Complexity: "O(N) where N is the number of samples.",
				Handler: memoryUsage,
			},
			{
				// MEMORY STATS
				Name: "stats", Arity: 2, Group: "server", Since: "4.0.0",
				Tips:    []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
				Summary: "Reports the server's memory use",
				Handler: func(c *Ctx) Reply { return c.s.memoryStats() },
			},
			{
				// MEMORY DOCTOR
				Name: "doctor", Arity: 2, Group: "server", Since: "4.0.0",
				Tips:    []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
				Summary: "Describes memory problems",
				Handler: func(c *Ctx) Reply { return Verbatim(c.s.memoryDoctor()) },
			},
			{
				// MEMORY MALLOC-STATS
				Name: "malloc-stats", Arity: 2, Group: "server", Since: "4.0.0",
				Tips:       []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
				Summary:    "Reports the allocator's statistics",
				Complexity: "Depends on how much memory is allocated, could be slow",
				Handler:    func(c *Ctx) Reply { return Verbatim(mallocStats()) },
			},
			{
				// MEMORY PURGE
				Name: "purge", Arity: 2, Group: "server", Since: "4.0.0",
				Tips:    []string{"request_policy:all_shards", "response_policy:all_succeeded"},
				Summary: "Returns freed memory to the operating system",
				Handler: func(c *Ctx) Reply { debug.FreeOSMemory(); return replyOK },
			},
			helpCommand("4.0.0", "memory",
				"USAGE <key> [SAMPLES <count>]", "    Estimated bytes taken by <key> and its value.",
				"PURGE", "    Return freed memory to the operating system.",
				"STATS", "    Details of the server's memory use.",
				"MALLOC-STATS", "    The Go runtime's statistics of its heap and collector.",
				"DOCTOR", "    A report on memory problems."),
		},
	}
}

// MEMORY USAGE key [SAMPLES count]
func memoryUsage(c *Ctx) Reply {
	for i := 3; i < len(c.Args); i++ {
		if !strings.EqualFold(string(c.Args[i]), "samples") || i+1 >= len(c.Args) {
			return replySyntax
		}
		if _, ok := parseInt(c.Args[i+1]); !ok {
			return replyNotInt
		}
		i++
	}
	key := c.key(2)
	o := c.DB.Peek(key, c.Now)
	if o == nil {
		return replyNullBulk
	}
	_, ttl := c.DB.Expiry(key)
	return Int(store.Usage(key, o, ttl))
}

// WAIT numreplicas timeout: a node has no replicas that acknowledge its
// writes (Quordis does not replicate data to replicas yet), so, as Redis
// with none, it answers 0 at once when that is enough (numreplicas <= 0,
// or inside MULTI), and otherwise after timeout milliseconds (0: never).
func waitCommand(c *Ctx) Reply {
	n, ok := parseInt(c.Args[1])
	if !ok {
		return replyNotInt
	}
	timeout, msg := parseTimeoutMillis(c.Args[2])
	if msg != "" {
		return Err(msg)
	}
	if n <= 0 || !c.canBlock() {
		return Int(0)
	}
	return c.block(nil, timeout, Int(0), nil)
}
