package server

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"math"
	"sync"
	"sync/atomic"
)

// Sizes and limits taken from Redis 7.0 (server.h and networking.c).
const (
	// ioBufLen is PROTO_IOBUF_LEN, the first size of the input buffer.
	ioBufLen = 16 << 10
	// inlineMaxSize is PROTO_INLINE_MAX_SIZE: the longest inline request,
	// multibulk count line or bulk length line.
	inlineMaxSize = 64 << 10
	// bigArg is PROTO_MBULK_BIG_ARG. A bulk at least this long that has not
	// fully arrived is read into its own allocation instead of the buffer.
	bigArg = 32 << 10
	// bigArgFirst is the first allocation for such a bulk: it is granted before
	// the bytes arrive, like the input buffer itself, and then doubles as they
	// do, so a declared length alone never costs more than this.
	bigArgFirst = 64 << 10
	// argvFirst caps the argument slice a multibulk count may reserve, as the
	// min(multibulklen, 1024) in processMultibulkBuffer does.
	argvFirst = 1024
	// unauthMaxArgs and unauthMaxBulk are the limits processMultibulkBuffer
	// puts on a client that has not authenticated.
	unauthMaxArgs = 10
	unauthMaxBulk = 16384

	// keepBufLen is the largest buffer kept between commands; a buffer grown
	// past it for one large command is replaced by a small one once the
	// input it holds fits. (While the connection waits for input, it holds
	// none: see bufPool.)
	keepBufLen = 4 * ioBufLen
	// minRead is the least free space worth a Read into the buffer; with less,
	// the buffer is compacted or grown first.
	minRead = 512
	// maxEmptyReads is how many (0, nil) results from the underlying reader
	// in a row are taken as a broken reader, the bound bufio uses.
	maxEmptyReads = 100

	defaultProtoMaxBulkLen  = 512 << 20
	defaultQueryBufferLimit = 1 << 30
)

// The protocol error texts, byte for byte those Redis 7.0 replies with.
const (
	errInvalidMbulk = "Protocol error: invalid multibulk length"
	errUnauthMbulk  = "Protocol error: unauthenticated multibulk length"
	errTooBigMbulk  = "Protocol error: too big mbulk count string"
	errTooBigBulk   = "Protocol error: too big bulk count string"
	errInvalidBulk  = "Protocol error: invalid bulk length"
	errUnauthBulk   = "Protocol error: unauthenticated bulk length"
	errTooBigInline = "Protocol error: too big inline request"
	errUnbalanced   = "Protocol error: unbalanced quotes in request"
)

// ErrSecurityAttack is returned when a command is named POST or Host:
// (compared as Redis's strcasecmp does): a browser is being used to talk to
// the server across protocols. The caller closes the connection without a
// reply, as Redis's securityWarningCommand does.
var ErrSecurityAttack = errors.New("server: possible security attack: POST or Host: command")

// ErrQueryBufferLimit is returned when the unparsed input the Reader holds,
// which is the part of the element being parsed that has arrived (a line, or
// a bulk argument with its trailing two bytes, big ones included), would
// exceed ReaderLimits.QueryBufferLimit. The caller closes the connection
// without a reply, as Redis does for client-query-buffer-limit.
var ErrQueryBufferLimit = errors.New("server: client query buffer limit exceeded")

// ProtocolError is malformed input. Error returns the text Redis replies
// with, such as "Protocol error: invalid multibulk length"; the caller sends
// "-ERR " + Error() and closes the connection.
type ProtocolError struct {
	msg string
}

func (e *ProtocolError) Error() string { return e.msg }

func protocolError(msg string) error { return &ProtocolError{msg: msg} }

// expectedDollar is the error for a bulk header that does not start with
// '$'. Redis formats the byte with %c and then turns CR and LF into spaces
// so the error reply stays one line; other bytes are sent raw.
func expectedDollar(c byte) error {
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return protocolError("Protocol error: expected '$', got '" + string([]byte{c}) + "'")
}

// ReaderLimits are the input limits of one connection.
type ReaderLimits struct {
	ProtoMaxBulkLen  int64 // proto-max-bulk-len, default 512 MB
	QueryBufferLimit int64 // client-query-buffer-limit, default 1 GB
}

