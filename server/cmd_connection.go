package server

import (
	"strconv"
	"strings"
)

// connectionCommands are PING, ECHO, QUIT, SELECT, SWAPDB, AUTH, HELLO and
// RESET; CLIENT lives in cmd_client.go.
func connectionCommands() []*Command {
	conn := FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagNoAuth | FlagAllowBusy
	return []*Command{
		{
			// PING [message]
			Name: "ping", Arity: -1, Flags: FlagFast, ACL: ACLConnection,
			Tips:  []string{"request_policy:all_shards", "response_policy:all_succeeded"},
			Group: "connection", Since: "1.0.0", Summary: "Checks that the server answers", Complexity: "O(1)",
			Handler: pingCommand,
		},
		{
			// ECHO message
			Name: "echo", Arity: 2, Flags: FlagLoading | FlagStale | FlagFast, ACL: ACLConnection,
			Group: "connection", Since: "1.0.0", Summary: "Returns its argument", Complexity: "O(1)",
			Handler: func(c *Ctx) Reply { return Bulk(c.Args[1]) },
		},
		{
			// QUIT
			Name: "quit", Arity: -1, Flags: conn, ACL: ACLConnection,
			Group: "connection", Since: "1.0.0", Summary: "Closes the connection", Complexity: "O(1)",
			Handler: func(c *Ctx) Reply { c.cl.flags |= flagCloseAfter; return replyOK },
		},
		{
			// SELECT index
			Name: "select", Arity: 2, Flags: FlagLoading | FlagStale | FlagFast, ACL: ACLConnection,
			Group: "connection", Since: "1.0.0", Summary: "Changes the selected database", Complexity: "O(1)",
			Handler: selectCommand,
		},
		{
			// SWAPDB index1 index2
			Name: "swapdb", Arity: 3, Flags: FlagWrite | FlagFast, ACL: ACLKeyspace | ACLDangerous,
			Group: "server", Since: "4.0.0", Summary: "Swaps the contents of two databases",
			Complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
			Handler:    swapdbCommand,
		},
		{
			// AUTH [username] password
			Name: "auth", Arity: -2, Flags: conn, ACL: ACLConnection,
			Group: "connection", Since: "1.0.0", Summary: "Authenticates the connection",
			Complexity: "O(N) where N is the number of passwords defined for the user",
			Handler:    authCommand,
		},
		{
			// HELLO [protover [AUTH username password] [SETNAME clientname]]
			Name: "hello", Arity: -1, Flags: conn, ACL: ACLConnection,
			Group: "connection", Since: "6.0.0", Summary: "Handshakes: protocol version, authentication, name",
			Complexity: "O(1)",
			Handler:    helloCommand,
		},
		{
			// RESET
			Name: "reset", Arity: 1, Flags: conn, ACL: ACLConnection,
			Group: "connection", Since: "6.2.0", Summary: "Resets the connection's state", Complexity: "O(1)",
			Handler: resetCommand,
		},
		clientCommand(),
	}
}

// PING [message]
func pingCommand(c *Ctx) Reply {
	if c.cl.flags&flagPubSub != 0 && c.cl.proto == 2 && len(c.Args) <= 2 {
		return pubsubPing(c)
	}
	switch len(c.Args) {
	case 1:
		return Simple("PONG")
	case 2:
		return Bulk(c.Args[1])
	}
	return Err("ERR wrong number of arguments for 'ping' command")
}

// SELECT index
func selectCommand(c *Ctx) Reply {
	id, msg := parseInt32(c.Args[1])
	if msg != "" {
		return Err(msg)
	}
	if c.s.config().ClusterEnabled && id != 0 {
		return Err("ERR SELECT is not allowed in cluster mode")
	}
	if id < 0 || id >= c.s.store.NumDB() {
		return Err(msgInvalidDB)
	}
	c.cl.db = id
	return replyOK
}

