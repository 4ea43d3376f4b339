package conf

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Error is a fatal configuration error. Its Error text is what redis-server
// prints on standard error before exiting with status 1 (print it followed
// by a newline), except that Quordis also names the source of the line.
type Error struct {
	// Source names where the line came from: the config file's path, an
	// included file as the include directive named it, "standard input" or
	// "command line". Empty when not known.
	Source string
	// Line is the line number as Redis counts it (the file, standard input
	// and command-line options are numbered as one text, and each included
	// file from 1), or 0 for errors found after reading every line.
	Line   int
	Text   string // the offending line, trimmed
	Reason string // Redis's explanation, such as "wrong number of arguments"
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("\n*** FATAL CONFIG FILE ERROR (Redis " + RedisVersion + ") ***\n")
	if e.Line > 0 {
		b.WriteString("Reading the configuration file, at line " + strconv.Itoa(e.Line))
		if e.Source != "" {
			b.WriteString(" of " + e.Source)
		}
		b.WriteString("\n>>> '" + e.Text + "'\n")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// OpenError reports a config file (or an included one) that could not be
// read. redis-server logs its text and exits with status 1.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	return "Fatal error, can't open config file '" + e.Path + "': " + strerror(e.Err)
}

func (e *OpenError) Unwrap() error { return e.Err }

// maxIncludeDepth bounds nested include directives. Redis has no bound and
// crashes on a file that includes itself; Quordis reports an error instead.
const maxIncludeDepth = 64

const (
	sourceStdin       = "standard input"
	sourceCommandLine = "command line"
)

// Load builds the configuration from redis-server's command line (without
// the program name): [configfile] [-] [--directive value ...] [-].
//
// As redis-server does, it reads the file, then standard input if an
// argument "-" comes first or last, then the options, each "--name" opening
// a new line whose arguments are quoted into it; the last value given wins.
// Options "--version", "--help", "--test-memory" and "--check-system" are
// the caller's business and are not recognised here.
//
// The error is an *OpenError or an *Error, whose text is what redis-server
// prints before it exits.
func Load(args []string, stdin io.Reader) (*Config, error) {
	c := Default()
	if len(args) == 0 {
		return c, nil
	}
	args = append([]string(nil), args...)
	for i := range args {
		args[i] = cstr(args[i]) // they were C strings in argv
	}
	first := 0
	if args[0] == "" || args[0][0] != '-' {
		c.File = absolutePath(args[0])
		first = 1
	}
	options, fromStdin := commandLine(args, first)

	var text []byte
	var sources []span
	if c.File != "" {
		b, err := readConfigFile(c.File, os.ReadFile)
		if err != nil {
			return nil, err
		}
		text = append(text, b...)
		sources = append(sources, span{len(text), c.File})
	}
	if fromStdin && stdin != nil {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, &OpenError{Path: "-", Err: err}
		}
		text = append(text, cText(b)...)
		sources = append(sources, span{len(text), sourceStdin})
	}
	text = append(text, '\n')
	text = append(text, options...)
	sources = append(sources, span{len(text) + 1, sourceCommandLine})

	p := newParser(c)
	p.checkLogfile = true
	if err := p.loadText(string(text), sources); err != nil {
		return nil, err
	}
	return c, nil
}

// commandLine turns redis-server's arguments from index first on into
// config lines, as Redis's main() does, and reports whether "-" asked for
// standard input.
func commandLine(args []string, first int) (string, bool) {
	var opts strings.Builder
	fromStdin := false
	handled := true // the last option has its value
	for k := first; k < len(args); k++ {
		a := args[k]
		last := k == len(args)-1
		nextIsOption := !last && strings.HasPrefix(args[k+1], "--")
		switch {
		case a == "-" && (k == 0 || last):
			fromStdin = true
		case handled && strings.HasPrefix(a, "--"):
			if opts.Len() > 0 {
				opts.WriteByte('\n')
			}
			opts.WriteString(a[2:])
			opts.WriteByte(' ')
			words, _ := splitArgs(a)
			if len(words) != 1 {
				break // "--port 6380" as one argument carries its own value
			}
			handled = false
			// A bare --save means save "", so that "--save --port 1" and a
			// trailing "--save" keep their pre-7.0 meaning; a bare
			// --sentinel takes no value.
			switch {
			case equalFold(a, "--save") && nextIsOption:
				opts.WriteString(`""`)
				handled = true
			case equalFold(a, "--save") && last:
				opts.WriteString(`""`)
			case equalFold(a, "--sentinel") && nextIsOption:
				handled = true
			}
		default:
			opts.WriteString(quote(a))
			opts.WriteByte(' ')
			handled = true
		}
	}
	return opts.String(), fromStdin
}

