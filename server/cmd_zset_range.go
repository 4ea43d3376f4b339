package server

import (
	"strings"

	"quordis/store"
)

// Redis's errors for ranges that do not parse.
const (
	msgZRangeNotFloat = "ERR min or max is not a float"
	msgZRangeNotLex   = "ERR min or max not valid string range item"
)

// zparseScoreRange parses the min and max of ZRANGEBYSCORE and friends:
// numbers as strtod reads them, "(" before one making that end exclusive.
func zparseScoreRange(min, max []byte) (store.ScoreRange, bool) {
	var r store.ScoreRange
	var ok1, ok2 bool
	r.Min, r.MinEx, ok1 = zparseScoreBound(min)
	r.Max, r.MaxEx, ok2 = zparseScoreBound(max)
	return r, ok1 && ok2
}

func zparseScoreBound(b []byte) (v float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		b, ex = b[1:], true
	}
	v, ok = zstrtod(b)
	return v, ex, ok
}

// zstrtod parses b as Redis's bare strtod call for range bounds does:
// leading white space is skipped, nothing may follow the number, NaN is
// refused, and values out of range become infinities or zero. An empty
// argument converts nothing and leaves nothing behind, so it reads as 0.
func zstrtod(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	if s == "" {
		return 0, false
	}
	return parseFloat([]byte(s))
}

// zparseLexRange parses the min and max of ZRANGEBYLEX and friends: "-",
// "+", or a member after "[" (inclusive) or "(" (exclusive). The bounds
// share the arguments' memory.
func zparseLexRange(min, max []byte) (store.LexRange, bool) {
	var r store.LexRange
	var ok1, ok2 bool
	r.Min, ok1 = zparseLexBound(min)
	r.Max, ok2 = zparseLexBound(max)
	return r, ok1 && ok2
}

func zparseLexBound(b []byte) (store.LexBound, bool) {
	if len(b) == 0 {
		return store.LexBound{}, false
	}
	// Redis reads the argument as a C string: a NUL ends "+" and "-".
	alone := len(b) == 1 || b[1] == 0
	switch b[0] {
	case '+':
		return store.LexBound{Inf: 1, Ex: true}, alone
	case '-':
		return store.LexBound{Inf: -1, Ex: true}, alone
	case '(':
		return store.LexBound{Value: bytesView(b[1:]), Ex: true}, true
	case '[':
		return store.LexBound{Value: bytesView(b[1:])}, true
	}
	return store.LexBound{}, false
}

// zrangeKind is what the min and max of a ZRANGE select by.
type zrangeKind uint8

