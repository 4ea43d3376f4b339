package store

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// checkDict verifies the table's internal invariants and that it holds
// exactly the entries of model.
func checkDict[V comparable](t testing.TB, d *Dict[V], model map[string]V) {
	t.Helper()
	require.Equal(t, len(model), d.Len())
	n := d.Len()

	// Slab: the chunk shapes, and zeroed slots past the end.
	switch k := len(d.chunks); {
	case k == 0:
		require.Zero(t, n)
	case k == 1:
		require.LessOrEqual(t, len(d.chunks[0]), chunkSize)
		require.LessOrEqual(t, n, len(d.chunks[0]))
	default:
		for _, c := range d.chunks {
			require.Len(t, c, chunkSize)
		}
		require.LessOrEqual(t, n, k*chunkSize)
		require.Greater(t, n, (k-2)*chunkSize, "more than one spare chunk")
	}
	for i := n; i < len(d.chunks)*chunkSize; i++ {
		if c := d.chunks[i>>chunkShift]; i&chunkMask < len(c) && c[i&chunkMask] != (entry[V]{}) {
			t.Fatalf("slot %d past the end is not zero", i)
		}
	}
	if n == 0 && d.tables[0] == nil {
		require.Nil(t, d.tables[1])
		return
	}

	// Buckets: every entry reachable exactly once, from the bucket the
	// rehash rule assigns to its hash.
	t0, t1 := d.tables[0], d.tables[1]
	require.NotNil(t, t0)
	if t1 == nil {
		require.Zero(t, d.rehashIdx)
		require.Less(t, n, len(t0), "load factor 1 reached without a resize")
	}
	// Plain comparisons: this runs over every entry, often.
	seen := make([]bool, n+1)
	walk := func(table []uint32, i int, inNew bool) {
		for ref := table[i]; ref != 0; {
			if int(ref) > n || seen[ref] {
				t.Fatalf("bucket %d: reference %d past the end or linked twice", i, ref)
			}
			seen[ref] = true
			e := d.at(ref)
			if e.hash != d.hash(e.key) {
				t.Fatalf("stale hash for %q", e.key)
			}
			if e.hash&uint32(len(table)-1) != uint32(i) {
				t.Fatalf("%q in the wrong bucket", e.key)
			}
			if old := int(e.hash & uint32(len(t0)-1)); inNew != (old < d.rehashIdx) {
				t.Fatalf("%q in the wrong array", e.key)
			}
			if want, ok := model[e.key]; !ok || want != e.val {
				t.Fatalf("%q holds %v, want %v (present %v)", e.key, e.val, want, ok)
			}
			ref = e.next
		}
	}
	for i := range t0 {
		if i < d.rehashIdx && t0[i] != 0 {
			t.Fatalf("moved bucket %d not empty", i)
		}
		walk(t0, i, false)
	}
	for i := range t1 {
		walk(t1, i, true)
	}
	for ref := 1; ref <= n; ref++ {
		if !seen[ref] {
			t.Fatalf("entry %d unreachable", ref)
		}
	}
	for k, v := range model {
		if got, ok := d.Get(k); !ok || got != v {
			t.Fatalf("Get(%q) = %v, %v; want %v", k, got, ok, v)
		}
	}
}

func TestDictBasicOperations(t *testing.T) {
	type op struct {
		name    string
		do      func(d *Dict[int]) (any, bool)
		want    any
		wantOK  bool
		wantLen int
	}
	get := func(k string) func(d *Dict[int]) (any, bool) {
		return func(d *Dict[int]) (any, bool) { return d.Get(k) }
	}
	set := func(k string, v int) func(d *Dict[int]) (any, bool) {
		return func(d *Dict[int]) (any, bool) { d.Set(k, v); return nil, true }
	}
	del := func(k string) func(d *Dict[int]) (any, bool) {
		return func(d *Dict[int]) (any, bool) { return d.Delete(k) }
	}
	ops := []op{
		{"get on empty", get("a"), 0, false, 0},
		{"delete on empty", del("a"), 0, false, 0},
		{"insert a", set("a", 1), nil, true, 1},
		{"get a", get("a"), 1, true, 1},
		{"get missing", get("b"), 0, false, 1},
		{"replace a", set("a", 2), nil, true, 1},
		{"get replaced", get("a"), 2, true, 1},
		{"insert empty key", set("", 3), nil, true, 2},
		{"get empty key", get(""), 3, true, 2},
		{"delete a", del("a"), 2, true, 1},
		{"delete a again", del("a"), 0, false, 1},
		{"get deleted", get("a"), 0, false, 1},
		{"delete empty key", del(""), 3, true, 0},
	}
	d := NewDict[int](1)
	model := map[string]int{}
	for _, o := range ops {
		got, ok := o.do(d)
		require.Equal(t, o.want, got, o.name)
		require.Equal(t, o.wantOK, ok, o.name)
		require.Equal(t, o.wantLen, d.Len(), o.name)
	}
	checkDict(t, d, model)
}

