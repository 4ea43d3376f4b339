//go:build !linux

package server

import "runtime"

// osDescription is INFO's os field where uname(2) is not read: the
// operating system and architecture Go was built for ("darwin arm64").
func osDescription() string { return runtime.GOOS + " " + runtime.GOARCH }

// multiplexingAPI is INFO's multiplexing_api: what the Go runtime's poller
// waits on, named as Redis names its own on that system.
var multiplexingAPI = func() string {
	switch runtime.GOOS {
	case "darwin", "ios", "freebsd", "netbsd", "openbsd", "dragonfly":
		return "kqueue"
	case "solaris", "illumos":
		return "evport"
	case "windows":
		return "iocp"
	}
	return "poll"
}()
