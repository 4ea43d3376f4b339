package store

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// hashOf builds a hash from alternating fields and values.
func hashOf(kv ...string) *Hash {
	h := NewHash()
	for i := 0; i < len(kv); i += 2 {
		h.Set([]byte(kv[i]), []byte(kv[i+1]), DefaultHashLimits())
	}
	return h
}

// hashPairs lists the entries in Range order as "field=value".
func hashPairs(h *Hash) []string {
	var out []string
	h.Range(func(f, v string) bool {
		out = append(out, f+"="+v)
		return true
	})
	return out
}

func TestHashEncodingFollowsRedisThresholds(t *testing.T) {
	long := strings.Repeat("x", HashMaxListpackValue)
	tests := []struct {
		name string
		kv   []string
		want string
	}{
		{"empty", nil, "listpack"},
		{"small", []string{"a", "1", "b", "2"}, "listpack"},
		{"field at the limit", []string{long, "1"}, "listpack"},
		{"value at the limit", []string{"a", long}, "listpack"},
		{"field over the limit", []string{long + "x", "1"}, "hashtable"},
		{"value over the limit", []string{"a", long + "x"}, "hashtable"},
		{"existing field given a long value", []string{"a", "1", "a", long + "x"}, "hashtable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, hashOf(tc.kv...).Encoding())
		})
	}

	h := NewHash()
	for i := range HashMaxListpackEntries {
		h.Set(fmt.Appendf(nil, "f%d", i), []byte("v"), DefaultHashLimits())
	}
	require.Equal(t, "listpack", h.Encoding())
	h.Set([]byte("one more"), []byte("v"), DefaultHashLimits())
	require.Equal(t, "hashtable", h.Encoding())
	require.Equal(t, HashMaxListpackEntries+1, h.Len())
	for i := range HashMaxListpackEntries {
		require.True(t, h.Delete(fmt.Sprintf("f%d", i)))
	}
	require.Equal(t, "hashtable", h.Encoding(), "Redis never converts back")
}

// TestHashFollowsTheLimitsOfEachWrite checks that a write follows the
// thresholds it is given, as a CONFIG SET between writes makes them
// change: a hash converts when a write finds it past them, and a hash
// table stays one when they are raised.
func TestHashFollowsTheLimitsOfEachWrite(t *testing.T) {
	low := HashLimits{MaxEntries: 2, MaxValue: 3}
	set := func(h *Hash, lim HashLimits, kv ...string) {
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set([]byte(kv[i]), []byte(kv[i+1]), lim)
		}
	}
	tests := []struct {
		name string
		run  func(h *Hash)
		want string
	}{
		{"within lowered limits", func(h *Hash) { set(h, low, "a", "1", "bbb", "ccc") }, "listpack"},
		{"a field past the lowered count", func(h *Hash) { set(h, low, "a", "1", "b", "2", "c", "3") }, "hashtable"},
		{"a value past the lowered length", func(h *Hash) { set(h, low, "a", "1234") }, "hashtable"},
		{"a field past the lowered length", func(h *Hash) { set(h, low, "abcd", "1") }, "hashtable"},
		{"an update once the count was lowered", func(h *Hash) {
			set(h, DefaultHashLimits(), "a", "1", "b", "2", "c", "3")
			set(h, low, "a", "9")
		}, "hashtable"},
		{"an update of the same length once the count was lowered", func(h *Hash) {
			set(h, DefaultHashLimits(), "a", "1", "b", "2", "c", "3")
			set(h, low, "a", "1")
		}, "hashtable"},
		{"a delete once the count was lowered", func(h *Hash) {
			set(h, DefaultHashLimits(), "a", "1", "b", "2", "c", "3")
			h.Delete("a")
		}, "listpack"},
		{"a zero length limit keeps empty strings", func(h *Hash) { set(h, HashLimits{MaxEntries: 5}, "", "") }, "listpack"},
		{"a zero length limit", func(h *Hash) { set(h, HashLimits{MaxEntries: 5}, "a", "") }, "hashtable"},
		{"a zero count", func(h *Hash) { set(h, HashLimits{MaxValue: 5}, "a", "1") }, "hashtable"},
		{"raised limits leave a hash table as it is", func(h *Hash) {
			set(h, low, "a", "1", "b", "2", "c", "3")
			set(h, DefaultHashLimits(), "d", "4")
			h.Delete("a")
		}, "hashtable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHash()
			tc.run(h)
			require.Equal(t, tc.want, h.Encoding())
		})
	}
}