func TestDictRetainsOnlyInsertedKeys(t *testing.T) {
	d := NewDict[int](1)
	owned := "user:1"
	d.Set(owned, 1)

	buf := []byte("user:1")
	v := view(buf)
	d.Set(v, 2) // replace: must keep the owned key
	got, ok := d.Get(v)
	require.True(t, ok)
	require.Equal(t, 2, got)
	k, ok := d.Key(v)
	require.True(t, ok)
	require.Equal(t, uintptr(unsafe.Pointer(unsafe.StringData(owned))), uintptr(unsafe.Pointer(unsafe.StringData(k))), "Key must return the stored string")
	require.NotNil(t, d.GetPtr(v))

	copy(buf, "xxxxxx") // the caller reuses its buffer
	k, ok = d.Key("user:1")
	require.True(t, ok)
	require.Equal(t, "user:1", k)
	_, ok = d.Get("xxxxxx")
	require.False(t, ok)

	copy(buf, "user:1")
	old, ok := d.Delete(v)
	require.True(t, ok)
	require.Equal(t, 2, old)
	require.Zero(t, d.Len())
}

func TestDictMatchesMapModel(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0))
			d := NewDict[int](seed)
			model := map[string]int{}
			// The key range and the insert probability drift, so that the
			// table repeatedly grows from a few entries to thousands and
			// shrinks back, with operations landing mid-rehash.
			keyRange, pInsert := 16, 0.5
			for i := range 100_000 {
				if i%2000 == 0 {
					keyRange = 1 << (2 + rng.IntN(13))
					pInsert = []float64{0.1, 0.5, 0.6, 0.9}[rng.IntN(4)]
				}
				k := strconv.Itoa(rng.IntN(keyRange))
				switch r := rng.Float64(); {
				case r < pInsert:
					d.Set(k, i)
					model[k] = i
				case r < pInsert+0.3:
					old, ok := d.Delete(k)
					want, wantOK := model[k]
					require.Equal(t, wantOK, ok)
					require.Equal(t, want, old)
					delete(model, k)
				default:
					got, ok := d.Get(k)
					want, wantOK := model[k]
					require.Equal(t, wantOK, ok)
					require.Equal(t, want, got)
					p := d.GetPtr(k)
					require.Equal(t, wantOK, p != nil)
				}
				require.Equal(t, len(model), d.Len())
				if i%997 == 0 {
					checkDict(t, d, model)
				}
			}
			checkDict(t, d, model)
			for k := range model {
				_, ok := d.Delete(k)
				require.True(t, ok)
			}
			checkDict(t, d, map[string]int{})
			// Calls that find nothing still advance the shrink.
			for i := 0; d.tables[1] != nil || len(d.tables[0]) > minTable; i++ {
				require.Less(t, i, 100_000, "an emptied table does not shrink to the minimum")
				d.Delete("missing")
			}
		})
	}
}

// TestInsertBurstDuringLargeShrinkKeepsChainsShort covers a shrink from a
// large sparse array to a tiny one (the keys were deleted while an earlier
// shrink was in progress), followed by a burst of inserts: the shrink must
// finish quickly instead of piling the new keys into a few long chains.
func TestInsertBurstDuringLargeShrinkKeepsChainsShort(t *testing.T) {
	d := NewDict[int](1)
	model := map[string]int{}
	const n = 1 << 16
	for i := range n {
		d.Set(strconv.Itoa(i), i)
	}
	for i := range n - 3 {
		d.Delete(strconv.Itoa(i))
	}
	for i := n - 3; i < n; i++ {
		model[strconv.Itoa(i)] = i
	}
	for i := 0; d.tables[1] == nil || len(d.tables[0]) < 1<<10*len(d.tables[1]); i++ {
		require.Less(t, i, n, "no shrink by a large factor")
		d.Delete("missing")
	}
	worst := 0
	for i := range 20_000 {
		k := "burst" + strconv.Itoa(i)
		d.Set(k, i)
		model[k] = i
		if t1 := d.tables[1]; t1 != nil && len(t1) < len(d.tables[0]) {
			worst = max(worst, d.Len()/len(t1))
		}
	}
	t.Logf("worst load factor of the new array during the shrink: %d", worst)
	// Moving one bucket per call reaches a load factor of about 500 here.
	require.Less(t, worst, 100)
	checkDict(t, d, model)
}

