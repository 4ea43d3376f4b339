package server

import (
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"quordis/conf"
	"quordis/store"
)

// clientFlags are the per-connection states that change how commands run.
type clientFlags uint32

const (
	flagMulti         clientFlags = 1 << iota // inside MULTI
	flagDirtyCAS                              // a WATCHed key changed
	flagDirtyExec                             // a command failed to queue
	flagCloseAfter                            // close once the reply is written (QUIT)
	flagReadonly                              // READONLY (cluster replicas)
	flagAsking                                // ASKING (one command)
	flagMonitor                               // MONITOR
	flagNoEvict                               // CLIENT NO-EVICT on
	flagReplyOff                              // CLIENT REPLY OFF
	flagReplySkip                             // CLIENT REPLY SKIP (this command)
	flagReplySkipNext                         // set by SKIP, becomes flagReplySkip
	flagKilled                                // CLIENT KILL: close when next seen
	flagPubSub                                // subscribed to a channel, pattern or shard channel
)

// client is one connection. Its reader and output buffer belong to the
// connection's goroutine; the fields marked "guarded by srv.mu" are read by
// other clients' commands (CLIENT LIST, WATCH invalidation) and change only
// while srv.mu is held.
type client struct {
	srv   *Server
	id    uint64
	conn  net.Conn
	w     io.Writer // conn, or raw system calls on it (rawIO)
	raw   *rawIO    // w when it is raw system calls, else nil
	rd    *Reader
	out   []byte
	laddr string
	raddr string
	fd    int           // the socket's descriptor, for CLIENT LIST
	done  chan struct{} // closed when the connection ends

	pf   prefetchList // scratch space of prefetch
	last lastCommand  // the command last looked up, for handle and prefetch

	// rbs mirrors the size of the reader's buffer for CLIENT LIST and
	// the memory cron, which run on other goroutines than the one that
	// owns the reader.
	rbs atomic.Int64

	// Guarded by srv.mu.
	qbuf          int64 // what the reader holds past the command, for CLIENT LIST
	db            int
	proto         int
	name          string
	user          string
	libName       string
	libVer        string
	authenticated bool
	flags         clientFlags
	multi         []queuedCommand
	watched       []watched
	blocked       *blockState // set while a blocking command waits
	subs          *clientSubs // pub/sub subscriptions; nil without any
	aofSeen       aofMark     // the AOF position of the last command run
	aofWait       aofMark     // what the pending replies must wait for; zero: nothing
	created       time.Time
	lastActive    time.Time
	lastCmd       string
	registered    bool          // in srv.clients (see accept)
	track         *trackingOpts // CLIENT TRACKING; nil until it is first turned on

	// pubsubClass mirrors flagPubSub for the output-buffer limits, which
	// the connection's goroutine reads without srv.mu.
	pubsubClass atomic.Bool

	// writeMu serializes writes to conn between the connection's goroutine
	// and its pusher goroutine (MONITOR and pub/sub output).
	writeMu sync.Mutex

	// pushMu guards pushBuf, output queued by other clients' commands for a
	// connection whose own goroutine is busy reading, and the AOF position
	// it must wait for (see push).
	pushMu   sync.Mutex
	pushBuf  []byte
	pushWait aofMark
	pushSoft time.Time // since when pushBuf has been over the soft output-buffer limit
	pushWake chan struct{}

	// Replies held for an fsync (appendfsync always, persist.go): instead
	// of waiting for the fsync, the connection's goroutine hands its
	// replies to the AOF, which writes them once they are durable
	// (heldDone), and goes back to reading. heldMu guards held, spare and
	// heldFailed; heldCond signals that held was written.
	heldMu     sync.Mutex
	heldCond   *sync.Cond
	held       []byte      // replies handed over and not written yet
	spare      []byte      // the buffer of written held replies, for reuse
	heldFailed bool        // held could not be made durable or written
	holding    bool        // owned by the connection's goroutine: held was set and not settled since
	prefetched int         // owned by the connection's goroutine: commands, from the next one, whose keys are prefetched
	pfQuiet    int         // owned by the connection's goroutine: commands left to run without prefetch (see prefetch)
	heldFn     func(error) // c.heldDone, made once
}

