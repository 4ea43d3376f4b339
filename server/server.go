package server

import (
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"quordis/aof"
	"quordis/cluster"
	"quordis/conf"
	"quordis/server/clock"
	"quordis/store"
)

// Version is the Redis version Quordis reports and implements.
const Version = "7.0.15"

// Options carry what a Server needs besides its configuration.
type Options struct {
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now. Tests pass a fake.
	Clock func() time.Time
	// Propagator receives the effects of writes (AOF, replication); may be nil.
	Propagator Propagator
	// TuneGC lets the server set the Go runtime's memory limit from
	// maxmemory and take the collector's work for its own (see
	// HoldProcessors). The binary sets it; tests running several servers
	// in one process leave it off.
	TuneGC bool
	// Exit ends the process when Redis would exit (an AOF that cannot be
	// written or fsynced under appendfsync always); nil means os.Exit.
	Exit func(code int)
}

// Server is a Redis-compatible server over one keyspace.
type Server struct {
	log   *slog.Logger
	clock func() time.Time
	cfg   atomic.Pointer[conf.Config]
	table *commandTable
	prop  Propagator
	exit  func(code int)
	runID string
	start time.Time
	// mono measures command durations: Since reads the monotonic clock,
	// or the processor's counter where that is cheaper (package clock).
	mono *clock.Mono
	// anchor is cachedNow's base: the wall clock read at the last resync
	// and the monotonic offset then; nil with a test clock.
	anchor atomic.Pointer[clockAnchor]

	// mu is the keyspace lock: it guards the store and every piece of state
	// that commands read or change (the client registry, WATCH registry,
	// statistics, the random source). A command runs entirely under it, so
	// commands are atomic with respect to each other as in Redis. Lock
	// order: mu, then a client's heldMu, then its pushMu or writeMu; never
	// the reverse.
	mu         sync.Mutex
	store      *store.Store
	rng        *rand.Rand
	clients    map[uint64]*client
	watchers   map[watchKey][]*client
	monitors   map[*client]struct{}
	pubsub     pubsubState // subscriptions (cmd_pubsub.go)
	stats      stats
	errorstats map[string]int64
	latency    map[string]*latencyEvent
	dirty      int64 // changes since the last save
	lastSave   time.Time
	pending    []effect // effects of the request being processed
	ctxs       []*Ctx   // reusable handler contexts, one per call depth
	ctxDepth   int
	// callEnd is when the last command handled ended, as a monotonic
	// reading (since mono's base), for the pipelined command that runs
	// right after it under the same hold of mu (see nowAfter).
	callEnd time.Duration
	inExec  bool // EXEC is running queued commands: blocking commands do not block
	// replOff is where the effects of the command running must not go
	// (replAOF, replReplica), as a script chose with redis.set_repl.
	replOff   int
	lua       *scriptState   // the Lua engine, nil until a script is loaded
	functions *functionState // the functions and their engine, nil until one is loaded
	luaWatch  scriptWatch    // the running script, as the other connections see it
	tracking  trackingState  // CLIENT TRACKING's keys and prefixes
	// unregistered holds the clients accepted while a script held mu,
	// until they register (accept), for shutdownLocked to disconnect.
	unregistered sync.Map
	// popped holds the element a single-element pop removed until its
	// reply is encoded, which happens before the next command runs, so
	// that a pop allocates nothing.
	popped []byte

	// blockers lists, per key, the clients blocked on it in the order they
	// blocked; readyKeys are keys written since they were last served.
	blockers  map[watchKey][]*client
	readyKeys []watchKey
	readySet  map[watchKey]bool

	// cluster is the node's part in a cluster (cluster-enabled yes), set
	// before the first connection is accepted; nil otherwise.
	cluster *clusterNode

	snap        *snapshot   // the keyspace walk in progress (BGSAVE, BGREWRITEAOF), or nil
	snapRunning atomic.Bool // snap != nil, for readers without s.mu
	gcMeter     gcMeter     // the collector's share of the CPU, for HoldProcessors
	// oneProcessor is whether the Go runtime runs one processor
	// (GOMAXPROCS), as of the last cron (see client.flushInTurn).
	oneProcessor    atomic.Bool
	parked          parkedPoll
	persist         persistState
	mem             memState
	shutdownSave    int                 // SHUTDOWN's choice: shutdownDefault, shutdownNoSave or shutdownSave
	activeExpireOff bool                // DEBUG SET-ACTIVE-EXPIRE 0
	access          *store.AccessPolicy // how reads update keys' access clocks
	limits          *store.Limits       // the compact encodings' thresholds, from the config

	slowlog       []slowEntry // newest first
	slowlogNextID int64

	// pause is the CLIENT PAUSE state. wake (on mu) is broadcast when a
	// pause ends, a blocked client is served, or the server closes: the
	// goroutines waiting for any of these recheck their condition.
	pause       pauseState
	wake        *sync.Cond
	pauseWaking bool // endPauses is running

	nextID    atomic.Uint64
	netInput  atomic.Int64
	netOutput atomic.Int64
	lnMu      sync.Mutex // guards listeners
	listeners []net.Listener
	closed    chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup // connection goroutines, pushers and the cron
}