// scanAll runs a full scan with between(step) called after every step and
// returns how often each key was returned.
func scanAll[V any](t *testing.T, d *Dict[V], between func(step int)) map[string]int {
	t.Helper()
	seen := map[string]int{}
	cursor := uint64(0)
	for step := 0; ; step++ {
		require.Less(t, step, 1<<24, "scan does not terminate")
		cursor = d.Scan(cursor, func(k string, _ *V) { seen[k]++ })
		if cursor == 0 {
			return seen
		}
		between(step)
	}
}

func TestScanReturnsEveryKeyOnceWhenTableDoesNotChange(t *testing.T) {
	for _, n := range []int{0, 1, 3, 4, 5, 63, 64, 65, 1000, 5000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			d := NewDict[int](1)
			for i := range n {
				d.Set(strconv.Itoa(i), i)
			}
			seen := scanAll(t, d, func(int) {})
			require.Len(t, seen, n)
			for k, c := range seen {
				require.Equal(t, 1, c, "key %q", k)
			}
		})
	}
}

func TestScanReturnsEveryKeyOnceMidResize(t *testing.T) {
	for _, grow := range []bool{true, false} {
		d := NewDict[int](1)
		model := map[string]int{}
		if grow {
			for i := range 1030 { // reaches load factor 1 at 1024: starts growing
				d.Set(strconv.Itoa(i), i)
				model[strconv.Itoa(i)] = i
			}
		} else {
			for i := range 4000 {
				d.Set(strconv.Itoa(i), i)
			}
			for i := 100; i < 4000; i++ { // falls under 1/8: starts shrinking
				d.Delete(strconv.Itoa(i))
			}
			for i := range 100 {
				model[strconv.Itoa(i)] = i
			}
		}
		require.NotNil(t, d.tables[1], "table should be mid-resize")
		require.Greater(t, d.rehashIdx, 0)
		checkDict(t, d, model)
		seen := scanAll(t, d, func(int) {})
		require.Len(t, seen, len(model))
		for k, c := range seen {
			require.Equal(t, 1, c, "key %q (grow=%v)", k, grow)
		}
	}
}

// TestScanReturnsKeysPresentThroughoutDespiteResizes is the SCAN guarantee:
// keys present for the whole scan are returned at least once while other keys
// come and go between steps, forcing growth, shrinking and scans that start
// in one resize and end in another.
func TestScanReturnsKeysPresentThroughoutDespiteResizes(t *testing.T) {
	const schedules = 300
	maxSeen := 0
	for seed := uint64(0); seed < schedules; seed++ {
		rng := rand.New(rand.NewPCG(seed, 42))
		d := NewDict[int](seed)
		stable := map[string]int{}
		for i := range 1 + rng.IntN(300) {
			k := "s" + strconv.Itoa(i)
			d.Set(k, i)
			stable[k] = i
		}
		var churn []string
		next := 0
		for range rng.IntN(3000) {
			k := "c" + strconv.Itoa(next)
			next++
			d.Set(k, 0)
			churn = append(churn, k)
		}
		growOnly := seed%4 == 0
		// A key can be returned again only when a step sees a coarser
		// table than the step before, and then once.
		grain, coarsenings := scanGrain(d), 0
		seen := scanAll(t, d, func(int) {
			defer func() {
				g := scanGrain(d)
				if g < grain {
					coarsenings++
				}
				grain = g
			}()
			switch r := rng.IntN(10); {
			case r < 4 && len(churn) < 4000: // a burst of inserts
				for range rng.IntN(1 << rng.IntN(11)) {
					k := "c" + strconv.Itoa(next)
					next++
					d.Set(k, 0)
					churn = append(churn, k)
				}
			case r < 8 && !growOnly: // a burst of deletes, often most keys
				m := rng.IntN(len(churn) + 1)
				if rng.IntN(2) == 0 {
					m = len(churn)
				}
				for range m {
					i := rng.IntN(len(churn))
					d.Delete(churn[i])
					churn[i] = churn[len(churn)-1]
					churn = churn[:len(churn)-1]
				}
			}
		})
		for k := range stable {
			require.GreaterOrEqual(t, seen[k], 1, "schedule %d: key %q never returned", seed, k)
			maxSeen = max(maxSeen, seen[k])
			require.LessOrEqual(t, seen[k], 1+coarsenings, "schedule %d: key %q", seed, k)
			if growOnly {
				require.Equal(t, 1, seen[k], "schedule %d: growing table returned %q twice", seed, k)
			}
		}
		model := map[string]int{}
		for k, v := range stable {
			model[k] = v
		}
		for _, k := range churn {
			model[k] = 0
		}
		checkDict(t, d, model)
	}
	t.Logf("most returns of one key over %d schedules: %d", schedules, maxSeen)
}

