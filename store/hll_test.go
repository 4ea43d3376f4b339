package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// hllRegs decodes every register of a valid HyperLogLog.
func hllRegs(t testing.TB, b []byte) []uint8 {
	t.Helper()
	d, _, err := HLLToDense(b)
	require.NoError(t, err)
	return HLLRegisterValues(d)
}

// sparseHLL builds a sparse HyperLogLog holding the registers of model
// (values 1..32), setting them in a random order.
func sparseHLL(t testing.TB, rng *rand.Rand, model []uint8, sparseMax int) []byte {
	t.Helper()
	b := NewHLL()
	for _, i := range rng.Perm(len(model)) {
		if model[i] == 0 {
			continue
		}
		var err error
		b, _, err = hllSet(b, i, model[i], sparseMax)
		require.NoError(t, err)
	}
	return b
}

func TestHLLHashMatchesRedis(t *testing.T) {
	// Register and run length of each element, read with PFDEBUG DECODE
	// from redis-server 7.0.15 after a PFADD into an empty key.
	cases := []struct {
		elem  string
		index int
		count uint8
	}{
		{"a", 12711, 2},
		{"b", 15780, 1},
		{"hello", 9216, 1},
		{"", 5938, 2},
		{"foo12345", 15335, 3},
		{"0123456789abcdef0", 16236, 1},
		{"x", 16374, 2},
		{strings.Repeat("long", 30), 5727, 2},
	}
	for _, tc := range cases {
		t.Run(tc.elem, func(t *testing.T) {
			index, count := HLLHash([]byte(tc.elem))
			require.Equal(t, tc.index, index)
			require.Equal(t, tc.count, count)
		})
	}
}

func TestNewHLLIsEmptySparse(t *testing.T) {
	b := NewHLL()
	require.Equal(t, []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"), b)
	require.True(t, IsHLL(b))
	require.True(t, HLLIsSparse(b))
	require.Equal(t, "Z:16384", HLLDecode(b))
	n, wrote, err := HLLCount(b)
	require.NoError(t, err)
	require.Zero(t, n)
	require.False(t, wrote, "a new HyperLogLog has a valid cached cardinality of 0")
}

func TestIsHLLChecksTheHeader(t *testing.T) {
	dense := make([]byte, HLLDenseSize)
	copy(dense, "HYLL")
	cases := []struct {
		name string
		b    []byte
		want bool
	}{
		{"empty sparse", NewHLL(), true},
		{"header only", []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), true},
		{"short", []byte("HYLL\x01"), false},
		{"bad magic", []byte("HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"), false},
		{"unknown encoding", []byte("HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"), false},
		{"dense", dense, true},
		{"dense too short", dense[:len(dense)-1], false},
		{"dense too long", append(append([]byte(nil), dense...), 0), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { require.Equal(t, tc.want, IsHLL(tc.b)) })
	}
}

func TestHLLSparseOpcodes(t *testing.T) {
	// Registers set one by one, and the opcodes Redis ends up with.
	cases := []struct {
		name string
		sets [][2]int
		want string
	}{
		{"first register", [][2]int{{0, 3}}, "v:3,1 Z:16383"},
		{"last register", [][2]int{{16383, 1}}, "Z:16383 v:1,1"},
		{"short zero run", [][2]int{{10, 2}}, "z:10 v:2,1 Z:16373"},
		{"adjacent equal values merge", [][2]int{{100, 2}, {101, 2}, {99, 2}}, "Z:99 v:2,3 Z:16282"},
		{"merge stops at four", [][2]int{{100, 2}, {101, 2}, {102, 2}, {103, 2}, {104, 2}}, "Z:100 v:2,4 v:2,1 Z:16279"},
		{"split a run of values", [][2]int{{100, 2}, {101, 2}, {102, 2}, {101, 5}}, "Z:100 v:2,1 v:5,1 v:2,1 Z:16281"},
		{"lower value changes nothing", [][2]int{{7, 4}, {7, 3}}, "z:7 v:4,1 Z:16376"},
		{"zero of one becomes a value", [][2]int{{5, 1}, {7, 1}, {6, 3}}, "z:5 v:1,1 v:3,1 v:1,1 Z:16376"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := NewHLL()
			for _, s := range tc.sets {
				var err error
				b, _, err = hllSet(b, s[0], uint8(s[1]), HLLSparseMaxBytes)
				require.NoError(t, err)
			}
			require.Equal(t, tc.want, HLLDecode(b))
		})
	}
}

func TestHLLSparseRoundTripsThroughDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 60 {
		model := make([]uint8, HLLRegisters)
		n := rng.IntN(2000)
		if trial%10 == 0 {
			n = rng.IntN(8000)
		}
		for range n {
			model[rng.IntN(HLLRegisters)] = uint8(1 + rng.IntN(hllSparseValMax))
		}
		sparse := sparseHLL(t, rng, model, math.MaxInt)
		require.True(t, HLLIsSparse(sparse))
		require.Equal(t, model, hllRegs(t, sparse))

		var histo [64]int
		require.True(t, sparseHisto(sparse, &histo))

		dense, converted, err := HLLToDense(sparse)
		require.NoError(t, err)
		require.True(t, converted)
		require.Len(t, dense, HLLDenseSize)
		require.Equal(t, model, HLLRegisterValues(dense))

		// Both encodings and the merged register set estimate the same.
		HLLInvalidateCache(sparse)
		HLLInvalidateCache(dense)
		cs, _, err := HLLCount(sparse)
		require.NoError(t, err)
		cd, _, err := HLLCount(dense)
		require.NoError(t, err)
		require.Equal(t, cs, cd)
		var regs HLLRegisterSet
		require.NoError(t, regs.Merge(sparse))
		require.Equal(t, cs, regs.Count())
		require.Equal(t, model, regs[:])
	}
}

func TestHLLDenseRegistersAreIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	regs := make([]byte, HLLDenseSize-hllHeaderSize)
	model := make([]uint8, HLLRegisters)
	for range 100_000 {
		i, v := rng.IntN(HLLRegisters), uint8(rng.IntN(64))
		densePut(regs, i, v)
		model[i] = v
	}
	for i, v := range model {
		require.Equal(t, v, denseGet(regs, i), "register %d", i)
	}
	var histo, want [64]int
	denseHisto(regs, &histo)
	for _, v := range model {
		want[v]++
	}
	require.Equal(t, want, histo)
}

func TestHLLAddPromotesToDense(t *testing.T) {
	t.Run("by size", func(t *testing.T) {
		b := NewHLL()
		for i := 0; HLLIsSparse(b); i++ {
			require.LessOrEqual(t, len(b), HLLSparseMaxBytes)
			var err error
			b, _, err = HLLAdd(b, []byte(strconv.Itoa(i)), HLLSparseMaxBytes)
			require.NoError(t, err)
		}
		require.Len(t, b, HLLDenseSize)
	})
	t.Run("by value", func(t *testing.T) {
		// This element's hash ends in a run of 33, found by search.
		index, count := HLLHash([]byte("big6209776902"))
		require.Equal(t, uint8(33), count)
		b, changed, err := HLLAdd(NewHLL(), []byte("big6209776902"), HLLSparseMaxBytes)
		require.NoError(t, err)
		require.True(t, changed)
		require.False(t, HLLIsSparse(b))
		require.Equal(t, uint8(33), HLLRegisterValues(b)[index])

		b, changed, err = hllSet(NewHLL(), 42, 33, HLLSparseMaxBytes)
		require.NoError(t, err)
		require.True(t, changed)
		require.False(t, HLLIsSparse(b))
		require.Equal(t, uint8(33), HLLRegisterValues(b)[42])
	})
	t.Run("keeps the header", func(t *testing.T) {
		b := NewHLL()
		b[5], b[6], b[7] = 1, 2, 3
		b, _, err := hllSet(b, 0, 40, HLLSparseMaxBytes)
		require.NoError(t, err)
		require.Equal(t, "HYLL\x00\x01\x02\x03", string(b[:8]))
	})
}

func TestHLLCountCachesTheCardinality(t *testing.T) {
	b := NewHLL()
	for i := range 1000 {
		b, _, _ = HLLAdd(b, []byte(strconv.Itoa(i)), HLLSparseMaxBytes)
	}
	HLLInvalidateCache(b)
	n, wrote, err := HLLCount(b)
	require.NoError(t, err)
	require.True(t, wrote)
	require.InDelta(t, 1000, float64(n), 1000*0.0081*3)
	require.Equal(t, n, uint64(b[8])|uint64(b[9])<<8, "little-endian cache")
	n2, wrote, err := HLLCount(b)
	require.NoError(t, err)
	require.False(t, wrote)
	require.Equal(t, n, n2)

	// A valid cache is trusted as it is.
	b[8], b[9] = 0x39, 0x05
	n3, _, _ := HLLCount(b)
	require.Equal(t, uint64(1337), n3)
}

