package server

import (
	"fmt"
	"math/bits"
	"strings"
	"unsafe"

	"quordis/conf"
)

// latencyHist is one command's latency histogram (latency-tracking), laid
// out as the HDR histogram Redis 7.0 keeps per command, so that INFO
// latencystats and LATENCY HISTOGRAM report the same figures for the same
// latencies: values from 1 ns to 1 s in nanoseconds, at two significant
// figures. Values below 256 ns have a counter each; above, each power of
// two is cut into 128 equal ranges, so a range is under 1% of its values.
// Counter i holds the values whose range starts at histValue(i), and the
// counters are in ascending order of value. They are kept in chunks of
// 128, each allocated when a value first lands in it: a command's
// latencies fill a few of them (Redis allocates all 3,072 counters).
type latencyHist struct {
	chunks [histLen / histHalf]*[histHalf]int64
	total  int64
}

const (
	histHalf    = 128 // ranges per power of two, above the first 256 values
	histHalfLog = 7
	histMin     = 1             // the smallest value recorded, in ns
	histMax     = 1_000_000_000 // the largest
	// histLen counters reach just past histMax: one each for the first
	// 256 values, then 128 for each of the 22 powers of two above them.
	histLen = 24 * histHalf
)

// record adds one call that took ns nanoseconds, clamped to the range
// recorded as Redis does, and returns the bytes it allocated for that.
func (h *latencyHist) record(ns int64) (allocated int64) {
	ns = min(max(ns, histMin), histMax)
	shift, sub := histPlace(ns)
	i := (shift+1)<<histHalfLog + sub - histHalf
	c := h.chunks[i>>histHalfLog]
	if c == nil {
		c = new([histHalf]int64)
		h.chunks[i>>histHalfLog] = c
		allocated = int64(unsafe.Sizeof(*c))
	}
	c[i&(histHalf-1)]++
	h.total++
	return allocated
}

// count is counter i.
func (h *latencyHist) count(i int) int64 {
	if c := h.chunks[i>>histHalfLog]; c != nil {
		return c[i&(histHalf-1)]
	}
	return 0
}

// histPlace returns where value v falls: its range is sub<<shift up to
// (sub+1)<<shift, and sub is in [128, 256) unless shift is 0.
func histPlace(v int64) (shift, sub int) {
	shift = bits.Len64(uint64(v)|(2*histHalf-1)) - (histHalfLog + 1)
	return shift, int(v >> shift)
}

// histValue is the lowest value of counter i's range.
func histValue(i int) int64 {
	shift := i>>histHalfLog - 1
	if shift < 0 {
		return int64(i)
	}
	return int64(i&(histHalf-1)+histHalf) << shift
}

// histLowest and histHighest are the ends of the range that holds v.
func histLowest(v int64) int64 {
	shift, sub := histPlace(v)
	return int64(sub) << shift
}

func histHighest(v int64) int64 {
	shift, sub := histPlace(v)
	if sub >= 2*histHalf {
		shift++
	}
	return int64(sub)<<shift + 1<<shift - 1
}

// percentile is the value at percentile p (0 to 100) of the calls: the
// highest value of the range in which that share of the calls (at least
// one) is reached, or at 0 the lowest value of the first range with a
// call, as Redis 7.0's hdr_value_at_percentile answers.
func (h *latencyHist) percentile(p float64) int64 {
	want := max(int64(min(p, 100)/100*float64(h.total)+0.5), 1)
	var seen, v int64
	for i := 0; seen < want && i < histLen; i++ {
		seen += h.count(i)
		v = histValue(i)
	}
	if p == 0 {
		return histLowest(v)
	}
	return histHighest(v)
}

// cdf calls fn with the cumulative count of calls at each power of two
// from 1024 ns on, keyed by the highest value of that power's first range
// in whole microseconds (1, 2, 4, 8, 16, 33, 66, ...), skipping powers that
// add no call, as LATENCY HISTOGRAM lists them (Redis walks its histogram
// with a logarithmic iterator; this is that walk).
func (h *latencyHist) cdf(fn func(usec, calls int64)) {
	level := int64(1024)
	at := histLowest(level) // the value that reports level
	i, value, highest, seen, last := -1, int64(0), int64(0), int64(0), int64(0)
	for seen < h.total || (i < histLen && histValue(i+1) > at) {
		// Move on to the first counter at or past level, then report it.
		for value < at && i+1 < histLen {
			i++
			seen += h.count(i)
			value = histValue(i)
			highest = histHighest(value)
		}
		if value < at {
			i = histLen // past the last counter: reported as it stands
		} else {
			level *= 2
			at = histLowest(level)
		}
		if seen > last {
			fn(highest/1000, seen)
		}
		last = seen
		if i >= histLen {
			return
		}
	}
}

// latencyTrack records a call of cmd that took usec microseconds, while
// latency-tracking is on. Redis measures in microseconds and records
// nanoseconds, so the histogram holds whole microseconds (and a call
// under one, at 1 ns). Called with s.mu held.
func (s *Server) latencyTrack(cmd *Command, usec int64) {
	if !s.config().LatencyTracking {
		return
	}
	st := &cmd.stats
	if st.latency == nil {
		st.latency = new(latencyHist)
		s.mem.latency += int64(unsafe.Sizeof(*st.latency))
	}
	// Counted in used_memory, as Redis's are in its allocator's.
	s.mem.latency += st.latency.record(usec * 1000)
}

// infoLatencyStats is INFO latencystats: each command's latencies at the
// latency-tracking-info-percentiles, in microseconds, as
// "latency_percentiles_usec_<command>:p50=1.003,p99=...". Empty while
// latency-tracking is off, as in Redis.
func (s *Server) infoLatencyStats(w *infoWriter, _ int64) {
	cfg := s.config()
	if !cfg.LatencyTracking {
		return
	}
	for _, cmd := range s.latencyCommands() {
		var b strings.Builder
		for i, p := range cfg.LatencyTrackingInfoPercentiles {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "p%s=%.3f", conf.FormatPercentile(p), float64(cmd.stats.latency.percentile(p))/1000)
		}
		w.kv("latency_percentiles_usec_"+cmd.FullName(), b.String())
	}
}

// latencyCommands are the commands, subcommands included, that have a
// latency histogram, sorted by full name.
func (s *Server) latencyCommands() []*Command {
	return s.commandsWithStats(func(st *cmdStat) bool { return st.latency != nil })
}

// LATENCY HISTOGRAM [command ...]: a map from each named command (each
// subcommand of a container) that has a histogram to its calls and the
// cumulative counts of its histogram_usec; every such command without
// names. Unknown names are left out.
func latencyHistogram(c *Ctx) Reply {
	var cmds []*Command
	if len(c.Args) == 2 {
		cmds = c.s.latencyCommands()
	}
	for _, a := range c.Args[2:] {
		cmd := c.s.lookupFullName(string(a))
		switch {
		case cmd == nil:
		case cmd.stats.latency != nil:
			cmds = append(cmds, cmd)
		default:
			for _, sub := range cmd.Sub {
				if sub.stats.latency != nil {
					cmds = append(cmds, sub)
				}
			}
		}
	}
	out := make([]Reply, 0, 2*len(cmds))
	for _, cmd := range cmds {
		h := cmd.stats.latency
		var buckets []Reply
		h.cdf(func(usec, calls int64) { buckets = append(buckets, Int(usec), Int(calls)) })
		out = append(out, BulkString(cmd.FullName()),
			Map(BulkString("calls"), Int(h.total), BulkString("histogram_usec"), Map(buckets...)))
	}
	return Map(out...)
}
