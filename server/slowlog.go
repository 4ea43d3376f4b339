package server

import (
	"strconv"
	"strings"
	"time"
)

// slowEntry is one SLOWLOG record. Its arguments are owned copies, cut to
// Redis's limits so a huge command does not pin memory.
type slowEntry struct {
	id   int64
	unix int64
	usec int64
	args [][]byte
	addr string
	name string
}

// Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING.
const (
	slowlogMaxArgs   = 32
	slowlogMaxString = 128
)

// slowlogAdd records the command when it ran for at least
// slowlog-log-slower-than microseconds. Called with s.mu held.
func (s *Server) slowlogAdd(c *client, args [][]byte, now time.Time, elapsed time.Duration) {
	cfg := s.config()
	threshold := cfg.SlowlogLogSlowerThan
	usec := elapsed.Microseconds()
	if cfg.LatencyMonitorThreshold > 0 && usec/1000 >= cfg.LatencyMonitorThreshold {
		s.latencyAdd("command", now, usec/1000)
	}
	if threshold < 0 || usec < threshold || cfg.SlowlogMaxLen <= 0 {
		return
	}
	n := len(args)
	if n > slowlogMaxArgs {
		n = slowlogMaxArgs
	}
	kept := make([][]byte, n)
	for i := 0; i < n; i++ {
		a := args[i]
		switch {
		case i == slowlogMaxArgs-1 && len(args) > slowlogMaxArgs:
			kept[i] = []byte("... (" + strconv.Itoa(len(args)-slowlogMaxArgs+1) + " more arguments)")
		case len(a) > slowlogMaxString:
			kept[i] = []byte(string(a[:slowlogMaxString]) + "... (" + strconv.Itoa(len(a)-slowlogMaxString) + " more bytes)")
		default:
			kept[i] = []byte(string(a))
		}
	}
	e := slowEntry{id: s.slowlogNextID, unix: now.Unix(), usec: usec, args: kept, addr: c.raddr, name: c.name}
	s.slowlogNextID++
	s.slowlog = append([]slowEntry{e}, s.slowlog...)
	if int64(len(s.slowlog)) > cfg.SlowlogMaxLen {
		s.slowlog = s.slowlog[:cfg.SlowlogMaxLen]
	}
}

// slowlogCommand is SLOWLOG and its subcommands.
func slowlogCommand() *Command {
	return &Command{
		Name: "slowlog", Arity: -2, Group: "server", Since: "2.2.12",
		Summary: "Container for slow log commands",
		Sub: []*Command{
			{
				// SLOWLOG GET [count]
				Name: "get", Arity: -2, Flags: FlagAdmin | FlagLoading | FlagStale,
				Tips:  []string{"request_policy:all_nodes", "nondeterministic_output"},
				Since: "2.2.12", Summary: "Returns the slow log's entries", Handler: slowlogGet,
			},
			{
				// SLOWLOG LEN
				Name: "len", Arity: 2, Flags: FlagAdmin | FlagLoading | FlagStale,
				Tips:  []string{"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"},
				Since: "2.2.12", Summary: "Returns the number of entries in the slow log",
				Handler: func(c *Ctx) Reply { return Int(int64(len(c.s.slowlog))) },
			},
			{
				// SLOWLOG RESET
				Name: "reset", Arity: 2, Flags: FlagAdmin | FlagLoading | FlagStale,
				Tips:  []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Since: "2.2.12", Summary: "Clears all entries from the slow log",
				Handler: func(c *Ctx) Reply { c.s.slowlog = nil; return replyOK },
			},
			helpCommand("2.2.12", "slowlog",
				"GET [<count>]",
				"    Newest <count> entries (10 by default, -1 for all), each as: id,",
				"    unix time, duration in microseconds, arguments, client address,",
				"    client name.",
				"LEN",
				"    Number of entries.",
				"RESET",
				"    Remove every entry.",
			),
		},
	}
}

// SLOWLOG GET [count]
func slowlogGet(c *Ctx) Reply {
	if len(c.Args) > 3 {
		return subcommandSyntax(c)
	}
	count := int64(10)
	if len(c.Args) == 3 {
		n, err := strconv.ParseInt(string(c.Args[2]), 10, 64)
		if err != nil || n < -1 {
			return Err("ERR count should be greater than or equal to -1")
		}
		count = n
		if n == -1 {
			count = int64(len(c.s.slowlog))
		}
	}
	if count > int64(len(c.s.slowlog)) {
		count = int64(len(c.s.slowlog))
	}
	out := make([]Reply, 0, count)
	for _, e := range c.s.slowlog[:count] {
		out = append(out, Array(Int(e.id), Int(e.unix), Int(e.usec), Bulks(e.args),
			BulkString(e.addr), BulkString(e.name)))
	}
	return Array(out...)
}

// helpCommand builds the HELP subcommand of a container command. Its reply
// has Redis's shape: a header line, the given lines, and the HELP line.
func helpCommand(since, parent string, lines ...string) *Command {
	upper := strings.ToUpper(parent)
	return &Command{
		Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Since: since,
		Summary: "Show helpful text about the different subcommands",
		Handler: func(c *Ctx) Reply {
			out := make([]Reply, 0, len(lines)+3)
			out = append(out, Simple(upper+" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"))
			for _, l := range lines {
				out = append(out, Simple(l))
			}
			out = append(out, Simple("HELP"), Simple("    Prints this help."))
			return Array(out...)
		},
	}
}
