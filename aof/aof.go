package aof

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Policy is appendfsync: when written records are fsynced.
type Policy int

const (
	// EverySec fsyncs in the background at most once a second (Redis's
	// default): a power loss may lose about the last second.
	EverySec Policy = iota
	// Always fsyncs before a write is acknowledged, sharing one fsync
	// among all writers waiting at the same time (group commit).
	Always
	// No leaves flushing to the operating system.
	No
)

// String returns the appendfsync value: "everysec", "always" or "no".
func (p Policy) String() string {
	switch p {
	case Always:
		return "always"
	case No:
		return "no"
	default:
		return "everysec"
	}
}

// Options configures an AOF. The zero value of each field is Redis's
// default.
type Options struct {
	Dir      string // dir; "." when empty
	DirName  string // appenddirname; "appendonlydir" when empty
	FileName string // appendfilename; "appendonly.aof" when empty
	Fsync    Policy // appendfsync
	// LoadTruncated is aof-load-truncated: Load cuts an incomplete last
	// record of the last file instead of failing.
	LoadTruncated bool
	FS            FS           // nil means the operating system's
	Logger        *slog.Logger // nil discards
}

// Errors returned by the AOF.
var (
	ErrClosed            = errors.New("aof: closed")
	ErrRewriteInProgress = errors.New("aof: Background append only file rewriting already in progress")
)

// AOF is an open append-only file in Redis 7.0's multi-part layout: a
// directory (appenddirname) holding a manifest, at most one base file and
// the incremental files. Commands are appended to the last incremental file.
//
// Typical use: Open, Load (replays what is on disk), then Append under the
// keyspace lock for every write, Flush before replying (Redis's beforeSleep),
// or WaitDurable(seq) for a single write, or Notify(seq, fn) to be called
// back once it is durable; Close at shutdown.
//
// Append, Flush, WaitDurable, Notify, Size and Err may be called from any
// goroutine. Lock order: mmu, wmu, mu; wmu before smu, and wmu before the
// sync claim (syncing); mu and smu are never held together, and none of
// them is held while Notify callbacks run.
type AOF struct {
	opts   Options
	fs     FS
	log    *slog.Logger
	aofDir string

	// mmu serializes manifest changes: StartRewrite, Commit, Abort, Close.
	mmu sync.Mutex
	// man is the manifest as on disk; guarded by mmu.
	man *manifest
	// openedIncr is the incremental file Open created, absent from the
	// manifest Redis would have loaded; guarded by mmu.
	openedIncr string
	// rw is the rewrite in progress, if any; guarded by mmu.
	rw *Rewrite
	// waiting is set from Enable until a rewrite commits: appends go to a
	// temporary file outside the manifest (Redis's AOF_WAIT_REWRITE);
	// guarded by mmu.
	waiting bool

	// wmu serializes writes to the file and the switch to a new file; it is
	// held during write I/O.
	wmu sync.Mutex
	// loaded is set once Load ran or a write happened; guarded by wmu.
	loaded bool

	// mu guards the write buffer.
	mu       sync.Mutex
	buf      []byte
	spare    []byte // a drained buffer kept for reuse
	selected int    // database of the last SELECT in the stream; -1 forces one
	end      uint64 // logical offset of the end of buf: the last sequence number

	// smu guards the durability state below; cond signals its changes.
	smu  sync.Mutex
	cond *sync.Cond
	// file is the current incremental file. It is replaced only with wmu
	// held and the sync claimed, so a writer (holding wmu) or the claimer
	// may use it without smu.
	file File
	// curName is its name, changed with wmu and smu held.
	curName string
	written uint64 // logical offset handed to the OS
	synced  uint64 // logical offset known durable
	syncing bool   // the sync claim: one goroutine is fsyncing file
	want    uint64 // the largest offset asked to be made durable
	// wake wakes the syncer (on smu), which sets syncerIdle while it
	// waits; stopping stops it.
	wake       *sync.Cond
	syncerIdle bool
	leading    bool // a caller of requestLocked is on its way to a round
	stopping   bool
	notices    []notice // Notify callbacks waiting for their fsync
	firing     []notice // a round's callbacks to call, reused
	// writeErr is the last write error; a later successful write clears it,
	// as Redis's aof_last_write_status, except under Always where it stays.
	writeErr error
	// syncErr is an fsync error; it stays (after a failed fsync the kernel
	// may have dropped the dirty pages, so a later success proves nothing).
	syncErr error
	// failing mirrors writeErr != nil || syncErr != nil, for Failing.
	failing  atomic.Bool
	closed   bool
	fsyncs   int64
	baseSize int64 // size of the base file
	incrSize int64 // size of the incremental files before the current one
	curSize  int64 // size of the current incremental file

	stop       chan struct{}
	retry      chan struct{}  // RetryWrite's request to everySec
	policy     atomic.Int32   // appendfsync, a Policy; opts.Fsync at first
	done       sync.WaitGroup // the everysec goroutine
	syncerDone sync.WaitGroup
}

