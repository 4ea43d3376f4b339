package test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// lolwutPair is a go-redis client to redis-server 7.0 and one to Quordis,
// speaking the same protocol, with the version each reports in INFO.
type lolwutPair struct {
	real, ours              *redis.Client
	realVersion, ourVersion string
}

func startLolwutPair(t *testing.T, proto int) lolwutPair {
	ctx := context.Background()
	real := redis.NewClient(&redis.Options{Addr: StartRealRedis(t).Addr, Protocol: proto})
	t.Cleanup(func() { real.Close() })
	ours := StartServer(t).ClientWith(t, &redis.Options{Protocol: proto})
	version := func(rdb *redis.Client) string {
		info, err := rdb.Info(ctx, "server").Result()
		require.NoError(t, err)
		m := regexp.MustCompile(`(?m)^redis_version:(\S+)\r?$`).FindStringSubmatch(info)
		require.NotNil(t, m, "INFO server has no redis_version")
		return m[1]
	}
	return lolwutPair{real: real, ours: ours, realVersion: version(real), ourVersion: version(ours)}
}

// lolwutShape describes a LOLWUT drawing by its lines: a line of the
// drawing by its width in terminal cells (braille characters, or painted
// spaces once the color escapes are taken out), a line of text as it is,
// with version's number written as "VERSION".
func lolwutShape(t *testing.T, reply, version string) []string {
	escape := regexp.MustCompile("\x1b\\[[0-9;]*m")
	var shape []string
	for _, l := range strings.Split(reply, "\n") {
		cells := escape.ReplaceAllString(l, "")
		switch {
		case cells != l:
			require.Equal(t, strings.Repeat(" ", len(cells)), cells, "a skyline row holds painted spaces only")
			shape = append(shape, fmt.Sprintf("%d cells", len(cells)))
		case strings.ContainsFunc(l, func(r rune) bool { return r >= 0x2800 && r <= 0x28ff }):
			require.False(t, strings.ContainsFunc(l, func(r rune) bool { return r < 0x2800 || r > 0x28ff }),
				"a Schotter row holds braille only: %q", l)
			shape = append(shape, fmt.Sprintf("%d cells", utf8.RuneCountInString(l)))
		default:
			shape = append(shape, strings.ReplaceAll(l, version, "VERSION"))
		}
	}
	return shape
}

// TestLolwutMatchesRedis checks LOLWUT against redis-server 7.0.15 in
// RESP2 and RESP3: without a drawing, its reply, the version being the
// one INFO reports; the drawings of VERSION 5 and 6, whose dots are
// random, line for line in size and text (and byte for byte where no
// randomness enters); and the errors.
func TestLolwutMatchesRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
			ctx := context.Background()
			p := startLolwutPair(t, proto)
			do := func(rdb *redis.Client, args []string) (string, error) {
				cmd := []any{"LOLWUT"}
				for _, a := range args {
					cmd = append(cmd, a)
				}
				return rdb.Do(ctx, cmd...).Text()
			}

			for _, args := range [][]string{nil, {"VERSION"}, {"VERSION", "7"}, {"version", "4"}, {"foo", "bar"}, {"VERSION", "-1"}} {
				want, err := do(p.real, args)
				require.NoError(t, err)
				got, err := do(p.ours, args)
				require.NoError(t, err)
				require.Equal(t, "Redis ver. "+p.ourVersion+"\n", got, "%v", args)
				require.Equal(t, strings.ReplaceAll(want, p.realVersion, p.ourVersion), got, "%v", args)
			}

			for _, args := range [][]string{
				{"VERSION", "5"}, {"VERSION", "5", "40", "5", "9"}, {"VERSION", "5", "1", "1", "200"},
				{"VERSION", "5", "5", "4", "6"}, {"VERSION", "5", "0", "0", "0"}, {"VERSION", "5", "12", "3", "4", "extra"},
				{"VERSION", "5", "5000", "500", "3"}, {"VERSION", "4294967301", "9", "2", "5"},
				{"VERSION", "6"}, {"VERSION", "6", "30", "12"}, {"VERSION", "6", "1", "1"}, {"VERSION", "6", "7", "40"},
				{"VERSION", "6", "5000", "2"}, {"VERSION", "6", "-4", "0", "extra"},
			} {
				want, err := do(p.real, args)
				require.NoError(t, err)
				got, err := do(p.ours, args)
				require.NoError(t, err)
				require.Equal(t, lolwutShape(t, want, p.realVersion), lolwutShape(t, got, p.ourVersion), "%v", args)
			}

			// The first two rows of squares, and a skyline one row tall,
			// have nothing random.
			for _, args := range [][]string{
				{"VERSION", "5", "10", "2", "2"}, {"VERSION", "5", "66", "8", "2"}, {"VERSION", "5", "1000", "200", "2"},
				{"VERSION", "5", "7", "3", "1"}, {"VERSION", "6", "20", "1"},
			} {
				want, err := do(p.real, args)
				require.NoError(t, err)
				got, err := do(p.ours, args)
				require.NoError(t, err)
				require.Equal(t, strings.ReplaceAll(want, p.realVersion, p.ourVersion), got, "%v", args)
			}

			for _, args := range [][]string{
				{"VERSION", "x"}, {"VERSION", ""}, {"VERSION", "5.0"}, {"VERSION", "99999999999999999999"},
				{"VERSION", "5", "x"}, {"VERSION", "5", "1", "2", "z"}, {"VERSION", "6", "1", "y"}, {"VERSION", "6", " 1"},
			} {
				_, want := do(p.real, args)
				require.Error(t, want, "%v", args)
				_, got := do(p.ours, args)
				require.Error(t, got, "%v", args)
				require.Equal(t, want.Error(), got.Error(), "%v", args)
				require.Equal(t, "ERR value is not an integer or out of range", got.Error())
			}
		})
	}
}

// TestLolwutRepliesVerbatimText checks the reply's type on both servers:
// a verbatim string of format txt in RESP3, a bulk string in RESP2.
func TestLolwutRepliesVerbatimText(t *testing.T) {
	version := regexp.MustCompile(`(?m)^redis_version:(\S+)\r$`)
	for _, dial := range []func(testing.TB) *Conn{StartRealRedis(t).Dial, StartServer(t).Dial} {
		c := dial(t)
		m := version.FindStringSubmatch(c.Do("INFO", "server"))
		require.NotNil(t, m, "INFO server has no redis_version")
		text := "Redis ver. " + m[1] + "\n"
		require.Equal(t, "$"+strconv.Itoa(len(text))+"\r\n"+text+"\r\n", c.Do("LOLWUT"))
		c.Do("HELLO", "3")
		require.Equal(t, "="+strconv.Itoa(len(text)+4)+"\r\ntxt:"+text+"\r\n", c.Do("LOLWUT"))
		reply := c.Do("LOLWUT", "VERSION", "6", "3", "1")
		require.True(t, strings.HasPrefix(reply, "="), reply)
		require.Contains(t, reply, "\r\ntxt:\x1b[0;97;107m \x1b[0m")
	}
}
