package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// get returns one CONFIG GET value, failing the test if the name is unknown.
func get(t *testing.T, c *Config, name string) string {
	t.Helper()
	kv := c.Get(name)
	require.Len(t, kv, 1, "CONFIG GET %s", name)
	return kv[0][1]
}

func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := Parse(text, "")
	require.NoError(t, err)
	return c
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestDefaultMatchesRedis(t *testing.T) {
	c := Default()
	want := map[string]string{
		"port": "6379", "bind": "* -::*", "protected-mode": "yes", "databases": "16",
		"save": "3600 1 300 100 60 10000", "dbfilename": "dump.rdb", "appendonly": "no",
		"appendfilename": "appendonly.aof", "appenddirname": "appendonlydir", "appendfsync": "everysec",
		"client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		"client-query-buffer-limit":  "1073741824", "proto-max-bulk-len": "536870912",
		"maxmemory": "0", "maxmemory-policy": "noeviction", "maxmemory-samples": "5", "hz": "10",
		"timeout": "0", "tcp-keepalive": "300", "maxclients": "10000", "loglevel": "notice",
		"logfile": "", "pidfile": "", "requirepass": "", "replicaof": "", "slaveof": "",
		"cluster-enabled": "no", "cluster-config-file": "nodes.conf", "cluster-node-timeout": "15000",
		"slowlog-log-slower-than": "10000", "slowlog-max-len": "128", "latency-monitor-threshold": "0",
		"enable-debug-command": "no", "enable-protected-configs": "no", "unixsocketperm": "0",
		"latency-tracking-info-percentiles": "50 99 99.9", "oom-score-adj-values": "0 200 800",
		"notify-keyspace-events": "", "shutdown-on-sigint": "default", "maxmemory-clients": "0",
		"proc-title-template": "{title} {listen-addr} {server-mode}", "list-max-ziplist-size": "-2",
	}
	for name, v := range want {
		require.Equal(t, v, get(t, c, name), name)
	}
	cwd, err := os.Getwd()
	require.NoError(t, err)
	real, err := filepath.EvalSymlinks(cwd)
	require.NoError(t, err)
	require.Equal(t, real, c.Dir)
}

func TestConfigGetStarListsEveryRedisName(t *testing.T) {
	// Redis 7.0.15 (with TLS) lists 192 names, aliases included.
	all := Default().Get("*")
	require.Len(t, all, 192)
	names := map[string]bool{}
	for _, kv := range all {
		require.False(t, names[kv[0]], "duplicate %s", kv[0])
		names[kv[0]] = true
	}
	for _, n := range []string{"slaveof", "replicaof", "slave-read-only", "hash-max-ziplist-entries", "lua-time-limit", "tls-port", "aof_rewrite_cpulist"} {
		require.True(t, names[n], n)
	}
	for _, hidden := range []string{"use-exit-on-panic", "watchdog-period", "key-load-delay", "rdb-key-save-delay", "loading-process-events-interval-bytes", "lua-enable-deprecated-api"} {
		require.False(t, names[hidden], hidden)
	}
}

