package test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/server"
)

// pfaddCmd is a PFADD of n elements named prefix0, prefix1, ...
func pfaddCmd(key, prefix string, from, n int) []string {
	cmd := []string{"PFADD", key}
	for i := from; i < from+n; i++ {
		cmd = append(cmd, prefix+strconv.Itoa(i))
	}
	return cmd
}

// hllScript joins commands built by hand (binary values, generated element
// lists) with script lines.
func hllScript(parts ...any) [][]string {
	var out [][]string
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			out = append(out, splitQuoted(p))
		case []string:
			out = append(out, p)
		default:
			panic(fmt.Sprintf("hllScript: %T", p))
		}
	}
	return out
}

// hllHeader is a HyperLogLog header: encoding 1 sparse / 0 dense, and the
// cached cardinality's bytes (the last one's top bit marks it stale).
func hllHeader(enc byte, card ...byte) string {
	h := []byte{'H', 'Y', 'L', 'L', enc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80}
	if card != nil {
		copy(h[8:], card)
	}
	return string(h)
}

// denseHLL is a dense HyperLogLog whose register bytes all hold b.
func denseHLL(b byte, card ...byte) string {
	return hllHeader(0, card...) + strings.Repeat(string([]byte{b}), 12288)
}

var hllCompatCases = []compatCase{
	{"pfadd pfcount", script(
		"PFADD h a b c", "PFADD h a", "PFADD h", "PFADD e", "PFADD e", "GET e", "PFCOUNT e", "GET h",
		"PFCOUNT h", "GET h", "PFCOUNT h", "PFCOUNT nokey", "OBJECT ENCODING h", "TYPE h", "STRLEN h",
		"PFADD h ''", "PFADD h 'a b'", "GET h", "PFCOUNT h", "PFADD H a", "GET H")},
	{"sparse growth and promotion", hllScript(
		pfaddCmd("s", "el", 0, 10), "GET s", "PFCOUNT s", pfaddCmd("s", "el", 10, 90), "GET s",
		pfaddCmd("s", "el", 100, 400), "GET s", "PFCOUNT s", "PFDEBUG ENCODING s",
		pfaddCmd("s", "el", 500, 500), "GET s", "PFCOUNT s", "STRLEN s",
		pfaddCmd("s", "el", 1000, 300), "GET s", "PFDEBUG ENCODING s",
		pfaddCmd("s", "el", 1300, 1500), "STRLEN s", "PFDEBUG ENCODING s", "GET s", "PFCOUNT s",
		pfaddCmd("s", "el", 0, 2800), "PFCOUNT s",
		// big6209776902 hashes to a run of 33: too long for a sparse VAL.
		"PFADD v a b c", "PFADD v big6209776902", "PFDEBUG ENCODING v", "GET v", "PFCOUNT v",
		"PFADD w big6209776902", "GET w", "PFMERGE w2 v", "PFDEBUG ENCODING w2")},
	{"dense adds", hllScript(
		pfaddCmd("d", "x", 0, 5000), "GET d", "PFCOUNT d", pfaddCmd("d", "x", 5000, 20000), "GET d", "PFCOUNT d",
		pfaddCmd("d", "x", 0, 100), "PFCOUNT d", "OBJECT ENCODING d")},
	{"pfcount union", hllScript(
		pfaddCmd("a", "e", 0, 200), pfaddCmd("b", "e", 100, 200), pfaddCmd("big", "e", 0, 5000),
		"PFCOUNT a b", "PFCOUNT a b nokey", "PFCOUNT a a", "PFCOUNT nokey nokey2", "PFCOUNT a big",
		"PFCOUNT big a b", "GET a", "PFCOUNT a", "GET a")},
	{"pfmerge", hllScript(
		"PFMERGE m", "GET m", "PFCOUNT m", "PFMERGE n nokey1 nokey2", "GET n",
		pfaddCmd("a", "e", 0, 200), pfaddCmd("b", "e", 100, 200), pfaddCmd("big", "f", 0, 5000),
		"PFMERGE m2 a b", "GET m2", "PFCOUNT m2", "PFMERGE m2", "GET m2", "PFMERGE m2 m2 a", "GET m2",
		"PFMERGE m3 a big", "PFDEBUG ENCODING m3", "GET m3", "PFCOUNT m3",
		"PFMERGE a big", "PFDEBUG ENCODING a", "GET a", "PFMERGE big b", "GET big",
		pfaddCmd("s1", "p", 0, 1200), pfaddCmd("s2", "q", 0, 1200), "PFDEBUG ENCODING s1",
		"PFMERGE s3 s1 s2", "PFDEBUG ENCODING s3", "GET s3", "PFCOUNT s3", "PFCOUNT s1 s2",
		"PFMERGE s4 s1", "GET s4", "GET s1")},
	{"wrong types", hllScript(
		"SET s foo", "PFADD s x", "PFCOUNT s", "PFCOUNT s nokey", "PFCOUNT nokey s", "PFMERGE s",
		"PFMERGE d s", "EXISTS d", "PFMERGE s nokey", "PFDEBUG GETREG s", "GET s",
		"LPUSH l x", "PFADD l x", "PFCOUNT l", "PFCOUNT l l", "PFMERGE l", "PFMERGE d l", "PFDEBUG GETREG l",
		"SET short HYLL", "PFADD short x", "PFCOUNT short",
		"SET n 12345678901234567", "PFADD n x",
		[]string{"SET", "enc2", "HYLL\x02" + hllHeader(1)[5:] + "\x7f\xff"}, "PFADD enc2 x", "PFCOUNT enc2",
		[]string{"SET", "dshort", denseHLL(0)[:12303]}, "PFADD dshort x", "PFCOUNT dshort x",
		[]string{"SET", "dlong", denseHLL(0) + "\x00"}, "PFMERGE x dlong", "PFDEBUG ENCODING dlong")},
	{"arity", script(
		"PFADD", "PFCOUNT", "PFMERGE", "PFDEBUG", "PFDEBUG GETREG", "PFDEBUG GETREG a b", "PFSELFTEST x")},
	{"corrupt sparse", hllScript(
		// 16385 registers: a valid sparse value with an extra XZERO.
		[]string{"SET", "c1", hllHeader(1) + "\x7f\xff\x40\x00"},
		"PFCOUNT c1", "PFCOUNT c1 nokey", "PFMERGE d c1", "EXISTS d", "PFDEBUG GETREG c1",
		"PFDEBUG TODENSE c1", "PFDEBUG DECODE c1", "PFDEBUG ENCODING c1", "PFADD c1 a", "GET c1",
		// Runs past the last register.
		[]string{"SET", "c2", hllHeader(1) + "\x7f\xff\x80"}, "PFCOUNT c2", "PFCOUNT c2 c2", "PFMERGE c2",
		[]string{"SET", "c3", hllHeader(1) + "\x7f\xfe\x81"}, "PFCOUNT c3", "PFDEBUG TODENSE c3",
		[]string{"SET", "c4", hllHeader(1) + "\x7f\xff\x00"}, "PFCOUNT c4 nokey",
		// No registers at all, and too few.
		[]string{"SET", "c5", hllHeader(1)}, "PFADD c5 a", "PFCOUNT c5", "PFDEBUG DECODE c5", "GET c5",
		// Registers 0..16128 only: the first element lands and changes the
		// value, the second does not fit and fails the command.
		[]string{"SET", "c6", hllHeader(1) + "\x7f\x00"}, "PFADD c6 a x b", "GET c6", "PFDEBUG DECODE c6",
		"PFADD c6 a", "PFADD c6 x", "GET c6",
		// An XZERO cut short by the end of the value reads (and then
		// writes) the byte past the end, as in Redis.
		[]string{"SET", "c7", hllHeader(1) + "\x10\x7f"}, "PFDEBUG DECODE c7", "PFADD c7 a", "GET c7",
		"PFDEBUG DECODE c7", "PFADD c7 b", "GET c7", "PFDEBUG DECODE c7", "PFADD c7 hello", "GET c7",
		"PFDEBUG DECODE c7", "PFCOUNT c7", "COPY c7 c8", "PFDEBUG DECODE c8")},
	{"cached cardinality", hllScript(
		// A valid cache is trusted; an all-63 dense value makes Redis's
		// estimator divide by zero and report LLONG_MIN.
		[]string{"SET", "cached", denseHLL(0, 0x39, 0x05, 0, 0, 0, 0, 0, 0x7f)}, "PFCOUNT cached", "PFCOUNT cached nokey",
		"PFADD cached x", "PFCOUNT cached", "GETRANGE cached 0 15",
		[]string{"SET", "ones", denseHLL(0xff)}, "PFCOUNT ones", "PFCOUNT ones", "PFCOUNT ones nokey",
		"GETRANGE ones 0 15", "PFMERGE m ones", "PFCOUNT m", "PFADD ones x",
		[]string{"SET", "zero", denseHLL(0)}, "PFCOUNT zero", "GETRANGE zero 0 15",
		[]string{"SET", "half", denseHLL(0x41)}, "PFCOUNT half", "PFCOUNT half nokey")},
	{"encodings", hllScript(
		[]string{"SET", "k", hllHeader(1, 0, 0, 0, 0, 0, 0, 0, 0) + "\x7f\xff"}, "OBJECT ENCODING k", "PFCOUNT k",
		"OBJECT ENCODING k", []string{"SET", "k2", hllHeader(1) + "\x7f\xff"}, "OBJECT ENCODING k2", "PFADD k2",
		"OBJECT ENCODING k2", "PFADD new a", "OBJECT ENCODING new", "PFMERGE m", "OBJECT ENCODING m")},
	{"pfdebug", hllScript(
		"PFADD h a b c", "PFDEBUG ENCODING h", "PFDEBUG DECODE h", "PFDEBUG GETREG h", "PFDEBUG ENCODING h",
		"GET h", "PFDEBUG DECODE h", "PFDEBUG TODENSE h", "PFADD h2 x", "PFDEBUG TODENSE h2", "GET h2",
		"PFCOUNT h2", "PFDEBUG FOO h", "PFDEBUG foo nokey", "pfdebug Encoding h", "PFDEBUG 'a\r\nb' h",
		"PFADD h3", "PFDEBUG DECODE h3", pfaddCmd("h4", "e", 0, 60), "PFDEBUG DECODE h4")},
	{"watch", script(
		"PFADD h a b c", "WATCH h", "PFCOUNT h", "MULTI", "PING", "EXEC",
		"WATCH h", "PFCOUNT h", "MULTI", "PING", "EXEC",
		"WATCH h", "PFCOUNT h h", "PFADD h a", "MULTI", "PING", "EXEC",
		"PFADD h2 x", "WATCH h2", "PFDEBUG TODENSE h2", "MULTI", "PING", "EXEC",
		"WATCH h", "PFMERGE h", "MULTI", "PING", "EXEC")},
}

