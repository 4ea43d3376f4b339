package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: each power-of-two range of
// values is split into 2^(subBits-1) buckets, so a recorded value is off
// by at most 1/128 (under 1%) of itself.
const (
	subBits  = 8
	subCount = 1 << subBits
	half     = subCount / 2
	// Values up to 2^63 ns fit: a shift of at most 63-subBits+1.
	numBuckets = subCount + (64-subBits)*half
)

// Histogram counts durations in log-linear buckets, like HdrHistogram:
// exact below 256 ns, then with a relative error under 1%. The zero value
// is empty and ready to use. It is not safe for concurrent use: give each
// goroutine its own and Merge them.
type Histogram struct {
	counts [numBuckets]uint64
	total  uint64
	max    uint64
}

// bucketOf returns the bucket index holding v nanoseconds.
func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(v) - subBits
	m := v >> shift // in [half, subCount)
	return subCount + (shift-1)*half + int(m-half)
}

// upperBound returns the largest value that falls in bucket i.
func upperBound(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	shift := (i-subCount)/half + 1
	m := uint64((i-subCount)%half + half)
	return (m+1)<<shift - 1
}

// Record counts one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) { h.RecordN(d, 1) }

// RecordN counts n requests that each took d, as the commands of one
// pipelined batch do.
func (h *Histogram) RecordN(d time.Duration, n uint64) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)] += n
	h.total += n
	h.max = max(h.max, v)
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.max = max(h.max, o.max)
}

// Count returns the number of recorded values.
func (h *Histogram) Count() uint64 { return h.total }

// Max returns the largest recorded value exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Quantile returns the value at quantile q in [0, 1]: the upper bound of
// the bucket holding the ceil(q*count)-th smallest value (never above the
// recorded maximum), as HdrHistogram's "highest equivalent value". An
// empty histogram returns 0.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(upperBound(i), h.max))
		}
	}
	return time.Duration(h.max)
}