func TestParseValueTypes(t *testing.T) {
	cases := []struct {
		line, name, want string
	}{
		{"maxmemory 1k", "maxmemory", "1000"},
		{"maxmemory 1kb", "maxmemory", "1024"},
		{"maxmemory 1m", "maxmemory", "1000000"},
		{"maxmemory 1MB", "maxmemory", "1048576"},
		{"maxmemory 1g", "maxmemory", "1000000000"},
		{"maxmemory 1Gb", "maxmemory", "1073741824"},
		{"maxmemory 100B", "maxmemory", "100"},
		{"maxmemory 007", "maxmemory", "7"},
		{`maxmemory ""`, "maxmemory", "0"},
		{"maxmemory kb", "maxmemory", "0"},
		{"maxmemory 99999999999999999999", "maxmemory", "18446744073709551615"},
		{"MAXMEMORY 2mb", "maxmemory", "2097152"},
		{"appendonly YES", "appendonly", "yes"},
		{"appendonly No", "appendonly", "no"},
		{"port 0", "port", "0"},
		{"port 65535", "port", "65535"},
		{"loglevel Warning", "loglevel", "warning"},
		{"maxmemory-policy ALLKEYS-LRU", "maxmemory-policy", "allkeys-lru"},
		{"oom-score-adj relative", "oom-score-adj", "yes"},
		{"hz 0", "hz", "1"},
		{"hz 100000", "hz", "500"},
		{"unixsocketperm 777", "unixsocketperm", "777"},
		{"unixsocketperm 0777", "unixsocketperm", "777"},
		{`unixsocketperm ""`, "unixsocketperm", "0"},
		{"maxmemory-clients 10%", "maxmemory-clients", "10%"},
		{"maxmemory-clients 1kb", "maxmemory-clients", "1024"},
		{"maxmemory-clients 99999999999999999999", "maxmemory-clients", "1%"}, // wraps to -1, read as 1%
		{"slowlog-log-slower-than -1", "slowlog-log-slower-than", "-1"},
		{"maxclients 4294967295", "maxclients", "4294967295"},
		{"list-max-ziplist-size -5", "list-max-listpack-size", "-5"},
		{"slave-read-only no", "replica-read-only", "no"},
		{"lua-time-limit 100", "busy-reply-threshold", "100"},
		{"pidfile /tmp/x.pid", "pidfile", "/tmp/x.pid"},
		{`pidfile ""`, "pidfile", ""},
		{`requirepass "a b\x41\n"`, "requirepass", "a bA\n"},
		{`requirepass 'it\'s'`, "requirepass", "it's"},
		{`requirepass "a\x00b"`, "requirepass", "a\x00b"}, // requirepass is binary-safe
		{`pidfile "a\x00b"`, "pidfile", "a"},              // pidfile is a C string
		{`requirepass "\q\\\""`, "requirepass", `q\"`},
		{`requirepass 'a\b'`, "requirepass", `a\b`},
		{`requirepass a"b c"`, "requirepass", "ab c"},
		{"maxmemory\t1mb\r", "maxmemory", "1048576"},
		{"\v maxmemory 3mb", "maxmemory", "3145728"},
		{"shutdown-on-sigint save now", "shutdown-on-sigint", "save now"},
		{"shutdown-on-sigint 'save now'", "shutdown-on-sigint", "save now"},
		{"shutdown-on-sigint default force", "shutdown-on-sigint", "force"},
		{"oom-score-adj-values '1 2 3'", "oom-score-adj-values", "1 2 3"},
		{"notify-keyspace-events KEA", "notify-keyspace-events", "AKE"},
		{"notify-keyspace-events Kx$m", "notify-keyspace-events", "$xKm"},
		{"latency-tracking-info-percentiles 0x10 1e1 .5 5. inf", "latency-tracking-info-percentiles", ""}, // refused below
		{`latency-tracking-info-percentiles ""`, "latency-tracking-info-percentiles", ""},
		{"latency-tracking-info-percentiles 50 99.90 1e-310", "latency-tracking-info-percentiles", "50 99.9 0"},
		{"client-output-buffer-limit replica 1mb 2k 10", "client-output-buffer-limit", "normal 0 0 0 slave 1048576 2000 10 pubsub 33554432 8388608 60"},
		{"client-output-buffer-limit 'normal 1gb 1mb 1'", "client-output-buffer-limit", "normal 1073741824 1048576 1 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
		{"client-output-buffer-limit NORMAL 1 1 4294967296", "client-output-buffer-limit", "normal 1 1 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
		{"bind 127.0.0.1 ::1", "bind", "127.0.0.1 ::1"},
		{"bind '127.0.0.1 ::1'", "bind", "127.0.0.1 ::1"},
		{`bind ""`, "bind", ""},
		{"bind", "bind", ""},
		{"replicaof 127.0.0.1 6380", "replicaof", "127.0.0.1 6380"},
		{"slaveof 127.0.0.1 6380", "slaveof", "127.0.0.1 6380"},
		{"replicaof h 4294967297", "replicaof", "h 1"},
		{`replicaof h ""`, "replicaof", "h 0"},
		{"replicaof 'h 1'", "replicaof", "h 1"},
		{"cluster-announce-hostname good-host.example", "cluster-announce-hostname", "good-host.example"},
		{`proc-title-template "{port} {{x"`, "proc-title-template", "{port} {{x"},
		{"list-max-ziplist-entries 5", "list-max-listpack-size", "-2"}, // deprecated, ignored
		{"sentinel", "port", "6379"},
	}
	for _, tc := range cases {
		if strings.HasPrefix(tc.line, "latency-tracking-info-percentiles 0x10") {
			continue
		}
		c, err := Parse(tc.line+"\n", "")
		require.NoError(t, err, tc.line)
		require.Equal(t, tc.want, get(t, c, tc.name), tc.line)
	}
}

func TestParseFillsConfigFields(t *testing.T) {
	c := mustParse(t, `
port 7000
bind 127.0.0.1
protected-mode no
requirepass secret
masterauth mpass
masteruser muser
logfile ""
loglevel debug
databases 4
timeout 30
tcp-keepalive 60
maxclients 100
daemonize no
pidfile /tmp/q.pid
appendonly yes
appendfilename q.aof
appenddirname qdir
appendfsync always
cluster-enabled yes
cluster-config-file n.conf
cluster-node-timeout 5000
cluster-announce-ip 10.0.0.1
cluster-announce-port 7001
cluster-announce-bus-port 17001
cluster-port 17002
maxmemory 100mb
maxmemory-policy allkeys-lru
maxmemory-samples 10
maxmemory-eviction-tenacity 100
hash-max-ziplist-entries 10
hash-max-listpack-value 1kb
set-max-intset-entries 0
zset-max-listpack-entries 3
zset-max-ziplist-value 5
list-max-ziplist-size -5
save 60 1
dbfilename q.rdb
proto-max-bulk-len 1mb
client-query-buffer-limit 2mb
client-output-buffer-limit pubsub 1mb 512kb 30
hz 50
enable-debug-command local
enable-protected-configs yes
slowlog-log-slower-than 500
slowlog-max-len 64
latency-monitor-threshold 100
lazyfree-lazy-user-del yes
lazyfree-lazy-user-flush yes
rename-command FLUSHALL ""
rename-command config cfg
`)
	require.Equal(t, 7000, c.Port)
	require.Equal(t, []string{"127.0.0.1"}, c.Bind)
	require.False(t, c.ProtectedMode)
	require.Equal(t, "secret", c.RequirePass)
	require.Equal(t, "mpass", c.MasterAuth)
	require.Equal(t, "muser", c.MasterUser)
	require.Equal(t, "debug", c.LogLevel)
	require.Equal(t, 4, c.Databases)
	require.Equal(t, int64(30), c.Timeout)
	require.Equal(t, int64(60), c.TCPKeepalive)
	require.Equal(t, 100, c.MaxClients)
	require.Equal(t, "/tmp/q.pid", c.PidFile)
	require.True(t, c.AppendOnly)
	require.Equal(t, "q.aof", c.AppendFilename)
	require.Equal(t, "qdir", c.AppendDirname)
	require.Equal(t, "always", c.AppendFsync)
	require.True(t, c.ClusterEnabled)
	require.Equal(t, "n.conf", c.ClusterConfigFile)
	require.Equal(t, int64(5000), c.ClusterNodeTimeout)
	require.Equal(t, "10.0.0.1", c.ClusterAnnounceIP)
	require.Equal(t, 7001, c.ClusterAnnouncePort)
	require.Equal(t, 17001, c.ClusterAnnounceBusPort)
	require.Equal(t, 17002, c.ClusterPort)
	require.Equal(t, int64(100<<20), c.MaxMemory)
	require.Equal(t, "allkeys-lru", c.MaxMemoryPolicy)
	require.Equal(t, 10, c.MaxMemorySamples)
	require.Equal(t, 100, c.MaxMemoryEvictionTenacity)
	require.Equal(t, int64(10), c.HashMaxListpackEntries)
	require.Equal(t, int64(1024), c.HashMaxListpackValue)
	require.Equal(t, int64(0), c.SetMaxIntsetEntries)
	require.Equal(t, int64(3), c.ZSetMaxListpackEntries)
	require.Equal(t, int64(5), c.ZSetMaxListpackValue)
	require.Equal(t, -5, c.ListMaxListpackSize)
	require.Equal(t, []SavePoint{{60, 1}}, c.Save)
	require.Equal(t, "q.rdb", c.DBFilename)
	require.Equal(t, int64(1<<20), c.ProtoMaxBulkLen)
	require.Equal(t, int64(2<<20), c.ClientQueryBufferLimit)
	require.Equal(t, OutputBufferLimit{1 << 20, 512 << 10, 30}, c.ClientOutputBufferLimit["pubsub"])
	require.Equal(t, OutputBufferLimit{256 << 20, 64 << 20, 60}, c.ClientOutputBufferLimit["replica"])
	require.Equal(t, 50, c.Hz)
	require.Equal(t, "local", c.EnableDebugCommand)
	require.Equal(t, "yes", c.EnableProtectedConfigs)
	require.Equal(t, int64(500), c.SlowlogLogSlowerThan)
	require.Equal(t, int64(64), c.SlowlogMaxLen)
	require.Equal(t, int64(100), c.LatencyMonitorThreshold)
	require.True(t, c.LazyfreeLazyUserDel)
	require.True(t, c.LazyfreeLazyUserFlush)
	require.Equal(t, map[string]string{"flushall": "", "config": "cfg"}, c.RenameCommand)
	// Replication is not built yet: its directives are parsed but reported.
	require.ElementsMatch(t, []string{"masteruser", "masterauth"}, c.Unsupported())

	r := mustParse(t, "replicaof 10.1.2.3 6380\n")
	require.Equal(t, "10.1.2.3 6380", r.ReplicaOf)
	host, port, ok := r.Master()
	require.True(t, ok)
	require.Equal(t, "10.1.2.3", host)
	require.Equal(t, 6380, port)
	_, _, ok = Default().Master()
	require.False(t, ok)
}

func TestParseSaveRulesFollowRedis(t *testing.T) {
	cases := []struct{ text, want string }{
		{"save 100 1\n", "100 1"},
		{"save 100 1\nsave 200 2\n", "100 1 200 2"},
		{`save ""` + "\n", ""},
		{"save\n", ""},
		{"save 100 1\nsave \"\"\nsave 200 2\n", "200 2"},
		{"save '100 1 200 2'\n", "100 1 200 2"},
		{"save +5 +0\n", "5 0"},
		{"save 5 4294967297\n", "5 1"}, // Redis keeps changes in an int
		{"save 1 ''\n", "1 0"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, get(t, mustParse(t, tc.text), "save"), tc.text)
	}
}

func TestParseSaveAfterIncludeReplacesEachTime(t *testing.T) {
	// Redis forgets it is reading a file once an include finishes, so each
	// later save line replaces the rules instead of adding to them.
	dir := t.TempDir()
	inc := writeFile(t, dir, "a.conf", "maxmemory 5mb\nsave 7 7\n")
	c := mustParse(t, "include "+inc+"\nsave 1 1\nsave 2 2\n")
	require.Equal(t, "2 2", get(t, c, "save"))
	c = mustParse(t, "save 1 1\ninclude "+inc+"\nsave 2 2\n")
	require.Equal(t, "2 2", get(t, c, "save"))
	require.Equal(t, int64(5<<20), c.MaxMemory)
}

func TestParseIncludeResolvesAgainstDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.conf", "maxmemory 5mb\n")
	writeFile(t, dir, "b.conf", "hz 20\n")
	writeFile(t, dir, ".hidden.conf", "databases 3\n")
	c := mustParse(t, "dir "+dir+"\ninclude a.conf\n")
	require.Equal(t, int64(5<<20), c.MaxMemory)

	c = mustParse(t, "include "+filepath.Join(dir, "*.conf")+"\n")
	require.Equal(t, int64(5<<20), c.MaxMemory)
	require.Equal(t, 20, c.Hz)
	require.Equal(t, 16, c.Databases, "glob skips dot files as glob(3) does")

	c = mustParse(t, "include "+filepath.Join(dir, "nothing", "*.conf")+"\n")
	require.Equal(t, 10, c.Hz)
}

func TestParseDirMustExist(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "f", "")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	real, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)

	c := mustParse(t, "dir "+dir+"\ndir sub\n")
	require.Equal(t, filepath.Join(real, "sub"), c.Dir)
	c = mustParse(t, "dir "+dir+"/sub\ndir ..\n")
	require.Equal(t, real, c.Dir)

	for line, reason := range map[string]string{
		"dir /nonexistent/x": "No such file or directory",
		"dir " + file:        "Not a directory",
		`dir ""`:             "No such file or directory",
	} {
		_, err := Parse(line+"\n", "")
		require.Error(t, err)
		require.Equal(t, reason, err.(*Error).Reason, line)
	}
}

