package database

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/lib/geohash"
	"goredis/resp/reply"
)

func TestGeoRadiusKeys(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string
	}{
		// The first five as COMMAND GETKEYS answers in redis-server 7.0.
		{"georadius k 1 2 3 km", "k"},
		{"georadius k 1 2 3 km store d", "k d"},
		{"georadius k 1 2 3 km storedist e store d", "k d e"},
		{"georadius k 1 2 store store d", "k"},
		{"georadiusbymember k m 3 km x store d", "k d"},
		{"georadiusbymember k m 3 store d", "k"},
		{"georadius k 1 2 3 km withdist store", "k"},
		{"georadius k", "k"},
		// The last STORE wins in the command: it is locked too.
		{"georadius k 1 2 3 km store a store b", "k a b"},
		{"georadiusbymember k m 3 km storedist a store b storedist c", "k b a c"},
	} {
		f := geoRadiusKeys(6)
		if strings.HasPrefix(tc.args, "georadiusbymember") {
			f = geoRadiusKeys(5)
		}
		var got []string
		for _, k := range f(strArgs(strings.Fields(tc.args)...)) {
			got = append(got, string(k))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: keys %q, want %s", tc.args, got, tc.want)
		}
	}
}

// TestGeoDirty checks which commands count as writes, as in Redis: GEOADD
// only when ZADD changes something, the STORE forms when they store or
// delete the destination.
func TestGeoDirty(t *testing.T) {
	srv, c := strServer(t)
	for _, tc := range []struct {
		args  string
		dirty int64
	}{
		{"GEOADD k 13.361389 38.115556 Palermo", 1},
		{"GEOADD k 13.361389 38.115556 Palermo", 0},
		{"GEOADD k CH 13.361389 38.115556 Palermo", 0},
		{"GEOADD k XX 1 1 nosuch", 0},
		{"GEOADD k 15.087269 37.502669 Catania", 1},
		{"GEOADD k 200 1 bad", 0},
		{"GEOSEARCH k FROMLONLAT 15 37 BYRADIUS 200 km", 0},
		{"GEORADIUSBYMEMBER k Palermo 200 km", 0},
		{"GEOSEARCHSTORE d k FROMLONLAT 15 37 BYRADIUS 200 km", 1},
		{"GEOSEARCHSTORE d k FROMLONLAT 15 37 BYRADIUS 1 m", 1},
		{"GEOSEARCHSTORE d k FROMLONLAT 15 37 BYRADIUS 1 m", 0},
		{"GEORADIUS k 15 37 200 km STORE d", 1},
		{"GEORADIUS nokey 15 37 200 km STORE d", 1},
		{"GEORADIUS nokey 15 37 200 km STORE d", 0},
	} {
		before := srv.stats.dirty.Load()
		strDo(srv, c, strings.Fields(tc.args)...)
		if d := srv.stats.dirty.Load() - before; d != tc.dirty {
			t.Errorf("%s: dirty +%d, want +%d", tc.args, d, tc.dirty)
		}
	}
}

// geoMember is one row of a WITHDIST reply.
type geoMember struct {
	name string
	dist float64
}

func geoParseWithDist(t *testing.T, r any) []geoMember {
	t.Helper()
	arr, ok := r.(reply.Array)
	if !ok {
		t.Fatalf("reply %T", r)
	}
	var out []geoMember
	for _, item := range arr {
		pair := item.(reply.Array)
		d, _ := strconv.ParseFloat(string(pair[1].(reply.BulkStr)), 64)
		out = append(out, geoMember{string(pair[0].(reply.BulkStr)), d})
	}
	return out
}

