package aof

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"sort"
	"strconv"

	"quordis/store"
)

// Whole RDB files:
//
//	"REDIS0010"
//	AUX name value ...                 metadata
//	SELECTDB n  RESIZEDB keys expires  for each non-empty database
//	[EXPIRETIME_MS t] type key value   for each key
//	EOF  CRC-64 (8 bytes LE) of all the bytes before it

// auxDefaults are the metadata fields Redis 7.0 writes, in its order.
var auxDefaults = []string{"redis-ver", "redis-bits", "ctime", "used-mem", "aof-base"}

// WriteRDB writes every database of s to w as an RDB file of version 10,
// as Redis 7.0's SAVE does. now (Unix ms) is the file's creation time.
// The metadata fields are Redis's — redis-ver 7.0.15, redis-bits 64,
// ctime, used-mem 0, aof-base 0 — with the values of aux where it has
// them, followed by aux's other fields in name order (repl-id and such).
//
// Every key is written with its expiry, including keys already expired
// at now, so that the file is the state as it is (a replica's or a
// snapshot's keys expire by the leader's decision, not the clock); loaders
// drop expired keys as they see fit. s must not change during the call.
// Writes to w are of 64 KB or so; w is not flushed or synced.
func WriteRDB(w io.Writer, s *store.Store, now int64, aux map[string]string) error {
	rw := NewRDBWriter(w, now, aux)
	if err := rw.Store(s); err != nil {
		return err
	}
	return rw.Close()
}

// Store writes every database of s, whole (see WriteRDB).
func (rw *RDBWriter) Store(s *store.Store) error {
	for i := 0; i < s.NumDB(); i++ {
		db := s.DB(i)
		if db.Len() == 0 {
			continue
		}
		rw.resize(i, db.Len(), db.ExpiresLen())
		db.Range(func(key string, o *store.Object) bool {
			at, ok := db.Expiry(key)
			if !ok {
				at = 0
			}
			return rw.Key(i, key, o, at) == nil
		})
	}
	return rw.e.err
}

// RDBWriter writes an RDB file key by key, for callers that produce keys
// in their own order (a snapshot taken while clients write): databases may
// come back several times, each time behind a SELECTDB, which Redis's
// loader accepts.
type RDBWriter struct {
	w  io.Writer
	e  *encoder
	db int
}

// NewRDBWriter starts an RDB file on w: the magic and the metadata fields
// (see WriteRDB). The header is buffered until the first flush.
func NewRDBWriter(w io.Writer, now int64, aux map[string]string) *RDBWriter {
	e := newEncoder(w)
	e.buf = append(e.buf, "REDIS0010"...)
	defaults := map[string]string{
		"redis-ver": redisVersionText, "redis-bits": "64",
		"ctime": strconv.FormatInt(now/1000, 10), "used-mem": "0", "aof-base": "0",
	}
	names := append([]string(nil), auxDefaults...)
	var extra []string
	for k, v := range aux {
		if _, ok := defaults[k]; !ok {
			extra = append(extra, k)
		}
		defaults[k] = v
	}
	sort.Strings(extra)
	for _, name := range append(names, extra...) {
		e.byte(opAux)
		e.string([]byte(name))
		e.string([]byte(defaults[name]))
	}
	return &RDBWriter{w: w, e: e, db: -1}
}

// resize writes the SELECTDB and RESIZEDB of a database written whole.
func (rw *RDBWriter) resize(db, keys, expires int) {
	rw.selectDB(db)
	rw.e.byte(opResizeDB)
	rw.e.length(uint64(keys))
	rw.e.length(uint64(expires))
}

func (rw *RDBWriter) selectDB(db int) {
	if db != rw.db {
		rw.e.byte(opSelectDB)
		rw.e.length(uint64(db))
		rw.db = db
	}
}

// Key writes one key of database db with its absolute expiry in Unix ms
// (0: none). It serializes o before returning.
func (rw *RDBWriter) Key(db int, key string, o *store.Object, expireAt int64) error {
	e := rw.e
	rw.selectDB(db)
	if expireAt > 0 {
		e.byte(opExpireTimeMS)
		e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(expireAt))
	}
	e.key = unsafeBytes(key)
	if len(key) == 0 {
		e.key = []byte{}
	}
	e.value(o)
	return e.err
}

// Function writes a function library's code (FUNCTION2), as Redis 7.0
// writes each library before the databases.
func (rw *RDBWriter) Function(code string) {
	rw.e.byte(opFunction2)
	rw.e.string([]byte(code))
}

// Close ends the file: EOF and the checksum, written through to w.
func (rw *RDBWriter) Close() error {
	rw.e.byte(opEOF)
	if err := rw.e.flush(); err != nil {
		return err
	}
	_, err := rw.w.Write(binary.LittleEndian.AppendUint64(nil, rw.e.crc))
	return err
}

