package server

import (
	"math"
	"math/big"
	"time"

	"quordis/store"
)

// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...) park a client on keys
// until another command writes one of them, a timeout passes, or CLIENT
// UNBLOCK releases it. As in Redis:
//
//   - clients blocked on a key are served in the order they blocked;
//   - keys become ready when a command modifies them, and ready keys are
//     served after the whole top-level command has run, so a push inside
//     MULTI/EXEC wakes waiters only after EXEC;
//   - serving runs the blocked command's pop on the store at that moment
//     and propagates the pop (LPOP, ZPOPMIN, ...) as the effect;
//   - a blocked client that disconnects is simply forgotten.
//
// The blocked client's goroutine goes back to reading its connection (so a
// disconnect is seen at once); its reply is pushed through the client's
// pusher, and a later command from it waits until it is unblocked.

// serveFunc tries to serve a blocked command from key: it runs on the
// blocked client's Ctx (its database, its arguments) and reports whether
// it produced a reply. It records its effects with Ctx.Propagate.
type serveFunc func(c *Ctx, key string) (Reply, bool)

// blockState is what a blocked client waits for.
type blockState struct {
	keys   []watchKey
	cmd    *Command
	args   [][]byte // owned copy of the request
	serve  serveFunc
	onTime Reply // the reply when the timeout passes
	timer  *time.Timer
}

// parseTimeout reads a blocking command's timeout in seconds (decimals
// allowed) as Redis's getTimeoutFromObjectOrReply does; it returns the
// timeout as a duration, 0 meaning forever.
func parseTimeout(b []byte) (time.Duration, string) {
	f, ok := parseLongDouble(b)
	if !ok {
		return 0, "ERR timeout is not a float or out of range"
	}
	// Redis converts the milliseconds to a long long: values beyond its
	// range (and infinities) come out negative.
	ms := new(big.Float).Mul(f, big.NewFloat(1000))
	v, _ := ms.Float64()
	v = math.Ceil(v)
	if v < 0 || ms.IsInf() || v >= math.MaxInt64 {
		return 0, "ERR timeout is negative"
	}
	if v > float64(math.MaxInt64/int64(time.Millisecond)) {
		// Longer than a Go duration holds: as good as forever.
		return 0, ""
	}
	return time.Duration(v) * time.Millisecond, ""
}

// parseTimeoutMillis reads a timeout in whole milliseconds (WAIT, CLIENT
// PAUSE) as getTimeoutFromObjectOrReply does with UNIT_MILLISECONDS. A
// timeout longer than a Go duration holds comes out as the longest one.
func parseTimeoutMillis(b []byte) (time.Duration, string) {
	ms, ok := parseInt(b)
	if !ok {
		return 0, "ERR timeout is not an integer or out of range"
	}
	if ms < 0 {
		return 0, "ERR timeout is negative"
	}
	if ms > math.MaxInt64/int64(time.Millisecond) {
		return math.MaxInt64, ""
	}
	return time.Duration(ms) * time.Millisecond, ""
}

// canBlock reports whether the running command may block: not inside
// MULTI/EXEC or a script (where Redis answers at once as if the timeout
// had passed).
func (c *Ctx) canBlock() bool {
	return !c.s.inExec && !c.s.scriptRunning() && c.cl.flags&flagMulti == 0
}

// block parks the calling client on keys (argument indexes) until serve
// succeeds for one of them, or timeout passes (0: forever), when the
// client gets onTimeout. The handler returns block's result as its reply.
func (c *Ctx) block(keyIdx []int, timeout time.Duration, onTimeout Reply, serve serveFunc) Reply {
	s, cl := c.s, c.cl
	bs := &blockState{cmd: c.Cmd, args: copyArgs(c.Args), serve: serve, onTime: onTimeout}
	for _, i := range keyIdx {
		wk := watchKey{db: c.DB.ID(), key: string(c.Args[i])}
		dup := false
		for _, k := range bs.keys {
			dup = dup || k == wk
		}
		if dup {
			continue
		}
		bs.keys = append(bs.keys, wk)
		s.blockers[wk] = append(s.blockers[wk], cl)
	}
	cl.blocked = bs
	if timeout > 0 {
		s.wg.Add(1)
		bs.timer = time.AfterFunc(timeout, func() {
			defer s.wg.Done()
			s.mu.Lock()
			defer s.mu.Unlock()
			if cl.blocked == bs {
				s.unblock(cl, bs.onTime)
			}
		})
	}
	cl.startPusher()
	return Reply{kind: kindBlocked}
}

// popOrBlock is the common body of the blocking pops: it serves the
// command at once from the first of the keys (argument indexes) that
// exists, answering WRONGTYPE when that key is not of kind; with none, it
// blocks on all of them, or inside MULTI answers notNow at once. A pop that
// times out gets a null array, as every blocked list or sorted-set command
// in Redis 7.0 (replyToBlockedClientTimedOut), BLMOVE too, whose notNow is
// a null.
func (c *Ctx) popOrBlock(keys []int, kind store.Kind, timeout time.Duration, notNow Reply, serve serveFunc) Reply {
	for _, i := range keys {
		o := c.DB.Get(c.key(i), c.Now)
		if o == nil {
			continue
		}
		if o.Kind != kind {
			return replyWrongType
		}
		r, _ := serve(c, c.key(i))
		return r
	}
	if !c.canBlock() {
		return notNow
	}
	return c.block(keys, timeout, replyNullArray, serve)
}