// scanGrain returns the number of buckets a scan step distinguishes: the
// size of the smaller bucket array.
func scanGrain[V any](d *Dict[V]) int {
	if d.tables[1] != nil {
		return min(len(d.tables[0]), len(d.tables[1]))
	}
	return len(d.tables[0])
}

func TestScanCallbackMayRead(t *testing.T) {
	d := NewDict[int](1)
	for i := range 2050 {
		d.Set(strconv.Itoa(i), i)
	}
	require.NotNil(t, d.tables[1], "table should be mid-resize")
	n := 0
	cursor := uint64(0)
	for {
		cursor = d.Scan(cursor, func(k string, v *int) {
			got, ok := d.Get(k)
			require.True(t, ok)
			require.Equal(t, *v, got)
			n++
		})
		if cursor == 0 {
			break
		}
	}
	require.Equal(t, 2050, n)
}

func TestRangeVisitsEveryEntryOnceAndStops(t *testing.T) {
	for _, n := range []int{0, 1, 5, chunkSize, chunkSize + 1, 3*chunkSize + 7} {
		d := NewDict[int](1)
		for i := range n {
			d.Set(strconv.Itoa(i), i)
		}
		seen := map[string]int{}
		d.Range(func(k string, v *int) bool {
			require.Equal(t, strconv.Itoa(*v), k)
			seen[k]++
			return true
		})
		require.Len(t, seen, n)
		for _, c := range seen {
			require.Equal(t, 1, c)
		}
		calls := 0
		d.Range(func(string, *int) bool { calls++; return calls < 3 })
		require.Equal(t, min(n, 3), calls)
	}
}

func TestEmptyDict(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, d := range map[string]*Dict[int]{
		"new":     NewDict[int](1),
		"emptied": emptiedDict(),
		"cleared": clearedDict(),
	} {
		t.Run(name, func(t *testing.T) {
			require.Zero(t, d.Len())
			_, ok := d.Get("a")
			require.False(t, ok)
			require.Nil(t, d.GetPtr("a"))
			_, ok = d.Key("a")
			require.False(t, ok)
			_, ok = d.Delete("a")
			require.False(t, ok)
			_, ok = d.RandomKey(rng)
			require.False(t, ok)
			d.Sample(rng, 10, func(string, *int) bool { t.Fatal("Sample visited an entry"); return false })
			d.Range(func(string, *int) bool { t.Fatal("Range visited an entry"); return false })
			require.Zero(t, d.Scan(0, func(string, *int) { t.Fatal("Scan visited an entry") }))
			require.Zero(t, d.Scan(12345, func(string, *int) { t.Fatal("Scan visited an entry") }))
			d.Set("a", 1) // still usable
			got, ok := d.Get("a")
			require.True(t, ok)
			require.Equal(t, 1, got)
			checkDict(t, d, map[string]int{"a": 1})
		})
	}
}

func emptiedDict() *Dict[int] {
	d := NewDict[int](1)
	for i := range 5000 {
		d.Set(strconv.Itoa(i), i)
	}
	for i := range 5000 {
		d.Delete(strconv.Itoa(i))
	}
	return d
}

func clearedDict() *Dict[int] {
	d := NewDict[int](1)
	for i := range 5000 {
		d.Set(strconv.Itoa(i), i)
	}
	d.Clear()
	return d
}

func TestClearReleasesEverything(t *testing.T) {
	d := clearedDict()
	require.Nil(t, d.chunks)
	require.Nil(t, d.tables[0])
	require.Nil(t, d.tables[1])
	checkDict(t, d, map[string]int{})
}

func TestRandomKeyIsRoughlyUniform(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	d := NewDict[int](1)
	for i := range 200 {
		d.Set(strconv.Itoa(i), i)
	}
	for i := 0; i < 200; i += 3 { // leave holes filled by moved entries
		d.Delete(strconv.Itoa(i))
	}
	const draws = 200_000
	counts := map[string]int{}
	for range draws {
		k, ok := d.RandomKey(rng)
		require.True(t, ok)
		counts[k]++
	}
	require.Len(t, counts, d.Len(), "every key drawn")
	want := draws / d.Len()
	for k, c := range counts {
		require.InDelta(t, want, c, float64(want)/4, "key %q", k)
	}
}

func TestSampleVisitsDistinctEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, size := range []int{1, 2, 3, 7, 64, 100, 1500} {
		d := NewDict[int](1)
		for i := range size {
			d.Set(strconv.Itoa(i), i)
		}
		for _, n := range []int{-1, 0, 1, 5, 20, size, size + 10} {
			seen := map[string]bool{}
			d.Sample(rng, n, func(k string, v *int) bool {
				require.Equal(t, strconv.Itoa(*v), k)
				require.False(t, seen[k], "size %d n %d: %q twice", size, n, k)
				seen[k] = true
				return true
			})
			require.Len(t, seen, max(0, min(n, size)), "size %d n %d", size, n)
		}
		calls := 0
		d.Sample(rng, 10, func(string, *int) bool { calls++; return false })
		require.Equal(t, 1, calls, "Sample must stop when fn returns false")
	}
}

func TestSampleCoversTheTableEvenly(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	d := NewDict[int](1)
	for i := range 300 {
		d.Set(strconv.Itoa(i), i)
	}
	const rounds = 40_000
	counts := map[string]int{}
	for range rounds {
		d.Sample(rng, 5, func(k string, _ *int) bool { counts[k]++; return true })
	}
	require.Len(t, counts, 300)
	want := rounds * 5 / 300
	for k, c := range counts {
		require.InDelta(t, want, c, float64(want)/4, "key %q", k)
	}
}

// TestRandomChoicesDoNotDependOnHashSeed checks that Range, RandomKey and
// Sample depend only on the history of changes and the rng, so replicas that
// apply the same commands make the same choices.
func TestRandomChoicesDoNotDependOnHashSeed(t *testing.T) {
	build := func(seed uint64) *Dict[int] {
		d := NewDict[int](seed)
		rng := rand.New(rand.NewPCG(9, 9))
		for i := range 20_000 {
			k := strconv.Itoa(rng.IntN(5000))
			if rng.IntN(3) == 0 {
				d.Delete(k)
			} else {
				d.Set(k, i)
			}
		}
		return d
	}
	record := func(d *Dict[int]) []string {
		var out []string
		d.Range(func(k string, _ *int) bool { out = append(out, k); return true })
		rng := rand.New(rand.NewPCG(1, 1))
		for range 100 {
			k, _ := d.RandomKey(rng)
			out = append(out, k)
			d.Sample(rng, 20, func(k string, _ *int) bool { out = append(out, k); return true })
		}
		return out
	}
	a, b := build(1), build(2)
	require.NotEqual(t, a.seed, b.seed)
	require.Equal(t, record(a), record(b))
}

func TestGetPtrStaysValidAcrossReads(t *testing.T) {
	d := NewDict[int](1)
	for i := range 1024 {
		d.Set(strconv.Itoa(i), i)
	}
	require.NotNil(t, d.tables[1], "table should be mid-resize")
	p := d.GetPtr("500")
	require.NotNil(t, p)
	*p = -1
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 1024 {
		d.Get(strconv.Itoa(i))
		d.Key(strconv.Itoa(i))
		d.RandomKey(rng)
	}
	d.Range(func(string, *int) bool { return true })
	d.Sample(rng, 100, func(string, *int) bool { return true })
	for c := d.Scan(0, func(string, *int) {}); c != 0; c = d.Scan(c, func(string, *int) {}) {
	}
	require.Same(t, p, d.GetPtr("500"))
	got, _ := d.Get("500")
	require.Equal(t, -1, got)
	require.Nil(t, d.GetPtr("nope"))
}

func TestDictOperationsDoNotAllocate(t *testing.T) {
	d := NewDict[int](1)
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
		d.Set(keys[i], i)
	}
	i := 0
	nextKey := func() string { i++; return keys[i%len(keys)] }
	for name, f := range map[string]func(){
		"Get":         func() { d.Get(nextKey()) },
		"GetPtr":      func() { d.GetPtr(nextKey()) },
		"Key":         func() { d.Key(nextKey()) },
		"Set replace": func() { d.Set(nextKey(), 7) },
		"Delete and Set": func() {
			k := nextKey()
			d.Delete(k)
			d.Set(k, 1)
		},
		"Delete missing": func() { d.Delete("missing") },
	} {
		require.Zero(t, testing.AllocsPerRun(10_000, f), name)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	require.Zero(t, testing.AllocsPerRun(1000, func() { d.RandomKey(rng) }), "RandomKey")
	require.Zero(t, testing.AllocsPerRun(1000, func() {
		d.Sample(rng, 20, func(string, *int) bool { return true })
	}), "Sample")
	require.Zero(t, testing.AllocsPerRun(100, func() {
		for c := d.Scan(0, func(string, *int) {}); c != 0; c = d.Scan(c, func(string, *int) {}) {
		}
	}), "Scan")
}

