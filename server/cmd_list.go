package server

import (
	"strconv"
	"strings"

	"github.com/tidwall/redcon"

	"quordis/store"
)

// listCommands are the list commands, except the blocking ones (BLPOP,
// BLMOVE, ...), which build on popList and moveList below.
func listCommands() []*Command {
	list := func(name string, arity int, flags Flag, spec KeySpec, since, summary, complexity string, h Handler) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: ACLList,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{spec},
			Group: "list", Since: since, Summary: summary, Complexity: complexity, Handler: h}
	}
	move := func(name string, arity int, since, summary string, h Handler) *Command {
		return &Command{Name: name, Arity: arity, Flags: FlagWrite | FlagDenyOOM, ACL: ACLList,
			FirstKey: 1, LastKey: 2, Step: 1, KeySpecs: []KeySpec{ks("RW access delete", 1), ks("RW insert", 2)},
			Group: "list", Since: since, Summary: summary, Complexity: "O(1)", Handler: h}
	}
	w, r, d, f := FlagWrite, FlagReadonly, FlagDenyOOM, FlagFast
	const perElement = "O(1) for each element added"
	return []*Command{
		list("lpush", -3, w|d|f, ks("RW insert", 1), "1.0.0", "Adds elements at the head of a list", perElement,
			listPushCommand(false, false)),
		list("rpush", -3, w|d|f, ks("RW insert", 1), "1.0.0", "Adds elements at the tail of a list", perElement,
			listPushCommand(true, false)),
		list("lpushx", -3, w|d|f, ks("RW insert", 1), "2.2.0", "Adds elements at the head of an existing list", perElement,
			listPushCommand(false, true)),
		list("rpushx", -3, w|d|f, ks("RW insert", 1), "2.2.0", "Adds elements at the tail of an existing list", perElement,
			listPushCommand(true, true)),
		list("lpop", -2, w|f, ks("RW access delete", 1), "1.0.0", "Removes and returns elements from the head of a list",
			"O(N) for N elements returned", listPopCommand(true)),
		list("rpop", -2, w|f, ks("RW access delete", 1), "1.0.0", "Removes and returns elements from the tail of a list",
			"O(N) for N elements returned", listPopCommand(false)),
		list("llen", 2, r|f, ks("RO", 1), "1.0.0", "Returns the length of a list", "O(1)", llenCommand),
		list("lindex", 3, r, ks("RO access", 1), "1.0.0", "Returns the element at an index of a list",
			"O(N) for N elements between the index and the nearer end", lindexCommand),
		list("lset", 4, w|d, ks("RW update", 1), "1.0.0", "Replaces the element at an index of a list",
			"O(N) for N elements between the index and the nearer end", lsetCommand),
		list("lrange", 4, r, ks("RO access", 1), "1.0.0", "Returns a range of elements of a list",
			"O(S+N) for S elements between start and the nearer end and N elements returned", lrangeCommand),
		list("ltrim", 4, w, ks("RW delete", 1), "1.0.0", "Keeps only a range of elements of a list",
			"O(N) for N elements removed", ltrimCommand),
		list("lrem", 4, w, ks("RW delete", 1), "1.0.0", "Removes elements equal to a value from a list",
			"O(N+M) for a list of N elements and M elements removed", lremCommand),
		list("linsert", 5, w|d, ks("RW insert", 1), "2.2.0", "Inserts an element before or after another in a list",
			"O(N) for N elements before the pivot", linsertCommand),
		list("lpos", -3, r, ks("RO access", 1), "6.0.6", "Returns the indexes of elements equal to a value in a list",
			"O(N) for N elements scanned", lposCommand),
		move("lmove", 5, "6.2.0", "Moves an element from the end of one list to the end of another", lmoveCommand),
		move("rpoplpush", 3, "1.2.0", "Moves the last element of a list to the head of another", rpoplpushCommand),
		{
			// LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]
			Name: "lmpop", Arity: -4, Flags: w | FlagMovableKeys, ACL: ACLList, Keys: lmpopKeys,
			KeySpecs: []KeySpec{{Flags: flagList("RW access delete"), Index: 1, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}},
			Group:    "list", Since: "7.0.0", Summary: "Removes and returns elements from the first non-empty list",
			Complexity: "O(N+M) for N keys and M elements returned", Handler: lmpopCommand,
		},
	}
}

