package server

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"quordis/store"
)

// Memory: Quordis counts what the dataset takes itself, as Redis counts
// its allocations, so maxmemory decisions are immediate and exact rather
// than waiting for the next garbage collection. Every write command is
// measured on the keys it touches (their usage before and after); the
// paths that touch other keys (expiry, eviction, FLUSH*, SWAPDB, MOVE and
// COPY into another database, served blocking pops, loading) account for
// themselves. used_memory = the heap at start-up + the dataset + client
// buffers + the per-slot key index in cluster mode.

// dbKey names a key of a database.
type dbKey struct {
	db  int
	key []byte
}

// memState is the memory bookkeeping. Guarded by Server.mu.
type memState struct {
	dbUsage  []int64 // dataset bytes per database
	startup  int64   // heap in use when the server started
	peak     int64
	evicted  int64
	evictor  store.Evictor
	gcTuned  bool  // Options.TuneGC: the server owns the runtime's GC settings
	oldLimit int64 // the memory limit before the server changed it
	clients  int64 // the clients' buffers, as of the last cron
	latency  int64 // the commands' latency histograms (latency-tracking)
	dataset  int64 // the sum of dbUsage, kept up to date
	// evictWake wakes evictLoop when a round of evictions stopped at its
	// time limit with memory still over maxmemory.
	evictWake chan struct{}
}

// sharedProcessStartup stands for the start-up memory of a server that
// shares its process (tests), where the heap is not the server's own.
const sharedProcessStartup = 1 << 20

// initMemory measures the start-up heap. Called from New.
func (s *Server) initMemory(dbs int, tuneGC bool) {
	s.mem.dbUsage = make([]int64, dbs)
	s.mem.evictWake = make(chan struct{}, 1)
	s.mem.startup = sharedProcessStartup
	if tuneGC {
		// The server owns the process: its heap now is the server's
		// start-up memory.
		s.mem.startup = heapInUse()
	}
	s.mem.gcTuned = tuneGC
	if tuneGC {
		s.mem.oldLimit = debug.SetMemoryLimit(-1)
	}
}

// heapInUse reads the bytes of heap objects (live and not yet collected)
// from the runtime without stopping the world.
func heapInUse() int64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(sample[0].Value.Uint64())
}

// datasetBytes is the sum of the databases' usage. Called with s.mu held.
func (s *Server) datasetBytes() int64 { return s.mem.dataset }

// addUsage changes the usage of db by delta. Called with s.mu held.
func (s *Server) addUsage(db int, delta int64) {
	s.mem.dbUsage[db] += delta
	s.mem.dataset += delta
}

// clientBytes estimates the connections' buffers. Called with s.mu held.
func (s *Server) clientBytes() int64 {
	var n int64
	for _, c := range s.clients {
		n += c.rbs.Load() + 1024
	}
	return n
}

// usedMemory is INFO's used_memory and what maxmemory is compared with;
// the clients' part is refreshed by the cron (memoryCron), not counted
// at every command. The per-slot key index (cluster mode) is overhead
// outside the dataset, as Redis's slot-to-keys links are. Called with
// s.mu held.
func (s *Server) usedMemory() int64 {
	n := s.mem.startup + s.mem.dataset + s.mem.clients + s.mem.latency
	if s.cluster != nil {
		n += s.store.SlotIndexBytes()
	}
	if n > s.mem.peak {
		s.mem.peak = n
	}
	return n
}

// memoryCron refreshes the clients' share of used memory. Called with
// s.mu held.
func (s *Server) memoryCron() { s.mem.clients = s.clientBytes() }

// keyUsage is the usage of key in db now, 0 when absent. Peek may expire
// the key, whose usage the expiry hook then subtracts.
func (s *Server) keyUsage(db int, key []byte, now int64) int64 {
	d, k := s.store.DB(db), bytesView(key)
	return usageOf(d, k, d.Peek(k, now))
}

