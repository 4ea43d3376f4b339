package server

import (
	"errors"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"quordis/aof"
	"quordis/conf"
)

// functionCommands are FCALL, FCALL_RO and FUNCTION.
func functionCommands() []*Command {
	fcall := func(name string, ro bool, summary string) *Command {
		flags := FlagNoScript | FlagStale | FlagSkipMonitor | FlagNoMandatoryKeys | FlagMovableKeys
		spec := KeySpec{Flags: flagList("RW access update"), Index: 2, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1,
			Notes: "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"}
		if ro {
			flags |= FlagReadonly
			spec.Flags = flagList("RO access")
			spec.Notes = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"
		}
		return &Command{
			Name: name, Arity: -3, Flags: flags, ACL: ACLScripting,
			KeySpecs: []KeySpec{spec}, Keys: zkeysAfterNumkeys(2),
			Group: "scripting", Since: "7.0.0", Summary: summary,
			Complexity: "Depends on the function that is executed.",
			Handler:    func(c *Ctx) Reply { return fcallCommand(c, ro) },
		}
	}
	sub := func(name string, arity int, flags Flag, acl ACL, tips []string, summary, complexity string, h Handler) *Command {
		return &Command{
			Name: name, Arity: arity, Flags: flags, ACL: ACLScripting | acl, Tips: tips,
			Group: "scripting", Since: "7.0.0", Summary: summary, Complexity: complexity, Handler: h,
		}
	}
	allShards := []string{"request_policy:all_shards", "response_policy:all_succeeded"}
	return []*Command{
		fcall("fcall", false, "Invokes a function"),
		fcall("fcall_ro", true, "Invokes a read-only function"),
		{
			Name: "function", Arity: -2, Group: "scripting", Since: "7.0.0",
			Summary: "A container for function commands", Complexity: "Depends on subcommand.",
			Sub: []*Command{
				sub("delete", 3, FlagWrite|FlagNoScript, ACLWrite, allShards, "Deletes a library and its functions.",
					"O(1)", functionDeleteCommand),
				sub("dump", 2, FlagNoScript, 0, nil, "Dumps all libraries into a serialized binary payload.",
					"O(N) where N is the number of functions", functionDumpCommand),
				sub("flush", -2, FlagWrite|FlagNoScript, ACLWrite, allShards, "Deletes all libraries and functions.",
					"O(N) where N is the number of functions deleted", functionFlushCommand),
				scriptingHelp(helpCommand("7.0.0", "function", functionHelp...)),
				sub("kill", 2, FlagNoScript|FlagAllowBusy, 0, []string{"request_policy:all_shards", "response_policy:one_succeeded"},
					"Terminates a function during execution.", "O(1)",
					func(c *Ctx) Reply { return Err("NOTBUSY No scripts in execution right now.") }),
				sub("list", -2, FlagNoScript, 0, []string{"nondeterministic_output_order"},
					"Returns information about all libraries.", "O(N) where N is the number of functions", functionListCommand),
				sub("load", -3, FlagWrite|FlagDenyOOM|FlagNoScript, ACLWrite, allShards, "Creates a library.",
					"O(1) (considering compilation time is redundant)", functionLoadCommand),
				sub("restore", -3, FlagWrite|FlagDenyOOM|FlagNoScript, ACLWrite, allShards,
					"Restores all libraries from a payload.", "O(N) where N is the number of functions on the payload",
					functionRestoreCommand),
				sub("stats", 2, FlagNoScript|FlagAllowBusy, 0,
					[]string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
					"Returns information about a function during execution.", "O(1)",
					func(c *Ctx) Reply { return c.s.functionStats(nil) }),
			},
		},
	}
}

// FCALL function numkeys [key ...] [arg ...], and FCALL_RO.
func fcallCommand(c *Ctx, ro bool) Reply {
	s := c.s
	var fn *luaFunction
	if s.functions != nil {
		fn = s.functions.funcs[string(c.Args[1])]
	}
	if fn == nil {
		return Err("ERR Function not found")
	}
	numkeys, ok := parseInt(c.Args[2])
	switch {
	case !ok:
		return Err("ERR Bad number of keys provided")
	case numkeys > int64(len(c.Args)-3):
		return Err("ERR Number of keys can't be greater than number of args")
	case numkeys < 0:
		return Err("ERR Number of keys can't be negative")
	}
	// Whether memory is over maxmemory, as for EVAL (see evalCommand).
	oom := s.config().MaxMemory > 0 && !s.performEvictions(time.UnixMilli(c.Now))
	if msg := s.scriptRefusal(fn.flags, ro, oom); msg != "" {
		return Err(msg)
	}
	s.feedMonitorsAlways(c.cl, c.Args, s.clock())
	e := s.functions.e
	keys := stringsTable(e.L, c.Args[3:3+numkeys])
	args := stringsTable(e.L, c.Args[3+numkeys:])
	return s.runLua(c, e, &fn.luaScript, fn.name, []lua.LValue{keys, args}, ro, oom)
}

// FUNCTION LOAD [REPLACE] function-code
func functionLoadCommand(c *Ctx) Reply {
	replace := false
	for _, a := range c.Args[2 : len(c.Args)-1] {
		if !strings.EqualFold(string(a), "replace") {
			return Err("ERR Unknown option given: " + string(a))
		}
		replace = true
	}
	name, msg := c.s.loadLibrary(string(c.Args[len(c.Args)-1]), replace, functionLoadTimeout)
	if msg != "" {
		return Err(msg)
	}
	c.Changed(1)
	return BulkString(name)
}

