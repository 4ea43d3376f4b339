package server

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// parseInt parses b as Redis's string2ll does: an optional '-', digits, no
// leading zeros (other than "0" itself), no spaces or '+', within int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] >= '0' && b[0] <= '9' {
		return int64(b[0] - '0'), true
	}
	neg := b[0] == '-'
	d := b
	if neg {
		d = b[1:]
	}
	if len(d) == 0 || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, ch := range d {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(ch-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// msgIntRange is Redis's error for an integer that does not fit in 32 bits
// where it asks for one (getIntFromObjectOrReply without a message).
const msgIntRange = "ERR value is out of range, value must between -2147483648 and 2147483647"

// parseInt32 parses b as Redis's getIntFromObjectOrReply does: an integer
// (parseInt) within 32 bits. It returns Redis's error otherwise: msgNotInt,
// or msgIntRange for an integer outside 32 bits.
func parseInt32(b []byte) (int, string) {
	n, ok := parseInt(b)
	if !ok {
		return 0, msgNotInt
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, msgIntRange
	}
	return int(n), ""
}

// parseFloat parses b as Redis's string2d (strtod) does for commands that
// take a double: the whole argument must be a number; NaN is refused;
// "inf" and "-inf" are accepted.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || b[0] == ' ' || b[len(b)-1] == ' ' || strings.ContainsRune(string(b), '_') {
		return 0, false
	}
	s := string(b)
	// strtod reads hexadecimal numbers without a binary exponent too.
	if h := strings.TrimLeft(s, "+-"); len(h) > 2 && (h[:2] == "0x" || h[:2] == "0X") && !strings.ContainsAny(h, "pP") {
		s += "p0"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, !math.IsNaN(f)
		}
		return 0, false
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// longDoublePrec is the mantissa of the x87 long double Redis computes
// INCRBYFLOAT with; doing the same arithmetic gives the same digits.
const longDoublePrec = 64

// parseLongDouble parses b as Redis's string2ld does, into a float with a
// long double's precision. It reports false for anything strtold would not
// take whole, and for NaN.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= 5*1024 || b[0] == ' ' || b[len(b)-1] == ' ' || strings.ContainsRune(string(b), '_') {
		return nil, false
	}
	s := string(b)
	if f, _, err := big.ParseFloat(s, 10, longDoublePrec, big.ToNearestEven); err == nil {
		// strtold reports ERANGE past a long double's exponent range,
		// which string2ld refuses.
		if exp := f.MantExp(nil); f.Sign() != 0 && (exp > 16384 || exp < -16444) {
			return nil, false
		}
		return f, true
	}
	// Forms big.ParseFloat does not read (inf, hex floats) go through
	// float64, which represents them exactly.
	f, ok := parseFloat(b)
	if !ok {
		return nil, false
	}
	return new(big.Float).SetPrec(longDoublePrec).SetFloat64(f), true
}

// formatLongDouble renders f as Redis's ld2string in its human-friendly
// mode: fixed point with 17 decimals, trailing zeros removed.
func formatLongDouble(f *big.Float) string {
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
