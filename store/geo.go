package store

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Geospatial indexes are sorted sets whose scores are 52-bit geohashes, as
// in Redis: 26 bits of latitude and 26 of longitude, interleaved. This file
// holds the encoding and decoding, the nine-cell search and the distances,
// each computed as Redis's geohash.c, geohash_helper.c and geo.c compute
// them, so that scores, coordinates, distances and the order of results
// agree with Redis to the last digit.

// The coordinates Redis accepts: the poles are out of Web Mercator's range.
const (
	GeoLongMin = -180.0
	GeoLongMax = 180.0
	GeoLatMin  = -85.05112878
	GeoLatMax  = 85.05112878
)

const (
	geoStepMax  = 26                   // bits per coordinate in a score
	earthRadius = 6372797.560856       // meters, as Redis's EARTH_RADIUS_IN_METERS
	mercatorMax = 20037726.37          // meters, as Redis's MERCATOR_MAX
	degToRad    = 0x1.1df46a2529d39p-6 // the double M_PI/180.0, Redis's D_R
)

// geoRange is the span of one coordinate that a geohash divides.
type geoRange struct{ min, max float64 }

// The ranges of Redis's scores, and those of the standard geohash that
// GEOHASH prints.
func geoLongRange() geoRange    { return geoRange{GeoLongMin, GeoLongMax} }
func geoLatRange() geoRange     { return geoRange{GeoLatMin, GeoLatMax} }
func geoStdLatRange() geoRange  { return geoRange{-90, 90} }
func geoStdLongRange() geoRange { return geoRange{-180, 180} }

// geoHash is a cell: step bits of each coordinate, latitude in the even
// bits and longitude in the odd ones. The zero value marks a cell the
// search leaves out.
type geoHash struct {
	bits uint64
	step uint8
}

// geoSpread moves the bits of v to the even positions of the result.
func geoSpread(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000ffff0000ffff
	x = (x | x<<8) & 0x00ff00ff00ff00ff
	x = (x | x<<4) & 0x0f0f0f0f0f0f0f0f
	x = (x | x<<2) & 0x3333333333333333
	return (x | x<<1) & 0x5555555555555555
}

// geoSquash gathers the even bits of x, undoing geoSpread.
func geoSquash(x uint64) uint32 {
	x &= 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0f0f0f0f0f0f0f0f
	x = (x | x>>4) & 0x00ff00ff00ff00ff
	x = (x | x>>8) & 0x0000ffff0000ffff
	return uint32(x | x>>16)
}

// geoEncode returns the cell of step bits per coordinate holding (lon,
// lat) within the ranges, or false outside them.
func geoEncode(lon, lat float64, lonR, latR geoRange, step uint8) (geoHash, bool) {
	if lon > GeoLongMax || lon < GeoLongMin || lat > GeoLatMax || lat < GeoLatMin ||
		lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max {
		return geoHash{}, false
	}
	cells := float64(uint64(1) << step)
	latOff := float64((lat-latR.min)/(latR.max-latR.min)) * cells
	lonOff := float64((lon-lonR.min)/(lonR.max-lonR.min)) * cells
	// C converts to uint32_t through a 64-bit truncation.
	return geoHash{bits: geoSpread(uint32(int64(latOff))) | geoSpread(uint32(int64(lonOff)))<<1, step: step}, true
}

// geoArea is the rectangle a cell covers.
type geoArea struct{ lon, lat geoRange }

// decode returns the rectangle of h within the ranges.
func (h geoHash) decode(lonR, latR geoRange) geoArea {
	ilat, ilon := geoSquash(h.bits), geoSquash(h.bits>>1)
	cells := float64(uint64(1) << h.step)
	latScale, lonScale := latR.max-latR.min, lonR.max-lonR.min
	// The "+1" wraps in 32 bits, as in C; the float64 conversions keep the
	// products rounded on their own, as C computes them.
	return geoArea{
		lat: geoRange{
			latR.min + float64(float64(ilat)/cells*latScale),
			latR.min + float64(float64(ilat+1)/cells*latScale),
		},
		lon: geoRange{
			lonR.min + float64(float64(ilon)/cells*lonScale),
			lonR.min + float64(float64(ilon+1)/cells*lonScale),
		},
	}
}