// lmpopKeys finds LMPOP's keys: numkeys at argument 1, the keys after it.
// Like Redis, it reads numkeys as C's atoi does and finds no keys when the
// number does not fit the arguments.
func lmpopKeys(args [][]byte) []int {
	if len(args) < 2 {
		return nil
	}
	n := lmpopAtoi(args[1])
	if n < 1 || n > len(args)-2 {
		return nil
	}
	pos := make([]int, n)
	for i := range pos {
		pos[i] = 2 + i
	}
	return pos
}

// lmpopAtoi reads a leading decimal number as C's atoi does: leading spaces,
// an optional sign, digits up to the first non-digit; 0 when there are
// none. Values are clamped to ±2^31 since only small ones matter here.
func lmpopAtoi(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	n := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = min(n*10+int(b[i]-'0'), 1<<31)
	}
	if neg {
		return -n
	}
	return n
}

// Error texts of the list commands.
const (
	msgNotPositive   = "ERR value is out of range, must be positive"
	msgRankZero      = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	msgNumkeys       = "ERR numkeys should be greater than 0"
	msgCountPositive = "ERR count should be greater than 0"
)

// listRead returns the list at argument i for a read (counting a keyspace
// hit or miss): nil when absent, or a WRONGTYPE reply.
func (c *Ctx) listRead(i int) (*store.List, *Reply) {
	o := c.lookupRead(c.key(i))
	if o == nil {
		return nil, nil
	}
	if o.Kind != store.KindList {
		return nil, &replyWrongType
	}
	return o.AsList(), nil
}

// listWrite returns the list at key for a write: nil when absent, or a
// WRONGTYPE reply.
func (c *Ctx) listWrite(key string) (*store.List, *Reply) {
	o := c.DB.Get(key, c.Now)
	if o == nil {
		return nil, nil
	}
	if o.Kind != store.KindList {
		return nil, &replyWrongType
	}
	return o.AsList(), nil
}

// listCreate stores a new empty list at key, which must be free, and
// returns it. key is copied.
func (c *Ctx) listCreate(key []byte) *store.List {
	l := c.DB.NewList(c.DB.Limits().List)
	c.DB.SetFrom(key, store.ListObject(l), c.Now)
	return l
}

// listPushCommand is LPUSH (back false), RPUSH, and with existing set
// LPUSHX and RPUSHX.
//
// LPUSH key element [element ...] | RPUSH key element [element ...]
// LPUSHX key element [element ...] | RPUSHX key element [element ...]
func listPushCommand(back, existing bool) Handler {
	return func(c *Ctx) Reply {
		l, e := c.listWrite(c.key(1))
		if e != nil {
			return *e
		}
		if l == nil {
			if existing {
				return replyZero
			}
			l = c.listCreate(c.Args[1])
		}
		for _, v := range c.Args[2:] {
			if back {
				l.PushBack(v)
			} else {
				l.PushFront(v)
			}
		}
		c.Modified(c.Args[1])
		c.Notify(notifyList, pushEvent(!back), c.Args[1])
		return Int(int64(l.Len()))
	}
}

// listPopCommand is LPOP (left) or RPOP. Without a count the reply is one
// element (or a null bulk); with a count it is an array (or a null array
// for a missing key).
//
// LPOP key [count] | RPOP key [count]
func listPopCommand(left bool) Handler {
	return func(c *Ctx) Reply {
		if len(c.Args) > 3 {
			return Err("ERR wrong number of arguments for '" + c.Cmd.FullName() + "' command")
		}
		withCount := len(c.Args) == 3
		count := int64(1)
		if withCount {
			n, ok := parseInt(c.Args[2])
			if !ok || n < 0 {
				return Err(msgNotPositive)
			}
			count = n
		}
		l, e := c.listWrite(c.key(1))
		switch {
		case e != nil:
			return *e
		case l == nil && withCount:
			return replyNullArray
		case l == nil:
			return replyNullBulk
		case count == 0:
			return Bulks([][]byte{})
		}
		if !withCount {
			v, _ := l.PopOneTo(left, c.s.popped[:0])
			if cap(v) <= 64<<10 {
				c.s.popped = v // reused once the reply is encoded
			}
			listPopped(c, l, c.key(1), left)
			return Bulk(v)
		}
		return Bulks(popFrom(c, l, c.key(1), left, int(min(count, int64(l.Len())))))
	}
}

