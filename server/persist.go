package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"quordis/aof"
	"quordis/conf"
	"quordis/store"
)

// Persistence: the AOF (appendonly yes) and RDB snapshots (SAVE, BGSAVE,
// the save schedule, dump.rdb at start-up). Formats and files belong to
// package aof; this file decides when to load, append, wait, rewrite and
// save. Snapshots for BGSAVE and BGREWRITEAOF come from snapshot.go, so
// clients go on while they are written.

// persistState is the persistence bookkeeping INFO reports. Guarded by
// Server.mu.
type persistState struct {
	aof       *aof.AOF // the open AOF when appendonly is yes
	aofSeq    uint64   // sequence number of the last append
	aofBase   int64    // AOF size after the last rewrite (auto rewrite)
	loading   bool
	replaying bool // commands run from a file: no propagation
	loadErr   error

	rewrite          *bgJob // BGREWRITEAOF in progress
	rewriteScheduled bool
	rewrites         int64
	lastRewriteOK    bool
	lastRewriteSecs  int64

	bgsave          *bgJob // BGSAVE in progress
	bgsaveScheduled bool
	lastBgsaveOK    bool
	lastSaveTry     time.Time
	lastBgsaveS     int64
	rdbSaves        int64
}

// bgJob is a snapshot being written in the background.
type bgJob struct {
	start time.Time
	sn    *snapshot
	stop  chan struct{} // closed to cancel the job
}

// cancel asks the job to stop; a nil job is none.
func (j *bgJob) cancel() {
	if j == nil {
		return
	}
	select {
	case <-j.stop:
	default:
		close(j.stop)
	}
}

func (s *Server) aofOptions(cfg *conf.Config) aof.Options {
	return aof.Options{Dir: cfg.Dir, DirName: cfg.AppendDirname, FileName: cfg.AppendFilename,
		Fsync: fsyncPolicy(cfg), LoadTruncated: cfg.AOFLoadTruncated, Logger: s.log}
}

// fsyncPolicy is cfg's appendfsync.
func fsyncPolicy(cfg *conf.Config) aof.Policy {
	switch cfg.AppendFsync {
	case "always":
		return aof.Always
	case "no":
		return aof.No
	}
	return aof.EverySec
}

// rdbPath is where SAVE writes and start-up reads dump.rdb.
func rdbPath(cfg *conf.Config) string {
	if filepath.IsAbs(cfg.DBFilename) {
		return cfg.DBFilename
	}
	return filepath.Join(cfg.Dir, cfg.DBFilename)
}

// needsLoad reports whether start-up has a file to load.
func needsLoad(cfg *conf.Config) bool {
	if cfg.AppendOnly {
		return true
	}
	_, err := os.Stat(rdbPath(cfg))
	return err == nil
}

// load reads the AOF, or dump.rdb when the AOF is off, into the keyspace,
// clients being answered LOADING meanwhile. A failure stops the server:
// Err reports it. It runs on its own goroutine, owned by s.wg.
func (s *Server) load() {
	defer s.wg.Done()
	cfg := s.config()
	start := time.Now()
	var err error
	var a *aof.AOF
	if cfg.AppendOnly {
		a, err = s.loadAOF(cfg)
	} else {
		err = s.loadRDBFile(rdbPath(cfg), encodingLimits(cfg))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.persist.loading = false
	if err != nil {
		if a != nil {
			a.Close()
		}
		s.persist.loadErr = err
		s.log.Error("could not load the dataset; stopping", "err", err)
		s.shutdownLocked()
		return
	}
	if a != nil {
		base, incr := a.Size()
		s.persist.aof, s.persist.aofBase = a, base+incr
	}
	s.dirty = 0
	s.log.Info("DB loaded from disk", "seconds", time.Since(start).Seconds(), "keys", s.store.Keys())
}

// Err returns what stopped the server on its own, such as a dataset that
// could not be loaded, or nil.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.persist.loadErr
}

