// Package procs fits the number of Go processors (GOMAXPROCS) to the CPUs
// the process actually gets.
//
// The runtime starts with one processor per CPU. That is right when the
// server has the machine to itself, and wrong when other busy processes
// share it (a load generator on the same host, a neighbour): the server's
// threads then wait for a CPU about as long as they run (measured on a
// 2-CPU machine with redis-benchmark beside it: 0.8-0.9 s of run-queue wait
// per second of CPU), and the kernel preempts them mid-work, keyspace lock
// held and replies half-sent, which is where the tail latency of a
// pipelined load came from. With one processor fewer, the same load ran
// with 0.01 s of wait per second, more requests per CPU second and half
// the p99.
//
// A Governor watches two numbers the kernel keeps: how long this
// process's threads waited for a CPU while runnable (schedstat), and how
// much of the machine sat idle (/proc/stat). It starts at one processor,
// takes one more while the process serves a load and about a whole CPU
// sits idle (two periods in a row), and gives one up while the wait stays
// above half the run time (or, between periods, when it reaches three
// quarters of it in a quick check). It never goes below one processor or
// above the count the runtime started with (one per CPU), and waits
// longer before taking a processor back each time taking one back proved
// premature, so that a load on the edge does not make it flip every
// period.
//
// Starting low and adding on evidence, rather than starting at the CPU
// count and shedding on evidence, matters for the first period of a load:
// beside a load generator on a 2-CPU machine, that period at two
// processors set the tail of a whole benchmark run (50 clients pipelining
// LPUSH: p99 1.16-1.19 ms against 0.81-0.86 starting at one; Redis
// 0.72-0.76). A server with the machine to itself gets its second
// processor two periods into its first load, and keeps it while idle.
package procs

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"time"
)

// Sample is what one period measured.
type Sample struct {
	Run  time.Duration // CPU time of the process's threads
	Wait time.Duration // time they were runnable but waited for a CPU
	Idle float64       // CPUs of the machine left idle, on average
}

// Rules of the Governor.
const (
	// shedWait: a processor is given up when the threads waited longer
	// than this fraction of the time they ran...
	shedWait = 0.5
	// shedBusy: ...and ran at least this fraction of a CPU, so that a few
	// wake-ups of an idle server decide nothing.
	shedBusy = 0.25
	// restoreIdle: one is taken back when this many CPUs sat idle...
	// (0.75 let 50 unpipelined clients, which leave 0.8 of a CPU idle on
	// one processor, take a second one and shed it again every second or
	// so: CPU wait 0.3-0.6 s per CPU second, p99 1.3x Redis's, where one
	// processor gives 0.02 and 1.1x.)
	restoreIdle = 0.9
	// restoreActive: ...and the process ran at least this fraction of a
	// CPU: serving a load, if a light one (one client unpipelined runs
	// twice as fast with a processor spinning for its next request), not
	// idling on its timers.
	restoreActive = 0.05
	// premature: a processor given up again this soon after being taken
	// back doubles the wait before the next is taken back...
	premature = 2 * time.Second
	// maxQuiet: ...up to this.
	maxQuiet = 30 * time.Second
	// fastShedWait: while more than one processor runs, a quarter of a
	// period (a quick check) is evidence enough to give one up when the
	// threads waited this much of the time they ran. A server that had
	// earned its second processor under a light load (one client) and
	// then got 50 pipelining clients kept it for up to a period, threads
	// waiting 0.9 s per CPU second, and that period set the run's p99. A
	// load that gains from the processor (one client: 0.03-0.04) waits
	// far less than this.
	fastShedWait = 0.75
	// restoreStreak: a processor is taken back only after this many
	// periods in a row met the rule above. A period in which a load
	// starts is part idle, part busy, and its average looks like a load
	// with a CPU to spare: with one period, 50 clients pipelining SETs of
	// 1 KiB values to a fresh server got a second processor 100 ms into
	// their run and kept it for the period it took to see the threads
	// wait (a third of a 0.6 s run): p99 2.0-2.2 ms; with two, 1.35-1.49
	// at 5% more throughput (alternating runs; Redis 1.9-2.1).
	restoreStreak = 2
)

// Governor decides the number of processors from one Sample per period.
// It is not safe for concurrent use.
type Governor struct {
	max, cur int
	period   time.Duration
	quiet    time.Duration // time to stay below max after shedding before restoring
	shedAgo  time.Duration // time since the last processor was given up
	upAgo    time.Duration // time since the last one was taken back
	streak   int           // periods in a row that met the rule for taking one back
}

// NewGovernor returns a Governor for at most max processors, starting at
// one, that is given a Sample every period.
func NewGovernor(max int, period time.Duration) *Governor {
	return &Governor{max: max, cur: 1, period: period, quiet: period,
		shedAgo: maxQuiet, upAgo: maxQuiet}
}

