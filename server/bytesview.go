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
