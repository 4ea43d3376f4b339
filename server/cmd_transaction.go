package server

import "quordis/store"

// watchKey names a watched key: a database and a key.
type watchKey struct {
	db  int
	key string
}

// transactionCommands are MULTI, EXEC, DISCARD, WATCH and UNWATCH.
func transactionCommands() []*Command {
	ctl := FlagNoScript | FlagLoading | FlagStale
	return []*Command{
		{
			// MULTI
			Name: "multi", Arity: 1, Flags: ctl | FlagFast | FlagAllowBusy, ACL: ACLTransaction,
			Group: "transactions", Since: "1.2.0", Summary: "Starts a transaction", Complexity: "O(1)",
			Handler: multiCommand,
		},
		{
			// EXEC
			Name: "exec", Arity: 1, Flags: ctl | FlagSkipSlowlog, ACL: ACLTransaction,
			Group: "transactions", Since: "1.2.0", Summary: "Runs the queued commands of a transaction",
			Complexity: "Depends on the queued commands",
			Handler:    execCommand,
		},
		{
			// DISCARD
			Name: "discard", Arity: 1, Flags: ctl | FlagFast | FlagAllowBusy, ACL: ACLTransaction,
			Group: "transactions", Since: "2.0.0", Summary: "Drops the queued commands of a transaction",
			Complexity: "O(N), N being the number of queued commands",
			Handler:    discardCommand,
		},
		{
			// WATCH key [key ...]
			Name: "watch", Arity: -2, Flags: ctl | FlagFast | FlagAllowBusy, ACL: ACLTransaction,
			FirstKey: 1, LastKey: -1, Step: 1,
			KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: -1, KeyStep: 1}},
			Group:    "transactions", Since: "2.2.0", Summary: "Makes the next EXEC depend on keys staying unchanged",
			Complexity: "O(1) for every key",
			Handler:    watchCommand,
		},
		{
			// UNWATCH
			Name: "unwatch", Arity: 1, Flags: ctl | FlagFast | FlagAllowBusy, ACL: ACLTransaction,
			Group: "transactions", Since: "2.2.0", Summary: "Forgets every watched key", Complexity: "O(1)",
			Handler: func(c *Ctx) Reply { c.s.unwatchAll(c.cl); return replyOK },
		},
	}
}

// MULTI
func multiCommand(c *Ctx) Reply {
	if c.cl.flags&flagMulti != 0 {
		return Err("ERR MULTI calls can not be nested")
	}
	c.cl.flags |= flagMulti
	return replyOK
}

// EXEC
func execCommand(c *Ctx) Reply {
	cl := c.cl
	if cl.flags&flagMulti == 0 {
		return Err("ERR EXEC without MULTI")
	}
	queued := cl.multi
	aborted := cl.flags&flagDirtyExec != 0
	casFailed := cl.flags&flagDirtyCAS != 0 || c.s.watchedKeyExpired(cl, c.Now)
	c.s.discardTransaction(cl)
	if aborted {
		return Err(msgExecAbort)
	}
	if casFailed {
		return replyNullArray
	}
	// Each reply is encoded as soon as its command has run: a reply may
	// point into stored data that a later command of the transaction
	// changes in place.
	out := appendHeader(nil, '*', len(queued))
	now := c.s.clock()
	c.s.inExec = true
	for _, q := range queued {
		r := c.s.call(cl, q.cmd, q.args, now)
		out = appendReply(out, &r, cl.proto)
	}
	c.s.inExec = false
	return Raw(out)
}

// DISCARD
func discardCommand(c *Ctx) Reply {
	if c.cl.flags&flagMulti == 0 {
		return Err("ERR DISCARD without MULTI")
	}
	c.s.discardTransaction(c.cl)
	return replyOK
}

// WATCH key [key ...]
func watchCommand(c *Ctx) Reply {
	cl := c.cl
	if cl.flags&flagMulti != 0 {
		return Err("ERR WATCH inside MULTI is not allowed")
	}
	// A client whose transaction already failed need not watch more.
	if cl.flags&flagDirtyCAS != 0 {
		return replyOK
	}
	for _, k := range c.Args[1:] {
		c.s.watch(cl, c.DB.ID(), string(k), c.Now)
	}
	return replyOK
}

