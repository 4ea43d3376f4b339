package server

import (
	"bytes"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"quordis/store"
)

// sortCommands are SORT and SORT_RO. Their BY and GET patterns name keys
// that only the sorted values reveal, and STORE may stand anywhere among
// the options, so both commands are movablekeys and describe those keys
// with key specs of unknown kind (a spec with neither an index nor a
// keyword).
func sortCommands() []*Command {
	patterns := KeySpec{Flags: flagList("RO access"),
		Notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"}
	dest := KeySpec{Flags: flagList("OW update"),
		Notes: "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array"}
	const complexity = "O(N+M*log(M)) where N is the number of elements to sort and M the number of elements returned; O(N) when the elements are not sorted"
	return []*Command{
		{
			Name: "sort", Arity: -2, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys,
			ACL:      ACLSet | ACLSortedSet | ACLList | ACLDangerous,
			FirstKey: 1, LastKey: 1, Step: 1, Keys: sortKeys,
			KeySpecs: []KeySpec{ks("RO access", 1), patterns, dest},
			KeyFlags: func(_ [][]byte, pos int) []string {
				if pos == 1 {
					return flagList("RO access")
				}
				return flagList("OW update")
			},
			Group: "generic", Since: "1.0.0", Summary: "Sorts the elements of a list, a set or a sorted set, returning or storing them",
			Complexity: complexity, Handler: sortCommand,
		},
		{
			Name: "sort_ro", Arity: -2, Flags: FlagReadonly | FlagMovableKeys,
			ACL:      ACLSet | ACLSortedSet | ACLList | ACLDangerous,
			FirstKey: 1, LastKey: 1, Step: 1, Keys: func([][]byte) []int { return []int{1} },
			KeySpecs: []KeySpec{ks("RO access", 1), patterns},
			Group:    "generic", Since: "7.0.0", Summary: "Sorts the elements of a list, a set or a sorted set; the read-only SORT",
			Complexity: complexity, Handler: sortROCommand,
		},
	}
}

// sortKeys finds SORT's keys as Redis's sortGetKeys does: the sorted key,
// and the destination of the last STORE. Options are skipped with their
// arguments (LIMIT two, GET and BY one), but the word after STORE is
// examined as an option again, so "STORE limit 1 2" skips "1 2".
func sortKeys(args [][]byte) []int {
	pos := []int{1}
	store := 0
	for i := 2; i < len(args); i++ {
		switch a := bytesView(args[i]); {
		case strings.EqualFold(a, "limit"):
			i += 2
		case strings.EqualFold(a, "get"), strings.EqualFold(a, "by"):
			i++
		case strings.EqualFold(a, "store") && i+1 < len(args):
			store = i + 1
		}
	}
	if store > 0 {
		pos = append(pos, store)
	}
	return pos
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]
func sortCommand(c *Ctx) Reply { return sortGeneric(c, false) }

// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]
func sortROCommand(c *Ctx) Reply { return sortGeneric(c, true) }

const msgSortScore = "ERR One or more scores can't be converted into double"

// sortRequest is a parsed SORT: the options as Redis's sortCommandGeneric
// reads them, in any order, each repeatable with the last one winning
// (GET accumulates).
type sortRequest struct {
	desc, alpha bool
	// dontsort is set by a BY pattern without '*' (BY nosort), and stays
	// set even if a later BY has a '*', as in Redis.
	dontsort   bool
	start, cnt int64 // LIMIT; cnt -1 is no limit
	by         []byte
	gets       [][]byte
	store      int // argument index of the STORE destination; 0 without
}

// In cluster mode the keys a pattern names could be on any node, so Redis
// refuses GET and a BY that sorts (one with a '*') as it reads them.
var (
	replySortByInCluster  = Err("ERR BY option of SORT denied in Cluster mode.")
	replySortGetInCluster = Err("ERR GET option of SORT denied in Cluster mode.")
)

// parseSort reads the options from argument 2 on. SORT_RO does not know
// STORE.
func parseSort(c *Ctx, readonly bool) (sortRequest, *Reply) {
	req := sortRequest{cnt: -1}
	cluster := c.s.config().ClusterEnabled
	args := c.Args
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		a := bytesView(args[j])
		switch {
		case strings.EqualFold(a, "asc"):
			req.desc = false
		case strings.EqualFold(a, "desc"):
			req.desc = true
		case strings.EqualFold(a, "alpha"):
			req.alpha = true
		case strings.EqualFold(a, "limit") && left >= 2:
			start, ok1 := parseInt(args[j+1])
			cnt, ok2 := parseInt(args[j+2])
			if !ok1 || !ok2 {
				return req, &replyNotInt
			}
			req.start, req.cnt = start, cnt
			j += 2
		case !readonly && strings.EqualFold(a, "store") && left >= 1:
			req.store = j + 1
			j++
		case strings.EqualFold(a, "by") && left >= 1:
			req.by = args[j+1]
			if bytes.IndexByte(cString(args[j+1]), '*') < 0 {
				req.dontsort = true
			} else if cluster {
				return req, &replySortByInCluster
			}
			j++
		case strings.EqualFold(a, "get") && left >= 1:
			if cluster {
				return req, &replySortGetInCluster
			}
			req.gets = append(req.gets, args[j+1])
			j++
		default:
			return req, &replySyntax
		}
	}
	return req, nil
}

