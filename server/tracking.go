package server

import (
	"slices"
	"strconv"
	"strings"
)

// Client-side caching (CLIENT TRACKING), as Redis 7.0's tracking.c does
// it. In the default mode the server remembers, per key, the clients
// that read it while tracking, and when the key changes (signalModified,
// expiry, eviction) sends each an "invalidate" message naming it, then
// forgets them: one message per read. In BCAST mode a client names key
// prefixes instead, and after each command the keys changed under each
// prefix go to its clients in one message. Messages are RESP3 pushes, or,
// for a client that redirects them to another connection, a pub/sub
// message on __redis__:invalidate when that connection speaks RESP2 and
// is subscribed. A flush invalidates everything with a null. The table
// holds at most tracking-table-max-keys keys: past that, keys are
// invalidated to make room. Guarded by s.mu.

// trackingChannel is the channel a RESP2 redirection target receives
// invalidations on.
const trackingChannel = "__redis__:invalidate"

// trackingOpts is a client's CLIENT TRACKING state.
type trackingOpts struct {
	on, bcast, optin, optout, noloop bool
	// caching is CLIENT CACHING's choice for the next command: YES in
	// OPTIN mode, NO in OPTOUT mode.
	caching     bool
	brokenRedir bool // the redirection target went away
	redirect    uint64
	prefixes    []string // BCAST prefixes, in byte order
}

// trackingState is the server's side of tracking.
type trackingState struct {
	keys     map[string]map[uint64]struct{} // key -> the IDs of the clients that read it
	items    int                            // entries of keys' sets, in all
	prefixes map[string]*bcastPrefix
	clients  int // clients with tracking on
	// cur is the client whose command runs: its own invalidations follow
	// its reply (pending) rather than go before it.
	cur     *client
	pending []pendingInvalidation
	// evicting is set while keys are invalidated for the table's limit,
	// which NOLOOP does not skip: no client changed them.
	evicting bool
}

// bcastPrefix is a BCAST prefix: its clients and the keys under it that
// changed since the last broadcast, with the client that changed each.
type bcastPrefix struct {
	clients map[*client]struct{}
	changed map[string]*client
}

// pendingInvalidation is an invalidation for the client whose command
// runs, sent after its reply; a nil key is a flush's.
type pendingInvalidation struct {
	c   *client
	key []byte
}

// active reports whether tracking has work after a command.
func (t *trackingState) active() bool {
	return t.clients > 0 || len(t.pending) > 0 || len(t.keys) > 0
}

// enableTracking turns tracking on for c (CLIENT TRACKING ON), keeping the
// prefixes it had, as Redis does. Called with s.mu held.
func (s *Server) enableTracking(c *client, opts trackingOpts, prefixes []string) {
	t := &s.tracking
	if c.track == nil {
		c.track = &trackingOpts{}
	}
	tr := c.track
	if !tr.on {
		t.clients++
	}
	kept := tr.prefixes
	*tr = opts
	tr.on, tr.prefixes = true, kept
	if opts.bcast {
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		for _, p := range prefixes {
			s.addBcastPrefix(c, p)
		}
	}
	c.startPusher()
}

// addBcastPrefix registers c for the keys under prefix.
func (s *Server) addBcastPrefix(c *client, prefix string) {
	t := &s.tracking
	if t.prefixes == nil {
		t.prefixes = map[string]*bcastPrefix{}
	}
	bp := t.prefixes[prefix]
	if bp == nil {
		bp = &bcastPrefix{clients: map[*client]struct{}{}, changed: map[string]*client{}}
		t.prefixes[prefix] = bp
	}
	bp.clients[c] = struct{}{}
	if i, found := slices.BinarySearch(c.track.prefixes, prefix); !found {
		c.track.prefixes = slices.Insert(c.track.prefixes, i, prefix)
	}
}

// disableTracking turns tracking off for c (CLIENT TRACKING OFF, RESET,
// and when it disconnects). The keys it read stay in the table until they
// change, when it is skipped. Called with s.mu held.
func (s *Server) disableTracking(c *client) {
	tr := c.track
	if tr == nil || !tr.on {
		return
	}
	t := &s.tracking
	for _, p := range tr.prefixes {
		if bp := t.prefixes[p]; bp != nil {
			delete(bp.clients, c)
			if len(bp.clients) == 0 {
				delete(t.prefixes, p)
			}
		}
	}
	*tr = trackingOpts{}
	t.clients--
}

