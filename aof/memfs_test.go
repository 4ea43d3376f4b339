package aof

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// memFS is an in-memory FS that models what survives a power loss: per
// file, the bytes written and the bytes fsynced; per directory, the names
// as they are and as they were at the last SyncDir. Crash throws away
// everything not durable. It can also freeze at the n-th mutating operation
// (every later one fails, as on a dead machine) and inject errors.
type memFS struct {
	// mu guards everything below.
	mu     sync.Mutex
	files  map[string]*memNode // current names
	dfiles map[string]*memNode // durable names
	dirs   map[string]bool     // current directories
	ddirs  map[string]bool     // durable directories

	// syncedAt is when the last successful File.Sync took its snapshot.
	syncedAt time.Time
	ops      int // mutating operations so far
	freezeAt int // freeze at this operation (0: never)
	frozen   bool
	fsyncs   int
	// syncDelay is slept (without the lock) in every File.Sync, like a disk.
	syncDelay time.Duration
	// failWrite and failSync, when set, are returned by File.Write (after
	// writing failWriteN bytes) and File.Sync.
	failWrite  error
	failWriteN int
	failSync   error
}

type memNode struct {
	data   []byte // as written
	synced []byte // as fsynced
}

var errFrozen = errors.New("memfs: machine is down")

// newMemFS returns a file system whose given directories exist durably.
func newMemFS(dirs ...string) *memFS {
	m := &memFS{files: map[string]*memNode{}, dfiles: map[string]*memNode{},
		dirs: map[string]bool{}, ddirs: map[string]bool{}}
	for _, d := range dirs {
		m.dirs[filepath.Clean(d)] = true
		m.ddirs[filepath.Clean(d)] = true
	}
	return m
}

// op counts a mutating operation; false means the machine is down. mu held.
func (m *memFS) op() bool {
	if m.frozen {
		return false
	}
	m.ops++
	if m.freezeAt > 0 && m.ops >= m.freezeAt {
		m.frozen = true
		return false
	}
	return true
}

// FreezeAt makes the n-th mutating operation from now and all later ones
// fail without effect.
func (m *memFS) FreezeAt(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.freezeAt = m.ops + n
}

// Freeze stops the machine now.
func (m *memFS) Freeze() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.frozen = true
}

// Ops returns the number of mutating operations so far.
func (m *memFS) Ops() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ops
}

// Fsyncs returns the number of File.Sync calls.
func (m *memFS) Fsyncs() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fsyncs
}

// Crash simulates a power loss and a reboot: only durable names and synced
// bytes remain, and the machine works again. Open handles are dead.
func (m *memFS) Crash() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dirs = map[string]bool{}
	for d := range m.ddirs {
		m.dirs[d] = true
	}
	m.files = map[string]*memNode{}
	for name, n := range m.dfiles {
		if !m.dirs[filepath.Dir(name)] {
			continue
		}
		nn := &memNode{data: clone(n.synced), synced: clone(n.synced)}
		m.files[name] = nn
		m.dfiles[name] = nn
	}
	for name := range m.dfiles {
		if m.files[name] == nil {
			delete(m.dfiles, name)
		}
	}
	m.frozen, m.freezeAt = false, 0
	m.failWrite, m.failSync = nil, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// Names lists the current files, sorted.
func (m *memFS) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for n := range m.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Read returns a file's current content.
func (m *memFS) Read(name string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.files[filepath.Clean(name)]
	if !ok {
		return nil, false
	}
	return clone(n.data), true
}

// WriteDurable creates or replaces a file, durably.
func (m *memFS) WriteDurable(name string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	n := &memNode{data: clone(data), synced: clone(data)}
	m.files[name], m.dfiles[name] = n, n
}

func (m *memFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if !m.dirs[filepath.Dir(name)] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if m.dirs[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("is a directory")}
	}
	n, ok := m.files[name]
	if flag&(os.O_CREATE|os.O_TRUNC) != 0 {
		if !m.op() {
			return nil, &fs.PathError{Op: "open", Path: name, Err: errFrozen}
		}
		if !ok {
			n = &memNode{}
			m.files[name] = n
		} else if flag&os.O_TRUNC != 0 {
			n.data = nil
		}
	} else if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{fs: m, n: n, name: name, flag: flag}, nil
}

