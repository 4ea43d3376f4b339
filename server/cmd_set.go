package server

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"quordis/store"
)

// setCommands are the commands of sets. The values are store.Set: an
// intset while every member is an integer and there are few, a hash table
// (store.Dict) otherwise.
func setCommands() []*Command {
	set := func(name string, arity int, flags Flag, spec KeySpec, since, summary, complexity string, h Handler, tips ...string) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: ACLSet,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{spec}, Tips: tips,
			Group: "set", Since: since, Summary: summary, Complexity: complexity, Handler: h}
	}
	// multi reads every argument from the first as a key (SINTER, SUNION,
	// SDIFF).
	multi := func(name, summary, complexity string, h Handler) *Command {
		return &Command{Name: name, Arity: -2, Flags: FlagReadonly, ACL: ACLSet,
			FirstKey: 1, LastKey: -1, Step: 1,
			KeySpecs: []KeySpec{{Flags: flagList("RO access"), Index: 1, LastKey: -1, KeyStep: 1}},
			Tips:     []string{"nondeterministic_output_order"},
			Group:    "set", Since: "1.0.0", Summary: summary, Complexity: complexity, Handler: h}
	}
	// store writes its first argument from the sets at the others
	// (SINTERSTORE, SUNIONSTORE, SDIFFSTORE).
	store := func(name, dstFlags, summary, complexity string, h Handler) *Command {
		return &Command{Name: name, Arity: -3, Flags: FlagWrite | FlagDenyOOM, ACL: ACLSet,
			FirstKey: 1, LastKey: -1, Step: 1,
			KeySpecs: []KeySpec{ks(dstFlags, 1), {Flags: flagList("RO access"), Index: 2, LastKey: -1, KeyStep: 1}},
			Group:    "set", Since: "1.0.0", Summary: summary, Complexity: complexity, Handler: h}
	}
	w, r, f := FlagWrite, FlagReadonly, FlagFast
	return []*Command{
		member(2, set("sadd", -3, w|FlagDenyOOM|f, ks("RW insert", 1), "1.0.0", "Adds members to a set",
			"O(1) for each member added", saddCommand)),
		member(2, set("srem", -3, w|f, ks("RW delete", 1), "1.0.0", "Removes members from a set",
			"O(N) where N is the number of members to remove", sremCommand)),
		set("scard", 2, r|f, ks("RO", 1), "1.0.0", "Returns the number of members of a set", "O(1)", scardCommand),
		member(2, set("sismember", 3, r|f, ks("RO", 1), "1.0.0", "Tells whether a value is a member of a set", "O(1)", sismemberCommand)),
		member(2, set("smismember", -3, r|f, ks("RO access", 1), "6.2.0", "Tells whether each value is a member of a set",
			"O(N) where N is the number of values checked", smismemberCommand)),
		set("smembers", 2, r, ks("RO access", 1), "1.0.0", "Returns every member of a set",
			"O(N) where N is the set cardinality", sinterCommand, "nondeterministic_output_order"),
		set("srandmember", -2, r, ks("RO access", 1), "1.0.0", "Returns random members of a set",
			"Without the count argument O(1), otherwise O(N) where N is the absolute value of the count",
			srandmemberCommand, "nondeterministic_output"),
		set("spop", -2, w|f, ks("RW access delete", 1), "1.0.0", "Removes and returns random members of a set",
			"Without the count argument O(1), otherwise O(N) where N is the count", spopCommand, "nondeterministic_output"),
		{
			// SMOVE source destination member
			Name: "smove", Arity: 4, Flags: w | f, ACL: ACLSet, FirstKey: 1, LastKey: 2, Step: 1,
			KeySpecs: []KeySpec{ks("RW access delete", 1), ks("RW insert", 2)},
			Group:    "set", Since: "1.0.0", Summary: "Moves a member from one set to another", Complexity: "O(1)",
			Handler: smoveCommand,
		},
		multi("sinter", "Returns the intersection of sets",
			"O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets", sinterCommand),
		{
			// SINTERCARD numkeys key [key ...] [LIMIT limit]
			Name: "sintercard", Arity: -3, Flags: r | FlagMovableKeys, ACL: ACLSet,
			KeySpecs: []KeySpec{{Flags: flagList("RO access"), Index: 1, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}},
			Keys:     sintercardKeys,
			Group:    "set", Since: "7.0.0", Summary: "Returns the number of members of the intersection of sets",
			Complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets",
			Handler:    sintercardCommand,
		},
		store("sinterstore", "RW update", "Stores the intersection of sets in a key",
			"O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets", sinterCommand),
		multi("sunion", "Returns the union of sets", "O(N) where N is the total number of members in all given sets", sunionCommand),
		store("sunionstore", "OW update", "Stores the union of sets in a key",
			"O(N) where N is the total number of members in all given sets", sunionCommand),
		multi("sdiff", "Returns the difference of sets", "O(N) where N is the total number of members in all given sets", sdiffCommand),
		store("sdiffstore", "OW update", "Stores the difference of sets in a key",
			"O(N) where N is the total number of members in all given sets", sdiffCommand),
		set("sscan", -3, r, ks("RO access", 1), "2.8.0", "Iterates over the members of a set",
			"O(1) for every call. O(N) for a complete iteration.", sscanCommand, "nondeterministic_output"),
	}
}

