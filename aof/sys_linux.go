//go:build linux

package aof

import (
	"io"
	"os"
	"syscall"
	"unsafe"
)

// datasync makes f's written bytes durable with fdatasync, as Redis's
// redis_fsync does on Linux: the data and the metadata needed to read it
// back (the size), without the timestamps a full fsync also writes.
//
// With keepProcessor the call is raw: the goroutine keeps its processor
// while the disk works, as Redis's one thread waits for its fsync under
// appendfsync always, instead of the runtime handing the processor to
// another thread (woken for it) and taking one back after. The garbage
// collector's stop-the-world phases wait for such a call to return.
func datasync(f *os.File, keepProcessor bool) error {
	rc, err := f.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) {
			for {
				if keepProcessor {
					_, _, e := syscall.RawSyscall(syscall.SYS_FDATASYNC, fd, 0, 0)
					err = nil
					if e != 0 {
						err = e
					}
				} else {
					err = syscall.Fdatasync(int(fd))
				}
				if err != syscall.EINTR {
					return
				}
			}
		})
		if cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
	}
	return nil
}

// writeback starts writing the n bytes of f at off out to the disk and
// returns without waiting for them (sync_file_range with
// SYNC_FILE_RANGE_WRITE): they are no more durable for it, and the
// fdatasync that follows has that much less to wait for. It is a blocking
// call, since the kernel may make it wait for room in the disk's queue.
func writeback(f *os.File, off, n int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	if cerr := rc.Control(func(fd uintptr) {
		err = syscall.SyncFileRange(int(fd), off, n, syncFileRangeWrite)
	}); cerr != nil {
		return cerr
	}
	return err
}

// syncFileRangeWrite is Linux's SYNC_FILE_RANGE_WRITE.
const syncFileRangeWrite = 2

// writeFile writes p to f with raw write system calls: the goroutine keeps
// its thread and processor instead of handing them over as a blocking
// system call does. An append to the page cache takes microseconds, and
// the hand-over (a scheduler round trip and, when the call outlasts the
// runtime's 20 µs check, another thread woken) cost more than the write:
// unpipelined SETs with appendfsync everysec went from 72-76k to 95-99k a
// second. When the kernel does make the write wait (dirty-page
// throttling), this processor waits with it, as Redis's one thread does;
// fdatasync, which waits for the disk every time, stays a blocking call.
// Writes to one file must not overlap; the AOF's write lock sees to it.
func writeFile(f *os.File, p []byte) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	n := 0
	var werr error
	if cerr := rc.Control(func(fd uintptr) {
		for n < len(p) {
			r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[n])), uintptr(len(p)-n))
			switch {
			case e == syscall.EINTR:
				continue
			case e != 0:
				werr = e
				return
			case r == 0:
				werr = io.ErrShortWrite
				return
			}
			n += int(r)
		}
	}); cerr != nil {
		return n, cerr
	}
	if werr != nil {
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: werr}
	}
	return n, nil
}
