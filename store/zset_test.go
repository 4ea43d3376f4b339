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

// zmodel is the reference implementation: a sorted slice.
type zmodel struct{ items []zitem }

func (m *zmodel) find(member string) int {
	for i, it := range m.items {
		if it.member == member {
			return i
		}
	}
	return -1
}

func (m *zmodel) add(member string, score float64) bool {
	i := m.find(member)
	if i >= 0 {
		if m.items[i].score == score {
			return false // an equal score (0 and -0 too) changes nothing
		}
		m.items = slices.Delete(m.items, i, i+1)
	}
	it := zitem{score, member}
	j := sort.Search(len(m.items), func(k int) bool { return it.less(m.items[k]) })
	m.items = slices.Insert(m.items, j, it)
	return i < 0
}

func (m *zmodel) remove(member string) bool {
	i := m.find(member)
	if i >= 0 {
		m.items = slices.Delete(m.items, i, i+1)
	}
	return i >= 0
}

// zcontents lists a set's members in order by walking it.
func zcontents(s *ZSet) []zitem {
	var out []zitem
	s.Walk(0, false, func(m string, score float64) bool {
		out = append(out, zitem{score, strings.Clone(m)})
		return true
	})
	return out
}

// checkTree verifies the B+tree's invariants: counts, bounds, order,
// the leaf chain, and the fill deletions maintain.
func checkTree(t *testing.T, tr *ztree) {
	t.Helper()
	if tr.root == nil {
		require.Zero(t, tr.n)
		return
	}
	var leaves []*znode
	var walk func(n *znode, lo *zitem, depth int) (int, int)
	walk = func(n *znode, lo *zitem, depth int) (count, height int) {
		if n.leaf() {
			require.LessOrEqual(t, len(n.items), zLeafMax)
			for i := 1; i < len(n.items); i++ {
				if !n.items[i-1].less(n.items[i]) {
					t.Fatalf("leaf out of order at %d", i)
				}
			}
			if lo != nil && len(n.items) > 0 && n.items[0].less(*lo) {
				t.Fatalf("item %v below its bound %v", n.items[0], *lo)
			}
			leaves = append(leaves, n)
			return len(n.items), 1
		}
		require.LessOrEqual(t, len(n.kids), zInnerMax)
		require.Equal(t, len(n.kids), len(n.sizes))
		require.Equal(t, len(n.kids), len(n.keys))
		if n != tr.root {
			require.GreaterOrEqual(t, len(n.kids), 2)
		}
		h := -1
		for i, k := range n.kids {
			b := lo
			if i > 0 {
				b = &n.keys[i]
				if i > 1 {
					require.True(t, n.keys[i-1].less(n.keys[i]), "keys out of order")
				}
			}
			c, kh := walk(k, b, depth+1)
			require.Equal(t, n.sizes[i], c, "size of child %d", i)
			require.Greater(t, c, 0, "empty child")
			if h >= 0 {
				require.Equal(t, h, kh, "unbalanced")
			}
			h = kh
			count += c
		}
		return count, h + 1
	}
	total, _ := walk(tr.root, nil, 0)
	require.Equal(t, tr.n, total)
	for i, l := range leaves {
		if i > 0 {
			require.Same(t, leaves[i-1], l.prev)
			require.Same(t, l, leaves[i-1].next)
			last := leaves[i-1].items[len(leaves[i-1].items)-1]
			require.True(t, last.less(l.items[0]), "leaves out of order")
		}
	}
	require.Nil(t, leaves[0].prev)
	require.Nil(t, leaves[len(leaves)-1].next)
}

