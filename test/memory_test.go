package test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/server"
)

// infoField reads one INFO field as an integer.
func infoField(t *testing.T, rdb *redis.Client, section, field string) int64 {
	t.Helper()
	for _, line := range strings.Split(rdb.Info(context.Background(), section).Val(), "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return 0
}

// TestUsedMemoryTracksTheLiveHeap fills a server with every type and
// checks that used_memory's growth is within 10% of the live heap's.
func TestUsedMemoryTracksTheLiveHeap(t *testing.T) {
	checkUsedMemoryTracksHeap(t, StartServer(t).Client(t))
}

// TestUsedMemoryCountsTheSlotIndex is the same in cluster mode, where the
// per-slot key index adds about 40 bytes per key that used_memory must
// count too.
func TestUsedMemoryCountsTheSlotIndex(t *testing.T) {
	checkUsedMemoryTracksHeap(t, startWholeCluster(t))
}

// startWholeCluster starts a server in cluster mode that serves every slot
// itself, with lines added to its configuration, and returns a client of
// it once the cluster is ok.
func startWholeCluster(t *testing.T, lines ...string) *redis.Client {
	t.Helper()
	lines = append([]string{"cluster-enabled yes", "cluster-port " + strconv.Itoa(freePorts(t, 1)[0])}, lines...)
	rdb := StartServer(t, lines...).Client(t)
	ctx := context.Background()
	require.NoError(t, rdb.Do(ctx, "cluster", "addslotsrange", "0", "16383").Err())
	require.Eventually(t, func() bool {
		return strings.Contains(rdb.ClusterInfo(ctx).Val(), "cluster_state:ok")
	}, 10*time.Second, 20*time.Millisecond)
	return rdb
}

// checkUsedMemoryTracksHeap fills the server of rdb with every type and
// checks that used_memory's growth is within 10% of the live heap's over
// the same time. The server runs in the test's process, so the live heap
// is read after a collection, once the server has started and answered
// (what it allocated to start, such as the latency histograms of the
// commands that set it up, is in neither growth).
func checkUsedMemoryTracksHeap(t *testing.T, rdb *redis.Client) {
	ctx := context.Background()
	startUsed := infoField(t, rdb, "memory", "used_memory")
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for batch := 0; batch < 100; batch++ {
		p := rdb.Pipeline()
		for i := batch * 1000; i < (batch+1)*1000; i++ {
			p.Set(ctx, fmt.Sprintf("string:%08d", i), strings.Repeat("v", i%40), 0)
			p.HSet(ctx, fmt.Sprintf("hash:%d", i%500), fmt.Sprint("f", i), fmt.Sprint("value", i))
			p.RPush(ctx, fmt.Sprintf("list:%d", i%50), fmt.Sprint("element", i))
			p.SAdd(ctx, fmt.Sprintf("set:%d", i%200), fmt.Sprint("member", i))
			p.ZAdd(ctx, fmt.Sprintf("zset:%d", i%100), redis.Z{Score: float64(i), Member: fmt.Sprint("m", i)})
			if i%3 == 0 {
				p.Expire(ctx, fmt.Sprintf("string:%08d", i), time.Hour)
			}
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
	}
	used := infoField(t, rdb, "memory", "used_memory") - startUsed
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("used_memory grew %d bytes, the live heap %d bytes (%.3f)", used, heap, float64(used)/float64(heap))
	require.InEpsilon(t, heap, used, 0.10)
}

// fillKeys writes n string keys of about 100 bytes.
func fillKeys(t *testing.T, rdb *redis.Client, prefix string, n int, ttl time.Duration) {
	t.Helper()
	ctx := context.Background()
	p := rdb.Pipeline()
	for i := 0; i < n; i++ {
		p.Set(ctx, fmt.Sprintf("%s:%d", prefix, i), strings.Repeat("x", 100), ttl)
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
}

// limitedServer starts a server whose maxmemory leaves room for about
// room bytes of data above what it uses now.
func limitedServer(t *testing.T, policy string, room int64) (*Server, *redis.Client) {
	srv := StartServer(t, "maxmemory-policy "+policy)
	rdb := srv.Client(t)
	used := infoField(t, rdb, "memory", "used_memory")
	require.NoError(t, rdb.ConfigSet(context.Background(), "maxmemory", strconv.FormatInt(used+room, 10)).Err())
	return srv, rdb
}

// TestNoevictionAnswersOOM checks that writes that grow memory fail past
// maxmemory under noeviction, while reads and deletes go on.
func TestNoevictionAnswersOOM(t *testing.T) {
	_, rdb := limitedServer(t, "noeviction", 200_000)
	ctx := context.Background()
	var err error
	for i := 0; i < 10000 && err == nil; i++ {
		err = rdb.Set(ctx, fmt.Sprint("k", i), strings.Repeat("x", 100), 0).Err()
	}
	require.EqualError(t, err, "OOM command not allowed when used memory > 'maxmemory'.")
	require.Equal(t, strings.Repeat("x", 100), rdb.Get(ctx, "k1").Val())
	require.EqualError(t, rdb.LPush(ctx, "l", "x").Err(), "OOM command not allowed when used memory > 'maxmemory'.")
	require.NoError(t, rdb.Del(ctx, "k1", "k2", "k3").Err())
	require.Zero(t, infoField(t, rdb, "stats", "evicted_keys"))

	// A transaction with a denyoom command fails too.
	err = nil
	for i := 0; i < 10000 && err == nil; i++ {
		err = rdb.Set(ctx, fmt.Sprint("again", i), strings.Repeat("x", 100), 0).Err()
	}
	require.Error(t, err)
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "k5")
		p.Set(ctx, "k-new", "v", 0)
		return nil
	})
	require.Error(t, err)
}

