package server

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// eventOf is a latency event whose samples, in ms, were taken one second
// apart, the last one second before now.
func eventOf(now, max int64, ms ...int64) *latencyEvent {
	ev := &latencyEvent{max: max}
	for i, v := range ms {
		ev.history = append(ev.history, latencySample{unix: now - int64(len(ms)-i), ms: v})
	}
	return ev
}

// The graphs below are redis-server 7.0.15's LATENCY GRAPH for the same
// samples.
func TestLatencyGraphMatchesRedis(t *testing.T) {
	const now = 1795944856
	rule := strings.Repeat("-", 80) + "\n"
	require.Equal(t, "command - high 20 ms, low 5 ms (all time high 20 ms)\n"+rule+
		" # \n | \n |o\n_||\n   \n321\nsss\n",
		latencyGraph("command", eventOf(now, 20, 5, 20, 10), now))
	require.Equal(t, "command - high 10 ms, low 10 ms (all time high 10 ms)\n"+rule+
		"  \n  \n  \n__\n  \n21\nss\n",
		latencyGraph("command", eventOf(now, 10, 10, 10), now))
	require.Equal(t, "command - high 30 ms, low 1 ms (all time high 30 ms)\n"+rule+
		"  #  \n  | o\noo| |\n|||_|\n     \n54321\nsssss\n",
		latencyGraph("command", eventOf(now, 30, 11, 12, 30, 1, 20), now))
}

// Past 80 samples the graph goes on in a second block, scaled as the
// first; labels of different lengths end where they end.
func TestLatencyGraphBlocks(t *testing.T) {
	const now = 100_000
	ev := &latencyEvent{max: 90}
	for i := range 81 {
		ev.history = append(ev.history, latencySample{unix: now - 7200 + int64(i)*80, ms: int64(i + 10)})
	}
	lines := strings.Split(latencyGraph("fork", ev, now), "\n")
	require.Equal(t, "fork - high 90 ms, low 10 ms (all time high 90 ms)", lines[0])
	// Four rows, a gap and three label rows ("2h", "1h", ..., "13m"),
	// then an empty line and the 81st sample's block.
	first := lines[2:10]
	for _, l := range first {
		require.Len(t, l, 80)
	}
	require.Equal(t, "#", first[0][79:])
	require.Equal(t, "_", first[3][:1])
	require.Equal(t, "21", first[5][:2], "2h, then 1h")
	require.Equal(t, "", lines[10])
	require.Equal(t, []string{"#", "|", "|", "|", " ", "1", "3", "m", ""}, lines[11:])
}

func TestAgoLabel(t *testing.T) {
	for secs, want := range map[int64]string{0: "0s", 59: "59s", 60: "1m", 3599: "59m", 3600: "1h", 86399: "23h", 86400: "1d", 864000: "10d"} {
		require.Equal(t, want, agoLabel(secs))
	}
}
