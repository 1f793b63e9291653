package database

import (
	"math"
	"sort"
	"strconv"

	"goredis/config"
	"goredis/datastruct/sortedset"
	"goredis/interface/resp"
	"goredis/lib/geohash"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// The GEO family (Redis's geo.c). A geo key is a sorted set whose scores
// are 52-bit interleaved geohashes of the members' positions.

func init() {
	register("geoadd", execGeoAdd, -5, "write denyoom", 1, 1, 1)
	register("geopos", execGeoPos, -2, "readonly", 1, 1, 1)
	register("geodist", execGeoDist, -4, "readonly", 1, 1, 1)
	register("geohash", execGeoHash, -2, "readonly", 1, 1, 1)
	register("geosearch", execGeoSearch, -7, "readonly", 1, 1, 1)
	register("geosearchstore", execGeoSearchStore, -8, "write denyoom", 1, 2, 1)
	register("georadius", execGeoRadius, -6, "write denyoom movablekeys", 1, 1, 1).withKeys(geoRadiusKeys(6))
	register("georadiusbymember", execGeoRadiusByMember, -5, "write denyoom movablekeys", 1, 1, 1).withKeys(geoRadiusKeys(5))
	register("georadius_ro", execGeoRadiusRO, -6, "readonly", 1, 1, 1)
	register("georadiusbymember_ro", execGeoRadiusByMemberRO, -5, "readonly", 1, 1, 1)
}

// geoRadiusKeys returns the key extractor of GEORADIUS (options from
// index 6) or GEORADIUSBYMEMBER (from 5): the source key, then what
// COMMAND INFO's key specs find (the argument after the first STORE, then
// after the first STOREDIST), then, so that every key the command may
// write is locked, the argument after any further STORE or STOREDIST.
func geoRadiusKeys(start int) KeysFunc {
	return func(args [][]byte) [][]byte {
		if len(args) < 2 {
			return nil
		}
		keys := [][]byte{args[1]}
		firstStore, firstDist := -1, -1
		for i := start; i < len(args)-1; i++ {
			if firstStore < 0 && isOpt(args[i], "STORE") {
				firstStore = i + 1
			}
			if firstDist < 0 && isOpt(args[i], "STOREDIST") {
				firstDist = i + 1
			}
		}
		if firstStore >= 0 {
			keys = append(keys, args[firstStore])
		}
		if firstDist >= 0 {
			keys = append(keys, args[firstDist])
		}
		for i := start; i < len(args)-1; i++ {
			if (isOpt(args[i], "STORE") || isOpt(args[i], "STOREDIST")) && i+1 != firstStore && i+1 != firstDist {
				keys = append(keys, args[i+1])
			}
		}
		return keys
	}
}

// geoHuman is a coordinate as addReplyHumanLongDouble sends it: "%.17Lf"
// with trailing zeros cut, a bulk string in RESP2 and a double in RESP3.
type geoHuman float64

// AppendTo implements resp.Reply.
func (g geoHuman) AppendTo(b []byte, resp3 bool) []byte {
	txt := utils.AppendLongDouble(nil, float64(g))
	if resp3 {
		b = append(b, ',')
		b = append(b, txt...)
		return append(b, '\r', '\n')
	}
	return reply.AppendBulk(b, txt)
}

// geoCFloat formats f as C's "%.<prec>f" (inf and nan spelt as glibc does).
func geoCFloat(f float64, prec int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'f', prec, 64)
}

// geoParseLonLat reads a longitude,latitude pair (extractLongLatOrReply).
func geoParseLonLat(lonArg, latArg []byte) (float64, float64, resp.Reply) {
	lon, ok := utils.ParseFloat(lonArg)
	if !ok {
		return 0, 0, reply.NotFloat
	}
	lat, ok := utils.ParseFloat(latArg)
	if !ok {
		return 0, 0, reply.NotFloat
	}
	if lon < geohash.LonMin || lon > geohash.LonMax || lat < geohash.LatMin || lat > geohash.LatMax {
		return 0, 0, reply.Error("ERR invalid longitude,latitude pair " + geoCFloat(lon, 6) + "," + geoCFloat(lat, 6))
	}
	return lon, lat, nil
}

// geoParseUnit returns the meters in one unit, or an error reply.
func geoParseUnit(u []byte) (float64, resp.Reply) {
	switch {
	case isOpt(u, "M"):
		return 1, nil
	case isOpt(u, "KM"):
		return 1000, nil
	case isOpt(u, "FT"):
		return 0.3048, nil
	case isOpt(u, "MI"):
		return 1609.34, nil
	}
	return 0, reply.Err("unsupported unit provided. please use M, KM, FT, MI")
}