func TestZSetEncodingThresholds(t *testing.T) {
	lim := DefaultZSetLimits()
	tests := []struct {
		name string
		fill func(s *ZSet)
		want string
	}{
		{"128 short members", func(s *ZSet) {
			for i := 0; i < 128; i++ {
				s.Add(fmt.Sprint("m", i), float64(i), lim)
			}
		}, "listpack"},
		{"129 members", func(s *ZSet) {
			for i := 0; i < 129; i++ {
				s.Add(fmt.Sprint("m", i), float64(i), lim)
			}
		}, "skiplist"},
		{"64-byte member", func(s *ZSet) { s.Add(strings.Repeat("x", 64), 1, lim) }, "listpack"},
		{"65-byte member", func(s *ZSet) { s.Add(strings.Repeat("x", 65), 1, lim) }, "skiplist"},
		{"updates do not convert", func(s *ZSet) {
			for i := 0; i < 128; i++ {
				s.Add(fmt.Sprint("m", i), float64(i), lim)
			}
			s.Add("m5", 1000, lim)
		}, "listpack"},
		{"never back", func(s *ZSet) {
			for i := 0; i < 200; i++ {
				s.Add(fmt.Sprint("m", i), float64(i), lim)
			}
			s.RemoveRange(0, 198, nil)
		}, "skiplist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewZSet(lim, 0)
			tc.fill(s)
			require.Equal(t, tc.want, s.Encoding())
		})
	}
	require.Equal(t, "skiplist", NewZSet(lim, 65).Encoding())
	require.Equal(t, "skiplist", NewZSet(ZSetLimits{MaxEntries: 0, MaxValue: 64}, 1).Encoding())
	require.Equal(t, "listpack", NewZSet(lim, 64).Encoding())
}

// TestZSetFollowsTheLimitsOfEachAdd checks that a listpack converts when
// an insertion would take it past the thresholds it is given, that a
// score update never converts, as in Redis, and that raising the
// thresholds leaves a skiplist as it is.
func TestZSetFollowsTheLimitsOfEachAdd(t *testing.T) {
	def := DefaultZSetLimits()
	low := ZSetLimits{MaxEntries: 2, MaxValue: 3}
	tests := []struct {
		name string
		run  func(s *ZSet)
		want string
	}{
		{"within lowered limits", func(s *ZSet) { s.Add("a", 1, low); s.Add("bbb", 2, low) }, "listpack"},
		{"a member past the lowered count", func(s *ZSet) {
			s.Add("a", 1, low)
			s.Add("b", 2, low)
			s.Add("c", 3, low)
		}, "skiplist"},
		{"a member past the lowered length", func(s *ZSet) { s.Add("abcd", 1, low) }, "skiplist"},
		{"a score update once the limits were lowered", func(s *ZSet) {
			s.Add("a", 1, def)
			s.Add("b", 2, def)
			s.Add("long member", 3, def)
			s.Add("long member", 4, low)
		}, "listpack"},
		{"raised limits leave a skiplist as it is", func(s *ZSet) {
			s.Add("abcd", 1, low)
			s.Remove("abcd")
			s.Add("a", 1, def)
		}, "skiplist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewZSet(def, 0)
			tc.run(s)
			require.Equal(t, tc.want, s.Encoding())
		})
	}
}

func TestZSetCompact(t *testing.T) {
	lim := DefaultZSetLimits()
	s := NewBigZSet()
	s.Add("b", 2, lim)
	s.Add("a", math.Copysign(0, -1), lim)
	s.Compact(lim)
	require.Equal(t, "listpack", s.Encoding())
	require.Equal(t, []zitem{{0, "a"}, {2, "b"}}, zcontents(s))
	score, _ := s.Score("a")
	require.False(t, math.Signbit(score), "a listpack stores -0 as 0")

	long := NewBigZSet()
	long.Add(strings.Repeat("y", 65), 1, lim)
	long.Compact(lim)
	require.Equal(t, "skiplist", long.Encoding())
}

func TestZSetNegativeZero(t *testing.T) {
	lim := DefaultZSetLimits()
	negz := math.Copysign(0, -1)
	small := NewZSet(lim, 1)
	small.Add("z", negz, lim)
	score, _ := small.Score("z")
	require.False(t, math.Signbit(score))

	big := NewBigZSet()
	big.Add("z", negz, lim)
	score, _ = big.Score("z")
	require.True(t, math.Signbit(score), "a skiplist keeps -0")
	big.Add("a", 0, lim)
	require.Equal(t, []string{"a", "z"}, []string{zcontents(big)[0].member, zcontents(big)[1].member})
}

