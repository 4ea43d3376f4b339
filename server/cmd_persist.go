package server

import "strings"

// persistCommands are SAVE, BGSAVE and BGREWRITEAOF; the work is in
// persist.go.
func persistCommands() []*Command {
	admin := FlagAdmin | FlagNoScript | FlagNoAsyncLoading
	return []*Command{
		{
			// SAVE
			Name: "save", Arity: 1, Flags: admin | FlagNoMulti, Group: "server", Since: "1.0.0",
			Summary: "Writes dump.rdb now, blocking the server", Complexity: "O(N) where N is the total number of keys in all databases",
			Handler: saveCommand,
		},
		{
			// BGSAVE [SCHEDULE]
			Name: "bgsave", Arity: -1, Flags: admin, Group: "server", Since: "1.0.0",
			Summary: "Writes dump.rdb in the background", Complexity: "O(1)",
			Handler: bgsaveCommand,
		},
		{
			// BGREWRITEAOF
			Name: "bgrewriteaof", Arity: 1, Flags: admin, Group: "server", Since: "1.0.0",
			Summary: "Compacts the append-only file in the background", Complexity: "O(1)",
			Handler: bgrewriteaofCommand,
		},
	}
}

// SAVE
func saveCommand(c *Ctx) Reply {
	if c.s.persist.bgsave != nil {
		return Err("ERR Background save already in progress")
	}
	if err := c.s.save(); err != nil {
		c.s.log.Warn("SAVE failed", "err", err)
		return Err("ERR")
	}
	return replyOK
}

// BGSAVE [SCHEDULE]
func bgsaveCommand(c *Ctx) Reply {
	schedule := false
	if len(c.Args) == 2 && strings.EqualFold(string(c.Args[1]), "schedule") {
		schedule = true
	} else if len(c.Args) > 1 {
		return replySyntax
	}
	p := &c.s.persist
	switch {
	case p.bgsave != nil:
		return Err("ERR Background save already in progress")
	case c.s.snap != nil:
		// Another snapshot (an AOF rewrite) is running: one at a time.
		if !schedule {
			return Err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
		}
		p.bgsaveScheduled = true
		return Simple("Background saving scheduled")
	}
	c.s.startBgsave()
	return Simple("Background saving started")
}

// BGREWRITEAOF
func bgrewriteaofCommand(c *Ctx) Reply {
	p := &c.s.persist
	switch {
	case p.rewrite != nil:
		return Err("ERR Background append only file rewriting already in progress")
	case p.aof == nil:
		// Redis rewrites even with the AOF off, into files it leaves
		// unused; with nothing to rewrite into, Quordis says so.
		return Err("ERR The AOF is off (appendonly no): nothing to rewrite")
	case c.s.snap != nil:
		p.rewriteScheduled = true
		return Simple("Background append only file rewriting scheduled")
	}
	if err := c.s.startRewrite(nil); err != nil {
		return Err("ERR " + err.Error())
	}
	return Simple("Background append only file rewriting started")
}
