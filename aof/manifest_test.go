package aof

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// manifestCases are manifests and what Redis 7.0 makes of them;
// TestManifestVerdictsMatchRedis checks each against redis-server.
var manifestCases = []struct {
	name, in string
	err      string // Redis's message; empty: accepted
	line     int
	text     string
	want     string // the manifest re-encoded
}{
	{name: "redis", in: "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.1.base.rdb seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		want: "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.1.base.rdb seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n"},
	{name: "crlf", in: "file a.1.base.rdb seq 1 type b\r\nfile a.1.incr.aof seq 1 type i\r\n",
		want: "file a.1.base.rdb seq 1 type b\nfile a.1.incr.aof seq 1 type i\n"},
	{name: "comments, quotes, case, unknown keys, long type", in: "# comment\nFILE \"a.1.base.rdb\" SEQ 1 TYPE b extra foo\nfile a.1.incr.aof seq 1 type ifoo\n",
		want: "file a.1.base.rdb seq 1 type b\nfile a.1.incr.aof seq 1 type i\n"},
	{name: "escapes", in: "file \"a b\\x41\\n\" seq 1 type i\nfile 'it\\'s' seq 2 type i\n",
		want: "file \"a bA\\n\" seq 1 type i\nfile it's seq 2 type i\n"},
	{name: "history only incr", in: "file a.5.incr.aof seq 5 type h\n", want: "file a.5.incr.aof seq 5 type h\n"},
	{name: "only comments", in: "# only comment\n", want: ""},
	{name: "seq is atoll", in: "file a seq 12abc type i\n", want: "file a seq 12 type i\n"},
	{name: "no final newline", in: "file a seq 1 type b\nfile b seq 1 type i", err: "The AOF manifest file contains too long line", line: 2},
	{name: "empty line", in: "file a seq 1 type b\n\nfile b seq 1 type i\n", err: "Invalid AOF manifest file format", line: 2, text: ""},
	{name: "blank line", in: " \t\r\n", err: "Invalid AOF manifest file format", line: 1},
	{name: "empty file", in: "", err: "Found an empty AOF manifest"},
	{name: "non-monotonic", in: "file a seq 2 type i\nfile a seq 2 type i\n", err: "Found a non-monotonic sequence number", line: 2, text: "file a seq 2 type i"},
	{name: "negative seq", in: "file a seq -5 type i\n", err: "Found a non-monotonic sequence number", line: 1, text: "file a seq -5 type i"},
	{name: "unknown type", in: "file a seq 1 type x\n", err: "Unknown AOF file type", line: 1, text: "file a seq 1 type x"},
	{name: "path", in: "file a/b seq 1 type i\n", err: "File can't be a path, just a filename", line: 1, text: "file a/b seq 1 type i"},
	{name: "backslash path", in: "file a\\b seq 1 type i\n", err: "File can't be a path, just a filename", line: 1},
	{name: "unbalanced quote", in: "file \"a b seq 1 type i\n", err: "Invalid AOF manifest file format", line: 1, text: "file \"a b seq 1 type i"},
	{name: "quote not followed by space", in: "file \"a\"b seq 1 type i\n", err: "Invalid AOF manifest file format", line: 1},
	{name: "odd fields", in: "file a seq 1 type i x\n", err: "Invalid AOF manifest file format", line: 1},
	{name: "too few fields", in: "file a seq 1\n", err: "Invalid AOF manifest file format", line: 1},
	{name: "seq zero", in: "file a seq abc type i\n", err: "Invalid AOF manifest file format", line: 1},
	{name: "empty type", in: "file a seq 1 type \"\"\n", err: "Invalid AOF manifest file format", line: 1},
	{name: "no file", in: "name a seq 1 type i\n", err: "Invalid AOF manifest file format", line: 1},
	{name: "duplicate base", in: "file a seq 1 type b\nfile b seq 2 type b\n", err: "Found duplicate base file information", line: 2},
	{name: "nul byte", in: "file a\x00 seq 1 type i\n", err: "The AOF manifest file contains too long line", line: 1},
	{name: "long line", in: "file " + strings.Repeat("a", 1020) + " seq 1 type i\n", err: "The AOF manifest file contains too long line", line: 1},
	{name: "long comment continues as a line", in: "#" + strings.Repeat("c", 1023) + "file a seq 1 type i\n", want: "file a seq 1 type i\n"},
}

func TestParseManifestFollowsRedis(t *testing.T) {
	for _, tc := range manifestCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseManifest("m", []byte(tc.in))
			if tc.err == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, string(m.encode()))
				return
			}
			var me *ManifestError
			require.ErrorAs(t, err, &me)
			require.Equal(t, tc.err, me.Err)
			require.Equal(t, tc.line, me.Line)
			if tc.text != "" {
				require.Equal(t, tc.text, me.Text)
			}
		})
	}
}

func TestManifestNamesRoundTripThroughQuoting(t *testing.T) {
	for _, name := range []string{"plain.aof", "with space", "quote\"s", "back\\slash", "tab\tnl\ncr\r", "\x01\xff\a\b", "é"} {
		m := &manifest{incr: []aofInfo{{name: name, seq: 1, typ: typeIncr}}}
		enc := m.encode()
		got, err := parseManifest("m", enc)
		if strings.ContainsAny(name, "/\\") {
			require.Error(t, err)
			continue
		}
		require.NoError(t, err, "%q", enc)
		require.Equal(t, name, got.incr[0].name, "%q", enc)
	}
}

func TestSplitArgsMatchesSdssplitargs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"  a  b\tc ", []string{"a", "b", "c"}, true},
		{`"a b" 'c d'`, []string{"a b", "c d"}, true},
		{`"\x41\x4g\n\r\t\b\a\\\"\q"`, []string{"Ax4g\n\r\t\b\a\\\"q"}, true},
		{`'it\'s' '\n'`, []string{"it's", `\n`}, true},
		{`a"b"`, []string{"ab"}, true},
		{`"a"b`, nil, false},
		{`"abc`, nil, false},
		{`'abc`, nil, false},
		{`""`, []string{""}, true},
		{"a\vb", []string{"a\vb"}, true},
	}
	for _, tc := range cases {
		got, ok := splitArgs(tc.in)
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		if ok {
			require.Equal(t, tc.want, got, "%q", tc.in)
		}
	}
}

func TestAtollIsC(t *testing.T) {
	for in, want := range map[string]int64{
		"": 0, "12": 12, "  -7x": -7, "+3": 3, "abc": 0,
		"99999999999999999999": 1<<63 - 1, "-99999999999999999999": -1 << 63,
	} {
		require.Equal(t, want, atoll(in), "%q", in)
	}
}
