package aof

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/store"
)

// These tests run the real redis-server 7.0 and redis-check-aof on the same
// directories as the package. The test command installs them; a machine
// without them fails the tests rather than skip them.

// realRedis is a redis-server process on a directory.
type realRedis struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    string
	c      *redis.Client
}

// runRedis starts redis-server with --appendonly yes on dir. It returns
// once the server answers PING (up is true) or has exited, as it does when
// it refuses its AOF (up is false; the log says why).
func runRedis(t *testing.T, dir string, args ...string) (r *realRedis, up bool) {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	require.NoError(t, err, "redis-server is needed; the test command installs it")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r = &realRedis{exited: make(chan struct{}), log: filepath.Join(t.TempDir(), "redis.log")}
	full := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "yes", "--dir", dir, "--logfile", r.log}, args...)
	r.cmd = exec.Command(path, full...)
	require.NoError(t, r.cmd.Start())
	go func() {
		r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		<-r.exited
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// The port opens before the data is loaded: wait for the log line that
	// follows loading, or for the exit that follows a refused AOF.
	require.Eventually(t, func() bool {
		select {
		case <-r.exited:
			return true
		default:
		}
		b, _ := os.ReadFile(r.log)
		up = strings.Contains(string(b), "Ready to accept connections")
		return up
	}, 10*time.Second, 10*time.Millisecond, "redis-server neither started nor exited")
	r.c = redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { r.c.Close() })
	return r, up
}

// Log returns the server's log.
func (r *realRedis) Log(t *testing.T) string {
	b, err := os.ReadFile(r.log)
	require.NoError(t, err)
	return string(b)
}

// do runs a command in database db and returns its reply.
func (r *realRedis) do(t *testing.T, db int, args ...any) any {
	t.Helper()
	ctx := context.Background()
	conn := r.c.Conn()
	defer conn.Close()
	require.NoError(t, conn.Do(ctx, "SELECT", db).Err())
	v, err := conn.Do(ctx, args...).Result()
	if err == redis.Nil {
		return nil
	}
	require.NoError(t, err, "%v", args)
	return v
}

// shutdown stops the server without an RDB save and waits for it.
func (r *realRedis) shutdown(t *testing.T) {
	t.Helper()
	r.c.Do(context.Background(), "SHUTDOWN", "NOSAVE")
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("redis-server did not shut down")
	}
}

// waitRewrite waits until no AOF rewrite is running or scheduled.
func (r *realRedis) waitRewrite(t *testing.T, running bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		info := r.c.Info(context.Background(), "persistence").Val()
		busy := strings.Contains(info, "aof_rewrite_in_progress:1") || strings.Contains(info, "aof_rewrite_scheduled:1")
		return busy == running
	}, 10*time.Second, 10*time.Millisecond)
}

// upper normalizes a record's command name (clients send either case).
func upperRecs(recs []cmdRec) []cmdRec {
	out := make([]cmdRec, len(recs))
	for i, r := range recs {
		name, rest, _ := strings.Cut(r.Argv, " ")
		out[i] = cmdRec{r.DB, strings.TrimSpace(strings.ToUpper(name) + " " + rest)}
	}
	return out
}

