package server

import "unsafe"

// bytesView returns a string that shares b's memory, for map lookups that
// must not allocate. The string is only valid while b is unchanged.
func bytesView(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// stringBytes returns the bytes of s without copying, for read-only use:
// replies, lookups, and storing (which copies). It is a non-nil empty
// slice for "", since nil is a null in Bulks.
func stringBytes(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
