package store

import "unsafe"

// NumSlots is the number of hash slots of a cluster keyspace, the range of
// the function given to EnableSlotIndex.
const NumSlots = 16384

// slotIndex lists, for each hash slot, the keys of one database that hash
// to it: what CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT read and what slot
// migration walks.
//
// Each slot's keys are a Dict[struct{}], created with the slot's first key
// and dropped with its last, holding the very key strings the keyspace
// holds (only the string headers are repeated, never the bytes). Per key
// that is a 24-byte slab entry (string header, hash, link) and 4 to 8
// bytes of buckets, plus the slack of slab chunks that grow by doubling
// (up to half of them unused); per non-empty slot about 120 bytes of table
// header (24 of them the lookup cache, added after the figures below: 4
// more bytes per key at 100k keys, under 1 at 1M); and 128 KiB for the
// array of slots. Measured over keys spread on all slots: about 62 bytes
// per key at 100k keys, 46 at 1M, 40 at 4M, 55 at 20M
// (TestSlotIndexMemoryOverhead measures 1M). Redis's intrusive
// list costs 16; links inside the keyspace's own Dict entries would cost
// 8, at the price of a Dict that knows about slots.
type slotIndex struct {
	slotOf func(key string) int
	slots  [NumSlots]*Dict[struct{}]
	bytes  int64 // the sum of the slots' Dict.Bytes, kept by add and remove
}

// slotArrayBytes is the fixed part of an index: its array of slots.
const slotArrayBytes = int64(unsafe.Sizeof(slotIndex{}))

// SlotIndexBytes returns the memory the per-slot key index takes, 0 when it
// is not enabled. It is overhead, not dataset: used_memory counts it, as
// Redis counts its slot-to-keys links.
func (db *DB) SlotIndexBytes() int64 {
	if db.slots == nil {
		return 0
	}
	return slotArrayBytes + db.slots.bytes
}

// EnableSlotIndex makes db keep, for each of the NumSlots hash slots, the
// set of its keys; slotOf maps a key to its slot, in [0, NumSlots). The
// index is built from the keys present and then follows every change.
// Calling it again rebuilds the index with the new function.
func (db *DB) EnableSlotIndex(slotOf func(key string) int) {
	db.slots = &slotIndex{slotOf: slotOf}
	db.keys.Range(func(key string, _ *Object) bool {
		db.slots.add(key)
		return true
	})
}

// CountKeysInSlot returns the number of keys of db in slot, in O(1),
// counting keys that are logically expired but not yet deleted (as Redis
// does). It is 0 when the index is not enabled or slot is out of range.
func (db *DB) CountKeysInSlot(slot int) int {
	if d := db.slots.dict(slot); d != nil {
		return d.Len()
	}
	return 0
}

// KeysInSlot returns up to count keys of db in slot, in no particular
// order, at a cost proportional to the keys returned. The strings are the
// keyspace's own. It returns nothing when the index is not enabled or slot
// is out of range.
func (db *DB) KeysInSlot(slot, count int) []string {
	d := db.slots.dict(slot)
	if d == nil || count <= 0 {
		return nil
	}
	out := make([]string, 0, min(count, d.Len()))
	d.Range(func(key string, _ *struct{}) bool {
		out = append(out, key)
		return len(out) < count
	})
	return out
}

// dict returns the keys of slot, or nil when there are none, slot is out
// of range or x is nil (no index).
func (x *slotIndex) dict(slot int) *Dict[struct{}] {
	if x == nil || slot < 0 || slot >= NumSlots {
		return nil
	}
	return x.slots[slot]
}

// add records key, which the keyspace has just taken in; the index shares
// the keyspace's string.
func (x *slotIndex) add(key string) {
	s := x.slotOf(key)
	d := x.slots[s]
	if d == nil {
		d = NewDict[struct{}](0)
		x.slots[s] = d
	} else {
		x.bytes -= d.Bytes()
	}
	d.Set(key, struct{}{})
	x.bytes += d.Bytes()
}

// put records key, which the keyspace has just stored with Dict.Swap: a
// new key is added, and an existing one's entry takes the keyspace's new
// string, so that the index never holds on to the one the keyspace let go.
func (x *slotIndex) put(key string, existed bool) {
	if d := x.slots[x.slotOf(key)]; existed && d != nil {
		d.Swap(key, struct{}{})
		return
	}
	x.add(key)
}

// remove forgets key, which the keyspace has just dropped.
func (x *slotIndex) remove(key string) {
	s := x.slotOf(key)
	d := x.slots[s]
	if d == nil {
		return
	}
	x.bytes -= d.Bytes()
	d.Delete(key)
	if d.Len() == 0 {
		x.slots[s] = nil
		return
	}
	x.bytes += d.Bytes()
}

// setKey stores o under key in the keyspace and, when key is new, in the
// slot index.
func (db *DB) setKey(key string, o Object) {
	// The key may be another string than the one join laid out for o.
	o.ownKey = false
	if db.slots == nil {
		db.keys.Set(key, o)
		return
	}
	n := db.keys.Len()
	db.keys.Set(key, o)
	if db.keys.Len() != n {
		db.slots.add(key)
	}
}

// deleteKey removes key from the keyspace and the slot index and reports
// whether it was there.
func (db *DB) deleteKey(key string) bool {
	if _, ok := db.keys.Delete(key); !ok {
		return false
	}
	if db.slots != nil {
		db.slots.remove(key)
	}
	return true
}

// clearSlotIndex empties the index along with the keyspace (FLUSHDB).
func (db *DB) clearSlotIndex() {
	if db.slots != nil {
		db.slots.slots = [NumSlots]*Dict[struct{}]{}
		db.slots.bytes = 0
	}
}

// swapSlotIndexes moves the indexes of a and b along with their keys,
// which SWAPDB has just exchanged. Whether a database keeps an index stays
// a property of the database: when only one of them does, it rebuilds the
// index over the keys it received.
func swapSlotIndexes(a, b *DB) {
	switch {
	case (a.slots == nil) == (b.slots == nil):
		a.slots, b.slots = b.slots, a.slots
	case a.slots != nil:
		a.EnableSlotIndex(a.slots.slotOf)
	default:
		b.EnableSlotIndex(b.slots.slotOf)
	}
}