// sortEntry is one element being sorted, with what it sorts by: a score,
// or for ALPHA with BY the pattern's value (hasBy false when the pattern
// found nothing).
type sortEntry struct {
	elem  string
	score float64
	by    string
	hasBy bool
}

// sortGeneric is SORT and SORT_RO, following Redis 7.0's sortCommandGeneric
// step by step, since its quirks show in replies: which elements a LIMIT
// reads without sorting, which comparison ALPHA uses with and without
// STORE, and the order of ties, which comes from the C library's stable
// qsort or, for BY with a narrowing LIMIT, from Redis's partial quicksort.
func sortGeneric(c *Ctx, readonly bool) Reply {
	req, errReply := parseSort(c, readonly)
	if errReply != nil {
		return *errReply
	}
	o := c.lookupRead(c.key(1))
	if o != nil && o.Kind != store.KindList && o.Kind != store.KindSet && o.Kind != store.KindZSet {
		return replyWrongType
	}

	// A set has no order of its own: stored without sorting it, or
	// handed to a script (whose effects may depend on the order), it
	// would differ between a master and its replicas, so Redis sorts it
	// as ALPHA does.
	if req.dontsort && o != nil && o.Kind == store.KindSet && (req.store > 0 || c.s.scriptRunning()) {
		req.dontsort, req.alpha, req.by = false, true, nil
	}
	// Redis turns a listpack sorted set into a skiplist for good before
	// reading it, even for SORT_RO; OBJECT ENCODING shows it.
	if o != nil && o.Kind == store.KindZSet {
		sortZSetToSkiplist(o)
	}

	vector, start, end := loadSortVector(o, &req)
	if !req.dontsort {
		if !c.weighSortVector(vector, &req) {
			return Err(msgSortScore)
		}
		s := sorter{desc: req.desc, alpha: req.alpha, byPattern: req.by != nil, store: req.store > 0}
		if req.by != nil && (start != 0 || end != len(vector)-1) {
			store.PartialSort(vector, s.compare, start, end)
		} else {
			mergeSort(vector, s.compare)
		}
	}

	var rows []sortEntry
	if end >= start {
		rows = vector[start : end+1]
	}
	out := c.sortOutput(rows, req.gets)
	if req.store == 0 {
		return Bulks(out)
	}
	if len(out) == 0 {
		if c.DB.Delete(c.key(req.store)) {
			c.Modified(c.Args[req.store])
			c.Notify(notifyGeneric, "del", c.Args[req.store])
		}
		return Int(0)
	}
	l := store.NewList(c.DB.Limits().List)
	for _, v := range out {
		l.PushBack(v) // a missing GET value is stored as an empty string
	}
	c.DB.Set(c.ownedKey(req.store), store.ListObject(l), c.Now)
	c.Modified(c.Args[req.store])
	c.Notify(notifyList, "sortstore", c.Args[req.store])
	return Int(int64(len(out)))
}

