package server

import (
	"errors"
	"strings"

	"quordis/store"
)

// hllSparseMaxBytes is hll-sparse-max-bytes; it becomes configurable with
// the rest of the encoding thresholds.
const hllSparseMaxBytes = store.HLLSparseMaxBytes

// HyperLogLog error texts, byte for byte as Redis 7.0 sends them.
const (
	msgNotHLL     = "WRONGTYPE Key is not a valid HyperLogLog string value."
	msgInvalidHLL = "INVALIDOBJ Corrupted HLL object detected"
)

var (
	replyNotHLL     = Err(msgNotHLL)
	replyInvalidHLL = Err(msgInvalidHLL)
)

// hllCommands are the HyperLogLog commands. A HyperLogLog is a string
// holding Redis's exact representation (store/hll.go), so GET, SET, DUMP
// and replication carry it unchanged between Quordis and Redis.
func hllCommands() []*Command {
	w, r, d, f, a := FlagWrite, FlagReadonly, FlagDenyOOM, FlagFast, FlagAdmin
	return []*Command{
		{
			// PFADD key [element [element ...]]
			Name: "pfadd", Arity: -2, Flags: w | d | f, ACL: ACLHyperLogLog, FirstKey: 1, LastKey: 1, Step: 1,
			KeySpecs: []KeySpec{ks("RW insert", 1)},
			Group:    "hyperloglog", Since: "2.8.9", Summary: "Adds the specified elements to the specified HyperLogLog.",
			Complexity: "O(1) to add every element.", Handler: pfaddCommand,
		},
		{
			// PFCOUNT key [key ...]
			Name: "pfcount", Arity: -2, Flags: r, ACL: ACLHyperLogLog, FirstKey: 1, LastKey: -1, Step: 1,
			KeySpecs: []KeySpec{{Flags: flagList("RW access"), Index: 1, LastKey: -1, KeyStep: 1,
				Notes: "RW because it may change the internal representation of the key, and propagate to replicas"}},
			Group: "hyperloglog", Since: "2.8.9",
			Summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
			Complexity: "O(1) with a very small average constant time when called with a single key. " +
				"O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
			Handler: pfcountCommand,
		},
		{
			// PFMERGE destkey [sourcekey [sourcekey ...]]
			Name: "pfmerge", Arity: -2, Flags: w | d, ACL: ACLHyperLogLog, FirstKey: 1, LastKey: -1, Step: 1,
			KeySpecs: []KeySpec{ks("RW access insert", 1), {Flags: flagList("RO access"), Index: 2, LastKey: -1, KeyStep: 1}},
			Group:    "hyperloglog", Since: "2.8.9", Summary: "Merge N different HyperLogLogs into a single one.",
			Complexity: "O(N) to merge N HyperLogLogs, but with high constant times.", Handler: pfmergeCommand,
		},
		{
			// PFDEBUG subcommand key
			Name: "pfdebug", Arity: 3, Flags: w | d | a, ACL: ACLHyperLogLog, FirstKey: 2, LastKey: 2, Step: 1,
			KeySpecs: []KeySpec{ks("RW access", 2)},
			Group:    "hyperloglog", Since: "2.8.9", Summary: "Internal commands for debugging HyperLogLog values",
			Complexity: "N/A", Handler: pfdebugCommand,
		},
		{
			// PFSELFTEST
			Name: "pfselftest", Arity: 1, Flags: a, ACL: ACLHyperLogLog,
			Group: "hyperloglog", Since: "2.8.9", Summary: "An internal command for testing HyperLogLog values",
			Complexity: "N/A", Handler: pfselftestCommand,
		},
	}
}

// hllCheck returns the error reply for a value that is not a HyperLogLog,
// or nil, as Redis's isHLLObjectOrReply: another type is the usual
// WRONGTYPE, a string without a valid header a HyperLogLog-specific one.
func hllCheck(o *store.Object) *Reply {
	if o.Kind != store.KindString {
		return &replyWrongType
	}
	if !store.IsHLL(o.Str()) {
		return &replyNotHLL
	}
	return nil
}

// newHLLObject wraps HyperLogLog bytes in a string object. Redis creates
// and rewrites HyperLogLogs as raw strings, whatever their length.
func newHLLObject(b []byte) store.Object {
	o := store.NewString(b)
	o.Raw = true
	return o
}

