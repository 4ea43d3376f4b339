package server

import (
	"bufio"
	"errors"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/redcon"

	"quordis/aof"
)

// MIGRATE moves keys to another server as Redis 7.0's migrateCommand does:
// the source is a client of the target, sends one RESTORE (RESTORE-ASKING
// in cluster mode) per key with the key's DUMP payload and remaining TTL,
// pipelined after AUTH and SELECT as needed, reads every reply, and
// deletes the keys the target acknowledged (unless COPY), propagating the
// deletions as DEL.
//
// The exchange runs under the keyspace lock, so it holds up every other
// client for as long as the target takes to answer, as MIGRATE blocks
// Redis's event loop (and a MIGRATE to the server itself waits out its
// timeout, as in Redis). Doing the network IO outside the lock and deleting
// afterwards only the keys left unchanged was considered and rejected: a
// write to a key in flight (a DEL, an INCR) could not be reconciled with
// the copy already on the target. The source's key would be gone while
// the target's copy lives on (a deleted key resurrected), or the two
// would differ and the next MIGRATE of the slot would fail with BUSYKEY.
// In cluster mode it is worse: a command on a key deleted meanwhile is
// ASKed to the target and runs on the stale copy. Holding the lock keeps
// MIGRATE atomic per key, which is what redis-cli's resharding relies on;
// running it without the lock would need dispatch to hold commands on the
// keys in flight until the migration ends.

const (
	// migrateCacheTTL is how long an unused connection to a target stays
	// open, and migrateCacheItems how many are kept (Redis's
	// MIGRATE_SOCKET_CACHE_TTL and MIGRATE_SOCKET_CACHE_ITEMS).
	migrateCacheTTL   = 10 * time.Second
	migrateCacheItems = 64
	// migrateChunk is the size of the writes each given the timeout.
	migrateChunk = 64 * 1024
)

// migrateCommands is MIGRATE. Each call makes a fresh connection cache, so
// every server's command table has its own.
func migrateCommands() []*Command {
	m := &migrateCache{conns: make(map[string]*migrateConn)}
	return []*Command{{
		Name: "migrate", Arity: -6, Flags: FlagWrite | FlagMovableKeys, ACL: ACLKeyspace | ACLDangerous,
		FirstKey: 3, LastKey: 3, Step: 1, Keys: migrateKeys,
		KeyFlags: func([][]byte, int) []string { return flagList("RW access delete") },
		KeySpecs: []KeySpec{ks("RW access delete", 3),
			{Flags: flagList("RW access delete incomplete"), Keyword: "KEYS", KeywordFrom: -2, LastKey: -1, KeyStep: 1}},
		Tips:  []string{"nondeterministic_output"},
		Group: "generic", Since: "2.6.0", Summary: "Atomically transfer a key from a Redis instance to another one.",
		Complexity: "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target " +
			"instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the " +
			"two instances is performed.",
		Handler: m.migrate,
	}}
}

// migrateKeys extracts MIGRATE's keys as Redis's migrateGetKeys does: the
// key argument, or with KEYS (and an empty key argument) every argument
// after it. AUTH and AUTH2 values are skipped, so a password spelled
// "keys" is not taken for the option.
func migrateKeys(args [][]byte) []int {
	for i := 6; i < len(args); i++ {
		switch strings.ToLower(bytesView(args[i])) {
		case "keys":
			if len(args[3]) > 0 {
				return nil
			}
			pos := make([]int, 0, len(args)-i-1)
			for j := i + 1; j < len(args); j++ {
				pos = append(pos, j)
			}
			return pos
		case "auth":
			i++
		case "auth2":
			i += 2
		}
	}
	return []int{3}
}

// migrateCache keeps connections to MIGRATE targets, by "host:port", for
// reuse by the next MIGRATE, and closes those unused for migrateCacheTTL.
// Its fields are guarded by Server.mu, which every MIGRATE holds.
type migrateCache struct {
	conns   map[string]*migrateConn
	janitor bool // the goroutine closing idle connections is running
}

// migrateConn is a cached connection to a target.
type migrateConn struct {
	conn    net.Conn
	rd      *bufio.Reader
	lastDB  int64 // the database last selected, -1 when unknown
	lastUse time.Time
}

