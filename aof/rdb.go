package aof

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"quordis/store"
)

// The RDB format, version 10 (Redis 7.0): DUMP payloads, RESTORE, and
// whole files. This file holds the format's constants, its errors and the
// entry points for single values; rdb_encode.go and rdb_decode.go
// serialize values, rdb_file.go whole files, and rdb_listpack.go,
// rdb_ziplist.go and rdb_lzf.go the encodings nested inside values.

// RDBVersion is the version of the RDB format written: Redis 7.0's.
const RDBVersion = 10

// Value types, the byte before each key (and the first byte of a DUMP
// payload). Redis 7.0 writes the ones marked "written"; the others come
// from files and payloads of older versions, and a 7.0 server loads them
// all.
const (
	typeString          = 0  // written
	typeList            = 1  // a linked list, before 3.2
	typeSet             = 2  // written for a hashtable set
	typeZSet            = 3  // scores as text, before 4.0
	typeHash            = 4  // written for a hashtable hash
	typeZSet2           = 5  // written for a skiplist zset: binary scores
	typeModulePreGA     = 6  // refused by Redis 7.0 too
	typeModule2         = 7  // module data
	typeHashZipmap      = 9  // before 2.6
	typeListZiplist     = 10 // before 3.2
	typeSetIntset       = 11 // written
	typeZSetZiplist     = 12 // before 7.0
	typeHashZiplist     = 13 // before 7.0
	typeListQuicklist   = 14 // ziplist nodes, 3.2 to 6.2
	typeStreamListpacks = 15 // streams, 5.0 to 6.2
	typeHashListpack    = 16 // written
	typeZSetListpack    = 17 // written
	typeListQuicklist2  = 18 // written: listpack (or plain) nodes
	typeStream2         = 19 // streams, 7.0
)

// Opcodes of the file format, in the place of a value type.
const (
	opFunction2     = 245 // a function library
	opFunctionPreGA = 246 // refused by Redis 7.0 too
	opModuleAux     = 247 // module data not tied to a key
	opIdle          = 248 // LRU idle time of the next key
	opFreq          = 249 // LFU counter of the next key
	opAux           = 250 // a metadata field
	opResizeDB      = 251 // sizes of the next database's tables
	opExpireTimeMS  = 252 // expiry of the next key, Unix ms
	opExpireTime    = 253 // expiry of the next key, Unix s (old files)
	opSelectDB      = 254 // the database of the keys that follow
	opEOF           = 255
)

// The containers of the nodes of a RDB_TYPE_LIST_QUICKLIST_2 list.
const (
	quicklistPlain  = 1 // one element as it is
	quicklistPacked = 2 // a listpack
)

// redisVersionText is the redis-ver a file is written with: the version
// whose format Quordis writes.
const redisVersionText = "7.0.15"

// Lengths: the top two bits of the first byte say how long the length is
// (6 bits, 14 bits, or a 32- or 64-bit big-endian number after a whole
// byte of 0x80 or 0x81), or that a string follows in a special encoding
// named by the low six bits.
const (
	len6bit  = 0    // top bits
	len14bit = 1    // top bits
	len32bit = 0x80 // whole byte
	len64bit = 0x81 // whole byte
	lenEnc   = 3    // top bits
	encInt8  = 0    // low bits: the string is an integer of 1, 2 or 4 bytes LE
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3 // low bits: compressed length, length, LZF data
)

// ErrBadPayload is returned by Restore for a payload whose version is
// newer than RDBVersion or whose checksum does not match: RESTORE answers
// "ERR DUMP payload version or checksum are wrong".
var ErrBadPayload = errors.New("aof: DUMP payload version or checksum are wrong")

// ErrBadData is wrapped by every error about data that cannot be decoded
// (*CorruptError): RESTORE answers "ERR Bad data format".
var ErrBadData = errors.New("aof: bad data format")

// CorruptError reports RDB data that cannot be decoded: truncated,
// inconsistent, or of a kind Quordis cannot hold (streams, module data).
type CorruptError struct {
	Offset int64 // of the byte where decoding failed
	Msg    string
	// Empty is set for an aggregate without elements, which Redis refuses
	// in RESTORE and skips when it loads a file.
	Empty bool
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("aof: bad RDB data at offset %d: %s", e.Offset, e.Msg)
}

// Unwrap makes errors.Is(err, ErrBadData) true.
func (e *CorruptError) Unwrap() error { return ErrBadData }

// EncodeValue writes o in the RDB format: its type byte, then the value,
// the bytes a DUMP payload starts with and a file holds after the key.
// It writes what Redis 7.0 writes for o's encoding: integers and LZF for
// strings, a listpack for a small hash or sorted set, an intset for a set
// of integers, listpack nodes for a list, and the general forms otherwise.
// A KindStream value is an error: Quordis has no streams yet.
func EncodeValue(w io.Writer, o *store.Object) error {
	e := newEncoder(w)
	e.value(o)
	return e.flush()
}

