package server

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// infoCommand is INFO [section [section ...]].
func infoCommand() *Command {
	return &Command{
		Name: "info", Arity: -1, Flags: FlagLoading | FlagStale, ACL: ACLDangerous,
		Tips:  []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
		Group: "server", Since: "1.0.0", Summary: "Returns information and statistics about the server",
		Complexity: "O(1)",
		Handler:    func(c *Ctx) Reply { return Verbatim(c.s.info(c.Args[1:], c.Now)) },
	}
}

// infoSection renders one INFO section's fields.
type infoSection struct {
	name   string
	render func(s *Server, w *infoWriter, now int64)
}

// infoSections are INFO's sections in Redis 7.0's order; the flags say
// which are part of the default set and which only of "all"/"everything".
var infoSections = []struct {
	infoSection
	byDefault bool
}{
	{infoSection{"server", (*Server).infoServer}, true},
	{infoSection{"clients", (*Server).infoClients}, true},
	{infoSection{"memory", (*Server).infoMemory}, true},
	{infoSection{"persistence", (*Server).infoPersistence}, true},
	{infoSection{"stats", (*Server).infoStats}, true},
	{infoSection{"replication", (*Server).infoReplication}, true},
	{infoSection{"cpu", (*Server).infoCPU}, true},
	{infoSection{"modules", func(*Server, *infoWriter, int64) {}}, true},
	{infoSection{"commandstats", (*Server).infoCommandStats}, false},
	{infoSection{"errorstats", (*Server).infoErrorStats}, true},
	{infoSection{"latencystats", (*Server).infoLatencyStats}, false},
	{infoSection{"cluster", (*Server).infoCluster}, true},
	{infoSection{"keyspace", (*Server).infoKeyspace}, true},
}

// infoWriter accumulates "field:value" lines with CRLF ends.
type infoWriter struct{ b strings.Builder }

func (w *infoWriter) kv(k string, v any) {
	w.b.WriteString(k)
	w.b.WriteByte(':')
	switch v := v.(type) {
	case string:
		w.b.WriteString(v)
	case int:
		w.b.WriteString(strconv.Itoa(v))
	case int64:
		w.b.WriteString(strconv.FormatInt(v, 10))
	case uint64:
		w.b.WriteString(strconv.FormatUint(v, 10))
	default:
		fmt.Fprint(&w.b, v)
	}
	w.b.WriteString("\r\n")
}

// info renders the requested sections: the default set with no argument
// or "default", every section with "all" or "everything".
func (s *Server) info(args [][]byte, now int64) string {
	want := map[string]bool{}
	all, defaults := false, len(args) == 0
	for _, a := range args {
		switch n := strings.ToLower(string(a)); n {
		case "all", "everything":
			all = true
		case "default":
			defaults = true
		default:
			want[n] = true
		}
	}
	var w infoWriter
	for _, sec := range infoSections {
		if !all && !want[sec.name] && !(defaults && sec.byDefault) {
			continue
		}
		if w.b.Len() > 0 {
			w.b.WriteString("\r\n")
		}
		w.b.WriteString("# " + strings.ToUpper(sec.name[:1]) + sec.name[1:] + "\r\n")
		sec.render(s, &w, now)
	}
	return w.b.String()
}

func (s *Server) infoServer(w *infoWriter, now int64) {
	cfg := s.config()
	exe, _ := os.Executable()
	uptime := (now - s.start.UnixMilli()) / 1000
	hz := cfg.Hz
	w.kv("redis_version", Version)
	w.kv("redis_git_sha1", "00000000")
	w.kv("redis_git_dirty", 0)
	w.kv("redis_build_id", "quordis")
	w.kv("redis_mode", s.mode())
	w.kv("os", osDescription())
	w.kv("arch_bits", strconv.Itoa(strconv.IntSize))
	w.kv("monotonic_clock", "POSIX clock_gettime")
	w.kv("multiplexing_api", multiplexingAPI)
	w.kv("atomicvar_api", "c11-builtin")
	w.kv("gcc_version", "0.0.0")
	w.kv("go_version", runtime.Version())
	w.kv("process_id", os.Getpid())
	w.kv("process_supervised", "no")
	w.kv("run_id", s.runID)
	w.kv("tcp_port", cfg.Port)
	w.kv("server_time_usec", s.clock().UnixMicro())
	w.kv("uptime_in_seconds", uptime)
	w.kv("uptime_in_days", uptime/86400)
	w.kv("hz", hz)
	w.kv("configured_hz", hz)
	w.kv("lru_clock", (now/1000)&(1<<24-1))
	w.kv("executable", exe)
	w.kv("config_file", cfg.File)
	w.kv("io_threads_active", 0)
}

