package conf

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// The directives below have a syntax of their own; each has a set, get and
// rewrite written out by hand, following Redis's special configs.

func dirDirective() directive {
	d := base("dir", "", fProtected|fSupported)
	d.get = func(c *Config) string { return c.Dir }
	d.set = func(c *Config, args []string, _ *setMode) string {
		if len(args) != 1 {
			return "wrong number of arguments"
		}
		p, reason := resolveDir(c.Dir, cstr(args[0]))
		if reason != "" {
			return reason
		}
		c.Dir = p
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		w.line("dir", "dir "+quote(c.Dir), true)
	}
	return d
}

// resolveDir does what Redis's chdir would, without changing the process's
// directory: it resolves p against cwd, follows symbolic links as getcwd
// would report them, and fails with chdir's strerror text.
func resolveDir(cwd, p string) (string, string) {
	if p == "" {
		return "", strerror(syscall.ENOENT)
	}
	target := p
	if !filepath.IsAbs(p) && cwd != "" {
		target = cwd + string(filepath.Separator) + p
	}
	real, err := filepath.EvalSymlinks(target)
	if err != nil {
		return "", strerror(err)
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", strerror(err)
	}
	if !st.IsDir() {
		return "", strerror(syscall.ENOTDIR)
	}
	if err := syscall.Access(real, 1); err != nil {
		return "", strerror(err)
	}
	abs, err := filepath.Abs(real)
	if err != nil {
		return "", strerror(err)
	}
	return abs, ""
}

// strerror renders err as C's strerror would for its errno.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			s = string(s[0]-'a'+'A') + s[1:]
		}
		return s
	}
	return err.Error()
}

func saveDirective() directive {
	d := base("save", "", fMultiArg|fSupported)
	d.get = func(c *Config) string {
		parts := make([]string, 0, 2*len(c.Save))
		for _, p := range c.Save {
			parts = append(parts, strconv.FormatInt(p.Seconds, 10), strconv.FormatInt(p.Changes, 10))
		}
		return strings.Join(parts, " ")
	}
	d.set = func(c *Config, args []string, m *setMode) string {
		if len(args) == 1 && cstr(args[0]) == "" {
			c.Save = nil
			args = nil
		}
		if len(args)%2 != 0 {
			return "Invalid save parameters"
		}
		for j, a := range args {
			v, rest, _ := strtoll(a, 10)
			if rest != "" || j%2 == 0 && v < 1 || j%2 == 1 && v < 0 {
				return "Invalid save parameters"
			}
		}
		// A file's first save line replaces the defaults; later lines add
		// rules. CONFIG SET always replaces.
		if !m.fromFile {
			c.Save = nil
		} else if !m.saveLoaded {
			m.saveLoaded = true
			c.Save = nil
		}
		save := append([]SavePoint(nil), c.Save...)
		for j := 0; j < len(args); j += 2 {
			secs, _, _ := strtoll(args[j], 10)
			changes, _, _ := strtoll(args[j+1], 10)
			save = append(save, SavePoint{Seconds: secs, Changes: int64(int32(changes))}) // Redis keeps changes in an int
		}
		c.Save = save
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		if len(c.Save) == 0 {
			w.line("save", `save ""`, true)
		}
		for _, p := range c.Save {
			w.line("save", "save "+strconv.FormatInt(p.Seconds, 10)+" "+strconv.FormatInt(p.Changes, 10), true)
		}
		w.done("save")
	}
	return d
}

// outputClasses are the client classes of client-output-buffer-limit in
// Redis's order, with the name CONFIG GET shows and the one REWRITE writes.
func outputClasses() [3]struct{ key, getName string } {
	return [3]struct{ key, getName string }{
		{"normal", "normal"},
		{"replica", "slave"},
		{"pubsub", "pubsub"},
	}
}

func outputClass(name string) string {
	switch lowerASCII(cstr(name)) {
	case "normal":
		return "normal"
	case "slave", "replica":
		return "replica"
	case "pubsub":
		return "pubsub"
	case "master":
		return "master"
	}
	return ""
}