// TestEvictionPolicies fills past maxmemory under each policy and checks
// which keys went.
func TestEvictionPolicies(t *testing.T) {
	ctx := context.Background()
	t.Run("volatile policies only touch keys with a TTL", func(t *testing.T) {
		for _, policy := range []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
			_, rdb := limitedServer(t, policy, 600_000)
			fillKeys(t, rdb, "persistent", 1000, 0)
			fillKeys(t, rdb, "volatile", 2000, time.Hour)
			fillKeys(t, rdb, "more", 2000, time.Hour)
			require.Greater(t, infoField(t, rdb, "stats", "evicted_keys"), int64(0), policy)
			n, err := rdb.Exists(ctx, keys("persistent", 1000)...).Result()
			require.NoError(t, err)
			require.Equal(t, int64(1000), n, "%s evicted a key without a TTL", policy)
			// The clients' share of used_memory is refreshed by the cron:
			// the fill's grown query buffer may count only after the last
			// eviction, and the background eviction then makes room.
			limit := infoField(t, rdb, "memory", "maxmemory")
			require.Eventually(t, func() bool {
				return infoField(t, rdb, "memory", "used_memory") <= limit+20_000
			}, 5*time.Second, 10*time.Millisecond, policy)
		}
	})
	t.Run("volatile-ttl takes the nearest expiry first", func(t *testing.T) {
		_, rdb := limitedServer(t, "volatile-ttl", 400_000)
		fillKeys(t, rdb, "soon", 1000, time.Minute)
		fillKeys(t, rdb, "late", 1000, time.Hour)
		fillKeys(t, rdb, "later", 1500, 2*time.Hour)
		soon, _ := rdb.Exists(ctx, keys("soon", 1000)...).Result()
		late, _ := rdb.Exists(ctx, keys("late", 1000)...).Result()
		require.Less(t, soon, late, "keys expiring soon should go first")
	})
	t.Run("allkeys-lru keeps a recently read working set", func(t *testing.T) {
		// Room for about 2,400 keys of 100 bytes; 3,600 are written.
		_, rdb := limitedServer(t, "allkeys-lru", 400_000)
		// The LRU clock has a resolution of one second: each round reads the
		// hot keys, writes new ones, then lets a second pass, so that at
		// every eviction the hot keys are the most recently used.
		fillKeys(t, rdb, "hot", 500, 0)
		fillKeys(t, rdb, "cold", 1000, 0)
		time.Sleep(1100 * time.Millisecond)
		for round := 0; round < 3; round++ {
			p := rdb.Pipeline()
			for _, k := range keys("hot", 500) {
				p.Get(ctx, k)
			}
			if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
				require.NoError(t, err)
			}
			fillKeys(t, rdb, fmt.Sprint("new", round), 700, 0)
			time.Sleep(1100 * time.Millisecond)
		}
		hot, _ := rdb.Exists(ctx, keys("hot", 500)...).Result()
		cold, _ := rdb.Exists(ctx, keys("cold", 1000)...).Result()
		require.GreaterOrEqual(t, hot, int64(450), "hot keys kept")
		require.Less(t, cold, int64(500), "cold keys evicted")
	})
	t.Run("allkeys-lfu keeps a frequently read set", func(t *testing.T) {
		_, rdb := limitedServer(t, "allkeys-lfu", 500_000)
		fillKeys(t, rdb, "hot", 500, 0)
		p := rdb.Pipeline()
		for r := 0; r < 30; r++ {
			for _, k := range keys("hot", 500) {
				p.Get(ctx, k)
			}
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
		for round := 0; round < 6; round++ {
			fillKeys(t, rdb, fmt.Sprint("once", round), 500, 0)
		}
		hot, _ := rdb.Exists(ctx, keys("hot", 500)...).Result()
		require.GreaterOrEqual(t, hot, int64(450), "frequently read keys kept")
		freq, err := rdb.ObjectFreq(ctx, "hot:1").Result()
		require.NoError(t, err)
		require.Greater(t, freq, int64(5))
	})
	t.Run("allkeys-random evicts", func(t *testing.T) {
		_, rdb := limitedServer(t, "allkeys-random", 300_000)
		fillKeys(t, rdb, "k", 5000, 0)
		require.Greater(t, infoField(t, rdb, "stats", "evicted_keys"), int64(1000))
	})
}