const (
	zrangeAuto zrangeKind = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

// zrangeSink collects a range: into a reply, or into a new sorted set for
// ZRANGESTORE.
type zrangeSink struct {
	dst        *store.ZSet // ZRANGESTORE's result
	lim        store.ZSetLimits
	withScores bool
	members    [][]byte
	scored     []zscored
	n          int
}

func (s *zrangeSink) emit(m string, score float64) {
	s.n++
	switch {
	case s.dst != nil:
		s.dst.Add(m, score, s.lim)
	case s.withScores:
		s.scored = append(s.scored, zscored{m, score})
	default:
		s.members = append(s.members, stringBytes(m))
	}
}

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
// ZREVRANGE key start stop [WITHSCORES]
// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
// ZRANGEBYLEX key min max [LIMIT offset count]
// ZREVRANGEBYLEX key max min [LIMIT offset count]
func zrangeCommand(c *Ctx) Reply {
	src, toStore := 1, false
	kind, rev, revFixed := zrangeAuto, false, true
	switch c.Cmd.Name {
	case "zrange":
		revFixed = false
	case "zrangestore":
		src, toStore, revFixed = 2, true, false
	case "zrevrange":
		kind, rev = zrangeRank, true
	case "zrangebyscore":
		kind = zrangeScore
	case "zrevrangebyscore":
		kind, rev = zrangeScore, true
	case "zrangebylex":
		kind = zrangeLex
	case "zrevrangebylex":
		kind, rev = zrangeLex, true
	}
	withScores := false
	var offset, limit int64 = 0, -1
	for j := src + 3; j < len(c.Args); j++ {
		a := bytesView(c.Args[j])
		switch {
		case !toStore && strings.EqualFold(a, "withscores"):
			withScores = true
		case strings.EqualFold(a, "limit") && len(c.Args)-j-1 >= 2:
			var ok bool
			if offset, ok = parseInt(c.Args[j+1]); !ok {
				return replyNotInt
			}
			if limit, ok = parseInt(c.Args[j+2]); !ok {
				return replyNotInt
			}
			j += 2
		case !revFixed && strings.EqualFold(a, "rev"):
			rev, revFixed = true, true
		case kind == zrangeAuto && strings.EqualFold(a, "bylex"):
			kind = zrangeLex
		case kind == zrangeAuto && strings.EqualFold(a, "byscore"):
			kind = zrangeScore
		default:
			return replySyntax
		}
	}
	if kind == zrangeAuto {
		kind = zrangeRank
	}
	if limit != -1 && kind == zrangeRank {
		return Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
	}
	if withScores && kind == zrangeLex {
		return Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
	}
	minArg, maxArg := c.Args[src+1], c.Args[src+2]
	if rev && kind != zrangeRank {
		minArg, maxArg = maxArg, minArg
	}
	var start, stop int64
	var scores store.ScoreRange
	var lex store.LexRange
	var ok bool
	switch kind {
	case zrangeRank:
		var ok2 bool
		start, ok = parseInt(minArg)
		stop, ok2 = parseInt(maxArg)
		if !ok || !ok2 {
			return replyNotInt
		}
	case zrangeScore:
		if scores, ok = zparseScoreRange(minArg, maxArg); !ok {
			return Err(msgZRangeNotFloat)
		}
	case zrangeLex:
		if lex, ok = zparseLexRange(minArg, maxArg); !ok {
			return Err(msgZRangeNotLex)
		}
	}
	zs, e := c.zsetAt(src)
	if e != nil {
		return *e
	}
	sink := &zrangeSink{withScores: withScores}
	if toStore {
		sink.lim = c.zsetLimits()
		sink.dst = store.NewZSet(sink.lim, 0)
	}
	if zs != nil {
		switch kind {
		case zrangeRank:
			zrangeByRank(zs, start, stop, rev, sink)
		case zrangeScore:
			first := zs.ScoreFirst(scores)
			if rev {
				first = zs.ScoreLast(scores)
			}
			zrangeWalk(zs, first, offset, limit, rev, sink, func(_ string, v float64) bool {
				if rev {
					return scores.GteMin(v)
				}
				return scores.LteMax(v)
			})
		case zrangeLex:
			first := zs.LexFirst(lex)
			if rev {
				first = zs.LexLast(lex)
			}
			zrangeWalk(zs, first, offset, limit, rev, sink, func(m string, _ float64) bool {
				if rev {
					return lex.GteMin(m)
				}
				return lex.LteMax(m)
			})
		}
	}
	if toStore {
		if sink.n == 0 {
			if c.DB.Delete(c.key(1)) {
				c.Modified(c.Args[1])
				c.Notify(notifyGeneric, "del", c.Args[1])
			}
			return replyZero
		}
		c.storeZSet(1, sink.dst)
		c.Modified(c.Args[1])
		c.Notify(notifyZset, "zrangestore", c.Args[1])
		return Int(int64(sink.n))
	}
	if withScores {
		return zscoredReply(sink.scored, zsetRESP3(c))
	}
	if sink.members == nil {
		return Array()
	}
	return Bulks(sink.members)
}

// zrangeByRank emits the members of ranks start to stop (negative ones
// counting from the end; with rev, ranks from the highest score).
func zrangeByRank(zs *store.ZSet, start, stop int64, rev bool, sink *zrangeSink) {
	n := int64(zs.Len())
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	start = max(start, 0)
	if start > stop || start >= n {
		return
	}
	stop = min(stop, n-1)
	count := stop - start + 1
	from := start
	if rev {
		from = n - 1 - start
	}
	zs.Walk(int(from), rev, func(m string, score float64) bool {
		sink.emit(m, score)
		count--
		return count > 0
	})
}

// zrangeWalk emits, from the rank first (-1: nothing in range) after
// skipping offset members, up to limit members (negative: no limit) for as
// long as in holds, going down with rev. It walks as Redis does, so that a
// lexicographical range over unequal scores gives Redis's answer.
func zrangeWalk(zs *store.ZSet, first int, offset, limit int64, rev bool, sink *zrangeSink, in func(string, float64) bool) {
	n := int64(zs.Len())
	if first < 0 || offset < 0 || offset >= n || limit == 0 {
		return
	}
	pos := int64(first) + offset
	if rev {
		pos = int64(first) - offset
	}
	if pos < 0 || pos >= n {
		return
	}
	zs.Walk(int(pos), rev, func(m string, score float64) bool {
		if !in(m, score) {
			return false
		}
		sink.emit(m, score)
		if limit > 0 {
			limit--
		}
		return limit != 0
	})
}

// ZREMRANGEBYRANK key start stop | ZREMRANGEBYSCORE key min max | ZREMRANGEBYLEX key min max
func zremrangeCommand(c *Ctx) Reply {
	var start, stop int64
	var scores store.ScoreRange
	var lex store.LexRange
	switch c.Cmd.Name {
	case "zremrangebyrank":
		var ok1, ok2 bool
		start, ok1 = parseInt(c.Args[2])
		stop, ok2 = parseInt(c.Args[3])
		if !ok1 || !ok2 {
			return replyNotInt
		}
	case "zremrangebyscore":
		var ok bool
		if scores, ok = zparseScoreRange(c.Args[2], c.Args[3]); !ok {
			return Err(msgZRangeNotFloat)
		}
	default:
		var ok bool
		if lex, ok = zparseLexRange(c.Args[2], c.Args[3]); !ok {
			return Err(msgZRangeNotLex)
		}
	}
	zs, e := c.zsetForWrite(1)
	if e != nil || zs == nil {
		return zreplyOr(e, replyZero)
	}
	deleted := 0
	switch c.Cmd.Name {
	case "zremrangebyrank":
		n := int64(zs.Len())
		if start < 0 {
			start += n
		}
		if stop < 0 {
			stop += n
		}
		start = max(start, 0)
		if start > stop || start >= n {
			return replyZero
		}
		stop = min(stop, n-1)
		zs.RemoveRange(int(start), int(stop), nil)
		deleted = int(stop - start + 1)
	case "zremrangebyscore":
		deleted = zs.RemoveScoreRange(scores)
	default:
		deleted = zs.RemoveLexRange(lex)
	}
	emptied := zs.Len() == 0
	if emptied {
		c.DB.Delete(c.key(1))
	}
	c.ModifiedTimes(c.Args[1], deleted)
	if deleted > 0 {
		c.Notify(notifyZset, c.Cmd.Name, c.Args[1])
	}
	if emptied {
		c.Notify(notifyGeneric, "del", c.Args[1])
	}
	return Int(int64(deleted))
}