// center returns the middle of the area, held within the indexable range.
func (a geoArea) center() (lon, lat float64) {
	lon = min(max((a.lon.min+a.lon.max)/2, GeoLongMin), GeoLongMax)
	lat = min(max((a.lat.min+a.lat.max)/2, GeoLatMin), GeoLatMax)
	return lon, lat
}

// align52 returns h's bits as the top of a 52-bit score.
func (h geoHash) align52() uint64 { return h.bits << (52 - 2*uint(h.step)) }

// GeoValid reports whether Redis indexes the position.
func GeoValid(lon, lat float64) bool {
	return lon >= GeoLongMin && lon <= GeoLongMax && lat >= GeoLatMin && lat <= GeoLatMax
}

// GeoScore returns the score GEOADD gives a position, which must be valid.
func GeoScore(lon, lat float64) float64 {
	h, _ := geoEncode(lon, lat, geoLongRange(), geoLatRange(), geoStepMax)
	return float64(h.align52())
}

// GeoDecode returns the position a score stands for: the center of its
// cell. Any score decodes, as in Redis, through the bits C's conversion of
// the double to an unsigned integer gives.
func GeoDecode(score float64) (lon, lat float64) {
	h := geoHash{bits: geoScoreBits(score), step: geoStepMax}
	return h.decode(geoLongRange(), geoLatRange()).center()
}

// geoScoreBits converts a score to an unsigned integer as C's cast does on
// x86-64, out-of-range values included.
func geoScoreBits(score float64) uint64 {
	const two63 = 1 << 63
	if !(score >= two63) {
		return uint64(GeoTrunc(score))
	}
	return uint64(GeoTrunc(score-two63)) ^ 1<<63
}

// GeoTrunc converts a score to an integer as C's cast to long long does on
// x86-64 (cvttsd2si): truncation, or the minimum integer for values out of
// range and NaN. WITHHASH replies with it.
func GeoTrunc(f float64) int64 {
	if !(f >= -(1<<63) && f < 1<<63) {
		return math.MinInt64
	}
	return int64(f)
}

// GeoHashString returns the 11-character geohash GEOHASH reports: the
// position re-encoded over the standard latitude range (-90, 90), the 52
// bits in base32 and a final '0' standing for bits a score does not have.
func GeoHashString(score float64) string {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	lon, lat := GeoDecode(score)
	h, _ := geoEncode(lon, lat, geoStdLongRange(), geoStdLatRange(), geoStepMax)
	var buf [11]byte
	for i := 0; i < 10; i++ {
		buf[i] = alphabet[(h.bits>>(52-5*(i+1)))&0x1f]
	}
	buf[10] = alphabet[0]
	return string(buf[:])
}

// moveX returns the cell d (+1 or -1) steps east or west, wrapping around.
func (h geoHash) moveX(d int) geoHash {
	const lonBits, latBits = 0xaaaaaaaaaaaaaaaa, 0x5555555555555555
	x, y := h.bits&lonBits, h.bits&latBits
	zz := uint64(latBits) >> (64 - 2*uint(h.step))
	if d > 0 {
		x += zz + 1
	} else {
		x = (x | zz) - (zz + 1)
	}
	x &= uint64(lonBits) >> (64 - 2*uint(h.step))
	return geoHash{bits: x | y, step: h.step}
}

// moveY returns the cell d (+1 or -1) steps north or south, wrapping
// around.
func (h geoHash) moveY(d int) geoHash {
	const lonBits, latBits = 0xaaaaaaaaaaaaaaaa, 0x5555555555555555
	x, y := h.bits&lonBits, h.bits&latBits
	zz := uint64(lonBits) >> (64 - 2*uint(h.step))
	if d > 0 {
		y += zz + 1
	} else {
		y = (y | zz) - (zz + 1)
	}
	y &= uint64(latBits) >> (64 - 2*uint(h.step))
	return geoHash{bits: x | y, step: h.step}
}

