package server

import (
	"math"
	"strconv"
	"strings"

	"quordis/store"
)

// zsetCommands are the sorted set commands, but for the blocking pops:
// ranges and their deletions are in cmd_zset_range.go, pops and random
// members in cmd_zset_pop.go, unions, intersections and differences in
// cmd_zset_setop.go.
func zsetCommands() []*Command {
	z := func(name string, arity int, flags Flag, spec, since, summary, complexity string, h Handler, tips ...string) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: ACLSortedSet,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{ks(spec, 1)}, Tips: tips,
			Group: "sorted-set", Since: since, Summary: summary, Complexity: complexity, Handler: h}
	}
	w, r, d, f := FlagWrite, FlagReadonly, FlagDenyOOM, FlagFast
	logN := "O(log(N)) with N being the number of members in the sorted set"
	rangeN := "O(log(N)+M) with N being the number of members in the sorted set and M the number of members returned"
	cmds := []*Command{
		member(3, z("zadd", -4, w|d|f, "RW update", "1.2.0", "Adds members to a sorted set, or updates their scores",
			"O(log(N)) for each member added, N being the number of members in the sorted set", zaddCommand)),
		member(3, z("zincrby", 4, w|d|f, "RW access update", "1.2.0", "Increments the score of a member", logN, zaddCommand)),
		member(2, z("zrem", -3, w|f, "RW delete", "1.2.0", "Removes members from a sorted set",
			"O(M*log(N)) with N being the number of members in the sorted set and M the number of members removed", zremCommand)),
		z("zcard", 2, r|f, "RO", "1.2.0", "Returns the number of members in a sorted set", "O(1)", zcardCommand),
		z("zcount", 4, r|f, "RO access", "2.0.0", "Counts the members within a range of scores", logN, zcountCommand),
		z("zlexcount", 4, r|f, "RO access", "2.8.9", "Counts the members within a lexicographical range", logN, zlexcountCommand),
		member(2, z("zscore", 3, r|f, "RO access", "1.2.0", "Returns the score of a member", "O(1)", zscoreCommand)),
		member(2, z("zmscore", -3, r|f, "RO access", "6.2.0", "Returns the scores of several members",
			"O(N) where N is the number of members being requested", zmscoreCommand)),
		member(2, z("zrank", 3, r|f, "RO access", "2.0.0", "Returns the rank of a member by ascending score", logN, zrankCommand)),
		member(2, z("zrevrank", 3, r|f, "RO access", "2.0.0", "Returns the rank of a member by descending score", logN, zrankCommand)),
		z("zrange", -4, r, "RO access", "1.2.0", "Returns the members in a range of ranks, scores or members", rangeN, zrangeCommand),
		z("zrevrange", -4, r, "RO access", "1.2.0", "Returns the members in a range of ranks, highest first", rangeN, zrangeCommand),
		z("zrangebyscore", -4, r, "RO access", "1.0.5", "Returns the members in a range of scores", rangeN, zrangeCommand),
		z("zrevrangebyscore", -4, r, "RO access", "2.2.0", "Returns the members in a range of scores, highest first", rangeN, zrangeCommand),
		z("zrangebylex", -4, r, "RO access", "2.8.9", "Returns the members in a lexicographical range", rangeN, zrangeCommand),
		z("zrevrangebylex", -4, r, "RO access", "2.8.9", "Returns the members in a lexicographical range, highest first", rangeN, zrangeCommand),
		{
			// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
			Name: "zrangestore", Arity: -5, Flags: w | d, ACL: ACLSortedSet, FirstKey: 1, LastKey: 2, Step: 1,
			KeySpecs: []KeySpec{ks("OW update", 1), ks("RO access", 2)},
			Group:    "sorted-set", Since: "6.2.0", Summary: "Stores a range of members in a key",
			Complexity: "O(log(N)+M) with N being the number of members in the source and M the number of members stored",
			Handler:    zrangeCommand,
		},
		z("zremrangebyrank", 4, w, "RW delete", "2.0.0", "Removes the members in a range of ranks",
			"O(log(N)+M) with N being the number of members in the sorted set and M the number removed", zremrangeCommand),
		z("zremrangebyscore", 4, w, "RW delete", "1.2.0", "Removes the members in a range of scores",
			"O(log(N)+M) with N being the number of members in the sorted set and M the number removed", zremrangeCommand),
		z("zremrangebylex", 4, w, "RW delete", "2.8.9", "Removes the members in a lexicographical range",
			"O(log(N)+M) with N being the number of members in the sorted set and M the number removed", zremrangeCommand),
		z("zpopmin", -2, w|f, "RW access delete", "5.0.0", "Removes and returns the members with the lowest scores",
			"O(log(N)*M) with N being the number of members in the sorted set and M the number popped", zpopCommand),
		z("zpopmax", -2, w|f, "RW access delete", "5.0.0", "Removes and returns the members with the highest scores",
			"O(log(N)*M) with N being the number of members in the sorted set and M the number popped", zpopCommand),
		{
			// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
			Name: "zmpop", Arity: -4, Flags: w | FlagMovableKeys, ACL: ACLSortedSet, Keys: zkeysAfterNumkeys(1),
			KeySpecs: []KeySpec{zkeynumSpec("RW access delete", 1)},
			Group:    "sorted-set", Since: "7.0.0", Summary: "Removes and returns members from the first non-empty sorted set",
			Complexity: "O(K) + O(M*log(N)) with K the number of keys, N the members of the sorted set and M the number popped",
			Handler:    zmpopCommand,
		},
		z("zrandmember", -2, r, "RO access", "6.2.0", "Returns random members of a sorted set",
			"O(N) where N is the number of members returned", zrandmemberCommand, "nondeterministic_output"),
		z("zscan", -3, r, "RO access", "2.8.0", "Iterates over the members and scores of a sorted set",
			"O(1) for every call. O(N) for a complete iteration.", zscanCommand, "nondeterministic_output"),
	}
	return append(cmds, zsetopCommands()...)
}

