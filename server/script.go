package server

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"quordis/server/lualib"
)

// Lua scripting (EVAL and its family) as Redis 7.0 runs it: one Lua 5.1
// state for the server, scripts cached by the SHA1 of their body, each run
// atomically under s.mu. A script's redis.call goes through the same
// checks and the same call as a client's command, from a pseudo client of
// its own, so its writes reach the AOF and the replicas as effects (Redis
// 7.0's effects replication): the commands it ran, wrapped in MULTI/EXEC
// with the rest of the request's effects (see flushEffects).

// scriptFlag is a flag a script declares in its shebang line
// ("#!lua flags=no-writes,allow-oom").
type scriptFlag uint8

const (
	scriptNoWrites scriptFlag = 1 << iota
	scriptAllowOOM
	scriptAllowStale
	scriptNoCluster
	scriptAllowCrossSlot
	// scriptCompat marks a script without a shebang, which Redis runs
	// with the rules of the scripts before 7.0.
	scriptCompat
)

var scriptFlagNames = []struct {
	name string
	flag scriptFlag
}{
	{"no-writes", scriptNoWrites},
	{"allow-oom", scriptAllowOOM},
	{"allow-stale", scriptAllowStale},
	{"no-cluster", scriptNoCluster},
	{"allow-cross-slot-keys", scriptAllowCrossSlot},
}

// luaScript is one cached script.
type luaScript struct {
	fn    *lua.LFunction
	flags scriptFlag
}

// The replication targets of redis.set_repl, as Redis numbers them.
const (
	replAOF     = 1
	replReplica = 2
	replAll     = replAOF | replReplica
)

// scriptRun is the state of the script being run.
type scriptRun struct {
	flags    scriptFlag
	readOnly bool      // EVAL_RO, EVALSHA_RO, or flags=no-writes
	oom      bool      // memory was over maxmemory when EVAL arrived
	now      time.Time // the script's time: keys expire as of its start
	repl     int       // redis.set_repl's targets
}

// scriptState is the server's Lua engine. Guarded by s.mu.
type scriptState struct {
	L       *lua.LState
	globals *lua.LTable // the real globals, behind the read-only env
	env     *lua.LTable // what scripts see as their globals
	envMeta *lua.LTable // env's metatable, whose __index is globals
	handler *lua.LFunction
	nextFn  *lua.LFunction // next, which pairs returns
	// real maps each read-only proxy table to the table it guards.
	real    map[*lua.LTable]*lua.LTable
	scripts map[string]*luaScript
	client  *client    // the pseudo client scripts' commands run from
	run     *scriptRun // the running script, nil between scripts
	rand48  uint64     // math.random's state
	buf     []byte     // scratch space for the replies of redis.call
}

// scriptRunning reports whether a script is running: its blocking
// commands do not block. Called with s.mu held.
func (s *Server) scriptRunning() bool { return s.luaWatch.running.Load() }

// scripting returns the Lua engine, starting it on first use. Called with
// s.mu held.
func (s *Server) scripting() *scriptState {
	if s.lua == nil {
		s.lua = s.newScriptState()
	}
	return s.lua
}

// flushScripts drops every cached script and starts a fresh Lua state, as
// SCRIPT FLUSH does. Called with s.mu held.
func (s *Server) flushScripts() {
	if s.lua != nil {
		s.lua.L.Close()
		s.lua = nil
	}
}