// Parse parses redis.conf text onto Default(). file, if not empty, is the
// path the text was read from: it becomes Config.File (made absolute) and
// names the source in errors. As in Redis, relative paths in include
// directives are relative to the working directory, that is to the latest
// dir directive.
func Parse(text, file string) (*Config, error) {
	c := Default()
	name := ""
	if file != "" {
		c.File = absolutePath(file)
		name = c.File
	}
	p := newParser(c)
	b := cText([]byte(text))
	if err := p.loadText(string(b), []span{{len(b) + 1, name}}); err != nil {
		return nil, err
	}
	return c, nil
}

// span says that the text up to offset end came from source name.
type span struct {
	end  int
	name string
}

type parser struct {
	c            *Config
	mode         setMode
	depth        int
	checkLogfile bool
	tab          []directive
	readFile     func(string) ([]byte, error)
	glob         func(string) ([]string, error)
}

func newParser(c *Config) *parser {
	return &parser{c: c, tab: table(), readFile: os.ReadFile, glob: filepath.Glob}
}

// loadText applies every line of text, as Redis's
// loadServerConfigFromString: lines are numbered from 1 within text.
func (p *parser) loadText(text string, sources []span) error {
	p.mode.fromFile = true
	var lines []string
	if text != "" {
		lines = strings.Split(text, "\n")
	}
	offset := 0
	for i, raw := range lines {
		num, start := i+1, offset
		offset += len(raw) + 1
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(reason string) error {
			src := ""
			for _, s := range sources {
				if start < s.end {
					src = s.name
					break
				}
			}
			return &Error{Source: src, Line: num, Text: cstr(line), Reason: reason}
		}
		args, ok := splitArgs(line)
		if !ok {
			return fail("Unbalanced quotes in configuration line")
		}
		if len(args) == 0 {
			continue
		}
		name := lowerASCII(args[0])
		if i, _, ok := lookup(p.tab, name); ok {
			d := &p.tab[i]
			multi := d.flags&fMultiArg != 0
			if !multi && len(args) != 2 {
				return fail("wrong number of arguments")
			}
			vals := args[1:]
			if multi && len(args) == 2 && args[1] != "" {
				// One argument to a multi-argument directive is split again,
				// so that --save "900 1 300 10" works; bad quotes in it give
				// no arguments at all, as in Redis.
				vals, _ = splitArgs(args[1])
			}
			if r := d.set(p.c, vals, &p.mode); r != "" {
				return fail(r)
			}
			continue
		}
		if len(args) == 2 && (name == "list-max-ziplist-entries" || name == "list-max-ziplist-value" ||
			name == "lua-replicate-commands") {
			continue // deprecated, accepted and ignored
		}
		switch {
		case name == "include" && len(args) == 2:
			if p.depth >= maxIncludeDepth {
				return fail("include nesting too deep")
			}
			if err := p.include(args[1]); err != nil {
				return err
			}
		case name == "rename-command" && len(args) == 3:
			if p.c.RenameCommand == nil {
				p.c.RenameCommand = map[string]string{}
			}
			p.c.RenameCommand[lowerASCII(cstr(args[1]))] = args[2]
		case name == "user" && len(args) >= 2:
			p.c.users = append(p.c.users, args)
		case name == "loadmodule" && len(args) >= 2:
			p.c.loadModules = append(p.c.loadModules, args)
		case strings.Contains(cstr(name), "."):
			if len(args) < 2 {
				return fail("Module config specified without value")
			}
			if p.c.moduleConfigs == nil {
				p.c.moduleConfigs = map[string]string{}
			}
			p.c.moduleConfigs[name] = strings.Join(args[1:], " ")
		case name == "sentinel":
			// A bare "sentinel" switches redis-server to sentinel mode
			// before parsing; Quordis has no sentinel mode.
			if len(args) != 1 {
				return fail("sentinel directive while not in sentinel mode")
			}
		default:
			return fail("Bad directive or wrong number of arguments")
		}
	}
	if err := p.finish(); err != nil {
		return err
	}
	p.mode.fromFile = false
	return nil
}

