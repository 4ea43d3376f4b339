package store

import (
	"slices"
	"sort"
)

// ztree is the ordered half of a big sorted set (Redis's skiplist): a
// B+tree of (score, member) items that counts the items under every child,
// so that it finds an item, an item's rank and the item at a rank in
// O(log n), like a skiplist with spans, while storing items in flat arrays
// of up to zLeafMax in its leaves instead of one node per member. Leaves are
// chained both ways, so a range is walked leaf by leaf from its start.
//
// Invariants: the items of a leaf are sorted and every item of a child is
// below every item of the next child. keys[i] of an inner node (i >= 1) is
// at most every item under kids[i] and above every item under kids[i-1]; it
// was the first item of kids[i] when it was set and may since have been
// deleted, which keeps it a valid bound. keys[0] is unused. sizes[i] is the
// number of items under kids[i]. A node other than the root has at least
// one item or child; deletions keep nodes at least a quarter full, while
// inserts at either end of the tree split unevenly, so that a tree built in
// order has full leaves.
type ztree struct {
	root *znode
	n    int
}

// zitem is a member of a big sorted set and its score.
type zitem struct {
	score  float64
	member string
}

// less is the order of a sorted set: by score, then by member bytes. -0
// and 0 compare equal, as in Redis.
func (a zitem) less(b zitem) bool {
	return a.score < b.score || a.score == b.score && a.member < b.member
}

// Capacities are chosen so that the arrays fill allocator size classes
// exactly: 64 items of 24 bytes are 1536 bytes, 64 pointers 512 bytes.
// A node holds one more than its maximum while it is being split.
const (
	zLeafCap  = 64
	zLeafMax  = zLeafCap - 1
	zInnerCap = 64
	zInnerMax = zInnerCap - 1
	zLeafMin  = zLeafMax / 4
	zInnerMin = zInnerMax / 4
)

// znode is a leaf (kids == nil) or an inner node.
type znode struct {
	items      []zitem // leaf: the items, sorted
	prev, next *znode  // leaf: the neighbouring leaves

	kids  []*znode
	sizes []int
	keys  []zitem
}

func newZLeaf() *znode { return &znode{items: make([]zitem, 0, zLeafCap)} }

func newZInner() *znode {
	return &znode{
		kids:  make([]*znode, 0, zInnerCap),
		sizes: make([]int, 0, zInnerCap),
		keys:  make([]zitem, 0, zInnerCap),
	}
}

func (n *znode) leaf() bool { return n.kids == nil }

// width is the number of items of a leaf or children of an inner node.
func (n *znode) width() int {
	if n.leaf() {
		return len(n.items)
	}
	return len(n.kids)
}

// count is the number of items under n.
func (n *znode) count() int {
	if n.leaf() {
		return len(n.items)
	}
	c := 0
	for _, s := range n.sizes {
		c += s
	}
	return c
}

// underfull reports whether n fell below the fill that deletions keep.
func (n *znode) underfull() bool {
	if n.leaf() {
		return len(n.items) < zLeafMin
	}
	return len(n.kids) < zInnerMin
}

// route returns the child of inner node n whose range holds it.
func (n *znode) route(it zitem) int {
	return sort.Search(len(n.keys)-1, func(k int) bool { return it.less(n.keys[k+1]) })
}

// insert adds it, which must not be present.
func (t *ztree) insert(it zitem) {
	if t.root == nil {
		t.root = newZLeaf()
	}
	if right, sep := t.root.insert(it, true, true); right != nil {
		left := t.root
		root := newZInner()
		root.kids = append(root.kids, left, right)
		root.sizes = append(root.sizes, left.count(), right.count())
		root.keys = append(root.keys, zitem{}, sep)
		t.root = root
	}
	t.n++
}

