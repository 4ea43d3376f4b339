// Package aof will hold the append-only file in Redis 7's multi-part layout
// and the RDB format (see DESIGN.md §2). Nothing is implemented yet;
// appendonly is accepted in the configuration but has no effect.
package aof