func TestHashListpackKeepsInsertionOrder(t *testing.T) {
	h := hashOf("a", "1", "b", "2", "c", "3")
	require.False(t, h.Set([]byte("b"), []byte("twenty"), DefaultHashLimits()), "updating is not adding")
	require.False(t, h.Set([]byte("a"), []byte("9"), DefaultHashLimits()))
	require.False(t, h.Set([]byte("c"), []byte(""), DefaultHashLimits()))
	require.Equal(t, []string{"a=9", "b=twenty", "c="}, hashPairs(h))
	require.True(t, h.Delete("b"))
	require.False(t, h.Delete("b"))
	require.True(t, h.Set([]byte("b"), []byte("2"), DefaultHashLimits()))
	require.Equal(t, []string{"a=9", "c=", "b=2"}, hashPairs(h))

	var scanned []string
	cursor := h.Scan(0, func(f, v string) { scanned = append(scanned, f+"="+v) })
	require.Zero(t, cursor, "a listpack is scanned in one call")
	require.Equal(t, hashPairs(h), scanned)
}

func TestHashAccessors(t *testing.T) {
	for _, big := range []bool{false, true} {
		t.Run(fmt.Sprint("hashtable=", big), func(t *testing.T) {
			h := hashOf("f", "value", "empty", "")
			if big {
				h.convert(nil)
			}
			v, ok := h.Get("f")
			require.True(t, ok)
			require.Equal(t, "value", v)
			v, ok = h.Get("empty")
			require.True(t, ok)
			require.Equal(t, "", v)
			_, ok = h.Get("nope")
			require.False(t, ok)
			require.True(t, h.Exists("empty"))
			require.False(t, h.Exists("nope"))
			require.Equal(t, 5, h.ValueLen("f"))
			require.Equal(t, 0, h.ValueLen("nope"))
			require.Equal(t, 2, h.Len())
		})
	}
}

func TestHashSetCopiesItsArguments(t *testing.T) {
	for _, big := range []bool{false, true} {
		h := NewHash()
		if big {
			h.convert(nil)
		}
		f, v := []byte("field"), []byte("value")
		h.Set(f, v, DefaultHashLimits())
		copy(f, "XXXXX")
		copy(v, "YYYYY")
		got, ok := h.Get("field")
		require.True(t, ok)
		require.Equal(t, "value", got)
	}
}

func TestHashCloneIsIndependent(t *testing.T) {
	for _, big := range []bool{false, true} {
		h := hashOf("a", "1", "b", "2")
		if big {
			h.convert(nil)
		}
		c := h.Clone().(*Hash)
		// A value as long as the old one, which Set writes in place.
		h.Set([]byte("b"), []byte("9"), DefaultHashLimits())
		v, _ := c.Get("b")
		require.Equal(t, "2", v)
		c.Set([]byte("a"), []byte("changed"), DefaultHashLimits())
		c.Delete("b")
		v, _ = h.Get("a")
		require.Equal(t, "1", v)
		require.True(t, h.Exists("b"))
		require.Equal(t, h.Encoding(), c.Encoding())
		require.Equal(t, 1, c.Len())
	}
}

func TestHashSetWritesSameLengthValuesInPlace(t *testing.T) {
	h := hashOf("a", "1111", "b", "22")
	h.convert(nil)
	at := func(field string) uintptr {
		t.Helper()
		p := h.dict().GetPtr(field)
		require.NotNil(t, p)
		return uintptr(unsafe.Pointer(unsafe.StringData(*p)))
	}
	before, size := at("a"), h.Size()
	read, _ := h.Get("a")
	readCopy := strings.Clone(read)
	val := []byte("3333")
	require.False(t, h.Set([]byte("a"), val, DefaultHashLimits()), "not a new field")
	val[0] = 'X' // the hash holds a copy
	require.Equal(t, before, at("a"), "same length: written in place")
	require.Equal(t, size, h.Size())
	require.Equal(t, []string{"a=3333", "b=22"}, slices.Sorted(slices.Values(hashPairs(h))))
	require.Equal(t, "1111", readCopy)

	h.Set([]byte("a"), []byte("55555"), DefaultHashLimits())
	require.NotEqual(t, before, at("a"), "another length: a new allocation")
	v, _ := h.Get("a")
	require.Equal(t, "55555", v)
	require.Equal(t, size+roundAlloc(len("a55555"))-roundAlloc(len("a3333")), h.Size())

	// An entry whose value does not follow its field (not hashJoin's
	// layout) is replaced, not written over.
	own := strings.Clone("vvv")
	h.dict().Set(strings.Clone("own"), own) // allocated after its value
	h.Set([]byte("own"), []byte("www"), DefaultHashLimits())
	v, _ = h.Get("own")
	require.Equal(t, "www", v)
	require.Equal(t, "vvv", own)
}

func TestHashRandomAndSample(t *testing.T) {
	for _, n := range []int{5, 300} {
		h := NewHash()
		for i := range n {
			h.Set(fmt.Appendf(nil, "f%d", i), fmt.Appendf(nil, "v%d", i), DefaultHashLimits())
		}
		rng := rand.New(rand.NewPCG(1, 2))
		seen := map[string]int{}
		h.Random(rng, 50*n, func(f, v string) {
			require.Equal(t, "v"+f[1:], v)
			seen[f]++
		})
		require.Len(t, seen, n, "every field drawn at least once")

		for _, k := range []int{1, n / 2, n - 1} {
			got := map[string]bool{}
			h.Sample(rng, k, func(f, v string) {
				require.Equal(t, "v"+f[1:], v)
				require.False(t, got[f], "Sample repeated %s", f)
				got[f] = true
			})
			require.Len(t, got, k)
		}
	}
}

