package store

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The expected values below are Redis 7.0's: scores from ZSCORE after
// GEOADD, positions from GEOPOS, hashes from GEOHASH and distances from
// ZSCORE after GEOSEARCHSTORE ... STOREDIST.

func TestGeoScoreAndDecodeMatchRedis(t *testing.T) {
	cases := []struct {
		lon, lat    float64
		score       float64
		decLon, dec string // GEOPOS, as "%.17f"
		hash        string
	}{
		{13.361389, 38.115556, 3479099956230698, "13.36138933897018433", "38.11555639549629859", "sqc8b49rny0"},
		{15.087269, 37.502669, 3479447370796909, "15.08726745843887329", "37.50266842333162032", "sqdtr74hyu0"},
		{179.99, 0, 0, "179.98999804258346558", "0.00000126736058093", ""},
		{0, -85, 0, "0.00000268220901489", "-84.99999965213439168", ""},
	}
	for _, tc := range cases {
		score := GeoScore(tc.lon, tc.lat)
		if tc.score != 0 {
			require.Equal(t, tc.score, score)
		}
		lon, lat := GeoDecode(score)
		require.Equal(t, tc.decLon, strconv.FormatFloat(lon, 'f', 17, 64))
		require.Equal(t, tc.dec, strconv.FormatFloat(lat, 'f', 17, 64))
		if tc.hash != "" {
			require.Equal(t, tc.hash, GeoHashString(score))
		}
		// A decoded position encodes back to its cell.
		require.Equal(t, score, GeoScore(lon, lat))
	}
}

// TestGeoDecodesAnyScoreAsRedis checks scores GEOADD never makes: they
// decode through C's conversion to an unsigned integer, clamped to the
// indexable range.
func TestGeoDecodesAnyScoreAsRedis(t *testing.T) {
	const minLon, maxLat = "-179.99999731779098511", "85.05112877999999910"
	cases := []struct {
		score    float64
		lon, lat string
		hash     string
		trunc    int64
	}{
		{9007199254740991, "179.99999731779098511", maxLat, "zzpgzgpfxz0", 9007199254740991},
		{1.5, minLon, "-85.05112497791824921", "00bh0hbj210", 1},
		{-1, "180.00000000000000000", maxLat, "bp05b5048p0", -1},
		{math.Inf(1), minLon, "-85.05112751263942528", "00bh0hbj200", math.MinInt64},
		{math.Inf(-1), "180.00000000000000000", "-85.05112751263942528", "00bh0hbj200", math.MinInt64},
		{0, minLon, "-85.05112751263942528", "00bh0hbj200", 0},
		{4503599627370496, minLon, maxLat, "bp05b5048p0", 4503599627370496},
		{1e300, minLon, "-85.05112751263942528", "00bh0hbj200", math.MinInt64},
		{4503599627370495, "179.99999731779098511", "85.05112751263942528", "zzpgzgpfxz0", 4503599627370495},
	}
	for _, tc := range cases {
		lon, lat := GeoDecode(tc.score)
		require.Equal(t, tc.lon, strconv.FormatFloat(lon, 'f', 17, 64), "score %v", tc.score)
		require.Equal(t, tc.lat, strconv.FormatFloat(lat, 'f', 17, 64), "score %v", tc.score)
		require.Equal(t, tc.hash, GeoHashString(tc.score), "score %v", tc.score)
		require.Equal(t, tc.trunc, GeoTrunc(tc.score), "score %v", tc.score)
	}
}

func TestGeoDistanceMatchesRedis(t *testing.T) {
	palermoLon, palermoLat := GeoDecode(3479099956230698)
	cataniaLon, cataniaLat := GeoDecode(3479447370796909)
	edge1Lon, edge1Lat := GeoDecode(GeoScore(12.758489, 38.788135))
	northLon, northLat := GeoDecode(GeoScore(0, 85))
	cases := []struct {
		lon1, lat1, lon2, lat2 float64
		meters                 float64
	}{
		{palermoLon, palermoLat, cataniaLon, cataniaLat, 166274.15156960033},
		{palermoLon, palermoLat, edge1Lon, edge1Lat, 91400.658605814271},
		{palermoLon, palermoLat, palermoLon, palermoLat, 0},
		{northLon, northLat, 179.98999804258346558, 0.00000126736058093, 10566498.389228243},
		{northLon, northLat, -179.98999804258346558, 0.00000126736058093, 10566498.389237357},
		{northLon, northLat, 0.00000268220901489, -84.99999965213439168, 18908470.922616547},
	}
	for _, tc := range cases {
		require.Equal(t, tc.meters, GeoDistance(tc.lon1, tc.lat1, tc.lon2, tc.lat2))
	}
	require.Equal(t, 91.400658605814272, GeoDistance(palermoLon, palermoLat, edge1Lon, edge1Lat)/1000)
}