func TestHLLEstimateEdges(t *testing.T) {
	dense := make([]byte, HLLDenseSize)
	copy(dense, "HYLL")
	HLLInvalidateCache(dense)
	n, _, err := HLLCount(dense)
	require.NoError(t, err)
	require.Zero(t, n)

	// Registers past 51 are ignored by the estimator: with all of them at
	// 63 it divides by zero, and Redis reports 2^63 (llroundl overflow),
	// which cannot be cached.
	for i := hllHeaderSize; i < len(dense); i++ {
		dense[i] = 0xff
	}
	HLLInvalidateCache(dense)
	n, _, err = HLLCount(dense)
	require.NoError(t, err)
	require.Equal(t, uint64(1<<63), n)
	require.Equal(t, byte(0x80), dense[15])
}

func TestHLLAccuracy(t *testing.T) {
	b := NewHLL()
	var buf []byte
	next := 10
	for i := 1; i <= 200_000; i++ {
		buf = strconv.AppendInt(buf[:0], int64(i), 10)
		b, _, _ = HLLAdd(b, buf, HLLSparseMaxBytes)
		if i == next {
			HLLInvalidateCache(b)
			n, _, err := HLLCount(b)
			require.NoError(t, err)
			require.InDelta(t, float64(i), float64(n), math.Max(1, float64(i)*0.0081*4), "at %d", i)
			next *= 3
		}
	}
}

func TestHLLMergeAndStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	model := make([]uint8, HLLRegisters)
	var regs HLLRegisterSet
	for k := range 5 {
		part := make([]uint8, HLLRegisters)
		for range 200 * (k + 1) {
			part[rng.IntN(HLLRegisters)] = uint8(1 + rng.IntN(20))
		}
		b := sparseHLL(t, rng, part, math.MaxInt)
		if k == 3 {
			b, _, _ = HLLToDense(b)
		}
		require.NoError(t, regs.Merge(b))
		for i, v := range part {
			model[i] = max(model[i], v)
		}
	}
	require.Equal(t, model, regs[:])

	sparse, err := HLLStore(NewHLL(), &regs, false, math.MaxInt)
	require.NoError(t, err)
	require.True(t, HLLIsSparse(sparse))
	require.Equal(t, model, hllRegs(t, sparse))
	require.Equal(t, byte(0x80), sparse[15]&0x80, "cache invalidated")

	promoted, err := HLLStore(NewHLL(), &regs, false, HLLSparseMaxBytes)
	require.NoError(t, err)
	require.False(t, HLLIsSparse(promoted))
	require.Equal(t, model, HLLRegisterValues(promoted))

	dense, err := HLLStore(NewHLL(), &regs, true, math.MaxInt)
	require.NoError(t, err)
	require.Equal(t, promoted, dense)
}

// corruptHLLs are sparse values with broken register codes.
var corruptHLLs = []string{
	"\x7f\xff\x40\x00", // 16385 registers
	"\x7f\xff\x00",     // ZERO past the end
	"\x7f\xff\x80",     // VAL past the end
	"\x7f\xfe\x81",     // VAL run crossing the end
	"\x7f",             // XZERO cut short (reads the byte past the end)
	"\x10",             // too few registers
	"",                 // no registers at all
}

func TestHLLCorruptSparseIsReported(t *testing.T) {
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	for _, c := range corruptHLLs {
		t.Run(fmt.Sprintf("%q", c), func(t *testing.T) {
			b := []byte(hdr + c)
			require.True(t, IsHLL(b))
			_, _, err := HLLCount(append([]byte(nil), b...))
			require.ErrorIs(t, err, ErrHLLCorrupt)
			var regs HLLRegisterSet
			require.ErrorIs(t, regs.Merge(b), ErrHLLCorrupt)
			_, _, err = HLLToDense(b)
			require.ErrorIs(t, err, ErrHLLCorrupt)
			_, _, err = hllSet(append([]byte(nil), b...), 0, 40, HLLSparseMaxBytes)
			require.ErrorIs(t, err, ErrHLLCorrupt)
		})
	}
}

