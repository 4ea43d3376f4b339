package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"
)

// readResult is everything a Reader produced from one input: the commands,
// copied, and the error that ended it.
type readResult struct {
	cmds [][]string
	err  error
	// clobbered is set when a Buffered or Peek call changed arguments that
	// ReadCommand had returned.
	clobbered bool
	// peeks[i] is what Peek yielded after command i (buffered mode only).
	peeks map[int][][]string
}

// peekMismatch returns a description of the first command Peek yielded
// that is not the command ReadCommand returned at that place, or "". Peek
// may yield commands past the point where the input fails (it checks less),
// never different ones.
func (res readResult) peekMismatch() string {
	for i, peeked := range res.peeks {
		for j, p := range peeked {
			at := i + 1 + j
			if at >= len(res.cmds) {
				break
			}
			if !slices.Equal(p, res.cmds[at]) {
				return fmt.Sprintf("after command %d Peek yielded %q, ReadCommand returned %q", i, p, res.cmds[at])
			}
		}
	}
	return ""
}

// readAll calls ReadCommand until it fails. With buffered set it also asks
// Buffered after every command, to check that parsing ahead changes neither
// the result nor the arguments already returned. It does not use t, so a
// fuzz target can run it on another goroutine.
func readAll(r *Reader, buffered bool) readResult {
	var res readResult
	for {
		args, err := r.ReadCommand()
		if err != nil {
			res.err = err
			return res
		}
		before := argStrings(args)
		if buffered {
			var peeked [][]string
			r.Peek(func(args [][]byte) bool {
				peeked = append(peeked, argStrings(args))
				return len(peeked) < 8
			})
			if len(peeked) > 0 {
				if res.peeks == nil {
					res.peeks = make(map[int][][]string)
				}
				res.peeks[len(res.cmds)] = peeked
			}
			r.Buffered()
			if !slices.Equal(before, argStrings(args)) {
				res.clobbered = true
			}
			if !r.Buffered() {
				r.TopUp() // may move the input: after the check above
			}
		}
		res.cmds = append(res.cmds, before)
	}
}

func argStrings(args [][]byte) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out
}

func wantProtocolError(msg string) error { return &ProtocolError{msg: msg} }

// requireSameError checks a *ProtocolError by type and text and anything
// else with errors.Is.
func requireSameError(t testing.TB, want, got error) {
	t.Helper()
	var wantPE *ProtocolError
	if errors.As(want, &wantPE) {
		var gotPE *ProtocolError
		require.ErrorAs(t, got, &gotPE)
		require.Equal(t, wantPE.Error(), gotPE.Error())
		return
	}
	require.ErrorIs(t, got, want)
}

// readerSplits are the ways a test feeds the same input: whole, one byte per
// Read, in halves, and with io.EOF returned together with the last bytes.
type readerSplit struct {
	name string
	wrap func(io.Reader) io.Reader
}

func readerSplits() []readerSplit {
	return []readerSplit{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"one-byte", iotest.OneByteReader},
		{"half", iotest.HalfReader},
		{"data-err", iotest.DataErrReader},
	}
}

type readerCase struct {
	name    string
	in      string
	lim     ReaderLimits
	unauth  bool
	want    [][]string
	wantErr error // io.EOF when the input simply ends
}

func readerCmds(c ...[]string) [][]string { return c }
func readerCmd(a ...string) []string      { return a }

func repeatStr(s string, n int) string { return strings.Repeat(s, n) }

