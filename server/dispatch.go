package server

import (
	"fmt"
	"strings"
	"time"

	"quordis/conf"
)

// handle runs one request for c and appends the reply to out. It follows
// the order of checks of Redis's processCommand: lookup, arity, protected
// commands, authentication, commands refused inside MULTI, cluster
// redirection, maxmemory, disk errors, transaction queueing, then
// execution (the check for loading comes before maxmemory here, where
// Redis makes it after the disk errors). Called with s.mu held.
func (s *Server) handle(c *client, args [][]byte, out []byte) []byte {
	return s.handleAt(c, args, out, s.clock())
}

// handleAt is handle at the time now, which the caller read (see
// Server.nowAfter).
func (s *Server) handleAt(c *client, args [][]byte, out []byte, now time.Time) []byte {
	if !s.tracking.active() && c.track == nil {
		return s.handleCmd(c, args, out, now)
	}
	s.tracking.cur = c
	out = s.handleCmd(c, args, out, now)
	return s.trackingAfter(c, s.table.get(args[0]), out)
}

// handleCmd is handleAt without client-side caching's work.
func (s *Server) handleCmd(c *client, args [][]byte, out []byte, now time.Time) []byte {
	// now as a monotonic reading: call times the command from it, and
	// until call sets it to the command's end, a refused or queued command
	// ends when it starts (it takes next to no time).
	s.callEnd = now.Sub(s.mono.Base())
	c.lastActive = now
	cmd, errMsg := resolve(c.last.get(s.table, args[0]), args)
	if errMsg != "" {
		return s.reject(c, cmd, out, errMsg)
	}
	c.lastCmd = cmd.FullName()
	cfg := s.config()
	if cmd.Flags&FlagProtected != 0 {
		if msg := protectedDenial(cmd, cfg, c); msg != "" {
			return s.reject(c, cmd, out, msg)
		}
	}
	if !c.authenticated && cmd.Flags&FlagNoAuth == 0 {
		return s.reject(c, cmd, out, msgNoAuth)
	}
	if c.flags&flagMulti != 0 && cmd.Flags&FlagNoMulti != 0 {
		return s.reject(c, cmd, out, "ERR Command not allowed inside a transaction")
	}
	if s.cluster != nil {
		asking := c.flags&flagAsking != 0
		if asking && c.flags&flagMulti == 0 && cmd.Name != "asking" && cmd.Name != "multi" {
			c.flags &^= flagAsking // ASKING holds for one command (or one transaction)
		}
		if msg := s.routeCluster(c, cmd, args, asking, now.UnixMilli()); msg != "" {
			if cmd.Name == "exec" {
				// Redis discards the transaction and redirects as it
				// would any command, without EXECABORT.
				s.discardTransaction(c)
				return s.refuse(c, cmd, out, msg)
			}
			return s.reject(c, cmd, out, msg)
		}
	}
	if s.persist.loading && cmd.Flags&FlagLoading == 0 {
		return s.reject(c, cmd, out, "LOADING Redis is loading the dataset in memory")
	}
	if cfg.MaxMemory > 0 && !s.performEvictions(now) && denyOOM(c, cmd) {
		s.flushEffects(false)
		return s.reject(c, cmd, out, msgOOM)
	}
	if cmd.Flags&FlagWrite != 0 || queuedFlags(c, cmd)&FlagWrite != 0 || cmd.Name == "ping" {
		if msg := s.diskError(); msg != "" {
			return s.reject(c, cmd, out, msg)
		}
	}
	if c.flags&flagPubSub != 0 && c.proto == 2 && !allowedInPubSub(cmd) {
		return s.reject(c, cmd, out, msgPubSubContext(cmd))
	}
	if c.flags&flagMulti != 0 && !controlsTransaction(cmd) {
		// A transaction that can no longer run queues nothing more, as in
		// Redis's queueMultiCommand; in cluster mode, EXEC then routes by
		// the keys of what was queued before (routeCluster).
		if c.flags&(flagDirtyExec|flagDirtyCAS) == 0 {
			c.multi = append(c.multi, queuedCommand{cmd: cmd, args: copyArgs(args)})
		}
		return s.appendClientReply(c, out, replyQueued)
	}
	seq := s.persist.aofSeq
	r := s.call(c, cmd, args, now)
	s.flushEffects(true)
	s.noteDurability(c, s.persist.aofSeq != seq)
	if len(s.readyKeys) > 0 {
		s.serveReadyKeys(now)
	}
	return s.appendClientReply(c, out, r)
}

