package server

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"quordis/store"
)

// hashCommands are the commands of hashes.
func hashCommands() []*Command {
	hash := func(name string, arity int, flags Flag, spec, since, summary, complexity string, h Handler, tips ...string) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: ACLHash,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{ks(spec, 1)}, Tips: tips,
			Group: "hash", Since: since, Summary: summary, Complexity: complexity, Handler: h}
	}
	w, r, d, f := FlagWrite, FlagReadonly, FlagDenyOOM, FlagFast
	const order, random = "nondeterministic_output_order", "nondeterministic_output"
	return []*Command{
		member(2, hash("hset", -4, w|d|f, "RW update", "2.0.0", "Creates or modifies the value of a field in a hash",
			"O(1) for each field/value pair added", hsetCommand)),
		member(2, hash("hmset", -4, w|d|f, "RW update", "2.0.0", "Sets the values of multiple fields",
			"O(N) where N is the number of fields being set", hsetCommand)),
		member(2, hash("hsetnx", 4, w|d|f, "RW insert", "2.0.0", "Sets the value of a field in a hash only when the field doesn't exist",
			"O(1)", hsetnxCommand)),
		member(2, hash("hget", 3, r|f, "RO access", "2.0.0", "Returns the value of a field in a hash", "O(1)", hgetCommand)),
		member(2, hash("hmget", -3, r|f, "RO access", "2.0.0", "Returns the values of all fields in a hash",
			"O(N) where N is the number of fields being requested", hmgetCommand)),
		member(2, hash("hdel", -3, w|f, "RW delete", "2.0.0", "Deletes one or more fields and their values from a hash",
			"O(N) where N is the number of fields to be removed", hdelCommand)),
		hash("hlen", 2, r|f, "RO", "2.0.0", "Returns the number of fields in a hash", "O(1)", hlenCommand),
		member(2, hash("hstrlen", 3, r|f, "RO", "3.2.0", "Returns the length of the value of a field", "O(1)", hstrlenCommand)),
		member(2, hash("hexists", 3, r|f, "RO", "2.0.0", "Determines whether a field exists in a hash", "O(1)", hexistsCommand)),
		hash("hkeys", 2, r, "RO access", "2.0.0", "Returns all fields in a hash",
			"O(N) where N is the size of the hash", hgetallCommand, order),
		hash("hvals", 2, r, "RO access", "2.0.0", "Returns all values in a hash",
			"O(N) where N is the size of the hash", hgetallCommand, order),
		hash("hgetall", 2, r, "RO access", "2.0.0", "Returns all fields and values in a hash",
			"O(N) where N is the size of the hash", hgetallCommand, order),
		member(2, hash("hincrby", 4, w|d|f, "RW access update", "2.0.0", "Increments the integer value of a field in a hash by a number",
			"O(1)", hincrbyCommand)),
		member(2, hash("hincrbyfloat", 4, w|d|f, "RW access update", "2.6.0", "Increments the floating point value of a field by a number",
			"O(1)", hincrbyfloatCommand)),
		hash("hrandfield", -2, r, "RO access", "6.2.0", "Returns one or more random fields from a hash",
			"O(N) where N is the number of fields returned", hrandfieldCommand, random),
		hash("hscan", -3, r, "RO access", "2.8.0", "Iterates over fields and values of a hash",
			"O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
			hscanCommand, random),
	}
}

// hashForRead returns the hash at argument i for a read: nil when absent,
// or a WRONGTYPE reply. It counts a keyspace hit or miss.
func (c *Ctx) hashForRead(i int) (*store.Hash, *Reply) {
	o := c.lookupRead(c.key(i))
	if o == nil {
		return nil, nil
	}
	if o.Kind != store.KindHash {
		return nil, &replyWrongType
	}
	return o.AsHash(), nil
}

// hashLimits are the listpack thresholds in force for hash writes.
func (c *Ctx) hashLimits() store.HashLimits { return c.DB.HashLimits() }

// hashForWrite returns the hash at argument i for a write, creating an
// empty one when the key is absent (Redis's hashTypeLookupWriteOrCreate),
// or a WRONGTYPE reply. A created hash is stored at once, so the caller
// must add a field to it before returning.
func (c *Ctx) hashForWrite(i int) (*store.Hash, *Reply) {
	o := c.DB.Get(c.key(i), c.Now)
	if o == nil {
		h := c.DB.NewHash()
		c.DB.SetFrom(c.Args[i], store.HashObject(h), c.Now)
		return h, nil
	}
	if o.Kind != store.KindHash {
		return nil, &replyWrongType
	}
	return o.AsHash(), nil
}

// HSET key field value [field value ...] | HMSET key field value [field value ...]
func hsetCommand(c *Ctx) Reply {
	if len(c.Args)%2 != 0 {
		return Err("ERR wrong number of arguments for '" + c.Cmd.Name + "' command")
	}
	h, e := c.hashForWrite(1)
	if e != nil {
		return *e
	}
	var added int64
	lim := c.hashLimits()
	for i := 2; i < len(c.Args); i += 2 {
		if h.Set(c.Args[i], c.Args[i+1], lim) {
			added++
		}
	}
	c.Modified(c.Args[1])
	c.Notify(notifyHash, "hset", c.Args[1])
	if c.Cmd.Name == "hmset" {
		return replyOK
	}
	return Int(added)
}

