package aof

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"quordis/store"
)

// rdbEntry is a key as ReadRDB reports it.
type rdbEntry struct {
	db       int
	key      string
	value    string // renderObject of the value
	expireAt int64
}

// readAll reads an RDB file from r into a list of entries.
func readAll(r io.Reader) ([]rdbEntry, map[string]string, error) {
	var out []rdbEntry
	aux, err := ReadRDB(r, store.DefaultLimits(), func(db int, key string, o store.Object, expireAt int64) error {
		out = append(out, rdbEntry{db, key, renderObject(&o), expireAt})
		return nil
	})
	return out, aux, err
}

// sampleStore is a store with keys of every encoding in databases 0, 3
// and 15, some with expiries, one already expired.
func sampleStore(_ testing.TB) (*store.Store, []rdbEntry) {
	s := store.New(store.Options{})
	var want []rdbEntry
	add := func(db int, key string, o store.Object, expireAt int64) {
		s.DB(db).Set(key, o, 1000)
		if expireAt >= 0 {
			s.DB(db).SetExpiry(key, expireAt)
		}
		want = append(want, rdbEntry{db, key, renderObject(&o), expireAt})
	}
	for i, tc := range roundTripCases() {
		add(0, tc.name, tc.o, -1)
		if i%3 == 0 {
			add(3, "ttl:"+tc.name, tc.o.Clone(), 1_800_000_000_000+int64(i))
		}
	}
	add(15, "", strObj("empty key name"), -1)
	add(15, "expired", strObj("x"), 5)
	return s, want
}

func sortEntries(es []rdbEntry) {
	for i := range es {
		for j := i + 1; j < len(es); j++ {
			if es[j].db < es[i].db || es[j].db == es[i].db && es[j].key < es[i].key {
				es[i], es[j] = es[j], es[i]
			}
		}
	}
}

func TestWriteRDBThenReadRDBGivesTheSameKeys(t *testing.T) {
	s, want := sampleStore(t)
	var buf bytes.Buffer
	require.NoError(t, WriteRDB(&buf, s, 1_700_000_000_123, map[string]string{"used-mem": "4096", "repl-id": "abc"}))
	b := buf.Bytes()
	require.Equal(t, "REDIS0010", string(b[:9]))
	require.Equal(t, crc64Update(0, b[:len(b)-8]), binary.LittleEndian.Uint64(b[len(b)-8:]))

	got, aux, err := readAll(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"redis-ver": "7.0.15", "redis-bits": "64", "ctime": "1700000000",
		"used-mem": "4096", "aof-base": "0", "repl-id": "abc"}, aux)
	sortEntries(want)
	sortEntries(got)
	require.Equal(t, want, got)

	// The AUX fields come in Redis's order, then the extra ones.
	var offsets []int
	for _, n := range []string{"redis-ver", "redis-bits", "ctime", "used-mem", "aof-base", "repl-id"} {
		offsets = append(offsets, bytes.Index(b, []byte(n)))
	}
	require.IsIncreasing(t, offsets)
}

func TestReadRDBReadsExactlyTheFileFromABufferedReader(t *testing.T) {
	s, _ := sampleStore(t)
	var buf bytes.Buffer
	require.NoError(t, WriteRDB(&buf, s, 0, nil))
	buf.WriteString("*1\r\n$4\r\nPING\r\n")
	br := bufio.NewReaderSize(&buf, 16)
	_, _, err := readAll(br)
	require.NoError(t, err)
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	require.Equal(t, "*1\r\n$4\r\nPING\r\n", string(rest))
}

func TestReadRDBReadsFromAnyReader(t *testing.T) {
	s, want := sampleStore(t)
	var buf bytes.Buffer
	require.NoError(t, WriteRDB(&buf, s, 0, nil))
	path := filepath.Join(t.TempDir(), "dump.rdb")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sortEntries(want)
	for _, r := range []io.Reader{f, iotest.OneByteReader(bytes.NewReader(buf.Bytes())), iotest.HalfReader(bytes.NewReader(buf.Bytes()))} {
		got, _, err := readAll(r)
		require.NoError(t, err)
		sortEntries(got)
		require.Equal(t, want, got)
	}
}

