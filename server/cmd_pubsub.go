package server

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/redcon"

	"quordis/conf"
)

// Pub/sub, as Redis 7.0's pubsub.c: channels, patterns and shard channels.
//
// A subscriber's messages travel as other clients' output to it does
// (client.push): the publisher queues them under s.mu and the subscriber's
// pusher writes them. While a client has a subscription, its own replies
// take the same way (turn moves them to the push buffer as each command
// ends), so that everything it receives comes out in the order the server
// produced it, as from Redis's one output buffer per client: a message
// published after a subscriber's SUBSCRIBE or GET ran follows that reply.

// subKind is one of the three kinds of subscription.
type subKind uint8

const (
	subChannel subKind = iota // SUBSCRIBE
	subPattern                // PSUBSCRIBE
	subShard                  // SSUBSCRIBE
)

// Reply names of each kind: the subscribe and unsubscribe confirmations
// (the commands' names too) and the message type.
var subNames = [...]struct{ sub, unsub, message string }{
	subChannel: {"subscribe", "unsubscribe", "message"},
	subPattern: {"psubscribe", "punsubscribe", "pmessage"},
	subShard:   {"ssubscribe", "sunsubscribe", "smessage"},
}

// pubsubState is the server's side of the subscriptions: for each kind,
// the clients subscribed to each channel or pattern. Guarded by s.mu.
type pubsubState [3]map[string]map[*client]struct{}

// clientSubs is a client's side: the channels or patterns of each kind it
// is subscribed to. Guarded by s.mu.
type clientSubs [3]map[string]struct{}

// count is what a confirmation reports: channels and patterns together,
// or shard channels alone (Redis's clientSubscriptionsCount and
// clientShardSubscriptionsCount).
func (cs *clientSubs) count(k subKind) int {
	if k == subShard {
		return len(cs[subShard])
	}
	return len(cs[subChannel]) + len(cs[subPattern])
}

// total is every subscription of the client.
func (cs *clientSubs) total() int {
	return len(cs[subChannel]) + len(cs[subPattern]) + len(cs[subShard])
}