// withDefaults fills a zero or negative field with Redis's default, so a
// zero ReaderLimits means Redis's configuration.
func (l ReaderLimits) withDefaults() ReaderLimits {
	if l.ProtoMaxBulkLen <= 0 {
		l.ProtoMaxBulkLen = defaultProtoMaxBulkLen
	}
	// A bulk length is compared and added to in int64; past this bound
	// "length + 2" could overflow.
	l.ProtoMaxBulkLen = min(l.ProtoMaxBulkLen, math.MaxInt64/2)
	if l.QueryBufferLimit <= 0 {
		l.QueryBufferLimit = defaultQueryBufferLimit
	}
	l.QueryBufferLimit = min(l.QueryBufferLimit, math.MaxInt64/2)
	return l
}

// Reader reads client requests, RESP multibulk or inline, from one
// connection the way Redis 7.0's processMultibulkBuffer and
// processInlineBuffer do, with the same errors and limits.
//
// Memory grows only as bytes arrive: a declared count or bulk length
// reserves at most a small constant until the data is there. Every step of
// its loop consumes input or reads, so no input makes it spin, and a
// request split over many reads costs no stack.
//
// An error from the underlying reader is returned as it is and leaves the
// Reader's state intact, so a call after a transient error (a deadline)
// resumes where the input stopped. A *ProtocolError, ErrSecurityAttack or
// ErrQueryBufferLimit is final: every later call returns it again.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	rd     io.Reader
	lim    ReaderLimits
	authed bool

	// buf[pos:end] is input not yet parsed. buf[start:pos] holds the
	// arguments parsed so far of the command being assembled, which is why
	// the buffer is compacted from start, not from pos.
	buf   []byte
	start int
	pos   int
	end   int

	// scanned counts the bytes from pos known to hold no line terminator, so
	// a line arriving one byte at a time is scanned once, not once per read.
	// lineDead records a NUL byte before any terminator (see findLine).
	scanned  int
	lineDead bool

	multi   int64  // bulks still expected by the multibulk being assembled; 0 between commands
	bulkLen int64  // length of the bulk being read, -1 until its header is parsed
	big     []byte // payload of a big bulk, read straight from rd; nil unless one is being read

	// args is the command being assembled and offs[i] the offset of args[i]
	// in buf (-1 for a bulk with its own allocation), so the arguments can
	// follow the bytes when the buffer moves. out is the command last
	// returned: the two slices alternate so that Buffered can assemble the
	// next command without touching the one the caller holds.
	args [][]byte
	offs []int
	out  [][]byte

	peeked [][]byte // scratch for Peek
	ready  bool     // args is a whole command that Buffered assembled

	rerr error // error rd returned along with data, reported by the next fill
	err  error // final error

	// full: the last read into the buffer filled all the room it had, so
	// the sender may have had more to send than fitted (see TopUp); the
	// buffer then grows at its next makeRoom, up to keepBufLen.
	full bool

	// While the Reader waits for input with nothing held, its buffer is
	// lent to bufPool (see park) and buf is nil; bufLen is the size to
	// take back. box carries the buffer into the pool without allocating.
	bufLen int
	box    *[]byte
	// capMirror, when set, follows len(buf) for other goroutines.
	capMirror *atomic.Int64
}

// bufPool holds the input buffers of connections waiting for their next
// request, one pool per size a buffer is kept at between commands
// (ioBufLen doubled up to keepBufLen), so that an idle connection holds no
// buffer, as Redis 7.0's client cron frees an idle client's query buffer
// (and Redis 7.4 shares one). Each entry is a *[]byte.
var bufPool [3]sync.Pool

// poolIndex returns the pool for buffers of size n, or -1.
func poolIndex(n int) int {
	switch n {
	case ioBufLen:
		return 0
	case 2 * ioBufLen:
		return 1
	case keepBufLen:
		return 2
	}
	return -1
}

// NewReader returns a Reader of requests from rd with the limits lim (a zero
// field means Redis's default).
//
// A new Reader applies Redis's limits for unauthenticated clients (at most 10
// arguments of at most 16384 bytes each) until SetAuthenticated(true): a
// server without a password calls it at once, and one with a password after
// a successful AUTH. Starting closed means a forgotten call shows up as
// refused commands rather than as a missing protection.
func NewReader(rd io.Reader, lim ReaderLimits) *Reader {
	return &Reader{
		rd:      rd,
		lim:     lim.withDefaults(),
		bulkLen: -1,
		bufLen:  ioBufLen,
	}
}