// value40 is a 40-byte value, the size the memory budget is stated for.
type value40 [5]uint64

// heapAfter returns the live heap after a collection.
func heapAfter() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestDictMemoryOverhead measures the bytes per entry beyond the key's bytes
// and the value for 1M keys, and compares them with a Go map.
func TestDictMemoryOverhead(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates hundreds of megabytes")
	}
	// Not a power of two: at 1<<20 the table has just started growing and
	// holds both bucket arrays.
	const n = 1_000_000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("key:%09d", i)
	}
	measure := func(fill func() any) float64 {
		before := heapAfter()
		x := fill()
		after := heapAfter()
		runtime.KeepAlive(x)
		valueBytes := float64(unsafe.Sizeof(value40{}))
		return float64(after-before)/n - valueBytes
	}
	dict := measure(func() any {
		d := NewDict[value40](1)
		for _, k := range keys {
			d.Set(k, value40{})
		}
		return d
	})
	goMap := measure(func() any {
		m := make(map[string]value40)
		for _, k := range keys {
			m[k] = value40{}
		}
		return m
	})
	t.Logf("bytes per entry beyond the key's bytes and the 40-byte value, %d keys: Dict %.1f, map %.1f", n, dict, goMap)
	// 16 string header + 8 hash and link + 4 to 8 bucket array + chunk slack.
	require.Less(t, dict, 32.0)
	runtime.KeepAlive(keys)
}

func TestDictSwapReplacesKeyAndValue(t *testing.T) {
	d := NewDict[string](1)
	old, existed := d.Swap("f", "1")
	require.False(t, existed)
	require.Equal(t, "", old)
	joined := "fvalue"
	old, existed = d.Swap(joined[:1], joined[1:])
	require.True(t, existed)
	require.Equal(t, "1", old)
	var key string
	d.Range(func(k string, v *string) bool { key = k; return true })
	require.Equal(t, uintptr(unsafe.Pointer(unsafe.StringData(joined))), uintptr(unsafe.Pointer(unsafe.StringData(key))), "the entry holds the new key string")
	v, _ := d.Get("f")
	require.Equal(t, "value", v)
	require.Equal(t, 1, d.Len())
}

// TestDictSwapUsingKeepsTheCopyNotTheView checks that SwapUsing finds the
// entry through the view but stores the owned key, whether it inserts or
// replaces, and that the view's buffer changing afterwards harms neither.
func TestDictSwapUsingKeepsTheCopyNotTheView(t *testing.T) {
	d := NewDict[int](1)
	buf := []byte("k1")
	addr := func(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }
	for i, owned := range []string{"k1", "k1"} { // insert, then replace
		owned = string([]byte(owned)) // a string of its own each time
		old, existed := d.SwapUsing(view(buf), owned, i+1)
		require.Equal(t, i == 1, existed)
		require.Equal(t, i, old)
		k, ok := d.Key(view(buf)) // a cache hit
		require.True(t, ok)
		require.Equal(t, addr(owned), addr(k), "the table holds the owned key")
	}
	copy(buf, "k2") // the view now reads k2, at the cached address
	_, ok := d.Get(view(buf))
	require.False(t, ok)
	v, ok := d.Get("k1")
	require.True(t, ok)
	require.Equal(t, 2, v)
}

func TestPrefetchReachesEveryPresentKeyAndChangesNothing(t *testing.T) {
	for _, grow := range []bool{false, true} {
		d := NewDict[int](1)
		model := map[string]int{}
		n := 1000
		if grow {
			n = 1030 // reaches load factor 1 at 1024: starts growing
		}
		for i := range n {
			d.Set(strconv.Itoa(i), i)
			model[strconv.Itoa(i)] = i
		}
		require.Equal(t, grow, d.tables[1] != nil)
		// Present and absent keys, more than one call takes. At load
		// factors near 1 many keys are behind others in their chains.
		for start := 0; start < 2*n; start += PrefetchMax + 8 {
			var keys []string
			want := map[int]bool{}
			for i := start; i < start+PrefetchMax+8; i++ {
				keys = append(keys, strconv.Itoa(i))
				if i < n && i < start+PrefetchMax {
					want[i] = true
				}
			}
			got := map[int]bool{}
			d.Prefetch(keys, func(v *int) uint32 {
				got[*v] = true
				return 0
			})
			require.Equal(t, want, got, "keys from %d", start)
		}
		checkDict(t, d, model)
	}
	empty := NewDict[int](1)
	require.Zero(t, empty.Prefetch([]string{"a"}, func(*int) uint32 { panic("no entries") }))
}