// discardTransaction leaves MULTI state and forgets the watched keys.
// Called with s.mu held.
func (s *Server) discardTransaction(c *client) {
	c.multi = nil
	c.flags &^= flagMulti | flagDirtyExec | flagDirtyCAS
	s.unwatchAll(c)
}

// watch adds key to the keys c watches. A key that is already expired when
// watched is remembered as such, so that its later deletion does not count
// as a change (Redis 7.0's rule). Called with s.mu held.
func (s *Server) watch(c *client, db int, key string, now int64) {
	wk := watchKey{db: db, key: key}
	for _, w := range c.watched {
		if w.wk == wk {
			return
		}
	}
	expired := s.store.DB(db).ExpiredAt(key, now)
	c.watched = append(c.watched, watched{wk: wk, expired: expired})
	s.watchers[wk] = append(s.watchers[wk], c)
}

// watchedKeyExpired reports whether a key c watched while it was live has
// logically expired since, which Redis counts as a change.
func (s *Server) watchedKeyExpired(c *client, now int64) bool {
	for _, w := range c.watched {
		if !w.expired && s.store.DB(w.wk.db).ExpiredAt(w.wk.key, now) {
			return true
		}
	}
	return false
}

// unwatchAll forgets every key c watches. Called with s.mu held.
func (s *Server) unwatchAll(c *client) {
	for _, w := range c.watched {
		list := s.watchers[w.wk]
		for i, other := range list {
			if other == c {
				list[i] = list[len(list)-1]
				list = list[:len(list)-1]
				break
			}
		}
		if len(list) == 0 {
			delete(s.watchers, w.wk)
		} else {
			s.watchers[w.wk] = list
		}
	}
	c.watched = nil
}

// touchWatched marks every client watching key in db as failed, as Redis's
// touchWatchedKey does. When the key is going away because it expired
// (expiring), a client that watched it already expired sees no change, and
// watches it as absent from then on. Called with s.mu held.
func (s *Server) touchWatched(db int, key []byte, expiring bool) {
	if len(s.watchers) == 0 {
		return
	}
	wk := watchKey{db: db, key: bytesView(key)}
	for _, c := range s.watchers[wk] {
		if expiring {
			if w := c.watching(wk); w != nil && w.expired {
				w.expired = false
				continue
			}
		}
		c.flags |= flagDirtyCAS
	}
}

// touchAllWatched marks the clients watching a key of db whose value the
// emptying of db (FLUSHDB, FLUSHALL: other is -1) or its swap with other
// (SWAPDB) changes, as Redis 7.0's touchAllWatchedKeysInDb: a key stored
// in either, expired or not. A key watched when already expired changes
// nothing by going away, or by being replaced with another expired one;
// a key stored in neither that is replaced with an expired one is watched
// as expired from then on. Call it before db changes. Called with s.mu
// held.
func (s *Server) touchAllWatched(db, other int, now int64) {
	emptied := s.store.DB(db)
	var with *store.DB
	if other >= 0 {
		with = s.store.DB(other)
	}
	for wk, list := range s.watchers {
		if wk.db != db {
			continue
		}
		inEmptied := emptied.Stored(wk.key) != nil
		inOther := with != nil && with.Stored(wk.key) != nil
		if !inEmptied && !inOther {
			continue
		}
		for _, c := range list {
			w := c.watching(wk)
			switch {
			case w == nil:
				c.flags |= flagDirtyCAS // cannot happen: watchers and watched agree
			case w.expired && !inOther:
				w.expired = false
			case w.expired && with.ExpiredAt(wk.key, now):
			case !w.expired && !inEmptied && with.ExpiredAt(wk.key, now):
				w.expired = true
			default:
				c.flags |= flagDirtyCAS
			}
		}
	}
}

// watching returns c's record of the key it watches at wk.
func (c *client) watching(wk watchKey) *watched {
	for i := range c.watched {
		if c.watched[i].wk == wk {
			return &c.watched[i]
		}
	}
	return nil
}

// queuedFlags is, for EXEC, the flags of the commands its transaction
// queued, as Redis's mstate.cmd_flags: EXEC is refused as a write, or as a
// command that may grow memory, when what it would run is. It is 0 for
// any other command.
func queuedFlags(c *client, cmd *Command) Flag {
	var f Flag
	if cmd.Name == "exec" {
		for _, q := range c.multi {
			f |= q.cmd.Flags
		}
	}
	return f
}