// GeoShape is the area of a search: a circle of Radius, or with Box a
// Width by Height rectangle, around (Lon, Lat). Sizes are in the unit of
// the request; Conversion is meters per unit.
type GeoShape struct {
	Lon, Lat      float64
	Box           bool
	Radius        float64
	Width, Height float64
	Conversion    float64
}

// bounds returns the smallest and largest longitude and latitude of the
// shape, as Redis's geohashBoundingBox estimates them.
func (s *GeoShape) bounds() (minLon, minLat, maxLon, maxLat float64) {
	h, w := s.Conversion*s.Radius, s.Conversion*s.Radius
	if s.Box {
		h, w = s.Conversion*(s.Height/2), s.Conversion*(s.Width/2)
	}
	latDelta := h / earthRadius / degToRad
	top := w / earthRadius / geoCos((s.Lat+latDelta)*degToRad) / degToRad
	bottom := w / earthRadius / geoCos((s.Lat-latDelta)*degToRad) / degToRad
	delta := top
	if s.Lat < 0 {
		delta = bottom
	}
	return s.Lon - delta, s.Lat - latDelta, s.Lon + delta, s.Lat + latDelta
}

// geoSteps estimates the bits per coordinate of cells big enough for a
// search of radius meters at latitude lat, as Redis's
// geohashEstimateStepsByRadius.
func geoSteps(radius, lat float64) uint8 {
	if radius == 0 {
		return geoStepMax
	}
	step := 1
	for radius < mercatorMax {
		radius *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), geoStepMax))
}

// cells returns the nine cells Redis searches, in its order: the center
// cell, then north, south, east, west, north-east, north-west, south-east
// and south-west; cells it rules out are zero.
func (s *GeoShape) cells() [9]geoHash {
	minLon, minLat, maxLon, maxLat := s.bounds()
	radius := s.Radius
	if s.Box {
		radius = math.Sqrt(float64(s.Width/2*(s.Width/2)) + float64(s.Height/2*(s.Height/2)))
	}
	steps := geoSteps(radius*s.Conversion, s.Lat)
	lonR, latR := geoLongRange(), geoLatRange()
	around := func(steps uint8) (geoHash, [9]geoHash) {
		h, _ := geoEncode(s.Lon, s.Lat, lonR, latR, steps)
		return h, [9]geoHash{h, h.moveY(1), h.moveY(-1), h.moveX(1), h.moveX(-1),
			h.moveX(1).moveY(1), h.moveX(-1).moveY(1), h.moveX(1).moveY(-1), h.moveX(-1).moveY(-1)}
	}
	h, n := around(steps)
	// Near a cell's edge the neighbours may not reach the whole shape:
	// then cells one step bigger are used.
	if steps > 1 && (n[1].decode(lonR, latR).lat.max < maxLat || n[2].decode(lonR, latR).lat.min > minLat ||
		n[3].decode(lonR, latR).lon.max < maxLon || n[4].decode(lonR, latR).lon.min > minLon) {
		steps--
		h, n = around(steps)
	}
	if steps >= 2 {
		area := h.decode(lonR, latR)
		drop := func(i ...int) {
			for _, k := range i {
				n[k] = geoHash{}
			}
		}
		if area.lat.min < minLat {
			drop(2, 8, 7)
		}
		if area.lat.max > maxLat {
			drop(1, 5, 6)
		}
		if area.lon.min < minLon {
			drop(4, 8, 6)
		}
		if area.lon.max > maxLon {
			drop(3, 7, 5)
		}
	}
	return n
}

// contains reports whether (lon, lat) is in the shape, with its distance
// in meters from the center. A box holds the points whose distances from
// the center along a meridian and along their parallel are within its
// half height and half width.
func (s *GeoShape) contains(lon, lat float64) (float64, bool) {
	if !s.Box {
		d := GeoDistance(s.Lon, s.Lat, lon, lat)
		return d, !(d > s.Radius*s.Conversion)
	}
	if geoLatDistance(lat, s.Lat) > s.Height*s.Conversion/2 ||
		GeoDistance(lon, lat, s.Lon, lat) > s.Width*s.Conversion/2 {
		return 0, false
	}
	return GeoDistance(s.Lon, s.Lat, lon, lat), true
}

