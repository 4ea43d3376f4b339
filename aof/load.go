package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Load errors; the returned errors wrap them and name the file and offset.
var (
	ErrBadFormat = errors.New("aof: Bad file format reading the append only file")
	ErrTruncated = errors.New("aof: Unexpected end of file reading the append only file")
)

// LoadStats describes what Load replayed.
type LoadStats struct {
	Files     int   // base and incremental files read
	Commands  int64 // calls of the command callback
	Bytes     int64 // bytes read
	Truncated bool  // an incomplete tail of the last file was cut off
}

// Load replays the AOF as Redis 7.0's loadAppendOnlyFiles does: the base
// file, then every incremental file in manifest order. It must be called
// once, after Open and before the first Append.
//
// A file starting with "REDIS" (an RDB base, or the RDB preamble of a legacy
// appendonly.aof) is handed to rdb, which decodes it from r (with ReadRDB).
// r is a *bufio.Reader: the decoder must read no further than the RDB's end
// (bufio.NewReader(r) returns r itself, so wrapping it is fine), because
// Load replays whatever follows the RDB as commands.
//
// Every other record is passed to command with the database it applies to.
// SELECT records are not passed on: they set the database of the records
// that follow, and each file starts in database 0, as Redis's loader uses a
// fresh client per file. A MULTI ... EXEC block is passed on (MULTI and EXEC
// included) only once its EXEC has been read. argv is the caller's to keep.
// An error from a callback stops the load and is returned wrapped.
//
// A record cut short by the end of the last file, or a MULTI without its
// EXEC there, is a truncated tail: with Options.LoadTruncated the file is
// truncated to the last complete record (with a warning) and the load
// succeeds; otherwise the error wraps ErrTruncated. Anywhere else a bad
// record is an error wrapping ErrBadFormat that names the file and offset.
func (a *AOF) Load(rdb func(r io.Reader) error, command func(db int, argv [][]byte) error) (LoadStats, error) {
	a.mmu.Lock()
	m, opened := a.man.clone(), a.openedIncr
	a.mmu.Unlock()
	a.wmu.Lock()
	defer a.wmu.Unlock()
	var stats LoadStats
	a.mu.Lock()
	appended := a.end > 0
	a.mu.Unlock()
	if a.loaded || appended {
		return stats, errors.New("aof: Load must run once, before any Append")
	}
	a.loaded = true
	files := m.files()
	if n := len(files); n > 0 && files[n-1].name == opened {
		// Redis creates this file after loading: it is not the last file
		// a truncated tail may be in.
		files = files[:n-1]
	}
	for i, ai := range files {
		start := time.Now()
		isBase := m.base != nil && i == 0
		if err := a.loadFile(ai.name, isBase, i == len(files)-1, rdb, command, &stats); err != nil {
			return stats, err
		}
		stats.Files++
		a.log.Info("DB loaded from AOF file", "file", ai.name, "seconds", time.Since(start).Seconds())
	}
	return stats, nil
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type txCmd struct {
	db   int
	argv [][]byte
	off  int64
}

// loadFile replays one file (Redis's loadSingleAppendOnlyFile).
func (a *AOF) loadFile(name string, isBase, last bool, rdb func(io.Reader) error, command func(int, [][]byte) error, stats *LoadStats) error {
	path := filepath.Join(a.aofDir, name)
	f, err := a.fs.OpenFile(path, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("aof: the append log file %s doesn't exist: %w", name, err)
	} else if err != nil {
		return fmt.Errorf("aof: can't open the append log file %s for reading: %w", name, err)
	}
	defer f.Close()
	cr := &countReader{r: f}
	br := bufio.NewReaderSize(cr, 64<<10)
	rd := &cmdReader{br: br}
	defer func() { stats.Bytes += cr.n }()

	var validUpTo int64 // end of the last complete record
	if sig, _ := br.Peek(5); bytes.Equal(sig, []byte("REDIS")) {
		if rdb == nil {
			return fmt.Errorf("aof: the AOF file %s starts with an RDB and no RDB loader was given", name)
		}
		if err := rdb(br); err != nil {
			return fmt.Errorf("aof: Error reading the RDB base file %s, AOF loading aborted: %w", name, err)
		}
		rd.off = cr.n - int64(br.Buffered())
		validUpTo = rd.off
	}

	deliver := func(c txCmd) error {
		if err := command(c.db, c.argv); err != nil {
			return fmt.Errorf("aof: %s at offset %d: %w", name, c.off, err)
		}
		stats.Commands++
		return nil
	}
	db := 0
	var tx []txCmd // the MULTI block being read; nil outside one
	var beforeMulti int64
	for {
		start := rd.off
		argv, errOff, err := rd.next()
		if err == io.EOF {
			break
		}
		if err == errShort {
			if tx != nil {
				validUpTo = beforeMulti
			}
			return a.truncated(name, path, isBase, last, validUpTo, cr.n, stats)
		}
		if err == errFormat {
			return fmt.Errorf("%w %s at offset %d: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", ErrBadFormat, name, errOff)
		}
		if err != nil {
			return fmt.Errorf("aof: Unrecoverable error reading the append only file %s: %w", name, err)
		}
		c := txCmd{db: db, argv: argv, off: start}
		switch cmd := argv[0]; {
		case bytes.EqualFold(cmd, []byte("select")):
			n, ok := 0, len(argv) == 2
			if ok {
				n, ok = parseDB(argv[1])
			}
			if !ok {
				return fmt.Errorf("%w %s at offset %d: invalid SELECT", ErrBadFormat, name, start)
			}
			db = n
		case tx == nil && bytes.EqualFold(cmd, []byte("multi")):
			tx, beforeMulti = []txCmd{c}, validUpTo
		case tx != nil && bytes.EqualFold(cmd, []byte("exec")):
			for _, q := range append(tx, c) {
				if err := deliver(q); err != nil {
					return err
				}
			}
			tx = nil
		case tx != nil:
			tx = append(tx, c)
		default:
			if err := deliver(c); err != nil {
				return err
			}
		}
		validUpTo = rd.off
	}
	if tx != nil {
		a.log.Warn("Revert incomplete MULTI/EXEC transaction in AOF file", "file", name)
		return a.truncated(name, path, isBase, last, beforeMulti, cr.n, stats)
	}
	return nil
}

// truncated handles a file that ends inside a record: cut at validUpTo when
// allowed (Redis's uxeof), fail otherwise. size is the file's size.
func (a *AOF) truncated(name, path string, isBase, last bool, validUpTo, size int64, stats *LoadStats) error {
	if !a.opts.LoadTruncated {
		return fmt.Errorf("%w %s at offset %d. You can: "+
			"1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "+
			"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server",
			ErrTruncated, name, validUpTo)
	}
	if !last {
		// Redis truncates the file, then refuses to go on; truncating
		// would let the next start load it silently, so leave it alone.
		return fmt.Errorf("%w %s at offset %d: the truncated file is not the last file", ErrTruncated, name, validUpTo)
	}
	a.log.Warn("!!! Warning: short read while loading the AOF file !!!", "file", name)
	a.log.Warn("!!! Truncating the AOF !!!", "file", name, "offset", validUpTo)
	f, err := a.fs.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("aof: error truncating the AOF file %s: %w", name, err)
	}
	err = f.Truncate(validUpTo)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("aof: error truncating the AOF file %s: %w", name, err)
	}
	a.smu.Lock()
	cut := size - validUpTo
	switch {
	case name == a.curName:
		a.curSize -= cut
	case isBase:
		a.baseSize -= cut
	default:
		a.incrSize -= cut
	}
	a.smu.Unlock()
	stats.Truncated = true
	a.log.Warn("AOF loaded anyway because aof-load-truncated is enabled", "file", name)
	return nil
}
