//lint:file-ignore SA1019 GEORADIUS and GEORADIUSBYMEMBER are deprecated in go-redis but still sent by clients, so they are tested through it.

package test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/server"
)

// geoaddLine returns "GEOADD key lon lat m0 ..." for n members placed by
// pos.
func geoaddLine(key string, n int, pos func(i int) (float64, float64)) string {
	var b strings.Builder
	b.WriteString("GEOADD " + key)
	for i := 0; i < n; i++ {
		lon, lat := pos(i)
		fmt.Fprintf(&b, " %v %v m%d", lon, lat, i)
	}
	return b.String()
}

// sicily is the data set of Redis's documentation.
const sicily = "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania"

// geoCompatCases cover every geo command, option and error, compared byte
// for byte with real Redis 7.0 in RESP2 and RESP3: scores, coordinates,
// distances and hashes to the last digit, and the order of results,
// ties included.
var geoCompatCases = []compatCase{
	{"geoadd", script(
		sicily, "ZRANGE Sicily 0 -1 WITHSCORES", "GEOADD Sicily 13.361389 38.115556 Palermo", "OBJECT ENCODING Sicily",
		"GEOADD Sicily CH 13.361389 38.115556 Palermo 13 38 Palermo", "GEOADD Sicily NX 1 1 Palermo 2 2 new",
		"GEOADD Sicily XX 3 3 new 4 4 newer", "GEOADD Sicily XX CH 3 3 new", "GEOADD Sicily nx ch 5 5 x 5 5 new",
		"GEOADD Sicily CH CH NX 6 6 y", "ZSCORE Sicily new", "ZSCORE Sicily newer", "ZSCORE Sicily y",
		"GEOADD Sicily NX XX 1 2 m", "GEOADD Sicily XX NX 1 2 m", "GEOADD Sicily NX CH CH", "GEOADD Sicily CH 1 2 m 3",
		"GEOADD Sicily 1 2", "GEOADD Sicily 1 2 m 3 4", "GEOADD Sicily FOO 1 2 m", "GEOADD Sicily 1 2 m NX 3 4",
		"GEOADD k 200 100 m", "GEOADD k -200.5 -85.06 m", "GEOADD k 180 85.05112879 m", "GEOADD k 180.0000001 0 m",
		"GEOADD k 0 -85.05112879 m", "GEOADD k inf 0 m", "GEOADD k 0 -inf m", "GEOADD k 1e300 0 m", "GEOADD k -0 1e-300 m",
		"GEOADD k x 1 m", "GEOADD k 1 x m", "GEOADD k nan 1 m", "GEOADD k '' 1 m", "GEOADD k ' 1' 1 m", "GEOADD k 1e400 1 m",
		"GEOADD k 0x10 1 hex", "GEOADD k 1 2 ok 200 0 bad", "EXISTS k",
		"GEOADD k 180 85.05112878 ne -180 -85.05112878 sw 0 0 zero -0 -0 negzero 180 0 e -180 0 w",
		"ZRANGE k 0 -1 WITHSCORES", "GEOADD k 1 2 ''", "ZSCORE k ''",
		"SET str x", "GEOADD str 1 2 m", "GEOADD str 200 2 m", "GEOADD str NX XX 1 2 m", "GET str")},
	{"geoadd past the listpack limits", script(
		geoaddLine("big", 129, func(i int) (float64, float64) { return float64(i) - 60, float64(i%80) - 40 }),
		"OBJECT ENCODING big", "ZCARD big", "GEOADD long 1 1 "+strings.Repeat("x", 65), "OBJECT ENCODING long")},
	{"geodist", script(
		sicily, "GEODIST Sicily Palermo Catania", "GEODIST Sicily Palermo Catania m", "GEODIST Sicily Palermo Catania km",
		"GEODIST Sicily Palermo Catania mi", "GEODIST Sicily Palermo Catania ft", "GEODIST Sicily Palermo Catania KM",
		"GEODIST Sicily Palermo Catania Mi", "GEODIST Sicily Catania Palermo", "GEODIST Sicily Palermo Palermo",
		"GEODIST Sicily Foo Bar", "GEODIST Sicily Palermo Bar", "GEODIST Sicily Foo Palermo",
		"GEODIST Sicily Palermo Catania foo", "GEODIST Sicily Palermo Catania km extra", "GEODIST Sicily Palermo Catania ''",
		"GEODIST nokey a b", "GEODIST nokey a b foo", "GEODIST Sicily Palermo", "SET str x", "GEODIST str a b",
		"GEODIST str a b foo",
		"GEOADD w 179.9999 0 e -179.9999 0 w 0 85 n 180 -85 s 0 0 o",
		"GEODIST w e w", "GEODIST w n s km", "GEODIST w o e mi", "GEODIST w o s ft", "GEODIST w n o",
		// Distances round through an integer: 308458124728.5 ten-thousandths
		// of a foot round to even, down.
		"ZADD t 3378432019552341 p89 2251778068240340 p510", "GEODIST t p89 p510 ft", "GEODIST t p510 p89 ft",
		"GEOSEARCH t FROMMEMBER p89 BYRADIUS 50520305 ft WITHDIST", "GEOSEARCHSTORE d t FROMMEMBER p89 BYRADIUS 50520305 ft STOREDIST",
		"ZSCORE d p510",
		// Equal longitudes take Redis's shortcut along the meridian.
		"GEOADD m 10 -26.744277656864099 a 10 77.141669544585994 b", "GEOSEARCHSTORE d m FROMMEMBER a BYRADIUS 20000 km STOREDIST",
		"ZSCORE d b", "GEODIST m a b")},
	{"geohash", script(
		sicily, "GEOHASH Sicily Palermo Catania", "GEOHASH Sicily Palermo nobody Catania", "GEOHASH Sicily",
		"GEOHASH nokey a b", "GEOHASH nokey", "SET str x", "GEOHASH str a",
		"GEOADD w 180 85.05112878 ne -180 -85.05112878 sw 0 0 zero 180 0 e -180 0 w 0.000001 0.000001 tiny",
		"GEOHASH w ne sw zero e w tiny")},
	{"geopos", script(
		sicily, "GEOPOS Sicily Palermo Catania NonExisting", "GEOPOS Sicily", "GEOPOS nokey a b", "GEOPOS nokey",
		"SET str x", "GEOPOS str a",
		"GEOADD w 180 85.05112878 ne -180 -85.05112878 sw 0 0 zero 180 0 e -180 0 w 0.000001 0.000001 tiny",
		"GEOPOS w ne sw zero e w tiny")},
	{"members with scores GEOADD does not make", script(
		"ZADD w 9007199254740991 a 1.5 b -1 c inf d -inf e 0 f 4503599627370496 g 1e300 h 4503599627370495 i",
		"ZADD w -9223372036854775808 j 9223372036854775808 k 1e19 l -0.5 n",
		"GEOPOS w a b c d e f g h i j k l n", "GEOHASH w a b c d e f g h i j k l n", "GEODIST w a f", "GEODIST w c e km",
		"GEOSEARCH w FROMMEMBER f BYRADIUS 1 km WITHHASH WITHCOORD WITHDIST",
		"GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 30000 km WITHHASH ASC",
		"GEORADIUSBYMEMBER w c 1 km WITHHASH WITHCOORD")},
	{"georadius", script(
		sicily,
		"GEORADIUS Sicily 15 37 200 km WITHDIST", "GEORADIUS Sicily 15 37 200 km WITHCOORD",
		"GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD", "GEORADIUS Sicily 15 37 200 km WITHHASH WITHCOORD WITHDIST",
		"GEORADIUS Sicily 15 37 200 km", "GEORADIUS Sicily 15 37 200 km ASC", "GEORADIUS Sicily 15 37 200 km DESC",
		"GEORADIUS Sicily 15 37 200 km DESC ASC", "GEORADIUS Sicily 15 37 200 km COUNT 1",
		"GEORADIUS Sicily 15 37 200 km COUNT 1 DESC WITHDIST", "GEORADIUS Sicily 15 37 200 km COUNT 1 ANY",
		"GEORADIUS Sicily 15 37 200 km ANY COUNT 1 ASC", "GEORADIUS Sicily 15 37 200 km COUNT 5",
		"GEORADIUS Sicily 15 37 200 km count 1 withdist", "GEORADIUS Sicily 15 37 200 KM",
		"GEORADIUS Sicily 15 37 200000 m", "GEORADIUS Sicily 15 37 124.274 mi WITHDIST",
		"GEORADIUS Sicily 15 37 656168 ft WITHDIST", "GEORADIUS Sicily 15 37 100 km", "GEORADIUS Sicily 15 37 0 km",
		"GEORADIUS Sicily 13.361389 38.115556 0 m WITHDIST", "GEORADIUS Sicily 15 37 1e30 km WITHDIST",
		"GEORADIUS Sicily 15 37 inf km", "GEORADIUS Sicily 15 37 200 km ANY", "GEORADIUS Sicily 15 37 200 km COUNT 0",
		"GEORADIUS Sicily 15 37 200 km COUNT -1", "GEORADIUS Sicily 15 37 200 km COUNT x", "GEORADIUS Sicily 15 37 200 km COUNT",
		"GEORADIUS Sicily 15 37 200 km COUNT 99999999999999999999", "GEORADIUS Sicily 15 37 200 km FOO",
		"GEORADIUS Sicily 15 37 200 km WITHDIST STORE", "GEORADIUS Sicily 15 37 -1 km", "GEORADIUS Sicily 15 37 x km",
		"GEORADIUS Sicily 15 37 nan km", "GEORADIUS Sicily 15 37 200 foo", "GEORADIUS Sicily 15 37 200",
		"GEORADIUS Sicily 200 37 200 km", "GEORADIUS Sicily x 37 200 km", "GEORADIUS Sicily 15 37 x foo",
		"GEORADIUS Sicily 15 37 200 km FROMMEMBER Palermo", "GEORADIUS Sicily 15 37 200 km BYRADIUS 1 km",
		"GEORADIUS nokey 15 37 200 km", "GEORADIUS nokey 15 37 x km", "GEORADIUS nokey 200 37 200 km",
		"GEORADIUS nokey 15 37 200 km FOO", "SET str x", "GEORADIUS str 15 37 200 km", "GEORADIUS str 200 37 x km",
		"GEORADIUS_RO Sicily 15 37 200 km WITHDIST ASC", "GEORADIUS_RO Sicily 15 37 200 km STORE dst",
		"GEORADIUS_RO Sicily 15 37 200 km STOREDIST dst", "GEORADIUS_RO nokey 15 37 200 km")},
	{"georadius store", script(
		sicily, "GEORADIUS Sicily 15 37 200 km STORE dst", "ZRANGE dst 0 -1 WITHSCORES", "OBJECT ENCODING dst",
		"GEORADIUS Sicily 15 37 200 km STOREDIST dst", "ZRANGE dst 0 -1 WITHSCORES",
		"GEORADIUS Sicily 15 37 200 mi STOREDIST dst ASC COUNT 1", "ZRANGE dst 0 -1 WITHSCORES",
		"GEORADIUS Sicily 15 37 200 km STORE a STOREDIST b", "EXISTS a", "ZRANGE b 0 -1 WITHSCORES",
		"GEORADIUS Sicily 15 37 200 km STOREDIST c STORE d", "EXISTS c", "ZRANGE d 0 -1 WITHSCORES",
		"GEORADIUS Sicily 15 37 200 km store e", "ZRANGE e 0 -1 WITHSCORES",
		"GEORADIUS Sicily 15 37 200 km STORE dst WITHDIST", "GEORADIUS Sicily 15 37 200 km WITHHASH STOREDIST dst",
		"GEORADIUS Sicily 15 37 200 km STORE", "GEORADIUS Sicily 15 37 200 km STOREDIST",
		"EXPIRE dst 100", "GEORADIUS Sicily 15 37 200 km STORE dst", "TTL dst",
		"GEORADIUS Sicily 15 37 1 km STORE dst", "EXISTS dst", "GEORADIUS Sicily 15 37 1 km STORE dst",
		"SET s x", "GEORADIUS Sicily 15 37 200 km STORE s", "TYPE s", "GEORADIUS nokey 15 37 200 km STORE s",
		"EXISTS s", "GEORADIUS nokey 15 37 200 km STORE s", "GEORADIUS Sicily 15 37 200 km STORE Sicily",
		"ZRANGE Sicily 0 -1 WITHSCORES", "SET str x", "GEORADIUS str 15 37 200 km STORE dst",
		geoaddLine("big", 200, func(i int) (float64, float64) { return 15 + float64(i)/100, 37 + float64(i%10)/100 }),
		"GEORADIUS big 15 37 500 km STORE all", "OBJECT ENCODING all", "GEORADIUS big 15 37 500 km STORE few COUNT 128",
		"OBJECT ENCODING few", "ZRANGE few 0 2 WITHSCORES")},
	{"georadiusbymember", script(
		sicily, "GEOADD Sicily 13.583333 37.316667 Agrigento",
		"GEORADIUSBYMEMBER Sicily Agrigento 100 km", "GEORADIUSBYMEMBER Sicily Agrigento 100 km WITHDIST WITHCOORD WITHHASH",
		"GEORADIUSBYMEMBER Sicily Palermo 200 km DESC WITHDIST", "GEORADIUSBYMEMBER Sicily Palermo 200 km COUNT 2",
		"GEORADIUSBYMEMBER Sicily Palermo 200 km COUNT 2 ANY", "GEORADIUSBYMEMBER Sicily Palermo 0 km WITHDIST",
		"GEORADIUSBYMEMBER Sicily Palermo 200 km STORE dst", "ZRANGE dst 0 -1 WITHSCORES",
		"GEORADIUSBYMEMBER Sicily Palermo 200 km STOREDIST dst DESC", "ZRANGE dst 0 -1 WITHSCORES",
		"GEORADIUSBYMEMBER Sicily nobody 100 km", "GEORADIUSBYMEMBER Sicily nobody x foo",
		"GEORADIUSBYMEMBER Sicily Palermo x km", "GEORADIUSBYMEMBER Sicily Palermo -5 km",
		"GEORADIUSBYMEMBER Sicily Palermo 5 parsecs", "GEORADIUSBYMEMBER Sicily Palermo 5 km FOO",
		"GEORADIUSBYMEMBER Sicily Palermo 5 km WITHDIST STORE dst", "GEORADIUSBYMEMBER Sicily Palermo 5 km ANY",
		"GEORADIUSBYMEMBER nokey Palermo 100 km", "GEORADIUSBYMEMBER nokey Palermo x foo",
		"GEORADIUSBYMEMBER nokey Palermo x foo FOO", "GEORADIUSBYMEMBER nokey Palermo x foo ANY",
		"GEORADIUSBYMEMBER nokey Palermo x foo STORE dst", "EXISTS dst",
		"GEORADIUSBYMEMBER nokey Palermo x foo WITHDIST STORE dst",
		"SET str x", "GEORADIUSBYMEMBER str Palermo 100 km",
		"GEORADIUSBYMEMBER_RO Sicily Agrigento 100 km WITHDIST", "GEORADIUSBYMEMBER_RO Sicily Agrigento 100 km STORE x",
		"GEORADIUSBYMEMBER_RO Sicily nobody 100 km", "GEORADIUSBYMEMBER_RO nokey Palermo x foo")},
	{"geosearch", script(
		sicily, "GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 edge2",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH",
		"GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 300 km WITHDIST", "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 500 200 km DESC",
		"GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 0 0 km WITHDIST", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1000 1 km",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 500 km COUNT 2", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 500 km COUNT 2 ANY",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 500 km COUNT 3 DESC WITHDIST",
		"GEOSEARCH Sicily BYRADIUS 500 km FROMLONLAT 15 37 ASC", "geosearch Sicily fromlonlat 15 37 byradius 500 KM withdist",
		"GEOSEARCH Sicily FROMLONLAT 15 37 FROMLONLAT 13 38 BYRADIUS 200 km", "GEOSEARCH Sicily FROMMEMBER x FROMMEMBER Palermo BYRADIUS 200 km",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYRADIUS 200 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 km BYBOX 400 400 km",
		"GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 200 km", "GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 200 km",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km BYBOX 1 1 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 km BYRADIUS 200 km",
		"GEOSEARCH Sicily BYRADIUS 200 km", "GEOSEARCH Sicily FROMLONLAT 15 37", "geosearch Sicily BYRADIUS 200 km ASC",
		"GeoSearch Sicily FROMLONLAT 15 37 ASC DESC", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ANY",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 0", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT x",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS -1 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS x km",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 parsec", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 -1 km",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 x km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 parsec",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1",
		"GEOSEARCH Sicily FROMLONLAT 15 BYRADIUS 1 km", "GEOSEARCH Sicily FROMLONLAT 200 37 BYRADIUS 1 km",
		"GEOSEARCH Sicily FROMLONLAT x 37 BYRADIUS 1 km", "GEOSEARCH Sicily FROMMEMBER BYRADIUS 1 km",
		"GEOSEARCH Sicily FROMMEMBER nobody BYRADIUS 1 km", "GEOSEARCH Sicily FROMMEMBER nobody BYRADIUS x km",
		"GEOSEARCH Sicily BYRADIUS x km FROMMEMBER nobody", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE dst",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST dst",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km FOO", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ANY COUNT 1",
		"GEOSEARCH nokey FROMLONLAT 15 37 BYRADIUS 200 km", "GEOSEARCH nokey FROMMEMBER x BYRADIUS 200 km",
		"GEOSEARCH nokey FROMMEMBER x BYRADIUS x km", "GEOSEARCH nokey FROMMEMBER x", "GEOSEARCH nokey FROMLONLAT 200 0 BYRADIUS 1 km",
		"SET str x", "GEOSEARCH str FROMLONLAT 15 37 BYRADIUS 200 km", "GEOSEARCH str FROMMEMBER x BYRADIUS x km")},
	{"geosearchstore", script(
		sicily, "GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 edge2",
		"GEOSEARCHSTORE key1 Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC COUNT 3",
		"GEOSEARCH key1 FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH",
		"GEOSEARCHSTORE key2 Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC COUNT 3 STOREDIST", "ZRANGE key2 0 -1 WITHSCORES",
		"GEOSEARCHSTORE key2 Sicily FROMMEMBER Palermo BYRADIUS 300 mi STOREDIST DESC", "ZRANGE key2 0 -1 WITHSCORES",
		"GEOSEARCHSTORE key2 Sicily FROMMEMBER Palermo BYRADIUS 300 mi storedist storedist COUNT 1 ANY", "ZRANGE key2 0 -1 WITHSCORES",
		"GEOSEARCHSTORE key3 Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST", "GEOSEARCHSTORE key3 Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD",
		"GEOSEARCHSTORE key3 Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHHASH", "GEOSEARCHSTORE key3 Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x",
		"GEOSEARCHSTORE key3 Sicily FROMLONLAT 15 37", "geosearchstore key3 Sicily BYBOX 1 1 km",
		"GEOSEARCHSTORE key3 Sicily FROMLONLAT 15 37 BYRADIUS 200 km ANY",
		"EXPIRE key1 100", "GEOSEARCHSTORE key1 Sicily FROMLONLAT 15 37 BYRADIUS 200 km", "TTL key1",
		"GEOSEARCHSTORE key1 Sicily FROMLONLAT 15 37 BYRADIUS 1 m", "EXISTS key1",
		"GEOSEARCHSTORE key1 nokey FROMLONLAT 15 37 BYRADIUS 200 km", "SET key1 x",
		"GEOSEARCHSTORE key1 nokey FROMMEMBER x BYRADIUS 200 km", "EXISTS key1",
		"GEOSEARCHSTORE Sicily Sicily FROMMEMBER Palermo BYRADIUS 100 km", "ZRANGE Sicily 0 -1 WITHSCORES",
		"SET str x", "GEOSEARCHSTORE dst str FROMLONLAT 15 37 BYRADIUS 200 km", "GEOSEARCHSTORE str Sicily FROMLONLAT 15 37 BYRADIUS 200 km",
		"TYPE str")},
	{"ties keep Redis's order", script(
		geoaddLine("dup", 60, func(i int) (float64, float64) { return 10 + float64(i%3)/1000, 10 }),
		"GEOSEARCH dup FROMLONLAT 10 10 BYRADIUS 100 km ASC", "GEOSEARCH dup FROMLONLAT 10 10 BYRADIUS 100 km DESC",
		"GEOSEARCH dup FROMLONLAT 10 10 BYRADIUS 100 km COUNT 5", "GEOSEARCH dup FROMLONLAT 10 10 BYRADIUS 100 km COUNT 25 DESC",
		"GEOSEARCH dup FROMLONLAT 10 10 BYRADIUS 100 km COUNT 41", "GEOSEARCH dup FROMLONLAT 10 10 BYRADIUS 100 km COUNT 59 DESC",
		"GEOSEARCH dup FROMLONLAT 10.001 10 BYRADIUS 100 km COUNT 7 WITHDIST", "GEOSEARCH dup FROMLONLAT 10 10 BYRADIUS 100 km COUNT 3 ANY DESC",
		"GEOSEARCH dup FROMLONLAT 10 10 BYRADIUS 100 km COUNT 10 ANY", "GEOSEARCH dup FROMLONLAT 10 10 BYRADIUS 100 km",
		geoaddLine("few", 6, func(i int) (float64, float64) { return 20, 20 + float64(i%2)/1000 }),
		"GEOSEARCH few FROMLONLAT 20 20 BYRADIUS 10 km COUNT 3", "GEOSEARCH few FROMLONLAT 20 20 BYRADIUS 10 km COUNT 5 DESC",
		"GEORADIUS dup 10 10 100 km COUNT 12 STORE st", "ZRANGE st 0 -1")},
	{"edges of the world", script(
		"GEOADD w 179.99 0 e1 -179.99 0 w1 179.5 10 e2 -179.5 -10 w2 0 85.05 n1 90 85 n2 -90 -85.05 s1 0 0 o 0.001 0.001 o2",
		"GEOSEARCH w FROMLONLAT 180 0 BYRADIUS 100 km ASC WITHDIST", "GEOSEARCH w FROMLONLAT -180 0 BYRADIUS 2000 km ASC WITHDIST",
		"GEOSEARCH w FROMLONLAT 180 0 BYBOX 200 200 km ASC WITHDIST", "GEOSEARCH w FROMLONLAT 0 85 BYRADIUS 1000 km ASC WITHDIST",
		"GEOSEARCH w FROMLONLAT 0 85.05112878 BYRADIUS 5000 km ASC WITHDIST", "GEOSEARCH w FROMLONLAT 0 -85 BYBOX 5000 300 km WITHDIST",
		"GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 20000 km ASC WITHDIST", "GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 40000 km WITHDIST",
		"GEOSEARCH w FROMLONLAT 0 0 BYBOX 40000 40000 km WITHDIST", "GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 0.2 km WITHDIST",
		"GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 0 m WITHDIST", "GEOSEARCH w FROMLONLAT 0 0 BYBOX 0 0 m WITHDIST",
		"GEOSEARCH w FROMLONLAT 0.0005 0.0005 BYRADIUS 1e-300 m", "GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 1e300 km COUNT 3",
		"GEOSEARCH w FROMMEMBER e1 BYRADIUS 3000 km WITHDIST", "GEOSEARCH w FROMMEMBER n2 BYBOX 20000 2000 km ASC WITHDIST",
		"GEORADIUS w 179.9 0.1 50 km WITHDIST WITHCOORD", "GEORADIUS w 45 60 7000 km WITHDIST ASC",
		"GEORADIUS w 0 70 5000 mi WITHDIST ASC", "GEORADIUS w 0 -82 3000 km WITHDIST ASC")},
	{"geo inside transactions", script(
		"MULTI", sicily, "GEOPOS Sicily Palermo", "GEODIST Sicily Palermo Catania", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD",
		"GEORADIUS Sicily 15 37 200 km STORE dst", "ZRANGE dst 0 -1", "EXEC")},
	{"command getkeys", script(
		"COMMAND GETKEYS GEORADIUS k 1 2 3 m STORE a STOREDIST b", "COMMAND GETKEYS GEORADIUS k 1 2 3 m STOREDIST b STORE a",
		"COMMAND GETKEYS GEORADIUS k 1 2 3 m STORE", "COMMAND GETKEYS GEORADIUS k 1 2 3 STORE x",
		"COMMAND GETKEYS GEORADIUS k 1 2 3 m COUNT 1 STORE x", "COMMAND GETKEYS GEORADIUS k 1 2 3 m store x",
		"COMMAND GETKEYS GEORADIUS k 1 2 3 m STORE STORE x", "COMMAND GETKEYS GEORADIUS k 1 2 3 m",
		"COMMAND GETKEYS GEORADIUSBYMEMBER k m 3 m STORE x", "COMMAND GETKEYS GEORADIUSBYMEMBER k m 3 STORE x",
		"COMMAND GETKEYS GEORADIUSBYMEMBER k m 3 m WITHDIST STOREDIST x", "COMMAND GETKEYS GEORADIUS_RO k 1 2 3 m",
		"COMMAND GETKEYSANDFLAGS GEORADIUS k 1 2 3 m STORE a STOREDIST b",
		"COMMAND GETKEYSANDFLAGS GEORADIUSBYMEMBER k m 3 m STOREDIST b", "COMMAND GETKEYSANDFLAGS GEORADIUS k 1 2 3 m",
		"COMMAND GETKEYS GEOSEARCHSTORE d s FROMLONLAT 1 2 BYRADIUS 1 m", "COMMAND GETKEYSANDFLAGS GEOSEARCHSTORE d s FROMLONLAT 1 2 BYRADIUS 1 m",
		"COMMAND GETKEYS GEOADD k 1 2 m", "COMMAND GETKEYS GEOSEARCH k FROMLONLAT 1 2 BYRADIUS 1 m",
		"COMMAND INFO geoadd georadius georadiusbymember geosearchstore")},
}