// zkeynumSpec is the key spec of keys counted by the argument at index i.
func zkeynumSpec(flags string, i int) KeySpec {
	return KeySpec{Flags: flagList(flags), Index: i, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}
}

// zkeysAfterNumkeys extracts the keys of a command whose argument i counts
// the keys that follow it, as Redis's getkeys procedures do: none when the
// count is not a positive number the arguments can hold.
func zkeysAfterNumkeys(i int) func(args [][]byte) []int {
	return func(args [][]byte) []int {
		n, ok := parseInt(args[i])
		if !ok || n < 1 || n > int64(len(args)-i-1) {
			return nil
		}
		pos := make([]int, n)
		for k := range pos {
			pos[k] = i + 1 + k
		}
		return pos
	}
}

// zsetLimits are the listpack thresholds in force for new and growing
// sets.
func (c *Ctx) zsetLimits() store.ZSetLimits { return c.DB.Limits().ZSet }

// zsetAt returns the sorted set at argument i for reading: nil when absent,
// or a WRONGTYPE reply.
func (c *Ctx) zsetAt(i int) (*store.ZSet, *Reply) {
	return zsetOf(c.lookupRead(c.key(i)))
}

// zsetForWrite is zsetAt for a write: it does not count a keyspace hit or
// miss, as Redis's lookupKeyWrite.
func (c *Ctx) zsetForWrite(i int) (*store.ZSet, *Reply) {
	return zsetOf(c.DB.Get(c.key(i), c.Now))
}

func zsetOf(o *store.Object) (*store.ZSet, *Reply) {
	if o == nil {
		return nil, nil
	}
	if o.Kind != store.KindZSet {
		return nil, &replyWrongType
	}
	return o.AsZSet(), nil
}

// storeZSet makes zs the value at argument i, replacing whatever was there
// and its expiry.
func (c *Ctx) storeZSet(i int, zs *store.ZSet) {
	c.DB.SetFrom(c.Args[i], store.ZSetObject(zs), c.Now)
}

// zsetRESP3 reports whether the caller speaks RESP3, where members with
// scores are nested pairs instead of one flat array.
func zsetRESP3(c *Ctx) bool { return c.cl != nil && c.cl.proto >= 3 }

// zscored is a member and its score.
type zscored struct {
	member string
	score  float64
}

// zscoredReply is the reply for members with scores: pairs [member, score]
// when nested, else one flat array alternating them.
func zscoredReply(items []zscored, nested bool) Reply {
	if nested {
		out := make([]Reply, len(items))
		for i, it := range items {
			out[i] = Array(BulkString(it.member), Double(it.score))
		}
		return Array(out...)
	}
	out := make([]Reply, 0, 2*len(items))
	for _, it := range items {
		out = append(out, BulkString(it.member), Double(it.score))
	}
	return Array(out...)
}

