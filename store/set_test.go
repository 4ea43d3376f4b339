package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// setContents returns the members of s, sorted.
func setContents(s *Set) []string {
	var out []string
	s.Range(func(m string) bool {
		out = append(out, m)
		return true
	})
	sort.Strings(out)
	return out
}

func TestSetMemberIntFollowsString2ll(t *testing.T) {
	cases := []struct {
		in string
		v  int64
		ok bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"-1", -1, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"99999999999999999999", 0, false},
		{"-0", 0, false},
		{"01", 0, false},
		{"00", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1.0", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"0x10", 0, false},
		{"1e3", 0, false},
	}
	for _, tc := range cases {
		v, ok := setMemberInt(tc.in)
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		require.Equal(t, tc.v, v, "%q", tc.in)
	}
}

func TestSetEncodingFollowsRedisRules(t *testing.T) {
	ints := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = strconv.Itoa(i * 7)
		}
		return out
	}
	cases := []struct {
		name    string
		members []string
		remove  []string
		want    string
	}{
		{"empty", nil, nil, "intset"},
		{"small integers", []string{"1", "-5", "300"}, nil, "intset"},
		{"int64 extremes", []string{"9223372036854775807", "-9223372036854775808"}, nil, "intset"},
		{"at the limit", ints(SetMaxIntsetEntries), nil, "intset"},
		{"past the limit", ints(SetMaxIntsetEntries + 1), nil, "hashtable"},
		{"duplicates do not count", append(ints(SetMaxIntsetEntries), "0", "7"), nil, "intset"},
		{"a string", []string{"1", "a"}, nil, "hashtable"},
		{"leading zero", []string{"01"}, nil, "hashtable"},
		{"minus zero", []string{"-0"}, nil, "hashtable"},
		{"past int64", []string{"9223372036854775808"}, nil, "hashtable"},
		{"never converts back", []string{"1", "a"}, []string{"a"}, "hashtable"},
		{"never converts back when shrinking", ints(SetMaxIntsetEntries + 1), ints(SetMaxIntsetEntries), "hashtable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSet()
			for _, m := range tc.members {
				s.AddBytes([]byte(m), DefaultSetLimits())
			}
			for _, m := range tc.remove {
				require.True(t, s.Remove(m))
			}
			require.Equal(t, tc.want, s.Encoding())
			want := map[string]bool{}
			for _, m := range tc.members {
				want[m] = true
			}
			for _, m := range tc.remove {
				delete(want, m)
			}
			require.Equal(t, len(want), s.Len())
			for m := range want {
				require.True(t, s.Has(m), m)
			}
		})
	}
}

// TestSetFollowsTheLimitOfEachWrite checks that an intset converts when a
// write finds it past the threshold it is given, and that raising the
// threshold leaves a hash table as it is.
func TestSetFollowsTheLimitOfEachWrite(t *testing.T) {
	low := SetLimits{MaxIntsetEntries: 2}
	add := func(s *Set, lim SetLimits, ms ...string) {
		for _, m := range ms {
			s.Add(m, lim)
		}
	}
	tests := []struct {
		name string
		run  func(s *Set)
		want string
	}{
		{"within the lowered limit", func(s *Set) { add(s, low, "1", "2") }, "intset"},
		{"past the lowered limit", func(s *Set) { add(s, low, "1", "2", "3") }, "hashtable"},
		{"a zero limit", func(s *Set) { add(s, SetLimits{}, "1") }, "hashtable"},
		{"an existing member once the limit was lowered", func(s *Set) {
			add(s, DefaultSetLimits(), "1", "2", "3")
			add(s, low, "1")
		}, "intset"},
		{"a new member once the limit was lowered", func(s *Set) {
			add(s, DefaultSetLimits(), "1", "2")
			add(s, low, "3")
		}, "hashtable"},
		{"a raised limit leaves a hash table as it is", func(s *Set) {
			add(s, low, "1", "2", "3")
			s.Remove("3")
			add(s, DefaultSetLimits(), "4")
		}, "hashtable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSet()
			tc.run(s)
			require.Equal(t, tc.want, s.Encoding())
		})
	}
}