// setAt returns the set at argument i for reading: nil when absent, or a
// WRONGTYPE reply.
func (c *Ctx) setAt(i int) (*store.Set, *Reply) {
	o := c.lookupRead(c.key(i))
	if o == nil {
		return nil, nil
	}
	if o.Kind != store.KindSet {
		return nil, &replyWrongType
	}
	return o.AsSet(), nil
}

// setLimits is the intset threshold in force for set writes.
func (c *Ctx) setLimits() store.SetLimits { return c.DB.SetLimits() }

// setForWrite returns the set at argument i for a write (without counting
// a keyspace hit or miss, as Redis's lookupKeyWrite): nil when absent, or a
// WRONGTYPE reply.
func (c *Ctx) setForWrite(i int) (*store.Set, *Reply) {
	o := c.DB.Get(c.key(i), c.Now)
	if o == nil {
		return nil, nil
	}
	if o.Kind != store.KindSet {
		return nil, &replyWrongType
	}
	return o.AsSet(), nil
}

// storeSet makes s the value at argument i, replacing whatever was there
// and its expiry.
func (c *Ctx) storeSet(i int, s *store.Set) {
	c.DB.SetFrom(c.Args[i], store.SetObject(s), c.Now)
}

// allMembers returns the members of s in its iteration order.
func allMembers(s *store.Set) []string {
	out := make([]string, 0, s.Len())
	s.Range(func(m string) bool {
		out = append(out, m)
		return true
	})
	return out
}

// SADD key member [member ...]
func saddCommand(c *Ctx) Reply {
	s, e := c.setForWrite(1)
	if e != nil {
		return *e
	}
	created := s == nil
	if created {
		s = c.DB.NewSet()
	}
	added := 0
	lim := c.setLimits()
	for _, m := range c.Args[2:] {
		if s.AddBytes(m, lim) {
			added++
		}
	}
	if created {
		c.storeSet(1, s)
	}
	c.ModifiedTimes(c.Args[1], added)
	if added > 0 {
		c.Notify(notifySet, "sadd", c.Args[1])
	}
	return Int(int64(added))
}

// SREM key member [member ...]
func sremCommand(c *Ctx) Reply {
	s, e := c.setForWrite(1)
	if e != nil {
		return *e
	}
	if s == nil {
		return replyZero
	}
	removed, emptied := 0, false
	for _, m := range c.Args[2:] {
		if s.Remove(bytesView(m)) {
			removed++
			if emptied = s.Len() == 0; emptied {
				c.DB.Delete(c.key(1))
				break
			}
		}
	}
	c.ModifiedTimes(c.Args[1], removed)
	if removed > 0 {
		c.Notify(notifySet, "srem", c.Args[1])
	}
	if emptied {
		c.Notify(notifyGeneric, "del", c.Args[1])
	}
	return Int(int64(removed))
}

// SCARD key
func scardCommand(c *Ctx) Reply {
	s, e := c.setAt(1)
	if e != nil {
		return *e
	}
	if s == nil {
		return replyZero
	}
	return Int(int64(s.Len()))
}

// SISMEMBER key member
func sismemberCommand(c *Ctx) Reply {
	s, e := c.setAt(1)
	if e != nil {
		return *e
	}
	if s != nil && s.Has(c.key(2)) {
		return replyOne
	}
	return replyZero
}

