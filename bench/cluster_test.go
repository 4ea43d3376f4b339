package bench

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInfoFieldFindsAFieldOfClusterInfo(t *testing.T) {
	info := "cluster_state:fail\r\ncluster_slots_assigned:16384\r\ncluster_known_nodes:3\r\n"
	require.Equal(t, "fail", InfoField(info, "cluster_state"))
	require.Equal(t, "3", InfoField(info, "cluster_known_nodes"))
	require.Equal(t, "", InfoField(info, "cluster_size"))
	require.Equal(t, "", InfoField("", "cluster_state"))
}

func TestTaggedKeyPrefixReadsRedisBenchmarkClusterKeys(t *testing.T) {
	for key, want := range map[string]string{
		"key:{06S}:000000000000": "key:{06S}:",
		"key:{8M}}:000000000000": "key:{8M}}:", // a two-character tag, padded with '}'
		"key:{a}}}:000000000000": "key:{a}}}:",
	} {
		got, err := TaggedKeyPrefix(key)
		require.NoError(t, err, key)
		require.Equal(t, want, got, key)
	}
	for _, key := range []string{
		"key:000000000000",       // no tag: not a --cluster key
		"key:{06S}:000000000001", // not -r 1
		"key:{}:000000000000",    // empty tag
		"counter:{06S}:000000000000",
		"key:{06S}000000000000",
		"",
	} {
		_, err := TaggedKeyPrefix(key)
		require.Error(t, err, key)
	}
}

// Captured from redis-cli 7.0.15 --cluster check against a node that
// serves slots 0-100 only (exit status 1), colour codes included.
const cliCheckFailed = "127.0.0.1:17401 (27eb5efc...) -> 0 keys | 101 slots | 0 slaves.\n" +
	"\x1b[32;1m[OK] 0 keys in 1 masters.\n\x1b[0m0.00 keys per slot on average.\n" +
	"\x1b[29;1m>>> Performing Cluster Check (using node 127.0.0.1:17401)\n" +
	"\x1b[0mM: 27eb5efcce00740cb482deb5ec113ac55704b9e5 127.0.0.1:17401\n   slots:[0-100] (101 slots) master\n" +
	"\x1b[32;1m[OK] All nodes agree about slots configuration.\n" +
	"\x1b[0m\x1b[29;1m>>> Check for open slots...\n\x1b[0m\x1b[29;1m>>> Check slots coverage...\n" +
	"\x1b[0m\x1b[31;1m[ERR] Not all 16384 slots are covered by nodes.\n\n\x1b[0m"

func TestCLIErrorPicksTheErrLinesWithoutColour(t *testing.T) {
	require.Equal(t, "[ERR] Not all 16384 slots are covered by nodes.", cliError([]byte(cliCheckFailed)))
	require.Equal(t, "[ERR] a; [ERR] b", cliError([]byte("[ERR] a\nok\n\x1b[31;1m[ERR] b\n")))
	require.Equal(t, "Could not connect to Redis at 127.0.0.1:7000: Connection refused",
		cliError([]byte("Could not connect to Redis at 127.0.0.1:7000: Connection refused\n")))
	require.Equal(t, "", cliError(nil))
}

func TestClusterScenariosRunRedisBenchmarkClusterOnThreeMasters(t *testing.T) {
	sel, err := Select(Catalogue(Options{BenchBin: "redis-benchmark", Scale: 1, Keyspace: 100_000}), []string{"cluster"})
	require.NoError(t, err)
	require.Equal(t, []string{"cluster/SET/c50/P1/3B", "cluster/SET/c50/P16/3B", "cluster/GET/c50/P1/3B", "cluster/GET/c50/P16/3B"}, names(sel))
	for _, s := range sel {
		require.Equal(t, 3, s.Mode.Masters, s.Name)
		require.Contains(t, s.Mode.Args, "--cluster-enabled", s.Name)
		require.Equal(t, strings.HasPrefix(s.Name, "cluster/GET/"), s.Prefill != nil, s.Name)
	}
	require.Equal(t, "redis-benchmark --cluster --threads 1 -h 127.0.0.1 -p 7000 -c 50 -n 700000 -P 16 -d 3 -r 100000 --csv -t get",
		sel[3].Load.CommandLine(7000))
}
