package server

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Redis 7.0's functions: libraries of Lua code loaded with FUNCTION LOAD,
// which registers named functions (redis.register_function) that FCALL
// runs. They run on the scripting engine (script.go) in a Lua state of
// their own, as in Redis: SCRIPT FLUSH leaves them and FUNCTION FLUSH
// starts the state anew. While a library's code loads, its globals are
// only the redis table of the load API (register_function, log, the
// constants); the functions it registered see every global when they
// run. Libraries are part of the dataset: the AOF and RDB files keep
// them.

// functionLoadTimeout is how long a library's code may run while it
// loads, as in Redis.
const functionLoadTimeout = 500 * time.Millisecond

// funcLibrary is a loaded library.
type funcLibrary struct {
	name  string
	code  string
	funcs []*luaFunction // in the order they were registered
}

// luaFunction is a registered function.
type luaFunction struct {
	luaScript // its callback and flags
	name      string
	desc      string
	hasDesc   bool
	lib       *funcLibrary
}

// functionState is the server's functions and the engine they run in.
// Guarded by s.mu.
type functionState struct {
	e       *scriptState
	libs    map[string]*funcLibrary
	funcs   map[string]*luaFunction
	load    *lua.LTable  // the globals of library code while it loads
	loading *funcLibrary // the library being loaded, nil otherwise
}

// functionEngine returns the functions' state, starting it on first use.
// Called with s.mu held.
func (s *Server) functionEngine() *functionState {
	if s.functions == nil {
		s.functions = s.newFunctionState()
	}
	return s.functions
}

// newFunctionState starts a Lua state for functions, with the load API.
func (s *Server) newFunctionState() *functionState {
	e := s.newScriptState()
	L := e.L
	f := &functionState{e: e, libs: map[string]*funcLibrary{}, funcs: map[string]*luaFunction{}}
	missing := e.metatable(map[string]lua.LValue{
		"__index": L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", L.CheckAny(2).String())
			return 0
		}),
	})
	api := L.NewTable()
	api.RawSetString("register_function", L.NewFunction(f.registerFunction))
	redis := e.real[e.globals.RawGetString("redis").(*lua.LTable)]
	for _, name := range []string{"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM"} {
		api.RawSetString(name, redis.RawGetString(name))
	}
	L.SetMetatable(api, missing)
	f.load = L.NewTable()
	f.load.RawSetString("redis", e.protect(api))
	L.SetMetatable(f.load, missing)
	return f
}

// flushFunctions drops every library and starts a fresh Lua state, as
// FUNCTION FLUSH does. Called with s.mu held.
func (s *Server) flushFunctions() {
	if s.functions != nil {
		s.functions.e.L.Close()
		s.functions = nil
	}
}

// isFunctionName reports whether name is a valid library or function
// name: letters, digits and underscores, at least one.
func isFunctionName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

const msgBadLibraryName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

// libraryMetadata reads a library's shebang ("#!lua name=mylib") and
// returns its name, or the error Redis gives.
func libraryMetadata(code string) (string, string) {
	if !strings.HasPrefix(code, "#!") {
		return "", "ERR Missing library metadata"
	}
	line, _, ok := strings.Cut(code[2:], "\n")
	if !ok {
		return "", "ERR Invalid library metadata"
	}
	parts, ok := splitArgs(line)
	if !ok || len(parts) == 0 {
		return "", "ERR Invalid library metadata"
	}
	engine, name, named := parts[0], "", false
	for _, p := range parts[1:] {
		if len(p) < 5 || !strings.EqualFold(p[:5], "name=") {
			return "", "ERR Invalid metadata value given: " + p
		}
		if named {
			return "", "ERR Invalid metadata value, name argument was given multiple times"
		}
		name, named = p[5:], true
	}
	switch {
	case !named:
		return "", "ERR Library name was not given"
	case !isFunctionName(name):
		return "", "ERR " + msgBadLibraryName
	case !strings.EqualFold(engine, "lua"):
		return "", "ERR Engine '" + engine + "' not found"
	}
	return name, ""
}

// loadLibrary compiles and runs a library's code, for at most timeout
// (0: no limit, for a file being loaded), and links what it registered in
// place of the library of the same name when replace is set. It returns
// the library's name, or the error Redis gives. Called with s.mu held.
func (s *Server) loadLibrary(code string, replace bool, timeout time.Duration) (string, string) {
	f := s.functionEngine()
	lib, msg := f.build(code, func(name string) string {
		if f.libs[name] != nil && !replace {
			return "ERR Library '" + name + "' already exists"
		}
		return ""
	}, timeout)
	if msg != "" {
		return "", msg
	}
	return lib.name, f.link([]*funcLibrary{lib}, true, "")
}

