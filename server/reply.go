package server

import (
	"math"
	"strconv"
	"unsafe"
)

// replyKind is the RESP type of a Reply.
type replyKind uint8

const (
	kindNone      replyKind = iota // no reply at all (QUIT after close, CLIENT REPLY OFF)
	kindSimple                     // +text
	kindError                      // -text
	kindInt                        // :n
	kindBulk                       // $n bytes
	kindNullBulk                   // $-1 (RESP3 _)
	kindNullArray                  // *-1 (RESP3 _)
	kindArray                      // *n of elems
	kindBulks                      // *n of bulks (nil element = null bulk), a cheap array of strings
	kindMap                        // %n of key/value elems (RESP2: flat array)
	kindSet                        // ~n (RESP2: array)
	kindPush                       // >n (RESP2: array)
	kindDouble                     // ,d (RESP2: bulk)
	kindBool                       // #t/#f (RESP2: :1/:0)
	kindVerbatim                   // =n txt:... (RESP2: bulk)
	kindNull                       // RESP3 null where Redis sends _ / RESP2 $-1
	kindRaw                        // pre-encoded bytes, written as they are
	kindBlocked                    // the client blocked; its reply comes later
	kindAppend                     // encoded by a function, straight from stored data
	kindStrArray                   // *n of bulk strings from strs
	kindStrSet                     // ~n of bulk strings from strs (RESP2: array)
	kindStrMap                     // %n of alternating keys and values from strs (RESP2: flat array)
	kindPushed                     // pre-encoded pushes, written even under CLIENT REPLY OFF
)

// Reply is the value a command handler returns. Handlers build replies with
// the constructors below and never encode; appendReply is the one place that
// turns a Reply into RESP2 or RESP3 bytes.
//
// A Reply is three fields, read as its kind says (the accessors below): p
// and n are the bytes of a string or bulk, the elements of an array, or
// the function of an Appended reply and 0; n alone is an integer (kindInt,
// kindBool) or a float's bits (kindDouble). Every command returns one
// through two or three calls: as a struct of one field per shape it took
// 144 bytes, too big for registers, and its copies cost about 2% of the
// CPU of pipelined LPUSHes. At three fields and 24 bytes (on 64-bit
// machines) it travels in registers.
type Reply struct {
	p    unsafe.Pointer
	n    int64
	kind replyKind
}

// Reply payloads by shape.
func (r *Reply) str() string     { return unsafe.String((*byte)(r.p), r.n) }
func (r *Reply) bytes() []byte   { return unsafe.Slice((*byte)(r.p), r.n) }
func (r *Reply) elems() []Reply  { return unsafe.Slice((*Reply)(r.p), r.n) }
func (r *Reply) bulks() [][]byte { return unsafe.Slice((*[]byte)(r.p), r.n) }
func (r *Reply) strs() []string  { return unsafe.Slice((*string)(r.p), r.n) }
func (r *Reply) len() int        { return int(r.n) }
func (r *Reply) num() int64      { return r.n }
func (r *Reply) float() float64  { return math.Float64frombits(uint64(r.n)) }

// app returns an Appended reply's function.
func (r *Reply) app() func(b []byte, proto int) []byte {
	return *(*func([]byte, int) []byte)(unsafe.Pointer(&r.p))
}

// strReply and sliceReply make the payload of a reply, keeping what the
// string or slice points to reachable through p.
func strReply(k replyKind, s string) Reply {
	return Reply{p: unsafe.Pointer(unsafe.StringData(s)), n: int64(len(s)), kind: k}
}
func sliceReply[E any](k replyKind, s []E) Reply {
	return Reply{p: unsafe.Pointer(unsafe.SliceData(s)), n: int64(len(s)), kind: k}
}

// Raw is pre-encoded RESP, written as it is.
func Raw(b []byte) Reply { return sliceReply(kindRaw, b) }

// Pushed is pre-encoded RESP that Redis sends as pushes (pub/sub's
// confirmations): written as it is, even when CLIENT REPLY is OFF or SKIP.
func Pushed(b []byte) Reply { return sliceReply(kindPushed, b) }

// Constructors for every reply shape.
var (
	replyOK        = Simple("OK")
	replyQueued    = Simple("QUEUED")
	replyNullBulk  = Reply{kind: kindNullBulk}
	replyNullArray = Reply{kind: kindNullArray}
	replyNone      = Reply{kind: kindNone}
	replyZero      = Reply{kind: kindInt}
	replyOne       = Int(1)
)

// Simple is a status reply (+text).
func Simple(s string) Reply { return strReply(kindSimple, s) }

// Int is an integer reply.
func Int(n int64) Reply { return Reply{n: n, kind: kindInt} }

// Bool is a RESP3 boolean (an integer 1/0 in RESP2).
func Bool(b bool) Reply {
	r := Reply{kind: kindBool}
	if b {
		r.n = 1
	}
	return r
}

// Bulk is a bulk string reply. b is written as it is; it must stay unchanged
// until the reply is encoded, which happens before the keyspace lock is
// released.
func Bulk(b []byte) Reply { return sliceReply(kindBulk, b) }

