// Package loadgen generates Redis load that redis-benchmark cannot: keys
// drawn from a Zipf distribution, a mix of reads and writes, and latency
// recorded in a log-linear histogram (HdrHistogram-like) read at p50, p99
// and p99.9.
//
// It owns the client side of one measured run: connections, key choice,
// pipelining and timing. It does not start servers, read server CPU or
// compare results; package bench does that.
package loadgen