// TestEvictionGoesOnInTheBackground checks that a round of evictions cut
// short by maxmemory-eviction-tenacity goes on between commands, as
// Redis's evictionTimeProc does: with tenacity 0 a command's own round
// evicts only 16 keys, yet memory falls under maxmemory with no further
// commands.
func TestEvictionGoesOnInTheBackground(t *testing.T) {
	srv := StartServer(t, "maxmemory-policy allkeys-random", "maxmemory-eviction-tenacity 0")
	rdb := srv.ClientWith(t, &redis.Options{PoolSize: 1})
	ctx := context.Background()
	fillKeys(t, rdb, "k", 4000, 0)
	// used_memory counts the clients' input buffers as the cron last saw
	// them (ten times a second); let it see them after the fill, or the
	// limit set below moves under the evictions that already met it.
	var used int64
	require.Eventually(t, func() bool {
		before := infoField(t, rdb, "memory", "used_memory")
		time.Sleep(250 * time.Millisecond)
		used = infoField(t, rdb, "memory", "used_memory")
		return used == before
	}, 10*time.Second, time.Millisecond)
	limit := used - 300_000
	require.NoError(t, rdb.ConfigSet(ctx, "maxmemory", strconv.FormatInt(limit, 10)).Err())
	time.Sleep(500 * time.Millisecond)
	// This INFO's own round adds at most 16 evictions.
	evicted := infoField(t, rdb, "stats", "evicted_keys")
	require.Greater(t, evicted, int64(1000), "300 kB of 100-byte values is over a thousand keys")
	require.LessOrEqual(t, infoField(t, rdb, "memory", "used_memory"), limit)
}

func keys(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s:%d", prefix, i)
	}
	return out
}

