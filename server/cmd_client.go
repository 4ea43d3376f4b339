package server

import (
	"strconv"
	"strings"
	"time"
)

// clientCommand is CLIENT and its subcommands.
func clientCommand() *Command {
	conn := FlagNoScript | FlagLoading | FlagStale
	admin := conn | FlagAdmin
	sub := func(name string, arity int, flags Flag, since, summary string, h Handler, tips ...string) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: ACLConnection, Group: "connection",
			Since: since, Summary: summary, Handler: h, Tips: tips}
	}
	help := helpCommand("5.0.0", "client",
		"ID", "    The connection's id.",
		"SETNAME <name>", "    Name the connection.",
		"GETNAME", "    The connection's name.",
		"LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> ...]", "    Describe connections.",
		"INFO", "    Describe this connection.",
		"KILL <ip:port>", "    Close the connection from <ip:port>.",
		"KILL <option> <value> [<option> <value> ...]",
		"    Close connections matching every option: ID, TYPE, USER, ADDR, LADDR,",
		"    SKIPME (yes|no, default yes).",
		"PAUSE <timeout> [WRITE|ALL]", "    Hold clients' commands, or only writes, for <timeout> ms.",
		"UNPAUSE", "    End a pause.",
		"REPLY (ON|OFF|SKIP)", "    Turn replies to this connection on or off.",
		"NO-EVICT (ON|OFF)", "    Exempt this connection from client eviction.",
		"SETINFO (LIB-NAME|LIB-VER) <value>", "    Record the client library's name or version.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Release a client blocked by a blocking command.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]", "    Control server assisted client side caching.",
		"CACHING (YES|NO)", "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
		"TRACKINGINFO", "    Report tracking status for the current connection.",
	)
	help.ACL = ACLConnection
	return &Command{
		Name: "client", Arity: -2, Group: "connection", Since: "2.4.0",
		Summary: "Container for client connection commands",
		Sub: []*Command{
			// CLIENT ID
			sub("id", 2, conn, "5.0.0", "Returns the connection's id",
				func(c *Ctx) Reply { return Int(int64(c.cl.id)) }),
			// CLIENT SETNAME connection-name
			sub("setname", 3, conn, "2.6.9", "Names the connection", clientSetName),
			// CLIENT GETNAME
			sub("getname", 2, conn, "2.6.9", "Returns the connection's name", func(c *Ctx) Reply {
				if c.cl.name == "" {
					return replyNullBulk
				}
				return BulkString(c.cl.name)
			}),
			// CLIENT LIST [TYPE type] [ID client-id [client-id ...]]
			sub("list", -2, admin, "2.4.0", "Lists the connections", clientList, "nondeterministic_output"),
			// CLIENT INFO
			sub("info", 2, conn, "6.2.0", "Describes this connection", func(c *Ctx) Reply {
				return Verbatim(c.s.clientLine(c.cl, c.s.clock()) + "\n")
			}, "nondeterministic_output"),
			// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER name] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no]
			sub("kill", -3, admin, "2.4.0", "Closes connections", clientKill),
			// CLIENT PAUSE timeout [WRITE|ALL]
			sub("pause", -3, admin, "2.9.50", "Holds clients' commands for a while", clientPause),
			// CLIENT UNPAUSE
			sub("unpause", 2, admin, "6.2.0", "Ends a CLIENT PAUSE", func(c *Ctx) Reply {
				c.s.unpause()
				return replyOK
			}),
			// CLIENT TRACKING ON|OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
			sub("tracking", -3, conn, "6.0.0", "Controls server-assisted client-side caching for the connection", clientTrackingCommand),
			// CLIENT CACHING YES|NO
			sub("caching", 3, conn, "6.0.0", "Instructs the server whether to track the keys in the next request", clientCaching),
			// CLIENT GETREDIR
			sub("getredir", 2, conn, "6.0.0", "Returns the client ID to which the connection's tracking notifications are redirected",
				func(c *Ctx) Reply {
					if c.cl.track == nil || !c.cl.track.on {
						return Int(-1)
					}
					return Int(int64(c.cl.track.redirect))
				}),
			// CLIENT TRACKINGINFO
			sub("trackinginfo", 2, conn, "6.2.0", "Returns information about server-assisted client-side caching for the connection",
				clientTrackingInfo),
			// CLIENT REPLY ON|OFF|SKIP
			sub("reply", 3, conn, "3.2.0", "Turns the server's replies on or off", clientReply),
			// CLIENT NO-EVICT ON|OFF
			sub("no-evict", 3, admin, "7.0.0", "Exempts the connection from client eviction", func(c *Ctx) Reply {
				switch strings.ToLower(string(c.Args[2])) {
				case "on":
					c.cl.flags |= flagNoEvict
				case "off":
					c.cl.flags &^= flagNoEvict
				default:
					return replySyntax
				}
				return replyOK
			}),
			// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
			sub("unblock", -3, admin, "5.0.0", "Unblocks a client blocked by a blocking command", clientUnblock),
			// CLIENT SETINFO LIB-NAME name | LIB-VER version (Redis 7.2; go-redis sends it)
			sub("setinfo", 4, conn, "7.2.0", "Records the client library's name and version", clientSetInfo),
			help,
		},
	}
}

