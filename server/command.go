package server

import (
	"fmt"
	"sort"
	"strings"
)

// Flag is a command flag, as COMMAND INFO reports them.
type Flag uint32

// Command flags, in the order Redis 7.0 prints them.
const (
	FlagWrite Flag = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagModule
	FlagAdmin
	FlagPubSub
	FlagNoScript
	FlagBlocking
	FlagLoading
	FlagStale
	FlagSkipMonitor
	FlagSkipSlowlog
	FlagAsking
	FlagFast
	FlagNoAuth
	FlagMayReplicate
	FlagSentinel
	FlagOnlySentinel
	FlagNoMandatoryKeys
	FlagProtected
	FlagNoAsyncLoading
	FlagNoMulti
	FlagMovableKeys
	FlagAllowBusy
)

var flagNames = []string{
	"write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript",
	"blocking", "loading", "stale", "skip_monitor", "skip_slowlog", "asking",
	"fast", "no_auth", "may_replicate", "sentinel", "only_sentinel",
	"no_mandatory_keys", "protected", "no_async_loading", "no_multi",
	"movablekeys", "allow_busy",
}

// ACL is a set of ACL categories.
type ACL uint32

// ACL categories, in Redis's order.
const (
	ACLKeyspace ACL = 1 << iota
	ACLRead
	ACLWrite
	ACLSet
	ACLSortedSet
	ACLList
	ACLHash
	ACLString
	ACLBitmap
	ACLHyperLogLog
	ACLGeo
	ACLStream
	ACLPubSub
	ACLAdmin
	ACLFast
	ACLSlow
	ACLBlocking
	ACLDangerous
	ACLConnection
	ACLTransaction
	ACLScripting
)

var aclNames = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
	"blocking", "dangerous", "connection", "transaction", "scripting",
}

// Handler runs a command. It reads its arguments from c.Args, works on
// c.DB at time c.Now with randomness from c.Rand, and returns its reply.
type Handler func(c *Ctx) Reply

// Command describes one command or subcommand. The table of Commands is the
// only description of a command: dispatch, COMMAND, key extraction for
// cluster routing and WATCH, and effect propagation all read it.
type Command struct {
	Name  string // lower case; a subcommand's own name ("get" of "config")
	Arity int    // Redis arity: n = exactly n arguments, -n = at least n
	Flags Flag
	ACL   ACL // explicit categories; those implied by Flags are added by Categories

	// Key positions as COMMAND reports them (first, last, step); last may be
	// negative, counting from the end. Keys, when set, extracts the key
	// positions of a movablekeys command instead.
	FirstKey, LastKey, Step int
	Keys                    func(args [][]byte) []int

	// Member, for a command on one hash, set or sorted set, is the position
	// of the first field or member it names (HSET's field, SADD's first
	// member), or 0. It is a hint: the server prefetches that member of
	// a pipelined command's value with its key (see member).
	Member int

	// KeySpecs are Redis 7's key specifications, reported by COMMAND INFO
	// and read by cluster clients; Tips are its command tips.
	KeySpecs []KeySpec
	Tips     []string
	// KeyFlags, for a command whose key spec has variable_flags, gives the
	// actual flags of the key at position pos in args (COMMAND
	// GETKEYSANDFLAGS).
	KeyFlags func(args [][]byte, pos int) []string

	Handler Handler
	Sub     []*Command // subcommands of a container command (CONFIG, CLIENT, ...)

	// Documentation for COMMAND DOCS.
	Group, Since, Summary, Complexity string

	parent *Command
	subs   map[string]*Command
	stats  cmdStat // INFO commandstats; guarded by Server.mu
}

// KeySpec is one Redis 7 key specification: where the search for keys
// begins (an argument index, or after a keyword) and how keys are found
// from there (a range, or a count argument followed by the keys).
type KeySpec struct {
	Flags []string // "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", ...
	Notes string

	// begin_search: Index > 0, or Keyword searched from KeywordFrom (negative
	// counts from the end); with neither, the spec is of unknown kind.
	Index       int
	Keyword     string
	KeywordFrom int

	// find_keys: a range (LastKey, KeyStep, Limit), or with KeyNum set a
	// count at KeyNumIdx, keys starting at FirstKey, every KeyStep.
	KeyNum    bool
	LastKey   int
	KeyStep   int
	Limit     int
	KeyNumIdx int
	FirstKey  int
}

// unknown reports whether the spec is of unknown kind (neither an index
// nor a keyword to begin from), as Redis marks the keys of SORT's BY, GET
// and STORE: only Command.Keys finds them.
func (ks KeySpec) unknown() bool { return ks.Index == 0 && ks.Keyword == "" }

// flagList splits a space-separated list of key-spec flags.
func flagList(s string) []string { return strings.Fields(s) }

// FullName is the name Redis uses in errors and COMMAND: "get", "config|get".
func (c *Command) FullName() string {
	if c.parent != nil {
		return c.parent.Name + "|" + c.Name
	}
	return c.Name
}

// Categories returns the ACL categories, explicit and implied by the flags,
// as Redis 7.0 derives them.
func (c *Command) Categories() ACL {
	a := c.ACL
	if c.Flags&FlagWrite != 0 {
		a |= ACLWrite
	}
	if c.Flags&FlagReadonly != 0 && a&ACLScripting == 0 {
		a |= ACLRead
	}
	if c.Flags&FlagAdmin != 0 {
		a |= ACLAdmin | ACLDangerous
	}
	if c.Flags&FlagPubSub != 0 {
		a |= ACLPubSub
	}
	if c.Flags&FlagFast != 0 {
		a |= ACLFast
	}
	if c.Flags&FlagBlocking != 0 {
		a |= ACLBlocking
	}
	if a&ACLFast == 0 {
		a |= ACLSlow
	}
	return a
}