func TestHLLCorruptSparseWritesPastTheEndLikeRedis(t *testing.T) {
	// An XZERO cut short by the end of the value reads the implicit byte
	// after it as its second byte, and splitting it writes the last byte of
	// the new sequence onto that implicit byte, where later reads find it.
	// The bytes and decodings are redis-server 7.0.15's for the same
	// value and PFADDs.
	b := []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x10\x7f")
	require.Equal(t, "z:17 Z:16129", HLLDecode(b))
	steps := []struct{ elem, bytes, decoded string }{
		{"a", "\x10\x71\x95\x84\x4d", "z:17 Z:12694 v:2,1 Z:3434"},
		{"b", "\x10\x71\x95\x84\x4b\xfb\x80\x41", "z:17 Z:12694 v:2,1 Z:3068 v:1,1 Z:365"},
		{"hello", "\x10\x63\xee\x80\x4d\xa5\x84\x4b\xfb\x80\x41", "z:17 Z:9199 v:1,1 Z:3494 v:2,1 Z:3068 v:1,1 Z:257"},
	}
	for _, st := range steps {
		var changed bool
		var err error
		b, changed, err = HLLAdd(b, []byte(st.elem), HLLSparseMaxBytes)
		require.NoError(t, err)
		require.True(t, changed)
		require.Equal(t, st.bytes, string(b[hllHeaderSize:]), "after %q", st.elem)
		require.Equal(t, st.decoded, HLLDecode(b))
	}
	_, _, err := HLLCount(b)
	require.ErrorIs(t, err, ErrHLLCorrupt)
}

func TestHLLCorruptInputsNeverPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 5000 {
		n := rng.IntN(64)
		b := make([]byte, hllHeaderSize+n, hllHeaderSize+n+rng.IntN(8))
		copy(b, "HYLL\x01")
		for i := hllHeaderSize; i < len(b); i++ {
			b[i] = byte(rng.Uint32())
		}
		exerciseHLL(t, b, rng.Uint64())
	}
}

// exerciseHLL runs every operation on b, which must not panic or hang. It
// may run outside the test's goroutine, so it reports with t.Errorf.
func exerciseHLL(t testing.TB, b []byte, seed uint64) {
	if !IsHLL(b) {
		return
	}
	_, _, _ = HLLCount(append([]byte(nil), b...))
	var regs HLLRegisterSet
	merged := regs.Merge(b) == nil
	_ = regs.Count()
	_, _, _ = HLLToDense(b)
	if HLLIsSparse(b) {
		_ = HLLDecode(b)
	}
	work := append(make([]byte, 0, len(b)+int(seed%5)), b...)
	rng := rand.New(rand.NewPCG(seed, 1))
	for range 20 {
		var err error
		work, _, err = hllSet(work, rng.IntN(HLLRegisters), uint8(1+rng.IntN(40)), 64+rng.IntN(200))
		if err != nil {
			break
		}
		if !IsHLL(work) {
			t.Errorf("setting a register broke the header: %q", work[:hllHeaderSize])
			return
		}
	}
	// PFMERGE stores only into values that merged cleanly. Setting every
	// register of a long sparse value takes a while, as in Redis.
	if merged && len(b) <= 4096 {
		_, _ = HLLStore(append([]byte(nil), b...), &regs, seed%2 == 0, HLLSparseMaxBytes)
	}
}

// FuzzHLL feeds arbitrary bytes to every HyperLogLog operation: as they
// are, behind a sparse header, and tiled into the registers of a dense
// value (so inputs stay short while dense values are covered). Each input
// must finish within a second.
func FuzzHLL(f *testing.F) {
	sparseHdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	for _, c := range corruptHLLs {
		f.Add([]byte(c), uint64(1))
	}
	b := NewHLL()
	for i := range 300 {
		b, _, _ = HLLAdd(b, []byte(strconv.Itoa(i)), HLLSparseMaxBytes)
	}
	f.Add(b, uint64(2))
	f.Add(b[hllHeaderSize:], uint64(3))
	f.Add([]byte{0xff}, uint64(4))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		if len(data) > 1024 {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			exerciseHLL(t, data, seed)
			exerciseHLL(t, append([]byte(sparseHdr), data...), seed)
			if len(data) > 0 {
				dense := make([]byte, HLLDenseSize)
				copy(dense, "HYLL\x00")
				copy(dense[8:], data[:min(len(data), 8)])
				for i := hllHeaderSize; i < len(dense); i += len(data) {
					copy(dense[i:], data)
				}
				exerciseHLL(t, dense, seed)
			}
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatalf("HLL operations on %d bytes did not finish in 1s", len(data))
		}
	})
}

func TestHLLSelfTestPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("ten million additions")
	}
	require.NoError(t, HLLSelfTest(rand.New(rand.NewPCG(9, 10))))
}