func (s *Server) infoClients(w *infoWriter, now int64) {
	w.kv("connected_clients", len(s.clients))
	w.kv("cluster_connections", 0)
	w.kv("maxclients", s.config().MaxClients)
	w.kv("client_recent_max_input_buffer", 0)
	w.kv("client_recent_max_output_buffer", 0)
	blocked, timed := s.blockedCount()
	w.kv("blocked_clients", blocked)
	w.kv("tracking_clients", s.tracking.clients)
	w.kv("clients_in_timeout_table", timed)
}

// humanBytes formats n as Redis's bytesToHuman does.
func humanBytes(n int64) string {
	f := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1024*1024:
		return fmt.Sprintf("%.2fK", f/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", f/(1024*1024))
	case n < 1024*1024*1024*1024:
		return fmt.Sprintf("%.2fG", f/(1024*1024*1024))
	case n < 1024*1024*1024*1024*1024:
		return fmt.Sprintf("%.2fT", f/(1024*1024*1024*1024))
	}
	return fmt.Sprintf("%.2fP", f/(1024*1024*1024*1024*1024))
}

// rssBytes reads the resident set size of the process from /proc.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func (s *Server) infoMemory(w *infoWriter, now int64) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	used := s.usedMemory()
	dataset := s.datasetBytes()
	rss := rssBytes()
	cfg := s.config()
	w.kv("used_memory", used)
	w.kv("used_memory_human", humanBytes(used))
	w.kv("used_memory_rss", rss)
	w.kv("used_memory_rss_human", humanBytes(rss))
	w.kv("used_memory_peak", s.mem.peak)
	w.kv("used_memory_peak_human", humanBytes(s.mem.peak))
	w.kv("used_memory_peak_perc", fmt.Sprintf("%.2f%%", float64(used)*100/float64(max(s.mem.peak, 1))))
	w.kv("used_memory_overhead", used-dataset)
	w.kv("used_memory_startup", s.mem.startup)
	w.kv("used_memory_dataset", dataset)
	w.kv("used_memory_dataset_perc", fmt.Sprintf("%.2f%%", float64(dataset)*100/float64(max(used-s.mem.startup, 1))))
	w.kv("allocator_allocated", int64(ms.HeapAlloc))
	w.kv("allocator_active", int64(ms.HeapInuse))
	w.kv("allocator_resident", int64(ms.HeapSys-ms.HeapReleased))
	w.kv("total_system_memory", totalSystemMemory())
	w.kv("total_system_memory_human", humanBytes(totalSystemMemory()))
	scripts, funcs, libs := 0, 0, 0
	if s.lua != nil {
		scripts = len(s.lua.scripts)
	}
	if s.functions != nil {
		funcs, libs = len(s.functions.funcs), len(s.functions.libs)
	}
	w.kv("number_of_cached_scripts", scripts)
	w.kv("number_of_functions", funcs)
	w.kv("number_of_libraries", libs)
	w.kv("maxmemory", cfg.MaxMemory)
	w.kv("maxmemory_human", humanBytes(cfg.MaxMemory))
	w.kv("maxmemory_policy", cfg.MaxMemoryPolicy)
	frag := 0.0
	if used > 0 {
		frag = float64(rss) / float64(used)
	}
	w.kv("mem_fragmentation_ratio", fmt.Sprintf("%.2f", frag))
	w.kv("mem_fragmentation_bytes", rss-used)
	w.kv("mem_allocator", "go-"+runtime.Version())
	w.kv("lazyfree_pending_objects", 0)
	w.kv("lazyfreed_objects", 0)
}

// totalSystemMemory reads MemTotal from /proc/meminfo.
func totalSystemMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func (s *Server) infoPersistence(w *infoWriter, now int64) {
	p := &s.persist
	flag := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	status := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "err"
	}
	running := func(j *bgJob) int64 {
		if j == nil {
			return -1
		}
		return int64(s.clock().Sub(j.start).Seconds())
	}
	last := func(secs int64, done bool) int64 {
		if !done {
			return -1
		}
		return secs
	}
	w.kv("loading", flag(p.loading))
	w.kv("async_loading", 0)
	w.kv("rdb_changes_since_last_save", s.dirty)
	w.kv("rdb_bgsave_in_progress", flag(p.bgsave != nil))
	w.kv("rdb_last_save_time", s.lastSave.Unix())
	w.kv("rdb_last_bgsave_status", status(p.lastBgsaveOK || p.lastSaveTry.IsZero()))
	w.kv("rdb_last_bgsave_time_sec", last(p.lastBgsaveS, !p.lastSaveTry.IsZero()))
	w.kv("rdb_current_bgsave_time_sec", running(p.bgsave))
	w.kv("rdb_saves", p.rdbSaves)
	w.kv("aof_enabled", flag(p.aof != nil))
	w.kv("aof_rewrite_in_progress", flag(p.rewrite != nil))
	w.kv("aof_rewrite_scheduled", flag(p.rewriteScheduled))
	w.kv("aof_last_rewrite_time_sec", last(p.lastRewriteSecs, p.rewrites > 0 || !p.lastRewriteOK))
	w.kv("aof_current_rewrite_time_sec", running(p.rewrite))
	w.kv("aof_last_bgrewrite_status", status(p.lastRewriteOK))
	w.kv("aof_rewrites", p.rewrites)
	writeOK := true
	if p.aof != nil {
		writeOK = p.aof.Err() == nil
	}
	w.kv("aof_last_write_status", status(writeOK))
	if p.aof != nil {
		base, incr := p.aof.Size()
		w.kv("aof_current_size", base+incr)
		w.kv("aof_base_size", p.aofBase)
		w.kv("aof_pending_rewrite", flag(p.rewriteScheduled))
		w.kv("aof_delayed_fsync", 0)
	}
}