// loadAOF opens the AOF and replays it.
func (s *Server) loadAOF(cfg *conf.Config) (*aof.AOF, error) {
	a, err := aof.Open(s.aofOptions(cfg))
	if err != nil {
		return nil, err
	}
	loader := s.newPseudoClient()
	stats, err := a.Load(
		func(r io.Reader) error {
			_, err := aof.ReadRDBWith(r, encodingLimits(cfg), s.loadKey, s.loadLibraryCode)
			return err
		},
		func(db int, argv [][]byte) error { return s.replay(loader, db, argv) },
	)
	if err != nil {
		return a, err
	}
	if stats.Truncated {
		s.log.Warn("the AOF was truncated: its incomplete last command was cut")
	}
	return a, nil
}

// loadRDBFile loads path, a dump.rdb, when it exists, building values
// under the thresholds lim.
func (s *Server) loadRDBFile(path string, lim store.Limits) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = aof.ReadRDBWith(bufio.NewReaderSize(f, 1<<16), lim, s.loadKey, s.loadLibraryCode)
	if err != nil {
		return fmt.Errorf("server: loading %s: %w", path, err)
	}
	return nil
}

// loadKey stores a key read from an RDB file; keys already expired are
// dropped, as a Redis master drops them.
func (s *Server) loadKey(db int, key string, o store.Object, expireAt int64) error {
	s.loadDelay()
	s.mu.Lock()
	defer s.mu.Unlock()
	if db < 0 || db >= s.store.NumDB() {
		return fmt.Errorf("server: the file uses database %d but databases is %d", db, s.store.NumDB())
	}
	now := s.now()
	if expireAt > 0 && expireAt <= now {
		return nil
	}
	d := s.store.DB(db)
	d.Set(key, o, now)
	if expireAt > 0 {
		d.SetExpiry(key, expireAt)
	}
	s.addUsage(db, store.Usage(key, &o, expireAt > 0))
	return nil
}

// loadDelay waits key-load-delay microseconds, as Redis does per key
// loaded, so tests can watch a load in progress.
func (s *Server) loadDelay() {
	if d := s.config().KeyLoadDelay; d > 0 {
		time.Sleep(time.Duration(d) * time.Microsecond)
	}
}

// newPseudoClient is the client that runs commands read from files.
func (s *Server) newPseudoClient() *client {
	return &client{srv: s, proto: 2, user: "default", authenticated: true, done: make(chan struct{})}
}

// replay runs one command read from the AOF in database db. MULTI and EXEC
// only delimit transactions the loader already read whole.
func (s *Server) replay(c *client, db int, argv [][]byte) error {
	s.loadDelay()
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd, msg := s.lookup(argv)
	if msg != "" {
		return fmt.Errorf("server: unknown command '%s' reading the append only file: %s", argv[0], msg)
	}
	switch cmd.Name {
	case "multi", "exec":
		return nil
	}
	if db >= s.store.NumDB() {
		return fmt.Errorf("server: the AOF uses database %d but databases is %d", db, s.store.NumDB())
	}
	c.db = db
	s.persist.replaying = true
	ctx := s.acquireCtx()
	*ctx = Ctx{s: s, cl: c, Cmd: cmd, Args: argv, DB: s.store.DB(db), Now: s.now(), Rand: s.rng, effects: ctx.effects[:0]}
	s.trackWrite(s.writtenKeys(db, cmd, argv, nil), ctx.Now, func() { s.runHandler(ctx) })
	s.releaseCtx()
	s.persist.replaying = false
	s.pending = s.pending[:0]
	return nil
}

// appendEffect writes one effect to the AOF. Called with s.mu held.
func (s *Server) appendEffect(db int, argv [][]byte) {
	if a := s.persist.aof; a != nil {
		s.persist.aofSeq = a.Append(db, argv)
	}
}

// noteDurability records, for the client whose request just ran, the AOF
// position its replies must wait for: its own writes (wrote) and those of
// others it may have seen. While the AOF fails, the writes of others
// cannot be waited for, and a request that wrote nothing is answered at
// once, as Redis answers reads while it refuses writes (MISCONF). Called
// with s.mu held.
func (s *Server) noteDurability(c *client, wrote bool) {
	a := s.persist.aof
	if a == nil || !wrote && a.Failing() {
		return
	}
	if c.aofSeen.raise(aofMark{a, s.persist.aofSeq}) {
		c.aofWait = c.aofSeen
	}
}

