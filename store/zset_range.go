package store

import "strings"

// ScoreRange is a range of scores as ZRANGEBYSCORE takes it: each end
// inclusive, or exclusive when its Ex flag is set.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

// GteMin reports whether v is at or past the low end.
func (r ScoreRange) GteMin(v float64) bool {
	if r.MinEx {
		return v > r.Min
	}
	return v >= r.Min
}

// LteMax reports whether v is at or before the high end.
func (r ScoreRange) LteMax(v float64) bool {
	if r.MaxEx {
		return v < r.Max
	}
	return v <= r.Max
}

// empty reports whether no score can be in r.
func (r ScoreRange) empty() bool {
	return r.Min > r.Max || r.Min == r.Max && (r.MinEx || r.MaxEx)
}

// LexBound is an end of a ZRANGEBYLEX range: "-" (Inf < 0), "+" (Inf > 0)
// or a member, inclusive ("[m") or exclusive ("(m", Ex).
type LexBound struct {
	Value string
	Inf   int
	Ex    bool
}

// LexRange is a range of members as ZRANGEBYLEX takes it. It orders only
// members of equal score meaningfully; on others it behaves as Redis's
// walks do, without promising more.
type LexRange struct{ Min, Max LexBound }

// cmp compares member m with bound b as Redis's sdscmplex does.
func (b LexBound) cmp(m string) int {
	switch {
	case b.Inf < 0:
		return 1
	case b.Inf > 0:
		return -1
	}
	return strings.Compare(m, b.Value)
}

// GteMin reports whether m is at or past the low end.
func (r LexRange) GteMin(m string) bool {
	c := r.Min.cmp(m)
	return c > 0 || c == 0 && !r.Min.Ex
}

// LteMax reports whether m is at or before the high end.
func (r LexRange) LteMax(m string) bool {
	c := r.Max.cmp(m)
	return c < 0 || c == 0 && !r.Max.Ex
}

// empty reports whether no member can be in r.
func (r LexRange) empty() bool {
	a, b := r.Min, r.Max
	var c int
	switch {
	case a.Inf != 0 && a.Inf == b.Inf:
		c = 0
	case a.Inf < 0 || b.Inf > 0:
		c = -1
	case a.Inf > 0 || b.Inf < 0:
		c = 1
	default:
		c = strings.Compare(a.Value, b.Value)
	}
	return c > 0 || c == 0 && (a.Ex || b.Ex)
}

// at returns the member and score of rank i.
func (s *ZSet) at(i int) (string, float64) {
	var m string
	var score float64
	s.walk(i, false, func(member string, sc float64) bool {
		m, score = member, sc
		return false
	})
	return m, score
}

// ScoreFirst returns the rank of the lowest member in r, or -1.
func (s *ZSet) ScoreFirst(r ScoreRange) int {
	if r.empty() || s.Len() == 0 {
		return -1
	}
	var i int
	if b := s.big(); b != nil {
		i = b.tree.lowerBound(func(it zitem) bool { return !r.GteMin(it.score) })
	} else {
		s.walk(0, false, func(_ string, score float64) bool {
			if r.GteMin(score) {
				return false
			}
			i++
			return true
		})
	}
	if i == s.Len() {
		return -1
	}
	if _, score := s.at(i); !r.LteMax(score) {
		return -1
	}
	return i
}

// ScoreLast returns the rank of the highest member in r, or -1.
func (s *ZSet) ScoreLast(r ScoreRange) int {
	if r.empty() || s.Len() == 0 {
		return -1
	}
	var i int
	if b := s.big(); b != nil {
		i = b.tree.lowerBound(func(it zitem) bool { return r.LteMax(it.score) }) - 1
	} else {
		i = s.Len() - 1
		s.walk(s.Len()-1, true, func(_ string, score float64) bool {
			if r.LteMax(score) {
				return false
			}
			i--
			return true
		})
	}
	if i < 0 {
		return -1
	}
	if _, score := s.at(i); !r.GteMin(score) {
		return -1
	}
	return i
}