// TestGeoRepliesMatchRedis runs the geo scripts against Quordis and real
// Redis 7.0 and requires byte-identical replies.
func TestGeoRepliesMatchRedis(t *testing.T) { runCompat(t, geoCompatCases) }

// TestGeoSearchMatchesRedisOnRandomPoints adds 1000 random points, in
// clusters (some across the 180th meridian and near the poles) and spread
// over the world, to real Redis and to Quordis, then requires identical
// replies to random searches by radius and by box, sorted nearest first
// with distances, coordinates and hashes, and to random GEODIST, GEOPOS and
// GEOHASH queries.
func TestGeoSearchMatchesRedisOnRandomPoints(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			real, ours := StartRealRedis(t), StartServer(t)
			a, b := real.Dial(t), ours.Dial(t)
			same := func(cmd ...string) {
				t.Helper()
				require.Equal(t, a.Do(cmd...), b.Do(cmd...), "reply to %q", strings.Join(cmd, " "))
			}
			rng := rand.New(rand.NewPCG(seed, 42))
			num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
			clamp := func(v, lo, hi float64) float64 { return min(max(v, lo), hi) }
			type pos struct{ lon, lat float64 }
			centers := []pos{{179.5, 0}, {-179.8, 45}, {0, 84.5}, {30, -84}, {13.4, 38.1}}
			for len(centers) < 8 {
				centers = append(centers, pos{rng.Float64()*360 - 180, rng.Float64()*170 - 85})
			}
			wrap := func(lon float64) float64 {
				if lon > 180 {
					return lon - 360
				}
				if lon < -180 {
					return lon + 360
				}
				return lon
			}
			var points []pos
			for batch := 0; batch < 10; batch++ {
				cmd := []string{"GEOADD", "pts"}
				for i := 0; i < 100; i++ {
					p := pos{rng.Float64()*360 - 180, rng.Float64()*170 - 85}
					if rng.IntN(4) > 0 {
						c := centers[rng.IntN(len(centers))]
						spread := []float64{0.01, 0.3, 3}[rng.IntN(3)]
						p = pos{wrap(c.lon + rng.NormFloat64()*spread), clamp(c.lat+rng.NormFloat64()*spread, -85.05, 85.05)}
					}
					points = append(points, p)
					cmd = append(cmd, num(p.lon), num(p.lat), fmt.Sprint("p", len(points)-1))
				}
				same(cmd...)
			}
			units := []string{"m", "km", "ft", "mi"}
			toMeters := map[string]float64{"m": 1, "km": 1000, "ft": 0.3048, "mi": 1609.34}
			for q := 0; q < 1000; q++ {
				unit := units[rng.IntN(len(units))]
				size := func() string { return num(math.Exp(rng.Float64()*math.Log(4e6)) * 5 / toMeters[unit]) }
				from := []string{"FROMMEMBER", fmt.Sprint("p", rng.IntN(len(points)))}
				if rng.IntN(2) == 0 {
					c := centers[rng.IntN(len(centers))]
					from = []string{"FROMLONLAT", num(wrap(c.lon + rng.NormFloat64())), num(clamp(c.lat+rng.NormFloat64(), -85, 85))}
				}
				by := []string{"BYRADIUS", size(), unit}
				if rng.IntN(2) == 0 {
					by = []string{"BYBOX", size(), size(), unit}
				}
				cmd := append(append(append([]string{"GEOSEARCH", "pts"}, from...), by...), "ASC", "WITHDIST", "WITHCOORD", "WITHHASH")
				switch rng.IntN(4) {
				case 0:
					cmd = append(cmd, "COUNT", fmt.Sprint(1+rng.IntN(50)))
				case 1:
					cmd[len(cmd)-4] = "DESC"
				}
				same(cmd...)
				if by[0] == "BYRADIUS" && from[0] == "FROMLONLAT" {
					same("GEORADIUS", "pts", from[1], from[2], by[1], by[2], "WITHDIST", "ASC")
				}
				m1, m2 := fmt.Sprint("p", rng.IntN(len(points))), fmt.Sprint("p", rng.IntN(len(points)))
				same("GEODIST", "pts", m1, m2, unit)
				same("GEOPOS", "pts", m1, m2)
				same("GEOHASH", "pts", m1, m2)
			}
		})
	}
}