func outputBufferDirective() directive {
	const name = "client-output-buffer-limit"
	d := base(name, "", fMultiArg|fSupported)
	d.get = func(c *Config) string {
		parts := make([]string, 0, 12)
		for _, k := range outputClasses() {
			l := c.ClientOutputBufferLimit[k.key]
			parts = append(parts, k.getName, strconv.FormatUint(uint64(l.Hard), 10),
				strconv.FormatUint(uint64(l.Soft), 10), strconv.FormatInt(l.SoftSeconds, 10))
		}
		return strings.Join(parts, " ")
	}
	d.set = func(c *Config, args []string, _ *setMode) string {
		if len(args)%4 != 0 {
			return "Wrong number of arguments in buffer limit configuration."
		}
		limits := copyMap(c.ClientOutputBufferLimit)
		if limits == nil {
			limits = map[string]OutputBufferLimit{}
		}
		for j := 0; j < len(args); j += 4 {
			class := outputClass(args[j])
			if class == "" || class == "master" {
				return "Invalid client class specified in buffer limit configuration."
			}
			hard, okHard := memtoull(args[j+1])
			soft, okSoft := memtoull(args[j+2])
			secs, rest, _ := strtoll(args[j+3], 10)
			secs = int64(int32(secs)) // Redis keeps the seconds in an int
			if !okHard || !okSoft || secs < 0 || rest != "" {
				return "Error in hard, soft or soft_seconds setting in buffer limit configuration."
			}
			limits[class] = OutputBufferLimit{Hard: int64(hard), Soft: int64(soft), SoftSeconds: secs}
		}
		c.ClientOutputBufferLimit = limits
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		def := defaultOutputBufferLimits()
		for _, k := range outputClasses() {
			l := c.ClientOutputBufferLimit[k.key]
			w.line(name, name+" "+k.key+" "+formatMemory(uint64(l.Hard))+" "+
				formatMemory(uint64(l.Soft))+" "+strconv.FormatInt(l.SoftSeconds, 10), l != def[k.key])
		}
	}
	return d
}

func oomValuesDirective() directive {
	const name = "oom-score-adj-values"
	def := [3]int64{0, 200, 800}
	s := stored(name, def)
	d := base(name, "", fMultiArg)
	render := func(v [3]int64) string {
		return strconv.FormatInt(v[0], 10) + " " + strconv.FormatInt(v[1], 10) + " " + strconv.FormatInt(v[2], 10)
	}
	d.get = func(c *Config) string { return render(s.get(c)) }
	d.set = func(c *Config, args []string, _ *setMode) string {
		if len(args) != 3 {
			return "wrong number of arguments"
		}
		var v [3]int64
		for i, a := range args {
			n, rest, _ := strtoll(a, 10)
			if rest != "" || n < -2000 || n > 2000 {
				return "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
			}
			v[i] = n
		}
		s.put(c, v)
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		v := s.get(c)
		w.line(name, name+" "+render(v), v != def)
	}
	return d
}