const msgBadClientName = "ERR Client names cannot contain spaces, newlines or special characters."

// validClientName reports whether name holds only printable characters
// other than space, as Redis requires of connection names.
func validClientName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

// CLIENT SETNAME connection-name
func clientSetName(c *Ctx) Reply {
	if !validClientName(c.Args[2]) {
		return Err(msgBadClientName)
	}
	c.cl.name = string(c.Args[2])
	return replyOK
}

// CLIENT SETINFO LIB-NAME libname | LIB-VER libver
func clientSetInfo(c *Ctx) Reply {
	attr := strings.ToLower(string(c.Args[2]))
	val := c.Args[3]
	for _, ch := range val {
		if ch < '!' || ch > '~' {
			return Err("ERR " + attr + " cannot contain spaces, newlines or special characters.")
		}
	}
	switch attr {
	case "lib-name":
		c.cl.libName = string(val)
	case "lib-ver":
		c.cl.libVer = string(val)
	default:
		return Err("ERR Unrecognized option '" + string(c.Args[2]) + "'")
	}
	return replyOK
}

// clientType is the class a connection belongs to for CLIENT LIST/KILL
// TYPE and output-buffer limits.
// Called with s.mu held.
func clientType(c *client) string {
	if c.flags&flagPubSub != 0 {
		return "pubsub"
	}
	return "normal"
}

// parseClientType validates a TYPE argument.
func parseClientType(b []byte) (string, bool) {
	switch t := strings.ToLower(string(b)); t {
	case "normal", "pubsub", "master":
		return t, true
	case "replica", "slave":
		return "replica", true
	}
	return "", false
}

// CLIENT LIST [TYPE type] [ID client-id [client-id ...]]
func clientList(c *Ctx) Reply {
	var typ string
	var ids map[uint64]bool
	args := c.Args[2:]
	switch {
	case len(args) == 0:
	case len(args) == 2 && strings.EqualFold(string(args[0]), "type"):
		t, ok := parseClientType(args[1])
		if !ok {
			return Err("ERR Unknown client type '" + string(args[1]) + "'")
		}
		typ = t
	case len(args) >= 2 && strings.EqualFold(string(args[0]), "id"):
		ids = make(map[uint64]bool)
		for _, a := range args[1:] {
			id, err := strconv.ParseUint(string(a), 10, 64)
			if err != nil || id == 0 {
				return Err("ERR Invalid client ID")
			}
			ids[id] = true
		}
	default:
		return replySyntax
	}
	now := c.s.clock()
	var b strings.Builder
	for _, cl := range c.s.sortedClients() {
		if typ != "" && clientType(cl) != typ || ids != nil && !ids[cl.id] {
			continue
		}
		b.WriteString(c.s.clientLine(cl, now))
		b.WriteByte('\n')
	}
	return Verbatim(b.String())
}