// Open opens the AOF in opts.Dir as Redis 7.0 does at start-up: it reads the
// manifest; upgrades a legacy appendonly.aof in dir into the directory when
// there is no manifest yet; creates the directory, an empty base and the
// first incremental file when there is no AOF at all; opens the last
// incremental file for appending (creating a new one when the manifest lists
// none), persists the manifest and deletes history files. Call Load next.
func Open(opts Options) (*AOF, error) {
	a, err := newAOF(opts)
	if err != nil {
		return nil, err
	}
	if err := a.open(); err != nil {
		return nil, err
	}
	a.startBackground()
	return a, nil
}

// newAOF validates opts, fills in defaults and builds an AOF with no file.
func newAOF(opts Options) (*AOF, error) {
	if opts.Dir == "" {
		opts.Dir = "."
	}
	if opts.DirName == "" {
		opts.DirName = "appendonlydir"
	}
	if opts.FileName == "" {
		opts.FileName = "appendonly.aof"
	}
	if strings.ContainsAny(opts.FileName, "/\\") {
		return nil, errors.New("aof: appendfilename can't be a path, just a filename")
	}
	if strings.ContainsAny(opts.DirName, "/\\") {
		return nil, errors.New("aof: appenddirname can't be a path, just a dirname")
	}
	if opts.FS == nil {
		opts.FS = OSFS()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	a := &AOF{
		opts:     opts,
		fs:       opts.FS,
		log:      opts.Logger,
		aofDir:   filepath.Join(opts.Dir, opts.DirName),
		selected: -1,
		stop:     make(chan struct{}),
		retry:    make(chan struct{}, 1),
	}
	a.cond = sync.NewCond(&a.smu)
	a.wake = sync.NewCond(&a.smu)
	a.policy.Store(int32(opts.Fsync))
	return a, nil
}

// startBackground starts the syncer and the everysec background fsync,
// which works while that is the policy.
func (a *AOF) startBackground() {
	a.syncerDone.Add(1)
	go a.syncer()
	a.done.Add(1)
	go a.everySec()
}

// mkdir creates the AOF directory durably if it is missing.
func (a *AOF) mkdir() error {
	if _, ok := exists(a.fs, a.aofDir); ok {
		return nil
	}
	if err := a.fs.MkdirAll(a.aofDir, 0o755); err != nil {
		return fmt.Errorf("aof: can't open or create append-only dir %s: %w", a.aofDir, err)
	}
	if err := a.fs.SyncDir(a.opts.Dir); err != nil {
		return fmt.Errorf("aof: fail to fsync %s: %w", a.opts.Dir, err)
	}
	return nil
}

func (a *AOF) open() error {
	m, err := a.readManifest()
	if err != nil {
		return err
	}
	if m, err = a.upgradeLegacy(m); err != nil {
		return err
	}
	dirty := false
	if err := a.mkdir(); err != nil {
		return err
	}
	if m.base == nil && len(m.incr) == 0 {
		// Redis rewrites the (empty) dataset into a first base file; with
		// nothing loaded that is an empty file, as Redis writes it with
		// aof-use-rdb-preamble no.
		name := m.newBase(a.opts.FileName, false)
		if err := a.createEmpty(name); err != nil {
			return err
		}
		dirty = true
		a.log.Info("Creating AOF base file on server start", "file", name)
	}
	if m.base != nil {
		st, err := a.fs.Stat(filepath.Join(a.aofDir, m.base.name))
		if err != nil {
			return fmt.Errorf("aof: unable to obtain the AOF file %s length: %w", m.base.name, err)
		}
		a.baseSize = st.Size()
	}
	for _, ai := range m.incr {
		st, err := a.fs.Stat(filepath.Join(a.aofDir, ai.name))
		if err != nil {
			return fmt.Errorf("aof: unable to obtain the AOF file %s length: %w", ai.name, err)
		}
		a.incrSize += st.Size()
	}
	if len(m.incr) == 0 {
		a.openedIncr = m.newIncr(a.opts.FileName)
		dirty = true
		a.log.Info("Creating AOF incr file on server start", "file", a.openedIncr)
	} else {
		a.log.Info("Opening AOF incr file on server start", "file", m.incr[len(m.incr)-1].name)
	}
	cur := m.incr[len(m.incr)-1].name
	f, err := a.fs.OpenFile(filepath.Join(a.aofDir, cur), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("aof: can't open the append-only file %s: %w", cur, err)
	}
	if dirty {
		if _, err := a.writeManifest(m); err != nil {
			f.Close()
			return err
		}
	}
	a.deleteHistory(m)
	a.man = m
	a.file, a.curName = f, cur
	if a.openedIncr == "" {
		st, err := a.fs.Stat(filepath.Join(a.aofDir, cur))
		if err != nil {
			f.Close()
			return fmt.Errorf("aof: unable to obtain the AOF file %s length: %w", cur, err)
		}
		a.curSize = st.Size()
		a.incrSize -= a.curSize
	}
	return nil
}

// readManifest returns the manifest on disk, or an empty one when the
// directory or the manifest does not exist.
func (a *AOF) readManifest() (*manifest, error) {
	path := filepath.Join(a.aofDir, a.opts.FileName+manifestSuffix)
	if st, ok := exists(a.fs, a.aofDir); !ok || !st.IsDir() {
		return &manifest{}, nil
	}
	if _, ok := exists(a.fs, path); !ok {
		return &manifest{}, nil
	}
	data, err := readFile(a.fs, path)
	if err != nil {
		return nil, fmt.Errorf("aof: can't open the AOF manifest file %s for reading: %w", path, err)
	}
	return parseManifest(path, data)
}

// upgradeLegacy moves a Redis 6 appendonly.aof from dir into the AOF
// directory as the base, in Redis's conditions and order (aofUpgradePrepare):
// the manifest first, then the rename, so a crash in between is retried.
func (a *AOF) upgradeLegacy(m *manifest) (*manifest, error) {
	legacy := filepath.Join(a.opts.Dir, a.opts.FileName)
	if st, ok := exists(a.fs, legacy); !ok || st.IsDir() {
		return m, nil
	}
	_, dirOK := exists(a.fs, a.aofDir)
	_, inDir := exists(a.fs, filepath.Join(a.aofDir, a.opts.FileName))
	if dirOK && (m.base != nil || len(m.incr) != 0) &&
		(m.base == nil || len(m.incr) != 0 || m.base.name != a.opts.FileName || inDir) {
		return m, nil
	}
	if err := a.mkdir(); err != nil {
		return nil, err
	}
	m.base = &aofInfo{name: a.opts.FileName, seq: 1, typ: typeBase}
	m.baseSeq = 1
	if _, err := a.writeManifest(m); err != nil {
		return nil, err
	}
	if err := a.fs.Rename(legacy, filepath.Join(a.aofDir, a.opts.FileName)); err != nil {
		return nil, fmt.Errorf("aof: error trying to move the old AOF file %s into dir %s: %w", a.opts.FileName, a.opts.DirName, err)
	}
	if err := a.fs.SyncDir(a.aofDir); err != nil {
		return nil, fmt.Errorf("aof: fail to fsync AOF directory %s: %w", a.aofDir, err)
	}
	if err := a.fs.SyncDir(a.opts.Dir); err != nil {
		return nil, fmt.Errorf("aof: fail to fsync %s: %w", a.opts.Dir, err)
	}
	a.log.Info("Successfully migrated an old-style AOF file into the AOF directory", "file", a.opts.FileName, "dir", a.opts.DirName)
	return m, nil
}

// createEmpty creates an empty, durable file in the AOF directory.
func (a *AOF) createEmpty(name string) error {
	f, err := a.fs.OpenFile(filepath.Join(a.aofDir, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("aof: can't create %s: %w", name, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("aof: can't create %s: %w", name, err)
	}
	return nil
}

// Append adds a command to the write buffer, preceded by SELECT when db is
// not the database of the previous command (db -1: no SELECT, as Redis's
// dictid -1). It never does I/O. The returned sequence number identifies
// the command for WaitDurable; it grows with every Append.
//
// The caller appends in the order the commands took effect, which usually
// means under its keyspace lock.
func (a *AOF) Append(db int, argv [][]byte) uint64 {
	a.mu.Lock()
	n := len(a.buf)
	if db >= 0 && db != a.selected {
		a.buf = appendSelect(a.buf, db)
		a.selected = db
	}
	a.buf = AppendCommand(a.buf, argv)
	a.end += uint64(len(a.buf) - n)
	seq := a.end
	a.mu.Unlock()
	return seq
}

// Policy returns the appendfsync policy in force.
func (a *AOF) Policy() Policy { return Policy(a.policy.Load()) }

// SetPolicy changes the appendfsync policy, as CONFIG SET appendfsync does
// in Redis: it applies to the writes that wait from now on.
func (a *AOF) SetPolicy(p Policy) { a.policy.Store(int32(p)) }

// Flush writes the buffer to the current file, as Redis does before
// replying to clients; with Always it also waits for an fsync covering what
// it wrote. It returns the error state (see Err).
func (a *AOF) Flush() error {
	a.wmu.Lock()
	err := a.flushLocked(false)
	a.wmu.Unlock()
	if err != nil {
		return err
	}
	if a.Policy() == Always {
		a.smu.Lock()
		w := a.written
		a.smu.Unlock()
		return a.syncTo(w)
	}
	return a.Err()
}

// flushLocked writes the buffer; wmu must be held. A failed or short write
// is undone by truncating the file, the bytes stay buffered for the next
// attempt, and the error is recorded (Redis's flushAppendOnlyFile). With
// switching, the next Append writes a SELECT (decided atomically with taking
// the buffer): the caller moves to a new file.
func (a *AOF) flushLocked(switching bool) error {
	a.loaded = true
	a.smu.Lock()
	closed, syncErr := a.closed, a.syncErr
	alwaysErr := a.Policy() == Always && a.writeErr != nil
	werr := a.writeErr
	a.smu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case syncErr != nil:
		return syncErr
	case alwaysErr:
		return werr
	}
	a.mu.Lock()
	if switching {
		a.selected = -1
	}
	buf, end := a.buf, a.end
	a.buf, a.spare = a.spare[:0], nil
	a.mu.Unlock()
	if len(buf) == 0 {
		return werr
	}
	n, err := a.file.Write(buf)
	if n < len(buf) && (n > 0 || err == nil) {
		// Like Redis, a write that stopped part way reports ENOSPC, whatever
		// ended it (a full disk, or EFBIG at the file size limit).
		cause := ""
		if err != nil {
			cause = ", " + err.Error()
		}
		err = fmt.Errorf("short write (%d of %d bytes%s): %w", n, len(buf), cause, syscall.ENOSPC)
	}
	if err != nil {
		if n > 0 {
			a.smu.Lock()
			size := a.curSize
			a.smu.Unlock()
			if terr := a.file.Truncate(size); terr == nil {
				n = 0
			} else {
				a.log.Warn("Could not remove short write from the append-only file", "err", terr)
			}
		}
		err = fmt.Errorf("aof: error writing to the AOF file %s: %w", a.curName, err)
		a.log.Warn("Error writing to the AOF file", "file", a.curName, "err", err)
		a.mu.Lock()
		a.buf = slices.Concat(buf[n:], a.buf)
		a.mu.Unlock()
		a.smu.Lock()
		a.written = end - uint64(len(buf)-n)
		a.curSize += int64(n)
		a.writeErr = err
		a.failing.Store(true)
		a.cond.Broadcast()
		a.smu.Unlock()
		return err
	}
	a.smu.Lock()
	if a.writeErr != nil {
		a.log.Warn("AOF write error looks solved, Redis can write again.")
		a.writeErr = nil
		a.failing.Store(a.syncErr != nil)
	}
	a.written = end
	a.curSize += int64(n)
	a.cond.Broadcast()
	a.smu.Unlock()
	if cap(buf) <= 1<<20 {
		a.mu.Lock()
		a.spare = buf[:0]
		a.mu.Unlock()
	}
	return nil
}

// syncTo returns once an fsync covering the logical offset target
// completed. It is a group commit, as Redis's write and fsync once per event
// loop iteration: a round writes everything buffered and fsyncs it,
// covering every command appended before it started, and callers that
// arrive meanwhile are covered by the next round, which the fsync goroutine
// (syncer) starts as soon as the current one ends. So a batch costs one
// write and one fsync however many clients wait on it. When no round is
// running, the caller runs one itself (see requestLocked).
func (a *AOF) syncTo(target uint64) error {
	if err := a.checkAppended(target); err != nil {
		return err
	}
	a.smu.Lock()
	defer a.smu.Unlock()
	a.requestLocked(target)
	for {
		if done, err := a.settled(target); done {
			return err
		}
		a.cond.Wait()
	}
}

// checkAppended refuses a target beyond the last Append: no round would
// ever cover it.
func (a *AOF) checkAppended(target uint64) error {
	a.mu.Lock()
	end := a.end
	a.mu.Unlock()
	if target > end {
		return fmt.Errorf("aof: offset %d was never appended", target)
	}
	return nil
}

// requestLocked asks for offset target to be made durable; smu must be
// held, and is released meanwhile when the caller runs the round itself.
// It does so when no round runs and the syncer is idle: with little load,
// a hand-over to the syncer would cost more than the round's own work.
// Under load the syncer runs the rounds back to back, and callers only
// wait.
func (a *AOF) requestLocked(target uint64) {
	if target <= a.want {
		return // already asked for
	}
	a.want = target
	if a.syncing || a.leading || !a.syncerIdle {
		return // the round running, or the next one, covers it
	}
	a.leading = true
	a.smu.Unlock()
	if runtime.GOMAXPROCS(0) == 1 {
		// On one processor the round would cover this caller alone (its
		// fsync holds the processor): let the goroutines already runnable
		// append first, as Redis runs every ready client's commands before
		// its fsync. With more, they run meanwhile on the others, and a
		// yield would only hand this goroutine to another thread.
		runtime.Gosched()
	}
	a.round()
	a.smu.Lock()
}

// settled reports whether the logical offset target is as durable as it
// will get: fsynced (err nil), or never to be (the error that stops it);
// smu must be held.
func (a *AOF) settled(target uint64) (done bool, err error) {
	switch {
	case a.synced >= target:
		return true, nil
	case a.syncErr != nil:
		return true, a.syncErr
	case a.writeErr != nil && a.written < target:
		return true, a.writeErr
	case a.closed:
		return true, ErrClosed
	}
	return false, nil
}

// notice is a Notify callback waiting for its command to be durable.
type notice struct {
	seq uint64
	fn  func(error)
	err error
}

// Notify calls fn once the command with sequence number seq is as durable
// as the policy promises, with what WaitDurable would return, but without
// waiting for it: under Always, fn runs on the goroutine that completed
// (or failed) the fsync covering seq, or closed the AOF, right after it,
// before the next round starts: it must be quick and must not call the
// AOF. Under the other policies it runs before Notify returns.
func (a *AOF) Notify(seq uint64, fn func(error)) {
	if a.Policy() != Always {
		fn(a.WaitDurable(seq))
		return
	}
	if err := a.checkAppended(seq); err != nil {
		fn(err)
		return
	}
	a.smu.Lock()
	if done, err := a.settled(seq); done {
		a.smu.Unlock()
		fn(err)
		return
	}
	a.notices = append(a.notices, notice{seq: seq, fn: fn})
	a.requestLocked(seq)
	a.smu.Unlock()
}

// fireSettled calls the Notify callbacks whose commands are settled; smu
// must be held, and is released while they run.
func (a *AOF) fireSettled() {
	if len(a.notices) == 0 {
		return
	}
	fire, keep := a.firing[:0], a.notices[:0]
	for _, n := range a.notices {
		if done, err := a.settled(n.seq); done {
			n.err = err
			fire = append(fire, n)
		} else {
			keep = append(keep, n)
		}
	}
	clear(a.notices[len(keep):])
	a.notices = keep
	if len(fire) == 0 {
		return
	}
	a.firing = nil // another round meanwhile uses its own
	a.smu.Unlock()
	for _, n := range fire {
		n.fn(n.err)
	}
	clear(fire)
	a.smu.Lock()
	a.firing = fire[:0]
}

// syncer is the fsync goroutine: while more is asked to be made durable
// than is, it runs rounds, one after the other; it calls the Notify
// callbacks that fsyncs outside rounds settled (see releaseSyncLocked). It
// waits while a write or fsync error stands in the way of a round, and
// stops at Close.
func (a *AOF) syncer() {
	defer a.syncerDone.Done()
	a.smu.Lock()
	defer a.smu.Unlock()
	for {
		for !a.stopping && !a.roundWanted() && !a.anySettled() {
			a.syncerIdle = true
			a.wake.Wait()
			a.syncerIdle = false
		}
		if a.stopping {
			return
		}
		if a.roundWanted() {
			a.smu.Unlock()
			a.round()
			a.smu.Lock()
		} else {
			a.fireSettled()
		}
	}
}

// roundWanted reports whether a round has something to make durable and
// nothing in its way; smu must be held.
func (a *AOF) roundWanted() bool {
	return a.want > a.synced && a.syncErr == nil && (a.writeErr == nil || a.want <= a.written)
}

// anySettled reports whether a Notify callback is due; smu must be held.
func (a *AOF) anySettled() bool {
	for _, n := range a.notices {
		if done, _ := a.settled(n.seq); done {
			return true
		}
	}
	return false
}

// releaseSyncLocked gives up the sync claim taken by claimSync, waking the
// callers of syncTo, and the syncer when there is more to make durable or
// a Notify callback the claim's fsync may have settled; smu must be held.
func (a *AOF) releaseSyncLocked() {
	a.syncing = false
	a.cond.Broadcast()
	if a.want > a.synced || len(a.notices) > 0 {
		a.wake.Signal()
	}
}

// round writes what is buffered, fsyncs it, wakes the callers of syncTo
// and calls the Notify callbacks it settled.
func (a *AOF) round() {
	a.wmu.Lock()
	a.claimSync()
	a.flushLocked(false)
	a.smu.Lock()
	f, w, sync := a.file, a.written, a.written > a.synced
	a.smu.Unlock()
	a.wmu.Unlock()
	var err error
	if sync {
		err = a.syncFile(f)
	}
	a.smu.Lock()
	defer a.smu.Unlock()
	a.syncing, a.leading = false, false
	if sync {
		a.fsyncs++
	}
	if err != nil {
		a.syncErr = fmt.Errorf("aof: can't persist AOF for fsync error: %w", err)
		a.failing.Store(true)
		a.log.Error("Can't persist AOF for fsync error", "file", a.curName, "err", err)
	} else if w > a.synced {
		a.synced = w
	}
	a.cond.Broadcast()
	a.fireSettled()
	if a.syncerIdle && !a.syncing && a.roundWanted() {
		a.wake.Signal() // asked for while this round ran
	}
}

// syncFile fsyncs f for a round. Under Always the fsyncs are small and
// come back to back, and an fsync that keeps its processor (see
// osFile.syncKeepingProcessor) saves the hand-over of the processor to
// another thread and back, which costs more than a small fsync's wait.
func (a *AOF) syncFile(f File) error {
	if k, ok := f.(interface{ syncKeepingProcessor() error }); ok && a.Policy() == Always {
		return k.syncKeepingProcessor()
	}
	return f.Sync()
}

// WaitDurable returns once the command with sequence number seq is as
// durable as the policy promises: fsynced with Always (one write and one
// fsync shared by all concurrent waiters), written to the OS with EverySec
// and No. It returns nil when that holds, even if a later write failed,
// and otherwise the error that stands in the way (see Err).
func (a *AOF) WaitDurable(seq uint64) error {
	if a.Policy() == Always {
		return a.syncTo(seq)
	}
	a.smu.Lock()
	w := a.written
	a.smu.Unlock()
	if w < seq {
		a.wmu.Lock()
		a.smu.Lock()
		w = a.written
		a.smu.Unlock()
		var err error
		if w < seq {
			// Not written by the writer we may have waited for: write
			// everything buffered, our command and whatever came after it.
			err = a.flushLocked(false)
		}
		a.wmu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// Err returns the error that makes the AOF refuse writes, as Redis's
// aof_last_write_status: a failed fsync (for good), a failed write (for good
// with Always; until a later Flush succeeds otherwise), or ErrClosed. A
// server must stop acknowledging writes while it is not nil.
func (a *AOF) Err() error {
	a.smu.Lock()
	defer a.smu.Unlock()
	switch {
	case a.syncErr != nil:
		return a.syncErr
	case a.writeErr != nil:
		return a.writeErr
	case a.closed:
		return ErrClosed
	}
	return nil
}

// Failing reports, without taking a lock, whether a write or an fsync
// failed and Err is not nil for it.
func (a *AOF) Failing() bool { return a.failing.Load() }

// Size returns the size of the base file and the total size of the
// incremental files as written (INFO's aof_base_size; their sum is
// aof_current_size).
func (a *AOF) Size() (base, incr int64) {
	a.smu.Lock()
	defer a.smu.Unlock()
	return a.baseSize, a.incrSize + a.curSize
}

// RetryWrite asks for a failed write to be tried again soon, without
// waiting for it: Redis retries before each sleep of its event loop, so
// the first write refused after the disk has room again frees the next
// one. Once a second the retry happens anyway. Under Always a failed
// write stays failed, and so does a failed fsync under every policy.
func (a *AOF) RetryWrite() {
	select {
	case a.retry <- struct{}{}:
	default:
	}
}

// retryMinGap spaces the retries RetryWrite asks for, so that clients
// refused in a loop do not keep a write and a truncate going back to back.
const retryMinGap = 10 * time.Millisecond

// retryWrite writes the buffer again if the last write failed.
func (a *AOF) retryWrite() {
	a.smu.Lock()
	failed := a.writeErr != nil
	a.smu.Unlock()
	if failed {
		a.wmu.Lock()
		a.flushLocked(false)
		a.wmu.Unlock()
	}
}

// everySec is the everysec background fsync: once a second it writes what
// Flush has not and fsyncs if anything is not yet durable; in between,
// every writebackEvery, it starts the writeback of what was appended
// meanwhile (startWriteback). Under the other policies it wakes once a
// second to retry a failed write and to see whether the policy changed:
// the writeback's ticker runs only under everysec. It also retries a
// failed write when RetryWrite asks.
func (a *AOF) everySec() {
	defer a.done.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	wt := time.NewTicker(writebackEvery)
	defer wt.Stop()
	writingBack := true
	var wb writebackState
	var lastRetry time.Time
	for {
		select {
		case <-a.stop:
			return
		case <-a.retry:
			if time.Since(lastRetry) >= retryMinGap {
				lastRetry = time.Now()
				a.retryWrite()
			}
			continue
		case <-wt.C:
			if a.Policy() == EverySec {
				a.startWriteback(&wb)
			} else {
				wt.Stop()
				writingBack = false
			}
			continue
		case <-t.C:
		}
		if a.Policy() != EverySec {
			a.retryWrite()
			continue
		}
		if !writingBack {
			wt.Reset(writebackEvery)
			writingBack = true
		}
		a.wmu.Lock()
		a.flushLocked(false)
		a.wmu.Unlock()
		a.smu.Lock()
		w, s := a.written, a.synced
		a.smu.Unlock()
		if w > s {
			a.syncTo(w)
		}
	}
}

// writebackEvery is how often, under everysec, the kernel is asked to start
// writing out what was appended since the last time. Left to the fsync once
// a second, a second's appends went to the disk at once, and that fsync
// took 9-10 ms under pipelined INCRs (ext4 on this virtio disk), long
// enough to stall the server: on one processor the goroutine in the fsync
// keeps the processor until the runtime's monitor thread, which sleeps up
// to 10 ms while it finds nothing to do, hands it over, and a test
// program's other goroutine waited 10-14 ms at each fsync of 30 MB; appends
// made meanwhile can wait too (a test appending 30 MB a second, on two
// processors: fdatasync 15-19 ms and the slowest append 11-12 ms; with a
// writeback every 100 ms 2.0-3.3 ms and 0.75 ms, every 50 ms 1.3-5.1 ms and
// 0.59 ms; at 60 MB a second 28-30 ms and 23 ms without, 0.4-1.9 ms and
// 1.6 ms every 50 ms). Under pipelined INCRs the fsync now takes 0.2-4 ms
// (most under 0.7), and each writeback 0.34 ms (p90 0.37, at most 2.2),
// which on one processor the clients wait for as they do for the fsync: in
// alternating runs of the everysec SET and INCR rows, the rounds that an
// fsync stalled (p99 6.4-7.3 ms, about one in ten) were gone, the worst
// round at 3.3 ms, and the others level (1.3-2.8 ms either way).
const writebackEvery = 50 * time.Millisecond

// writebackPage is the unit of a writeback: only whole pages are written
// out early, not the last one, which the next appends fill.
const writebackPage = 4096

// writebackState is what startWriteback has asked of the current file:
// its name, and how many of its bytes were handed to a writeback.
type writebackState struct {
	name string
	done int64
}

// startWriteback asks the kernel to start writing out the whole pages
// appended to the current file since the last call, without waiting for
// them (File.startWriteback; sync_file_range on Linux). It is a hint that
// promises nothing: durability still comes from the fsync. The file is
// read under smu, where it is replaced; a file closed meanwhile refuses the
// call, which is harmless.
func (a *AOF) startWriteback(wb *writebackState) {
	a.smu.Lock()
	f, name, size := a.file, a.curName, a.curSize
	a.smu.Unlock()
	w, ok := f.(writebacker)
	if !ok {
		return
	}
	if name != wb.name || size < wb.done { // a new file, or this one emptied
		wb.name, wb.done = name, 0
	}
	end := size &^ (writebackPage - 1)
	if end <= wb.done {
		return
	}
	if err := w.startWriteback(wb.done, end-wb.done); err == nil {
		wb.done = end
	}
}

// claimSync waits for a running fsync to end and takes the sync claim, so
// the file can be fsynced and replaced; wmu must be held.
func (a *AOF) claimSync() {
	a.smu.Lock()
	for a.syncing {
		a.cond.Wait()
	}
	a.syncing = true
	a.smu.Unlock()
}

// Close writes and fsyncs what is buffered, stops the background fsync,
// abandons a rewrite in progress and closes the file.
func (a *AOF) Close() error {
	a.mmu.Lock()
	defer a.mmu.Unlock()
	a.smu.Lock()
	closed := a.closed
	a.smu.Unlock()
	if closed {
		return ErrClosed
	}
	// The everysec goroutine's last fsync may need the syncer: stop it
	// first.
	close(a.stop)
	a.done.Wait()
	a.smu.Lock()
	a.stopping = true
	a.wake.Broadcast()
	a.smu.Unlock()
	a.syncerDone.Wait()
	if a.rw != nil {
		a.rw.abortLocked()
	}
	a.wmu.Lock()
	defer a.wmu.Unlock()
	err := a.flushLocked(false)
	a.claimSync()
	serr := a.file.Sync()
	a.smu.Lock()
	a.syncing = false
	a.fsyncs++
	if serr == nil && err == nil {
		a.synced = a.written
	}
	a.closed = true
	a.cond.Broadcast()
	a.fireSettled()
	a.smu.Unlock()
	cerr := a.file.Close()
	return errors.Join(err, serr, cerr)
}
