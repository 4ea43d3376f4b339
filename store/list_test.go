package store

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// listModel is the reference the List is checked against: a plain slice.
type listModel [][]byte

func (m listModel) positions(v []byte, fromTail bool, skip, limit, maxlen int) []int {
	var out []int
	if maxlen <= 0 || maxlen > len(m) {
		maxlen = len(m)
	}
	for k := 0; k < maxlen; k++ {
		i := k
		if fromTail {
			i = len(m) - 1 - k
		}
		if !bytes.Equal(m[i], v) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		out = append(out, i)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}

// requireListEqual checks every way of reading l against the model, and
// the chunk invariants.
func requireListEqual(t *testing.T, m listModel, l *List) {
	t.Helper()
	require.Equal(t, len(m), l.Len())
	all := l.Range(0, l.Len())
	if len(m) == 0 {
		require.Empty(t, all)
	} else {
		require.Equal(t, [][]byte(m), all)
	}
	var each [][]byte
	l.Each(func(v []byte) bool {
		each = append(each, append([]byte{}, v...))
		return true
	})
	if len(m) > 0 {
		require.Equal(t, [][]byte(m), each)
	}
	total, bufBytes := 0, 0
	for i := 0; i < l.n; i++ {
		c := l.chunk(i)
		require.Positive(t, c.count, "chunk %d is empty", i)
		require.True(t, 0 <= c.lo && c.lo <= c.hi && c.hi <= len(c.buf))
		require.LessOrEqual(t, c.count, l.chunkCount(), "chunk %d has too many entries", i)
		if c.count > 1 {
			require.LessOrEqual(t, c.hi-c.lo, l.chunkBytes(), "chunk %d is too large", i)
		}
		bufBytes += len(c.buf)
		n := 0
		for p := c.lo; p < c.hi; p += listEntrySize(c.buf, p) {
			n++
		}
		require.Equal(t, c.count, n, "chunk %d count", i)
		total += n
	}
	require.Equal(t, len(m), total)
	require.Equal(t, bufBytes, l.bufBytes, "the buffers' size kept for Size")
}

func TestListChunkBoundsFollowRedisFill(t *testing.T) {
	for _, tc := range []struct{ fill, bytes, count int }{
		{-1, 4 << 10, 0}, {-2, 8 << 10, 0}, {-3, 16 << 10, 0}, {-4, 32 << 10, 0}, {-5, 64 << 10, 0},
		{-6, 64 << 10, 0}, {math.MinInt32, 64 << 10, 0}, {0, 8 << 10, 1}, {1, 8 << 10, 1},
		{128, 8 << 10, 128}, {32767, 8 << 10, 32767}, {1 << 20, 8 << 10, 32767},
	} {
		b, c := ListLimits{MaxListpackSize: tc.fill}.chunkBounds()
		require.Equal(t, tc.bytes, b, "fill %d", tc.fill)
		require.Equal(t, tc.count, c, "fill %d", tc.fill)
	}
}

// TestListChunksFollowTheirListsLimits checks that each list keeps the
// chunk size it was created with, and that Size counts small chunks as
// small.
func TestListChunksFollowTheirListsLimits(t *testing.T) {
	for _, fill := range []int{-1, -2, -5, 0, 1, 5, 100} {
		t.Run(fmt.Sprint(fill), func(t *testing.T) {
			l := NewList(ListLimits{MaxListpackSize: fill})
			var m listModel
			for i := range 3000 {
				v := []byte(fmt.Sprintf("element-%d", i))
				if i%2 == 0 {
					l.PushBack(v)
					m = append(m, v)
				} else {
					l.PushFront(v)
					m = append(listModel{v}, m...)
				}
			}
			requireListEqual(t, m, l)
			maxBytes, maxCount := ListLimits{MaxListpackSize: fill}.chunkBounds()
			if maxCount > 0 {
				// Pushes at both ends fill two chunks at a time.
				require.LessOrEqual(t, l.n, (3000+maxCount-1)/maxCount+1, "chunks are filled to their count")
			} else {
				require.Less(t, l.n, 3000*14/maxBytes+3, "chunks are filled to their size")
			}
			perElem := float64(l.Size()) / float64(l.Len())
			// The ring, grown by doubling, has at most two slots a chunk.
			require.Less(t, perElem, 16+float64(2*listChunkSize+listChunkMin)/float64(max(maxCount, 1)),
				"Size counts what the chunks hold")
			c := l.Clone().(*List)
			requireListEqual(t, m, c)
		})
	}
}

func TestListEntryEncodingRoundTrips(t *testing.T) {
	cases := []string{
		"", "a", "0", "1", "127", "128", "-1", "-128", "-129", "255", "32767", "32768", "-32768",
		"8388607", "-8388608", "2147483647", "2147483648", "-2147483649", "9223372036854775807",
		"-9223372036854775808", "9223372036854775808", "-9223372036854775809", "-0", "007", "+1",
		" 1", "1 ", "1.5", "12345678901234567890", string(bytes.Repeat([]byte("x"), 63)),
		string(bytes.Repeat([]byte("x"), 64)), string(bytes.Repeat([]byte("y"), 300)),
		string(bytes.Repeat([]byte("z"), 20000)),
	}
	for _, s := range cases {
		t.Run(fmt.Sprintf("%.20q", s), func(t *testing.T) {
			var v listValue
			v.set([]byte(s))
			buf := make([]byte, v.size)
			v.put(buf)
			require.Equal(t, v.size, listEntrySize(buf, 0))
			require.Equal(t, 0, entryStartBefore(buf, len(buf)))
			var e listEntry
			e.decode(buf, 0)
			require.Equal(t, v.size, e.size)
			require.Equal(t, s, string(e.appendTo(nil)))
			require.True(t, e.equal(&v))
		})
	}
}

func TestListEntrySizesMatchListpack(t *testing.T) {
	for _, tc := range []struct {
		v    string
		size int
	}{
		{"7", 2}, {"100", 2}, {"-1", 3}, {"1000", 4}, {"1234567890", 6}, {"abcdefghij", 12},
		{"9223372036854775807", 10}, {"", 2},
	} {
		var v listValue
		v.set([]byte(tc.v))
		require.Equal(t, tc.size, v.size, tc.v)
	}
}

func TestListIntIsCanonical(t *testing.T) {
	for _, tc := range []struct {
		s  string
		n  int64
		ok bool
	}{
		{"0", 0, true}, {"-5", -5, true}, {"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true}, {"9223372036854775808", 0, false},
		{"-0", 0, false}, {"01", 0, false}, {"+1", 0, false}, {"", 0, false}, {"-", 0, false},
		{"1a", 0, false}, {"99999999999999999999", 0, false},
	} {
		n, ok := listInt([]byte(tc.s))
		require.Equal(t, tc.ok, ok, tc.s)
		if ok {
			require.Equal(t, tc.n, n, tc.s)
		}
	}
}

func TestListPushPopBothEnds(t *testing.T) {
	l := NewList(DefaultListLimits())
	var m listModel
	for i := range 5000 {
		v := []byte("v" + strconv.Itoa(i))
		if i%3 == 0 {
			l.PushFront(v)
			m = append(listModel{v}, m...)
		} else {
			l.PushBack(v)
			m = append(m, v)
		}
	}
	requireListEqual(t, m, l)
	require.Greater(t, l.n, 1)
	got := l.Pop(true, 10)
	require.Equal(t, [][]byte(m[:10]), got)
	m = m[10:]
	got = l.Pop(false, 10)
	for i := range 10 {
		require.Equal(t, m[len(m)-1-i], got[i])
	}
	m = m[:len(m)-10]
	requireListEqual(t, m, l)
	v, ok := l.PopOne(true)
	require.True(t, ok)
	require.Equal(t, m[0], v)
	v, ok = l.PopOne(false)
	require.True(t, ok)
	require.Equal(t, m[len(m)-1], v)
	m = m[1 : len(m)-1]
	got = l.Pop(true, 1<<40)
	require.Equal(t, [][]byte(m), got)
	require.Equal(t, 0, l.Len())
	require.Equal(t, 0, l.n)
	require.Nil(t, l.Pop(true, 1))
	_, ok = l.PopOne(false)
	require.False(t, ok)
}

func TestListEmptyElementsAreNotNil(t *testing.T) {
	l := NewList(DefaultListLimits())
	l.PushBack(nil)
	l.PushBack([]byte{})
	v, ok := l.Index(0)
	require.True(t, ok)
	require.NotNil(t, v)
	for _, v := range l.Range(0, 2) {
		require.NotNil(t, v)
	}
	for _, v := range l.Pop(false, 2) {
		require.NotNil(t, v)
	}
}

func TestListIndexSetNearEnds(t *testing.T) {
	l := NewList(DefaultListLimits())
	var m listModel
	for i := range 3000 {
		v := []byte(strconv.Itoa(i * 7919))
		l.PushBack(v)
		m = append(m, v)
	}
	for _, i := range []int{0, 1, 2, 500, 1499, 1500, 2998, 2999} {
		v, ok := l.Index(i)
		require.True(t, ok)
		require.Equal(t, m[i], v)
	}
	_, ok := l.Index(3000)
	require.False(t, ok)
	_, ok = l.Index(-1)
	require.False(t, ok)
	for _, tc := range []struct {
		i int
		v string
	}{
		{0, "x"}, {2999, "a much longer replacement value than before"}, {1500, ""}, {7, "12"},
		{8, string(bytes.Repeat([]byte("big"), 5000))}, {9, "-9223372036854775808"},
	} {
		require.True(t, l.Set(tc.i, []byte(tc.v)))
		m[tc.i] = []byte(tc.v)
	}
	require.False(t, l.Set(3000, []byte("x")))
	requireListEqual(t, m, l)
}

func TestListTrim(t *testing.T) {
	for _, tc := range []struct{ n, front, back int }{
		{10, 0, 0}, {10, 3, 2}, {10, 10, 0}, {10, 0, 10}, {10, 5, 5}, {5000, 1, 1}, {5000, 2000, 2999},
		{5000, 4999, 0}, {5000, 0, 4999}, {5000, 100, 100},
	} {
		t.Run(fmt.Sprintf("%d-%d-%d", tc.n, tc.front, tc.back), func(t *testing.T) {
			l := NewList(DefaultListLimits())
			var m listModel
			for i := range tc.n {
				v := []byte(fmt.Sprintf("element-%d", i))
				l.PushBack(v)
				m = append(m, v)
			}
			l.Trim(tc.front, tc.back)
			requireListEqual(t, m[tc.front:tc.n-tc.back], l)
		})
	}
}

func TestListInsertRemovePositions(t *testing.T) {
	l := NewList(DefaultListLimits())
	var m listModel
	for _, s := range []string{"a", "b", "1", "a", "c", "a", "1"} {
		l.PushBack([]byte(s))
		m = append(m, []byte(s))
	}
	require.False(t, l.Insert([]byte("zz"), false, []byte("x")))
	require.True(t, l.Insert([]byte("a"), false, []byte("before")))
	m = append(listModel{[]byte("before")}, m...)
	require.True(t, l.Insert([]byte("1"), true, []byte("after")))
	m = append(m[:4], append(listModel{[]byte("after")}, m[4:]...)...)
	requireListEqual(t, m, l)

	require.Equal(t, m.positions([]byte("a"), false, 0, 0, 0), l.Positions([]byte("a"), false, 0, 0, 0))
	require.Equal(t, m.positions([]byte("a"), true, 1, 1, 0), l.Positions([]byte("a"), true, 1, 1, 0))
	require.Equal(t, m.positions([]byte("1"), false, 0, 0, 4), l.Positions([]byte("1"), false, 0, 0, 4))
	require.Empty(t, l.Positions([]byte("nope"), false, 0, 0, 0))

	require.Equal(t, 2, l.Remove([]byte("a"), -2))
	require.Equal(t, 1, l.Remove([]byte("1"), 1))
	require.Equal(t, 0, l.Remove([]byte("nope"), 0))
	requireListEqual(t, listModel{[]byte("before"), []byte("a"), []byte("b"), []byte("after"),
		[]byte("c"), []byte("1")}, l)
}

// TestListMatchesModel applies random operations to a List and to the
// reference slice and requires the same results, with small elements so
// that chunks fill, split, merge and empty often, under chunk sizes in
// bytes and in entries.
func TestListMatchesModel(t *testing.T) {
	fills := []int{-2, -1, -2, 1, -5, 0, 3, 128}
	for seed := uint64(1); seed <= 8; seed++ {
		fill := fills[seed-1]
		t.Run(fmt.Sprintf("%d/fill%d", seed, fill), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, seed*31))
			l := NewList(ListLimits{MaxListpackSize: fill})
			var m listModel
			value := func() []byte {
				switch rng.IntN(6) {
				case 0:
					return []byte(strconv.Itoa(rng.IntN(10)))
				case 1:
					return []byte(strconv.FormatInt(rng.Int64()-math.MaxInt64/2, 10))
				case 2:
					return bytes.Repeat([]byte{'a' + byte(rng.IntN(3))}, rng.IntN(200))
				case 3:
					if rng.IntN(50) == 0 {
						return bytes.Repeat([]byte("L"), 9000+rng.IntN(3000))
					}
					return []byte("x")
				default:
					return []byte(fmt.Sprintf("e%d", rng.IntN(40)))
				}
			}
			for step := range 4000 {
				switch op := rng.IntN(12); {
				case op < 3:
					v := value()
					n := 1 + rng.IntN(30)
					for range n {
						if op == 0 {
							l.PushFront(v)
							m = append(listModel{v}, m...)
						} else {
							l.PushBack(v)
							m = append(m, v)
						}
					}
				case op == 3:
					front := rng.IntN(2) == 0
					n := rng.IntN(40)
					got := l.Pop(front, n)
					n = min(n, len(m))
					for i := range n {
						if front {
							require.Equal(t, m[i], got[i])
						} else {
							require.Equal(t, m[len(m)-1-i], got[i])
						}
					}
					if front {
						m = m[n:]
					} else {
						m = m[:len(m)-n]
					}
				case op == 4 && len(m) > 0:
					i := rng.IntN(len(m))
					v := value()
					require.True(t, l.Set(i, v))
					m[i] = v
				case op == 5 && len(m) > 0:
					i := rng.IntN(len(m))
					got, ok := l.Index(i)
					require.True(t, ok)
					require.Equal(t, m[i], got)
				case op == 6:
					pivot, v := value(), value()
					after := rng.IntN(2) == 0
					i := listModelIndex(m, pivot)
					require.Equal(t, i >= 0, l.Insert(pivot, after, v))
					if i >= 0 {
						if after {
							i++
						}
						m = append(m[:i], append(listModel{v}, m[i:]...)...)
					}
				case op == 7:
					v := value()
					count := rng.IntN(7) - 3
					want := listModelRemove(&m, v, count)
					require.Equal(t, want, l.Remove(v, count))
				case op == 8 && len(m) > 0 && rng.IntN(4) == 0:
					front, back := rng.IntN(len(m)/4+1), rng.IntN(len(m)/4+1)
					l.Trim(front, back)
					m = m[min(front, len(m)):]
					m = m[:len(m)-min(back, len(m))]
				case op == 9:
					v := value()
					fromTail := rng.IntN(2) == 0
					skip, limit, maxlen := rng.IntN(3), rng.IntN(4), rng.IntN(len(m)+2)
					require.Equal(t, m.positions(v, fromTail, skip, limit, maxlen),
						l.Positions(v, fromTail, skip, limit, maxlen))
				case op == 10 && len(m) > 0:
					start := rng.IntN(len(m))
					n := rng.IntN(len(m) - start + 1)
					got := l.Range(start, n)
					if n == 0 {
						require.Empty(t, got)
					} else {
						require.Equal(t, [][]byte(m[start:start+n]), got)
					}
				case op == 11 && rng.IntN(20) == 0:
					c := l.Clone().(*List)
					requireListEqual(t, m, c)
				}
				if step%100 == 0 {
					requireListEqual(t, m, l)
				}
			}
			requireListEqual(t, m, l)
		})
	}
}