// MirrorBufferCap makes the Reader store the size of its input buffer in m
// whenever it changes (0 while it has none), for readers of CLIENT LIST's
// and used_memory's figures on other goroutines.
func (r *Reader) MirrorBufferCap(m *atomic.Int64) {
	r.capMirror = m
	m.Store(int64(len(r.buf)))
}

// setBuf makes buf the input buffer.
func (r *Reader) setBuf(buf []byte) {
	r.buf = buf
	if r.capMirror != nil {
		r.capMirror.Store(int64(len(buf)))
	}
}

// newBuf returns a buffer of n bytes, from the pool when it keeps that size.
func (r *Reader) newBuf(n int) []byte {
	if i := poolIndex(n); i >= 0 {
		if b, ok := bufPool[i].Get().(*[]byte); ok {
			buf := *b
			*b = nil
			if r.box == nil {
				r.box = b
			}
			return buf
		}
	}
	return make([]byte, n)
}

// Release gives the input buffer back to the pool. A caller done with the
// Reader (its connection closed) calls it; the Reader must not be used
// after, as the buffer may be in use elsewhere.
func (r *Reader) Release() {
	r.lend()
	r.args, r.out, r.offs = nil, nil, nil
	r.big = nil
}

// lend puts the buffer into the pool, keeping its size for the next
// newBuf. Nothing it holds may be needed again.
func (r *Reader) lend() {
	if r.buf == nil {
		return
	}
	r.bufLen = len(r.buf)
	if i := poolIndex(len(r.buf)); i >= 0 {
		b := r.box
		if b == nil {
			b = new([]byte)
		}
		r.box = nil
		*b = r.buf
		bufPool[i].Put(b)
	} else {
		// A buffer grown for a large command: makeRoom would replace it.
		r.bufLen = ioBufLen
	}
	r.setBuf(nil)
	r.start, r.pos, r.end = 0, 0, 0
}

// SetAuthenticated sets whether the client has authenticated. While it has
// not, a multibulk count above 10 fails with "unauthenticated multibulk
// length" and a bulk above 16384 bytes with "unauthenticated bulk length",
// as in Redis with requirepass set. It applies to headers parsed after the
// call, so a server calls it before Buffered, which parses ahead.
func (r *Reader) SetAuthenticated(ok bool) { r.authed = ok }

// SetLimits replaces the limits (a zero field means Redis's default). They
// apply to headers parsed and reads made after the call.
func (r *Reader) SetLimits(lim ReaderLimits) { r.lim = lim.withDefaults() }

// ReadCommand returns the next command's arguments. The slices alias the
// reader's buffer and are valid only until the next call of ReadCommand
// (Buffered leaves them alone). Empty commands (*0, *-1, empty inline
// lines) are skipped silently, as Redis does.
//
// ReadCommand blocks in the underlying reader's Read until a whole command
// has arrived. It returns an error from that reader as it is (io.EOF when
// the peer closed, even in the middle of a command), a *ProtocolError,
// ErrSecurityAttack or ErrQueryBufferLimit.
func (r *Reader) ReadCommand() ([][]byte, error) {
	// The caller is done with the command last returned: drop its references
	// so that a big argument is not kept alive while the connection idles.
	clear(r.out)
	if !r.ready {
		if r.err != nil {
			return nil, r.err
		}
		for {
			done, err := r.parse()
			if err != nil {
				r.err = err
				return nil, err
			}
			if done {
				break
			}
			if err := r.fill(); err != nil {
				return nil, err
			}
		}
	}
	r.ready = false
	// The caller is done with the previous command, so its slice becomes the
	// one the next command is assembled in. No command is in progress now:
	// nothing before pos needs to survive the next move of the buffer.
	r.args, r.out = r.out, r.args
	r.offs = r.offs[:0]
	r.start = r.pos
	return r.out, nil
}

// NextReady returns the next command when a whole one is buffered (see
// Buffered), as ReadCommand would, and nil when more input is needed or
// an error waits for ReadCommand to report it. It never reads.
func (r *Reader) NextReady() [][]byte {
	if !r.Buffered() || !r.ready {
		return nil
	}
	args, _ := r.ReadCommand() // ready: it neither reads nor fails
	return args
}

// Buffered reports whether input is already buffered for the next
// ReadCommand call to return without reading: a whole command, or an error.
// A caller serving a pipeline withholds its flush while Buffered is true.
//
// To know, Buffered parses the buffered input ahead (the work is not
// repeated by ReadCommand). It never reads and does not invalidate the
// arguments ReadCommand last returned. Bytes of a command that has only
// partly arrived do not count: waiting for the rest must not hold back the
// replies to the commands before it.
func (r *Reader) Buffered() bool {
	if r.ready || r.err != nil || r.rerr != nil {
		return true
	}
	done, err := r.parse()
	if err != nil {
		r.err = err
		return true
	}
	r.ready = done
	return done
}