// SWAPDB index1 index2
func swapdbCommand(c *Ctx) Reply {
	if c.s.config().ClusterEnabled {
		return Err("ERR SWAPDB is not allowed in cluster mode")
	}
	a, msg := parseInt32(c.Args[1])
	if msg != "" {
		return Err("ERR invalid first DB index")
	}
	b, msg := parseInt32(c.Args[2])
	if msg != "" {
		return Err("ERR invalid second DB index")
	}
	n := c.s.store.NumDB()
	if a < 0 || a >= n || b < 0 || b >= n {
		return Err(msgInvalidDB)
	}
	if a != b {
		c.s.touchAllWatched(a, b, c.Now)
		c.s.touchAllWatched(b, a, c.Now)
		c.s.store.SwapDB(a, b)
		c.s.swapUsage(a, b)
		c.s.signalSwapped(a, b)
	}
	c.Changed(1)
	return replyOK
}

// AUTH [username] password
func authCommand(c *Ctx) Reply {
	if len(c.Args) > 3 {
		return replySyntax
	}
	if len(c.Args) == 2 && c.s.config().RequirePass == "" {
		return Err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
	}
	user, pass := []byte("default"), c.Args[len(c.Args)-1]
	if len(c.Args) == 3 {
		user = c.Args[1]
	}
	if !c.s.checkPassword(string(user), pass) {
		c.s.log.Warn("failed authentication", "addr", c.cl.raddr, "user", string(user))
		return Err(msgWrongPass)
	}
	c.cl.authenticated = true
	c.cl.user = string(user)
	return replyOK
}

const msgWrongPass = "WRONGPASS invalid username-password pair or user is disabled."

// checkPassword reports whether user/pass authenticate. Only the default
// user exists: it takes requirepass, or any password when none is set.
func (s *Server) checkPassword(user string, pass []byte) bool {
	if user != "default" {
		return false
	}
	want := s.config().RequirePass
	return want == "" || constantTimeEqual(pass, []byte(want))
}

func constantTimeEqual(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := range a {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
func helloCommand(c *Ctx) Reply {
	proto := c.cl.proto
	args := c.Args
	if len(args) >= 2 {
		v, err := strconv.ParseInt(string(args[1]), 10, 64)
		if err != nil {
			return Err("ERR Protocol version is not an integer or out of range")
		}
		if v < 2 || v > 3 {
			return Err("NOPROTO unsupported protocol version")
		}
		proto = int(v)
	}
	var user, pass, name []byte
	for i := 2; i < len(args); i++ {
		more := len(args) - i - 1
		switch opt := strings.ToLower(string(args[i])); {
		case opt == "auth" && more >= 2:
			user, pass = args[i+1], args[i+2]
			i += 2
		case opt == "setname" && more >= 1:
			name = args[i+1]
			if !validClientName(name) {
				return Err(msgBadClientName)
			}
			i++
		default:
			return Err("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
		}
	}
	if user != nil {
		if !c.s.checkPassword(string(user), pass) {
			return Err(msgWrongPass)
		}
		c.cl.authenticated = true
		c.cl.user = string(user)
	}
	if !c.cl.authenticated {
		return Err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
	}
	if name != nil {
		c.cl.name = string(name)
	}
	c.cl.proto = proto
	return Map(
		BulkString("server"), BulkString("redis"),
		BulkString("version"), BulkString(Version),
		BulkString("proto"), Int(int64(proto)),
		BulkString("id"), Int(int64(c.cl.id)),
		BulkString("mode"), BulkString(c.s.mode()),
		BulkString("role"), BulkString("master"),
		BulkString("modules"), Array(),
	)
}

// mode is "standalone" or "cluster", as HELLO and INFO report it.
func (s *Server) mode() string {
	if s.config().ClusterEnabled {
		return "cluster"
	}
	return "standalone"
}

// RESET
func resetCommand(c *Ctx) Reply {
	cl := c.cl
	c.s.discardTransaction(cl)
	delete(c.s.monitors, cl)
	c.s.unsubscribeAll(cl)
	c.s.disableTracking(cl)
	cl.flags &^= flagMonitor | flagReadonly | flagAsking | flagNoEvict | flagReplyOff | flagReplySkip | flagReplySkipNext
	cl.db = 0
	cl.proto = 2
	cl.name = ""
	cl.user = "default"
	cl.authenticated = c.s.config().RequirePass == ""
	return Simple("RESET")
}