// build compiles and runs a library's code into a library that is not
// linked yet; check may refuse its name (FUNCTION LOAD without REPLACE
// refuses one in use) before the code runs.
func (f *functionState) build(code string, check func(name string) string, timeout time.Duration) (*funcLibrary, string) {
	name, msg := libraryMetadata(code)
	if msg == "" {
		msg = check(name)
	}
	if msg != "" {
		return nil, msg
	}
	lib := &funcLibrary{name: name, code: code}
	if msg := f.run(lib, timeout); msg != "" {
		return nil, msg
	}
	if len(lib.funcs) == 0 {
		return nil, "ERR No functions registered"
	}
	return lib, ""
}

// link adds libs, in place of the libraries of their names when replace
// is set, or changes nothing and returns the error Redis gives: a
// library name in use (exists is its message), a function name in use.
func (f *functionState) link(libs []*funcLibrary, replace bool, exists string) string {
	old := map[*funcLibrary]bool{}
	for _, lib := range libs {
		if prev := f.libs[lib.name]; prev != nil {
			if !replace {
				return fmt.Sprintf(exists, lib.name)
			}
			old[prev] = true
		}
	}
	for _, lib := range libs {
		for _, fn := range lib.funcs {
			if other := f.funcs[fn.name]; other != nil && !old[other.lib] {
				return "ERR Function " + fn.name + " already exists"
			}
		}
	}
	for prev := range old {
		f.unlink(prev)
	}
	for _, lib := range libs {
		f.libs[lib.name] = lib
		for _, fn := range lib.funcs {
			f.funcs[fn.name] = fn
		}
	}
	return ""
}

// restoreLibraries loads the libraries of a FUNCTION DUMP payload, as
// FUNCTION RESTORE does with policy "flush" (in place of every library),
// "append" (refused when a name is in use) or "replace" (in place of the
// libraries of the same names). Called with s.mu held.
func (s *Server) restoreLibraries(codes []string, policy string) string {
	f := s.functionEngine()
	var libs []*funcLibrary
	fresh := &functionState{libs: map[string]*funcLibrary{}, funcs: map[string]*luaFunction{}}
	for _, code := range codes {
		lib, msg := f.build(code, func(name string) string {
			if fresh.libs[name] != nil {
				return "ERR Library '" + name + "' already exists"
			}
			return ""
		}, 0)
		if msg == "" {
			msg = fresh.link([]*funcLibrary{lib}, false, "")
		}
		if msg != "" {
			return msg
		}
		libs = append(libs, lib)
	}
	if policy == "flush" {
		f.libs, f.funcs = fresh.libs, fresh.funcs
		return ""
	}
	return f.link(libs, policy == "replace", "ERR Library %s already exists")
}

// unlink removes a library and its functions.
func (f *functionState) unlink(lib *funcLibrary) {
	for _, fn := range lib.funcs {
		delete(f.funcs, fn.name)
	}
	delete(f.libs, lib.name)
}

// run compiles lib's code and runs it with the load API as its globals,
// for at most timeout (0: no limit), collecting the functions it
// registers.
func (f *functionState) run(lib *funcLibrary, timeout time.Duration) string {
	e := f.e
	L := e.L
	// The shebang's line stays, empty, so that lines count from the top.
	body := lib.code[strings.IndexByte(lib.code, '\n'):]
	if syntaxDepth(body) > maxSyntaxDepth {
		return "ERR Error compiling function: user_function: chunk has too many syntax levels"
	}
	fn, err := L.Load(strings.NewReader(body), "user_function")
	if err != nil {
		return "ERR Error compiling function: " + strings.TrimSpace(err.Error())
	}
	fn.Env = e.env
	e.envMeta.RawSetString("__index", f.load)
	f.loading = lib
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
		L.SetContext(ctx)
	}
	defer func() {
		cancel()
		L.RemoveContext()
		f.loading = nil
		e.envMeta.RawSetString("__index", e.globals)
		L.SetTop(0)
	}()
	L.Push(fn)
	if err := L.PCall(0, 0, e.handler); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "ERR Error registering functions: ERR FUNCTION LOAD timeout"
		}
		return "ERR Error registering functions: " + errorText(err)
	}
	return ""
}

// errorText is the message of the error a Lua call raised: its error
// table's err field, as Redis reports a library's load errors.
func errorText(err error) string {
	if api, ok := err.(*lua.ApiError); ok {
		if t, ok := api.Object.(*lua.LTable); ok {
			if msg, ok := t.RawGetString("err").(lua.LString); ok {
				return string(msg)
			}
		}
		return "ERR " + luaToString(api.Object)
	}
	return "ERR " + err.Error()
}

