package store

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
)

// HyperLogLogs are strings holding Redis's exact representation, so that a
// value written by one server counts identically on the other:
//
//	+------+---+-----+----------+----------------------------+
//	| HYLL | E | N/U | Cardin.  | registers (dense or sparse) |
//	+------+---+-----+----------+----------------------------+
//
// a 16-byte header (magic, encoding byte, three unused bytes, and the cached
// cardinality as a little-endian uint64 whose top bit marks it stale), then
// either 16384 6-bit registers packed from the least significant bit up
// (dense), or a run-length code of them (sparse):
//
//	ZERO  00xxxxxx           1..64 registers at 0
//	XZERO 01xxxxxx yyyyyyyy  1..16384 registers at 0 (14-bit length - 1)
//	VAL   1vvvvvxx           1..4 registers at 1..32
//
// The functions here work on such byte slices. Like Redis's sds strings, a
// value has an implicit byte after its end that the sparse code may read
// (an XZERO cut short by the end of the value reads it as its second byte)
// and, on such corrupt values, write; it is kept in the slice's spare
// capacity, so that corrupt values evolve exactly as they do in Redis.

// HLL geometry and defaults.
const (
	hllP             = 14
	hllQ             = 64 - hllP
	HLLRegisters     = 1 << hllP // registers per HyperLogLog
	hllBits          = 6
	hllRegisterMax   = 1<<hllBits - 1
	hllHeaderSize    = 16
	HLLDenseSize     = hllHeaderSize + (HLLRegisters*hllBits+7)/8
	hllDense         = 0
	hllSparse        = 1
	hllMaxEncoding   = hllSparse
	hllSeed          = 0xadc83b19
	hllSparseValMax  = 32
	hllSparseValLen  = 4
	hllSparseZeroLen = 64
	hllAlphaInf      = 0.721347520444481703680 // 0.5/ln(2)

	// HLLSparseMaxBytes is Redis's default hll-sparse-max-bytes: a sparse
	// value that would grow past it becomes dense.
	HLLSparseMaxBytes = 3000
)

// ErrHLLCorrupt reports a value that passed the header checks but whose
// registers cannot be decoded (Redis's INVALIDOBJ).
var ErrHLLCorrupt = errors.New("store: corrupted HLL object")

// HLLRegisterSet is a plain array of register values, the result of merging
// HyperLogLogs (PFMERGE, PFCOUNT of several keys).
type HLLRegisterSet [HLLRegisters]uint8

// NewHLL returns an empty HyperLogLog: sparse, every register zero, cached
// cardinality 0.
func NewHLL() []byte {
	b := make([]byte, hllHeaderSize+2, hllHeaderSize+8)
	copy(b, "HYLL")
	b[4] = hllSparse
	putXZero(b[hllHeaderSize:], HLLRegisters)
	return b
}

// IsHLL reports whether b passes Redis's checks for a HyperLogLog value:
// the magic, a known encoding, and the exact length when dense. The sparse
// registers are only checked when used.
func IsHLL(b []byte) bool {
	if len(b) < hllHeaderSize || string(b[:4]) != "HYLL" || b[4] > hllMaxEncoding {
		return false
	}
	return b[4] != hllDense || len(b) == HLLDenseSize
}

// HLLIsSparse reports whether the HyperLogLog b uses the sparse encoding.
func HLLIsSparse(b []byte) bool { return b[4] == hllSparse }

// HLLHash returns the register index an element maps to and the length of
// the run of zeros (plus one) that ends its hash, as Redis's hllPatLen.
func HLLHash(elem []byte) (index int, count uint8) {
	h := MurmurHash64A(elem, hllSeed)
	index = int(h & (HLLRegisters - 1))
	h >>= hllP
	h |= 1 << hllQ
	return index, uint8(bits.TrailingZeros64(h) + 1)
}

