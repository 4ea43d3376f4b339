package aof

// LZF, the compression of RDB strings (RDB_ENCVAL_LZF).
//
// The compressed format is a sequence of runs:
//
//	000LLLLL <L+1 literal bytes>
//	LLLooooo oooooooo          back reference of L+2 bytes (L in 1..6)
//	111ooooo LLLLLLLL oooooooo back reference of L+9 bytes
//
// where the offset o+1 counts back from the current end of the output.
//
// lzfCompressor makes the same choices as the liblzf 3.6 compressor Redis
// 7.0 links (HLOG 16, VERY_FAST, offsets in the hash table), including
// where it gives up for lack of room, so strings compress to the bytes
// Redis writes for them; any valid stream decompresses the same. (Redis
// leaves its table uninitialized, so a stale entry from an earlier call
// could in rare cases give it a match ours does not see; both outputs are
// valid.)

const (
	lzfHashLog = 16
	lzfHashLen = 1 << lzfHashLog
	lzfMaxLit  = 1 << 5
	lzfMaxOff  = 1 << 13
	lzfMaxRef  = 1<<8 + 1<<3
)

// lzfMaxRatio bounds how much one compressed byte can expand: a three-byte
// back reference yields at most lzfMaxRef bytes. A declared length past
// this many times the compressed length cannot be genuine.
const lzfMaxRatio = lzfMaxRef/3 + 1

// lzfCompressor holds the hash table and output buffer between calls so
// that compressing many strings allocates them once.
type lzfCompressor struct {
	tab lzfTable
	out []byte
}

// lzfTable is liblzf's table of 65536 slots, each the last position whose
// three bytes hashed to it, stored sparsely: an open-addressing table
// sized to the input, whose entries carry the generation of the call that
// wrote them, so a call neither allocates nor clears 64K slots (which
// would cost more than compressing a short string).
type lzfTable struct {
	keys []uint64 // generation<<32 | slot+1; another generation is empty
	pos  []int32
	mask int
	gen  uint64
}

// reset empties the table for an input of n bytes.
func (t *lzfTable) reset(n int) {
	size := 16
	for size < 2*n && size < 2*lzfHashLen {
		size *= 2
	}
	if len(t.keys) < size {
		t.keys, t.pos, t.gen = make([]uint64, size), make([]int32, size), 0
	}
	t.mask = len(t.keys) - 1
	t.gen++
	if t.gen == 1<<32 {
		clear(t.keys)
		t.gen = 1
	}
}

// find returns the index of slot's entry, or of the empty entry where it
// goes.
func (t *lzfTable) find(slot int) int {
	key := t.gen<<32 | uint64(slot+1)
	for i := slot & t.mask; ; i = (i + 1) & t.mask {
		if k := t.keys[i]; k == key || k>>32 != t.gen {
			return i
		}
	}
}

// swap stores pos in slot and returns the position it held, or -1.
func (t *lzfTable) swap(slot, pos int) int {
	i := t.find(slot)
	old := -1
	if t.keys[i]>>32 == t.gen {
		old = int(t.pos[i])
	}
	t.keys[i] = t.gen<<32 | uint64(slot+1)
	t.pos[i] = int32(pos)
	return old
}

func lzfHash(h uint32) int {
	return int(((h >> (3*8 - lzfHashLog)) - h*5) & (lzfHashLen - 1))
}

// compress returns the compression of in, or nil when it would take more
// than room bytes, as lzf_compress decides. The result is valid until the
// next call.
func (c *lzfCompressor) compress(in []byte, room int) []byte {
	if n := c.compressTo(in, room); n > 0 {
		return c.out[:n]
	}
	return nil
}

// compressTo compresses in into c.out and returns the compressed length, or
// 0 when it does not fit in room bytes.
func (c *lzfCompressor) compressTo(in []byte, room int) int {
	if len(in) == 0 || room <= 0 {
		return 0
	}
	c.tab.reset(len(in))
	if cap(c.out) < room {
		c.out = make([]byte, room)
	}
	out := c.out[:room]
	tab := &c.tab
	inEnd, outEnd := len(in), room
	ip, op := 0, 0
	lit := 0
	op++ // room for the first literal run's header

	var hval uint32
	if inEnd >= 2 {
		hval = uint32(in[0])<<8 | uint32(in[1])
	}
	for ip < inEnd-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := lzfHash(hval)
		ref := tab.swap(slot, ip) // -1 when the slot is empty

		off := ip - ref - 1
		if ref > 0 && off >= 0 && off < lzfMaxOff &&
			in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			length := 2
			maxlen := min(inEnd-ip-length, lzfMaxRef)

			undo := 0 // the empty literal run's header is taken back
			if lit == 0 {
				undo = 1
			}
			if op-undo+3+1 >= outEnd {
				return 0
			}
			out[op-lit-1] = byte(lit - 1) // close the literal run
			op -= undo
			// As liblzf: sixteen unchecked steps when far from the end,
			// which may run the match up to two bytes past maxlen.
			matched := false
			if maxlen > 16 {
				for range 16 {
					length++
					if in[ref+length] != in[ip+length] {
						matched = true
						break
					}
				}
			}
			if !matched {
				for {
					length++
					if !(length < maxlen && in[ref+length] == in[ip+length]) {
						break
					}
				}
			}

			length -= 2 // the number of bytes minus one
			ip++
			if length < 7 {
				out[op] = byte(off>>8 + length<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(length - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // room for the next literal run's header

			ip += length + 1
			if ip >= inEnd-2 {
				break
			}
			// Hash the last two positions of the match.
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			tab.swap(lzfHash(hval), ip)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			tab.swap(lzfHash(hval), ip)
			ip++
			continue
		}

		if op >= outEnd {
			return 0
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}

	if op+3 > outEnd {
		return 0
	}
	for ip < inEnd {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1)
	if lit == 0 {
		op--
	}
	return op
}

// lzfDecompress decompresses in into out, which must be exactly as long as
// the original data, and reports whether in was a valid stream producing
// exactly len(out) bytes.
func lzfDecompress(in, out []byte) bool {
	ip, op := 0, 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 {
			n := ctrl + 1
			if op+n > len(out) || ip+n > len(in) {
				return false
			}
			copy(out[op:], in[ip:ip+n])
			op += n
			ip += n
			continue
		}
		length := ctrl >> 5
		ref := op - (ctrl&0x1f)<<8 - 1
		if ip >= len(in) {
			return false
		}
		if length == 7 {
			length += int(in[ip])
			ip++
			if ip >= len(in) {
				return false
			}
		}
		ref -= int(in[ip])
		ip++
		length += 2
		if op+length > len(out) || ref < 0 {
			return false
		}
		// The reference may overlap the bytes being written: copy forward
		// one byte at a time, or in non-overlapping blocks.
		for length > 0 {
			n := copy(out[op:op+min(length, op-ref)], out[ref:op])
			op += n
			ref += n
			length -= n
		}
	}
	return op == len(out)
}
