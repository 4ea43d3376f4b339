package bench

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Captured from redis-benchmark 7.0.15 -t set,mset --csv, plus a custom
// command line.
const csv70 = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","62500.00","0.051","0.016","0.047","0.095","0.135","0.223"
"MSET (10 keys)","80000.00","0.041","0.016","0.039","0.063","0.079","4.215"
"lrange mylist 0 99","55555.56","0.025","0.016","0.023","0.039","0.055","0.071"
`

func TestParseCSVReadsRedis70Output(t *testing.T) {
	rows, err := ParseCSV(strings.NewReader(csv70))
	require.NoError(t, err)
	require.Equal(t, []Row{
		{Test: "SET", RPS: 62500, AvgMs: 0.051, MinMs: 0.016, P50Ms: 0.047, P95Ms: 0.095, P99Ms: 0.135, MaxMs: 0.223},
		{Test: "MSET (10 keys)", RPS: 80000, AvgMs: 0.041, MinMs: 0.016, P50Ms: 0.039, P95Ms: 0.063, P99Ms: 0.079, MaxMs: 4.215},
		{Test: "lrange mylist 0 99", RPS: 55555.56, AvgMs: 0.025, MinMs: 0.016, P50Ms: 0.023, P95Ms: 0.039, P99Ms: 0.055, MaxMs: 0.071},
	}, rows)
}

func TestParseCSVFindsColumnsByNameAndSkipsWarnings(t *testing.T) {
	in := "WARNING: Could not fetch server CONFIG\n" +
		`"p99_latency_ms","test","max_latency_ms","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms"` + "\n" +
		`"1.5","GET","9","1000.5","0.5","0.1","0.4","1.2"` + "\n"
	rows, err := ParseCSV(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, []Row{{Test: "GET", RPS: 1000.5, AvgMs: 0.5, MinMs: 0.1, P50Ms: 0.4, P95Ms: 1.2, P99Ms: 1.5, MaxMs: 9}}, rows)
}

// Captured from redis-benchmark 7.0.15 --cluster -t set --csv: the
// masters it found come first, on standard output.
const csvCluster70 = `Cluster has 3 master nodes:

Master 0: 0914c177f9a028d01683c572b364ca36868c248e 127.0.0.1:17102
Master 1: 3272177956ec890327c4d7e23977932d9d0d99fc 127.0.0.1:17103
Master 2: b96ee9b872742bf1b2674cbf11d3882f76152a2a 127.0.0.1:17101

"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","39840.64","0.345","0.040","0.287","0.815","1.375","5.575"
`

func TestParseCSVSkipsTheClusterMastersList(t *testing.T) {
	rows, err := ParseCSV(strings.NewReader(csvCluster70))
	require.NoError(t, err)
	require.Equal(t, []Row{{Test: "SET", RPS: 39840.64, AvgMs: 0.345, MinMs: 0.04, P50Ms: 0.287, P95Ms: 0.815, P99Ms: 1.375, MaxMs: 5.575}}, rows)
}

func TestParseCSVRejectsBadOutput(t *testing.T) {
	header := strings.SplitN(csv70, "\n", 2)[0] + "\n"
	for name, in := range map[string]string{
		"empty":          "",
		"no header":      `"SET","1","1","1","1","1","1","1"` + "\n",
		"header only":    header, // every command failed
		"missing column": `"test","rps","p50_latency_ms"` + "\n" + `"SET","1","1"` + "\n",
		"not a number":   header + `"SET","fast","0.051","0.016","0.047","0.095","0.135","0.223"` + "\n",
		"short row":      header + `"SET","1"` + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(in))
			require.Error(t, err)
		})
	}
}
