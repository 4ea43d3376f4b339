package server

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A script runs under s.mu, so while it runs no other command does. Past
// busy-reply-threshold (lua-time-limit) Redis answers the other clients
// from inside the script's hook: BUSY to most commands, while SCRIPT KILL
// stops a script that has not written and SHUTDOWN NOSAVE stops the
// server. Here the other connections' goroutines do it themselves: a turn
// that cannot take s.mu while a script runs polls for it (lockForTurn),
// and once the script is past the threshold answers without it
// (busyTurn). What they do then is guarded by scriptWatch.mu, which the
// script's own commands (redis.call) also hold: the script's goroutine is
// the only other one running, so a busy turn may touch its own client and
// the watch without s.mu.

// The replies to a command that cannot run during a busy script (EVAL's)
// and during a busy function (FCALL's).
const (
	msgBusy         = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	msgBusyFunction = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
)

// msgUnkillable is SCRIPT KILL's reply once the script has written.
const msgUnkillable = "UNKILLABLE Sorry the script already executed write commands against the dataset. " +
	"You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."

// busyPoll is how often a turn waiting for a script's lock looks again.
const busyPoll = time.Millisecond

// scriptWatch is what the other connections know of the running script.
type scriptWatch struct {
	// running is set while a script runs (under s.mu), and changed under
	// mu too, so that a busy turn holding mu knows the script holds s.mu.
	running atomic.Bool

	mu       sync.Mutex
	start    time.Time // when the script started
	name     string    // the script's SHA1, or the function's name
	function bool      // FCALL runs it, not EVAL
	argv     [][]byte  // the command that runs it, for FUNCTION STATS
	// wrote is set once a write command ran: SCRIPT KILL is refused, and
	// maxmemory no longer stops the script's writes. Only the script's
	// goroutine sets it, and reads it without mu.
	wrote    bool
	killed   bool // SCRIPT KILL stopped it
	shutdown bool // SHUTDOWN NOSAVE stopped it: the server shuts down
	logged   bool // the slow script was logged
	cancel   context.CancelFunc
}

// begin marks a script as started and returns the context its Lua state
// runs under, which SCRIPT KILL and SHUTDOWN NOSAVE cancel. Called with
// s.mu held.
func (w *scriptWatch) begin(name string, function bool, argv [][]byte) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	w.mu.Lock()
	w.start, w.name, w.function, w.argv, w.cancel = time.Now(), name, function, argv, cancel
	w.wrote, w.killed, w.shutdown, w.logged = false, false, false, false
	w.running.Store(true)
	w.mu.Unlock()
	return ctx
}

// end marks the script as ended and reports how it was stopped, if it
// was. Called with s.mu held.
func (w *scriptWatch) end() (killed, shutdown bool) {
	w.mu.Lock()
	w.running.Store(false)
	w.cancel()
	w.cancel, w.argv = nil, nil
	killed, shutdown = w.killed, w.shutdown
	w.mu.Unlock()
	return killed, shutdown
}

// lockForTurn takes s.mu for a turn, or reports false when a script has
// held it for longer than busy-reply-threshold: the turn is then answered
// without it (busyTurn). A turn that started waiting for the lock before
// the script started waits for the script to end.
func (c *client) lockForTurn() bool {
	s := c.srv
	if s.mu.TryLock() {
		return true
	}
	if !s.luaWatch.running.Load() {
		s.mu.Lock()
		return true
	}
	for !s.mu.TryLock() {
		if s.scriptBusy() {
			return false
		}
		time.Sleep(busyPoll)
	}
	return true
}

// scriptBusy reports whether a script has run past busy-reply-threshold.
func (s *Server) scriptBusy() bool {
	w := &s.luaWatch
	if !w.running.Load() {
		return false
	}
	threshold := time.Duration(s.config().BusyReplyThreshold) * time.Millisecond
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running.Load() && time.Since(w.start) >= threshold
}

