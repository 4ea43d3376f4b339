//go:build !linux

package aof

import "os"

// datasync is f.Sync where fdatasync is not available.
func datasync(f *os.File, _ bool) error { return f.Sync() }

// writeFile is f.Write where raw write system calls are not used.
func writeFile(f *os.File, p []byte) (int, error) { return f.Write(p) }

// writeback does nothing where sync_file_range is not used.
func writeback(*os.File, int64, int64) error { return nil }
