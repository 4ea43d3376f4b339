package aof

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"quordis/store"
)

// Decoding values. Every aggregate is rebuilt through the same store
// functions the commands use, under the thresholds in.lim, so it ends in
// the encoding Redis gives it on loading: lists are quicklists; a small
// hash is a listpack; a set of few integers an intset; a small sorted set
// a listpack. Duplicate members, NaN scores, empty aggregates and nested
// blobs that fail their integrity check are corrupt data.

// value decodes a value of type typ.
func (in *input) value(typ byte) (store.Object, error) {
	switch typ {
	case typeString:
		b, err := in.ownedString()
		if err != nil {
			return store.Object{}, err
		}
		if len(b) > store.MaxString {
			return store.Object{}, errors.New("string value longer than 4 GiB")
		}
		return store.NewString(b), nil
	case typeList:
		return in.linkedList()
	case typeSet:
		return in.set()
	case typeZSet, typeZSet2:
		return in.zset(typ == typeZSet2)
	case typeHash:
		return in.hash()
	case typeHashZipmap:
		return in.hashZipmap()
	case typeListZiplist:
		return in.listFromBlobs(1, false)
	case typeSetIntset:
		return in.setIntset()
	case typeZSetZiplist, typeZSetListpack:
		return in.zsetPacked(typ == typeZSetListpack)
	case typeHashZiplist, typeHashListpack:
		return in.hashPacked(typ == typeHashListpack)
	case typeListQuicklist, typeListQuicklist2:
		n, err := in.plainLength()
		if err != nil {
			return store.Object{}, err
		}
		nodes, err := in.count(n, 2, "quicklist node")
		if err != nil {
			return store.Object{}, err
		}
		return in.listFromBlobs(nodes, typ == typeListQuicklist2)
	case typeStreamListpacks, typeStream2:
		return store.Object{}, in.corrupt("streams are not supported")
	case typeModule2, typeModulePreGA:
		return store.Object{}, in.moduleValue(typ)
	}
	return store.Object{}, in.corrupt("unknown value type %d", typ)
}

// empty is the error of an aggregate without elements.
func (in *input) empty(what string) error {
	return &CorruptError{Offset: in.off, Msg: "empty " + what, Empty: true}
}

// blobError reports a nested blob that failed its check.
func (in *input) blobError(what string, err error) error {
	var ce *CorruptError
	if errors.As(err, &ce) {
		return err
	}
	return in.corrupt("%s: %v", what, err)
}

// linkedList reads a list of strings (RDB_TYPE_LIST).
func (in *input) linkedList() (store.Object, error) {
	n, err := in.plainLength()
	if err != nil {
		return store.Object{}, err
	}
	count, err := in.count(n, 1, "list element")
	if err != nil {
		return store.Object{}, err
	}
	if count == 0 {
		return store.Object{}, in.empty("list")
	}
	l := store.NewList(in.lim.List)
	for range count {
		s, err := in.string()
		if err != nil {
			return store.Object{}, err
		}
		l.PushBack(s)
	}
	return store.ListObject(l), nil
}

// listFromBlobs reads nodes quicklist nodes (or one ziplist): ziplists, or
// with v2 a container kind and a listpack or a plain element. Empty nodes
// are skipped, as Redis does.
func (in *input) listFromBlobs(nodes int, v2 bool) (store.Object, error) {
	l := store.NewList(in.lim.List)
	push := func(e lpEntry) error {
		if e.isInt {
			in.keep = strconv.AppendInt(in.keep[:0], e.num, 10)
			l.PushBack(in.keep)
		} else {
			l.PushBack(e.str)
		}
		return nil
	}
	for range nodes {
		container := uint64(quicklistPacked)
		if v2 {
			var err error
			if container, err = in.plainLength(); err != nil {
				return store.Object{}, err
			}
			if container != quicklistPlain && container != quicklistPacked {
				return store.Object{}, in.corrupt("quicklist node of unknown container %d", container)
			}
		}
		blob, err := in.string()
		if err != nil {
			return store.Object{}, err
		}
		switch {
		case container == quicklistPlain:
			l.PushBack(blob)
		case v2:
			if _, err := walkListpack(blob, push); err != nil {
				return store.Object{}, in.blobError("quicklist node", err)
			}
		default:
			if _, err := walkZiplist(blob, push); err != nil {
				return store.Object{}, in.blobError("ziplist", err)
			}
		}
	}
	if l.Len() == 0 {
		return store.Object{}, in.empty("list")
	}
	return store.ListObject(l), nil
}

