package server

import (
	"fmt"
	"strconv"
	"strings"
)

// LATENCY GRAPH draws an event's samples as Redis 7.0 does: a header, a
// rule of latencyGraphCols dashes and a sparkline four rows high, each
// sample one column, with how long ago it was seen written downwards
// under it ("3s", "2m", "1h", "4d"); past latencyGraphCols samples the
// columns go on in another block below.
const latencyGraphCols = 80

// sparkline rows: each row has three heights of mark; the filled style
// draws the highest row of a column with one of them and '|' below it.
const (
	sparkRows      = 4
	sparkMarks     = "_o#"
	sparkMarkCount = len(sparkMarks)
	sparkLabelGap  = 1 // empty rows between the marks and the labels
)

// sparkSample is one column of a sparkline.
type sparkSample struct {
	value float64
	label string
}

// latencyGraph is LATENCY GRAPH's text for event ev, at unix time now.
func latencyGraph(name string, ev *latencyEvent, now int64) string {
	samples := make([]sparkSample, len(ev.history))
	lo, hi := ev.history[0].ms, ev.history[0].ms
	for i, h := range ev.history {
		lo, hi = min(lo, h.ms), max(hi, h.ms)
		samples[i] = sparkSample{float64(h.ms), agoLabel(now - h.unix)}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", name, hi, lo, ev.max)
	b.WriteString(strings.Repeat("-", latencyGraphCols))
	b.WriteByte('\n')
	for i := 0; i < len(samples); i += latencyGraphCols {
		if i > 0 {
			b.WriteByte('\n')
		}
		sparkBlock(&b, samples[i:min(i+latencyGraphCols, len(samples))], float64(lo), float64(hi))
	}
	return b.String()
}

// agoLabel is how long ago, in seconds, a sample was taken, in the unit
// Redis labels it with.
func agoLabel(secs int64) string {
	switch {
	case secs < 60:
		return strconv.FormatInt(secs, 10) + "s"
	case secs < 3600:
		return strconv.FormatInt(secs/60, 10) + "m"
	case secs < 86400:
		return strconv.FormatInt(secs/3600, 10) + "h"
	}
	return strconv.FormatInt(secs/86400, 10) + "d"
}

// sparkBlock draws samples, scaled between lo and hi of the whole graph,
// and their labels.
func sparkBlock(b *strings.Builder, samples []sparkSample, lo, hi float64) {
	span := hi - lo
	if span == 0 {
		span = 1
	}
	const steps = sparkMarkCount * sparkRows
	heights := make([]int, len(samples))
	longest := 0
	for i, s := range samples {
		// The product is cut to an integer before the division, and the
		// quotient again, as Redis computes it.
		h := int(float64(int((s.value-lo)*float64(steps))) / span)
		heights[i] = min(max(h, 0), steps-1)
		longest = max(longest, len(s.label))
	}
	line := make([]byte, len(samples))
	for row := range sparkRows {
		for i, h := range heights {
			mark := h - (sparkRows-row-1)*sparkMarkCount
			switch {
			case mark < 0:
				line[i] = ' '
			case mark < sparkMarkCount:
				line[i] = sparkMarks[mark]
			default:
				line[i] = '|'
			}
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if longest == 0 {
		return
	}
	for range sparkLabelGap {
		b.WriteString(strings.Repeat(" ", len(samples)))
		b.WriteByte('\n')
	}
	for k := range longest {
		for i, s := range samples {
			line[i] = ' '
			if k < len(s.label) {
				line[i] = s.label[k]
			}
		}
		b.Write(line)
		b.WriteByte('\n')
	}
}