// TestDictLookupCacheFollowsTheBufferNotTheAddress drives a table with keys
// written, one after another, into the same buffer, as a client's commands
// arrive in a reused read buffer: every lookup passes the address the last
// one did, often with other contents, and entries move as others are
// deleted. The one-entry cache must never answer for another key.
func TestDictLookupCacheFollowsTheBufferNotTheAddress(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 0))
	d := NewDict[int](7)
	model := map[string]int{}
	buf := make([]byte, 8)
	for i := range 50_000 {
		// Keys of one or two lengths at the buffer's start, so the same
		// address and length come back with different contents.
		n := 1 + rng.IntN(2)
		for j := range n {
			buf[j] = byte('a' + rng.IntN(6))
		}
		view := unsafe.String(&buf[0], n)
		key := string(buf[:n]) // the table keeps what Set inserts
		// Repeated lookups of the same view.
		for range 1 + rng.IntN(3) {
			switch r := rng.IntN(10); {
			case r < 3:
				d.Set(key, i)
				model[key] = i
			case r < 4:
				d.Swap(key, -i)
				model[key] = -i
			case r < 6:
				_, ok := d.Delete(view)
				_, want := model[key]
				require.Equal(t, want, ok)
				delete(model, key)
			default:
				got, ok := d.Get(view)
				want, wantOK := model[key]
				require.Equal(t, wantOK, ok, "key %q", key)
				require.Equal(t, want, got, "key %q", key)
				if ok {
					k, _ := d.Key(view)
					require.Equal(t, key, k)
				}
			}
		}
		if i%1000 == 0 {
			checkDict(t, d, model)
		}
	}
	checkDict(t, d, model)
}

// TestFrozenScanVisitsEachKeyOnceAndPassedFollowsIt freezes tables at
// rest and mid-resize (growing and shrinking), then scans them in steps
// while keys are added and deleted between steps, many more than a
// resize would allow: the buckets do not move, every key present
// throughout is visited exactly once, and after every step Passed is true
// exactly for the keys of the buckets visited so far.
func TestFrozenScanVisitsEachKeyOnceAndPassedFollowsIt(t *testing.T) {
	for _, start := range []string{"rest", "growing", "shrinking"} {
		for seed := uint64(0); seed < 8; seed++ {
			rng := rand.New(rand.NewPCG(seed, 7))
			d := NewDict[int](1)
			switch start {
			case "rest":
				for i := range 500 + rng.IntN(500) {
					d.Set(strconv.Itoa(i), i)
				}
				for d.tables[1] != nil {
					d.Set("0", 0) // finish the resize
				}
			case "growing":
				for i := range 1030 {
					d.Set(strconv.Itoa(i), i)
				}
			case "shrinking":
				for i := range 4000 {
					d.Set(strconv.Itoa(i), i)
				}
				for i := 100; i < 4000; i++ {
					d.Delete(strconv.Itoa(i))
				}
			}
			require.Equal(t, start != "rest", d.tables[1] != nil, start)
			d.Freeze(true)
			lens := [2]int{len(d.tables[0]), len(d.tables[1])}
			present := map[string]bool{} // keys never deleted during the scan
			d.Range(func(k string, _ *int) bool { present[k] = true; return true })
			visited := map[string]int{}
			next, checked := 10_000, 0
			for cursor, steps := uint64(0), 0; ; steps++ {
				if steps > 100_000 {
					t.Fatalf("%s seed %d: the scan does not end", start, seed)
				}
				cursor = d.Scan(cursor, func(k string, _ *int) {
					if visited[k]++; visited[k] > 1 {
						t.Fatalf("%s seed %d: key %q visited twice", start, seed, k)
					}
				})
				if cursor == 0 {
					break
				}
				for k := range present { // random order: a sample of them
					if checked++; checked%7 == 0 && (visited[k] > 0) != d.Passed(cursor, k) {
						t.Fatalf("%s seed %d: key %q visited %d times, Passed says %v", start, seed, k, visited[k], !(visited[k] > 0))
					}
				}
				for range rng.IntN(40) {
					d.Set(strconv.Itoa(next), next)
					next++
				}
				for range rng.IntN(3) {
					if k, ok := d.RandomKey(rng); ok {
						d.Delete(k)
						delete(present, k)
					}
				}
			}
			for k := range present {
				require.Equal(t, 1, visited[k], "%s seed %d: key %q", start, seed, k)
			}
			require.Equal(t, lens, [2]int{len(d.tables[0]), len(d.tables[1])}, "a frozen table resized")
			// Unfrozen, it resizes again as its load calls for.
			d.Freeze(false)
			for i := range 3 * d.Len() {
				d.Set("after"+strconv.Itoa(i), i)
			}
			require.False(t, d.Overloaded())
			require.Greater(t, len(d.tables[0]), lens[0])
		}
	}
}

