package server

import (
	"math"
	"strconv"
	"strings"

	"quordis/conf"
	"quordis/store"
)

// keyspaceCommands are the generic key commands: existence, deletion,
// renaming, expiry, iteration and OBJECT.
func keyspaceCommands() []*Command {
	key := func(name string, arity int, flags Flag, spec KeySpec, since, summary string, h Handler, tips ...string) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: ACLKeyspace,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{spec}, Tips: tips,
			Group: "generic", Since: since, Summary: summary, Complexity: "O(1)", Handler: h}
	}
	multiKey := func(name string, flags Flag, spec string, since, summary string, h Handler) *Command {
		return &Command{Name: name, Arity: -2, Flags: flags, ACL: ACLKeyspace,
			FirstKey: 1, LastKey: -1, Step: 1,
			KeySpecs: []KeySpec{{Flags: flagList(spec), Index: 1, LastKey: -1, KeyStep: 1}},
			Tips:     []string{"request_policy:multi_shard", "response_policy:agg_sum"},
			Group:    "generic", Since: since, Summary: summary, Complexity: "O(N) for N keys", Handler: h}
	}
	twoKeys := func(name string, arity int, flags Flag, from, to string, since, summary string, h Handler) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: ACLKeyspace,
			FirstKey: 1, LastKey: 2, Step: 1,
			KeySpecs: []KeySpec{ks(from, 1), ks(to, 2)},
			Group:    "generic", Since: since, Summary: summary, Complexity: "O(1)", Handler: h}
	}
	w, r, f := FlagWrite, FlagReadonly, FlagFast
	return []*Command{
		multiKey("del", w, "RM delete", "1.0.0", "Deletes keys", delCommand),
		multiKey("unlink", w|f, "RM delete", "4.0.0", "Deletes keys, freeing memory in the background", delCommand),
		multiKey("exists", r|f, "RO", "1.0.0", "Counts the keys that exist", existsCommand),
		multiKey("touch", r|f, "RO", "3.2.1", "Counts the keys that exist and marks them accessed", existsCommand),
		key("type", 2, r|f, ks("RO", 1), "1.0.0", "Returns the type of a key's value", typeCommand),
		twoKeys("rename", 3, w, "RW access delete", "OW update", "1.0.0", "Renames a key", renameCommand),
		twoKeys("renamenx", 3, w|f, "RW access delete", "OW insert", "1.0.0", "Renames a key if the new name is free", renameCommand),
		key("move", 3, w|f, ks("RW access update", 1), "1.0.0", "Moves a key to another database", moveCommand),
		twoKeys("copy", -3, w|FlagDenyOOM, "RO access", "OW update", "6.2.0", "Copies a key's value to another key", copyCommand),
		{
			// KEYS pattern
			Name: "keys", Arity: 2, Flags: r, ACL: ACLKeyspace | ACLDangerous,
			Tips:  []string{"request_policy:all_shards", "nondeterministic_output_order"},
			Group: "generic", Since: "1.0.0", Summary: "Lists the keys matching a pattern",
			Complexity: "O(N) with N being the number of keys in the database", Handler: keysCommand,
		},
		{
			// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
			Name: "scan", Arity: -2, Flags: r, ACL: ACLKeyspace,
			Tips:  []string{"nondeterministic_output", "request_policy:special"},
			Group: "generic", Since: "2.8.0", Summary: "Iterates over the keys of the database",
			Complexity: "O(1) for every call. O(N) for a complete iteration.", Handler: scanCommand,
		},
		{
			// RANDOMKEY
			Name: "randomkey", Arity: 1, Flags: r, ACL: ACLKeyspace,
			Tips:  []string{"request_policy:all_shards", "nondeterministic_output"},
			Group: "generic", Since: "1.0.0", Summary: "Returns a random key", Complexity: "O(1)",
			Handler: randomkeyCommand,
		},
		key("expire", -3, w|f, ks("RW update", 1), "1.0.0", "Sets a key's time to live in seconds", expireCommand),
		key("pexpire", -3, w|f, ks("RW update", 1), "2.6.0", "Sets a key's time to live in milliseconds", expireCommand),
		key("expireat", -3, w|f, ks("RW update", 1), "1.2.0", "Sets a key's expiry as a Unix time in seconds", expireCommand),
		key("pexpireat", -3, w|f, ks("RW update", 1), "2.6.0", "Sets a key's expiry as a Unix time in milliseconds", expireCommand),
		key("ttl", 2, r|f, ks("RO access", 1), "1.0.0", "Returns a key's time to live in seconds", ttlCommand, "nondeterministic_output"),
		key("pttl", 2, r|f, ks("RO access", 1), "2.6.0", "Returns a key's time to live in milliseconds", ttlCommand, "nondeterministic_output"),
		key("expiretime", 2, r|f, ks("RO access", 1), "7.0.0", "Returns a key's expiry as a Unix time in seconds", ttlCommand),
		key("pexpiretime", 2, r|f, ks("RO access", 1), "7.0.0", "Returns a key's expiry as a Unix time in milliseconds", ttlCommand),
		key("persist", 2, w|f, ks("RW update", 1), "2.2.0", "Removes a key's expiry", persistCommand),
		objectCommand(),
	}
}