// geoParseRadius reads "<radius> <unit>" (extractDistanceOrReply).
func geoParseRadius(args [][]byte) (radius, conv float64, errR resp.Reply) {
	r, ok := utils.ParseFloat(args[0])
	if !ok {
		return 0, 0, reply.Err("need numeric radius")
	}
	if r < 0 {
		return 0, 0, reply.Err("radius cannot be negative")
	}
	conv, errR = geoParseUnit(args[1])
	return r, conv, errR
}

// geoParseBox reads "<width> <height> <unit>" (extractBoxOrReply).
func geoParseBox(args [][]byte) (w, h, conv float64, errR resp.Reply) {
	w, ok := utils.ParseFloat(args[0])
	if !ok {
		return 0, 0, 0, reply.Err("need numeric width")
	}
	h, ok = utils.ParseFloat(args[1])
	if !ok {
		return 0, 0, 0, reply.Err("need numeric height")
	}
	if h < 0 || w < 0 {
		return 0, 0, 0, reply.Err("height or width cannot be negative")
	}
	conv, errR = geoParseUnit(args[2])
	return w, h, conv, errR
}

// geoMemberPos returns a member's position.
func geoMemberPos(z *sortedset.SortedSet, member []byte) (float64, float64, bool) {
	score, ok := z.Score(string(member))
	if !ok {
		return 0, 0, false
	}
	lon, lat := geohash.DecodeScore(score)
	return lon, lat, true
}

// ---- GEOADD ----

// execGeoAdd validates the coordinates and runs the ZADD they stand for
// (which is also the form propagated, as in Redis).
func execGeoAdd(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	longIdx := 2
	nx, xx := false, false
	for ; longIdx < len(args); longIdx++ {
		switch {
		case isOpt(args[longIdx], "NX"):
			nx = true
		case isOpt(args[longIdx], "XX"):
			xx = true
		case isOpt(args[longIdx], "CH"):
		default:
			goto done
		}
	}
done:
	if (len(args)-longIdx)%3 != 0 || (xx && nx) {
		return reply.SyntaxErr
	}
	elems := (len(args) - longIdx) / 3
	zargs := make([][]byte, 0, longIdx+elems*2)
	zargs = append(zargs, []byte("zadd"))
	for _, a := range args[1:longIdx] {
		zargs = append(zargs, append([]byte(nil), a...))
	}
	for i := 0; i < elems; i++ {
		base := longIdx + i*3
		lon, lat, errR := geoParseLonLat(args[base], args[base+1])
		if errR != nil {
			return errR
		}
		zargs = append(zargs, strconv.AppendUint(nil, geohash.Score(lon, lat), 10), append([]byte(nil), args[base+2]...))
	}
	return zaddGeneric(db, zargs, 0)
}

// ---- GEOPOS GEODIST GEOHASH ----

func execGeoPos(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	out := make(reply.Array, len(args)-2)
	for i, m := range args[2:] {
		if z == nil {
			out[i] = reply.NullArray
			continue
		}
		lon, lat, ok := geoMemberPos(z, m)
		if !ok {
			out[i] = reply.NullArray
			continue
		}
		out[i] = reply.Array{geoHuman(lon), geoHuman(lat)}
	}
	return out
}

func execGeoDist(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	toMeter := 1.0
	if len(args) == 5 {
		u, errR := geoParseUnit(args[4])
		if errR != nil {
			return errR
		}
		toMeter = u
	} else if len(args) > 5 {
		return reply.SyntaxErr
	}
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	if z == nil {
		return reply.Null
	}
	lon1, lat1, ok1 := geoMemberPos(z, args[2])
	lon2, lat2, ok2 := geoMemberPos(z, args[3])
	if !ok1 || !ok2 {
		return reply.Null
	}
	return reply.BulkStr(geoCFloat(geohash.Distance(lon1, lat1, lon2, lat2)/toMeter, 4))
}

func execGeoHash(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	out := make(reply.Bulks, len(args)-2)
	if z == nil {
		return out
	}
	for i, m := range args[2:] {
		if score, ok := z.Score(string(m)); ok {
			out[i] = []byte(geohash.String(score))
		}
	}
	return out
}

// ---- GEOSEARCH GEOSEARCHSTORE GEORADIUS* ----

