package server

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"quordis/store"
)

// geoCommands are the commands of geospatial indexes: sorted sets whose
// scores are 52-bit geohashes (store/geo.go).
func geoCommands() []*Command {
	read := func(name string, arity int, since, summary, complexity string, h Handler) *Command {
		return &Command{Name: name, Arity: arity, Flags: FlagReadonly, ACL: ACLGeo,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{ks("RO access", 1)},
			Group: "geo", Since: since, Summary: summary, Complexity: complexity, Handler: h}
	}
	radius := func(name string, arity, storeFrom int, summary string) *Command {
		return &Command{Name: name, Arity: arity, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, ACL: ACLGeo,
			FirstKey: 1, LastKey: 1, Step: 1, Keys: geoRadiusKeys(storeFrom), KeyFlags: geoRadiusKeyFlags,
			KeySpecs: []KeySpec{ks("RO access", 1),
				{Flags: flagList("OW update"), Keyword: "STORE", KeywordFrom: storeFrom, KeyStep: 1},
				{Flags: flagList("OW update"), Keyword: "STOREDIST", KeywordFrom: storeFrom, KeyStep: 1}},
			Group: "geo", Since: "3.2.0", Summary: summary, Complexity: geoSearchComplexity, Handler: geoSearchCommand}
	}
	return []*Command{
		{
			Name: "geoadd", Arity: -5, Flags: FlagWrite | FlagDenyOOM, ACL: ACLGeo,
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{ks("RW update", 1)},
			Group: "geo", Since: "3.2.0", Summary: "Adds members with their positions to a geospatial index",
			Complexity: "O(log(N)) for each member added, N being the number of members in the sorted set",
			Handler:    geoaddCommand,
		},
		read("geodist", -4, "3.2.0", "Returns the distance between two members of a geospatial index", "O(log(N))", geodistCommand),
		read("geohash", -2, "3.2.0", "Returns the standard geohash strings of members of a geospatial index",
			"O(log(N)) for each member requested", geohashCommand),
		read("geopos", -2, "3.2.0", "Returns the longitude and latitude of members of a geospatial index",
			"O(log(N)) for each member requested", geoposCommand),
		radius("georadius", -6, 6, "Returns, or stores, the members within a distance of a position"),
		read("georadius_ro", -6, "3.2.10", "Returns the members within a distance of a position",
			geoSearchComplexity, geoSearchCommand),
		radius("georadiusbymember", -5, 5, "Returns, or stores, the members within a distance of a member"),
		read("georadiusbymember_ro", -5, "3.2.10", "Returns the members within a distance of a member",
			geoSearchComplexity, geoSearchCommand),
		read("geosearch", -7, "6.2.0", "Returns the members within a circle or a box around a position or a member",
			geoSearchComplexity, geoSearchCommand),
		{
			Name: "geosearchstore", Arity: -8, Flags: FlagWrite | FlagDenyOOM, ACL: ACLGeo,
			FirstKey: 1, LastKey: 2, Step: 1, KeySpecs: []KeySpec{ks("OW update", 1), ks("RO access", 2)},
			Group: "geo", Since: "6.2.0", Summary: "Stores the members within a circle or a box around a position or a member",
			Complexity: geoSearchComplexity, Handler: geoSearchCommand,
		},
	}
}

const geoSearchComplexity = "O(N+log(M)) where N is the number of members in the cells covering the area and M the number of members in the index"

// geoRadiusKeys extracts the keys of GEORADIUS and GEORADIUSBYMEMBER as
// Redis's key specs do: the source, then the arguments after the first
// STORE and the first STOREDIST from argument from on (the last argument
// is never a keyword). The key the command writes, after the last of
// them, is added when it is not among those, so that WATCH and snapshots
// see every key a command changes.
func geoRadiusKeys(from int) func(args [][]byte) []int {
	return func(args [][]byte) []int {
		keys := []int{1}
		for _, kw := range []string{"store", "storedist"} {
			for i := from; i < len(args)-1; i++ {
				if strings.EqualFold(bytesView(args[i]), kw) {
					keys = append(keys, i+1)
					break
				}
			}
		}
		written := 0
		for i := from; i < len(args)-1; i++ {
			switch strings.ToLower(bytesView(args[i])) {
			case "count":
				i++
			case "store", "storedist":
				written = i + 1
				i++
			}
		}
		if written > 0 && !slices.Contains(keys, written) {
			keys = append(keys, written)
		}
		return keys
	}
}