// storedUsage is the usage of what key holds in db, expired or not, 0
// when absent. A write may leave a key that is already expired (SET with
// EXAT in the past): it stays stored, as in Redis, until a lookup or the
// expiry cycle deletes it, and the expiry hook then subtracts its usage.
func (s *Server) storedUsage(db int, key []byte) int64 {
	d, k := s.store.DB(db), bytesView(key)
	return usageOf(d, k, d.Stored(k))
}

// usageOf is the usage of o, stored at key in d, 0 for nil.
func usageOf(d *store.DB, key string, o *store.Object) int64 {
	if o == nil {
		return 0
	}
	_, ttl := d.Expiry(key)
	return store.Usage(key, o, ttl)
}

// writtenKeys lists the keys a write command may change: its key
// arguments in the client's database, plus the destination of MOVE and of
// COPY ... DB, which live in another database.
//
// They are appended to out, which callers on the per-command path give
// room on their stack, so that a write leaves no garbage behind.
func (s *Server) writtenKeys(db int, cmd *Command, args [][]byte, out []dbKey) []dbKey {
	var pbuf [16]int
	for _, p := range cmd.appendKeyPositions(pbuf[:0], args) {
		out = append(out, dbKey{db, args[p]})
	}
	switch cmd.Name {
	case "move":
		if id, ok := s.dbIndex(args[2]); ok {
			out = append(out, dbKey{id, args[1]})
		}
	case "copy":
		for i := 3; i+1 < len(args); i++ {
			if strings.EqualFold(string(args[i]), "db") {
				if id, ok := s.dbIndex(args[i+1]); ok {
					out = append(out, dbKey{id, args[2]})
				}
			}
		}
	}
	return out
}

// distinct removes repeated keys from keys in place (MSET a 1 a 2 writes
// a once) and returns what is left. Keys that differ usually differ in
// their last byte (key:1, key:2), so that byte is compared before the rest.
func distinct(keys []dbKey) []dbKey {
	if len(keys) < 2 {
		return keys // most writes name one key
	}
	out := keys[:0]
next:
	for _, k := range keys {
		n := len(k.key)
		for _, prev := range out {
			if prev.db == k.db && len(prev.key) == n && (n == 0 || prev.key[n-1] == k.key[n-1]) &&
				string(prev.key) == string(k.key) {
				continue next
			}
		}
		out = append(out, k)
	}
	return out
}

// trackWrite runs fn, a write to keys, and accounts for what it changed:
// each key's usage is measured before (expiring the key, as the command's
// own lookup would) and after (without: see storedUsage). keys may be
// reordered and shortened. Called with s.mu held.
func (s *Server) trackWrite(keys []dbKey, now int64, fn func()) {
	keys = distinct(keys)
	if len(keys) == 0 {
		fn()
		return
	}
	var buf [16]int64 // room for MSET's ten keys and more without allocating
	before := buf[:0]
	for _, k := range keys {
		before = append(before, s.keyUsage(k.db, k.key, now))
	}
	fn()
	for i, k := range keys {
		s.addUsage(k.db, s.storedUsage(k.db, k.key)-before[i])
	}
}

// onExpireUsage subtracts the usage of a key being deleted by expiry.
// Called with s.mu held.
func (s *Server) onExpireUsage(db int, key string, o *store.Object) {
	if o != nil && db < len(s.mem.dbUsage) {
		s.addUsage(db, -store.Usage(key, o, true))
	}
}

// flushUsage records that databases were emptied (FLUSHDB, FLUSHALL).
func (s *Server) flushUsage(db int) {
	s.addUsage(db, -s.mem.dbUsage[db])
	s.mem.evictor.Forget()
}

// swapUsage records SWAPDB.
func (s *Server) swapUsage(a, b int) {
	s.mem.dbUsage[a], s.mem.dbUsage[b] = s.mem.dbUsage[b], s.mem.dbUsage[a]
	s.mem.evictor.Forget()
}

