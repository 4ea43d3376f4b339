package store

// The access clock of a key, as Redis keeps it in its objects' 24-bit lru
// field: under an LRU policy the seconds clock at the last access; under an
// LFU policy a 16-bit minutes clock of the last decrement and an 8-bit
// logarithmic counter.

const (
	lruClockMax   = 1<<24 - 1
	lfuInitVal    = 5
	lfuCounterMax = 255
)

// AccessPolicy says how DB.Get updates a key's access clock.
type AccessPolicy struct {
	LFU       bool
	LogFactor int // lfu-log-factor
	DecayTime int // lfu-decay-time, minutes
}

// lruClock is the seconds clock Redis's LRU uses, at now (Unix ms).
func lruClock(now int64) uint32 { return uint32(now/1000) & lruClockMax }

// IdleMillis returns how long ago the key was last accessed, from its LRU
// clock, as OBJECT IDLETIME computes it.
func (o *Object) IdleMillis(now int64) int64 {
	clock := lruClock(now)
	if clock >= o.Access {
		return int64(clock-o.Access) * 1000
	}
	return int64(clock+(lruClockMax-o.Access)) * 1000
}

// LFUCounter returns the key's access counter after decay at now, as
// OBJECT FREQ reports it.
func (o *Object) LFUCounter(now int64, decayMinutes int) int {
	return lfuDecr(o.Access, now, decayMinutes)
}

func lfuMinutes(now int64) uint32 { return uint32(now/60000) & 0xFFFF }

// lfuDecr applies the counter's decay: one step per lfu-decay-time minutes
// elapsed since the last decrement.
func lfuDecr(access uint32, now int64, decay int) int {
	last := access >> 8
	counter := int(access & 0xFF)
	cur := lfuMinutes(now)
	var elapsed uint32
	if cur >= last {
		elapsed = cur - last
	} else {
		elapsed = 0xFFFF - last + cur
	}
	if decay > 0 {
		periods := int(elapsed) / decay
		if periods > counter {
			return 0
		}
		counter -= periods
	}
	return counter
}

// touch updates o's access clock for an access at now. rnd is a uniform
// value in [0,1) for the LFU counter's probabilistic increment.
func (p *AccessPolicy) touch(o *Object, now int64, rnd float64) {
	if !p.LFU {
		o.Access = lruClock(now)
		return
	}
	counter := lfuDecr(o.Access, now, p.DecayTime)
	if counter < lfuCounterMax {
		base := float64(counter - lfuInitVal)
		if base < 0 {
			base = 0
		}
		if rnd < 1.0/(base*float64(p.LogFactor)+1) {
			counter++
		}
	}
	o.Access = lfuMinutes(now)<<8 | uint32(counter)
}

// initAccess sets the access clock of a newly stored object.
func (p *AccessPolicy) initAccess(o *Object, now int64) {
	if p.LFU {
		o.Access = lfuMinutes(now)<<8 | lfuInitVal
	} else {
		o.Access = lruClock(now)
	}
}
