// Package bench measures Quordis against redis-server 7.0 on the same
// machine in the same run, for the benchmarks issue (issue 7).
//
// It owns the comparison: the catalogue of scenarios (Catalogue), starting
// both servers with equivalent settings on free loopback ports (Start), or
// a three-master cluster of each joined by redis-cli --cluster create
// (StartTarget), running each scenario against both interleaved (Runner:
// Quordis, Redis, Quordis, Redis, ... for each round), reading each
// server's CPU time from /proc (ReadCPU), parsing redis-benchmark's CSV
// (ParseCSV), the medians and ratios (Median, Ratio), and the Markdown
// report (Report). Loads come from redis-benchmark or, where it cannot do
// the job, from package bench/loadgen.
//
// It does not own building quordis-server, installing redis-server or the
// command line: bench/cmd/compare does that. No test here starts a server
// or asserts a speed.
//
// Flow of one run:
//
//	compare: check tools, build quordis-server, Catalogue, Select
//	Runner.Run: for each server mode (standalone, aof-always, aof-everysec, cluster):
//	    StartTarget for Quordis and for Redis with the mode's flags: one server,
//	        or three nodes, redis-cli --cluster create, wait for cluster_state:ok
//	    for each scenario of the mode:
//	        probe its commands once on each side (unsupported if "ERR unknown command")
//	        for each round: for Quordis then Redis:
//	            FLUSHALL (every node), prefill, CPU before (summed over nodes),
//	            Load.Run, CPU after, fail on error replies (INFO errorstats)
//	    Stop both
//	Report: machine, versions, commands, one table per scenario, summary
package bench
