package conf

// maxStarGroups is the number of '*' groups that Redis's recursive matcher
// will descend through before it gives up and reports no match (the
// nesting guard added to stringmatchlen against abusive patterns).
const maxStarGroups = 1000

// Match reports whether s matches the glob-style pattern exactly as Redis's
// stringmatchlen does: '*' matches any run of bytes, '?' any one byte,
// "[...]" a set of bytes (ranges "a-z", negation "[^...]", "\x" escapes),
// and '\' escapes the next byte. nocase folds ASCII letters.
//
// Redis's corner cases are kept, because KEYS, SCAN MATCH and CONFIG GET
// answers must not differ from Redis's:
//   - the empty string matches only the empty pattern (so "*" does not
//     match ""; callers that want KEYS *'s match-everything shortcut must
//     special-case it themselves, as Redis does);
//   - an unterminated "[..." runs to the end of the pattern;
//   - range bounds compare as C's signed char, and escapes inside a set
//     compare case-sensitively even when nocase is set;
//   - a pattern with more than 1000 '*' groups that are followed by
//     something else never matches (Redis's nesting limit).
//
// The algorithm is iterative and allocation-free: it backtracks only to the
// most recent '*', so it runs in O(len(pattern)*len(s)) at worst.
func Match(pattern, s string, nocase bool) bool {
	if len(s) == 0 {
		return len(pattern) == 0
	}
	if starGroupsBeforeTokens(pattern) > maxStarGroups {
		return false
	}
	n := len(pattern)
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < n && pattern[pi] == '*' {
			for pi < n && pattern[pi] == '*' {
				pi++
			}
			if pi == n {
				return true
			}
			starP, starS = pi, si
			continue
		}
		if pi < n && matchToken(pattern, pi, s[si], nocase) {
			pi = tokenEnd(pattern, pi)
			si++
			continue
		}
		if starP < 0 {
			return false
		}
		starS++
		if starS >= len(s) {
			return false
		}
		pi, si = starP, starS
	}
	for pi < n && pattern[pi] == '*' {
		pi++
	}
	return pi == n
}

// starGroupsBeforeTokens counts the runs of '*' in pattern that are followed
// by at least one non-star token. Each such run costs Redis one level of
// recursion; a trailing run does not, since it matches at once.
func starGroupsBeforeTokens(p string) int {
	groups := 0
	for i := 0; i < len(p); {
		if p[i] == '*' {
			for i < len(p) && p[i] == '*' {
				i++
			}
			if i < len(p) {
				groups++
			}
			continue
		}
		i = tokenEnd(p, i)
	}
	return groups
}

// tokenEnd returns the index just past the single-byte token (literal, '?',
// escape or set) that starts at p[i]. How far a set reaches depends only on
// the pattern, never on the byte being matched, which is what lets Match
// walk tokens without recursion.
func tokenEnd(p string, i int) int {
	n := len(p)
	switch p[i] {
	case '\\':
		if n-i >= 2 {
			return i + 2
		}
		return i + 1
	case '[':
		j := i + 1
		if j < n && p[j] == '^' {
			j++
		}
		for {
			if j < n && p[j] == '\\' && n-j >= 2 {
				j++
			} else if j < n && p[j] == ']' {
				break
			} else if j >= n {
				j--
				break
			} else if n-j >= 3 && p[j+1] == '-' {
				j += 2
			}
			j++
		}
		return j + 1
	default:
		return i + 1
	}
}

// matchToken reports whether the token at p[i] (not '*') accepts byte c.
func matchToken(p string, i int, c byte, nocase bool) bool {
	n := len(p)
	switch p[i] {
	case '?':
		return true
	case '\\':
		lit := p[i]
		if n-i >= 2 {
			lit = p[i+1]
		}
		return sameByte(lit, c, nocase)
	case '[':
		j := i + 1
		not := false
		if j < n && p[j] == '^' {
			not = true
			j++
		}
		match := false
		for {
			if j < n && p[j] == '\\' && n-j >= 2 {
				j++
				if p[j] == c {
					match = true
				}
			} else if j < n && p[j] == ']' {
				break
			} else if j >= n {
				break
			} else if n-j >= 3 && p[j+1] == '-' {
				// Redis compares plain chars, which are signed on the
				// platforms it runs on: bytes >= 0x80 sort below 'A'.
				lo, hi, cc := int(int8(p[j])), int(int8(p[j+2])), int(int8(c))
				if lo > hi {
					lo, hi = hi, lo
				}
				if nocase {
					lo, hi, cc = lowerInt(lo), lowerInt(hi), lowerInt(cc)
				}
				j += 2
				if cc >= lo && cc <= hi {
					match = true
				}
			} else if sameByte(p[j], c, nocase) {
				match = true
			}
			j++
		}
		return match != not
	default:
		return sameByte(p[i], c, nocase)
	}
}

func sameByte(a, b byte, nocase bool) bool {
	if a == b {
		return true
	}
	return nocase && lowerByte(a) == lowerByte(b)
}

func lowerByte(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

// lowerInt is glibc's tolower in the C locale applied to a value that came
// from a signed char: negative values other than EOF (-1) come back as their
// unsigned byte, which is what makes "[\x80-b]" behave oddly with nocase.
func lowerInt(c int) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + ('a' - 'A')
	case c >= -128 && c <= -2:
		return c + 256
	}
	return c
}