func readerCases() []readerCase {
	return []readerCase{
		// Multibulk.
		{name: "multibulk", in: "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
			want: readerCmds(readerCmd("SET", "k", "v")), wantErr: io.EOF},
		{name: "empty bulk", in: "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
			want: readerCmds(readerCmd("ECHO", "")), wantErr: io.EOF},
		{name: "binary bulk", in: "*2\r\n$4\r\nECHO\r\n$6\r\na\r\n\x00\xffb\r\n",
			want: readerCmds(readerCmd("ECHO", "a\r\n\x00\xffb")), wantErr: io.EOF},
		{name: "pipeline mixed", in: "*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO there\n",
			want: readerCmds(readerCmd("PING"), readerCmd("PING"), readerCmd("ECHO", "hi"), readerCmd("ECHO", "there")), wantErr: io.EOF},
		{name: "counts <= 0 skipped", in: "*0\r\n*-1\r\n*-10\r\n*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n",
			want: readerCmds(readerCmd("PING")), wantErr: io.EOF},
		{name: "two bytes after payload unchecked", in: "*2\r\n$3\r\nGET\r\n$1\r\nkXY*1\r\n$4\r\nPINGab",
			want: readerCmds(readerCmd("GET", "k"), readerCmd("PING")), wantErr: io.EOF},
		{name: "byte after header CR unchecked", in: "*1\rx$4\ryPING\r\n",
			want: readerCmds(readerCmd("PING")), wantErr: io.EOF},
		{name: "count INT_MAX waits for data", in: "*2147483647\r\n$1\r\na\r\n", wantErr: io.EOF},
		{name: "incomplete command", in: "*2\r\n$3\r\nGET\r\n$1\r\n", wantErr: io.EOF},
		{name: "incomplete payload", in: "*1\r\n$10\r\n01234", wantErr: io.EOF},
		{name: "payload without trailing bytes", in: "*1\r\n$4\r\nPING", wantErr: io.EOF},
		{name: "header without LF", in: "*1\r", wantErr: io.EOF},

		{name: "count not a number", in: "*abc\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count empty", in: "*\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count leading zero", in: "*01\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count plus sign", in: "*+1\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count space", in: "* 1\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count minus only", in: "*-\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count minus zero", in: "*-0\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count LF only", in: "*1\n$4\r\nPING\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count above INT_MAX", in: "*2147483648\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count 9e18", in: "*9000000000000000000\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count overflows int64", in: "*99999999999999999999\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count line of 64 KB is parsed", in: "*" + repeatStr("1", inlineMaxSize-1) + "\r\n", wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "count line over 64 KB", in: "*" + repeatStr("1", inlineMaxSize) + "\r\n", wantErr: wantProtocolError(errTooBigMbulk)},
		{name: "count line over 64 KB without CR", in: "*" + repeatStr("1", inlineMaxSize+10), wantErr: wantProtocolError(errTooBigMbulk)},
		{name: "count line of 64 KB without CR waits", in: "*" + repeatStr("1", inlineMaxSize-1), wantErr: io.EOF},

		{name: "expected dollar", in: "*1\r\n:1\r\n", wantErr: wantProtocolError("Protocol error: expected '$', got ':'")},
		{name: "expected dollar got star", in: "*2\r\n$3\r\nSET\r\n*1\r\n", wantErr: wantProtocolError("Protocol error: expected '$', got '*'")},
		{name: "expected dollar got CR", in: "*1\r\n\r\n", wantErr: wantProtocolError("Protocol error: expected '$', got ' '")},
		{name: "expected dollar got LF", in: "*1\r\n\n$4\r\n", wantErr: wantProtocolError("Protocol error: expected '$', got ' '")},
		{name: "expected dollar raw byte", in: "*1\r\n\xff\r\n", wantErr: wantProtocolError("Protocol error: expected '$', got '\xff'")},
		{name: "expected dollar after commands", in: "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
			want: readerCmds(readerCmd("PING")), wantErr: wantProtocolError("Protocol error: expected '$', got 'f'")},

		{name: "bulk length not a number", in: "*1\r\n$abc\r\n", wantErr: wantProtocolError(errInvalidBulk)},
		{name: "bulk length negative", in: "*1\r\n$-1\r\n", wantErr: wantProtocolError(errInvalidBulk)},
		{name: "bulk length empty", in: "*1\r\n$\r\n", wantErr: wantProtocolError(errInvalidBulk)},
		{name: "bulk length leading zero", in: "*1\r\n$01\r\nx\r\n", wantErr: wantProtocolError(errInvalidBulk)},
		{name: "bulk length overflows", in: "*1\r\n$9223372036854775808\r\n", wantErr: wantProtocolError(errInvalidBulk)},
		{name: "bulk above proto-max-bulk-len", in: "*1\r\n$536870913\r\n", wantErr: wantProtocolError(errInvalidBulk)},
		{name: "bulk at proto-max-bulk-len waits", in: "*1\r\n$536870912\r\nabc", wantErr: io.EOF},
		{name: "bulk above custom limit", in: "*1\r\n$11\r\n", lim: ReaderLimits{ProtoMaxBulkLen: 10}, wantErr: wantProtocolError(errInvalidBulk)},
		{name: "bulk at custom limit", in: "*1\r\n$10\r\n0123456789\r\n", lim: ReaderLimits{ProtoMaxBulkLen: 10},
			want: readerCmds(readerCmd("0123456789")), wantErr: io.EOF},
		{name: "bulk line of 64 KB is parsed", in: "*1\r\n$" + repeatStr("1", inlineMaxSize-1) + "\r\n", wantErr: wantProtocolError(errInvalidBulk)},
		{name: "bulk line over 64 KB", in: "*1\r\n$" + repeatStr("1", inlineMaxSize) + "\r\n", wantErr: wantProtocolError(errTooBigBulk)},
		{name: "bulk line over 64 KB without CR", in: "*1\r\n$" + repeatStr("1", inlineMaxSize+10), wantErr: wantProtocolError(errTooBigBulk)},

		// Unauthenticated limits.
		{name: "unauth count 11", in: "*11\r\n", unauth: true, wantErr: wantProtocolError(errUnauthMbulk)},
		{name: "unauth count 10", in: "*10\r\n" + repeatStr("$1\r\na\r\n", 10), unauth: true,
			want: readerCmds(readerCmd("a", "a", "a", "a", "a", "a", "a", "a", "a", "a")), wantErr: io.EOF},
		{name: "unauth invalid count first", in: "*2147483648\r\n", unauth: true, wantErr: wantProtocolError(errInvalidMbulk)},
		{name: "unauth bulk 16385", in: "*1\r\n$16385\r\n", unauth: true, wantErr: wantProtocolError(errUnauthBulk)},
		{name: "unauth bulk 16384", in: "*1\r\n$16384\r\n" + repeatStr("x", 16384) + "\r\n", unauth: true,
			want: readerCmds(readerCmd(repeatStr("x", 16384))), wantErr: io.EOF},
		{name: "unauth invalid bulk first", in: "*1\r\n$536870913\r\n", unauth: true, wantErr: wantProtocolError(errInvalidBulk)},
		{name: "unauth inline has no count limit", in: "A B C D E F G H I J K L\r\n", unauth: true,
			want: readerCmds(strings.Fields("A B C D E F G H I J K L")), wantErr: io.EOF},

		// Inline.
		{name: "inline", in: "SET k v\r\n", want: readerCmds(readerCmd("SET", "k", "v")), wantErr: io.EOF},
		{name: "inline LF only", in: "SET k v\n", want: readerCmds(readerCmd("SET", "k", "v")), wantErr: io.EOF},
		{name: "inline blanks", in: "  SET \t k   v  \r\n", want: readerCmds(readerCmd("SET", "k", "v")), wantErr: io.EOF},
		{name: "inline blank lines skipped", in: "\r\n\n   \r\n \t \r\n\v\f\nPING\r\n", want: readerCmds(readerCmd("PING")), wantErr: io.EOF},
		{name: "inline CR separates", in: "a\rb\r\r\n", want: readerCmds(readerCmd("a", "b")), wantErr: io.EOF},
		{name: "inline vertical tab joins", in: "a\vb\n", want: readerCmds(readerCmd("a\vb")), wantErr: io.EOF},
		{name: "inline quotes", in: `SET "a b" 'c d'` + "\r\n", want: readerCmds(readerCmd("SET", "a b", "c d")), wantErr: io.EOF},
		{name: "inline double-quote escapes", in: `ECHO "\x41\x4a\n\r\t\b\a\\\"\q"` + "\n",
			want: readerCmds(readerCmd("ECHO", "AJ\n\r\t\b\a\\\"q")), wantErr: io.EOF},
		{name: "inline bad hex escape", in: `ECHO "\xZZ" "\x4"` + "\n", want: readerCmds(readerCmd("ECHO", "xZZ", "x4")), wantErr: io.EOF},
		{name: "inline single-quote escape", in: `ECHO 'it\'s' 'a\nb' 'c\d'` + "\n",
			want: readerCmds(readerCmd("ECHO", "it's", `a\nb`, `c\d`)), wantErr: io.EOF},
		{name: "inline single-quoted backslash escapes the closing quote", in: `ECHO '\\'` + "\n", wantErr: wantProtocolError(errUnbalanced)},
		{name: "inline unquoted backslash", in: `ECHO a\nb` + "\n", want: readerCmds(readerCmd("ECHO", `a\nb`)), wantErr: io.EOF},
		{name: "inline quote inside token", in: `ECHO a"b c" d'e'` + "\n", want: readerCmds(readerCmd("ECHO", "ab c", "de")), wantErr: io.EOF},
		{name: "inline empty quoted", in: `ECHO "" ''` + "\n", want: readerCmds(readerCmd("ECHO", "", "")), wantErr: io.EOF},
		{name: "inline closing quote then tab", in: "ECHO \"a\"\tb\n", want: readerCmds(readerCmd("ECHO", "a", "b")), wantErr: io.EOF},
		{name: "inline closing quote then vertical tab", in: "ECHO \"a\"\vb\n", want: readerCmds(readerCmd("ECHO", "a", "b")), wantErr: io.EOF},
		{name: "inline closing quote then CR", in: "ECHO \"a\"\rb\n", want: readerCmds(readerCmd("ECHO", "a", "b")), wantErr: io.EOF},
		{name: "inline unbalanced double", in: `ECHO "abc` + "\r\n", wantErr: wantProtocolError(errUnbalanced)},
		{name: "inline unbalanced single", in: `ECHO 'abc` + "\r\n", wantErr: wantProtocolError(errUnbalanced)},
		{name: "inline text after double quote", in: `ECHO "a"b` + "\r\n", wantErr: wantProtocolError(errUnbalanced)},
		{name: "inline text after single quote", in: `ECHO 'a'b` + "\r\n", wantErr: wantProtocolError(errUnbalanced)},
		{name: "inline escaped closing quote", in: `ECHO "abc\"` + "\r\n", wantErr: wantProtocolError(errUnbalanced)},
		{name: "inline backslash at end in quotes", in: `ECHO "abc\` + "\n", wantErr: wantProtocolError(errUnbalanced)},
		{name: "inline after commands", in: "PING\r\nECHO \"x\r\n", want: readerCmds(readerCmd("PING")), wantErr: wantProtocolError(errUnbalanced)},
		{name: "inline line of 64 KB", in: repeatStr("a", inlineMaxSize) + "\n", want: readerCmds(readerCmd(repeatStr("a", inlineMaxSize))), wantErr: io.EOF},
		{name: "inline line over 64 KB", in: repeatStr("a", inlineMaxSize) + "\r\n", wantErr: wantProtocolError(errTooBigInline)},
		{name: "inline over 64 KB without LF", in: repeatStr("a", inlineMaxSize+1), wantErr: wantProtocolError(errTooBigInline)},
		{name: "inline of 64 KB without LF waits", in: repeatStr("a", inlineMaxSize), wantErr: io.EOF},
		{name: "inline incomplete", in: "PING", wantErr: io.EOF},

		// Redis finds line ends with strchr, which stops at a NUL byte.
		{name: "NUL hides inline LF", in: "PING\x00\r\nPING\r\n", wantErr: io.EOF},
		{name: "NUL in inline line then 64 KB", in: "PING\x00\r\n" + repeatStr("x", inlineMaxSize), wantErr: wantProtocolError(errTooBigInline)},
		{name: "NUL hides count CR", in: "*1\x00\r\n$4\r\nPING\r\n", wantErr: io.EOF},
		{name: "NUL in count line then 64 KB", in: "*1\x00\r\n" + repeatStr("x", inlineMaxSize), wantErr: wantProtocolError(errTooBigMbulk)},
		{name: "NUL in bulk line then 64 KB", in: "*1\r\n$4\x00\r\n" + repeatStr("x", inlineMaxSize), wantErr: wantProtocolError(errTooBigBulk)},
		{name: "NUL after LF is data", in: "PING\r\n\x00", want: readerCmds(readerCmd("PING")), wantErr: io.EOF},

		// Cross-protocol attacks.
		{name: "POST inline", in: "POST / HTTP/1.1\r\nHost: x\r\n", wantErr: ErrSecurityAttack},
		{name: "Host after GET", in: "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
			want: readerCmds(readerCmd("GET", "/", "HTTP/1.1")), wantErr: ErrSecurityAttack},
		{name: "post multibulk any case", in: "*1\r\n$4\r\npOsT\r\n", wantErr: ErrSecurityAttack},
		{name: "host multibulk", in: "*2\r\n$5\r\nHOST:\r\n$1\r\nx\r\n", wantErr: ErrSecurityAttack},
		{name: "post quoted inline", in: `"post" x` + "\n", wantErr: ErrSecurityAttack},
		{name: "post then NUL", in: "*1\r\n$6\r\npost\x00x\r\n", wantErr: ErrSecurityAttack},
		{name: "POSTX is a command", in: "POSTX\r\nHost\r\n", want: readerCmds(readerCmd("POSTX"), readerCmd("Host")), wantErr: io.EOF},
		{name: "post as argument", in: "ECHO POST\r\n", want: readerCmds(readerCmd("ECHO", "POST")), wantErr: io.EOF},
		{name: "non-ASCII fold is not post", in: "po\u017ft\r\n", want: readerCmds(readerCmd("po\u017ft")), wantErr: io.EOF},
		{name: "post incomplete is a protocol error", in: "*2\r\n$4\r\nPOST\r\n:1\r\n",
			wantErr: wantProtocolError("Protocol error: expected '$', got ':'")},

		// Query buffer limit: counts the unparsed input of the element being read.
		{name: "limit: small commands pass", in: repeatStr("*1\r\n$4\r\nPING\r\n", 100), lim: ReaderLimits{QueryBufferLimit: 20},
			want: func() [][]string {
				var c [][]string
				for range 100 {
					c = append(c, readerCmd("PING"))
				}
				return c
			}(), wantErr: io.EOF},
		{name: "limit: bulk over", in: "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$30\r\n" + repeatStr("x", 30) + "\r\n",
			lim: ReaderLimits{QueryBufferLimit: 20}, want: readerCmds(readerCmd("PING")), wantErr: ErrQueryBufferLimit},
		{name: "limit: bulk exactly fits", in: "*1\r\n$18\r\n" + repeatStr("x", 18) + "\r\n",
			lim: ReaderLimits{QueryBufferLimit: 20}, want: readerCmds(readerCmd(repeatStr("x", 18))), wantErr: io.EOF},
		{name: "limit: bulk one over", in: "*1\r\n$19\r\n" + repeatStr("x", 19) + "\r\n",
			lim: ReaderLimits{QueryBufferLimit: 20}, wantErr: ErrQueryBufferLimit},
		{name: "limit: inline line over", in: repeatStr("a", 50) + "\r\n", lim: ReaderLimits{QueryBufferLimit: 20}, wantErr: ErrQueryBufferLimit},
		{name: "limit: big bulk over", in: "*1\r\n$100000\r\n" + repeatStr("x", 100000) + "\r\n",
			lim: ReaderLimits{QueryBufferLimit: 50000}, wantErr: ErrQueryBufferLimit},
		{name: "limit: big bulk fits", in: "*1\r\n$100000\r\n" + repeatStr("x", 100000) + "\r\n",
			lim: ReaderLimits{QueryBufferLimit: 100002}, want: readerCmds(readerCmd(repeatStr("x", 100000))), wantErr: io.EOF},
	}
}

func TestReaderCases(t *testing.T) {
	for _, tc := range readerCases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range readerSplits() {
				for _, buffered := range []bool{false, true} {
					r := NewReader(s.wrap(strings.NewReader(tc.in)), tc.lim)
					r.SetAuthenticated(!tc.unauth)
					got := readAll(r, buffered)
					require.False(t, got.clobbered, "Buffered changed returned arguments")
					require.Equal(t, tc.want, got.cmds, "split %s, buffered %v", s.name, buffered)
					requireSameError(t, tc.wantErr, got.err)
				}
			}
		})
	}
}

func TestReaderFinalErrorsRepeat(t *testing.T) {
	for _, in := range []string{"*abc\r\n", "POST /\r\n", "*1\r\n$30\r\n" + repeatStr("x", 30) + "\r\n"} {
		r := NewReader(strings.NewReader(in+"PING\r\n"), ReaderLimits{QueryBufferLimit: 20})
		r.SetAuthenticated(true)
		_, err := r.ReadCommand()
		require.Error(t, err)
		_, again := r.ReadCommand()
		require.Equal(t, err, again)
		require.True(t, r.Buffered(), "an error is ready, so ReadCommand will not block")
	}
}

func TestReaderProtocolErrorText(t *testing.T) {
	r := NewReader(strings.NewReader("*x\r\n"), ReaderLimits{})
	_, err := r.ReadCommand()
	var pe *ProtocolError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "Protocol error: invalid multibulk length", err.Error())
}

func TestReaderStartsUnauthenticated(t *testing.T) {
	in := "*11\r\n" + repeatStr("$1\r\na\r\n", 11)
	_, err := NewReader(strings.NewReader(in), ReaderLimits{}).ReadCommand()
	requireSameError(t, wantProtocolError(errUnauthMbulk), err)

	r := NewReader(strings.NewReader(in+"*1\r\n$16385\r\n"), ReaderLimits{})
	r.SetAuthenticated(true)
	args, err := r.ReadCommand()
	require.NoError(t, err)
	require.Len(t, args, 11)
	r.SetAuthenticated(false)
	_, err = r.ReadCommand()
	requireSameError(t, wantProtocolError(errUnauthBulk), err)
}

func TestReaderSetLimitsAppliesToLaterHeaders(t *testing.T) {
	r := NewReader(strings.NewReader("*1\r\n$5\r\nhello\r\n*1\r\n$5\r\nhello\r\n"), ReaderLimits{})
	r.SetAuthenticated(true)
	_, err := r.ReadCommand()
	require.NoError(t, err)
	r.SetLimits(ReaderLimits{ProtoMaxBulkLen: 4})
	_, err = r.ReadCommand()
	requireSameError(t, wantProtocolError(errInvalidBulk), err)
}

func TestReaderBufferedReportsWholeCommandsOnly(t *testing.T) {
	pr, pw := io.Pipe()
	r := NewReader(pr, ReaderLimits{})
	r.SetAuthenticated(true)
	require.False(t, r.Buffered())

	go func() {
		_, _ = pw.Write([]byte("PING\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nhel"))
	}()
	args, err := r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, []string{"PING"}, argStrings(args))
	require.True(t, r.Buffered())
	require.True(t, r.Buffered(), "asking twice changes nothing")
	require.Equal(t, []string{"PING"}, argStrings(args), "Buffered left the returned arguments alone")

	args, err = r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, []string{"PING"}, argStrings(args))
	require.False(t, r.Buffered(), "half a command is not a command")

	go func() { _, _ = pw.Write([]byte("lo\r\n*1\r\n$1\r\n")) }()
	args, err = r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, []string{"ECHO", "hello"}, argStrings(args))
	require.False(t, r.Buffered())
	require.NoError(t, pw.Close())
	_, err = r.ReadCommand()
	require.ErrorIs(t, err, io.EOF)
}

func TestReaderBufferedSeesErrors(t *testing.T) {
	r := NewReader(strings.NewReader("PING\r\n*1\r\n:1\r\n"), ReaderLimits{})
	_, err := r.ReadCommand()
	require.NoError(t, err)
	require.True(t, r.Buffered())
	_, err = r.ReadCommand()
	requireSameError(t, wantProtocolError("Protocol error: expected '$', got ':'"), err)
}

func TestReaderArgumentsCannotOverwriteInput(t *testing.T) {
	r := NewReader(strings.NewReader("*2\r\n$4\r\nECHO\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n"), ReaderLimits{})
	args, err := r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, len(args[1]), cap(args[1]))
	_ = append(args[1], "XXXXXXXXXXXXXXXXXX"...)
	args, err = r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, []string{"PING"}, argStrings(args))
}

// flakyReader returns its chunks in turn; a chunk of nil returns err.
type flakyReader struct {
	chunks [][]byte
	err    error
}

func (f *flakyReader) Read(p []byte) (int, error) {
	if len(f.chunks) == 0 {
		return 0, io.EOF
	}
	c := f.chunks[0]
	if c == nil {
		f.chunks = f.chunks[1:]
		return 0, f.err
	}
	n := copy(p, c)
	if f.chunks[0] = c[n:]; len(f.chunks[0]) == 0 {
		f.chunks = f.chunks[1:]
	}
	return n, nil
}

func TestReaderReturnsReadErrorsAsIsAndResumes(t *testing.T) {
	f := &flakyReader{
		chunks: [][]byte{[]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva"), nil, []byte("lue\r\n")},
		err:    os.ErrDeadlineExceeded,
	}
	r := NewReader(f, ReaderLimits{})
	_, err := r.ReadCommand()
	require.Equal(t, os.ErrDeadlineExceeded, err, "the error is returned as it is")
	args, err := r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, []string{"SET", "k", "value"}, argStrings(args))
	_, err = r.ReadCommand()
	require.Equal(t, io.EOF, err)
}

// emptyReader returns (0, nil) forever.
type emptyReader struct{ reads int }

func (e *emptyReader) Read([]byte) (int, error) { e.reads++; return 0, nil }

func TestReaderGivesUpOnEmptyReads(t *testing.T) {
	e := &emptyReader{}
	_, err := NewReader(e, ReaderLimits{}).ReadCommand()
	require.ErrorIs(t, err, io.ErrNoProgress)
	require.Equal(t, maxEmptyReads, e.reads)
}

// badReader claims more bytes than it was given room for.
type badReader struct{}

func (badReader) Read(p []byte) (int, error) { return len(p) + 1, nil }

func TestReaderRejectsInvalidReadCounts(t *testing.T) {
	_, err := NewReader(badReader{}, ReaderLimits{}).ReadCommand()
	require.EqualError(t, err, "server: invalid count returned by io.Reader")
}

// countingReader counts calls and bytes.
type countingReader struct {
	r     io.Reader
	reads int
	bytes int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	n, err := c.r.Read(p)
	c.bytes += int64(n)
	return n, err
}

// bytesAllocated runs f and returns the bytes it allocated.
func bytesAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestReaderHugeCountCostsNothingUpFront(t *testing.T) {
	for _, tc := range []struct {
		in       string
		want     error
		maxReads int
	}{
		{"*9000000000000000000\r\n", wantProtocolError(errInvalidMbulk), 1},
		{"*2147483647\r\n", io.EOF, 2},
		// 35 KB of arguments: reads follow the bytes, not the declared count.
		{"*2147483647\r\n" + repeatStr("$1\r\na\r\n", 5000), io.EOF, 4},
	} {
		c := &countingReader{r: strings.NewReader(tc.in)}
		var err error
		start := time.Now()
		n := bytesAllocated(func() {
			r := NewReader(c, ReaderLimits{})
			r.SetAuthenticated(true)
			_, err = r.ReadCommand()
		})
		requireSameError(t, tc.want, err)
		require.Less(t, time.Since(start), 5*time.Second)
		require.Less(t, n, uint64(1<<20), "allocated %d bytes for %.30q", n, tc.in)
		require.LessOrEqual(t, c.reads, tc.maxReads, "the declared count must not drive reads")
	}
}

func TestReaderHugeBulkAllocatesAsBytesArrive(t *testing.T) {
	in := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n" + repeatStr("x", 1000)
	for _, s := range readerSplits() {
		var err error
		n := bytesAllocated(func() {
			r := NewReader(s.wrap(strings.NewReader(in)), ReaderLimits{})
			r.SetAuthenticated(true)
			_, err = r.ReadCommand()
		})
		require.ErrorIs(t, err, io.EOF)
		require.Less(t, n, uint64(1<<20), "split %s allocated %d bytes", s.name, n)
	}
}

func TestReaderBigBulkGrowsWithData(t *testing.T) {
	const size = 3 << 20
	value := bytes.Repeat([]byte("v"), size)
	in := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3145728\r\n" + string(value) + "\r\n*1\r\n$4\r\nPING\r\n"
	for _, s := range readerSplits()[:3] {
		r := NewReader(s.wrap(strings.NewReader(in)), ReaderLimits{})
		r.SetAuthenticated(true)
		var args [][]byte
		var err error
		n := bytesAllocated(func() { args, err = r.ReadCommand() })
		require.NoError(t, err)
		require.Equal(t, "k", string(args[1]))
		require.True(t, bytes.Equal(value, args[2]))
		require.Less(t, n, uint64(3*size), "split %s allocated %d bytes", s.name, n)
		args, err = r.ReadCommand()
		require.NoError(t, err)
		require.Equal(t, []string{"PING"}, argStrings(args))
		require.Equal(t, ioBufLen, len(r.buf), "a big bulk does not grow the buffer")
	}
}

func TestReaderQueryBufferLimitStopsReading(t *testing.T) {
	const limit = 1 << 20
	in := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3145728\r\n" + repeatStr("v", 3<<20) + "\r\n"
	c := &countingReader{r: strings.NewReader(in)}
	r := NewReader(c, ReaderLimits{QueryBufferLimit: limit})
	r.SetAuthenticated(true)
	_, err := r.ReadCommand()
	require.ErrorIs(t, err, ErrQueryBufferLimit)
	require.LessOrEqual(t, c.bytes, int64(limit+64), "reading stops at the limit")
}

func TestReaderQueryBufferLimitAllowsLongPipelines(t *testing.T) {
	const n = 100000
	in := repeatStr("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n0123456789\r\n", n)
	r := NewReader(strings.NewReader(in), ReaderLimits{QueryBufferLimit: 1 << 10})
	r.SetAuthenticated(true)
	got := readAll(r, false)
	require.ErrorIs(t, got.err, io.EOF)
	require.Len(t, got.cmds, n)
}

func TestReaderManyOneByteReadsUseNoStack(t *testing.T) {
	// A reader that recursed once per partial read would need far more than
	// this for 200k reads.
	defer debug.SetMaxStack(debug.SetMaxStack(1 << 20))

	value := repeatStr("x", 200000)
	in := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$200000\r\n" + value + "\r\n" +
		repeatStr("*1\r\n$4\r\nPING\r\n", 20000) + repeatStr("a", inlineMaxSize) + "\n"
	r := NewReader(iotest.OneByteReader(strings.NewReader(in)), ReaderLimits{})
	r.SetAuthenticated(true)
	got := readAll(r, false)
	require.ErrorIs(t, got.err, io.EOF)
	require.Len(t, got.cmds, 1+20000+1)
	require.Equal(t, value, got.cmds[0][2])
	require.Equal(t, repeatStr("a", inlineMaxSize), got.cmds[20001][0])
}

func TestReaderBlocksOnHugeCountUntilPeerCloses(t *testing.T) {
	pr, pw := io.Pipe()
	c := &countingReader{r: pr}
	r := NewReader(c, ReaderLimits{})
	r.SetAuthenticated(true)
	errc := make(chan error, 1)
	go func() {
		_, err := r.ReadCommand()
		errc <- err
	}()
	_, err := pw.Write([]byte("*2147483647\r\n$1\r\na\r\n"))
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	select {
	case err := <-errc:
		require.ErrorIs(t, err, io.EOF)
	case <-time.After(5 * time.Second):
		t.Fatal("ReadCommand did not return after the peer closed")
	}
	require.LessOrEqual(t, c.reads, 3)
}

func TestReaderShrinksBufferAfterLargeCommand(t *testing.T) {
	// 2000 arguments of 100 bytes stay in the buffer (each is under the big
	// argument size), growing it well past keepBufLen.
	var b strings.Builder
	b.WriteString("*2000\r\n")
	for range 2000 {
		b.WriteString("$100\r\n" + repeatStr("y", 100) + "\r\n")
	}
	// The big command ends exactly where a read ends, so the next call
	// starts by reading, with nothing buffered: the case where the buffer is
	// replaced before any new command has begun.
	f := &flakyReader{chunks: [][]byte{[]byte(b.String()), []byte(repeatStr("*1\r\n$4\r\nPING\r\n", 5000))}}
	r := NewReader(f, ReaderLimits{})
	r.SetAuthenticated(true)
	args, err := r.ReadCommand()
	require.NoError(t, err)
	require.Len(t, args, 2000)
	for _, a := range args {
		require.Equal(t, repeatStr("y", 100), string(a))
	}
	require.Greater(t, len(r.buf), keepBufLen)
	require.False(t, r.Buffered())
	got := readAll(r, false)
	require.Len(t, got.cmds, 5000)
	// Shrunk, then grown back by reads that filled it, as far as a long
	// pipeline's reads may take it.
	require.Equal(t, keepBufLen, len(r.buf))
	require.LessOrEqual(t, cap(r.args), argvFirst)
}

func TestReaderSteadyStateDoesNotAllocate(t *testing.T) {
	for _, cmd := range []string{
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
		"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$1024\r\n" + repeatStr("v", 1024) + "\r\n",
		"SET k \"v\\x41\"\r\n",
	} {
		r := NewReader(&repeatReader{data: []byte(repeatStr(cmd, 37))}, ReaderLimits{})
		r.SetAuthenticated(true)
		for range 1000 {
			_, err := r.ReadCommand()
			require.NoError(t, err)
		}
		allocs := testing.AllocsPerRun(10000, func() {
			if _, err := r.ReadCommand(); err != nil {
				panic(err)
			}
			r.Buffered()
		})
		require.Zero(t, allocs, "%q", cmd)
	}
}

func TestParseLongLong(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"10", 10, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551615", 0, false}, {"18446744073709551616", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"00", 0, false}, {"01", 0, false},
		{"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false}, {"0x1", 0, false},
	} {
		got, ok := parseLongLong([]byte(tc.in))
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

// repeatReader returns data over and over, filling every Read.
type repeatReader struct {
	data []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.data[r.off:])
		n += c
		r.off = (r.off + c) % len(r.data)
	}
	return n, nil
}

func benchmarkRead(b *testing.B, cmd string, buffered bool) {
	data := []byte(repeatStr(cmd, max(1, (64<<10)/len(cmd))))
	r := NewReader(&repeatReader{data: data}, ReaderLimits{})
	r.SetAuthenticated(true)
	b.SetBytes(int64(len(cmd)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadCommand(); err != nil {
			b.Fatal(err)
		}
		if buffered {
			r.Buffered()
		}
	}
}

func BenchmarkReadCommand(b *testing.B) {
	set := "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
	b.Run("pipelined-SET", func(b *testing.B) { benchmarkRead(b, set, false) })
	b.Run("pipelined-SET-with-Buffered", func(b *testing.B) { benchmarkRead(b, set, true) })
	b.Run("SET-1KiB-value", func(b *testing.B) {
		benchmarkRead(b, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$1024\r\n"+repeatStr("v", 1024)+"\r\n", false)
	})
	b.Run("SET-64KiB-value", func(b *testing.B) {
		benchmarkRead(b, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$65536\r\n"+repeatStr("v", 65536)+"\r\n", false)
	})
	b.Run("inline-SET", func(b *testing.B) { benchmarkRead(b, "SET key value\r\n", false) })
}

func TestReaderDropsBigArgumentsOfPreviousCommand(t *testing.T) {
	in := "*2\r\n$3\r\nSET\r\n$40000\r\n" + repeatStr("v", 40000) + "\r\n*1\r\n$4\r\nPING\r\n"
	r := NewReader(iotest.HalfReader(strings.NewReader(in)), ReaderLimits{})
	r.SetAuthenticated(true)
	_, err := r.ReadCommand()
	require.NoError(t, err)
	_, err = r.ReadCommand()
	require.NoError(t, err)
	for _, a := range append(r.args[:cap(r.args)], r.out[:cap(r.out)]...) {
		require.Less(t, cap(a), 40000, "a big argument is still referenced")
	}
}

func TestReaderPeekYieldsTheBufferedCommands(t *testing.T) {
	in := "*2\r\n$3\r\nGET\r\n$1\r\na\r\n" +
		"*3\r\n$3\r\nSET\r\n$2\r\nbb\r\n$0\r\n\r\n" +
		"*1\r\n$4\r\nPING\r\n" +
		"PING\r\n" + // inline: Peek stops here
		"*1\r\n$4\r\nPING\r\n"
	peekAll := func(r *Reader, max int) [][]string {
		var got [][]string
		r.Peek(func(args [][]byte) bool {
			got = append(got, argStrings(args))
			return len(got) < max
		})
		return got
	}
	r := NewReader(strings.NewReader(in), ReaderLimits{})
	args, err := r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, []string{"GET", "a"}, argStrings(args))
	require.Equal(t, [][]string{{"SET", "bb", ""}, {"PING"}}, peekAll(r, 10))
	require.Equal(t, [][]string{{"SET", "bb", ""}}, peekAll(r, 1), "fn returning false stops Peek")
	require.Equal(t, []string{"GET", "a"}, argStrings(args), "Peek must not touch the returned command")
	require.Equal(t, [][]string{{"SET", "bb", ""}, {"PING"}}, readAll(r, true).cmds[:2])

	// An incomplete command is not yielded, and neither is anything after
	// it; a command parsed ahead by Buffered is not yielded either.
	r = NewReader(strings.NewReader("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$5\r\nab"), ReaderLimits{})
	_, err = r.ReadCommand()
	require.NoError(t, err)
	require.Empty(t, peekAll(r, 10))
	r = NewReader(strings.NewReader(in), ReaderLimits{})
	_, err = r.ReadCommand()
	require.NoError(t, err)
	require.True(t, r.Buffered())
	require.Empty(t, peekAll(r, 10))
}

// socketReader stands for a connection: Read returns what has arrived (and
// io.EOF when nothing has, as a closed peer would), TryRead the same
// without the EOF. It counts both.
type socketReader struct {
	arrived        []byte
	err            error // returned by TryRead when nothing has arrived
	reads, tryRead int
}

func (s *socketReader) Read(p []byte) (int, error) {
	s.reads++
	return s.take(p, io.EOF)
}

func (s *socketReader) TryRead(p []byte) (int, error) {
	s.tryRead++
	return s.take(p, s.err)
}

// take reads what has arrived into p, or returns none when nothing has.
func (s *socketReader) take(p []byte, none error) (int, error) {
	if len(s.arrived) == 0 {
		return 0, none
	}
	n := copy(p, s.arrived)
	s.arrived = s.arrived[n:]
	return n, nil
}

// pipelineOf returns n SETs of 1000-byte values: about 20 KiB for 20,
// more than the reader's first buffer.
func pipelineOf(n int) []byte {
	return []byte(repeatStr("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$1000\r\n"+repeatStr("v", 1000)+"\r\n", n))
}

// serveAll reads commands as a server does, until Buffered and TopUp both
// say no whole command is left, and returns how many it read.
func serveAll(t *testing.T, r *Reader) int {
	t.Helper()
	n := 0
	for {
		_, err := r.ReadCommand()
		require.NoError(t, err)
		n++
		if !r.Buffered() && !r.TopUp() {
			return n
		}
	}
}

func TestReaderTopUpReadsTheRestOfAPipelineThatDidNotFit(t *testing.T) {
	s := &socketReader{arrived: pipelineOf(20)}
	r := NewReader(s, ReaderLimits{})
	r.SetAuthenticated(true)
	require.Equal(t, 20, serveAll(t, r), "one flush for the whole pipeline")
	require.Equal(t, 1, s.reads)
	require.Equal(t, 1, s.tryRead)
	require.False(t, r.TopUp(), "the top-up did not fill its room: nothing to look for")
	require.Equal(t, 1, s.tryRead)

	// The buffer grew: the next pipeline of the same size fits one read.
	s.arrived = pipelineOf(20)
	require.Equal(t, 20, serveAll(t, r))
	require.Equal(t, 2, s.reads)
	require.Equal(t, 1, s.tryRead)
	require.Equal(t, 2*ioBufLen, r.BufferCap())
}

func TestReaderTopUpNeedsATryReader(t *testing.T) {
	in := pipelineOf(20)
	r := NewReader(bytes.NewReader(in), ReaderLimits{})
	r.SetAuthenticated(true)
	n := 0
	for !(n > 0 && !r.Buffered()) {
		_, err := r.ReadCommand()
		require.NoError(t, err)
		n++
	}
	require.Less(t, n, 20, "the first read holds part of the pipeline")
	require.False(t, r.TopUp())
	got := readAll(r, false)
	require.Len(t, got.cmds, 20-n)
}

func TestReaderTopUpKeepsAReadErrorForReadCommand(t *testing.T) {
	reset := errors.New("connection reset")
	s := &socketReader{arrived: pipelineOf(20)[:ioBufLen], err: reset}
	r := NewReader(s, ReaderLimits{})
	r.SetAuthenticated(true)
	n := 0
	for {
		_, err := r.ReadCommand()
		require.NoError(t, err)
		n++
		if !r.Buffered() {
			break
		}
	}
	require.False(t, r.TopUp(), "nothing more arrived, the peer failed")
	_, err := r.ReadCommand()
	require.ErrorIs(t, err, reset)
}

// lendingSocket is a connection whose data arrives in chunks, one when the
// reader waits: ReadLending reads what has arrived, and when nothing has,
// parks the reader (recording what it then holds), lets the next chunk
// arrive and reads it into the buffer unpark gives. With fail set, a wait
// ends in errWait instead, without unparking (a deadline).
type lendingSocket struct {
	socketReader
	r       *Reader
	chunks  [][]byte
	parked  []int // the reader's buffer size at each park
	failAt  int   // the wait, counted from 1, that fails; 0 for none
	waiting int
	plain   int // waits in Read, which holds the buffer
}

var errWait = errors.New("deadline")

func (s *lendingSocket) Read(p []byte) (int, error) {
	if len(s.arrived) == 0 && len(s.chunks) > 0 {
		s.plain++
		s.arrived, s.chunks = s.chunks[0], s.chunks[1:]
	}
	return s.socketReader.Read(p)
}

func (s *lendingSocket) ReadLending(p []byte, l bufferLender) (int, error) {
	if len(s.arrived) == 0 && len(s.chunks) > 0 {
		l.park()
		s.parked = append(s.parked, len(s.r.buf))
		scribblePools()
		if s.waiting++; s.waiting == s.failAt {
			return 0, errWait
		}
		s.arrived, s.chunks = s.chunks[0], s.chunks[1:]
		p = l.unpark()
	}
	return s.Read(p)
}

func TestReaderLendsItsBufferWhileWaiting(t *testing.T) {
	set := func(k string) string { return "*3\r\n$3\r\nSET\r\n$1\r\n" + k + "\r\n$1\r\nv\r\n" }
	s := &lendingSocket{chunks: [][]byte{
		[]byte(set("a") + set("b")),
		[]byte(set("c") + set("d")[:7]), // the rest of d arrives without a wait
		[]byte(set("d")[7:]),
		pipelineOf(100), // grows the buffer to keepBufLen
		[]byte(set("e")),
	}}
	r := NewReader(s, ReaderLimits{})
	s.r = r
	r.SetAuthenticated(true)
	var mirror atomic.Int64
	r.MirrorBufferCap(&mirror)
	var keys []string
	for {
		args, err := r.ReadCommand()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		keys = append(keys, string(args[1]))
		require.Equal(t, int64(len(r.buf)), mirror.Load())
		require.Equal(t, len(r.buf), r.BufferCap())
		r.Buffered()
		r.TopUp()
	}
	require.Equal(t, []string{"a", "b", "c", "d"}, keys[:4])
	require.Len(t, keys, 4+100+1)
	require.Equal(t, "e", keys[len(keys)-1])
	require.Equal(t, []int{0, 0, 0, 0}, s.parked, "waits that lent the buffer, and what it held then")
	require.Equal(t, 1, s.plain, "the wait with part of d held keeps the buffer")
	require.Equal(t, keepBufLen, len(r.buf), "the size it had grown to is kept across waits")
	r.Release()
	require.Zero(t, mirror.Load())
}

func TestReaderResumesAfterAWaitThatFailedWhileLent(t *testing.T) {
	s := &lendingSocket{chunks: [][]byte{[]byte("PING\r\n"), []byte("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n")}, failAt: 2}
	r := NewReader(s, ReaderLimits{})
	s.r = r
	r.SetAuthenticated(true)
	args, err := r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, []string{"PING"}, argStrings(args))
	_, err = r.ReadCommand()
	require.ErrorIs(t, err, errWait)
	require.True(t, r.buf == nil, "the buffer stays lent until a read needs it")
	args, err = r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, []string{"ECHO", "hi"}, argStrings(args))
}

// TestShortHeaderAgreesWithTheGeneralPath checks the fast path of header
// parsing against findLine and parseLongLong on many random lines: where it
// answers, the general path must give the same number and the same end of
// line, with the byte after '\r' arrived; and it must answer the common
// forms.
func TestShortHeaderAgreesWithTheGeneralPath(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  int64
	}{{"$3\r\n", 3}, {"$0\r\n", 0}, {"*16\r\n", 16}, {"$123456789\r\n", 123456789}} {
		n, nl, ok := shortHeader([]byte(tc.in), 0, len(tc.in), tc.in[0])
		require.True(t, ok, tc.in)
		require.Equal(t, tc.n, n, tc.in)
		require.Equal(t, len(tc.in)-2, nl, tc.in)
	}
	for _, in := range []string{"$3\r", "$\r\n", "$01\r\n", "$-1\r\n", "$1234567890\r\n", "$3\n\r\n", "*3\r\n"} {
		_, _, ok := shortHeader([]byte(in), 0, len(in), '$')
		require.False(t, ok, "%q goes the general way", in)
	}
	const alphabet = "0123456789\r\n-+\x00x"
	rng := rand.New(rand.NewPCG(1, 2))
	answered := 0
	for range 300_000 {
		b := []byte{'$'}
		for range 1 + rng.IntN(12) {
			b = append(b, alphabet[rng.IntN(len(alphabet))])
		}
		if rng.IntN(2) == 0 { // most lines are well formed
			limit := int64(10)
			for range rng.IntN(10) {
				limit *= 10
			}
			b = append(strconv.AppendInt([]byte{'$'}, rng.Int64N(limit), 10), "\r\n"...)
		}
		n, nl, ok := shortHeader(b, 0, len(b), '$')
		if !ok {
			continue
		}
		answered++
		r := &Reader{buf: b, end: len(b)}
		want, tooBig := r.findLine('\r')
		require.False(t, tooBig)
		require.Equal(t, want, nl, "%q", b)
		require.Less(t, nl+1, len(b), "%q", b)
		v, vok := parseLongLong(b[1:nl])
		require.True(t, vok, "%q", b)
		require.Equal(t, v, n, "%q", b)
	}
	require.Greater(t, answered, 100_000)
}