// registerFunction is redis.register_function, in the load API:
// register_function(name, callback) or register_function{function_name=,
// callback=, flags=, description=}.
func (f *functionState) registerFunction(L *lua.LState) int {
	lib := f.loading
	if lib == nil {
		raiseError(L, "redis.register_function can only be called on FUNCTION LOAD command")
	}
	fn := &luaFunction{lib: lib}
	switch L.GetTop() {
	case 1:
		if msg := readNamedArgs(L, fn); msg != "" {
			raiseError(L, msg)
		}
	case 2:
		name, ok := L.Get(1).(lua.LString)
		if !ok {
			if n, isNum := L.Get(1).(lua.LNumber); isNum {
				name, ok = lua.LString(luaToString(n)), true
			}
		}
		if !ok {
			raiseError(L, "first argument to redis.register_function must be a string")
		}
		cb, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			raiseError(L, "second argument to redis.register_function must be a function")
		}
		fn.name, fn.fn = string(name), cb
	default:
		raiseError(L, "wrong number of arguments to redis.register_function")
	}
	if !isFunctionName(fn.name) {
		raiseError(L, msgBadLibraryName) // Redis 7.0's words for a bad function name
	}
	for _, other := range lib.funcs {
		if other.name == fn.name {
			raiseError(L, "Function already exists in the library")
		}
	}
	lib.funcs = append(lib.funcs, fn)
	return 0
}

// readNamedArgs reads register_function's table of named arguments into
// fn, or returns the error Redis raises.
func readNamedArgs(L *lua.LState, fn *luaFunction) string {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		return "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."
	}
	named := false
	msg := ""
	luaString := func(v lua.LValue) (string, bool) {
		switch v := v.(type) {
		case lua.LString:
			return string(v), true
		case lua.LNumber:
			return luaToString(v), true
		}
		return "", false
	}
	t.ForEach(func(k, v lua.LValue) {
		if msg != "" {
			return
		}
		key, ok := luaString(k)
		if !ok {
			msg = "named argument key given to redis.register_function is not a string"
			return
		}
		switch strings.ToLower(key) {
		case "function_name":
			if fn.name, ok = luaString(v); !ok {
				msg = "function_name argument given to redis.register_function must be a string"
			}
			named = ok
		case "description":
			if fn.desc, ok = luaString(v); !ok {
				msg = "description argument given to redis.register_function must be a string"
			}
			fn.hasDesc = ok
		case "callback":
			if fn.fn, ok = v.(*lua.LFunction); !ok {
				msg = "callback argument given to redis.register_function must be a function"
			}
		case "flags":
			flags, ok := v.(*lua.LTable)
			if !ok {
				msg = "flags argument to redis.register_function must be a table representing function flags"
				return
			}
			for i := 1; ; i++ {
				fv := flags.RawGetInt(i)
				if fv == lua.LNil {
					break
				}
				name, ok := luaString(fv)
				flag := scriptFlag(0)
				for _, d := range scriptFlagNames {
					if ok && strings.EqualFold(d.name, name) {
						flag = d.flag
					}
				}
				if flag == 0 {
					msg = "unknown flag given"
					return
				}
				fn.flags |= flag
			}
		default:
			msg = "unknown argument given to redis.register_function"
		}
	})
	switch {
	case msg != "":
		return msg
	case !named:
		return "redis.register_function must get a function name argument"
	case fn.fn == nil:
		return "redis.register_function must get a callback argument"
	}
	return ""
}

// functionStats is FUNCTION STATS: the function running, if one is, and
// the engine's counts. Called with s.mu held, or during a busy script
// with s.luaWatch.mu held (w set).
func (s *Server) functionStats(w *scriptWatch) Reply {
	running := Null()
	if w != nil && w.function {
		argv := make([]Reply, len(w.argv))
		for i, a := range w.argv {
			argv[i] = BulkString(string(a))
		}
		running = Map(
			BulkString("name"), BulkString(w.name),
			BulkString("command"), Array(argv...),
			BulkString("duration_ms"), Int(time.Since(w.start).Milliseconds()),
		)
	}
	libs, funcs := 0, 0
	if s.functions != nil {
		libs, funcs = len(s.functions.libs), len(s.functions.funcs)
	}
	return Map(
		BulkString("running_script"), running,
		BulkString("engines"), Map(BulkString("LUA"), Map(
			BulkString("libraries_count"), Int(int64(libs)),
			BulkString("functions_count"), Int(int64(funcs)),
		)),
	)
}

// libraryCodes returns the code of every library, in name order, for the
// files that keep them. Called with s.mu held.
func (s *Server) libraryCodes() []string {
	if s.functions == nil {
		return nil
	}
	names := make([]string, 0, len(s.functions.libs))
	for name := range s.functions.libs {
		names = append(names, name)
	}
	sort.Strings(names)
	codes := make([]string, len(names))
	for i, name := range names {
		codes[i] = s.functions.libs[name].code
	}
	return codes
}

// loadLibraryCode loads a library read from an RDB file or an AOF's RDB
// preamble, with no time limit, as Redis loads them.
func (s *Server) loadLibraryCode(code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, msg := s.loadLibrary(code, false, 0); msg != "" {
		return fmt.Errorf("server: loading a function library: %s", msg)
	}
	return nil
}
