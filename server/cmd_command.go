package server

import (
	"slices"
	"strconv"
	"strings"

	"quordis/conf"
)

// commandCommand is COMMAND and its subcommands: they describe the command
// table to clients (redis-py's cluster client reads COMMAND at start-up,
// redis-cli reads COMMAND DOCS for its hints).
func commandCommand() *Command {
	flags := FlagLoading | FlagStale
	sub := func(name string, arity int, since, summary string, h Handler, tips ...string) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: ACLConnection, Tips: tips,
			Group: "server", Since: since, Summary: summary, Handler: h}
	}
	order := "nondeterministic_output_order"
	help := helpCommand("7.0.0", "command",
		"(no subcommand)", "    Describe every command.",
		"COUNT", "    The number of commands.",
		"LIST [FILTERBY (MODULE <name>|ACLCAT <category>|PATTERN <pattern>)]", "    The names of the commands.",
		"INFO [<command-name> ...]", "    Describe the given commands (all by default).",
		"DOCS [<command-name> ...]", "    Documentation of the given commands (all by default).",
		"GETKEYS <full-command>", "    The keys of a full command.",
		"GETKEYSANDFLAGS <full-command>", "    The keys of a full command and their access flags.")
	help.ACL = ACLConnection
	return &Command{
		// COMMAND
		Name: "command", Arity: -1, Flags: flags, ACL: ACLConnection, Tips: []string{order},
		Group: "server", Since: "2.8.13", Summary: "Describes every command",
		Complexity: "O(N) where N is the total number of Redis commands",
		Handler:    func(c *Ctx) Reply { return c.s.commandInfos(c.s.table.sorted()) },
		Sub: []*Command{
			sub("count", 2, "2.8.13", "Returns the number of commands", func(c *Ctx) Reply {
				return Int(int64(len(c.s.table.cmds)))
			}),
			sub("info", -2, "2.8.13", "Describes commands", commandInfo, order),
			sub("docs", -2, "7.0.0", "Documents commands", commandDocs, order),
			sub("list", -2, "7.0.0", "Lists command names", commandList, order),
			sub("getkeys", -4, "2.8.13", "Extracts the keys of a full command", commandGetKeys),
			sub("getkeysandflags", -4, "7.0.0", "Extracts the keys of a full command and their flags", commandGetKeys),
			help,
		},
	}
}

// COMMAND INFO [command-name [command-name ...]]
func commandInfo(c *Ctx) Reply {
	if len(c.Args) == 2 {
		return c.s.commandInfos(c.s.table.sorted())
	}
	out := make([]Reply, 0, len(c.Args)-2)
	for _, name := range c.Args[2:] {
		cmd := c.s.lookupFullName(string(name))
		if cmd == nil {
			out = append(out, replyNullBulk)
			continue
		}
		out = append(out, describeCommand(cmd))
	}
	return Array(out...)
}

func (s *Server) commandInfos(cmds []*Command) Reply {
	out := make([]Reply, len(cmds))
	for i, cmd := range cmds {
		out[i] = describeCommand(cmd)
	}
	return Array(out...)
}

// lookupFullName finds a command by its full name ("get", "config|get").
func (s *Server) lookupFullName(name string) *Command {
	parent, child, isSub := strings.Cut(name, "|")
	cmd := s.table.get([]byte(parent))
	if cmd == nil || !isSub {
		return cmd
	}
	return cmd.sub([]byte(child))
}

// describeCommand is one command's COMMAND INFO entry.
func describeCommand(cmd *Command) Reply {
	status := func(names []string) Reply {
		out := make([]Reply, len(names))
		for i, n := range names {
			out[i] = Simple(n)
		}
		return Set(out...)
	}
	tips := make([]Reply, len(cmd.Tips))
	for i, t := range cmd.Tips {
		tips[i] = BulkString(t)
	}
	specs := make([]Reply, len(cmd.KeySpecs))
	for i, ks := range cmd.KeySpecs {
		specs[i] = describeKeySpec(ks)
	}
	subs := make([]Reply, len(cmd.Sub))
	for i, sub := range cmd.Sub {
		subs[i] = describeCommand(sub)
	}
	return Array(
		BulkString(cmd.FullName()),
		Int(int64(cmd.Arity)),
		status(cmd.FlagNames()),
		Int(int64(cmd.FirstKey)), Int(int64(cmd.LastKey)), Int(int64(cmd.Step)),
		status(cmd.CategoryNames()),
		Set(tips...),
		Set(specs...),
		Set(subs...),
	)
}

