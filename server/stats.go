package server

import (
	"strings"
	"time"
)

// cmdStat is one line of INFO commandstats.
type cmdStat struct {
	calls, usec, rejected, failed int64
	latency                       *latencyHist // INFO latencystats, LATENCY HISTOGRAM; nil before a call
}

// maxErrorCodes caps the distinct error codes INFO errorstats tracks, as
// Redis does (ERRORSTATS_LIMIT), so clients cannot grow the table forever.
const maxErrorCodes = 128

// countError counts an error reply by its code (the first word) for INFO
// errorstats and total_error_replies. Called with s.mu held.
func (s *Server) countError(msg string) {
	s.stats.errorReplies++
	code := msg
	if i := strings.IndexByte(msg, ' '); i >= 0 {
		code = msg[:i]
	}
	if _, ok := s.errorstats[code]; !ok && len(s.errorstats) >= maxErrorCodes {
		return
	}
	s.errorstats[code]++
}

// latencySample is one LATENCY HISTORY point.
type latencySample struct {
	unix int64
	ms   int64
}

// latencyEvent is the history of one latency event, as LATENCY keeps it.
type latencyEvent struct {
	history []latencySample // oldest first, at most latencyHistoryLen
	max     int64
}

const latencyHistoryLen = 160

// latencyAdd records a latency spike of ms milliseconds for event. Samples
// in the same second are merged, keeping the larger. Called with s.mu held.
func (s *Server) latencyAdd(event string, now time.Time, ms int64) {
	ev := s.latency[event]
	if ev == nil {
		ev = &latencyEvent{}
		s.latency[event] = ev
	}
	if ms > ev.max {
		ev.max = ms
	}
	unix := now.Unix()
	if n := len(ev.history); n > 0 && ev.history[n-1].unix == unix {
		if ms > ev.history[n-1].ms {
			ev.history[n-1].ms = ms
		}
		return
	}
	ev.history = append(ev.history, latencySample{unix: unix, ms: ms})
	if len(ev.history) > latencyHistoryLen {
		ev.history = ev.history[1:]
	}
}
