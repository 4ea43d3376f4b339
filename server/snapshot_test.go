package server

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"quordis/conf"
	"quordis/store"
)

// valueText renders a string or list value for comparing snapshots.
func valueText(o *store.Object) string {
	switch o.Kind {
	case store.KindString:
		return "s:" + string(o.Str())
	case store.KindList:
		l := o.AsList()
		var parts []string
		for _, e := range l.Range(0, l.Len()) {
			parts = append(parts, string(e))
		}
		return "l:" + strings.Join(parts, ",")
	}
	return "other"
}

// TestSnapshotSeesTheKeyspaceAsItWasAtTheStart interleaves snapshot steps
// with random writes (including renames, moves between databases, SWAPDB
// and deletions) and checks that the snapshot holds exactly the keys,
// values and expiries of the moment it started, each once.
func TestSnapshotSeesTheKeyspaceAsItWasAtTheStart(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, seed))
			s, err := New(conf.Default(), Options{})
			require.NoError(t, err)
			c := &client{srv: s, id: 1, proto: 2, user: "default", authenticated: true}
			run := func(args ...string) { s.handle(c, toArgv(args), nil) }
			key := func() string { return fmt.Sprint("k", rng.IntN(300)) }
			db := func() string { return fmt.Sprint(rng.IntN(3)) }
			s.mu.Lock()
			defer s.mu.Unlock()
			for i := 0; i < 600; i++ {
				run("SELECT", db())
				if rng.IntN(2) == 0 {
					run("SET", key(), fmt.Sprint("v", i))
				} else {
					run("RPUSH", key(), fmt.Sprint("e", i))
				}
				if rng.IntN(10) == 0 {
					run("PEXPIREAT", key(), fmt.Sprint(4_000_000_000_000+i))
				}
			}
			want := map[string]string{}
			for d := 0; d < s.store.NumDB(); d++ {
				s.store.DB(d).Range(func(k string, o *store.Object) bool {
					at, _ := s.store.DB(d).Expiry(k)
					want[fmt.Sprintf("%d/%s", d, k)] = fmt.Sprintf("%s@%d", valueText(o), at)
					return true
				})
			}

			got := map[string]string{}
			sn := s.startSnapshot(func(d int, k string, o *store.Object, at int64) error {
				id := fmt.Sprintf("%d/%s", d, k)
				require.NotContains(t, got, id, "emitted twice")
				got[id] = fmt.Sprintf("%s@%d", valueText(o), at)
				return nil
			})
			writes := []func(){
				func() { run("SET", key(), "new") },
				func() { run("DEL", key()) },
				func() { run("APPEND", key(), "x") },
				func() { run("LPUSH", key(), "y") },
				func() { run("RENAME", key(), key()) },
				func() { run("MOVE", key(), db()) },
				func() { run("COPY", key(), key(), "DB", db(), "REPLACE") },
				func() { run("PEXPIREAT", key(), "5000000000000") },
				func() { run("PERSIST", key()) },
				func() { run("SWAPDB", db(), db()) },
			}
			// Budgets of 0 (none), 1 and 2 ns: the shortest end a step
			// after one bucket.
			for !sn.step(1+rng.IntN(20), time.Duration(rng.IntN(3))) {
				for j := rng.IntN(8); j > 0; j-- {
					run("SELECT", db())
					writes[rng.IntN(len(writes))]()
				}
			}
			require.NoError(t, sn.err)
			require.Nil(t, s.snap)
			require.Equal(t, want, got)
		})
	}
}

// TestSnapshotFinishesATableThatFillsWhileFrozen has writes add keys to
// the database being walked until its frozen key table holds more than
// four keys per bucket: the next step walks the rest of that database at
// once (so the table can resize again), and the snapshot still holds
// exactly the keys of the start.
func TestSnapshotFinishesATableThatFillsWhileFrozen(t *testing.T) {
	s, err := New(conf.Default(), Options{})
	require.NoError(t, err)
	c := &client{srv: s, id: 1, proto: 2, user: "default", authenticated: true}
	run := func(args ...string) { s.handle(c, toArgv(args), nil) }
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[string]bool{}
	for i := range 100 {
		run("SET", fmt.Sprint("old", i), "v")
		want[fmt.Sprint("old", i)] = true
	}
	got := map[string]bool{}
	sn := s.startSnapshot(func(_ int, k string, _ *store.Object, _ int64) error {
		require.False(t, got[k], "emitted twice")
		got[k] = true
		return nil
	})
	require.False(t, sn.step(1, 0))
	require.True(t, sn.frozen)
	require.Zero(t, sn.db)
	db := s.store.DB(0)
	for i := 0; !db.ScanOverloaded(); i++ {
		run("SET", fmt.Sprint("new", i), "v")
	}
	require.NotEmpty(t, sn.touched[0], "the new keys were touched ahead of the walk")
	sn.step(1, time.Nanosecond)
	require.Positive(t, sn.db, "the walk of the overloaded database ended in one step")
	require.False(t, db.ScanOverloaded() && sn.frozen)
	for !sn.step(1, 0) {
	}
	require.NoError(t, sn.err)
	require.Equal(t, want, got)
}

// toArgv turns a command's words into the arguments handle takes.
func toArgv(args []string) [][]byte {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	return argv
}