// PFADD key [element [element ...]]
func pfaddCommand(c *Ctx) Reply {
	o := c.DB.Get(c.key(1), c.Now)
	var hll []byte
	updated := 0
	if o == nil {
		hll = store.NewHLL()
		updated++
	} else {
		if e := hllCheck(o); e != nil {
			return *e
		}
		hll = o.Str()
		o.Raw = true
	}
	for _, elem := range c.Args[2:] {
		var changed bool
		var err error
		hll, changed, err = store.HLLAdd(hll, elem, hllSparseMaxBytes)
		if err != nil {
			// Only an existing value can be corrupt. What changed before
			// the corruption was found stays, unpropagated, as in Redis.
			o.SetStr(hll)
			return replyInvalidHLL
		}
		if changed {
			updated++
		}
	}
	if o == nil {
		c.DB.Set(c.ownedKey(1), newHLLObject(hll), c.Now)
	} else {
		o.SetStr(hll)
	}
	if updated == 0 {
		return replyZero
	}
	store.HLLInvalidateCache(hll)
	c.Modified(c.Args[1])
	c.Changed(updated - 1)
	c.Notify(notifyString, "pfadd", c.Args[1])
	return replyOne
}

// PFCOUNT key [key ...]
func pfcountCommand(c *Ctx) Reply {
	if len(c.Args) > 2 {
		// The cardinality of the union, computed without touching the keys.
		var regs store.HLLRegisterSet
		for i := 1; i < len(c.Args); i++ {
			o := c.lookupRead(c.key(i))
			if o == nil {
				continue
			}
			if e := hllCheck(o); e != nil {
				return *e
			}
			if regs.Merge(o.Str()) != nil {
				return replyInvalidHLL
			}
		}
		return Int(int64(regs.Count()))
	}
	o := c.lookupRead(c.key(1))
	if o == nil {
		return replyZero
	}
	if e := hllCheck(o); e != nil {
		return *e
	}
	o.Raw = true
	card, wrote, err := store.HLLCount(o.Str())
	if err != nil {
		return replyInvalidHLL
	}
	if wrote {
		// Storing the cached cardinality changes the string: Redis counts
		// it as a write, invalidates WATCHes and propagates the PFCOUNT.
		c.Modified(c.Args[1])
	}
	return Int(int64(card))
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
func pfmergeCommand(c *Ctx) Reply {
	var regs store.HLLRegisterSet
	dense := false
	// The destination's own registers take part in the union.
	for i := 1; i < len(c.Args); i++ {
		o := c.lookupRead(c.key(i))
		if o == nil {
			continue
		}
		if e := hllCheck(o); e != nil {
			return *e
		}
		if !store.HLLIsSparse(o.Str()) {
			dense = true
		}
		if regs.Merge(o.Str()) != nil {
			return replyInvalidHLL
		}
	}
	o := c.DB.Get(c.key(1), c.Now)
	hll := store.NewHLL()
	if o != nil {
		hll = o.Str()
		o.Raw = true
	}
	hll, err := store.HLLStore(hll, &regs, dense, hllSparseMaxBytes)
	if err != nil {
		return replyInvalidHLL
	}
	if o == nil {
		c.DB.Set(c.ownedKey(1), newHLLObject(hll), c.Now)
	} else {
		o.SetStr(hll)
	}
	c.Modified(c.Args[1])
	c.Notify(notifyString, "pfadd", c.Args[1])
	return replyOK
}

// PFDEBUG <GETREG | DECODE | ENCODING | TODENSE> key
func pfdebugCommand(c *Ctx) Reply {
	o := c.DB.Get(c.key(2), c.Now)
	if o == nil {
		return Err("ERR The specified key does not exist")
	}
	if e := hllCheck(o); e != nil {
		return *e
	}
	o.Raw = true
	sub := string(c.Args[1])
	switch strings.ToLower(sub) {
	case "getreg":
		if store.HLLIsSparse(o.Str()) {
			if !c.hllToDense(o) {
				return replyInvalidHLL
			}
		}
		vals := store.HLLRegisterValues(o.Str())
		out := make([]Reply, len(vals))
		for i, v := range vals {
			out[i] = Int(int64(v))
		}
		return Array(out...)
	case "decode":
		if !store.HLLIsSparse(o.Str()) {
			return Err("ERR HLL encoding is not sparse")
		}
		return BulkString(store.HLLDecode(o.Str()))
	case "encoding":
		if store.HLLIsSparse(o.Str()) {
			return Simple("sparse")
		}
		return Simple("dense")
	case "todense":
		if !store.HLLIsSparse(o.Str()) {
			return replyZero
		}
		if !c.hllToDense(o) {
			return replyInvalidHLL
		}
		return replyOne
	}
	return Err("ERR Unknown PFDEBUG subcommand '" + sub + "'")
}

// hllToDense converts the sparse HyperLogLog o to dense, reporting false
// when it is corrupt. Redis counts the conversion as a change, so that it
// is propagated, without invalidating WATCHes.
func (c *Ctx) hllToDense(o *store.Object) bool {
	d, _, err := store.HLLToDense(o.Str())
	if err != nil {
		return false
	}
	o.SetStr(d)
	c.Changed(1)
	return true
}

// PFSELFTEST
func pfselftestCommand(c *Ctx) Reply {
	var fail *store.HLLSelfTestError
	if err := store.HLLSelfTest(c.Rand); errors.As(err, &fail) {
		return Err("TESTFAILED " + fail.Msg)
	}
	return replyOK
}