// migrateOpts are MIGRATE's parsed arguments.
type migrateOpts struct {
	addr          string // "host:port" as given, the cache's key
	host          string
	port          int // the port argument read as C's atoi does
	db, timeout   int64
	copy, replace bool
	auth          [][]byte // AUTH's arguments: password, or username and password
	keys          []int    // argument indexes of the keys to migrate
}

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password] [AUTH2 username password] [KEYS key [key ...]]
//
// The checks run in Redis's order: options, timeout, database, then the
// keys (NOKEY when none exists) and the connection.
func (m *migrateCache) migrate(c *Ctx) Reply {
	o, msg := parseMigrate(c)
	if msg != "" {
		return Err(msg)
	}

	// Each value is serialized as soon as it is found: looking up the next
	// key may delete an expired one, which moves values in the keyspace.
	// The RESTORE commands are the same for every attempt; only AUTH and
	// SELECT depend on the connection.
	restore := "RESTORE"
	if c.s.config().ClusterEnabled {
		restore = "RESTORE-ASKING"
	}
	var keys []int
	var body []byte
	for _, i := range o.keys {
		v := c.lookupRead(c.key(i))
		if v == nil {
			continue
		}
		keys = append(keys, i)
		ttl := int64(0)
		if at, ok := c.DB.Expiry(c.key(i)); ok {
			ttl = max(at-c.Now, 1) // the lookup found it live at Now
		}
		n := 4
		if o.replace {
			n = 5
		}
		body = redcon.AppendArray(body, n)
		body = redcon.AppendBulkString(body, restore)
		body = redcon.AppendBulk(body, c.Args[i])
		body = redcon.AppendBulkInt(body, ttl)
		body = redcon.AppendBulk(body, aof.Dump(v))
		if o.replace {
			body = redcon.AppendBulkString(body, "REPLACE")
		}
	}
	if len(keys) == 0 {
		return Simple("NOKEY")
	}

	timeout := time.Duration(min(o.timeout, math.MaxInt64/int64(time.Millisecond))) * time.Millisecond
	r, again := m.attempt(c, &o, keys, body, timeout, true)
	if again {
		r, _ = m.attempt(c, &o, keys, body, timeout, false)
	}
	return r
}

// parseMigrate reads MIGRATE's arguments, or returns the error message.
func parseMigrate(c *Ctx) (migrateOpts, string) {
	o := migrateOpts{addr: string(c.Args[1]) + ":" + string(c.Args[2]), host: string(c.Args[1]),
		port: atoi(c.Args[2]), keys: []int{3}}
	for i := 6; i < len(c.Args); i++ {
		more := len(c.Args) - 1 - i
		switch strings.ToLower(bytesView(c.Args[i])) {
		case "copy":
			o.copy = true
		case "replace":
			o.replace = true
		case "auth":
			if more < 1 {
				return o, msgSyntax
			}
			i++
			o.auth = c.Args[i : i+1]
		case "auth2":
			if more < 2 {
				return o, msgSyntax
			}
			o.auth = c.Args[i+1 : i+3]
			i += 2
		case "keys":
			if len(c.Args[3]) != 0 {
				return o, "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
			}
			o.keys = o.keys[:0]
			for j := i + 1; j < len(c.Args); j++ {
				o.keys = append(o.keys, j)
			}
			i = len(c.Args)
		default:
			return o, msgSyntax
		}
	}
	var ok bool
	if o.timeout, ok = parseInt(c.Args[5]); !ok {
		return o, msgNotInt
	}
	if o.db, ok = parseInt(c.Args[4]); !ok {
		return o, msgNotInt
	}
	if o.timeout <= 0 {
		o.timeout = 1000
	}
	return o, ""
}

// attempt runs one exchange with the target and returns the reply, or
// again when it failed in a way Redis retries once on a fresh connection
// (retry says whether this attempt may ask for that): an error other than
// a timeout, before the target acknowledged anything. Keys the target
// acknowledged are deleted even when a later one fails, as Redis does.
func (m *migrateCache) attempt(c *Ctx, o *migrateOpts, keys []int, body []byte, timeout time.Duration, retry bool) (r Reply, again bool) {
	// socketErr ends an attempt that lost the connection.
	socketErr := func(err error, writing, retry bool) (Reply, bool) {
		m.drop(o.addr)
		if retry && !isTimeout(err) {
			return Reply{}, true
		}
		if writing {
			return Err("IOERR error or timeout writing to target instance"), false
		}
		return Err("IOERR error or timeout reading to target instance"), false
	}
	cs, err := m.get(c.s, o, timeout)
	if err != nil {
		// Redis connects without blocking and learns that the target
		// refused or cannot be reached only when it writes: it reports
		// that as a write error (after its one retry). Only a timeout or
		// a host that does not resolve fail the connection itself.
		var dnsErr *net.DNSError
		if isTimeout(err) || errors.As(err, &dnsErr) {
			return Err("IOERR error or timeout connecting to the client"), false
		}
		return socketErr(err, true, retry)
	}
	var head []byte
	if o.auth != nil {
		head = redcon.AppendArray(head, 1+len(o.auth))
		head = redcon.AppendBulkString(head, "AUTH")
		for _, a := range o.auth {
			head = redcon.AppendBulk(head, a)
		}
	}
	selectDB := cs.lastDB != o.db
	if selectDB {
		head = redcon.AppendArray(head, 2)
		head = redcon.AppendBulkString(head, "SELECT")
		head = redcon.AppendBulkInt(head, o.db)
	}

	if err := cs.write(timeout, head, body); err != nil {
		return socketErr(err, true, retry)
	}
	var authReply, selectReply string
	if o.auth != nil {
		if authReply, err = cs.readLine(timeout); err != nil {
			return socketErr(err, false, retry)
		}
	}
	if selectDB {
		if selectReply, err = cs.readLine(timeout); err != nil {
			return socketErr(err, false, retry)
		}
	}

	var targetErr string
	var deleted [][]byte
	var readErr error
	replies := 0
	for _, i := range keys {
		line, err := cs.readLine(timeout)
		if err != nil {
			readErr = err
			break
		}
		replies++
		failed := ""
		switch {
		case strings.HasPrefix(authReply, "-"):
			failed = authReply
		case strings.HasPrefix(selectReply, "-"):
			failed = selectReply
		case strings.HasPrefix(line, "-"):
			failed = line
		}
		if failed != "" {
			if targetErr == "" {
				cs.lastDB = -1
				targetErr = failed[1:]
			}
			continue
		}
		if !o.copy && c.DB.Delete(c.key(i)) {
			c.Modified(c.Args[i])
			c.Notify(notifyGeneric, "del", c.Args[i])
			deleted = append(deleted, c.ownedBytes(i))
		}
	}
	if readErr != nil && targetErr == "" && replies == 0 && retry && !isTimeout(readErr) {
		return socketErr(readErr, false, true)
	}
	if len(deleted) > 0 {
		c.Propagate(append([][]byte{[]byte("DEL")}, deleted...)...)
	}
	if targetErr != "" {
		if readErr != nil {
			m.drop(o.addr)
		}
		return Err("ERR Target instance replied with error: " + targetErr), false
	}
	if readErr != nil {
		return socketErr(readErr, false, false)
	}
	cs.lastDB = o.db
	return replyOK, false
}