// Keyspace notification classes, as Redis's NOTIFY_* bits, in
// Config.NotifyKeyspaceEvents.
const (
	NotifyKeyspace = 1 << iota
	NotifyKeyevent
	NotifyGeneric
	NotifyString
	NotifyList
	NotifySet
	NotifyHash
	NotifyZset
	NotifyExpired
	NotifyEvicted
	NotifyStream
	NotifyKeyMiss
	NotifyLoaded
	NotifyModule
	NotifyNew
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash | NotifyZset |
		NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

func notifyFlags(s string) (int, bool) {
	flags := 0
	for _, c := range []byte(cstr(s)) {
		switch c {
		case 'A':
			flags |= NotifyAll
		case 'g':
			flags |= NotifyGeneric
		case '$':
			flags |= NotifyString
		case 'l':
			flags |= NotifyList
		case 's':
			flags |= NotifySet
		case 'h':
			flags |= NotifyHash
		case 'z':
			flags |= NotifyZset
		case 'x':
			flags |= NotifyExpired
		case 'e':
			flags |= NotifyEvicted
		case 'K':
			flags |= NotifyKeyspace
		case 'E':
			flags |= NotifyKeyevent
		case 't':
			flags |= NotifyStream
		case 'm':
			flags |= NotifyKeyMiss
		case 'd':
			flags |= NotifyModule
		case 'n':
			flags |= NotifyNew
		default:
			return 0, false
		}
	}
	return flags, true
}

func notifyText(flags int) string {
	var b []byte
	if flags&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		for _, f := range []struct {
			bit int
			c   byte
		}{{NotifyGeneric, 'g'}, {NotifyString, '$'}, {NotifyList, 'l'}, {NotifySet, 's'},
			{NotifyHash, 'h'}, {NotifyZset, 'z'}, {NotifyExpired, 'x'}, {NotifyEvicted, 'e'},
			{NotifyStream, 't'}, {NotifyModule, 'd'}, {NotifyNew, 'n'}} {
			if flags&f.bit != 0 {
				b = append(b, f.c)
			}
		}
	}
	if flags&NotifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if flags&NotifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if flags&NotifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

func notifyDirective() directive {
	const name = "notify-keyspace-events"
	d := base(name, "", fSupported)
	d.get = func(c *Config) string { return notifyText(c.NotifyKeyspaceEvents) }
	d.set = func(c *Config, args []string, _ *setMode) string {
		if len(args) != 1 {
			return "wrong number of arguments"
		}
		f, ok := notifyFlags(args[0])
		if !ok {
			return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
		}
		c.NotifyKeyspaceEvents = f
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		f := c.NotifyKeyspaceEvents
		w.line(name, name+" "+quote(notifyText(f)), f != 0)
	}
	return d
}

func bindDirective() directive {
	d := base("bind", "", fMultiArg|fSupported)
	d.get = func(c *Config) string { return strings.Join(c.Bind, " ") }
	d.set = func(c *Config, args []string, _ *setMode) string {
		if len(args) > 16 {
			return "Too many bind addresses specified."
		}
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		addrs := make([]string, len(args))
		for i, a := range args {
			addrs[i] = cstr(a)
		}
		c.Bind = addrs
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		if slices.Equal(c.Bind, []string{"*", "-::*"}) {
			w.done("bind")
			return
		}
		addrs := `""`
		if len(c.Bind) > 0 {
			addrs = strings.Join(c.Bind, " ")
		}
		w.line("bind", "bind "+addrs, true)
	}
	return d
}

func replicaOfDirective() directive {
	d := base("replicaof", "slaveof", fImmutable|fMultiArg)
	d.get = func(c *Config) string {
		if len(c.ReplicaOf) > 255 {
			return c.ReplicaOf[:255] // Redis renders it into a 256-byte buffer
		}
		return c.ReplicaOf
	}
	d.set = func(c *Config, args []string, _ *setMode) string {
		if len(args) != 2 {
			return "wrong number of arguments"
		}
		if equalFold(cstr(args[0]), "no") && equalFold(cstr(args[1]), "one") {
			c.ReplicaOf = ""
			return ""
		}
		v, rest, _ := strtoll(args[1], 10)
		port := int32(v) // strtol's long lands in an int
		if port < 0 || port > 65535 || rest != "" {
			return "Invalid master port"
		}
		c.ReplicaOf = cstr(args[0]) + " " + strconv.Itoa(int(port))
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		if c.ClusterEnabled || c.ReplicaOf == "" {
			w.done("replicaof")
			return
		}
		w.line("replicaof", "replicaof "+c.ReplicaOf, true)
	}
	return d
}

func percentilesDirective() directive {
	const name = "latency-tracking-info-percentiles"
	s := field(func(c *Config) *[]float64 { return &c.LatencyTrackingInfoPercentiles })
	d := base(name, "", fMultiArg|fSupported)
	render := func(v []float64) string {
		parts := make([]string, len(v))
		for i, f := range v {
			parts[i] = FormatPercentile(f)
		}
		return strings.Join(parts, " ")
	}
	d.get = func(c *Config) string { return render(s.get(c)) }
	d.set = func(c *Config, args []string, _ *setMode) string {
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		v := make([]float64, 0, len(args))
		for _, a := range args {
			f, ok := parseDouble(a)
			if !ok {
				return "Invalid latency-tracking-info-percentiles parameters"
			}
			if f > 100 || f < 0 {
				return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
			}
			v = append(v, f)
		}
		s.put(c, v)
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		v := s.get(c)
		if len(v) == 0 {
			w.line(name, name+` ""`, true)
			return
		}
		w.line(name, name+" "+render(v), true)
	}
	return d
}
