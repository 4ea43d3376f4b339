package store

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPrefetchChangesNothing runs DB.Prefetch and DB.PrefetchMembers over
// every kind of value, in compact and hash-table encodings, over missing
// keys and members, and checks that the values read the same afterwards.
func TestPrefetchChangesNothing(t *testing.T) {
	s := New(Options{Databases: 1})
	db := s.DB(0)
	lim := DefaultLimits()
	for _, n := range []int{3, 1000} { // compact, then hash tables
		sfx := strconv.Itoa(n)
		h, set, z := NewHash(), NewSet(), NewZSet(lim.ZSet, 2)
		var members []string
		for i := range n {
			m := "m" + strconv.Itoa(i)
			members = append(members, m, m+"-missing")
			h.Set([]byte(m), []byte(strconv.Itoa(i)), lim.Hash)
			set.Add(m, lim.Set)
			z.Add(m, float64(i), lim.ZSet)
		}
		db.Set("hash"+sfx, HashObject(h), 0)
		db.Set("set"+sfx, SetObject(set), 0)
		db.Set("zset"+sfx, ZSetObject(z), 0)
		db.Set("str"+sfx, NewString([]byte("v"+sfx)), 0)
		keys := []string{"hash" + sfx, "set" + sfx, "zset" + sfx, "str" + sfx, "missing"}
		db.Prefetch(keys)
		for _, k := range keys {
			for i := 0; i < len(members); i += PrefetchMax {
				db.PrefetchMembers(k, members[i:min(i+PrefetchMax, len(members))])
			}
		}
		require.Equal(t, n, h.Len())
		require.Equal(t, n, set.Len())
		require.Equal(t, n, z.Len())
		for i := range n {
			m := "m" + strconv.Itoa(i)
			v, ok := h.Get(m)
			require.True(t, ok)
			require.Equal(t, strconv.Itoa(i), v)
			require.True(t, set.Has(m))
			sc, ok := z.Score(m)
			require.True(t, ok)
			require.Equal(t, float64(i), sc)
		}
		o := db.Peek("str"+sfx, 0)
		require.NotNil(t, o)
		require.Equal(t, "v"+sfx, string(o.Str()))
	}
	require.Equal(t, 8, db.Len())
}