// newScriptState builds the Lua state scripts run in: the libraries Redis
// 7.0 gives them (base without file access or print, table, string,
// math, coroutine, cjson, bit), the redis table, math.random on Redis's generator, and
// globals that scripts can read but neither create nor change.
func (s *Server) newScriptState() *scriptState {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: 1024, RegistrySize: 1024, RegistryMaxSize: 1 << 22})
	e := &scriptState{
		L:       L,
		real:    map[*lua.LTable]*lua.LTable{},
		scripts: map[string]*luaScript{},
		client: &client{srv: s, proto: 2, user: "default", authenticated: true,
			raddr: "lua", laddr: "lua", done: make(chan struct{})},
	}
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	e.globals = g
	// What Redis 7.0 leaves out of the base library: file access,
	// modules, print, function environments.
	for _, name := range []string{"dofile", "loadfile", "module", "require", "_printregs", "print",
		"getfenv", "setfenv", "newproxy", "_GOPHER_LUA_VERSION"} {
		g.RawSetString(name, lua.LNil)
	}
	// gcinfo: Lua 5.1's deprecated collectgarbage("count"), in whole KB.
	collect := g.RawGetString("collectgarbage")
	g.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int {
		L.Push(collect)
		L.Push(lua.LString("count"))
		L.Call(1, 1)
		L.Push(lua.LNumber(math.Floor(float64(luaToNumber(L.Get(-1))))))
		return 1
	}))
	// string.rep builds at most maxLuaString bytes: gopher-lua's would
	// try to allocate whatever a script asks for.
	g.RawGetString("string").(*lua.LTable).RawSetString("rep", L.NewFunction(func(L *lua.LState) int {
		str, n := L.CheckString(1), L.CheckInt(2)
		if n > 0 && len(str) > 0 && n > maxLuaString/len(str) {
			L.RaiseError("not enough memory")
		}
		L.Push(lua.LString(strings.Repeat(str, max(n, 0))))
		return 1
	}))
	// string.format is Lua 5.1's; ("%d"):format(n) finds it too, since
	// the string metatable's __index is this table.
	g.RawGetString("string").(*lua.LTable).RawSetString("format", L.NewFunction(lualib.Format))
	coerceNumberArgs(L, g)
	tbl := g.RawGetString("table").(*lua.LTable)
	tbl.RawSetString("foreach", L.NewFunction(tableForeach(false)))
	tbl.RawSetString("foreachi", L.NewFunction(tableForeach(true)))
	tbl.RawSetString("setn", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("'setn' is obsolete")
		return 0
	}))
	// The libraries that Redis adds to Lua's: cjson and bit.
	openScriptLibs(L)
	mathLib := g.RawGetString("math").(*lua.LTable)
	mathLib.RawSetString("random", L.NewFunction(e.mathRandom))
	mathLib.RawSetString("randomseed", L.NewFunction(e.mathRandomseed))
	// Lua's math.huge is HUGE_VAL, infinity; gopher-lua's is the largest
	// finite number.
	mathLib.RawSetString("huge", lua.LNumber(math.Inf(1)))
	g.RawSetString("redis", s.redisLib(e))
	e.nextFn = L.NewFunction(e.next)
	g.RawSetString("next", e.nextFn)
	g.RawSetString("pairs", L.NewFunction(e.pairs))
	g.RawSetString("rawget", L.NewFunction(e.rawget))
	g.RawSetString("rawset", L.NewFunction(e.rawset))
	g.RawSetString("error", L.NewFunction(luaError))
	g.RawSetString("pcall", L.NewFunction(luaPcall))
	// tostring formats numbers as Lua 5.1 does ("%.14g"); gopher-lua's
	// own gives every digit Go's shortest form needs.
	tostr := g.RawGetString("tostring")
	g.RawSetString("tostring", L.NewFunction(func(L *lua.LState) int {
		if n, ok := L.Get(1).(lua.LNumber); ok {
			L.Push(lua.LString(lualib.NumberString(float64(n))))
			return 1
		}
		L.Push(tostr)
		L.Push(L.CheckAny(1))
		L.Call(1, 1)
		return 1
	}))
	g.RawSetString("tonumber", L.NewFunction(lualib.ToNumber))
	setmt := g.RawGetString("setmetatable")
	g.RawSetString("setmetatable", L.NewFunction(func(L *lua.LState) int {
		if _, ok := e.real[L.CheckTable(1)]; ok {
			L.Error(lua.LString(msgReadonly), 0)
		}
		L.Push(setmt)
		L.Push(L.Get(1))
		L.Push(L.Get(2))
		L.Call(2, 1)
		return 1
	}))
	e.handler = L.NewFunction(e.errorHandler)
	g.RawSetString("__redis__err__handler", e.handler)
	e.seed48(s.rng.Int32())

	// Read-only globals: every library table, then the globals table
	// itself, is replaced by an empty proxy that reads through to it and
	// refuses every write, as Redis 7.0's read-only tables do. Reading a
	// global that does not exist is an error too.
	var names []string
	g.ForEach(func(k, v lua.LValue) {
		if _, ok := v.(*lua.LTable); ok {
			names = append(names, k.String())
		}
	})
	for _, name := range names {
		g.RawSetString(name, e.protect(g.RawGetString(name).(*lua.LTable)))
	}
	L.SetMetatable(g, e.metatable(map[string]lua.LValue{
		"__index": L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", L.CheckAny(2).String())
			return 0
		}),
	}))
	e.env, e.envMeta = e.protectMeta(g)
	g.RawSetString("_G", e.env)
	return e
}