// popList pops up to count elements from the head (left) or the tail of
// the list at key, returning them in the order they were popped. It
// deletes the key when the list empties and records the change (WATCH,
// dirty), but records no effect: the caller decides what to propagate
// (see propagatePop). It returns nil when key holds no list. It is the pop
// of BLPOP, BRPOP and BLMPOP when they are served.
func popList(c *Ctx, key string, left bool, count int) [][]byte {
	l, e := c.listWrite(key)
	if e != nil || l == nil {
		return nil
	}
	return popFrom(c, l, key, left, count)
}

// popFrom is popList on the list l found at key.
func popFrom(c *Ctx, l *store.List, key string, left bool, count int) [][]byte {
	if count <= 0 {
		return nil
	}
	vals := l.Pop(left, count)
	listPopped(c, l, key, left)
	return vals
}

// listPopped deletes key if its list l is now empty and records the
// change, a pop from the head (left) or the tail.
func listPopped(c *Ctx, l *store.List, key string, left bool) {
	emptied := l.Len() == 0
	if emptied {
		c.DB.Delete(key)
	}
	c.Modified(stringBytes(key))
	c.notifyPopped(key, left, emptied)
}

// pushEvent is the notification of a push at the head (left) or tail.
func pushEvent(left bool) string {
	if left {
		return "lpush"
	}
	return "rpush"
}

// propagatePop records "LPOP key n" (left) or "RPOP key n" as the effect
// of a command that popped n elements from key, as Redis rewrites LMPOP
// and the blocking pops; with n < 0 the count is left out (BLPOP's "LPOP
// key").
func propagatePop(c *Ctx, key string, left bool, n int) {
	cmd := "RPOP"
	if left {
		cmd = "LPOP"
	}
	if n < 0 {
		c.PropagateStrings(cmd, key)
		return
	}
	c.PropagateStrings(cmd, key, strconv.Itoa(n))
}

// popListWithKey pops up to count elements from the list at key and
// replies as LMPOP and BLMPOP do, [key, [elements...]], recording the pop
// as "LPOP key n" or "RPOP key n". It reports false, having done nothing,
// when key holds no list.
func popListWithKey(c *Ctx, key string, left bool, count int) (Reply, bool) {
	vals := popList(c, key, left, count)
	if vals == nil {
		return Reply{}, false
	}
	propagatePop(c, key, left, len(vals))
	return Array(BulkString(strings.Clone(key)), Bulks(vals)), true
}

// moveList pops an element from the head (fromLeft) or tail of the list at
// src and pushes it at the head (toLeft) or tail of the list at dst,
// creating dst if needed, and replies as LMOVE does: the element, a null
// when src holds no list, WRONGTYPE when src or dst holds another type
// (checked before anything moves). src and dst may be the same list. It
// records the changes but no effect; BLMOVE propagates "LMOVE src dst
// LEFT|RIGHT LEFT|RIGHT" when it is served.
func moveList(c *Ctx, src, dst string, fromLeft, toLeft bool) Reply {
	from, e := c.listWrite(src)
	if e != nil {
		return *e
	}
	if from == nil {
		return replyNullBulk
	}
	to, e := c.listWrite(dst)
	if e != nil {
		return *e
	}
	v, _ := from.PopOne(fromLeft)
	if to == nil {
		to = c.listCreate(stringBytes(dst))
	}
	if toLeft {
		to.PushFront(v)
	} else {
		to.PushBack(v)
	}
	emptied := from.Len() == 0
	if emptied {
		c.DB.Delete(src)
	}
	c.Modified(stringBytes(dst))
	c.Modified(stringBytes(src))
	c.NotifyKey(notifyList, pushEvent(toLeft), dst)
	c.notifyPopped(src, fromLeft, emptied)
	return Bulk(v)
}

// LLEN key
func llenCommand(c *Ctx) Reply {
	l, e := c.listRead(1)
	if e != nil {
		return *e
	}
	if l == nil {
		return replyZero
	}
	return Int(int64(l.Len()))
}

// listIndex turns a Redis index (negative counts from the tail) into a
// position, which may be out of range.
func listIndex(i int64, n int) int64 {
	if i < 0 {
		i += int64(n)
	}
	return i
}

