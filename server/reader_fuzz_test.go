package server

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"
)

// fuzzTimeout bounds the work on one input. A reader that spins or blocks
// must fail the input, not stall the fuzzer at 0 execs/s while it still
// reports PASS.
const fuzzTimeout = time.Second

// chunkReader returns its data in chunks whose sizes come from the data
// itself, so the fuzzer controls where reads split the input.
type chunkReader struct {
	data []byte
	off  int
	step int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.off == len(c.data) {
		return 0, io.EOF
	}
	c.step++
	size := 1 + int(c.data[(c.step*7)%len(c.data)])%23
	if c.step%5 == 0 {
		size *= 1000
	}
	n := copy(p[:min(len(p), size)], c.data[c.off:])
	c.off += n
	return n, nil
}

// TryRead makes chunkReader a tryReader: every third call finds nothing
// has arrived; the others read as Read does.
func (c *chunkReader) TryRead(p []byte) (int, error) {
	if c.step++; c.step%3 == 0 {
		return 0, nil
	}
	return c.Read(p)
}

// ReadLending makes chunkReader a lendingReader: every fourth call waits,
// lending the buffer out, and scribbles over the pooled buffers while it
// does, so that input a Reader still needed from a lent buffer shows up as
// commands that differ from the other ways of reading.
func (c *chunkReader) ReadLending(p []byte, l bufferLender) (int, error) {
	if c.step++; c.step%4 == 0 {
		l.park()
		scribblePools()
		p = l.unpark()
	}
	return c.Read(p)
}

// scribblePools overwrites a buffer of each pool.
func scribblePools() {
	for i := range bufPool {
		if b, ok := bufPool[i].Get().(*[]byte); ok {
			for j := range *b {
				(*b)[j] = '*'
			}
			bufPool[i].Put(b)
		}
	}
}

// repeatMark in an input, followed by a count byte k, stands for k*1024 more
// copies of the byte before it (when the mode asks for it). It lets short
// inputs reach the 64 KB line limits: the fuzzer's minimizer runs each new
// input many times, and raw inputs that long would stall it for a minute.
const repeatMark = 0xfe

// expandRepeats expands the repeat marks in, or reports false when the
// result would pass maxExpanded bytes.
func expandRepeats(in []byte) ([]byte, bool) {
	const maxExpanded = 256 << 10
	var out []byte
	for i := 0; i < len(in); i++ {
		if in[i] == repeatMark && i > 0 && i+1 < len(in) {
			n := int(in[i+1]) * 1024
			if len(out)+n > maxExpanded {
				return nil, false
			}
			out = append(out, bytes.Repeat(in[i-1:i], n)...)
			i++
			continue
		}
		out = append(out, in[i])
	}
	return out, true
}

// FuzzReader feeds each input to a Reader whole, in chunks the input
// chooses, and one byte at a time, and requires the same commands and the
// same final error each way. The first byte picks the mode: authenticated
// or not, small limits, Buffered calls, repeat expansion. Each input must
// finish within fuzzTimeout.
func FuzzReader(f *testing.F) {
	const expand = 32
	marked := func(b byte, k int) string { return string([]byte{b, repeatMark, byte(k)}) }
	seeds := []string{
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
		"*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\nECHO hi\n",
		"*0\r\n*-1\r\n*-10\r\n*1\r\n$4\r\nPING\r\n",
		"*2\r\n$3\r\nGET\r\n$1\r\nkXY*1\r\n$4\r\nPINGab",
		"*1\rx$4\ryPING\r\n",
		"*9000000000000000000\r\n",
		"*2147483647\r\n$1\r\na\r\n",
		"*2147483648\r\n",
		"*abc\r\n", "*\r\n", "*01\r\n", "*-\r\n",
		"*1\r\n:1\r\n", "*1\r\n\r\n", "*1\r\n\xff\r\n",
		"*1\r\n$abc\r\n", "*1\r\n$-1\r\n", "*1\r\n$536870913\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\nabc",
		"*1\r\n$39937\r\n" + marked('x', 39) + "\r\n*1\r\n$4\r\nPING\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2049\r\n" + marked('v', 2) + "\r\n",
		"*11\r\n", "*1\r\n$16385\r\n",
		"SET \"a b\" 'c d'\r\n",
		`ECHO "\x41\n\r\t\b\a\\\"\q" 'it\'s' a"b c"` + "\n",
		"ECHO \"abc\r\n", "ECHO 'a'b\r\n", "ECHO '\\\\'\n",
		"\r\n\n  \t \r\nPING\r\n",
		"PING\x00\r\nPING\r\n",
		"*1\x00\r\n",
		marked('a', 64),
		marked('a', 63) + "\n",
		"*" + marked('1', 64),
		"*1\r\n$" + marked('1', 64),
		"PING\x00" + marked('x', 64),
		"POST / HTTP/1.1\r\nHost: x\r\n",
		"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
		"*1\r\n$6\r\npost\x00x\r\n",
		// Found by fuzzing: the buffer was shrunk after a command while the
		// argument offsets of that finished command were still recorded.
		"*1\r\n$39937\r\nx\xfeg\r\n*1\r\n$4\r\nPING\r\n",
	}
	for _, s := range seeds {
		for _, mode := range []byte{0, 1, 6, 7 | 8 | 16} {
			f.Add(append([]byte{mode | expand}, s...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		mode, in := data[0], data[1:]
		if len(in) > 16<<10 {
			return // see repeatMark
		}
		if mode&expand != 0 {
			var ok bool
			if in, ok = expandRepeats(in); !ok {
				return
			}
		}
		var lim ReaderLimits
		if mode&2 != 0 {
			lim.ProtoMaxBulkLen = 100
		}
		if mode&4 != 0 {
			lim.QueryBufferLimit = 300
		}
		run := func(rd io.Reader, buffered bool) readResult {
			r := NewReader(rd, lim)
			r.SetAuthenticated(mode&1 == 0)
			return readAll(r, buffered)
		}

		var results []readResult
		done := make(chan struct{})
		go func() {
			defer close(done)
			results = append(results,
				run(bytes.NewReader(in), mode&8 != 0),
				run(&chunkReader{data: in}, mode&8 != 0),
			)
			if len(in) <= 1<<17 {
				results = append(results, run(iotest.OneByteReader(bytes.NewReader(in)), mode&16 != 0))
			}
		}()
		timer := time.NewTimer(fuzzTimeout)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			t.Fatalf("FuzzReader: input did not finish within %v (hang or spin in Reader): mode %#x, %d bytes, %.200q",
				fuzzTimeout, mode, len(in), in)
		}

		want := results[0]
		require.Error(t, want.err, "a finite input always ends in an error")
		for _, got := range results {
			require.False(t, got.clobbered, "Buffered or Peek changed arguments ReadCommand had returned")
			require.Empty(t, got.peekMismatch())
		}
		for _, got := range results[1:] {
			require.Equal(t, want.cmds, got.cmds, "commands depend on how the input was split")
			require.Equal(t, want.err.Error(), got.err.Error(), "the final error depends on how the input was split")
		}
		for _, c := range want.cmds {
			require.NotEmpty(t, c)
			for _, a := range c {
				require.LessOrEqual(t, int64(len(a)), lim.withDefaults().ProtoMaxBulkLen+inlineMaxSize)
			}
		}
	})
}