func TestZSetRanges(t *testing.T) {
	for _, enc := range []string{"listpack", "skiplist"} {
		t.Run(enc, func(t *testing.T) {
			lim := DefaultZSetLimits()
			s := NewZSet(lim, 1)
			if enc == "skiplist" {
				s = NewBigZSet()
			}
			for i, m := range []string{"a", "b", "c", "d", "e"} {
				s.Add(m, float64(i+1), lim)
			}
			inf := math.Inf(1)
			scores := []struct {
				r           ScoreRange
				first, last int
			}{
				{ScoreRange{Min: 2, Max: 4}, 1, 3},
				{ScoreRange{Min: 2, Max: 4, MinEx: true, MaxEx: true}, 2, 2},
				{ScoreRange{Min: -inf, Max: inf}, 0, 4},
				{ScoreRange{Min: 6, Max: 9}, -1, -1},
				{ScoreRange{Min: 0, Max: 0.5}, -1, -1},
				{ScoreRange{Min: 3, Max: 3, MinEx: true}, -1, -1},
				{ScoreRange{Min: 4, Max: 2}, -1, -1},
				{ScoreRange{Min: 1.5, Max: 1.7}, -1, -1},
			}
			for _, tc := range scores {
				require.Equal(t, tc.first, s.ScoreFirst(tc.r), "%+v", tc.r)
				require.Equal(t, tc.last, s.ScoreLast(tc.r), "%+v", tc.r)
				want := 0
				if tc.first >= 0 {
					want = tc.last - tc.first + 1
				}
				require.Equal(t, want, s.ScoreCount(tc.r))
			}

			lex := func(s string) LexBound {
				switch s {
				case "-":
					return LexBound{Inf: -1, Ex: true}
				case "+":
					return LexBound{Inf: 1, Ex: true}
				}
				return LexBound{Value: s[1:], Ex: s[0] == '('}
			}
			z := NewZSet(lim, 1)
			if enc == "skiplist" {
				z = NewBigZSet()
			}
			for _, m := range []string{"a", "b", "c", "d", "e"} {
				z.Add(m, 0, lim)
			}
			lexes := []struct {
				min, max    string
				first, last int
			}{
				{"-", "+", 0, 4},
				{"[b", "[d", 1, 3},
				{"(b", "(d", 2, 2},
				{"[bb", "+", 2, 4},
				{"-", "(a", -1, -1},
				{"+", "-", -1, -1},
				{"-", "-", -1, -1},
				{"[c", "[c", 2, 2},
				{"(c", "[c", -1, -1},
				{"[", "[a", 0, 0},
				{"[f", "+", -1, -1},
			}
			for _, tc := range lexes {
				r := LexRange{lex(tc.min), lex(tc.max)}
				require.Equal(t, tc.first, z.LexFirst(r), "%s %s", tc.min, tc.max)
				require.Equal(t, tc.last, z.LexLast(r), "%s %s", tc.min, tc.max)
				want := 0
				if tc.first >= 0 {
					want = tc.last - tc.first + 1
				}
				require.Equal(t, want, z.LexCount(r))
			}
			require.Equal(t, 3, z.RemoveLexRange(LexRange{lex("[b"), lex("[d")}))
			require.Equal(t, []zitem{{0, "a"}, {0, "e"}}, zcontents(z))
			require.Equal(t, 2, s.RemoveScoreRange(ScoreRange{Min: 2, Max: 3}))
			require.Equal(t, []zitem{{1, "a"}, {4, "d"}, {5, "e"}}, zcontents(s))
		})
	}
}