// set reads a set of strings (RDB_TYPE_SET).
func (in *input) set() (store.Object, error) {
	n, err := in.plainLength()
	if err != nil {
		return store.Object{}, err
	}
	count, err := in.count(n, 1, "set member")
	if err != nil {
		return store.Object{}, err
	}
	if count == 0 {
		return store.Object{}, in.empty("set")
	}
	s := store.NewSet()
	for range count {
		m, err := in.string()
		if err != nil {
			return store.Object{}, err
		}
		if !s.AddBytes(m, in.lim.Set) {
			return store.Object{}, in.corrupt("duplicate set member")
		}
	}
	return store.SetObject(s), nil
}

// setIntset reads a set encoded as an intset.
func (in *input) setIntset() (store.Object, error) {
	blob, err := in.string()
	if err != nil {
		return store.Object{}, err
	}
	s := store.NewSet()
	n, err := walkIntset(blob, func(v int64) error {
		s.Add(strconv.FormatInt(v, 10), in.lim.Set)
		return nil
	})
	if err != nil {
		return store.Object{}, in.blobError("intset", err)
	}
	if n == 0 {
		return store.Object{}, in.empty("set")
	}
	return store.SetObject(s), nil
}

// zset reads a sorted set of members and scores, as text (RDB_TYPE_ZSET)
// or binary doubles (ZSET_2). As Redis, it builds the skiplist and turns
// it into a listpack at the end if the set is small enough.
func (in *input) zset(binaryScores bool) (store.Object, error) {
	n, err := in.plainLength()
	if err != nil {
		return store.Object{}, err
	}
	count, err := in.count(n, 2, "sorted set member")
	if err != nil {
		return store.Object{}, err
	}
	if count == 0 {
		return store.Object{}, in.empty("sorted set")
	}
	lim := in.lim.ZSet
	zs := store.NewBigZSet()
	for range count {
		m, err := in.string()
		if err != nil {
			return store.Object{}, err
		}
		in.keep = append(in.keep[:0], m...)
		var score float64
		if binaryScores {
			p, err := in.take(8)
			if err != nil {
				return store.Object{}, err
			}
			score = math.Float64frombits(binary.LittleEndian.Uint64(p))
		} else if score, err = in.textScore(); err != nil {
			return store.Object{}, err
		}
		if math.IsNaN(score) {
			return store.Object{}, in.corrupt("sorted set member with a NaN score")
		}
		if !zs.Add(view(in.keep), score, lim) {
			return store.Object{}, in.corrupt("duplicate sorted set member")
		}
	}
	zs.Compact(lim)
	return store.ZSetObject(zs), nil
}

// textScore reads a score written as text: a length byte (253 NaN, 254
// +inf, 255 -inf) and the digits.
func (in *input) textScore() (float64, error) {
	b, err := in.byte()
	if err != nil {
		return 0, err
	}
	switch b {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	p, err := in.take(int(b))
	if err != nil {
		return 0, err
	}
	f, ok := parseScore(p)
	if !ok {
		return 0, in.corrupt("score %q is not a number", p)
	}
	return f, nil
}

// parseScore parses a score as strtod would the text Redis writes
// (%.17g, "inf", "-inf", "nan").
func parseScore(p []byte) (float64, bool) {
	s := strings.ToLower(string(p))
	switch s {
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), true
	case "-inf", "-infinity":
		return math.Inf(-1), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return f, true // overflow to ±inf or underflow to 0, as strtod
		}
		return 0, false
	}
	return f, true
}

// zsetPacked reads a sorted set encoded as a ziplist or listpack of
// alternating members and scores. As Redis, it keeps a listpack up to
// zset-max-listpack-entries members, whatever their length.
func (in *input) zsetPacked(listpack bool) (store.Object, error) {
	blob, err := in.string()
	if err != nil {
		return store.Object{}, err
	}
	keepLim := store.ZSetLimits{MaxEntries: in.lim.ZSet.MaxEntries, MaxValue: math.MaxInt}
	var zs *store.ZSet
	var dup, nan bool
	n, err := in.walkPairs(blob, listpack, func(member []byte, e lpEntry) error {
		score := float64(e.num)
		if !e.isInt {
			f, ok := parseScore(e.str)
			if !ok {
				return errors.New("score is not a number")
			}
			score = f
		}
		if math.IsNaN(score) {
			nan = true
			return errors.New("NaN score")
		}
		if zs == nil {
			zs = store.NewZSet(keepLim, len(member))
		}
		if !zs.Add(view(member), score, keepLim) {
			dup = true
			return errors.New("duplicate member")
		}
		return nil
	})
	switch {
	case dup:
		return store.Object{}, in.corrupt("duplicate sorted set member")
	case nan:
		return store.Object{}, in.corrupt("sorted set member with a NaN score")
	case err != nil:
		return store.Object{}, in.blobError("sorted set", err)
	case n%2 != 0:
		return store.Object{}, in.corrupt("sorted set of an odd number of entries")
	case n == 0:
		return store.Object{}, in.empty("sorted set")
	}
	return store.ZSetObject(zs), nil
}

