package server

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strings"

	"quordis/store"
)

// Error texts of the bitmap commands, byte for byte as Redis 7.0 sends them.
const (
	msgBitOffset     = "ERR bit offset is not an integer or out of range"
	msgBitValue      = "ERR bit is not an integer or out of range"
	msgBitArg        = "ERR The bit argument must be 1 or 0."
	msgBitopNot      = "ERR BITOP NOT must be called with a single source key."
	msgBitfieldType  = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	msgBitfieldOver  = "ERR Invalid OVERFLOW type specified"
	msgBitfieldRO    = "ERR BITFIELD_RO only supports the GET subcommand"
	bitfieldKeyNotes = "This command allows both access and modification of the key"
)

// bitmapCommands are the commands that treat a string as an array of bits:
// single bits, counting and searching, bitwise operations between keys and
// BITFIELD's integers of any width.
func bitmapCommands() []*Command {
	bm := func(name string, arity int, flags Flag, spec KeySpec, since, summary, complexity string, h Handler) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: ACLBitmap,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{spec},
			Group: "bitmap", Since: since, Summary: summary, Complexity: complexity, Handler: h}
	}
	w, r, d, f := FlagWrite, FlagReadonly, FlagDenyOOM, FlagFast
	cmds := []*Command{
		bm("setbit", 4, w|d, ks("RW access update", 1), "2.2.0", "Sets or clears one bit of a string", "O(1)", setbitCommand),
		bm("getbit", 3, r|f, ks("RO access", 1), "2.2.0", "Returns one bit of a string", "O(1)", getbitCommand),
		bm("bitcount", -2, r, ks("RO access", 1), "2.6.0", "Counts the set bits of a string or of a range of it", "O(N)", bitcountCommand),
		bm("bitpos", -3, r, ks("RO access", 1), "2.8.7", "Finds the first set or clear bit of a string or of a range of it", "O(N)", bitposCommand),
		bm("bitfield", -2, w|d, KeySpec{Flags: flagList("RW access update variable_flags"), Index: 1, KeyStep: 1, Notes: bitfieldKeyNotes},
			"3.2.0", "Reads, writes and increments integers of any width stored in a string", "O(1) for each subcommand specified", bitfieldCommand),
		bm("bitfield_ro", -2, r|f, ks("RO access", 1), "6.0.0", "Reads integers of any width stored in a string",
			"O(1) for each subcommand specified", bitfieldROCommand),
		{
			// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
			Name: "bitop", Arity: -4, Flags: w | d, ACL: ACLBitmap, FirstKey: 2, LastKey: -1, Step: 1,
			KeySpecs: []KeySpec{
				{Flags: flagList("OW update"), Index: 2, KeyStep: 1},
				{Flags: flagList("RO access"), Index: 3, LastKey: -1, KeyStep: 1},
			},
			Group: "bitmap", Since: "2.6.0", Summary: "Stores the bitwise AND, OR, XOR or NOT of strings", Complexity: "O(N)",
			Handler: bitopCommand,
		},
	}
	cmds[4].KeyFlags = bitfieldKeyFlags
	return cmds
}

// bitfieldKeyFlags gives BITFIELD's key the flags Redis's bitfieldGetKeys
// does: read-only when every subcommand is a complete GET or OVERFLOW,
// read-write otherwise (a malformed command is assumed to write).
func bitfieldKeyFlags(args [][]byte, _ int) []string {
	for i := 2; i < len(args); i++ {
		rest := len(args) - i - 1
		switch {
		case strings.EqualFold(string(args[i]), "get") && rest >= 2:
			i += 2
		case strings.EqualFold(string(args[i]), "overflow") && rest >= 1:
			i++
		default:
			return flagList("RW access update")
		}
	}
	return flagList("RO access")
}

