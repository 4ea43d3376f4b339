package aof

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Rewrite is a rewrite of the AOF in progress (BGREWRITEAOF): a new base
// file being written by the caller while appends go on into a new
// incremental file.
//
// The caller owns the snapshot: it calls StartRewrite at the point of the
// command stream the snapshot reflects (with its keyspace locked, so no
// Append runs in between), writes the snapshot to Base, then calls Commit
// or Abort. Close abandons a rewrite in progress; its Rewrite must not be
// used afterwards.
type Rewrite struct {
	a    *AOF
	tmp  string // path of the temporary base file
	f    File
	w    *bufio.Writer
	done bool // committed or aborted; guarded by a.mmu
}

// Enable turns the AOF on in a running server (CONFIG SET appendonly yes)
// as Redis's startAppendOnly does. The data set is in memory, so whatever
// the directory holds is stale: nothing is loaded and the manifest is left
// alone until the returned rewrite, which the caller fills with a snapshot
// taken at this point, commits. Until then appends go to a temporary file
// outside the manifest (temp-<appendfilename>.incr), so a crash leaves the
// directory as it was: nothing is durable before the first commit (Redis's
// AOF_WAIT_REWRITE). After an Abort, start another rewrite with
// StartRewrite; the appends before it are dropped, as Redis drops them,
// since the new snapshot holds them.
func Enable(opts Options) (*AOF, *Rewrite, error) {
	a, err := newAOF(opts)
	if err != nil {
		return nil, nil, err
	}
	m, err := a.readManifest()
	if err != nil {
		return nil, nil, err
	}
	if err := a.mkdir(); err != nil {
		return nil, nil, err
	}
	name := tempPrefix + a.opts.FileName + ".incr"
	f, err := a.fs.OpenFile(filepath.Join(a.aofDir, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("aof: can't open the append-only file %s: %w", name, err)
	}
	a.man, a.waiting, a.loaded = m, true, true
	a.file, a.curName = f, name
	rw, err := a.newRewrite()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	a.log.Info("Creating AOF incr file on background rewrite", "file", name)
	a.startBackground()
	return a, rw, nil
}

// StartRewrite begins a rewrite as Redis's rewriteAppendOnlyFileBackground
// does: it writes the buffer to the current incremental file, creates the
// next incremental file, persists a manifest listing it, fsyncs the old file
// and appends to the new one from now on (starting with a SELECT). It also
// creates the temporary base file behind Base.
func (a *AOF) StartRewrite() (*Rewrite, error) {
	a.mmu.Lock()
	defer a.mmu.Unlock()
	if err := a.Err(); errors.Is(err, ErrClosed) {
		return nil, err
	}
	if a.rw != nil {
		return nil, ErrRewriteInProgress
	}
	rw, err := a.newRewrite()
	if err != nil {
		return nil, err
	}
	a.wmu.Lock()
	defer a.wmu.Unlock()
	// Everything appended so far goes to the old file; what follows goes to
	// the new one and starts with a SELECT.
	err = a.flushLocked(true)
	if err == nil && a.waiting {
		err = a.restartWaitingLocked()
	} else if err == nil {
		err = a.switchLocked()
	}
	if err != nil {
		rw.abortLocked()
		return nil, err
	}
	return rw, nil
}

// newRewrite creates the temporary base file and makes it the rewrite in
// progress; a.mmu must be held. Redis's name, in dir.
func (a *AOF) newRewrite() (*Rewrite, error) {
	tmp := filepath.Join(a.opts.Dir, "temp-rewriteaof-bg-"+strconv.Itoa(os.Getpid())+".aof")
	f, err := a.fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("aof: can't create the temporary AOF base file: %w", err)
	}
	a.rw = &Rewrite{a: a, tmp: tmp, f: f, w: bufio.NewWriterSize(f, 256<<10)}
	return a.rw, nil
}