// metatable builds a table of the given fields.
func (e *scriptState) metatable(fields map[string]lua.LValue) *lua.LTable {
	mt := e.L.NewTable()
	for k, v := range fields {
		mt.RawSetString(k, v)
	}
	return mt
}

// protect returns a read-only view of t: an empty table whose reads go to
// t and whose writes fail.
func (e *scriptState) protect(t *lua.LTable) *lua.LTable {
	proxy, _ := e.protectMeta(t)
	return proxy
}

// protectMeta is protect, also returning the proxy's metatable.
func (e *scriptState) protectMeta(t *lua.LTable) (proxy, mt *lua.LTable) {
	proxy = e.L.NewTable()
	mt = e.metatable(map[string]lua.LValue{
		"__index":     t,
		"__newindex":  e.L.NewFunction(readonlyError),
		"__metatable": lua.LFalse,
	})
	e.L.SetMetatable(proxy, mt)
	e.real[proxy] = t
	return proxy, mt
}

// luaError is Lua 5.1's error(message [, level]): a string message gets
// the position of the function at level (1, the default: the caller of
// error; 0: none), and error() raises nil. gopher-lua's own counts levels
// one off from Lua's.
func luaError(L *lua.LState) int {
	v := L.Get(1)
	if n, ok := v.(lua.LNumber); ok {
		v = lua.LString(lualib.NumberString(float64(n)))
	}
	if msg, ok := v.(lua.LString); ok {
		if level := L.OptInt(2, 1); level > 0 {
			if dbg, ok := L.GetStack(level); ok {
				if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.CurrentLine > 0 {
					v = lua.LString(dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": " + string(msg))
				}
			}
		}
	}
	L.Error(v, 0)
	return 0
}

// tableForeach is Lua 5.1's deprecated table.foreach (or, with indexes,
// table.foreachi): it calls f on each key and value until f returns
// non-nil, and returns that.
func tableForeach(indexes bool) lua.LGFunction {
	return func(L *lua.LState) int {
		t := L.CheckTable(1)
		f := L.CheckFunction(2)
		call := func(k, v lua.LValue) bool {
			L.Push(f)
			L.Push(k)
			L.Push(v)
			L.Call(2, 1)
			if r := L.Get(-1); r != lua.LNil {
				return true
			}
			L.Pop(1)
			return false
		}
		if indexes {
			for i := 1; i <= t.Len(); i++ {
				if call(lua.LNumber(i), t.RawGetInt(i)) {
					return 1
				}
			}
			return 0
		}
		for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
			if call(k, v) {
				return 1
			}
		}
		return 0
	}
}