// DEL key [key ...] | UNLINK key [key ...]
func delCommand(c *Ctx) Reply {
	var n int64
	for i := 1; i < len(c.Args); i++ {
		key := c.key(i)
		if c.DB.Peek(key, c.Now) != nil && c.DB.Delete(key) {
			c.Modified(c.Args[i])
			c.Notify(notifyGeneric, "del", c.Args[i])
			n++
		}
	}
	return Int(n)
}

// EXISTS key [key ...] | TOUCH key [key ...]
func existsCommand(c *Ctx) Reply {
	touch := c.Cmd.Name == "touch"
	var n int64
	for i := 1; i < len(c.Args); i++ {
		var o *store.Object
		if touch {
			o = c.DB.Get(c.key(i), c.Now)
		} else {
			o = c.lookupRead(c.key(i))
		}
		if o != nil {
			n++
		}
	}
	return Int(n)
}

// TYPE key
func typeCommand(c *Ctx) Reply {
	o := c.peekRead(c.key(1))
	if o == nil {
		return Simple("none")
	}
	return Simple(o.Kind.String())
}

// RENAME key newkey | RENAMENX key newkey
func renameCommand(c *Ctx) Reply {
	nx := c.Cmd.Name == "renamenx"
	src, dst := c.key(1), c.key(2)
	o := c.DB.Get(src, c.Now)
	if o == nil {
		return replyNoSuchKey
	}
	if src == dst {
		if nx {
			return replyZero
		}
		return replyOK
	}
	// o points into the table: take the value before any deletion moves
	// entries around.
	val := *o
	if c.DB.Exists(dst, c.Now) {
		if nx {
			return replyZero
		}
		c.DB.Delete(dst)
	}
	at, hasTTL := c.DB.Expiry(src)
	c.DB.Delete(src)
	c.DB.SetKeepTTL(c.ownedKey(2), val, c.Now)
	if hasTTL {
		c.DB.SetExpiry(dst, at)
	}
	c.Modified(c.Args[1])
	c.Modified(c.Args[2])
	c.Notify(notifyGeneric, "rename_from", c.Args[1])
	c.Notify(notifyGeneric, "rename_to", c.Args[2])
	if nx {
		return replyOne
	}
	return replyOK
}

// MOVE key db
func moveCommand(c *Ctx) Reply {
	if c.s.config().ClusterEnabled {
		return Err("ERR MOVE is not allowed in cluster mode")
	}
	id, msg := parseInt32(c.Args[2])
	if msg != "" {
		return Err(msg)
	}
	if id < 0 || id >= c.s.store.NumDB() {
		return Err(msgInvalidDB)
	}
	if id == c.DB.ID() {
		return Err("ERR source and destination objects are the same")
	}
	dst := c.s.store.DB(id)
	o := c.DB.Get(c.key(1), c.Now)
	if o == nil || dst.Exists(c.key(1), c.Now) {
		return replyZero
	}
	val := *o
	at, hasTTL := c.DB.Expiry(c.key(1))
	c.DB.Delete(c.key(1))
	dst.Set(c.ownedKey(1), val, c.Now)
	if hasTTL {
		dst.SetExpiry(c.key(1), at)
	}
	c.Modified(c.Args[1])
	c.s.signalModified(id, c.Args[1])
	c.Notify(notifyGeneric, "move_from", c.Args[1])
	c.s.notify(notifyGeneric, "move_to", c.Args[1], id)
	return replyOne
}

