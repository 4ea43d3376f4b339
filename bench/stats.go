package bench

import (
	"math"
	"slices"
)

// Median returns the median of xs (the mean of the middle two for an even
// count), or NaN for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Ratio returns q/r, or NaN when either is NaN or r is not positive: no
// ratio is better than a meaningless one.
func Ratio(q, r float64) float64 {
	if math.IsNaN(q) || math.IsNaN(r) || r <= 0 {
		return math.NaN()
	}
	return q / r
}

// Sample is what one run of one scenario against one server measured.
type Sample struct {
	RPS      float64 // requests per second, as the load generator saw them
	P50Ms    float64 // latency percentiles in milliseconds
	P99Ms    float64
	P999Ms   float64 // NaN when the load generator does not report it
	Requests int     // requests sent during the run
	CPU      float64 // server CPU seconds (user+system) during the run
	// Wait is the seconds the server's threads spent runnable but waiting
	// for a CPU during the run (/proc/<pid>/task/*/schedstat).
	Wait float64
	// LoadCPU is the CPU seconds (user+system) the load generator's
	// process used, and LoadWall the seconds it ran; both 0 when the
	// load generator is not a process of its own.
	LoadCPU, LoadWall float64
	// LoadPreempted is how many times the load generator's process was
	// preempted (its involuntary context switches), 0 when LoadWall is.
	LoadPreempted int64
}

// LoadPreemptsPerK returns how many times the load generator was
// preempted per thousand requests: where a server's thread, woken by a
// request, runs on the load generator's CPU and takes it over, the load
// generator (one thread every request goes through) stalls meanwhile. NaN
// when not measured.
func (s Sample) LoadPreemptsPerK() float64 {
	if s.LoadWall <= 0 || s.Requests <= 0 {
		return math.NaN()
	}
	return float64(s.LoadPreempted) / float64(s.Requests) * 1000
}

// LoadUse returns how many CPUs the load generator kept busy on average:
// near 1 for redis-benchmark's one thread means it, not the server, set
// the pace. NaN when not measured.
func (s Sample) LoadUse() float64 {
	if s.LoadWall <= 0 {
		return math.NaN()
	}
	return s.LoadCPU / s.LoadWall
}

// WaitPerCPU returns the server's run-queue wait per second of its CPU
// time: 0 when it always had a CPU as soon as it could run, 1 when its
// threads waited as long as they ran. NaN when it used no CPU.
func (s Sample) WaitPerCPU() float64 {
	if s.CPU <= 0 {
		return math.NaN()
	}
	return s.Wait / s.CPU
}

// CPUPerMillion returns the server CPU seconds per million requests, or
// NaN when no request was sent.
func (s Sample) CPUPerMillion() float64 {
	if s.Requests <= 0 {
		return math.NaN()
	}
	return s.CPU / float64(s.Requests) * 1e6
}

// Summary holds the medians over the rounds of one side of a scenario;
// each metric's median is taken on its own.
type Summary struct {
	RPS, P50Ms, P99Ms, P999Ms, CPUPerM float64
	// WaitPerCPU, LoadUse and LoadPreemptsPerK are not ratios in Ratios:
	// see there.
	WaitPerCPU, LoadUse, LoadPreemptsPerK float64
}

// Summarize returns the medians of samples; every field is NaN for none.
func Summarize(samples []Sample) Summary {
	pick := func(f func(Sample) float64) float64 {
		xs := make([]float64, 0, len(samples))
		for _, s := range samples {
			if v := f(s); !math.IsNaN(v) {
				xs = append(xs, v)
			}
		}
		return Median(xs)
	}
	return Summary{
		RPS:              pick(func(s Sample) float64 { return s.RPS }),
		P50Ms:            pick(func(s Sample) float64 { return s.P50Ms }),
		P99Ms:            pick(func(s Sample) float64 { return s.P99Ms }),
		P999Ms:           pick(func(s Sample) float64 { return s.P999Ms }),
		CPUPerM:          pick(Sample.CPUPerMillion),
		WaitPerCPU:       pick(Sample.WaitPerCPU),
		LoadUse:          pick(Sample.LoadUse),
		LoadPreemptsPerK: pick(Sample.LoadPreemptsPerK),
	}
}

// Ratios returns q/r for each metric of the two summaries (Quordis over
// Redis): above 1 is better for RPS, worse for latency and CPU. WaitPerCPU,
// LoadUse and LoadPreemptsPerK are left NaN: a server that never waits (or
// a load generator never preempted) makes a ratio meaningless, so the
// reports print both sides' values instead.
func Ratios(q, r Summary) Summary {
	return Summary{
		RPS:              Ratio(q.RPS, r.RPS),
		P50Ms:            Ratio(q.P50Ms, r.P50Ms),
		P99Ms:            Ratio(q.P99Ms, r.P99Ms),
		P999Ms:           Ratio(q.P999Ms, r.P999Ms),
		CPUPerM:          Ratio(q.CPUPerM, r.CPUPerM),
		WaitPerCPU:       math.NaN(),
		LoadUse:          math.NaN(),
		LoadPreemptsPerK: math.NaN(),
	}
}