// TestHashMatchesModel applies random operations to a Hash and to a map
// with an insertion-order list, and compares them after every step.
func TestHashMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 20 {
		h := NewHash()
		model := map[string]string{}
		var order []string // insertion order, while the hash is a listpack
		fields := 20 + rng.IntN(200)
		converted := false
		for step := range 2000 {
			f := fmt.Sprintf("f%d", rng.IntN(fields))
			switch op := rng.IntN(10); {
			case op < 6:
				v := strings.Repeat("v", rng.IntN(20))
				if rng.IntN(100) == 0 {
					v = strings.Repeat("L", HashMaxListpackValue+1)
				}
				_, existed := model[f]
				require.Equal(t, !existed, h.Set([]byte(f), []byte(v), DefaultHashLimits()))
				if !existed {
					order = append(order, f)
				}
				model[f] = v
				if len(v) > HashMaxListpackValue || len(model) > HashMaxListpackEntries {
					converted = true
				}
			default:
				_, existed := model[f]
				require.Equal(t, existed, h.Delete(f))
				delete(model, f)
				if i := slices.Index(order, f); i >= 0 {
					order = slices.Delete(order, i, i+1)
				}
			}
			require.Equal(t, len(model), h.Len(), "round %d step %d", round, step)
			if converted {
				require.Equal(t, "hashtable", h.Encoding())
			} else {
				require.Equal(t, "listpack", h.Encoding())
			}
			if step%50 != 0 {
				continue
			}
			got := map[string]string{}
			var gotOrder []string
			h.Range(func(f, v string) bool {
				got[f] = v
				gotOrder = append(gotOrder, f)
				return true
			})
			require.Equal(t, model, got)
			if !converted {
				require.Equal(t, order, gotOrder)
			}
			for f, v := range model {
				g, ok := h.Get(f)
				require.True(t, ok)
				require.Equal(t, v, g)
			}
		}
	}
}

// TestHashScanReturnsStableFieldsWhileChanging checks HSCAN's guarantee
// on the hash table encoding: a field present for the whole scan is
// returned at least once while other fields come and go.
func TestHashScanReturnsStableFieldsWhileChanging(t *testing.T) {
	h := NewHash()
	for i := range 5000 {
		h.Set(fmt.Appendf(nil, "stable%d", i), []byte("v"), DefaultHashLimits())
	}
	seen := map[string]bool{}
	var cursor uint64
	for step := 0; ; step++ {
		cursor = h.Scan(cursor, func(f, _ string) { seen[f] = true })
		for j := range 64 {
			f := fmt.Sprintf("churn%d", j+64*(step%7))
			if step%2 == 0 {
				h.Set([]byte(f), []byte("x"), DefaultHashLimits())
			} else {
				h.Delete(f)
			}
		}
		if cursor == 0 {
			break
		}
	}
	for i := range 5000 {
		require.True(t, seen[fmt.Sprintf("stable%d", i)], "missed stable%d", i)
	}
}

func TestHashSizeGrowsWithContent(t *testing.T) {
	small := hashOf("a", "1")
	big := NewHash()
	for i := range 1000 {
		big.Set(fmt.Appendf(nil, "field:%d", i), fmt.Appendf(nil, "value:%d", i), DefaultHashLimits())
	}
	require.Greater(t, small.Size(), int64(0))
	require.Greater(t, big.Size(), int64(1000*40))
	require.Less(t, big.Size(), int64(1000*120))
}

// TestHashFootprintPerField measures the heap a 1M-field hash with short
// fields and values takes; Redis 7.0 uses about 72 bytes per field.
func TestHashFootprintPerField(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a million fields")
	}
	const n = 1_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	h := NewHash()
	for i := range n {
		h.Set(fmt.Appendf(nil, "field:%d", i), fmt.Appendf(nil, "value:%d", i), DefaultHashLimits())
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perField := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.1f bytes per field (Size reports %.1f)", perField, float64(h.Size())/n)
	require.Less(t, perField, 1.5*72)
	require.InDelta(t, perField, float64(h.Size())/n, 0.25*perField, "Size tracks the real footprint")
	runtime.KeepAlive(h)
}

func TestHashRangeStopsEarly(t *testing.T) {
	for _, big := range []bool{false, true} {
		h := hashOf("a", "1", "b", "2", "c", "3")
		if big {
			h.convert(nil)
		}
		var got []string
		h.Range(func(f, _ string) bool {
			got = append(got, f)
			return len(got) < 2
		})
		require.Len(t, got, 2)
	}
}
