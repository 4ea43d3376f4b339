package conf

import (
	"math"
	"strconv"
	"strings"
)

type flag uint16

const (
	fImmutable flag = 1 << iota // CONFIG SET refuses it
	fProtected                  // CONFIG SET refuses it unless enable-protected-configs allows
	fMultiArg                   // takes several arguments
	fHidden                     // CONFIG GET patterns skip it
	fSensitive                  // value is a secret
	fNullable                   // "" means unset: REWRITE drops the line (Redis's EMPTY_STRING_IS_NULL)
	fBinary                     // may hold NUL bytes (Redis's sds strings); others end at NUL
	fSupported                  // Quordis acts on it
)

// directive is one row of the table. The functions are bound to one storage
// place in Config, so the generic code never switches on names.
type directive struct {
	name, alias string
	flags       flag
	// get renders the value as CONFIG GET does.
	get func(c *Config) string
	// set validates args and stores them; it returns Redis's reason text on
	// failure and then leaves c as it was.
	set func(c *Config, args []string, m *setMode) string
	// rewrite emits the lines CONFIG REWRITE writes for the directive.
	rewrite func(c *Config, w *rewriter)
}

// setMode tells a set function where the value comes from.
type setMode struct {
	// fromFile is Redis's reading_config_file: the first "save" line read
	// from a file replaces the default rules, later ones add to them.
	fromFile   bool
	saveLoaded bool
}

// slot is where a directive's value lives: a Config field, or c.extra.
type slot[T any] struct {
	get func(*Config) T
	put func(*Config, T)
}

func field[T any](p func(*Config) *T) slot[T] {
	return slot[T]{
		get: func(c *Config) T { return *p(c) },
		put: func(c *Config, v T) { *p(c) = v },
	}
}

func intField(p func(*Config) *int) slot[int64] {
	return slot[int64]{
		get: func(c *Config) int64 { return int64(*p(c)) },
		put: func(c *Config, v int64) { *p(c) = int(v) },
	}
}

func stored[T any](name string, def T) slot[T] {
	return slot[T]{
		get: func(c *Config) T {
			if v, ok := c.extra[name].(T); ok {
				return v
			}
			return def
		},
		put: func(c *Config, v T) {
			if c.extra == nil {
				c.extra = map[string]any{}
			}
			c.extra[name] = v
		},
	}
}

func slotFor[T any](name string, def T, p func(*Config) *T) slot[T] {
	if p == nil {
		return stored(name, def)
	}
	return field(p)
}

func base(name, alias string, fl flag) directive {
	return directive{name: name, alias: alias, flags: fl}
}

// yesno is a boolean directive.
func yesno(name, alias string, fl flag, def bool, p func(*Config) *bool) directive {
	s := slotFor(name, def, p)
	d := base(name, alias, fl)
	d.get = func(c *Config) string { return yesNo(s.get(c)) }
	d.set = func(c *Config, args []string, _ *setMode) string {
		switch lowerASCII(cstr(args[0])) {
		case "yes":
			s.put(c, true)
		case "no":
			s.put(c, false)
		default:
			return "argument must be 'yes' or 'no'"
		}
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		v := s.get(c)
		w.line(name, name+" "+yesNo(v), v != def)
	}
	return d
}