// TestMemoryCommands checks MEMORY STATS, DOCTOR and MALLOC-STATS answer, and
// INFO memory's fields.
func TestMemoryCommands(t *testing.T) {
	srv := StartServer(t, "maxmemory 100mb", "maxmemory-policy allkeys-lru")
	ctx := context.Background()
	rdb := srv.Client(t)
	fillKeys(t, rdb, "k", 1000, 0)
	stats, err := rdb.Do(ctx, "MEMORY", "STATS").Result()
	require.NoError(t, err)
	require.Contains(t, fmt.Sprint(stats), "dataset.bytes")
	require.NotEmpty(t, rdb.Do(ctx, "MEMORY", "DOCTOR").Val())
	// MALLOC-STATS reports the Go runtime's heap, which holds the keys.
	report, err := rdb.Do(ctx, "MEMORY", "MALLOC-STATS").Text()
	require.NoError(t, err)
	var heapAlloc int64
	for _, line := range strings.Split(report, "\n") {
		if v, ok := strings.CutPrefix(line, "heap_alloc: "); ok {
			heapAlloc, err = strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
		}
	}
	require.Greater(t, heapAlloc, infoField(t, rdb, "memory", "used_memory_dataset"), report)
	require.Contains(t, report, "memory_limit: ")
	require.Equal(t, "ERR wrong number of arguments for 'memory|malloc-stats' command",
		rdb.Do(ctx, "MEMORY", "MALLOC-STATS", "x").Err().Error())
	info := rdb.Info(ctx, "memory").Val()
	for _, f := range []string{"used_memory:", "used_memory_human:", "used_memory_rss:", "used_memory_peak:",
		"used_memory_dataset:", "maxmemory:104857600", "maxmemory_policy:allkeys-lru", "mem_fragmentation_ratio:"} {
		require.Contains(t, info, f)
	}
	require.Greater(t, infoField(t, rdb, "memory", "used_memory_dataset"), int64(100_000))
}

// TestEvictionsPropagateAsDeletes checks that an evicted key reaches the
// AOF and replicas as a DEL, before the command that made room.
func TestEvictionsPropagateAsDeletes(t *testing.T) {
	rec := &recorder{}
	srv := StartServerWith(t, server.Options{Propagator: rec}, "maxmemory-policy allkeys-random")
	ctx := context.Background()
	rdb := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	used := infoField(t, rdb, "memory", "used_memory")
	require.NoError(t, rdb.ConfigSet(ctx, "maxmemory", strconv.FormatInt(used+50_000, 10)).Err())
	fillKeys(t, rdb, "k", 1000, 0)
	evicted := infoField(t, rdb, "stats", "evicted_keys")
	require.Greater(t, evicted, int64(0))
	dels := 0
	for _, e := range rec.take() {
		if strings.HasPrefix(e, "0 DEL k:") {
			dels++
		}
	}
	require.Equal(t, int(evicted), dels)
}

// clientFields parses CLIENT LIST into one map of fields per client id.
func clientFields(t *testing.T, rdb *redis.Client) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	list, err := rdb.ClientList(context.Background()).Result()
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		f := map[string]string{}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			f[k] = v
		}
		out[f["id"]] = f
	}
	return out
}