// TestHLLRepliesMatchRedis compares every HyperLogLog command, its errors
// and the exact bytes of the values it writes with real Redis.
func TestHLLRepliesMatchRedis(t *testing.T) {
	runCompat(t, hllCompatCases)
}

// TestHLLBytesMatchRedisForRandomElements adds the same random elements
// (binary, empty, long) to real Redis and Quordis, in batches of random
// sizes, with merges in between, and requires the same stored bytes and
// counts throughout, through the sparse encoding and into the dense one.
func TestHLLBytesMatchRedisForRandomElements(t *testing.T) {
	real := StartRealRedis(t)
	ours := StartServer(t)
	a, b := real.Dial(t), ours.Dial(t)
	do := func(args ...string) string {
		t.Helper()
		want := a.Do(args...)
		require.Equal(t, want, b.Do(args...), "reply to %.80q", strings.Join(args, " "))
		return want
	}
	rng := rand.New(rand.NewPCG(11, 12))
	elem := func() string {
		n := rng.IntN(24)
		if rng.IntN(20) == 0 {
			n = rng.IntN(300)
		}
		e := make([]byte, n)
		for i := range e {
			e[i] = byte(rng.UintN(256))
		}
		return string(e)
	}
	keys := []string{"k0", "k1", "k2", "k3"}
	for round := range 200 {
		key := keys[rng.IntN(len(keys))]
		cmd := []string{"PFADD", key}
		for range rng.IntN(1 + round*2) {
			cmd = append(cmd, elem())
		}
		do(cmd...)
		do("GET", key)
		if round%5 == 0 {
			do("PFCOUNT", key)
			do("PFCOUNT", keys[0], keys[1], keys[2], keys[3])
		}
		if round%17 == 0 {
			dst := "m" + strconv.Itoa(round%3)
			do("PFMERGE", dst, keys[rng.IntN(len(keys))], keys[rng.IntN(len(keys))])
			do("GET", dst)
			do("PFCOUNT", dst)
		}
	}
	for _, k := range keys {
		require.Equal(t, "+dense\r\n", do("PFDEBUG", "ENCODING", k))
	}
}