// prefixOverlap returns Redis's error when one of prefixes is a prefix of
// another or of one c already has, or "".
func prefixOverlap(c *client, prefixes []string) string {
	overlap := func(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }
	for i, p := range prefixes {
		if c.track != nil {
			for _, old := range c.track.prefixes {
				if overlap(p, old) {
					return "ERR Prefix '" + p + "' overlaps with an existing prefix '" + old +
						"'. Prefixes for a single client must not overlap."
				}
			}
		}
		for j, q := range prefixes {
			if i != j && overlap(p, q) {
				return "ERR Prefix '" + p + "' overlaps with another provided prefix '" + q +
					"'. Prefixes for a single client must not overlap."
			}
		}
	}
	return ""
}

// trackingRemember records that caller read the keys of cmd (a read-only
// command it, or a script it runs, ran), as its tracking mode allows.
// Called with s.mu held.
func (s *Server) trackingRemember(caller *client, cmd *Command, args [][]byte) {
	tr := caller.track
	if tr == nil || !tr.on || tr.bcast || tr.optin && !tr.caching || tr.optout && tr.caching {
		return
	}
	t := &s.tracking
	if t.keys == nil {
		t.keys = map[string]map[uint64]struct{}{}
	}
	var pbuf [16]int
	for _, p := range cmd.appendKeyPositions(pbuf[:0], args) {
		ids := t.keys[string(args[p])]
		if ids == nil {
			ids = map[uint64]struct{}{}
			t.keys[string(args[p])] = ids
		}
		if _, ok := ids[caller.id]; !ok {
			ids[caller.id] = struct{}{}
			t.items++
		}
	}
}

// trackingInvalidate sends the invalidation of key to the clients that
// read it, and records it for the BCAST prefixes it falls under (bcast).
// Called with s.mu held.
func (s *Server) trackingInvalidate(key []byte, bcast bool) {
	t := &s.tracking
	if bcast && len(t.prefixes) > 0 {
		for p, bp := range t.prefixes {
			if strings.HasPrefix(bytesView(key), p) {
				bp.changed[string(key)] = t.cur
			}
		}
	}
	ids, ok := t.keys[bytesView(key)]
	if !ok {
		return
	}
	delete(t.keys, bytesView(key))
	t.items -= len(ids)
	for id := range ids {
		c := s.clients[id]
		if c == nil || c.track == nil || !c.track.on || c.track.bcast {
			continue
		}
		if c.track.noloop && c == t.cur && !t.evicting {
			continue
		}
		if c == t.cur {
			t.pending = append(t.pending, pendingInvalidation{c: c, key: slices.Clone(key)})
			continue
		}
		s.sendInvalidation(c, appendKeysArray(nil, [][]byte{key}), nil)
	}
}

// trackingFlush invalidates everything, as FLUSHDB and FLUSHALL do:
// every tracking client gets a null, and the table empties. Called with
// s.mu held.
func (s *Server) trackingFlush() {
	t := &s.tracking
	if t.clients > 0 {
		for _, c := range s.clients {
			if c.track == nil || !c.track.on {
				continue
			}
			if c == t.cur {
				t.pending = append(t.pending, pendingInvalidation{c: c})
				continue
			}
			s.sendInvalidation(c, nullFor(c), nil)
		}
	}
	t.keys, t.items = nil, 0
}

// nullFor is the null a flush invalidates with: in the tracking client's
// protocol, as Redis writes it.
func nullFor(c *client) []byte {
	if c.proto == 3 {
		return []byte("_\r\n")
	}
	return []byte("$-1\r\n")
}

// appendKeysArray appends keys as a RESP array of bulk strings.
func appendKeysArray(b []byte, keys [][]byte) []byte {
	b = appendHeader(b, '*', len(keys))
	for _, k := range keys {
		b = appendHeader(b, '$', len(k))
		b = append(append(b, k...), '\r', '\n')
	}
	return b
}

