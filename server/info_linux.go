//go:build linux

package server

import (
	"sync"
	"syscall"
)

// multiplexingAPI is INFO's multiplexing_api: what the Go runtime's
// poller waits on here.
const multiplexingAPI = "epoll"

// osDescription is INFO's os field, as Redis builds it from uname(2):
// the kernel's name, release and machine ("Linux 6.1.0 x86_64"), read
// once.
var osDescription = sync.OnceValue(func() string {
	var uts syscall.Utsname
	if syscall.Uname(&uts) != nil {
		return "Linux"
	}
	str := func(f [65]int8) string {
		b := make([]byte, 0, len(f))
		for _, c := range f {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		return string(b)
	}
	return str(uts.Sysname) + " " + str(uts.Release) + " " + str(uts.Machine)
})
