package conf

// table is the one description of every directive Redis 7.0.15 lists in
// CONFIG GET *, plus its hidden ones, in the order of Redis's config.c. It
// is built afresh on each call rather than kept in a package variable, so
// nothing can change it behind a caller's back.
//
// The fSupported marks are flipped as Quordis features land. Every other
// directive is accepted, validated, shown and rewritten exactly as Redis
// does, but not acted on.
func table() []directive {
	logLevels := []enumVal{{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}}
	evictionPolicies := []enumVal{{"volatile-lru", 0}, {"volatile-lfu", 1}, {"volatile-random", 2},
		{"volatile-ttl", 3}, {"allkeys-lru", 4}, {"allkeys-lfu", 5}, {"allkeys-random", 6}, {"noeviction", 7}}
	syslogFacility := []enumVal{{"user", 0}, {"local0", 1}, {"local1", 2}, {"local2", 3}, {"local3", 4},
		{"local4", 5}, {"local5", 6}, {"local6", 7}, {"local7", 8}}
	supervised := []enumVal{{"upstart", 0}, {"systemd", 1}, {"auto", 2}, {"no", 3}}
	fsyncPolicies := []enumVal{{"everysec", 0}, {"always", 1}, {"no", 2}}
	shutdownFlags := []enumVal{{"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}}
	disklessLoad := []enumVal{{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}}
	tlsAuthClients := []enumVal{{"no", 0}, {"yes", 1}, {"optional", 2}}
	oomScoreAdj := []enumVal{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}
	aclPubsubDefault := []enumVal{{"allchannels", 1}, {"resetchannels", 0}}
	sanitizePayload := []enumVal{{"no", 0}, {"yes", 1}, {"clients", 2}}
	protectedAction := []enumVal{{"no", 0}, {"yes", 1}, {"local", 2}}
	endpointTypes := []enumVal{{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}
	propagationErrors := []enumVal{{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}

	return []directive{
		// Booleans.
		yesno("rdbchecksum", "", fImmutable, true, nil),
		yesno("daemonize", "", fImmutable, false, func(c *Config) *bool { return &c.Daemonize }),
		yesno("io-threads-do-reads", "", fImmutable, false, nil),
		yesno("always-show-logo", "", fImmutable, false, nil),
		yesno("protected-mode", "", fSupported, true, func(c *Config) *bool { return &c.ProtectedMode }),
		yesno("rdbcompression", "", 0, true, nil),
		yesno("rdb-del-sync-files", "", 0, false, nil),
		yesno("activerehashing", "", 0, true, nil),
		yesno("stop-writes-on-bgsave-error", "", fSupported, true, func(c *Config) *bool { return &c.StopWritesOnBgsaveError }),
		yesno("set-proc-title", "", fImmutable, true, nil),
		yesno("dynamic-hz", "", 0, true, nil),
		yesno("lazyfree-lazy-eviction", "", fSupported, false, func(c *Config) *bool { return &c.LazyfreeLazyEviction }),
		yesno("lazyfree-lazy-expire", "", fSupported, false, func(c *Config) *bool { return &c.LazyfreeLazyExpire }),
		yesno("lazyfree-lazy-server-del", "", 0, false, nil),
		yesno("lazyfree-lazy-user-del", "", fSupported, false, func(c *Config) *bool { return &c.LazyfreeLazyUserDel }),
		yesno("lazyfree-lazy-user-flush", "", fSupported, false, func(c *Config) *bool { return &c.LazyfreeLazyUserFlush }),
		yesno("repl-disable-tcp-nodelay", "", 0, false, nil),
		yesno("repl-diskless-sync", "", 0, true, nil),
		yesno("aof-rewrite-incremental-fsync", "", 0, true, nil),
		yesno("no-appendfsync-on-rewrite", "", 0, false, nil),
		yesno("cluster-require-full-coverage", "", fSupported, true, func(c *Config) *bool { return &c.ClusterRequireFullCoverage }),
		yesno("rdb-save-incremental-fsync", "", 0, true, nil),
		yesno("aof-load-truncated", "", fSupported, true, func(c *Config) *bool { return &c.AOFLoadTruncated }),
		yesno("aof-use-rdb-preamble", "", fSupported, true, func(c *Config) *bool { return &c.AOFUseRDBPreamble }),
		yesno("aof-timestamp-enabled", "", 0, false, nil),
		yesno("cluster-replica-no-failover", "cluster-slave-no-failover", 0, false, nil),
		yesno("replica-lazy-flush", "slave-lazy-flush", 0, false, nil),
		yesno("replica-serve-stale-data", "slave-serve-stale-data", 0, true, nil),
		yesno("replica-read-only", "slave-read-only", 0, true, nil),
		yesno("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, true, nil),
		yesno("jemalloc-bg-thread", "", 0, true, nil),
		// The redis-server Quordis is measured against (Debian's, built with
		// the system jemalloc) refuses to turn active defragmentation on.
		refuseYes(yesno("activedefrag", "", 0, false, nil), "Active defragmentation cannot be enabled: it "+
			"requires a Redis server compiled with a modified Jemalloc like the one shipped by default "+
			"with the Redis source distribution"),
		yesno("syslog-enabled", "", fImmutable, false, nil),
		yesno("cluster-enabled", "", fImmutable|fSupported, false, func(c *Config) *bool { return &c.ClusterEnabled }),
		yesno("appendonly", "", fSupported, false, func(c *Config) *bool { return &c.AppendOnly }),
		yesno("cluster-allow-reads-when-down", "", fSupported, false, func(c *Config) *bool { return &c.ClusterAllowReadsWhenDown }),
		yesno("cluster-allow-pubsubshard-when-down", "", fSupported, true, func(c *Config) *bool { return &c.ClusterAllowPubsubshardWhenDown }),
		yesno("crash-log-enabled", "", 0, true, nil),
		yesno("crash-memcheck-enabled", "", 0, true, nil),
		yesno("use-exit-on-panic", "", fHidden, false, nil),
		yesno("disable-thp", "", fImmutable, true, nil),
		yesno("cluster-allow-replica-migration", "", 0, true, nil),
		yesno("replica-announced", "", 0, true, nil),
		yesno("latency-tracking", "", fSupported, true, func(c *Config) *bool { return &c.LatencyTracking }),
		yesno("aof-disable-auto-gc", "", 0, false, nil),
		yesno("replica-ignore-disk-write-errors", "", 0, false, nil),
		yesno("lua-enable-deprecated-api", "", fImmutable|fHidden, false, nil),

		// Strings.
		text("aclfile", "", fImmutable, "", nil, nil),
		text("unixsocket", "", fImmutable|fNullable, "", nil, nil),
		text("pidfile", "", fImmutable|fSupported|fNullable, "", nil, func(c *Config) *string { return &c.PidFile }),
		text("replica-announce-ip", "slave-announce-ip", fNullable, "", nil, nil),
		text("masteruser", "", fSensitive|fNullable, "", nil, func(c *Config) *string { return &c.MasterUser }),
		text("cluster-announce-ip", "", fNullable|fSupported, "", nil, func(c *Config) *string { return &c.ClusterAnnounceIP }),
		text("cluster-config-file", "", fImmutable|fSupported, "nodes.conf", nil, func(c *Config) *string { return &c.ClusterConfigFile }),
		text("cluster-announce-hostname", "", fNullable|fSupported, "", validHostname, func(c *Config) *string { return &c.ClusterAnnounceHostname }),
		text("syslog-ident", "", fImmutable, "redis", nil, nil),
		text("dbfilename", "", fProtected|fSupported, "dump.rdb", validDBFilename, func(c *Config) *string { return &c.DBFilename }),
		text("appendfilename", "", fImmutable|fSupported, "appendonly.aof", validAOFFilename, func(c *Config) *string { return &c.AppendFilename }),
		text("appenddirname", "", fImmutable|fSupported, "appendonlydir", validAOFDirname, func(c *Config) *string { return &c.AppendDirname }),
		text("server_cpulist", "", fImmutable|fNullable, "", nil, nil),
		text("bio_cpulist", "", fImmutable|fNullable, "", nil, nil),
		text("aof_rewrite_cpulist", "", fImmutable|fNullable, "", nil, nil),
		text("bgsave_cpulist", "", fImmutable|fNullable, "", nil, nil),
		text("ignore-warnings", "", 0, "", nil, nil),
		text("proc-title-template", "", 0, "{title} {listen-addr} {server-mode}", validProcTitle, nil),
		text("bind-source-addr", "", fNullable, "", nil, nil),
		text("logfile", "", fImmutable|fSupported, "", nil, func(c *Config) *string { return &c.LogFile }),
		text("masterauth", "", fSensitive|fNullable|fBinary, "", nil, func(c *Config) *string { return &c.MasterAuth }),
		text("requirepass", "", fSensitive|fSupported|fNullable|fBinary, "", nil, func(c *Config) *string { return &c.RequirePass }),

		// Enumerations.
		enum("supervised", "", fImmutable, supervised, "no", nil),
		enum("syslog-facility", "", fImmutable, syslogFacility, "local0", nil),
		enum("repl-diskless-load", "", 0, disklessLoad, "disabled", nil),
		enum("loglevel", "", fSupported, logLevels, "notice", func(c *Config) *string { return &c.LogLevel }),
		enum("maxmemory-policy", "", fSupported, evictionPolicies, "noeviction", func(c *Config) *string { return &c.MaxMemoryPolicy }),
		enum("appendfsync", "", fSupported, fsyncPolicies, "everysec", func(c *Config) *string { return &c.AppendFsync }),
		enum("oom-score-adj", "", 0, oomScoreAdj, "no", nil),
		enum("acl-pubsub-default", "", 0, aclPubsubDefault, "resetchannels", nil),
		enum("sanitize-dump-payload", "", 0, sanitizePayload, "no", nil),
		enum("enable-protected-configs", "", fImmutable|fSupported, protectedAction, "no", func(c *Config) *string { return &c.EnableProtectedConfigs }),
		enum("enable-debug-command", "", fImmutable|fSupported, protectedAction, "no", func(c *Config) *string { return &c.EnableDebugCommand }),
		enum("enable-module-command", "", fImmutable|fSupported, protectedAction, "no", func(c *Config) *string { return &c.EnableModuleCommand }),
		enum("cluster-preferred-endpoint-type", "", fSupported, endpointTypes, "ip", func(c *Config) *string { return &c.ClusterPreferredEndpointType }),
		enum("propagation-error-behavior", "", 0, propagationErrors, "ignore", nil),
		flagSet("shutdown-on-sigint", "", 0, shutdownFlags, 0, validShutdownFlags),
		flagSet("shutdown-on-sigterm", "", 0, shutdownFlags, 0, validShutdownFlags),

		// Numbers, with the C type Redis keeps them in deciding signed or
		// unsigned bounds.
		number("databases", "", fImmutable|fSupported, tSigned, 1, intMax, 16, 0, intField(func(c *Config) *int { return &c.Databases })),
		number("port", "", fSupported, tSigned, 0, 65535, 6379, 0, intField(func(c *Config) *int { return &c.Port })),
		number("io-threads", "", fImmutable, tSigned, 1, 128, 1, 0, slot[int64]{}),
		number("auto-aof-rewrite-percentage", "", fSupported, tSigned, 0, intMax, 100, 0, field(func(c *Config) *int64 { return &c.AutoAOFRewritePercentage })),
		number("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, tSigned, 0, intMax, 10, 0, slot[int64]{}),
		number("list-max-listpack-size", "list-max-ziplist-size", fSupported, tSigned, intMin, intMax, -2, 0, intField(func(c *Config) *int { return &c.ListMaxListpackSize })),
		number("tcp-keepalive", "", fSupported, tSigned, 0, intMax, 300, 0, field(func(c *Config) *int64 { return &c.TCPKeepalive })),
		number("cluster-migration-barrier", "", 0, tSigned, 0, intMax, 1, 0, slot[int64]{}),
		number("active-defrag-cycle-min", "", 0, tSigned, 1, 99, 1, 0, slot[int64]{}),
		number("active-defrag-cycle-max", "", 0, tSigned, 1, 99, 25, 0, slot[int64]{}),
		number("active-defrag-threshold-lower", "", 0, tSigned, 0, 1000, 10, 0, slot[int64]{}),
		number("active-defrag-threshold-upper", "", 0, tSigned, 0, 1000, 100, 0, slot[int64]{}),
		number("lfu-log-factor", "", fSupported, tSigned, 0, intMax, 10, 0, intField(func(c *Config) *int { return &c.LFULogFactor })),
		number("lfu-decay-time", "", fSupported, tSigned, 0, intMax, 1, 0, intField(func(c *Config) *int { return &c.LFUDecayTime })),
		number("replica-priority", "slave-priority", 0, tSigned, 0, intMax, 100, 0, slot[int64]{}),
		number("repl-diskless-sync-delay", "", 0, tSigned, 0, intMax, 5, 0, slot[int64]{}),
		number("maxmemory-samples", "", fSupported, tSigned, 1, intMax, 5, 0, intField(func(c *Config) *int { return &c.MaxMemorySamples })),
		number("maxmemory-eviction-tenacity", "", fSupported, tSigned, 0, 100, 10, 0, intField(func(c *Config) *int { return &c.MaxMemoryEvictionTenacity })),
		number("timeout", "", fSupported, tSigned, 0, intMax, 0, 0, field(func(c *Config) *int64 { return &c.Timeout })),
		number("replica-announce-port", "slave-announce-port", 0, tSigned, 0, 65535, 0, 0, slot[int64]{}),
		number("tcp-backlog", "", fImmutable, tSigned, 0, intMax, 511, 0, slot[int64]{}),
		number("cluster-port", "", fImmutable|fSupported, tSigned, 0, 65535, 0, 0, intField(func(c *Config) *int { return &c.ClusterPort })),
		number("cluster-announce-bus-port", "", fSupported, tSigned, 0, 65535, 0, 0, intField(func(c *Config) *int { return &c.ClusterAnnounceBusPort })),
		number("cluster-announce-port", "", fSupported, tSigned, 0, 65535, 0, 0, intField(func(c *Config) *int { return &c.ClusterAnnouncePort })),
		number("cluster-announce-tls-port", "", 0, tSigned, 0, 65535, 0, 0, slot[int64]{}),
		number("repl-timeout", "", 0, tSigned, 1, intMax, 60, 0, slot[int64]{}),
		number("repl-ping-replica-period", "repl-ping-slave-period", 0, tSigned, 1, intMax, 10, 0, slot[int64]{}),
		number("list-compress-depth", "", 0, tSigned, 0, intMax, 0, 0, slot[int64]{}),
		number("rdb-key-save-delay", "", fHidden, tSigned, intMin, intMax, 0, 0, slot[int64]{}),
		number("key-load-delay", "", fHidden|fSupported, tSigned, intMin, intMax, 0, 0, field(func(c *Config) *int64 { return &c.KeyLoadDelay })),
		number("active-expire-effort", "", 0, tSigned, 1, 10, 1, 0, slot[int64]{}),
		number("hz", "", fSupported, tSigned, 0, intMax, 10, 0, intField(func(c *Config) *int { return &c.Hz })),
		number("min-replicas-to-write", "min-slaves-to-write", 0, tSigned, 0, intMax, 0, 0, slot[int64]{}),
		number("min-replicas-max-lag", "min-slaves-max-lag", 0, tSigned, 0, intMax, 10, 0, slot[int64]{}),
		number("watchdog-period", "", fHidden, tSigned, 0, intMax, 0, 0, slot[int64]{}),
		number("shutdown-timeout", "", 0, tSigned, 0, intMax, 10, 0, slot[int64]{}),
		number("repl-diskless-sync-max-replicas", "", 0, tSigned, 0, intMax, 0, 0, slot[int64]{}),
		number("maxclients", "", fSupported, tUnsigned, 1, uintMax, 10000, 0, intField(func(c *Config) *int { return &c.MaxClients })),
		number("unixsocketperm", "", fImmutable, tUnsigned, 0, 0o777, 0, nOctal, slot[int64]{}),
		number("socket-mark-id", "", fImmutable, tUnsigned, 0, uintMax, 0, 0, slot[int64]{}),
		number("active-defrag-max-scan-fields", "", 0, tSigned, 1, longMax, 1000, 0, slot[int64]{}),
		number("slowlog-max-len", "", fSupported, tSigned, 0, longMax, 128, 0, field(func(c *Config) *int64 { return &c.SlowlogMaxLen })),
		number("acllog-max-len", "", 0, tSigned, 0, longMax, 128, 0, slot[int64]{}),
		number("busy-reply-threshold", "lua-time-limit", fSupported, tSigned, 0, longMax, 5000, 0, field(func(c *Config) *int64 { return &c.BusyReplyThreshold })),
		number("cluster-node-timeout", "", fSupported, tSigned, 0, llongMax, 15000, 0, field(func(c *Config) *int64 { return &c.ClusterNodeTimeout })),
		number("slowlog-log-slower-than", "", fSupported, tSigned, -1, llongMax, 10000, 0, field(func(c *Config) *int64 { return &c.SlowlogLogSlowerThan })),
		number("latency-monitor-threshold", "", fSupported, tSigned, 0, llongMax, 0, 0, field(func(c *Config) *int64 { return &c.LatencyMonitorThreshold })),
		number("proto-max-bulk-len", "", fSupported, tSigned, 1024*1024, maxProtoBulkLen, 512*1024*1024, nMemory, field(func(c *Config) *int64 { return &c.ProtoMaxBulkLen })),
		number("stream-node-max-entries", "", 0, tSigned, 0, llongMax, 100, 0, slot[int64]{}),
		number("repl-backlog-size", "", 0, tSigned, 1, llongMax, 1024*1024, nMemory, slot[int64]{}),
		number("maxmemory", "", fSupported, tUnsigned, 0, ullMax, 0, nMemory, field(func(c *Config) *int64 { return &c.MaxMemory })),
		number("cluster-link-sendbuf-limit", "", 0, tUnsigned, 0, ullMax, 0, nMemory, slot[int64]{}),
		number("hash-max-listpack-entries", "hash-max-ziplist-entries", fSupported, tUnsigned, 0, longMax, 512, 0, field(func(c *Config) *int64 { return &c.HashMaxListpackEntries })),
		number("set-max-intset-entries", "", fSupported, tUnsigned, 0, longMax, 512, 0, field(func(c *Config) *int64 { return &c.SetMaxIntsetEntries })),
		number("zset-max-listpack-entries", "zset-max-ziplist-entries", fSupported, tUnsigned, 0, longMax, 128, 0, field(func(c *Config) *int64 { return &c.ZSetMaxListpackEntries })),
		number("active-defrag-ignore-bytes", "", 0, tUnsigned, 1, llongMax, 100<<20, nMemory, slot[int64]{}),
		number("hash-max-listpack-value", "hash-max-ziplist-value", fSupported, tUnsigned, 0, longMax, 64, nMemory, field(func(c *Config) *int64 { return &c.HashMaxListpackValue })),
		number("stream-node-max-bytes", "", 0, tUnsigned, 0, longMax, 4096, nMemory, slot[int64]{}),
		number("zset-max-listpack-value", "zset-max-ziplist-value", fSupported, tUnsigned, 0, longMax, 64, nMemory, field(func(c *Config) *int64 { return &c.ZSetMaxListpackValue })),
		number("hll-sparse-max-bytes", "", 0, tUnsigned, 0, longMax, 3000, nMemory, slot[int64]{}),
		number("tracking-table-max-keys", "", fSupported, tUnsigned, 0, longMax, 1000000, 0, field(func(c *Config) *int64 { return &c.TrackingTableMaxKeys })),
		number("client-query-buffer-limit", "", fSupported, tUnsigned, 1024*1024, longMax, 1024*1024*1024, nMemory, field(func(c *Config) *int64 { return &c.ClientQueryBufferLimit })),
		number("maxmemory-clients", "", 0, tSigned, -100, longMax, 0, nMemory|nPercent, slot[int64]{}),
		number("repl-backlog-ttl", "", 0, tSigned, 0, longMax, 60*60, 0, slot[int64]{}),
		number("auto-aof-rewrite-min-size", "", fSupported, tSigned, 0, llongMax, 64*1024*1024, nMemory, field(func(c *Config) *int64 { return &c.AutoAOFRewriteMinSize })),
		number("loading-process-events-interval-bytes", "", fHidden, tSigned, 1024, intMax, 1024*1024*2, 0, slot[int64]{}),

		// TLS, which the redis-server Quordis is compared with is built with.
		number("tls-port", "", 0, tSigned, 0, 65535, 0, 0, slot[int64]{}),
		number("tls-session-cache-size", "", 0, tSigned, 0, intMax, 20*1024, 0, slot[int64]{}),
		number("tls-session-cache-timeout", "", 0, tSigned, 0, intMax, 300, 0, slot[int64]{}),
		yesno("tls-cluster", "", 0, false, nil),
		yesno("tls-replication", "", 0, false, nil),
		enum("tls-auth-clients", "", 0, tlsAuthClients, "yes", nil),
		yesno("tls-prefer-server-ciphers", "", 0, false, nil),
		yesno("tls-session-caching", "", 0, true, nil),
		text("tls-cert-file", "", fNullable, "", nil, nil),
		text("tls-key-file", "", fNullable, "", nil, nil),
		text("tls-key-file-pass", "", fNullable, "", nil, nil),
		text("tls-client-cert-file", "", fNullable, "", nil, nil),
		text("tls-client-key-file", "", fNullable, "", nil, nil),
		text("tls-client-key-file-pass", "", fNullable, "", nil, nil),
		text("tls-dh-params-file", "", fNullable, "", nil, nil),
		text("tls-ca-cert-file", "", fNullable, "", nil, nil),
		text("tls-ca-cert-dir", "", fNullable, "", nil, nil),
		text("tls-protocols", "", fNullable, "", nil, nil),
		text("tls-ciphers", "", fNullable, "", nil, nil),
		text("tls-ciphersuites", "", fNullable, "", nil, nil),

		// Directives with a syntax of their own.
		dirDirective(),
		saveDirective(),
		outputBufferDirective(),
		oomValuesDirective(),
		notifyDirective(),
		bindDirective(),
		replicaOfDirective(),
		percentilesDirective(),
	}
}