// ScoreCount returns the number of members in r.
func (s *ZSet) ScoreCount(r ScoreRange) int {
	first := s.ScoreFirst(r)
	if first < 0 {
		return 0
	}
	return s.ScoreLast(r) - first + 1
}

// lexInRange is Redis's test that part of the set may be in r: the range
// is not empty, the highest member is past its low end and the lowest
// before its high end.
func (s *ZSet) lexInRange(r LexRange) bool {
	if r.empty() || s.Len() == 0 {
		return false
	}
	last, _ := s.at(s.Len() - 1)
	first, _ := s.at(0)
	return r.GteMin(last) && r.LteMax(first)
}

// LexFirst returns the rank of the first member in r, or -1: on a
// listpack, the first one past r's low end, found by a walk from the lowest
// as Redis does; on a skiplist, by a descent that assumes equal scores.
func (s *ZSet) LexFirst(r LexRange) int {
	if !s.lexInRange(r) {
		return -1
	}
	i := -1
	if b := s.big(); b != nil {
		i = b.tree.lowerBound(func(it zitem) bool { return !r.GteMin(it.member) })
	} else {
		k := 0
		s.walk(0, false, func(m string, _ float64) bool {
			if r.GteMin(m) {
				i = k
				return false
			}
			k++
			return true
		})
	}
	if i < 0 || i == s.Len() {
		return -1
	}
	if m, _ := s.at(i); !r.LteMax(m) {
		return -1
	}
	return i
}

// LexLast returns the rank of the last member in r, or -1, found as
// LexFirst finds the first.
func (s *ZSet) LexLast(r LexRange) int {
	if !s.lexInRange(r) {
		return -1
	}
	i := -1
	if b := s.big(); b != nil {
		i = b.tree.lowerBound(func(it zitem) bool { return r.LteMax(it.member) }) - 1
	} else {
		k := s.Len() - 1
		s.walk(s.Len()-1, true, func(m string, _ float64) bool {
			if r.LteMax(m) {
				i = k
				return false
			}
			k--
			return true
		})
	}
	if i < 0 {
		return -1
	}
	if m, _ := s.at(i); !r.GteMin(m) {
		return -1
	}
	return i
}

// LexCount returns the number of members in r: on a listpack, those walked
// from the first until one is past the high end; on a skiplist, from the
// ranks of the first and the last, as Redis counts.
func (s *ZSet) LexCount(r LexRange) int {
	first := s.LexFirst(r)
	if first < 0 {
		return 0
	}
	if s.big() != nil {
		return s.LexLast(r) - first + 1
	}
	return s.walkCount(first, func(m string, _ float64) bool { return r.LteMax(m) })
}

// walkCount counts the members from rank from on for which in holds,
// stopping at the first for which it does not.
func (s *ZSet) walkCount(from int, in func(string, float64) bool) int {
	n := 0
	s.walk(from, false, func(m string, score float64) bool {
		if !in(m, score) {
			return false
		}
		n++
		return true
	})
	return n
}

// RemoveScoreRange deletes the members in r and returns how many.
func (s *ZSet) RemoveScoreRange(r ScoreRange) int {
	first := s.ScoreFirst(r)
	if first < 0 {
		return 0
	}
	n := s.ScoreLast(r) - first + 1
	s.RemoveRange(first, first+n-1, nil)
	return n
}

// RemoveLexRange deletes the members walked from the first in r until one
// is past its high end, and returns how many.
func (s *ZSet) RemoveLexRange(r LexRange) int {
	first := s.LexFirst(r)
	if first < 0 {
		return 0
	}
	n := s.walkCount(first, func(m string, _ float64) bool { return r.LteMax(m) })
	s.RemoveRange(first, first+n-1, nil)
	return n
}
