package test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With appendfsync always, a write's reply waits for its fsync; the
// connection's goroutine hands it to the AOF and goes on reading, and the
// goroutine that completed the fsync writes it. These tests check what
// clients see of that: every reply, in order, whether the client waits for
// each reply, pipelines, or sends more before its held reply is out.

// TestAlwaysAnswersEveryClientInOrder runs go-redis clients doing
// unpipelined writes and reads, short pipelines, and raw clients that send
// their next command at random moments without reading the previous reply,
// all at once, and checks every reply.
func TestAlwaysAnswersEveryClientInOrder(t *testing.T) {
	srv := StartServer(t, "appendonly yes", "appendfsync always")
	ctx := context.Background()
	waitLoaded(t, srv.Client(t))
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			rdb := srv.Client(t)
			k := fmt.Sprint("counter:", w)
			for i := 1; i <= 300; i++ {
				if !assert.Equal(t, int64(i), rdb.Incr(ctx, k).Val()) ||
					!assert.Equal(t, strconv.Itoa(i), rdb.Get(ctx, k).Val()) {
					return
				}
				if i%10 == 0 {
					p := rdb.Pipeline()
					set := p.Set(ctx, k+":p", i, 0)
					get := p.Get(ctx, k+":p")
					incr := p.Incr(ctx, k+":p")
					_, err := p.Exec(ctx)
					if !assert.NoError(t, err) {
						return
					}
					assert.Equal(t, "OK", set.Val())
					assert.Equal(t, strconv.Itoa(i), get.Val())
					assert.Equal(t, int64(i+1), incr.Val())
				}
			}
		})
	}
	for w := range 4 {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
			if !assert.NoError(t, err) {
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(60 * time.Second))
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			k := fmt.Sprint("raw:", w)
			const n = 400
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				for i := 1; i <= n; i++ {
					cmd := fmt.Sprintf("*2\r\n$4\r\nINCR\r\n$%d\r\n%s\r\n*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(k), k, len(k), k)
					if _, err := io.WriteString(conn, cmd); err != nil {
						return
					}
					// Sometimes right away, sometimes about when the held
					// reply goes out.
					if d := rng.IntN(300); d > 100 {
						time.Sleep(time.Duration(d) * time.Microsecond)
					}
				}
			}()
			r := bufio.NewReader(conn)
			for i := 1; i <= n; i++ {
				if !assert.Equal(t, ":"+strconv.Itoa(i)+"\r\n", readLine(t, r), "INCR %d", i) {
					return
				}
				v := strconv.Itoa(i)
				if !assert.Equal(t, "$"+strconv.Itoa(len(v))+"\r\n", readLine(t, r)) ||
					!assert.Equal(t, v+"\r\n", readLine(t, r), "GET after INCR %d", i) {
					return
				}
			}
			<-sent
		})
	}
	wg.Wait()
}

func readLine(t *testing.T, r *bufio.Reader) string {
	line, err := r.ReadString('\n')
	assert.NoError(t, err)
	return line
}

// TestAlwaysWritesABigHeldReplyToASlowReader holds a reply larger than
// the socket takes at once, for a client that reads it slowly and sends
// its next command before reading: the rest of the reply must follow in
// order, and the next command's reply after it.
func TestAlwaysWritesABigHeldReplyToASlowReader(t *testing.T) {
	srv := StartServer(t, "appendonly yes", "appendfsync always")
	ctx := context.Background()
	rdb := srv.Client(t)
	waitLoaded(t, rdb)
	big := strings.Repeat("0123456789abcdef", 1<<18) // 4 MiB
	require.NoError(t, rdb.Set(ctx, "big", big, 0).Err())

	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", srv.Addr)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	// A write and a big read in one batch: their replies are held together.
	_, err = io.WriteString(conn, "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond) // the socket fills; the rest waits
	_, err = io.WriteString(conn, "*2\r\n$4\r\nINCR\r\n$1\r\na\r\n")
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)

	r := bufio.NewReaderSize(conn, 4096)
	require.Equal(t, "+OK\r\n", readLine(t, r))
	require.Equal(t, "$"+strconv.Itoa(len(big))+"\r\n", readLine(t, r))
	got := make([]byte, len(big)+2)
	_, err = io.ReadFull(r, got)
	require.NoError(t, err)
	require.True(t, string(got) == big+"\r\n", "the big reply came back changed")
	require.Equal(t, ":2\r\n", readLine(t, r))
	require.Equal(t, "2", rdb.Get(ctx, "a").Val())
}

// TestAlwaysServesBlockedPops has consumers wait in BLPOP while producers
// push, with appendfsync always: a served pop's reply waits for its fsync
// on the consumer's connection, not under the keyspace lock. Every item
// must reach exactly one consumer, each producer's items in their order,
// and a client that pipelines around a BLPOP gets its replies in order.
func TestAlwaysServesBlockedPops(t *testing.T) {
	srv := StartServer(t, "appendonly yes", "appendfsync always")
	ctx := context.Background()
	waitLoaded(t, srv.Client(t))
	const producers, consumers, each = 4, 4, 300
	var mu sync.Mutex
	got := map[string][]int{} // producer -> items popped
	var cwg, pwg sync.WaitGroup
	for range consumers {
		cwg.Go(func() {
			rdb := srv.Client(t)
			last := map[string]int{}
			for {
				kv, err := rdb.BLPop(ctx, time.Second, "queue").Result()
				if err != nil {
					return // empty for a second: the producers are done
				}
				p, n, _ := strings.Cut(kv[1], ":")
				i, _ := strconv.Atoi(n)
				if prev, ok := last[p]; ok {
					assert.Greater(t, i, prev, "a consumer got %s's items out of order", p)
				}
				last[p] = i
				mu.Lock()
				got[p] = append(got[p], i)
				mu.Unlock()
			}
		})
	}
	for p := range producers {
		pwg.Go(func() {
			rdb := srv.Client(t)
			for i := range each {
				if !assert.NoError(t, rdb.RPush(ctx, "queue", fmt.Sprintf("p%d:%d", p, i)).Err()) {
					return
				}
			}
		})
	}
	// A client that pipelines a write, a BLPOP and another write, served
	// by a push from another client meanwhile.
	conn := srv.Dial(t)
	conn.Send("*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*3\r\n$5\r\nBLPOP\r\n$5\r\nother\r\n$1\r\n5\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
	require.Equal(t, ":1\r\n", conn.ReadReply())
	require.NoError(t, srv.Client(t).RPush(ctx, "other", "x").Err())
	require.Equal(t, "*2\r\n$5\r\nother\r\n$1\r\nx\r\n", conn.ReadReply())
	require.Equal(t, ":2\r\n", conn.ReadReply())

	pwg.Wait()
	cwg.Wait()
	for p := range producers {
		items := got[fmt.Sprint("p", p)]
		slices.Sort(items)
		require.Len(t, items, each, "producer %d", p)
		for i, n := range items {
			require.Equal(t, i, n, "producer %d's item %d lost or popped twice", p, i)
		}
	}
}