// luaPcall is Lua's pcall as Redis 7.0 replaces it: an error table that
// redis.call raised (or error({err=...})) reaches the script as its
// message, a string.
func luaPcall(L *lua.LState) int {
	v := L.CheckAny(1)
	if v.Type() != lua.LTFunction && L.GetMetaField(v, "__call").Type() != lua.LTFunction {
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a " + v.Type().String() + " value"))
		return 2
	}
	if err := L.PCall(L.GetTop()-1, lua.MultRet, nil); err != nil {
		var msg lua.LValue = lua.LString(err.Error())
		if api, ok := err.(*lua.ApiError); ok {
			msg = api.Object
		}
		if t, ok := msg.(*lua.LTable); ok {
			if s, ok := t.RawGetString("err").(lua.LString); ok {
				msg = s
			}
		}
		L.Push(lua.LFalse)
		L.Push(msg)
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

const msgReadonly = "Attempt to modify a readonly table"

// readonlyError is the __newindex of a read-only table.
func readonlyError(L *lua.LState) int {
	L.RaiseError(msgReadonly)
	return 0
}

// luaPosition finds the innermost Lua (not Go) function on the stack and
// returns its source and current line.
func luaPosition(L *lua.LState) (string, int) {
	for level := 0; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return "", 0
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			return "", 0
		}
		if dbg.What != "G" && dbg.CurrentLine > 0 {
			return dbg.Source, dbg.CurrentLine
		}
	}
}

// next, pairs, rawget and rawset see through the read-only proxies, so
// that a script can walk a library's table (for k in pairs(string)) but
// cannot write one.
func (e *scriptState) unproxy(t *lua.LTable) *lua.LTable {
	if r, ok := e.real[t]; ok {
		return r
	}
	return t
}

func (e *scriptState) next(L *lua.LState) int {
	t := e.unproxy(L.CheckTable(1))
	k, v := t.Next(L.Get(2))
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(v)
	return 2
}

func (e *scriptState) pairs(L *lua.LState) int {
	t := L.CheckTable(1)
	L.Push(e.nextFn)
	L.Push(t)
	L.Push(lua.LNil)
	return 3
}

func (e *scriptState) rawget(L *lua.LState) int {
	L.Push(e.unproxy(L.CheckTable(1)).RawGet(L.CheckAny(2)))
	return 1
}

func (e *scriptState) rawset(L *lua.LState) int {
	t := L.CheckTable(1)
	if _, ok := e.real[t]; ok {
		// Raised by a Go function, as by Redis's C one: no position.
		L.Error(lua.LString(msgReadonly), 0)
	}
	t.RawSet(L.CheckAny(2), L.CheckAny(3))
	L.Push(t)
	return 1
}

// errorHandler turns what a failing script raised into Redis's error
// table, {err=..., source=..., line=...}: a string or other value becomes
// "ERR <text>", and the position is the innermost Lua function's.
func (e *scriptState) errorHandler(L *lua.LState) int {
	v := L.Get(1)
	t, ok := v.(*lua.LTable)
	if !ok {
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR "+luaToString(v)))
	}
	if src, line := luaPosition(L); src != "" {
		t.RawSetString("source", lua.LString("@"+src))
		t.RawSetString("line", lua.LNumber(line))
	}
	L.Push(t)
	return 1
}

// luaToString is Lua's tostring for the values an error can be.
func luaToString(v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return lualib.NumberString(float64(v))
	}
	return v.String()
}