// BulkString is a bulk string reply from a Go string.
func BulkString(s string) Reply { return strReply(kindBulk, s) }

// BulkInt is an integer rendered as a bulk string.
func BulkInt(n int64) Reply { return BulkString(strconv.FormatInt(n, 10)) }

// Double is a RESP3 double (a bulk string in RESP2), formatted as Redis 7.0
// formats doubles.
func Double(f float64) Reply { return Reply{n: int64(math.Float64bits(f)), kind: kindDouble} }

// Array is an array of replies.
func Array(elems ...Reply) Reply { return sliceReply(kindArray, elems) }

// Appended is a reply that fn encodes itself, straight from stored data,
// so large replies need no intermediate copy. fn runs before the keyspace
// changes again (replies are encoded as soon as their command ran).
func Appended(fn func(b []byte, proto int) []byte) Reply {
	return Reply{p: *(*unsafe.Pointer)(unsafe.Pointer(&fn)), kind: kindAppend}
}

// Strings is an array of bulk strings, cheaper than Array of BulkString
// for large replies (no Reply per element).
func Strings(s []string) Reply { return sliceReply(kindStrArray, s) }

// StringSet is a RESP3 set of bulk strings (an array in RESP2).
func StringSet(s []string) Reply { return sliceReply(kindStrSet, s) }

// StringMap is a RESP3 map of bulk strings given as alternating keys and
// values (a flat array in RESP2).
func StringMap(kv []string) Reply { return sliceReply(kindStrMap, kv) }

// Bulks is an array of bulk strings; a nil element is a null bulk.
func Bulks(b [][]byte) Reply { return sliceReply(kindBulks, b) }

// Map is a RESP3 map given as alternating keys and values (a flat array in
// RESP2).
func Map(kv ...Reply) Reply { return sliceReply(kindMap, kv) }

// Set is a RESP3 set (an array in RESP2).
func Set(elems ...Reply) Reply { return sliceReply(kindSet, elems) }

// Push is a RESP3 out-of-band push (an array in RESP2).
func Push(elems ...Reply) Reply { return sliceReply(kindPush, elems) }

// Verbatim is a RESP3 verbatim string of format "txt" (a bulk in RESP2).
func Verbatim(s string) Reply { return strReply(kindVerbatim, s) }

// Null is the RESP3 null that Redis sends where RESP2 has a null bulk.
func Null() Reply { return Reply{kind: kindNull} }

// Err is an error reply. msg is the whole text after '-', starting with the
// error code, e.g. "ERR syntax error" or "WRONGTYPE Operation against ...".
func Err(msg string) Reply { return strReply(kindError, msg) }

// IsError reports whether r is an error reply.
func (r *Reply) IsError() bool { return r.kind == kindError }

// Error texts shared by many commands, byte for byte as Redis 7.0 sends them.
const (
	msgSyntax      = "ERR syntax error"
	msgNotInt      = "ERR value is not an integer or out of range"
	msgNotFloat    = "ERR value is not a valid float"
	msgWrongType   = "WRONGTYPE Operation against a key holding the wrong kind of value"
	msgNoSuchKey   = "ERR no such key"
	msgOutOfRange  = "ERR index out of range"
	msgNoAuth      = "NOAUTH Authentication required."
	msgInvalidDB   = "ERR DB index is out of range"
	msgExecAbort   = "EXECABORT Transaction discarded because of previous errors."
	msgOverflow    = "ERR increment or decrement would overflow"
	msgInvalidExp  = "ERR invalid expire time in '%s' command"
	msgStringLimit = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
)

var (
	replySyntax    = Err(msgSyntax)
	replyNotInt    = Err(msgNotInt)
	replyNotFloat  = Err(msgNotFloat)
	replyWrongType = Err(msgWrongType)
	replyNoSuchKey = Err(msgNoSuchKey)
)

// errorReply is the one place that turns a Go error into a RESP error. An
// error whose text already starts with an upper-case code is sent as it is;
// anything else gets the generic ERR code.
func errorReply(err error) Reply {
	msg := err.Error()
	if hasErrorCode(msg) {
		return Err(msg)
	}
	return Err("ERR " + msg)
}

// hasErrorCode reports whether msg starts with an upper-case word followed by
// a space, as Redis's error codes do (ERR, WRONGTYPE, NOAUTH, ...).
func hasErrorCode(msg string) bool {
	i := 0
	for i < len(msg) && msg[i] >= 'A' && msg[i] <= 'Z' {
		i++
	}
	return i > 0 && i < len(msg) && msg[i] == ' '
}

// formatDouble renders f as Redis 7.0 does (%.17g, with inf/-inf, and a
// NaN, which only a script can return, as nan or, with its sign bit set,
// -nan, as the C library prints it).
func formatDouble(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f) && math.Signbit(f):
		return append(b, "-nan"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	return strconv.AppendFloat(b, f, 'g', 17, 64)
}
