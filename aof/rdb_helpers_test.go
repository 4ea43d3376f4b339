package aof

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"quordis/store"
)

// Builders of values through the store's own API, a rendering of values
// for comparison, and encoders of the legacy encodings Redis 7.0 no longer
// writes (ziplists, zipmaps, linked lists, text scores), to make payloads
// of older versions.

func strObj(s string) store.Object { return store.NewString([]byte(s)) }

func listObj(elems ...string) store.Object {
	l := store.NewList(store.DefaultListLimits())
	for _, e := range elems {
		l.PushBack([]byte(e))
	}
	return store.ListObject(l)
}

func setObj(members ...string) store.Object {
	s := store.NewSet()
	for _, m := range members {
		s.Add(m, store.DefaultSetLimits())
	}
	return store.SetObject(s)
}

func hashObj(kv ...string) store.Object {
	h := store.NewHash()
	for i := 0; i < len(kv); i += 2 {
		h.Set([]byte(kv[i]), []byte(kv[i+1]), store.DefaultHashLimits())
	}
	return store.HashObject(h)
}

// zsetObj builds a sorted set from alternating members and scores.
func zsetObj(ms ...string) store.Object {
	lim := store.DefaultZSetLimits()
	var z *store.ZSet
	for i := 0; i < len(ms); i += 2 {
		score, err := strconv.ParseFloat(ms[i+1], 64)
		if err != nil {
			panic(err)
		}
		if z == nil {
			z = store.NewZSet(lim, len(ms[i]))
		}
		z.Add(ms[i], score, lim)
	}
	return store.ZSetObject(z)
}

