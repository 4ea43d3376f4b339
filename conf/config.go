package conf

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// RedisVersion is the Redis release whose configuration behaviour this
// package reproduces; it appears in start-up error messages.
const RedisVersion = "7.0.15"

// OutputBufferLimit is one class of client-output-buffer-limit: a client is
// disconnected at once past Hard bytes, or past Soft bytes for SoftSeconds
// seconds. Zero means no limit.
type OutputBufferLimit struct {
	Hard, Soft  int64
	SoftSeconds int64
}

// SavePoint is one "save <seconds> <changes>" rule.
type SavePoint struct {
	Seconds, Changes int64
}

// Config is a whole server configuration. A Config is a value: Set returns a
// new one and never changes the receiver, so a server can publish the
// current *Config to other goroutines and swap it atomically.
//
// Directives that Quordis does not implement yet are kept too (CONFIG GET,
// SET and REWRITE treat them as Redis does) but have no field here; see
// Unsupported.
type Config struct {
	File string // absolute path of the config file, "" if none

	Port          int
	Bind          []string
	ProtectedMode bool
	RequirePass   string
	MasterAuth    string
	MasterUser    string

	Dir          string // absolute; Redis's working directory
	LogFile      string
	LogLevel     string
	Databases    int
	Timeout      int64
	TCPKeepalive int64
	MaxClients   int
	Daemonize    bool
	PidFile      string

	AppendOnly     bool
	AppendFilename string
	AppendDirname  string
	AppendFsync    string

	AOFLoadTruncated         bool  // aof-load-truncated
	StopWritesOnBgsaveError  bool  // stop-writes-on-bgsave-error
	AOFUseRDBPreamble        bool  // aof-use-rdb-preamble
	AutoAOFRewritePercentage int64 // auto-aof-rewrite-percentage
	AutoAOFRewriteMinSize    int64 // auto-aof-rewrite-min-size
	KeyLoadDelay             int64 // key-load-delay: microseconds to wait per key loaded (tests)

	ClusterEnabled         bool
	ClusterConfigFile      string
	ClusterNodeTimeout     int64
	ClusterAnnounceIP      string
	ClusterAnnouncePort    int
	ClusterAnnounceBusPort int
	ClusterPort            int
	// ClusterRequireFullCoverage is cluster-require-full-coverage.
	ClusterRequireFullCoverage      bool
	ClusterAllowReadsWhenDown       bool
	ClusterAllowPubsubshardWhenDown bool
	ClusterAnnounceHostname         string
	ClusterPreferredEndpointType    string // ip, hostname or unknown-endpoint

	// MaxMemory is in bytes. Redis keeps it unsigned: a CONFIG SET beyond
	// 2^63-1 is stored here as its two's complement, so read it through
	// uint64(MaxMemory) when it is negative.
	MaxMemory        int64
	MaxMemoryPolicy  string
	MaxMemorySamples int
	LFULogFactor     int // lfu-log-factor
	LFUDecayTime     int // lfu-decay-time, minutes
	// MaxMemoryEvictionTenacity (0..100) bounds the time one round of
	// evictions may take.
	MaxMemoryEvictionTenacity int

	// The thresholds of the compact encodings.
	HashMaxListpackEntries int64 // hash-max-listpack-entries
	HashMaxListpackValue   int64 // hash-max-listpack-value
	SetMaxIntsetEntries    int64 // set-max-intset-entries
	ZSetMaxListpackEntries int64 // zset-max-listpack-entries
	ZSetMaxListpackValue   int64 // zset-max-listpack-value
	ListMaxListpackSize    int   // list-max-listpack-size

	Save       []SavePoint
	DBFilename string

	ProtoMaxBulkLen         int64
	ClientQueryBufferLimit  int64
	ClientOutputBufferLimit map[string]OutputBufferLimit // keys "normal", "replica", "pubsub"

	Hz                     int    // already clamped to 1..500 as Redis does
	EnableDebugCommand     string // "no", "yes" or "local"
	EnableProtectedConfigs string // "no", "yes" or "local"
	EnableModuleCommand    string // "no", "yes" or "local"

	SlowlogLogSlowerThan    int64
	SlowlogMaxLen           int64
	BusyReplyThreshold      int64 // milliseconds a script runs before other clients get BUSY
	NotifyKeyspaceEvents    int   // the Notify* classes of keyspace notifications to publish
	TrackingTableMaxKeys    int64 // keys CLIENT TRACKING remembers at most; 0: no limit
	LatencyMonitorThreshold int64
	// LatencyTracking records each command's latencies for INFO
	// latencystats and LATENCY HISTOGRAM; LatencyTrackingInfoPercentiles
	// are the percentiles INFO shows. Replace the slice, never change it.
	LatencyTracking                bool
	LatencyTrackingInfoPercentiles []float64

	LazyfreeLazyUserDel   bool
	LazyfreeLazyUserFlush bool
	LazyfreeLazyExpire    bool
	LazyfreeLazyEviction  bool

	ReplicaOf string // "host port", or "" when this is a master

	// RenameCommand maps a lower-case command name to its new name from
	// "rename-command old new"; "" disables the command. Checking that the
	// command exists is the server's job, since only it has the table.
	RenameCommand map[string]string

	// extra holds the directives that have no field, by primary name.
	// Values are never changed in place (only replaced), so a shallow copy
	// of the map is a deep copy of the configuration.
	extra map[string]any
	// Lines of directives Quordis keeps but does not act on.
	users         [][]string
	loadModules   [][]string
	moduleConfigs map[string]string
}

