//go:build !linux

package procs

import "os"

// procFiles reads files and directories with the os package where there
// is no /proc to sample (see procfile_linux.go).
type procFiles struct{}

func (*procFiles) readFile(path string) ([]byte, error) { return os.ReadFile(path) }

func (*procFiles) readDirNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}