// COPY source destination [DB destination-db] [REPLACE]
func copyCommand(c *Ctx) Reply {
	dst := c.DB
	replace := false
	for i := 3; i < len(c.Args); i++ {
		switch strings.ToLower(string(c.Args[i])) {
		case "replace":
			replace = true
		case "db":
			if i+1 >= len(c.Args) {
				return replySyntax
			}
			i++
			id, msg := parseInt32(c.Args[i])
			if msg != "" {
				return Err(msg)
			}
			if id < 0 || id >= c.s.store.NumDB() {
				return Err(msgInvalidDB)
			}
			if c.s.config().ClusterEnabled && id != 0 {
				return Err("ERR Copying to another database is not allowed in cluster mode")
			}
			dst = c.s.store.DB(id)
		default:
			return replySyntax
		}
	}
	src, to := c.key(1), c.key(2)
	if dst == c.DB && src == to {
		return Err("ERR source and destination objects are the same")
	}
	o := c.lookupRead(src)
	if o == nil {
		return replyZero
	}
	// o points into the table: copy it before a deletion moves entries.
	val := o.Clone()
	if dst.Exists(to, c.Now) {
		if !replace {
			return replyZero
		}
		dst.Delete(to)
	}
	at, hasTTL := c.DB.Expiry(src)
	dst.Set(c.ownedKey(2), val, c.Now)
	if hasTTL {
		dst.SetExpiry(to, at)
	}
	c.Changed(1)
	c.s.signalModified(dst.ID(), c.Args[2])
	c.s.notify(notifyGeneric, "copy_to", c.Args[2], dst.ID())
	return replyOne
}