// Hold puts the Governor back at its full count, for a period in which
// the caller keeps it there whatever the Samples say.
func (g *Governor) Hold() { g.cur = g.max }

// Procs is the current number of processors.
func (g *Governor) Procs() int { return g.cur }

// Next takes the Sample of the period that just ended and returns the
// number of processors for the next one.
func (g *Governor) Next(s Sample) int {
	g.shedAgo = min(g.shedAgo+g.period, maxQuiet)
	g.upAgo = min(g.upAgo+g.period, maxQuiet)
	busy := s.Run.Seconds() >= shedBusy*g.period.Seconds()
	if g.cur < g.max && s.Run.Seconds() >= restoreActive*g.period.Seconds() && s.Idle >= restoreIdle {
		g.streak++
	} else {
		g.streak = 0
	}
	switch {
	case g.cur > 1 && busy && s.Wait.Seconds() > shedWait*s.Run.Seconds():
		g.shed()
	case g.streak >= restoreStreak && g.shedAgo >= g.quiet:
		// An idle server keeps the count its last load settled on.
		g.cur++
		g.upAgo, g.streak = 0, 0
	case g.cur == g.max && g.upAgo >= maxQuiet:
		// A full-size run long enough to trust: forget past backoff.
		g.quiet = g.period
	}
	return g.cur
}

// Quick takes the Sample of a quick check, d long, made between two
// periods while more than one processor runs, and returns the number of
// processors from now on: one fewer when the threads waited most of the
// time they ran (fastShedWait).
func (g *Governor) Quick(s Sample, d time.Duration) int {
	if g.cur > 1 && s.Run.Seconds() >= shedBusy*d.Seconds() && s.Wait.Seconds() > fastShedWait*s.Run.Seconds() {
		g.shed()
	}
	return g.cur
}

// shed gives up a processor, doubling the wait before one is taken back
// when the last was taken back too recently.
func (g *Governor) shed() {
	if g.upAgo < premature {
		g.quiet = min(2*g.quiet, maxQuiet)
	}
	g.cur--
	g.shedAgo = 0
}

// Meter reads the kernel's counters for a Governor's Samples.
type Meter struct {
	run, wait, idle uint64 // last readings, in ns, ns and clock ticks
	last            time.Time
	files           procFiles
}

// errNoSchedstat is returned where the kernel does not keep per-thread
// scheduler statistics (not Linux, or a kernel built without them).
var errNoSchedstat = errors.New("procs: no per-thread scheduler statistics")

// NewMeter takes the first readings. It fails where the counters are not
// available.
func NewMeter() (*Meter, error) {
	m := &Meter{}
	var err error
	if m.run, m.wait, err = m.files.threadTimes("self"); err != nil {
		return nil, err
	}
	if m.idle, err = m.files.idleTicks(); err != nil {
		return nil, err
	}
	m.last = time.Now()
	return m, nil
}

// Read returns the Sample since the previous call (or NewMeter).
func (m *Meter) Read() (Sample, error) {
	run, wait, err := m.files.threadTimes("self")
	if err != nil {
		return Sample{}, err
	}
	idle, err := m.files.idleTicks()
	if err != nil {
		return Sample{}, err
	}
	now := time.Now()
	elapsed := now.Sub(m.last).Seconds()
	// Threads that exited took their counts with them, so the sums can
	// shrink: a period like that measures nothing.
	s := Sample{
		Run:  time.Duration(max(run, m.run) - m.run),
		Wait: time.Duration(max(wait, m.wait) - m.wait),
	}
	if elapsed > 0 {
		s.Idle = float64(max(idle, m.idle)-m.idle) / userHZ / elapsed
	}
	m.run, m.wait, m.idle, m.last = run, wait, idle, now
	return s, nil
}

// ThreadTimes sums the run and run-queue wait times, in nanoseconds, of the
// threads process pid has now ("self" for this one), from
// /proc/<pid>/task/*/schedstat. A thread that exited took its times with
// it, so between two calls the sums can shrink.
func ThreadTimes(pid string) (run, wait uint64, err error) {
	var p procFiles
	return p.threadTimes(pid)
}

// threadTimes is ThreadTimes reading through p.
func (p *procFiles) threadTimes(pid string) (run, wait uint64, err error) {
	dir := "/proc/" + pid + "/task/"
	tasks, err := p.readDirNames(dir)
	if err != nil {
		return 0, 0, errNoSchedstat
	}
	found := false
	for _, t := range tasks {
		b, err := p.readFile(dir + t + "/schedstat")
		if err != nil {
			continue // exited since the directory was read
		}
		r, w, ok := parseSchedstat(b)
		if !ok {
			return 0, 0, errNoSchedstat
		}
		run, wait, found = run+r, wait+w, true
	}
	if !found {
		return 0, 0, errNoSchedstat
	}
	return run, wait, nil
}

