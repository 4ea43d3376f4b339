package bench

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Captured from redis-server 7.0.15 INFO errorstats after two
// CLUSTERDOWN replies and an unknown command.
const errorstats70 = "# Errorstats\r\nerrorstat_CLUSTERDOWN:count=2\r\nerrorstat_ERR:count=1\r\n"

func TestParseErrorStatsReadsRedis70Output(t *testing.T) {
	require.Equal(t, map[string]int64{"CLUSTERDOWN": 2, "ERR": 1}, ParseErrorStats(errorstats70))
	require.Equal(t, map[string]int64{"MOVED": 1234}, ParseErrorStats("errorstat_MOVED:count=1234\n"))
	require.Empty(t, ParseErrorStats("# Errorstats\r\n"))
	require.Empty(t, ParseErrorStats("errorstat_:count=1\nerrorstat_ERR:count=x\ntotal_error_replies:3\n"))
}

func TestErrorDeltaFailsOnlyWhenErrorsGrew(t *testing.T) {
	require.NoError(t, errorDelta(map[string]int64{"ERR": 2}, map[string]int64{"ERR": 2}))
	require.NoError(t, errorDelta(map[string]int64{}, map[string]int64{}))
	err := errorDelta(map[string]int64{"ERR": 2}, map[string]int64{"ERR": 3, "MOVED": 40})
	require.ErrorContains(t, err, "41 error replies during the run (ERR 1, MOVED 40)")
}

func TestCommandLinesListsEveryNodeThenTheCreateCommand(t *testing.T) {
	tg := &Target{Nodes: []*Server{{Args: []string{"redis-server", "--port", "7000", "--save", ""}},
		{Args: []string{"redis-server", "--port", "7001", "--save", ""}}},
		Create: "redis-cli --cluster create 127.0.0.1:7000 127.0.0.1:7001 --cluster-yes"}
	require.Equal(t, "redis-server --port 7000 --save ''\nredis-server --port 7001 --save ''\n"+
		"redis-cli --cluster create 127.0.0.1:7000 127.0.0.1:7001 --cluster-yes", tg.CommandLines())
	require.Equal(t, 7000, (&Target{Nodes: []*Server{{Port: 7000}}}).Port())
}
