package server

import (
	"bufio"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// respNode is a parsed RESP2 value, for comparing COMMAND INFO entries.
type respNode struct {
	line  string // the header line, or the whole simple value
	elems []respNode
}

// parseRESP parses one RESP2 value from s and returns it with the rest.
func parseRESP(t *testing.T, s string) (respNode, string) {
	t.Helper()
	i := strings.Index(s, "\r\n")
	require.GreaterOrEqual(t, i, 0, "truncated RESP: %q", s)
	line, rest := s[:i], s[i+2:]
	switch line[0] {
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return respNode{line: line}, rest
		}
		return respNode{line: "$" + rest[:n]}, rest[n+2:]
	case '*':
		n, _ := strconv.Atoi(line[1:])
		node := respNode{line: line}
		for k := 0; k < n; k++ {
			var e respNode
			e, rest = parseRESP(t, rest)
			node.elems = append(node.elems, e)
		}
		return node, rest
	}
	return respNode{line: line}, rest
}

func (n respNode) String() string {
	if len(n.elems) == 0 {
		return n.line
	}
	parts := make([]string, len(n.elems))
	for i, e := range n.elems {
		parts[i] = e.String()
	}
	return n.line + "[" + strings.Join(parts, " ") + "]"
}

// normalizeInfo sorts the subcommands of a COMMAND INFO entry, whose order
// in Redis is a hash table's.
func normalizeInfo(n respNode) string {
	if len(n.elems) == 10 {
		subs := n.elems[9].elems
		keys := make([]string, len(subs))
		for i, s := range subs {
			keys[i] = normalizeInfo(s)
		}
		sort.Strings(keys)
		head := n
		head.elems = append([]respNode(nil), n.elems[:9]...)
		return head.String() + " subcommands{" + strings.Join(keys, " ") + "}"
	}
	return n.String()
}