// loadSortVector reads the elements of o (a list, set or sorted set, or
// nil for a missing key) and returns them with the range of positions the
// reply covers, start > end when it is empty. Without sorting, a list or
// a sorted set is read only in the LIMIT's range, in its own order or,
// with DESC, reversed; positions are then relative to that range.
func loadSortVector(o *store.Object, req *sortRequest) (vector []sortEntry, start, end int) {
	n := 0
	if o != nil {
		switch d := o.Data().(type) {
		case *store.List:
			n = d.Len()
		case *store.Set:
			n = d.Len()
		case *store.ZSet:
			n = d.Len()
		}
	}
	// LIMIT as Redis 7.0 clamps it, overflow-free.
	start = int(min(max(req.start, 0), int64(n)))
	cnt := int(min(max(req.cnt, -1), int64(n)))
	end = n - 1
	if cnt >= 0 {
		end = start + cnt - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	end = min(end, n-1)
	if o == nil {
		return nil, start, end
	}

	ranged := req.dontsort && o.Kind != store.KindSet
	if ranged {
		vector = make([]sortEntry, 0, max(end-start+1, 0))
	} else {
		vector = make([]sortEntry, 0, n)
	}
	switch d := o.Data().(type) {
	case *store.List:
		if !ranged {
			d.Each(func(v []byte) bool {
				vector = append(vector, sortEntry{elem: string(v)})
				return true
			})
			break
		}
		if end >= start {
			from, count := start, end-start+1
			if req.desc {
				from = n - start - count
			}
			elems := d.Range(from, count)
			if req.desc {
				slices.Reverse(elems)
			}
			for _, v := range elems {
				vector = append(vector, sortEntry{elem: bytesView(v)})
			}
			start, end = 0, end-start
		}
	case *store.ZSet:
		if !ranged {
			d.Walk(0, false, func(m string, _ float64) bool {
				vector = append(vector, sortEntry{elem: m})
				return true
			})
			break
		}
		if count := end - start + 1; count > 0 {
			from := start
			if req.desc {
				from = n - 1 - start
			}
			d.Walk(from, req.desc, func(m string, _ float64) bool {
				vector = append(vector, sortEntry{elem: m})
				return len(vector) < count
			})
		}
		start, end = 0, end-start
	case *store.Set:
		d.Range(func(m string) bool {
			vector = append(vector, sortEntry{elem: m})
			return true
		})
		// Redis reads a hash table in its own order, which ties of
		// ALPHA BY keep; a byte order makes ours the same everywhere.
		if req.alpha && req.by != nil && d.Encoding() == "hashtable" {
			slices.SortFunc(vector, func(a, b sortEntry) int { return strings.Compare(a.elem, b.elem) })
		}
	}
	return vector, start, end
}

// weighSortVector sets what each entry sorts by: its BY value (none when
// the pattern finds nothing), or its score, read from the BY value or the
// element. It reports false when a score is not a double; like Redis, it
// still looks every BY key up.
func (c *Ctx) weighSortVector(vector []sortEntry, req *sortRequest) bool {
	ok := true
	var keyBuf []byte
	for i := range vector {
		e := &vector[i]
		byval := e.elem
		if req.by != nil {
			v, found := c.sortLookup(req.by, e.elem, &keyBuf)
			if !found {
				continue
			}
			byval = bytesView(v)
		}
		if req.alpha {
			if req.by != nil {
				e.by, e.hasBy = byval, true
			}
			continue
		}
		score, valid := sortScore(byval)
		ok = ok && valid
		e.score = score
	}
	return ok
}

// sortOutput returns the reply's strings for the sorted entries: the
// elements, or for each one the values of the GET patterns, nil where a
// pattern finds nothing. Values are copied: the reply may be encoded after
// later commands changed them (EXEC).
func (c *Ctx) sortOutput(rows []sortEntry, gets [][]byte) [][]byte {
	if len(gets) == 0 {
		out := make([][]byte, len(rows))
		for i := range rows {
			out[i] = stringBytes(rows[i].elem)
		}
		return out
	}
	out := make([][]byte, 0, len(rows)*len(gets))
	var keyBuf []byte
	for i := range rows {
		for _, pat := range gets {
			v, ok := c.sortLookup(pat, rows[i].elem, &keyBuf)
			if !ok {
				out = append(out, nil)
				continue
			}
			out = append(out, append(make([]byte, 0, len(v)), v...))
		}
	}
	return out
}

// sortZSetToSkiplist moves the sorted set in o to the skiplist encoding,
// as Redis's SORT does to every sorted set it reads.
func sortZSetToSkiplist(o *store.Object) {
	zs := o.AsZSet()
	if zs.Encoding() == "skiplist" {
		return
	}
	big := store.NewBigZSet()
	lim := store.DefaultZSetLimits()
	zs.Walk(0, false, func(m string, score float64) bool {
		big.Add(m, score, lim)
		return true
	})
	o.SetData(big)
}

// sortLookup returns what pattern refers to for elem, as Redis's
// lookupKeyByPattern: elem itself for "#"; otherwise the key made by
// putting elem in place of the pattern's first '*' must hold a string, or,
// when "->" and a field name follow the '*', a hash with that field. It
// reports false when there is no '*' or no such value. Like Redis, it reads
// the pattern as a C string up to a NUL for '#', '*' and "->", and takes
// the field name whole. buf is scratch space for the key. The value may
// share the stored string's bytes: copy it to keep it.
func (c *Ctx) sortLookup(pattern []byte, elem string, buf *[]byte) ([]byte, bool) {
	cpat := cString(pattern)
	if len(cpat) == 1 && cpat[0] == '#' {
		return stringBytes(elem), true
	}
	star := bytes.IndexByte(cpat, '*')
	if star < 0 {
		return nil, false
	}
	keyEnd, field := len(pattern), []byte(nil)
	if arrow := bytes.Index(cpat[star+1:], []byte("->")); arrow >= 0 {
		if at := star + 1 + arrow; at+2 < len(cpat) {
			keyEnd, field = at, pattern[at+2:]
		}
	}
	key := append((*buf)[:0], pattern[:star]...)
	key = append(key, elem...)
	key = append(key, pattern[star+1:keyEnd]...)
	*buf = key
	o := c.lookupRead(bytesView(key))
	if o == nil {
		return nil, false
	}
	if field == nil {
		if o.Kind != store.KindString {
			return nil, false
		}
		return o.Str(), true
	}
	if o.Kind != store.KindHash {
		return nil, false
	}
	v, ok := o.AsHash().Get(bytesView(field))
	return stringBytes(v), ok
}

// sorter compares entries as Redis's sortCompare: numbers by score, ties
// by the elements' bytes; ALPHA by the BY values (missing ones first) or
// the elements, with strcoll, which in the C locale is byte order up to
// the first NUL, or with STORE by all the bytes.
type sorter struct {
	desc, alpha, byPattern, store bool
}

func (s *sorter) compare(a, b *sortEntry) int {
	var r int
	switch {
	case !s.alpha:
		switch { // scores are never NaN
		case a.score < b.score:
			r = -1
		case a.score > b.score:
			r = 1
		default:
			r = strings.Compare(a.elem, b.elem)
		}
	case s.byPattern:
		switch {
		case !a.hasBy || !b.hasBy:
			if a.hasBy != b.hasBy {
				r = 1
				if !a.hasBy {
					r = -1
				}
			}
		case s.store:
			r = strings.Compare(a.by, b.by)
		default:
			r = collate(a.by, b.by)
		}
	case s.store:
		r = strings.Compare(a.elem, b.elem)
	default:
		r = collate(a.elem, b.elem)
	}
	if s.desc {
		return -r
	}
	return r
}

// collate compares as strcoll does in the C locale: bytes up to the first
// NUL of each string.
func collate(a, b string) int {
	if i := strings.IndexByte(a, 0); i >= 0 {
		a = a[:i]
	}
	if i := strings.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return strings.Compare(a, b)
}

// cString is b up to its first NUL, as C code reading it as a string sees
// it.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// sortScore reads s as SORT's strtod call does: the C string (up to a
// NUL) after leading white space must be a number to its end, decimal or
// hexadecimal, "inf" or "infinity"; the empty string is 0. NaN is refused,
// and so is what strtod reports as out of range (ERANGE): an overflow, or
// a non-zero number that comes out as zero or as an inexact subnormal.
func sortScore(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return 0, true
	}
	t := s
	for len(t) > 0 && (t[0] == ' ' || t[0] >= '\t' && t[0] <= '\r') {
		t = t[1:]
	}
	if t == "" || strings.IndexByte(t, '_') >= 0 {
		return 0, false
	}
	digits := t
	if digits[0] == '+' || digits[0] == '-' {
		digits = digits[1:]
	}
	hex := len(digits) > 1 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')
	if hex && !strings.ContainsAny(digits, "pP") {
		t += "p0" // strtod reads a hexadecimal number without a binary exponent too
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	if math.IsInf(f, 0) || math.Abs(f) >= 0x1p-1022 {
		return f, true
	}
	if f == 0 {
		// Zero is exact only when every digit of the mantissa is.
		mant, exp := digits, "eE"
		if hex {
			mant, exp = digits[2:], "pP"
		}
		if i := strings.IndexAny(mant, exp); i >= 0 {
			mant = mant[:i]
		}
		return f, strings.Trim(mant, "0.") == ""
	}
	exact, ok := new(big.Rat).SetString(t)
	return f, ok && exact.Cmp(new(big.Rat).SetFloat64(f)) == 0
}

// mergeSort sorts v stably, as the C library's qsort (a merge sort in
// glibc) does for SORT: elements that compare equal keep their order.
func mergeSort(v []sortEntry, compare func(a, b *sortEntry) int) {
	tmp := make([]sortEntry, len(v))
	var sortRun func(v, tmp []sortEntry)
	sortRun = func(v, tmp []sortEntry) {
		if len(v) <= 12 {
			for m := 1; m < len(v); m++ {
				for l := m; l > 0 && compare(&v[l-1], &v[l]) > 0; l-- {
					v[l], v[l-1] = v[l-1], v[l]
				}
			}
			return
		}
		half := len(v) / 2
		sortRun(v[:half], tmp[:half])
		sortRun(v[half:], tmp[half:])
		if compare(&v[half-1], &v[half]) <= 0 {
			return
		}
		copy(tmp, v)
		i, j, k := 0, half, 0
		for i < half && j < len(v) {
			if compare(&tmp[i], &tmp[j]) <= 0 {
				v[k] = tmp[i]
				i++
			} else {
				v[k] = tmp[j]
				j++
			}
			k++
		}
		k += copy(v[k:], tmp[i:half])
		copy(v[k:], tmp[j:])
	}
	sortRun(v, tmp)
}
