package conf

import (
	"strconv"
	"strings"
)

// Validators return Redis's reason for refusing a value, or "".

func isBaseName(v string) bool { return !strings.ContainsAny(v, `/\`) }

func validDBFilename(_ *Config, v string) string {
	if !isBaseName(v) {
		return "dbfilename can't be a path, just a filename"
	}
	return ""
}

func validAOFFilename(_ *Config, v string) string {
	if v == "" {
		return "appendfilename can't be empty"
	}
	if !isBaseName(v) {
		return "appendfilename can't be a path, just a filename"
	}
	return ""
}

func validAOFDirname(_ *Config, v string) string {
	if v == "" {
		return "appenddirname can't be empty"
	}
	if !isBaseName(v) {
		return "appenddirname can't be a path, just a dirname"
	}
	return ""
}

func validHostname(_ *Config, v string) string {
	if len(v) >= 256 {
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || isDigit(c) || c == '-' || c == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

func validShutdownFlags(v int) string {
	const save, nosave = 1, 2
	if v&save != 0 && v&nosave != 0 {
		return "shutdown options SAVE and NOSAVE can't be used simultaneously"
	}
	return ""
}

// validProcTitle accepts a template that expands, with an empty title and
// the configuration as it stands, to something other than blanks; unknown
// {variables} and an unclosed '{' are refused, as Redis does.
func validProcTitle(c *Config, v string) string {
	out, ok := expandProcTitle(c, v)
	if !ok || strings.Trim(out, " ") == "" {
		return "template format is invalid or contains unknown variables"
	}
	return ""
}

func expandProcTitle(c *Config, tmpl string) (string, bool) {
	var b strings.Builder
	p := tmpl
	for p != "" {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			break
		}
		b.WriteString(p[:i])
		p = p[i+1:]
		if p == "" {
			return "", false
		}
		if p[0] == '{' {
			b.WriteByte('{')
			p = p[1:]
			continue
		}
		j := strings.IndexByte(p, '}')
		if j < 0 {
			return "", false
		}
		val, ok := procTitleVar(c, p[:j])
		if !ok {
			return "", false
		}
		b.WriteString(val)
		p = p[j+1:]
	}
	return b.String(), true
}

func procTitleVar(c *Config, name string) (string, bool) {
	tlsPort := stored[int64]("tls-port", 0).get(c)
	unixsocket := stored("unixsocket", "").get(c)
	switch name {
	case "title":
		return "", true
	case "listen-addr":
		if c.Port != 0 || tlsPort != 0 {
			addr := "*"
			if len(c.Bind) > 0 {
				addr = c.Bind[0]
			}
			port := int64(c.Port)
			if port == 0 {
				port = tlsPort
			}
			return addr + ":" + strconv.FormatInt(port, 10), true
		}
		if unixsocket == "" {
			return "unixsocket:(null)", true
		}
		return "unixsocket:" + unixsocket, true
	case "server-mode":
		if c.ClusterEnabled {
			return "[cluster]", true
		}
		return "", true
	case "config-file":
		if c.File == "" {
			return "-", true
		}
		return c.File, true
	case "port":
		return strconv.Itoa(c.Port), true
	case "tls-port":
		return strconv.FormatInt(tlsPort, 10), true
	case "unixsocket":
		return unixsocket, true
	}
	return "", false
}
