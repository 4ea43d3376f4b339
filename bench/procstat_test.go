package bench

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseStatReadsUtimeAndStime(t *testing.T) {
	for _, tc := range []struct {
		name, stat   string
		utime, stime uint64
	}{
		{"plain", "21732 (cat) R 21722 21722 19407 0 -1 4194304 99 0 0 0 7 3 0 0 20 0 1 0 363331 3133440 383",
			7, 3},
		{"name with spaces and parens", "42 (a) b (c)) S 1 42 42 0 -1 4194560 5 0 0 0 1234 567 0 0 20 0 3 0 1 2 3",
			1234, 567},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, s, err := ParseStat([]byte(tc.stat + "\n"))
			require.NoError(t, err)
			require.Equal(t, tc.utime, u)
			require.Equal(t, tc.stime, s)
		})
	}
}

func TestParseStatRejectsMalformedInput(t *testing.T) {
	for _, stat := range []string{"", "42 cat R 1 2", "42 (cat) R 1 2 3", "42 (cat) R 1 1 1 0 -1 0 0 0 0 0 x 3"} {
		_, _, err := ParseStat([]byte(stat))
		require.Error(t, err, stat)
	}
}

func TestReadCPUReadsThisProcess(t *testing.T) {
	_, err := ReadCPU(os.Getpid())
	require.NoError(t, err)
}