// switchLocked moves appends to a new incremental file listed in a new
// manifest; a.mmu and a.wmu must be held, the buffer just flushed.
func (a *AOF) switchLocked() error {
	m := a.man.clone()
	name := m.newIncr(a.opts.FileName)
	nf, err := a.fs.OpenFile(filepath.Join(a.aofDir, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("aof: can't open the append-only file %s: %w", name, err)
	}
	if _, err := a.writeManifest(m); err != nil {
		nf.Close()
		return err
	}
	a.man, a.openedIncr = m, ""
	a.log.Info("Creating AOF incr file on background rewrite", "file", name)

	// Later fsyncs cover the new file only: the old one must be durable
	// before anything written after it counts as durable.
	a.claimSync()
	old := a.file
	serr := old.Sync()
	a.smu.Lock()
	a.fsyncs++
	if serr != nil {
		a.syncErr = fmt.Errorf("aof: can't persist AOF for fsync error: %w", serr)
		a.failing.Store(true)
	} else {
		a.synced = a.written
	}
	a.file, a.curName = nf, name
	a.incrSize += a.curSize
	a.curSize = 0
	a.releaseSyncLocked()
	a.smu.Unlock()
	old.Close()
	if serr != nil {
		return a.syncErr
	}
	return nil
}

// restartWaitingLocked empties the temporary incremental file of an
// enabled AOF whose rewrite failed: the new snapshot supersedes what it
// holds. a.mmu and a.wmu must be held, the buffer just flushed.
func (a *AOF) restartWaitingLocked() error {
	a.claimSync()
	err := a.file.Truncate(0)
	a.smu.Lock()
	if err == nil {
		a.synced = a.written
		a.curSize = 0
	}
	a.releaseSyncLocked()
	a.smu.Unlock()
	if err != nil {
		return fmt.Errorf("aof: can't empty %s: %w", a.curName, err)
	}
	return nil
}

// Base is where the caller writes the new base: an RDB (with the RDB
// writer) or RESP commands (AppendCommand, with SELECTs). Say which to
// Commit.
func (r *Rewrite) Base() io.Writer { return r.w }

// Commit installs the new base as Redis's backgroundRewriteDoneHandler
// does: fsync the temporary base, rename it to the next base name
// (.base.rdb if rdb, else .base.aof), persist a manifest where the old base
// and every incremental file but the current one are history, then delete
// the history files and persist the manifest again without them.
func (r *Rewrite) Commit(rdb bool) error {
	a := r.a
	a.mmu.Lock()
	defer a.mmu.Unlock()
	if r.done {
		return errors.New("aof: rewrite already committed or aborted")
	}
	err := r.w.Flush()
	if err == nil {
		err = r.f.Sync()
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	r.done, a.rw = true, nil
	if err != nil {
		a.fs.Remove(r.tmp)
		return fmt.Errorf("aof: write error writing the temporary AOF base file: %w", err)
	}

	m := a.man.clone()
	base := m.newBase(a.opts.FileName, rdb)
	basePath := filepath.Join(a.aofDir, base)
	if err := a.fs.Rename(r.tmp, basePath); err != nil {
		a.fs.Remove(r.tmp)
		return fmt.Errorf("aof: error trying to rename the temporary AOF base file into %s: %w", base, err)
	}
	if a.waiting {
		if err := a.commitWaiting(m, basePath); err != nil {
			return err
		}
	} else {
		m.historyAllButLast()
		if renamed, err := a.writeManifest(m); err != nil {
			if !renamed {
				a.fs.Remove(basePath)
			}
			return err
		}
	}
	a.man = m
	size := int64(0)
	if st, err := a.fs.Stat(basePath); err == nil {
		size = st.Size()
	}
	a.smu.Lock()
	a.baseSize, a.incrSize = size, 0
	a.smu.Unlock()
	a.log.Info("Background AOF rewrite finished successfully", "base", base)

	a.deleteHistory(m)
	return nil
}

// commitWaiting is the end of Commit for an enabled AOF (Redis's
// AOF_WAIT_REWRITE): the temporary incremental file, fsynced, is renamed to
// the next incr name and listed after the new base, every earlier file
// becoming history. a.mmu must be held; m has the new base.
func (a *AOF) commitWaiting(m *manifest, basePath string) error {
	a.wmu.Lock()
	defer a.wmu.Unlock()
	fail := func(err error) error {
		a.fs.Remove(basePath)
		return err
	}
	if err := a.flushLocked(false); err != nil {
		return fail(err)
	}
	a.claimSync()
	serr := a.file.Sync()
	a.smu.Lock()
	a.fsyncs++
	w := a.written
	a.releaseSyncLocked()
	a.smu.Unlock()
	if serr != nil {
		return fail(fmt.Errorf("aof: can't fsync %s: %w", a.curName, serr))
	}
	tmpPath := filepath.Join(a.aofDir, a.curName)
	name := m.newIncr(a.opts.FileName)
	path := filepath.Join(a.aofDir, name)
	if err := a.fs.Rename(tmpPath, path); err != nil {
		return fail(fmt.Errorf("aof: error trying to rename the temporary AOF incr file %s into %s: %w", a.curName, name, err))
	}
	m.historyAllButLast()
	if renamed, err := a.writeManifest(m); err != nil {
		if !renamed {
			a.fs.Rename(path, tmpPath)
			a.fs.Remove(basePath)
		}
		return err
	}
	a.smu.Lock()
	if w > a.synced {
		a.synced = w
	}
	a.curName = name
	a.smu.Unlock()
	a.waiting = false
	a.log.Info("Successfully renamed the temporary AOF incr file", "file", name)
	return nil
}

// deleteHistory removes the history files and persists the manifest
// without them (Redis's aofDelHistoryFiles, run after a rewrite and at
// start-up). It is housekeeping: a failure leaves files behind, not a
// broken AOF, so it is only logged, as Redis does. m is a.man, with a.mmu
// held, or the manifest being opened.
func (a *AOF) deleteHistory(m *manifest) {
	if len(m.hist) == 0 {
		return
	}
	for _, h := range m.hist {
		a.log.Info("Removing the history file", "file", h.name)
		if err := a.fs.Remove(filepath.Join(a.aofDir, h.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			a.log.Warn("Can't remove the history file", "file", h.name, "err", err)
		}
	}
	m.hist = nil
	if _, err := a.writeManifest(m); err != nil {
		a.log.Warn("Can't persist the AOF manifest after removing history files", "err", err)
	}
}

// Abort abandons the rewrite and removes the temporary base. The
// incremental file opened by StartRewrite stays in the manifest (as in
// Redis), so the AOF remains complete.
func (r *Rewrite) Abort() error {
	r.a.mmu.Lock()
	defer r.a.mmu.Unlock()
	if r.done {
		return errors.New("aof: rewrite already committed or aborted")
	}
	return r.abortLocked()
}

// abortLocked is Abort with a.mmu held.
func (r *Rewrite) abortLocked() error {
	r.done, r.a.rw = true, nil
	r.f.Close()
	if err := r.a.fs.Remove(r.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("aof: can't remove the temporary AOF base file: %w", err)
	}
	return nil
}