// LINDEX key index
func lindexCommand(c *Ctx) Reply {
	l, e := c.listRead(1)
	if e != nil {
		return *e
	}
	if l == nil {
		return replyNullBulk
	}
	i, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	i = listIndex(i, l.Len())
	if i < 0 || i >= int64(l.Len()) {
		return replyNullBulk
	}
	v, _ := l.Index(int(i))
	return Bulk(v)
}

// LSET key index element
func lsetCommand(c *Ctx) Reply {
	l, e := c.listWrite(c.key(1))
	if e != nil {
		return *e
	}
	if l == nil {
		return replyNoSuchKey
	}
	i, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	i = listIndex(i, l.Len())
	if i < 0 || i >= int64(l.Len()) {
		return Err(msgOutOfRange)
	}
	l.Set(int(i), c.Args[3])
	c.Modified(c.Args[1])
	c.Notify(notifyList, "lset", c.Args[1])
	return replyOK
}

// listRange clamps the inclusive Redis range start..stop (negative indexes
// count from the tail) to a list of n elements, returning the first
// position and the number of elements, 0 for an empty range.
func listRange(start, stop int64, n int) (int, int) {
	start, stop = listIndex(start, n), listIndex(stop, n)
	start = max(start, 0)
	if start > stop || start >= int64(n) {
		return 0, 0
	}
	stop = min(stop, int64(n)-1)
	return int(start), int(stop - start + 1)
}

// LRANGE key start stop
func lrangeCommand(c *Ctx) Reply {
	start, ok1 := parseInt(c.Args[2])
	stop, ok2 := parseInt(c.Args[3])
	if !ok1 || !ok2 {
		return replyNotInt
	}
	l, e := c.listRead(1)
	if e != nil {
		return *e
	}
	if l == nil {
		return Bulks([][]byte{})
	}
	from, n := listRange(start, stop, l.Len())
	if n == 0 {
		return Bulks([][]byte{})
	}
	return Appended(func(b []byte, _ int) []byte {
		b = appendHeader(b, '*', n)
		l.EachRange(from, n, func(v []byte) bool {
			b = redcon.AppendBulk(b, v)
			return true
		})
		return b
	})
}

// LTRIM key start stop
func ltrimCommand(c *Ctx) Reply {
	start, ok1 := parseInt(c.Args[2])
	stop, ok2 := parseInt(c.Args[3])
	if !ok1 || !ok2 {
		return replyNotInt
	}
	l, e := c.listWrite(c.key(1))
	if e != nil {
		return *e
	}
	if l == nil {
		return replyOK
	}
	from, n := listRange(start, stop, l.Len())
	l.Trim(from, l.Len()-from-n)
	emptied := l.Len() == 0
	if emptied {
		c.DB.Delete(c.key(1))
	}
	c.Modified(c.Args[1])
	c.Notify(notifyList, "ltrim", c.Args[1])
	if emptied {
		c.Notify(notifyGeneric, "del", c.Args[1])
	}
	return replyOK
}

// LREM key count element
func lremCommand(c *Ctx) Reply {
	count, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	l, e := c.listWrite(c.key(1))
	if e != nil {
		return *e
	}
	if l == nil {
		return replyZero
	}
	// A count beyond the list's length removes every match, as does 0.
	if count > int64(l.Len()) || count < -int64(l.Len()) {
		count = 0
	}
	removed := l.Remove(c.Args[3], int(count))
	if removed > 0 {
		emptied := l.Len() == 0
		if emptied {
			c.DB.Delete(c.key(1))
		}
		c.Modified(c.Args[1])
		c.Notify(notifyList, "lrem", c.Args[1])
		if emptied {
			c.Notify(notifyGeneric, "del", c.Args[1])
		}
	}
	return Int(int64(removed))
}