const (
	geoFromCoords = 1 << iota
	geoFromMember
	geoNoStore
	geoSearchCmd
	geoSearchStoreCmd
)

const (
	geoSortNone = iota
	geoSortAsc
	geoSortDesc
)

func execGeoRadius(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return geoSearchGeneric(db, args, 1, geoFromCoords)
}

func execGeoRadiusByMember(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return geoSearchGeneric(db, args, 1, geoFromMember)
}

func execGeoRadiusRO(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return geoSearchGeneric(db, args, 1, geoFromCoords|geoNoStore)
}

func execGeoRadiusByMemberRO(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return geoSearchGeneric(db, args, 1, geoFromMember|geoNoStore)
}

func execGeoSearch(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return geoSearchGeneric(db, args, 1, geoSearchCmd)
}

func execGeoSearchStore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return geoSearchGeneric(db, args, 2, geoSearchCmd|geoSearchStoreCmd)
}

// geoPoint is a search hit.
type geoPoint struct {
	member   string
	lon, lat float64
	dist     float64
	score    float64
}

// geoCollect gathers the members of z inside the shape, scanning the
// nine cells in Redis's order and each cell by score; with limit > 0 it
// stops once limit members were found (COUNT ... ANY).
func geoCollect(z *sortedset.SortedSet, shape *geohash.Shape, limit int) []geoPoint {
	area := geohash.AreasForShape(shape)
	cells := area.Cells()
	var pts []geoPoint
	last := 0
	for i, h := range cells {
		if h.IsZero() {
			continue
		}
		if last != 0 && h == cells[last] {
			continue
		}
		if len(pts) > 0 && limit > 0 && len(pts) >= limit {
			break
		}
		lo, hi := geohash.ScoreRange(h)
		first, lastRank := z.ScoreRanks(sortedset.ScoreRange{Min: float64(lo), Max: float64(hi), MaxEx: true})
		if first <= lastRank {
			z.Walk(first, false, func(e sortedset.Element) bool {
				lon, lat := geohash.DecodeScore(e.Score)
				if d, ok := shape.InShape(lon, lat); ok {
					pts = append(pts, geoPoint{member: e.Member, lon: lon, lat: lat, dist: d, score: e.Score})
				}
				if len(pts) > 0 && limit > 0 && len(pts) >= limit {
					return false
				}
				first++
				return first <= lastRank
			})
		}
		last = i
	}
	return pts
}

