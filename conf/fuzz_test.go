package conf

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// inputBound is how long one fuzz input may take. A hang must fail the
// input, not stall the fuzzer: past the bound, a timer panics, which kills
// the test process with every goroutine's stack, and the fuzzer records the
// input as a failure. A timer (rather than a goroutine per input) keeps the
// coverage of each input deterministic, which input minimisation needs.
const inputBound = time.Second

// withinBound runs f, crashing the test binary if f runs past inputBound.
func withinBound(t *testing.T, f func()) {
	t.Helper()
	name := t.Name()
	timer := time.AfterFunc(inputBound, func() {
		debug.SetTraceback("all")
		panic(fmt.Sprintf("%s: input took more than %v", name, inputBound))
	})
	defer timer.Stop()
	f()
}

// fuzzParser is a parser whose include directives read from a small fake
// file system, so that fuzzed text never reads real files (or /dev/zero).
func fuzzParser(c *Config) *parser {
	p := newParser(c)
	p.readFile = func(path string) ([]byte, error) {
		switch {
		case strings.HasSuffix(path, "a.conf"):
			return []byte("maxmemory 1mb\nsave 1 1\n"), nil
		case strings.HasSuffix(path, "self.conf"):
			return []byte("include self.conf\n"), nil
		}
		return nil, os.ErrNotExist
	}
	p.glob = func(string) ([]string, error) { return []string{"a.conf", "b.conf"}, nil }
	return p
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"port 7000\nbind 127.0.0.1 ::1\nsave 900 1\nsave 300 10\n",
		"# comment\n  maxmemory 1gb  \nmaxmemory-policy allkeys-lru\r\n",
		`requirepass "a\x41\n\"b" ` + "\n",
		"requirepass 'it\\'s'\n",
		"client-output-buffer-limit normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60\n",
		"include a.conf\nsave 2 2\n",
		"include self.conf\n",
		"include *.conf\n",
		"rename-command FLUSHALL \"\"\nuser default on nopass ~* +@all\nloadmodule /x.so a b\nm.x 1\n",
		"shutdown-on-sigint save now\nlatency-tracking-info-percentiles 50 99.9\noom-score-adj-values 0 200 800\n",
		"replicaof 127.0.0.1 6380\ncluster-enabled yes\n",
		"foo bar\n",
		"\"unbalanced\n",
		"hz 2\x00\n0\n",
		"notify-keyspace-events KEA\nunixsocketperm 700\nmaxmemory-clients 10%\n",
		"proc-title-template \"{title} {{ {port}\"\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		withinBound(t, func() {
			c := Default()
			p := fuzzParser(c)
			b := cText([]byte(text))
			err := p.loadText(string(b), []span{{len(b) + 1, "fuzz.conf"}})
			if err != nil {
				var ce *Error
				var oe *OpenError
				if !errors.As(err, &ce) && !errors.As(err, &oe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				_ = err.Error()
				return
			}
			all := c.Get("*")
			if len(all) != 192 {
				t.Fatalf("CONFIG GET * gave %d names", len(all))
			}
			_ = c.Unsupported()
			// Redis's rewrite does not always give back a loadable file
			// (bind addresses are written unquoted), so only check that
			// reading it back cannot hang or panic.
			out := c.rewrite(text)
			_ = fuzzParser(Default()).loadText(out, nil)
			n, err := c.Set([][2]string{{"save", get2(all, "save")}, {"bind", get2(all, "bind")}})
			if err == nil && n.Get("save")[0][1] != c.Get("save")[0][1] {
				t.Fatalf("save does not survive CONFIG SET of its own value")
			}
		})
	})
}

func get2(kv [][2]string, name string) string {
	for _, p := range kv {
		if p[0] == name {
			return p[1]
		}
	}
	return ""
}

func FuzzMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"*", "anything"},
		{"h?llo", "hello"},
		{"h[^e]llo", "hallo"},
		{"[a-", "-"},
		{"[\\]]", "]"},
		{"a\\", "a\\"},
		{"[\x80-b]", "\xff"},
		{strings.Repeat("*a", 40) + "b", strings.Repeat("a", 200)},
		{strings.Repeat("a*", 1001) + "b", strings.Repeat("a", 1002)},
	} {
		f.Add(seed[0], seed[1], false)
		f.Add(seed[0], seed[1], true)
	}
	f.Fuzz(func(t *testing.T, pattern, s string, nocase bool) {
		withinBound(t, func() {
			got := Match(pattern, s, nocase)
			// Properties that hold for Redis's matcher too.
			if pattern == s && s != "" && !strings.ContainsAny(s, "*?[\\") && !got {
				t.Fatalf("literal %q does not match itself", s)
			}
			if s != "" && strings.Trim(pattern, "*") == "" && pattern != "" && !got {
				t.Fatalf("%q does not match %q", pattern, s)
			}
			if got && s != "" && !Match("*"+pattern, s, nocase) && starGroupsBeforeTokens("*"+pattern) <= maxStarGroups {
				t.Fatalf("%q matches %q but *%q does not", pattern, s, pattern)
			}
		})
	})
}
