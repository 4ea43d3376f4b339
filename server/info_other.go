//go:build !linux

package server

import "runtime"

// osDescription is INFO's os field where uname(2) is not read: the
// operating system and architecture Go was built for ("darwin arm64").
func osDescription() string { return runtime.GOOS + " " + runtime.GOARCH }