// sendInvalidation sends the invalidation whose value (the keys, or a
// null) is body for tracking client c: to the client c redirects to, or
// to c itself. When the target is cur (the client whose command just ran,
// out its reply buffer) it is appended to *out; other targets get it
// pushed. Called with s.mu held.
func (s *Server) sendInvalidation(c *client, body []byte, out *[]byte) {
	target, redirected := c, false
	if c.track.redirect != 0 {
		target = s.clients[c.track.redirect]
		if target == nil {
			// Said each time, as Redis does.
			c.track.brokenRedir = true
			if c.proto == 3 {
				msg := []byte(">2\r\n$21\r\ntracking-redir-broken\r\n:" + strconv.FormatUint(c.track.redirect, 10) + "\r\n")
				s.deliverTracking(c, msg, out)
			}
			return
		}
		redirected = true
	}
	var msg []byte
	switch {
	case target.proto == 3:
		msg = append([]byte(">2\r\n$10\r\ninvalidate\r\n"), body...)
	case redirected && target.flags&flagPubSub != 0:
		msg = append([]byte("*3\r\n$7\r\nmessage\r\n$20\r\n"+trackingChannel+"\r\n"), body...)
	default:
		return // RESP2 has no way to tell c on its own connection
	}
	s.deliverTracking(target, msg, out)
}

// deliverTracking puts msg in target's output: after the reply in out
// when target is the client whose command ran, pushed otherwise.
func (s *Server) deliverTracking(target *client, msg []byte, out *[]byte) {
	if out != nil && target == s.tracking.cur {
		*out = append(*out, msg...)
		return
	}
	target.push(msg, aofMark{})
}

// trackingAfter finishes tracking's work for the command c ran (cmd, nil
// when unknown), whose reply ends out: the invalidations for c itself, the BCAST broadcasts, the
// table's size limit, and the end of CLIENT CACHING's choice. Called with
// s.mu held.
func (s *Server) trackingAfter(c *client, cmd *Command, out []byte) []byte {
	t := &s.tracking
	// Keys evicted to keep the table within its limit that c read are
	// among its pending invalidations, after its reply.
	s.trackingLimit()
	for _, p := range t.pending {
		if p.c.track == nil || !p.c.track.on {
			continue
		}
		if p.key == nil {
			s.sendInvalidation(p.c, nullFor(p.c), &out)
		} else {
			s.sendInvalidation(p.c, appendKeysArray(nil, [][]byte{p.key}), &out)
		}
	}
	clear(t.pending)
	t.pending = t.pending[:0]
	s.trackingBroadcast(&out)
	t.cur = nil
	// CLIENT CACHING's choice holds for the next command (and through a
	// transaction); any CLIENT subcommand leaves it, as in Redis.
	if c.track != nil && c.flags&flagMulti == 0 && (cmd == nil || cmd.Name != "client") {
		c.track.caching = false
	}
	return out
}

// trackingBroadcast sends each BCAST prefix's changed keys, prefix by
// prefix and key by key in byte order (Redis's radix trees' order), to
// its clients (without the keys a NOLOOP client changed itself).
func (s *Server) trackingBroadcast(out *[]byte) {
	var names []string
	for p, bp := range s.tracking.prefixes {
		if len(bp.changed) > 0 {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	for _, p := range names {
		bp := s.tracking.prefixes[p]
		keys := make([]string, 0, len(bp.changed))
		for k := range bp.changed {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for c := range bp.clients {
			var send [][]byte
			for _, k := range keys {
				if c.track.noloop && bp.changed[k] == c {
					continue
				}
				send = append(send, []byte(k))
			}
			if len(send) > 0 {
				s.sendInvalidation(c, appendKeysArray(nil, send), out)
			}
		}
		clear(bp.changed)
	}
}

// trackingLimitEffort is how many keys one command's tracking work may
// invalidate to bring the table under tracking-table-max-keys.
const trackingLimitEffort = 100

// trackingLimit invalidates keys while the table holds more than
// tracking-table-max-keys (0: no limit), as Redis's
// trackingLimitUsedSlots, a bounded number at a time.
func (s *Server) trackingLimit() {
	limit := s.config().TrackingTableMaxKeys
	t := &s.tracking
	t.evicting = true
	defer func() { t.evicting = false }()
	for effort := trackingLimitEffort; limit > 0 && int64(len(t.keys)) > limit && effort > 0; effort-- {
		for k := range t.keys {
			s.trackingInvalidate([]byte(k), false)
			break
		}
	}
}
