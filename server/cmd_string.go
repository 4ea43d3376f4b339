package server

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"quordis/store"
)

// stringCommands are the string commands; bitmaps and LCS live in
// cmd_bitmap.go.
func stringCommands() []*Command {
	str := func(name string, arity int, flags Flag, spec KeySpec, since, summary, complexity string, h Handler) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: ACLString,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{spec},
			Group: "string", Since: since, Summary: summary, Complexity: complexity, Handler: h}
	}
	w, r, d, f := FlagWrite, FlagReadonly, FlagDenyOOM, FlagFast
	cmds := []*Command{
		str("get", 2, r|f, ks("RO access", 1), "1.0.0", "Returns the string value of a key", "O(1)", getCommand),
		str("set", -3, w|d, ksNote("RW access update variable_flags", "RW and ACCESS due to the optional `GET` argument"),
			"1.0.0", "Sets the string value of a key, with options", "O(1)", setCommand),
		str("setnx", 3, w|d|f, ks("OW insert", 1), "1.0.0", "Sets a key only if it does not exist", "O(1)", setnxCommand),
		str("setex", 4, w|d, ks("OW update", 1), "2.0.0", "Sets a key and its expiry in seconds", "O(1)", setexCommand),
		str("psetex", 4, w|d, ks("OW update", 1), "2.6.0", "Sets a key and its expiry in milliseconds", "O(1)", setexCommand),
		str("getset", 3, w|d|f, ks("RW access update", 1), "1.0.0", "Sets a key and returns its old value", "O(1)", getsetCommand),
		str("getdel", 2, w|f, ks("RW access delete", 1), "6.2.0", "Returns a key's value and deletes it", "O(1)", getdelCommand),
		str("getex", -2, w|f, ksNote("RW access update", "RW and UPDATE because it changes the TTL"),
			"6.2.0", "Returns a key's value and changes its expiry", "O(1)", getexCommand),
		str("incr", 2, w|d|f, ks("RW access update", 1), "1.0.0", "Adds one to an integer value", "O(1)", incrCommand),
		str("decr", 2, w|d|f, ks("RW access update", 1), "1.0.0", "Subtracts one from an integer value", "O(1)", incrCommand),
		str("incrby", 3, w|d|f, ks("RW access update", 1), "1.0.0", "Adds to an integer value", "O(1)", incrCommand),
		str("decrby", 3, w|d|f, ks("RW access update", 1), "1.0.0", "Subtracts from an integer value", "O(1)", incrCommand),
		str("incrbyfloat", 3, w|d|f, ks("RW access update", 1), "2.6.0", "Adds a floating point number to a value", "O(1)", incrbyfloatCommand),
		str("append", 3, w|d|f, ks("RW insert", 1), "2.0.0", "Appends to a string value", "O(1)", appendCommand),
		str("strlen", 2, r|f, ks("RO", 1), "2.2.0", "Returns the length of a string value", "O(1)", strlenCommand),
		str("getrange", 4, r, ks("RO access", 1), "2.4.0", "Returns a substring of a string value", "O(N)", getrangeCommand),
		str("substr", 4, r, ks("RO access", 1), "1.0.0", "Returns a substring of a string value", "O(N)", getrangeCommand),
		str("setrange", 4, w|d, ks("RW update", 1), "2.2.0", "Overwrites part of a string value", "O(1)", setrangeCommand),
	}
	// SET's key is read only with GET; otherwise it is overwritten.
	cmds[1].KeyFlags = func(args [][]byte, pos int) []string {
		for _, a := range args[3:] {
			if strings.EqualFold(string(a), "get") {
				return flagList("RW access update")
			}
		}
		return flagList("OW update")
	}
	multi := []*Command{
		{
			// MGET key [key ...]
			Name: "mget", Arity: -2, Flags: r | f, ACL: ACLString, FirstKey: 1, LastKey: -1, Step: 1,
			KeySpecs: []KeySpec{{Flags: flagList("RO access"), Index: 1, LastKey: -1, KeyStep: 1}},
			Tips:     []string{"request_policy:multi_shard"},
			Group:    "string", Since: "1.0.0", Summary: "Returns the values of several keys", Complexity: "O(N)",
			Handler: mgetCommand,
		},
		{
			// MSET key value [key value ...]
			Name: "mset", Arity: -3, Flags: w | d, ACL: ACLString, FirstKey: 1, LastKey: -1, Step: 2,
			KeySpecs: []KeySpec{{Flags: flagList("OW update"), Index: 1, LastKey: -1, KeyStep: 2}},
			Tips:     []string{"request_policy:multi_shard", "response_policy:all_succeeded"},
			Group:    "string", Since: "1.0.1", Summary: "Sets several keys", Complexity: "O(N)",
			Handler: msetCommand,
		},
		{
			// MSETNX key value [key value ...]
			Name: "msetnx", Arity: -3, Flags: w | d, ACL: ACLString, FirstKey: 1, LastKey: -1, Step: 2,
			KeySpecs: []KeySpec{{Flags: flagList("OW insert"), Index: 1, LastKey: -1, KeyStep: 2}},
			Tips:     []string{"request_policy:multi_shard", "response_policy:agg_min"},
			Group:    "string", Since: "1.0.1", Summary: "Sets several keys if none of them exists", Complexity: "O(N)",
			Handler: msetCommand,
		},
	}
	return append(cmds, multi...)
}

