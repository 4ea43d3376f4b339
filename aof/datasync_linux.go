//go:build linux

package aof

import (
	"os"
	"syscall"
)

// datasync makes f's written bytes durable with fdatasync, as Redis's
// redis_fsync does on Linux: the data and the metadata needed to read it
// back (the size), without the timestamps a full fsync also writes.
func datasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) {
			for {
				err = syscall.Fdatasync(int(fd))
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