func seqStrings(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

// pairs interleaves the elements of keys with values made by val.
func interleave(keys []string, val func(i int) string) []string {
	out := make([]string, 0, 2*len(keys))
	for i, k := range keys {
		out = append(out, k, val(i))
	}
	return out
}

// render describes a value canonically: its kind, encoding and contents,
// members of unordered kinds sorted.
func renderObject(o *store.Object) string {
	var b strings.Builder
	switch o.Kind {
	case store.KindString:
		fmt.Fprintf(&b, "string/%s %q", o.StringEncoding(), o.Str())
	case store.KindList:
		l := o.AsList()
		fmt.Fprintf(&b, "list/%s", l.Encoding())
		l.Each(func(v []byte) bool {
			fmt.Fprintf(&b, " %q", v)
			return true
		})
	case store.KindSet:
		s := o.AsSet()
		var ms []string
		s.Range(func(m string) bool {
			ms = append(ms, strconv.Quote(m))
			return true
		})
		sort.Strings(ms)
		fmt.Fprintf(&b, "set/%s %s", s.Encoding(), strings.Join(ms, " "))
	case store.KindHash:
		h := o.AsHash()
		var kv []string
		h.Range(func(f, v string) bool {
			kv = append(kv, strconv.Quote(f)+"="+strconv.Quote(v))
			return true
		})
		sort.Strings(kv)
		fmt.Fprintf(&b, "hash/%s %s", h.Encoding(), strings.Join(kv, " "))
	case store.KindZSet:
		z := o.AsZSet()
		fmt.Fprintf(&b, "zset/%s", z.Encoding())
		if z.Len() > 0 {
			z.Walk(0, false, func(m string, score float64) bool {
				fmt.Fprintf(&b, " %q=%s", m, strconv.FormatFloat(score, 'g', -1, 64))
				return true
			})
		}
	default:
		fmt.Fprintf(&b, "kind %d", o.Kind)
	}
	return b.String()
}

// payload wraps a type byte and a body as a DUMP payload of version v.
func makePayload(typ byte, body []byte, v uint16) []byte {
	p := append([]byte{typ}, body...)
	p = binary.LittleEndian.AppendUint16(p, v)
	return binary.LittleEndian.AppendUint64(p, crc64Update(0, p))
}

// rdbLen encodes a length.
func rdbLen(n int) []byte {
	e := newEncoder(nil)
	e.length(uint64(n))
	return e.buf
}

// rdbStr encodes a string as Redis would (integers, LZF).
func rdbStr(s []byte) []byte {
	e := newEncoder(nil)
	e.string(s)
	return e.buf
}

// rawStr encodes a string with a plain length, never as an integer or LZF.
func rawStr(s []byte) []byte { return append(rdbLen(len(s)), s...) }

// ziplist builds a ziplist of the elements, integers encoded as integers
// the way ziplistPush chooses, with a 5-byte previous length on every
// entry when bigPrev is set (Redis may leave those after cascade updates).
func ziplist(elems []string, bigPrev bool) []byte {
	zl := make([]byte, zlHeaderSize)
	prev, last := 0, zlHeaderSize
	for _, s := range elems {
		start := len(zl)
		if prev < zlBigPrevLen && !bigPrev {
			zl = append(zl, byte(prev))
		} else {
			zl = append(zl, zlBigPrevLen)
			zl = binary.LittleEndian.AppendUint32(zl, uint32(prev))
		}
		if v, ok := canonicalInt([]byte(s)); ok {
			switch {
			case v >= 0 && v <= 12:
				zl = append(zl, zlImmMin+byte(v))
			case v >= math.MinInt8 && v <= math.MaxInt8:
				zl = append(zl, zlInt8, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				zl = append(zl, zlInt16)
				zl = binary.LittleEndian.AppendUint16(zl, uint16(v))
			case v >= -1<<23 && v < 1<<23:
				zl = append(zl, zlInt24, byte(v), byte(v>>8), byte(v>>16))
			case v >= math.MinInt32 && v <= math.MaxInt32:
				zl = append(zl, zlInt32)
				zl = binary.LittleEndian.AppendUint32(zl, uint32(v))
			default:
				zl = append(zl, zlInt64)
				zl = binary.LittleEndian.AppendUint64(zl, uint64(v))
			}
		} else {
			switch l := len(s); {
			case l < 64:
				zl = append(zl, byte(l))
			case l < 16384:
				zl = append(zl, 0x40|byte(l>>8), byte(l))
			default:
				zl = append(zl, 0x80)
				zl = binary.BigEndian.AppendUint32(zl, uint32(l))
			}
			zl = append(zl, s...)
		}
		prev, last = len(zl)-start, start
	}
	zl = append(zl, zlEnd)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(last))
	binary.LittleEndian.PutUint16(zl[8:], uint16(min(len(elems), zlUnknownLen)))
	return zl
}

// zipmap builds a zipmap of alternating fields and values, with free
// bytes after each value.
func zipmap(kv []string, free int) []byte {
	zm := []byte{byte(min(len(kv)/2, zmBigLen))}
	zmLen := func(n int) {
		if n < zmBigLen {
			zm = append(zm, byte(n))
			return
		}
		zm = append(zm, zmBigLen)
		zm = binary.LittleEndian.AppendUint32(zm, uint32(n))
	}
	for i := 0; i < len(kv); i += 2 {
		zmLen(len(kv[i]))
		zm = append(zm, kv[i]...)
		zmLen(len(kv[i+1]))
		zm = append(zm, byte(free))
		zm = append(zm, kv[i+1]...)
		zm = append(zm, make([]byte, free)...)
	}
	return append(zm, zmEnd)
}

// listpackOf builds a listpack of the elements.
func listpackOf(elems []string) []byte {
	var w lpWriter
	w.reset()
	for _, e := range elems {
		w.appendString([]byte(e))
	}
	return append([]byte(nil), w.finish()...)
}

// textScore encodes a score as RDB_TYPE_ZSET writes it.
func textScore(f float64) []byte {
	switch {
	case math.IsNaN(f):
		return []byte{253}
	case math.IsInf(f, 1):
		return []byte{254}
	case math.IsInf(f, -1):
		return []byte{255}
	}
	s := strconv.FormatFloat(f, 'g', 17, 64)
	return append([]byte{byte(len(s))}, s...)
}

// legacyPayloads are DUMP payloads in encodings Redis 7.0 loads but no
// longer writes, with the value each decodes to.
func legacyPayloads() []struct {
	name    string
	payload []byte
	want    store.Object
} {
	type tc = struct {
		name    string
		payload []byte
		want    store.Object
	}
	mixed := []string{"a", "0", "12", "13", "-1", "127", "-128", "300", "-32768", "70000", "-8388608",
		"2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808", "007", "-0",
		strings.Repeat("x", 63), strings.Repeat("y", 64), strings.Repeat("z", 300), strings.Repeat("w", 20000), ""}
	var out []tc
	add := func(name string, p []byte, want store.Object) { out = append(out, tc{name, p, want}) }

	// RDB_TYPE_LIST: a linked list of strings.
	var body []byte
	body = append(body, rdbLen(len(mixed))...)
	for _, s := range mixed {
		body = append(body, rdbStr([]byte(s))...)
	}
	add("list linked", makePayload(typeList, body, 6), listObj(mixed...))

	// RDB_TYPE_LIST_ZIPLIST, with small and large previous lengths.
	add("list ziplist", makePayload(typeListZiplist, rdbStr(ziplist(mixed, false)), 6), listObj(mixed...))
	add("list ziplist big prevlen", makePayload(typeListZiplist, rawStr(ziplist(mixed, true)), 6), listObj(mixed...))

	// RDB_TYPE_LIST_QUICKLIST: ziplist nodes, one of them empty.
	body = rdbLen(3)
	body = append(body, rdbStr(ziplist(mixed[:5], false))...)
	body = append(body, rdbStr(ziplist(nil, false))...)
	body = append(body, rdbStr(ziplist(mixed[5:], false))...)
	add("list quicklist v1", makePayload(typeListQuicklist, body, 9), listObj(mixed...))

	// RDB_TYPE_LIST_QUICKLIST_2 with a plain node between packed ones.
	body = rdbLen(3)
	body = append(body, rdbLen(quicklistPacked)...)
	body = append(body, rdbStr(listpackOf(mixed[:4]))...)
	body = append(body, rdbLen(quicklistPlain)...)
	body = append(body, rdbStr([]byte("plain node"))...)
	body = append(body, rdbLen(quicklistPacked)...)
	body = append(body, rdbStr(listpackOf(mixed[4:]))...)
	add("list quicklist plain node", makePayload(typeListQuicklist2, body, 10),
		listObj(append(append(append([]string(nil), mixed[:4]...), "plain node"), mixed[4:]...)...))

	// RDB_TYPE_SET of integers only, which loads as an intset.
	body = rdbLen(3)
	for _, s := range []string{"3", "-7", "100000"} {
		body = append(body, rdbStr([]byte(s))...)
	}
	add("set of integers", makePayload(typeSet, body, 6), setObj("3", "-7", "100000"))

	// RDB_TYPE_SET_INTSET of each width.
	for _, vals := range [][]int64{{-5, 1, 2}, {-70000, 5}, {math.MinInt64, 0, math.MaxInt64}} {
		var ms []string
		for _, v := range vals {
			ms = append(ms, strconv.FormatInt(v, 10))
		}
		add("intset "+strings.Join(ms, ","), makePayload(typeSetIntset, rdbStr(appendIntset(nil, vals)), 10), setObj(ms...))
	}
	// An intset wider than it needs to be (Redis never narrows one).
	wide := binary.LittleEndian.AppendUint32(nil, 8)
	wide = binary.LittleEndian.AppendUint32(wide, 2)
	wide = binary.LittleEndian.AppendUint64(wide, 1)
	wide = binary.LittleEndian.AppendUint64(wide, 2)
	add("intset wide", makePayload(typeSetIntset, rawStr(wide), 10), setObj("1", "2"))

	// RDB_TYPE_ZSET: scores as text, including infinities.
	zm := []string{"a", "1.5", "b", "-inf", "c", "inf", "d", "0.1", "e", "1e+100"}
	body = rdbLen(len(zm) / 2)
	for i := 0; i < len(zm); i += 2 {
		f, _ := strconv.ParseFloat(zm[i+1], 64)
		body = append(body, rdbStr([]byte(zm[i]))...)
		body = append(body, textScore(f)...)
	}
	add("zset text scores", makePayload(typeZSet, body, 6), zsetObj(zm...))

	// RDB_TYPE_ZSET_ZIPLIST: scores as integers and as text.
	// Sorted, as Redis keeps them (it does not check the order).
	zz := []string{"m3", "-3", "m1", "1", "m2", "2.5", "10", "1e300"}
	add("zset ziplist", makePayload(typeZSetZiplist, rdbStr(ziplist(zz, false)), 9), zsetObj(zz...))

	// RDB_TYPE_HASH_ZIPMAP, with free bytes and a long value.
	hz := []string{"f1", "v1", "f2", "", "n", "12", "long", strings.Repeat("v", 300)}
	add("hash zipmap", makePayload(typeHashZipmap, rdbStr(zipmap(hz, 3)), 6), hashObj(hz...))

	// RDB_TYPE_HASH_ZIPLIST.
	hzl := []string{"f1", "v1", "n", "12", "neg", "-5000", "e", ""}
	add("hash ziplist", makePayload(typeHashZiplist, rdbStr(ziplist(hzl, false)), 9), hashObj(hzl...))
	return out
}
