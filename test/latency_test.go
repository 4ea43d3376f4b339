package test

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// latencyLines are INFO latencystats's lines, by command.
func latencyLines(t *testing.T, ctx context.Context, rdb *redis.Client) map[string]string {
	t.Helper()
	info, err := rdb.Info(ctx, "latencystats").Result()
	require.NoError(t, err)
	out := map[string]string{}
	for _, line := range strings.Split(info, "\r\n") {
		if name, v, ok := strings.Cut(line, ":"); ok {
			out[strings.TrimPrefix(name, "latency_percentiles_usec_")] = v
		}
	}
	return out
}

// histogram is LATENCY HISTOGRAM's reply for one command, in either
// protocol: its calls and its cumulative counts by bucket.
type histogram struct {
	calls   int64
	buckets map[int64]int64
}

func latencyHistogram(t *testing.T, ctx context.Context, rdb *redis.Client, cmds ...string) map[string]histogram {
	t.Helper()
	args := []any{"LATENCY", "HISTOGRAM"}
	for _, c := range cmds {
		args = append(args, c)
	}
	v, err := rdb.Do(ctx, args...).Result()
	require.NoError(t, err)
	out := map[string]histogram{}
	for name, h := range pairs(t, v) {
		var hist histogram
		for k, v := range pairs(t, h) {
			switch k {
			case "calls":
				hist.calls = v.(int64)
			case "histogram_usec":
				hist.buckets = map[int64]int64{}
				for b, n := range pairs(t, v) {
					usec, err := strconv.ParseInt(b, 10, 64)
					require.NoError(t, err)
					hist.buckets[usec] = n.(int64)
				}
			}
		}
		out[name] = hist
	}
	return out
}

// pairs reads a map reply, flattened (RESP2) or not (RESP3), keys as text.
func pairs(t *testing.T, v any) map[string]any {
	t.Helper()
	out := map[string]any{}
	switch m := v.(type) {
	case map[any]any:
		for k, v := range m {
			out[strings.TrimSpace(fmtKey(k))] = v
		}
	case []any:
		require.Zero(t, len(m)%2)
		for i := 0; i < len(m); i += 2 {
			out[fmtKey(m[i])] = m[i+1]
		}
	default:
		t.Fatalf("not a map: %#v", v)
	}
	return out
}

func fmtKey(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case int64:
		return strconv.FormatInt(k, 10)
	}
	panic("unexpected key")
}