// Default returns Redis 7.0.15's built-in configuration, with Dir set to
// the current working directory as Redis reports it.
func Default() *Config {
	dir, _ := os.Getwd()
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // getcwd, which Redis reports, gives the physical path
	}
	return &Config{
		Port:          6379,
		Bind:          []string{"*", "-::*"},
		ProtectedMode: true,
		Dir:           dir,
		LogLevel:      "notice",
		Databases:     16,
		TCPKeepalive:  300,
		MaxClients:    10000,

		AppendFilename: "appendonly.aof",
		AppendDirname:  "appendonlydir",
		AppendFsync:    "everysec",

		AOFLoadTruncated:         true,
		StopWritesOnBgsaveError:  true,
		AOFUseRDBPreamble:        true,
		AutoAOFRewritePercentage: 100,
		AutoAOFRewriteMinSize:    64 << 20,

		ClusterConfigFile:               "nodes.conf",
		ClusterNodeTimeout:              15000,
		ClusterRequireFullCoverage:      true,
		ClusterAllowPubsubshardWhenDown: true,
		ClusterPreferredEndpointType:    "ip",

		MaxMemoryPolicy:           "noeviction",
		MaxMemorySamples:          5,
		LFULogFactor:              10,
		LFUDecayTime:              1,
		MaxMemoryEvictionTenacity: 10,

		HashMaxListpackEntries: 512,
		HashMaxListpackValue:   64,
		SetMaxIntsetEntries:    512,
		ZSetMaxListpackEntries: 128,
		ZSetMaxListpackValue:   64,
		ListMaxListpackSize:    -2,

		Save:       defaultSave(),
		DBFilename: "dump.rdb",

		ProtoMaxBulkLen:         512 << 20,
		ClientQueryBufferLimit:  1 << 30,
		ClientOutputBufferLimit: defaultOutputBufferLimits(),

		Hz:                     10,
		EnableDebugCommand:     "no",
		EnableProtectedConfigs: "no",
		EnableModuleCommand:    "no",

		SlowlogLogSlowerThan: 10000,
		SlowlogMaxLen:        128,
		BusyReplyThreshold:   5000,
		TrackingTableMaxKeys: 1000000,

		LatencyTracking:                true,
		LatencyTrackingInfoPercentiles: []float64{50, 99, 99.9},

		RenameCommand: map[string]string{},
	}
}

func defaultSave() []SavePoint {
	return []SavePoint{{3600, 1}, {300, 100}, {60, 10000}}
}

func defaultOutputBufferLimits() map[string]OutputBufferLimit {
	return map[string]OutputBufferLimit{
		"normal":  {0, 0, 0},
		"replica": {256 << 20, 64 << 20, 60},
		"pubsub":  {32 << 20, 8 << 20, 60},
	}
}

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	n := *c
	n.Bind = append([]string(nil), c.Bind...)
	n.Save = append([]SavePoint(nil), c.Save...)
	n.ClientOutputBufferLimit = copyMap(c.ClientOutputBufferLimit)
	n.RenameCommand = copyMap(c.RenameCommand)
	n.extra = copyMap(c.extra)
	n.moduleConfigs = copyMap(c.moduleConfigs)
	n.users = append([][]string(nil), c.users...)
	n.loadModules = append([][]string(nil), c.loadModules...)
	return &n
}

func copyMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return nil
	}
	n := make(map[K]V, len(m))
	for k, v := range m {
		n[k] = v
	}
	return n
}

// Master returns the host and port of ReplicaOf, if this is a replica.
func (c *Config) Master() (host string, port int, ok bool) {
	i := strings.LastIndexByte(c.ReplicaOf, ' ')
	if i < 0 {
		return "", 0, false
	}
	p, err := strconv.Atoi(c.ReplicaOf[i+1:])
	if err != nil {
		return "", 0, false
	}
	return c.ReplicaOf[:i], p, true
}

// Unsupported lists the directives Quordis knows but does not act on yet
// whose value differs from Redis's default (in table order), followed by
// "user", "loadmodule" and module options if the configuration has any. A
// server logs one warning for each at start-up.
func (c *Config) Unsupported() []string {
	def := Default()
	var out []string
	for _, d := range table() {
		if d.flags&fSupported == 0 && d.get(c) != d.get(def) {
			out = append(out, d.name)
		}
	}
	if len(c.users) > 0 {
		out = append(out, "user")
	}
	if len(c.loadModules) > 0 {
		out = append(out, "loadmodule")
	}
	mods := make([]string, 0, len(c.moduleConfigs))
	for k := range c.moduleConfigs {
		mods = append(mods, k)
	}
	sort.Strings(mods)
	return append(out, mods...)
}

// Directive describes one configuration directive of the table.
type Directive struct {
	Name      string
	Alias     string // older name Redis also accepts, or ""
	Supported bool   // Quordis acts on it; otherwise it is only stored
	Immutable bool   // CONFIG SET refuses it
	Protected bool   // CONFIG SET refuses it unless enable-protected-configs allows
	Sensitive bool   // its value must be redacted from logs, SLOWLOG and MONITOR
	Hidden    bool   // CONFIG GET shows it only when asked by exact name
}

// Directives lists every directive CONFIG GET/SET know, in table order.
func Directives() []Directive {
	t := table()
	out := make([]Directive, len(t))
	for i, d := range t {
		out[i] = Directive{
			Name:      d.name,
			Alias:     d.alias,
			Supported: d.flags&fSupported != 0,
			Immutable: d.flags&fImmutable != 0,
			Protected: d.flags&fProtected != 0,
			Sensitive: d.flags&fSensitive != 0,
			Hidden:    d.flags&fHidden != 0,
		}
	}
	return out
}