func listModelIndex(m listModel, v []byte) int {
	for i, e := range m {
		if bytes.Equal(e, v) {
			return i
		}
	}
	return -1
}

func listModelRemove(m *listModel, v []byte, count int) int {
	limit := count
	if limit < 0 {
		limit = -limit
	}
	removed := 0
	s := *m
	keep := make([]bool, len(s))
	for k := range s {
		i := k
		if count < 0 {
			i = len(s) - 1 - k
		}
		if bytes.Equal(s[i], v) && (limit == 0 || removed < limit) {
			removed++
			continue
		}
		keep[i] = true
	}
	var out listModel
	for i, e := range s {
		if keep[i] {
			out = append(out, e)
		}
	}
	*m = out
	return removed
}

// TestListNearAnEndIsReachedFromThatEnd checks that reading or setting an
// element near one end touches only the chunks at that end: with every
// chunk of the other half replaced in the ring by one with no buffer and
// a huge count (which any access would take for the chunk it wants, and
// fail to read), LINDEX-, LRANGE- and LSET-like accesses near the end
// still work.
func TestListNearAnEndIsReachedFromThatEnd(t *testing.T) {
	l := NewList(DefaultListLimits())
	var buf []byte
	const n = 200_000
	for i := range n {
		l.PushBack(strconv.AppendInt(append(buf[:0], 'v'), int64(i), 10))
	}
	require.Greater(t, l.n, 20)
	hide := func(from, to int) (restore func()) {
		saved := make([]listChunk, to-from)
		for i := from; i < to; i++ {
			saved[i-from] = *l.chunk(i)
			l.setChunk(i, listChunk{count: math.MaxInt32})
		}
		return func() {
			for i := from; i < to; i++ {
				l.setChunk(i, saved[i-from])
			}
		}
	}
	restore := hide(0, l.n/2)
	v, ok := l.Index(n - 1)
	require.True(t, ok)
	require.Equal(t, "v199999", string(v))
	require.Equal(t, [][]byte{[]byte("v199990"), []byte("v199991")}, l.Range(n-10, 2))
	// Same-size values, so that no chunk is split while others are hidden.
	require.True(t, l.Set(n-3, []byte("changed")))
	restore()

	restore = hide(l.n/2, l.n)
	v, ok = l.Index(5)
	require.True(t, ok)
	require.Equal(t, "v5", string(v))
	require.Equal(t, [][]byte{[]byte("v100"), []byte("v101")}, l.Range(100, 2))
	require.True(t, l.Set(2, []byte("c2")))
	restore()

	v, _ = l.Index(n - 3)
	require.Equal(t, "changed", string(v))
	v, _ = l.Index(2)
	require.Equal(t, "c2", string(v))
}