func TestLoadsAnAOFWrittenByRedis(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("aof-use-rdb-preamble "+preamble, func(t *testing.T) {
			dir := t.TempDir()
			r, up := runRedis(t, dir, "--aof-use-rdb-preamble", preamble)
			require.True(t, up, r.Log(t))
			r.do(t, 0, "SET", "a", "1")
			r.do(t, 3, "RPUSH", "l", "x", "y")
			r.do(t, 0, "BGREWRITEAOF")
			r.waitRewrite(t, false)

			r.do(t, 0, "SET", "b", "2")
			ctx := context.Background()
			conn := r.c.Conn()
			for _, c := range [][]any{{"MULTI"}, {"INCR", "c"}, {"SELECT", "5"}, {"SET", "d", "4"}, {"EXEC"}} {
				require.NoError(t, conn.Do(ctx, c...).Err())
			}
			conn.Close()
			// A rewrite that never finishes leaves a second incr file.
			r.do(t, 0, "CONFIG", "SET", "rdb-key-save-delay", "1000000")
			r.do(t, 0, "BGREWRITEAOF")
			r.waitRewrite(t, true)
			r.do(t, 0, "SET", "e", "5")
			r.do(t, 9, "SET", "f", "6")
			r.shutdown(t)

			ext := map[string]string{"yes": "rdb", "no": "aof"}[preamble]
			manifest, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
			require.NoError(t, err)
			require.Equal(t, "file appendonly.aof.2.base."+ext+" seq 2 type b\n"+
				"file appendonly.aof.2.incr.aof seq 2 type i\n"+
				"file appendonly.aof.3.incr.aof seq 3 type i\n", string(manifest))

			opts := Options{Dir: dir}
			recs, rdb, stats := loadDir(t, opts)
			require.Equal(t, 3, stats.Files)
			require.False(t, stats.Truncated)
			incr := []cmdRec{
				{0, "SET b 2"}, {0, "MULTI"}, {0, "INCR c"}, {5, "SET d 4"}, {5, "EXEC"},
				{0, "SET e 5"}, {9, "SET f 6"},
			}
			if preamble == "yes" {
				base, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.2.base.rdb"))
				require.NoError(t, err)
				require.Equal(t, base, rdb, "the RDB base is handed over unparsed")
				require.True(t, strings.HasPrefix(string(rdb), "REDIS0010"))
				require.Equal(t, incr, upperRecs(recs))
			} else {
				require.Nil(t, rdb)
				require.Equal(t, append([]cmdRec{{0, "SET a 1"}, {3, "RPUSH l x y"}}, incr...), upperRecs(recs))
			}

			// We append to Redis's directory; Redis loads it back.
			a, err := Open(opts)
			require.NoError(t, err)
			_, _, _, err = loadInto(a)
			require.NoError(t, err)
			a.Append(7, mkArgv("SET", "g", "7"))
			require.NoError(t, a.Close())
			r, up = runRedis(t, dir, "--aof-use-rdb-preamble", preamble)
			require.True(t, up, r.Log(t))
			require.Equal(t, "7", r.do(t, 7, "GET", "g"))
			require.Equal(t, "5", r.do(t, 0, "GET", "e"))
			require.Equal(t, "4", r.do(t, 5, "GET", "d"))
			require.Equal(t, []any{"x", "y"}, r.do(t, 3, "LRANGE", "l", 0, -1))
			r.shutdown(t)
		})
	}
}

func TestRedisLoadsAnAOFWeWrote(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, Fsync: Always}
	a, err := Open(opts)
	require.NoError(t, err)
	_, _, _, err = loadInto(a)
	require.NoError(t, err)
	state := kvModel{}
	set := func(db int, k, v string) {
		require.NoError(t, a.WaitDurable(a.Append(db, mkArgv("SET", k, v))))
		state.apply(cmdRec{db, "SET " + k + " " + v})
	}
	set(0, "a", "1")
	set(2, "b", "2")
	a.Append(2, mkArgv("MULTI"))
	a.Append(2, mkArgv("SET", "c", "3"))
	a.Append(2, mkArgv("EXEC"))
	state.apply(cmdRec{2, "SET c 3"})

	rw, err := a.StartRewrite()
	require.NoError(t, err)
	snapshot := state.base() // a RESP base, as with aof-use-rdb-preamble no
	set(0, "a", "10")        // during the rewrite
	_, err = rw.Base().Write(snapshot)
	require.NoError(t, err)
	require.NoError(t, rw.Commit(false))
	set(4, "d", "4")

	rw, err = a.StartRewrite()
	require.NoError(t, err)
	require.NoError(t, rw.Abort()) // leaves two incr files
	set(4, "e", "5")
	set(0, "bin", "\x00\r\n*1\r\n")
	require.NoError(t, a.Close())

	manifestPath := filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")
	manifest, err := os.ReadFile(manifestPath)
	require.NoError(t, err)
	require.Equal(t, "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.3.incr.aof seq 3 type i\n", string(manifest))

	out, err := exec.Command("redis-check-aof", manifestPath).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "All AOF files and manifest are valid")

	r, up := runRedis(t, dir, "--aof-use-rdb-preamble", "no")
	require.True(t, up, r.Log(t))
	for db, kv := range state {
		require.Equal(t, int64(len(kv)), r.do(t, db, "DBSIZE"), "db %d", db)
		for k, v := range kv {
			require.Equal(t, v, r.do(t, db, "GET", k), "db %d key %q", db, k)
		}
	}
	r.shutdown(t)
	after, err := os.ReadFile(manifestPath)
	require.NoError(t, err)
	require.Equal(t, string(manifest), string(after), "Redis found nothing to fix in our manifest")
}