// finish runs the checks Redis makes after each config text.
func (p *parser) finish() error {
	c := p.c
	if p.checkLogfile && c.LogFile != "" {
		f, err := os.OpenFile(underDir(c.Dir, c.LogFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return &Error{Reason: "Can't open the log file: " + strerror(err)}
		}
		f.Close()
	}
	if c.ClusterEnabled && c.ReplicaOf != "" {
		return &Error{Reason: "replicaof directive not allowed in cluster mode"}
	}
	clampHz(c)
	return nil
}

// clampHz caps hz into 1..500: Redis takes it as a hint and accepts any
// value in the file or CONFIG SET.
func clampHz(c *Config) {
	if c.Hz < 1 {
		c.Hz = 1
	}
	if c.Hz > 500 {
		c.Hz = 500
	}
}

// include reads the file or the files matching a glob (a pattern matching
// nothing is not an error) and applies them, each as its own text.
func (p *parser) include(path string) error {
	path = cstr(path)
	var files []string
	if strings.ContainsAny(path, "*?[") {
		matches, err := p.glob(underDir(p.c.Dir, path))
		if err != nil || len(matches) == 0 {
			return nil
		}
		for _, m := range matches {
			if hiddenGlobMatch(path, m) {
				continue
			}
			files = append(files, m)
		}
	} else {
		files = []string{path}
	}
	var text []byte
	for _, f := range files {
		b, err := readConfigFile(underDir(p.c.Dir, f), p.readFile)
		if err != nil {
			var oe *OpenError
			if errors.As(err, &oe) {
				oe.Path = f
			}
			return err
		}
		text = append(text, b...)
	}
	p.depth++
	defer func() { p.depth-- }()
	return p.loadText(string(text), []span{{len(text) + 1, path}})
}

// hiddenGlobMatch reports a match that glob(3) would not give: a name
// starting with '.' matched by a pattern component that does not.
func hiddenGlobMatch(pattern, match string) bool {
	pc := strings.Split(pattern, "/")
	mc := strings.Split(match, "/")
	if len(mc) < len(pc) {
		return false
	}
	mc = mc[len(mc)-len(pc):]
	for i := range pc {
		if strings.HasPrefix(mc[i], ".") && !strings.HasPrefix(pc[i], ".") {
			return true
		}
	}
	return false
}

// readConfigFile reads a config file as Redis does: a directory reads as
// empty (fgets fails on it), and NUL bytes cut lines as described in cText.
func readConfigFile(path string, read func(string) ([]byte, error)) ([]byte, error) {
	b, err := read(path)
	if err != nil {
		if errors.Is(err, syscall.EISDIR) {
			return nil, nil
		}
		return nil, &OpenError{Path: path, Err: err}
	}
	return cText(b), nil
}

// cText reproduces how Redis gathers a config file: fgets reads it in
// pieces of up to 1024 bytes ending at a newline, and each piece is
// appended as a C string, so a NUL byte drops the rest of its piece
// (newline included).
func cText(b []byte) []byte {
	if bytes.IndexByte(b, 0) < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		n := min(len(b), 1024)
		if i := bytes.IndexByte(b[:n], '\n'); i >= 0 {
			n = i + 1
		}
		piece := b[:n]
		b = b[n:]
		if i := bytes.IndexByte(piece, 0); i >= 0 {
			piece = piece[:i]
		}
		out = append(out, piece...)
	}
	return out
}

// underDir resolves a relative path against dir, Redis's working directory.
func underDir(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

// absolutePath is Redis's getAbsolutePath: trim blanks, and join a relative
// path to the working directory, folding only leading "../" elements.
func absolutePath(name string) string {
	rel := strings.Trim(name, " \r\n\t")
	if strings.HasPrefix(rel, "/") {
		return rel
	}
	cwd, err := os.Getwd()
	if err != nil {
		return rel
	}
	abs := cwd
	if !strings.HasSuffix(abs, "/") {
		abs += "/"
	}
	for strings.HasPrefix(rel, "../") {
		rel = rel[3:]
		if len(abs) > 1 {
			i := strings.LastIndexByte(abs[:len(abs)-1], '/')
			abs = abs[:i+1]
		}
	}
	return abs + rel
}

// lookup finds a directive by name or alias, ignoring case.
func lookup(tab []directive, name string) (i int, alias bool, ok bool) {
	for i := range tab {
		if equalFold(tab[i].name, name) {
			return i, false, true
		}
		if tab[i].alias != "" && equalFold(tab[i].alias, name) {
			return i, true, true
		}
	}
	return 0, false, false
}