// bitOffset parses a bit offset as Redis's getBitOffsetFromArgument does.
// With width > 0 (BITFIELD), "#n" means n*width; the product wraps like
// Redis's, so a huge n may land on a small offset. An offset whose byte
// lies at or past proto-max-bulk-len is refused.
func (c *Ctx) bitOffset(arg []byte, width int64) (int64, bool) {
	hash := width > 0 && len(arg) > 0 && arg[0] == '#'
	if hash {
		arg = arg[1:]
	}
	n, ok := parseInt(arg)
	if !ok {
		return 0, false
	}
	if hash {
		n *= width
	}
	if n < 0 || n>>3 >= c.s.config().ProtoMaxBulkLen {
		return 0, false
	}
	return n, true
}

// stringForBits returns the string at argument 1 for a bit write that
// reaches bit maxbit: created zero-filled when absent, grown with zero
// bytes when shorter. grew reports a creation or growth. As Redis's
// dbUnshareStringValue, the value is "raw" from then on even when the
// write turns out to change nothing.
func (c *Ctx) stringForBits(maxbit int64) (o *store.Object, grew bool, e *Reply) {
	need := int(maxbit>>3) + 1
	o = c.DB.Get(c.key(1), c.Now)
	if o == nil {
		c.DB.Set(c.ownedKey(1), store.NewRawString(make([]byte, need)), c.Now)
		return c.DB.Peek(c.key(1), c.Now), true, nil
	}
	if o.Kind != store.KindString {
		return nil, false, &replyWrongType
	}
	o.Raw = true
	if need > len(o.Str()) {
		o.SetStr(append(o.Str(), make([]byte, need-len(o.Str()))...))
		return o, true, nil
	}
	return o, false, nil
}

// SETBIT key offset value
func setbitCommand(c *Ctx) Reply {
	off, ok := c.bitOffset(c.Args[2], 0)
	if !ok {
		return Err(msgBitOffset)
	}
	on, ok := parseInt(c.Args[3])
	if !ok || on&^1 != 0 {
		return Err(msgBitValue)
	}
	o, grew, e := c.stringForBits(off)
	if e != nil {
		return *e
	}
	p := &o.Str()[off>>3]
	mask := byte(0x80) >> (off & 7)
	old := *p&mask != 0
	// Redis counts a change only when the string grew or the bit flipped.
	if grew || old != (on == 1) {
		*p = *p&^mask | byte(on)<<(7-off&7)
		c.Modified(c.Args[1])
		c.Notify(notifyString, "setbit", c.Args[1])
	}
	if old {
		return replyOne
	}
	return replyZero
}

// GETBIT key offset
func getbitCommand(c *Ctx) Reply {
	off, ok := c.bitOffset(c.Args[2], 0)
	if !ok {
		return Err(msgBitOffset)
	}
	o, e := c.stringAt(1)
	if e != nil {
		return *e
	}
	if o != nil && off>>3 < int64(len(o.Str())) && o.Str()[off>>3]&(0x80>>(off&7)) != 0 {
		return replyOne
	}
	return replyZero
}

// parseBitUnit parses BITCOUNT's and BITPOS's unit argument.
func parseBitUnit(arg []byte) (isBit, ok bool) {
	switch {
	case strings.EqualFold(string(arg), "bit"):
		return true, true
	case strings.EqualFold(string(arg), "byte"):
		return false, true
	}
	return false, false
}

