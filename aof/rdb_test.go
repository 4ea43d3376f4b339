package aof

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"quordis/store"
)

func TestCRC64IsRedisJones(t *testing.T) {
	// The check value of Redis's crc64.c self-test.
	require.Equal(t, uint64(0xe9c6d914c4b8d9ca), crc64Update(0, []byte("123456789")))
	// Incremental updates give the same sum.
	data := []byte(strings.Repeat("quordis", 100))
	require.Equal(t, crc64Update(0, data), crc64Update(crc64Update(0, data[:7]), data[7:]))
}

// Payloads that redis-server 7.0.15 replied to DUMP with.
var redisDumps = []struct {
	name    string
	payload string
	want    string
}{
	{"embstr", "\x00\x05hello\n\x00cr\xdfve4 \n", `string/embstr "hello"`},
	{"int", "\x00\xc0{\n\x00H\xe2S\xe1\x00zg\xb9", `string/int "123"`},
	{"zset listpack with -0 and 1.5", "\x11\x14\x14\x00\x00\x00\x04\x00\x81a\x02\x00\x01\x81b\x02\x831.5\x04\xff\n\x00\x0f\x1c\xf9+\xd7\x18\xe3\xe6",
		`zset/listpack "a"=0 "b"=1.5`},
}

func TestRestoreDecodesRedisPayloads(t *testing.T) {
	for _, tc := range redisDumps {
		t.Run(tc.name, func(t *testing.T) {
			o, err := Restore([]byte(tc.payload), store.DefaultLimits())
			require.NoError(t, err)
			require.Equal(t, tc.want, renderObject(&o))
			require.Equal(t, tc.payload, string(Dump(&o)), "Dump writes Redis's bytes")
		})
	}
}

// roundTripCases are values in every encoding the store has.
func roundTripCases() []struct {
	name string
	o    store.Object
	enc  string // expected RDB type
} {
	type tc = struct {
		name string
		o    store.Object
		enc  string
	}
	big := strings.Repeat("abcdefghij", 100)
	var random []byte
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		random = append(random, byte(r.IntN(256)))
	}
	manyInts := seqStrings("", 600)
	return []tc{
		{"empty string", strObj(""), "string"},
		{"small int", strObj("7"), "string"},
		{"negative int16", strObj("-30000"), "string"},
		{"int32", strObj("2147483647"), "string"},
		{"int beyond 32 bits", strObj("12345678901"), "string"},
		{"int64", strObj("-9223372036854775808"), "string"},
		{"non-canonical int", strObj("007"), "string"},
		{"embstr", strObj("hello world"), "string"},
		{"21 bytes incompressible", strObj("abcdefghijklmnopqrstu"), "string"},
		{"compressible", strObj(big), "string"},
		{"random bytes", store.NewString(random), "string"},
		{"list small", listObj("a", "1", "-5", "", big), "list"},
		{"list many nodes", listObj(seqStrings("element-number-", 5000)...), "list"},
		{"list of ints", listObj(seqStrings("", 3000)...), "list"},
		{"set intset", setObj("1", "-2", "30000", "-70000", "5000000000"), "set"},
		{"set intset max", setObj(manyInts[:512]...), "set"},
		{"set hashtable", setObj("a", "b", "1"), "set"},
		{"set many ints", setObj(manyInts...), "set"},
		{"hash listpack", hashObj("f", "v", "n", "12", "e", ""), "hash"},
		{"hash long value", hashObj("f", big), "hash"},
		{"hash hashtable", hashObj(interleave(seqStrings("field", 1000), func(i int) string { return strconv.Itoa(i * 7) })...), "hash"},
		{"zset listpack", zsetObj("a", "1", "b", "2.5", "c", "-inf", "d", "inf", "e", "1e300", "f", "-0.000001", "g", "4503599627370496"), "zset"},
		{"zset skiplist", zsetObj(interleave(seqStrings("m", 500), func(i int) string { return strconv.FormatFloat(float64(i)/3, 'g', -1, 64) })...), "zset"},
		{"zset long member", zsetObj(big, "1"), "zset"},
	}
}

