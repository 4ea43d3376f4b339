package server

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"quordis/server/lualib"
)

func TestParseShebang(t *testing.T) {
	for _, tc := range []struct {
		body  string
		flags scriptFlag
		skip  int
		err   string
	}{
		{"return 1", scriptCompat, 0, ""},
		{"#!lua\nreturn 1", 0, 5, ""},
		{"#!lua flags=no-writes,allow-oom\nreturn 1", scriptNoWrites | scriptAllowOOM, 31, ""},
		{"#!lua flags=\n", 0, 12, ""},
		{"#!lua", 0, 0, "ERR Invalid script shebang"},
		{"#!lua flags=nope\n", 0, 0, "ERR Unexpected flag in script shebang: nope"},
		{"#!python\n", 0, 0, "ERR Unexpected engine in script shebang: #!python"},
		{"#!lua x=y\n", 0, 0, "ERR Unknown lua shebang option: x=y"},
		{"#!lua 'open\n", 0, 0, "ERR Invalid script shebang"},
	} {
		flags, skip, err := parseShebang([]byte(tc.body))
		require.Equal(t, tc.err, err, "%q", tc.body)
		if err == "" {
			require.Equal(t, tc.flags, flags, "%q", tc.body)
			require.Equal(t, tc.skip, skip, "%q", tc.body)
		}
	}
}

func TestSyntaxDepth(t *testing.T) {
	require.Equal(t, 0, syntaxDepth("return 1"))
	require.Equal(t, 3, syntaxDepth("return {{{1}}}"))
	require.Equal(t, 2, syntaxDepth("if x then for i = 1, 2 do end end"))
	// Brackets in strings and comments do not count.
	require.Equal(t, 1, syntaxDepth("return f('(((', [[ ((( ]]) -- (((\n--[==[ ((( ]==]"))
	require.Equal(t, 3, syntaxDepth("return 'a' .. 'b' .. 'c' .. 'd'"))
	require.Equal(t, 3, syntaxDepth("return - - not x"))
	require.Greater(t, syntaxDepth("return 1"+strings.Repeat(" .. 1", 300)), maxSyntaxDepth)
	require.Equal(t, 1, syntaxDepth("local a = x .. y\nlocal b = z .. w"))
}

// TestRand48MatchesRedis checks math.random's generator against the
// numbers Redis 7.0.15 gives after math.randomseed(0).
func TestRand48MatchesRedis(t *testing.T) {
	var e scriptState
	e.seed48(0)
	for _, want := range []string{"0.17082803611217", "0.74990198051087"} {
		r := float64(e.lrand48()%rand48Max) / rand48Max
		require.Equal(t, want, lualib.NumberString(r))
	}
	e.seed48(1)
	require.Equal(t, "0.041630344484761", lualib.NumberString(float64(e.lrand48()%rand48Max)/rand48Max))
}

func TestLuaInteger(t *testing.T) {
	require.EqualValues(t, 3, luaInteger(3.99))
	require.EqualValues(t, -3, luaInteger(-3.99))
	require.EqualValues(t, math.MinInt64, luaInteger(1e20))
	require.EqualValues(t, math.MinInt64, luaInteger(math.NaN()))
}