// TestGeoSearchModel compares searches over random points with a brute
// force scan of the decoded positions: every point clearly inside the
// shape is found, none clearly outside, ASC order holds, COUNT keeps the
// nearest and COUNT ANY returns points from inside.
func TestGeoSearchModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	srv, c := strServer(t)
	type pt struct{ lon, lat float64 }
	pts := map[string]pt{}
	for i := 0; i < 600; i++ {
		lon := 10 + rng.Float64()*20
		lat := 35 + rng.Float64()*20
		name := "p" + strconv.Itoa(i)
		if got := strDo(srv, c, "GEOADD", "g", fmt.Sprint(lon), fmt.Sprint(lat), name); got != ":1\r\n" {
			t.Fatalf("GEOADD: %q", got)
		}
		score := float64(geohash.Score(lon, lat))
		plon, plat := geohash.DecodeScore(score)
		pts[name] = pt{plon, plat}
	}
	for round := 0; round < 200; round++ {
		clon := 8 + rng.Float64()*24
		clat := 33 + rng.Float64()*24
		box := rng.IntN(2) == 0
		r := 1 + rng.Float64()*600
		w, h := 1+rng.Float64()*1000, 1+rng.Float64()*1000
		shape := geohash.Shape{Lon: clon, Lat: clat, Box: box, Radius: r, Width: w, Height: h, Conversion: 1000}
		args := []string{"GEOSEARCH", "g", "FROMLONLAT", fmt.Sprint(clon), fmt.Sprint(clat)}
		if box {
			args = append(args, "BYBOX", fmt.Sprint(w), fmt.Sprint(h), "km")
		} else {
			args = append(args, "BYRADIUS", fmt.Sprint(r), "km")
		}
		// The parsed arguments are what the server used.
		shape.Lon, _ = strconv.ParseFloat(args[3], 64)
		shape.Lat, _ = strconv.ParseFloat(args[4], 64)
		got := geoParseWithDist(t, srv.Exec(c, strArgs(append(args, "ASC", "WITHDIST")...)))
		found := map[string]bool{}
		for i, m := range got {
			found[m.name] = true
			if i > 0 && got[i-1].dist > m.dist {
				t.Fatalf("%q: not ascending at %d", args, i)
			}
		}
		var inside []geoMember
		for name, p := range pts {
			d, ok := shape.InShape(p.lon, p.lat)
			// Points within a meter of the edge may go either way.
			margin := geohash.Shape{Lon: shape.Lon, Lat: shape.Lat, Box: box, Radius: r + 0.001, Width: w + 0.002, Height: h + 0.002, Conversion: 1000}
			inner := geohash.Shape{Lon: shape.Lon, Lat: shape.Lat, Box: box, Radius: r - 0.001, Width: w - 0.002, Height: h - 0.002, Conversion: 1000}
			_, inMargin := margin.InShape(p.lon, p.lat)
			_, inInner := inner.InShape(p.lon, p.lat)
			if ok {
				inside = append(inside, geoMember{name, d})
			}
			if inInner && !found[name] {
				t.Fatalf("%q: %s (%v,%v) missing", args, name, p.lon, p.lat)
			}
			if !inMargin && found[name] {
				t.Fatalf("%q: %s (%v,%v) found outside", args, name, p.lon, p.lat)
			}
		}
		if len(inside) == 0 {
			continue
		}
		sort.Slice(inside, func(i, j int) bool { return inside[i].dist < inside[j].dist })
		n := 1 + rng.IntN(len(inside))
		top := geoParseWithDist(t, srv.Exec(c, strArgs(append(args, "COUNT", strconv.Itoa(n), "WITHDIST")...)))
		if len(top) != n && len(top) != len(got) {
			t.Fatalf("%q COUNT %d: %d results", args, n, len(top))
		}
		for i := range top {
			if i < len(got) && math.Abs(top[i].dist-got[i].dist) > 0 {
				t.Fatalf("%q COUNT %d: result %d at %v, want %v", args, n, i, top[i].dist, got[i].dist)
			}
		}
		anyRes := geoParseWithDist(t, srv.Exec(c, strArgs(append(args, "COUNT", strconv.Itoa(n), "ANY", "WITHDIST")...)))
		if len(anyRes) > n || (len(got) >= n && len(anyRes) != n) {
			t.Fatalf("%q COUNT %d ANY: %d results", args, n, len(anyRes))
		}
		for _, m := range anyRes {
			if !found[m.name] {
				t.Fatalf("%q COUNT %d ANY: %s not in the full result", args, n, m.name)
			}
		}
	}
}

// TestGeoPartialSort checks that the partial quicksort puts the first k
// elements in order and in their final places, for random arrays with
// many equal distances.
func TestGeoPartialSort(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 5))
	for round := 0; round < 500; round++ {
		n := 1 + rng.IntN(120)
		pts := make([]geoPoint, n)
		for i := range pts {
			pts[i] = geoPoint{member: strconv.Itoa(i), dist: float64(rng.IntN(1 + rng.IntN(50)))}
		}
		desc := rng.IntN(2) == 0
		want := append([]geoPoint(nil), pts...)
		sort.SliceStable(want, func(i, j int) bool { return geoCmpDist(&want[i], &want[j], desc) < 0 })
		k := 1 + rng.IntN(n)
		geoPartialSort(pts, desc, 0, k-1)
		for i := 0; i < k; i++ {
			if pts[i].dist != want[i].dist {
				t.Fatalf("n=%d k=%d desc=%v: rank %d has %v, want %v", n, k, desc, i, pts[i].dist, want[i].dist)
			}
		}
		seen := map[string]bool{}
		for _, p := range pts {
			seen[p.member] = true
		}
		if len(seen) != n {
			t.Fatalf("n=%d: elements lost", n)
		}
	}
}