// bitRange turns start and end, in bytes or (isBit) bits and negative
// counting from the end, into an inclusive range of bit positions of a
// string of n bytes, clamped as Redis clamps them. ok is false for an empty
// range.
func bitRange(start, end, n int64, isBit bool) (lo, hi int64, ok bool) {
	total := n
	if isBit {
		total = n * 8
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	end = min(end, total-1)
	if start > end {
		return 0, 0, false
	}
	if isBit {
		return start, end, true
	}
	return start * 8, end*8 + 7, true
}

// BITCOUNT key [start end [BYTE | BIT]]
func bitcountCommand(c *Ctx) Reply {
	// Redis 7.0 looks the key up before parsing the range: a missing key
	// counts 0 whatever the arguments.
	o, e := c.stringAt(1)
	if e != nil {
		return *e
	}
	if o == nil {
		return replyZero
	}
	s := o.Str()
	switch len(c.Args) {
	case 2:
		return Int(popcount(s))
	case 4, 5:
	default:
		return replySyntax
	}
	start, ok1 := parseInt(c.Args[2])
	end, ok2 := parseInt(c.Args[3])
	if !ok1 || !ok2 {
		return replyNotInt
	}
	isBit := false
	if len(c.Args) == 5 {
		var ok bool
		if isBit, ok = parseBitUnit(c.Args[4]); !ok {
			return replySyntax
		}
	}
	if start < 0 && end < 0 && start > end {
		return replyZero
	}
	lo, hi, ok := bitRange(start, end, int64(len(s)), isBit)
	if !ok {
		return replyZero
	}
	return Int(countBits(s, lo, hi))
}

// popcount counts the set bits of s.
func popcount(s []byte) int64 {
	var n int
	for len(s) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(s))
		s = s[8:]
	}
	for _, b := range s {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

// countBits counts the set bits of s between bit positions lo and hi,
// inclusive; both lie inside s.
func countBits(s []byte, lo, hi int64) int64 {
	first, last := lo>>3, hi>>3
	n := popcount(s[first : last+1])
	// Take away the bits of the edge bytes that lie outside the range.
	n -= int64(bits.OnesCount8(s[first] &^ (0xff >> (lo & 7))))
	n -= int64(bits.OnesCount8(s[last] & (0x7f >> (hi & 7))))
	return n
}

// BITPOS key bit [start [end [BYTE | BIT]]]
func bitposCommand(c *Ctx) Reply {
	bit, ok := parseInt(c.Args[2])
	if !ok {
		return replyNotInt
	}
	if bit != 0 && bit != 1 {
		return Err(msgBitArg)
	}
	o, e := c.stringAt(1)
	if e != nil {
		return *e
	}
	// A missing key is an endless run of clear bits.
	if o == nil {
		if bit == 1 {
			return Int(-1)
		}
		return replyZero
	}
	s := o.Str()
	n := int64(len(s))
	lo, hi, endGiven := int64(0), n*8-1, false
	switch len(c.Args) {
	case 3:
	case 4, 5, 6:
		start, ok := parseInt(c.Args[3])
		if !ok {
			return replyNotInt
		}
		isBit := false
		if len(c.Args) == 6 {
			if isBit, ok = parseBitUnit(c.Args[5]); !ok {
				return replySyntax
			}
		}
		end := n - 1
		if len(c.Args) >= 5 {
			if end, ok = parseInt(c.Args[4]); !ok {
				return replyNotInt
			}
			endGiven = true
		}
		if lo, hi, ok = bitRange(start, end, n, isBit); !ok {
			return Int(-1)
		}
	default:
		return replySyntax
	}
	if lo > hi {
		return Int(-1)
	}
	if pos := findBit(s, lo, hi, bit == 1); pos >= 0 {
		return Int(pos)
	}
	// Without an explicit end the string counts as followed by clear bits,
	// so the first clear bit is the one just past it.
	if bit == 0 && !endGiven {
		return Int(hi + 1)
	}
	return Int(-1)
}

// findBit returns the position of the first bit equal to set between bit
// positions lo and hi of s, inclusive, or -1.
func findBit(s []byte, lo, hi int64, set bool) int64 {
	var flip byte // XORing with flip turns the wanted bits into ones
	if !set {
		flip = 0xff
	}
	first, last := lo>>3, hi>>3
	for i := first; i <= last; i++ {
		// Skip whole words that hold no wanted bit.
		if i&7 == 0 && i+8 <= last {
			w := binary.BigEndian.Uint64(s[i:])
			if !set {
				w = ^w
			}
			if w == 0 {
				i += 7
				continue
			}
		}
		b := s[i] ^ flip
		if i == first {
			b &= 0xff >> (lo & 7)
		}
		if i == last {
			b &= 0xff << (7 - hi&7)
		}
		if b != 0 {
			return i*8 + int64(bits.LeadingZeros8(b))
		}
	}
	return -1
}

// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
func bitopCommand(c *Ctx) Reply {
	op := strings.ToLower(string(c.Args[1]))
	switch op {
	case "and", "or", "xor":
	case "not":
		if len(c.Args) != 4 {
			return Err(msgBitopNot)
		}
	default:
		return replySyntax
	}
	srcs := make([][]byte, 0, len(c.Args)-3)
	maxLen := 0
	for i := 3; i < len(c.Args); i++ {
		o := c.lookupRead(c.key(i))
		if o == nil {
			srcs = append(srcs, nil)
			continue
		}
		if o.Kind != store.KindString {
			return replyWrongType
		}
		srcs = append(srcs, o.Str())
		maxLen = max(maxLen, len(o.Str()))
	}
	// Every source empty or missing: the result is the empty string,
	// which Redis stores by deleting the destination.
	if maxLen == 0 {
		if c.DB.Delete(c.key(2)) {
			c.Modified(c.Args[2])
			c.Notify(notifyGeneric, "del", c.Args[2])
		}
		return replyZero
	}
	res := make([]byte, maxLen)
	copy(res, srcs[0])
	switch op {
	case "not":
		combineBits(res, nil, func(a, _ uint64) uint64 { return ^a })
	case "and":
		for _, src := range srcs[1:] {
			combineBits(res[:len(src)], src, func(a, b uint64) uint64 { return a & b })
			clear(res[len(src):]) // a shorter source is padded with zeros
		}
	case "or":
		for _, src := range srcs[1:] {
			combineBits(res[:len(src)], src, func(a, b uint64) uint64 { return a | b })
		}
	case "xor":
		for _, src := range srcs[1:] {
			combineBits(res[:len(src)], src, func(a, b uint64) uint64 { return a ^ b })
		}
	}
	c.DB.Set(c.ownedKey(2), store.NewRawString(res), c.Now)
	c.Modified(c.Args[2])
	c.Notify(notifyString, "set", c.Args[2])
	return Int(int64(maxLen))
}

// combineBits sets dst[i] = fn(dst[i], src[i]) for every byte of dst, a
// word at a time; src, when not nil, is at least as long as dst. fn works
// on each bit independently, so the byte order of the words does not
// matter.
func combineBits(dst, src []byte, fn func(a, b uint64) uint64) {
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		var b uint64
		if src != nil {
			b = binary.LittleEndian.Uint64(src[i:])
		}
		binary.LittleEndian.PutUint64(dst[i:], fn(binary.LittleEndian.Uint64(dst[i:]), b))
	}
	for ; i < len(dst); i++ {
		var b uint64
		if src != nil {
			b = uint64(src[i])
		}
		dst[i] = byte(fn(uint64(dst[i]), b))
	}
}

