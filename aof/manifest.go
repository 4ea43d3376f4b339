package aof

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The manifest lists the files of a multi-part AOF, one a line, as Redis 7.0
// writes it:
//
//	file appendonly.aof.2.base.rdb seq 2 type b
//	file appendonly.aof.1.incr.aof seq 1 type h
//	file appendonly.aof.2.incr.aof seq 2 type i
//
// At most one base (b), then history files (h) waiting to be deleted, then
// the incremental files (i) in the order they are replayed.

const (
	typeBase = 'b'
	typeHist = 'h'
	typeIncr = 'i'

	manifestSuffix = ".manifest"
	tempPrefix     = "temp-"

	// manifestMaxLine is Redis's MANIFEST_MAX_LINE: fgets reads at most
	// this many bytes of a line.
	manifestMaxLine = 1024
)

// aofInfo is one line of the manifest.
type aofInfo struct {
	name string
	seq  int64
	typ  byte
}

// manifest is the parsed manifest (Redis's aofManifest).
type manifest struct {
	base *aofInfo
	hist []aofInfo // newest first, as Redis adds them at the head
	incr []aofInfo
	// baseSeq and incrSeq are the last sequence numbers used; new files
	// take the next ones.
	baseSeq, incrSeq int64
}

func (m *manifest) clone() *manifest {
	c := &manifest{baseSeq: m.baseSeq, incrSeq: m.incrSeq}
	if m.base != nil {
		b := *m.base
		c.base = &b
	}
	c.hist = append([]aofInfo(nil), m.hist...)
	c.incr = append([]aofInfo(nil), m.incr...)
	return c
}

// newBase names the next base file and turns the current one into history
// (Redis's getNewBaseFileNameAndMarkPreAsHistory).
func (m *manifest) newBase(fileName string, rdb bool) string {
	if m.base != nil {
		old := *m.base
		old.typ = typeHist
		m.hist = append([]aofInfo{old}, m.hist...)
	}
	suffix := ".aof"
	if rdb {
		suffix = ".rdb"
	}
	var name string
	for {
		m.baseSeq++
		name = fileName + "." + strconv.FormatInt(m.baseSeq, 10) + ".base" + suffix
		if !m.uses(name) {
			break
		}
	}
	m.base = &aofInfo{name: name, seq: m.baseSeq, typ: typeBase}
	return name
}

// newIncr names the next incremental file and appends it (Redis's
// getNewIncrAofName).
func (m *manifest) newIncr(fileName string) string {
	var name string
	for {
		m.incrSeq++
		name = fileName + "." + strconv.FormatInt(m.incrSeq, 10) + ".incr.aof"
		if !m.uses(name) {
			break
		}
	}
	m.incr = append(m.incr, aofInfo{name: name, seq: m.incrSeq, typ: typeIncr})
	return name
}

// uses reports whether the manifest lists name. Redis 7.0 names new files
// by sequence number alone, so a hand-edited manifest (a base named like
// the next incr file, a history file named like the next base) makes it
// append to the base or delete the new base as history; skipping taken
// names avoids that and changes nothing for the manifests Redis writes.
func (m *manifest) uses(name string) bool {
	if m.base != nil && m.base.name == name {
		return true
	}
	for _, ai := range m.hist {
		if ai.name == name {
			return true
		}
	}
	for _, ai := range m.incr {
		if ai.name == name {
			return true
		}
	}
	return false
}

// historyAllButLast turns every incremental file but the last (the one being
// written) into history (Redis's markRewrittenIncrAofAsHistory).
func (m *manifest) historyAllButLast() {
	if len(m.incr) == 0 {
		return
	}
	for _, ai := range m.incr[:len(m.incr)-1] {
		ai.typ = typeHist
		m.hist = append([]aofInfo{ai}, m.hist...)
	}
	m.incr = m.incr[len(m.incr)-1:]
}

// files returns the base (if any) and the incremental files, in load order.
func (m *manifest) files() []aofInfo {
	var fs []aofInfo
	if m.base != nil {
		fs = append(fs, *m.base)
	}
	return append(fs, m.incr...)
}

// encode renders the manifest as Redis's getAofManifestAsString does.
func (m *manifest) encode() []byte {
	var b []byte
	line := func(ai aofInfo) {
		b = append(b, "file "...)
		if needsRepr(ai.name) {
			b = appendRepr(b, ai.name)
		} else {
			b = append(b, ai.name...)
		}
		b = append(b, " seq "...)
		b = strconv.AppendInt(b, ai.seq, 10)
		b = append(b, " type "...)
		b = append(b, ai.typ, '\n')
	}
	if m.base != nil {
		line(*m.base)
	}
	for _, ai := range m.hist {
		line(ai)
	}
	for _, ai := range m.incr {
		line(ai)
	}
	return b
}

// ManifestError is a manifest Redis would refuse to start with. Err is
// Redis's message.
type ManifestError struct {
	File string // the manifest's path
	Line int    // 1-based; 0 for an empty manifest
	Text string // the offending line, trimmed; empty when Redis does not show it
	Err  string
}

func (e *ManifestError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("aof: %s in %s", e.Err, e.File)
	}
	return fmt.Sprintf("aof: %s in %s at line %d: '%s'", e.Err, e.File, e.Line, e.Text)
}

