package aof

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"

	"quordis/store"
)

// AppendCommand appends argv to dst as a RESP multibulk, the record format
// of AOF files (Redis's catAppendOnlyGenericCommand). A RESP base written
// through Rewrite.Base uses it too.
func AppendCommand(dst []byte, argv [][]byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(argv)), 10)
	dst = append(dst, '\r', '\n')
	for _, arg := range argv {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(arg)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, arg...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// appendSelect appends SELECT db exactly as Redis's feedAppendOnlyFile does.
func appendSelect(dst []byte, db int) []byte {
	n := strconv.Itoa(db)
	dst = append(dst, "*2\r\n$6\r\nSELECT\r\n$"...)
	dst = strconv.AppendInt(dst, int64(len(n)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, n...)
	return append(dst, '\r', '\n')
}

const (
	// lineMax is how much of a line Redis's loader reads at once: fgets
	// into a buffer of AOF_ANNOTATION_LINE_MAX_LEN (1024) bytes.
	lineMax = 1023
	// bulkChunk bounds what is allocated ahead of the bytes actually read,
	// so a corrupt length cannot claim memory the file does not hold.
	bulkChunk = 1 << 20
)

// errShort is an unexpected end of file inside a record; errFormat is a
// record Redis's loader calls a bad file format.
var (
	errShort  = errors.New("short read")
	errFormat = errors.New("bad format")
)

// cmdReader reads AOF records with the rules of Redis 7.0's
// loadSingleAppendOnlyFile: a line starting with '#' is an annotation and is
// skipped; a record is "*<argc>" then argc times "$<len>", len bytes and two
// bytes that are not checked. Numbers are read as atoi and strtol read them.
type cmdReader struct {
	br  *bufio.Reader
	off int64 // file offset of the next unread byte
}

// line reads like fgets(buf, 1024, fp): through the next newline, at most
// lineMax bytes. It returns io.EOF only when no byte is left. The slice is
// valid until the next read.
func (r *cmdReader) line() ([]byte, error) {
	b, err := r.br.Peek(lineMax)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	} else if err != nil && err != io.EOF {
		return nil, err
	} else if len(b) == 0 {
		return nil, io.EOF
	}
	r.br.Discard(len(b))
	r.off += int64(len(b))
	return b, nil
}

// next returns the next record. It returns io.EOF at a clean end, errShort
// when the file ends inside a record, and errFormat for a record Redis
// would refuse; errOff is where the problem was found.
func (r *cmdReader) next() (argv [][]byte, errOff int64, err error) {
	var l []byte
	for {
		errOff = r.off
		if l, err = r.line(); err != nil {
			return nil, errOff, err
		}
		if l[0] != '#' {
			break
		}
	}
	if l[0] != '*' {
		return nil, errOff, errFormat
	}
	if len(l) == 1 {
		// fgets stopped after "*": the end of the file.
		return nil, errOff, errShort
	}
	argc, ok := cNumber(l[1:], math.MaxInt32)
	if !ok || argc < 1 {
		return nil, errOff, errFormat
	}
	argv = make([][]byte, 0, min(argc, 64))
	for range argc {
		errOff = r.off
		l, err = r.line()
		if err == io.EOF {
			return nil, errOff, errShort
		} else if err != nil {
			return nil, errOff, err
		}
		if l[0] != '$' {
			return nil, errOff, errFormat
		}
		n, ok := cNumber(l[1:], math.MaxInt64-2)
		if !ok || n < 0 {
			// Redis would try to allocate the wrapped-around length and
			// abort; a bad format is the useful answer.
			return nil, errOff, errFormat
		}
		errOff = r.off
		arg, err := r.bulk(n)
		if err != nil {
			return nil, errOff, err
		}
		if len(arg) > store.MaxString {
			// Quordis's strings stop at 4 GiB, and so does
			// proto-max-bulk-len: no file it wrote holds a longer
			// argument.
			return nil, errOff, errFormat
		}
		// The two bytes after the payload (CRLF) are skipped unchecked, as
		// Redis does.
		d, err := r.br.Discard(2)
		r.off += int64(d)
		if err == io.EOF {
			return nil, errOff, errShort
		} else if err != nil {
			return nil, errOff, err
		}
		argv = append(argv, arg)
	}
	return argv, 0, nil
}

// bulk reads n bytes, allocating only as they arrive.
func (r *cmdReader) bulk(n int64) ([]byte, error) {
	b := make([]byte, min(n, bulkChunk))
	got := 0
	for {
		m, err := io.ReadFull(r.br, b[got:])
		got += m
		r.off += int64(m)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, errShort
		} else if err != nil {
			return nil, err
		}
		if int64(got) == n {
			return b, nil
		}
		b = append(b, make([]byte, min(n-int64(got), int64(got)))...)
	}
}

// cNumber reads a decimal number as C's strtol does (leading blanks, a sign,
// digits up to the first other byte; nothing is 0). ok is false when the
// value is outside [-limit, limit], where Redis's behaviour is undefined or
// an allocation failure.
func cNumber(b []byte, limit int64) (n int64, ok bool) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
		if n > limit {
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseDB reads a SELECT argument strictly, as Redis's string2ll does.
func parseDB(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 10 || (len(b) > 1 && b[0] == '0') {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= math.MaxInt32
}