// zscoreArg parses a score, an increment or a weight as Redis's string2d:
// parseFloat, less the values strtod reports out of range (an overflow to
// infinity, an underflow to zero), which Redis refuses.
func zscoreArg(b []byte) (float64, bool) {
	f, ok := parseFloat(b)
	if !ok {
		return 0, false
	}
	digits := strings.TrimLeft(string(b), "+-")
	switch {
	case math.IsInf(f, 0):
		return f, len(digits) >= 3 && strings.EqualFold(digits[:3], "inf")
	case f == 0:
		mantissa, exp := digits, "eE"
		if len(digits) > 1 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') {
			mantissa, exp = digits[2:], "pP"
		}
		if i := strings.IndexAny(mantissa, exp); i >= 0 {
			mantissa = mantissa[:i]
		}
		return f, strings.Trim(mantissa, "0.") == ""
	}
	return f, true
}

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
// ZINCRBY key increment member
func zaddCommand(c *Ctx) Reply {
	const allowed = optNX | optXX | optGT | optLT | optCH | optIncr
	first := 2
	for first < len(c.Args) {
		m, ok := optionNames[strings.ToLower(string(c.Args[first]))]
		if !ok || allowed&m == 0 {
			break
		}
		first++
	}
	opts, msg := parseOptions(c.Args[2:first], allowed)
	if msg != "" {
		return Err(msg)
	}
	incr := opts.has(optIncr) || c.Cmd.Name == "zincrby"
	nx, xx, gt, lt := opts.has(optNX), opts.has(optXX), opts.has(optGT), opts.has(optLT)
	pairs := len(c.Args) - first
	if pairs == 0 || pairs%2 != 0 {
		return replySyntax
	}
	pairs /= 2
	switch {
	case nx && xx:
		return Err("ERR XX and NX options at the same time are not compatible")
	case nx && (gt || lt) || gt && lt:
		return Err("ERR GT, LT, and/or NX options at the same time are not compatible")
	case incr && pairs > 1:
		return Err("ERR INCR option supports a single increment-element pair")
	}
	scores := make([]float64, pairs)
	for i := range scores {
		f, ok := zscoreArg(c.Args[first+2*i])
		if !ok {
			return replyNotFloat
		}
		scores[i] = f
	}
	zs, e := c.zsetForWrite(1)
	if e != nil {
		return *e
	}
	lim := c.zsetLimits()
	var added, updated, processed int
	var score float64
	if zs == nil && !xx {
		zs = c.DB.NewZSet(lim, len(c.Args[first+1]))
		c.storeZSet(1, zs)
	}
	for i := 0; zs != nil && i < pairs; i++ {
		member := bytesView(c.Args[first+2*i+1])
		score = scores[i]
		cur, exists := zs.Score(member)
		switch {
		case exists && nx, !exists && xx:
			continue
		case !exists:
			zs.Add(member, score, lim)
			added++
			processed++
			continue
		}
		if incr {
			if score += cur; math.IsNaN(score) {
				return Err("ERR resulting score is not a number (NaN)")
			}
		}
		if lt && score >= cur || gt && score <= cur {
			continue
		}
		processed++
		if score != cur {
			zs.Add(member, score, lim)
			updated++
		}
	}
	c.ModifiedTimes(c.Args[1], added+updated)
	if added+updated > 0 {
		event := "zadd"
		if incr {
			event = "zincr"
		}
		c.Notify(notifyZset, event, c.Args[1])
	}
	if incr {
		if processed == 0 {
			return Null()
		}
		return Double(score)
	}
	if opts.has(optCH) {
		return Int(int64(added + updated))
	}
	return Int(int64(added))
}

// ZREM key member [member ...]
func zremCommand(c *Ctx) Reply {
	zs, e := c.zsetForWrite(1)
	if e != nil || zs == nil {
		return zreplyOr(e, replyZero)
	}
	deleted, emptied := 0, false
	for _, m := range c.Args[2:] {
		if zs.Remove(bytesView(m)) {
			deleted++
		}
		if emptied = zs.Len() == 0; emptied {
			c.DB.Delete(c.key(1))
			break
		}
	}
	c.ModifiedTimes(c.Args[1], deleted)
	if deleted > 0 {
		c.Notify(notifyZset, "zrem", c.Args[1])
	}
	if emptied {
		c.Notify(notifyGeneric, "del", c.Args[1])
	}
	return Int(int64(deleted))
}