// ks is a key spec for one key at index i.
func ks(flags string, i int) KeySpec {
	return KeySpec{Flags: flagList(flags), Index: i, KeyStep: 1}
}

// ksNote is a key spec for the key at index 1, with Redis's notes.
func ksNote(flags, notes string) KeySpec {
	return KeySpec{Flags: flagList(flags), Index: 1, KeyStep: 1, Notes: notes}
}

// lookupRead returns the live value at key for a read, counting a keyspace
// hit or miss (and notifying a miss) as Redis's lookupKeyRead does.
func (c *Ctx) lookupRead(key string) *store.Object {
	return c.countRead(key, c.DB.Get(key, c.Now))
}

// peekRead is lookupRead without counting an access to the key (Redis's
// LOOKUP_NOTOUCH: TYPE, TTL and the like).
func (c *Ctx) peekRead(key string) *store.Object {
	return c.countRead(key, c.DB.Peek(key, c.Now))
}

// countRead counts a read of key that found o as a keyspace hit or miss,
// and returns o.
func (c *Ctx) countRead(key string, o *store.Object) *store.Object {
	if o == nil {
		c.readMiss(key)
	} else {
		c.s.stats.keyspaceHits++
	}
	return o
}

// readMiss counts and notifies a read that found no key.
func (c *Ctx) readMiss(key string) {
	c.s.stats.keyspaceMisses++
	if c.s.config().NotifyKeyspaceEvents&notifyKeyMiss != 0 {
		c.s.notify(notifyKeyMiss, "keymiss", []byte(key), c.DB.ID())
	}
}

// stringAt returns the string at argument i for reading: nil when absent,
// or a WRONGTYPE reply.
func (c *Ctx) stringAt(i int) (*store.Object, *Reply) {
	o := c.lookupRead(c.key(i))
	if o != nil && o.Kind != store.KindString {
		return nil, &replyWrongType
	}
	return o, nil
}

// ownedBytes returns a copy of argument i for storing.
func (c *Ctx) ownedBytes(i int) []byte { return append([]byte(nil), c.Args[i]...) }

