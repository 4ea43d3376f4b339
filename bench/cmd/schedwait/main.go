// Command schedwait reads a Go execution trace (QUORDIS_TRACE=file
// quordis-server writes one) and prints how long goroutines waited, as
// distributions rather than the totals `go tool trace -pprof` gives:
//
//	go run ./bench/cmd/schedwait /tmp/run.trace
//
// It reports the waits on sync primitives (the keyspace lock, mostly), the
// waits of runnable goroutines for a processor, and which of the latter
// were long (over 1 ms) by how the goroutine had become runnable: readied
// by the network poller, woken by a mutex or channel, preempted, yielding.
// That split is what tells a scheduling tail from a lock or a network one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

func main() {
	long := flag.Duration("long", time.Millisecond, "a runnable wait at least this long counts as long")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: schedwait [-long 1ms] trace-file")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "schedwait:", err)
		os.Exit(1)
	}
	defer f.Close()
	rep, err := analyze(f, *long)
	if err != nil {
		fmt.Fprintln(os.Stderr, "schedwait:", err)
		os.Exit(1)
	}
	rep.print(os.Stdout)
}

// report is what analyze found.
type report struct {
	long     time.Duration
	syncWait []time.Duration // blocked on a sync primitive
	runWait  []time.Duration // runnable, waiting for a processor
	// longBy and allBy count runnable waits (long ones, and all) by how the
	// goroutine became runnable.
	longBy, allBy map[string]int
}

// goState is what analyze remembers of one goroutine.
type goState struct {
	since  trace.Time
	reason string // why it entered its current state
	origin string // for a runnable goroutine: how it became runnable
}

// analyze reads a trace and measures every wait of every goroutine.
func analyze(r io.Reader, long time.Duration) (*report, error) {
	tr, err := trace.NewReader(r)
	if err != nil {
		return nil, err
	}
	rep := &report{long: long, longBy: map[string]int{}, allBy: map[string]int{}}
	gs := map[trace.GoID]*goState{}
	for {
		ev, err := tr.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if ev.Kind() != trace.EventStateTransition {
			continue
		}
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			continue
		}
		from, to := st.Goroutine()
		g := gs[st.Resource.Goroutine()]
		if g == nil {
			g = &goState{}
			gs[st.Resource.Goroutine()] = g
		}
		if g.since != 0 {
			d := time.Duration(ev.Time() - g.since)
			switch {
			case from == trace.GoWaiting && strings.Contains(g.reason, "sync"):
				rep.syncWait = append(rep.syncWait, d)
			case from == trace.GoRunnable:
				rep.runWait = append(rep.runWait, d)
				rep.allBy[g.origin]++
				if d >= long {
					rep.longBy[g.origin]++
				}
			}
		}
		if to == trace.GoRunnable {
			if from == trace.GoWaiting {
				g.origin = "woken from " + g.reason
			} else {
				g.origin = strings.ToLower(from.String()) + ": " + st.Reason
			}
		}
		g.since, g.reason = ev.Time(), st.Reason
	}
	return rep, nil
}

func (rep *report) print(w io.Writer) {
	dist := func(name string, d []time.Duration) {
		if len(d) == 0 {
			fmt.Fprintf(w, "%s: none\n", name)
			return
		}
		slices.Sort(d)
		var sum time.Duration
		for _, x := range d {
			sum += x
		}
		q := func(p float64) time.Duration { return d[int(p*float64(len(d)-1))] }
		fmt.Fprintf(w, "%s: n=%d total=%v p50=%v p90=%v p99=%v p99.9=%v max=%v\n",
			name, len(d), sum, q(.5), q(.9), q(.99), q(.999), d[len(d)-1])
	}
	dist("waits on sync primitives", rep.syncWait)
	dist("runnable waits", rep.runWait)
	fmt.Fprintf(w, "runnable waits by how the goroutine became runnable (long: >= %v):\n", rep.long)
	origins := make([]string, 0, len(rep.allBy))
	for o := range rep.allBy {
		origins = append(origins, o)
	}
	sort.Slice(origins, func(i, j int) bool { return rep.allBy[origins[i]] > rep.allBy[origins[j]] })
	for _, o := range origins {
		fmt.Fprintf(w, "  %-40s %8d waits, %6d long\n", o, rep.allBy[o], rep.longBy[o])
	}
}