// redisCommandInfo reads the COMMAND INFO fixture recorded from
// redis-server 7.0.15.
func redisCommandInfo(t *testing.T) map[string]string {
	f, err := os.Open("testdata/command-info-7.0.15.txt")
	require.NoError(t, err)
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, raw, ok := strings.Cut(line, "\t")
		require.True(t, ok)
		raw = strings.NewReplacer(`\r`, "\r", `\n`, "\n", `\\`, `\`).Replace(raw)
		out[name] = raw
	}
	require.NoError(t, sc.Err())
	return out
}

// TestCommandTableMatchesRedis checks, for every command in the table, that
// COMMAND INFO (arity, flags, key positions, ACL categories, tips, key
// specs, subcommands) is what Redis 7.0.15 reports. Commands that Redis 7.0
// does not have (CLIENT SETINFO and CLUSTER MYSHARDID, from 7.2) are listed
// explicitly.
func TestCommandTableMatchesRedis(t *testing.T) {
	want := redisCommandInfo(t)
	table, err := newCommandTable(nil, families()...)
	require.NoError(t, err)
	newer := map[string]bool{"client|setinfo": true, "cluster|myshardid": true}
	for _, cmd := range table.sorted() {
		t.Run(cmd.Name, func(t *testing.T) {
			raw, ok := want[cmd.Name]
			require.True(t, ok, "Redis 7.0.15 has no command %q", cmd.Name)
			wantNode, rest := parseRESP(t, raw)
			require.Empty(t, rest)
			wantEntry := wantNode.elems[0]

			r := describeCommand(cmd)
			gotNode, rest := parseRESP(t, string(appendReply(nil, &r, 2)))
			require.Empty(t, rest)

			// Subcommands Redis has but the table lacks are allowed (they
			// answer "unknown subcommand"); each one the table has must match.
			wantSubs := map[string]string{}
			if len(wantEntry.elems) == 10 {
				for _, s := range wantEntry.elems[9].elems {
					wantSubs[s.elems[0].line] = normalizeInfo(s)
				}
			}
			for _, s := range gotNode.elems[9].elems {
				name := strings.TrimPrefix(s.elems[0].line, "$")
				if newer[name] {
					continue
				}
				w, ok := wantSubs[s.elems[0].line]
				require.True(t, ok, "Redis 7.0.15 has no subcommand %s", name)
				assert.Equal(t, w, normalizeInfo(s), "subcommand %s", name)
			}
			wantHead, gotHead := wantEntry, gotNode
			wantHead.elems = wantEntry.elems[:9]
			gotHead.elems = gotNode.elems[:9]
			assert.Equal(t, wantHead.String(), gotHead.String())
		})
	}
}

// TestCommandKeyPositions checks the key extraction used by COMMAND
// GETKEYS, WATCH-style lookups and (later) cluster routing.
func TestCommandKeyPositions(t *testing.T) {
	table, err := newCommandTable(nil, families()...)
	require.NoError(t, err)
	cases := []struct {
		args []string
		keys []int
	}{
		{[]string{"get", "k"}, []int{1}},
		{[]string{"mset", "a", "1", "b", "2"}, []int{1, 3}},
		{[]string{"mget", "a", "b", "c"}, []int{1, 2, 3}},
		{[]string{"rename", "a", "b"}, []int{1, 2}},
		{[]string{"copy", "a", "b", "db", "1"}, []int{1, 2}},
		{[]string{"ping"}, nil},
	}
	for _, tc := range cases {
		args := toArgv(tc.args)
		cmd := table.get(args[0])
		require.NotNil(t, cmd)
		require.Equal(t, tc.keys, cmd.KeyPositions(args), "%v", tc.args)
	}
}

// TestFirstMemberNamesSingleKeyCommands checks the member hints: the
// commands that have one are the expected ones, each on one key, at a
// position after that key and within the command's arity.
func TestFirstMemberNamesSingleKeyCommands(t *testing.T) {
	table, err := newCommandTable(nil, families()...)
	require.NoError(t, err)
	want := map[string]int{
		"hset": 2, "hmset": 2, "hsetnx": 2, "hget": 2, "hmget": 2, "hdel": 2,
		"hstrlen": 2, "hexists": 2, "hincrby": 2, "hincrbyfloat": 2,
		"sadd": 2, "srem": 2, "sismember": 2, "smismember": 2,
		"zadd": 3, "zincrby": 3, "zrem": 2, "zscore": 2, "zmscore": 2, "zrank": 2, "zrevrank": 2,
	}
	got := map[string]int{}
	for name, cmd := range table.cmds {
		if cmd.Member > 0 {
			got[name] = cmd.Member
		}
	}
	require.Equal(t, want, got)
	for name, pos := range want {
		cmd := table.get([]byte(name))
		require.NotNil(t, cmd, name)
		require.Equal(t, pos, cmd.Member, name)
		require.Equal(t, []int{1, 1}, []int{cmd.FirstKey, cmd.LastKey}, name)
		require.Greater(t, pos, 1, name)
		require.Less(t, pos, max(cmd.Arity, -cmd.Arity), name)
	}
}

// TestLastCommandAnswersAsTheTable checks the one-entry lookup cache of a
// connection against the table: every spelling resolves as the table
// resolves it, whichever name was looked up before, including unknown
// names and names too long to remember.
func TestLastCommandAnswersAsTheTable(t *testing.T) {
	table, err := newCommandTable(map[string]string{"flushall": "wipe-everything-now"}, families()...)
	require.NoError(t, err)
	names := []string{"get", "GET", "gEt", "set", "get", "nosuch", "get", "", "flushall",
		"wipe-everything-now", "WIPE-EVERYTHING-NOW", "config", "get", "getrange", "ge", "gett"}
	var last lastCommand
	for round := 0; round < 2; round++ {
		for _, n := range names {
			require.Same(t, table.get([]byte(n)), last.get(table, []byte(n)), "%q", n)
		}
	}
	require.NotNil(t, table.get([]byte("get")))
	require.Nil(t, last.get(table, []byte("flushall")), "renamed away")
}