// walkPairs walks a ziplist or listpack blob of alternating entries (member
// and score, field and value), calling pair with each first entry, copied
// into in.keep so that it outlives the walk's step, and the entry after it.
// It returns the number of entries walked.
func (in *input) walkPairs(blob []byte, listpack bool, pair func(first []byte, second lpEntry) error) (int, error) {
	var first []byte
	odd := false
	fn := func(e lpEntry) error {
		if !odd {
			first = e.appendTo(in.keep[:0])
			in.keep = first
			odd = true
			return nil
		}
		odd = false
		return pair(first, e)
	}
	if listpack {
		return walkListpack(blob, fn)
	}
	return walkZiplist(blob, fn)
}

// hash reads a hash of fields and values (RDB_TYPE_HASH).
func (in *input) hash() (store.Object, error) {
	n, err := in.plainLength()
	if err != nil {
		return store.Object{}, err
	}
	count, err := in.count(n, 2, "hash field")
	if err != nil {
		return store.Object{}, err
	}
	if count == 0 {
		return store.Object{}, in.empty("hash")
	}
	h := store.NewHash()
	for range count {
		f, err := in.string()
		if err != nil {
			return store.Object{}, err
		}
		in.keep = append(in.keep[:0], f...)
		v, err := in.string()
		if err != nil {
			return store.Object{}, err
		}
		if !h.Set(in.keep, v, in.lim.Hash) {
			return store.Object{}, in.corrupt("duplicate hash field")
		}
	}
	return store.HashObject(h), nil
}

// hashPacked reads a hash encoded as a ziplist or listpack of alternating
// fields and values. As Redis, it keeps a listpack up to
// hash-max-listpack-entries fields, whatever their length.
func (in *input) hashPacked(listpack bool) (store.Object, error) {
	blob, err := in.string()
	if err != nil {
		return store.Object{}, err
	}
	keepLim := store.HashLimits{MaxEntries: in.lim.Hash.MaxEntries, MaxValue: math.MaxInt}
	h := store.NewHash()
	dup := false
	n, err := in.walkPairs(blob, listpack, func(field []byte, e lpEntry) error {
		var num [20]byte
		v := e.str
		if e.isInt {
			v = strconv.AppendInt(num[:0], e.num, 10)
		}
		if !h.Set(field, v, keepLim) {
			dup = true
			return errors.New("duplicate field")
		}
		return nil
	})
	switch {
	case dup:
		return store.Object{}, in.corrupt("duplicate hash field")
	case err != nil:
		return store.Object{}, in.blobError("hash", err)
	case n%2 != 0:
		return store.Object{}, in.corrupt("hash of an odd number of entries")
	case n == 0:
		return store.Object{}, in.empty("hash")
	}
	return store.HashObject(h), nil
}

// hashZipmap reads a hash encoded as a zipmap.
func (in *input) hashZipmap() (store.Object, error) {
	blob, err := in.string()
	if err != nil {
		return store.Object{}, err
	}
	h := store.NewHash()
	dup := false
	n, err := walkZipmap(blob, func(f, v []byte) error {
		if !h.Set(f, v, in.lim.Hash) {
			dup = true
			return errors.New("duplicate field")
		}
		return nil
	})
	switch {
	case dup:
		return store.Object{}, in.corrupt("duplicate hash field")
	case err != nil:
		return store.Object{}, in.blobError("zipmap", err)
	case n == 0:
		return store.Object{}, in.empty("hash")
	}
	return store.HashObject(h), nil
}

// moduleValue reports module data, which needs the module that wrote it.
func (in *input) moduleValue(typ byte) error {
	if typ == typeModulePreGA {
		return in.corrupt("pre-release module format not supported")
	}
	id, err := in.plainLength()
	if err != nil {
		return err
	}
	return in.corrupt("module data of type %q: modules are not supported", moduleTypeName(id))
}

// moduleTypeName returns the nine-character name encoded in the top 54
// bits of a module type id (the low 10 bits are its encoding version).
func moduleTypeName(id uint64) string {
	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var name [9]byte
	id >>= 10
	for i := 8; i >= 0; i-- {
		name[i] = charset[id&63]
		id >>= 6
	}
	return string(name[:])
}

// view returns a string sharing b's memory, for store lookups and inserts
// that copy what they keep.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