// insert adds it under n. When n overflows it splits, and insert returns
// the new right sibling and its lower bound for the parent to link in.
// leftmost and rightmost say whether n is at an end of the tree.
func (n *znode) insert(it zitem, leftmost, rightmost bool) (*znode, zitem) {
	if n.leaf() {
		i := sort.Search(len(n.items), func(k int) bool { return it.less(n.items[k]) })
		n.items = slices.Insert(n.items, i, it)
		if len(n.items) <= zLeafMax {
			return nil, zitem{}
		}
		at := zsplitPoint(len(n.items), i, i, leftmost, rightmost)
		right := newZLeaf()
		right.items = append(right.items, n.items[at:]...)
		clear(n.items[at:])
		n.items = n.items[:at]
		right.prev, right.next = n, n.next
		if n.next != nil {
			n.next.prev = right
		}
		n.next = right
		return right, right.items[0]
	}
	i := n.route(it)
	if k := n.kids[i]; k.leaf() && len(k.items) == zLeafMax && n.shareLeaf(i) {
		i = n.route(it)
	}
	right, sep := n.kids[i].insert(it, leftmost && i == 0, rightmost && i == len(n.kids)-1)
	n.sizes[i]++
	if right == nil {
		return nil, zitem{}
	}
	rs := right.count()
	n.sizes[i] -= rs
	n.kids = slices.Insert(n.kids, i+1, right)
	n.sizes = slices.Insert(n.sizes, i+1, rs)
	n.keys = slices.Insert(n.keys, i+1, sep)
	if len(n.kids) <= zInnerMax {
		return nil, zitem{}
	}
	at := zsplitPoint(len(n.kids), i, i+1, leftmost, rightmost)
	r := newZInner()
	r.kids = append(r.kids, n.kids[at:]...)
	r.sizes = append(r.sizes, n.sizes[at:]...)
	r.keys = append(r.keys, n.keys[at:]...)
	sep = r.keys[0]
	r.keys[0] = zitem{}
	clear(n.kids[at:])
	clear(n.keys[at:])
	n.kids, n.sizes, n.keys = n.kids[:at], n.sizes[:at], n.keys[:at]
	return r, sep
}

// shareLeaf spreads the full leaf child i over itself and a neighbour
// with room, and reports whether it did. Splitting only when both are
// full keeps leaves about 80% full under random inserts instead of 70%.
func (n *znode) shareLeaf(i int) bool {
	const room = zLeafMax / 8
	best := -1
	for _, j := range []int{i - 1, i + 1} {
		if j >= 0 && j < len(n.kids) && len(n.kids[j].items) <= zLeafMax-room &&
			(best < 0 || len(n.kids[j].items) < len(n.kids[best].items)) {
			best = j
		}
	}
	if best < 0 {
		return false
	}
	n.balance(min(i, best))
	return true
}

// zsplitPoint says where a node of width w that just grew at positions
// lo..hi splits. Growth at an end of the tree (inserts in ascending or
// descending order) leaves the full part whole and moves only the growing
// end, so such a tree fills its nodes; elsewhere the node splits in half.
func zsplitPoint(w, lo, hi int, leftmost, rightmost bool) int {
	switch {
	case rightmost && hi == w-1:
		return w - 1
	case leftmost && lo == 0:
		return 1
	}
	return w / 2
}

// rank returns the number of items below it, which must be present.
func (t *ztree) rank(it zitem) int {
	r := 0
	n := t.root
	for !n.leaf() {
		i := n.route(it)
		for _, s := range n.sizes[:i] {
			r += s
		}
		n = n.kids[i]
	}
	return r + sort.Search(len(n.items), func(k int) bool { return !n.items[k].less(it) })
}

// lowerBound returns the number of items for which before is true; before
// must be true for a prefix of the order and false after it.
func (t *ztree) lowerBound(before func(zitem) bool) int {
	if t.root == nil {
		return 0
	}
	r := 0
	n := t.root
	for !n.leaf() {
		// The last child whose lower bound is before: every child left of
		// it is entirely before, every child right of it entirely not.
		i := sort.Search(len(n.keys)-1, func(k int) bool { return !before(n.keys[k+1]) })
		for _, s := range n.sizes[:i] {
			r += s
		}
		n = n.kids[i]
	}
	return r + sort.Search(len(n.items), func(k int) bool { return !before(n.items[k]) })
}

// seek returns the leaf holding the item of rank r (0 <= r < t.n) and its
// index there.
func (t *ztree) seek(r int) (*znode, int) {
	n := t.root
	for !n.leaf() {
		i := 0
		for r >= n.sizes[i] {
			r -= n.sizes[i]
			i++
		}
		n = n.kids[i]
	}
	return n, r
}

// remove deletes k items starting at rank r, calling fn for each before
// it goes. It works a leaf at a time: O(log n) per leaf touched.
func (t *ztree) remove(r, k int, fn func(zitem)) {
	for k > 0 {
		got := t.root.cut(r, k, fn)
		k -= got
		t.n -= got
		for !t.root.leaf() && len(t.root.kids) == 1 {
			t.root = t.root.kids[0]
		}
	}
}

