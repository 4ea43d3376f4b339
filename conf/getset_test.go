package conf

import (
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

func names(kv [][2]string) []string {
	out := make([]string, len(kv))
	for i, p := range kv {
		out[i] = p[0]
	}
	sort.Strings(out)
	return out
}

func TestGetPatterns(t *testing.T) {
	c := Default()
	cases := []struct {
		patterns []string
		want     []string
	}{
		{[]string{"MAXMEMORY"}, []string{"MAXMEMORY"}}, // the reply repeats the name as asked
		{[]string{"maxmemory", "MAXMEMORY", "max*"}, []string{"maxclients", "maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy", "maxmemory-samples"}},
		{[]string{"max*", "maxmemory"}, []string{"maxclients", "maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy", "maxmemory-samples"}},
		{[]string{"slaveof", "replicaof", "repl*of"}, []string{"replicaof", "slaveof"}},
		{[]string{"slave*of"}, []string{"slaveof"}},
		{[]string{"*slave*"}, []string{"cluster-slave-no-failover", "cluster-slave-validity-factor", "min-slaves-max-lag", "min-slaves-to-write", "repl-ping-slave-period", "slave-announce-ip", "slave-announce-port", "slave-ignore-maxmemory", "slave-lazy-flush", "slave-priority", "slave-read-only", "slave-serve-stale-data", "slaveof"}},
		{[]string{"use-exit-on-panic"}, []string{"use-exit-on-panic"}}, // hidden: exact names only
		{[]string{"use-exit*"}, []string{}},
		{[]string{"nosuch"}, []string{}},
		{[]string{"Port", "port"}, []string{"Port"}},
		{[]string{"?z*"}, []string{"hz"}},
		{[]string{"[a-b]*l*ist"}, []string{"aof_rewrite_cpulist", "bgsave_cpulist", "bio_cpulist"}},
		{[]string{"HZ", "h?"}, []string{"HZ"}},
		{[]string{}, []string{}},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, names(c.Get(tc.patterns...)), "%q", tc.patterns)
	}
	require.Equal(t, [][2]string{{"hz", "10"}, {"port", "6379"}}, c.Get("hz", "port"))
}

func TestSetIsAllOrNothing(t *testing.T) {
	c := Default()
	n, err := c.Set([][2]string{{"maxmemory", "1gb"}, {"hz", "20"}, {"port", "70000"}})
	require.Nil(t, n)
	require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive")
	require.Equal(t, int64(0), c.MaxMemory)
	require.Equal(t, 10, c.Hz)

	n, err = c.Set([][2]string{{"maxmemory", "1gb"}, {"hz", "20"}, {"save", "10 1"}})
	require.NoError(t, err)
	require.Equal(t, int64(1<<30), n.MaxMemory)
	require.Equal(t, 20, n.Hz)
	require.Equal(t, []SavePoint{{10, 1}}, n.Save)
	require.Equal(t, int64(0), c.MaxMemory, "the receiver is unchanged")
	require.Equal(t, defaultSave(), c.Save)
}

