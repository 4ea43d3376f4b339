package server

import (
	"math"
	"slices"
	"strings"

	"quordis/store"
)

// zsetopCommands are the unions, intersections and differences of sorted
// sets (sets count as sorted sets whose members all score 1).
func zsetopCommands() []*Command {
	read := func(name, since, summary, complexity string) *Command {
		return &Command{Name: name, Arity: -3, Flags: FlagReadonly | FlagMovableKeys, ACL: ACLSortedSet,
			Keys: zkeysAfterNumkeys(1), KeySpecs: []KeySpec{zkeynumSpec("RO access", 1)},
			Group: "sorted-set", Since: since, Summary: summary, Complexity: complexity, Handler: zsetopCommand}
	}
	stored := func(name, since, summary, complexity string) *Command {
		return &Command{Name: name, Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, ACL: ACLSortedSet,
			FirstKey: 1, LastKey: 1, Step: 1, Keys: zstoreKeys,
			KeySpecs: []KeySpec{ks("OW update", 1), zkeynumSpec("RO access", 2)},
			KeyFlags: func(_ [][]byte, pos int) []string {
				if pos == 1 {
					return flagList("OW update")
				}
				return flagList("RO access")
			},
			Group: "sorted-set", Since: since, Summary: summary, Complexity: complexity, Handler: zsetopCommand}
	}
	union := "O(N)+O(M*log(M)) with N the total size of the inputs and M the size of the result"
	inter := "O(N*K)+O(M*log(M)) with N the smallest input, K the number of inputs and M the size of the result"
	diff := "O(L + (N-K)log(N)) with L the total size of the inputs, N the size of the first and K the size of the result"
	return []*Command{
		read("zunion", "6.2.0", "Returns the union of sorted sets", union),
		read("zinter", "6.2.0", "Returns the intersection of sorted sets", inter),
		read("zintercard", "7.0.0", "Returns the number of members in the intersection of sorted sets",
			"O(N*K) with N the smallest input and K the number of inputs"),
		read("zdiff", "6.2.0", "Returns the difference between sorted sets", diff),
		stored("zunionstore", "2.0.0", "Stores the union of sorted sets in a key", union),
		stored("zinterstore", "2.0.0", "Stores the intersection of sorted sets in a key", inter),
		stored("zdiffstore", "6.2.0", "Stores the difference between sorted sets in a key", diff),
	}
}

// zstoreKeys extracts the keys of ZUNIONSTORE and friends: the destination,
// then as many keys as argument 2 counts; none when that count is not a
// positive number the arguments can hold.
func zstoreKeys(args [][]byte) []int {
	n, ok := parseInt(args[2])
	if !ok || n < 1 || n > int64(len(args)-3) {
		return nil
	}
	pos := []int{1}
	for k := int64(0); k < n; k++ {
		pos = append(pos, 3+int(k))
	}
	return pos
}

// zsetopSource is one input of a set operation: a sorted set, a set, or
// nothing (a missing key), with its weight.
type zsetopSource struct {
	zs     *store.ZSet
	set    *store.Set
	weight float64
}

func (s *zsetopSource) len() int {
	switch {
	case s.zs != nil:
		return s.zs.Len()
	case s.set != nil:
		return s.set.Len()
	}
	return 0
}

// same reports whether s and o are the same value (a key given twice).
func (s *zsetopSource) same(o *zsetopSource) bool {
	return s.zs != nil && s.zs == o.zs || s.set != nil && s.set == o.set
}

// find returns the score of m in s, 1 for a set member.
func (s *zsetopSource) find(m string) (float64, bool) {
	switch {
	case s.zs != nil:
		return s.zs.Score(m)
	case s.set != nil:
		return 1, s.set.Has(m)
	}
	return 0, false
}

// each calls fn for every member of s until fn returns false.
func (s *zsetopSource) each(fn func(m string, score float64) bool) {
	switch {
	case s.zs != nil && s.zs.Len() > 0:
		s.zs.Walk(0, false, fn)
	case s.set != nil:
		s.set.Range(func(m string) bool { return fn(m, 1) })
	}
}

type zaggregate uint8

const (
	zaggSum zaggregate = iota
	zaggMin
	zaggMax
)

// apply combines a score with another instance's, as Redis does: a sum of
// opposite infinities is 0.
func (a zaggregate) apply(target, v float64) float64 {
	switch a {
	case zaggMin:
		if v < target {
			return v
		}
	case zaggMax:
		if v > target {
			return v
		}
	default:
		if target += v; math.IsNaN(target) {
			return 0
		}
	}
	return target
}

// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
// ZINTERCARD numkeys key [key ...] [LIMIT limit]
// ZDIFF numkeys key [key ...] [WITHSCORES]
// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
// ZDIFFSTORE destination numkeys key [key ...]
func zsetopCommand(c *Ctx) Reply {
	name := c.Cmd.Name
	toStore := strings.HasSuffix(name, "store")
	card := name == "zintercard"
	isDiff := strings.HasPrefix(name, "zdiff")
	numIdx := 1
	if toStore {
		numIdx = 2
	}
	setnum, ok := parseInt(c.Args[numIdx])
	if !ok {
		return replyNotInt
	}
	if setnum < 1 {
		return Err("ERR at least 1 input key is needed for '" + name + "' command")
	}
	if setnum > int64(len(c.Args)-numIdx-1) {
		return replySyntax
	}
	srcs := make([]zsetopSource, setnum)
	for i := range srcs {
		srcs[i].weight = 1
		o := c.lookupRead(c.key(numIdx + 1 + i))
		switch {
		case o == nil:
		case o.Kind == store.KindZSet:
			srcs[i].zs = o.AsZSet()
		case o.Kind == store.KindSet:
			srcs[i].set = o.AsSet()
		default:
			return replyWrongType
		}
	}
	agg, withScores, limit := zaggSum, false, int64(0)
	for j := numIdx + 1 + int(setnum); j < len(c.Args); {
		remaining := len(c.Args) - j
		a := bytesView(c.Args[j])
		switch {
		case !isDiff && !card && remaining >= len(srcs)+1 && strings.EqualFold(a, "weights"):
			j++
			for i := range srcs {
				w, ok := zscoreArg(c.Args[j])
				if !ok {
					return Err("ERR weight value is not a float")
				}
				srcs[i].weight = w
				j++
			}
		case !isDiff && !card && remaining >= 2 && strings.EqualFold(a, "aggregate"):
			switch strings.ToLower(string(c.Args[j+1])) {
			case "sum":
				agg = zaggSum
			case "min":
				agg = zaggMin
			case "max":
				agg = zaggMax
			default:
				return replySyntax
			}
			j += 2
		case !toStore && !card && strings.EqualFold(a, "withscores"):
			withScores = true
			j++
		case card && remaining >= 2 && strings.EqualFold(a, "limit"):
			n, ok := parseInt(c.Args[j+1])
			if !ok || n < 0 {
				return Err("ERR LIMIT can't be negative")
			}
			limit = n
			j += 2
		default:
			return replySyntax
		}
	}
	if !isDiff {
		// The smallest input first, as Redis orders them: intersections
		// walk it, and sums add up in the same order.
		slices.SortStableFunc(srcs, func(a, b zsetopSource) int { return a.len() - b.len() })
	}
	result := store.NewBigZSet()
	lim := c.zsetLimits()
	cardinality := int64(0)
	switch {
	case isDiff:
		zdiff(srcs, func(m string, score float64) { result.Add(m, score, lim) })
	case strings.HasPrefix(name, "zinter"):
		zinter(srcs, agg, func(m string, score float64) bool {
			if card {
				cardinality++
				return limit == 0 || cardinality < limit
			}
			result.Add(m, score, lim)
			return true
		})
	default:
		zunion(srcs, agg, func(m string, score float64) { result.Add(m, score, lim) })
	}
	switch {
	case card:
		return Int(cardinality)
	case toStore:
		if result.Len() == 0 {
			if c.DB.Delete(c.key(1)) {
				c.Modified(c.Args[1])
				c.Notify(notifyGeneric, "del", c.Args[1])
			}
			return replyZero
		}
		result.Compact(lim)
		c.storeZSet(1, result)
		c.Modified(c.Args[1])
		c.Notify(notifyZset, name, c.Args[1])
		return Int(int64(result.Len()))
	}
	if result.Len() == 0 {
		return Array()
	}
	var scored []zscored
	var members [][]byte
	result.Walk(0, false, func(m string, score float64) bool {
		if withScores {
			scored = append(scored, zscored{m, score})
		} else {
			members = append(members, stringBytes(m))
		}
		return true
	})
	if withScores {
		return zscoredReply(scored, zsetRESP3(c))
	}
	return Bulks(members)
}

// zinter calls emit with every member present in all srcs (the smallest
// first) and its aggregated weighted score, until emit returns false.
func zinter(srcs []zsetopSource, agg zaggregate, emit func(string, float64) bool) {
	first := &srcs[0]
	if first.len() == 0 {
		return
	}
	first.each(func(m string, s float64) bool {
		score := first.weight * s
		if math.IsNaN(score) {
			score = 0
		}
		for j := 1; j < len(srcs); j++ {
			v, ok := s, true
			if !srcs[j].same(first) {
				v, ok = srcs[j].find(m)
			}
			if !ok {
				return true
			}
			score = agg.apply(score, v*srcs[j].weight)
		}
		return emit(m, score)
	})
}

// zunion calls emit with every member of any of srcs and its aggregated
// weighted score.
func zunion(srcs []zsetopSource, agg zaggregate, emit func(string, float64)) {
	acc := make(map[string]float64, srcs[len(srcs)-1].len())
	for i := range srcs {
		src := &srcs[i]
		src.each(func(m string, s float64) bool {
			score := src.weight * s
			if math.IsNaN(score) {
				score = 0
			}
			if cur, ok := acc[m]; ok {
				score = agg.apply(cur, score)
			}
			acc[m] = score
			return true
		})
	}
	for m, score := range acc {
		emit(m, score)
	}
}

// zdiff calls emit with every member of the first of srcs that is in none
// of the others, and its score there.
func zdiff(srcs []zsetopSource, emit func(string, float64)) {
	first := &srcs[0]
	for j := 1; j < len(srcs); j++ {
		if srcs[j].same(first) {
			return
		}
	}
	first.each(func(m string, s float64) bool {
		for j := 1; j < len(srcs); j++ {
			if _, ok := srcs[j].find(m); ok {
				return true
			}
		}
		emit(m, s)
		return true
	})
}