// parse assembles a command in r.args from the buffered input. It reports
// whether a whole command is ready; false means more input is needed. Every
// iteration of its loops consumes input or returns.
func (r *Reader) parse() (bool, error) {
	for {
		if r.multi == 0 {
			if r.pos == r.end {
				return false, nil
			}
			r.beginCommand()
			if r.buf[r.pos] != '*' {
				done, err := r.parseInline()
				if err != nil || !done {
					return false, err
				}
				if len(r.args) == 0 {
					continue // blank line
				}
				return true, r.checkCommand()
			}
			done, err := r.parseCount()
			if err != nil || !done {
				return false, err
			}
			if r.multi == 0 {
				continue // *0, *-1 and any other count <= 0
			}
		}
		done, err := r.parseBulks()
		if err != nil || !done {
			return false, err
		}
		return true, r.checkCommand()
	}
}

// beginCommand starts assembling a command at r.pos.
func (r *Reader) beginCommand() {
	r.start = r.pos
	if cap(r.args) > argvFirst {
		// Do not keep the slice of a rare huge command for the life of the
		// connection.
		r.args, r.offs = nil, nil
		return
	}
	// Drop references to earlier arguments, big ones included, so the
	// garbage collector can free them.
	clear(r.args)
	r.args = r.args[:0]
	r.offs = r.offs[:0]
}

// checkCommand applies the check processCommand makes before anything else:
// a command named POST or Host: is an HTTP request sent by a browser.
// strcasecmp stops at a NUL byte, so "post\x00..." matches too.
func (r *Reader) checkCommand() error {
	name := r.args[0]
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	if equalFoldASCII(name, "post") || equalFoldASCII(name, "host:") {
		return ErrSecurityAttack
	}
	return nil
}

// parseCount parses a multibulk count line at r.pos ("*<n>\r\n"). It reports
// false when the line has not fully arrived.
func (r *Reader) parseCount() (bool, error) {
	n, nl, ok, err := r.header('*', errTooBigMbulk)
	if nl < 0 || err != nil {
		return false, err
	}
	if !ok || n > math.MaxInt32 {
		return false, protocolError(errInvalidMbulk)
	}
	if n > unauthMaxArgs && !r.authed {
		return false, protocolError(errUnauthMbulk)
	}
	r.advance(nl + 2)
	if n <= 0 {
		return true, nil
	}
	r.multi = n
	r.bulkLen = -1
	if want := int(min(n, argvFirst)); cap(r.args) < want {
		r.args = make([][]byte, 0, want)
		r.offs = make([]int, 0, want)
	}
	return true, nil
}

// parseBulks parses the bulks of the multibulk being assembled, as far as
// they have arrived. It reports true when the last one is in.
func (r *Reader) parseBulks() (bool, error) {
	for r.multi > 0 {
		if r.bulkLen < 0 {
			n, nl, ok, err := r.header('$', errTooBigBulk)
			if nl < 0 || err != nil {
				return false, err
			}
			if !ok || n < 0 || n > r.lim.ProtoMaxBulkLen {
				return false, protocolError(errInvalidBulk)
			}
			if n > unauthMaxBulk && !r.authed {
				return false, protocolError(errUnauthBulk)
			}
			r.advance(nl + 2)
			r.bulkLen = n
			if n >= bigArg && int64(r.end-r.pos) < n {
				r.beginBig()
			}
		}
		if r.big != nil {
			// Like the byte after a header's '\r', the two bytes after the
			// payload are skipped unchecked, as Redis does.
			if int64(len(r.big)) < r.bulkLen || r.end-r.pos < 2 {
				return false, nil
			}
			r.args = append(r.args, r.big)
			r.offs = append(r.offs, -1)
			r.big = nil
			r.advance(r.pos + 2)
		} else {
			if int64(r.end-r.pos)-2 < r.bulkLen {
				return false, nil
			}
			a, b := r.pos, r.pos+int(r.bulkLen)
			// The capacity is cut so that an append by the caller cannot
			// overwrite the input that follows.
			r.args = append(r.args, r.buf[a:b:b])
			r.offs = append(r.offs, a)
			r.advance(b + 2)
		}
		r.bulkLen = -1
		r.multi--
	}
	return true, nil
}

