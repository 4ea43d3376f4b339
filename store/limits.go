package store

// Limits are the thresholds of the compact encodings (redis.conf's
// hash-max-listpack-entries and the like). A value in a compact encoding
// moves to the general one for good when a write takes it past the
// thresholds in force at that moment: raising a threshold leaves values
// that already moved as they are, and a value that is still compact
// follows the new thresholds from its next write on, as in Redis.
//
// A Store holds a *Limits (Options.Limits) that its owner may change
// between operations (CONFIG SET); the write methods of each type take
// their part of it by value, so a write costs no lookup.
type Limits struct {
	Hash HashLimits
	Set  SetLimits
	ZSet ZSetLimits
	List ListLimits
}

// DefaultLimits returns Redis's defaults.
func DefaultLimits() Limits {
	return Limits{
		Hash: DefaultHashLimits(),
		Set:  DefaultSetLimits(),
		ZSet: DefaultZSetLimits(),
		List: DefaultListLimits(),
	}
}

// listpackSafeLimit is the size a listpack never grows past whatever the
// thresholds say (Redis's LISTPACK_MAX_SAFETY_SIZE): a hash or sorted set
// whose listpack would pass it converts instead, so that raising
// hash-max-listpack-value to gigabytes cannot build one giant buffer.
const listpackSafeLimit = 1 << 30