func TestDumpRestoreRoundTrip(t *testing.T) {
	for _, tc := range roundTripCases() {
		t.Run(tc.name, func(t *testing.T) {
			p := Dump(&tc.o)
			require.Equal(t, byte(RDBVersion), p[len(p)-10])
			o, err := Restore(p, store.DefaultLimits())
			require.NoError(t, err)
			require.Equal(t, renderObject(&tc.o), renderObject(&o))
			require.Equal(t, p, Dump(&o), "a restored value dumps to the same bytes")

			var buf bytes.Buffer
			require.NoError(t, EncodeValue(&buf, &tc.o))
			require.Equal(t, p[:len(p)-10], buf.Bytes())
			o2, err := DecodeValue(bytes.NewReader(buf.Bytes()[1:]), buf.Bytes()[0], store.DefaultLimits())
			require.NoError(t, err)
			require.Equal(t, renderObject(&tc.o), renderObject(&o2))
		})
	}
}

// TestRestoreFollowsTheLimits checks that values are rebuilt under the
// thresholds passed in, as Redis 7.0 loads them under its configuration
// (measured with redis-server 7.0.15: RESTORE after CONFIG SET): a packed
// hash or sorted set converts only when it has too many entries, whatever
// their length; the general forms become compact when they fit.
func TestRestoreFollowsTheLimits(t *testing.T) {
	low := store.DefaultLimits()
	low.Hash = store.HashLimits{MaxEntries: 2, MaxValue: 5}
	low.Set = store.SetLimits{MaxIntsetEntries: 2}
	low.ZSet = store.ZSetLimits{MaxEntries: 2, MaxValue: 5}
	encoding := func(o *store.Object) string {
		return o.Data().(interface{ Encoding() string }).Encoding()
	}
	big := func(o store.Object) store.Object {
		p := Dump(&o)
		r, err := Restore(p, store.Limits{})
		require.NoError(t, err)
		require.Contains(t, []string{"hashtable", "skiplist"}, encoding(&r))
		return r
	}
	tests := []struct {
		name string
		o    store.Object
		lim  store.Limits
		want string
	}{
		{"hash listpack past the count", hashObj("a", "1", "b", "2", "c", "3"), low, "hashtable"},
		{"hash listpack with a long value", hashObj("a", "0123456789"), low, "listpack"},
		{"hash table past the length", big(hashObj("a", "0123456789")), low, "hashtable"},
		{"hash table that fits", big(hashObj("a", "1")), store.DefaultLimits(), "listpack"},
		{"intset past the count", setObj("1", "2", "3"), low, "hashtable"},
		{"set of integers that fits", big(setObj("1")), store.DefaultLimits(), "intset"},
		{"zset listpack past the count", zsetObj("a", "1", "b", "2", "c", "3"), low, "skiplist"},
		{"zset listpack with a long member", zsetObj("0123456789", "1"), low, "listpack"},
		{"zset skiplist past the length", big(zsetObj("0123456789", "1")), low, "skiplist"},
		{"zset skiplist that fits", big(zsetObj("a", "1")), store.DefaultLimits(), "listpack"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := Restore(Dump(&tc.o), tc.lim)
			require.NoError(t, err)
			require.Equal(t, tc.want, encoding(&o))
		})
	}
}

func TestRestoreDecodesLegacyEncodings(t *testing.T) {
	for _, tc := range legacyPayloads() {
		t.Run(tc.name, func(t *testing.T) {
			o, err := Restore(tc.payload, store.DefaultLimits())
			require.NoError(t, err)
			require.Equal(t, renderObject(&tc.want), renderObject(&o))
		})
	}
}

func TestStringEncodingsAreRedis(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
	}{
		{"0", []byte{0xc0, 0}},
		{"-128", []byte{0xc0, 0x80}},
		{"128", []byte{0xc1, 0x80, 0}},
		{"-32769", []byte{0xc2, 0xff, 0x7f, 0xff, 0xff}},
		{"2147483648", append([]byte{10}, "2147483648"...)},
		{"-0", append([]byte{2}, "-0"...)},
		{"01", append([]byte{2}, "01"...)},
		// What Redis 7.0.15 writes for SET a <64 a's>.
		{strings.Repeat("a", 64), []byte{0xc3, 0x09, 0x40, 0x40, 0x01, 'a', 'a', 0xe0, 0x33, 0x00, 0x01, 'a', 'a'}},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, rdbStr([]byte(tc.in)), "%q", tc.in)
	}
	// Lengths.
	require.Equal(t, []byte{63}, rdbLen(63))
	require.Equal(t, []byte{0x40, 64}, rdbLen(64))
	require.Equal(t, []byte{0x7f, 0xff}, rdbLen(16383))
	require.Equal(t, []byte{0x80, 0, 0, 0x40, 0}, rdbLen(16384))
	require.Equal(t, []byte{0x81, 0, 0, 0, 1, 0, 0, 0, 0}, rdbLen(1<<32))
}

func TestLZFRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var c lzfCompressor
	for i := range 2000 {
		n := r.IntN(3000) + 1
		in := make([]byte, n)
		alphabet := 1 + r.IntN(255)
		for j := range in {
			if j > 8 && r.IntN(4) == 0 {
				in[j] = in[j-1-r.IntN(8)]
			} else {
				in[j] = byte(r.IntN(alphabet))
			}
		}
		room := n + n/16 + 64 // enough for incompressible data
		if i%2 == 0 {
			room = max(n-4, 1)
		}
		out := c.compress(in, room)
		if out == nil {
			require.Zero(t, i%2, "compression failed with ample room")
			continue
		}
		require.LessOrEqual(t, len(out), room)
		dec := make([]byte, n)
		require.True(t, lzfDecompress(out, dec))
		require.Equal(t, in, dec)
		// Any other length is refused.
		require.False(t, lzfDecompress(out, make([]byte, n+1)))
		if n > 1 {
			require.False(t, lzfDecompress(out, make([]byte, n-1)))
		}
	}
}

func TestLZFDecompressRefusesBadStreams(t *testing.T) {
	out := make([]byte, 10)
	for _, in := range [][]byte{
		{},                // nothing
		{5, 'a'},          // literal run past the input
		{0x20, 0},         // back reference before the start
		{0, 'a', 0xe0},    // long reference without its length
		{0, 'a', 0x20},    // reference without its offset
		{0, 'a', 0xe0, 9}, // long reference without its offset
		{9, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 0}, // past the output
	} {
		require.False(t, lzfDecompress(in, out), "%q", in)
	}
}

func TestListNodesSplitAtRedisSizes(t *testing.T) {
	// Elements of 98 to 100 bytes, split as Redis 7.0.15 splits them
	// when they are pushed to the tail one by one (its DUMP of this list
	// is byte for byte ours).
	elems := seqStrings(strings.Repeat("e", 97), 200)
	o := listObj(elems...)
	p := Dump(&o)
	in := newBytesInput(p[1:len(p)-10], store.DefaultLimits())
	nodes, err := in.plainLength()
	require.NoError(t, err)
	var counts []int
	for range nodes {
		c, err := in.plainLength()
		require.NoError(t, err)
		require.Equal(t, uint64(quicklistPacked), c)
		blob, err := in.string()
		require.NoError(t, err)
		require.LessOrEqual(t, len(blob), quicklistNodeMax)
		n, err := walkListpack(blob, func(lpEntry) error { return nil })
		require.NoError(t, err)
		counts = append(counts, n)
	}
	require.Equal(t, []int{80, 79, 41}, counts)
}