// pubsubCommands are SUBSCRIBE, PUBLISH, PUBSUB and the rest of pub/sub.
func pubsubCommands() []*Command {
	ps := FlagPubSub | FlagLoading | FlagStale
	sub := ps | FlagNoScript
	shardSpec := KeySpec{Flags: flagList("not_key"), Index: 1, LastKey: -1, KeyStep: 1}
	pubSpec := KeySpec{Flags: flagList("not_key"), Index: 1, LastKey: 0, KeyStep: 1}
	doc := func(c *Command, since, summary, complexity string) *Command {
		c.Group, c.Since, c.Summary, c.Complexity = "pubsub", since, summary, complexity
		return c
	}
	subcmd := func(name string, arity int, flags Flag, summary string, h Handler) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, Group: "pubsub", Since: "2.8.0",
			Summary: summary, Complexity: "O(N)", Handler: h}
	}
	help := helpCommand("6.2.0", "pubsub",
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	)
	shardChannels := subcmd("shardchannels", -2, ps, "Lists the active shard channels",
		func(c *Ctx) Reply { return c.s.channelList(c, subShard) })
	shardChannels.Since = "7.0.0"
	shardNumsub := subcmd("shardnumsub", -2, ps, "Returns the count of subscribers of shard channels",
		func(c *Ctx) Reply { return c.s.numsub(c, subShard) })
	shardNumsub.Since = "7.0.0"
	// pair is the subscribing and unsubscribing commands of kind k:
	// SUBSCRIBE channel [channel ...] and UNSUBSCRIBE [channel ...], and
	// the pattern and shard forms.
	pair := func(k subKind, since string, docs ...string) []*Command {
		subscribe := doc(&Command{Name: subNames[k].sub, Arity: -2, Flags: sub,
			Handler: func(c *Ctx) Reply { return c.s.subscribe(c, k) }}, since, docs[0], docs[1])
		unsubscribe := doc(&Command{Name: subNames[k].unsub, Arity: -1, Flags: sub,
			Handler: func(c *Ctx) Reply { return c.s.unsubscribe(c, k) }}, since, docs[2], docs[3])
		if k == subShard {
			for _, c := range []*Command{subscribe, unsubscribe} {
				c.FirstKey, c.LastKey, c.Step, c.KeySpecs = 1, -1, 1, []KeySpec{shardSpec}
			}
		}
		return []*Command{subscribe, unsubscribe}
	}
	cmds := slices.Concat(
		pair(subChannel, "2.0.0",
			"Listens for messages published to channels", "O(N) where N is the number of channels to subscribe to.",
			"Stops listening to messages posted to channels", "O(N) where N is the number of clients already subscribed to a channel."),
		pair(subPattern, "2.0.0",
			"Listens for messages published to channels that match one or more patterns", "O(N) where N is the number of patterns to subscribe to.",
			"Stops listening to messages published to channels that match one or more patterns", "O(N) where N is the number of patterns to unsubscribe."),
		pair(subShard, "7.0.0",
			"Listens for messages published to shard channels", "O(N) where N is the number of shard channels to subscribe to.",
			"Stops listening to messages posted to shard channels", "O(N) where N is the number of clients already subscribed to a shard channel."),
	)
	return append(cmds,
		// PUBLISH channel message
		doc(&Command{Name: "publish", Arity: 3, Flags: ps | FlagFast,
			Handler: func(c *Ctx) Reply { return Int(int64(c.s.publish(c.Args[1], c.Args[2], false, true))) }},
			"2.0.0", "Posts a message to a channel", "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."),
		// SPUBLISH shardchannel message
		doc(&Command{Name: "spublish", Arity: 3, Flags: ps | FlagFast,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{pubSpec},
			Handler: func(c *Ctx) Reply { return Int(int64(c.s.publish(c.Args[1], c.Args[2], true, true))) }},
			"7.0.0", "Post a message to a shard channel", "O(N) where N is the number of clients subscribed to the receiving shard channel."),
		&Command{
			Name: "pubsub", Arity: -2, Group: "pubsub", Since: "2.8.0",
			Summary: "A container for Pub/Sub commands",
			Sub: []*Command{
				help,
				// PUBSUB CHANNELS [pattern]
				subcmd("channels", -2, ps, "Returns the active channels",
					func(c *Ctx) Reply { return c.s.channelList(c, subChannel) }),
				// PUBSUB NUMPAT
				subcmd("numpat", 2, ps, "Returns a count of unique pattern subscriptions",
					func(c *Ctx) Reply { return Int(int64(len(c.s.pubsub[subPattern]))) }),
				// PUBSUB NUMSUB [channel ...]
				subcmd("numsub", -2, ps, "Returns a count of subscribers to channels",
					func(c *Ctx) Reply { return c.s.numsub(c, subChannel) }),
				shardChannels,
				shardNumsub,
			},
		},
	)
}

// subscribe is SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE: one confirmation per
// argument, an argument already subscribed to included.
func (s *Server) subscribe(c *Ctx, k subKind) Reply {
	// Inside EXEC a client may not block, and SSUBSCRIBE counts as
	// blocking; SUBSCRIBE and PSUBSCRIBE are let through, as Redis does
	// for backward compatibility.
	if k == subShard && s.inExec {
		return Err("ERR " + strings.ToUpper(subNames[k].sub) + " isn't allowed for a DENY BLOCKING client")
	}
	cl := c.cl
	if cl.subs == nil {
		cl.subs = &clientSubs{}
	}
	var b []byte
	for _, a := range c.Args[1:] {
		name := string(a)
		if _, ok := cl.subs[k][name]; !ok {
			if cl.subs[k] == nil {
				cl.subs[k] = make(map[string]struct{})
			}
			cl.subs[k][name] = struct{}{}
			if s.pubsub[k] == nil {
				s.pubsub[k] = make(map[string]map[*client]struct{})
			}
			set := s.pubsub[k][name]
			if set == nil {
				set = make(map[*client]struct{})
				s.pubsub[k][name] = set
			}
			set[cl] = struct{}{}
		}
		b = appendSubReply(b, cl.proto, subNames[k].sub, a, cl.subs.count(k))
	}
	cl.flags |= flagPubSub
	cl.pubsubClass.Store(true)
	cl.startPusher()
	return Pushed(b)
}