// sortedClients returns the connections in id order. Called with s.mu held.
func (s *Server) sortedClients() []*client {
	out := make([]*client, 0, len(s.clients))
	for _, cl := range s.clients {
		out = append(out, cl)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].id < out[j-1].id; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// clientLine renders one connection as CLIENT LIST does. Called with s.mu
// held.
func (s *Server) clientLine(cl *client, now time.Time) string {
	flags := ""
	if cl.flags&flagMonitor != 0 {
		flags += "O"
	}
	if cl.flags&flagPubSub != 0 {
		flags += "P"
	}
	if cl.flags&flagMulti != 0 {
		flags += "x"
	}
	if cl.blocked != nil {
		flags += "b"
	}
	redir := int64(-1)
	if tr := cl.track; tr != nil && tr.on {
		flags += "t"
		if tr.brokenRedir {
			flags += "R"
		}
		if tr.bcast {
			flags += "B"
		}
		redir = int64(tr.redirect)
	}
	if cl.flags&flagDirtyCAS != 0 {
		flags += "d"
	}
	if cl.flags&flagReadonly != 0 {
		flags += "r"
	}
	if cl.flags&(flagCloseAfter|flagKilled) != 0 {
		flags += "A"
	}
	if cl.flags&flagNoEvict != 0 {
		flags += "e"
	}
	if flags == "" {
		flags = "N"
	}
	multi := -1
	if cl.flags&flagMulti != 0 {
		multi = len(cl.multi)
	}
	qbuf, rbs := cl.qbuf, cl.rbs.Load()
	var b strings.Builder
	kv := func(k string, v string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	kv("id", num(int64(cl.id)))
	kv("addr", cl.raddr)
	kv("laddr", cl.laddr)
	kv("fd", num(int64(cl.fd)))
	kv("name", cl.name)
	kv("age", num(int64(now.Sub(cl.created)/time.Second)))
	kv("idle", num(int64(now.Sub(cl.lastActive)/time.Second)))
	kv("flags", flags)
	kv("db", num(int64(cl.db)))
	sub, psub, ssub := pubsubCounts(cl)
	kv("sub", sub)
	kv("psub", psub)
	kv("ssub", ssub)
	kv("multi", num(int64(multi)))
	kv("qbuf", num(qbuf))
	kv("qbuf-free", num(max(rbs-qbuf, 0)))
	kv("argv-mem", "0")
	kv("multi-mem", "0")
	kv("rbs", num(rbs))
	kv("rbp", num(rbs))
	kv("obl", "0")
	kv("oll", "0")
	kv("omem", "0")
	kv("tot-mem", num(rbs))
	kv("events", "r")
	cmd := cl.lastCmd
	if cmd == "" {
		cmd = "NULL"
	}
	kv("cmd", cmd)
	kv("user", cl.user)
	kv("redir", num(redir))
	kv("resp", num(int64(cl.proto)))
	if cl.libName != "" || cl.libVer != "" {
		kv("lib-name", cl.libName)
		kv("lib-ver", cl.libVer)
	}
	return b.String()
}

// CLIENT KILL ip:port | CLIENT KILL <filter> <value> ... [SKIPME yes|no]
func clientKill(c *Ctx) Reply {
	args := c.Args[2:]
	if len(args) == 1 {
		for _, cl := range c.s.clients {
			if cl.raddr == string(args[0]) {
				c.s.kill(c.cl, cl)
				return replyOK
			}
		}
		return Err("ERR No such client")
	}
	if len(args)%2 != 0 {
		return replySyntax
	}
	var (
		id          uint64
		typ, user   string
		addr, laddr string
		skipme      = true
	)
	for i := 0; i < len(args); i += 2 {
		v := args[i+1]
		switch strings.ToLower(string(args[i])) {
		case "id":
			n, err := strconv.ParseUint(string(v), 10, 64)
			if err != nil || n == 0 {
				return Err("ERR client-id should be greater than 0")
			}
			id = n
		case "type":
			t, ok := parseClientType(v)
			if !ok {
				return Err("ERR Unknown client type '" + string(v) + "'")
			}
			typ = t
		case "user":
			user = string(v)
			if user != "default" {
				return Err("ERR No such user '" + user + "'")
			}
		case "addr":
			addr = string(v)
		case "laddr":
			laddr = string(v)
		case "skipme":
			switch strings.ToLower(string(v)) {
			case "yes":
				skipme = true
			case "no":
				skipme = false
			default:
				return replySyntax
			}
		default:
			return replySyntax
		}
	}
	killed := int64(0)
	for _, cl := range c.s.sortedClients() {
		switch {
		case id != 0 && cl.id != id,
			typ != "" && clientType(cl) != typ,
			user != "" && cl.user != user,
			addr != "" && cl.raddr != addr,
			laddr != "" && cl.laddr != laddr,
			skipme && cl == c.cl:
			continue
		}
		c.s.kill(c.cl, cl)
		killed++
	}
	return Int(killed)
}

// kill closes victim's connection; the caller's own connection is closed
// after its reply is written. Called with s.mu held.
func (s *Server) kill(caller, victim *client) {
	if victim == caller {
		victim.flags |= flagCloseAfter
		return
	}
	victim.flags |= flagKilled
	// Its subscriptions end now, as Redis frees the client at once: a
	// PUBLISH after the kill must not count it.
	s.unsubscribeAll(victim)
	victim.disconnect()
}

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
func clientUnblock(c *Ctx) Reply {
	if len(c.Args) > 4 {
		return subcommandSyntax(c)
	}
	// The reason is read before the id, as in Redis.
	timeout := true
	if len(c.Args) == 4 {
		switch strings.ToLower(string(c.Args[3])) {
		case "timeout":
		case "error":
			timeout = false
		default:
			return Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
		}
	}
	id, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	target := c.s.clients[uint64(id)]
	if id <= 0 || target == nil || target.blocked == nil {
		return replyZero
	}
	r := target.blocked.onTime
	if !timeout {
		r = Err("UNBLOCKED client unblocked via CLIENT UNBLOCK")
	}
	c.s.unblock(target, r)
	return replyOne
}

// CLIENT REPLY ON|OFF|SKIP
func clientReply(c *Ctx) Reply {
	switch strings.ToLower(string(c.Args[2])) {
	case "on":
		c.cl.flags &^= flagReplyOff | flagReplySkip | flagReplySkipNext
		return replyOK
	case "off":
		c.cl.flags |= flagReplyOff
		return replyNone
	case "skip":
		if c.cl.flags&flagReplyOff == 0 {
			c.cl.flags |= flagReplySkipNext
		}
		return replyNone
	}
	return replySyntax
}

// pauseState is an active CLIENT PAUSE: until when, and whether it holds
// every command or only writes.
type pauseState struct {
	until time.Time
	all   bool
}

// CLIENT PAUSE timeout [WRITE|ALL]
func clientPause(c *Ctx) Reply {
	timeout, msg := parseTimeoutMillis(c.Args[2])
	if msg != "" {
		return Err(msg)
	}
	all := true
	if len(c.Args) == 4 {
		switch strings.ToLower(string(c.Args[3])) {
		case "write":
			all = false
		case "all":
		default:
			return Err("ERR CLIENT PAUSE mode must be WRITE or ALL")
		}
	} else if len(c.Args) > 4 {
		return replySyntax
	}
	until := c.s.clock().Add(timeout)
	p := &c.s.pause
	// A second pause extends the first and can only widen what it holds.
	if until.After(p.until) {
		p.until = until
	}
	if p.all || all {
		p.all = true
	}
	if !c.s.pauseWaking {
		c.s.pauseWaking = true
		c.s.wg.Add(1)
		go c.s.endPauses()
	}
	return replyOK
}

// unpause ends any CLIENT PAUSE. Called with s.mu held.
func (s *Server) unpause() {
	s.pause = pauseState{}
	s.wake.Broadcast()
}

// endPauses wakes paused clients when the pause runs out. It runs while a
// pause may be active and exits once none is.
func (s *Server) endPauses() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		wait := s.pause.until.Sub(s.clock())
		if wait <= 0 {
			s.unpause()
			s.pauseWaking = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-s.closed:
			t.Stop()
			s.mu.Lock()
			s.unpause()
			s.pauseWaking = false
			s.mu.Unlock()
			return
		case <-t.C:
		}
	}
}

