package server

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"log/slog"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// redisLib builds the redis table scripts call the server through.
func (s *Server) redisLib(e *scriptState) *lua.LTable {
	L := e.L
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"call":  func(L *lua.LState) int { return s.scriptCall(e, L, true) },
		"pcall": func(L *lua.LState) int { return s.scriptCall(e, L, false) },
		"error_reply": func(L *lua.LState) int {
			if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
				L.Push(errorTable(L, "wrong number or type of arguments"))
				return 1
			}
			msg := L.ToString(1)
			if !strings.HasPrefix(msg, "-") {
				msg = "-" + msg
			}
			L.Push(errorTable(L, msg))
			return 1
		},
		"status_reply": func(L *lua.LState) int {
			if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
				L.Push(errorTable(L, "wrong number or type of arguments"))
				return 1
			}
			r := L.NewTable()
			r.RawSetString("ok", L.Get(1))
			L.Push(r)
			return 1
		},
		"sha1hex": func(L *lua.LState) int {
			if L.GetTop() != 1 {
				raiseError(L, "wrong number of arguments")
			}
			sum := sha1.Sum([]byte(L.ToString(1)))
			L.Push(lua.LString(hex.EncodeToString(sum[:])))
			return 1
		},
		"log": func(L *lua.LState) int {
			if L.GetTop() < 2 {
				raiseError(L, "redis.log() requires two arguments or more.")
			}
			if L.Get(1).Type() != lua.LTNumber && L.Get(1).Type() != lua.LTString {
				raiseError(L, "First argument must be a number (log level).")
			}
			level := luaToNumber(L.Get(1))
			if level < 0 || level > 3 {
				raiseError(L, "Invalid debug level.")
			}
			parts := make([]string, 0, L.GetTop()-1)
			for i := 2; i <= L.GetTop(); i++ {
				if v := L.Get(i); v.Type() == lua.LTString || v.Type() == lua.LTNumber {
					parts = append(parts, luaToString(v))
				}
			}
			s.log.Log(context.Background(), []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelInfo, slog.LevelWarn}[int(level)],
				strings.Join(parts, " "))
			return 0
		},
		"setresp": func(L *lua.LState) int {
			if L.GetTop() != 1 {
				raiseError(L, "redis.setresp() requires one argument.")
			}
			n := luaToNumber(L.Get(1))
			if n != 2 && n != 3 {
				raiseError(L, "RESP version must be 2 or 3.")
			}
			e.client.proto = int(n)
			return 0
		},
		"set_repl": func(L *lua.LState) int {
			if e.run == nil {
				raiseError(L, "redis.set_repl() can only be called inside a script invocation")
			}
			if L.GetTop() != 1 {
				raiseError(L, "redis.set_repl() requires two arguments.")
			}
			n := luaToNumber(L.Get(1))
			if n != lua.LNumber(math.Trunc(float64(n))) || n < 0 || n > replAll {
				raiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
			}
			e.run.repl = int(n)
			return 0
		},
		"replicate_commands": func(L *lua.LState) int {
			L.Push(lua.LTrue)
			return 1
		},
		"breakpoint": func(L *lua.LState) int {
			L.Push(lua.LFalse)
			return 1
		},
		"debug": func(L *lua.LState) int { return 0 },
		"acl_check_cmd": func(L *lua.LState) int {
			if L.GetTop() < 1 {
				raiseError(L, "Please specify at least one argument for this redis lib call")
			}
			argv, ok := luaArgs(L)
			if !ok {
				raiseError(L, "Lua redis lib command arguments must be strings or integers")
			}
			if cmd, _ := s.lookup(argv); cmd == nil {
				raiseError(L, "Invalid command passed to redis.acl_check_cmd()")
			}
			// Every connection is the default user, who may run anything.
			L.Push(lua.LTrue)
			return 1
		},
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	for name, v := range map[string]lua.LValue{
		"LOG_DEBUG": lua.LNumber(0), "LOG_VERBOSE": lua.LNumber(1),
		"LOG_NOTICE": lua.LNumber(2), "LOG_WARNING": lua.LNumber(3),
		"REPL_NONE": lua.LNumber(0), "REPL_AOF": lua.LNumber(replAOF),
		"REPL_SLAVE": lua.LNumber(replReplica), "REPL_REPLICA": lua.LNumber(replReplica),
		"REPL_ALL":      lua.LNumber(replAll),
		"REDIS_VERSION": lua.LString(Version), "REDIS_VERSION_NUM": lua.LNumber(versionNum()),
	} {
		t.RawSetString(name, v)
	}
	return t
}

