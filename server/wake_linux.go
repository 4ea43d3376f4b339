//go:build linux

package server

import (
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// parkedPoll is the state of Server.wakeParked.
type parkedPoll struct {
	mu      sync.Mutex   // held by the one wakeParked that polls
	last    atomic.Int64 // mono's reading at the last poll, in ns
	built   int64        // mono's reading when hot was built, in ns; guarded by mu
	scanned bool         // hot was built once; guarded by mu
	hot     []*client    // the connections active lately; guarded by mu
	fds     []pollFd     // scratch space of the poll, guarded by mu
	clients []*client    // the client of each of fds, guarded by mu
}

// pollFd is the kernel's struct pollfd.
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

// The poll(2) events wakeParked asks for and acts on.
const (
	pollIn  = 0x1
	pollErr = 0x8
	pollHup = 0x10
)

// wakeEvery is how often, at most, wakeParked polls: about one turn of
// Redis's event loop over 50 clients pipelining large commands. Polling
// every 50 µs did no better.
const wakeEvery = 200 * time.Microsecond

// The connections wakeParked polls are those that ran a command within
// hotWithin, at most hotMax of them (a ppoll's cost grows with the sockets
// it is given), taken from a scan of every connection at most every
// hotEvery. Walking every connection under the keyspace lock and polling
// every waiting one, every wakeEvery, with 8,000 idle ones besides 50
// pipelining, made the 50 fall from 89-91k MSETs a second to 10-52k, p99
// 9-10 ms to 17-99; polling the active ones, 74-80k at 4.9-6.4 (the scan
// every 100 ms instead of 20 made no difference). A connection
// back from a long idle waits for the runtime's poller, as before, or for
// the next scan.
const (
	hotEvery  = 20 * time.Millisecond
	hotWithin = 50 * time.Millisecond
	hotMax    = 128
)

// pastDeadline is the read deadline that wakes a connection's goroutine
// from its wait in the runtime's poller.
var pastDeadline = time.Unix(1, 0)

// wakeParked wakes the connections whose goroutines wait in the runtime's
// poller for input that has arrived meanwhile. It is called by a
// connection halfway through a long pipeline before it yields
// (client.passTurn).
//
// The runtime asks its poller which sockets are ready only when it has no
// goroutine left to run (or every 10 ms, from its monitor thread). While
// 50 clients pipeline large commands, each connection in the middle of its
// pipeline yields after every turn and so stays runnable, and a client
// that sends its next pipeline waits, unseen, until every pipeline in
// progress has ended: the first replies of a pipeline took anything from
// 0.1 to 13 ms, where Redis, which polls between every two turns of its
// event loop, answers within one turn (0.9-4 ms). So at most every
// wakeEvery one yielding connection polls the sockets of the connections
// active lately (hotWithin) that wait (rawIO.parked), without waiting
// (ppoll with a zero timeout), and wakes those with input, as an expired
// read deadline wakes a goroutine from the poller (rawIO.serveIn then
// clears it and goes on).
// They run before the yielding ones: the wake-up puts them ahead in the
// run queue. 16 MSETs of ten 1 KiB values from 50 clients: mean latency
// to a pipeline's first reply 3.0 ms -> 1.45, p99 7.6 -> 5.9 (Redis 2.8
// and 3.7), at the same throughput; with turnBytes besides, p99 3.9-5.4.
func (s *Server) wakeParked() {
	p := &s.parked
	now := int64(s.mono.Since())
	if now-p.last.Load() < int64(wakeEvery) || !p.mu.TryLock() {
		return
	}
	defer p.mu.Unlock()
	p.last.Store(now)
	if !p.scanned || now-p.built >= int64(hotEvery) {
		p.built, p.scanned = now, true
		clear(p.hot)
		p.hot = p.hot[:0]
		s.mu.Lock()
		since := s.clock().Add(-hotWithin)
		for _, c := range s.clients {
			if len(p.hot) == hotMax {
				break
			}
			if c.raw != nil && c.lastActive.After(since) {
				p.hot = append(p.hot, c)
			}
		}
		s.mu.Unlock()
	}
	p.fds, p.clients = p.fds[:0], p.clients[:0]
	for _, c := range p.hot {
		if c.raw.parked.Load() {
			p.fds = append(p.fds, pollFd{fd: int32(c.fd), events: pollIn})
			p.clients = append(p.clients, c)
		}
	}
	if len(p.fds) > 0 {
		var zero syscall.Timespec
		n, _, e := syscall.RawSyscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&p.fds[0])), uintptr(len(p.fds)), uintptr(unsafe.Pointer(&zero)), 0, 0, 0)
		if e == 0 && n > 0 {
			for i, f := range p.fds {
				if f.revents&(pollIn|pollErr|pollHup) != 0 {
					// A connection closed meanwhile refuses the deadline;
					// one whose goroutine woke meanwhile finds it at its
					// next wait and clears it.
					p.clients[i].conn.SetReadDeadline(pastDeadline)
				}
			}
		}
	}
	clear(p.clients)
}
