package server

import (
	"strconv"

	"github.com/tidwall/redcon"
)

// appendReply appends the encoding of r for protocol version proto (2 or 3)
// to b. It is the only RESP encoder in the server.
func appendReply(b []byte, r *Reply, proto int) []byte {
	switch r.kind {
	case kindNone, kindBlocked:
		return b
	case kindSimple:
		return redcon.AppendString(b, r.str())
	case kindError:
		return appendError(b, r.str())
	case kindInt:
		return redcon.AppendInt(b, r.num())
	case kindBulk:
		return redcon.AppendBulk(b, r.bytes())
	case kindNullBulk, kindNull:
		if proto >= 3 {
			return append(b, "_\r\n"...)
		}
		return append(b, "$-1\r\n"...)
	case kindNullArray:
		if proto >= 3 {
			return append(b, "_\r\n"...)
		}
		return append(b, "*-1\r\n"...)
	case kindArray:
		return appendElems(redcon.AppendArray(b, r.len()), r.elems(), proto)
	case kindBulks:
		b = redcon.AppendArray(b, r.len())
		for _, e := range r.bulks() {
			if e == nil {
				if proto >= 3 {
					b = append(b, "_\r\n"...)
				} else {
					b = append(b, "$-1\r\n"...)
				}
				continue
			}
			b = redcon.AppendBulk(b, e)
		}
		return b
	case kindMap:
		if proto >= 3 {
			b = appendHeader(b, '%', r.len()/2)
		} else {
			b = redcon.AppendArray(b, r.len())
		}
		return appendElems(b, r.elems(), proto)
	case kindSet, kindPush:
		switch {
		case proto < 3:
			b = redcon.AppendArray(b, r.len())
		case r.kind == kindSet:
			b = appendHeader(b, '~', r.len())
		default:
			b = appendHeader(b, '>', r.len())
		}
		return appendElems(b, r.elems(), proto)
	case kindDouble:
		if proto >= 3 {
			b = append(b, ',')
			b = formatDouble(b, r.float())
			return append(b, '\r', '\n')
		}
		var tmp [32]byte
		return redcon.AppendBulk(b, formatDouble(tmp[:0], r.float()))
	case kindBool:
		if proto >= 3 {
			if r.n != 0 {
				return append(b, "#t\r\n"...)
			}
			return append(b, "#f\r\n"...)
		}
		return redcon.AppendInt(b, r.num())
	case kindVerbatim:
		if proto >= 3 {
			b = appendHeader(b, '=', r.len()+4)
			b = append(b, "txt:"...)
			b = append(b, r.str()...)
			return append(b, '\r', '\n')
		}
		return redcon.AppendBulk(b, r.bytes())
	case kindRaw, kindPushed:
		return append(b, r.bytes()...)
	case kindAppend:
		return r.app()(b, proto)
	case kindStrArray, kindStrSet, kindStrMap:
		switch {
		case proto >= 3 && r.kind == kindStrSet:
			b = appendHeader(b, '~', r.len())
		case proto >= 3 && r.kind == kindStrMap:
			b = appendHeader(b, '%', r.len()/2)
		default:
			b = redcon.AppendArray(b, r.len())
		}
		for _, s := range r.strs() {
			b = redcon.AppendBulkString(b, s)
		}
		return b
	}
	panic("server: unknown reply kind " + strconv.Itoa(int(r.kind)))
}

// appendElems appends the encodings of elems.
func appendElems(b []byte, elems []Reply, proto int) []byte {
	for i := range elems {
		b = appendReply(b, &elems[i], proto)
	}
	return b
}

func appendHeader(b []byte, c byte, n int) []byte {
	b = append(b, c)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

// appendError writes an error line; CR and LF inside the text become spaces,
// as Redis does, so an error can never break the framing.
func appendError(b []byte, msg string) []byte {
	b = append(b, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return append(b, '\r', '\n')
}
