package store

import "unsafe"

// dictLists threads the entries of a Dict onto numbered lists, each entry
// on the list its key maps to: the keyspace's per-slot key index in
// cluster mode, one list per hash slot. It holds no key and no copy of an
// entry, only two references per entry, kept in a slab parallel to the
// Dict's (links[i>>chunkShift][i&chunkMask] belongs to entry i), and a
// head and a count per list. Per entry that is 8 bytes, where Redis links
// its keys by slot with two pointers, 16 bytes.
//
// The Dict keeps the lists in step: an inserted entry goes to the head of
// its list, a deleted one leaves it, and the entry that Delete moves into
// the hole (see release) takes its links along and has its neighbours, or
// its list's head, point at its new reference.
type dictLists struct {
	listOf func(key string) int // a key's list, in [0, len(heads))
	heads  []uint32             // per list, its first entry's reference, 0 when empty
	counts []uint32             // per list, its entries
	links  [][]entryLinks
}

// entryLinks are an entry's neighbours on its list, as references (0: none).
type entryLinks struct{ prev, next uint32 }

// EnableLists threads every entry onto one of n lists, the one listOf maps
// its key to (which must be in [0, n)), and keeps them so through every
// later change. Calling it again rebuilds the lists.
func (d *Dict[V]) EnableLists(n int, listOf func(key string) int) {
	d.lists = &dictLists{listOf: listOf, heads: make([]uint32, n), counts: make([]uint32, n)}
	for i := 1; i <= int(d.n); i++ {
		ref := uint32(i)
		d.lists.grow(ref)
		d.lists.push(ref, d.at(ref).key)
	}
}

// DisableLists drops the lists.
func (d *Dict[V]) DisableLists() { d.lists = nil }

// HasLists reports whether the entries are threaded onto lists.
func (d *Dict[V]) HasLists() bool { return d.lists != nil }

// ListLen returns the number of entries on list l, 0 when l is out of
// range or there are no lists.
func (d *Dict[V]) ListLen(l int) int {
	if d.lists == nil || l < 0 || l >= len(d.lists.counts) {
		return 0
	}
	return int(d.lists.counts[l])
}

// RangeList calls fn with the key and value of the entries of list l, most
// recently inserted first, until fn returns false. fn must not change d.
func (d *Dict[V]) RangeList(l int, fn func(key string, v *V) bool) {
	if d.lists == nil || l < 0 || l >= len(d.lists.heads) {
		return
	}
	for ref := d.lists.heads[l]; ref != 0; ref = d.lists.at(ref).next {
		e := d.at(ref)
		if !fn(e.key, &e.val) {
			return
		}
	}
}

// ListsBytes returns the memory the lists take, 0 when there are none.
func (d *Dict[V]) ListsBytes() int64 {
	x := d.lists
	if x == nil {
		return 0
	}
	return int64(unsafe.Sizeof(*x)) + int64(cap(x.heads)+cap(x.counts))*4 +
		int64(cap(x.links))*int64(unsafe.Sizeof([]entryLinks{})) +
		int64(len(x.links))*chunkSize*int64(unsafe.Sizeof(entryLinks{}))
}

// at returns the links of the entry with reference ref.
func (x *dictLists) at(ref uint32) *entryLinks {
	i := ref - 1
	return &x.links[i>>chunkShift][i&chunkMask]
}

// grow makes room for the links of entry ref, the slab's last.
func (x *dictLists) grow(ref uint32) {
	if int(ref-1)>>chunkShift == len(x.links) {
		x.links = append(x.links, make([]entryLinks, chunkSize))
	}
}

// push puts entry ref, stored under key, at the head of its list.
func (x *dictLists) push(ref uint32, key string) {
	l := x.listOf(key)
	first := x.heads[l]
	*x.at(ref) = entryLinks{next: first}
	if first != 0 {
		x.at(first).prev = ref
	}
	x.heads[l] = ref
	x.counts[l]++
}

// unlink takes entry ref, stored under key, off its list.
func (x *dictLists) unlink(ref uint32, key string) {
	lk := *x.at(ref)
	l := x.listOf(key)
	if lk.prev != 0 {
		x.at(lk.prev).next = lk.next
	} else {
		x.heads[l] = lk.next
	}
	if lk.next != 0 {
		x.at(lk.next).prev = lk.prev
	}
	x.counts[l]--
}

// move gives entry from, stored under key, the reference to instead (a
// hole that unlink left): its links go along and whatever pointed at it
// points at to.
func (x *dictLists) move(from, to uint32, key string) {
	lk := *x.at(from)
	*x.at(to) = lk
	if lk.prev != 0 {
		x.at(lk.prev).next = to
	} else {
		x.heads[x.listOf(key)] = to
	}
	if lk.next != 0 {
		x.at(lk.next).prev = to
	}
}

// shrink frees the link chunks past the one entry n-1 is in, keeping one
// spare, as release does with the slab.
func (x *dictLists) shrink(n int) {
	if k := len(x.links); k > 1 && n <= (k-2)*chunkSize {
		x.links[k-1] = nil
		x.links = x.links[:k-1]
	}
}

// clear empties every list, keeping the heads and counts.
func (x *dictLists) clear() {
	clear(x.heads)
	clear(x.counts)
	x.links = nil
}