// busyTurn answers the command args while a script is busy, without s.mu,
// and returns how the connection goes on; done is false when the script
// ended meanwhile and the command must take the lock after all.
func (c *client) busyTurn(args [][]byte) (result turnResult, done bool) {
	s := c.srv
	w := &s.luaWatch
	w.mu.Lock()
	if !w.running.Load() {
		w.mu.Unlock()
		return turnNext, false
	}
	if !w.logged {
		w.logged = true
		s.log.Warn("slow script detected: still running; SCRIPT KILL can stop it",
			"after", time.Since(w.start).Round(time.Millisecond), "script", w.name)
	}
	r, end := s.busyReply(c, args)
	w.mu.Unlock()
	if r.kind != kindNone {
		c.out = appendReply(c.out, &r, c.proto)
	}
	if end || !c.rd.Buffered() || len(c.out) > flushBytes {
		if !c.waitDurable() || !c.flush() || end {
			return turnEnd, true
		}
	}
	return turnNext, true
}

// busyReply is the reply to args during a busy script, in the order of
// Redis's checks: an unknown command or a wrong number of arguments,
// protected commands, authentication, then the few commands Redis runs
// meanwhile; end tells the connection to close. Called with s.luaWatch.mu
// held, while the script holds s.mu.
func (s *Server) busyReply(c *client, args [][]byte) (r Reply, end bool) {
	cmd, msg := s.lookup(args)
	if msg != "" {
		return Err(msg), false
	}
	if cmd.Flags&FlagProtected != 0 {
		if msg := protectedDenial(cmd, s.config(), c); msg != "" {
			return Err(msg), false
		}
	}
	if !c.authenticated && cmd.Flags&FlagNoAuth == 0 {
		return Err(msgNoAuth), false
	}
	w := &s.luaWatch
	busy := msgBusy
	if w.function {
		busy = msgBusyFunction
	}
	switch name := cmd.FullName(); name {
	case "script|kill", "function|kill":
		// Each kills its own kind only.
		switch {
		case w.wrote:
			return Err(msgUnkillable), false
		case w.function != (name == "function|kill"):
			return Err(busy), false
		}
		w.killed = true
		w.cancel()
		return replyOK, false
	case "function|stats":
		return s.functionStats(w), false
	case "shutdown":
		// Only SHUTDOWN NOSAVE stops the server; the script's goroutine
		// shuts it down once the script stops (runScript), and this
		// connection closes with the others, unanswered.
		switch mode, ok := shutdownMode(args); {
		case !ok:
			return replySyntax, false
		case mode < 0:
			return Err(msgNoShutdown), false
		case mode == shutdownNoSave:
			s.log.Warn("user requested shutdown during a busy script")
			w.shutdown = true
			w.cancel()
			return replyNone, true
		}
	case "quit":
		return replyOK, true
	case "auth", "hello":
		// They touch only this client, and the configuration.
		return cmd.Handler(&Ctx{s: s, cl: c, Cmd: cmd, Args: args}), false
	}
	return Err(busy), false
}

// scriptStopped is the reply of a script that SCRIPT KILL (FUNCTION KILL)
// or SHUTDOWN NOSAVE stopped, err being the error its run ended with. SHUTDOWN NOSAVE
// drops the effects the script queued, as Redis exits without writing
// them, and shuts the server down. Called with s.mu held.
func (s *Server) scriptStopped(err error, sha string, shutdown bool) Reply {
	if shutdown {
		clear(s.pending)
		s.pending = s.pending[:0]
		s.shutdownSave = shutdownNoSave
		s.shutdownLocked()
		return replyNone
	}
	r := scriptError(err, sha)
	msg := r.str()
	if i := strings.Index(msg, " script: "); i >= 0 {
		return Err("ERR Script killed by user with SCRIPT KILL..." + msg[i:])
	}
	return Err("ERR Script killed by user with SCRIPT KILL...")
}