// TestLatencyTrackingMatchesRedis runs the same commands on Quordis and
// on redis-server 7.0, in RESP2 and RESP3, and compares INFO latencystats
// and LATENCY HISTOGRAM where the timings of the two servers cannot make
// them differ: which commands have figures, the percentiles named, the
// calls, the buckets of a 0.6 s DEBUG SLEEP (past the last power of two
// the histogram holds), and what latency-tracking no and CONFIG RESETSTAT
// do.
func TestLatencyTrackingMatchesRedis(t *testing.T) {
	quordis := StartServer(t, "enable-debug-command yes")
	real := StartRealRedis(t, "--enable-debug-command", "yes")
	number := regexp.MustCompile(`^\d+\.\d{3}$`)
	for _, proto := range []int{2, 3} {
		type result struct {
			lines     map[string]string
			all       []string
			debug     histogram
			ping      histogram
			container []string
			off       map[string]string
			reset     map[string]histogram
			timedOut  map[string]histogram
			served    int64
		}
		run := func(addr string) result {
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
			defer rdb.Close()
			var r result
			require.NoError(t, rdb.ConfigResetStat(ctx).Err())
			require.NoError(t, rdb.ConfigSet(ctx, "latency-tracking-info-percentiles", "0 50 99.9 100").Err())
			require.NoError(t, rdb.Do(ctx, "DEBUG", "SLEEP", "0.6").Err())
			for range 3 {
				require.NoError(t, rdb.Ping(ctx).Err())
			}
			r.lines = latencyLines(t, ctx, rdb)
			for name, v := range r.lines {
				if name == "# Latencystats" {
					continue
				}
				parts := strings.Split(v, ",")
				require.Len(t, parts, 4, v)
				var last float64
				for i, p := range parts {
					name, val, ok := strings.Cut(p, "=")
					require.True(t, ok, v)
					require.Equal(t, []string{"p0", "p50", "p99.9", "p100"}[i], name)
					require.Regexp(t, number, val)
					f, err := strconv.ParseFloat(val, 64)
					require.NoError(t, err)
					require.GreaterOrEqual(t, f, last, v)
					last = f
				}
			}
			all := latencyHistogram(t, ctx, rdb)
			for name := range all {
				r.all = append(r.all, name)
			}
			h := latencyHistogram(t, ctx, rdb, "DEBUG", "ping", "nosuch", "ping")
			r.debug, r.ping = h["debug"], h["ping"]
			for name := range latencyHistogram(t, ctx, rdb, "config") {
				r.container = append(r.container, name)
			}
			require.NoError(t, rdb.ConfigSet(ctx, "latency-tracking", "no").Err())
			r.off = latencyLines(t, ctx, rdb)
			require.NoError(t, rdb.ConfigSet(ctx, "latency-tracking", "yes").Err())
			require.NoError(t, rdb.ConfigResetStat(ctx).Err())
			r.reset = latencyHistogram(t, ctx, rdb, "ping", "debug")
			// A blocking command is tracked when it is served, not when it
			// blocks or times out.
			require.ErrorIs(t, rdb.BLPop(ctx, 100*time.Millisecond, "nolist").Err(), redis.Nil)
			r.timedOut = latencyHistogram(t, ctx, rdb, "blpop")
			done := make(chan error, 1)
			go func() { done <- rdb.BLPop(ctx, 5*time.Second, "list").Err() }()
			require.Eventually(t, func() bool {
				return infoField(t, rdb, "clients", "blocked_clients") == 1
			}, 5*time.Second, 5*time.Millisecond)
			require.NoError(t, rdb.RPush(ctx, "list", "x").Err())
			require.NoError(t, <-done)
			r.served = latencyHistogram(t, ctx, rdb, "blpop")["blpop"].calls
			return r
		}
		q, want := run(quordis.Addr), run(real.Addr)
		require.ElementsMatch(t, slices.Collect(maps.Keys(want.lines)), slices.Collect(maps.Keys(q.lines)), "proto %d", proto)
		require.ElementsMatch(t, want.all, q.all)
		require.Equal(t, histogram{calls: 1, buckets: map[int64]int64{1073741: 1}}, want.debug)
		require.Equal(t, want.debug, q.debug)
		require.Equal(t, int64(3), q.ping.calls)
		var top int64
		for _, n := range q.ping.buckets {
			top = max(top, n)
		}
		require.Equal(t, int64(3), top)
		require.ElementsMatch(t, want.container, q.container)
		require.Equal(t, want.off, q.off)
		require.Equal(t, want.reset, q.reset)
		require.Empty(t, q.reset)
		require.Equal(t, want.timedOut, q.timedOut)
		require.Empty(t, q.timedOut)
		require.Equal(t, int64(1), want.served)
		require.Equal(t, want.served, q.served)
	}
}

// TestLatencyGraphMatchesRedis draws a latency event of one sample on
// Quordis and on redis-server 7.0, in RESP2 and RESP3 (a verbatim string
// there), and checks both give the same graph.
func TestLatencyGraphMatchesRedis(t *testing.T) {
	quordis := StartServer(t, "enable-debug-command yes")
	real := StartRealRedis(t, "--enable-debug-command", "yes")
	header := regexp.MustCompile(`^command - high (\d+) ms, low (\d+) ms \(all time high (\d+) ms\)$`)
	for _, proto := range []int{2, 3} {
		for _, addr := range []string{quordis.Addr, real.Addr} {
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
			// A threshold no other command of the test comes near, even
			// under the race detector, so the sleep is the only sample.
			require.NoError(t, rdb.ConfigSet(ctx, "latency-monitor-threshold", "50").Err())
			require.NoError(t, rdb.Do(ctx, "LATENCY", "RESET").Err())
			require.NoError(t, rdb.Do(ctx, "DEBUG", "SLEEP", "0.1").Err())
			graph, err := rdb.Do(ctx, "LATENCY", "GRAPH", "command").Text()
			require.NoError(t, err, addr)
			lines := strings.Split(graph, "\n")
			m := header.FindStringSubmatch(lines[0])
			require.NotNil(t, m, graph)
			require.Equal(t, m[1], m[2])
			require.Equal(t, m[1], m[3])
			require.Equal(t, strings.Repeat("-", 80), lines[1])
			// One sample, at the bottom of a flat graph, taken 0 (or, across
			// a second's end, 1) seconds ago.
			require.Equal(t, []string{" ", " ", " ", "_", " "}, lines[2:7], graph)
			require.Contains(t, []string{"0", "1"}, lines[7])
			require.Equal(t, []string{"s", ""}, lines[8:], graph)
			require.NoError(t, rdb.ConfigSet(ctx, "latency-monitor-threshold", "0").Err())
			rdb.Close()
		}
	}
}
