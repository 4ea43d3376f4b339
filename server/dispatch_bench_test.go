package server

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"quordis/cluster"
	"quordis/conf"
)

// benchClient returns a server and a client for driving handle directly.
func benchClient(b *testing.B) (*Server, *client) { return benchClientWith(b, conf.Default()) }

// benchClientWith is benchClient for a server with configuration cfg.
func benchClientWith(b *testing.B, cfg *conf.Config) (*Server, *client) {
	s, err := New(cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	// A running server's cron has measured the clock's rate by now.
	time.Sleep(10 * time.Millisecond)
	s.resyncClock()
	c := &client{srv: s, id: 1, proto: 2, user: "default", authenticated: true}
	return s, c
}

func benchHandle(b *testing.B, args ...string) { benchHandleOn(b, nil, args...) }

// benchHandleOn drives handle with args on a fresh server, after setup.
func benchHandleOn(b *testing.B, setup func(s *Server), args ...string) {
	s, c := benchClient(b)
	if setup != nil {
		setup(s)
	}
	argv := toArgv(args)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handle(c, argv, nil)
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = s.handle(c, argv, out[:0])
	}
}

// benchHandleCycle drives handle with each command of cmds in turn, one
// per iteration, for commands that undo each other (LPUSH and LPOP).
func benchHandleCycle(b *testing.B, cmds ...[]string) {
	s, c := benchClient(b)
	argvs := make([][][]byte, len(cmds))
	for i, cmd := range cmds {
		argvs[i] = toArgv(cmd)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]byte, 0, 4096)
	for _, argv := range argvs {
		out = s.handle(c, argv, out[:0])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = s.handle(c, argvs[i%len(argvs)], out[:0])
	}
}

func BenchmarkHandleLpushLpop(b *testing.B) {
	benchHandleCycle(b, []string{"LPUSH", "mylist", "x", "y"}, []string{"LPOP", "mylist"})
}

func BenchmarkHandleSaddSrem(b *testing.B) {
	benchHandleCycle(b, []string{"SADD", "myset", "a", "b"}, []string{"SREM", "myset", "a"})
}

func BenchmarkHandleHset(b *testing.B) { benchHandle(b, "HSET", "myhash", "element:1", "xxx") }
func BenchmarkHandleZadd(b *testing.B) { benchHandle(b, "ZADD", "myzset", "1", "element:1") }

func BenchmarkHandleGet(b *testing.B)  { benchHandle(b, "GET", "key") }
func BenchmarkHandleSet(b *testing.B)  { benchHandle(b, "SET", "key", "value") }
func BenchmarkHandleIncr(b *testing.B) { benchHandle(b, "INCR", "counter") }
func BenchmarkHandlePing(b *testing.B) { benchHandle(b, "PING") }

// benchClusterHandle is benchHandle on a cluster node that owns every
// slot: the cost of routing on the hot path.
func benchClusterHandle(b *testing.B, args ...string) {
	benchHandleOn(b, func(s *Server) {
		self := &cluster.Node{ID: strings.Repeat("a", 40), IP: "127.0.0.1", Port: 7000, BusPort: 17000}
		st := cluster.NewState(self)
		for i := range st.Owner {
			st.Owner[i] = self.ID
		}
		s.cluster = &clusterNode{s: s, id: self.ID}
		s.cluster.meta.state.Store(st)
	}, args...)
}

func BenchmarkHandleGetCluster(b *testing.B) { benchClusterHandle(b, "GET", "key") }
func BenchmarkHandleSetCluster(b *testing.B) { benchClusterHandle(b, "SET", "key", "value") }

// BenchmarkHandleSetEvicting SETs a new key each time on a server at its
// maxmemory (allkeys-lru), so each SET evicts about one key: the cost and
// the allocations of a write under eviction.
func BenchmarkHandleSetEvicting(b *testing.B) {
	cfg := conf.Default()
	cfg.MaxMemory = sharedProcessStartup + 2<<20
	cfg.MaxMemoryPolicy = "allkeys-lru"
	s, c := benchClientWith(b, cfg)
	value := []byte(strings.Repeat("v", 100))
	key := make([]byte, 0, 32)
	out := make([]byte, 0, 4096)
	s.mu.Lock()
	defer s.mu.Unlock()
	set := func(i int) {
		key = strconv.AppendInt(append(key[:0], "key:"...), int64(i), 10)
		out = s.handle(c, [][]byte{[]byte("SET"), key, value}, out[:0])
	}
	for i := range 30_000 { // fill past the limit
		set(-i - 1)
	}
	if s.mem.evicted == 0 {
		b.Fatal("the fill evicted nothing")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		set(i)
	}
}