func TestGeoDistanceTextRoundsAsRedis(t *testing.T) {
	for _, tc := range []struct {
		d    float64
		want string
	}{
		{0, "0.0000"}, {math.Copysign(0, -1), "0.0000"}, {1, "1.0000"}, {0.00005, "0.0000"}, {0.00015, "0.0001"}, // 0.00015*1e4 is 1.4999999999999998
		{0.0001, "0.0001"}, {12.5, "12.5000"}, {166274.15156960033, "166274.1516"}, {56.441257870158204, "56.4413"},
		{30845812.472850002, "30845812.4728"}, // "%.4f" would say 4729
		{-1.23456, "-1.2346"}, {math.NaN(), "-922337203685477.5808"}, {1e300, "-922337203685477.5808"},
	} {
		require.Equal(t, tc.want, GeoDistanceText(tc.d), "%v", tc.d)
	}
}

func TestGeoDegreesToRadiansIsRedisDouble(t *testing.T) {
	pi := math.Pi // C's M_PI/180.0 divides the double pi
	require.Equal(t, pi/180, float64(degToRad))
}

func TestGeoValid(t *testing.T) {
	for _, tc := range []struct {
		lon, lat float64
		ok       bool
	}{
		{0, 0, true}, {180, 85.05112878, true}, {-180, -85.05112878, true}, {180.0000001, 0, false},
		{0, 85.05112879, false}, {math.Inf(1), 0, false}, {0, math.NaN(), false},
	} {
		require.Equal(t, tc.ok, GeoValid(tc.lon, tc.lat), "%v,%v", tc.lon, tc.lat)
	}
}

func TestGeoStepsByRadius(t *testing.T) {
	for _, tc := range []struct {
		radius, lat float64
		steps       uint8
	}{
		{0, 0, 26}, {1e-300, 0, 26}, {1, 0, 24}, {1000, 0, 14}, {100000, 0, 7}, {100000, 70, 6}, {100000, -81, 5},
		{5e6, 0, 2}, {1e7, 0, 1}, {math.Inf(1), 0, 1}, {1e7, 85, 1},
	} {
		require.Equal(t, tc.steps, geoSteps(tc.radius, tc.lat), "radius %v lat %v", tc.radius, tc.lat)
	}
}

// bigSin, bigCos and bigAsin are the references: correctly rounded values
// from 192-bit arithmetic.
const refPrec = 192

func bigF(x float64) *big.Float { return new(big.Float).SetPrec(refPrec).SetFloat64(x) }

func bigSeries(x *big.Float, odd bool) *big.Float {
	x2 := new(big.Float).SetPrec(refPrec).Mul(x, x)
	term := bigF(1)
	if odd {
		term.Set(x)
	}
	sum := new(big.Float).SetPrec(refPrec).Set(term)
	for n := 1; n < 36; n++ {
		k := 2 * n
		if odd {
			term.Quo(term, bigF(float64(k*(k+1))))
		} else {
			term.Quo(term, bigF(float64((k-1)*k)))
		}
		term.Mul(term, x2).Neg(term)
		sum.Add(sum, term)
	}
	return sum
}

func bigSin(x float64) float64 { f, _ := bigSeries(bigF(x), true).Float64(); return f }
func bigCos(x float64) float64 { f, _ := bigSeries(bigF(x), false).Float64(); return f }

func bigAsin(x float64) float64 {
	y, target := bigF(math.Asin(x)), bigF(x)
	for i := 0; i < 3; i++ { // Newton: y -= (sin y - x) / cos y
		d := bigSeries(y, true)
		d.Sub(d, target).Quo(d, bigSeries(y, false))
		y.Sub(y, d)
	}
	f, _ := y.Float64()
	return f
}

// TestGeoMathIsCorrectlyRounded checks sine, cosine and arcsine against
// 192-bit references on the arguments distances use, and near the points
// where the evaluation changes.
func TestGeoMathIsCorrectlyRounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 700
	if testing.Short() {
		n = 100
	}
	special := []float64{math.Pi / 4, -math.Pi / 4, math.Pi / 2, math.Pi, -math.Pi, 0x1p-26, 0x1.1p-26, 0x1p-27, 1e-10,
		0.5, 1 - 0x1p-53, 0.9999999, 2.4, 3.0, -3.1}
	check := func(name string, x, got, want float64) {
		t.Helper()
		require.Equal(t, want, got, "%s(%v = %x)", name, x, x)
	}
	for _, x := range special {
		check("sin", x, geoSin(x), bigSin(x))
		check("cos", x, geoCos(x), bigCos(x))
		if math.Abs(x) <= 1 && x != 0 {
			check("asin", x, geoAsin(x), bigAsin(x))
		}
	}
	for i := 0; i < n; i++ {
		for _, x := range []float64{(rng.Float64()*2 - 1) * math.Pi, (rng.Float64()*2 - 1) * 1e-3, rng.Float64() * 2.5} {
			check("sin", x, geoSin(x), bigSin(x))
			check("cos", x, geoCos(x), bigCos(x))
		}
		for _, x := range []float64{rng.Float64(), rng.Float64() * 1e-3, 1 - rng.Float64()*1e-6} {
			check("asin", x, geoAsin(x), bigAsin(x))
		}
	}
	require.Equal(t, piOver2Hi, geoAsin(1))
	require.Equal(t, -piOver2Hi, geoAsin(-1))
	require.True(t, math.IsNaN(geoAsin(1+0x1p-52)))
	require.Equal(t, math.Sin(1e30), geoSin(1e30))
	require.Equal(t, float64(1), geoCos(0))
	require.Equal(t, math.Copysign(0, -1), geoSin(math.Copysign(0, -1)))
}