// TestHLLMillionElementsThroughGoRedis adds a million distinct elements in
// pipelined batches and checks the estimate, the switch from sparse to
// dense, and that merges and unions count the same elements once.
func TestHLLMillionElementsThroughGoRedis(t *testing.T) {
	srv := StartServer(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	const total, perCmd, perPipe = 1_000_000, 1000, 50
	encoding := func(key string) string {
		return rdb.Do(ctx, "PFDEBUG", "ENCODING", key).Val().(string)
	}
	add := func(key string, from, to int) {
		for start := from; start < to; start += perCmd * perPipe {
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for c := start; c < min(start+perCmd*perPipe, to); c += perCmd {
					elems := make([]any, 0, perCmd)
					for i := c; i < min(c+perCmd, to); i++ {
						elems = append(elems, "element:"+strconv.Itoa(i))
					}
					p.PFAdd(ctx, key, elems...)
				}
				return nil
			})
			require.NoError(t, err)
		}
	}
	within := func(want int, got int64) {
		t.Helper()
		require.InDelta(t, float64(want), float64(got), float64(want)*0.0081*3, "count %d for %d", got, want)
	}

	add("hll", 0, 1000)
	require.Equal(t, "sparse", encoding("hll"))
	within(1000, rdb.PFCount(ctx, "hll").Val())
	add("hll", 1000, 5000)
	require.Equal(t, "dense", encoding("hll"))
	require.Equal(t, int64(12304), rdb.StrLen(ctx, "hll").Val())
	add("hll", 5000, total)
	within(total, rdb.PFCount(ctx, "hll").Val())
	require.Equal(t, int64(12304), rdb.StrLen(ctx, "hll").Val())

	// Adding known elements changes nothing.
	n, err := rdb.PFAdd(ctx, "hll", "element:0", "element:999999").Result()
	require.NoError(t, err)
	require.Zero(t, n)

	// A second, overlapping half million: the union counts 1.5M.
	add("other", total/2, total+total/2)
	within(total+total/2, rdb.PFCount(ctx, "hll", "other").Val())
	require.NoError(t, rdb.PFMerge(ctx, "merged", "hll", "other").Err())
	within(total+total/2, rdb.PFCount(ctx, "merged").Val())
	require.Equal(t, "dense", encoding("merged"))

	// The value is a string that survives GET/SET unchanged.
	raw, err := rdb.Get(ctx, "merged").Bytes()
	require.NoError(t, err)
	require.NoError(t, rdb.Set(ctx, "copy", raw, 0).Err())
	require.Equal(t, rdb.PFCount(ctx, "merged").Val(), rdb.PFCount(ctx, "copy").Val())
	require.Equal(t, "string", rdb.Type(ctx, "copy").Val())

	err = rdb.PFAdd(ctx, "copy2", "x").Err()
	require.NoError(t, err)
	require.NoError(t, rdb.Append(ctx, "copy2", "junk").Err())
	require.EqualError(t, rdb.PFCount(ctx, "copy2").Err(), "INVALIDOBJ Corrupted HLL object detected")
	require.NoError(t, rdb.Set(ctx, "str", "foo", 0).Err())
	require.EqualError(t, rdb.PFAdd(ctx, "str", "x").Err(), "WRONGTYPE Key is not a valid HyperLogLog string value.")
}