// waitWhilePaused holds the request while a CLIENT PAUSE covers it: every
// command under PAUSE ALL, writes (and EXEC, which may write) under PAUSE
// WRITE. Called with s.mu held; waits on wake.
func (s *Server) waitWhilePaused(c *client, args [][]byte) {
	if s.pause.until.IsZero() {
		return // no pause: no need to read the clock
	}
	for s.pause.until.After(s.clock()) {
		select {
		case <-s.closed:
			return
		default:
		}
		if !s.pause.all {
			cmd := s.table.get(args[0])
			if cmd == nil || !pausedByWrite(cmd, c) {
				return
			}
		}
		s.wake.Wait()
	}
}

// pausedByWrite reports whether a PAUSE WRITE holds cmd.
func pausedByWrite(cmd *Command, c *client) bool {
	if cmd.Flags&(FlagWrite|FlagMayReplicate) != 0 {
		return true
	}
	if cmd.Name == "exec" {
		for _, q := range c.multi {
			if q.cmd.Flags&(FlagWrite|FlagMayReplicate) != 0 {
				return true
			}
		}
	}
	return false
}

// CLIENT TRACKING ON|OFF [REDIRECT client-id] [PREFIX prefix ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
func clientTrackingCommand(c *Ctx) Reply {
	var opts trackingOpts
	var prefixes []string
	redirected := false
	for j := 3; j < len(c.Args); j++ {
		more := j+1 < len(c.Args)
		switch a := strings.ToLower(string(c.Args[j])); {
		case a == "redirect" && more:
			j++
			if redirected {
				return Err("ERR A client can only redirect to a single other client")
			}
			id, ok := parseInt(c.Args[j])
			if !ok {
				return replyNotInt
			}
			if c.s.clients[uint64(id)] == nil {
				return Err("ERR The client ID you want redirect to does not exist")
			}
			opts.redirect, redirected = uint64(id), true
		case a == "bcast":
			opts.bcast = true
		case a == "optin":
			opts.optin = true
		case a == "optout":
			opts.optout = true
		case a == "noloop":
			opts.noloop = true
		case a == "prefix" && more:
			j++
			prefixes = append(prefixes, string(c.Args[j]))
		default:
			return replySyntax
		}
	}
	cl := c.cl
	switch strings.ToLower(string(c.Args[2])) {
	case "on":
		tr := cl.track
		on := tr != nil && tr.on
		switch {
		case !opts.bcast && len(prefixes) > 0:
			return Err("ERR PREFIX option requires BCAST mode to be enabled")
		case on && tr.bcast != opts.bcast:
			return Err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
		case opts.bcast && (opts.optin || opts.optout):
			return Err("ERR OPTIN and OPTOUT are not compatible with BCAST")
		case opts.optin && opts.optout:
			return Err("ERR You can't specify both OPTIN mode and OPTOUT mode")
		case on && (opts.optin && tr.optout || opts.optout && tr.optin):
			return Err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
		}
		if opts.bcast {
			if msg := prefixOverlap(cl, prefixes); msg != "" {
				return Err(msg)
			}
		}
		c.s.enableTracking(cl, opts, prefixes)
	case "off":
		c.s.disableTracking(cl)
	default:
		return replySyntax
	}
	return replyOK
}