func TestParseErrorsUseRedisText(t *testing.T) {
	cases := []struct{ line, reason string }{
		{"foo bar", "Bad directive or wrong number of arguments"},
		{"port", "wrong number of arguments"},
		{"port 6380 6381", "wrong number of arguments"},
		{"include", "Bad directive or wrong number of arguments"},
		{"include a b", "Bad directive or wrong number of arguments"},
		{"rename-command get", "Bad directive or wrong number of arguments"},
		{"user", "Bad directive or wrong number of arguments"},
		{"replicaof", "wrong number of arguments"},
		{"replicaof 127.0.0.1", "wrong number of arguments"},
		{"replicaof h 70000", "Invalid master port"},
		{"replicaof h x", "Invalid master port"},
		{`requirepass "unbalanced`, "Unbalanced quotes in configuration line"},
		{"requirepass 'unbalanced", "Unbalanced quotes in configuration line"},
		{`requirepass "a"b`, "Unbalanced quotes in configuration line"},
		{`requirepass "x\`, "Unbalanced quotes in configuration line"},
		{"appendonly maybe", "argument must be 'yes' or 'no'"},
		{`appendonly ""`, "argument must be 'yes' or 'no'"},
		{"port 65536", "argument must be between 0 and 65535 inclusive"},
		{"port -1", "argument must be between 0 and 65535 inclusive"},
		{"port +6380", "argument couldn't be parsed into an integer"},
		{"port 06380", "argument couldn't be parsed into an integer"},
		{`port " 6380"`, "argument couldn't be parsed into an integer"},
		{"port -0", "argument couldn't be parsed into an integer"},
		{"port 99999999999999999999", "argument couldn't be parsed into an integer"},
		{"maxmemory 1.5gb", "argument must be a memory value"},
		{"maxmemory -1", "argument must be a memory value"},
		{"maxmemory 1tb", "argument must be a memory value"},
		{`maxmemory "1 kb"`, "argument must be a memory value"},
		{"maxclients 0", "argument must be between 1 and 4294967295 inclusive"},
		{"maxclients -1", "argument must be between 1 and 4294967295 inclusive"},
		{"hash-max-listpack-entries -1", "argument must be between 0 and 9223372036854775807 inclusive"},
		{"slowlog-max-len -1", "argument must be between 0 and 9223372036854775807 inclusive"},
		{"slowlog-log-slower-than -2", "argument must be between -1 and 9223372036854775807 inclusive"},
		{"databases 0", "argument must be between 1 and 2147483647 inclusive"},
		{"unixsocketperm 1000", "argument must be between 0 and 777 inclusive"},
		{"unixsocketperm 8", "argument couldn't be parsed as an octal number"},
		{"maxmemory-clients 101%", "percentage argument must be less or equal to 100"},
		{"maxmemory-clients %", "argument must be a memory or percent value"},
		{"maxmemory-clients -1%", "argument must be a memory or percent value"},
		// Redis's upper bound is LONG_MAX; a Quordis string stops at 4 GiB.
		{"proto-max-bulk-len 1000", "argument must be between 1048576 and 4294967295 inclusive"},
		{"proto-max-bulk-len 4gb", "argument must be between 1048576 and 4294967295 inclusive"},
		{"loglevel bogus", "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{"loglevel debug notice", "wrong number of arguments"},
		{"shutdown-on-sigint save nosave", "shutdown options SAVE and NOSAVE can't be used simultaneously"},
		{"shutdown-on-sigint", "argument(s) must be one of the following: default, save, nosave, now, force"},
		{"dbfilename a/b.rdb", "dbfilename can't be a path, just a filename"},
		{`appendfilename ""`, "appendfilename can't be empty"},
		{"appenddirname a/b", "appenddirname can't be a path, just a dirname"},
		{`cluster-announce-hostname "bad host"`, "Hostnames may only contain alphanumeric characters, hyphens or dots"},
		{"cluster-announce-hostname " + strings.Repeat("a", 256), "Hostnames must be less than 256 characters"},
		{`proc-title-template "{unknown}"`, "template format is invalid or contains unknown variables"},
		{`proc-title-template "{title}"`, "template format is invalid or contains unknown variables"},
		{`proc-title-template "{"`, "template format is invalid or contains unknown variables"},
		{"oom-score-adj-values 1 2", "wrong number of arguments"},
		{"oom-score-adj-values 1 2 3000", "Invalid oom-score-adj-values, elements must be between -2000 and 2000."},
		{"notify-keyspace-events q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
		{"latency-tracking-info-percentiles 101", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
		{"latency-tracking-info-percentiles x", "Invalid latency-tracking-info-percentiles parameters"},
		{"latency-tracking-info-percentiles nan", "Invalid latency-tracking-info-percentiles parameters"},
		{"latency-tracking-info-percentiles 1e-400", "Invalid latency-tracking-info-percentiles parameters"},
		{"latency-tracking-info-percentiles 0x10 1e1 .5 5. inf", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
		{"client-output-buffer-limit master 1 1 1", "Invalid client class specified in buffer limit configuration."},
		{"client-output-buffer-limit normal 1 1", "Wrong number of arguments in buffer limit configuration."},
		{`client-output-buffer-limit ""`, "Wrong number of arguments in buffer limit configuration."},
		{"client-output-buffer-limit normal x 1 1", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{"client-output-buffer-limit normal 1 1 4294967295", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{"save 100", "Invalid save parameters"},
		{"save 0 1", "Invalid save parameters"},
		{"save 1 -1", "Invalid save parameters"},
		{"save x 1", "Invalid save parameters"},
		{"bind " + strings.Repeat("1.1.1.1 ", 17), "Too many bind addresses specified."},
		{"sentinel monitor x 1 2 3", "sentinel directive while not in sentinel mode"},
		{"foo.bar", "Module config specified without value"},
		{"list-max-ziplist-entries 5 6", "Bad directive or wrong number of arguments"},
		{"activedefrag yes", "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"},
	}
	for _, tc := range cases {
		_, err := Parse("# first line\n"+tc.line+"\n", "/etc/redis.conf")
		require.Error(t, err, tc.line)
		var ce *Error
		require.ErrorAs(t, err, &ce)
		require.Equal(t, tc.reason, ce.Reason, tc.line)
		require.Equal(t, 2, ce.Line, tc.line)
		require.Equal(t, strings.TrimSpace(tc.line), ce.Text)
	}
}

func TestParseErrorTextNamesFileAndLine(t *testing.T) {
	_, err := Parse("port 6379\nfoo bar\n", "/etc/redis.conf")
	require.EqualError(t, err, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"+
		"Reading the configuration file, at line 2 of /etc/redis.conf\n"+
		">>> 'foo bar'\n"+
		"Bad directive or wrong number of arguments")

	_, err = Parse("cluster-enabled yes\nreplicaof 127.0.0.1 6380\n", "")
	require.EqualError(t, err, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"+
		"replicaof directive not allowed in cluster mode")
}

func TestParseErrorInIncludedFileNamesThatFile(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.conf", "# header\n\nfoo\n")
	_, err := Parse("port 1\ninclude "+bad+"\n", "/etc/redis.conf")
	var ce *Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, &Error{Source: bad, Line: 3, Text: "foo", Reason: "Bad directive or wrong number of arguments"}, ce)

	_, err = Parse("include "+filepath.Join(dir, "missing.conf")+"\n", "")
	require.EqualError(t, err, "Fatal error, can't open config file '"+filepath.Join(dir, "missing.conf")+"': No such file or directory")
}

func TestParseRejectsSelfInclude(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "self.conf")
	writeFile(t, dir, "self.conf", "include "+self+"\n")
	_, err := Parse("include "+self+"\n", "")
	var ce *Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "include nesting too deep", ce.Reason)
}

func TestParseDropsRestOfChunkAfterNul(t *testing.T) {
	// fgets pieces are appended as C strings: a NUL drops the rest of its
	// line, newline included, so the next line joins it.
	c := mustParse(t, "# note\x00junk\nhz 20\n")
	require.Equal(t, 10, c.Hz, "hz joined the comment")
	c = mustParse(t, "hz 2\x00\n0\nport 7\n")
	require.Equal(t, 20, c.Hz)
	require.Equal(t, 7, c.Port)
}

func TestLoadMergesFileStdinAndOptions(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "x.conf", "port 6380\nmaxmemory 1mb\n")

	c, err := Load([]string{file, "--port", "7000"}, nil)
	require.NoError(t, err)
	require.Equal(t, 7000, c.Port)
	require.Equal(t, int64(1<<20), c.MaxMemory)
	require.Equal(t, file, c.File)

	c, err = Load([]string{file, "--hz", "31", "-"}, strings.NewReader("maxmemory 3mb\nhz 30\n"))
	require.NoError(t, err)
	require.Equal(t, int64(3<<20), c.MaxMemory)
	require.Equal(t, 31, c.Hz)

	c, err = Load([]string{"-", "--port", "7001"}, strings.NewReader("hz 30\n"))
	require.NoError(t, err)
	require.Equal(t, 30, c.Hz)
	require.Equal(t, 7001, c.Port)
	require.Equal(t, "", c.File)

	c, err = Load(nil, nil)
	require.NoError(t, err)
	require.Equal(t, 6379, c.Port)
}

func TestLoadCommandLineForms(t *testing.T) {
	cases := []struct {
		args       []string
		name, want string
	}{
		{[]string{"--save"}, "save", ""},
		{[]string{"--save", "--maxmemory", "5mb"}, "save", ""},
		{[]string{"--save", "100", "1", "200", "2"}, "save", "100 1 200 2"},
		{[]string{"--save", "100 1 200 2"}, "save", "100 1 200 2"},
		{[]string{"--port 7002"}, "port", "7002"},
		{[]string{"--requirepass", "a b"}, "requirepass", "a b"},
		{[]string{"--requirepass", "--x"}, "requirepass", "--x"},
		{[]string{"--requirepass", `a"b'c\d`}, "requirepass", `a"b'c\d`},
		{[]string{"--bind", "127.0.0.1", "::1"}, "bind", "127.0.0.1 ::1"},
		{[]string{"--sentinel", "--port", "7003"}, "port", "7003"},
		{[]string{"--port", "7004", "--slaveof", "h", "1"}, "replicaof", "h 1"},
	}
	for _, tc := range cases {
		c, err := Load(tc.args, nil)
		require.NoError(t, err, tc.args)
		require.Equal(t, tc.want, get(t, c, tc.name), tc.args)
	}
}

func TestLoadErrorsNumberLinesLikeRedis(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "x.conf", "port 6380\n")

	_, err := Load([]string{"--port", "1", "--foo"}, nil)
	require.EqualError(t, err, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"+
		"Reading the configuration file, at line 3 of command line\n>>> 'foo'\n"+
		"Bad directive or wrong number of arguments")

	_, err = Load([]string{"--port", "1", "--maxmemory 5", "--foo", "--bar", "--baz"}, nil)
	var ce *Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, &Error{Source: "command line", Line: 4, Text: `foo "--bar"`, Reason: "Bad directive or wrong number of arguments"}, ce)

	_, err = Load([]string{file, "--port", "2", "-"}, strings.NewReader("bogus\n"))
	require.ErrorAs(t, err, &ce)
	require.Equal(t, &Error{Source: "standard input", Line: 2, Text: "bogus", Reason: "Bad directive or wrong number of arguments"}, ce)

	noNewline := writeFile(t, dir, "n.conf", "port 5")
	_, err = Load([]string{noNewline, "-"}, strings.NewReader("00\nbogus\n"))
	// "-" counts only as the first or the last argument; elsewhere it is a value.
	_, err2 := Load([]string{file, "-", "--port", "2"}, strings.NewReader("bogus\n"))
	require.ErrorAs(t, err2, &ce)
	require.Equal(t, &Error{Source: "command line", Line: 3, Text: `"-"`, Reason: "Bad directive or wrong number of arguments"}, ce)
	require.ErrorAs(t, err, &ce)
	require.Equal(t, 2, ce.Line)
	require.Equal(t, "standard input", ce.Source)

	_, err = Load([]string{noNewline, "-"}, strings.NewReader("x\n"))
	require.ErrorAs(t, err, &ce)
	require.Equal(t, &Error{Source: noNewline, Line: 1, Text: "port 5x", Reason: "argument couldn't be parsed into an integer"}, ce)

	_, err = Load([]string{filepath.Join(dir, "missing.conf")}, nil)
	require.EqualError(t, err, "Fatal error, can't open config file '"+filepath.Join(dir, "missing.conf")+"': No such file or directory")
	var oe *OpenError
	require.ErrorAs(t, err, &oe)
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestLoadChecksLogFile(t *testing.T) {
	dir := t.TempDir()
	_, err := Load([]string{"--logfile", filepath.Join(dir, "no", "such", "log")}, nil)
	require.EqualError(t, err, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"+
		"Can't open the log file: No such file or directory")

	c, err := Load([]string{"--dir", dir, "--logfile", "q.log"}, nil)
	require.NoError(t, err)
	require.Equal(t, "q.log", c.LogFile)
	require.FileExists(t, filepath.Join(dir, "q.log"))
}

