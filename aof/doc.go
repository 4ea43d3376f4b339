// Package aof owns Quordis's persistence formats and files, byte-compatible
// with Redis 7.0's (DESIGN.md §2).
//
// The RDB format, version 10 (rdb*.go): EncodeValue and DecodeValue
// serialize one value; Dump and Restore make and check the payloads of
// DUMP and RESTORE (the value, the RDB version and a CRC-64); WriteRDB and
// ReadRDB write and read whole dump.rdb files, and the RDB preamble of an
// AOF base. Values are written as Redis 7.0 writes them (listpacks,
// intsets, quicklists of listpacks, LZF-compressed strings), and every
// encoding a Redis 7.0 server loads is read, those of older versions too
// (ziplists, zipmaps, quicklists of ziplists, scores as text), except
// streams and module data, which Quordis does not hold. Decoding never
// trusts a length: corrupt input gives an error with its byte offset,
// never a panic or an allocation beyond what the input can fill.
//
// The append-only file in Redis 7's multi-part layout: the manifest, base
// and incremental files of RESP commands, fsync policies, loading with
// truncated-tail handling, and rewrite, whose snapshot encoder also writes
// Raft snapshots.
//
// The package works on store values and knows nothing of the network,
// clients or command semantics: it imports store, never server. It does
// not decide policy: when to save or rewrite, which databases exist, which
// keys to drop as expired when loading, and what to reply to a client are
// the caller's.
package aof
