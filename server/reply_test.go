package server

import (
	"math"
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestReplyFitsRegisters checks that a Reply stays within what the
// compiler passes and returns in registers (see Reply): at most four
// fields and four words.
func TestReplyFitsRegisters(t *testing.T) {
	require.LessOrEqual(t, unsafe.Sizeof(Reply{}), 4*unsafe.Sizeof(uintptr(0)))
	require.LessOrEqual(t, reflect.TypeOf(Reply{}).NumField(), 4)
}

// TestReplyEncodings encodes a reply of every shape in RESP2 and RESP3: the
// payload each constructor packs must read back whole.
func TestReplyEncodings(t *testing.T) {
	fn := func(b []byte, proto int) []byte { return append(b, byte('0'+proto)) }
	for _, tc := range []struct {
		name       string
		r          Reply
		resp2, res string // res: the RESP3 encoding, "" when the same as RESP2
	}{
		{"simple", Simple("OK"), "+OK\r\n", ""},
		{"error", Err("ERR bad\r\nthing"), "-ERR bad  thing\r\n", ""},
		{"int", Int(-7), ":-7\r\n", ""},
		{"int min", Int(math.MinInt64), ":-9223372036854775808\r\n", ""},
		{"bool", Bool(true), ":1\r\n", "#t\r\n"},
		{"bool false", Bool(false), ":0\r\n", "#f\r\n"},
		{"bulk", Bulk([]byte("ab")), "$2\r\nab\r\n", ""},
		{"nil bulk", Bulk(nil), "$0\r\n\r\n", ""},
		{"bulk string", BulkString("xyz"), "$3\r\nxyz\r\n", ""},
		{"bulk int", BulkInt(42), "$2\r\n42\r\n", ""},
		{"double", Double(1.5), "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double inf", Double(math.Inf(-1)), "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"array", Array(Int(1), BulkString("a")), "*2\r\n:1\r\n$1\r\na\r\n", ""},
		{"empty array", Array(), "*0\r\n", ""},
		{"nested", Array(Array(Simple("x"))), "*1\r\n*1\r\n+x\r\n", ""},
		{"appended", Appended(fn), "2", "3"},
		{"strings", Strings([]string{"a", "bc"}), "*2\r\n$1\r\na\r\n$2\r\nbc\r\n", ""},
		{"string set", StringSet([]string{"a"}), "*1\r\n$1\r\na\r\n", "~1\r\n$1\r\na\r\n"},
		{"string map", StringMap([]string{"k", "v"}), "*2\r\n$1\r\nk\r\n$1\r\nv\r\n", "%1\r\n$1\r\nk\r\n$1\r\nv\r\n"},
		{"bulks", Bulks([][]byte{[]byte("a"), nil}), "*2\r\n$1\r\na\r\n$-1\r\n", "*2\r\n$1\r\na\r\n_\r\n"},
		{"map", Map(BulkString("k"), Int(1)), "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n"},
		{"set", Set(Int(1)), "*1\r\n:1\r\n", "~1\r\n:1\r\n"},
		{"push", Push(BulkString("m")), "*1\r\n$1\r\nm\r\n", ">1\r\n$1\r\nm\r\n"},
		{"verbatim", Verbatim("hi"), "$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"},
		{"null", Null(), "$-1\r\n", "_\r\n"},
		{"null array", replyNullArray, "*-1\r\n", "_\r\n"},
		{"raw", Raw([]byte("+X\r\n")), "+X\r\n", ""},
		{"none", replyNone, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want3 := tc.res
			if want3 == "" {
				want3 = tc.resp2
			}
			require.Equal(t, tc.resp2, string(appendReply(nil, &tc.r, 2)))
			require.Equal(t, want3, string(appendReply(nil, &tc.r, 3)))
		})
	}
	r := Err("ERR x")
	require.True(t, r.IsError())
}
