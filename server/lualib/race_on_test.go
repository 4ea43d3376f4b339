//go:build race

package lualib

// raceBuild reports whether the race detector instruments this build.
const raceBuild = true