func TestOverloadedCountsEntriesPerBucket(t *testing.T) {
	d := NewDict[int](1)
	for i := range 100 {
		d.Set(strconv.Itoa(i), i)
	}
	for d.tables[1] != nil {
		d.Set("x", 0) // finish the resize
	}
	d.Freeze(true)
	buckets := len(d.tables[0])
	for i := 0; d.Len() <= 4*buckets; i++ {
		require.False(t, d.Overloaded())
		d.Set("more"+strconv.Itoa(i), i)
	}
	require.True(t, d.Overloaded())
}

func TestFreezingAnEmptyDictLeavesItEmpty(t *testing.T) {
	d := NewDict[int](1)
	d.Freeze(true)
	require.Zero(t, d.Scan(0, func(string, *int) { t.Fatal("visited a key") }))
	d.Freeze(false)
	require.Nil(t, d.tables[0])
	require.Nil(t, d.tables[1])
	d.Set("k", 1)
	v, ok := d.Get("k")
	require.True(t, ok)
	require.Equal(t, 1, v)
}

// TestDictListsFollowEveryChange threads a table's entries onto 5 lists by
// the key's last digit and checks every list against a recomputation after
// each of a random mix of inserts, overwrites, deletes (which move the last
// entry into the hole), clears and a rebuild over a full table.
func TestDictListsFollowEveryChange(t *testing.T) {
	listOf := func(key string) int { return int(key[len(key)-1]-'0') % 5 }
	rng := rand.New(rand.NewPCG(3, 5))
	d := NewDict[int](0)
	for i := range 50 {
		d.Set(fmt.Sprint("k", i), i)
	}
	d.EnableLists(5, listOf)
	for step := range 5000 {
		k := fmt.Sprint("k", rng.IntN(3000))
		switch op := rng.IntN(100); {
		case op < 55:
			d.Set(k, step)
		case op < 98:
			d.Delete(k)
		case op < 99:
			d.Clear()
		default:
			d.EnableLists(5, listOf)
		}
		want := map[int][]string{}
		d.Range(func(key string, _ *int) bool {
			want[listOf(key)] = append(want[listOf(key)], key)
			return true
		})
		for l := range 5 {
			var got []string
			d.RangeList(l, func(key string, v *int) bool {
				w, ok := d.Get(key)
				require.True(t, ok && w == *v, "step %d: list %d holds %q", step, l, key)
				got = append(got, key)
				return true
			})
			require.Equal(t, len(want[l]), d.ListLen(l), "step %d: length of list %d", step, l)
			slices.Sort(got)
			slices.Sort(want[l])
			require.Equal(t, want[l], got, "step %d: list %d", step, l)
		}
	}
	require.Zero(t, d.ListLen(-1))
	require.Zero(t, d.ListLen(5))
	n := 0
	d.RangeList(0, func(string, *int) bool { n++; return false })
	require.LessOrEqual(t, n, 1, "RangeList stops when fn returns false")
	d.DisableLists()
	require.False(t, d.HasLists())
	require.Zero(t, d.ListLen(0))
	require.Zero(t, d.ListsBytes())
}

// TestTableHeaderFitsItsSizeClass pins the header of a hash's or set's
// hash table at the 128-byte allocation size class: a field more (the
// lists pointer did it once) moves every such table to 144 bytes.
func TestTableHeaderFitsItsSizeClass(t *testing.T) {
	require.LessOrEqual(t, unsafe.Sizeof(table[string]{}), uintptr(128))
	require.LessOrEqual(t, unsafe.Sizeof(table[struct{}]{}), uintptr(128))
	require.LessOrEqual(t, unsafe.Sizeof(Dict[float64]{}), uintptr(128))
}
