// Package conf owns Quordis's configuration: the Config type and its
// defaults, the one table of directives, and everything Redis 7.0.15 does
// with them.
//
// It parses redis.conf syntax (sdssplitargs quoting, include, memory units,
// yes/no, aliases such as slaveof) and redis-server's command line
// (`quordis-server [file] [-] [--directive value ...]`), failing with the
// exact "*** FATAL CONFIG FILE ERROR ***" text Redis prints, plus the name
// of the file the line came from. It answers CONFIG GET (glob patterns),
// CONFIG SET (all or nothing, Redis's error texts, immutable and protected
// directives) and CONFIG REWRITE (in place, comments kept). Match is Redis's
// glob matcher, shared with KEYS and SCAN.
//
// The table lists every directive CONFIG GET * shows in Redis 7.0.15, plus
// the hidden ones. Those Quordis does not act on yet are still parsed,
// validated, shown and rewritten as Redis would; Config.Unsupported names
// the ones a configuration sets away from their default, so the server can
// warn about them.
//
// Config values are immutable once published: Set returns a new Config.
// There is no package-level configuration; whoever loads a Config passes it
// down.
//
// Not here: applying a change (listening on a new port, resizing, opening
// the log file for writing, daemonizing, writing the pid file), checking
// rename-command against the command table, ACL users and modules (their
// lines are kept but not acted on), and CONFIG SET's argument count and
// redaction of sensitive values, which belong to the server. Relative paths
// in a Config (logfile, pidfile, dbfilename, ...) are relative to Dir, as
// in Redis whose working directory is dir.
package conf