// aofMark is a position in an AOF that output waits for: the sequence
// number of the last command it follows. Sequence numbers are per AOF (one
// turned on at run time starts from zero), so a position in another AOF
// replaces a mark instead of being compared with it.
type aofMark struct {
	a   *aof.AOF
	seq uint64
}

// raise moves m to to when to is in another AOF or further in the same,
// and reports whether it moved.
func (m *aofMark) raise(to aofMark) bool {
	if to.a == m.a && to.seq <= m.seq {
		return false
	}
	*m = to
	return true
}

// waitDurable blocks, outside the keyspace lock, until the writes of the
// replies in c.out are as durable as appendfsync promises (fsynced with
// always, written with everysec and no). It reports false when they cannot
// be: the connection is then closed without the replies, whose writes have
// an unknown outcome.
func (c *client) waitDurable() bool {
	wait := c.aofWait
	c.aofWait = aofMark{}
	return wait.a == nil || c.durable(wait)
}

// durable waits until the commands up to wait are as durable as
// appendfsync promises, and reports whether they are. A closed AOF
// (appendonly turned off, shutdown) made them as durable as it could.
func (c *client) durable(wait aofMark) bool {
	return c.durableErr(wait.a.WaitDurable(wait.seq), wait.a.Policy() == aof.Always)
}

// durableErr is durable for the outcome err of a wait, under appendfsync
// always or not. A failure closes the connection; under always it ends
// the process, as Redis exits when it cannot write or fsync the AOF
// then: the dataset holds a write the AOF does not, and a restart
// reloads the AOF.
func (c *client) durableErr(err error, always bool) bool {
	if err == nil || errors.Is(err, aof.ErrClosed) {
		return true
	}
	if always {
		c.srv.log.Error("Can't recover from an AOF write or fsync error when the AOF fsync policy is 'always'. Exiting...", "err", err)
		c.srv.exit(1)
	}
	c.srv.log.Error("closing a client whose writes could not be made durable", "addr", c.raddr, "err", err)
	return false
}

// hold hands the pending replies, when they wait for an fsync
// (appendfsync always), to the AOF instead of waiting for it: they are
// written once the fsync is done, by the goroutine that did it (heldDone),
// as Redis writes the replies of an event loop iteration after its fsync,
// and the connection's goroutine goes back to reading. A client that waits
// for its reply, as most do, sends nothing more before it is written; the
// connection's goroutine settles the hand-over before it runs or writes
// anything more. It reports whether the replies were handed over.
// Connections with another writer (a pusher) or without raw I/O wait as
// before, and so do replies over the soft output-buffer limit, which
// flush enforces.
func (c *client) hold() bool {
	a := c.aofWait.a
	if !c.awaitsAlways() || c.raw == nil || c.pushWake != nil || len(c.out) == 0 {
		return false
	}
	if lim := c.outputLimit(); lim.Soft > 0 && int64(len(c.out)) > lim.Soft {
		return false
	}
	c.heldMu.Lock()
	c.held, c.out = c.out, c.spare
	c.spare = nil
	c.heldMu.Unlock()
	seq := c.aofWait.seq
	c.holding, c.aofWait = true, aofMark{}
	a.Notify(seq, c.heldFn)
	return true
}

// awaitsAlways reports whether c's pending replies follow writes that
// appendfsync always must make durable before they go out.
func (c *client) awaitsAlways() bool {
	a := c.aofWait.a
	return a != nil && a.Policy() == aof.Always
}