// queuedCommand is a command waiting for EXEC; args are owned copies.
type queuedCommand struct {
	cmd  *Command
	args [][]byte
}

// accept registers a new connection and starts its goroutine, or refuses it.
// While a script holds the keyspace lock, the connection starts unregistered
// and registers on its first turn that takes the lock, so that it can send
// SCRIPT KILL or SHUTDOWN NOSAVE meanwhile (script_busy.go).
func (s *Server) accept(conn net.Conn) {
	cfg := s.config()
	c := s.newClient(conn, cfg, s.clock())
	if !s.mu.TryLock() {
		if s.luaWatch.running.Load() {
			if msg := protectedModeDenial(cfg.ProtectedMode, cfg.RequirePass, conn); msg != "" {
				refuse(conn, c.created, msg)
				return
			}
			s.wg.Add(1)
			s.unregistered.Store(c, nil)
			if s.isClosed() { // shutdownLocked may have looked already
				c.disconnect()
			}
			go c.serve()
			return
		}
		s.mu.Lock()
	}
	msg := s.register(c, cfg)
	s.mu.Unlock()
	if msg != "" {
		refuse(conn, c.created, msg)
		return
	}
	go c.serve()
}

// newClient makes the client of a new connection.
func (s *Server) newClient(conn net.Conn, cfg *conf.Config, now time.Time) *client {
	c := &client{
		srv:           s,
		id:            s.nextID.Add(1),
		conn:          conn,
		laddr:         conn.LocalAddr().String(),
		raddr:         conn.RemoteAddr().String(),
		fd:            connFD(conn),
		done:          make(chan struct{}),
		proto:         2,
		user:          "default",
		authenticated: cfg.RequirePass == "",
		created:       now,
		lastActive:    now,
	}
	var r io.Reader = conn
	c.w = conn
	if raw := newRawIO(conn); raw != nil {
		r, c.w, c.raw = raw, raw, raw
	}
	c.heldCond = sync.NewCond(&c.heldMu)
	c.heldFn = c.heldDone
	c.rd = NewReader(netCounter{r, &s.netInput}, readerLimits(cfg.ProtoMaxBulkLen, cfg.ClientQueryBufferLimit))
	c.rd.SetAuthenticated(c.authenticated)
	c.rd.MirrorBufferCap(&c.rbs)
	if tc, ok := conn.(*net.TCPConn); ok && cfg.TCPKeepalive > 0 {
		tc.SetKeepAlive(true)
		tc.SetKeepAlivePeriod(time.Duration(cfg.TCPKeepalive) * time.Second)
	}
	return c
}

// register adds c to the server's clients, or returns the error that
// refuses its connection: past maxclients, or by protected mode. The
// caller sends it, or starts the connection's goroutine, whose end the
// server waits for. Called with s.mu held.
func (s *Server) register(c *client, cfg *conf.Config) string {
	s.stats.connectionsReceived++
	msg := ""
	if cfg.MaxClients > 0 && len(s.clients) >= cfg.MaxClients {
		msg = "ERR max number of clients reached"
	} else {
		msg = protectedModeDenial(cfg.ProtectedMode, cfg.RequirePass, c.conn)
	}
	if msg != "" {
		s.stats.rejectedConns++
		return msg
	}
	s.clients[c.id] = c
	c.registered = true
	s.wg.Add(1)
	return ""
}

// registerLate registers a client accepted while a script ran, on its
// first turn that holds s.mu, or returns the error that refuses it.
// Called with s.mu held.
func (c *client) registerLate() string {
	s := c.srv
	msg := s.register(c, s.config())
	if msg == "" {
		s.unregistered.Delete(c)
		s.wg.Done() // accept counted the goroutine already
	}
	return msg
}

// connFD returns the descriptor of a socket, or -1.
func connFD(conn net.Conn) int {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}

// netCounter counts the bytes read from a connection for INFO's
// total_net_input_bytes.
type netCounter struct {
	r io.Reader
	n *atomic.Int64
}