// GeoPoint is a member found by a search: its score, position and
// distance in meters from the center.
type GeoPoint struct {
	Member   string
	Score    float64
	Lon, Lat float64
	Dist     float64
}

// GeoSearch returns the members of zs inside the shape, in the order
// Redis finds them: cell by cell, each in score order. With limit > 0 it
// stops once it has found that many (the ANY option). Member strings are
// as Walk hands them out.
func GeoSearch(zs *ZSet, s *GeoShape, limit int) []GeoPoint {
	var out []GeoPoint
	cells := s.cells()
	last := 0
	for i, h := range cells {
		if h == (geoHash{}) {
			continue
		}
		// Big cells can repeat a neighbour (they wrap around the
		// world); Redis skips one equal to the last searched, the center
		// cell aside.
		if last != 0 && h == cells[last] {
			continue
		}
		if limit > 0 && len(out) >= limit {
			break
		}
		lo, hi := h.align52(), geoHash{bits: h.bits + 1, step: h.step}.align52()
		r := ScoreRange{Min: float64(lo), Max: float64(hi), MaxEx: true}
		if first := zs.ScoreFirst(r); first >= 0 {
			zs.Walk(first, false, func(m string, score float64) bool {
				if !r.LteMax(score) {
					return false
				}
				lon, lat := GeoDecode(score)
				if d, ok := s.contains(lon, lat); ok {
					out = append(out, GeoPoint{Member: m, Score: score, Lon: lon, Lat: lat, Dist: d})
				}
				return limit <= 0 || len(out) < limit
			})
		}
		last = i
	}
	return out
}

// GeoSort orders points by distance, nearest first or with desc farthest
// first, as Redis does: when count covers them all, with a stable sort
// (glibc's qsort is a merge sort); otherwise with Redis's partial
// quicksort, which only puts the first count in place. Equal distances
// keep the order that algorithm leaves, so its steps are Redis's.
func GeoSort(points []GeoPoint, desc bool, count int) {
	cmp := func(p, q *GeoPoint) int {
		a, b := p.Dist, q.Dist
		c := 0
		switch {
		case a > b:
			c = 1
		case a < b:
			c = -1
		}
		if desc {
			return -c
		}
		return c
	}
	if count >= len(points) {
		sort.SliceStable(points, func(i, j int) bool { return cmp(&points[i], &points[j]) < 0 })
		return
	}
	PartialSort(points, cmp, 0, count-1)
}

// GeoDistance returns the great-circle distance in meters between two
// positions, by the haversine formula of Redis's geohashGetDistance, with
// its operations in its order and its shortcut for equal longitudes.
func GeoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r, lon2r := lon1*degToRad, lon2*degToRad
	v := geoSin((lon2r - lon1r) / 2)
	if v == 0 {
		return geoLatDistance(lat1, lat2)
	}
	lat1r, lat2r := lat1*degToRad, lat2*degToRad
	u := geoSin((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(float64(float64(geoCos(lat1r)*geoCos(lat2r))*v)*v)
	return 2.0 * earthRadius * geoAsin(math.Sqrt(a))
}

// geoLatDistance returns the distance in meters between two latitudes on
// a meridian.
func geoLatDistance(lat1, lat2 float64) float64 {
	return earthRadius * math.Abs(lat2*degToRad-lat1*degToRad)
}

// GeoDistanceText formats a distance as Redis's replies give it: rounded
// to 4 decimals through an integer (fixedpoint_d2string: llrint of the
// distance times 10^4, ties to even), which rounds products like
// 308458124728.5 down where printf's "%.4f" of the distance would round
// up.
func GeoDistanceText(d float64) string {
	if d == 0 {
		return "0.0000"
	}
	v := math.RoundToEven(d * 1e4)
	n := int64(math.MinInt64) // llrint's answer out of range, as on x86-64
	if v >= -(1<<63) && v < 1<<63 {
		n = int64(v)
	}
	neg := n < 0
	u := uint64(n)
	if neg {
		u = -u
	}
	digits := strconv.FormatUint(u, 10)
	if len(digits) <= 4 {
		digits = strings.Repeat("0", 5-len(digits)) + digits
	}
	out := digits[:len(digits)-4] + "." + digits[len(digits)-4:]
	if neg {
		return "-" + out
	}
	return out
}

// Sine, cosine and arcsine, correctly rounded.
//
// Go's math package is off by an ulp in a good share of cases where the C
// library Redis links (glibc) is right, and that shows in distances. These
// evaluate in double-double arithmetic and round once, which agrees with
// glibc but for the rare cases glibc itself misrounds. A first evaluation
// good to about 2^-66 decides the rounding nearly always; when the result
// is too close to halfway between two doubles, a second one good to about
// 2^-106 does.

// dd is the unevaluated sum hi+lo of two doubles.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func fastTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func (a dd) add(b dd) dd {
	s, t := twoSum(a.hi, b.hi), twoSum(a.lo, b.lo)
	s = fastTwoSum(s.hi, s.lo+t.hi)
	return fastTwoSum(s.hi, s.lo+t.lo)
}