// coerceNumberArgs has the library functions that take integers read a
// string that holds a number as that number, as Lua 5.1's luaL_checkint
// and luaL_optint do: string.sub(s, ARGV[1]) and select(ARGV[1], ...)
// run in Redis, and gopher-lua's refuse the string.
func coerceNumberArgs(L *lua.LState, g *lua.LTable) {
	wrap := func(lib *lua.LTable, name string, pos ...int) {
		fn := lib.RawGetString(name).(*lua.LFunction)
		lib.RawSetString(name, L.NewFunction(lualib.NumberArgs(fn.GFunction, pos...)))
	}
	str := g.RawGetString("string").(*lua.LTable)
	wrap(str, "byte", 2, 3)
	wrap(str, "char", 0)
	wrap(str, "find", 3)
	wrap(str, "match", 3)
	wrap(str, "gsub", 4)
	wrap(str, "rep", 2)
	wrap(str, "sub", 2, 3)
	tbl := g.RawGetString("table").(*lua.LTable)
	wrap(tbl, "concat", 3, 4)
	wrap(tbl, "remove", 2)
	// table.insert(t, pos, v) takes a position; table.insert(t, v)
	// appends v as it is.
	insert := tbl.RawGetString("insert").(*lua.LFunction).GFunction
	tbl.RawSetString("insert", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() == 3 {
			lualib.CoerceNumber(L, 2)
		}
		return insert(L)
	}))
	wrap(g, "select", 1)
	wrap(g, "unpack", 2, 3)
}

// scriptSHA is the hex SHA1 of a script's body, its name in the cache.
func scriptSHA(body []byte) string {
	sum := sha1.Sum(body)
	return hex.EncodeToString(sum[:])
}

// parseShebang reads the flags of a script that starts with "#!": the
// engine must be lua, and the only option is flags=. It returns the flags
// and the length of the shebang line (without its newline), which is left
// out of what is compiled.
func parseShebang(body []byte) (scriptFlag, int, string) {
	if len(body) < 2 || body[0] != '#' || body[1] != '!' {
		return scriptCompat, 0, ""
	}
	n := strings.IndexByte(string(body), '\n')
	if n < 0 {
		return 0, 0, "ERR Invalid script shebang"
	}
	parts, ok := splitArgs(string(body[:n]))
	if !ok || len(parts) == 0 {
		return 0, 0, "ERR Invalid script shebang"
	}
	if parts[0] != "#!lua" {
		return 0, 0, "ERR Unexpected engine in script shebang: " + parts[0]
	}
	var flags scriptFlag
	for _, p := range parts[1:] {
		if len(p) < 6 || !strings.EqualFold(p[:6], "flags=") {
			return 0, 0, "ERR Unknown lua shebang option: " + p
		}
		if p[6:] == "" {
			continue
		}
	names:
		for _, name := range strings.Split(p[6:], ",") {
			for _, f := range scriptFlagNames {
				if f.name == name {
					flags |= f.flag
					continue names
				}
			}
			return 0, 0, "ERR Unexpected flag in script shebang: " + name
		}
	}
	return flags, n, ""
}

// splitArgs splits a line into words as Redis's sdssplitargs does for
// plain words: spaces separate them; a quoted word is taken whole. It
// reports false for unbalanced quotes.
func splitArgs(line string) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return out, true
		}
		var w strings.Builder
		for i < len(line) && !isSpace(line[i]) {
			if q := line[i]; q == '"' || q == '\'' {
				end := strings.IndexByte(line[i+1:], q)
				if end < 0 {
					return nil, false
				}
				w.WriteString(line[i+1 : i+1+end])
				i += end + 2
				continue
			}
			w.WriteByte(line[i])
			i++
		}
		out = append(out, w.String())
	}
}

// maxLuaString bounds what string.rep builds: 512 MB, Redis's default
// proto-max-bulk-len.
const maxLuaString = 512 << 20

// maxSyntaxDepth bounds the nesting of brackets and blocks in a script, as
// Lua's LUAI_MAXCCALLS (200) does: the compiler recurses on each level.
const maxSyntaxDepth = 200

// compile compiles body and caches it under sha. It returns the error
// reply Redis sends for a script that does not compile, or "".
func (e *scriptState) compile(body []byte, sha string) (*luaScript, string) {
	flags, skip, msg := parseShebang(body)
	if msg != "" {
		return nil, msg
	}
	// The shebang's newline stays, so line numbers count from the body's
	// first line.
	code := string(body[skip:])
	if syntaxDepth(code) > maxSyntaxDepth {
		return nil, "ERR Error compiling script (new function): user_script: chunk has too many syntax levels"
	}
	fn, err := e.L.Load(strings.NewReader(code), "user_script")
	if err != nil {
		return nil, "ERR Error compiling script (new function): " + strings.TrimSpace(err.Error())
	}
	fn.Env = e.env
	sc := &luaScript{fn: fn, flags: flags}
	e.scripts[sha] = sc
	return sc, ""
}