// ReadRDB reads an RDB file of any version up to 10 from r and calls fn
// with every key: its database, name, value and absolute expiry in Unix
// ms (-1 for none). Values take the encodings Redis gives them on loading
// under the thresholds lim. It returns the file's metadata fields (AUX).
//
// It streams: memory beyond the value being decoded does not grow with
// the file. Corrupt data gives an error wrapping a *CorruptError with the
// byte offset, never a panic or an allocation larger than the data.
// As Redis, it skips empty aggregates, ignores the LRU and LFU hints of keys (IDLE,
// FREQ) and the table sizes (RESIZEDB), and refuses streams and module
// data. It does not drop expired keys: fn decides. A checksum of zero
// means the file was written without one, as rdbchecksum no does. An
// error from fn stops the reading and is returned as it is.
//
// When r is a *bufio.Reader, ReadRDB reads exactly the file's bytes from
// it, so that a caller can go on reading what follows (the commands after
// an AOF's RDB preamble); any other reader is buffered and may be read
// past the end.
func ReadRDB(r io.Reader, lim store.Limits, fn func(db int, key string, o store.Object, expireAt int64) error) (aux map[string]string, err error) {
	return ReadRDBWith(r, lim, fn, nil)
}

// ReadRDBWith is ReadRDB that also calls lib with the code of every
// function library (FUNCTION2) the file holds; ReadRDB skips them.
func ReadRDBWith(r io.Reader, lim store.Limits, fn func(db int, key string, o store.Object, expireAt int64) error,
	lib func(code string) error) (aux map[string]string, err error) {
	in := newStreamInput(r, lim)
	in.sum = true
	aux = map[string]string{}

	magic, err := in.take(9)
	if err != nil {
		return aux, err
	}
	if string(magic[:5]) != "REDIS" {
		return aux, &CorruptError{Msg: "not an RDB file (wrong signature)"}
	}
	version, perr := strconv.Atoi(string(magic[5:]))
	if perr != nil || version < 1 || version > RDBVersion {
		return aux, &CorruptError{Offset: 5, Msg: "unsupported RDB version " + strconv.Quote(string(magic[5:]))}
	}

	db, expireAt := 0, int64(-1)
	for {
		t, err := in.byte()
		if err != nil {
			return aux, err
		}
		switch t {
		case opExpireTimeMS:
			p, err := in.take(8)
			if err != nil {
				return aux, err
			}
			expireAt = int64(binary.LittleEndian.Uint64(p))
		case opExpireTime:
			p, err := in.take(4)
			if err != nil {
				return aux, err
			}
			expireAt = int64(int32(binary.LittleEndian.Uint32(p))) * 1000
		case opFreq:
			if _, err := in.byte(); err != nil {
				return aux, err
			}
		case opIdle:
			if _, err := in.plainLength(); err != nil {
				return aux, err
			}
		case opSelectDB:
			n, err := in.plainLength()
			if err != nil {
				return aux, err
			}
			if n > math.MaxInt32 {
				return aux, in.corrupt("database number %d out of range", n)
			}
			db = int(n)
		case opResizeDB:
			for range 2 {
				if _, err := in.plainLength(); err != nil {
					return aux, err
				}
			}
		case opAux:
			k, err := in.string()
			if err != nil {
				return aux, err
			}
			name := string(k)
			v, err := in.string()
			if err != nil {
				return aux, err
			}
			aux[name] = string(v)
		case opModuleAux:
			id, err := in.plainLength()
			if err != nil {
				return aux, err
			}
			return aux, in.corrupt("data of module %q: modules are not supported", moduleTypeName(id))
		case opFunctionPreGA:
			return aux, in.corrupt("pre-release function format not supported")
		case opFunction2:
			code, err := in.string()
			if err != nil {
				return aux, err
			}
			if lib != nil {
				if err := lib(string(code)); err != nil {
					return aux, err
				}
			}
		case opEOF:
			return aux, in.checksum(version)
		default:
			k, err := in.string()
			if err != nil {
				return aux, err
			}
			key := string(k)
			o, err := in.value(t)
			var ce *CorruptError
			if errors.As(err, &ce) && ce.Empty {
				expireAt = -1
				continue
			}
			if err != nil {
				return aux, err
			}
			if err := fn(db, key, o, expireAt); err != nil {
				return aux, err
			}
			expireAt = -1
		}
	}
}

// checksum reads and checks the CRC-64 that follows EOF in files of
// version 5 and later.
func (in *input) checksum(version int) error {
	if version < 5 {
		return nil
	}
	want := in.crc
	p, err := in.take(8)
	if err != nil {
		return err
	}
	if got := binary.LittleEndian.Uint64(p); got != 0 && got != want {
		return in.corrupt("checksum %016x, computed %016x", got, want)
	}
	return nil
}