// KEYS pattern
func keysCommand(c *Ctx) Reply {
	pattern := string(c.Args[1])
	all := pattern == "*"
	var out [][]byte
	c.DB.Range(func(key string, o *store.Object) bool {
		if (all || conf.Match(pattern, key, false)) && !c.DB.ExpiredAt(key, c.Now) {
			out = append(out, []byte(key))
		}
		return true
	})
	return Bulks(out)
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
func scanCommand(c *Ctx) Reply {
	cursor, ok := parseCursor(c.Args[1])
	if !ok {
		return Err("ERR invalid cursor")
	}
	opts, msg := parseScanOptions(c.Args[2:], true)
	if msg != "" {
		return Err(msg)
	}
	var keys []string
	maxIter := opts.count * 10
	for {
		cursor = c.DB.Scan(cursor, func(key string, o *store.Object) {
			keys = append(keys, key)
		})
		maxIter--
		if cursor == 0 || maxIter <= 0 || int64(len(keys)) >= opts.count {
			break
		}
	}
	out := make([][]byte, 0, len(keys))
	for _, key := range keys {
		if !opts.matches(key) {
			continue
		}
		o := c.DB.Peek(key, c.Now)
		if o == nil {
			continue
		}
		if opts.typ != "" && o.Kind.String() != opts.typ {
			continue
		}
		out = append(out, []byte(key))
	}
	return Array(BulkString(strconv.FormatUint(cursor, 10)), Bulks(out))
}

// parseCursor reads a SCAN-family cursor as Redis does with strtoul: an
// optional sign (a negative value wraps around), digits; "" is 0; spaces,
// other characters and values past 2^64-1 are invalid.
func parseCursor(b []byte) (uint64, bool) {
	d := b
	neg := false
	if len(d) > 0 && (d[0] == '+' || d[0] == '-') {
		neg = d[0] == '-'
		d = d[1:]
		if len(d) == 0 {
			return 0, false
		}
	}
	var v uint64
	for _, ch := range d {
		if ch < '0' || ch > '9' || v > (math.MaxUint64-uint64(ch-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(ch-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanOptions are the MATCH, COUNT and (for SCAN) TYPE options.
type scanOptions struct {
	pattern    string
	usePattern bool // a MATCH other than "*" (MATCH "" matches the empty string only)
	count      int64
	typ        string
}

// matches reports whether s passes the MATCH option.
func (o *scanOptions) matches(s string) bool {
	return !o.usePattern || conf.Match(o.pattern, s, false)
}

// parseScanOptions parses the options shared by SCAN, HSCAN, SSCAN and
// ZSCAN; withType allows SCAN's TYPE.
func parseScanOptions(args [][]byte, withType bool) (scanOptions, string) {
	o := scanOptions{count: 10}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return o, msgSyntax
		}
		v := args[i+1]
		switch strings.ToLower(string(args[i])) {
		case "count":
			n, ok := parseInt(v)
			if !ok {
				return o, msgNotInt
			}
			if n < 1 {
				return o, msgSyntax
			}
			o.count = n
		case "match":
			o.pattern = string(v)
			o.usePattern = o.pattern != "*"
		case "type":
			if !withType {
				return o, msgSyntax
			}
			o.typ = strings.ToLower(string(v))
		default:
			return o, msgSyntax
		}
	}
	return o, ""
}

// RANDOMKEY
func randomkeyCommand(c *Ctx) Reply {
	key, ok := c.DB.RandomKey(c.Rand, c.Now)
	if !ok {
		return replyNullBulk
	}
	return BulkString(key)
}

// EXPIRE key seconds [NX | XX | GT | LT], and PEXPIRE, EXPIREAT, PEXPIREAT
func expireCommand(c *Ctx) Reply {
	var flags optMask
	for _, a := range c.Args[3:] {
		m, ok := optionNames[strings.ToLower(string(a))]
		if !ok || m&(optNX|optXX|optGT|optLT) == 0 {
			return Err("ERR Unsupported option " + string(a))
		}
		flags |= m
	}
	if flags&optNX != 0 && flags&(optXX|optGT|optLT) != 0 {
		return Err("ERR NX and XX, GT or LT options at the same time are not compatible")
	}
	if flags&optGT != 0 && flags&optLT != 0 {
		return Err("ERR GT and LT options at the same time are not compatible")
	}
	when, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	invalid := Err("ERR invalid expire time in '" + c.Cmd.Name + "' command")
	name := c.Cmd.Name
	if name == "expire" || name == "expireat" {
		if when > maxInt64/1000 || when < minInt64/1000 {
			return invalid
		}
		when *= 1000
	}
	if name == "expire" || name == "pexpire" {
		if when > 0 && c.Now > maxInt64-when || when < 0 && c.Now < minInt64-when {
			return invalid
		}
		when += c.Now
	}
	key := c.key(1)
	if c.DB.Get(key, c.Now) == nil {
		return replyZero
	}
	cur, hasTTL := c.DB.Expiry(key)
	switch {
	case flags&optNX != 0 && hasTTL,
		flags&optXX != 0 && !hasTTL,
		flags&optGT != 0 && (!hasTTL || when <= cur),
		flags&optLT != 0 && hasTTL && when >= cur:
		return replyZero
	}
	c.Modified(c.Args[1])
	if when <= c.Now {
		c.DB.Delete(key)
		del := "DEL"
		if c.s.config().LazyfreeLazyExpire {
			del = "UNLINK"
		}
		c.Propagate([]byte(del), c.ownedBytes(1))
		c.Notify(notifyGeneric, "del", c.Args[1])
		return replyOne
	}
	c.DB.SetExpiry(key, when)
	c.Propagate([]byte("PEXPIREAT"), c.ownedBytes(1), []byte(strconv.FormatInt(when, 10)))
	c.Notify(notifyGeneric, "expire", c.Args[1])
	return replyOne
}

const (
	maxInt64 = 1<<63 - 1
	minInt64 = -1 << 63
)

// TTL key | PTTL key | EXPIRETIME key | PEXPIRETIME key
func ttlCommand(c *Ctx) Reply {
	key := c.key(1)
	if c.peekRead(key) == nil {
		return Int(-2)
	}
	at, ok := c.DB.Expiry(key)
	if !ok {
		return Int(-1)
	}
	v := at
	if c.Cmd.Name == "ttl" || c.Cmd.Name == "pttl" {
		v = at - c.Now
	}
	v = max(v, 0)
	if c.Cmd.Name == "ttl" || c.Cmd.Name == "expiretime" {
		// Rounded to the nearest second, as Redis's (v+500)/1000, but
		// without wrapping around near the top of the range: for an
		// expiry at PXAT 9223372036854775807 Redis answers the exact
		// 9223372036854776.
		v = v/1000 + (v%1000+500)/1000
	}
	return Int(v)
}

// PERSIST key
func persistCommand(c *Ctx) Reply {
	key := c.key(1)
	if c.DB.Get(key, c.Now) == nil || !c.DB.Persist(key) {
		return replyZero
	}
	c.Modified(c.Args[1])
	c.Notify(notifyGeneric, "persist", c.Args[1])
	return replyOne
}

// objectCommand is OBJECT and its subcommands.
func objectCommand() *Command {
	sub := func(name, summary string, h Handler) *Command {
		return &Command{Name: name, Arity: 3, Flags: FlagReadonly, ACL: ACLKeyspace,
			FirstKey: 2, LastKey: 2, Step: 1, KeySpecs: []KeySpec{ks("RO", 2)},
			Tips:  []string{"nondeterministic_output"},
			Group: "generic", Since: "2.2.3", Summary: summary, Complexity: "O(1)", Handler: h}
	}
	help := helpCommand("6.2.0", "object",
		"ENCODING <key>", "    The internal representation of the key's value.",
		"FREQ <key>", "    The access frequency counter of the key (LFU policies only).",
		"IDLETIME <key>", "    Seconds since the key was last accessed (not under LFU policies).",
		"REFCOUNT <key>", "    The number of references to the key's value.")
	help.ACL = ACLKeyspace
	freq := sub("freq", "Returns the access frequency counter of a key", objectFreq)
	freq.Since = "4.0.0"
	return &Command{
		Name: "object", Arity: -2, Group: "generic", Since: "2.2.3",
		Summary: "Container for object introspection commands",
		Sub: []*Command{
			sub("encoding", "Returns the internal representation of a key's value", objectEncoding),
			sub("refcount", "Returns the reference count of a key's value", objectRefcount),
			sub("idletime", "Returns the seconds since a key was last accessed", objectIdletime),
			freq,
			help,
		},
	}
}

// OBJECT ENCODING key
func objectEncoding(c *Ctx) Reply {
	o := c.DB.Peek(c.key(2), c.Now)
	if o == nil {
		return replyNullBulk
	}
	return BulkString(encodingOf(o))
}

// encodingOf names o's representation as Redis's OBJECT ENCODING would.
func encodingOf(o *store.Object) string {
	if o.Kind == store.KindString {
		return o.StringEncoding()
	}
	if e, ok := o.Data().(interface{ Encoding() string }); ok {
		return e.Encoding()
	}
	return "unknown"
}

// OBJECT REFCOUNT key
func objectRefcount(c *Ctx) Reply {
	o := c.DB.Peek(c.key(2), c.Now)
	if o == nil {
		return replyNullBulk
	}
	// Redis shares the objects of small integers (0-9999) unless an LRU or
	// LFU policy needs per-key access clocks, and reports them as
	// referenced INT_MAX times.
	if o.Kind == store.KindString && o.StringEncoding() == "int" && !c.s.policyTracksAccess() {
		if n, ok := parseInt(o.Str()); ok && n >= 0 && n < 10000 {
			return Int(1<<31 - 1)
		}
	}
	return replyOne
}

// policyTracksAccess reports whether maxmemory-policy is an LRU or LFU one.
func (s *Server) policyTracksAccess() bool {
	p := s.config().MaxMemoryPolicy
	return s.config().MaxMemory > 0 && (strings.HasSuffix(p, "-lru") || strings.HasSuffix(p, "-lfu"))
}

// isLFU reports whether maxmemory-policy is an LFU one.
func (s *Server) isLFU() bool { return strings.HasSuffix(s.config().MaxMemoryPolicy, "-lfu") }

// OBJECT IDLETIME key
func objectIdletime(c *Ctx) Reply {
	o := c.DB.Peek(c.key(2), c.Now)
	if o == nil {
		return replyNullBulk
	}
	if c.s.isLFU() {
		return Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
	}
	return Int(o.IdleMillis(c.Now) / 1000)
}

// OBJECT FREQ key
func objectFreq(c *Ctx) Reply {
	o := c.DB.Peek(c.key(2), c.Now)
	if o == nil {
		return replyNullBulk
	}
	if !c.s.isLFU() {
		return Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
	}
	return Int(int64(o.LFUCounter(c.Now, c.s.config().LFUDecayTime)))
}