func (a dd) neg() dd { return dd{-a.hi, -a.lo} }

func (a dd) mul(b dd) dd {
	p := twoProd(a.hi, b.hi)
	return fastTwoSum(p.hi, p.lo+(a.hi*b.lo+a.lo*b.hi))
}

func (a dd) mulF(b float64) dd {
	p := twoProd(a.hi, b)
	return fastTwoSum(p.hi, p.lo+a.lo*b)
}

// div returns a/d for a double d.
func (a dd) div(d float64) dd {
	q := a.hi / d
	r := a.add(twoProd(q, d).neg())
	return fastTwoSum(q, r.hi/d)
}

// round returns the double nearest a, and whether every value within
// rel*|a| of a rounds to it too.
func (a dd) round(rel float64) (float64, bool) {
	e := math.Abs(a.hi) * rel
	up, down := a.hi+(a.lo+e), a.hi+(a.lo-e)
	return up, up == down
}

// Three doubles summing to pi/2 within 2^-160.
const (
	piOver2Hi  = 0x1.921fb54442d18p+0
	piOver2Mid = 0x1.1a62633145c07p-54
	piOver2Lo  = -0x1.f1976b7ed8fbcp-110
)

// ddRelFast bounds the relative error of the first evaluation, with a
// margin.
const ddRelFast = 0x1p-62

// geoReduce returns r and k with x = r + k*pi/2 and |r| <= pi/4 (a hair
// more), for |x| < 2^20.
func geoReduce(x float64) (dd, int) {
	k := math.RoundToEven(x * (2 / math.Pi))
	if k == 0 {
		return dd{x, 0}, 0
	}
	r := dd{x, 0}.add(twoProd(k, piOver2Hi).neg()).add(twoProd(k, piOver2Mid).neg()).add(dd{-k * piOver2Lo, 0})
	return r, int(k)
}

// sinPoly returns sin(r) for |r| <= pi/4 to about 2^-66: the terms past
// r^5 in doubles, the others in double-double.
func sinPoly(r dd) dd {
	r2 := r.mul(r)
	z := r2.hi
	t := -1.0/5040 + z*(1.0/362880+z*(-1.0/39916800+z*(1.0/6227020800+z*(-1.0/1307674368000+
		z*(1.0/355687428096000+z*(-1.0/121645100408832000+z*(1.0/51090942171709440000)))))))
	s := dd{0x1.1111111111111p-7, 0x1.1111111111111p-63}.add(r2.mulF(t)) // 1/120
	s = dd{-0x1.5555555555555p-3, -0x1.5555555555555p-57}.add(r2.mul(s)) // -1/6
	return r.add(r.mul(r2).mul(s))
}

// cosPoly returns cos(r) for |r| <= pi/4 to about 2^-66.
func cosPoly(r dd) dd {
	r2 := r.mul(r)
	z := r2.hi
	t := 1.0/40320 + z*(-1.0/3628800+z*(1.0/479001600+z*(-1.0/87178291200+z*(1.0/20922789888000+
		z*(-1.0/6402373705728000+z*(1.0/2432902008176640000+z*(-1.0/1124000727777607680000)))))))
	c := dd{-0x1.6c16c16c16c17p-10, 0x1.f49f49f49f49fp-65}.add(r2.mulF(t)) // -1/720
	c = dd{0x1.5555555555555p-5, 0x1.5555555555555p-59}.add(r2.mul(c))     // 1/24
	c = dd{-0.5, 0}.add(r2.mul(c))
	return dd{1, 0}.add(r2.mul(c))
}