func TestIntsetWidensAndKeepsOrder(t *testing.T) {
	values := []int64{5, -3, math.MaxInt16, math.MinInt16, math.MaxInt16 + 1, math.MinInt32,
		math.MaxInt32, math.MaxInt32 + 1, math.MinInt64, math.MaxInt64, 0}
	widths := []uint8{2, 2, 2, 2, 4, 4, 4, 8, 8, 8, 8}
	s := NewSet()
	for i, v := range values {
		require.True(t, s.Add(strconv.FormatInt(v, 10), DefaultSetLimits()))
		require.False(t, s.Add(strconv.FormatInt(v, 10), DefaultSetLimits()))
		require.Equal(t, widths[i], s.width, "after %d", v)
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	var got []int64
	s.Range(func(m string) bool {
		v, err := strconv.ParseInt(m, 10, 64)
		require.NoError(t, err)
		got = append(got, v)
		return true
	})
	require.Equal(t, sorted, got)
	require.False(t, s.Has("32768000000000000000"))
	require.False(t, s.Has("6"))
	require.False(t, s.Remove("6"))
	require.Equal(t, "intset", s.Encoding())
}

func TestSetAddBytesCopiesTheMember(t *testing.T) {
	s := NewSet()
	buf := []byte("abc")
	require.True(t, s.AddBytes(buf, DefaultSetLimits()))
	copy(buf, "xyz")
	require.True(t, s.Has("abc"))
	require.False(t, s.Has("xyz"))
}

// setLayout names how s holds its members: "intset", "listpack" (which
// Encoding reports as "hashtable", as Redis 7.0 would) or "hashtable".
func setLayout(s *Set) string {
	switch {
	case s.dict() != nil:
		return "hashtable"
	case s.width == setStrs:
		return "listpack"
	}
	return "intset"
}

// TestSetMatchesModel runs random operations against a Set and a Go map and
// checks after each that they agree, and that the set holds its members as
// the rules say: an intset while every member ever added was an integer
// and it never held more than SetMaxIntsetEntries; then a listpack if a
// string came while it had fewer than setMaxListpackEntries members, for
// as long as no write takes it past that many or adds a member longer than
// setMaxListpackValue; a hash table from then on. The first kind of run is
// mostly integers, so that the intset path gets exercised, the second
// mostly short strings, drawn from a range that keeps the set near the
// listpack's limit, with some long ones; both make the set cross its
// limits.
func TestSetMatchesModel(t *testing.T) {
	gens := map[string]func(rng *rand.Rand) string{
		"integers": func(rng *rand.Rand) string {
			switch rng.IntN(20) {
			case 0:
				return "s" + strconv.Itoa(rng.IntN(50))
			case 1:
				return strconv.FormatInt(rng.Int64()-math.MaxInt64/2, 10)
			}
			return strconv.Itoa(rng.IntN(700) - 100)
		},
		"strings": func(rng *rand.Rand) string {
			switch rng.IntN(400) {
			case 0:
				return strings.Repeat("x", setMaxListpackValue+1+rng.IntN(3))
			case 1, 2, 3, 4:
				return strconv.Itoa(rng.IntN(100))
			case 5:
				return ""
			}
			return strings.Repeat("m", rng.IntN(setMaxListpackValue-4)) + strconv.Itoa(rng.IntN(150))
		},
	}
	for name, member := range gens {
		for seed := uint64(1); seed <= 4; seed++ {
			rng := rand.New(rand.NewPCG(seed, 7))
			s := NewSet()
			model := map[string]bool{}
			layout := "intset"
			for step := 0; step < 20000; step++ {
				m := member(rng)
				switch op := rng.IntN(10); {
				case op < 5:
					_, had := model[m]
					require.Equal(t, !had, s.AddBytes([]byte(m), DefaultSetLimits()), "add %q", m)
					if !had {
						_, isInt := setMemberInt(m)
						switch fits := len(model) < setMaxListpackEntries && len(m) <= setMaxListpackValue; {
						case layout == "intset" && isInt && len(model) < SetMaxIntsetEntries:
						case layout != "hashtable" && !isInt && fits,
							layout == "listpack" && fits:
							layout = "listpack"
						default:
							layout = "hashtable"
						}
					}
					model[m] = true
				case op < 8:
					_, had := model[m]
					require.Equal(t, had, s.Remove(m), "remove %q", m)
					delete(model, m)
				case op < 9:
					if len(model) > 0 {
						p := s.Pop(rng)
						require.True(t, model[p], "popped %q", p)
						delete(model, p)
					}
				default:
					require.Equal(t, model[m], s.Has(m))
				}
				require.Equal(t, len(model), s.Len())
				require.Equal(t, layout, setLayout(s), "%s, seed %d, step %d", name, seed, step)
				if step%997 == 0 || step%50 == 0 && layout == "listpack" {
					checkSetAgainstModel(t, s, model, rng)
				}
			}
			checkSetAgainstModel(t, s, model, rng)
		}
	}
}

// TestSetListpackBounds checks each bound of the listpack at its edge, and
// that conversions keep the members' order: an intset's ascending order
// into a listpack, a listpack's insertion order into a hash table.
func TestSetListpackBounds(t *testing.T) {
	lim := DefaultSetLimits()
	build := func(members ...string) *Set {
		s := NewSet()
		for _, m := range members {
			s.Add(m, lim)
		}
		return s
	}
	seq := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = prefix + strconv.Itoa(n-i)
		}
		return out
	}
	order := func(s *Set) []string {
		var out []string
		s.Range(func(m string) bool { out = append(out, m); return true })
		return out
	}

	s := build(append(seq("", setMaxListpackEntries-1), "a")...)
	require.Equal(t, "listpack", setLayout(s), "a string joins an intset one short of the bound")
	want := append(seq("", setMaxListpackEntries-1), "a")
	slices.Reverse(want[:setMaxListpackEntries-1])
	require.Equal(t, want, order(s), "the intset's order, then the string")
	s.Add("b", lim)
	require.Equal(t, "hashtable", setLayout(s), "one past the bound")
	require.Equal(t, append(want, "b"), order(s), "the listpack's order")

	s = build(append(seq("", setMaxListpackEntries), "a")...)
	require.Equal(t, "hashtable", setLayout(s), "an intset at the bound")

	s = build("1", strings.Repeat("v", setMaxListpackValue))
	require.Equal(t, "listpack", setLayout(s), "a member at the length bound")
	s.Add(strings.Repeat("v", setMaxListpackValue+1), lim)
	require.Equal(t, "hashtable", setLayout(s), "a member past it")
	s = build("1", strings.Repeat("v", setMaxListpackValue+1))
	require.Equal(t, "hashtable", setLayout(s), "straight from an intset")

	s = build(seq("m", setMaxListpackEntries)...)
	require.Equal(t, "listpack", setLayout(s))
	require.Equal(t, "hashtable", s.Encoding(), "Redis 7.0's name for it")
	s.Add("m1", lim)
	require.Equal(t, "listpack", setLayout(s), "a member already there")
	require.True(t, s.Remove("m1"))
	s.Add("", lim)
	require.Equal(t, "listpack", setLayout(s), "room again after a removal")
	require.True(t, s.Has(""))
	require.False(t, s.Has("m1"))
	require.Equal(t, setMaxListpackEntries, s.Len())
}