// get returns the cached connection to o's target, or dials one (within
// timeout) and caches it. Called with Server.mu held.
func (m *migrateCache) get(s *Server, o *migrateOpts, timeout time.Duration) (*migrateConn, error) {
	now := time.Now() // connection bookkeeping, not data: the real clock
	if cs := m.conns[o.addr]; cs != nil {
		cs.lastUse = now
		return cs, nil
	}
	if len(m.conns) >= migrateCacheItems {
		for a := range m.conns { // map order: a random victim, as Redis picks one
			m.drop(a)
			break
		}
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(o.host, strconv.Itoa(o.port)), timeout)
	if err != nil {
		return nil, err
	}
	cs := &migrateConn{conn: conn, rd: bufio.NewReader(conn), lastDB: -1, lastUse: now}
	m.conns[o.addr] = cs
	// A MIGRATE runs on a connection's goroutine, which the server's
	// WaitGroup counts, so adding to it here is safe even during Close.
	if !m.janitor {
		m.janitor = true
		s.wg.Add(1)
		go m.closeIdle(s)
	}
	return cs, nil
}

// drop closes and forgets the connection to addr. Called with Server.mu
// held.
func (m *migrateCache) drop(addr string) {
	if cs := m.conns[addr]; cs != nil {
		cs.conn.Close()
		delete(m.conns, addr)
	}
}

// closeIdle closes the connections unused for migrateCacheTTL, checking
// every second, and all of them when the server closes. It exits once
// none is left; the next MIGRATE starts it again.
func (m *migrateCache) closeIdle(s *Server) {
	defer s.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
		case <-t.C:
		}
		s.mu.Lock()
		closed := s.isClosed()
		now := time.Now()
		for addr, cs := range m.conns {
			if closed || now.Sub(cs.lastUse) > migrateCacheTTL {
				m.drop(addr)
			}
		}
		done := len(m.conns) == 0
		if done {
			m.janitor = false
		}
		s.mu.Unlock()
		if done {
			return
		}
	}
}

// write sends the buffers in chunks, each of which must go out within
// timeout: MIGRATE's timeout bounds the time without progress, not the
// whole transfer.
func (cs *migrateConn) write(timeout time.Duration, bufs ...[]byte) error {
	for _, b := range bufs {
		for len(b) > 0 {
			n := min(len(b), migrateChunk)
			cs.conn.SetWriteDeadline(time.Now().Add(timeout))
			if _, err := cs.conn.Write(b[:n]); err != nil {
				return err
			}
			b = b[n:]
		}
	}
	return nil
}

// readLine reads one reply line, without its line end, within timeout.
// The replies to AUTH, SELECT and RESTORE are all single lines.
func (cs *migrateConn) readLine(timeout time.Duration) (string, error) {
	cs.conn.SetReadDeadline(time.Now().Add(timeout))
	line, err := cs.rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// atoi reads the number at the start of b, 0 when there is none, as C's
// atoi does with Redis's port argument.
func atoi(b []byte) int {
	s := strings.TrimLeft(bytesView(b), " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<20; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// isTimeout reports whether err is a timeout, which Redis does not retry.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