// describeKeySpec renders a key specification as COMMAND INFO does.
func describeKeySpec(ks KeySpec) Reply {
	var out []Reply
	if ks.Notes != "" {
		out = append(out, BulkString("notes"), BulkString(ks.Notes))
	}
	flags := make([]Reply, len(ks.Flags))
	for i, f := range ks.Flags {
		flags[i] = Simple(f)
	}
	out = append(out, BulkString("flags"), Set(flags...))
	if ks.unknown() {
		unknown := Map(BulkString("type"), BulkString("unknown"), BulkString("spec"), Map())
		out = append(out, BulkString("begin_search"), unknown, BulkString("find_keys"), unknown)
		return Map(out...)
	}
	var begin Reply
	if ks.Keyword != "" {
		begin = Map(BulkString("type"), BulkString("keyword"), BulkString("spec"),
			Map(BulkString("keyword"), BulkString(ks.Keyword), BulkString("startfrom"), Int(int64(ks.KeywordFrom))))
	} else {
		begin = Map(BulkString("type"), BulkString("index"), BulkString("spec"),
			Map(BulkString("index"), Int(int64(ks.Index))))
	}
	var find Reply
	if ks.KeyNum {
		find = Map(BulkString("type"), BulkString("keynum"), BulkString("spec"),
			Map(BulkString("keynumidx"), Int(int64(ks.KeyNumIdx)), BulkString("firstkey"), Int(int64(ks.FirstKey)),
				BulkString("keystep"), Int(int64(ks.KeyStep))))
	} else {
		find = Map(BulkString("type"), BulkString("range"), BulkString("spec"),
			Map(BulkString("lastkey"), Int(int64(ks.LastKey)), BulkString("keystep"), Int(int64(ks.KeyStep)),
				BulkString("limit"), Int(int64(ks.Limit))))
	}
	out = append(out, BulkString("begin_search"), begin, BulkString("find_keys"), find)
	return Map(out...)
}

