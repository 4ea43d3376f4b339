package server

import (
	"quordis/store"
)

// listBlockingCommands are BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP:
// the list pops that wait for data (see blocking.go).
func listBlockingCommands() []*Command {
	blockFlags := FlagWrite | FlagNoScript | FlagBlocking
	pop := func(name, summary string, h Handler) *Command {
		return &Command{Name: name, Arity: -3, Flags: blockFlags, ACL: ACLList,
			FirstKey: 1, LastKey: -2, Step: 1,
			KeySpecs: []KeySpec{{Flags: flagList("RW access delete"), Index: 1, LastKey: -2, KeyStep: 1}},
			Group:    "list", Since: "2.0.0", Summary: summary,
			Complexity: "O(N) where N is the number of provided keys.", Handler: h}
	}
	move := func(name string, arity int, since, summary string, h Handler) *Command {
		return &Command{Name: name, Arity: arity, Flags: blockFlags | FlagDenyOOM, ACL: ACLList,
			FirstKey: 1, LastKey: 2, Step: 1, KeySpecs: []KeySpec{ks("RW access delete", 1), ks("RW insert", 2)},
			Group: "list", Since: since, Summary: summary, Complexity: "O(1)", Handler: h}
	}
	return []*Command{
		pop("blpop", "Pops the first element of the first non-empty list, waiting for one", blpopCommand),
		pop("brpop", "Pops the last element of the first non-empty list, waiting for one", blpopCommand),
		move("blmove", 6, "6.2.0", "Moves an element between lists, waiting for one", blmoveCommand),
		move("brpoplpush", 4, "2.2.0", "Moves the last element of a list to the head of another, waiting for one", blmoveCommand),
		{
			// BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]
			Name: "blmpop", Arity: -5, Flags: FlagWrite | FlagBlocking | FlagMovableKeys, ACL: ACLList,
			Keys: blmpopKeys,
			KeySpecs: []KeySpec{{Flags: flagList("RW access delete"), Index: 2, KeyNum: true, KeyNumIdx: 0,
				FirstKey: 1, KeyStep: 1}},
			Group: "list", Since: "7.0.0", Summary: "Pops elements from the first non-empty list, waiting for one",
			Complexity: "O(N+M) where N is the number of provided keys and M the number of elements returned.",
			Handler:    blmpopCommand,
		},
	}
}

// blmpopKeys finds BLMPOP's keys: LMPOP's, one argument further.
func blmpopKeys(args [][]byte) []int {
	if len(args) < 2 {
		return nil
	}
	pos := lmpopKeys(args[1:])
	for i := range pos {
		pos[i]++
	}
	return pos
}

// BLPOP key [key ...] timeout | BRPOP key [key ...] timeout
func blpopCommand(c *Ctx) Reply {
	left := c.Cmd.Name == "blpop"
	timeout, msg := parseTimeout(c.Args[len(c.Args)-1])
	if msg != "" {
		return Err(msg)
	}
	return c.popOrBlock(c.Cmd.KeyPositions(c.Args), store.KindList, timeout, replyNullArray, serveBPop(left))
}

// serveBPop serves BLPOP/BRPOP from key: [key, element], propagated as
// LPOP key / RPOP key.
func serveBPop(left bool) serveFunc {
	return func(c *Ctx, key string) (Reply, bool) {
		elems := popList(c, key, left, 1)
		if len(elems) == 0 {
			return Reply{}, false
		}
		propagatePop(c, key, left, -1)
		return Array(BulkString(key), Bulk(elems[0])), true
	}
}

// BLMOVE source destination LEFT | RIGHT LEFT | RIGHT timeout |
// BRPOPLPUSH source destination timeout
func blmoveCommand(c *Ctx) Reply {
	from, to := false, true // BRPOPLPUSH
	if c.Cmd.Name == "blmove" {
		var ok bool
		if from, ok = listEnd(c.Args[3]); !ok {
			return replySyntax
		}
		if to, ok = listEnd(c.Args[4]); !ok {
			return replySyntax
		}
	}
	timeout, msg := parseTimeout(c.Args[len(c.Args)-1])
	if msg != "" {
		return Err(msg)
	}
	return c.popOrBlock([]int{1}, store.KindList, timeout, replyNullBulk, serveBMove(from, to))
}

// serveBMove serves BLMOVE/BRPOPLPUSH from its source, propagated as LMOVE
// or RPOPLPUSH. A destination of another type answers WRONGTYPE and moves
// nothing.
func serveBMove(from, to bool) serveFunc {
	return func(c *Ctx, key string) (Reply, bool) {
		if o := c.DB.Peek(key, c.Now); o == nil || o.Kind != store.KindList {
			return Reply{}, false
		}
		dst := string(c.Args[2])
		r := moveList(c, key, dst, from, to)
		if r.IsError() || r.kind == kindNullBulk {
			return r, true
		}
		if c.Cmd.Name == "brpoplpush" {
			c.Propagate([]byte("RPOPLPUSH"), []byte(key), []byte(dst))
		} else {
			c.Propagate([]byte("LMOVE"), []byte(key), []byte(dst), listEndName(from), listEndName(to))
		}
		return r, true
	}
}

func listEndName(left bool) []byte {
	if left {
		return []byte("LEFT")
	}
	return []byte("RIGHT")
}

// BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]
func blmpopCommand(c *Ctx) Reply {
	// Redis reads numkeys and the rest before the timeout.
	left, count, keys, msg := parseMpop(c.Args, 2)
	if msg != "" {
		return Err(msg)
	}
	timeout, msg := parseTimeout(c.Args[1])
	if msg != "" {
		return Err(msg)
	}
	return c.popOrBlock(keys, store.KindList, timeout, replyNullArray, func(c *Ctx, key string) (Reply, bool) {
		return popListWithKey(c, key, left, int(count))
	})
}
