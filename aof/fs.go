package aof

import (
	"io"
	"io/fs"
	"os"
)

// FS is the file system the AOF works on: the operating system's (OSFS) or a
// test double that can simulate a power loss. Names are paths built with
// filepath.Join from Options.Dir.
//
// Durability contract, as on Linux: bytes written to a File survive a power
// loss once File.Sync returned; a file creation, rename or removal survives
// once SyncDir returned on the directory holding the name.
type FS interface {
	// OpenFile opens name as os.OpenFile does. The AOF uses os.O_RDONLY,
	// os.O_WRONLY, os.O_WRONLY|os.O_CREATE|os.O_APPEND and
	// os.O_WRONLY|os.O_CREATE|os.O_TRUNC.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	Stat(name string) (fs.FileInfo, error)
	Rename(oldpath, newpath string) error
	Remove(name string) error
	MkdirAll(path string, perm fs.FileMode) error
	// SyncDir makes the creations, renames and removals of names in dir
	// durable.
	SyncDir(dir string) error
}

// File is an open file of an FS.
type File interface {
	io.Reader
	io.Writer
	io.Closer
	Sync() error
	Truncate(size int64) error
}

// OSFS returns the operating system's file system.
func OSFS() FS { return osFS{} }

type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		// A nil *os.File in a non-nil File interface would hide the error.
		return nil, err
	}
	return osFile{f}, nil
}

// osFile is an os.File whose Sync is fdatasync where there is one (what
// an append needs to be durable, and cheaper on the appendfsync always
// path), whose Write keeps its processor on Linux (see writeFile), and
// which can start a writeback (see writebacker).
type osFile struct{ *os.File }

func (f osFile) Sync() error                 { return datasync(f.File, false) }
func (f osFile) Write(p []byte) (int, error) { return writeFile(f.File, p) }

func (f osFile) startWriteback(off, n int64) error { return writeback(f.File, off, n) }

// writebacker is a File that can start writing the n bytes at off out to
// its disk without waiting for them (AOF.startWriteback).
type writebacker interface {
	startWriteback(off, n int64) error
}

// syncKeepingProcessor is Sync made as a raw system call (see datasync).
func (f osFile) syncKeepingProcessor() error { return datasync(f.File, true) }

func (osFS) Stat(name string) (fs.FileInfo, error)        { return os.Stat(name) }
func (osFS) Rename(oldpath, newpath string) error         { return os.Rename(oldpath, newpath) }
func (osFS) Remove(name string) error                     { return os.Remove(name) }
func (osFS) MkdirAll(path string, perm fs.FileMode) error { return os.MkdirAll(path, perm) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// readFile reads a whole file of fsys.
func readFile(fsys FS, name string) ([]byte, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// exists reports whether name exists; other Stat errors count as absence,
// as Redis's fileExist and dirExists do.
func exists(fsys FS, name string) (fs.FileInfo, bool) {
	st, err := fsys.Stat(name)
	return st, err == nil
}
