package bench

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Info describes the machine and software of a run; Report prints it
// above the tables.
type Info struct {
	CPU       string // model name from /proc/cpuinfo
	Cores     int    // logical CPUs
	Kernel    string // /proc/sys/kernel/osrelease
	Go        string // toolchain that built quordis-server
	Quordis   string // quordis-server --version
	Redis     string // redis-server --version
	Benchmark string // redis-benchmark --version
	Ticks     int    // clock ticks per second of /proc CPU times
	Rounds    int
	Command   string // how the harness was invoked
	Started   string // start time, RFC 3339 UTC
}

// MachineInfo fills the machine fields of Info: CPU, Cores and Kernel.
// Whatever cannot be read is "unknown".
func MachineInfo() Info {
	info := Info{CPU: "unknown", Cores: runtime.NumCPU(), Kernel: "unknown"}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				info.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		info.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return info
}

// Version returns the first line that `bin args...` prints, or "unknown:
// <error>".
func Version(bin string, args ...string) string {
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return "unknown: " + err.Error()
	}
	return firstLine(string(out))
}