// beginBig moves the payload bytes already buffered into an allocation of
// its own for the bulk whose header was just parsed; fill then reads the
// rest straight into it, so a large value is not copied through the buffer
// and does not grow it. The allocation starts small and doubles as bytes
// arrive, never past the declared length.
func (r *Reader) beginBig() {
	have := r.end - r.pos
	size := min(int64(max(2*have, bigArgFirst)), r.bulkLen)
	r.big = make([]byte, have, size)
	copy(r.big, r.buf[r.pos:r.end])
	// Forget the copied bytes rather than consuming them, so that the buffer
	// holds only the command's earlier arguments and need not grow.
	r.end = r.pos
}

// parseInline parses an inline request, a line not starting with '*',
// splitting it as Redis's sdssplitargs does. It reports false when the line
// has not fully arrived. A blank line yields no arguments.
func (r *Reader) parseInline() (bool, error) {
	nl, tooBig := r.findLine('\n')
	if nl < 0 {
		if tooBig {
			return false, protocolError(errTooBigInline)
		}
		return false, nil
	}
	end := nl
	if end > r.pos && r.buf[end-1] == '\r' {
		end--
	}
	if !r.splitArgs(r.pos, end) {
		return false, protocolError(errUnbalanced)
	}
	r.advance(nl + 1)
	return true, nil
}

// splitArgs splits buf[p:e] into r.args the way Redis's sdssplitargs does:
// blanks separate arguments; "double quotes" take the escapes \n \r \t \b \a
// \xHH and backslash before any other byte; 'single quotes' take only \';
// a closing quote must be followed by a blank or the end of the line. It
// reports false for unbalanced quotes.
//
// It decodes in place: every argument byte written consumes at least one
// input byte, so the write position never passes the read position.
// (sdssplitargs stops at a NUL byte; findLine guarantees there is none.)
func (r *Reader) splitArgs(p, e int) bool {
	buf := r.buf
	at := func(i int) byte { // the byte at i, or 0 at the end, like a C string
		if i < e {
			return buf[i]
		}
		return 0
	}
	w := p
	for {
		for p < e && isSpace(buf[p]) {
			p++
		}
		if p >= e {
			return true
		}
		tok := w
		inq, insq := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					buf[w] = unhex(at(p+2))<<4 | unhex(at(p+3))
					w++
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					buf[w] = unescape(buf[p])
					w++
				case c == '"':
					if n := at(p + 1); n != 0 && !isSpace(n) {
						return false
					}
					done = true
				case c == 0:
					return false
				default:
					buf[w] = c
					w++
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					buf[w] = '\''
					w++
				case c == '\'':
					if n := at(p + 1); n != 0 && !isSpace(n) {
						return false
					}
					done = true
				case c == 0:
					return false
				default:
					buf[w] = c
					w++
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
					buf[w] = c
					w++
				}
			}
			if p < e {
				p++
			}
		}
		r.args = append(r.args, buf[tok:w:w])
		r.offs = append(r.offs, tok)
	}
}

// header parses the header line at r.pos: prefix (a bulk's '$'; a count's
// '*', which the caller has seen), a number and CRLF. It returns the index
// of the line's '\r', or -1 while the line, or the byte after its '\r', has
// not fully arrived (Redis waits for that byte and then skips it without
// checking that it is '\n'), and reports whether the number parsed. A line
// that can no longer end within bounds fails with tooBig; a bulk header
// that does not start with '$' with Redis's error for it.
func (r *Reader) header(prefix byte, tooBig string) (n int64, nl int, ok bool, err error) {
	if n, nl, ok = shortHeader(r.buf, r.pos, r.end, prefix); ok {
		return n, nl, true, nil
	}
	nl, long := r.findLine('\r')
	switch {
	case nl < 0 && long:
		return 0, -1, false, protocolError(tooBig)
	case nl < 0 || nl+1 >= r.end:
		return 0, -1, false, nil
	case r.buf[r.pos] != prefix:
		return 0, -1, false, expectedDollar(r.buf[r.pos])
	}
	n, ok = parseLongLong(r.buf[r.pos+1 : nl])
	return n, nl, ok, nil
}

