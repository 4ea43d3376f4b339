package server

import (
	"math"
	"strconv"
	"strings"
)

// optMask says which options a command accepts in parseOptions.
type optMask uint16

const (
	optNX optMask = 1 << iota
	optXX
	optGT
	optLT
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT
	optCH
	optIncr

	optExpiry = optEX | optPX | optEXAT | optPXAT
)

// options are the parsed NX|XX|GT|LT, GET, KEEPTTL, PERSIST and
// EX|PX|EXAT|PXAT options of a command; set records which were given.
type options struct {
	set    optMask
	expArg []byte // the argument of EX, PX, EXAT or PXAT
}

func (o options) has(m optMask) bool { return o.set&m != 0 }

var optionNames = map[string]optMask{
	"nx": optNX, "xx": optXX, "gt": optGT, "lt": optLT, "get": optGet,
	"keepttl": optKeepTTL, "persist": optPersist, "ex": optEX, "px": optPX,
	"exat": optEXAT, "pxat": optPXAT, "ch": optCH, "incr": optIncr,
}

// conflicts lists, for each option, the options it cannot be combined with,
// as Redis's parseExtendedStringArgumentsOrReply and EXPIRE's parser rule.
var optionConflicts = map[optMask]optMask{
	optNX:      optXX | optGT | optLT,
	optXX:      optNX,
	optGT:      optLT | optNX,
	optLT:      optGT | optNX,
	optKeepTTL: optPersist | optExpiry,
	optPersist: optKeepTTL | optExpiry,
	optEX:      optKeepTTL | optPersist | optPX | optEXAT | optPXAT,
	optPX:      optKeepTTL | optPersist | optEX | optEXAT | optPXAT,
	optEXAT:    optKeepTTL | optPersist | optEX | optPX | optPXAT,
	optPXAT:    optKeepTTL | optPersist | optEX | optPX | optEXAT,
}

// parseOptions parses args (the options part of a command) allowing the
// options in allowed. It is the one parser of these flags: SET, GETEX,
// EXPIRE and its family, and later ZADD use it. Errors are Redis's texts.
func parseOptions(args [][]byte, allowed optMask) (options, string) {
	var o options
	for i := 0; i < len(args); i++ {
		m, ok := optionNames[strings.ToLower(string(args[i]))]
		if !ok || allowed&m == 0 {
			return o, msgSyntax
		}
		conflicts := optionConflicts[m]
		if allowed&(optGT|optLT) != 0 {
			// EXPIRE and ZADD report NX/XX/GT/LT clashes in their own words.
			conflicts &^= optNX | optXX | optGT | optLT
		}
		if o.set&conflicts != 0 {
			return o, msgSyntax
		}
		if m&optExpiry != 0 {
			if i+1 >= len(args) {
				return o, msgSyntax
			}
			i++
			o.expArg = args[i]
		}
		o.set |= m
	}
	return o, ""
}

// expireAt turns the EX|PX|EXAT|PXAT option into an absolute time in Unix
// milliseconds, with Redis's errors for bad, non-positive or overflowing
// values; cmd names the command in the error.
func (o options) expireAt(now int64, cmd string) (int64, string) {
	n, err := strconv.ParseInt(string(o.expArg), 10, 64)
	if err != nil {
		return 0, msgNotInt
	}
	invalid := "ERR invalid expire time in '" + cmd + "' command"
	if n <= 0 {
		return 0, invalid
	}
	if o.set&(optEX|optEXAT) != 0 {
		if n > math.MaxInt64/1000 {
			return 0, invalid
		}
		n *= 1000
	}
	if o.set&(optEX|optPX) != 0 {
		if n > math.MaxInt64-now {
			return 0, invalid
		}
		n += now
	}
	return n, ""
}