// heldDone is the AOF's call once the held replies are durable or cannot
// be. It writes them as far as the socket takes them at once, and leaves
// the rest to a goroutine of its own, so that the next fsync does not wait
// for a slow reader. When the writes cannot be made durable, the
// connection is closed without the replies, as waitDurable does.
func (c *client) heldDone(err error) {
	c.heldMu.Lock()
	if !c.durableErr(err, true) {
		c.heldWritten(0, err)
		return
	}
	// Nothing else writes while replies are held: the connection's
	// goroutine settles them first, and a connection with a pusher does
	// not hold.
	c.writeMu.Lock()
	h := c.held
	n, werr := c.raw.TryWrite(h)
	if werr == nil && n < len(h) {
		// heldMu and writeMu stay locked until the rest is written.
		go func() {
			m, werr := c.w.Write(h[n:])
			c.writeMu.Unlock()
			c.heldWritten(n+m, werr)
		}()
		return
	}
	c.writeMu.Unlock()
	c.heldWritten(n, werr)
}

// heldWritten ends heldDone, with heldMu locked: n bytes of held went
// out; err closes the connection.
func (c *client) heldWritten(n int, err error) {
	c.srv.netOutput.Add(int64(n))
	if err != nil {
		c.heldFailed = true
		c.disconnect()
	}
	if cap(c.held) <= 1<<20 {
		c.spare = c.held[:0]
	}
	c.held = nil
	c.heldCond.Broadcast()
	c.heldMu.Unlock()
}

// settle waits until held replies are written, before the connection's
// goroutine runs or writes anything more, and takes back their buffer. It
// reports false when they could not be made durable or written: the
// connection is closed.
func (c *client) settle() bool {
	c.holding = false
	c.heldMu.Lock()
	defer c.heldMu.Unlock()
	for c.held != nil {
		c.heldCond.Wait()
	}
	if len(c.out) == 0 && c.spare != nil {
		c.out, c.spare = c.spare, nil
	}
	return !c.heldFailed
}

// msgBgsaveErr refuses writes after a failed BGSAVE (Redis's
// shared.bgsaveerr).
const msgBgsaveErr = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
	"Commands that may modify the data set are disabled, because this instance is configured to report errors " +
	"during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). " +
	"Please check the Redis logs for details about the RDB error."

// diskError is the MISCONF refusal of writes (and of PING) while the data
// cannot be persisted, or "", as Redis's writeCommandsDeniedByDiskError:
// after a failed background save, while save points are set and
// stop-writes-on-bgsave-error is on, and while the AOF cannot be written
// or fsynced. Called with s.mu held.
func (s *Server) diskError() string {
	p := &s.persist
	if cfg := s.config(); cfg.StopWritesOnBgsaveError && len(cfg.Save) > 0 && !p.lastBgsaveOK {
		return msgBgsaveErr
	}
	if p.aof != nil {
		if err := p.aof.Err(); err != nil {
			// As Redis before its next sleep, try the write again: once
			// the disk has room, the next write goes through.
			p.aof.RetryWrite()
			return "MISCONF Errors writing to the AOF file: " + strerror(err)
		}
	}
	return ""
}

// strerror is the C library's text for the system error in err ("No
// space left on device"), which Redis's replies quote, or err's own text
// when it holds none. Go's texts are the C library's with the first
// letter in lower case.
func strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	if msg != "" && 'a' <= msg[0] && msg[0] <= 'z' {
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	return msg
}

// startRewrite begins BGREWRITEAOF: the AOF switches to a new incremental
// file at this instant and a snapshot of this instant becomes the new
// base, written in the background. rw comes from aof.Enable (CONFIG SET
// appendonly yes), or nil to start one. Called with s.mu held.
func (s *Server) startRewrite(rw *aof.Rewrite) error {
	a := s.persist.aof
	if rw == nil {
		var err error
		if rw, err = a.StartRewrite(); err != nil {
			return err
		}
	}
	preamble := s.config().AOFUseRDBPreamble
	var buf bytes.Buffer
	var emit emitFunc
	var rdbw *aof.RDBWriter
	if preamble {
		rdbw = aof.NewRDBWriter(&buf, s.now(), map[string]string{"aof-base": "1"})
		s.writeLibraries(rdbw)
		emit = rdbw.Key
	} else {
		for _, code := range s.libraryCodes() {
			buf.Write(aof.AppendCommand(nil, [][]byte{[]byte("FUNCTION"), []byte("LOAD"), []byte(code)}))
		}
		emit = newCommandEmitter(&buf).emit
	}
	job := &bgJob{start: time.Now(), sn: s.startSnapshot(emit), stop: make(chan struct{})}
	s.persist.rewrite = job
	s.persist.rewriteScheduled = false
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := s.writeSnapshot(job, &buf, rw.Base(), func() error {
			if rdbw != nil {
				return rdbw.Close()
			}
			return nil
		})
		if err == nil {
			err = rw.Commit(preamble)
		} else {
			rw.Abort()
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.persist.rewrite = nil
		s.persist.lastRewriteSecs = int64(time.Since(job.start).Seconds())
		s.persist.lastRewriteOK = err == nil
		if err != nil {
			s.log.Warn("Background AOF rewrite failed", "err", err)
			return
		}
		s.persist.rewrites++
		base, incr := a.Size()
		s.persist.aofBase = base + incr
		s.log.Info("Background AOF rewrite finished successfully")
	}()
	return nil
}