// FlagNames lists the flag names in Redis's order, as COMMAND INFO shows
// them: the sentinel and protected flags are internal and not shown.
func (c *Command) FlagNames() []string {
	hidden := FlagSentinel | FlagOnlySentinel | FlagProtected
	var out []string
	for i, n := range flagNames {
		if f := Flag(1 << i); c.Flags&f != 0 && hidden&f == 0 {
			out = append(out, n)
		}
	}
	return out
}

// CategoryNames lists the ACL categories as "@name".
func (c *Command) CategoryNames() []string {
	a := c.Categories()
	var out []string
	for i, n := range aclNames {
		if a&(1<<i) != 0 {
			out = append(out, "@"+n)
		}
	}
	return out
}

// arityOK reports whether n arguments (command name included) fit the arity.
func (c *Command) arityOK(n int) bool {
	if c.Arity >= 0 {
		return n == c.Arity
	}
	return n >= -c.Arity
}

// KeyPositions returns the indexes of the key arguments of args, using the
// table's key description.
func (c *Command) KeyPositions(args [][]byte) []int { return c.appendKeyPositions(nil, args) }

// appendKeyPositions appends the key positions of args to pos, without an
// allocation when pos has room (the per-command paths: routing, memory
// accounting).
func (c *Command) appendKeyPositions(pos []int, args [][]byte) []int {
	if c.Keys != nil {
		return append(pos, c.Keys(args)...)
	}
	if c.FirstKey <= 0 || c.FirstKey >= len(args) {
		return pos
	}
	last := c.LastKey
	if last < 0 {
		last = len(args) + last
	}
	if last >= len(args) {
		last = len(args) - 1
	}
	step := c.Step
	if step <= 0 {
		step = 1
	}
	for i := c.FirstKey; i <= last; i += step {
		pos = append(pos, i)
	}
	return pos
}

// commandTable is the set of commands a server knows, under the names
// clients call them by (rename-command may change those).
type commandTable struct {
	cmds map[string]*Command
}

// newCommandTable builds the table from the families and applies
// rename-command: a command renamed to "" is no longer callable.
func newCommandTable(renames map[string]string, families ...[]*Command) (*commandTable, error) {
	t := &commandTable{cmds: make(map[string]*Command)}
	for _, fam := range families {
		for _, c := range fam {
			if _, dup := t.cmds[c.Name]; dup {
				return nil, fmt.Errorf("server: command %s defined twice", c.Name)
			}
			if len(c.Sub) > 0 {
				c.subs = make(map[string]*Command, len(c.Sub))
				for _, s := range c.Sub {
					s.parent = c
					c.subs[s.Name] = s
				}
			}
			t.cmds[c.Name] = c
		}
	}
	for from, to := range renames {
		c, ok := t.cmds[strings.ToLower(from)]
		if !ok {
			return nil, fmt.Errorf("server: no such command %q to rename", from)
		}
		delete(t.cmds, c.Name)
		if to != "" {
			t.cmds[strings.ToLower(to)] = c
		}
	}
	return t, nil
}

// member sets c.Member to pos, for the command families' tables. ZADD's
// member follows its options and score; 3 is right for the usual ZADD key
// score member, and a wrong guess only prefetches what is not needed.
func member(pos int, c *Command) *Command {
	c.Member = pos
	return c
}

// get looks a command up by name, ignoring case, without allocating for
// names up to 32 bytes.
func (t *commandTable) get(name []byte) *Command {
	return lookupLower(t.cmds, name)
}

// lastCommand remembers the command a connection named last, by its name
// as sent (case and all), so that a run of the same command, as in a
// pipeline or from a client that sends one kind, skips hashing the name.
// The table does not change once the server runs, so what a name resolved
// to stays right.
type lastCommand struct {
	n    uint8
	name [15]byte
	cmd  *Command
}

// get is t.get(name), answered from l when name is the one l holds.
func (l *lastCommand) get(t *commandTable, name []byte) *Command {
	if len(name) == int(l.n) && string(name) == string(l.name[:l.n]) {
		return l.cmd
	}
	cmd := t.get(name)
	if cmd != nil && len(name) <= len(l.name) {
		l.n = uint8(copy(l.name[:], name))
		l.cmd = cmd
	}
	return cmd
}

// sub looks a subcommand of c up, ignoring case.
func (c *Command) sub(name []byte) *Command {
	return lookupLower(c.subs, name)
}

func lookupLower(m map[string]*Command, name []byte) *Command {
	var buf [32]byte
	if len(name) <= len(buf) {
		lower := buf[:len(name)]
		for i, ch := range name {
			if ch >= 'A' && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			lower[i] = ch
		}
		return m[string(lower)]
	}
	return m[strings.ToLower(string(name))]
}

// all returns every command: the top-level ones sorted by name, each
// followed by its subcommands in the order its table lists them.
func (t *commandTable) all() []*Command {
	var out []*Command
	for _, c := range t.sorted() {
		out = append(out, c)
		out = append(out, c.Sub...)
	}
	return out
}

// sorted returns every top-level command sorted by name.
func (t *commandTable) sorted() []*Command {
	out := make([]*Command, 0, len(t.cmds))
	for _, c := range t.cmds {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
