package store

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// benchKeys returns n distinct keys of the shape "key:<i>" in insertion
// order, and the same keys shuffled for lookups, so that neither table is
// favoured by looking keys up in the order they were stored.
func benchKeys(n int) (keys, shuffled []string) {
	keys = make([]string, n)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	shuffled = append([]string(nil), keys...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	return keys, shuffled
}

// The sizes are not powers of two: at 1<<20 keys the Dict has just started
// growing and is at its worst (load factor 1, both bucket arrays).
// 1,000,000 keys is still at load factor 0.95.
var benchSizes = []struct {
	name string
	n    int
}{{"1K", 1000}, {"1M", 1_000_000}}

func BenchmarkGetHit(b *testing.B) {
	for _, size := range benchSizes {
		keys, lookups := benchKeys(size.n)
		b.Run("Dict/"+size.name, func(b *testing.B) {
			d := NewDict[value40](1)
			for _, k := range keys {
				d.Set(k, value40{})
			}
			b.ReportAllocs()
			b.ResetTimer()
			j := 0
			for range b.N {
				if _, ok := d.Get(lookups[j]); !ok {
					b.Fatal("miss")
				}
				if j++; j == len(lookups) {
					j = 0
				}
			}
		})
		b.Run("Map/"+size.name, func(b *testing.B) {
			m := make(map[string]value40)
			for _, k := range keys {
				m[k] = value40{}
			}
			b.ReportAllocs()
			b.ResetTimer()
			j := 0
			for range b.N {
				if _, ok := m[lookups[j]]; !ok {
					b.Fatal("miss")
				}
				if j++; j == len(lookups) {
					j = 0
				}
			}
		})
	}
}

// BenchmarkSetNew inserts 1M keys into a table that starts empty, then
// starts over (untimed), so that growth is included at its amortized cost.
func BenchmarkSetNew(b *testing.B) {
	keys, _ := benchKeys(1_000_000)
	b.Run("Dict", func(b *testing.B) {
		d := NewDict[value40](1)
		b.ReportAllocs()
		j := 0
		for range b.N {
			d.Set(keys[j], value40{})
			if j++; j == len(keys) {
				b.StopTimer()
				d, j = NewDict[value40](1), 0
				b.StartTimer()
			}
		}
	})
	b.Run("Map", func(b *testing.B) {
		m := make(map[string]value40)
		b.ReportAllocs()
		j := 0
		for range b.N {
			m[keys[j]] = value40{}
			if j++; j == len(keys) {
				b.StopTimer()
				m, j = make(map[string]value40), 0
				b.StartTimer()
			}
		}
	})
}

func BenchmarkSetReplace(b *testing.B) {
	keys, lookups := benchKeys(1_000_000)
	b.Run("Dict", func(b *testing.B) {
		d := NewDict[value40](1)
		for _, k := range keys {
			d.Set(k, value40{})
		}
		b.ReportAllocs()
		b.ResetTimer()
		j := 0
		for i := range b.N {
			d.Set(lookups[j], value40{uint64(i)})
			if j++; j == len(lookups) {
				j = 0
			}
		}
	})
	b.Run("Map", func(b *testing.B) {
		m := make(map[string]value40)
		for _, k := range keys {
			m[k] = value40{}
		}
		b.ReportAllocs()
		b.ResetTimer()
		j := 0
		for i := range b.N {
			m[lookups[j]] = value40{uint64(i)}
			if j++; j == len(lookups) {
				j = 0
			}
		}
	})
}

// BenchmarkDelete deletes every key of a 1M-key table in random order,
// refilling it (untimed) when it is empty; shrinking is included.
func BenchmarkDelete(b *testing.B) {
	keys, lookups := benchKeys(1_000_000)
	b.Run("Dict", func(b *testing.B) {
		var d *Dict[value40]
		b.ReportAllocs()
		for i := range b.N {
			j := i % len(lookups)
			if j == 0 {
				b.StopTimer()
				d = NewDict[value40](1)
				for _, k := range keys {
					d.Set(k, value40{})
				}
				b.StartTimer()
			}
			if _, ok := d.Delete(lookups[j]); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("Map", func(b *testing.B) {
		var m map[string]value40
		b.ReportAllocs()
		for i := range b.N {
			j := i % len(lookups)
			if j == 0 {
				b.StopTimer()
				m = make(map[string]value40)
				for _, k := range keys {
					m[k] = value40{}
				}
				b.StartTimer()
			}
			delete(m, lookups[j])
		}
	})
}

// BenchmarkGetBatch looks keys up in batches of 16 from a table of 1M, as a
// pipeline of 16 commands does, with and without Prefetch first; ns/op is
// per key. In a loop this tight the processor already overlaps some of the
// plain lookups' misses; in the server, the work of each command between
// two lookups keeps it from doing so.
func BenchmarkGetBatch(b *testing.B) {
	keys, lookups := benchKeys(1_000_000)
	d := NewDict[value40](1)
	for _, k := range keys {
		d.Set(k, value40{})
	}
	const batch = 16
	for _, prefetch := range []bool{false, true} {
		name := "Plain"
		if prefetch {
			name = "Prefetched"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var sink uint32
			j := 0
			for i := 0; i < b.N; i += batch {
				if j+batch > len(lookups) {
					j = 0
				}
				ks := lookups[j : j+batch]
				if prefetch {
					sink += d.Prefetch(ks, nil)
				}
				for _, k := range ks {
					if _, ok := d.Get(k); !ok {
						b.Fatal("miss")
					}
				}
				j += batch
			}
			benchSink = sink
		})
	}
}

// benchSink keeps Prefetch's result, so its loads cannot be optimised away.
var benchSink uint32