func TestReadRDBRefusesCorruptFiles(t *testing.T) {
	s, _ := sampleStore(t)
	var buf bytes.Buffer
	require.NoError(t, WriteRDB(&buf, s, 0, nil))
	good := buf.Bytes()

	// Every truncation is an error with an offset within the file, from a
	// reader that knows its size and from one that does not.
	for i := 0; i < len(good); i += 1 + i/64 {
		for _, r := range []io.Reader{bytes.NewReader(good[:i]), iotest.HalfReader(bytes.NewReader(good[:i]))} {
			_, _, err := readAll(r)
			var ce *CorruptError
			require.True(t, errors.As(err, &ce), "cut at %d: %v", i, err)
			require.LessOrEqual(t, ce.Offset, int64(i))
		}
	}

	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-20] ^= 0x40
	_, _, err := readAll(bytes.NewReader(flipped))
	require.ErrorIs(t, err, ErrBadData)

	// A zero checksum means none was computed.
	unsummed := append([]byte(nil), good...)
	binary.LittleEndian.PutUint64(unsummed[len(unsummed)-8:], 0)
	_, _, err = readAll(bytes.NewReader(unsummed))
	require.NoError(t, err)

	for name, file := range map[string]string{
		"signature":       "RODIS0010\xff",
		"newer version":   "REDIS0011\xff",
		"version 0":       "REDIS0000\xff",
		"stream":          "REDIS0010\x13\x01k\x00",
		"module aux":      "REDIS0010\xf7\x81\x00\x00\x00\x00\x00\x00\x04\x00",
		"module value":    "REDIS0010\x07\x01k\x81\x00\x00\x00\x00\x00\x00\x04\x00",
		"pre-GA function": "REDIS0010\xf6",
		"unknown type":    "REDIS0010\x08\x01k",
		"huge db":         "REDIS0010\xfe\x81\x00\x00\x00\x01\x00\x00\x00\x00",
		"huge string":     "REDIS0010\x00\x01k\x80\x7f\xff\xff\xff",
	} {
		for _, r := range []io.Reader{strings.NewReader(file), iotest.OneByteReader(strings.NewReader(file))} {
			_, _, err := readAll(r)
			require.ErrorIs(t, err, ErrBadData, name)
		}
	}
}

func TestReadRDBSkipsWhatRedisSkips(t *testing.T) {
	var b []byte
	b = append(b, "REDIS0009"...)
	b = append(b, opAux)
	b = append(b, rdbStr([]byte("lua"))...)
	b = append(b, rdbStr([]byte("ignored"))...)
	b = append(b, opFunction2)
	b = append(b, rdbStr([]byte("#!lua name=lib\nredis.register_function('f', function() return 1 end)"))...)
	b = append(b, opSelectDB, 2, opResizeDB, 2, 1)
	b = append(b, opIdle, 0x40, 100)
	b = append(b, typeList, 1, 'e', 0) // an empty list: skipped
	b = append(b, opExpireTime)
	b = binary.LittleEndian.AppendUint32(b, 2_000_000_000)
	b = append(b, opFreq, 7)
	b = append(b, typeString, 1, 'k', 1, 'v')
	b = append(b, opEOF)
	b = binary.LittleEndian.AppendUint64(b, crc64Update(0, b))
	got, aux, err := readAll(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"lua": "ignored"}, aux)
	require.Equal(t, []rdbEntry{{2, "k", `string/embstr "v"`, 2_000_000_000_000}}, got)

	// Versions before 5 have no checksum.
	old := []byte("REDIS0004\x00\x01k\x01v\xff")
	got, _, err = readAll(bytes.NewReader(old))
	require.NoError(t, err)
	require.Len(t, got, 1)
}

func TestReadRDBStopsAtTheCallbacksError(t *testing.T) {
	s, _ := sampleStore(t)
	var buf bytes.Buffer
	require.NoError(t, WriteRDB(&buf, s, 0, nil))
	stop := errors.New("stop")
	n := 0
	_, err := ReadRDB(bytes.NewReader(buf.Bytes()), store.DefaultLimits(), func(int, string, store.Object, int64) error {
		n++
		return stop
	})
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, n)
}

// failingWriter fails after n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteRDBReportsWriteErrors(t *testing.T) {
	s, _ := sampleStore(t)
	for _, n := range []int{0, 100, 70000} {
		err := WriteRDB(&failingWriter{n: n}, s, 0, nil)
		require.EqualError(t, err, "disk full")
	}
}
