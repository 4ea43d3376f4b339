package server

import (
	"strings"
	"time"
)

// scriptCommands are EVAL, EVALSHA, their read-only forms and SCRIPT.
func scriptCommands() []*Command {
	eval := func(name string, ro bool, summary string, h Handler) *Command {
		flags := FlagNoScript | FlagStale | FlagSkipMonitor | FlagNoMandatoryKeys | FlagMovableKeys
		spec := KeySpec{Flags: flagList("RW access update"), Index: 2, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}
		if ro {
			flags |= FlagReadonly
			spec.Flags = flagList("RO access")
		}
		if !strings.HasPrefix(name, "evalsha") {
			spec.Notes = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"
			if ro {
				spec.Notes = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"
			}
		}
		since := "2.6.0"
		if ro {
			since = "7.0.0"
		}
		return &Command{
			Name: name, Arity: -3, Flags: flags, ACL: ACLScripting,
			KeySpecs: []KeySpec{spec}, Keys: zkeysAfterNumkeys(2),
			Group: "scripting", Since: since, Summary: summary,
			Complexity: "Depends on the script that is executed.",
			Handler:    h,
		}
	}
	sub := func(name string, arity int, flags Flag, tips []string, summary, complexity string, h Handler) *Command {
		return &Command{
			Name: name, Arity: arity, Flags: flags, ACL: ACLScripting, Tips: tips,
			Group: "scripting", Since: "2.6.0", Summary: summary, Complexity: complexity, Handler: h,
		}
	}
	allNodes := []string{"request_policy:all_nodes", "response_policy:all_succeeded"}
	return []*Command{
		eval("eval", false, "Executes a server-side Lua script",
			func(c *Ctx) Reply { return evalCommand(c, false, false) }),
		eval("evalsha", false, "Executes a server-side Lua script by SHA1 digest",
			func(c *Ctx) Reply { return evalCommand(c, true, false) }),
		eval("eval_ro", true, "Executes a read-only server-side Lua script",
			func(c *Ctx) Reply { return evalCommand(c, false, true) }),
		eval("evalsha_ro", true, "Executes a read-only server-side Lua script by SHA1 digest",
			func(c *Ctx) Reply { return evalCommand(c, true, true) }),
		{
			Name: "script", Arity: -2, Group: "scripting", Since: "2.6.0",
			Summary: "A container for Lua scripts management commands", Complexity: "Depends on subcommand.",
			Sub: []*Command{
				sub("exists", -3, FlagNoScript, []string{"request_policy:all_shards", "response_policy:agg_logical_and"},
					"Determines whether server-side Lua scripts exist in the script cache",
					"O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
					scriptExistsCommand),
				sub("flush", -2, FlagNoScript, allNodes, "Removes all server-side Lua scripts from the script cache",
					"O(N) with N being the number of scripts in cache", scriptFlushCommand),
				scriptingHelp(helpCommand("5.0.0", "script", scriptHelp...)),
				sub("kill", 2, FlagNoScript|FlagAllowBusy, []string{"request_policy:all_shards", "response_policy:one_succeeded"},
					"Terminates a server-side Lua script during execution", "O(1)",
					func(c *Ctx) Reply { return Err("NOTBUSY No scripts in execution right now.") }),
				sub("load", 3, FlagNoScript|FlagStale, allNodes, "Loads a server-side Lua script to the script cache",
					"O(N) with N being the length in bytes of the script body.", scriptLoadCommand),
			},
		},
	}
}