func checkSetAgainstModel(t *testing.T, s *Set, model map[string]bool, rng *rand.Rand) {
	t.Helper()
	var want []string
	for m := range model {
		want = append(want, m)
	}
	sort.Strings(want)
	require.Equal(t, want, setContents(s))
	if s.Encoding() == "intset" {
		var inOrder []int64
		s.Range(func(m string) bool {
			v, _ := setMemberInt(m)
			inOrder = append(inOrder, v)
			return true
		})
		require.True(t, slices.IsSorted(inOrder), "an intset iterates in ascending order")
	}
	seen := map[string]bool{}
	for c := s.Scan(0, func(m string) { seen[m] = true }); c != 0; c = s.Scan(c, func(m string) { seen[m] = true }) {
	}
	require.Len(t, seen, len(model))
	if len(model) > 0 {
		require.True(t, model[s.Random(rng)])
		n := rng.IntN(len(model))
		sample := s.Sample(rng, n)
		require.Len(t, sample, n)
		distinct := map[string]bool{}
		for _, m := range sample {
			require.True(t, model[m])
			distinct[m] = true
		}
		require.Len(t, distinct, n)
	}
	if len(model) > 0 {
		drawn := map[string]bool{}
		s.RandomN(rng, 3*len(model), func(m string) {
			require.True(t, model[m], "drawn %q", m)
			drawn[m] = true
		})
		require.NotEmpty(t, drawn)
	}
	wantEnc := map[string]string{"intset": "intset", "listpack": "hashtable", "hashtable": "hashtable"}[setLayout(s)]
	require.Equal(t, wantEnc, s.Encoding())
	c := s.Clone().(*Set)
	require.Equal(t, setLayout(s), setLayout(c))
	require.Equal(t, want, setContents(c))
	require.Positive(t, s.Size())
}

func TestSetCloneIsIndependent(t *testing.T) {
	for _, members := range [][]string{{"1", "2", "3"}, {"a", "b", "c"}} {
		s := NewSet()
		for _, m := range members {
			s.Add(m, DefaultSetLimits())
		}
		c := s.Clone().(*Set)
		c.Add("4", DefaultSetLimits())
		c.Remove(members[0])
		require.Equal(t, members, setContents(s))
		require.Equal(t, s.Encoding(), c.Encoding())
	}
}

// TestSetScanGuaranteeWhileMembersChange adds and removes other members
// between the steps of a scan of a hash-table set, so that the table grows
// and shrinks, and checks that every member present throughout is returned.
func TestSetScanGuaranteeWhileMembersChange(t *testing.T) {
	s := NewSet()
	stable := map[string]bool{}
	for i := 0; i < 5000; i++ {
		m := "stable:" + strconv.Itoa(i)
		stable[m] = true
		s.Add(m, DefaultSetLimits())
	}
	seen := map[string]bool{}
	round := 0
	cursor := s.Scan(0, func(m string) { seen[m] = true })
	for cursor != 0 {
		for j := 0; j < 400; j++ {
			m := "churn:" + strconv.Itoa(j)
			if round%3 == 2 {
				s.Remove(m)
			} else {
				s.Add(m, DefaultSetLimits())
			}
		}
		round++
		cursor = s.Scan(cursor, func(m string) { seen[m] = true })
	}
	for m := range stable {
		require.True(t, seen[m], "scan missed %s", m)
	}
}

