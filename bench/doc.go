// Package bench will hold the benchmarks that run Quordis and redis-server
// side by side (see the benchmarks issue). Nothing is implemented yet.
package bench