// refuseYes wraps a boolean directive so that setting it to yes fails with
// reason (after the usual yes/no check, as Redis's is_valid_fn runs).
func refuseYes(d directive, reason string) directive {
	set := d.set
	d.set = func(c *Config, args []string, m *setMode) string {
		if equalFold(cstr(args[0]), "yes") {
			return reason
		}
		return set(c, args, m)
	}
	return d
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// text is a string directive. valid, if set, returns a reason to refuse.
func text(name, alias string, fl flag, def string, valid func(c *Config, v string) string, p func(*Config) *string) directive {
	s := slotFor(name, def, p)
	d := base(name, alias, fl)
	d.get = func(c *Config) string { return s.get(c) }
	d.set = func(c *Config, args []string, _ *setMode) string {
		v := args[0]
		if fl&fBinary == 0 {
			v = cstr(v)
		}
		if valid != nil {
			if r := valid(c, v); r != "" {
				return r
			}
		}
		s.put(c, v)
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		v := s.get(c)
		if fl&fNullable != 0 && v == "" {
			w.done(name)
			return
		}
		// A nullable directive's default is "unset", so any value is news.
		w.line(name, name+" "+quote(v), fl&fNullable != 0 || v != def)
	}
	return d
}

type enumVal struct {
	name string
	val  int
}

// enum is a directive taking one name out of vals; the stored value is the
// first name with the chosen value, so synonyms read back as Redis shows them.
func enum(name, alias string, fl flag, vals []enumVal, def string, p func(*Config) *string) directive {
	s := slotFor(name, def, p)
	d := base(name, alias, fl)
	d.get = func(c *Config) string { return s.get(c) }
	d.set = func(c *Config, args []string, _ *setMode) string {
		if len(args) != 1 {
			return enumError(vals)
		}
		for _, e := range vals {
			if equalFold(cstr(args[0]), e.name) {
				s.put(c, enumName(vals, e.val))
				return ""
			}
		}
		return enumError(vals)
	}
	d.rewrite = func(c *Config, w *rewriter) {
		v := s.get(c)
		w.line(name, name+" "+v, v != def)
	}
	return d
}

func enumName(vals []enumVal, v int) string {
	for _, e := range vals {
		if e.val == v {
			return e.name
		}
	}
	return "unknown"
}

func enumError(vals []enumVal) string {
	names := make([]string, len(vals))
	for i, e := range vals {
		names[i] = e.name
	}
	r := "argument(s) must be one of the following: " + strings.Join(names, ", ")
	if len(r) > 255 {
		r = r[:255] // Redis formats it into a 256-byte buffer
	}
	return r
}

// flagSet is a multi-argument enum whose names OR together, such as
// shutdown-on-sigint "save now". valid vets the combination.
func flagSet(name, alias string, fl flag, vals []enumVal, def int, valid func(int) string) directive {
	s := stored(name, def)
	d := base(name, alias, fl|fMultiArg)
	render := func(v int) string {
		var names []string
		rest := v
		for _, e := range vals {
			if e.val == v {
				return e.name
			}
			if e.val != 0 && rest&e.val == e.val {
				names = append(names, e.name)
				rest &^= e.val
			}
		}
		if names == nil || rest != 0 {
			return "unknown"
		}
		return strings.Join(names, " ")
	}
	d.get = func(c *Config) string { return render(s.get(c)) }
	d.set = func(c *Config, args []string, _ *setMode) string {
		if len(args) == 0 {
			return enumError(vals)
		}
		v := 0
		for _, a := range args {
			found := false
			for _, e := range vals {
				if equalFold(cstr(a), e.name) {
					v |= e.val
					found = true
				}
			}
			if !found {
				return enumError(vals)
			}
		}
		if valid != nil {
			if r := valid(v); r != "" {
				return r
			}
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

// numType is the C type Redis stores a number in; it decides whether bounds
// are compared signed or unsigned.
type numType uint8

const (
	tSigned   numType = iota // int, long, long long, ssize_t, time_t, off_t, unsigned long
	tUnsigned                // unsigned int, unsigned long long, size_t
)

type numFlag uint8

const (
	nMemory  numFlag = 1 << iota // accepts units; shown as plain bytes
	nPercent                     // also accepts "N%", stored as -N
	nOctal                       // written and read in octal
)

// ullMax is ULLONG_MAX seen as an int64, for unsigned upper bounds.
const ullMax int64 = -1

// number is a numeric directive bounded by lo..hi (compared as t says).
func number(name, alias string, fl flag, t numType, lo, hi, def int64, nf numFlag, s slot[int64]) directive {
	if s.get == nil {
		s = stored(name, def)
	}
	d := base(name, alias, fl)
	d.get = func(c *Config) string {
		v := s.get(c)
		switch {
		case nf&nPercent != 0 && v < 0:
			return strconv.FormatInt(-v, 10) + "%"
		case nf&nMemory != 0:
			return strconv.FormatUint(uint64(v), 10)
		case nf&nOctal != 0:
			return strconv.FormatUint(uint64(v), 8)
		}
		return strconv.FormatInt(v, 10)
	}
	d.set = func(c *Config, args []string, _ *setMode) string {
		v, r := parseNumber(args[0], nf)
		if r != "" {
			return r
		}
		if r := checkBounds(v, t, lo, hi, nf); r != "" {
			return r
		}
		s.put(c, v)
		return ""
	}
	d.rewrite = func(c *Config, w *rewriter) {
		v := s.get(c)
		var arg string
		switch {
		case nf&nPercent != 0 && v < 0:
			arg = strconv.FormatInt(-v, 10) + "%"
		case nf&nMemory != 0:
			arg = formatMemory(uint64(v))
		case nf&nOctal != 0:
			arg = strconv.FormatUint(uint64(v), 8)
		default:
			arg = strconv.FormatInt(v, 10)
		}
		w.line(name, name+" "+arg, v != def)
	}
	return d
}

// parseNumber follows Redis's numericParseString: memory, then percent,
// then octal, then (only for plain numbers) a strict integer.
func parseNumber(a string, nf numFlag) (int64, string) {
	if nf&nMemory != 0 {
		if v, ok := memtoull(a); ok {
			return int64(v), ""
		}
	}
	if nf&nPercent != 0 && len(a) > 1 && a[len(a)-1] == '%' {
		if v, ok := string2ll(a[:len(a)-1]); ok && v >= 0 {
			return -v, ""
		}
	}
	if nf&nOctal != 0 {
		if v, rest, overflow := strtoll(a, 8); !overflow && rest == "" {
			return v, ""
		}
	}
	if nf == 0 {
		if v, ok := string2ll(a); ok {
			return v, ""
		}
	}
	switch {
	case nf&nMemory != 0 && nf&nPercent != 0:
		return 0, "argument must be a memory or percent value"
	case nf&nMemory != 0:
		return 0, "argument must be a memory value"
	case nf&nOctal != 0:
		return 0, "argument couldn't be parsed as an octal number"
	}
	return 0, "argument couldn't be parsed into an integer"
}

func checkBounds(v int64, t numType, lo, hi int64, nf numFlag) string {
	if t == tUnsigned {
		if uint64(v) > uint64(hi) || uint64(v) < uint64(lo) {
			if nf&nOctal != 0 {
				return "argument must be between " + strconv.FormatUint(uint64(lo), 8) +
					" and " + strconv.FormatUint(uint64(hi), 8) + " inclusive"
			}
			return "argument must be between " + strconv.FormatUint(uint64(lo), 10) +
				" and " + strconv.FormatUint(uint64(hi), 10) + " inclusive"
		}
		return ""
	}
	if nf&nPercent != 0 && v < 0 {
		if v < lo {
			return "percentage argument must be less or equal to " + strconv.FormatInt(-lo, 10)
		}
		return ""
	}
	if v > hi || v < lo {
		return "argument must be between " + strconv.FormatInt(lo, 10) +
			" and " + strconv.FormatInt(hi, 10) + " inclusive"
	}
	return ""
}

// Bounds Redis uses, spelled as in C for easy comparison with config.c.
const (
	intMax   = math.MaxInt32
	intMin   = math.MinInt32
	uintMax  = math.MaxUint32
	longMax  = math.MaxInt64
	llongMax = math.MaxInt64

	// maxProtoBulkLen bounds proto-max-bulk-len where Redis has LONG_MAX:
	// a Quordis string value stops at 4 GiB - 1 (store.MaxString).
	maxProtoBulkLen = math.MaxUint32
)
