package server

import (
	"strconv"
	"time"
)

// feedMonitors sends the command to every MONITOR client, in the format of
// Redis: +<unix.micros> [<db> <addr>] "arg" ... Admin commands and those
// flagged skip_monitor are not shown. Called with s.mu held.
func (s *Server) feedMonitors(c *client, args [][]byte, now time.Time) {
	if len(s.monitors) == 0 {
		return
	}
	if cmd := s.table.get(args[0]); cmd != nil && cmd.Flags&(FlagAdmin|FlagSkipMonitor) != 0 {
		return
	}
	s.feedMonitorsAlways(c, args, now)
}

// feedMonitorsAlways is feedMonitors for a command whose flags say it is
// not fed: EVAL, which feeds itself before the commands of its script.
func (s *Server) feedMonitorsAlways(c *client, args [][]byte, now time.Time) {
	if len(s.monitors) == 0 {
		return
	}
	b := make([]byte, 0, 64)
	b = append(b, '+')
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '.')
	us := strconv.Itoa(now.Nanosecond() / 1000)
	for i := len(us); i < 6; i++ {
		b = append(b, '0')
	}
	b = append(b, us...)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(c.db), 10)
	b = append(b, ' ')
	b = append(b, c.raddr...)
	b = append(b, ']')
	for _, a := range args {
		b = append(b, ' ')
		b = appendRepr(b, a)
	}
	b = append(b, '\r', '\n')
	for m := range s.monitors {
		m.push(b, aofMark{})
	}
}

// appendRepr appends s quoted and escaped the way Redis's sdscatrepr does.
func appendRepr(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, ch := range s {
		switch ch {
		case '\\', '"':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				b = append(b, ch)
			} else {
				b = append(b, '\\', 'x', hex[ch>>4], hex[ch&15])
			}
		}
	}
	return append(b, '"')
}