// SMISMEMBER key member [member ...]
func smismemberCommand(c *Ctx) Reply {
	s, e := c.setAt(1)
	if e != nil {
		return *e
	}
	out := make([]Reply, len(c.Args)-2)
	for i := range out {
		out[i] = replyZero
		if s != nil && s.Has(c.key(i+2)) {
			out[i] = replyOne
		}
	}
	return Array(out...)
}

// SRANDMEMBER key [count]
func srandmemberCommand(c *Ctx) Reply {
	switch {
	case len(c.Args) > 3:
		return replySyntax
	case len(c.Args) == 3:
		return srandmemberCount(c)
	}
	s, e := c.setAt(1)
	if e != nil {
		return *e
	}
	if s == nil {
		return replyNullBulk
	}
	return BulkString(s.Random(c.Rand))
}

// srandmemberCount is SRANDMEMBER key count: distinct members for a
// positive count, members drawn with repetition for a negative one.
func srandmemberCount(c *Ctx) Reply {
	n, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	if n == math.MinInt64 {
		return Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	}
	s, e := c.setAt(1)
	if e != nil {
		return *e
	}
	if s == nil || n == 0 {
		return Array()
	}
	size := int64(s.Len())
	switch {
	case n < 0 || n == 1:
		out := make([]Reply, 0, max(n, -n))
		s.RandomN(c.Rand, cap(out), func(m string) { out = append(out, BulkString(m)) })
		return Array(out...)
	case n >= size:
		return Strings(allMembers(s))
	}
	return Strings(s.Sample(c.Rand, int(n)))
}

// SPOP key [count]
//
// The pops are random, so they propagate as what they did: SREM of the
// popped member, one SREM per member with a count, or DEL when the count
// takes the whole set, as Redis 7.0 does.
func spopCommand(c *Ctx) Reply {
	switch {
	case len(c.Args) > 3:
		return replySyntax
	case len(c.Args) == 3:
		return spopCount(c)
	}
	s, e := c.setForWrite(1)
	if e != nil {
		return *e
	}
	if s == nil {
		return replyNullBulk
	}
	m := s.Pop(c.Rand)
	emptied := s.Len() == 0
	if emptied {
		c.DB.Delete(c.key(1))
	}
	c.Modified(c.Args[1])
	c.Notify(notifySet, "spop", c.Args[1])
	if emptied {
		c.Notify(notifyGeneric, "del", c.Args[1])
	}
	c.Propagate([]byte("SREM"), c.ownedBytes(1), []byte(m))
	return BulkString(m)
}

// spopMoveStrategyMul is Redis's SPOP_MOVE_STRATEGY_MUL: SPOP with a count
// rebuilds the set when at most one member stays for this many popped.
const spopMoveStrategyMul = 5

// spopCount is SPOP key count.
func spopCount(c *Ctx) Reply {
	n, ok := parseInt(c.Args[2])
	if !ok || n < 0 {
		return Err("ERR value is out of range, must be positive")
	}
	s, e := c.setForWrite(1)
	if e != nil {
		return *e
	}
	if s == nil || n == 0 {
		return Set()
	}
	key := c.ownedBytes(1)
	c.Notify(notifySet, "spop", c.Args[1])
	if size := s.Len(); n >= int64(size) {
		members := allMembers(s)
		c.DB.Delete(c.key(1))
		c.Modified(c.Args[1])
		c.Notify(notifyGeneric, "del", c.Args[1])
		c.Changed(size - 1)
		c.Propagate([]byte("DEL"), key)
		return StringSet(members)
	}
	members := make([]string, n)
	srem := []byte("SREM")
	for i := range members {
		members[i] = s.Pop(c.Rand)
		c.Propagate(srem, key, []byte(members[i]))
	}
	if remaining := s.Len(); remaining*spopMoveStrategyMul <= len(members) {
		// Redis pops most of a set by moving the members that stay to a
		// new set, which takes the encoding they call for: a hash table
		// may become an intset again.
		rebuilt, lim := store.NewSet(), c.setLimits()
		s.Range(func(m string) bool {
			rebuilt.Add(m, lim)
			return true
		})
		*s = *rebuilt
	}
	c.Modified(c.Args[1])
	c.Changed(len(members) - 1)
	return StringSet(members)
}

