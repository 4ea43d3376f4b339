package server

import (
	"flag"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeCommandList renders the README's list of supported commands from the
// command table, grouped as Redis's documentation groups them.
func readmeCommandList(t *testing.T) string {
	table, err := newCommandTable(nil, families()...)
	require.NoError(t, err)
	groups := map[string][]string{}
	for _, c := range table.sorted() {
		name := strings.ToUpper(c.Name)
		if len(c.Sub) > 0 {
			subs := make([]string, 0, len(c.Sub))
			for _, s := range c.Sub {
				subs = append(subs, strings.ToUpper(s.Name))
			}
			sort.Strings(subs)
			name += " (" + strings.Join(subs, " ") + ")"
		}
		groups[c.Group] = append(groups[c.Group], name)
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, g := range names {
		b.WriteString("- **" + g + "**: " + strings.Join(groups[g], ", ") + "\n")
	}
	return b.String()
}

var updateREADME = flag.Bool("update", false, "rewrite README.md's command list from the table")

// TestREADMEListsTheCommandTable keeps the README's command list generated
// from the table: when a command is added, run
// go test ./server -run TestREADME -update.
func TestREADMEListsTheCommandTable(t *testing.T) {
	text, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	const begin, end = "<!-- commands:begin -->\n", "<!-- commands:end -->"
	s := string(text)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	require.True(t, i >= 0 && j > i, "README.md lacks the %q ... %q markers", begin, end)
	if *updateREADME {
		s = s[:i+len(begin)] + readmeCommandList(t) + s[j:]
		require.NoError(t, os.WriteFile("../README.md", []byte(s), 0o644))
		return
	}
	require.Equal(t, readmeCommandList(t), s[i+len(begin):j], "README.md's command list is stale; replace it with the expected text")
}