// sinSeries returns sin(r) for |r| <= pi/4 to about 2^-106, by its
// Taylor series summed from the smallest term.
func sinSeries(r dd) dd {
	r2 := r.mul(r)
	s := dd{1, 0}
	for k := seriesTerms(r2.hi, 1); k >= 1; k-- {
		s = dd{1, 0}.add(s.mul(r2).div(float64(2 * k * (2*k + 1))).neg())
	}
	return r.mul(s)
}

// cosSeries returns cos(r) for |r| <= pi/4 to about 2^-106.
func cosSeries(r dd) dd {
	r2 := r.mul(r)
	c := dd{1, 0}
	for k := seriesTerms(r2.hi, 0); k >= 1; k-- {
		c = dd{1, 0}.add(c.mul(r2).div(float64((2*k - 1) * 2 * k)).neg())
	}
	return c
}

// seriesTerms returns how many terms past the first the series of sin
// (odd 1) or cos (odd 0) need at r2 = r*r for 2^-112 relative accuracy.
func seriesTerms(r2 float64, odd int) int {
	n, t := 0, 1.0
	for t > 0x1p-112 {
		n++
		t *= r2 / float64((2*n-1+odd)*(2*n+odd))
	}
	return n
}

// sinQuadrant returns sin(r + q*pi/2), to about 2^-66 or with precise to
// about 2^-106.
func sinQuadrant(r dd, q int, precise bool) dd {
	var v dd
	switch {
	case q&1 == 0 && precise:
		v = sinSeries(r)
	case q&1 == 0:
		v = sinPoly(r)
	case precise:
		v = cosSeries(r)
	default:
		v = cosPoly(r)
	}
	if q&2 != 0 {
		v = v.neg()
	}
	return v
}

// geoSinQ returns sin(r + q*pi/2) correctly rounded.
func geoSinQ(r dd, q int) float64 {
	if f, ok := sinQuadrant(r, q, false).round(ddRelFast); ok {
		return f
	}
	f, _ := sinQuadrant(r, q, true).round(0)
	return f
}

func geoSin(x float64) float64 {
	switch {
	case !(math.Abs(x) < 0x1p20):
		return math.Sin(x)
	case math.Abs(x) < 0x1p-26:
		return x // x - x^3/6 rounds to x
	}
	r, k := geoReduce(x)
	return geoSinQ(r, k)
}

func geoCos(x float64) float64 {
	switch {
	case !(math.Abs(x) < 0x1p20):
		return math.Cos(x)
	case math.Abs(x) < 0x1p-27:
		return 1 // 1 - x^2/2 rounds to 1
	}
	r, k := geoReduce(x)
	return geoSinQ(r, k+1)
}

// geoAsin refines Go's arcsine y of x by a Newton step, y - (sin(y) -
// x)/cos(y), in double-double.
func geoAsin(x float64) float64 {
	switch {
	case !(math.Abs(x) <= 1):
		return math.NaN()
	case math.Abs(x) == 1:
		return math.Copysign(piOver2Hi, x)
	case math.Abs(x) < 0x1p-26:
		return x // x + x^3/6 rounds to x
	}
	y := math.Asin(x)
	r, k := geoReduce(y)
	newton := func(precise bool) dd {
		s, c := sinQuadrant(r, k, precise), sinQuadrant(r, k+1, precise)
		return twoSum(y, -s.add(dd{-x, 0}).hi/c.hi)
	}
	// The error of sin(y) grows by 1/cos(y) in the step.
	c := math.Sqrt(1 - x*x)
	if f, ok := newton(false).round(ddRelFast * (1 + math.Abs(x)/(c*math.Abs(y)))); ok {
		return f
	}
	f, _ := newton(true).round(0)
	return f
}