func TestZSetListpackLexWalksLikeRedis(t *testing.T) {
	// With unequal scores a lex range is undefined; a listpack answers as
	// Redis's walk from the lowest does.
	lim := DefaultZSetLimits()
	s := NewZSet(lim, 1)
	s.Add("c", 1, lim)
	s.Add("a", 2, lim)
	s.Add("b", 3, lim)
	r := LexRange{LexBound{Value: "a"}, LexBound{Value: "c"}}
	require.Equal(t, 0, s.LexFirst(r))
	require.Equal(t, 3, s.LexCount(r))
	r = LexRange{LexBound{Value: "b"}, LexBound{Value: "b"}}
	require.Equal(t, -1, s.LexFirst(r), "the last member, b, is in range but the first, c, is past it")
}

func TestZSetWalkRemoveRandomScanClone(t *testing.T) {
	for _, n := range []int{5, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			lim := DefaultZSetLimits()
			s := NewZSet(lim, 1)
			for i := 0; i < n; i++ {
				s.Add(fmt.Sprintf("m%05d", i), float64(i), lim)
			}
			var rev []string
			s.Walk(n-1, true, func(m string, _ float64) bool {
				rev = append(rev, strings.Clone(m))
				return len(rev) < 3
			})
			require.Equal(t, []string{fmt.Sprintf("m%05d", n-1), fmt.Sprintf("m%05d", n-2), fmt.Sprintf("m%05d", n-3)}, rev)

			c := s.Clone().(*ZSet)
			require.Equal(t, s.Encoding(), c.Encoding())

			var popped []string
			s.RemoveRange(0, 1, func(m string, _ float64) { popped = append(popped, m) })
			require.Equal(t, []string{"m00000", "m00001"}, popped)
			require.Equal(t, n-2, s.Len())
			require.Equal(t, n, c.Len(), "the clone is independent")
			r, ok := c.Rank("m00003")
			require.True(t, ok)
			require.Equal(t, 3, r)

			rng := rand.New(rand.NewPCG(1, 2))
			for i := 0; i < 20; i++ {
				m, score := c.Random(rng)
				got, ok := c.Score(m)
				require.True(t, ok)
				require.Equal(t, score, got)
			}

			seen := map[string]bool{}
			var cursor uint64
			for {
				cursor = c.Scan(cursor, func(m string, _ float64) { seen[strings.Clone(m)] = true })
				if cursor == 0 {
					break
				}
			}
			require.Len(t, seen, n)
			require.Greater(t, c.Size(), int64(n*8))
		})
	}
}

// TestZSetMatchesModel applies random operations to sets in both encodings
// and to a sorted slice, and compares them after every step.
func TestZSetMatchesModel(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lim     ZSetLimits
		members int
		ops     int
	}{
		{"listpack", ZSetLimits{MaxEntries: 1 << 20, MaxValue: 1 << 20}, 40, 3000},
		{"skiplist small", DefaultZSetLimits(), 300, 20000},
		{"skiplist large", DefaultZSetLimits(), 5000, 60000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tc.members)))
			s := NewZSet(tc.lim, 0)
			m := &zmodel{}
			member := func() string { return fmt.Sprintf("k%d", rng.IntN(tc.members)) }
			score := func() float64 {
				switch rng.IntN(4) {
				case 0:
					return float64(rng.IntN(5)) // many ties
				case 1:
					return math.Copysign(0, -1)
				}
				return rng.Float64()*200 - 100
			}
			for op := 0; op < tc.ops; op++ {
				switch k := rng.IntN(10); {
				case k < 5:
					mb, sc := member(), score()
					if s.Encoding() == "listpack" && sc == 0 {
						sc = 0 // a listpack stores -0 as 0
					}
					require.Equal(t, m.add(mb, sc), s.Add(mb, sc, tc.lim))
				case k < 7:
					mb := member()
					require.Equal(t, m.remove(mb), s.Remove(mb))
				case k < 8 && len(m.items) > 0:
					a := rng.IntN(len(m.items))
					b := min(len(m.items)-1, a+rng.IntN(len(m.items)/3+1))
					s.RemoveRange(a, b, nil)
					m.items = slices.Delete(m.items, a, b+1)
				case k < 9:
					lo := rng.Float64()*200 - 100
					r := ScoreRange{Min: lo, Max: lo + rng.Float64()*40, MinEx: rng.IntN(2) == 0, MaxEx: rng.IntN(2) == 0}
					want := 0
					first := -1
					for i, it := range m.items {
						if r.GteMin(it.score) && r.LteMax(it.score) {
							if first < 0 {
								first = i
							}
							want++
						}
					}
					require.Equal(t, want, s.ScoreCount(r))
					require.Equal(t, first, s.ScoreFirst(r))
				default:
					mb := member()
					i := m.find(mb)
					r, ok := s.Rank(mb)
					require.Equal(t, i >= 0, ok)
					if ok {
						require.Equal(t, i, r)
					}
				}
				require.Equal(t, len(m.items), s.Len())
				if s.big() != nil {
					if op%97 == 0 || tc.members < 1000 {
						checkTree(t, &s.big().tree)
					}
					require.Equal(t, s.Len(), s.big().dict.Len())
				}
				if op%53 == 0 {
					require.Equal(t, m.items, zcontents(s))
					for i, it := range m.items {
						sc, ok := s.Score(it.member)
						require.True(t, ok)
						require.Equal(t, math.Float64bits(it.score), math.Float64bits(sc))
						if i%17 == 0 {
							r, _ := s.Rank(it.member)
							require.Equal(t, i, r)
						}
					}
				}
			}
			require.Equal(t, m.items, zcontents(s))
		})
	}
}