// BITFIELD subcommands.
const (
	bfGet = iota
	bfSet
	bfIncrBy
)

// BITFIELD overflow modes; WRAP is the default.
const (
	bfWrap = iota
	bfSat
	bfFail
)

// bitfieldOp is one parsed BITFIELD subcommand.
type bitfieldOp struct {
	op       int
	overflow int // the OVERFLOW mode in force when the subcommand was given
	signed   bool
	width    uint  // 1-64 bits signed, 1-63 unsigned
	offset   int64 // in bits
	value    int64 // SET's value or INCRBY's increment
}

// BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]
func bitfieldCommand(c *Ctx) Reply { return bitfield(c, false) }

// BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]
func bitfieldROCommand(c *Ctx) Reply { return bitfield(c, true) }

// bitfield runs BITFIELD, or BITFIELD_RO when readOnly is set. Like Redis
// it parses every subcommand before touching the key, and counts one
// change per SET or INCRBY that grew the string or changed its bits; a
// subcommand refused by OVERFLOW FAIL counts none, even when the string was
// created or grown for it.
func bitfield(c *Ctx, readOnly bool) Reply {
	ops, writes, maxbit, msg := parseBitfield(c)
	if msg != "" {
		return Err(msg)
	}
	var o *store.Object
	var e *Reply
	grew := false
	switch {
	case !writes:
		o, e = c.stringAt(1)
	case readOnly:
		return Err(msgBitfieldRO)
	default:
		o, grew, e = c.stringForBits(maxbit)
	}
	if e != nil {
		return *e
	}
	var s []byte
	if o != nil {
		s = o.Str()
	}
	replies := make([]Reply, len(ops))
	changes := 0
	for i, op := range ops {
		if op.op == bfGet {
			v := getBits(s, op.offset, op.width)
			if op.signed {
				replies[i] = Int(signExtend(v, op.width))
			} else {
				replies[i] = Int(int64(v))
			}
			continue
		}
		old, newv, ret, failed := applyBitfield(s, op)
		if failed {
			replies[i] = replyNullBulk
			continue
		}
		setBits(s, op.offset, op.width, newv)
		if grew || old != newv {
			changes++
		}
		replies[i] = Int(ret)
	}
	c.ModifiedTimes(c.Args[1], changes)
	if changes > 0 {
		c.Notify(notifyString, "setbit", c.Args[1])
	}
	return Array(replies...)
}

