package server

import (
	"errors"
	"strconv"
	"strings"

	"quordis/aof"
	"quordis/store"
)

// dumpCommands are DUMP and RESTORE, which move values in Redis's DUMP
// payload format (package aof), and RESTORE-ASKING, RESTORE for the
// target of a cluster slot migration.
func dumpCommands() []*Command {
	restoreComplexity := "O(1) to create the new key and O(N*M) to rebuild the value, N being the number of " +
		"elements and M their average size; O(N*M*log(N)) for a sorted set"
	restore := func(name string, flags Flag, since, summary string) *Command {
		return &Command{Name: name, Arity: -4, Flags: FlagWrite | FlagDenyOOM | flags, ACL: ACLKeyspace | ACLDangerous,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{ks("OW update", 1)},
			Group: "generic", Since: since, Summary: summary, Complexity: restoreComplexity, Handler: restoreCommand}
	}
	asking := restore("restore-asking", FlagAsking, "3.0.0", "Creates a key from a DUMP payload during a slot migration")
	asking.Group = "server"
	return []*Command{
		{
			// DUMP key
			Name: "dump", Arity: 2, Flags: FlagReadonly, ACL: ACLKeyspace,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{ks("RO access", 1)},
			Tips:  []string{"nondeterministic_output"},
			Group: "generic", Since: "2.6.0", Summary: "Returns the value of a key serialized as a DUMP payload",
			Complexity: "O(1) to find the key and O(N*M) to serialize it, N being the number of elements and M their average size",
			Handler:    dumpCommand,
		},
		restore("restore", 0, "2.6.0", "Creates a key from a DUMP payload"),
		asking,
	}
}

// DUMP key
func dumpCommand(c *Ctx) Reply {
	o := c.lookupRead(c.key(1))
	if o == nil {
		return replyNullBulk
	}
	return Bulk(aof.Dump(o))
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
//
// The checks run in Redis's order: options, an existing key (BUSYKEY), the
// TTL, the payload's version and checksum, then its contents. A TTL that
// is already past leaves no key, and deletes the one REPLACE found. A
// relative TTL is propagated as an absolute one with ABSTTL appended, as
// Redis rewrites the command.
func restoreCommand(c *Ctx) Reply {
	replace, absTTL := false, false
	idle, freq := int64(-1), int64(-1)
	for i := 4; i < len(c.Args); i++ {
		more := len(c.Args) - i - 1
		switch opt := strings.ToLower(string(c.Args[i])); {
		case opt == "replace":
			replace = true
		case opt == "absttl":
			absTTL = true
		case opt == "idletime" && more >= 1 && freq == -1:
			v, ok := parseInt(c.Args[i+1])
			if !ok {
				return replyNotInt
			}
			if v < 0 {
				return Err("ERR Invalid IDLETIME value, must be >= 0")
			}
			idle = v
			i++
		case opt == "freq" && more >= 1 && idle == -1:
			v, ok := parseInt(c.Args[i+1])
			if !ok {
				return replyNotInt
			}
			if v < 0 || v > 255 {
				return Err("ERR Invalid FREQ value, must be >= 0 and <= 255")
			}
			freq = v
			i++
		default:
			return replySyntax
		}
	}

	key := c.key(1)
	if !replace && c.DB.Get(key, c.Now) != nil {
		return Err("BUSYKEY Target key name already exists.")
	}
	ttl, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	if ttl < 0 {
		return Err("ERR Invalid TTL value, must be >= 0")
	}
	obj, err := aof.Restore(c.Args[3], *c.DB.Limits())
	if errors.Is(err, aof.ErrBadPayload) {
		return Err("ERR DUMP payload version or checksum are wrong")
	}
	if err != nil {
		return Err("ERR Bad data format")
	}

	deleted := replace && c.DB.Delete(key)
	if ttl != 0 && !absTTL {
		ttl += c.Now // wraps past the largest time, as in Redis, into the past
	}
	if ttl != 0 && ttl <= c.Now {
		if deleted {
			c.Modified(c.Args[1])
			c.Propagate([]byte("DEL"), c.ownedBytes(1))
			c.Notify(notifyGeneric, "del", c.Args[1])
		}
		return replyOK
	}

	c.DB.Set(c.ownedKey(1), obj, c.Now)
	if ttl != 0 {
		c.DB.SetExpiry(key, ttl)
	}
	if o := c.DB.Peek(key, c.Now); o != nil {
		c.setAccess(o, idle, freq)
	}
	c.Modified(c.Args[1])
	c.Notify(notifyGeneric, "restore", c.Args[1])
	if ttl != 0 && !absTTL {
		argv := [][]byte{c.ownedBytes(0), c.ownedBytes(1), []byte(strconv.FormatInt(ttl, 10))}
		for i := 3; i < len(c.Args); i++ {
			argv = append(argv, c.ownedBytes(i))
		}
		c.Propagate(append(argv, []byte("ABSTTL"))...)
	}
	return replyOK
}

// Access clocks as Redis keeps them in an object's 24-bit lru field (see
// store/access.go): seconds under LRU, minutes and a counter under LFU.
const (
	lruClockMax   = 1<<24 - 1
	lfuMinutesMax = 1<<16 - 1
)

// setAccess applies RESTORE's IDLETIME (under an LRU or no policy) or FREQ
// (under an LFU policy) to a restored object, as Redis's
// objectSetLRUOrLFU: an idle time reaching before the clock's start wraps
// to half a clock period in the future.
func (c *Ctx) setAccess(o *store.Object, idle, freq int64) {
	if c.s.isLFU() {
		if freq >= 0 {
			o.Access = uint32((c.Now/60000)&lfuMinutesMax)<<8 | uint32(freq)
		}
		return
	}
	if idle < 0 {
		return
	}
	clock := (c.Now / 1000) & lruClockMax
	// Redis scales seconds to its clock's resolution (1000 ms) with a
	// multiplication that may wrap; the wrapped value is what it stores.
	idle = idle * 1000 / 1000
	abs := clock - idle
	if abs < 0 {
		abs = (clock + lruClockMax/2) % lruClockMax
	}
	o.Access = uint32(abs) & lruClockMax
}