// geoRadiusKeyFlags gives the flags of GEORADIUS's keys: the source is
// read, the others are written over.
func geoRadiusKeyFlags(_ [][]byte, pos int) []string {
	if pos == 1 {
		return flagList("RO access")
	}
	return flagList("OW update")
}

// geoUnit returns the meters per unit of a unit argument.
func geoUnit(b []byte) (float64, bool) {
	switch strings.ToLower(bytesView(b)) {
	case "m":
		return 1, true
	case "km":
		return 1000, true
	case "ft":
		return 0.3048, true
	case "mi":
		return 1609.34, true
	}
	return 0, false
}

var replyGeoUnit = Err("ERR unsupported unit provided. please use M, KM, FT, MI")

// geoPosition parses a longitude and a latitude as Redis's
// extractLongLatOrReply.
func geoPosition(lonArg, latArg []byte) (lon, lat float64, e *Reply) {
	lon, ok := zscoreArg(lonArg)
	if !ok {
		return 0, 0, &replyNotFloat
	}
	if lat, ok = zscoreArg(latArg); !ok {
		return 0, 0, &replyNotFloat
	}
	if !store.GeoValid(lon, lat) {
		r := Err("ERR invalid longitude,latitude pair " + geoPrintf(lon) + "," + geoPrintf(lat))
		return 0, 0, &r
	}
	return lon, lat, nil
}

// geoPrintf formats f as C's "%f".
func geoPrintf(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoCoord is a coordinate as Redis's addReplyHumanLongDouble sends it:
// "%.17Lf" less trailing zeros, a bulk string in RESP2 and a double in
// RESP3.
func geoCoord(c *Ctx, f float64) Reply {
	s := strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(f, 'f', 17, 64), "0"), ".")
	if s == "-0" {
		s = "0"
	}
	if !zsetRESP3(c) {
		return BulkString(s)
	}
	// No Reply kind prints a double with other digits than %.17g.
	return Raw([]byte("," + s + "\r\n"))
}

// GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
func geoaddCommand(c *Ctx) Reply {
	first := 2
	for first < len(c.Args) {
		a := strings.ToLower(bytesView(c.Args[first]))
		if a != "nx" && a != "xx" && a != "ch" {
			break
		}
		first++
	}
	if _, msg := parseOptions(c.Args[2:first], optNX|optXX|optCH); msg != "" || (len(c.Args)-first)%3 != 0 {
		return replySyntax
	}
	// As Redis does, the request becomes a ZADD of the positions' scores.
	n := (len(c.Args) - first) / 3
	args := make([][]byte, 0, first+2*n)
	args = append(args, []byte("zadd"))
	args = append(args, c.Args[1:first]...)
	for i := first; i < len(c.Args); i += 3 {
		lon, lat, e := geoPosition(c.Args[i], c.Args[i+1])
		if e != nil {
			return *e
		}
		score := strconv.AppendUint(nil, uint64(store.GeoScore(lon, lat)), 10)
		args = append(args, score, c.Args[i+2])
	}
	c.Args = args
	return zaddCommand(c)
}

// GEODIST key member1 member2 [M | KM | FT | MI]
func geodistCommand(c *Ctx) Reply {
	toMeters := 1.0
	if len(c.Args) == 5 {
		var ok bool
		if toMeters, ok = geoUnit(c.Args[4]); !ok {
			return replyGeoUnit
		}
	} else if len(c.Args) > 5 {
		return replySyntax
	}
	zs, e := c.zsetAt(1)
	if e != nil || zs == nil {
		return zreplyOr(e, Null())
	}
	s1, ok1 := zs.Score(c.key(2))
	s2, ok2 := zs.Score(c.key(3))
	if !ok1 || !ok2 {
		return Null()
	}
	lon1, lat1 := store.GeoDecode(s1)
	lon2, lat2 := store.GeoDecode(s2)
	return BulkString(store.GeoDistanceText(store.GeoDistance(lon1, lat1, lon2, lat2) / toMeters))
}

// GEOHASH key [member [member ...]]
func geohashCommand(c *Ctx) Reply {
	zs, e := c.zsetAt(1)
	if e != nil {
		return *e
	}
	out := make([]Reply, len(c.Args)-2)
	for i := range out {
		out[i] = Null()
		if zs == nil {
			continue
		}
		if score, ok := zs.Score(c.key(i + 2)); ok {
			out[i] = BulkString(store.GeoHashString(score))
		}
	}
	return Array(out...)
}