// SMOVE source destination member
func smoveCommand(c *Ctx) Reply {
	src, srcErr := c.setForWrite(1)
	dst, dstErr := c.setForWrite(2)
	if src == nil && srcErr == nil {
		return replyZero
	}
	if srcErr != nil {
		return *srcErr
	}
	if dstErr != nil {
		return *dstErr
	}
	member := c.key(3)
	if c.key(1) == c.key(2) {
		if src.Has(member) {
			return replyOne
		}
		return replyZero
	}
	if !src.Remove(member) {
		return replyZero
	}
	c.Notify(notifySet, "srem", c.Args[1])
	if src.Len() == 0 {
		c.DB.Delete(c.key(1))
		c.Notify(notifyGeneric, "del", c.Args[1])
	}
	if dst == nil {
		dst = store.NewSet()
		c.storeSet(2, dst)
	}
	c.Modified(c.Args[1])
	if dst.AddBytes(c.Args[3], c.setLimits()) {
		c.Modified(c.Args[2])
		c.Notify(notifySet, "sadd", c.Args[2])
	}
	return replyOne
}

// loadSets looks up the sets at keys for reading; a missing key is a nil
// set. A key of another type gives WRONGTYPE, even
// after a missing key, as Redis checks every key before computing.
func (c *Ctx) loadSets(keys [][]byte) ([]*store.Set, *Reply) {
	sets := make([]*store.Set, len(keys))
	for i, k := range keys {
		o := c.lookupRead(bytesView(k))
		if o == nil {
			continue
		}
		if o.Kind != store.KindSet {
			return nil, &replyWrongType
		}
		sets[i] = o.AsSet()
	}
	return sets, nil
}

// intersect calls fn for every member common to sets, none of which is
// nil, until fn returns false. It walks the smallest set and looks its
// members up in the others.
func intersect(sets []*store.Set, fn func(m string) bool) {
	sets = slices.Clone(sets)
	slices.SortStableFunc(sets, func(a, b *store.Set) int { return a.Len() - b.Len() })
	sets[0].Range(func(m string) bool {
		for _, o := range sets[1:] {
			if o != sets[0] && !o.Has(m) {
				return true
			}
		}
		return fn(m)
	})
}

// SINTER key [key ...] | SMEMBERS key | SINTERSTORE destination key [key ...]
func sinterCommand(c *Ctx) Reply {
	dest := c.Cmd.Name == "sinterstore"
	keys := c.Args[1:]
	if dest {
		keys = c.Args[2:]
	}
	sets, e := c.loadSets(keys)
	if e != nil {
		return *e
	}
	empty := slices.Contains(sets, nil)
	if !dest {
		if empty {
			return Set()
		}
		var members []string
		intersect(sets, func(m string) bool {
			members = append(members, m)
			return true
		})
		return StringSet(members)
	}
	result, lim := store.NewSet(), c.setLimits()
	if !empty {
		intersect(sets, func(m string) bool {
			result.Add(m, lim)
			return true
		})
	}
	return c.storeResult(result)
}