// TestFreshAndLegacyLayoutsMatchRedis runs Open and redis-server on the same
// starting directories and compares what each leaves behind.
func TestFreshAndLegacyLayoutsMatchRedis(t *testing.T) {
	legacy := respOf([]string{"SELECT", "0"}, []string{"SET", "x", "1"})
	for _, start := range []struct {
		name   string
		legacy string
	}{{"fresh", ""}, {"legacy appendonly.aof", legacy}} {
		t.Run(start.name, func(t *testing.T) {
			ours, theirs := t.TempDir(), t.TempDir()
			if start.legacy != "" {
				for _, d := range []string{ours, theirs} {
					require.NoError(t, os.WriteFile(filepath.Join(d, "appendonly.aof"), []byte(start.legacy), 0o644))
				}
			}
			r, up := runRedis(t, theirs, "--aof-use-rdb-preamble", "no")
			require.True(t, up, r.Log(t))
			r.shutdown(t)
			a, err := Open(Options{Dir: ours})
			require.NoError(t, err)
			_, _, _, err = loadInto(a)
			require.NoError(t, err)
			require.NoError(t, a.Close())
			require.Equal(t, dirListing(t, theirs), dirListing(t, ours))
		})
	}
}

// listing describes a directory tree: names, sizes and manifest contents.
func dirListing(t *testing.T, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			out = append(out, rel+"/")
			return nil
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		if strings.HasSuffix(path, ".manifest") {
			out = append(out, rel+": "+string(b))
		} else {
			out = append(out, rel+": "+strconv.Itoa(len(b))+" bytes")
		}
		return nil
	})
	require.NoError(t, err)
	sort.Strings(out)
	return out
}