// msgOOM is Redis's refusal of a command that would grow the dataset
// past maxmemory.
const msgOOM = "OOM command not allowed when used memory > 'maxmemory'."

// evictionTimeLimit is how long one round of evictions may go on before
// it leaves the rest to the next command, from maxmemory-eviction-tenacity
// (0..100) as Redis's evictionTimeLimitUs computes it: 50 µs a step up to
// 10 (500 µs, the default), then 15% more a step (about two minutes at 99),
// and no limit at 100.
func evictionTimeLimit(tenacity int) time.Duration {
	switch {
	case tenacity <= 10:
		return time.Duration(50*tenacity) * time.Microsecond
	case tenacity < 100:
		return time.Duration(500*math.Pow(1.15, float64(tenacity-10))) * time.Microsecond
	}
	return math.MaxInt64
}

// evictionCheckEvery is how many keys are evicted between two looks at
// the clock, as in Redis: each round evicts at least that many, whatever
// the time limit.
const evictionCheckEvery = 16

// performEvictions evicts keys by maxmemory-policy until used memory is
// under maxmemory, and reports whether it is (Redis's performEvictions).
// Past maxmemory-eviction-tenacity's time limit it stops and reports true:
// the command may run, and evictLoop goes on evicting in the background,
// a round at a time between commands, as Redis's evictionTimeProc does.
// Called with s.mu held.
func (s *Server) performEvictions(now time.Time) bool {
	ok, cut := s.evictRound(now)
	if cut {
		s.wakeEvictor()
	}
	return ok
}

// wakeEvictor has evictLoop run rounds of evictions until memory is under
// maxmemory.
func (s *Server) wakeEvictor() {
	select {
	case s.mem.evictWake <- struct{}{}:
	default:
	}
}

// evictLoop runs rounds of evictions, releasing the keyspace lock between
// them, from when a round stops at its time limit until memory is under
// maxmemory (or nothing more can be evicted).
func (s *Server) evictLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.closed:
			return
		case <-s.mem.evictWake:
		}
		for cut := true; cut; {
			s.mu.Lock()
			if s.isClosed() {
				s.mu.Unlock()
				return
			}
			_, cut = s.evictRound(s.clock())
			s.flushEffects(false)
			s.mu.Unlock()
			runtime.Gosched()
		}
	}
}

// evictRound is one round of evictions. It reports whether used memory is
// under maxmemory (or the round stopped at its time limit: ok), and
// whether it stopped at the limit with memory still over (cut). Each
// eviction is logged as a DEL (UNLINK with lazyfree-lazy-eviction) and
// counted in evicted_keys. Called with s.mu held.
func (s *Server) evictRound(now time.Time) (ok, cut bool) {
	cfg := s.config()
	maxmemory := cfg.MaxMemory
	if maxmemory <= 0 || s.persist.loading {
		return true, false
	}
	start := time.Now()
	timeLimit := evictionTimeLimit(cfg.MaxMemoryEvictionTenacity)
	policy := store.ParseEvictPolicy(cfg.MaxMemoryPolicy)
	nowMS := now.UnixMilli()
	for evicted := 1; s.usedMemory() > maxmemory; evicted++ {
		db, key, found := s.mem.evictor.Next(s.store, policy, max(cfg.MaxMemorySamples, 1), cfg.LFUDecayTime, nowMS, s.rng)
		if !found {
			return false, false
		}
		// key may be the table's own string, whose allocation the
		// eviction hands to the next SET (Evictor.Evict): everything that
		// needs the key is done first, and none of it keeps the view (the
		// effect gets a copy).
		k := stringBytes(key)
		s.addUsage(db, -s.keyUsage(db, k, nowMS))
		if s.snap != nil {
			s.snap.touch(db, k)
		}
		s.mem.evicted++
		s.signalModified(db, k)
		s.notify(notifyEvicted, "evicted", k, db)
		if s.propagating() {
			del := "DEL"
			if cfg.LazyfreeLazyEviction {
				del = "UNLINK"
			}
			s.queueEffect(db, [][]byte{[]byte(del), []byte(key)})
			s.flushEffects(false)
		}
		s.mem.evictor.Evict(s.store.DB(db), key)
		if evicted%evictionCheckEvery == 0 && time.Since(start) > timeLimit {
			return true, s.usedMemory() > maxmemory
		}
	}
	return true, false
}