// storeResult stores the result of SINTERSTORE, SUNIONSTORE or SDIFFSTORE
// at argument 1, deleting the key when the result is empty, and replies
// with its size.
func (c *Ctx) storeResult(result *store.Set) Reply {
	if result.Len() == 0 {
		if c.DB.Delete(c.key(1)) {
			c.Modified(c.Args[1])
			c.Notify(notifyGeneric, "del", c.Args[1])
		}
		return replyZero
	}
	c.storeSet(1, result)
	c.Modified(c.Args[1])
	c.Notify(notifySet, c.Cmd.Name, c.Args[1])
	return Int(int64(result.Len()))
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
func sintercardCommand(c *Ctx) Reply {
	numkeys, ok := parseInt(c.Args[1])
	if !ok || numkeys < 1 {
		return Err("ERR numkeys should be greater than 0")
	}
	if numkeys > int64(len(c.Args)-2) {
		return Err("ERR Number of keys can't be greater than number of args")
	}
	var limit int64
	for i := 2 + int(numkeys); i < len(c.Args); i++ {
		if !strings.EqualFold(string(c.Args[i]), "limit") || i+1 >= len(c.Args) {
			return replySyntax
		}
		i++
		n, ok := parseInt(c.Args[i])
		if !ok || n < 0 {
			return Err("ERR LIMIT can't be negative")
		}
		limit = n
	}
	sets, e := c.loadSets(c.Args[2 : 2+numkeys])
	if e != nil {
		return *e
	}
	var n int64
	if !slices.Contains(sets, nil) {
		intersect(sets, func(string) bool {
			n++
			return limit == 0 || n < limit
		})
	}
	return Int(n)
}

// sintercardKeys returns the key positions of SINTERCARD: numkeys keys
// after the count, none when the count is not valid.
func sintercardKeys(args [][]byte) []int {
	if len(args) < 2 {
		return nil
	}
	n, ok := parseInt(args[1])
	if !ok || n < 1 || n > int64(len(args)-2) {
		return nil
	}
	pos := make([]int, n)
	for i := range pos {
		pos[i] = 2 + i
	}
	return pos
}

// SUNION key [key ...] | SUNIONSTORE destination key [key ...]
func sunionCommand(c *Ctx) Reply {
	dest := c.Cmd.Name == "sunionstore"
	keys := c.Args[1:]
	if dest {
		keys = c.Args[2:]
	}
	sets, e := c.loadSets(keys)
	if e != nil {
		return *e
	}
	// The result is built as a set of its own, as Redis does, so its
	// encoding (and an intset's ascending order) follows the usual rules.
	result, lim := store.NewSet(), c.setLimits()
	for _, s := range sets {
		if s == nil {
			continue
		}
		s.Range(func(m string) bool {
			result.Add(m, lim)
			return true
		})
	}
	if dest {
		return c.storeResult(result)
	}
	return StringSet(allMembers(result))
}

// SDIFF key [key ...] | SDIFFSTORE destination key [key ...]
func sdiffCommand(c *Ctx) Reply {
	dest := c.Cmd.Name == "sdiffstore"
	keys := c.Args[1:]
	if dest {
		keys = c.Args[2:]
	}
	sets, e := c.loadSets(keys)
	if e != nil {
		return *e
	}
	result, lim := store.NewSet(), c.setLimits()
	if first := sets[0]; first != nil {
		// Redis's choice between its two algorithms: looking each member
		// of the first set up in the others costs N*M lookups, building
		// the first set and removing the others costs the sum of their
		// sizes; the first is cheaper per step, so it gets a factor 2.
		var lookups, total int
		for _, s := range sets {
			if s != nil {
				lookups += first.Len()
				total += s.Len()
			}
		}
		if lookups/2 <= total {
			first.Range(func(m string) bool {
				for _, o := range sets[1:] {
					if o == first || o != nil && o.Has(m) {
						return true
					}
				}
				result.Add(m, lim)
				return true
			})
		} else {
			first.Range(func(m string) bool {
				result.Add(m, lim)
				return true
			})
			for _, o := range sets[1:] {
				if o == nil {
					continue
				}
				o.Range(func(m string) bool {
					result.Remove(m)
					return result.Len() > 0
				})
				if result.Len() == 0 {
					break
				}
			}
		}
	}
	if dest {
		return c.storeResult(result)
	}
	return StringSet(allMembers(result))
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
func sscanCommand(c *Ctx) Reply {
	cursor, ok := parseCursor(c.Args[2])
	if !ok {
		return Err("ERR invalid cursor")
	}
	s, e := c.setAt(1)
	if e != nil {
		return *e
	}
	if s == nil {
		return Array(BulkString("0"), Array())
	}
	opts, msg := parseScanOptions(c.Args[3:], false)
	if msg != "" {
		return Err(msg)
	}
	var members []string
	collect := func(m string) { members = append(members, m) }
	if s.Encoding() == "intset" {
		cursor = s.Scan(cursor, collect)
	} else {
		// As Redis's scanGenericCommand: one step, then more while the
		// scan is not over, fewer than count members were found, and at
		// most count*10 further steps.
		steps := opts.count
		if steps > math.MaxInt64/10 {
			steps = math.MaxInt64
		} else {
			steps *= 10
		}
		for {
			cursor = s.Scan(cursor, collect)
			if cursor == 0 || steps == 0 || int64(len(members)) >= opts.count {
				break
			}
			steps--
		}
	}
	out := make([]Reply, 0, len(members))
	for _, m := range members {
		if opts.matches(m) {
			out = append(out, BulkString(m))
		}
	}
	return Array(BulkString(strconv.FormatUint(cursor, 10)), Array(out...))
}