// TestGeoThroughGoRedis drives the geo commands through go-redis's typed
// API over RESP2 and RESP3.
func TestGeoThroughGoRedis(t *testing.T) {
	srv := StartServer(t)
	srv.EachProtocol(t, geoGoRedisChecks)
}

// geoGoRedisChecks are the checks of TestGeoThroughGoRedis, on an empty
// server.
func geoGoRedisChecks(t *testing.T, ctx context.Context, rdb *redis.Client) {
	{
		palermo := &redis.GeoLocation{Name: "Palermo", Longitude: 13.361389, Latitude: 38.115556}
		catania := &redis.GeoLocation{Name: "Catania", Longitude: 15.087269, Latitude: 37.502669}
		require.Equal(t, int64(2), rdb.GeoAdd(ctx, "Sicily", palermo, catania).Val())
		require.Equal(t, int64(0), rdb.GeoAdd(ctx, "Sicily", palermo).Val())
		require.Equal(t, 3479099956230698.0, rdb.ZScore(ctx, "Sicily", "Palermo").Val())
		require.EqualError(t, rdb.GeoAdd(ctx, "Sicily", &redis.GeoLocation{Name: "x", Longitude: 200, Latitude: 100}).Err(),
			"ERR invalid longitude,latitude pair 200.000000,100.000000")

		require.Equal(t, 166274.1516, rdb.GeoDist(ctx, "Sicily", "Palermo", "Catania", "m").Val())
		require.Equal(t, 166.2742, rdb.GeoDist(ctx, "Sicily", "Palermo", "Catania", "km").Val())
		require.Equal(t, 103.3182, rdb.GeoDist(ctx, "Sicily", "Palermo", "Catania", "mi").Val())
		require.Equal(t, redis.Nil, rdb.GeoDist(ctx, "Sicily", "Palermo", "nobody", "km").Err())
		require.EqualError(t, rdb.GeoDist(ctx, "Sicily", "Palermo", "Catania", "parsec").Err(),
			"ERR unsupported unit provided. please use M, KM, FT, MI")

		require.Equal(t, []string{"sqc8b49rny0", "sqdtr74hyu0", ""}, rdb.GeoHash(ctx, "Sicily", "Palermo", "Catania", "nobody").Val())
		pos := rdb.GeoPos(ctx, "Sicily", "Palermo", "nobody").Val()
		require.Len(t, pos, 2)
		require.Equal(t, &redis.GeoPos{Longitude: 13.36138933897018433, Latitude: 38.11555639549629859}, pos[0])
		require.Nil(t, pos[1])

		rdb.GeoAdd(ctx, "Sicily", &redis.GeoLocation{Name: "edge1", Longitude: 12.758489, Latitude: 38.788135},
			&redis.GeoLocation{Name: "edge2", Longitude: 17.241510, Latitude: 38.788135})
		require.Equal(t, []string{"Catania", "Palermo"}, rdb.GeoSearch(ctx, "Sicily", &redis.GeoSearchQuery{
			Longitude: 15, Latitude: 37, Radius: 200, RadiusUnit: "km", Sort: "ASC"}).Val())
		require.Equal(t, []string{"Catania", "edge1"}, rdb.GeoSearch(ctx, "Sicily", &redis.GeoSearchQuery{
			Member: "Palermo", BoxWidth: 500, BoxHeight: 200, BoxUnit: "km", Sort: "DESC", Count: 2}).Val())
		locs, err := rdb.GeoSearchLocation(ctx, "Sicily", &redis.GeoSearchLocationQuery{
			GeoSearchQuery: redis.GeoSearchQuery{Longitude: 15, Latitude: 37, BoxWidth: 400, BoxHeight: 400, BoxUnit: "km", Sort: "ASC"},
			WithCoord:      true, WithDist: true, WithHash: true}).Result()
		require.NoError(t, err)
		require.Equal(t, []redis.GeoLocation{
			{Name: "Catania", Longitude: 15.08726745843887329, Latitude: 37.50266842333162032, Dist: 56.4413, GeoHash: 3479447370796909},
			{Name: "Palermo", Longitude: 13.36138933897018433, Latitude: 38.11555639549629859, Dist: 190.4424, GeoHash: 3479099956230698},
			{Name: "edge2", Longitude: 17.24151045083999634, Latitude: 38.78813451624225195, Dist: 279.7403, GeoHash: 3481342659049484},
			{Name: "edge1", Longitude: 12.7584877610206604, Latitude: 38.78813451624225195, Dist: 279.7405, GeoHash: 3479273021651468},
		}, locs)
		require.Equal(t, int64(3), rdb.GeoSearchStore(ctx, "Sicily", "near", &redis.GeoSearchStoreQuery{
			GeoSearchQuery: redis.GeoSearchQuery{Longitude: 15, Latitude: 37, BoxWidth: 400, BoxHeight: 400, BoxUnit: "km", Sort: "ASC", Count: 3},
			StoreDist:      true}).Val())
		require.Equal(t, []redis.Z{{Score: 56.441257870158204, Member: "Catania"}, {Score: 190.44242984775784, Member: "Palermo"},
			{Score: 279.7403417843143, Member: "edge2"}}, rdb.ZRangeWithScores(ctx, "near", 0, -1).Val())
		require.Equal(t, int64(2), rdb.GeoSearchStore(ctx, "Sicily", "near", &redis.GeoSearchStoreQuery{
			GeoSearchQuery: redis.GeoSearchQuery{Member: "Catania", Radius: 200, RadiusUnit: "km", Sort: "ASC"}}).Val())
		require.Equal(t, []string{"Palermo", "Catania"}, rdb.ZRange(ctx, "near", 0, -1).Val())

		radius, err := rdb.GeoRadius(ctx, "Sicily", 15, 37, &redis.GeoRadiusQuery{
			Radius: 200, Unit: "km", WithDist: true, WithCoord: true, Sort: "ASC"}).Result()
		require.NoError(t, err)
		require.Equal(t, []redis.GeoLocation{
			{Name: "Catania", Longitude: 15.08726745843887329, Latitude: 37.50266842333162032, Dist: 56.4413},
			{Name: "Palermo", Longitude: 13.36138933897018433, Latitude: 38.11555639549629859, Dist: 190.4424},
		}, radius)
		byMember, err := rdb.GeoRadiusByMember(ctx, "Sicily", "Palermo", &redis.GeoRadiusQuery{Radius: 100, Unit: "km", WithDist: true}).Result()
		require.NoError(t, err)
		require.Equal(t, []redis.GeoLocation{{Name: "Palermo", Dist: 0}, {Name: "edge1", Dist: 91.4007}}, byMember)
		require.Equal(t, int64(1), rdb.GeoRadiusStore(ctx, "Sicily", 15, 37, &redis.GeoRadiusQuery{
			Radius: 200, Unit: "km", Count: 1, Sort: "ASC", Store: "one"}).Val())
		require.Equal(t, []string{"Catania"}, rdb.ZRange(ctx, "one", 0, -1).Val())
		require.Equal(t, int64(4), rdb.GeoRadiusByMemberStore(ctx, "Sicily", "Catania", &redis.GeoRadiusQuery{
			Radius: 300, Unit: "km", StoreDist: "dists"}).Val())
		require.Equal(t, []string{"Catania", "Palermo", "edge2", "edge1"}, rdb.ZRange(ctx, "dists", 0, -1).Val())

		rdb.Set(ctx, "str", "v", 0)
		require.EqualError(t, rdb.GeoPos(ctx, "str", "a").Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
		require.EqualError(t, rdb.GeoSearch(ctx, "Sicily", &redis.GeoSearchQuery{Member: "nobody", Radius: 1}).Err(),
			"ERR could not decode requested zset member")
		require.EqualError(t, rdb.Do(ctx, "GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "ANY").Err(),
			"ERR the ANY argument requires COUNT argument")
		require.Empty(t, rdb.GeoSearch(ctx, "nokey", &redis.GeoSearchQuery{Longitude: 15, Latitude: 37, Radius: 1}).Val())
	}
}

// TestGeoWithAMillionPoints builds a 1000 x 1000 grid of positions with
// pipelined GEOADDs and checks its size, encoding (a listpack up to 128
// members), positions, distances, and searches by radius and by box in
// the middle and at the ends of the index.
func TestGeoWithAMillionPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-point index")
	}
	srv := StartServer(t)
	geoGridChecks(t, srv.ClientWith(t, &redis.Options{ReadTimeout: time.Minute, MaxRetries: -1}))
}

