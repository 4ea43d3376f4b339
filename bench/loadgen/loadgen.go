package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Config describes one run of mixed GET/SET load over a Zipf-distributed
// key space.
type Config struct {
	Addr      string  // host:port of the server
	Clients   int     // concurrent connections, one goroutine each
	Pipeline  int     // commands per round trip; 1 means no pipelining
	Requests  int     // total commands to send, across all clients
	Keys      int     // key space: key:000000000000 .. key:<Keys-1>
	ZipfS     float64 // Zipf exponent, > 1 (rank 0 is the hottest key)
	ReadRatio float64 // fraction of commands that are GET, the rest SET
	ValueSize int     // bytes per SET value
	Seed      uint64  // the same seed sends the same command sequence
}

// Result is what one run measured on the client side.
type Result struct {
	Requests int           // commands answered
	Elapsed  time.Duration // wall time from the first send to the last reply
	Latency  Histogram     // per command; a pipelined batch's round trip counts for each of its commands
}

// RPS returns the commands answered per second.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Key returns the name of key rank i, in redis-benchmark's format for
// __rand_int__ (12 digits, zero-padded), so both tools share a key space.
func Key(i int) string {
	return prefixedKey("key:", i)
}

func prefixedKey(prefix string, i int) string {
	s := strconv.Itoa(i)
	if len(s) < 12 {
		s = strings.Repeat("0", 12-len(s)) + s
	}
	return prefix + s
}

// newClient returns a client holding one connection that speaks RESP2 and
// sends nothing on connect but the commands it is given, as redis-benchmark
// does.
func newClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                     addr,
		Protocol:                 2,
		DisableIdentity:          true,
		PoolSize:                 1,
		PipelinePoolSize:         -1,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
}

// Prefill sets every key of the key space to a value of valueSize bytes,
// so that GETs hit.
func Prefill(ctx context.Context, addr string, keys, valueSize int) error {
	return PrefillKeys(ctx, addr, "key:", keys, valueSize)
}

// PrefillKeys sets prefix followed by i in __rand_int__'s format, for i in
// [0, keys), to values of valueSize bytes: Prefill with another prefix,
// such as the hash-tagged "key:{06S}:" of redis-benchmark --cluster.
func PrefillKeys(ctx context.Context, addr, prefix string, keys, valueSize int) error {
	c := newClient(addr)
	defer c.Close()
	value := strings.Repeat("x", valueSize)
	const batch = 500
	for start := 0; start < keys; start += batch {
		args := make([]any, 0, 2*batch)
		for i := start; i < min(start+batch, keys); i++ {
			args = append(args, prefixedKey(prefix, i), value)
		}
		if err := c.MSet(ctx, args...).Err(); err != nil {
			return fmt.Errorf("loadgen: prefill: %w", err)
		}
	}
	return nil
}

// Run sends cfg.Requests commands from cfg.Clients connections and waits
// for every reply. It stops early, with an error, when ctx ends or a
// command fails; an error reply counts as a failure.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Clients < 1 || cfg.Pipeline < 1 || cfg.Requests < 1 || cfg.Keys < 2 || cfg.ZipfS <= 1 {
		return nil, errors.New("loadgen: Clients, Pipeline, Requests >= 1, Keys >= 2 and ZipfS > 1 required")
	}
	clients := make([]*redis.Client, cfg.Clients)
	for i := range clients {
		clients[i] = newClient(cfg.Addr)
		defer clients[i].Close()
		if err := clients[i].Ping(ctx).Err(); err != nil {
			return nil, fmt.Errorf("loadgen: connect: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		left     atomic.Int64 // commands not yet claimed by a worker
		wg       sync.WaitGroup
		mu       sync.Mutex // guards res and firstErr
		res      = &Result{}
		firstErr error
	)
	left.Store(int64(cfg.Requests))
	value := strings.Repeat("x", cfg.ValueSize)
	start := time.Now()
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{c: c, cfg: cfg, value: value, left: &left,
				rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i)))}
			w.zipf = rand.NewZipf(w.rng, cfg.ZipfS, 1, uint64(cfg.Keys-1))
			err := w.run(ctx)
			mu.Lock()
			defer mu.Unlock()
			res.Requests += w.done
			res.Latency.Merge(&w.hist)
			if err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if firstErr != nil {
		return nil, firstErr
	}
	return res, nil
}

// worker is one connection's share of a run.
type worker struct {
	c     *redis.Client
	cfg   Config
	value string
	left  *atomic.Int64
	rng   *rand.Rand
	zipf  *rand.Zipf
	hist  Histogram
	done  int
}

// run claims batches of up to cfg.Pipeline commands until none are left.
func (w *worker) run(ctx context.Context) error {
	for {
		n := int(min(w.left.Add(-int64(w.cfg.Pipeline))+int64(w.cfg.Pipeline), int64(w.cfg.Pipeline)))
		if n <= 0 {
			return nil
		}
		t0 := time.Now()
		if err := w.batch(ctx, n); err != nil {
			return fmt.Errorf("loadgen: %w", err)
		}
		w.hist.RecordN(time.Since(t0), uint64(n))
		w.done += n
	}
}

// batch sends n commands, pipelined unless the run is unpipelined, and
// returns the first failure; a GET of a missing key is no failure.
func (w *worker) batch(ctx context.Context, n int) error {
	if w.cfg.Pipeline == 1 {
		return ignoreNil(w.send(ctx, w.c).Err())
	}
	p := w.c.Pipeline()
	cmds := make([]redis.Cmder, n)
	for i := range cmds {
		cmds[i] = w.send(ctx, p)
	}
	if _, err := p.Exec(ctx); ignoreNil(err) != nil {
		return err
	}
	for _, c := range cmds {
		if err := ignoreNil(c.Err()); err != nil {
			return err
		}
	}
	return nil
}

// ignoreNil returns err unless it is redis.Nil, the reply to a GET of a
// missing key.
func ignoreNil(err error) error {
	if errors.Is(err, redis.Nil) {
		return nil
	}
	return err
}

// send issues one GET or SET on a key drawn from the Zipf distribution.
func (w *worker) send(ctx context.Context, c redis.Cmdable) redis.Cmder {
	key := Key(int(w.zipf.Uint64()))
	if w.rng.Float64() < w.cfg.ReadRatio {
		return c.Get(ctx, key)
	}
	return c.Set(ctx, key, w.value, 0)
}