// MurmurHash64A is MurmurHash2's 64-bit variant, reading the key as
// little-endian words on every architecture, as Redis does.
func MurmurHash64A(key []byte, seed uint32) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := uint64(seed) ^ uint64(len(key))*m
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := uint64(key[i]) | uint64(key[i+1])<<8 | uint64(key[i+2])<<16 | uint64(key[i+3])<<24 |
			uint64(key[i+4])<<32 | uint64(key[i+5])<<40 | uint64(key[i+6])<<48 | uint64(key[i+7])<<56
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	if tail := key[n:]; len(tail) > 0 {
		for i := len(tail) - 1; i >= 0; i-- {
			h ^= uint64(tail[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// HLLAdd adds elem to the HyperLogLog b (already checked with IsHLL) and
// returns the value, which may have been reallocated or made dense, and
// whether a register changed. A sparse value may be changed in place even
// when an error is returned, as in Redis. The cached cardinality is not
// touched: the caller invalidates it once for all the elements it adds.
func HLLAdd(b, elem []byte, sparseMax int) ([]byte, bool, error) {
	index, count := HLLHash(elem)
	return hllSet(b, index, count, sparseMax)
}

// hllSet raises register index to count if it is lower.
func hllSet(b []byte, index int, count uint8, sparseMax int) ([]byte, bool, error) {
	switch b[4] {
	case hllDense:
		return b, denseSet(b[hllHeaderSize:], index, count), nil
	case hllSparse:
		return sparseSet(b, index, count, sparseMax)
	}
	return b, false, ErrHLLCorrupt
}

// HLLInvalidateCache marks the cached cardinality of b as stale.
func HLLInvalidateCache(b []byte) { b[15] |= 0x80 }

// HLLCount returns the cardinality of the HyperLogLog b (checked with
// IsHLL), from the cache when it is valid; otherwise it computes it and
// stores it in the cache, in place, reporting that it wrote.
func HLLCount(b []byte) (card uint64, wrote bool, err error) {
	if b[15]&0x80 == 0 {
		for i := 7; i >= 0; i-- {
			card = card<<8 | uint64(b[8+i])
		}
		return card, false, nil
	}
	var histo [64]int
	if b[4] == hllDense {
		denseHisto(b[hllHeaderSize:], &histo)
	} else if !sparseHisto(b, &histo) {
		return 0, false, ErrHLLCorrupt
	}
	card = estimate(&histo)
	for i := 0; i < 8; i++ {
		b[8+i] = byte(card >> (8 * i))
	}
	return card, true, nil
}

// Merge raises every register of r to the value it has in the HyperLogLog
// b (checked with IsHLL).
func (r *HLLRegisterSet) Merge(b []byte) error {
	if b[4] == hllDense {
		regs := b[hllHeaderSize:]
		for i := range r {
			if v := denseGet(regs, i); v > r[i] {
				r[i] = v
			}
		}
		return nil
	}
	i := 0
	ok := sparseWalk(b, func(runlen, val int) {
		if val > 0 {
			for end := i + runlen; i < end; i++ {
				if uint8(val) > r[i] {
					r[i] = uint8(val)
				}
			}
			return
		}
		i += runlen
	})
	if !ok {
		return ErrHLLCorrupt
	}
	return nil
}

// Count estimates the cardinality of the registers.
func (r *HLLRegisterSet) Count() uint64 {
	var histo [64]int
	for _, v := range r {
		histo[v&63]++
	}
	return estimate(&histo)
}

// HLLStore writes merged registers into the HyperLogLog b (checked with
// IsHLL and merged into r), raising each register to its value in r, as
// PFMERGE does: b is made dense first when toDense is set, and otherwise
// stays sparse until a register or its size needs the dense encoding. The
// cached cardinality is invalidated.
func HLLStore(b []byte, r *HLLRegisterSet, toDense bool, sparseMax int) ([]byte, error) {
	if toDense {
		var err error
		if b, _, err = HLLToDense(b); err != nil {
			return b, err
		}
	}
	for i, v := range r {
		if v == 0 {
			continue
		}
		// A sparse value here decoded cleanly in Merge, so setting its
		// registers cannot fail.
		b, _, _ = hllSet(b, i, v, sparseMax)
	}
	HLLInvalidateCache(b)
	return b, nil
}

// HLLToDense returns b in the dense encoding, reporting whether it was
// converted. The header, cached cardinality included, is kept.
func HLLToDense(b []byte) ([]byte, bool, error) {
	if b[4] == hllDense {
		return b, false, nil
	}
	d := make([]byte, HLLDenseSize)
	copy(d, b[:hllHeaderSize])
	d[4] = hllDense
	regs := d[hllHeaderSize:]
	idx := 0
	ok := sparseWalk(b, func(runlen, val int) {
		if val > 0 {
			for end := idx + runlen; idx < end; idx++ {
				densePut(regs, idx, uint8(val))
			}
			return
		}
		idx += runlen
	})
	if !ok {
		return b, false, ErrHLLCorrupt
	}
	return d, true, nil
}

// HLLRegisterValues returns the 16384 register values of a dense b.
func HLLRegisterValues(b []byte) []uint8 {
	out := make([]uint8, HLLRegisters)
	regs := b[hllHeaderSize:]
	for i := range out {
		out[i] = denseGet(regs, i)
	}
	return out
}

// HLLDecode describes the opcodes of a sparse b as PFDEBUG DECODE does
// ("Z:16384", "z:3", "v:2,1" separated by spaces). It decodes whatever is
// there, valid or not.
func HLLDecode(b []byte) string {
	var sb strings.Builder
	for p := hllHeaderSize; p < len(b); {
		op := b[p]
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		switch {
		case op&0xc0 == 0:
			sb.WriteString("z:" + strconv.Itoa(int(op&0x3f)+1))
			p++
		case op&0xc0 == 0x40:
			sb.WriteString("Z:" + strconv.Itoa(xzeroLen(b, p)))
			p += 2
		default:
			fmt.Fprintf(&sb, "v:%d,%d", int(op>>2&0x1f)+1, int(op&3)+1)
			p++
		}
	}
	return sb.String()
}

// ----- dense registers -----

// denseGet returns register i of the packed 6-bit registers.
func denseGet(regs []byte, i int) uint8 {
	byteIdx := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	b0 := uint(regs[byteIdx])
	var b1 uint
	if byteIdx+1 < len(regs) {
		b1 = uint(regs[byteIdx+1])
	}
	return uint8((b0>>fb | b1<<(8-fb)) & hllRegisterMax)
}

// densePut stores v in register i.
func densePut(regs []byte, i int, v uint8) {
	byteIdx := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	regs[byteIdx] &^= byte(hllRegisterMax << fb)
	regs[byteIdx] |= byte(uint(v) << fb)
	if byteIdx+1 < len(regs) {
		regs[byteIdx+1] &^= byte(hllRegisterMax >> (8 - fb))
		regs[byteIdx+1] |= byte(uint(v) >> (8 - fb))
	}
}

// denseSet raises register i to count and reports whether it changed.
func denseSet(regs []byte, i int, count uint8) bool {
	if count > denseGet(regs, i) {
		densePut(regs, i, count)
		return true
	}
	return false
}

// denseHisto counts the registers of each value.
func denseHisto(regs []byte, histo *[64]int) {
	for r := regs[:HLLRegisters*hllBits/8]; len(r) >= 3; r = r[3:] {
		histo[r[0]&63]++
		histo[(r[0]>>6|r[1]<<2)&63]++
		histo[(r[1]>>4|r[2]<<4)&63]++
		histo[r[2]>>2&63]++
	}
}

// ----- sparse registers -----

// after returns the byte at i, which may be the implicit byte just past the
// end of b (kept in its spare capacity, zero when there is none).
func after(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	if i < cap(b) {
		return b[:i+1][i]
	}
	return 0
}

// xzeroLen decodes the length of the XZERO opcode at p.
func xzeroLen(b []byte, p int) int {
	return (int(b[p]&0x3f)<<8 | int(after(b, p+1))) + 1
}

// putXZero writes an XZERO opcode of n registers at the start of dst.
func putXZero(dst []byte, n int) {
	n--
	dst[0] = byte(n>>8) | 0x40
	dst[1] = byte(n)
}

// valOp encodes a VAL opcode.
func valOp(val, n int) byte { return byte((val-1)<<2|(n-1)) | 0x80 }

// sparseWalk calls fn with each run of the sparse registers of b (val 0 for
// ZERO and XZERO runs) and reports whether they cover exactly the 16384
// registers. It stops at the first run that would pass the last register,
// before calling fn with it.
func sparseWalk(b []byte, fn func(runlen, val int)) bool {
	idx := 0
	for p := hllHeaderSize; p < len(b); {
		var runlen, val int
		switch op := b[p]; {
		case op&0xc0 == 0:
			runlen = int(op&0x3f) + 1
			p++
		case op&0xc0 == 0x40:
			runlen = xzeroLen(b, p)
			p += 2
		default:
			runlen, val = int(op&3)+1, int(op>>2&0x1f)+1
			p++
		}
		if idx+runlen > HLLRegisters {
			return false
		}
		fn(runlen, val)
		idx += runlen
	}
	return idx == HLLRegisters
}

// sparseHisto counts the registers of each value, reporting false when the
// sparse code is corrupt.
func sparseHisto(b []byte, histo *[64]int) bool {
	return sparseWalk(b, func(runlen, val int) { histo[val] += runlen })
}

// reserve makes room for n more bytes plus the implicit byte past the end,
// keeping that byte, as sdsMakeRoomFor does. Sparse values stop growing at
// a few kilobytes, so a quarter more is enough slack: doubling would leave
// small HyperLogLogs half empty.
func reserve(b []byte, n int) []byte {
	if cap(b)-len(b) > n {
		return b
	}
	nb := make([]byte, len(b), len(b)+n+1+len(b)/4+8)
	copy(nb, b)
	nb[:len(b)+1][len(b)] = after(b, len(b))
	return nb
}

// sparseSet raises register index of the sparse b to count, splitting and
// merging opcodes as Redis's hllSparseSet does, so the bytes come out the
// same. It promotes b to dense when count does not fit a VAL opcode or the
// value would grow past sparseMax bytes.
func sparseSet(b []byte, index int, count uint8, sparseMax int) ([]byte, bool, error) {
	if count > hllSparseValMax {
		return promote(b, index, count)
	}
	b = reserve(b, 3)
	end := len(b)

	// Find the opcode covering index.
	p, first, span, prev := hllHeaderSize, 0, 0, -1
	for p < end {
		oplen := 1
		switch op := b[p]; {
		case op&0xc0 == 0:
			span = int(op&0x3f) + 1
		case op&0x80 != 0:
			span = int(op&3) + 1
		default:
			span = xzeroLen(b, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return b, false, ErrHLLCorrupt
	}
	op := b[p]
	isXZero := op&0xc0 == 0x40
	isZero := op&0xc0 == 0
	next := p + 1
	if isXZero {
		next = p + 2
	}
	if next >= end {
		next = -1
	}
	var runlen int
	switch {
	case isZero:
		runlen = int(op&0x3f) + 1
	case isXZero:
		runlen = xzeroLen(b, p)
	default:
		runlen = int(op&3) + 1
	}

	switch {
	case !isZero && !isXZero && int(op>>2&0x1f)+1 >= int(count):
		return b, false, nil
	case !isXZero && runlen == 1:
		// A single register (VAL or ZERO of length 1) becomes a VAL.
		b[p] = valOp(int(count), 1)
	default:
		// Split the opcode around the register: at worst XZERO-VAL-XZERO.
		var seq [5]byte
		n := 0
		last := first + span - 1
		zeros := func(l int) {
			if l > hllSparseZeroLen {
				putXZero(seq[n:], l)
				n += 2
			} else {
				seq[n] = byte(l - 1)
				n++
			}
		}
		if isZero || isXZero {
			if index != first {
				zeros(index - first)
			}
			seq[n] = valOp(int(count), 1)
			n++
			if index != last {
				zeros(last - index)
			}
		} else {
			cur := int(op>>2&0x1f) + 1
			if index != first {
				seq[n] = valOp(cur, index-first)
				n++
			}
			seq[n] = valOp(int(count), 1)
			n++
			if index != last {
				seq[n] = valOp(cur, last-index)
				n++
			}
		}
		oldlen := 1
		if isXZero {
			oldlen = 2
		}
		delta := n - oldlen
		if delta > 0 && len(b)+delta > sparseMax {
			return promote(b, index, count)
		}
		full := b[:cap(b)]
		if delta != 0 && next >= 0 {
			copy(full[next+delta:], full[next:end])
		}
		end += delta
		full[end] = 0
		// On a corrupt value whose last XZERO is cut short, the last byte
		// of the sequence lands on the implicit byte past the end.
		copy(full[p:], seq[:n])
		b = full[:end]
	}

	// Merge adjacent VAL opcodes of the same value, scanning up to five
	// opcodes from the one before the change.
	p = hllHeaderSize
	if prev >= 0 {
		p = prev
	}
	full := b[:cap(b)]
	for scan := 5; p < end && scan > 0; scan-- {
		op := full[p]
		if op&0xc0 == 0x40 {
			p += 2
			continue
		}
		if op&0xc0 == 0 {
			p++
			continue
		}
		if p+1 < end && full[p+1]&0x80 != 0 {
			v1, v2 := int(op>>2&0x1f)+1, int(full[p+1]>>2&0x1f)+1
			if l := int(op&3) + 1 + int(full[p+1]&3) + 1; v1 == v2 && l <= hllSparseValLen {
				full[p+1] = valOp(v1, l)
				copy(full[p:end], full[p+1:end+1])
				end--
				full[end] = 0
				continue
			}
		}
		p++
	}
	b = full[:end]
	HLLInvalidateCache(b)
	return b, true, nil
}

// promote converts the sparse b to dense and sets the register there.
func promote(b []byte, index int, count uint8) ([]byte, bool, error) {
	d, _, err := HLLToDense(b)
	if err != nil {
		return b, false, err
	}
	denseSet(d[hllHeaderSize:], index, count)
	return d, true, nil
}

// ----- estimation -----

// estimate is Redis 7's cardinality estimator (Otmar Ertl, "New
// cardinality estimation algorithms for HyperLogLog sketches",
// arXiv:1702.01284) over a histogram of register values, with Redis's
// operation order so results agree to the unit. Explicit float64
// conversions keep the compiler from fusing multiply-adds.
func estimate(histo *[64]int) uint64 {
	const m = float64(HLLRegisters)
	z := m * hllTau((m-float64(histo[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(histo[0])/m))
	e := float64(hllAlphaInf*m*m) / z
	return llround(e)
}

// llround rounds half away from zero to an integer and returns it as the
// uint64 Redis ends up with: C's llroundl gives LLONG_MIN for what does not
// fit (an all-ones sketch makes z zero and the estimate infinite), which
// Redis then reads as 2^63.
func llround(e float64) uint64 {
	r := math.Round(e)
	if math.IsNaN(r) || r >= 1<<63 || r < -(1<<63) {
		return 1 << 63
	}
	return uint64(int64(r))
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y := 1.0
	z := x
	for {
		x *= x
		prev := z
		z += float64(x * y)
		y += y
		if prev == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y := 1.0
	z := 1 - x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= float64(math.Pow(1-x, 2) * y)
		if prev == z {
			return z / 3
		}
	}
}

// ----- self test -----

// HLLSelfTestError is a failed check of HLLSelfTest; Msg is the text after
// Redis's TESTFAILED code.
type HLLSelfTestError struct{ Msg string }

func (e *HLLSelfTestError) Error() string { return "store: HLL self-test failed: " + e.Msg }

// HLLSelfTest checks the register packing and the estimator as Redis's
// PFSELFTEST does: random register values read back unchanged, and dense
// and sparse sketches of up to ten million elements agree with each other
// and stay within six standard errors of the truth.
func HLLSelfTest(rng *rand.Rand) error {
	const cycles = 1000
	dense := make([]byte, HLLDenseSize)
	copy(dense, "HYLL")
	regs := dense[hllHeaderSize:]
	var want [HLLRegisters]uint8
	for range cycles {
		for i := range want {
			want[i] = uint8(rng.IntN(hllRegisterMax + 1))
			densePut(regs, i, want[i])
		}
		for i := range want {
			if v := denseGet(regs, i); v != want[i] {
				return &HLLSelfTestError{fmt.Sprintf("Register %d should be %d but is %d", i, want[i], v)}
			}
		}
	}

	clear(regs)
	sparse := NewHLL()
	relerr := 1.04 / math.Sqrt(HLLRegisters)
	checkpoint := uint64(1)
	seed := rng.Uint64()
	var ele [8]byte
	count := func(b []byte) uint64 {
		HLLInvalidateCache(b)
		n, _, _ := HLLCount(b)
		return n
	}
	for j := uint64(1); j <= 10_000_000; j++ {
		v := j ^ seed
		for i := range ele {
			ele[i] = byte(v >> (8 * i))
		}
		index, c := HLLHash(ele[:])
		denseSet(regs, index, c)
		sparse, _, _ = hllSet(sparse, index, c, HLLSparseMaxBytes)
		if j != checkpoint {
			continue
		}
		if j < HLLSparseMaxBytes/2 && !HLLIsSparse(sparse) {
			return &HLLSelfTestError{"sparse encoding not used"}
		}
		got := count(dense)
		if got != count(sparse) {
			return &HLLSelfTestError{"dense/sparse disagree"}
		}
		maxerr := uint64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1
		}
		abserr := int64(checkpoint) - int64(got)
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > int64(maxerr) {
			return &HLLSelfTestError{fmt.Sprintf("Too big error. card:%d abserr:%d", checkpoint, abserr)}
		}
		checkpoint *= 10
	}
	return nil
}