// FUNCTION DELETE library-name
func functionDeleteCommand(c *Ctx) Reply {
	f := c.s.functions
	var lib *funcLibrary
	if f != nil {
		lib = f.libs[string(c.Args[2])]
	}
	if lib == nil {
		return Err("ERR Library not found")
	}
	f.unlink(lib)
	c.Changed(1)
	return replyOK
}

// FUNCTION DUMP
func functionDumpCommand(c *Ctx) Reply {
	return Bulk(aof.DumpFunctions(c.s.libraryCodes()))
}

// FUNCTION RESTORE serialized-value [FLUSH | APPEND | REPLACE]
func functionRestoreCommand(c *Ctx) Reply {
	if len(c.Args) > 4 {
		return Err("ERR unknown subcommand or wrong number of arguments for '" + string(c.Args[1]) + "'. Try FUNCTION HELP.")
	}
	policy := "append"
	if len(c.Args) == 4 {
		policy = strings.ToLower(string(c.Args[3]))
		if policy != "flush" && policy != "append" && policy != "replace" {
			return Err("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
		}
	}
	codes, err := aof.RestoreFunctions(c.Args[2])
	if err != nil {
		if errors.Is(err, aof.ErrBadPayload) {
			return Err("ERR DUMP payload version or checksum are wrong")
		}
		return Err("ERR " + err.Error())
	}
	if msg := c.s.restoreLibraries(codes, policy); msg != "" {
		return Err(msg)
	}
	c.Changed(1)
	return replyOK
}

// FUNCTION FLUSH [ASYNC|SYNC]
func functionFlushCommand(c *Ctx) Reply {
	if len(c.Args) > 3 || len(c.Args) == 3 &&
		!strings.EqualFold(string(c.Args[2]), "sync") && !strings.EqualFold(string(c.Args[2]), "async") {
		return Err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
	}
	c.s.flushFunctions()
	c.Changed(1)
	return replyOK
}

// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
func functionListCommand(c *Ctx) Reply {
	withCode, pattern, hasPattern := false, "", false
	for i := 2; i < len(c.Args); i++ {
		switch a := string(c.Args[i]); {
		case strings.EqualFold(a, "withcode") && !withCode:
			withCode = true
		case strings.EqualFold(a, "libraryname") && !hasPattern:
			if i+1 == len(c.Args) {
				return Err("ERR library name argument was not given")
			}
			pattern, hasPattern = string(c.Args[i+1]), true
			i++
		default:
			return Err("ERR Unknown argument " + a)
		}
	}
	var libs []*funcLibrary
	if f := c.s.functions; f != nil {
		for _, lib := range f.libs {
			if !hasPattern || conf.Match(pattern, lib.name, true) {
				libs = append(libs, lib)
			}
		}
	}
	sort.Slice(libs, func(i, j int) bool { return libs[i].name < libs[j].name })
	out := make([]Reply, len(libs))
	for i, lib := range libs {
		funcs := make([]Reply, len(lib.funcs))
		for j, fn := range lib.funcs {
			desc := Null()
			if fn.hasDesc {
				desc = BulkString(fn.desc)
			}
			var flags []Reply
			for _, d := range scriptFlagNames {
				if fn.flags&d.flag != 0 {
					flags = append(flags, Simple(d.name))
				}
			}
			funcs[j] = Map(
				BulkString("name"), BulkString(fn.name),
				BulkString("description"), desc,
				BulkString("flags"), Set(flags...),
			)
		}
		kv := []Reply{
			BulkString("library_name"), BulkString(lib.name),
			BulkString("engine"), BulkString("LUA"),
			BulkString("functions"), Array(funcs...),
		}
		if withCode {
			kv = append(kv, BulkString("library_code"), BulkString(lib.code))
		}
		out[i] = Map(kv...)
	}
	return Array(out...)
}

// functionHelp is FUNCTION HELP's text, between its header and HELP.
var functionHelp = []string{
	"LOAD [REPLACE] <FUNCTION CODE>",
	"    Create a new library with the given library name and code.",
	"DELETE <LIBRARY NAME>",
	"    Delete the given library.",
	"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
	"    Return general information on all the libraries:",
	"    * Library name",
	"    * The engine used to run the Library",
	"    * Library description",
	"    * Functions list",
	"    * Library code (if WITHCODE is given)",
	"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
	"STATS",
	"    Return information about the current function running:",
	"    * Function name",
	"    * Command used to run the function",
	"    * Duration in MS that the function is running",
	"    If no function is running, return nil",
	"    In addition, returns a list of available engines.",
	"KILL",
	"    Kill the current running function.",
	"FLUSH [ASYNC|SYNC]",
	"    Delete all the libraries.",
	"    When called without the optional mode argument, the behavior is determined by the",
	"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the libraries.",
	"    * SYNC: Synchronously flush the libraries.",
	"DUMP",
	"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
	"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
	"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
	"    control how to handle existing libraries (default APPEND):",
	"    * FLUSH: delete all existing libraries.",
	"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
	"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
	"      libraries with the new libraries (notice that even on this option there is a chance of failure",
	"      in case of functions name collision with another library).",
}