// TestLoadVerdictsMatchRedis gives damaged directories to redis-server and
// to Load, with aof-load-truncated yes and no, and compares: whether the
// load succeeds, the keys loaded, and the file size after a cut.
func TestLoadVerdictsMatchRedis(t *testing.T) {
	set := func(k string) string { return respOf([]string{"SET", k, "v"}) }
	sel0 := respOf([]string{"SELECT", "0"})
	cases := []struct {
		name         string
		incr1, incr2 string // incr2 empty: one incr file
	}{
		{"complete", sel0 + set("a") + set("b"), ""},
		{"cut in the last command", sel0 + set("a") + set("b")[:9], ""},
		{"cut after the star", sel0 + set("a") + "*", ""},
		{"multi without exec", sel0 + set("a") + respOf([]string{"MULTI"}, []string{"SET", "m", "v"}), ""},
		{"select inside multi", sel0 + respOf([]string{"MULTI"}, []string{"SELECT", "0"}, []string{"SET", "m", "v"}, []string{"EXEC"}) + set("z"), ""},
		{"garbage in the middle", sel0 + set("a") + "+OK\r\n" + set("b"), ""},
		{"zero count in the middle", sel0 + set("a") + "*0\r\n" + set("b"), ""},
		{"annotations", "#TS:1700000000\r\n" + sel0 + set("a") + "#TS:1700000001\r\n" + set("b"), ""},
		{"unchecked CRLF", sel0 + "*3\r\n$3\r\nSETXY$1\r\naXY$1\r\nvXY", ""},
		{"cut in a file that is not the last", sel0 + set("a") + set("b")[:5], sel0 + set("c")},
		{"two good files", sel0 + set("a"), sel0 + set("b")},
	}
	for _, tc := range cases {
		for _, truncated := range []string{"yes", "no"} {
			t.Run(tc.name+"/aof-load-truncated "+truncated, func(t *testing.T) {
				manifest := "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
				files := map[string]string{"appendonly.aof.1.base.aof": "", "appendonly.aof.1.incr.aof": tc.incr1}
				if tc.incr2 != "" {
					manifest += "file appendonly.aof.2.incr.aof seq 2 type i\n"
					files["appendonly.aof.2.incr.aof"] = tc.incr2
				}
				theirs, ours := t.TempDir(), t.TempDir()
				for _, d := range []string{theirs, ours} {
					require.NoError(t, os.Mkdir(filepath.Join(d, "appendonlydir"), 0o755))
					require.NoError(t, os.WriteFile(filepath.Join(d, "appendonlydir", "appendonly.aof.manifest"), []byte(manifest), 0o644))
					for n, data := range files {
						require.NoError(t, os.WriteFile(filepath.Join(d, "appendonlydir", n), []byte(data), 0o644))
					}
				}

				r, up := runRedis(t, theirs, "--aof-load-truncated", truncated)
				var redisKeys []string
				if up {
					redisKeys = r.c.Keys(context.Background(), "*").Val()
					r.shutdown(t)
				}

				a, err := Open(Options{Dir: ours, LoadTruncated: truncated == "yes"})
				require.NoError(t, err)
				recs, _, _, err := loadInto(a)
				require.NoError(t, a.Close())
				require.Equal(t, up, err == nil, "redis-server up: %v; Load: %v\n%s", up, err, r.Log(t))
				if !up {
					return
				}
				keys := map[string]bool{}
				for _, rc := range replayRecs(recs) {
					for k := range rc {
						keys[k] = true
					}
				}
				var ourKeys []string
				for k := range keys {
					ourKeys = append(ourKeys, k)
				}
				sort.Strings(redisKeys)
				sort.Strings(ourKeys)
				require.Equal(t, redisKeys, ourKeys)
				for n := range files {
					theirSize, ourSize := aofFileSize(t, theirs, n), aofFileSize(t, ours, n)
					require.Equal(t, theirSize, ourSize, "%s after loading", n)
				}
			})
		}
	}
}

func aofFileSize(t *testing.T, dir, name string) int64 {
	st, err := os.Stat(filepath.Join(dir, "appendonlydir", name))
	require.NoError(t, err)
	return st.Size()
}

// TestManifestVerdictsMatchRedis gives every manifest of manifestCases to
// redis-server and to Open: both refuse it with the same message and line,
// or both accept it and leave the same directory behind.
func TestManifestVerdictsMatchRedis(t *testing.T) {
	for _, tc := range manifestCases {
		t.Run(tc.name, func(t *testing.T) {
			theirs, ours := t.TempDir(), t.TempDir()
			for _, d := range []string{theirs, ours} {
				aofDir := filepath.Join(d, "appendonlydir")
				require.NoError(t, os.Mkdir(aofDir, 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(aofDir, "appendonly.aof.manifest"), []byte(tc.in), 0o644))
				if m, err := parseManifest("", []byte(tc.in)); err == nil {
					for _, ai := range append(m.files(), m.hist...) {
						require.NoError(t, os.WriteFile(filepath.Join(aofDir, ai.name), nil, 0o644))
					}
				}
			}
			r, up := runRedis(t, theirs, "--aof-use-rdb-preamble", "no")
			a, err := Open(Options{Dir: ours})
			require.Equal(t, up, err == nil, "redis-server up: %v; Open: %v\n%s", up, err, r.Log(t))
			if !up {
				log := r.Log(t)
				require.Contains(t, log, "*** FATAL AOF MANIFEST FILE ERROR ***")
				var me *ManifestError
				require.ErrorAs(t, err, &me)
				require.Contains(t, log, "# "+me.Err+"\n")
				if me.Text != "" || strings.Contains(log, ">>> ") {
					require.Contains(t, log, "Reading the manifest file, at line "+strconv.Itoa(me.Line)+"\n")
					require.Contains(t, log, ">>> '"+me.Text+"'\n")
				}
				return
			}
			r.shutdown(t)
			_, _, _, err = loadInto(a)
			require.NoError(t, err)
			require.NoError(t, a.Close())
			require.Equal(t, dirListing(t, theirs), dirListing(t, ours))
		})
	}
}

