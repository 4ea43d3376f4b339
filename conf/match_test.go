package conf

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The expectations below were checked against Redis 7.0.15's own
// stringmatchlen (and, for a sample, against KEYS on a real server).
func TestMatchFollowsRedisStringmatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		nocase     bool
		want       bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "", false, false},
		{"**", "", false, false},
		{"?", "", false, false},
		{"a", "", false, false},
		{"*", "a", false, true},
		{"*", "anything", false, true},
		{"a*", "a", false, true},
		{"*a", "a", false, true},
		{"a*b", "ab", false, true},
		{"a*b", "axxb", false, true},
		{"a*b", "axxbc", false, false},
		{"a*b*c", "abc", false, true},
		{"a*b*c", "aXbYc", false, true},
		{"a*b*c", "acb", false, false},
		{"*a*", "banana", false, true},
		{"*x*", "banana", false, false},
		{"h?llo", "hello", false, true},
		{"h?llo", "hllo", false, false},
		{"h*llo", "hllo", false, true},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[a-b]llo", "hcllo", false, false},
		{"h[b-a]llo", "hallo", false, true},
		{"HELLO", "hello", false, false},
		{"HELLO", "hello", true, true},
		{"h[A-Z]llo", "hello", true, true},
		{"h[A-Z]llo", "hello", false, false},
		{"h[a-z]llo", "hEllo", true, true},
		{"\\*", "*", false, true},
		{"\\*", "a", false, false},
		{"\\?", "?", false, true},
		{"\\[", "[", false, true},
		{"a\\", "a\\", false, true},
		{"\\", "\\", false, true},
		{"\\a", "a", false, true},
		{"\\A", "a", true, true},
		{"[\\]]", "]", false, true},
		{"[\\-]", "-", false, true},
		{"[a\\-z]", "b", false, false},
		{"[\\A]", "a", true, false},
		{"[\\a]", "a", true, true},
		{"[", "[", false, false},
		{"[", "a", false, false},
		{"[^", "a", false, true},
		{"[^", "", false, false},
		{"[a", "a", false, true},
		{"[ab", "b", false, true},
		{"[a-", "a", false, true},
		{"[a-", "-", false, true},
		{"[a-z", "m", false, true},
		{"[]", "]", false, false},
		{"[]]", "]", false, false},
		{"[]a]", "a", false, false},
		{"[a-]", "-", false, false},
		{"[a-]", "]", false, true},
		{"[a-]x", "bx", false, false},
		{"[-a]", "-", false, true},
		{"[!a]", "b", false, false},
		{"[!a]", "!", false, true},
		{"[abc]*", "cat", false, true},
		{"*[0-9]", "key9", false, true},
		{"*[0-9]", "key", false, false},
		{"user:*:name", "user:42:name", false, true},
		{"user:*:name", "user:42:age", false, false},
		{"*?", "a", false, true},
		{"*?", "", false, false},
		{"?*", "a", false, true},
		{"*??", "a", false, false},
		{"a**", "a", false, true},
		{"a**b", "ab", false, true},
		{"***a***b***", "xaxbx", false, true},
		{"[\x80-b]", "\x80", false, true},
		{"[\x80-b]", "\x80", true, false},
		{"[\x80-b]", "a", true, false},
		{"[a-\xff]", "\xff", false, true},
		{"[a-\xff]", "\xc0", false, false},
		{"[\x00-\x7f]", "\x7f", false, true},
		{"a*a*a*a*a*a*a*a*a*a*", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", false, true},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, Match(tc.pattern, tc.s, tc.nocase), "Match(%q, %q, nocase=%v)", tc.pattern, tc.s, tc.nocase)
	}
}

func TestMatchGivesUpPastThousandStarGroups(t *testing.T) {
	a := strings.Repeat
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{a("a*", 1000) + "b", a("a", 1000) + "b", true},
		{a("a*", 1001) + "b", a("a", 1001) + "b", false},
		{"*" + a("a*", 1000) + "b", a("a", 1001) + "b", false},
		{a("*a", 1000), a("a", 1000), true},
		{a("*a", 1001), a("a", 1001), false},
		{a("*a", 1000) + "*", a("a", 1000), true},
		{a("*a", 1001) + "*", a("a", 1001), false},
		{a("\\*a", 2000), a("*a", 2000), true}, // escaped stars are literals
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, Match(tc.pattern, tc.s, false), "pattern of %d bytes", len(tc.pattern))
	}
}

func TestMatchStaysPolynomialOnPathologicalPatterns(t *testing.T) {
	// A naive backtracking matcher takes exponential time on these.
	s := strings.Repeat("a", 5000)
	require.False(t, Match(strings.Repeat("*a", 500)+"*b", s, false))
	require.False(t, Match(strings.Repeat("a*", 900)+"[b]", s, true))
	require.True(t, Match(strings.Repeat("*?", 900), s, false))
	require.False(t, Match(strings.Repeat("[a-z]*", 600)+"!", s, false))
}

func TestMatchDoesNotAllocate(t *testing.T) {
	long := strings.Repeat("*a", 20)
	matched := 0
	allocs := testing.AllocsPerRun(100, func() {
		if Match("user:*:[a-z]?[^0-9]\\*", "user:1234:ab!*", true) {
			matched++
		}
		if Match(long, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", false) {
			matched++
		}
	})
	require.Zero(t, allocs)
	require.Equal(t, 101, matched) // AllocsPerRun runs f once more to warm up
}

func BenchmarkMatch(b *testing.B) {
	p := "user:*:session:[0-9a-f]*"
	s := "user:12345:session:deadbeefcafe"
	n := 0
	for i := 0; i < b.N; i++ {
		if Match(p, s, false) {
			n++
		}
	}
	if n != b.N {
		b.Fatal("no match")
	}
}
