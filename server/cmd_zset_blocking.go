package server

import (
	"strconv"

	"quordis/store"
)

// zsetBlockingCommands are BZPOPMIN, BZPOPMAX and BZMPOP: the sorted-set
// pops that wait for data (see blocking.go).
func zsetBlockingCommands() []*Command {
	pop := func(name, summary string) *Command {
		return &Command{Name: name, Arity: -3, Flags: FlagWrite | FlagNoScript | FlagBlocking | FlagFast,
			ACL: ACLSortedSet, FirstKey: 1, LastKey: -2, Step: 1,
			KeySpecs: []KeySpec{{Flags: flagList("RW access delete"), Index: 1, LastKey: -2, KeyStep: 1}},
			Group:    "sorted-set", Since: "5.0.0", Summary: summary,
			Complexity: "O(log(N)) with N being the number of elements in the sorted set.", Handler: bzpopCommand}
	}
	return []*Command{
		pop("bzpopmin", "Pops the lowest-scored member of the first non-empty sorted set, waiting for one"),
		pop("bzpopmax", "Pops the highest-scored member of the first non-empty sorted set, waiting for one"),
		{
			// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]
			Name: "bzmpop", Arity: -5, Flags: FlagWrite | FlagBlocking | FlagMovableKeys, ACL: ACLSortedSet,
			Keys: blmpopKeys,
			KeySpecs: []KeySpec{{Flags: flagList("RW access delete"), Index: 2, KeyNum: true, KeyNumIdx: 0,
				FirstKey: 1, KeyStep: 1}},
			Group: "sorted-set", Since: "7.0.0", Summary: "Pops members of the first non-empty sorted set, waiting for one",
			Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
			Handler:    bzmpopCommand,
		},
	}
}

// BZPOPMIN key [key ...] timeout | BZPOPMAX key [key ...] timeout
func bzpopCommand(c *Ctx) Reply {
	max := c.Cmd.Name == "bzpopmax"
	timeout, msg := parseTimeout(c.Args[len(c.Args)-1])
	if msg != "" {
		return Err(msg)
	}
	return c.popOrBlock(c.Cmd.KeyPositions(c.Args), store.KindZSet, timeout, replyNullArray, serveBZPop(max))
}

// serveBZPop serves BZPOPMIN/BZPOPMAX from key: [key, member, score],
// propagated as ZPOPMIN key / ZPOPMAX key.
func serveBZPop(max bool) serveFunc {
	return func(c *Ctx, key string) (Reply, bool) {
		items := zpop(c, key, max, 1)
		if len(items) == 0 {
			return Reply{}, false
		}
		c.Propagate(zpopName(max), []byte(key))
		return Array(BulkString(key), BulkString(items[0].member), Double(items[0].score)), true
	}
}

func zpopName(max bool) []byte {
	if max {
		return []byte("ZPOPMAX")
	}
	return []byte("ZPOPMIN")
}

// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]
func bzmpopCommand(c *Ctx) Reply {
	keys, max, count, msg := zparseMpop(c.Args, 2)
	if msg != "" {
		return Err(msg)
	}
	timeout, msg := parseTimeout(c.Args[1])
	if msg != "" {
		return Err(msg)
	}
	serve := func(c *Ctx, key string) (Reply, bool) {
		items := zpop(c, key, max, int(count))
		if len(items) == 0 {
			return Reply{}, false
		}
		c.Propagate(zpopName(max), []byte(key), strconv.AppendInt(nil, int64(len(items)), 10))
		return Array(BulkString(key), zscoredReply(items, true)), true
	}
	return c.popOrBlock(keys, store.KindZSet, timeout, replyNullArray, serve)
}