// COMMAND DOCS [command-name [command-name ...]]
func commandDocs(c *Ctx) Reply {
	var cmds []*Command
	if len(c.Args) == 2 {
		cmds = c.s.table.sorted()
	} else {
		for _, name := range c.Args[2:] {
			if cmd := c.s.lookupFullName(string(name)); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	out := make([]Reply, 0, 2*len(cmds))
	for _, cmd := range cmds {
		out = append(out, BulkString(cmd.FullName()), documentCommand(cmd))
	}
	return Map(out...)
}

// documentCommand is one command's COMMAND DOCS entry.
func documentCommand(cmd *Command) Reply {
	complexity := cmd.Complexity
	if complexity == "" && len(cmd.Sub) > 0 {
		complexity = "Depends on subcommand."
	}
	out := []Reply{
		BulkString("summary"), BulkString(cmd.Summary),
		BulkString("since"), BulkString(cmd.Since),
		BulkString("group"), BulkString(cmd.group()),
	}
	if complexity != "" {
		out = append(out, BulkString("complexity"), BulkString(complexity))
	}
	if len(cmd.Sub) > 0 {
		subs := make([]Reply, 0, 2*len(cmd.Sub))
		for _, sub := range cmd.Sub {
			subs = append(subs, BulkString(sub.FullName()), documentCommand(sub))
		}
		out = append(out, BulkString("subcommands"), Map(subs...))
	}
	return Map(out...)
}

// group is the documentation group, inherited from the parent command.
func (c *Command) group() string {
	if c.Group == "" && c.parent != nil {
		return c.parent.Group
	}
	return c.Group
}

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
func commandList(c *Ctx) Reply {
	var filter func(*Command) bool
	switch {
	case len(c.Args) == 2:
		filter = func(*Command) bool { return true }
	case len(c.Args) == 5 && strings.EqualFold(string(c.Args[2]), "filterby"):
		arg := string(c.Args[4])
		switch strings.ToLower(string(c.Args[3])) {
		case "module":
			filter = func(*Command) bool { return false }
		case "aclcat":
			cat := strings.ToLower(arg)
			filter = func(cmd *Command) bool {
				for _, n := range cmd.CategoryNames() {
					if n[1:] == cat {
						return true
					}
				}
				return false
			}
		case "pattern":
			filter = func(cmd *Command) bool { return conf.Match(arg, cmd.FullName(), true) }
		default:
			return replySyntax
		}
	default:
		return replySyntax
	}
	var out [][]byte
	for _, cmd := range c.s.table.all() {
		if filter(cmd) {
			out = append(out, []byte(cmd.FullName()))
		}
	}
	return Bulks(out)
}

// COMMAND GETKEYS command [arg [arg ...]] | COMMAND GETKEYSANDFLAGS ...
func commandGetKeys(c *Ctx) Reply {
	args := c.Args[2:]
	cmd := c.s.table.get(args[0])
	if cmd != nil && len(cmd.subs) > 0 && len(args) >= 2 {
		cmd = cmd.sub(args[1])
	}
	if cmd == nil {
		return Err("ERR Invalid command specified")
	}
	if !cmd.hasKeys() {
		return Err("ERR The command has no key arguments")
	}
	if !cmd.arityOK(len(args)) {
		return Err("ERR Invalid number of arguments specified for command")
	}
	pos := cmd.KeyPositions(args)
	if len(pos) == 0 {
		if cmd.Flags&FlagNoMandatoryKeys != 0 {
			return Array()
		}
		return Err("ERR Invalid arguments specified for command")
	}
	withFlags := c.Cmd.Name == "getkeysandflags"
	out := make([]Reply, len(pos))
	for i, p := range pos {
		if !withFlags {
			out[i] = Bulk(args[p])
			continue
		}
		names := cmd.keySpecFor(args, p).Flags
		if cmd.KeyFlags != nil {
			names = cmd.KeyFlags(args, p)
		}
		flags := make([]Reply, len(names))
		for j, f := range names {
			flags[j] = Simple(f)
		}
		out[i] = Array(Bulk(args[p]), Set(flags...))
	}
	return Array(out...)
}

// hasKeys reports whether the command takes keys, as Redis's
// doesCommandHaveKeys: the shard channels of SSUBSCRIBE and SPUBLISH have
// key specs for cluster routing, flagged not_key, and are not keys.
func (c *Command) hasKeys() bool {
	if c.Keys != nil {
		return true
	}
	for _, ks := range c.KeySpecs {
		if !slices.Contains(ks.Flags, "not_key") {
			return true
		}
	}
	return false
}

// keySpecFor returns the key spec that covers the key at position p.
func (c *Command) keySpecFor(args [][]byte, p int) KeySpec {
	for _, ks := range c.KeySpecs {
		if ks.Keyword != "" || ks.unknown() {
			continue
		}
		if ks.KeyNum {
			if n := ks.Index + ks.KeyNumIdx; n < len(args) {
				first, step := ks.Index+ks.FirstKey, max(ks.KeyStep, 1)
				count, _ := strconv.Atoi(string(args[n]))
				if p >= first && p < first+count*step && (p-first)%step == 0 {
					return ks
				}
			}
			continue
		}
		last := ks.LastKey
		if last < 0 {
			last += len(args)
		} else {
			last += ks.Index
		}
		step := max(ks.KeyStep, 1)
		if p >= ks.Index && p <= last && (p-ks.Index)%step == 0 {
			return ks
		}
	}
	if len(c.KeySpecs) > 0 {
		return c.KeySpecs[0]
	}
	return KeySpec{}
}
