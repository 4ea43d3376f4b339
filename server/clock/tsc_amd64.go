package clock

// haveTSC: the processor has a time-stamp counter that rdtsc reads.
const haveTSC = true

// rdtsc returns the processor's time-stamp counter (tsc_amd64.s).
func rdtsc() uint64