// LINSERT key BEFORE | AFTER pivot element
func linsertCommand(c *Ctx) Reply {
	var after bool
	switch strings.ToLower(string(c.Args[2])) {
	case "after":
		after = true
	case "before":
	default:
		return replySyntax
	}
	l, e := c.listWrite(c.key(1))
	if e != nil {
		return *e
	}
	if l == nil {
		return replyZero
	}
	if !l.Insert(c.Args[3], after, c.Args[4]) {
		return Int(-1)
	}
	c.Modified(c.Args[1])
	c.Notify(notifyList, "linsert", c.Args[1])
	return Int(int64(l.Len()))
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
func lposCommand(c *Ctx) Reply {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(c.Args); j++ {
		more := j+1 < len(c.Args)
		switch opt := strings.ToLower(string(c.Args[j])); {
		case opt == "rank" && more:
			j++
			n, ok := parseInt(c.Args[j])
			if !ok {
				return replyNotInt
			}
			if n == 0 {
				return Err(msgRankZero)
			}
			rank = n
		case opt == "count" && more:
			j++
			n, ok := parseInt(c.Args[j])
			if !ok || n < 0 {
				return Err("ERR COUNT can't be negative")
			}
			count = n
		case opt == "maxlen" && more:
			j++
			n, ok := parseInt(c.Args[j])
			if !ok || n < 0 {
				return Err("ERR MAXLEN can't be negative")
			}
			maxlen = n
		default:
			return replySyntax
		}
	}
	fromTail := rank < 0
	skip := max(rank, -rank) - 1
	if rank == -1<<63 {
		// Redis negates the rank and gets it back, still negative, and
		// every match then counts: the search starts at the first.
		skip = 0
	}
	l, e := c.listRead(1)
	if e != nil {
		return *e
	}
	if l == nil {
		if count >= 0 {
			return Bulks([][]byte{})
		}
		return replyNullBulk
	}
	skip = min(skip, int64(l.Len()))
	limit := int64(1)
	if count >= 0 {
		limit = min(count, int64(l.Len()))
	}
	pos := l.Positions(c.Args[2], fromTail, int(skip), int(limit), int(min(maxlen, int64(l.Len()))))
	if count < 0 {
		if len(pos) == 0 {
			return replyNullBulk
		}
		return Int(int64(pos[0]))
	}
	out := make([]Reply, len(pos))
	for i, p := range pos {
		out[i] = Int(int64(p))
	}
	return Array(out...)
}

// listEnd parses LEFT or RIGHT, reporting left.
func listEnd(b []byte) (left bool, ok bool) {
	switch strings.ToLower(string(b)) {
	case "left":
		return true, true
	case "right":
		return false, true
	}
	return false, false
}

// LMOVE source destination LEFT | RIGHT LEFT | RIGHT
func lmoveCommand(c *Ctx) Reply {
	from, ok1 := listEnd(c.Args[3])
	if !ok1 {
		return replySyntax
	}
	to, ok2 := listEnd(c.Args[4])
	if !ok2 {
		return replySyntax
	}
	return moveList(c, c.key(1), c.key(2), from, to)
}

// RPOPLPUSH source destination
func rpoplpushCommand(c *Ctx) Reply {
	return moveList(c, c.key(1), c.key(2), false, true)
}

// LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]
func lmpopCommand(c *Ctx) Reply {
	left, count, keys, msg := parseMpop(c.Args, 1)
	if msg != "" {
		return Err(msg)
	}
	for _, i := range keys {
		key := c.key(i)
		o := c.DB.Peek(key, c.Now)
		if o == nil {
			continue
		}
		if o.Kind != store.KindList {
			return replyWrongType
		}
		r, _ := popListWithKey(c, key, left, int(count))
		return r
	}
	return replyNullArray
}

// parseMpop parses the arguments of LMPOP (numkeys at argument at) and
// BLMPOP (at 2): it returns the end to pop from, the count (1 by default)
// and the key positions, or Redis's error text.
func parseMpop(args [][]byte, at int) (left bool, count int64, keys []int, msg string) {
	numkeys, ok := parseInt(args[at])
	if !ok || numkeys < 1 {
		return false, 0, nil, msgNumkeys
	}
	where := int64(at) + numkeys + 1
	if numkeys > int64(len(args)) || where >= int64(len(args)) {
		return false, 0, nil, msgSyntax
	}
	if left, ok = listEnd(args[where]); !ok {
		return false, 0, nil, msgSyntax
	}
	count = -1
	for j := int(where) + 1; j < len(args); j++ {
		if count == -1 && strings.EqualFold(string(args[j]), "count") && j+1 < len(args) {
			j++
			n, ok := parseInt(args[j])
			if !ok || n < 1 {
				return false, 0, nil, msgCountPositive
			}
			count = n
			continue
		}
		return false, 0, nil, msgSyntax
	}
	count = max(count, 1)
	keys = make([]int, numkeys)
	for i := range keys {
		keys[i] = at + 1 + i
	}
	return left, count, keys, ""
}