// GEOPOS key [member [member ...]]
func geoposCommand(c *Ctx) Reply {
	zs, e := c.zsetAt(1)
	if e != nil {
		return *e
	}
	out := make([]Reply, len(c.Args)-2)
	for i := range out {
		out[i] = replyNullArray
		if zs == nil {
			continue
		}
		if score, ok := zs.Score(c.key(i + 2)); ok {
			lon, lat := store.GeoDecode(score)
			out[i] = Array(geoCoord(c, lon), geoCoord(c, lat))
		}
	}
	return Array(out...)
}

// geoSearch is what a search command asks for.
type geoSearch struct {
	shape                       store.GeoShape
	withDist, withHash, withPos bool
	fromMember, fromPos         bool
	byRadius, byBox             bool
	sort                        int // 0 none, 1 ascending, -1 descending
	any                         bool
	count                       int64 // 0: all
	storeAt                     int   // argument index of the key to store into, 0: none
	storeDist                   bool
}

// geoRadius parses a radius and its unit as Redis's
// extractDistanceOrReply.
func (q *geoSearch) geoRadius(args [][]byte) *Reply {
	r, ok := zscoreArg(args[0])
	if !ok {
		e := Err("ERR need numeric radius")
		return &e
	}
	if r < 0 {
		e := Err("ERR radius cannot be negative")
		return &e
	}
	q.shape.Radius = r
	if q.shape.Conversion, ok = geoUnit(args[1]); !ok {
		return &replyGeoUnit
	}
	return nil
}

// geoBox parses a width, a height and their unit as Redis's
// extractBoxOrReply.
func (q *geoSearch) geoBox(args [][]byte) *Reply {
	w, ok := zscoreArg(args[0])
	if !ok {
		e := Err("ERR need numeric width")
		return &e
	}
	h, ok := zscoreArg(args[1])
	if !ok {
		e := Err("ERR need numeric height")
		return &e
	}
	if h < 0 || w < 0 {
		e := Err("ERR height or width cannot be negative")
		return &e
	}
	q.shape.Width, q.shape.Height = w, h
	if q.shape.Conversion, ok = geoUnit(args[2]); !ok {
		return &replyGeoUnit
	}
	return nil
}

