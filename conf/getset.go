package conf

import (
	"errors"
	"strings"
)

// Get answers CONFIG GET: for each argument, a directive named exactly so
// (ignoring case; the reply repeats the name as asked), or, if the argument
// holds one of "*?[", every non-hidden name it matches (Match, ignoring
// case; an alias is a name of its own). Each name appears once, in the
// order found; Redis's own order is that of a hash table and not something
// clients can rely on.
func (c *Config) Get(patterns ...string) [][2]string {
	tab := table()
	var out [][2]string
	seen := map[string]bool{} // lower-cased names already in out
	add := func(name, value string) {
		seen[lowerASCII(name)] = true
		out = append(out, [2]string{name, value})
	}
	for _, pat := range patterns {
		glob := cstr(pat)
		if !strings.ContainsAny(glob, "*?[") {
			if seen[lowerASCII(pat)] {
				continue
			}
			if i, _, ok := lookup(tab, pat); ok {
				add(pat, tab[i].get(c))
			}
			continue
		}
		for _, d := range tab {
			if d.flags&fHidden != 0 {
				continue
			}
			for _, name := range [2]string{d.name, d.alias} {
				if name == "" || seen[name] || !Match(glob, name, true) {
					continue
				}
				add(name, d.get(c))
			}
		}
	}
	return out
}

// Set answers CONFIG SET name value [name value ...] from a client that is
// not local (see SetFrom).
func (c *Config) Set(pairs [][2]string) (*Config, error) {
	return c.SetFrom(pairs, false)
}

// SetFrom answers CONFIG SET: every pair is checked and applied, or none
// is. It returns a new Config and leaves c unchanged; on error it returns
// nil and an error whose text is Redis's reply, "ERR ..." included. local
// says whether the client came over loopback or a Unix socket, which
// enable-protected-configs "local" requires.
//
// The values of multi-argument directives (save, bind,
// client-output-buffer-limit, ...) are split on single spaces, as Redis
// does. Checking the pair count and applying side effects (listening on a
// new port, ...) are the server's job.
func (c *Config) SetFrom(pairs [][2]string, local bool) (*Config, error) {
	tab := table()
	type ref struct {
		i     int
		alias bool
	}
	refs := make([]ref, len(pairs))
	unknown, errArg, reason := "", "", ""
	failed := false
	for k, p := range pairs {
		i, alias, ok := lookup(tab, p[0])
		if !ok {
			if !failed {
				unknown, failed = p[0], true
			}
			continue
		}
		if failed {
			continue
		}
		d := &tab[i]
		switch {
		case d.flags&fImmutable != 0:
			errArg, reason, failed = p[0], "can't set immutable config", true
			continue
		case d.flags&fProtected != 0 && !allowProtected(c.EnableProtectedConfigs, local):
			errArg, reason, failed = p[0], "can't set protected config", true
			continue
		}
		// The same directive twice is an error; a name and its alias are
		// two entries in Redis and pass.
		for j := 0; j < k; j++ {
			if refs[j] == (ref{i, alias}) {
				errArg, reason, failed = p[0], "duplicate parameter", true
				break
			}
		}
		refs[k] = ref{i, alias}
	}
	if failed {
		if unknown != "" {
			return nil, errors.New("ERR Unknown option or number of arguments for CONFIG SET - '" + cstr(unknown) + "'")
		}
		return nil, setError(errArg, reason)
	}

	n := c.Clone()
	m := &setMode{}
	for k, p := range pairs {
		d := &tab[refs[k].i]
		args := []string{p[1]}
		if d.flags&fMultiArg != 0 {
			args = splitSpaces(p[1])
		}
		if r := d.set(n, args, m); r != "" {
			name := d.name
			if refs[k].alias {
				name = d.alias
			}
			return nil, setError(name, r)
		}
	}
	clampHz(n)
	return n, nil
}

func setError(arg, reason string) error {
	return errors.New("ERR CONFIG SET failed (possibly related to argument '" + cstr(arg) + "') - " + reason)
}

// allowProtected applies enable-protected-configs (and the same rule for
// enable-debug-command): "yes" allows everyone, "local" local clients only.
func allowProtected(mode string, local bool) bool {
	return mode == "yes" || mode == "local" && local
}