// snapshotStepBudget bounds one step of a background snapshot's walk:
// the clients wait for the keyspace lock while it runs.
const snapshotStepBudget = 100 * time.Microsecond

// errSnapshotCancelled ends a snapshot job that was cancelled.
var errSnapshotCancelled = errors.New("server: snapshot cancelled")

// writeSnapshot drives a snapshot job to its end: steps under the
// keyspace lock, each step's bytes written to out outside it, then
// finish's bytes. It returns the first error; a cancelled job aborts.
func (s *Server) writeSnapshot(job *bgJob, buf *bytes.Buffer, out io.Writer, finish func() error) error {
	var chunk []byte
	for {
		select {
		case <-job.stop:
			s.mu.Lock()
			job.sn.abort()
			s.mu.Unlock()
			return errSnapshotCancelled
		default:
		}
		s.mu.Lock()
		done := job.sn.step(1024, snapshotStepBudget)
		err := job.sn.err
		if done && err == nil {
			err = finish()
		}
		chunk = append(chunk[:0], buf.Bytes()...)
		buf.Reset()
		if err != nil {
			job.sn.abort()
		}
		s.mu.Unlock()
		if err != nil {
			return err
		}
		if _, err := out.Write(chunk); err != nil {
			s.mu.Lock()
			job.sn.abort()
			s.mu.Unlock()
			return err
		}
		if done {
			return nil
		}
		// Let the clients that waited for the lock run before the next
		// step takes it again.
		runtime.Gosched()
	}
}

// commandEmitter writes snapshot keys as the commands that rebuild them,
// for an AOF base without the RDB preamble.
type commandEmitter struct {
	w  *bytes.Buffer
	db int
}

func newCommandEmitter(w *bytes.Buffer) *commandEmitter { return &commandEmitter{w: w, db: -1} }

// itemsPerCommand is how many elements one rebuilding command carries, as
// Redis's AOF_REWRITE_ITEMS_PER_CMD.
const itemsPerCommand = 64

func (e *commandEmitter) emit(db int, key string, o *store.Object, expireAt int64) error {
	var out []byte
	if db != e.db {
		out = aof.AppendCommand(out, [][]byte{[]byte("SELECT"), []byte(strconv.Itoa(db))})
		e.db = db
	}
	k := []byte(key)
	batch := func(cmd string, items [][]byte, per int) {
		for len(items) > 0 {
			n := min(len(items), itemsPerCommand*per)
			argv := append([][]byte{[]byte(cmd), k}, items[:n]...)
			out = aof.AppendCommand(out, argv)
			items = items[n:]
		}
	}
	var items [][]byte
	switch o.Kind {
	case store.KindString:
		out = aof.AppendCommand(out, [][]byte{[]byte("SET"), k, o.Str()})
	case store.KindList:
		o.AsList().Each(func(v []byte) bool { items = append(items, append([]byte(nil), v...)); return true })
		batch("RPUSH", items, 1)
	case store.KindHash:
		o.AsHash().Range(func(f, v string) bool { items = append(items, []byte(f), []byte(v)); return true })
		batch("HSET", items, 2)
	case store.KindSet:
		o.AsSet().Range(func(m string) bool { items = append(items, []byte(m)); return true })
		batch("SADD", items, 1)
	case store.KindZSet:
		o.AsZSet().Walk(0, false, func(m string, score float64) bool {
			items = append(items, formatDouble(nil, score), []byte(m))
			return true
		})
		batch("ZADD", items, 2)
	default:
		return fmt.Errorf("server: cannot rewrite a value of type %s", o.Kind)
	}
	if expireAt > 0 {
		out = aof.AppendCommand(out, [][]byte{[]byte("PEXPIREAT"), k, []byte(strconv.FormatInt(expireAt, 10))})
	}
	e.w.Write(out)
	return nil
}