// HSETNX key field value
func hsetnxCommand(c *Ctx) Reply {
	h, e := c.hashForWrite(1)
	if e != nil {
		return *e
	}
	if h.Exists(c.key(2)) {
		return replyZero
	}
	h.Set(c.Args[2], c.Args[3], c.hashLimits())
	c.Modified(c.Args[1])
	c.Notify(notifyHash, "hset", c.Args[1])
	return replyOne
}

// HGET key field
func hgetCommand(c *Ctx) Reply {
	h, e := c.hashForRead(1)
	if e != nil {
		return *e
	}
	if h == nil {
		return replyNullBulk
	}
	v, ok := h.Get(c.key(2))
	if !ok {
		return replyNullBulk
	}
	return BulkString(v)
}

// HMGET key field [field ...]
func hmgetCommand(c *Ctx) Reply {
	h, e := c.hashForRead(1)
	if e != nil {
		return *e
	}
	out := make([][]byte, len(c.Args)-2)
	if h != nil {
		for i := range out {
			if v, ok := h.Get(c.key(i + 2)); ok {
				out[i] = hashBytes(v)
			}
		}
	}
	return Bulks(out)
}

// HDEL key field [field ...]
func hdelCommand(c *Ctx) Reply {
	o := c.DB.Get(c.key(1), c.Now)
	if o == nil {
		return replyZero
	}
	if o.Kind != store.KindHash {
		return replyWrongType
	}
	h := o.AsHash()
	var deleted int64
	emptied := false
	for i := 2; i < len(c.Args); i++ {
		if h.Delete(c.key(i)) {
			deleted++
			if emptied = h.Len() == 0; emptied {
				c.DB.Delete(c.key(1))
				break
			}
		}
	}
	if deleted > 0 {
		c.Modified(c.Args[1])
		c.Notify(notifyHash, "hdel", c.Args[1])
	}
	if emptied {
		c.Notify(notifyGeneric, "del", c.Args[1])
	}
	return Int(deleted)
}

// HLEN key
func hlenCommand(c *Ctx) Reply {
	h, e := c.hashForRead(1)
	if e != nil {
		return *e
	}
	if h == nil {
		return replyZero
	}
	return Int(int64(h.Len()))
}

// HSTRLEN key field
func hstrlenCommand(c *Ctx) Reply {
	h, e := c.hashForRead(1)
	if e != nil {
		return *e
	}
	if h == nil {
		return replyZero
	}
	return Int(int64(h.ValueLen(c.key(2))))
}

// HEXISTS key field
func hexistsCommand(c *Ctx) Reply {
	h, e := c.hashForRead(1)
	if e != nil {
		return *e
	}
	if h == nil || !h.Exists(c.key(2)) {
		return replyZero
	}
	return replyOne
}

// HGETALL key | HKEYS key | HVALS key
func hgetallCommand(c *Ctx) Reply {
	h, e := c.hashForRead(1)
	if e != nil {
		return *e
	}
	if c.Cmd.Name == "hgetall" {
		if h == nil {
			return Map()
		}
		kv := make([]string, 0, 2*h.Len())
		h.Range(func(field, value string) bool {
			kv = append(kv, field, value)
			return true
		})
		return StringMap(kv)
	}
	if h == nil {
		return Bulks([][]byte{})
	}
	keys := c.Cmd.Name == "hkeys"
	out := make([][]byte, 0, h.Len())
	h.Range(func(field, value string) bool {
		s := value
		if keys {
			s = field
		}
		out = append(out, hashBytes(s))
		return true
	})
	return Bulks(out)
}

// HINCRBY key field increment
func hincrbyCommand(c *Ctx) Reply {
	by, ok := parseInt(c.Args[3])
	if !ok {
		return replyNotInt
	}
	h, e := c.hashForWrite(1)
	if e != nil {
		return *e
	}
	var cur int64
	if v, found := h.Get(c.key(2)); found {
		if cur, ok = parseInt([]byte(v)); !ok {
			return Err("ERR hash value is not an integer")
		}
	}
	if by < 0 && cur < 0 && by < math.MinInt64-cur || by > 0 && cur > 0 && by > math.MaxInt64-cur {
		return Err(msgOverflow)
	}
	cur += by
	h.Set(c.Args[2], strconv.AppendInt(nil, cur, 10), c.hashLimits())
	c.Modified(c.Args[1])
	c.Notify(notifyHash, "hincrby", c.Args[1])
	return Int(cur)
}