// parseManifest parses a manifest with the rules of Redis 7.0's
// aofLoadManifestFromFile: lines are read as fgets reads them with a
// 1025-byte buffer, lines starting with '#' are comments, every other line
// is split as sdssplitargs splits it (quotes and escapes) into key-value
// pairs among which file, seq and type are required (case-insensitive keys,
// unknown keys ignored), the last line needs its newline, and an empty file
// is an error.
func parseManifest(path string, data []byte) (*manifest, error) {
	m := &manifest{}
	var maxSeq int64
	linenum := 0
	fail := func(msg, text string) error {
		return &ManifestError{File: path, Line: linenum, Text: text, Err: msg}
	}
	for len(data) > 0 {
		// fgets: up to manifestMaxLine bytes, through the newline.
		n := min(len(data), manifestMaxLine)
		if i := bytes.IndexByte(data[:n], '\n'); i >= 0 {
			n = i + 1
		}
		chunk := data[:n]
		data = data[n:]
		linenum++
		if chunk[0] == '#' {
			continue
		}
		// C string functions stop at a NUL byte.
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			chunk = chunk[:i]
		}
		if bytes.IndexByte(chunk, '\n') < 0 {
			return nil, fail("The AOF manifest file contains too long line", "")
		}
		line := strings.Trim(string(chunk), " \t\r\n")
		if line == "" {
			return nil, fail("Invalid AOF manifest file format", line)
		}
		argv, ok := splitArgs(line)
		if !ok || len(argv) < 6 || len(argv)%2 != 0 {
			return nil, fail("Invalid AOF manifest file format", line)
		}
		var ai aofInfo
		hasName := false
		for i := 0; i < len(argv); i += 2 {
			switch k, v := argv[i], argv[i+1]; {
			case strings.EqualFold(k, "file"):
				if strings.ContainsAny(v, "/\\") {
					return nil, fail("File can't be a path, just a filename", line)
				}
				ai.name, hasName = v, true
			case strings.EqualFold(k, "seq"):
				ai.seq = atoll(v)
			case strings.EqualFold(k, "type"):
				ai.typ = 0
				if v != "" {
					ai.typ = v[0]
				}
			}
		}
		if !hasName || ai.seq == 0 || ai.typ == 0 {
			return nil, fail("Invalid AOF manifest file format", line)
		}
		switch ai.typ {
		case typeBase:
			if m.base != nil {
				return nil, fail("Found duplicate base file information", line)
			}
			b := ai
			m.base = &b
			m.baseSeq = ai.seq
		case typeHist:
			m.hist = append(m.hist, ai)
		case typeIncr:
			if ai.seq <= maxSeq {
				return nil, fail("Found a non-monotonic sequence number", line)
			}
			m.incr = append(m.incr, ai)
			m.incrSeq = ai.seq
			maxSeq = ai.seq
		default:
			return nil, fail("Unknown AOF file type", line)
		}
	}
	if linenum == 0 {
		return nil, fail("Found an empty AOF manifest", "")
	}
	return m, nil
}

// writeManifest replaces the manifest atomically as Redis's
// writeAofManifestFile does: a temporary file, fsync, rename, fsync of the
// directory. renamed reports whether the new manifest may be in place (the
// rename happened), which matters to a caller undoing its work on error.
func (a *AOF) writeManifest(m *manifest) (renamed bool, err error) {
	name := a.opts.FileName + manifestSuffix
	tmp := filepath.Join(a.aofDir, tempPrefix+name)
	f, err := a.fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return false, fmt.Errorf("aof: can't open the AOF manifest file %s: %w", tempPrefix+name, err)
	}
	_, err = f.Write(m.encode())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("aof: error writing the temporary AOF manifest file %s: %w", tempPrefix+name, err)
	}
	if err := a.fs.Rename(tmp, filepath.Join(a.aofDir, name)); err != nil {
		return false, fmt.Errorf("aof: error trying to rename the temporary AOF manifest file %s into %s: %w", tempPrefix+name, name, err)
	}
	if err := a.fs.SyncDir(a.aofDir); err != nil {
		return true, fmt.Errorf("aof: fail to fsync AOF directory %s: %w", a.aofDir, err)
	}
	return true, nil
}

// splitArgs splits a line as Redis's sdssplitargs does: blanks separate
// arguments; "double quotes" know \xHH, \n, \r, \t, \b, \a and \<any>;
// 'single quotes' know \'; a closing quote must be followed by a blank or the
// end. ok is false for unbalanced quotes.
func splitArgs(line string) (argv []string, ok bool) {
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p >= len(line) {
			return argv, true
		}
		var cur []byte
		inq, insq, done := false, false, false
		for !done {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					cur = append(cur, unhex(at(p+2))<<4|unhex(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := line[p]; e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if n := at(p + 1); n != 0 && !isSpace(n) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if n := at(p + 1); n != 0 && !isSpace(n) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if p < len(line) {
				p++
			}
		}
		argv = append(argv, string(cur))
	}
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// needsRepr is Redis's sdsneedsrepr: whether a file name must be quoted.
func needsRepr(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c == '"' || c < 0x20 || c > 0x7e || isSpace(c) {
			return true
		}
	}
	return false
}

// appendRepr is Redis's sdscatrepr: a double-quoted, escaped string.
func appendRepr(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if c >= 0x20 && c <= 0x7e {
				b = append(b, c)
			} else {
				b = fmt.Appendf(b, "\\x%02x", c)
			}
		}
	}
	return append(b, '"')
}

// atoll is C's atoll (glibc: strtoll, saturating on overflow): leading
// blanks, an optional sign, then digits up to the first other byte.
func atoll(s string) int64 {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var n uint64
	const limit = 1 << 63
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		n = n*10 + uint64(s[i]-'0')
		if n >= limit {
			n = limit
			for i < len(s) && '0' <= s[i] && s[i] <= '9' {
				i++
			}
			break
		}
	}
	switch {
	case neg && n >= limit:
		return -1 << 63
	case neg:
		return -int64(n)
	case n >= limit:
		return 1<<63 - 1
	default:
		return int64(n)
	}
}
