package aof

import (
	"io"
	"testing"
	"time"

	"slices"
)

// FuzzLoad feeds arbitrary bytes as the manifest and as an incremental
// file. Open and Load may refuse them but must not panic, hang (each input
// has one second) or allocate from declared lengths; a load that succeeded
// after cutting a truncated tail must load again identically, without
// cutting.
func FuzzLoad(f *testing.F) {
	const manifest = "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
	seeds := []struct{ manifest, incr string }{
		{manifest, respOf([]string{"SELECT", "3"}, []string{"SET", "a", "1"})},
		{manifest, respOf([]string{"MULTI"}, []string{"INCR", "a"}, []string{"EXEC"}, []string{"MULTI"}, []string{"INCR", "b"})},
		{manifest, "#TS:1\r\n*2\r\n$3\r\nGET\r\n$1\r\nk"},
		{manifest, "*9000000000000000000\r\n"},
		{manifest, "*1\r\n$9000000000000000000\r\nabc"},
		{manifest, "*2147483647\r\n$1\r\na\r\n"},
		{manifest, "*1\r\n$-1\r\n"},
		{manifest, "*\r\n"},
		{manifest, "REDIS0010\xff"},
		{manifest, "*2\r\n$6\r\nSELECT\r\n$2\r\n-1\r\n"},
		{"file appendonly.aof.1.incr.aof seq 1 type b\n", "REDIS0010garbage*1\r\n$4\r\nPING\r\n"},
		{"file \"appendonly.aof.1.incr.aof\" SEQ 1 type i extra\n# comment\n", "*1\r\n$4\r\nPING\r\n"},
		{"file appendonly.aof.1.incr.aof seq 1 type i", ""},
		{"file a/b seq 1 type i\n", ""},
		{"file 'x seq 1 type i\n", ""},
		{"", ""},
	}
	for _, s := range seeds {
		f.Add([]byte(s.manifest), []byte(s.incr), true)
		f.Add([]byte(s.manifest), []byte(s.incr), false)
	}
	f.Fuzz(func(t *testing.T, manifest, incr []byte, truncated bool) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			fuzzLoadOnce(t, manifest, incr, truncated)
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatalf("Open+Load took more than a second: manifest %q, incr %q", manifest, incr)
		}
	})
}

func fuzzLoadOnce(t *testing.T, manifest, incr []byte, truncated bool) {
	fsys := memAOF(string(manifest), map[string]string{
		"appendonly.aof.1.base.aof": respOf([]string{"SELECT", "1"}, []string{"SET", "base", "1"}),
		"appendonly.aof.1.incr.aof": string(incr),
	})
	opts := memOpts(fsys)
	opts.LoadTruncated = truncated
	first, stats, err := fuzzLoad(opts)
	if err != nil || !stats.Truncated {
		return
	}
	second, stats, err := fuzzLoad(opts)
	if err != nil {
		t.Errorf("a cut AOF does not load again: %v", err)
		return
	}
	if stats.Truncated {
		t.Errorf("a cut AOF is cut again")
	}
	if !slices.Equal(first, second) {
		t.Errorf("a cut AOF loads differently: %v then %v", first, second)
	}
}

func fuzzLoad(opts Options) ([]cmdRec, LoadStats, error) {
	a, err := Open(opts)
	if err != nil {
		return nil, LoadStats{}, err
	}
	defer a.Close()
	var recs []cmdRec
	stats, err := a.Load(func(r io.Reader) error {
		// A decoder that reads a little and gives up or stops.
		var b [16]byte
		n, _ := io.ReadFull(r, b[:])
		if n > 12 {
			return io.ErrUnexpectedEOF
		}
		return nil
	}, func(db int, argv [][]byte) error {
		recs = append(recs, cmdRec{db, joinArgv(argv)})
		return nil
	})
	return recs, stats, err
}