// startBgsave begins BGSAVE: a snapshot of this instant written to a
// temporary file next to dump.rdb, renamed over it when complete. When
// the temporary file cannot be created, the save has failed at once, as
// Redis's child process fails (and stops writes with
// stop-writes-on-bgsave-error, see diskError). Called with s.mu held.
func (s *Server) startBgsave() {
	cfg := s.config()
	path := rdbPath(cfg)
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("temp-%d-%d.rdb", os.Getpid(), s.rng.Uint32()))
	f, err := os.Create(tmp)
	if err != nil {
		s.log.Warn("Background saving error: can't create the temporary file", "err", err)
		s.persist.lastSaveTry, s.persist.lastBgsaveS, s.persist.lastBgsaveOK = time.Now(), 0, false
		return
	}
	var buf bytes.Buffer
	rdbw := aof.NewRDBWriter(&buf, s.now(), nil)
	s.writeLibraries(rdbw)
	job := &bgJob{start: time.Now(), sn: s.startSnapshot(rdbw.Key), stop: make(chan struct{})}
	dirtyAtStart := s.dirty
	s.persist.bgsave = job
	s.persist.lastSaveTry = job.start
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		w := bufio.NewWriterSize(f, 1<<16)
		err := s.writeSnapshot(job, &buf, w, rdbw.Close)
		err = finishFile(f, w, tmp, path, err)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.persist.bgsave = nil
		if errors.Is(err, errSnapshotCancelled) {
			// Not a failure: Redis's killed child does not fail BGSAVE.
			s.log.Warn("Background saving cancelled")
			return
		}
		s.persist.lastBgsaveS = int64(time.Since(job.start).Seconds())
		s.persist.lastBgsaveOK = err == nil
		if err != nil {
			s.log.Warn("Background saving error", "err", err)
			return
		}
		s.dirty -= dirtyAtStart
		s.lastSave = s.clock()
		s.persist.rdbSaves++
		s.log.Info("Background saving terminated with success")
	}()
}

// finishFile flushes, fsyncs and closes a temporary file and renames it
// to path, or removes it when err is set or any step fails.
func finishFile(f *os.File, w *bufio.Writer, tmp, path string, err error) error {
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		if d, derr := os.Open(filepath.Dir(path)); derr == nil {
			d.Sync()
			d.Close()
		}
		return nil
	}
	os.Remove(tmp)
	return err
}

// save writes dump.rdb now, holding the keyspace lock (SAVE, and SHUTDOWN
// with save points). Called with s.mu held.
func (s *Server) save() error {
	path := rdbPath(s.config())
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("temp-%d.rdb", os.Getpid()))
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("server: can't create %s: %w", tmp, err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	rdbw := aof.NewRDBWriter(w, s.now(), nil)
	s.writeLibraries(rdbw)
	if err = rdbw.Store(s.store); err == nil {
		err = rdbw.Close()
	}
	if err = finishFile(f, w, tmp, path, err); err != nil {
		return err
	}
	s.dirty = 0
	s.lastSave = s.clock()
	s.persist.rdbSaves++
	s.persist.lastBgsaveOK = true
	return nil
}

