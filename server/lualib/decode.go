package lualib

import (
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// tokenKind is the kind of a JSON token. Its String gives the names that
// lua-cjson's error messages use.
type tokenKind int

const (
	tokObjBegin tokenKind = iota
	tokObjEnd
	tokArrBegin
	tokArrEnd
	tokString
	tokNumber
	tokBoolean
	tokNull
	tokColon
	tokComma
	tokEnd
	tokError
)

var tokenNames = [...]string{
	tokObjBegin: "T_OBJ_BEGIN",
	tokObjEnd:   "T_OBJ_END",
	tokArrBegin: "T_ARR_BEGIN",
	tokArrEnd:   "T_ARR_END",
	tokString:   "T_STRING",
	tokNumber:   "T_NUMBER",
	tokBoolean:  "T_BOOLEAN",
	tokNull:     "T_NULL",
	tokColon:    "T_COLON",
	tokComma:    "T_COMMA",
	tokEnd:      "T_END",
	tokError:    "T_ERROR",
}

func (k tokenKind) String() string { return tokenNames[k] }

// token is one JSON token. index is its 0-based byte offset, except for an
// error token, whose index is where the error was found.
type token struct {
	kind  tokenKind
	index int
	str   string  // tokString: the decoded text; tokError: what is wrong
	num   float64 // tokNumber
	b     bool    // tokBoolean
}

// decoder parses one JSON text into Lua values, following lua-cjson.
type decoder struct {
	L     *lua.LState
	cfg   *cjsonConfig
	null  *lua.LUserData
	data  string
	pos   int
	depth int
	tmp   []byte // reused to build decoded strings
}

// cjsonDecode implements cjson.decode(text).
func cjsonDecode(L *lua.LState, cfg *cjsonConfig, null *lua.LUserData) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	data, ok := toCString(L.Get(1))
	if !ok {
		typeError(L, 1, "string")
	}
	// Only the first byte of a JSON text is sure to be ASCII, so a NUL in
	// either of the first two betrays UTF-16 or UTF-32.
	if len(data) >= 2 && (data[0] == 0 || data[1] == 0) {
		raise(L, "JSON parser does not support UTF-16 or UTF-32")
	}
	d := &decoder{L: L, cfg: cfg, null: null, data: data}
	// The text being decoded takes Lua stack slot 1; the tables being
	// filled, and their keys, go above it.
	v := d.value(d.next(), 1)
	if tok := d.next(); tok.kind != tokEnd {
		d.parseError("the end", tok)
	}
	L.Push(v)
	return 1
}

// at returns the byte at i, or 0 past the end: lua-cjson reads the text
// as a C string, so a NUL byte anywhere ends it.
func (d *decoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

// parseError raises "Expected <want> but found <token> at character <n>".
func (d *decoder) parseError(want string, tok token) {
	found := tok.kind.String()
	if tok.kind == tokError {
		found = tok.str
	}
	raise(d.L, "Expected %s but found %s at character %d", want, found, tok.index+1)
}

// errorToken is an error token for a problem found at the current position.
func (d *decoder) errorToken(what string) token {
	return token{kind: tokError, index: d.pos, str: what}
}

// next reads the next token.
func (d *decoder) next() token {
	for {
		c := d.at(d.pos)
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			break
		}
		d.pos++
	}
	start := d.pos
	c := d.at(start)
	if kind, ok := punctuation(c); ok {
		d.pos++
		return token{kind: kind, index: start}
	}
	rest := d.data[start:]
	switch {
	case c == 0:
		return token{kind: tokEnd, index: start}
	case c == '"':
		return d.stringToken()
	case c == '-' || isDigit(c):
		if d.cfg.decodeInvalid == 0 && d.invalidNumber() {
			return d.errorToken("invalid number")
		}
		return d.numberToken()
	case c != 't' && c != 'f' && c != 'n' && c != 'i' && c != 'I' && c != 'N' && c != '+':
		return d.errorToken("invalid token")
	case strings.HasPrefix(rest, "true"):
		d.pos += 4
		return token{kind: tokBoolean, index: start, b: true}
	case strings.HasPrefix(rest, "false"):
		d.pos += 5
		return token{kind: tokBoolean, index: start}
	case strings.HasPrefix(rest, "null"):
		d.pos += 4
		return token{kind: tokNull, index: start}
	case d.cfg.decodeInvalid != 0 && d.invalidNumber():
		// Only what could be Inf, NaN or +1 gets here, so that other
		// bad words are reported as invalid tokens.
		return d.numberToken()
	}
	return d.errorToken("invalid token")
}

// punctuation returns the kind of the one-byte token c, if it is one.
func punctuation(c byte) (tokenKind, bool) {
	switch c {
	case '{':
		return tokObjBegin, true
	case '}':
		return tokObjEnd, true
	case '[':
		return tokArrBegin, true
	case ']':
		return tokArrEnd, true
	case ',':
		return tokComma, true
	case ':':
		return tokColon, true
	}
	return 0, false
}

// invalidNumber reports whether the text at the current position is a
// number that JSON does not allow but strtod does: one with a leading +,
// a hex number, one with a leading zero, or Inf or NaN.
func (d *decoder) invalidNumber() bool {
	p := d.pos
	switch d.at(p) {
	case '+':
		return true
	case '-':
		p++
	}
	if c := d.at(p); c == '0' {
		next := d.at(p + 1)
		return next|0x20 == 'x' || isDigit(next)
	} else if c <= '9' {
		return false
	}
	rest := d.data[p:]
	return hasPrefixFold(rest, "inf") || hasPrefixFold(rest, "nan")
}