func TestRestoreRefusesBadPayloads(t *testing.T) {
	good := Dump(objPtr(strObj("hello")))
	newer := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(newer[len(newer)-10:], RDBVersion+1)
	binary.LittleEndian.PutUint64(newer[len(newer)-8:], crc64Update(0, newer[:len(newer)-8]))
	older := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(older[len(older)-10:], 6)
	binary.LittleEndian.PutUint64(older[len(older)-8:], crc64Update(0, older[:len(older)-8]))
	flipped := append([]byte(nil), good...)
	flipped[2] ^= 1

	for _, p := range [][]byte{nil, good[:9], newer, flipped, good[:len(good)-1]} {
		_, err := Restore(p, store.DefaultLimits())
		require.ErrorIs(t, err, ErrBadPayload, "%q", p)
	}
	_, err := Restore(older, store.DefaultLimits())
	require.NoError(t, err, "older versions are accepted")
	// Redis reads a value from the whole payload, footer included: ten
	// zero bytes are version 0, a matching checksum of 0, and an empty
	// string.
	o, err := Restore(make([]byte, 10), store.DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, `string/embstr ""`, renderObject(&o))

	bad := map[string][]byte{
		"unknown type":       makePayload(8, nil, 10),
		"stream":             makePayload(typeStream2, rdbLen(0), 10),
		"module":             makePayload(typeModule2, rdbLen(12345<<10), 10),
		"truncated":          makePayload(typeString, []byte{0x40, 50, 'a'}, 10),
		"empty list":         makePayload(typeList, rdbLen(0), 10),
		"empty set":          makePayload(typeSet, rdbLen(0), 10),
		"empty hash":         makePayload(typeHashListpack, rdbStr(listpackOf(nil)), 10),
		"empty intset":       makePayload(typeSetIntset, rawStr(appendIntset(nil, nil)), 10),
		"odd hash listpack":  makePayload(typeHashListpack, rdbStr(listpackOf([]string{"a", "b", "c"})), 10),
		"dup hash field":     makePayload(typeHashListpack, rdbStr(listpackOf([]string{"a", "b", "a", "c"})), 10),
		"dup set member":     makePayload(typeSet, append(rdbLen(2), append(rdbStr([]byte("a")), rdbStr([]byte("a"))...)...), 10),
		"dup zset member":    makePayload(typeZSetListpack, rdbStr(listpackOf([]string{"a", "1", "a", "2"})), 10),
		"nan score":          makePayload(typeZSetListpack, rdbStr(listpackOf([]string{"a", "nan"})), 10),
		"nan text score":     makePayload(typeZSet, append(append(rdbLen(1), rdbStr([]byte("a"))...), 253), 10),
		"bad score":          makePayload(typeZSetListpack, rdbStr(listpackOf([]string{"a", "x"})), 10),
		"unsorted intset":    makePayload(typeSetIntset, rawStr(append(appendIntset(nil, []int64{1})[:8], 2, 0, 1, 0)), 10),
		"huge length":        makePayload(typeString, []byte{0x81, 0xff, 0, 0, 0, 0, 0, 0, 0}, 10),
		"huge list count":    makePayload(typeList, []byte{0x81, 0, 0, 0, 0, 0xff, 0, 0, 0}, 10),
		"lzf bomb":           makePayload(typeString, []byte{0xc3, 1, 0x80, 0x7f, 0xff, 0xff, 0xff, 0}, 10),
		"lzf zero":           makePayload(typeString, []byte{0xc3, 1, 0, 0}, 10),
		"bad quicklist node": makePayload(typeListQuicklist2, append(rdbLen(1), rdbLen(3)...), 10),
		"bad string enc":     makePayload(typeString, []byte{0xc4}, 10),
		"bad listpack":       makePayload(typeHashListpack, rawStr([]byte{7, 0, 0, 0, 0, 0, 0xfe}), 10),
	}
	for name, p := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := Restore(p, store.DefaultLimits())
			require.ErrorIs(t, err, ErrBadData)
			var ce *CorruptError
			require.True(t, errors.As(err, &ce))
		})
	}
}

// TestDecodeSurvivesEveryTruncationAndFlip cuts and corrupts valid
// payloads at every byte: decoding must fail or succeed, never panic.
func TestDecodeSurvivesEveryTruncationAndFlip(t *testing.T) {
	var bodies [][]byte
	for _, tc := range roundTripCases() {
		p := Dump(&tc.o)
		if len(p) < 4000 {
			bodies = append(bodies, p[:len(p)-10])
		}
	}
	for _, tc := range legacyPayloads() {
		if len(tc.payload) < 4000 {
			bodies = append(bodies, tc.payload[:len(tc.payload)-10])
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, b := range bodies {
		for i := 1; i < len(b); i++ {
			_, err := DecodeValue(bytes.NewReader(b[1:i]), b[0], store.DefaultLimits())
			require.ErrorIs(t, err, ErrBadData)
			Restore(makePayload(b[0], b[1:i], 10), store.DefaultLimits()) // may read on into the footer
		}
		for range 200 {
			c := append([]byte(nil), b...)
			c[r.IntN(len(c))] ^= byte(1 << r.IntN(8))
			Restore(makePayload(c[0], c[1:], 10), store.DefaultLimits())
		}
	}
}

func objPtr(o store.Object) *store.Object { return &o }

func TestParseScoreIsStrtodForRedisText(t *testing.T) {
	for in, want := range map[string]float64{
		"1.5": 1.5, "-inf": math.Inf(-1), "inf": math.Inf(1), "1e400": math.Inf(1), "-1e400": math.Inf(-1),
		"1e-400": 0, "0.10000000000000001": 0.1, "-0": math.Copysign(0, -1),
	} {
		got, ok := parseScore([]byte(in))
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "x", "1.5x", "nan?"} {
		_, ok := parseScore([]byte(in))
		require.False(t, ok, in)
	}
}