// saveFlushed writes the empty dataset to dump.rdb after FLUSHALL when
// save points are set, cancelling a BGSAVE in progress, as Redis does: a
// restart does not bring the flushed keys back. The count of changes
// since the last save stays, so that the FLUSHALL itself counts. A
// FLUSHALL replayed from the AOF at start-up saves nothing. Called with
// s.mu held.
func (s *Server) saveFlushed() {
	if len(s.config().Save) == 0 || s.persist.replaying {
		return
	}
	s.persist.bgsave.cancel()
	dirty := s.dirty
	if err := s.save(); err != nil {
		s.log.Warn("could not save the DB after FLUSHALL", "err", err)
	}
	s.dirty = dirty
}

// persistCron starts scheduled work: a BGREWRITEAOF that waited for a
// BGSAVE, the save schedule, and the automatic AOF rewrite. Called with
// s.mu held, hz times a second.
func (s *Server) persistCron() {
	p := &s.persist
	if p.loading || s.snap != nil {
		return
	}
	cfg := s.config()
	now := s.clock()
	if p.rewriteScheduled && p.aof != nil {
		if err := s.startRewrite(nil); err != nil {
			s.log.Warn("could not start the scheduled AOF rewrite", "err", err)
		}
		return
	}
	if p.bgsaveScheduled {
		p.bgsaveScheduled = false
		s.startBgsave()
		return
	}
	for _, sp := range cfg.Save {
		// After a failed BGSAVE, wait 5 s before trying again, as Redis.
		if s.dirty >= sp.Changes && now.Sub(s.lastSave) >= time.Duration(sp.Seconds)*time.Second &&
			(p.lastBgsaveOK || now.Sub(p.lastSaveTry) >= 5*time.Second) {
			s.log.Info("saving: changes in seconds", "changes", sp.Changes, "seconds", sp.Seconds)
			s.startBgsave()
			return
		}
	}
	if p.aof != nil && cfg.AutoAOFRewritePercentage > 0 {
		base, incr := p.aof.Size()
		size := base + incr
		// The growth over the size after the last rewrite (or at start-up,
		// 1 byte at least), as Redis computes it.
		if size > cfg.AutoAOFRewriteMinSize && size*100/max(p.aofBase, 1)-100 >= cfg.AutoAOFRewritePercentage {
			s.log.Info("starting an automatic AOF rewrite", "size", size, "base", p.aofBase)
			if err := s.startRewrite(nil); err != nil {
				s.log.Warn("could not start the automatic AOF rewrite", "err", err)
			}
		}
	}
}

// setAppendOnly turns the AOF on or off at run time (CONFIG SET
// appendonly). Called with s.mu held.
func (s *Server) setAppendOnly(cfg *conf.Config) error {
	p := &s.persist
	if !cfg.AppendOnly {
		p.rewrite.cancel()
		if p.aof != nil {
			err := p.aof.Close()
			p.aof, p.aofSeq = nil, 0
			return err
		}
		return nil
	}
	if p.aof != nil || p.loading {
		return nil
	}
	if s.snap != nil {
		return errors.New("ERR Background save in progress, try again later")
	}
	a, rw, err := aof.Enable(s.aofOptions(cfg))
	if err != nil {
		return err
	}
	p.aof, p.aofSeq = a, 0
	return s.startRewrite(rw)
}

// closePersistence stops background jobs, closes the AOF (flushing and
// fsyncing it) and, when save points are configured and save allows,
// writes dump.rdb, as Redis does on shutdown. Called with s.mu held.
func (s *Server) closePersistence(save bool) {
	p := &s.persist
	p.rewrite.cancel()
	p.bgsave.cancel()
	if p.aof != nil {
		if err := p.aof.Close(); err != nil {
			s.log.Warn("error closing the AOF", "err", err)
		}
		p.aof, p.aofSeq = nil, 0
	}
	if save && !p.loading && p.loadErr == nil {
		if err := s.save(); err != nil {
			s.log.Warn("error saving the DB on shutdown", "err", err)
		}
	}
}

// writeLibraries writes the function libraries at the start of an RDB
// file (or an AOF's RDB preamble), as Redis does. Called with s.mu held.
func (s *Server) writeLibraries(rdbw *aof.RDBWriter) {
	for _, code := range s.libraryCodes() {
		rdbw.Function(code)
	}
}