// unblock releases cl with reply r (pushed to its connection unless r is
// kindNone). The reply goes out once the writes so far (a served pop's
// among them) are as durable as appendfsync promises, as every reply
// does; the connection's pusher waits for that, outside the keyspace
// lock. Called with s.mu held.
func (s *Server) unblock(cl *client, r Reply) {
	bs := cl.blocked
	if bs == nil {
		return
	}
	s.forgetBlocked(cl)
	if r.kind != kindNone {
		cl.push(appendReply(nil, &r, cl.proto), aofMark{s.persist.aof, s.persist.aofSeq})
	}
	s.wake.Broadcast()
}

// forgetBlocked removes cl from the keys it is blocked on and stops its
// timer, without replying (a disconnect). Called with s.mu held.
func (s *Server) forgetBlocked(cl *client) {
	bs := cl.blocked
	if bs == nil {
		return
	}
	for _, wk := range bs.keys {
		list := s.blockers[wk]
		for i, other := range list {
			if other == cl {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(s.blockers, wk)
		} else {
			s.blockers[wk] = list
		}
	}
	if bs.timer != nil && bs.timer.Stop() {
		s.wg.Done()
	}
	cl.blocked = nil
}

// signalModified records that key in db changed: WATCHes on it fail, and
// clients blocked on it get a chance to be served. Called with s.mu held.
func (s *Server) signalModified(db int, key []byte) {
	s.touchWatched(db, key, false)
	s.signalReady(db, key)
	if len(s.tracking.keys) > 0 || len(s.tracking.prefixes) > 0 {
		s.trackingInvalidate(key, true)
	}
}

// signalReady gives the clients blocked on key in db a chance to be
// served. Called with s.mu held.
func (s *Server) signalReady(db int, key []byte) {
	if len(s.blockers) == 0 {
		return
	}
	wk := watchKey{db: db, key: bytesView(key)}
	if _, ok := s.blockers[wk]; !ok || s.readySet[wk] {
		return
	}
	wk.key = string(key)
	s.readySet[wk] = true
	s.readyKeys = append(s.readyKeys, wk)
}

// signalSwapped gives the clients blocked on a key of database a or b
// that holds a value after SWAPDB a chance to be served, as Redis's
// scanDatabaseForReadyKeys does. Called with s.mu held.
func (s *Server) signalSwapped(a, b int) {
	for wk := range s.blockers {
		if (wk.db == a || wk.db == b) && s.store.DB(wk.db).Stored(wk.key) != nil {
			s.signalReady(wk.db, []byte(wk.key))
		}
	}
}

// serveReadyKeys serves the clients blocked on keys that changed, in the
// order they blocked, for as long as their keys can serve them. Serving
// one client may make another key ready (BLMOVE pushes); the loop goes on
// until no key is ready. Each served client's effects are one unit.
// Called with s.mu held, after the request's own effects were flushed.
func (s *Server) serveReadyKeys(now time.Time) {
	for len(s.readyKeys) > 0 {
		keys := s.readyKeys
		s.readyKeys = nil
		clear(s.readySet)
		for _, wk := range keys {
			for _, cl := range append([]*client(nil), s.blockers[wk]...) {
				if cl.blocked == nil {
					continue
				}
				if !s.serveBlocked(cl, wk, now) {
					break
				}
			}
		}
	}
}

// serveBlocked tries to serve cl from key; it reports whether it did.
func (s *Server) serveBlocked(cl *client, wk watchKey, now time.Time) bool {
	bs := cl.blocked
	if s.snap != nil {
		s.snap.touch(wk.db, []byte(wk.key))
		for _, p := range bs.cmd.KeyPositions(bs.args) {
			s.snap.touch(wk.db, bs.args[p])
		}
	}
	ctx := s.acquireCtx()
	*ctx = Ctx{
		s: s, cl: cl, Cmd: bs.cmd, Args: bs.args, DB: s.store.DB(wk.db),
		Now: now.UnixMilli(), Rand: s.rng, effects: ctx.effects[:0],
	}
	var r Reply
	var ok bool
	written := append(s.writtenKeys(wk.db, bs.cmd, bs.args, nil), dbKey{wk.db, []byte(wk.key)})
	start := s.mono.Since()
	s.trackWrite(written, ctx.Now, func() { r, ok = bs.serve(ctx, wk.key) })
	if ok {
		s.latencyTrack(bs.cmd, max(s.mono.Since()-start, 0).Microseconds())
		s.dirty += int64(ctx.dirty)
		for _, e := range ctx.effects {
			s.queueEffect(wk.db, e)
		}
	}
	s.releaseCtx()
	if !ok {
		return false
	}
	s.flushEffects(true)
	s.unblock(cl, r)
	return true
}

// waitWhileBlocked holds a blocked client's next command until it is
// unblocked, as Redis leaves a blocked client's input unprocessed. Called
// with s.mu held.
func (s *Server) waitWhileBlocked(c *client) {
	for c.blocked != nil {
		select {
		case <-s.closed:
			return
		default:
		}
		s.wake.Wait()
	}
}

// blockedCount is INFO's blocked_clients. Called with s.mu held.
func (s *Server) blockedCount() (n, withTimeout int) {
	for _, c := range s.clients {
		if c.blocked != nil {
			n++
			if c.blocked.timer != nil {
				withTimeout++
			}
		}
	}
	return n, withTimeout
}