// unsubscribe is UNSUBSCRIBE, PUNSUBSCRIBE and SUNSUBSCRIBE: one
// confirmation per argument, or without arguments one per subscription of
// the kind (in byte order; Redis's follows its hash table), or a single
// one with a null channel when there is none.
func (s *Server) unsubscribe(c *Ctx, k subKind) Reply {
	cl := c.cl
	var b []byte
	names := c.Args[1:]
	if len(names) == 0 && cl.subs != nil {
		// A new slice: c.Args's array may hold the next commands' arguments.
		names = nil
		for _, name := range sortedNames(cl.subs[k]) {
			names = append(names, []byte(name))
		}
	}
	for _, a := range names {
		s.unsubscribeOne(cl, k, string(a))
		b = appendSubReply(b, cl.proto, subNames[k].unsub, a, cl.subCount(k))
	}
	if len(names) == 0 {
		b = appendSubReply(b, cl.proto, subNames[k].unsub, nil, cl.subCount(k))
	}
	if cl.subs == nil || cl.subs.total() == 0 {
		cl.leavePubSub()
	}
	return Pushed(b)
}

// subCount is the count a confirmation of kind k reports for c.
func (c *client) subCount(k subKind) int {
	if c.subs == nil {
		return 0
	}
	return c.subs.count(k)
}

// leavePubSub clears the pub/sub state of a client that has no
// subscription left. Called with s.mu held.
func (c *client) leavePubSub() {
	c.subs = nil
	c.flags &^= flagPubSub
	c.pubsubClass.Store(false)
}

// unsubscribeOne removes c's subscription to name, if it has one.
func (s *Server) unsubscribeOne(c *client, k subKind, name string) {
	if c.subs == nil {
		return
	}
	if _, ok := c.subs[k][name]; !ok {
		return
	}
	delete(c.subs[k], name)
	set := s.pubsub[k][name]
	delete(set, c)
	if len(set) == 0 {
		delete(s.pubsub[k], name)
	}
}

// unsubscribeAll drops every subscription of c without confirmations, as
// a closing connection and RESET do. Called with s.mu held.
func (s *Server) unsubscribeAll(c *client) {
	if c.subs == nil {
		return
	}
	for k := range c.subs {
		for name := range c.subs[k] {
			s.unsubscribeOne(c, subKind(k), name)
		}
	}
	c.leavePubSub()
}

// publish delivers message to the subscribers of channel (and, unless
// shard, to those of every matching pattern) and returns how many
// received it. local is false for a message another cluster node
// forwarded: it is not forwarded again. Called with s.mu held.
func (s *Server) publish(channel, message []byte, shard, local bool) int {
	k := subChannel
	if shard {
		k = subShard
	}
	if local && s.cluster != nil {
		s.cluster.forwardPublish(channel, message, shard)
	}
	n := 0
	var frames [4][]byte // by protocol (2 or 3)
	for cl := range s.pubsub[k][string(channel)] {
		if frames[cl.proto] == nil {
			frames[cl.proto] = appendMessage(nil, cl.proto, subNames[k].message, nil, channel, message)
		}
		cl.push(frames[cl.proto], aofMark{})
		n++
	}
	if shard || len(s.pubsub[subPattern]) == 0 {
		return n
	}
	ch := bytesView(channel)
	for pattern, set := range s.pubsub[subPattern] {
		if !conf.Match(pattern, ch, false) {
			continue
		}
		var frames [4][]byte
		for cl := range set {
			if frames[cl.proto] == nil {
				frames[cl.proto] = appendMessage(nil, cl.proto, "pmessage", []byte(pattern), channel, message)
			}
			cl.push(frames[cl.proto], aofMark{})
			n++
		}
	}
	return n
}