// stats are the counters INFO reports. Guarded by Server.mu.
type stats struct {
	connectionsReceived int64
	rejectedConns       int64
	commandsProcessed   int64
	expiredKeys         int64
	keyspaceHits        int64
	keyspaceMisses      int64
	errorReplies        int64
}

// New returns a server for cfg. It does not listen until Serve or
// ListenAndServe is called.
func New(cfg *conf.Config, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Exit == nil {
		opts.Exit = os.Exit
	}
	realClock := opts.Clock == nil
	if realClock {
		opts.Clock = time.Now
	}
	var seed [32]byte
	if _, err := crand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("server: seeding random source: %w", err)
	}
	s := &Server{
		log:        opts.Logger,
		clock:      opts.Clock,
		prop:       opts.Propagator,
		exit:       opts.Exit,
		runID:      hex.EncodeToString(seed[:20]),
		rng:        rand.New(rand.NewChaCha8(seed)),
		clients:    make(map[uint64]*client),
		watchers:   make(map[watchKey][]*client),
		monitors:   make(map[*client]struct{}),
		errorstats: make(map[string]int64),
		latency:    make(map[string]*latencyEvent),
		blockers:   make(map[watchKey][]*client),
		readySet:   make(map[watchKey]bool),
		closed:     make(chan struct{}),
	}
	s.wake = sync.NewCond(&s.mu)
	s.persist.lastRewriteOK, s.persist.lastBgsaveOK = true, true
	s.start = s.clock()
	s.mono = clock.New()
	if realClock {
		s.resyncClock()
		s.clock = s.cachedNow
	}
	s.lastSave = s.start
	s.cfg.Store(cfg)
	table, err := newCommandTable(cfg.RenameCommand, families()...)
	if err != nil {
		return nil, err
	}
	s.table = table
	s.access = &store.AccessPolicy{}
	s.limits = &store.Limits{}
	s.initMemory(cfg.Databases, opts.TuneGC)
	s.noteProcessors()
	s.applyConfig(cfg, cfg)
	s.store = store.New(store.Options{
		Access:    s.access,
		Limits:    s.limits,
		Databases: cfg.Databases,
		Seed:      binary.LittleEndian.Uint64(seed[20:]),
		OnExpire:  s.onExpire,
		OnNew:     s.onNewKey,
	})
	if cfg.ClusterEnabled {
		s.store.DB(0).EnableSlotIndex(cluster.KeySlotString)
	}
	// The dataset loads in the background while clients are answered
	// LOADING, as Redis does.
	if needsLoad(cfg) {
		s.persist.loading = true
		s.wg.Add(1)
		go s.load()
	}
	return s, nil
}

// families lists every command family; each lives in its own cmd_*.go file.
func families() [][]*Command {
	return [][]*Command{
		connectionCommands(),
		transactionCommands(),
		stringCommands(),
		bitmapCommands(),
		lcsCommands(),
		keyspaceCommands(),
		serverCommands(),
		listCommands(),
		listBlockingCommands(),
		hashCommands(),
		setCommands(),
		zsetCommands(),
		zsetBlockingCommands(),
		hllCommands(),
		geoCommands(),
		sortCommands(),
		dumpCommands(),
		persistCommands(),
		clusterCommands(),
		migrateCommands(),
		pubsubCommands(),
		scriptCommands(),
		functionCommands(),
	}
}

// config returns the configuration in force.
func (s *Server) config() *conf.Config { return s.cfg.Load() }

// ListenAndServe listens on the configured bind addresses and port and
// serves until Close.
func (s *Server) ListenAndServe() error {
	cfg := s.config()
	var lns []net.Listener
	for _, addr := range bindAddrs(cfg.Bind) {
		optional := strings.HasPrefix(addr, "-")
		addr = strings.TrimPrefix(addr, "-")
		ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(cfg.Port)))
		if err != nil {
			if optional {
				continue
			}
			for _, l := range lns {
				l.Close()
			}
			return fmt.Errorf("server: could not create server TCP listening socket %s:%d: %w", addr, cfg.Port, err)
		}
		lns = append(lns, ln)
	}
	if len(lns) == 0 {
		return errors.New("server: no address to listen on")
	}
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { errc <- s.Serve(ln) }()
	}
	return <-errc
}