// parseBitfield parses BITFIELD's subcommands, reporting whether any
// writes and the highest bit written, or Redis's error text.
func parseBitfield(c *Ctx) (ops []bitfieldOp, writes bool, maxbit int64, msg string) {
	overflow := bfWrap
	for j := 2; j < len(c.Args); j++ {
		rest := len(c.Args) - j - 1
		var op bitfieldOp
		switch name := c.Args[j]; {
		case strings.EqualFold(string(name), "get") && rest >= 2:
			op.op = bfGet
		case strings.EqualFold(string(name), "set") && rest >= 3:
			op.op = bfSet
		case strings.EqualFold(string(name), "incrby") && rest >= 3:
			op.op = bfIncrBy
		case strings.EqualFold(string(name), "overflow") && rest >= 1:
			j++
			switch strings.ToLower(string(c.Args[j])) {
			case "wrap":
				overflow = bfWrap
			case "sat":
				overflow = bfSat
			case "fail":
				overflow = bfFail
			default:
				return nil, false, 0, msgBitfieldOver
			}
			continue
		default:
			return nil, false, 0, msgSyntax
		}
		var ok bool
		if op.signed, op.width, ok = parseBitfieldType(c.Args[j+1]); !ok {
			return nil, false, 0, msgBitfieldType
		}
		if op.offset, ok = c.bitOffset(c.Args[j+2], int64(op.width)); !ok {
			return nil, false, 0, msgBitOffset
		}
		if op.op != bfGet {
			writes = true
			maxbit = max(maxbit, op.offset+int64(op.width)-1)
			if op.value, ok = parseInt(c.Args[j+3]); !ok {
				return nil, false, 0, msgNotInt
			}
			j++
		}
		op.overflow = overflow
		ops = append(ops, op)
		j += 2
	}
	return ops, writes, maxbit, ""
}

// parseBitfieldType parses "i<bits>" (1-64) or "u<bits>" (1-63): a u64
// could not be returned as a RESP integer.
func parseBitfieldType(arg []byte) (signed bool, width uint, ok bool) {
	if len(arg) == 0 || arg[0] != 'i' && arg[0] != 'u' {
		return false, 0, false
	}
	signed = arg[0] == 'i'
	n, ok := parseInt(arg[1:])
	if !ok || n < 1 || signed && n > 64 || !signed && n > 63 {
		return false, 0, false
	}
	return signed, uint(n), true
}