// DecodeValue reads a value of type typ (the byte EncodeValue writes
// first, read by the caller) from r. It accepts every type and encoding
// Redis 7.0 loads except streams and module data, checks every length
// against the data, and never panics: corrupt data gives a *CorruptError
// (offsets count from where r was). Values convert to the encodings Redis
// would give them on loading under the thresholds lim.
//
// When r is a *bufio.Reader, DecodeValue reads exactly the value's bytes
// from it; any other reader is buffered and may be read past the value.
func DecodeValue(r io.Reader, typ byte, lim store.Limits) (store.Object, error) {
	in := newStreamInput(r, lim)
	return in.value(typ)
}

// Dump returns o as a DUMP payload: the value as EncodeValue writes it,
// the RDB version (2 bytes) and the CRC-64 of all that (8 bytes), both
// little endian, as Redis's DUMP replies; for the values Redis would
// write the same way, the same bytes. o must be of a kind EncodeValue
// writes (any but KindStream).
func Dump(o *store.Object) []byte {
	e := newEncoder(nil)
	e.value(o)
	e.buf = binary.LittleEndian.AppendUint16(e.buf, RDBVersion)
	crc := crc64Update(0, e.buf)
	return binary.LittleEndian.AppendUint64(e.buf, crc)
}

// Restore decodes a DUMP payload into the encoding Redis would give it
// under the thresholds lim. A payload whose version is newer than
// RDBVersion or whose checksum is wrong gives ErrBadPayload; one that
// cannot be decoded an error wrapping ErrBadData. The object owns its
// memory: payload may be reused once Restore returns.
func Restore(payload []byte, lim store.Limits) (store.Object, error) {
	n := len(payload)
	if n < 10 {
		return store.Object{}, ErrBadPayload
	}
	footer := payload[n-10:]
	if binary.LittleEndian.Uint16(footer) > RDBVersion {
		return store.Object{}, ErrBadPayload
	}
	if crc64Update(0, payload[:n-8]) != binary.LittleEndian.Uint64(footer[2:]) {
		return store.Object{}, ErrBadPayload
	}
	// As Redis, decode from the whole payload: a value may not end where
	// the footer begins (what follows it is ignored, and a value that runs
	// into the footer is read from it).
	in := newBytesInput(payload, lim)
	typ, err := in.byte()
	if err != nil {
		return store.Object{}, err
	}
	return in.value(typ)
}

// newStreamInput reads from r, through r itself when it is a
// *bufio.Reader, and otherwise knows how many bytes are left when r can
// tell.
func newStreamInput(r io.Reader, lim store.Limits) *input {
	if br, ok := r.(*bufio.Reader); ok {
		return &input{br: br, size: -1, lim: lim}
	}
	size := sizeOf(r)
	bufSize := 64 << 10
	if size >= 0 && size < int64(bufSize) {
		bufSize = int(size) // bufio makes it at least 16
	}
	return &input{br: bufio.NewReaderSize(r, bufSize), size: size, lim: lim}
}

// DumpFunctions returns function libraries' code as FUNCTION DUMP's
// payload: each library as an RDB file holds it (FUNCTION2), then the
// RDB version and the CRC-64, as Dump ends a value.
func DumpFunctions(codes []string) []byte {
	e := newEncoder(nil)
	for _, code := range codes {
		e.byte(opFunction2)
		e.string([]byte(code))
	}
	e.buf = binary.LittleEndian.AppendUint16(e.buf, RDBVersion)
	crc := crc64Update(0, e.buf)
	return binary.LittleEndian.AppendUint64(e.buf, crc)
}

// PayloadError is what is wrong with a FUNCTION DUMP payload, in Redis's
// words.
type PayloadError string

func (e PayloadError) Error() string { return string(e) }

// RestoreFunctions reads the libraries' code from a FUNCTION DUMP
// payload. A payload whose version or checksum is wrong gives
// ErrBadPayload; any other fault an error with Redis's words for it.
func RestoreFunctions(payload []byte) ([]string, error) {
	n := len(payload)
	if n < 10 || binary.LittleEndian.Uint16(payload[n-10:]) > RDBVersion ||
		crc64Update(0, payload[:n-8]) != binary.LittleEndian.Uint64(payload[n-8:]) {
		return nil, ErrBadPayload
	}
	in := newBytesInput(payload[:n-10], store.DefaultLimits())
	var codes []string
	for in.pos < len(in.data) {
		typ, err := in.byte()
		if err != nil {
			return nil, PayloadError("can not read data type")
		}
		switch typ {
		case opFunctionPreGA:
			return nil, PayloadError("Pre-GA function format not supported")
		case opFunction2:
		default:
			return nil, PayloadError("given type is not a function")
		}
		code, err := in.string()
		if err != nil {
			return nil, PayloadError("failed loading the given functions payload")
		}
		codes = append(codes, string(code))
	}
	return codes, nil
}