// shortHeader parses, at pos in b[:end], a header line of the form nearly
// every one takes: the prefix byte, one to nine digits without a leading
// zero (or a lone 0) and '\r', with the byte after it arrived. It returns
// the number and the index of the '\r'. For anything else it reports false
// and the caller parses the line the general way (findLine and
// parseLongLong), which gives the same result for such a line and Redis's
// errors for the rest; this saves those calls on the common path.
func shortHeader(b []byte, pos, end int, prefix byte) (n int64, nl int, ok bool) {
	if pos >= end || b[pos] != prefix {
		return 0, 0, false
	}
	first := pos + 1
	for i := first; i < end && i <= first+9; i++ {
		c := b[i]
		switch {
		case c == '\r':
			if i == first || i+1 >= end {
				return 0, 0, false
			}
			return n, i, true
		case c < '0' || c > '9' || i > first && b[first] == '0':
			return 0, 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return 0, 0, false
}

// findLine looks for the end of the line starting at r.pos and returns the
// index of its terminator, or -1. tooBig reports that the line can no longer
// end within inlineMaxSize bytes.
//
// It reproduces Redis 7.0, which finds the terminator with strchr on the
// query buffer: a NUL byte before the terminator hides it, so such a line
// never ends and fails as too big once more than inlineMaxSize bytes are
// buffered. Redis checks that bound only when a read ends, so how long a
// line it accepts depends on how the bytes were split into reads; a line
// here is accepted when its terminator is within the first inlineMaxSize+1
// bytes, which is what Redis does when bytes arrive one at a time, and which
// does not depend on the split.
func (r *Reader) findLine(term byte) (idx int, tooBig bool) {
	if !r.lineDead {
		from := r.pos + r.scanned
		to := min(r.end, r.pos+inlineMaxSize+1)
		if from < to {
			if i, dead := scanLine(r.buf[from:to], term); dead {
				r.lineDead = true
			} else if i >= 0 {
				r.scanned = from + i - r.pos
				return from + i, false
			} else {
				r.scanned = to - r.pos
			}
		}
	}
	return -1, r.end-r.pos > inlineMaxSize
}

// scanLine returns the index of the first term in seg, or -1, and whether a
// NUL byte comes before it.
func scanLine(seg []byte, term byte) (int, bool) {
	// Header lines are a few bytes long: a plain loop beats calling
	// IndexByte twice on them.
	const short = 32
	for i, c := range seg[:min(len(seg), short)] {
		switch c {
		case term:
			return i, false
		case 0:
			return -1, true
		}
	}
	if len(seg) <= short {
		return -1, false
	}
	rest := seg[short:]
	i := bytes.IndexByte(rest, term)
	before := rest
	if i >= 0 {
		before = rest[:i]
	}
	if bytes.IndexByte(before, 0) >= 0 {
		return -1, true
	}
	if i < 0 {
		return -1, false
	}
	return short + i, false
}

// advance consumes the input before pos.
func (r *Reader) advance(pos int) {
	r.pos = pos
	r.scanned = 0
	r.lineDead = false
}

// fill reads once from the underlying reader: into the big bulk being read,
// or else into the buffer. It returns an error when nothing was read.
func (r *Reader) fill() error { return r.fillFrom(r.rd.Read, false) }

// tryReader is an io.Reader that can also read without waiting: TryRead
// returns 0 and no error when nothing has arrived.
type tryReader interface {
	TryRead(p []byte) (int, error)
}

// A lendingReader can wait for input without its caller's buffer:
// ReadLending reads into p as Read does, but when nothing has arrived it
// first calls l.park, which may give p away, and once input is there reads
// into the buffer l.unpark returns instead. Either way the count is of
// bytes read into the last buffer it was given.
type lendingReader interface {
	ReadLending(p []byte, l bufferLender) (int, error)
}

// bufferLender is the caller's side of ReadLending; the Reader is one.
type bufferLender interface {
	park()
	unpark() []byte
}

// park lends the buffer out while ReadLending waits: fillFrom calls
// ReadLending only when the buffer holds nothing.
func (r *Reader) park() { r.lend() }

// unpark takes a buffer back for the read ReadLending is about to make.
func (r *Reader) unpark() []byte {
	r.setBuf(r.newBuf(r.bufLen))
	return r.readRoom()
}

// readRoom is the free part of the buffer, cut to the room the query
// buffer limit leaves.
func (r *Reader) readRoom() []byte {
	dst := r.buf[r.end:]
	held := int64(r.end-r.pos) + int64(len(r.big))
	if room := r.lim.QueryBufferLimit - held; int64(len(dst)) > room {
		dst = dst[:room]
	}
	return dst
}

// MayTopUp reports whether TopUp would read: the last read filled all the
// room it had, and nothing is buffered or failed.
func (r *Reader) MayTopUp() bool {
	return r.full && !r.ready && r.err == nil && r.rerr == nil
}

// TopUp is for a caller that has run every buffered command (Buffered is
// false). When the last read filled all the room it had, the rest of what
// the sender wrote at once (a pipeline longer than the buffer) has likely
// arrived too: TopUp reads what has arrived, without waiting (when the
// underlying reader can: tryReader), so that the caller can go on with it
// instead of parking on the poller for input already there, and reports
// whether a whole command is now buffered. (A read that fills the buffer
// also grows it, up to 64 KiB, so a pipeline up to that size is read at
// once and answered with one write.) An error is kept for ReadCommand to report.
// Unlike Buffered, TopUp may move the buffered input: the arguments
// ReadCommand last returned are invalid after it.
func (r *Reader) TopUp() bool {
	if !r.MayTopUp() {
		return false
	}
	tr, ok := r.rd.(tryReader)
	if !ok {
		return false
	}
	if err := r.fillFrom(tr.TryRead, true); err != nil {
		if r.err == nil {
			r.rerr = err
		}
		return false
	}
	return r.Buffered()
}

// fillFrom is fill with read as the read. With try, read does not wait,
// and a read of nothing (nothing has arrived) ends the call without an
// error; it reads nothing at the query buffer limit.
func (r *Reader) fillFrom(read func([]byte) (int, error), try bool) error {
	// The limit is checked after parsing, on what parsing left, and each read
	// is cut to end at the limit, so the outcome does not depend on how the
	// input was split into reads. It fails as Redis does when bytes arrive
	// one at a time: when one more byte arrives while the limit is held.
	held := int64(r.end-r.pos) + int64(len(r.big))
	if held > r.lim.QueryBufferLimit {
		r.err = ErrQueryBufferLimit
		return r.err
	}
	if r.rerr != nil {
		err := r.rerr
		r.rerr = nil
		return err
	}
	room := r.lim.QueryBufferLimit - held
	atLimit := room == 0
	if atLimit {
		if try {
			return nil
		}
		room = 1
	}
	intoBig := r.big != nil && int64(len(r.big)) < r.bulkLen
	var dst []byte
	if atLimit {
		// Any byte that arrives now is an error; do not grow anything for it.
		dst = make([]byte, 1)
		intoBig = false
	} else if intoBig {
		if len(r.big) == cap(r.big) {
			r.growBig()
		}
		dst = r.big[len(r.big):cap(r.big)]
	} else {
		r.makeRoom()
		dst = r.buf[r.end:]
	}
	if int64(len(dst)) > room {
		dst = dst[:room]
	}
	// A wait with nothing held can lend the buffer out.
	lr, lending := r.rd.(lendingReader)
	lending = lending && !try && !atLimit && !intoBig && r.end == r.start
	for empty := 0; ; {
		var n int
		var err error
		if lending {
			n, err = lr.ReadLending(dst, r)
			if r.buf == nil {
				// The wait failed with the buffer lent; the next read
				// takes one back (makeRoom).
				return cmp.Or(err, io.ErrNoProgress)
			}
			dst = r.readRoom() // the buffer read into
		} else {
			n, err = read(dst)
		}
		if n < 0 || n > len(dst) {
			r.err = errors.New("server: invalid count returned by io.Reader")
			return r.err
		}
		if n > 0 {
			if atLimit {
				r.err = ErrQueryBufferLimit
				return r.err
			}
			if intoBig {
				r.big = r.big[:len(r.big)+n]
				r.full = false // a big bulk is no reason to grow the buffer
			} else {
				r.end += n
				r.full = n == len(dst)
			}
			r.rerr = err
			return nil
		}
		if err != nil {
			return err
		}
		if try {
			return nil
		}
		if empty++; empty >= maxEmptyReads {
			return io.ErrNoProgress
		}
	}
}

// growBig doubles the big bulk's allocation, up to its declared length.
func (r *Reader) growBig() {
	size := min(2*int64(cap(r.big)), r.bulkLen)
	big := make([]byte, len(r.big), size)
	copy(big, r.big)
	r.big = big
}

// makeRoom makes at least minRead bytes free after r.end: it compacts the
// buffer when the input held is at most half of it, grows it otherwise, and
// gives back a buffer grown past keepBufLen once what it holds is small.
// Only the bytes from r.start on are kept.
func (r *Reader) makeRoom() {
	if r.buf == nil {
		r.setBuf(r.newBuf(r.bufLen))
	}
	held := r.end - r.start
	switch {
	case len(r.buf) > keepBufLen && held <= ioBufLen/2:
		r.moveTo(r.newBuf(ioBufLen))
	case r.full && len(r.buf) < keepBufLen:
		// The last read took all the room there was: read more at once.
		r.full = false
		r.moveTo(r.newBuf(2 * len(r.buf)))
	case len(r.buf)-r.end >= minRead:
	case held <= len(r.buf)/2:
		r.moveTo(r.buf)
	default:
		r.moveTo(r.newBuf(2 * len(r.buf)))
	}
}

// moveTo moves the input from r.start on to the front of buf, which may be
// r.buf itself, and points the arguments parsed so far at their new place.
func (r *Reader) moveTo(buf []byte) {
	shift := r.start
	copy(buf, r.buf[r.start:r.end])
	r.setBuf(buf)
	r.start, r.pos, r.end = 0, r.pos-shift, r.end-shift
	for i, off := range r.offs {
		if off < 0 {
			continue
		}
		off -= shift
		n := len(r.args[i])
		r.offs[i] = off
		r.args[i] = buf[off : off+n : off+n]
	}
}

// parseLongLong parses a decimal exactly as Redis's string2ll does: an
// optional '-', no '+', no spaces, no leading zeros, no overflow.
func parseLongLong(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	default:
		return c - '0'
	}
}

// unescape returns the byte a backslash escape inside double quotes stands for.
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
	default:
		return c
	}
}