// applyBitfield computes a SET or INCRBY on the field op designates in s:
// the field's old and new raw values (the new one already wrapped or
// saturated), the value to reply with, and whether OVERFLOW FAIL refuses
// the write.
func applyBitfield(s []byte, op bitfieldOp) (old, newv uint64, ret int64, failed bool) {
	old = getBits(s, op.offset, op.width)
	if op.signed {
		oldv := signExtend(old, op.width)
		v, incr := op.value, int64(0)
		if op.op == bfIncrBy {
			v, incr = oldv, op.value
		}
		over, limit := signedOverflow(v, incr, op.width, op.overflow)
		res := v + incr
		if over {
			res = limit
		}
		ret = res
		if op.op == bfSet {
			ret = oldv
		}
		return old, uint64(res) & widthMask(op.width), ret, over && op.overflow == bfFail
	}
	v, incr := uint64(op.value), int64(0)
	if op.op == bfIncrBy {
		v, incr = old, op.value
	}
	over, limit := unsignedOverflow(v, incr, op.width, op.overflow)
	res := v + uint64(incr)
	if over {
		res = limit
	}
	ret = int64(res)
	if op.op == bfSet {
		ret = int64(old)
	}
	return old, res & widthMask(op.width), ret, over && op.overflow == bfFail
}

// widthMask has the low width bits set.
func widthMask(width uint) uint64 {
	if width >= 64 {
		return math.MaxUint64
	}
	return 1<<width - 1
}

// unsignedOverflow reports whether value+incr falls outside a width-bit
// unsigned integer and, if so, what WRAP or SAT store instead. It follows
// Redis's checkUnsignedBitfieldOverflow, including its wrapping arithmetic.
func unsignedOverflow(value uint64, incr int64, width uint, mode int) (bool, uint64) {
	maxv := widthMask(width)
	maxincr := int64(maxv - value)
	minincr := -int64(value)
	var sat uint64
	switch {
	case value > maxv || incr > 0 && incr > maxincr:
		sat = maxv
	case incr < 0 && incr < minincr:
		sat = 0
	default:
		return false, 0
	}
	if mode == bfSat {
		return true, sat
	}
	return true, (value + uint64(incr)) & maxv
}

// signedOverflow is unsignedOverflow for a width-bit signed integer, after
// Redis's checkSignedBitfieldOverflow. Its wrapping arithmetic is kept on
// purpose: SAT with SET i8 of -2^63 stores 127, as Redis does.
func signedOverflow(value, incr int64, width uint, mode int) (bool, int64) {
	maxv := int64(math.MaxInt64)
	if width < 64 {
		maxv = 1<<(width-1) - 1
	}
	minv := -maxv - 1
	maxincr := int64(uint64(maxv) - uint64(value))
	minincr := minv - value
	var sat int64
	switch {
	case value > maxv || width != 64 && incr > maxincr || value >= 0 && incr > 0 && incr > maxincr:
		sat = maxv
	case value < minv || width != 64 && incr < minincr || value < 0 && incr < 0 && incr < minincr:
		sat = minv
	default:
		return false, 0
	}
	if mode == bfSat {
		return true, sat
	}
	return true, signExtend(uint64(value)+uint64(incr), width)
}

// signExtend reads the low width bits of v as a two's complement integer.
func signExtend(v uint64, width uint) int64 {
	shift := 64 - width
	return int64(v<<shift) >> shift
}

// getBits reads the width-bit unsigned integer at bit offset off of s,
// most significant bit first; bits past the end of s read as zero.
func getBits(s []byte, off int64, width uint) uint64 {
	var v uint64
	for i := int64(0); i < int64(width); i++ {
		p := off + i
		var b uint64
		if p>>3 < int64(len(s)) {
			b = uint64(s[p>>3]>>(7-p&7)) & 1
		}
		v = v<<1 | b
	}
	return v
}

// setBits writes the low width bits of v at bit offset off of s, most
// significant bit first; s is long enough.
func setBits(s []byte, off int64, width uint, v uint64) {
	for i := int64(0); i < int64(width); i++ {
		p := off + i
		mask := byte(0x80) >> (p & 7)
		if v>>(int64(width)-1-i)&1 != 0 {
			s[p>>3] |= mask
		} else {
			s[p>>3] &^= mask
		}
	}
}