// TestIdleClientsHoldNoInputBuffer has clients send pipelines long enough
// to grow their input buffers to the most kept between commands, then go
// idle: as in Redis, whose client cron frees an idle client's query
// buffer, they then hold none (CLIENT LIST's qbuf-free and rbs, MEMORY
// STATS's clients.normal), and each works as before when it sends again.
func TestIdleClientsHoldNoInputBuffer(t *testing.T) {
	srv := StartServer(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	const clients, pipeline = 20, 100
	value := strings.Repeat("v", 1000)
	conns := make([]*Conn, clients)
	ids := make([]string, clients)
	send := func(i int, round int) {
		c := conns[i]
		var b strings.Builder
		for j := range pipeline {
			key := fmt.Sprintf("k%d:%d", i, j)
			v := fmt.Sprintf("%s%d:%d", value, round, j)
			fmt.Fprintf(&b, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(v), v)
		}
		c.Send(b.String())
		for range pipeline {
			require.Equal(t, "+OK\r\n", c.ReadReply())
		}
	}
	for i := range conns {
		conns[i] = srv.Dial(t)
		ids[i] = strings.TrimSpace(strings.TrimPrefix(conns[i].Do("CLIENT", "ID"), ":"))
		send(i, 0)
	}
	// A connection lends its buffer out once its goroutine waits again,
	// just after its replies went out.
	require.Eventually(t, func() bool {
		fields := clientFields(t, rdb)
		for _, id := range ids {
			f := fields[id]
			if f["qbuf"] != "0" || f["qbuf-free"] != "0" || f["rbs"] != "0" {
				return false
			}
		}
		return true
	}, 5*time.Second, 10*time.Millisecond, "idle clients hold input buffers")
	stats, err := rdb.Do(ctx, "MEMORY", "STATS").Result()
	require.NoError(t, err)
	clientBytes, _ := stats.(map[any]any)["clients.normal"].(int64)
	// 1 KiB of fixed cost a client, and one buffer for the asking client;
	// twenty kept 64 KiB buffers would be over 1.3 MB.
	require.Positive(t, clientBytes)
	require.Less(t, clientBytes, int64((clients+2)<<10+64<<10))

	for i := range conns {
		send(i, 1)
	}
	for i := range conns {
		for j := range pipeline {
			require.Equal(t, fmt.Sprintf("%s1:%d", value, j), rdb.Get(ctx, fmt.Sprintf("k%d:%d", i, j)).Val())
		}
	}
}

// TestHoldProcessorsWhileCollectingHard checks that the server asks to
// keep every Go processor (see procs.Run) while the garbage collector takes
// much of the CPU the process uses, here collecting a heap of a million
// pointers over and over, and lets them go when it stops. The server
// counts the collector's work as its own only when it owns the process
// (TuneGC, as the binary runs it).
func TestHoldProcessorsWhileCollectingHard(t *testing.T) {
	srv := StartServerWith(t, server.Options{TuneGC: true})
	other := StartServer(t)
	require.False(t, srv.HoldProcessors())
	require.False(t, other.HoldProcessors())
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		live := make([]*int, 1<<20)
		for i := range live {
			live[i] = new(int)
		}
		for {
			select {
			case <-stop:
				runtime.KeepAlive(live)
				return
			default:
				runtime.GC()
			}
		}
	}()
	require.Eventually(t, srv.HoldProcessors, 10*time.Second, 50*time.Millisecond)
	require.False(t, other.HoldProcessors())
	close(stop)
	<-done
	require.Eventually(t, func() bool { return !srv.HoldProcessors() }, 10*time.Second, 50*time.Millisecond)
}