func TestLoadMakesConfigFileAbsolute(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "x.conf", "hz 11\n")
	t.Chdir(dir)
	c, err := Load([]string{"x.conf"}, nil)
	require.NoError(t, err)
	cwd, _ := os.Getwd()
	require.Equal(t, filepath.Join(cwd, "x.conf"), c.File)
	require.Equal(t, 11, c.Hz)
}

func TestUnsupportedListsNonDefaultUnsupportedDirectives(t *testing.T) {
	c := mustParse(t, "port 7000\nactive-expire-effort 3\nhash-max-ziplist-entries 10\nstream-node-max-entries 10\n"+
		"maxmemory 1mb\nuser alice on\nloadmodule /x.so\nfoo.bar 1\njemalloc-bg-thread no\n")
	require.Equal(t, []string{"jemalloc-bg-thread", "active-expire-effort", "stream-node-max-entries",
		"user", "loadmodule", "foo.bar"}, c.Unsupported())
	require.Empty(t, mustParse(t, "active-expire-effort 1\n").Unsupported(), "default values are not reported")
}

func TestDirectivesDescribeTable(t *testing.T) {
	ds := Directives()
	require.Len(t, ds, 179)
	byName := map[string]Directive{}
	for _, d := range ds {
		byName[d.Name] = d
	}
	require.Equal(t, Directive{Name: "replicaof", Alias: "slaveof", Immutable: true}, byName["replicaof"])
	require.True(t, byName["dir"].Protected)
	require.True(t, byName["dbfilename"].Protected)
	require.True(t, byName["appendfilename"].Immutable)
	require.True(t, byName["requirepass"].Sensitive)
	require.True(t, byName["use-exit-on-panic"].Hidden)

	var supported []string
	for _, d := range ds {
		if d.Supported {
			supported = append(supported, d.Name)
		}
	}
	require.ElementsMatch(t, []string{"port", "bind", "protected-mode", "requirepass", "dir", "logfile",
		"loglevel", "databases", "timeout", "tcp-keepalive", "maxclients", "pidfile",
		"proto-max-bulk-len", "client-query-buffer-limit", "client-output-buffer-limit", "hz",
		"enable-debug-command", "enable-module-command", "enable-protected-configs", "slowlog-log-slower-than", "slowlog-max-len", "busy-reply-threshold", "notify-keyspace-events", "tracking-table-max-keys",
		"latency-monitor-threshold", "latency-tracking", "latency-tracking-info-percentiles", "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush",
		"lazyfree-lazy-expire", "lfu-log-factor", "lfu-decay-time", "appendonly", "appendfilename",
		"appenddirname", "appendfsync", "aof-load-truncated", "aof-use-rdb-preamble", "stop-writes-on-bgsave-error",
		"auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size", "save", "dbfilename", "key-load-delay", "maxmemory",
		"maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity", "lazyfree-lazy-eviction",
		"hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries",
		"zset-max-listpack-entries", "zset-max-listpack-value", "list-max-listpack-size",
		"cluster-enabled", "cluster-announce-ip", "cluster-config-file", "cluster-port",
		"cluster-announce-bus-port", "cluster-announce-port", "cluster-node-timeout",
		"cluster-require-full-coverage", "cluster-allow-reads-when-down", "cluster-allow-pubsubshard-when-down",
		"cluster-announce-hostname",
		"cluster-preferred-endpoint-type"}, supported)
}