// lookup finds the command (or subcommand) args names, or returns the error
// Redis sends for an unknown command, an unknown subcommand or a wrong
// number of arguments.
func (s *Server) lookup(args [][]byte) (*Command, string) {
	return resolve(s.table.get(args[0]), args)
}

// resolve is lookup once the name args[0] resolved to cmd (nil: unknown).
func resolve(cmd *Command, args [][]byte) (*Command, string) {
	if cmd == nil {
		return nil, unknownCommand(args)
	}
	if len(cmd.subs) > 0 && len(args) >= 2 {
		sub := cmd.sub(args[1])
		if sub == nil {
			return nil, fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.",
				truncate(args[1], 128), strings.ToUpper(cmd.Name))
		}
		cmd = sub
	}
	if !cmd.arityOK(len(args)) {
		return cmd, "ERR wrong number of arguments for '" + cmd.FullName() + "' command"
	}
	return cmd, ""
}

// unknownCommand builds Redis's error for an unknown command: the name and
// the first arguments, quoted, about 128 bytes in all.
func unknownCommand(args [][]byte) string {
	var b strings.Builder
	b.WriteString("ERR unknown command '")
	b.Write(truncate(args[0], 128))
	b.WriteString("', with args beginning with: ")
	start := b.Len()
	for _, a := range args[1:] {
		n := b.Len() - start
		if n >= 128 {
			break
		}
		b.WriteByte('\'')
		b.Write(truncate(a, 128-n))
		b.WriteString("' ")
	}
	return b.String()
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// protectedDenial returns the error for a protected command that its
// setting does not allow for c (DEBUG: enable-debug-command; MODULE LOAD,
// LOADEX and UNLOAD: enable-module-command), or "".
func protectedDenial(cmd *Command, cfg *conf.Config, c *client) string {
	if cmd.parent != nil {
		cmd = cmd.parent
	}
	setting, option := cfg.EnableDebugCommand, "enable-debug-command"
	if cmd.Name == "module" {
		setting, option = cfg.EnableModuleCommand, "enable-module-command"
	}
	switch setting {
	case "yes":
		return ""
	case "local":
		if isLoopback(c.conn.RemoteAddr()) {
			return ""
		}
	}
	name := strings.ToUpper(cmd.Name)
	return "ERR " + name + " command not allowed. If the " + option + ` option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`
}

// controlsTransaction reports whether cmd runs at once inside MULTI instead
// of being queued.
func controlsTransaction(cmd *Command) bool {
	switch cmd.FullName() {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

// reject answers a request that was refused before running. Inside MULTI
// the refusal also makes EXEC fail, as Redis's flagTransaction does. A
// refused EXEC discards the transaction and the watched keys, even
// outside MULTI, and says why after EXECABORT, as Redis's execCommandAbort
// does (without the ERR of an error that has no code of its own).
func (s *Server) reject(c *client, cmd *Command, out []byte, msg string) []byte {
	if cmd != nil && cmd.Name == "exec" {
		s.discardTransaction(c)
		msg = "EXECABORT Transaction discarded because of: " + strings.TrimPrefix(msg, "ERR ")
	}
	return s.refuse(c, cmd, out, msg)
}

// refuse is reject without EXEC's abort.
func (s *Server) refuse(c *client, cmd *Command, out []byte, msg string) []byte {
	if c.flags&flagMulti != 0 {
		c.flags |= flagDirtyExec
	}
	if cmd != nil {
		cmd.stats.rejected++
	}
	s.countError(msg)
	return s.appendClientReply(c, out, Err(msg))
}

// call runs a command that passed every check, with its statistics,
// slowlog entry, MONITOR feed and effect propagation. EXEC calls it for
// each queued command. Called with s.mu held.
func (s *Server) call(c *client, cmd *Command, args [][]byte, now time.Time) Reply {
	s.feedMonitors(c, args, now)
	var written []dbKey
	if cmd.Flags&FlagWrite != 0 {
		var wbuf [16]dbKey // declared here so that reads do not clear it
		written = s.writtenKeys(c.db, cmd, args, wbuf[:0])
		if s.snap != nil {
			s.snapshotHook(cmd, written)
		}
	}
	nested := s.ctxDepth > 0
	ctx := s.acquireCtx()
	defer s.releaseCtx()
	// Field by field (releaseCtx left the rest zero): building the whole
	// struct on the stack and copying it in costs more.
	ctx.s, ctx.cl, ctx.Cmd, ctx.Args = s, c, cmd, args
	ctx.DB, ctx.Now, ctx.Rand = s.store.DB(c.db), now.UnixMilli(), s.rng
	// Durations come from the monotonic clock alone (s.mono), which is
	// much cheaper to read than the wall clock. A top-level command starts
	// at now, which handleAt has kept as a monotonic reading (callEnd); a
	// command that EXEC runs shares EXEC's now, and a test clock has no
	// monotonic reading, so those read the clock themselves.
	start := s.callEnd
	if nested || s.anchor.Load() == nil {
		start = s.mono.Since()
	}
	var r Reply
	s.trackWrite(written, ctx.Now, func() { r = s.runHandler(ctx) })
	// A resync of s.mono between the two readings can move it back by a
	// fraction of a microsecond.
	end := s.mono.Since()
	elapsed := max(end-start, 0)
	if !nested {
		s.callEnd = end
	}

	st := &cmd.stats
	st.calls++
	usec := elapsed.Microseconds()
	st.usec += usec
	if r.kind != kindBlocked {
		// A command that blocks is tracked when it is served (see
		// serveBlocked), and not at all when it times out, as in Redis.
		s.latencyTrack(cmd, usec)
	}
	if r.kind == kindError {
		st.failed++
		s.countError(r.str())
	}
	s.stats.commandsProcessed++
	if ctx.dirty > 0 {
		s.dirty += int64(ctx.dirty)
		if !ctx.noProp && s.propagating() {
			if len(ctx.effects) > 0 {
				for _, e := range ctx.effects {
					s.queueEffect(ctx.DB.ID(), e)
				}
			} else {
				// Not copied: args outlive the effect, which the
				// propagator has encoded before anything reuses them
				// (handle flushes right after call; EXEC's queued
				// commands own their arguments).
				s.queueEffect(ctx.DB.ID(), args)
			}
		}
	}
	if cmd.Flags&FlagSkipSlowlog == 0 {
		s.slowlogAdd(c, args, now, elapsed)
	}
	if cmd.Flags&FlagReadonly != 0 && s.tracking.clients > 0 {
		// A read-only script's keys are not its reads: the commands it
		// runs are, and count as its caller's.
		if name := cmd.Name; name != "eval_ro" && name != "evalsha_ro" && name != "fcall_ro" {
			caller := c
			if s.scriptRunning() && s.tracking.cur != nil {
				caller = s.tracking.cur
			}
			s.trackingRemember(caller, cmd, args)
		}
	}
	return r
}

// acquireCtx returns a Ctx for the next (possibly nested, under EXEC) call,
// reused from earlier calls so that a command does not allocate one.
// Called with s.mu held.
func (s *Server) acquireCtx() *Ctx {
	if s.ctxDepth == len(s.ctxs) {
		s.ctxs = append(s.ctxs, &Ctx{})
	}
	ctx := s.ctxs[s.ctxDepth]
	s.ctxDepth++
	return ctx
}

// releaseCtx ends the innermost call's use of its Ctx, dropping what it
// references. Called with s.mu held.
func (s *Server) releaseCtx() {
	s.ctxDepth--
	ctx := s.ctxs[s.ctxDepth]
	clear(ctx.effects)
	// Field by field, as call fills it; TestReleasedCtxHoldsNothing checks
	// that none is forgotten.
	ctx.cl, ctx.Cmd, ctx.Args, ctx.DB, ctx.Rand = nil, nil, nil, nil, nil
	ctx.Now, ctx.dirty, ctx.effects, ctx.noProp = 0, 0, ctx.effects[:0], false
}

// runHandler runs the handler, turning a panic into an error reply so one
// faulty command cannot take the server down. It is the one place that
// recovers a panicking command.
func (s *Server) runHandler(ctx *Ctx) (r Reply) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("command panicked", "command", ctx.Cmd.FullName(), "panic", fmt.Sprint(p))
			r = Err(fmt.Sprintf("ERR internal error running '%s'", ctx.Cmd.FullName()))
		}
	}()
	return ctx.Cmd.Handler(ctx)
}

// appendClientReply encodes r for c unless c asked for no replies (CLIENT
// REPLY OFF, or SKIP for this one command), then moves a pending SKIP on to
// the next command, as Redis does after every processed command.
func (s *Server) appendClientReply(c *client, out []byte, r Reply) []byte {
	if c.flags&(flagReplyOff|flagReplySkip) == 0 || r.kind == kindPushed {
		out = appendReply(out, &r, c.proto)
	}
	c.flags &^= flagReplySkip
	if c.flags&flagReplySkipNext != 0 {
		c.flags = c.flags&^flagReplySkipNext | flagReplySkip
	}
	return out
}

// copyArgs returns a deep copy of args that does not alias the read buffer.
func copyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}