// TestSetRandomChoicesAreUniform checks Random, Pop and Sample for gross
// bias on both encodings: every member's frequency stays within 25% of the
// expected count, and Sample reaches every pair of a small set.
func TestSetRandomChoicesAreUniform(t *testing.T) {
	for _, prefix := range []string{"", "m"} {
		const n, draws = 50, 100_000
		s := NewSet()
		for i := 0; i < n; i++ {
			s.Add(prefix+strconv.Itoa(i), DefaultSetLimits())
		}
		rng := rand.New(rand.NewPCG(3, 4))
		within := func(counts map[string]int, total int) {
			t.Helper()
			require.Len(t, counts, n)
			exp := float64(total) / n
			for m, got := range counts {
				require.InDelta(t, exp, float64(got), exp/4, "member %s", m)
			}
		}
		counts := map[string]int{}
		for i := 0; i < draws; i++ {
			counts[s.Random(rng)]++
		}
		within(counts, draws)

		counts = map[string]int{}
		for _, k := range []int{5, 20, 40} { // both of Sample's strategies
			clear(counts)
			for i := 0; i < draws/k; i++ {
				for _, m := range s.Sample(rng, k) {
					counts[m]++
				}
			}
			within(counts, draws/k*k)
		}

		counts = map[string]int{}
		for i := 0; i < draws/10; i++ {
			c := s.Clone().(*Set)
			for j := 0; j < 10; j++ {
				counts[c.Pop(rng)]++
			}
		}
		within(counts, draws)
	}

	// Every 2-subset of a 4-member set comes up.
	s := NewSet()
	for _, m := range []string{"a", "b", "c", "d"} {
		s.Add(m, DefaultSetLimits())
	}
	rng := rand.New(rand.NewPCG(5, 6))
	pairs := map[string]int{}
	for i := 0; i < 6000; i++ {
		p := s.Sample(rng, 2)
		sort.Strings(p)
		pairs[p[0]+p[1]]++
	}
	require.Len(t, pairs, 6)
	for p, got := range pairs {
		require.InDelta(t, 1000, got, 250, "pair %s", p)
	}
}

// TestSetMemoryPerMember measures the heap per member of a 1M-member
// hash-table set (members "member:N", 8 to 14 bytes) and of a full intset.
func TestSetMemoryPerMember(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates about a hundred megabytes")
	}
	const n = 1_000_000
	members := make([][]byte, n)
	for i := range members {
		members[i] = []byte("member:" + strconv.Itoa(i))
	}
	before := heapAfter()
	s := NewSet()
	for _, m := range members {
		s.AddBytes(m, DefaultSetLimits())
	}
	after := heapAfter()
	perMember := float64(after-before) / n
	t.Logf("hashtable set of %d members of 8-14 bytes: %.1f bytes per member (Size() estimates %.1f)",
		n, perMember, float64(s.Size())/n)
	// 16 bytes of member string, 32 of slab entry, 4-8 of bucket.
	require.Less(t, perMember, 64.0)
	require.InDelta(t, perMember, float64(s.Size())/n, perMember/10, "Size() is a fair estimate")
	runtime.KeepAlive(s)
	runtime.KeepAlive(members)

	sets := make([]*Set, 1000)
	before = heapAfter()
	for i := range sets {
		sets[i] = NewSet()
		for j := 0; j < SetMaxIntsetEntries; j++ {
			sets[i].Add(strconv.Itoa(j*13), DefaultSetLimits())
		}
	}
	after = heapAfter()
	t.Logf("intset of %d small integers: %.1f bytes per member", SetMaxIntsetEntries,
		float64(after-before)/float64(len(sets)*SetMaxIntsetEntries))
	require.Equal(t, "intset", sets[0].Encoding())
	runtime.KeepAlive(sets)
}

func BenchmarkSetAdd(b *testing.B) {
	for _, kind := range []string{"intset", "hashtable"} {
		b.Run(kind, func(b *testing.B) {
			members := make([][]byte, 1<<16)
			for i := range members {
				if kind == "intset" {
					members[i] = []byte(strconv.Itoa(i % SetMaxIntsetEntries))
				} else {
					members[i] = []byte(fmt.Sprintf("member:%d", i))
				}
			}
			s := NewSet()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.AddBytes(members[i&(1<<16-1)], DefaultSetLimits())
			}
		})
	}
}