// TestEvictionReusesAllocationsWithoutMixingKeys evicts tens of thousands
// of strings, hashes, sets, sorted sets and lists while pipelined writes
// build new keys in the allocations the evicted ones leave (store's
// spares), under LRU (the eviction pool keeps key strings) and random
// eviction, and checks that no key or value is mixed up: every key left
// holds its own value in the encoding Redis gives it, a read right after
// each write in the pipeline reads it back (or nothing, when it was
// evicted in between, as Redis may evict before any command), and
// replaying the propagated effects (the writes and the evictions' DELs,
// which name the evicted keys) gives exactly the dataset the server holds.
func TestEvictionReusesAllocationsWithoutMixingKeys(t *testing.T) {
	// Keys of 3 to 7 bytes with values that bring each string to 100 to
	// 104 bytes with its key: the sizes share an allocation class, so a new
	// key takes an evicted one's allocation whatever its length.
	valueOf := func(key string, i int) string {
		return fmt.Sprintf("%s=%d=", key, i) + strings.Repeat("v", 80-len(key))
	}
	// canon writes a hash's pairs or a set's members in one order.
	canon := func(items []string) string {
		items = slices.Clone(items)
		sort.Strings(items)
		return strings.Join(items, ",")
	}
	type kind struct {
		name  string
		write string                         // the command that writes a key
		items func(key, val string) []string // its arguments after the key, for a value val
		read  string                         // the command that reads a key back
		// seen is the reply of read as write's items would give it (by
		// canon for aggregates), false when the key is gone.
		seen func(v any) (string, bool)
		// encoding is what OBJECT ENCODING reports for a key written
		// with items.
		encoding func(items []string) string
	}
	// Even keys get one long field or member (a hash table from the
	// start), odd ones short fields or integers (listpack, intset), so
	// that spare tables wait while keys that must not get them are made.
	even := func(key string) bool { return (key[len(key)-1]-'0')%2 == 0 }
	byParity := func(one func(val string) []string, many func(key, val string) []string) func(key, val string) []string {
		return func(key, val string) []string {
			if even(key) {
				return one(val)
			}
			return many(key, val)
		}
	}
	// encodings names the encoding of a key by the number of its write's
	// items: n for a big encoding, other for the small one.
	encodings := func(n int, big, small string) func(items []string) string {
		return func(items []string) string {
			if len(items) == n {
				return big
			}
			return small
		}
	}
	// array is an array reply's strings: sorted, or in order for a list.
	array := func(sorted bool) func(v any) (string, bool) {
		return func(v any) (string, bool) {
			var items []string
			for _, m := range v.([]any) {
				items = append(items, m.(string))
			}
			if sorted {
				return canon(items), len(items) > 0
			}
			return strings.Join(items, ","), len(items) > 0
		}
	}
	kinds := []kind{
		{"string", "SET", func(_, val string) []string { return []string{val} }, "GET",
			func(v any) (string, bool) { return v.(string), true },
			func([]string) string { return "raw" }},
		{"hash", "HSET",
			byParity(func(val string) []string { return []string{"f", val} },
				func(_, val string) []string { return []string{"a", val[:40], "b", val[40:]} }),
			"HGETALL",
			func(v any) (string, bool) {
				var items []string
				for f, x := range v.(map[any]any) {
					items = append(items, f.(string)+"="+x.(string))
				}
				return canon(items), len(items) > 0
			},
			encodings(2, "hashtable", "listpack")},
		{"set", "SADD",
			byParity(func(val string) []string { return []string{val} },
				func(key, _ string) []string { return []string{key[1:], "-" + key[1:]} }),
			"SMEMBERS", array(true), encodings(1, "hashtable", "intset")},
		{"zset", "ZADD",
			byParity(func(val string) []string { return []string{"1", val} },
				func(key, _ string) []string { return []string{"1", key, "2", "z" + key} }),
			"ZRANGE", array(true), encodings(2, "skiplist", "listpack")},
		{"list", "RPUSH",
			byParity(func(val string) []string { return []string{val} },
				func(key, val string) []string { return []string{key, val[:30]} }),
			"LRANGE", array(false), func([]string) string { return "quicklist" }},
	}
	// value is what a key written with items holds, as seen gives it.
	// ZRANGE reads the members alone.
	value := func(kd kind, items []string) string {
		switch kd.write {
		case "HSET":
			var pairs []string
			for j := 0; j < len(items); j += 2 {
				pairs = append(pairs, items[j]+"="+items[j+1])
			}
			return canon(pairs)
		case "SADD":
			return canon(items)
		case "RPUSH":
			return strings.Join(items, ",")
		case "ZADD":
			var members []string
			for j := 1; j < len(items); j += 2 {
				members = append(members, items[j])
			}
			return canon(members)
		}
		return items[0]
	}
	for _, kd := range kinds {
		for _, policy := range []string{"allkeys-lru", "allkeys-random"} {
			t.Run(kd.name+"/"+policy, func(t *testing.T) {
				rec := &recorder{}
				srv := StartServerWith(t, server.Options{Propagator: rec}, "maxmemory-policy "+policy)
				ctx := context.Background()
				rdb := srv.Client(t)
				used := infoField(t, rdb, "memory", "used_memory")
				require.NoError(t, rdb.ConfigSet(ctx, "maxmemory", strconv.FormatInt(used+300_000, 10)).Err())
				written := map[string][]string{}
				for batch := 0; batch < 40; batch++ {
					p := rdb.Pipeline()
					var reads []*redis.Cmd
					var want []string
					for j := 0; j < 1000; j++ {
						i := batch*1000 + j
						key := "k" + strconv.Itoa(i)
						items := kd.items(key, valueOf(key, i))
						written[key] = items
						p.Do(ctx, append([]any{kd.write, key}, anys(items)...)...)
						reads = append(reads, p.Do(ctx, readArgs(kd.read, key)...))
						want = append(want, value(kd, items))
					}
					_, _ = p.Exec(ctx) // checked command by command
					for j, r := range reads {
						v, err := r.Result()
						if err == redis.Nil {
							continue // GET of a key evicted in between
						}
						require.NoError(t, err)
						if got, ok := kd.seen(v); ok {
							require.Equal(t, want[j], got)
						}
					}
				}
				require.Greater(t, infoField(t, rdb, "stats", "evicted_keys"), int64(30_000))
				// No more evictions while the dataset is read (the client
				// buffers that used_memory counts move with the reads).
				require.NoError(t, rdb.ConfigSet(ctx, "maxmemory", "0").Err())

				model := map[string]string{}
				for _, e := range rec.take() {
					f := strings.Fields(e)
					switch strings.ToUpper(f[1]) {
					case kd.write:
						model[f[2]] = value(kd, f[3:])
					case "DEL":
						_, ok := model[f[2]]
						require.True(t, ok, "an eviction deleted %q, which the model does not hold", f[2])
						delete(model, f[2])
					}
				}
				have := map[string]string{}
				iter := rdb.Scan(ctx, 0, "*", 1000).Iterator()
				for iter.Next(ctx) {
					k := iter.Val()
					v, err := rdb.Do(ctx, readArgs(kd.read, k)...).Result()
					require.NoError(t, err)
					have[k], _ = kd.seen(v)
					require.Equal(t, kd.encoding(written[k]), rdb.ObjectEncoding(ctx, k).Val(), k)
				}
				require.NoError(t, iter.Err())
				require.NotEmpty(t, have)
				require.Equal(t, model, have)
			})
		}
	}
}