// GEORADIUS key longitude latitude radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH]
// [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
// GEORADIUSBYMEMBER key member radius M | KM | FT | MI [options as GEORADIUS]
// GEORADIUS_RO and GEORADIUSBYMEMBER_RO: the same without STORE and STOREDIST
// GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude
// BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI
// [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
// GEOSEARCHSTORE destination source [the same as GEOSEARCH but WITH*] [STOREDIST]
func geoSearchCommand(c *Ctx) Reply {
	name := c.Cmd.Name
	byPos := name == "georadius" || name == "georadius_ro"
	byMember := name == "georadiusbymember" || name == "georadiusbymember_ro"
	canStore := name == "georadius" || name == "georadiusbymember"
	search, searchStore := name == "geosearch" || name == "geosearchstore", name == "geosearchstore"
	src := 1
	if searchStore {
		src = 2
	}
	zs, e := c.zsetAt(src)
	if e != nil {
		return *e
	}
	q := &geoSearch{}
	base := 2
	switch {
	case byPos:
		base = 6
		lon, lat, e := geoPosition(c.Args[2], c.Args[3])
		if e != nil {
			return *e
		}
		q.shape.Lon, q.shape.Lat = lon, lat
		if e := q.geoRadius(c.Args[4:6]); e != nil {
			return *e
		}
	case byMember && zs == nil:
		// Nothing to search; the options still decide the reply.
		base = 5
	case byMember:
		base = 5
		score, ok := zs.Score(c.key(2))
		if !ok {
			return Err("ERR could not decode requested zset member")
		}
		q.shape.Lon, q.shape.Lat = store.GeoDecode(score)
		if e := q.geoRadius(c.Args[3:5]); e != nil {
			return *e
		}
	case searchStore:
		base, q.storeAt = 3, 1
	}
	for i := base; i < len(c.Args); i++ {
		left := len(c.Args) - 1 - i // arguments after this one
		switch a := strings.ToLower(bytesView(c.Args[i])); {
		case a == "withdist":
			q.withDist = true
		case a == "withhash":
			q.withHash = true
		case a == "withcoord":
			q.withPos = true
		case a == "any":
			q.any = true
		case a == "asc":
			q.sort = 1
		case a == "desc":
			q.sort = -1
		case a == "count" && left >= 1:
			n, ok := parseInt(c.Args[i+1])
			if !ok {
				return replyNotInt
			}
			if n <= 0 {
				return Err("ERR COUNT must be > 0")
			}
			q.count = n
			i++
		case (a == "store" || a == "storedist") && left >= 1 && canStore:
			q.storeAt, q.storeDist = i+1, a == "storedist"
			i++
		case a == "storedist" && searchStore:
			q.storeDist = true
		case a == "frommember" && left >= 1 && search && !q.fromPos:
			q.fromMember = true
			i++
			if zs == nil {
				continue
			}
			score, ok := zs.Score(c.key(i))
			if !ok {
				return Err("ERR could not decode requested zset member")
			}
			q.shape.Lon, q.shape.Lat = store.GeoDecode(score)
		case a == "fromlonlat" && left >= 2 && search && !q.fromMember:
			lon, lat, e := geoPosition(c.Args[i+1], c.Args[i+2])
			if e != nil {
				return *e
			}
			q.shape.Lon, q.shape.Lat = lon, lat
			q.fromPos = true
			i += 2
		case a == "byradius" && left >= 2 && search && !q.byBox:
			if e := q.geoRadius(c.Args[i+1 : i+3]); e != nil {
				return *e
			}
			q.shape.Box, q.byRadius = false, true
			i += 2
		case a == "bybox" && left >= 3 && search && !q.byRadius:
			if e := q.geoBox(c.Args[i+1 : i+4]); e != nil {
				return *e
			}
			q.shape.Box, q.byBox = true, true
			i += 3
		default:
			return replySyntax
		}
	}
	switch {
	case q.storeAt != 0 && (q.withDist || q.withHash || q.withPos):
		what := "STORE option in GEORADIUS"
		if searchStore {
			what = "GEOSEARCHSTORE"
		}
		return Err("ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
	case search && !q.fromMember && !q.fromPos:
		return Err("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(c.Args[0]))
	case search && !q.byRadius && !q.byBox:
		return Err("ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(c.Args[0]))
	case q.any && q.count == 0:
		return Err("ERR the ANY argument requires COUNT argument")
	}
	if zs == nil {
		if q.storeAt == 0 {
			return Array()
		}
		if c.DB.Delete(c.key(q.storeAt)) {
			c.Modified(c.Args[q.storeAt])
			c.Notify(notifyGeneric, "del", c.Args[q.storeAt])
		}
		return replyZero
	}
	// COUNT needs an order to pick the nearest: ascending unless told.
	if q.count != 0 && q.sort == 0 && !q.any {
		q.sort = 1
	}
	limit := 0
	if q.any {
		limit = int(q.count)
	}
	points := store.GeoSearch(zs, &q.shape, limit)
	if len(points) == 0 && q.storeAt == 0 {
		return Array()
	}
	n := len(points)
	if q.count != 0 && int64(n) > q.count {
		n = int(q.count)
	}
	if q.sort != 0 {
		store.GeoSort(points, q.sort < 0, n)
	}
	points = points[:n]
	if q.storeAt != 0 {
		return geoStore(c, q, points)
	}
	out := make([]Reply, n)
	for i, p := range points {
		if !q.withDist && !q.withHash && !q.withPos {
			out[i] = BulkString(p.Member)
			continue
		}
		item := []Reply{BulkString(p.Member)}
		if q.withDist {
			item = append(item, BulkString(store.GeoDistanceText(p.Dist/q.shape.Conversion)))
		}
		if q.withHash {
			item = append(item, Int(store.GeoTrunc(p.Score)))
		}
		if q.withPos {
			item = append(item, Array(geoCoord(c, p.Lon), geoCoord(c, p.Lat)))
		}
		out[i] = Array(item...)
	}
	return Array(out...)
}

// geoStore makes the points a sorted set at the store key, scored by
// geohash or with STOREDIST by distance, replacing what was there; no
// points delete the key.
func geoStore(c *Ctx, q *geoSearch, points []store.GeoPoint) Reply {
	if len(points) == 0 {
		if c.DB.Delete(c.key(q.storeAt)) {
			c.Modified(c.Args[q.storeAt])
			c.Notify(notifyGeneric, "del", c.Args[q.storeAt])
		}
		return replyZero
	}
	lim := c.zsetLimits()
	zs := store.NewBigZSet()
	for _, p := range points {
		score := p.Score
		if q.storeDist {
			score = p.Dist / q.shape.Conversion
		}
		zs.Add(p.Member, score, lim)
	}
	zs.Compact(lim)
	c.storeZSet(q.storeAt, zs)
	c.Modified(c.Args[q.storeAt])
	c.Changed(len(points) - 1)
	event := "georadiusstore"
	if c.Cmd.Name == "geosearchstore" {
		event = "geosearchstore"
	}
	c.Notify(notifyZset, event, c.Args[q.storeAt])
	return Int(int64(len(points)))
}