// denyOOM reports whether cmd must be refused when over maxmemory: it may
// grow memory (for EXEC, a command it queued may), or it would be queued
// in a transaction, which may grow without bound (Redis refuses every
// command inside MULTI but EXEC, DISCARD, QUIT and RESET).
func denyOOM(c *client, cmd *Command) bool {
	if c.flags&flagMulti != 0 {
		switch cmd.FullName() {
		case "exec", "discard", "quit", "reset":
		default:
			return true
		}
	}
	return (cmd.Flags|queuedFlags(c, cmd))&FlagDenyOOM != 0
}

// tuneGC applies maxmemory to the Go runtime, when the server owns its GC
// settings: a soft memory limit a fifth above maxmemory (at least 32 MB
// above), so the collector works harder as the dataset nears its limit
// instead of letting the heap grow to twice the live data. Measured with
// maxmemory 100mb under constant eviction: RSS 1.28x maxmemory (1.60x with
// a quarter and 64 MB, 1.15x with an eighth and 16 MB, at 20% less
// throughput).
func (s *Server) tuneGC(maxmemory int64) {
	if !s.mem.gcTuned {
		return
	}
	if maxmemory <= 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		return
	}
	debug.SetMemoryLimit(maxmemory + max(maxmemory/5, 32<<20))
}

// restoreGC undoes tuneGC when the server closes.
func (s *Server) restoreGC() {
	if s.mem.gcTuned {
		debug.SetMemoryLimit(s.mem.oldLimit)
	}
}

// memoryStats is MEMORY STATS. Called with s.mu held.
func (s *Server) memoryStats() Reply {
	used := s.usedMemory()
	dataset := s.datasetBytes()
	keys := int64(s.store.Keys())
	perKey := int64(0)
	if keys > 0 {
		perKey = (used - s.mem.startup) / keys
	}
	pct := func(a, b int64) Reply {
		if b == 0 {
			return Double(0)
		}
		return Double(float64(a) * 100 / float64(b))
	}
	rss := rssBytes()
	kv := []Reply{
		BulkString("peak.allocated"), Int(s.mem.peak),
		BulkString("total.allocated"), Int(used),
		BulkString("startup.allocated"), Int(s.mem.startup),
		BulkString("replication.backlog"), Int(0),
		BulkString("clients.slaves"), Int(0),
		BulkString("clients.normal"), Int(s.clientBytes()),
		BulkString("cluster.links"), Int(0),
		BulkString("aof.buffer"), Int(0),
		BulkString("lua.caches"), Int(0),
		BulkString("functions.caches"), Int(0),
		BulkString("overhead.total"), Int(used - dataset),
		BulkString("keys.count"), Int(keys),
		BulkString("keys.bytes-per-key"), Int(perKey),
		BulkString("dataset.bytes"), Int(dataset),
		BulkString("dataset.percentage"), pct(dataset, used-s.mem.startup),
		BulkString("peak.percentage"), pct(used, s.mem.peak),
		BulkString("fragmentation"), Double(float64(rss) / float64(max(used, 1))),
		BulkString("fragmentation.bytes"), Int(rss - used),
	}
	return Map(kv...)
}

