package server

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"quordis/store"
)

// zpop removes up to count members from the sorted set at key, from the
// lowest score up, or with max from the highest down, and returns them in
// that order with their scores. It records the change and deletes the key
// once empty; it returns nil, changing nothing, when key holds no sorted
// set or count < 1. The popped strings are the caller's to keep. Blocked
// BZPOPMIN, BZPOPMAX and BZMPOP clients are served through it too.
func zpop(c *Ctx, key string, max bool, count int) []zscored {
	zs, _ := zsetOf(c.DB.Get(key, c.Now))
	if zs == nil || count < 1 {
		return nil
	}
	n := zs.Len()
	count = min(count, n)
	start, stop := 0, count-1
	if max {
		start, stop = n-count, n-1
	}
	out := make([]zscored, 0, count)
	zs.RemoveRange(start, stop, func(m string, score float64) { out = append(out, zscored{m, score}) })
	if max {
		slices.Reverse(out)
	}
	c.Modified(stringBytes(key))
	c.Changed(count - 1)
	event := "zpopmin"
	if max {
		event = "zpopmax"
	}
	c.NotifyKey(notifyZset, event, key)
	if zs.Len() == 0 {
		c.DB.Delete(key)
		c.NotifyKey(notifyGeneric, "del", key)
	}
	return out
}

// ZPOPMIN key [count] | ZPOPMAX key [count]
func zpopCommand(c *Ctx) Reply {
	if len(c.Args) > 3 {
		return replySyntax
	}
	count := int64(-1)
	if len(c.Args) == 3 {
		n, ok := parseInt(c.Args[2])
		if !ok || n < 0 {
			return Err("ERR value is out of range, must be positive")
		}
		count = n
	}
	zs, e := c.zsetForWrite(1)
	if e != nil || zs == nil || count == 0 {
		return zreplyOr(e, Array())
	}
	// RESP3 nests the pairs when a count was given, even a count of 1.
	nested := zsetRESP3(c) && count != -1
	items := zpop(c, c.key(1), c.Cmd.Name == "zpopmax", int(max(count, 1)))
	return zscoredReply(items, nested)
}

// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
func zmpopCommand(c *Ctx) Reply {
	keys, max, count, msg := zparseMpop(c.Args, 1)
	if msg != "" {
		return Err(msg)
	}
	for _, k := range keys {
		zs, e := c.zsetForWrite(k)
		if e != nil {
			return *e
		}
		if zs == nil {
			continue
		}
		n := int64(zs.Len())
		items := zpop(c, c.key(k), max, int(min(count, n)))
		name := "ZPOPMIN"
		if max {
			name = "ZPOPMAX"
		}
		c.Propagate([]byte(name), c.ownedBytes(k), strconv.AppendInt(nil, min(count, n), 10))
		return Array(BulkString(c.key(k)), zscoredReply(items, true))
	}
	return replyNullArray
}

// zparseMpop parses the arguments of ZMPOP (numkeys at index i) and BZMPOP:
// the indexes of the keys, MIN or MAX, and the count (1 by default).
func zparseMpop(args [][]byte, i int) (keys []int, max bool, count int64, msg string) {
	numkeys, ok := parseInt(args[i])
	if !ok || numkeys < 1 {
		return nil, false, 0, "ERR numkeys should be greater than 0"
	}
	where := int64(i) + numkeys + 1
	if where >= int64(len(args)) {
		return nil, false, 0, msgSyntax
	}
	switch strings.ToLower(string(args[where])) {
	case "min":
	case "max":
		max = true
	default:
		return nil, false, 0, msgSyntax
	}
	count = -1
	for j := int(where) + 1; j < len(args); j++ {
		if count != -1 || !strings.EqualFold(string(args[j]), "count") || j+1 >= len(args) {
			return nil, false, 0, msgSyntax
		}
		j++
		n, ok := parseInt(args[j])
		if !ok || n < 1 {
			return nil, false, 0, "ERR count should be greater than 0"
		}
		count = n
	}
	if count == -1 {
		count = 1
	}
	for k := int64(0); k < numkeys; k++ {
		keys = append(keys, i+1+int(k))
	}
	return keys, max, count, ""
}

// ZRANDMEMBER key [count [WITHSCORES]]
func zrandmemberCommand(c *Ctx) Reply {
	if len(c.Args) == 2 {
		zs, e := c.zsetAt(1)
		if e != nil || zs == nil {
			return zreplyOr(e, Null())
		}
		m, _ := zs.Random(c.Rand)
		return BulkString(m)
	}
	l, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	if l == math.MinInt64 {
		return Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	}
	if len(c.Args) > 4 || len(c.Args) == 4 && !strings.EqualFold(string(c.Args[3]), "withscores") {
		return replySyntax
	}
	withScores := len(c.Args) == 4
	if withScores && (l < -math.MaxInt64/2 || l > math.MaxInt64/2) {
		return Err("ERR value is out of range")
	}
	zs, e := c.zsetAt(1)
	if e != nil || zs == nil || l == 0 {
		return zreplyOr(e, Array())
	}
	nested := zsetRESP3(c)
	reply := func(items []zscored) Reply {
		if withScores {
			return zscoredReply(items, nested)
		}
		out := make([][]byte, len(items))
		for i, it := range items {
			out[i] = stringBytes(it.member)
		}
		return Bulks(out)
	}
	return reply(zrandom(zs, l, c))
}

// zrandom draws the members of ZRANDMEMBER with a count, as Redis does: a
// negative count draws that many with repeats; a count past the size
// returns the whole set, highest first; otherwise distinct members.
func zrandom(zs *store.ZSet, l int64, c *Ctx) []zscored {
	size := int64(zs.Len())
	if l < 0 || l == 1 {
		count := l
		if l < 0 {
			count = -l
		}
		var out []zscored
		for ; count > 0; count-- {
			m, score := zs.Random(c.Rand)
			out = append(out, zscored{m, score})
		}
		return out
	}
	if l >= size {
		out := make([]zscored, 0, size)
		zs.Walk(int(size-1), true, func(m string, score float64) bool {
			out = append(out, zscored{m, score})
			return true
		})
		return out
	}
	count := int(l)
	if zs.Encoding() == "listpack" || l*3 > size {
		// Choose count ranks of size, each with equal chance, in order.
		out := make([]zscored, 0, count)
		need, left := count, int(size)
		zs.Walk(0, false, func(m string, score float64) bool {
			if c.Rand.IntN(left) < need {
				out = append(out, zscored{m, score})
				need--
			}
			left--
			return need > 0
		})
		if l*3 > size {
			// Redis answers from a hash table here: no order to keep.
			c.Rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		}
		return out
	}
	out := make([]zscored, 0, count)
	seen := make(map[string]bool, count)
	for len(out) < count {
		m, score := zs.Random(c.Rand)
		if !seen[m] {
			seen[m] = true
			out = append(out, zscored{m, score})
		}
	}
	return out
}