// TestEnableMatchesConfigSetAppendonly compares Enable with Redis's CONFIG
// SET appendonly yes on a server holding one key.
func TestEnableMatchesConfigSetAppendonly(t *testing.T) {
	theirs, ours := t.TempDir(), t.TempDir()
	r, up := runRedis(t, theirs, "--appendonly", "no", "--aof-use-rdb-preamble", "no")
	require.True(t, up, r.Log(t))
	r.do(t, 0, "SET", "a", "1")
	r.do(t, 0, "CONFIG", "SET", "appendonly", "yes")
	r.waitRewrite(t, false)
	r.do(t, 0, "SET", "b", "2")
	r.shutdown(t)

	a, rw, err := Enable(Options{Dir: ours})
	require.NoError(t, err)
	_, err = rw.Base().Write([]byte(respOf([]string{"SELECT", "0"}, []string{"SET", "a", "1"})))
	require.NoError(t, err)
	require.NoError(t, rw.Commit(false))
	a.Append(0, mkArgv("SET", "b", "2"))
	require.NoError(t, a.Close())
	require.Equal(t, dirListing(t, theirs), dirListing(t, ours))
}

// TestLegacyRDBPreambleTailLoadsAfterReadRDB builds a Redis 6 style
// appendonly.aof (an RDB preamble written by redis-server, then commands)
// and loads it with ReadRDB as the RDB callback: ReadRDB must stop at the
// RDB's end for the tail to replay. redis-server loads the same file.
func TestLegacyRDBPreambleTailLoadsAfterReadRDB(t *testing.T) {
	src := t.TempDir()
	r, up := runRedis(t, src, "--aof-use-rdb-preamble", "yes")
	require.True(t, up, r.Log(t))
	r.do(t, 0, "SET", "a", "1")
	r.do(t, 3, "RPUSH", "l", "x", "y")
	r.do(t, 0, "BGREWRITEAOF")
	r.waitRewrite(t, false)
	r.shutdown(t)
	rdb, err := os.ReadFile(filepath.Join(src, "appendonlydir", "appendonly.aof.2.base.rdb"))
	require.NoError(t, err)
	legacy := append(rdb, respOf([]string{"SELECT", "3"}, []string{"RPUSH", "l", "z"}, []string{"SELECT", "0"}, []string{"SET", "tail", "1"})...)

	theirs, ours := t.TempDir(), t.TempDir()
	for _, d := range []string{theirs, ours} {
		require.NoError(t, os.WriteFile(filepath.Join(d, "appendonly.aof"), legacy, 0o644))
	}
	r, up = runRedis(t, theirs)
	require.True(t, up, r.Log(t))
	require.Equal(t, "1", r.do(t, 0, "GET", "tail"))
	require.Equal(t, []any{"x", "y", "z"}, r.do(t, 3, "LRANGE", "l", 0, -1))
	r.shutdown(t)

	a, err := Open(Options{Dir: ours})
	require.NoError(t, err)
	defer a.Close()
	var keys []string
	var recs []cmdRec
	_, err = a.Load(func(r io.Reader) error {
		_, err := ReadRDB(r, store.DefaultLimits(), func(db int, key string, _ store.Object, _ int64) error {
			keys = append(keys, strconv.Itoa(db)+":"+key)
			return nil
		})
		return err
	}, func(db int, argv [][]byte) error {
		recs = append(recs, cmdRec{db, joinArgv(argv)})
		return nil
	})
	require.NoError(t, err)
	sort.Strings(keys)
	require.Equal(t, []string{"0:a", "3:l"}, keys)
	require.Equal(t, []cmdRec{{3, "RPUSH l z"}, {0, "SET tail 1"}}, recs)
}
