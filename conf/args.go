package conf

import "strings"

// splitArgs splits a config line into arguments like Redis's sdssplitargs:
// blanks separate arguments; "double quotes" understand \n \r \t \b \a \xHH
// and \<any>; 'single quotes' understand only \'; a closing quote must be
// followed by a blank or the end of the line. ok is false for unbalanced
// quotes. The line ends at its first NUL, as a C string does.
func splitArgs(line string) (args []string, ok bool) {
	line = cstr(line)
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			if args == nil {
				args = []string{}
			}
			return args, true
		}
		var cur []byte
		inq, insq, done := false, false, false
		for !done {
			c := at(i)
			switch {
			case inq:
				switch {
				case c == '\\' && at(i+1) == 'x' && isHex(at(i+2)) && isHex(at(i+3)):
					cur = append(cur, hexVal(at(i+2))<<4|hexVal(at(i+3)))
					i += 3
				case c == '\\' && at(i+1) != 0:
					i++
					cur = append(cur, unescape(at(i)))
				case c == '"':
					if next := at(i + 1); next != 0 && !isSpace(next) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == '\\' && at(i+1) == '\'':
					i++
					cur = append(cur, '\'')
				case c == '\'':
					if next := at(i + 1); next != 0 && !isSpace(next) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if at(i) != 0 {
				i++
			}
		}
		args = append(args, string(cur))
	}
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// quote renders s in double quotes so that splitArgs gives it back
// unchanged (Redis's sdscatrepr).
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
			} else {
				const hexdigits = "0123456789abcdef"
				b.WriteString(`\x`)
				b.WriteByte(hexdigits[c>>4])
				b.WriteByte(hexdigits[c&15])
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// splitSpaces splits a CONFIG SET value of a multi-argument directive on
// single spaces, keeping empty pieces, as Redis's sdssplitlen does; the
// empty string gives no pieces at all.
func splitSpaces(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// lowerASCII lower-cases ASCII letters only, as sdstolower does in the C
// locale.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerByte(b[j])
			}
			return string(b)
		}
	}
	return s
}

// equalFold compares ASCII letters without case, as strcasecmp does in the
// C locale; other bytes must be equal (no Unicode folding).
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerByte(a[i]) != lowerByte(b[i]) {
			return false
		}
	}
	return true
}