// luaToNumber is Lua's lua_tonumber: a number, a string that reads as
// one, else 0.
func luaToNumber(v lua.LValue) lua.LNumber {
	switch v := v.(type) {
	case lua.LNumber:
		return v
	case lua.LString:
		if n, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64); err == nil {
			return lua.LNumber(n)
		}
	}
	return 0
}

// versionNum is Version as Redis's REDIS_VERSION_NUM: 0x00MMmmpp.
func versionNum() int {
	n := 0
	for _, p := range strings.SplitN(Version, ".", 3) {
		v, _ := strconv.Atoi(p)
		n = n<<8 | v
	}
	return n
}

// errorTable builds Redis's error table {err="CODE message"} from msg: a
// message that starts with "-" carries its own code (its first word, or
// ERR when it has one word); any other gets ERR.
func errorTable(L *lua.LState, msg string) *lua.LTable {
	if rest, ok := strings.CutPrefix(msg, "-"); ok {
		if code, text, ok := strings.Cut(rest, " "); ok {
			msg = code + " " + text
		} else {
			msg = "ERR " + rest
		}
	} else {
		msg = "ERR " + msg
	}
	t := L.NewTable()
	t.RawSetString("err", lua.LString(strings.TrimRight(msg, "\r\n")))
	return t
}

// raiseError raises msg as a Redis error table (see errorTable).
func raiseError(L *lua.LState, msg string) {
	L.Error(errorTable(L, msg), 0)
}

// luaArgs reads the arguments of a redis.call: strings, and numbers
// formatted as Redis 7.0 formats them ("%.17g").
func luaArgs(L *lua.LState) ([][]byte, bool) {
	n := L.GetTop()
	argv := make([][]byte, n)
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			argv[i-1] = []byte(v)
		case lua.LNumber:
			argv[i-1] = strconv.AppendFloat(nil, float64(v), 'g', 17, 64)
		default:
			return nil, false
		}
	}
	return argv, true
}

// scriptCall is redis.call (raise set) and redis.pcall: it runs one
// command from the script with Redis's checks for scripts, and returns its
// reply as a Lua value. An error reply is raised by redis.call and
// returned by redis.pcall as an error table. e is the engine that runs
// the script: EVAL's or the functions'. Called with s.mu held.
func (s *Server) scriptCall(e *scriptState, L *lua.LState, raise bool) int {
	fail := func(msg string) int {
		t := errorTable(L, msg)
		if raise {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	run := e.run
	if run == nil {
		return fail("redis.call and redis.pcall can only be called inside a script invocation")
	}
	if L.GetTop() == 0 {
		return fail("Please specify at least one argument for this redis lib call")
	}
	argv, ok := luaArgs(L)
	if !ok {
		return fail("Lua redis lib command arguments must be strings or integers")
	}
	L.SetTop(0)
	cmd, msg := s.lookup(argv)
	switch {
	case cmd == nil:
		return fail("Unknown Redis command called from script")
	case msg != "":
		return fail("Wrong number of args calling Redis command from script")
	case cmd.Flags&FlagNoScript != 0:
		return fail("This Redis command is not allowed from script")
	}
	write := cmd.Flags&FlagWrite != 0
	if write && run.readOnly {
		return fail("Write commands are not allowed from read-only scripts.")
	}
	if write {
		if msg := s.diskError(); msg != "" {
			return fail("-" + msg)
		}
	}
	w := &s.luaWatch
	if run.oom && !w.wrote && run.flags&scriptAllowOOM == 0 && cmd.Flags&FlagDenyOOM != 0 {
		return fail("-" + msgOOM)
	}
	cl := e.client
	if s.cluster != nil {
		if msg := s.routeCluster(cl, cmd, argv, cl.flags&flagAsking != 0, run.now.UnixMilli()); msg != "" {
			switch {
			case strings.HasPrefix(msg, "CLUSTERDOWN The cluster is down and only accepts read commands"):
				return fail("Script attempted to execute a write command while the cluster is down and readonly")
			case strings.HasPrefix(msg, "CLUSTERDOWN The cluster is down"):
				return fail("Script attempted to execute a command while the cluster is down")
			}
			return fail("Script attempted to access a non local key in a cluster node")
		}
	}
	// Under the watch's lock: a busy turn (script_busy.go) may meanwhile
	// answer another client without s.mu.
	w.mu.Lock()
	w.wrote = w.wrote || write
	s.replOff = replAll &^ run.repl
	r := s.call(cl, cmd, argv, run.now)
	s.replOff = 0
	w.mu.Unlock()
	e.buf = appendReply(e.buf[:0], &r, cl.proto)
	v, _, err := respToLua(L, e.buf, 0)
	if err != nil {
		return fail(err.Error())
	}
	if t, ok := v.(*lua.LTable); ok && r.kind == kindError && raise {
		L.Error(t, 0)
	}
	L.Push(v)
	return 1
}
