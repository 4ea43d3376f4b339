// Package clock reads elapsed time for the command path, where the server
// reads the clock twice per command (its start and its duration).
//
// On this project's VMs a read of the monotonic clock (time.Since, a vDSO
// clock_gettime) costs about 23 ns and a read of the processor's
// time-stamp counter about 9 ns, so two reads a command were a quarter of
// PING's dispatch. Where the kernel itself keeps time with the TSC
// (clocksource "tsc": it found the counter invariant and synchronized
// across CPUs), Mono extrapolates the monotonic clock from the TSC between
// resyncs, which the server's cron does hz times a second: each resync
// pairs a counter reading with a monotonic reading and measures the
// counter's rate over the period since the last. Elsewhere, or until the
// first rate is measured, or after a resync finds the rate changed
// (the counter jumped, the VM moved), Mono reads the monotonic clock.
//
// Redis offers the same trade (its processor clock build option, off by
// default): durations are for statistics and the slowlog, and an error of
// a microsecond over a resync period is far below what either reports.
package clock

import (
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mono measures the time since it was made.
type Mono struct {
	base   time.Time // carries the monotonic reading Since counts from
	tsc    bool      // the counter may be used
	anchor atomic.Pointer[anchor]
}

// anchor pairs a counter reading with the monotonic clock's.
type anchor struct {
	mono  time.Duration // time.Since(base)
	ticks uint64
	// nsPerTick is the counter's rate measured up to this anchor; 0 means
	// there is none to trust yet, and Since reads the monotonic clock.
	nsPerTick float64
}

// New returns a clock that starts now, using the time-stamp counter when
// the kernel keeps time with it.
func New() *Mono { return newMono(tscUsable()) }

// tscUsable reports whether the counter may be used; it is a fact of the
// machine, read once.
var tscUsable = sync.OnceValue(func() bool { return haveTSC && kernelUsesTSC() })

func newMono(tsc bool) *Mono {
	m := &Mono{base: time.Now(), tsc: tsc}
	m.Resync()
	return m
}

// kernelUsesTSC reports whether the kernel's clocksource is the TSC.
func kernelUsesTSC() bool {
	if runtime.GOOS != "linux" {
		return false
	}
	b, err := os.ReadFile("/sys/devices/system/clocksource/clocksource0/current_clocksource")
	return err == nil && strings.TrimSpace(string(b)) == "tsc"
}

// Base is the instant Since counts from; it carries a monotonic reading.
func (m *Mono) Base() time.Time { return m.base }

// Since returns the time elapsed since Base. Safe for concurrent use.
func (m *Mono) Since() time.Duration {
	if a := m.anchor.Load(); a != nil && a.nsPerTick > 0 {
		if t := rdtsc(); t >= a.ticks {
			return a.mono + time.Duration(float64(t-a.ticks)*a.nsPerTick)
		}
	}
	return time.Since(m.base)
}

// Resync pairs the counter with the monotonic clock again and measures the
// counter's rate since the last resync. Call it periodically (a tenth of
// a second apart is plenty), from one goroutine at a time.
func (m *Mono) Resync() {
	if !m.tsc {
		return
	}
	mono, ticks, ok := readPair(m.base)
	if !ok {
		return // keep the current anchor; the next resync tries again
	}
	m.anchor.Store(nextAnchor(m.anchor.Load(), mono, ticks))
}

// pairSlack bounds the counter ticks between the two counter readings
// around a monotonic reading: more means the goroutine was interrupted
// and the pair is not simultaneous. A few microseconds at any clock rate.
const pairSlack = 10_000

// readPair reads the counter and the monotonic clock as nearly at once as
// it can: the monotonic reading between two counter readings that are
// close together, paired with their midpoint.
func readPair(base time.Time) (time.Duration, uint64, bool) {
	for range 5 {
		t0 := rdtsc()
		mono := time.Since(base)
		t1 := rdtsc()
		if t1 >= t0 && t1-t0 < pairSlack {
			return mono, t0 + (t1-t0)/2, true
		}
	}
	return 0, 0, false
}

// minCalibration is the shortest period a rate is measured over: the
// pairing error (well under a microsecond) is then below 1e-4 of it.
const minCalibration = 5 * time.Millisecond

// maxRateChange is how far a newly measured rate may differ from the last
// before it is distrusted.
const maxRateChange = 0.01

// nextAnchor is the anchor that follows prev given a new pair. The rate is
// measured over the period since prev; while it cannot be measured, or
// when it differs from prev's by more than maxRateChange, the new anchor
// has none, so Since reads the monotonic clock until the next resync
// measures a steady rate. A period too short to measure keeps prev.
func nextAnchor(prev *anchor, mono time.Duration, ticks uint64) *anchor {
	if prev == nil || ticks <= prev.ticks || mono <= prev.mono {
		return &anchor{mono: mono, ticks: ticks}
	}
	if mono-prev.mono < minCalibration {
		return prev
	}
	rate := float64(mono-prev.mono) / float64(ticks-prev.ticks)
	if prev.nsPerTick > 0 {
		if d := rate/prev.nsPerTick - 1; d > maxRateChange || d < -maxRateChange {
			rate = 0
		}
	}
	return &anchor{mono: mono, ticks: ticks, nsPerTick: rate}
}