// TestHLLSelfTest runs PFSELFTEST, which checks the register packing and
// the estimator's error over ten million elements.
func TestHLLSelfTest(t *testing.T) {
	if testing.Short() {
		t.Skip("ten million additions")
	}
	srv := StartServer(t)
	rdb := srv.ClientWith(t, &redis.Options{ReadTimeout: time.Minute, MaxRetries: -1})
	res, err := rdb.Do(context.Background(), "PFSELFTEST").Result()
	require.NoError(t, err)
	require.Equal(t, "OK", res)
}

// TestHLLWritesPropagateLikeRedis checks what reaches the AOF and replicas:
// PFADD only when a register changed, PFCOUNT when it stored the cached
// cardinality (Redis 7.0 propagates it), PFDEBUG when it changed the
// encoding, and every PFMERGE.
func TestHLLWritesPropagateLikeRedis(t *testing.T) {
	rec := &recorder{}
	srv := StartServerWith(t, server.Options{Propagator: rec})
	rdb := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	ctx := context.Background()
	rec.take()
	do := func(args ...any) { rdb.Do(ctx, args...) }

	do("PFADD", "h", "a", "b")
	do("PFADD", "h", "a")
	do("PFCOUNT", "h")
	do("PFCOUNT", "h")
	do("PFCOUNT", "h", "nokey")
	do("PFMERGE", "m", "h")
	do("PFDEBUG", "ENCODING", "h")
	do("PFDEBUG", "GETREG", "h")
	do("PFDEBUG", "GETREG", "h")
	do("PFDEBUG", "TODENSE", "h")
	do("PFADD", "h2", "x")
	do("PFDEBUG", "TODENSE", "h2")
	do("PFADD", "h2")
	do("PFADD", "new")
	require.Equal(t, []string{
		"0 PFADD h a b",
		"0 PFCOUNT h",
		"0 PFMERGE m h",
		"0 PFDEBUG GETREG h",
		"0 PFADD h2 x",
		"0 PFDEBUG TODENSE h2",
		"0 PFADD new",
	}, rec.take())

	// INFO's change counter follows Redis: one per changed register.
	before := hllChangesSinceSave(t, rdb)
	do("PFADD", "h3", "a", "b", "c")
	require.Equal(t, before+4, hllChangesSinceSave(t, rdb))
}

// hllChangesSinceSave reads rdb_changes_since_last_save from INFO.
func hllChangesSinceSave(t *testing.T, rdb *redis.Client) int {
	t.Helper()
	info := rdb.Info(context.Background(), "persistence").Val()
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "rdb_changes_since_last_save:"); ok {
			n, err := strconv.Atoi(v)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatal("no rdb_changes_since_last_save in INFO")
	return 0
}

// TestHLLEstimateStaysWithinError checks the estimate at many sizes for
// elements that are not sequential strings.
func TestHLLEstimateStaysWithinError(t *testing.T) {
	srv := StartServer(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(13, 14))
	added := 0
	for _, target := range []int{10, 100, 1000, 3000, 10000, 50000} {
		var elems []any
		for ; added < target; added++ {
			elems = append(elems, fmt.Sprintf("%x-%d", rng.Uint64(), added))
		}
		require.NoError(t, rdb.PFAdd(ctx, "r", elems...).Err())
		got := float64(rdb.PFCount(ctx, "r").Val())
		require.InDelta(t, float64(target), got, math.Max(2, float64(target)*0.0081*4), "at %d", target)
	}
}