func (s *Server) infoStats(w *infoWriter, now int64) {
	st := &s.stats
	w.kv("total_connections_received", st.connectionsReceived)
	w.kv("total_commands_processed", st.commandsProcessed)
	w.kv("instantaneous_ops_per_sec", 0)
	w.kv("total_net_input_bytes", s.netInput.Load())
	w.kv("total_net_output_bytes", s.netOutput.Load())
	w.kv("rejected_connections", st.rejectedConns)
	w.kv("expired_keys", st.expiredKeys)
	w.kv("evicted_keys", s.mem.evicted)
	w.kv("evicted_clients", 0)
	w.kv("keyspace_hits", st.keyspaceHits)
	w.kv("keyspace_misses", st.keyspaceMisses)
	w.kv("pubsub_channels", len(s.pubsub[subChannel]))
	w.kv("pubsub_patterns", len(s.pubsub[subPattern]))
	w.kv("pubsubshard_channels", len(s.pubsub[subShard]))
	w.kv("total_forks", 0)
	w.kv("tracking_total_keys", len(s.tracking.keys))
	w.kv("tracking_total_items", s.tracking.items)
	w.kv("tracking_total_prefixes", len(s.tracking.prefixes))
	w.kv("unexpected_error_replies", 0)
	w.kv("total_error_replies", st.errorReplies)
}

func (s *Server) infoReplication(w *infoWriter, now int64) {
	w.kv("role", "master")
	w.kv("connected_slaves", 0)
	w.kv("master_failover_state", "no-failover")
	w.kv("master_replid", s.runID)
	w.kv("master_replid2", strings.Repeat("0", 40))
	w.kv("master_repl_offset", 0)
	w.kv("second_repl_offset", -1)
	w.kv("repl_backlog_active", 0)
	w.kv("repl_backlog_size", 1048576)
	w.kv("repl_backlog_first_byte_offset", 0)
	w.kv("repl_backlog_histlen", 0)
}

func (s *Server) infoCPU(w *infoWriter, now int64) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	tv := func(t syscall.Timeval) string {
		return fmt.Sprintf("%d.%06d", t.Sec, t.Usec)
	}
	w.kv("used_cpu_sys", tv(ru.Stime))
	w.kv("used_cpu_user", tv(ru.Utime))
	w.kv("used_cpu_sys_children", "0.000000")
	w.kv("used_cpu_user_children", "0.000000")
}

func (s *Server) infoCommandStats(w *infoWriter, now int64) {
	for _, cmd := range s.commandsWithStats(func(st *cmdStat) bool { return st.calls+st.rejected > 0 }) {
		st, per := &cmd.stats, 0.0
		if st.calls > 0 {
			per = float64(st.usec) / float64(st.calls)
		}
		w.kv("cmdstat_"+cmd.FullName(), fmt.Sprintf("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
			st.calls, st.usec, per, st.rejected, st.failed))
	}
}

// commandsWithStats are the commands, subcommands included, whose
// statistics keep says to report, sorted by full name (INFO commandstats
// and latencystats, LATENCY HISTOGRAM).
func (s *Server) commandsWithStats(keep func(*cmdStat) bool) []*Command {
	var out []*Command
	for _, cmd := range s.table.all() {
		if keep(&cmd.stats) {
			out = append(out, cmd)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullName() < out[j].FullName() })
	return out
}

func (s *Server) infoErrorStats(w *infoWriter, now int64) {
	codes := make([]string, 0, len(s.errorstats))
	for code := range s.errorstats {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		w.kv("errorstat_"+code, "count="+strconv.FormatInt(s.errorstats[code], 10))
	}
}

func (s *Server) infoCluster(w *infoWriter, now int64) {
	enabled := 0
	if s.config().ClusterEnabled {
		enabled = 1
	}
	w.kv("cluster_enabled", enabled)
}

// infoKeyspace prints a line per database that has keys.
func (s *Server) infoKeyspace(w *infoWriter, now int64) {
	for i := 0; i < s.store.NumDB(); i++ {
		db := s.store.DB(i)
		if db.Len() == 0 {
			continue
		}
		w.kv("db"+strconv.Itoa(i), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=%d", db.Len(), db.ExpiresLen(), db.AvgTTL))
	}
}
