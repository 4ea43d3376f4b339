package bench

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func names(ss []Scenario) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out
}

func TestCatalogueNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Catalogue(Options{Scale: 1, Keyspace: 100}) {
		require.False(t, seen[s.Name], s.Name)
		seen[s.Name] = true
		require.True(t, s.Pending != "" || s.Load != nil, s.Name)
	}
}

func TestSelectMatchesWholeLeadingComponents(t *testing.T) {
	all := []Scenario{{Name: "SET/c50/P1/3B"}, {Name: "SADD/c1/P1"}, {Name: "GET/c1/P1/1KiB"},
		{Name: "aof-always/SET/c50/P1/3B"}, {Name: "zipf-90r10w/c50/P1/3B"}}
	for _, tc := range []struct {
		patterns []string
		want     []string
	}{
		{[]string{"set"}, []string{"SET/c50/P1/3B"}},
		{[]string{"*/c1"}, []string{"SADD/c1/P1", "GET/c1/P1/1KiB"}},
		{[]string{"aof-*", "zipf-90r10w"}, []string{"aof-always/SET/c50/P1/3B", "zipf-90r10w/c50/P1/3B"}},
		{[]string{"GET/c1/P1/1KiB", "SET/c50"}, []string{"SET/c50/P1/3B", "GET/c1/P1/1KiB"}},
	} {
		got, err := Select(all, tc.patterns)
		require.NoError(t, err, tc.patterns)
		require.Equal(t, tc.want, names(got), tc.patterns)
	}
	_, err := Select(all, []string{"SET", "NOPE"})
	require.ErrorContains(t, err, "NOPE")
}

func TestQuickPatternsEachSelectAScenario(t *testing.T) {
	_, err := Select(Catalogue(Options{Scale: 0.1, Keyspace: 100}), QuickPatterns())
	require.NoError(t, err)
}

// TestEvictionRowsFillPastMaxmemory checks the eviction rows: both servers
// at maxmemory under allkeys-lru, and a prefill that a smaller scale does
// not shrink, so that the measured SETs evict at any scale.
func TestEvictionRowsFillPastMaxmemory(t *testing.T) {
	got, err := Select(Catalogue(Options{BenchBin: "redis-benchmark", Scale: 0.1, Keyspace: 100}), []string{"evict"})
	require.NoError(t, err)
	require.Equal(t, []string{"evict/SET/c50/P1/100B", "evict/SET/c20/P16/100B"}, names(got))
	for _, s := range got {
		require.Subset(t, s.Mode.Args, []string{"--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru"})
		require.NotNil(t, s.Prefill)
		require.Contains(t, s.Prefill.Desc, "1,000,000 SETs")
		b := s.Load.(Benchmark)
		require.Equal(t, evictKeyspace, b.Keyspace)
		require.Equal(t, 100, b.Size)
	}
	require.Equal(t, 20_000, got[0].Load.(Benchmark).Requests, "the measured load is scaled")
}