func TestSetErrorsUseRedisText(t *testing.T) {
	cases := []struct {
		pairs []string
		err   string
	}{
		{[]string{"foo", "bar"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[]string{"maxmemory", "1", "foo", "bar"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[]string{"foo", "bar", "maxmemory", "x"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[]string{"daemonize", "yes", "foo", "1"}, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"},
		{[]string{"maxmemory", "1", "maxmemory", "2"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"},
		{[]string{"maxmemory", "1", "MAXMEMORY", "2"}, "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter"},
		{[]string{"maxmemory", "1", "maxmemory", "2", "daemonize", "yes"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"},
		{[]string{"daemonize", "yes"}, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"},
		{[]string{"appendfilename", "x.aof"}, "ERR CONFIG SET failed (possibly related to argument 'appendfilename') - can't set immutable config"},
		{[]string{"slaveof", "no one"}, "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set immutable config"},
		{[]string{"dir", "/tmp"}, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"},
		{[]string{"dbfilename", "x"}, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"},
		{[]string{"SLAVE-READ-ONLY", "maybe"}, "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must be 'yes' or 'no'"},
		{[]string{"MAXMEMORY", "x"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[]string{"maxmemory", "1.5gb"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[]string{"port", "abc"}, "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer"},
		{[]string{"loglevel", "foo"}, "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning"},
		{[]string{"save", "100 1 200"}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[]string{"save", "100  1"}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[]string{"save", " 5 1"}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[]string{"client-output-buffer-limit", "master 1 1 1"}, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration."},
		{[]string{"oom-score-adj-values", "1 2"}, "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments"},
		{[]string{"shutdown-on-sigint", ""}, "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - argument(s) must be one of the following: default, save, nosave, now, force"},
		{[]string{"maxmemory-clients", "x"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value"},
		{[]string{"maxmemory-clients", "-5"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value"},
		{[]string{"proc-title-template", "{bad}"}, "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables"},
		{[]string{"cluster-announce-hostname", "bad host"}, "ERR CONFIG SET failed (possibly related to argument 'cluster-announce-hostname') - Hostnames may only contain alphanumeric characters, hyphens or dots"},
		{[]string{"latency-tracking-info-percentiles", "x"}, "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid latency-tracking-info-percentiles parameters"},
		{[]string{"notify-keyspace-events", "q"}, "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
		{[]string{"active-expire-effort", "11"}, "ERR CONFIG SET failed (possibly related to argument 'active-expire-effort') - argument must be between 1 and 10 inclusive"},
		{[]string{"maxmemory", "1", "port", "x"}, "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer"},
	}
	for _, tc := range cases {
		var pairs [][2]string
		for i := 0; i < len(tc.pairs); i += 2 {
			pairs = append(pairs, [2]string{tc.pairs[i], tc.pairs[i+1]})
		}
		n, err := Default().Set(pairs)
		require.Nil(t, n, "%q", tc.pairs)
		require.EqualError(t, err, tc.err, "%q", tc.pairs)
	}
}

func TestSetValuesRenderAsRedis(t *testing.T) {
	cases := []struct{ name, value, want string }{
		{"maxmemory", "", "0"},
		{"maxmemory", "99999999999999999999", "18446744073709551615"},
		{"hz", "1000", "500"},
		{"hz", "0", "1"},
		{"save", "", ""},
		{"save", "+5 -0", "5 0"},
		{"save", "5 4294967297", "5 1"},
		{"client-output-buffer-limit", "", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
		{"client-output-buffer-limit", "pubsub 1 2 3 pubsub 4 5 6", "normal 0 0 0 slave 268435456 67108864 60 pubsub 4 5 6"},
		{"notify-keyspace-events", "KEA", "AKE"},
		{"latency-tracking-info-percentiles", "1e1 0.0000001 1.23456789", "10 0 1.234568"},
		{"latency-tracking-info-percentiles", "", ""},
		{"shutdown-on-sigint", "save now", "save now"},
		{"shutdown-on-sigterm", "force now save", "save now force"},
		{"maxmemory-clients", "100%", "100%"},
		{"oom-score-adj", "relative", "yes"},
		{"bind", "", ""},
		{"bind", "127.0.0.1 ::1", "127.0.0.1 ::1"},
		{"slave-read-only", "no", "no"},
		{"masteruser", "bob", "bob"},
		{"requirepass", "a\x00b", "a\x00b"},
	}
	for _, tc := range cases {
		c, err := Default().SetFrom([][2]string{{tc.name, tc.value}}, true)
		require.NoError(t, err, "%s %q", tc.name, tc.value)
		kv := c.Get(tc.name)
		require.Len(t, kv, 1)
		require.Equal(t, tc.want, kv[0][1], "%s %q", tc.name, tc.value)
	}
}

func TestSetAliasAndNameAreNotDuplicates(t *testing.T) {
	c, err := Default().Set([][2]string{{"slave-read-only", "no"}, {"replica-read-only", "yes"}})
	require.NoError(t, err)
	require.Equal(t, "yes", get(t, c, "slave-read-only"))
}

func TestSetProtectedConfigsFollowEnableProtectedConfigs(t *testing.T) {
	dir := t.TempDir()
	for mode, local := range map[string]bool{"yes": false, "local": true} {
		c := mustParse(t, "enable-protected-configs "+mode+"\n")
		n, err := c.SetFrom([][2]string{{"dir", dir}, {"dbfilename", "q.rdb"}}, local)
		require.NoError(t, err, mode)
		require.Equal(t, "q.rdb", n.DBFilename)
		real, err := filepath.EvalSymlinks(dir)
		require.NoError(t, err)
		require.Equal(t, real, get(t, n, "dir"))
	}
	c := mustParse(t, "enable-protected-configs local\n")
	_, err := c.SetFrom([][2]string{{"dir", dir}}, false)
	require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")

	c = mustParse(t, "enable-protected-configs yes\n")
	_, err = c.Set([][2]string{{"dir", "/nonexistent/q"}})
	require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory")
	_, err = c.Set([][2]string{{"dbfilename", "a/b"}})
	require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename")
}

func TestSetWithNoPairsCopies(t *testing.T) {
	c := Default()
	n, err := c.Set(nil)
	require.NoError(t, err)
	require.NotSame(t, c, n)
	require.Equal(t, c.Get("*"), n.Get("*"))
}

func BenchmarkSet(b *testing.B) {
	c := Default()
	for i := 0; i < b.N; i++ {
		if _, err := c.Set([][2]string{{"maxmemory", "1gb"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetAll(b *testing.B) {
	c := Default()
	for i := 0; i < b.N; i++ {
		c.Get("*")
	}
}