// cut removes up to k items from rank r on, all from the leaf holding rank
// r, rebalancing on the way back up; it returns how many it removed.
func (n *znode) cut(r, k int, fn func(zitem)) int {
	if n.leaf() {
		end := min(r+k, len(n.items))
		if fn != nil {
			for _, it := range n.items[r:end] {
				fn(it)
			}
		}
		n.items = slices.Delete(n.items, r, end)
		return end - r
	}
	i := 0
	for r >= n.sizes[i] {
		r -= n.sizes[i]
		i++
	}
	got := n.kids[i].cut(r, k, fn)
	n.sizes[i] -= got
	if n.kids[i].underfull() {
		n.fix(i)
	}
	return got
}

// fix restores the fill of child i by merging it with a neighbour, or by
// sharing a neighbour's entries when the two would not fit in one node.
func (n *znode) fix(i int) {
	if len(n.kids) < 2 {
		return
	}
	a := min(i, len(n.kids)-2)
	l, r := n.kids[a], n.kids[a+1]
	limit := zInnerMax
	if l.leaf() {
		limit = zLeafMax
	}
	if l.width()+r.width() <= limit {
		n.merge(a)
	} else {
		n.balance(a)
	}
}

// merge moves child a+1 into child a.
func (n *znode) merge(a int) {
	l, r := n.kids[a], n.kids[a+1]
	if l.leaf() {
		l.items = append(l.items, r.items...)
		l.next = r.next
		if r.next != nil {
			r.next.prev = l
		}
	} else {
		r.keys[0] = n.keys[a+1]
		l.kids = append(l.kids, r.kids...)
		l.sizes = append(l.sizes, r.sizes...)
		l.keys = append(l.keys, r.keys...)
	}
	n.sizes[a] += n.sizes[a+1]
	n.kids = slices.Delete(n.kids, a+1, a+2)
	n.sizes = slices.Delete(n.sizes, a+1, a+2)
	n.keys = slices.Delete(n.keys, a+1, a+2)
}

// balance evens out the widths of children a and a+1.
func (n *znode) balance(a int) {
	l, r := n.kids[a], n.kids[a+1]
	want := (l.width() + r.width()) / 2 // l's width afterwards
	moved := 0                          // items moved from l to r (negative: r to l)
	if l.leaf() {
		if len(l.items) > want {
			moved = len(l.items) - want
			r.items = slices.Insert(r.items, 0, l.items[want:]...)
			clear(l.items[want:])
			l.items = l.items[:want]
		} else {
			m := want - len(l.items)
			l.items = append(l.items, r.items[:m]...)
			r.items = slices.Delete(r.items, 0, m)
			moved = -m
		}
		n.keys[a+1] = r.items[0]
	} else {
		r.keys[0] = n.keys[a+1]
		if len(l.kids) > want {
			for _, s := range l.sizes[want:] {
				moved += s
			}
			r.kids = slices.Insert(r.kids, 0, l.kids[want:]...)
			r.sizes = slices.Insert(r.sizes, 0, l.sizes[want:]...)
			r.keys = slices.Insert(r.keys, 0, l.keys[want:]...)
			clear(l.kids[want:])
			clear(l.keys[want:])
			l.kids, l.sizes, l.keys = l.kids[:want], l.sizes[:want], l.keys[:want]
		} else {
			m := want - len(l.kids)
			for _, s := range r.sizes[:m] {
				moved -= s
			}
			l.kids = append(l.kids, r.kids[:m]...)
			l.sizes = append(l.sizes, r.sizes[:m]...)
			l.keys = append(l.keys, r.keys[:m]...)
			r.kids = slices.Delete(r.kids, 0, m)
			r.sizes = slices.Delete(r.sizes, 0, m)
			r.keys = slices.Delete(r.keys, 0, m)
		}
		n.keys[a+1] = r.keys[0]
		r.keys[0] = zitem{}
	}
	n.sizes[a] -= moved
	n.sizes[a+1] += moved
}

// nodes counts the leaves and inner nodes, for Size.
func (t *ztree) nodes() (leaves, inner int) {
	var walk func(n *znode)
	walk = func(n *znode) {
		if n.leaf() {
			leaves++
			return
		}
		inner++
		for _, k := range n.kids {
			walk(k)
		}
	}
	if t.root != nil {
		walk(t.root)
	}
	return leaves, inner
}

// estimateNodes estimates the number of leaves and inner nodes in O(1),
// for Size: leaves are kept about seven-eighths full (a full leaf shares
// items with a neighbour before it splits), inner nodes likewise.
func (t *ztree) estimateNodes() (leaves, inner int) {
	fill := zLeafCap * 7 / 8
	leaves = (t.n + fill - 1) / fill
	for n := leaves; n > 1; {
		n = (n + fill - 1) / fill
		inner += n
	}
	return leaves, inner
}