// geoSearchGeneric is Redis's georadiusGeneric: srcIdx is the source
// key's index, flags the variant.
func geoSearchGeneric(db *DB, args [][]byte, srcIdx int, flags int) resp.Reply {
	var storeKey []byte
	storeDist := false
	z, errR := db.zsetRead(args[srcIdx])
	if errR != nil {
		return errR
	}
	var shape geohash.Shape
	var base int
	switch {
	case flags&geoFromCoords != 0:
		base = 6
		lon, lat, errR := geoParseLonLat(args[2], args[3])
		if errR != nil {
			return errR
		}
		shape.Lon, shape.Lat = lon, lat
		r, conv, errR := geoParseRadius(args[4:6])
		if errR != nil {
			return errR
		}
		shape.Radius, shape.Conversion = r, conv
	case flags&geoFromMember != 0 && z == nil:
		base = 5
	case flags&geoFromMember != 0:
		base = 5
		lon, lat, ok := geoMemberPos(z, args[2])
		if !ok {
			return reply.Err("could not decode requested zset member")
		}
		shape.Lon, shape.Lat = lon, lat
		r, conv, errR := geoParseRadius(args[3:5])
		if errR != nil {
			return errR
		}
		shape.Radius, shape.Conversion = r, conv
	default:
		base = 2
		if flags&geoSearchStoreCmd != 0 {
			base = 3
			storeKey = args[1]
		}
	}

	withDist, withHash, withCoord := false, false, false
	fromMember, fromLoc, byRadius, byBox := false, false, false, false
	sortDir := geoSortNone
	any := false
	var count int64
	search := flags&geoSearchCmd != 0
	canStore := flags&geoNoStore == 0 && !search
	rest := args[base:]
	n := len(rest)
	for i := 0; i < n; i++ {
		a := rest[i]
		switch {
		case isOpt(a, "WITHDIST"):
			withDist = true
		case isOpt(a, "WITHHASH"):
			withHash = true
		case isOpt(a, "WITHCOORD"):
			withCoord = true
		case isOpt(a, "ANY"):
			any = true
		case isOpt(a, "ASC"):
			sortDir = geoSortAsc
		case isOpt(a, "DESC"):
			sortDir = geoSortDesc
		case isOpt(a, "COUNT") && i+1 < n:
			v, ok := utils.ParseInt(rest[i+1])
			if !ok {
				return reply.NotInteger
			}
			if v <= 0 {
				return reply.Err("COUNT must be > 0")
			}
			count = v
			i++
		case isOpt(a, "STORE") && i+1 < n && canStore:
			storeKey = rest[i+1]
			storeDist = false
			i++
		case isOpt(a, "STOREDIST") && i+1 < n && canStore:
			storeKey = rest[i+1]
			storeDist = true
			i++
		case isOpt(a, "STOREDIST") && search && flags&geoSearchStoreCmd != 0:
			storeDist = true
		case isOpt(a, "FROMMEMBER") && i+1 < n && search && !fromLoc:
			if z == nil {
				fromMember = true
				i++
				continue
			}
			lon, lat, ok := geoMemberPos(z, rest[i+1])
			if !ok {
				return reply.Err("could not decode requested zset member")
			}
			shape.Lon, shape.Lat = lon, lat
			fromMember = true
			i++
		case isOpt(a, "FROMLONLAT") && i+2 < n && search && !fromMember:
			lon, lat, errR := geoParseLonLat(rest[i+1], rest[i+2])
			if errR != nil {
				return errR
			}
			shape.Lon, shape.Lat = lon, lat
			fromLoc = true
			i += 2
		case isOpt(a, "BYRADIUS") && i+2 < n && search && !byBox:
			r, conv, errR := geoParseRadius(rest[i+1 : i+3])
			if errR != nil {
				return errR
			}
			shape.Box = false
			shape.Radius, shape.Conversion = r, conv
			byRadius = true
			i += 2
		case isOpt(a, "BYBOX") && i+3 < n && search && !byRadius:
			w, h, conv, errR := geoParseBox(rest[i+1 : i+4])
			if errR != nil {
				return errR
			}
			shape.Box = true
			shape.Width, shape.Height, shape.Conversion = w, h, conv
			byBox = true
			i += 3
		default:
			return reply.SyntaxErr
		}
	}

	if storeKey != nil && (withDist || withHash || withCoord) {
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStoreCmd != 0 {
			what = "GEOSEARCHSTORE"
		}
		return reply.Err(what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
	}
	if search && !(fromMember || fromLoc) {
		return reply.Err("exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(optName(args[0])))
	}
	if search && !(byRadius || byBox) {
		return reply.Err("exactly one of BYRADIUS and BYBOX can be specified for " + string(optName(args[0])))
	}
	if any && count == 0 {
		return reply.Err("the ANY argument requires COUNT argument")
	}

	if z == nil {
		if storeKey != nil {
			if db.del(storeKey) {
				db.signalModified(storeKey)
				db.propagate(args)
			}
			return reply.Int(0)
		}
		return reply.EmptyArray
	}

	if count != 0 && sortDir == geoSortNone && !any {
		sortDir = geoSortAsc
	}
	limit := 0
	if any {
		limit = int(min(count, math.MaxInt32))
	}
	pts := geoCollect(z, &shape, limit)
	if len(pts) == 0 && storeKey == nil {
		return reply.EmptyArray
	}
	returned := len(pts)
	if count != 0 && int64(returned) > count {
		returned = int(count)
	}
	if sortDir != geoSortNone {
		desc := sortDir == geoSortDesc
		if returned == len(pts) {
			// glibc's qsort is a merge sort here: stable.
			sort.SliceStable(pts, func(i, j int) bool { return geoCmpDist(&pts[i], &pts[j], desc) < 0 })
		} else {
			geoPartialSort(pts, desc, 0, returned-1)
		}
	}
	pts = pts[:returned]

	if storeKey == nil {
		out := make(reply.Array, len(pts))
		plain := !withDist && !withHash && !withCoord
		for i, p := range pts {
			if plain {
				out[i] = reply.BulkStr(p.member)
				continue
			}
			item := reply.Array{reply.BulkStr(p.member)}
			if withDist {
				item = append(item, reply.BulkStr(geoCFloat(p.dist/shape.Conversion, 4)))
			}
			if withHash {
				item = append(item, reply.Int(int64(p.score)))
			}
			if withCoord {
				item = append(item, reply.Array{geoHuman(p.lon), geoHuman(p.lat)})
			}
			out[i] = item
		}
		return out
	}

	if returned == 0 {
		if db.del(storeKey) {
			db.signalModified(storeKey)
			db.propagate(args)
		}
		return reply.Int(0)
	}
	dst := sortedset.NewSkiplist()
	maxLen := 0
	for _, p := range pts {
		score := p.score
		if storeDist {
			score = p.dist / shape.Conversion
		}
		dst.Set(p.member, score)
		maxLen = max(maxLen, len(p.member))
	}
	zsetShrink(dst, maxLen)
	db.put(storeKey, newObj(KindZSet, dst), false)
	db.signalModified(storeKey)
	if search {
		db.notify(config.NotifyZset, "geosearchstore", storeKey)
	} else {
		db.notify(config.NotifyZset, "georadiusstore", storeKey)
	}
	db.propagate(args)
	return reply.Int(returned)
}

// geoCmpDist orders points by distance (Redis's sort_gp_asc), negated
// for DESC.
func geoCmpDist(x, y *geoPoint, desc bool) int {
	r := 0
	if x.dist > y.dist {
		r = 1
	} else if x.dist < y.dist {
		r = -1
	}
	if desc {
		return -r
	}
	return r
}

// geoPartialSort puts the elements of ranks lo..hi of a in their sorted
// places the way Redis's pqsort (a Bentley-McIlroy quicksort that skips
// partitions outside the range) does, so that points at equal distances
// come out in the same order as Redis's COUNT replies.
func geoPartialSort(a []geoPoint, desc bool, lo, hi int) {
	cmp := func(i, j int) int { return geoCmpDist(&a[i], &a[j], desc) }
	swap := func(i, j int) { a[i], a[j] = a[j], a[i] }
	vecswap := func(i, j, n int) {
		for k := 0; k < n; k++ {
			swap(i+k, j+k)
		}
	}
	med3 := func(x, y, z int) int {
		if cmp(x, y) < 0 {
			if cmp(y, z) < 0 {
				return y
			}
			if cmp(x, z) < 0 {
				return z
			}
			return x
		}
		if cmp(y, z) > 0 {
			return y
		}
		if cmp(x, z) < 0 {
			return x
		}
		return z
	}
	insertion := func(base, n int) {
		for pm := base + 1; pm < base+n; pm++ {
			for pl := pm; pl > base && cmp(pl-1, pl) > 0; pl-- {
				swap(pl, pl-1)
			}
		}
	}
	// outside reports whether the partition [s, s+m) holds neither end of
	// the wanted range.
	outside := func(s, m int) bool {
		return (lo < s && hi < s) || (lo >= s+m && hi >= s+m)
	}
	var sortRange func(base, n int)
	sortRange = func(base, n int) {
		for {
			if n < 7 {
				insertion(base, n)
				return
			}
			pm := base + n/2
			if n > 7 {
				pl, pn := base, base+n-1
				if n > 40 {
					d := n / 8
					pl = med3(pl, pl+d, pl+2*d)
					pm = med3(pm-d, pm, pm+d)
					pn = med3(pn-2*d, pn-d, pn)
				}
				pm = med3(pl, pm, pn)
			}
			swap(base, pm)
			swapped := false
			pa, pb := base+1, base+1
			pc, pd := base+n-1, base+n-1
			for {
				for pb <= pc {
					r := cmp(pb, base)
					if r > 0 {
						break
					}
					if r == 0 {
						swapped = true
						swap(pa, pb)
						pa++
					}
					pb++
				}
				for pb <= pc {
					r := cmp(pc, base)
					if r < 0 {
						break
					}
					if r == 0 {
						swapped = true
						swap(pc, pd)
						pd--
					}
					pc--
				}
				if pb > pc {
					break
				}
				swap(pb, pc)
				swapped = true
				pb++
				pc--
			}
			if !swapped {
				insertion(base, n)
				return
			}
			pn := base + n
			r := min(pa-base, pb-pa)
			vecswap(base, pb-r, r)
			r = min(pd-pc, pn-pd-1)
			vecswap(pb, pn-r, r)
			if r = pb - pa; r > 1 && !outside(base, r) {
				sortRange(base, r)
			}
			if r = pd - pc; r > 1 {
				base, n = pn-r, r
				if !outside(base, n) {
					continue
				}
			}
			return
		}
	}
	sortRange(0, len(a))
}