// equalFoldASCII reports whether b equals the lower-case ASCII string s,
// ignoring ASCII case only, as strcasecmp does in the C locale
// (bytes.EqualFold would also fold Unicode letters such as 'ſ' into 's').
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// BufferedLen returns how many input bytes are held and not yet returned
// as a command (CLIENT LIST's qbuf).
func (r *Reader) BufferedLen() int { return r.end - r.pos }

// BufferCap returns the size of the input buffer (CLIENT LIST's rbs).
func (r *Reader) BufferCap() int { return len(r.buf) }

// peekMaxArgs bounds the arguments of a command Peek looks at.
const peekMaxArgs = 64

// Peek calls fn with the arguments of each whole command buffered after the
// one ReadCommand last returned, in order, while fn returns true. The
// arguments alias the buffer and are valid only during the call. Peek reads
// nothing and leaves the input to ReadCommand untouched; it stops at the
// first command that is incomplete, inline, longer than peekMaxArgs or not
// well formed, without reporting why: what it yields is a hint (for
// prefetching the keys of a pipeline), not input to act on.
func (r *Reader) Peek(fn func(args [][]byte) bool) {
	if r.ready || r.multi != 0 {
		return
	}
	args := r.peeked[:0]
	b := r.buf[r.pos:r.end]
	for {
		var ok bool
		if args, b, ok = peekCommand(args[:0], b); !ok || !fn(args) {
			break
		}
	}
	// Keep no views of the buffer: it may be replaced.
	clear(args[:cap(args)])
	r.peeked = args[:0]
}

// peekCommand parses the multibulk command at the start of b into args and
// returns what follows it, or false when there is none Peek would yield.
func peekCommand(args [][]byte, b []byte) ([][]byte, []byte, bool) {
	argc, b, ok := peekHeader(b, '*')
	if !ok || argc < 1 || argc > peekMaxArgs {
		return args, nil, false
	}
	for range argc {
		var l int64
		if l, b, ok = peekHeader(b, '$'); !ok || int64(len(b))-2 < l {
			return args, nil, false
		}
		args = append(args, b[:l])
		b = b[l+2:]
	}
	return args, b, true
}

// peekHeader parses a "<kind><number>\r\n" line at the start of b, with
// the reader's own number parser, and returns the number and what follows.
func peekHeader(b []byte, kind byte) (int64, []byte, bool) {
	if len(b) == 0 || b[0] != kind {
		return 0, nil, false
	}
	// A kind byte, a sign, 19 digits and the '\r'.
	nl := bytes.IndexByte(b[:min(len(b), 22)], '\r')
	if nl < 0 || nl+1 >= len(b) {
		return 0, nil, false
	}
	n, ok := parseLongLong(b[1:nl])
	if !ok || n < 0 {
		return 0, nil, false
	}
	return n, b[nl+2:], true
}