// syntaxDepth is the deepest nesting of brackets and of blocks (function,
// do, then, repeat, opened; end, until, closed) in code, outside strings
// and comments, plus the longest run of operators that Lua's compiler
// recurses on (concatenation, which is right-associative, and the unary
// operators) between brackets, keywords and separators: a conservative
// bound on how deep compiling it recurses. (gopher-lua's compiler takes
// time quadratic in such a run, and stack in proportion.)
func syntaxDepth(code string) int {
	depth, deepest, chain := 0, 0, 0
	for i := 0; i < len(code); {
		c := code[i]
		switch {
		case c == '.' && strings.HasPrefix(code[i:], ".."):
			chain++
			i += 2
			deepest = max(deepest, depth+chain)
			continue
		case c == '-' && !strings.HasPrefix(code[i:], "--") || c == '#':
			chain++
		case c == ',' || c == ';' || c == '=':
			chain = 0
		case c == '-' && strings.HasPrefix(code[i:], "--"):
			i += 2
			if n := longBracket(code[i:]); n > 0 {
				i += skipLong(code[i:], n)
			} else {
				for i < len(code) && code[i] != '\n' {
					i++
				}
			}
			continue
		case c == '[' && longBracket(code[i:]) > 0:
			i += skipLong(code[i:], longBracket(code[i:]))
			continue
		case c == '"' || c == '\'':
			i++
			for i < len(code) && code[i] != c && code[i] != '\n' {
				if code[i] == '\\' {
					i++
				}
				i++
			}
			i++
			continue
		case c == '(' || c == '[' || c == '{':
			depth++
			chain = 0
		case c == ')' || c == ']' || c == '}':
			depth--
			chain = 0
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(code) && (code[j] == '_' || code[j] >= 'a' && code[j] <= 'z' ||
				code[j] >= 'A' && code[j] <= 'Z' || code[j] >= '0' && code[j] <= '9') {
				j++
			}
			switch code[i:j] {
			case "function", "do", "then", "repeat":
				depth++
				chain = 0
			case "end", "until":
				depth--
				chain = 0
			case "not":
				chain++
			case "and", "or", "local", "return", "if", "else", "elseif", "while", "for", "in", "break":
				chain = 0
			}
			deepest = max(deepest, depth+chain)
			i = j
			continue
		}
		deepest = max(deepest, depth+chain)
		i++
	}
	return deepest
}

// longBracket returns, for s starting with a long bracket ("[[", "[==["),
// its length, else 0.
func longBracket(s string) int {
	if len(s) < 2 || s[0] != '[' {
		return 0
	}
	i := 1
	for i < len(s) && s[i] == '=' {
		i++
	}
	if i < len(s) && s[i] == '[' {
		return i + 1
	}
	return 0
}

// skipLong returns how many bytes of s the long string or comment that
// opens with a bracket of length n takes, up to its closing bracket.
func skipLong(s string, n int) int {
	closing := "]" + strings.Repeat("=", n-2) + "]"
	if j := strings.Index(s[n:], closing); j >= 0 {
		return n + j + len(closing)
	}
	return len(s)
}

// The generator of math.random: Redis's rand48. Redis 7.0 no longer seeds
// it before each script (scripts replicate their effects, so they need
// not be deterministic): it runs on from script to script.
const rand48Max = math.MaxInt32

func (e *scriptState) seed48(seed int32) {
	e.rand48 = (uint64(uint32(seed))<<16 | 0x330e) & (1<<48 - 1)
}

func (e *scriptState) lrand48() int32 {
	e.rand48 = (e.rand48*0x5deece66d + 0xb) & (1<<48 - 1)
	return int32(e.rand48 >> 17)
}