// HINCRBYFLOAT key field increment
func hincrbyfloatCommand(c *Ctx) Reply {
	by, ok := parseLongDouble(c.Args[3])
	if !ok {
		return replyNotFloat
	}
	if by.IsInf() {
		return Err("ERR value is NaN or Infinity")
	}
	h, e := c.hashForWrite(1)
	if e != nil {
		return *e
	}
	cur := new(big.Float).SetPrec(longDoublePrec)
	if v, found := h.Get(c.key(2)); found {
		if cur, ok = parseLongDouble([]byte(v)); !ok {
			return Err("ERR hash value is not a float")
		}
	}
	// A stored "inf" parses; inf plus a finite increment stays inf. A long
	// double overflows past about 1.19e4932.
	if cur.IsInf() {
		return Err("ERR increment would produce NaN or Infinity")
	}
	sum := new(big.Float).SetPrec(longDoublePrec).Add(cur, by)
	if sum.MantExp(nil) > 16384 {
		return Err("ERR increment would produce NaN or Infinity")
	}
	text := formatLongDouble(sum)
	h.Set(c.Args[2], []byte(text), c.hashLimits())
	c.Modified(c.Args[1])
	c.Notify(notifyHash, "hincrbyfloat", c.Args[1])
	// The result is replicated as HSET, so that replicas and the AOF do not
	// depend on float arithmetic or formatting, as Redis does.
	c.Propagate([]byte("HSET"), c.ownedBytes(1), c.ownedBytes(2), []byte(text))
	return BulkString(text)
}

// HRANDFIELD key [count [WITHVALUES]]
func hrandfieldCommand(c *Ctx) Reply {
	if len(c.Args) == 2 {
		h, e := c.hashForRead(1)
		if e != nil {
			return *e
		}
		if h == nil {
			return Null()
		}
		var field string
		h.Random(c.Rand, 1, func(f, _ string) { field = f })
		return BulkString(field)
	}
	n, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	if n == math.MinInt64 {
		return Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	}
	withValues := len(c.Args) == 4
	if len(c.Args) > 4 || withValues && !strings.EqualFold(string(c.Args[3]), "withvalues") {
		return replySyntax
	}
	if withValues && (n < -math.MaxInt64/2 || n > math.MaxInt64/2) {
		return Err("ERR value is out of range")
	}
	h, e := c.hashForRead(1)
	if e != nil {
		return *e
	}
	if h == nil || n == 0 {
		return Bulks([][]byte{})
	}
	size := h.Len()
	per := 1
	if withValues {
		per = 2
	}
	var kv [][]byte
	add := func(field, value string) {
		kv = append(kv, hashBytes(field))
		if withValues {
			kv = append(kv, hashBytes(value))
		}
	}
	switch {
	case n < 0 || n == 1:
		// Repeats allowed, in random order; a count of 1 is one draw.
		count := int(-n)
		if n == 1 {
			count = 1
		}
		kv = make([][]byte, 0, count*per)
		h.Random(c.Rand, count, add)
	case n >= int64(size):
		kv = make([][]byte, 0, size*per)
		h.Range(func(field, value string) bool {
			add(field, value)
			return true
		})
	default:
		kv = make([][]byte, 0, int(n)*per)
		h.Sample(c.Rand, int(n), add)
	}
	if !withValues {
		return Bulks(kv)
	}
	return c.hashPairsReply(kv)
}

// hashPairsReply returns field/value pairs as Redis replies them when it
// streams pairs: a flat array in RESP2, an array of two-element arrays in
// RESP3.
func (c *Ctx) hashPairsReply(kv [][]byte) Reply {
	if c.cl == nil || c.cl.proto < 3 {
		return Bulks(kv)
	}
	out := make([]Reply, len(kv)/2)
	for i := range out {
		out[i] = Bulks(kv[2*i : 2*i+2 : 2*i+2])
	}
	return Array(out...)
}

// hashBytes copies s into a non-nil slice for a Bulks reply, where nil
// means a null bulk.
func hashBytes(s string) []byte { return append([]byte{}, s...) }

// HSCAN key cursor [MATCH pattern] [COUNT count]
func hscanCommand(c *Ctx) Reply {
	cursor, ok := parseCursor(c.Args[2])
	if !ok {
		return Err("ERR invalid cursor")
	}
	h, e := c.hashForRead(1)
	if e != nil {
		return *e
	}
	if h == nil {
		return Array(BulkString("0"), Bulks([][]byte{}))
	}
	opts, msg := parseScanOptions(c.Args[3:], false)
	if msg != "" {
		return Err(msg)
	}
	// Like Redis, collect about COUNT fields with their values (it doubles
	// COUNT for hashes), filter by MATCH only afterwards, and stop after ten
	// table steps per element wanted, so a sparse table cannot hold the
	// server.
	want := opts.count
	if want <= math.MaxInt64/20 {
		want *= 2
	}
	maxIter := want
	if maxIter <= math.MaxInt64/10 {
		maxIter *= 10
	}
	var kv [][]byte
	seen := int64(0)
	visit := func(field, value string) {
		seen += 2
		if opts.matches(field) {
			kv = append(kv, hashBytes(field), hashBytes(value))
		}
	}
	for {
		cursor = h.Scan(cursor, visit)
		if cursor == 0 || maxIter == 0 || seen >= want {
			break
		}
		maxIter--
	}
	return Array(BulkString(strconv.FormatUint(cursor, 10)), Bulks(kv))
}