func TestCloneIsDeep(t *testing.T) {
	c := mustParse(t, "notify-keyspace-events KEA\n")
	d := c.Clone()
	d.Bind[0] = "x"
	d.Save[0].Seconds = 1
	d.ClientOutputBufferLimit["normal"] = OutputBufferLimit{1, 1, 1}
	d.RenameCommand["get"] = "x"
	d2, err := d.Set([][2]string{{"notify-keyspace-events", ""}, {"hash-max-listpack-entries", "3"}})
	require.NoError(t, err)
	require.Equal(t, "* -::*", get(t, c, "bind"))
	require.Equal(t, "3600 1 300 100 60 10000", get(t, c, "save"))
	require.Equal(t, OutputBufferLimit{}, c.ClientOutputBufferLimit["normal"])
	require.Empty(t, c.RenameCommand)
	require.Equal(t, "AKE", get(t, c, "notify-keyspace-events"))
	require.Equal(t, "512", get(t, c, "hash-max-listpack-entries"))
	require.Equal(t, "AKE", get(t, d, "notify-keyspace-events"))
	require.Equal(t, "", get(t, d2, "notify-keyspace-events"))
}

func TestParseMemory(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1k": 1000, "1KB": 1024, "2m": 2000000, "2mb": 2 << 20, "3g": 3000000000, "3gb": 3 << 30, "5b": 5, "": 0} {
		v, err := ParseMemory(in)
		require.NoError(t, err, in)
		require.Equal(t, want, v, in)
	}
	for _, in := range []string{"-1", "1.5", "1tb", " 1", "+1", "1 kb", "99999999999999999999"} {
		_, err := ParseMemory(in)
		require.Error(t, err, in)
	}
}
