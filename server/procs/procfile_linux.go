//go:build linux

package procs

import (
	"syscall"
	"unsafe"
)

// procFiles reads the small files and directories of /proc the Meter
// samples, with raw system calls into buffers it keeps.
//
// os.ReadFile and os.ReadDir enter the scheduler's system call state
// around each call, and leaving that state wakes the runtime's monitor
// thread (sysmon) from its deep sleep into a millisecond or more of 20 µs
// naps; a reading of ten threads' counters made about a hundred such calls
// (an open, three fcntl, an epoll_ctl, an fstat, two reads and a close per
// file, by perf trace). A read of a /proc file does not block, so the raw
// call, which the scheduler does not see, costs the rest of the process
// nothing. A reading went from 40 µs and 75 allocations to 18 µs and 16
// (BenchmarkMeterRead), and an idle cluster node's sysmon from 420-600 naps
// a second to 210-360 (the rest come from the Raft and cluster bus
// traffic's system calls; context switches stayed at about 370 a second).
type procFiles struct {
	path []byte // the NUL-terminated path of the last open
	buf  []byte // the contents of the last file read
	dir  []byte // getdents64 records
}

// readFile returns the contents of the file at path, valid until the next
// call.
func (p *procFiles) readFile(path string) ([]byte, error) {
	fd, err := p.open(path, 0)
	if err != nil {
		return nil, err
	}
	defer closeFd(fd)
	if p.buf == nil {
		p.buf = make([]byte, 4096)
	}
	n := 0
	for {
		if n == len(p.buf) {
			p.buf = append(p.buf, make([]byte, len(p.buf))...)
		}
		r, err := rawRead(syscall.SYS_READ, fd, p.buf[n:])
		if err != nil {
			return nil, err
		}
		if r == 0 {
			return p.buf[:n], nil
		}
		n += r
	}
}

// readDirNames returns the names in the directory at path, "." and ".."
// left out.
func (p *procFiles) readDirNames(path string) ([]string, error) {
	fd, err := p.open(path, syscall.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer closeFd(fd)
	if p.dir == nil {
		p.dir = make([]byte, 4096)
	}
	var names []string
	for {
		r, err := rawRead(syscall.SYS_GETDENTS64, fd, p.dir)
		if err != nil {
			return nil, err
		}
		if r == 0 {
			return names, nil
		}
		_, _, names = syscall.ParseDirent(p.dir[:r], -1, names)
	}
}

// rawRead makes the system call trap, read or getdents64, of fd into b
// (not empty), again when a signal interrupts it.
func rawRead(trap, fd uintptr, b []byte) (int, error) {
	for {
		r, _, e := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		switch e {
		case 0:
			return int(r), nil
		case syscall.EINTR:
			continue
		}
		return 0, e
	}
}

// open opens path read-only with flags besides.
func (p *procFiles) open(path string, flags int) (uintptr, error) {
	p.path = append(append(p.path[:0], path...), 0)
	for {
		fd, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(atFdcwd), uintptr(unsafe.Pointer(&p.path[0])),
			uintptr(syscall.O_RDONLY|syscall.O_CLOEXEC|flags), 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return fd, nil
	}
}

func closeFd(fd uintptr) { syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0) }

// atFdcwd (AT_FDCWD) makes openat resolve a relative path from the
// working directory, as open does (the paths here are absolute). A
// variable, as a negative constant does not convert to uintptr.
var atFdcwd = -100