// readArgs is the command that reads key back with read: ZRANGE and
// LRANGE over every member.
func readArgs(read, key string) []any {
	if read == "ZRANGE" || read == "LRANGE" {
		return []any{read, key, 0, -1}
	}
	return []any{read, key}
}

// anys converts strings to command arguments.
func anys(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// TestEvictionReuseKeepsTheSlotIndex evicts strings in cluster mode, where
// the per-slot key index holds the same key strings that eviction hands to
// new keys, and checks that the index and the keyspace agree afterwards:
// every slot counts the keys that hash to it, and names exactly them.
func TestEvictionReuseKeepsTheSlotIndex(t *testing.T) {
	rdb := startWholeCluster(t, "maxmemory-policy allkeys-lru")
	ctx := context.Background()
	used := infoField(t, rdb, "memory", "used_memory")
	require.NoError(t, rdb.ConfigSet(ctx, "maxmemory", strconv.FormatInt(used+300_000, 10)).Err())
	for batch := 0; batch < 20; batch++ {
		p := rdb.Pipeline()
		for j := 0; j < 1000; j++ {
			key := "k" + strconv.Itoa(batch*1000+j)
			p.Set(ctx, key, key+strings.Repeat("v", 90-len(key)), 0)
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
	}
	require.Greater(t, infoField(t, rdb, "stats", "evicted_keys"), int64(10_000))
	require.NoError(t, rdb.ConfigSet(ctx, "maxmemory", "0").Err())

	keys := rdb.Keys(ctx, "*").Val()
	require.NotEmpty(t, keys)
	bySlot := map[int][]string{}
	for _, k := range keys {
		slot := int(rdb.ClusterKeySlot(ctx, k).Val())
		bySlot[slot] = append(bySlot[slot], k)
	}
	p := rdb.Pipeline()
	counts := make([]*redis.IntCmd, 16384)
	for slot := range counts {
		counts[slot] = p.ClusterCountKeysInSlot(ctx, slot)
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	total := int64(0)
	for slot := 0; slot < 16384; slot++ {
		n := counts[slot].Val()
		total += n
		require.Equal(t, int64(len(bySlot[slot])), n, "slot %d", slot)
		if n > 0 {
			got := rdb.ClusterGetKeysInSlot(ctx, slot, int(n)).Val()
			require.ElementsMatch(t, bySlot[slot], got, "slot %d", slot)
		}
	}
	require.Equal(t, int64(len(keys)), total)
}