// channelList is PUBSUB CHANNELS and SHARDCHANNELS: the channels with a
// subscriber, matching the pattern if one is given.
func (s *Server) channelList(c *Ctx, k subKind) Reply {
	if len(c.Args) > 3 {
		return subcommandSyntax(c)
	}
	out := []string{}
	for name := range s.pubsub[k] {
		if len(c.Args) == 2 || conf.Match(string(c.Args[2]), name, false) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return Strings(out)
}

// numsub is PUBSUB NUMSUB and SHARDNUMSUB: each channel named, with its
// number of subscribers (patterns left out).
func (s *Server) numsub(c *Ctx, k subKind) Reply {
	out := make([]Reply, 0, 2*(len(c.Args)-2))
	for _, a := range c.Args[2:] {
		out = append(out, Bulk(a), Int(int64(len(s.pubsub[k][string(a)]))))
	}
	return Array(out...)
}

// pubsubPing is PING's reply to a RESP2 client with subscriptions: an
// array of "pong" and the argument (empty without one), which a
// subscriber's client library can tell from a message.
func pubsubPing(c *Ctx) Reply {
	arg := []byte{}
	if len(c.Args) == 2 {
		arg = c.Args[1]
	}
	return Array(BulkString("pong"), Bulk(arg))
}

// allowedInPubSub reports whether a RESP2 client with subscriptions may
// run cmd: only the (un)subscribing commands, PING, QUIT and RESET.
func allowedInPubSub(cmd *Command) bool {
	switch cmd.Name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe",
		"ping", "quit", "reset":
		return cmd.parent == nil
	}
	return false
}

// msgPubSubContext is Redis's refusal of any other command.
func msgPubSubContext(cmd *Command) string {
	return "ERR Can't execute '" + cmd.FullName() +
		"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
}

// appendSubReply appends a (un)subscribe confirmation: an array (RESP2) or
// push (RESP3) of the kind, the channel (null: none) and the count.
func appendSubReply(b []byte, proto int, kind string, channel []byte, count int) []byte {
	b = appendPushHeader(b, proto, 3)
	b = redcon.AppendBulk(b, []byte(kind))
	if channel == nil {
		if proto == 3 {
			b = append(b, "_\r\n"...)
		} else {
			b = append(b, "$-1\r\n"...)
		}
	} else {
		b = redcon.AppendBulk(b, channel)
	}
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(count), 10)
	return append(b, '\r', '\n')
}

// appendMessage appends a message of the kind (message, pmessage,
// smessage); pattern is nil except for pmessage.
func appendMessage(b []byte, proto int, kind string, pattern, channel, message []byte) []byte {
	n := 3
	if pattern != nil {
		n = 4
	}
	b = appendPushHeader(b, proto, n)
	b = redcon.AppendBulk(b, []byte(kind))
	if pattern != nil {
		b = redcon.AppendBulk(b, pattern)
	}
	b = redcon.AppendBulk(b, channel)
	return redcon.AppendBulk(b, message)
}

func appendPushHeader(b []byte, proto, n int) []byte {
	if proto == 3 {
		return appendHeader(b, '>', n)
	}
	return appendHeader(b, '*', n)
}

// sortedNames returns the keys of m in byte order.
func sortedNames(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for name := range m {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// pubsubCounts renders a client's sub, psub and ssub for CLIENT LIST.
func pubsubCounts(c *client) (sub, psub, ssub string) {
	if c.subs == nil {
		return "0", "0", "0"
	}
	itoa := func(n int) string { return strconv.Itoa(n) }
	return itoa(len(c.subs[subChannel])), itoa(len(c.subs[subPattern])), itoa(len(c.subs[subShard]))
}