// GET key
func getCommand(c *Ctx) Reply {
	o, e := c.stringAt(1)
	if e != nil {
		return *e
	}
	if o == nil {
		return replyNullBulk
	}
	return Bulk(o.Str())
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
func setCommand(c *Ctx) Reply {
	opts, msg := parseOptions(c.Args[3:], optNX|optXX|optGet|optKeepTTL|optExpiry)
	if msg != "" {
		return Err(msg)
	}
	var at int64
	if opts.has(optExpiry) {
		if at, msg = opts.expireAt(c.Now, "set"); msg != "" {
			return Err(msg)
		}
	}
	return c.setString(opts, at)
}

// setString stores argument 2 at argument 1 under opts (at being the
// absolute expiry when opts has one) and returns SET's reply.
func (c *Ctx) setString(opts options, at int64) Reply {
	key := c.key(1)
	if opts.set == 0 {
		// A plain SET replaces whatever is there (an expired value just
		// the same), in place when it can (see OverwriteString).
		c.DB.OverwriteString(c.Args[1], c.Args[2], c.Now)
		c.Modified(c.Args[1])
		c.Notify(notifyString, "set", c.Args[1])
		return replyOK
	}
	old := c.DB.Get(key, c.Now)
	reply := replyOK
	if opts.has(optGet) {
		if old != nil && old.Kind != store.KindString {
			return replyWrongType
		}
		reply = replyNullBulk
		if old != nil {
			reply = Bulk(old.Str())
		}
	}
	if opts.has(optNX) && old != nil || opts.has(optXX) && old == nil {
		if opts.has(optGet) {
			return reply
		}
		return replyNullBulk
	}
	if opts.has(optKeepTTL) {
		c.DB.SetKeepTTL(c.ownedKey(1), store.NewString(c.ownedBytes(2)), c.Now)
	} else {
		c.DB.SetString(c.Args[1], c.Args[2], c.Now)
	}
	c.Modified(c.Args[1])
	c.Notify(notifyString, "set", c.Args[1])
	if opts.has(optExpiry) {
		c.DB.SetExpiry(key, at)
		c.Propagate([]byte("SET"), c.ownedBytes(1), c.ownedBytes(2), []byte("PXAT"), []byte(strconv.FormatInt(at, 10)))
		c.Notify(notifyGeneric, "expire", c.Args[1])
	}
	return reply
}

// SETNX key value
func setnxCommand(c *Ctx) Reply {
	if c.DB.Exists(c.key(1), c.Now) {
		return replyZero
	}
	c.DB.SetString(c.Args[1], c.Args[2], c.Now)
	c.Modified(c.Args[1])
	c.Notify(notifyString, "set", c.Args[1])
	return replyOne
}

// SETEX key seconds value | PSETEX key milliseconds value
func setexCommand(c *Ctx) Reply {
	opts := options{set: optEX, expArg: c.Args[2]}
	if c.Cmd.Name == "psetex" {
		opts.set = optPX
	}
	at, msg := opts.expireAt(c.Now, c.Cmd.Name)
	if msg != "" {
		return Err(msg)
	}
	c.DB.SetString(c.Args[1], c.Args[3], c.Now)
	c.DB.SetExpiry(c.key(1), at)
	c.Modified(c.Args[1])
	c.Propagate([]byte("SET"), c.ownedBytes(1), c.ownedBytes(3), []byte("PXAT"), []byte(strconv.FormatInt(at, 10)))
	c.Notify(notifyString, "set", c.Args[1])
	c.Notify(notifyGeneric, "expire", c.Args[1])
	return replyOK
}

// GETSET key value
func getsetCommand(c *Ctx) Reply {
	o, e := c.stringAt(1)
	if e != nil {
		return *e
	}
	reply := replyNullBulk
	if o != nil {
		reply = Bulk(o.Str())
	}
	c.DB.SetString(c.Args[1], c.Args[2], c.Now)
	c.Modified(c.Args[1])
	c.Notify(notifyString, "set", c.Args[1])
	return reply
}

// GETDEL key
func getdelCommand(c *Ctx) Reply {
	o, e := c.stringAt(1)
	if e != nil {
		return *e
	}
	if o == nil {
		return replyNullBulk
	}
	reply := Bulk(o.Str())
	c.DB.Delete(c.key(1))
	c.Modified(c.Args[1])
	c.Notify(notifyGeneric, "del", c.Args[1])
	return reply
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
func getexCommand(c *Ctx) Reply {
	opts, msg := parseOptions(c.Args[2:], optPersist|optExpiry)
	if msg != "" {
		return Err(msg)
	}
	o, e := c.stringAt(1)
	if e != nil {
		return *e
	}
	if o == nil {
		return replyNullBulk
	}
	// As in Redis, the time is checked only once the key proved to be a
	// string: a missing key answers nil and another type WRONGTYPE, whatever
	// the time.
	var at int64
	if opts.has(optExpiry) {
		if at, msg = opts.expireAt(c.Now, "getex"); msg != "" {
			return Err(msg)
		}
	}
	reply := Bulk(o.Str())
	key := c.key(1)
	switch {
	case opts.has(optExpiry) && at <= c.Now:
		c.DB.Delete(key)
		c.Modified(c.Args[1])
		c.Propagate([]byte("DEL"), c.ownedBytes(1))
		c.Notify(notifyGeneric, "del", c.Args[1])
	case opts.has(optExpiry):
		c.DB.SetExpiry(key, at)
		c.Modified(c.Args[1])
		c.Propagate([]byte("PEXPIREAT"), c.ownedBytes(1), []byte(strconv.FormatInt(at, 10)))
		c.Notify(notifyGeneric, "expire", c.Args[1])
	case opts.has(optPersist):
		if c.DB.Persist(key) {
			c.Modified(c.Args[1])
			c.Propagate([]byte("PERSIST"), c.ownedBytes(1))
			c.Notify(notifyGeneric, "persist", c.Args[1])
		}
	}
	return reply
}

// INCR key | DECR key | INCRBY key increment | DECRBY key decrement
func incrCommand(c *Ctx) Reply {
	var by int64 = 1
	switch c.Cmd.Name {
	case "decr":
		by = -1
	case "incrby", "decrby":
		n, ok := parseInt(c.Args[2])
		if !ok {
			return replyNotInt
		}
		by = n
		if c.Cmd.Name == "decrby" {
			if n == math.MinInt64 {
				return Err("ERR decrement would overflow")
			}
			by = -n
		}
	}
	o := c.DB.Get(c.key(1), c.Now)
	var cur int64
	if o != nil {
		if o.Kind != store.KindString {
			return replyWrongType
		}
		n, ok := parseInt(o.Str())
		if !ok {
			return replyNotInt
		}
		cur = n
	}
	if by < 0 && cur < math.MinInt64-by || by > 0 && cur > math.MaxInt64-by {
		return Err(msgOverflow)
	}
	cur += by
	if o != nil {
		// The number is written over the old one in place: the store owns
		// the value, and no reply still refers to it (replies are encoded
		// before the next command runs), so a counter costs no allocation.
		o.SetStr(strconv.AppendInt(o.Str()[:0], cur, 10))
		o.Raw, o.Float = false, false
	} else {
		c.DB.Set(c.ownedKey(1), store.NewString(strconv.AppendInt(nil, cur, 10)), c.Now)
	}
	c.Modified(c.Args[1])
	c.Notify(notifyString, "incrby", c.Args[1])
	return Int(cur)
}

// INCRBYFLOAT key increment
func incrbyfloatCommand(c *Ctx) Reply {
	o := c.DB.Get(c.key(1), c.Now)
	cur := new(big.Float).SetPrec(longDoublePrec)
	if o != nil {
		if o.Kind != store.KindString {
			return replyWrongType
		}
		v, ok := parseLongDouble(o.Str())
		if !ok {
			return replyNotFloat
		}
		cur = v
	}
	by, ok := parseLongDouble(c.Args[2])
	if !ok {
		return replyNotFloat
	}
	if cur.IsInf() || by.IsInf() {
		return Err("ERR increment would produce NaN or Infinity")
	}
	sum := new(big.Float).SetPrec(longDoublePrec).Add(cur, by)
	// A long double overflows past about 1.19e4932.
	if sum.MantExp(nil) > 16384 {
		return Err("ERR increment would produce NaN or Infinity")
	}
	text := formatLongDouble(sum)
	val := store.NewString([]byte(text))
	val.Float = true
	if o != nil {
		val.Access = o.Access
		*o = val
	} else {
		c.DB.Set(c.ownedKey(1), val, c.Now)
	}
	c.Modified(c.Args[1])
	c.Propagate([]byte("SET"), c.ownedBytes(1), []byte(text), []byte("KEEPTTL"))
	c.Notify(notifyString, "incrbyfloat", c.Args[1])
	return BulkString(text)
}

// APPEND key value
func appendCommand(c *Ctx) Reply {
	o := c.DB.Get(c.key(1), c.Now)
	if o == nil {
		c.DB.SetString(c.Args[1], c.Args[2], c.Now)
		c.Modified(c.Args[1])
		c.Notify(notifyString, "append", c.Args[1])
		return Int(int64(len(c.Args[2])))
	}
	if o.Kind != store.KindString {
		return replyWrongType
	}
	if msg := c.checkStringLength(int64(len(o.Str())) + int64(len(c.Args[2]))); msg != "" {
		return Err(msg)
	}
	// Replies are encoded before the next command runs, so the stored
	// bytes can grow in place.
	o.SetStr(append(o.Str(), c.Args[2]...))
	o.Raw = true
	c.Modified(c.Args[1])
	c.Notify(notifyString, "append", c.Args[1])
	return Int(int64(len(o.Str())))
}

// checkStringLength returns Redis's error when a string would grow past
// proto-max-bulk-len.
func (c *Ctx) checkStringLength(n int64) string {
	if n > c.s.config().ProtoMaxBulkLen {
		return msgStringLimit
	}
	return ""
}

// STRLEN key
func strlenCommand(c *Ctx) Reply {
	o, e := c.stringAt(1)
	if e != nil {
		return *e
	}
	if o == nil {
		return replyZero
	}
	return Int(int64(len(o.Str())))
}

// GETRANGE key start end
func getrangeCommand(c *Ctx) Reply {
	start, ok1 := parseInt(c.Args[2])
	end, ok2 := parseInt(c.Args[3])
	if !ok1 || !ok2 {
		return replyNotInt
	}
	o, e := c.stringAt(1)
	if e != nil {
		return *e
	}
	if o == nil {
		return BulkString("")
	}
	lo, hi, ok := clampRange(start, end, int64(len(o.Str())))
	if !ok {
		return BulkString("")
	}
	return Bulk(o.Str()[lo : hi+1])
}

// clampRange turns Redis's inclusive start/end indexes (negative counting
// from the end) into a valid range of a sequence of length n, or reports
// that the range is empty, as GETRANGE does.
func clampRange(start, end, n int64) (int64, int64, bool) {
	if start < 0 && end < 0 && start > end {
		return 0, 0, false
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		return 0, 0, false
	}
	return start, end, true
}

// SETRANGE key offset value
func setrangeCommand(c *Ctx) Reply {
	offset, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	if offset < 0 {
		return Err("ERR offset is out of range")
	}
	val := c.Args[3]
	o := c.DB.Get(c.key(1), c.Now)
	if o != nil && o.Kind != store.KindString {
		return replyWrongType
	}
	if len(val) == 0 {
		if o == nil {
			return replyZero
		}
		return Int(int64(len(o.Str())))
	}
	if msg := c.checkStringLength(offset + int64(len(val))); msg != "" {
		return Err(msg)
	}
	if o == nil {
		c.DB.Set(c.ownedKey(1), store.Object{Kind: store.KindString, Raw: true}, c.Now)
		o = c.DB.Get(c.key(1), c.Now)
	}
	if need := int(offset) + len(val); need > len(o.Str()) {
		o.SetStr(append(o.Str(), make([]byte, need-len(o.Str()))...))
	}
	copy(o.Str()[offset:], val)
	o.Raw = true
	c.Modified(c.Args[1])
	c.Notify(notifyString, "setrange", c.Args[1])
	return Int(int64(len(o.Str())))
}

// MGET key [key ...]
func mgetCommand(c *Ctx) Reply {
	out := make([][]byte, len(c.Args)-1)
	for i := 1; i < len(c.Args); i++ {
		o := c.lookupRead(c.key(i))
		if o != nil && o.Kind == store.KindString {
			out[i-1] = o.Str()
			if out[i-1] == nil {
				out[i-1] = []byte{}
			}
		}
	}
	return Bulks(out)
}

// MSET key value [key value ...] | MSETNX key value [key value ...]
func msetCommand(c *Ctx) Reply {
	if len(c.Args)%2 != 1 {
		return Err("ERR wrong number of arguments for '" + c.Cmd.Name + "' command")
	}
	nx := c.Cmd.Name == "msetnx"
	if nx {
		for i := 1; i < len(c.Args); i += 2 {
			if c.DB.Exists(c.key(i), c.Now) {
				return replyZero
			}
		}
	}
	for i := 1; i < len(c.Args); i += 2 {
		c.DB.OverwriteString(c.Args[i], c.Args[i+1], c.Now)
		c.Modified(c.Args[i])
		c.Notify(notifyString, "set", c.Args[i])
	}
	if nx {
		return replyOne
	}
	return replyOK
}
