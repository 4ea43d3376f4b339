package store

// PartialSort sorts v enough that positions lo to hi hold what a full sort
// would put there. It is Redis's pqsort (the Bentley-McIlroy quicksort of
// NetBSD's libc, which skips the parts outside the range) step by step,
// since elements that compare equal come out in the order it leaves them:
// SORT with LIMIT and the geo searches with COUNT depend on that order.
func PartialSort[T any](v []T, compare func(a, b *T) int, lo, hi int) {
	c := func(i, j int) int { return compare(&v[i], &v[j]) }
	swap := func(i, j int) { v[i], v[j] = v[j], v[i] }
	vecswap := func(i, j, n int) {
		for k := range n {
			swap(i+k, j+k)
		}
	}
	med3 := func(a, b, d int) int {
		if c(a, b) < 0 {
			if c(b, d) < 0 {
				return b
			}
			if c(a, d) < 0 {
				return d
			}
			return a
		}
		if c(b, d) > 0 {
			return b
		}
		if c(a, d) < 0 {
			return a
		}
		return d
	}
	insertion := func(a, n int) {
		for m := a + 1; m < a+n; m++ {
			for l := m; l > a && c(l-1, l) > 0; l-- {
				swap(l, l-1)
			}
		}
	}
	// outside reports whether [a, a+n) lies wholly before or after the range.
	outside := func(a, n int) bool {
		return (lo < a && hi < a) || (lo >= a+n && hi >= a+n)
	}
	var sortPart func(a, n int)
	sortPart = func(a, n int) {
		for {
			if n < 7 {
				insertion(a, n)
				return
			}
			pm := a + n/2
			if n > 7 {
				pl, pn := a, a+n-1
				if n > 40 {
					d := n / 8
					pl = med3(pl, pl+d, pl+2*d)
					pm = med3(pm-d, pm, pm+d)
					pn = med3(pn-2*d, pn-d, pn)
				}
				pm = med3(pl, pm, pn)
			}
			swap(a, pm)
			pa, pb := a+1, a+1
			pc, pd := a+n-1, a+n-1
			swapped := false
			for {
				for pb <= pc {
					r := c(pb, a)
					if r > 0 {
						break
					}
					if r == 0 {
						swapped = true
						swap(pa, pb)
						pa++
					}
					pb++
				}
				for pb <= pc {
					r := c(pc, a)
					if r < 0 {
						break
					}
					if r == 0 {
						swapped = true
						swap(pc, pd)
						pd--
					}
					pc--
				}
				if pb > pc {
					break
				}
				swap(pb, pc)
				swapped = true
				pb++
				pc--
			}
			if !swapped {
				insertion(a, n)
				return
			}
			pn := a + n
			r := min(pa-a, pb-pa)
			vecswap(a, pb-r, r)
			r = min(pd-pc, pn-pd-1)
			vecswap(pb, pn-r, r)
			if r = pb - pa; r > 1 && !outside(a, r) {
				sortPart(a, r)
			}
			if r = pd - pc; r > 1 {
				a, n = pn-r, r
				if !outside(a, n) {
					continue
				}
			}
			return
		}
	}
	sortPart(0, len(v))
}