// mallocStats is MEMORY MALLOC-STATS's report. Redis prints jemalloc's
// statistics there (or "Stats not supported for the current allocator"
// when built with libc's malloc); Quordis's allocator is the Go runtime's,
// so it prints that allocator's figures, one "name: value" per line.
func mallocStats() string {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var b strings.Builder
	fmt.Fprintf(&b, "___ Begin Go runtime statistics (%s) ___\n", runtime.Version())
	for _, f := range []struct {
		name  string
		value uint64
	}{
		{"heap_alloc", ms.HeapAlloc}, {"heap_inuse", ms.HeapInuse}, {"heap_idle", ms.HeapIdle},
		{"heap_released", ms.HeapReleased}, {"heap_sys", ms.HeapSys}, {"heap_objects", ms.HeapObjects},
		{"total_alloc", ms.TotalAlloc}, {"mallocs", ms.Mallocs}, {"frees", ms.Frees},
		{"stack_inuse", ms.StackInuse}, {"stack_sys", ms.StackSys}, {"sys", ms.Sys},
		{"next_gc", ms.NextGC}, {"num_gc", uint64(ms.NumGC)}, {"num_forced_gc", uint64(ms.NumForcedGC)},
		{"pause_total_ns", ms.PauseTotalNs},
	} {
		fmt.Fprintf(&b, "%s: %d\n", f.name, f.value)
	}
	fmt.Fprintf(&b, "gc_cpu_fraction: %.6f\n", ms.GCCPUFraction)
	// A negative limit leaves it as it is and only reads it.
	fmt.Fprintf(&b, "memory_limit: %d\n", debug.SetMemoryLimit(-1))
	b.WriteString("--- End Go runtime statistics ---\n")
	return b.String()
}

// memoryDoctor is MEMORY DOCTOR's report. Called with s.mu held.
func (s *Server) memoryDoctor() string {
	used := s.usedMemory()
	if used < 5<<20 {
		return "This instance is empty or uses very little memory: there is nothing to diagnose yet.\n"
	}
	var b strings.Builder
	rss := rssBytes()
	if frag := float64(rss) / float64(used); frag > 1.4 {
		fmt.Fprintf(&b, "High fragmentation: the process holds %.2f times the memory in use (RSS %s for %s used). The Go runtime returns freed memory to the system over time; MEMORY PURGE does it now.\n",
			frag, humanBytes(rss), humanBytes(used))
	}
	if s.mem.peak > used*3/2 {
		fmt.Fprintf(&b, "Peak memory: at some point %s were used, %.0f%% more than now.\n",
			humanBytes(s.mem.peak), float64(s.mem.peak-used)*100/float64(used))
	}
	if b.Len() == 0 {
		return "No memory problems found.\n"
	}
	return b.String()
}

// gcBusyShare is the share of the CPU the process uses that, spent
// collecting garbage, makes it keep every Go processor (see
// HoldProcessors): a server evicting hashes in the hash-table encoding at
// maxmemory collected with a third to half of its CPU (and still several
// times a second once their tables were reused), where a cache of strings
// evicting at the same rate (which reuses their allocations) and the usual
// workloads without maxmemory spend a few percent.
const gcBusyShare = 0.15

// gcMeter measures the garbage collector's share of the CPU the process
// used between two readings, from the runtime's own estimates.
type gcMeter struct {
	mu       sync.Mutex
	gc, used float64 // CPU seconds at the last reading
	samples  []metrics.Sample
}

// busy reports whether the collector took more than gcBusyShare of the CPU
// used since the last call (false at the first). Safe for concurrent use.
func (m *gcMeter) busy() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	first := m.samples == nil
	if first {
		m.samples = []metrics.Sample{
			{Name: "/cpu/classes/gc/total:cpu-seconds"},
			{Name: "/cpu/classes/total:cpu-seconds"},
			{Name: "/cpu/classes/idle:cpu-seconds"},
		}
	}
	metrics.Read(m.samples)
	for _, x := range m.samples {
		if x.Value.Kind() != metrics.KindFloat64 {
			return false
		}
	}
	gc := m.samples[0].Value.Float64()
	used := m.samples[1].Value.Float64() - m.samples[2].Value.Float64()
	dgc, dused := gc-m.gc, used-m.used
	m.gc, m.used = gc, used
	return !first && dused > 0 && dgc > gcBusyShare*dused
}