// TestGeoPartialSortPutsTheFirstInOrder checks Redis's partial quicksort
// on distances with many ties: the first count places hold the count
// nearest (or farthest) in order, and nothing is lost.
func TestGeoPartialSortPutsTheFirstInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 300; round++ {
		n := 1 + rng.IntN(200)
		points := make([]GeoPoint, n)
		for i := range points {
			points[i] = GeoPoint{Member: strconv.Itoa(i), Dist: float64(rng.IntN(1 + rng.IntN(n)))}
		}
		count := 1 + rng.IntN(n)
		desc := rng.IntN(2) == 0
		sorted := slices.Clone(points)
		GeoSort(sorted, desc, count)

		want := slices.Clone(points)
		sort.SliceStable(want, func(i, j int) bool {
			if desc {
				return want[i].Dist > want[j].Dist
			}
			return want[i].Dist < want[j].Dist
		})
		for i := 0; i < count; i++ {
			require.Equal(t, want[i].Dist, sorted[i].Dist, "round %d place %d", round, i)
		}
		if count == n {
			require.Equal(t, want, sorted, "a full sort is stable")
		}
		names := func(ps []GeoPoint) []string {
			out := make([]string, len(ps))
			for i, p := range ps {
				out[i] = p.Member
			}
			sort.Strings(out)
			return out
		}
		require.Equal(t, names(points), names(sorted))
	}
}

// TestGeoSearchFindsWhatABruteForceFinds adds random points to sets of
// both encodings and requires every search by radius or box to find
// exactly the members a scan of the whole set finds inside the shape, and
// ANY searches to stop at their limit.
func TestGeoSearchFindsWhatABruteForceFinds(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	lim := DefaultZSetLimits()
	for _, size := range []int{60, 3000} {
		zs := NewZSet(lim, 0)
		type member struct {
			name     string
			lon, lat float64
		}
		var members []member
		for i := 0; i < size; i++ {
			lon, lat := rng.Float64()*360-180, rng.Float64()*170-85
			if i%2 == 0 { // a cluster around Sicily
				lon, lat = 14+rng.NormFloat64(), 38+rng.NormFloat64()
			}
			m := member{fmt.Sprint("m", i), lon, lat}
			members = append(members, m)
			zs.Add(m.name, GeoScore(lon, lat), lim)
		}
		for q := 0; q < 300; q++ {
			s := &GeoShape{Lon: 14 + rng.NormFloat64()*3, Lat: 38 + rng.NormFloat64()*3, Conversion: 1000}
			if q%3 == 0 {
				s.Lon, s.Lat = rng.Float64()*360-180, rng.Float64()*170-85
			}
			size := math.Exp(rng.Float64() * math.Log(5000)) // 1 to 5000 km
			if s.Box = rng.IntN(2) == 0; s.Box {
				s.Width, s.Height = size, size*(0.2+rng.Float64())
			} else {
				s.Radius = size
			}
			var want []string
			for _, m := range members {
				lon, lat := GeoDecode(GeoScore(m.lon, m.lat))
				if _, ok := s.contains(lon, lat); ok {
					want = append(want, m.name)
				}
			}
			var got []string
			for _, p := range GeoSearch(zs, s, 0) {
				got = append(got, p.Member)
				lon, lat := GeoDecode(p.Score)
				d, ok := s.contains(lon, lat)
				require.True(t, ok)
				require.Equal(t, d, p.Dist)
			}
			sort.Strings(want)
			sort.Strings(got)
			require.Equal(t, want, slices.Compact(got), "shape %+v over %d members", *s, size)
			if len(want) > 2 {
				require.Len(t, GeoSearch(zs, s, 2), 2)
			}
		}
	}
}

func BenchmarkGeoDistance(b *testing.B) {
	for i := 0; i < b.N; i++ {
		GeoDistance(13.361389, 38.115556, 15.087269+float64(i&7)*1e-3, 37.502669)
	}
}
