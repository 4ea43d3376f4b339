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