func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if m.dirs[name] {
		return memInfo{name: filepath.Base(name), dir: true}, nil
	}
	if n, ok := m.files[name]; ok {
		return memInfo{name: filepath.Base(name), size: int64(len(n.data))}, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

func (m *memFS) Rename(oldpath, newpath string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	oldpath, newpath = filepath.Clean(oldpath), filepath.Clean(newpath)
	n, ok := m.files[oldpath]
	if !ok || !m.dirs[filepath.Dir(newpath)] {
		return &fs.PathError{Op: "rename", Path: oldpath, Err: fs.ErrNotExist}
	}
	if !m.op() {
		return &fs.PathError{Op: "rename", Path: oldpath, Err: errFrozen}
	}
	delete(m.files, oldpath)
	m.files[newpath] = n
	return nil
}

func (m *memFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if _, ok := m.files[name]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	if !m.op() {
		return &fs.PathError{Op: "remove", Path: name, Err: errFrozen}
	}
	delete(m.files, name)
	return nil
}

func (m *memFS) MkdirAll(path string, perm fs.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	path = filepath.Clean(path)
	if m.dirs[path] {
		return nil
	}
	if !m.op() {
		return &fs.PathError{Op: "mkdir", Path: path, Err: errFrozen}
	}
	for p := path; !m.dirs[p]; p = filepath.Dir(p) {
		m.dirs[p] = true
	}
	return nil
}

func (m *memFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir = filepath.Clean(dir)
	if !m.dirs[dir] {
		return &fs.PathError{Op: "sync", Path: dir, Err: fs.ErrNotExist}
	}
	if !m.op() {
		return &fs.PathError{Op: "sync", Path: dir, Err: errFrozen}
	}
	for name := range m.dfiles {
		if filepath.Dir(name) == dir && m.files[name] == nil {
			delete(m.dfiles, name)
		}
	}
	for name, n := range m.files {
		if filepath.Dir(name) == dir {
			m.dfiles[name] = n
		}
	}
	for d := range m.ddirs {
		if filepath.Dir(d) == dir && !m.dirs[d] {
			delete(m.ddirs, d)
		}
	}
	for d := range m.dirs {
		if filepath.Dir(d) == dir {
			m.ddirs[d] = true
		}
	}
	return nil
}

type memFile struct {
	fs     *memFS
	n      *memNode
	name   string
	flag   int
	off    int // read offset
	closed bool
}

func (f *memFile) Read(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.off >= len(f.n.data) {
		return 0, io.EOF
	}
	n := copy(p, f.n.data[f.off:])
	f.off += n
	return n, nil
}

func (f *memFile) Write(p []byte) (int, error) {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.closed {
		return 0, os.ErrClosed
	}
	if !m.op() {
		return 0, errFrozen
	}
	if m.failWrite != nil {
		k := min(m.failWriteN, len(p))
		f.n.data = append(f.n.data, p[:k]...)
		return k, m.failWrite
	}
	// Every writer of the AOF appends (O_APPEND or a fresh file).
	f.n.data = append(f.n.data, p...)
	return len(p), nil
}

func (f *memFile) Sync() error {
	m := f.fs
	m.mu.Lock()
	if !m.op() {
		m.mu.Unlock()
		return errFrozen
	}
	m.fsyncs++
	if err := m.failSync; err != nil {
		m.mu.Unlock()
		return err
	}
	// The bytes present when the fsync starts are the ones it covers.
	snapshot := clone(f.n.data)
	at := time.Now()
	delay := m.syncDelay
	m.mu.Unlock()
	time.Sleep(delay)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.frozen {
		// The power went out during the fsync: nothing is promised.
		return errFrozen
	}
	f.n.synced = snapshot
	m.syncedAt = at
	return nil
}

func (f *memFile) Truncate(size int64) error {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.op() {
		return errFrozen
	}
	if int(size) < len(f.n.data) {
		f.n.data = f.n.data[:size:size]
	}
	return nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.closed = true
	return nil
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }

// clone returns an independent copy of the file system's state, for
// crashing one copy while the other goes on.
func (m *memFS) clone() *memFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := newMemFS()
	nodes := map[*memNode]*memNode{}
	cp := func(n *memNode) *memNode {
		if nodes[n] == nil {
			nodes[n] = &memNode{data: clone(n.data), synced: clone(n.synced)}
		}
		return nodes[n]
	}
	for name, n := range m.files {
		c.files[name] = cp(n)
	}
	for name, n := range m.dfiles {
		c.dfiles[name] = cp(n)
	}
	for d := range m.dirs {
		c.dirs[d] = true
	}
	for d := range m.ddirs {
		c.ddirs[d] = true
	}
	return c
}