// geoGridChecks are the checks of TestGeoWithAMillionPoints, on an empty
// server.
func geoGridChecks(t *testing.T, rdb *redis.Client) {
	ctx := context.Background()
	const side, batch = 1000, 1000
	// Point i is at column i%side and row i/side: 0.36 degrees of
	// longitude apart from -180, 0.16 of latitude from -80.
	lon := func(i int) float64 { return -180 + float64(i%side)*0.36 }
	lat := func(i int) float64 { return -80 + float64(i/side)*0.16 }
	name := func(i int) string { return fmt.Sprintf("p:%d:%d", i%side, i/side) }
	locs := func(lo, n int) []*redis.GeoLocation {
		out := make([]*redis.GeoLocation, n)
		for k := range out {
			out[k] = &redis.GeoLocation{Name: name(lo + k), Longitude: lon(lo + k), Latitude: lat(lo + k)}
		}
		return out
	}
	require.Equal(t, int64(128), rdb.GeoAdd(ctx, "grid", locs(0, 128)...).Val())
	require.Equal(t, "listpack", rdb.ObjectEncoding(ctx, "grid").Val())
	require.Equal(t, int64(batch-128), rdb.GeoAdd(ctx, "grid", locs(128, batch-128)...).Val())
	require.Equal(t, "skiplist", rdb.ObjectEncoding(ctx, "grid").Val())
	for lo := batch; lo < side*side; lo += 20 * batch {
		p := rdb.Pipeline()
		for j := lo; j < min(side*side, lo+20*batch); j += batch {
			p.GeoAdd(ctx, "grid", locs(j, batch)...)
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
	}
	require.Equal(t, int64(side*side), rdb.ZCard(ctx, "grid").Val())

	// Positions come back within the cell's precision (under a meter).
	for _, i := range []int{0, side - 1, side * side / 2, side*side - 1} {
		p := rdb.GeoPos(ctx, "grid", name(i)).Val()[0]
		require.InDelta(t, lon(i), p.Longitude, 1e-5, name(i))
		require.InDelta(t, lat(i), p.Latitude, 1e-5, name(i))
	}
	// On the equator (row 500) 0.36 degrees of longitude are 40.04 km.
	mid := 500*side + 500
	require.InDelta(t, 40.04, rdb.GeoDist(ctx, "grid", name(mid), name(mid+1), "km").Val(), 0.01)

	// A 100 x 40 km box around a point on the equator holds its eight
	// neighbours; a 25 km radius only the two north and south.
	box, err := rdb.GeoSearchLocation(ctx, "grid", &redis.GeoSearchLocationQuery{
		GeoSearchQuery: redis.GeoSearchQuery{Member: name(mid), BoxWidth: 100, BoxHeight: 40, BoxUnit: "km", Sort: "ASC"},
		WithDist:       true}).Result()
	require.NoError(t, err)
	var names []string
	for _, l := range box {
		names = append(names, l.Name)
	}
	require.Equal(t, name(mid), names[0])
	require.Equal(t, 0.0, box[0].Dist)
	require.ElementsMatch(t, []string{name(mid), name(mid - 1), name(mid + 1), name(mid - side), name(mid + side),
		name(mid - side - 1), name(mid - side + 1), name(mid + side - 1), name(mid + side + 1)}, names)
	require.Equal(t, []string{name(mid), name(mid - side), name(mid + side)}, sortedCopy(rdb.GeoSearch(ctx, "grid",
		&redis.GeoSearchQuery{Longitude: lon(mid), Latitude: lat(mid), Radius: 25, RadiusUnit: "km"}).Val(), name(mid)))
	require.Len(t, rdb.GeoSearch(ctx, "grid", &redis.GeoSearchQuery{Member: name(mid), Radius: 500, RadiusUnit: "km", Count: 7, CountAny: true}).Val(), 7)

	// The corners of the grid, where cells wrap around the world.
	// At 80 degrees south, columns are 6.95 km apart: the nearest to
	// 179.9 are at 180 (-180), 179.64 and -179.64.
	require.Equal(t, []string{name(1), name(side - 1), name(0)}, rdb.GeoSearch(ctx, "grid", &redis.GeoSearchQuery{
		Longitude: 179.9, Latitude: -80, Radius: 10, RadiusUnit: "km", Sort: "DESC"}).Val())
	require.Equal(t, int64(6), rdb.GeoSearchStore(ctx, "grid", "corner", &redis.GeoSearchStoreQuery{
		GeoSearchQuery: redis.GeoSearchQuery{Member: name(side*side - 1), BoxWidth: 16, BoxHeight: 40, BoxUnit: "km"}}).Val())
	require.ElementsMatch(t, []string{name(side*side - 1), name(side*side - 2), name(side*side - side),
		name(side*side - side - 1), name(side*side - side - 2), name(side*side - 2*side)}, rdb.ZRange(ctx, "corner", 0, -1).Val())
	require.Equal(t, "listpack", rdb.ObjectEncoding(ctx, "corner").Val())
	require.Equal(t, int64(side*side), rdb.ZCard(ctx, "grid").Val())
}

// sortedCopy returns names sorted, with first moved to the front.
func sortedCopy(names []string, first string) []string {
	out := []string{first}
	rest := append([]string(nil), names...)
	sort.Strings(rest)
	for _, n := range rest {
		if n != first {
			out = append(out, n)
		}
	}
	return out
}

// TestGeoWritesPropagate checks the effects of geo writes: GEOADD and the
// STORE forms as they are (as Redis 7.0 logs GEORADIUS ... STORE and
// GEOSEARCHSTORE; GEOADD is deterministic too), and searches, reads and
// writes that change nothing not at all.
func TestGeoWritesPropagate(t *testing.T) {
	rec := &recorder{}
	srv := StartServerWith(t, server.Options{Propagator: rec}, "hz 1")
	ctx := context.Background()
	rdb := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	rec.take()
	do := func(args ...any) {
		t.Helper()
		rdb.Do(ctx, args...)
	}
	do("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
	do("GEOADD", "g", "13.361389", "38.115556", "Palermo")
	do("GEOADD", "g", "XX", "1", "1", "nobody")
	do("GEOADD", "g", "200", "1", "bad")
	do("GEORADIUS", "g", "15", "37", "200", "km")
	do("GEORADIUS_RO", "g", "15", "37", "200", "km")
	do("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km")
	do("GEOPOS", "g", "Palermo")
	do("GEORADIUS", "g", "15", "37", "1", "m", "STORE", "none")
	do("GEOSEARCHSTORE", "none", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km")
	do("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "dst")
	do("GEORADIUSBYMEMBER", "g", "Palermo", "200", "km", "STOREDIST", "dst")
	do("GEOSEARCHSTORE", "dst", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m")
	require.Equal(t, []string{
		"0 GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
		"0 GEORADIUS g 15 37 200 km STORE dst",
		"0 GEORADIUSBYMEMBER g Palermo 200 km STOREDIST dst",
		"0 GEOSEARCHSTORE dst g FROMLONLAT 15 37 BYRADIUS 1 m",
	}, rec.take())
}

// TestGeoStoreTouchesWatchedKeys checks that the STORE forms invalidate a
// WATCH on the key they write, also when the key is only named after a
// second STORE, and that searches do not.
func TestGeoStoreTouchesWatchedKeys(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb, other := srv.Client(t), srv.Client(t)
	rdb.GeoAdd(ctx, "g", &redis.GeoLocation{Name: "a", Longitude: 1, Latitude: 1})
	watched := func(key string, write func()) error {
		return rdb.Watch(ctx, func(tx *redis.Tx) error {
			write()
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Exists(ctx, key)
				return nil
			})
			return err
		}, key)
	}
	require.NoError(t, watched("g", func() { other.GeoSearch(ctx, "g", &redis.GeoSearchQuery{Member: "a", Radius: 1}) }))
	require.NoError(t, watched("d", func() { other.Do(ctx, "GEORADIUS", "g", 1, 1, 1, "km", "STORE", "x") }))
	require.Equal(t, redis.TxFailedErr, watched("d", func() { other.Do(ctx, "GEORADIUS", "g", 1, 1, 1, "km", "STORE", "d") }))
	require.Equal(t, redis.TxFailedErr, watched("e", func() {
		other.Do(ctx, "GEORADIUS", "g", 1, 1, 1, "km", "STORE", "x", "STORE", "e")
	}))
	require.Equal(t, redis.TxFailedErr, watched("f", func() {
		other.GeoSearchStore(ctx, "g", "f", &redis.GeoSearchStoreQuery{GeoSearchQuery: redis.GeoSearchQuery{Member: "a", Radius: 1}})
	}))
	require.Equal(t, redis.TxFailedErr, watched("f", func() {
		other.GeoSearchStore(ctx, "nokey", "f", &redis.GeoSearchStoreQuery{GeoSearchQuery: redis.GeoSearchQuery{Member: "a", Radius: 1}})
	}), "deleting the destination")
	require.Equal(t, redis.TxFailedErr, watched("g", func() { other.GeoAdd(ctx, "g", &redis.GeoLocation{Name: "b", Longitude: 2, Latitude: 2}) }))

	// Key extraction is Redis's (the first STORE and the first STOREDIST
	// key), plus the key actually written when a later STORE names it.
	require.Equal(t, []string{"g", "x"}, rdb.CommandGetKeys(ctx, "GEORADIUS", "g", 1, 1, 1, "km", "STORE", "x").Val())
	require.Equal(t, []string{"g", "x", "e"}, rdb.CommandGetKeys(ctx, "GEORADIUS", "g", 1, 1, 1, "km", "STORE", "x", "STORE", "e").Val())
	require.Equal(t, []string{"g", "x", "y"}, rdb.CommandGetKeys(ctx, "GEORADIUSBYMEMBER", "g", "a", 1, "km", "STOREDIST", "y", "STORE", "x").Val())
}