// bindAddrs turns redis.conf bind values into listen hosts. "*" means every
// IPv4 and IPv6 address, "::*" every IPv6 one; a leading "-" marks an
// address that may be unavailable.
func bindAddrs(bind []string) []string {
	if len(bind) == 0 {
		return []string{""}
	}
	var out []string
	for _, b := range bind {
		opt := ""
		if strings.HasPrefix(b, "-") {
			opt, b = "-", b[1:]
		}
		switch b {
		case "*":
			b = "0.0.0.0"
		case "::*":
			b = "::"
		}
		out = append(out, opt+b)
	}
	// "* -::*" (Redis's default) is one dual-stack listener in Go.
	if len(out) == 2 && out[0] == "0.0.0.0" && out[1] == "-::" {
		return []string{""}
	}
	return out
}

// Serve accepts connections on ln until Close. It starts the periodic
// tasks on first use.
func (s *Server) Serve(ln net.Listener) error {
	s.lnMu.Lock()
	select {
	case <-s.closed:
		s.lnMu.Unlock()
		ln.Close()
		return net.ErrClosed
	default:
	}
	first := len(s.listeners) == 0
	if first && s.config().ClusterEnabled {
		port := 0
		if a, ok := ln.Addr().(*net.TCPAddr); ok {
			port = a.Port
		}
		if err := s.startCluster(port); err != nil {
			s.lnMu.Unlock()
			ln.Close()
			return err
		}
	}
	s.listeners = append(s.listeners, ln)
	if first {
		s.wg.Add(2)
		go s.cron()
		go s.evictLoop()
	}
	s.lnMu.Unlock()
	s.log.Info("ready to accept connections", "addr", ln.Addr().String())
	for {
		conn, err := ln.Accept()
		if err != nil {
			select {
			case <-s.closed:
				return nil
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return err
		}
		s.accept(conn)
	}
}

// Addr returns the address of the first listener, or nil.
func (s *Server) Addr() net.Addr {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

// Close stops listening, disconnects every client and waits for the
// server's goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.shutdownLocked()
	s.mu.Unlock()
	s.wg.Wait()
	if s.cluster != nil {
		s.cluster.close()
	}
	s.restoreGC()
	return nil
}

// shutdownLocked starts the shutdown once: it stops the listeners and
// disconnects every client without waiting for their goroutines. SHUTDOWN
// calls it from a command. Called with s.mu held.
func (s *Server) shutdownLocked() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.lnMu.Lock()
		for _, ln := range s.listeners {
			ln.Close()
		}
		s.lnMu.Unlock()
		for _, c := range s.clients {
			c.disconnect()
		}
		s.unregistered.Range(func(c, _ any) bool {
			c.(*client).disconnect()
			return true
		})
		s.wake.Broadcast()
		save := len(s.config().Save) > 0
		switch s.shutdownSave {
		case shutdownNoSave:
			save = false
		case shutdownSave:
			save = true
		}
		s.closePersistence(save)
	})
}

// isClosed reports whether the server is shutting down.
func (s *Server) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// Done is closed when the server starts shutting down (SHUTDOWN or Close).
func (s *Server) Done() <-chan struct{} { return s.closed }

// cachedNow is the server's clock when no test clock is given: the wall
// clock of the last resync advanced by the monotonic clock since. A wall
// clock read costs about twice a monotonic one on the VMs we measured, and
// every command reads the time; the cron resyncs hz times a second, so a
// step of the system clock shows within one cron period.
func (s *Server) cachedNow() time.Time { return s.anchor.Load().at(s.mono.Since()) }

// nowAfter is the clock for a command of a pipeline that runs right after
// the one before it, under the same hold of mu: the time that one ended,
// which saves a read of the clock. Where that reading cannot serve (a test
// clock, a pause that may have made the command wait), it reads the clock.
// Called with s.mu held.
func (s *Server) nowAfter() time.Time {
	a := s.anchor.Load()
	if a == nil || !s.pause.until.IsZero() {
		return s.clock()
	}
	return a.at(s.callEnd)
}

// clockAnchor is a wall clock reading and the monotonic offset (since
// mono's base) it was taken at.
type clockAnchor struct {
	wall time.Time
	mono time.Duration
}

// at returns the wall time of the monotonic reading mono (since mono's
// base): the anchor's wall clock advanced by the monotonic time since it.
func (a *clockAnchor) at(mono time.Duration) time.Time { return a.wall.Add(mono - a.mono) }