// TestListFootprint measures the bytes per element of a million 10-byte
// elements: the packed entries take 12 bytes each, as in a listpack.
func TestListFootprint(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := NewList(DefaultListLimits())
	elem := []byte("v000000000")
	for i := range 1_000_000 {
		for j, x := 9, i; j > 0; j, x = j-1, x/10 {
			elem[j] = byte('0' + x%10)
		}
		l.PushBack(elem)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	last, _ := l.Index(l.Len() - 1)
	require.Equal(t, "v000999999", string(last))
	perElem := float64(after.HeapAlloc-before.HeapAlloc) / float64(l.Len())
	t.Logf("heap %.2f bytes/element, Size() %.2f bytes/element, %d chunks",
		perElem, float64(l.Size())/float64(l.Len()), l.n)
	require.Less(t, perElem, 14.0)
	require.Less(t, float64(l.Size())/float64(l.Len()), 14.0)
	runtime.KeepAlive(l)
}

func TestListCloneIsDeep(t *testing.T) {
	l := NewList(DefaultListLimits())
	for i := range 100 {
		l.PushBack([]byte(strconv.Itoa(i)))
	}
	c := l.Clone().(*List)
	l.Set(0, []byte("changed"))
	l.Pop(false, 10)
	v, _ := c.Index(0)
	require.Equal(t, "0", string(v))
	require.Equal(t, 100, c.Len())
	require.Equal(t, "quicklist", c.Encoding())
}

func BenchmarkListPushPop(b *testing.B) {
	l := NewList(DefaultListLimits())
	v := []byte("0123456789")
	for i := 0; i < b.N; i++ {
		l.PushBack(v)
		if l.Len() > 1000 {
			l.PopOne(true)
		}
	}
}

func BenchmarkListIndexMiddle(b *testing.B) {
	l := NewList(DefaultListLimits())
	for i := range 100_000 {
		l.PushBack([]byte(strconv.Itoa(i)))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.Index(50_000)
	}
}

// BenchmarkListCollect times a forced collection (mark and sweep) of a heap
// holding a list of 350 MB of 1 KiB values, what one round of the
// benchmark's pipelined LPUSHes builds, on one processor as the server
// mostly runs: the collector's work grows with the objects the list is
// made of, and the server's clients share the processor with it.
func BenchmarkListCollect(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	l := NewList(DefaultListLimits())
	v := bytes.Repeat([]byte("x"), 1024)
	for range 350_000 {
		l.PushFront(v)
	}
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
	}
	b.StopTimer()
	runtime.KeepAlive(l)
}