// EVAL script numkeys [key ...] [arg ...], EVALSHA sha1 numkeys ..., and
// their _RO forms.
func evalCommand(c *Ctx, bySHA, ro bool) Reply {
	numkeys, ok := parseInt(c.Args[2])
	if !ok {
		return Err(msgNotInt)
	}
	if numkeys > int64(len(c.Args)-3) {
		return Err("ERR Number of keys can't be greater than number of args")
	}
	if numkeys < 0 {
		return Err("ERR Number of keys can't be negative")
	}
	s := c.s
	e := s.scripting()
	var sha string
	var sc *luaScript
	if bySHA {
		sha = strings.ToLower(string(c.Args[1]))
		sc = e.scripts[sha]
		if sc == nil {
			return Err("NOSCRIPT No matching script. Please use EVAL.")
		}
	} else {
		sha = scriptSHA(c.Args[1])
		if sc = e.scripts[sha]; sc == nil {
			var msg string
			if sc, msg = e.compile(c.Args[1], sha); msg != "" {
				return Err(msg)
			}
		}
	}
	// Whether memory is over maxmemory: handleAt has just evicted what
	// it could, so this asks again for the answer it had.
	oom := s.config().MaxMemory > 0 && !s.performEvictions(time.UnixMilli(c.Now))
	if msg := s.scriptRefusal(sc.flags, ro, oom); msg != "" {
		return Err(msg)
	}
	s.feedMonitorsAlways(c.cl, c.Args, s.clock())
	keys := c.Args[3 : 3+numkeys]
	return s.runScript(c, sc, sha, keys, c.Args[3+numkeys:], ro, oom)
}

// scriptRefusal is the error for a script whose shebang flags forbid it to
// run now, as Redis's scriptPrepareForRun checks them, or "". A script
// without a shebang is checked command by command as it runs instead.
func (s *Server) scriptRefusal(flags scriptFlag, ro, oom bool) string {
	if flags&scriptCompat != 0 {
		return ""
	}
	if flags&scriptNoCluster != 0 && s.cluster != nil {
		return "ERR Can not run script on cluster, 'no-cluster' flag is set."
	}
	if flags&scriptNoWrites == 0 {
		if msg := s.diskError(); msg != "" {
			if msg == msgBgsaveErr {
				return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts."
			}
			return msg
		}
		if ro {
			return "ERR Can not execute a script with write flag using *_ro command."
		}
		if oom && flags&scriptAllowOOM == 0 {
			return msgOOM
		}
	}
	return ""
}

// SCRIPT EXISTS sha1 [sha1 ...]
func scriptExistsCommand(c *Ctx) Reply {
	var scripts map[string]*luaScript
	if c.s.lua != nil {
		scripts = c.s.lua.scripts
	}
	out := make([]Reply, len(c.Args)-2)
	for i, a := range c.Args[2:] {
		out[i] = Int(0)
		if scripts[strings.ToLower(string(a))] != nil {
			out[i] = Int(1)
		}
	}
	return Array(out...)
}

// SCRIPT FLUSH [ASYNC|SYNC]
func scriptFlushCommand(c *Ctx) Reply {
	if len(c.Args) > 3 || len(c.Args) == 3 &&
		!strings.EqualFold(string(c.Args[2]), "sync") && !strings.EqualFold(string(c.Args[2]), "async") {
		return Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
	}
	c.s.flushScripts()
	return replyOK
}

// SCRIPT LOAD script
func scriptLoadCommand(c *Ctx) Reply {
	e := c.s.scripting()
	sha := scriptSHA(c.Args[2])
	if e.scripts[sha] == nil {
		if _, msg := e.compile(c.Args[2], sha); msg != "" {
			return Err(msg)
		}
	}
	return BulkString(sha)
}

// scriptHelp is SCRIPT HELP's text, between its header and HELP.
var scriptHelp = []string{
	"EXISTS <sha1> [<sha1> ...]",
	"    Return information about the existence of the scripts in the script cache.",
	"FLUSH [ASYNC|SYNC]",
	"    Flush the Lua scripts cache. Very dangerous on replicas.",
	"    When called without the optional mode argument, the behavior is determined by the",
	"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the scripts cache.",
	"    * SYNC: Synchronously flush the scripts cache.",
	"KILL",
	"    Kill the currently executing Lua script.",
	"LOAD <script>",
	"    Load a script into the scripts cache without executing it.",
}

// scriptingHelp gives a scripting command's HELP its ACL category.
func scriptingHelp(h *Command) *Command {
	h.ACL, h.Group, h.Complexity = ACLScripting, "scripting", "O(1)"
	return h
}