// resyncClock re-anchors cachedNow on the wall clock.
func (s *Server) resyncClock() {
	s.mono.Resync()
	now := time.Now()
	s.anchor.Store(&clockAnchor{wall: now, mono: now.Sub(s.mono.Base())})
}

// now returns the current time in Unix milliseconds.
func (s *Server) now() int64 { return s.clock().UnixMilli() }

// onExpire is the store's hook for a key it is deleting because it
// expired: the deletion is an effect (DEL), a WATCH invalidation and memory
// freed. Called with s.mu held.
func (s *Server) onExpire(db int, key string, o *store.Object) {
	s.onExpireUsage(db, key, o)
	s.stats.expiredKeys++
	s.touchWatched(db, []byte(key), true)
	s.queueEffect(db, [][]byte{[]byte("DEL"), []byte(key)})
	s.notifyKey(notifyExpired, "expired", key, db)
	if len(s.tracking.keys) > 0 || len(s.tracking.prefixes) > 0 {
		s.trackingInvalidate([]byte(key), true)
	}
}

// onNewKey is the store's hook for a key added to a database: the "new"
// keyspace notification. Called with s.mu held.
func (s *Server) onNewKey(db int, key string) {
	s.notifyKey(notifyNew, "new", key, db)
}

// cron runs the periodic tasks (active expiry, client timeouts) hz times a
// second until the server closes.
func (s *Server) cron() {
	defer s.wg.Done()
	for {
		hz := s.config().Hz
		if hz < 1 {
			hz = 1
		} else if hz > 500 {
			hz = 500
		}
		t := time.NewTimer(time.Second / time.Duration(hz))
		select {
		case <-s.closed:
			t.Stop()
			return
		case <-t.C:
		}
		s.mu.Lock()
		if s.anchor.Load() != nil {
			s.resyncClock()
		}
		if !s.activeExpireOff && !s.persist.loading {
			s.activeExpire(hz)
		}
		s.persistCron()
		s.memoryCron()
		s.redirectBlocked()
		s.dropUnservedShardChannels()
		s.flushEffects(false)
		s.mu.Unlock()
		s.closeIdleClients()
		s.noteProcessors()
	}
}

// noteProcessors records whether the runtime now runs one processor
// (procs.Run may change it at any time; GOMAXPROCS may fix it).
func (s *Server) noteProcessors() { s.oneProcessor.Store(runtime.GOMAXPROCS(0) == 1) }

// activeExpire samples keys with an expiry and deletes the expired ones,
// within a time budget of 25% of a cron period, as Redis's slow cycle does.
// Called with s.mu held.
func (s *Server) activeExpire(hz int) {
	start := time.Now()
	budget := time.Second / time.Duration(hz) / 4
	const perRound = 20
	for i := 0; i < s.store.NumDB(); i++ {
		db := s.store.DB(i)
		for db.ExpiresLen() > 0 {
			sampled, deleted := db.ExpireCycle(s.now(), s.rng, perRound)
			// Keep going while more than a quarter of the sample was expired.
			if sampled == 0 || deleted*4 <= sampled || time.Since(start) > budget {
				break
			}
		}
		if time.Since(start) > budget {
			return
		}
	}
}

// HoldProcessors reports whether the server needs every Go processor it
// started with, whatever procs.Run's measurements say:
//   - while a background snapshot (BGSAVE, BGREWRITEAOF) walks the
//     keyspace, which on one processor takes turns with every client (their
//     p99 under back-to-back BGSAVEs doubled);
//   - while appendfsync always is on, whose fsyncs keep their thread and
//     processor (on one, unpipelined writes lost 5-25%);
//   - while the garbage collector takes more than gcBusyShare of the CPU
//     the process uses (since the last call; only with Options.TuneGC,
//     when the process is the server's alone), as it does in a server
//     evicting hash tables at maxmemory (hashes of long values, sets of
//     strings), which allocates against the runtime's memory limit: on one
//     processor each collection marked for 140 ms instead of 25 (half of
//     the time between collections, with the write barrier on), and
//     pipelined HSETs that evict ran 28% slower.
//     Evicting strings reuses their allocations and collects rarely; it
//     served pipelined SETs 23% faster on one processor, at a p99 of 2.1
//     ms against 5.3 on two.
//
// Safe for concurrent use.
func (s *Server) HoldProcessors() bool {
	if s.snapRunning.Load() {
		return true
	}
	cfg := s.config()
	if cfg.AppendOnly && fsyncPolicy(cfg) == aof.Always {
		return true
	}
	return s.mem.gcTuned && s.gcMeter.busy()
}