// numberToken reads a number the way strtod does.
func (d *decoder) numberToken() token {
	start := d.pos
	v, n := strtod(d.data[start:])
	if n == 0 {
		return d.errorToken("invalid number")
	}
	d.pos += n
	return token{kind: tokNumber, index: start, num: v}
}

// stringToken reads a string. Bytes other than the quote and the
// backslash, control characters included, are taken as they are.
func (d *decoder) stringToken() token {
	start := d.pos
	d.pos++ // the opening quote
	d.tmp = d.tmp[:0]
	for {
		c := d.at(d.pos)
		switch c {
		case '"':
			d.pos++
			return token{kind: tokString, index: start, str: string(d.tmp)}
		case 0:
			return d.errorToken("unexpected end of string")
		case '\\':
			var ch byte
			switch d.at(d.pos + 1) {
			case '"':
				ch = '"'
			case '\\':
				ch = '\\'
			case '/':
				ch = '/'
			case 'b':
				ch = '\b'
			case 'f':
				ch = '\f'
			case 'n':
				ch = '\n'
			case 'r':
				ch = '\r'
			case 't':
				ch = '\t'
			case 'u':
				if !d.unicodeEscape() {
					return d.errorToken("invalid unicode escape code")
				}
				continue
			default:
				return d.errorToken("invalid escape code")
			}
			d.tmp = append(d.tmp, ch)
			d.pos += 2
		default:
			d.tmp = append(d.tmp, c)
			d.pos++
		}
	}
}

// hex4 reads the four hex digits at i as a number, or returns -1.
func (d *decoder) hex4(i int) int {
	n := 0
	for j := i; j < i+4; j++ {
		c := d.at(j)
		if !isHexDigit(c) {
			return -1
		}
		if isDigit(c) {
			n = n<<4 | int(c-'0')
		} else {
			n = n<<4 | int(c|0x20-'a'+10)
		}
	}
	return n
}

// unicodeEscape decodes the \uXXXX escape at the current position, or the
// pair of them that encodes one code point as a UTF-16 surrogate pair, and
// appends it as UTF-8. It reports false, without moving, for bad hex
// digits and for a surrogate that is not part of a high-low pair.
func (d *decoder) unicodeEscape() bool {
	cp := d.hex4(d.pos + 2)
	if cp < 0 {
		return false
	}
	size := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 || d.at(d.pos+6) != '\\' || d.at(d.pos+7) != 'u' {
			return false
		}
		low := d.hex4(d.pos + 8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return false
		}
		cp = 0x10000 + (cp&0x3FF)<<10 | low&0x3FF
		size = 12
	}
	d.tmp = utf8.AppendRune(d.tmp, rune(cp))
	d.pos += size
	return true
}

// value turns tok, and for a bracket what follows it, into a Lua value.
// slots is the number of Lua stack slots lua-cjson would be using.
func (d *decoder) value(tok token, slots int) lua.LValue {
	switch tok.kind {
	case tokString:
		return lua.LString(tok.str)
	case tokNumber:
		return lua.LNumber(tok.num)
	case tokBoolean:
		return lua.LBool(tok.b)
	case tokNull:
		return d.null
	case tokObjBegin:
		return d.object(slots)
	case tokArrBegin:
		return d.array(slots)
	}
	d.parseError("value", tok)
	return nil
}

// descend enters an object or array, which needs the given number of Lua
// stack slots above slots, and enforces both the configured depth limit
// and Lua 5.1's limit on a C function's stack.
func (d *decoder) descend(slots, need int) {
	d.depth++
	if d.depth > d.cfg.decodeMaxDepth || slots+need > maxCStack {
		raise(d.L, "Found too many nested data structures (%d) at character %d", d.depth, d.pos)
	}
}

// object reads the members of an object whose '{' has been read.
func (d *decoder) object(slots int) lua.LValue {
	d.descend(slots, 3) // the table, a key and a value
	t := d.L.NewTable()
	tok := d.next()
	if tok.kind == tokObjEnd {
		d.depth--
		return t
	}
	for {
		if tok.kind != tokString {
			d.parseError("object key string", tok)
		}
		key := tok.str
		if tok = d.next(); tok.kind != tokColon {
			d.parseError("colon", tok)
		}
		t.RawSetString(key, d.value(d.next(), slots+2))
		tok = d.next()
		if tok.kind == tokObjEnd {
			d.depth--
			return t
		}
		if tok.kind != tokComma {
			d.parseError("comma or object end", tok)
		}
		tok = d.next()
	}
}

// array reads the items of an array whose '[' has been read.
func (d *decoder) array(slots int) lua.LValue {
	d.descend(slots, 2) // the table and a value
	t := d.L.NewTable()
	tok := d.next()
	if tok.kind == tokArrEnd {
		d.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, d.value(tok, slots+1))
		tok = d.next()
		if tok.kind == tokArrEnd {
			d.depth--
			return t
		}
		if tok.kind != tokComma {
			d.parseError("comma or array end", tok)
		}
		tok = d.next()
	}
}