func (c netCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TryRead reads what has arrived without waiting, where the connection
// has raw I/O; elsewhere it reads nothing.
func (c netCounter) TryRead(p []byte) (int, error) {
	raw, ok := c.r.(*rawIO)
	if !ok {
		return 0, nil
	}
	n, err := raw.TryRead(p)
	c.n.Add(int64(n))
	return n, err
}

// ReadLending reads as Read does, lending the reader's buffer out while it
// waits where the connection has raw I/O.
func (c netCounter) ReadLending(p []byte, l bufferLender) (int, error) {
	raw, ok := c.r.(*rawIO)
	if !ok {
		return c.Read(p)
	}
	n, err := raw.ReadLending(p, l)
	c.n.Add(int64(n))
	return n, err
}

// refuse sends an error to a connection that is not served and closes it.
func refuse(conn net.Conn, now time.Time, msg string) {
	conn.SetWriteDeadline(now.Add(time.Second))
	conn.Write(appendError(nil, msg))
	conn.Close()
}

func readerLimits(maxBulk, queryLimit int64) ReaderLimits {
	return ReaderLimits{ProtoMaxBulkLen: maxBulk, QueryBufferLimit: queryLimit}
}

// serve reads commands and writes replies until the connection ends.
// Replies to a pipeline are collected and written with one write once no
// further input is buffered.
func (c *client) serve() {
	s := c.srv
	defer s.wg.Done()
	defer func() {
		if p := recover(); p != nil {
			// A bug outside a command's handler (runHandler recovers
			// those) may have left s.mu held, and close would wait for
			// it forever, hanging the whole server. Die as an unrecovered
			// panic would, with its stack.
			panic(p)
		}
		c.close()
		c.rd.Release()
	}()
	if c.raw != nil {
		if err := c.raw.serveIn(c.turn); err != nil {
			c.readFailed(err) // the wait for input failed
		}
		return
	}
	for c.turn() == turnNext {
	}
}

// turnResult tells serve how to go on after a turn.
type turnResult int8

const (
	turnNext turnResult = iota // run the next turn
	turnWait                   // first wait until the socket is readable (rawIO.serveIn)
	turnEnd                    // the connection ends
)

// errWaitReadable is what a read inside rawIO.serveIn returns when the
// socket must be waited for: the turn ends with turnWait.
var errWaitReadable = errors.New("server: wait until the socket is readable")

// pipelineBatch is the most commands of a pipeline that a turn runs under
// one hold of the keyspace lock.
const pipelineBatch = 16

// flushBytes is the most replies a connection holds back while more of its
// pipeline is buffered: past it they go out before the next command.
const flushBytes = 64 << 10

// turnBytes is the most input of a long pipeline that a turn runs before
// its replies go out and the other connections go first (see passTurn):
// about what Redis reads for a client in one turn of its event loop
// (16 KiB, and the commands it completes), where one read here takes up to
// 64 KiB. 50 clients pipelining 16 MSETs of ten 1 KiB values: p99 5.8-6.1
// ms -> 3.9-5.4 (Redis 3.7-4.0), at 11% less throughput (still 1.65 times
// Redis's).
const turnBytes = 32 << 10

// turn reads a command (or takes the next buffered one), runs it and the
// commands buffered behind it (up to pipelineBatch), and writes the
// replies when nothing more is buffered.
func (c *client) turn() turnResult {
	s := c.srv
	args, err := c.rd.ReadCommand()
	if err != nil {
		if err == errWaitReadable {
			return turnWait
		}
		c.readFailed(err)
		return turnEnd
	}
	if c.holding && !c.settle() {
		return turnEnd
	}
	// The turn ends when the input buffered falls under budget (only a
	// pipeline of more than turnBytes gets there).
	budget := c.rd.BufferedLen() - turnBytes
	for !c.lockForTurn() {
		if r, done := c.busyTurn(args); done {
			return r
		}
	}
	if !c.registered {
		if msg := c.registerLate(); msg != "" {
			s.mu.Unlock()
			refuse(c.conn, s.clock(), msg)
			return turnEnd
		}
	}
	for n := 1; ; n++ {
		// A plain store under the lock CLIENT LIST holds: an atomic one
		// took about 1% of the CPU of pipelined LPUSHes in a profile.
		c.qbuf = int64(c.rd.BufferedLen())
		s.waitWhilePaused(c, args)
		s.waitWhileBlocked(c)
		if c.flags&flagKilled != 0 || s.isClosed() {
			s.mu.Unlock()
			return turnEnd
		}
		if c.prefetched == 0 {
			c.prefetched = c.prefetch(args)
		}
		c.prefetched--
		var now time.Time
		if n == 1 {
			now = s.clock()
		} else {
			now = s.nowAfter()
		}
		c.out = s.handleAt(c, args, c.out, now)
		if (c.blocked != nil || c.flags&(flagPubSub|flagMonitor) != 0) && len(c.out) > 0 {
			// The replies before a command that blocked go out now (Redis
			// does not hold them back), ahead of its reply, which another
			// client's command pushes. A subscriber's (or monitor's)
			// replies take the way of its messages, so that the two keep
			// their order (see cmd_pubsub.go).
			c.push(c.out, c.aofWait)
			c.out, c.aofWait = c.out[:0], aofMark{}
		}
		// The reader parses what follows with the limits of the client
		// as it now is (AUTH lifts them).
		c.rd.SetAuthenticated(c.authenticated)
		// The commands buffered behind run under the same hold of the
		// lock, up to pipelineBatch in all, each from the time the one
		// before ended (Server.nowAfter): a lock, an unlock and a clock
		// read less per command.
		if n == pipelineBatch || c.blocked != nil || c.flags&flagCloseAfter != 0 ||
			len(c.out) > flushBytes || c.overOutputLimit() || c.rd.BufferedLen() < budget {
			break
		}
		if args = c.rd.NextReady(); args == nil {
			break
		}
	}
	closeNow := c.flags&flagCloseAfter != 0
	s.mu.Unlock()
	if c.overOutputLimit() {
		s.log.Warn("closing client that reached its output buffer limit", "addr", c.raddr)
		return turnEnd
	}
	if !closeNow && c.rd.BufferedLen() < budget && c.rd.Buffered() && len(c.out) > 0 && !c.awaitsAlways() {
		if !c.passTurn() {
			return turnEnd
		}
		return turnNext
	}
	if closeNow || !(c.rd.Buffered() || c.readOn()) || len(c.out) > flushBytes {
		if !closeNow && c.hold() {
			return turnNext
		}
		c.flushInTurn()
		if !c.waitDurable() || !c.flush() || closeNow {
			return turnEnd
		}
	}
	return turnNext
}

// disconnect closes the connection from any goroutine, its own included:
// the connection's goroutine may be inside the poller's read call
// (rawIO.serveIn), which Close waits for, so the close runs on a goroutine
// of its own. The connection's goroutine then fails its next read or
// write, or wakes from its wait for input, and ends.
func (c *client) disconnect() { go c.conn.Close() }

// flushInTurn, called before a connection writes the replies to what it
// read, lets the connections that are ready to run go first when the
// runtime has one processor (procs.Run chose one, or GOMAXPROCS=1): they
// run their commands, and the replies of all then go out back to back, as
// Redis reads and runs every ready client's commands in one turn of its
// event loop before writing any replies. A load generator woken by the
// first reply is still awake for the next, where a write every 20 µs woke
// it each time (12% of the server's CPU went to waking it, 3.5% of
// Redis's). On one processor, 50 clients pipelining SADD or SET: 5-12%
// more throughput at 5-11% less CPU per request, p99 1.9-2.4 ms -> 1.4-1.8
// (Redis 1.2-1.5). With more processors a yield hands the goroutine to
// another thread (one client lost 7-18%), so it yields only on one.
//
// Replies of over 64 KiB to the end of what was read go out at once: the
// yield had 50 clients' LRANGEs of 100 1 KiB values build all their 100 KB
// replies before any was written, 5 MB that the writes then read back,
// most likely from memory rather than the cache: without it, 8-10% less
// CPU and a p95 of 0.6-1.2 ms instead of 1.3-1.8, in alternating runs.
// Halfway through a long pipeline the yield stays: the others go first,
// as Redis serves each client one read per turn.
func (c *client) flushInTurn() {
	if len(c.out) > 0 && (len(c.out) <= flushBytes || c.rd.Buffered()) && c.srv.oneProcessor.Load() {
		runtime.Gosched()
	}
}

// readOn reads more of a pipeline that goes on past what the last read
// brought (Reader.TopUp), and reports whether a whole command is now
// buffered. The replies so far go out first and the others go first
// (passTurn), as Redis serves a client one read per turn of its event loop
// and writes its replies after each turn: one connection's long pipeline
// then neither holds its first replies back until its last command has
// run nor keeps the other connections waiting meanwhile (pipelines of 16
// MSETs of ten 1 KiB values from 50 clients: p99 35 ms -> 16 ms, at the
// same throughput). With appendfsync always the replies stay held for the
// end of the pipeline, so that one fsync covers it (see hold).
func (c *client) readOn() bool {
	if !c.rd.MayTopUp() {
		return false
	}
	if len(c.out) > 0 && !c.awaitsAlways() && !c.passTurn() {
		return false // the connection failed: the next read says so
	}
	return c.rd.TopUp()
}

// passTurn, halfway through a long pipeline, writes the replies so far and
// lets the other connections run before this one goes on: it wakes those
// whose input has arrived while the runtime's poller was not asked
// (Server.wakeParked) and yields. The yield is made whatever the processor
// count, unlike flushInTurn's: with two, 50 clients pipelining MSETs of
// 1 KiB values had a p99 of 23-28 ms without it and 11-15 ms with it. It
// reports false when the connection failed.
func (c *client) passTurn() bool {
	if !c.waitDurable() || !c.flush() {
		return false
	}
	c.srv.wakeParked()
	runtime.Gosched()
	return true
}

// prefetch, called with s.mu held before a command (args) whose keys are
// not prefetched yet, brings into the cache the keys of that command and of
// the ones buffered behind it (a pipeline), and the fields or members they
// name (Command.Member), as many as one store.DB.Prefetch takes, so that
// their cache misses overlap. It returns the number of commands it covered,
// args's included. A lone command with one key is left alone.
//
// A pipeline of commands on one key (LPUSH mylist ..., INCR counter) has
// nothing to gain: its key stays in the cache, and the look-ahead parses
// every command twice (8% of the CPU time of 50 clients pipelining 16
// LPUSHes). After a window that named a single key, the next oneKeyQuiet
// windows' worth of commands run without it.
func (c *client) prefetch(args [][]byte) int {
	if c.pfQuiet > 0 {
		c.pfQuiet--
		return 1
	}
	buffered := c.rd.BufferedLen() > 0
	if !buffered && len(args) < 4 {
		return 1 // no pipeline, and at most one key
	}
	pf := &c.pf
	pf.reset()
	pf.add(c, args)
	covered := 1
	if buffered {
		c.rd.Peek(func(args [][]byte) bool {
			if !pf.add(c, args) {
				return false
			}
			covered++
			return true
		})
	}
	if len(pf.keys) > 1 || covered > 1 {
		db := c.srv.store.DB(c.db)
		pf.sink += db.Prefetch(pf.keys)
		// The members of a run of commands on one key in one call.
		for i := 0; i < len(pf.members); {
			j := i + 1
			for j < len(pf.members) && pf.memberKeys[j] == pf.memberKeys[i] {
				j++
			}
			pf.sink += db.PrefetchMembers(pf.memberKeys[i], pf.members[i:j])
			i = j
		}
		if covered > 1 && pf.oneKey() {
			c.pfQuiet = oneKeyQuiet * covered
		}
	}
	pf.reset()
	return covered
}

// oneKeyQuiet is how many windows prefetch skips after one that named a
// single key. The window after them looks again, so a pipeline that moves
// on to many keys is prefetched again within a few batches.
const oneKeyQuiet = 8

// oneKey reports whether the window named one key, the same in every
// command, and no members.
func (pf *prefetchList) oneKey() bool {
	if len(pf.members) > 0 || len(pf.keys) == 0 {
		return false
	}
	for _, k := range pf.keys[1:] {
		if k != pf.keys[0] {
			return false
		}
	}
	return true
}

// prefetchList is what prefetch collects from a window of commands: their
// keys, and the members they name with the key of each. The strings are
// views of the input buffer, dropped once the window is prefetched.
type prefetchList struct {
	keys, memberKeys, members []string
	sink                      uint32 // keeps the prefetch's loads alive
}

func (pf *prefetchList) reset() {
	clear(pf.keys)
	clear(pf.memberKeys)
	clear(pf.members)
	pf.keys, pf.memberKeys, pf.members = pf.keys[:0], pf.memberKeys[:0], pf.members[:0]
}

// add appends the keys args names, and its member, if there is room for
// them in one prefetch, and reports whether there was. Only commands whose
// keys are a range of positions have theirs added: commands that find their
// keys by parsing their arguments would have to be checked first.
func (pf *prefetchList) add(c *client, args [][]byte) bool {
	cmd := c.last.get(c.srv.table, args[0])
	if cmd == nil || cmd.Keys != nil || cmd.subs != nil || cmd.FirstKey <= 0 || len(args) > peekMaxArgs {
		return true
	}
	var pbuf [peekMaxArgs]int
	pos := cmd.appendKeyPositions(pbuf[:0], args)
	member := cmd.Member > 0 && cmd.Member < len(args) && len(pos) == 1
	if len(pf.keys)+len(pos) > store.PrefetchMax || member && len(pf.members) == store.PrefetchMax {
		return false
	}
	for _, p := range pos {
		pf.keys = append(pf.keys, bytesView(args[p]))
	}
	if member {
		pf.memberKeys = append(pf.memberKeys, bytesView(args[pos[0]]))
		pf.members = append(pf.members, bytesView(args[cmd.Member]))
	}
	return true
}

// readFailed answers a protocol error before the connection closes.
func (c *client) readFailed(err error) {
	if c.holding && !c.settle() {
		return
	}
	var pe *ProtocolError
	switch {
	case errors.As(err, &pe):
		c.out = appendError(c.out, "ERR "+pe.Error())
		c.srv.log.Info("protocol error from client", "addr", c.raddr, "err", pe.Error())
	case errors.Is(err, ErrSecurityAttack):
		c.srv.log.Warn("Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.", "addr", c.raddr)
	case errors.Is(err, ErrQueryBufferLimit):
		c.srv.log.Warn("closing client that reached max query buffer length", "addr", c.raddr)
	}
	// Replies of writes that came before the bad input are owed their
	// durability like any other.
	if c.waitDurable() {
		c.flush()
	}
}

// overOutputLimit reports whether the pending replies exceed the hard
// output-buffer limit of the client's class (client-output-buffer-limit
// normal or pubsub); the soft limit is enforced as a write deadline in
// flush.
func (c *client) overOutputLimit() bool {
	lim := c.outputLimit()
	return lim.Hard > 0 && int64(len(c.out)) > lim.Hard
}

// outputLimit is the client-output-buffer-limit of the client's class:
// pubsub while it has a subscription, else normal.
func (c *client) outputLimit() conf.OutputBufferLimit {
	class := "normal"
	if c.pubsubClass.Load() {
		class = "pubsub"
	}
	return c.srv.config().ClientOutputBufferLimit[class]
}

// flush writes the pending replies; it reports false when the connection
// failed. Over the soft output-buffer limit, the write must complete within
// the limit's seconds or the connection is closed.
func (c *client) flush() bool {
	if len(c.out) == 0 {
		return true
	}
	lim := c.outputLimit()
	soft := lim.Soft > 0 && int64(len(c.out)) > lim.Soft
	c.writeMu.Lock()
	// Output pushed by other goroutines (a blocked command's reply) was
	// produced first: it goes out first.
	if c.pushWake != nil {
		pending, ok := c.pushed(nil)
		if !ok {
			c.writeMu.Unlock()
			return false
		}
		if len(pending) > 0 {
			c.out = append(pending, c.out...)
		}
	}
	if soft {
		c.conn.SetWriteDeadline(time.Now().Add(time.Duration(lim.SoftSeconds) * time.Second))
	}
	n, err := c.w.Write(c.out)
	if soft {
		c.conn.SetWriteDeadline(time.Time{})
	}
	c.writeMu.Unlock()
	c.srv.netOutput.Add(int64(n))
	if cap(c.out) > 1<<20 {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	return err == nil
}

// push queues output for the connection from another goroutine (MONITOR
// feeds, a blocked command's reply) and wakes its pusher. Output that
// follows writes (a served blocking pop) goes out only once they are as
// durable as appendfsync promises, up to the AOF position wait; the zero
// aofMark waits for nothing. A connection that cannot keep up beyond the
// output-buffer limits of its class is closed.
func (c *client) push(b []byte, wait aofMark) {
	c.pushMu.Lock()
	c.pushBuf = append(c.pushBuf, b...)
	if wait.a != nil {
		c.pushWait.raise(wait)
	}
	n := int64(len(c.pushBuf))
	lim := c.outputLimit()
	// Over the soft limit for its seconds on end, or over the hard limit,
	// the client is closed, as Redis's checkClientOutputBufferLimits does.
	over := lim.Hard > 0 && n > lim.Hard
	if lim.Soft > 0 && n > lim.Soft {
		now := time.Now()
		if c.pushSoft.IsZero() {
			c.pushSoft = now
		}
		over = over || now.Sub(c.pushSoft) >= time.Duration(lim.SoftSeconds)*time.Second
	} else {
		c.pushSoft = time.Time{}
	}
	c.pushMu.Unlock()
	if over {
		c.disconnect()
		return
	}
	select {
	case c.pushWake <- struct{}{}:
	default:
	}
}

// pushed takes the output pushed to the connection, leaving spare for the
// next pushes, once the writes it follows are as durable as appendfsync
// promises; writeMu must be held, so that nothing overtakes it. It
// reports false when they cannot be made durable: the output must not go
// out, and the connection is closed.
func (c *client) pushed(spare []byte) ([]byte, bool) {
	c.pushMu.Lock()
	buf := c.pushBuf
	c.pushBuf = spare
	wait := c.pushWait
	c.pushWait = aofMark{}
	c.pushMu.Unlock()
	if wait.a != nil && !c.durable(wait) {
		c.disconnect()
		return nil, false
	}
	return buf, true
}

// startPusher starts the goroutine that writes pushed output, once per
// connection. Called with srv.mu held.
func (c *client) startPusher() {
	if c.pushWake != nil {
		return
	}
	c.pushWake = make(chan struct{}, 1)
	c.srv.wg.Add(1)
	go func() {
		defer c.srv.wg.Done()
		var buf []byte
		for {
			select {
			case <-c.done:
				return
			case <-c.pushWake:
			}
			// writeMu is taken before the buffer so that the connection's own
			// flush cannot overtake output pushed before it.
			c.writeMu.Lock()
			var ok bool
			if buf, ok = c.pushed(buf[:0]); !ok {
				c.writeMu.Unlock()
				return
			}
			n, err := c.w.Write(buf)
			c.writeMu.Unlock()
			c.srv.netOutput.Add(int64(n))
			if err != nil {
				c.disconnect()
				return
			}
		}
	}()
}

// close unregisters the client and releases what it held.
func (c *client) close() {
	c.conn.Close()
	close(c.done)
	s := c.srv
	s.mu.Lock()
	s.unwatchAll(c)
	s.forgetBlocked(c)
	s.unsubscribeAll(c)
	s.disableTracking(c)
	delete(s.monitors, c)
	delete(s.clients, c.id)
	s.mu.Unlock()
	if !c.registered {
		s.unregistered.Delete(c)
	}
}

// closeIdleClients closes connections idle for longer than `timeout`.
func (s *Server) closeIdleClients() {
	timeout := s.config().Timeout
	if timeout <= 0 {
		return
	}
	limit := s.clock().Add(-time.Duration(timeout) * time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.clients {
		// Subscribers are left alone, as in Redis: they only listen.
		if c.flags&(flagMonitor|flagPubSub) == 0 && c.lastActive.Before(limit) {
			c.disconnect()
		}
	}
}

// protectedModeDenial returns the error to send a non-loopback client when
// protected mode is on and the default user has no password, else "".
func protectedModeDenial(protected bool, requirePass string, conn net.Conn) string {
	if !protected || requirePass != "" || isLoopback(conn.RemoteAddr()) {
		return ""
	}
	return msgProtectedMode
}

func isLoopback(a net.Addr) bool {
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}

// msgProtectedMode is the text Redis 7.0 sends a client it refuses because
// of protected mode.
const msgProtectedMode = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."

// watched is one key a client WATCHes, and whether it was already expired
// when watched.
type watched struct {
	wk      watchKey
	expired bool
}
