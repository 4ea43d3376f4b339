package store

// NumSlots is the number of hash slots of a cluster keyspace, the range of
// the function given to EnableSlotIndex.
const NumSlots = 16384

// The per-slot key index lists, for each hash slot, the keys of one
// database that hash to it: what CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT
// read and what slot migration walks. It is the keyspace Dict's lists (see
// Dict.EnableLists), one per slot: 8 bytes per key, where Redis's links
// take 16, and 128 KiB for the heads and counts of the slots. (A Dict of
// the keys of each slot, its first form, took about 62 bytes per key at
// 100k keys and 46 at 1M, and a second hash and insert per new key.)

// SlotIndexBytes returns the memory the per-slot key index takes, 0 when it
// is not enabled. It is overhead, not dataset: used_memory counts it, as
// Redis counts its slot-to-keys links.
func (db *DB) SlotIndexBytes() int64 { return db.keys.ListsBytes() }

// EnableSlotIndex makes db keep, for each of the NumSlots hash slots, the
// list of its keys; slotOf maps a key to its slot, in [0, NumSlots). The
// index is built from the keys present and then follows every change.
// Calling it again rebuilds the index with the new function.
func (db *DB) EnableSlotIndex(slotOf func(key string) int) {
	db.slotOf = slotOf
	db.keys.EnableLists(NumSlots, slotOf)
}

// CountKeysInSlot returns the number of keys of db in slot, in O(1),
// counting keys that are logically expired but not yet deleted (as Redis
// does). It is 0 when the index is not enabled or slot is out of range.
func (db *DB) CountKeysInSlot(slot int) int { return db.keys.ListLen(slot) }

// KeysInSlot returns up to count keys of db in slot, in no particular
// order, at a cost proportional to the keys returned. The strings are the
// keyspace's own. It returns nothing when the index is not enabled or slot
// is out of range.
func (db *DB) KeysInSlot(slot, count int) []string {
	n := min(count, db.keys.ListLen(slot))
	if n <= 0 {
		return nil
	}
	out := make([]string, 0, n)
	db.keys.RangeList(slot, func(key string, _ *Object) bool {
		out = append(out, key)
		return len(out) < n
	})
	return out
}

// swapSlotIndexes fits the indexes to the keys SWAPDB has just exchanged,
// which took their lists along. Whether a database keeps an index stays
// a property of the database: when only one of them does, it builds the
// index over the keys it received and the other drops the one it got.
func swapSlotIndexes(a, b *DB) {
	for _, db := range []*DB{a, b} {
		switch {
		case db.slotOf == nil:
			db.keys.DisableLists()
		case !db.keys.HasLists():
			db.keys.EnableLists(NumSlots, db.slotOf)
		}
	}
}