// TestZTreeBuildsFullNodesInOrder checks that a tree built in ascending or
// descending order packs its leaves, and that deleting everything in random
// chunks keeps the invariants.
func TestZTreeBuildsFullNodesInOrder(t *testing.T) {
	for _, desc := range []bool{false, true} {
		var tr ztree
		const n = 50000
		for i := 0; i < n; i++ {
			k := i
			if desc {
				k = n - i
			}
			tr.insert(zitem{float64(k), "m"})
		}
		checkTree(t, &tr)
		leaves, _ := tr.nodes()
		require.LessOrEqual(t, leaves, n/zLeafMax+2, "descending=%v", desc)
		rng := rand.New(rand.NewPCG(3, 4))
		for tr.n > 0 {
			r := rng.IntN(tr.n)
			k := min(tr.n-r, 1+rng.IntN(1500))
			tr.remove(r, k, nil)
			checkTree(t, &tr)
		}
	}
}

// TestZTreeRebalancesInnerNodes empties most of one inner node at a time,
// so that it borrows children from a full neighbour on either side.
func TestZTreeRebalancesInnerNodes(t *testing.T) {
	const leaf, fanout = zLeafMax, zInnerMax
	for _, tc := range []struct {
		name        string
		from, count int
	}{
		{"first inner node borrows from its right", leaf * 5, leaf * 55},
		{"last inner node borrows from its left", leaf*fanout*2 + leaf*3, leaf*fanout - leaf*5},
		{"middle inner node", leaf*fanout + leaf*2, leaf * 58},
		{"leaf borrows", leaf*10 + 1, leaf - 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tr ztree
			for i := 0; i < leaf*fanout*3; i++ {
				tr.insert(zitem{float64(i), ""})
			}
			checkTree(t, &tr)
			var removed []float64
			tr.remove(tc.from, tc.count, func(it zitem) { removed = append(removed, it.score) })
			checkTree(t, &tr)
			require.Len(t, removed, tc.count)
			require.Equal(t, float64(tc.from), removed[0])
			require.Equal(t, float64(tc.from+tc.count-1), removed[len(removed)-1])
			l, i := tr.seek(tc.from)
			require.Equal(t, float64(tc.from+tc.count), l.items[i].score)
		})
	}
}

