package server

import (
	"math"
	"math/bits"
	"strings"

	"quordis/store"
)

// lcsCommands holds LCS, a string command with a file of its own for its
// dynamic programming.
func lcsCommands() []*Command {
	return []*Command{{
		// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
		Name: "lcs", Arity: -3, Flags: FlagReadonly, ACL: ACLString, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: flagList("RO access"), Index: 1, LastKey: 1, KeyStep: 1}},
		Group:    "string", Since: "7.0.0", Summary: "Finds the longest common subsequence of two strings",
		Complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
		Handler:    lcsCommand,
	}}
}

// lcsMatch is one run of consecutive common bytes: inclusive ranges in
// each string.
type lcsMatch struct {
	aStart, aEnd, bStart, bEnd int
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
func lcsCommand(c *Ctx) Reply {
	// Redis 7.0 checks the types before the options.
	oa, ob := c.lookupRead(c.key(1)), c.lookupRead(c.key(2))
	if oa != nil && oa.Kind != store.KindString || ob != nil && ob.Kind != store.KindString {
		return Err("ERR The specified keys must contain string values")
	}
	var a, b []byte
	if oa != nil {
		a = oa.Str()
	}
	if ob != nil {
		b = ob.Str()
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Args); j++ {
		switch opt := string(c.Args[j]); {
		case strings.EqualFold(opt, "idx"):
			getIdx = true
		case strings.EqualFold(opt, "len"):
			getLen = true
		case strings.EqualFold(opt, "withmatchlen"):
			withMatchLen = true
		case strings.EqualFold(opt, "minmatchlen") && j+1 < len(c.Args):
			n, ok := parseInt(c.Args[j+1])
			if !ok {
				return replyNotInt
			}
			minMatchLen = max(n, 0)
			j++
		default:
			return replySyntax
		}
	}
	if getLen && getIdx {
		return Err("ERR If you want both the length and indexes, please just use IDX.")
	}
	if uint64(len(a)) >= math.MaxUint32-1 || uint64(len(b)) >= math.MaxUint32-1 {
		return Err("ERR String too long for LCS")
	}
	// The table of uint32 lengths must fit in proto-max-bulk-len, as in
	// Redis, so both give up on the same inputs.
	hi, cells := bits.Mul64(uint64(len(a))+1, uint64(len(b))+1)
	if hi != 0 || cells > math.MaxUint64/4 {
		return Err("ERR Insufficient memory, failed allocating transient memory for LCS")
	}
	if cells*4 > uint64(c.s.config().ProtoMaxBulkLen) {
		return Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
	}

	table := lcsTable(a, b)
	w := len(b) + 1
	total := table[len(a)*w+len(b)]
	if getLen {
		return Int(int64(total))
	}
	common, matches := lcsBacktrack(a, b, table, total)
	if !getIdx {
		return Bulk(common)
	}
	out := make([]Reply, 0, len(matches))
	for _, m := range matches {
		n := int64(m.aEnd - m.aStart + 1)
		if n < minMatchLen {
			continue
		}
		r := []Reply{
			Array(Int(int64(m.aStart)), Int(int64(m.aEnd))),
			Array(Int(int64(m.bStart)), Int(int64(m.bEnd))),
		}
		if withMatchLen {
			r = append(r, Int(n))
		}
		out = append(out, Array(r...))
	}
	return Map(BulkString("matches"), Array(out...), BulkString("len"), Int(int64(total)))
}

// lcsTable fills the dynamic programming table of the LCS lengths:
// entry i*(len(b)+1)+j is the length of the LCS of a[:i] and b[:j].
func lcsTable(a, b []byte) []uint32 {
	w := len(b) + 1
	t := make([]uint32, (len(a)+1)*w)
	for i := 1; i <= len(a); i++ {
		row, prev := t[i*w:(i+1)*w], t[(i-1)*w:i*w]
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				row[j] = prev[j-1] + 1
			} else {
				row[j] = max(prev[j], row[j-1])
			}
		}
	}
	return t
}

// lcsBacktrack walks the table from its end, as Redis does, and returns the
// common subsequence and its runs of consecutive matches, last run first.
// Ties go the way Redis's walk goes, so the runs are the ones Redis
// reports.
func lcsBacktrack(a, b []byte, t []uint32, total uint32) ([]byte, []lcsMatch) {
	w := len(b) + 1
	common := make([]byte, total)
	var matches []lcsMatch
	var cur lcsMatch
	open := false
	k := int(total)
	for i, j := len(a), len(b); i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			common[k-1] = a[i-1]
			k--
			switch {
			case !open:
				cur = lcsMatch{aStart: i - 1, aEnd: i - 1, bStart: j - 1, bEnd: j - 1}
				open = true
			case cur.aStart == i && cur.bStart == j:
				cur.aStart--
				cur.bStart--
			default:
				emit = true
			}
			if cur.aStart == 0 || cur.bStart == 0 {
				emit = true
			}
			i--
			j--
		} else {
			if t[(i-1)*w+j] > t[i*w+j-1] {
				i--
			} else {
				j--
			}
			emit = open
		}
		if emit {
			matches = append(matches, cur)
			open = false
		}
	}
	return common, matches
}