// zreplyOr returns *e when there is one, otherwise r.
func zreplyOr(e *Reply, r Reply) Reply {
	if e != nil {
		return *e
	}
	return r
}

// ZCARD key
func zcardCommand(c *Ctx) Reply {
	zs, e := c.zsetAt(1)
	if e != nil || zs == nil {
		return zreplyOr(e, replyZero)
	}
	return Int(int64(zs.Len()))
}

// ZSCORE key member
func zscoreCommand(c *Ctx) Reply {
	zs, e := c.zsetAt(1)
	if e != nil || zs == nil {
		return zreplyOr(e, Null())
	}
	score, ok := zs.Score(c.key(2))
	if !ok {
		return Null()
	}
	return Double(score)
}

// ZMSCORE key member [member ...]
func zmscoreCommand(c *Ctx) Reply {
	zs, e := c.zsetAt(1)
	if e != nil {
		return *e
	}
	out := make([]Reply, len(c.Args)-2)
	for i := range out {
		out[i] = Null()
		if zs == nil {
			continue
		}
		if score, ok := zs.Score(c.key(i + 2)); ok {
			out[i] = Double(score)
		}
	}
	return Array(out...)
}

// ZRANK key member | ZREVRANK key member
func zrankCommand(c *Ctx) Reply {
	zs, e := c.zsetAt(1)
	if e != nil || zs == nil {
		return zreplyOr(e, Null())
	}
	r, ok := zs.Rank(c.key(2))
	if !ok {
		return Null()
	}
	if c.Cmd.Name == "zrevrank" {
		r = zs.Len() - 1 - r
	}
	return Int(int64(r))
}

// ZCOUNT key min max
func zcountCommand(c *Ctx) Reply {
	r, ok := zparseScoreRange(c.Args[2], c.Args[3])
	if !ok {
		return Err(msgZRangeNotFloat)
	}
	zs, e := c.zsetAt(1)
	if e != nil || zs == nil {
		return zreplyOr(e, replyZero)
	}
	return Int(int64(zs.ScoreCount(r)))
}

// ZLEXCOUNT key min max
func zlexcountCommand(c *Ctx) Reply {
	r, ok := zparseLexRange(c.Args[2], c.Args[3])
	if !ok {
		return Err(msgZRangeNotLex)
	}
	zs, e := c.zsetAt(1)
	if e != nil || zs == nil {
		return zreplyOr(e, replyZero)
	}
	return Int(int64(zs.LexCount(r)))
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
func zscanCommand(c *Ctx) Reply {
	cursor, ok := parseCursor(c.Args[2])
	if !ok {
		return Err("ERR invalid cursor")
	}
	zs, e := c.zsetAt(1)
	if e != nil {
		return *e
	}
	if zs == nil {
		return Array(BulkString("0"), Array())
	}
	opts, msg := parseScanOptions(c.Args[3:], false)
	if msg != "" {
		return Err(msg)
	}
	big := zs.Encoding() == "skiplist"
	var out [][]byte
	emit := func(m string, score float64) {
		if !opts.matches(m) {
			return
		}
		var s []byte
		if big {
			s = formatDouble(nil, score)
		} else {
			s = zlistpackScore(score)
		}
		out = append(out, stringBytes(m), s)
	}
	if !big {
		cursor = zs.Scan(0, emit)
	} else {
		// COUNT counts members and scores alike, as Redis's list of both.
		seen := 0
		for maxIter := opts.count * 10; ; {
			cursor = zs.Scan(cursor, func(m string, score float64) {
				seen += 2
				emit(m, score)
			})
			maxIter--
			if cursor == 0 || maxIter <= 0 || int64(seen) >= opts.count {
				break
			}
		}
	}
	return Array(BulkString(strconv.FormatUint(cursor, 10)), Bulks(out))
}

// zlistpackScore renders a score as a listpack stores it: an integer when
// it is one within ±2^62, otherwise as Redis formats doubles.
func zlistpackScore(f float64) []byte {
	if f >= -(1<<62) && f <= 1<<62 && f == math.Trunc(f) {
		return strconv.AppendInt(nil, int64(f), 10)
	}
	return formatDouble(nil, f)
}