// TestZSetMemoryPerMember measures the heap a million-member set takes,
// members "member:<i>" with random scores, as built by ZADD. Redis 7.0
// takes about 111 bytes per member for the same set (used_memory).
func TestZSetMemoryPerMember(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-member set")
	}
	const n = 1_000_000
	lim := DefaultZSetLimits()
	rng := rand.New(rand.NewPCG(1, 1))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := NewZSet(lim, 0)
	for i := 0; i < n; i++ {
		s.Add("member:"+strconv.Itoa(i), rng.Float64()*1e6, lim)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perMember := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.1f bytes per member on the heap; Size estimates %.1f", perMember, float64(s.Size())/n)
	require.Less(t, perMember, 100.0)
	require.InDelta(t, perMember, float64(s.Size())/n, perMember/4, "Size is a fair estimate")
	runtime.KeepAlive(s)
}

// BenchmarkZSetAddRandom inserts members with random scores into a set of
// growing size, as ZADD does.
func BenchmarkZSetAddRandom(b *testing.B) {
	lim := DefaultZSetLimits()
	rng := rand.New(rand.NewPCG(1, 2))
	members := make([]string, b.N)
	for i := range members {
		members[i] = "member:" + strconv.Itoa(i)
	}
	s := NewZSet(lim, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Add(members[i], rng.Float64(), lim)
	}
}

// BenchmarkZSetRankAndRemove looks up ranks in, and removes members from,
// a million-member set.
func BenchmarkZSetRankAndRemove(b *testing.B) {
	const n = 1_000_000
	lim := DefaultZSetLimits()
	rng := rand.New(rand.NewPCG(1, 2))
	s := NewZSet(lim, 0)
	for i := 0; i < n; i++ {
		s.Add("member:"+strconv.Itoa(i), rng.Float64(), lim)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := "member:" + strconv.Itoa(i%n)
		if _, ok := s.Rank(m); ok {
			s.Remove(m)
		} else {
			s.Add(m, rng.Float64(), lim)
		}
	}
}

// TestZSetWalkViewsSurviveChanges checks that member strings Walk handed
// out of a listpack keep their bytes when the set changes afterwards, as
// replies queued by EXEC are encoded after later commands ran.
func TestZSetWalkViewsSurviveChanges(t *testing.T) {
	lim := DefaultZSetLimits()
	s := NewZSet(lim, 1)
	for _, m := range []string{"a", "b", "c", "d"} {
		s.Add(m, 1, lim)
	}
	var views []string
	s.Walk(0, false, func(m string, _ float64) bool {
		views = append(views, m)
		return true
	})
	s.Add("0", 0, lim)
	s.Remove("b")
	s.RemoveRange(0, 1, nil)
	s.Add("c", 5, lim)
	require.Equal(t, []string{"a", "b", "c", "d"}, views)
	require.Equal(t, []zitem{{1, "d"}, {5, "c"}}, zcontents(s))
}

// TestZSetListpackScoresRoundTrip checks the listpack's score encoding at
// its edges: integral scores of magnitude below 2^54 as short integers,
// everything else as the float's 8 bytes, and every score read back as
// written (-0 as 0).
func TestZSetListpackScoresRoundTrip(t *testing.T) {
	cases := []struct {
		score float64
		bytes int // of the score, after the member
	}{
		{0, 1}, {1, 1}, {-1, 1}, {31, 1}, {-32, 1}, {32, 2}, {4095, 2}, {-4096, 2},
		{1_764_000_000, 5}, {1<<54 - 2, 8}, {-(1<<54 - 2), 8},
		{1 << 54, 9}, {-(1 << 54), 9}, {1e300, 9}, {0.5, 9}, {-2.25, 9},
		{math.Inf(1), 9}, {math.Inf(-1), 9}, {math.SmallestNonzeroFloat64, 9},
		{math.Copysign(0, -1), 1},
	}
	for _, tc := range cases {
		lp := zlpAppend(nil, "m", tc.score)
		require.Len(t, lp, 2+tc.bytes, "%v", tc.score)
		m, score, next := zlpEntry(lp, 0)
		require.Equal(t, "m", string(m))
		want := tc.score
		if want == 0 {
			want = 0 // -0 is stored as 0
		}
		require.Equal(t, want, score, "%v", tc.score)
		require.False(t, math.Signbit(score) && score == 0, "no -0")
		require.Equal(t, len(lp), next)
	}
}
