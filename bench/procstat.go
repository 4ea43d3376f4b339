package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"quordis/server/procs"
)

// ParseStat returns the user and system CPU time, in clock ticks, from the
// text of /proc/<pid>/stat (fields 14 and 15, see proc(5)). The command
// name in field 2 may hold spaces and parentheses, so fields are counted
// from the last ')'. The times cover all the process's threads.
func ParseStat(stat []byte) (utime, stime uint64, err error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, 0, fmt.Errorf("bench: /proc stat %q: no command name", stat)
	}
	// Fields after the name start at field 3 (state); utime is field 14.
	f := strings.Fields(string(stat[end+1:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("bench: /proc stat: %d fields after the name, want at least 13", len(f))
	}
	if utime, err = strconv.ParseUint(f[11], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("bench: /proc stat utime: %w", err)
	}
	if stime, err = strconv.ParseUint(f[12], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("bench: /proc stat stime: %w", err)
	}
	return utime, stime, nil
}

// ReadCPU returns utime+stime of process pid, in clock ticks.
func ReadCPU(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("bench: %w", err)
	}
	u, s, err := ParseStat(b)
	return u + s, err
}

// ClockTicks returns the clock ticks per second of /proc's CPU times, from
// `getconf CLK_TCK`, or 100 (Linux's USER_HZ on every common platform)
// with an error saying why getconf could not tell.
func ClockTicks() (int, error) {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 100, fmt.Errorf("bench: getconf CLK_TCK: %w (assuming 100)", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || n <= 0 {
		return 100, fmt.Errorf("bench: getconf CLK_TCK printed %q (assuming 100)", out)
	}
	return n, nil
}

// ReadRunQueueWait returns how long the threads of process pid have waited
// for a CPU while runnable, summed over the threads it has now, in
// nanoseconds. A thread that exited took its share with it; the servers
// measured here keep theirs (redis-server's are fixed, and the Go runtime
// parks idle threads rather than ending them). A process waits when more
// threads are runnable than there are CPUs to run them.
func ReadRunQueueWait(pid int) (uint64, error) {
	_, wait, err := procs.ThreadTimes(strconv.Itoa(pid))
	if err != nil {
		return 0, fmt.Errorf("bench: process %d: %w", pid, err)
	}
	return wait, nil
}