func (e *scriptState) mathRandom(L *lua.LState) int {
	r := float64(e.lrand48()%rand48Max) / rand48Max
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := L.CheckInt(1)
		if u < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l, u := L.CheckInt(1), L.CheckInt(2)
		if l > u {
			L.ArgError(2, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (e *scriptState) mathRandomseed(L *lua.LState) int {
	e.seed48(int32(L.CheckInt(1)))
	return 0
}

// runScript runs sc for the EVAL in c with its keys and arguments, and
// returns its reply; oom is whether memory was over maxmemory when EVAL
// came (Redis's pre_command_oom_state). Called with s.mu held.
func (s *Server) runScript(c *Ctx, sc *luaScript, sha string, keys, args [][]byte, ro, oom bool) Reply {
	e := s.scripting()
	e.globals.RawSetString("KEYS", stringsTable(e.L, keys))
	e.globals.RawSetString("ARGV", stringsTable(e.L, args))
	defer func() {
		e.globals.RawSetString("KEYS", lua.LNil)
		e.globals.RawSetString("ARGV", lua.LNil)
	}()
	return s.runLua(c, e, sc, sha, nil, ro, oom)
}

// runLua calls sc's function in engine e with params (FCALL's keys and
// arguments; EVAL's are globals) for the command in c, and returns its
// reply; name is what errors call it (a script's SHA1, a function's
// name). Called with s.mu held.
func (s *Server) runLua(c *Ctx, e *scriptState, sc *luaScript, name string, params []lua.LValue, ro, oom bool) Reply {
	L := e.L
	run := &scriptRun{
		flags: sc.flags, repl: replAll,
		readOnly: ro || sc.flags&scriptNoWrites != 0,
		oom:      oom,
		now:      time.UnixMilli(c.Now),
	}
	e.run = run
	e.client.db = c.cl.db
	e.client.proto = 2
	e.client.flags = c.cl.flags & (flagReadonly | flagAsking)
	defer func() {
		e.run = nil
		L.SetTop(0)
	}()
	L.SetContext(s.luaWatch.begin(name, params != nil, c.Args))
	L.Push(sc.fn)
	for _, p := range params {
		L.Push(p)
	}
	err := L.PCall(len(params), 1, e.handler)
	L.RemoveContext()
	if killed, shutdown := s.luaWatch.end(); killed || shutdown {
		return s.scriptStopped(err, name, shutdown)
	}
	if err != nil {
		return scriptError(err, name)
	}
	return luaReply(L.Get(-1), c.cl.proto, e.client.proto)
}

// stringsTable makes a Lua array of strings.
func stringsTable(L *lua.LState, b [][]byte) *lua.LTable {
	t := L.CreateTable(len(b), 0)
	for _, v := range b {
		t.Append(lua.LString(v))
	}
	return t
}

// scriptError is the reply to a script that raised an error: the error
// table's message followed by the script and the position, as Redis 7.0
// writes them ("... script: <sha>, on @user_script:1.").
func scriptError(err error, sha string) Reply {
	api, ok := err.(*lua.ApiError)
	if !ok {
		return Err("ERR Error running script f_" + sha + ", " + err.Error())
	}
	t, ok := api.Object.(*lua.LTable)
	if !ok {
		msg := luaToString(api.Object)
		if len(msg) > 100 {
			msg = msg[:100]
		}
		return Err("ERR Error running script f_" + sha + ", " + msg)
	}
	msg, ok := t.RawGetString("err").(lua.LString)
	if !ok {
		msg = "ERR unknown error"
	}
	out := string(msg)
	src, srcOK := t.RawGetString("source").(lua.LString)
	line, lineOK := t.RawGetString("line").(lua.LNumber)
	if srcOK && lineOK {
		out += fmt.Sprintf(" script: %s, on %s:%d.", sha, src, int(line))
	}
	return Err(out)
}