// parseSchedstat reads the first two fields of a schedstat file: time on
// a CPU and time waiting on a run queue, in nanoseconds.
func parseSchedstat(b []byte) (run, wait uint64, ok bool) {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, 0, false
	}
	run, err1 := strconv.ParseUint(string(f[0]), 10, 64)
	wait, err2 := strconv.ParseUint(string(f[1]), 10, 64)
	return run, wait, err1 == nil && err2 == nil
}

// idleTicks returns the machine's idle and iowait time, in clock ticks,
// from the first line of /proc/stat.
func (p *procFiles) idleTicks() (uint64, error) {
	b, err := p.readFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseIdle(b)
}

// parseIdle reads the idle and iowait fields of /proc/stat's "cpu" line.
func parseIdle(b []byte) (uint64, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 6 || string(f[0]) != "cpu" {
		return 0, errors.New("procs: /proc/stat has no cpu line")
	}
	idle, err := strconv.ParseUint(string(f[4]), 10, 64)
	if err != nil {
		return 0, err
	}
	iowait, err := strconv.ParseUint(string(f[5]), 10, 64)
	if err != nil {
		return 0, err
	}
	return idle + iowait, nil
}

// userHZ is the unit of /proc/stat's times, clock ticks a second: 100 on
// every Linux platform Go supports.
const userHZ = 100

// Period is how often Run samples. Shorter periods (50 ms) judged from
// noisier samples: one client's unpipelined load, given its second
// processor, lost it again within a period or two and ran at half speed.
const Period = 200 * time.Millisecond

// quickCheck is how often Run makes a Governor's quick check (Quick)
// between two periods while more than one processor runs: a reading of
// the counters (a few files under /proc) costs about 20 µs.
const quickCheck = Period / 4

// Run governs GOMAXPROCS until stop is closed, calling changed (if not
// nil) after each change (the first, to one processor, as it starts), and
// restores the starting count when it returns. While hold (if not nil)
// reports true, it keeps the starting count (see
// server.Server.HoldProcessors for when the server asks for that).
// Between two periods, while more than one processor runs and the count
// is not held, it makes a quick check every quickCheck (Governor.Quick);
// otherwise it wakes once a period. It returns at once, with an error,
// where the kernel's counters cannot be read.
func Run(stop <-chan struct{}, hold func() bool, changed func(from, to int)) error {
	return run(stop, hold, changed, newTicker)
}

// ticker is what run needs of a time.Ticker, so that a test can drive it.
type ticker interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

type timeTicker struct{ *time.Ticker }

func (t timeTicker) C() <-chan time.Time { return t.Ticker.C }

func newTicker(d time.Duration) ticker { return timeTicker{time.NewTicker(d)} }

func run(stop <-chan struct{}, hold func() bool, changed func(from, to int), newTicker func(time.Duration) ticker) error {
	m, err := NewMeter()
	if err != nil {
		return err
	}
	start := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(start)
	g := NewGovernor(start, Period)
	held := func() bool { return hold != nil && hold() }
	set := func(from, to int) {
		if to != from {
			runtime.GOMAXPROCS(to)
			if changed != nil {
				changed(from, to)
			}
		}
	}
	if held() {
		g.Hold()
	}
	set(start, g.Procs())
	quick, err := NewMeter()
	if err != nil {
		return err
	}
	// every is the ticker's interval: quick checks are due only above one
	// processor, unheld. At one processor an idle server used to wake 20
	// times a second here for nothing.
	every := func() time.Duration {
		if g.Procs() > 1 && !held() {
			return quickCheck
		}
		return Period
	}
	interval := every()
	t := newTicker(interval)
	defer t.Stop()
	retick := func() {
		if d := every(); d != interval {
			interval = d
			t.Reset(d)
		}
	}
	left := Period // to the end of the period
	for {
		select {
		case <-stop:
			return nil
		case <-t.C():
		}
		from := g.Procs()
		if left -= interval; left > 0 {
			// The ticker runs at quickCheck only above one processor, so
			// only a hold that began during the period stops the check:
			// the period's end resets the ticker.
			if held() {
				continue
			}
			q, err := quick.Read()
			if err != nil {
				return err
			}
			if g.Quick(q, quickCheck) < from {
				set(from, g.Procs())
				if _, err := m.Read(); err != nil { // the period starts afresh
					return err
				}
				left = Period
				retick()
			}
			continue
		}
		left = Period
		s, err := m.Read()
		if err != nil {
			return err
		}
		if held() {
			g.Hold()
		} else {
			g.Next(s)
		}
		set(from, g.Procs())
		retick()
		if interval == Period {
			continue // no quick checks: the quick meter waits for a raise
		}
		if _, err := quick.Read(); err != nil { // the next quick check starts now
			return err
		}
	}
}