// CLIENT CACHING YES|NO
func clientCaching(c *Ctx) Reply {
	tr := c.cl.track
	if tr == nil || !tr.on {
		return Err("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
	}
	switch strings.ToLower(string(c.Args[2])) {
	case "yes":
		if !tr.optin {
			return Err("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
		}
	case "no":
		if !tr.optout {
			return Err("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
		}
	default:
		return replySyntax
	}
	tr.caching = true
	return replyOK
}

// CLIENT TRACKINGINFO
func clientTrackingInfo(c *Ctx) Reply {
	tr := c.cl.track
	if tr == nil || !tr.on {
		return Map(BulkString("flags"), Set(BulkString("off")),
			BulkString("redirect"), Int(-1), BulkString("prefixes"), Array())
	}
	flags := []Reply{BulkString("on")}
	for _, f := range []struct {
		on   bool
		name string
	}{{tr.bcast, "bcast"}, {tr.optin, "optin"}, {tr.optout, "optout"},
		{tr.optin && tr.caching, "caching-yes"}, {tr.optout && tr.caching, "caching-no"},
		{tr.noloop, "noloop"}, {tr.brokenRedir, "broken_redirect"}} {
		if f.on {
			flags = append(flags, BulkString(f.name))
		}
	}
	prefixes := make([]Reply, len(tr.prefixes))
	for i, p := range tr.prefixes {
		prefixes[i] = BulkString(p)
	}
	return Map(BulkString("flags"), Set(flags...),
		BulkString("redirect"), Int(int64(tr.redirect)), BulkString("prefixes"), Array(prefixes...))
}
