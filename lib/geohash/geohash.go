// Package geohash implements the geohash arithmetic behind Redis's GEO
// commands: the interleaved 52-bit cell code a sorted-set score holds, the
// cell of a point and the point of a cell, neighbouring cells, the cells a
// radius or box search must scan, and the haversine distance on Redis's
// earth radius. Every step follows the order of Redis's floating point
// operations so results print the same digits.
package geohash

import "math"

// Coordinate limits of the projection Redis uses (EPSG:900913 latitudes).
const (
	LonMin = -180.0
	LonMax = 180.0
	LatMin = -85.05112878
	LatMax = 85.05112878

	// StepMax is the precision of stored points: 26 bits per axis.
	StepMax = 26

	// EarthRadius is the earth's quadratic mean radius Redis uses, in meters.
	EarthRadius = 6372797.560856

	mercatorMax = 20037726.37
	degToRad    = math.Pi / 180.0
)

// Range is an interval of one coordinate.
type Range struct{ Min, Max float64 }

// Hash is a cell: Step bits per axis, longitude in the odd bits and
// latitude in the even bits of Bits.
type Hash struct {
	Bits uint64
	Step uint8
}

// IsZero reports whether h is the "no cell" value (Bits and Step zero).
func (h Hash) IsZero() bool { return h.Bits == 0 && h.Step == 0 }

// Area is a cell with its coordinate bounds.
type Area struct {
	Hash     Hash
	Lon, Lat Range
}

// WGS84 ranges: the ones stored points are encoded in.
var (
	LonRange = Range{LonMin, LonMax}
	LatRange = Range{LatMin, LatMax}
)

// spread moves the 32 bits of v to the even bit positions of a uint64.
func spread(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000FFFF0000FFFF
	x = (x | x<<8) & 0x00FF00FF00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F0F0F0F0F
	x = (x | x<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	return x
}

// squash is the inverse of spread: the even bits of x packed together.
func squash(x uint64) uint32 {
	x &= 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
	x = (x | x>>4) & 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	x = (x | x>>16) & 0x00000000FFFFFFFF
	return uint32(x)
}

// Interleave puts lat in the even bits and lon in the odd bits.
func Interleave(lat, lon uint32) uint64 { return spread(lat) | spread(lon)<<1 }

// Deinterleave splits bits into its even (lat) and odd (lon) halves.
func Deinterleave(bits uint64) (lat, lon uint32) { return squash(bits), squash(bits >> 1) }

// toUint32 converts a non-negative double to uint32 as C's implicit
// conversion does for in-range values (truncation).
func toUint32(f float64) uint32 {
	if f <= 0 || math.IsNaN(f) {
		return 0
	}
	if f >= 4294967296 {
		return uint32(uint64(f))
	}
	return uint32(f)
}

// Encode returns the cell of (lon, lat) at step inside the given ranges,
// or false when the point or the arguments are out of bounds.
func Encode(lonR, latR Range, lon, lat float64, step uint8) (Hash, bool) {
	if step > 32 || step == 0 || (latR.Min == 0 && latR.Max == 0) || (lonR.Min == 0 && lonR.Max == 0) {
		return Hash{}, false
	}
	if lon > LonMax || lon < LonMin || lat > LatMax || lat < LatMin {
		return Hash{}, false
	}
	if lat < latR.Min || lat > latR.Max || lon < lonR.Min || lon > lonR.Max {
		return Hash{Step: step}, false
	}
	latOff := (lat - latR.Min) / (latR.Max - latR.Min)
	lonOff := (lon - lonR.Min) / (lonR.Max - lonR.Min)
	scale := float64(uint64(1) << step)
	latOff *= scale
	lonOff *= scale
	return Hash{Bits: Interleave(toUint32(latOff), toUint32(lonOff)), Step: step}, true
}

// EncodeWGS84 is Encode in the ranges stored points use.
func EncodeWGS84(lon, lat float64, step uint8) (Hash, bool) {
	return Encode(LonRange, LatRange, lon, lat, step)
}

// Decode returns the bounds of cell h in the given ranges.
func Decode(lonR, latR Range, h Hash) (Area, bool) {
	if h.IsZero() || (latR.Min == 0 && latR.Max == 0) || (lonR.Min == 0 && lonR.Max == 0) {
		return Area{}, false
	}
	ilat, ilon := Deinterleave(h.Bits)
	latScale := latR.Max - latR.Min
	lonScale := lonR.Max - lonR.Min
	div := float64(uint64(1) << h.Step)
	var a Area
	a.Hash = h
	a.Lat.Min = latR.Min + (float64(ilat)*1.0/div)*latScale
	a.Lat.Max = latR.Min + ((float64(ilat)+1)*1.0/div)*latScale
	a.Lon.Min = lonR.Min + (float64(ilon)*1.0/div)*lonScale
	a.Lon.Max = lonR.Min + ((float64(ilon)+1)*1.0/div)*lonScale
	return a, true
}

// Center returns the middle of area, clamped to the WGS84 limits.
func (a Area) Center() (lon, lat float64) {
	lon = (a.Lon.Min + a.Lon.Max) / 2
	lon = math.Min(math.Max(lon, LonMin), LonMax)
	lat = (a.Lat.Min + a.Lat.Max) / 2
	lat = math.Min(math.Max(lat, LatMin), LatMax)
	return lon, lat
}

// ScoreToBits converts a sorted-set score to the cell bits as C's
// (uint64_t) cast does on x86-64: values below 2^63 through a signed
// conversion (negative ones wrap, -inf and NaN give 1<<63), larger ones
// offset by 2^63.
func ScoreToBits(score float64) uint64 {
	const two63 = 9223372036854775808.0
	if score < two63 {
		if math.IsNaN(score) || score < -two63 {
			return 1 << 63
		}
		return uint64(int64(score))
	}
	// cvttsd2si of an out-of-range value gives 1<<63, which the xor
	// clears: 2^64 and above (and +inf) decode as cell 0.
	if d := score - two63; d < two63 {
		return uint64(int64(d)) ^ (1 << 63)
	}
	return 0
}

// DecodeScore returns the point (cell centre) a stored score names.
func DecodeScore(score float64) (lon, lat float64) {
	a, _ := Decode(LonRange, LatRange, Hash{Bits: ScoreToBits(score), Step: StepMax})
	return a.Center()
}

// Score returns the sorted-set score of (lon, lat), which must be valid.
func Score(lon, lat float64) uint64 {
	h, _ := EncodeWGS84(lon, lat, StepMax)
	return Align52(h)
}

// Align52 shifts h's bits to the 52-bit scale of stored scores.
func Align52(h Hash) uint64 { return h.Bits << (52 - uint(h.Step)*2) }

const (
	evenMask = 0x5555555555555555
	oddMask  = 0xaaaaaaaaaaaaaaaa
)

// moveLon moves h one cell east (d > 0) or west (d < 0), wrapping.
func moveLon(h *Hash, d int) {
	if d == 0 {
		return
	}
	x := h.Bits & oddMask
	y := h.Bits & evenMask
	zz := uint64(evenMask) >> (64 - uint(h.Step)*2)
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= uint64(oddMask) >> (64 - uint(h.Step)*2)
	h.Bits = x | y
}

// moveLat moves h one cell north (d > 0) or south (d < 0), wrapping.
func moveLat(h *Hash, d int) {
	if d == 0 {
		return
	}
	x := h.Bits & oddMask
	y := h.Bits & evenMask
	zz := uint64(oddMask) >> (64 - uint(h.Step)*2)
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= uint64(evenMask) >> (64 - uint(h.Step)*2)
	h.Bits = x | y
}

// Neighbors are the eight cells around one.
type Neighbors struct {
	North, South, East, West                   Hash
	NorthEast, NorthWest, SouthEast, SouthWest Hash
}

// NeighborsOf returns the cells around h.
func NeighborsOf(h Hash) Neighbors {
	move := func(dlon, dlat int) Hash {
		n := h
		moveLon(&n, dlon)
		moveLat(&n, dlat)
		return n
	}
	return Neighbors{
		East: move(1, 0), West: move(-1, 0),
		South: move(0, -1), North: move(0, 1),
		NorthWest: move(-1, 1), SouthWest: move(-1, -1),
		NorthEast: move(1, 1), SouthEast: move(1, -1),
	}
}

// StepsForRadius estimates the cell precision for a search of
// rangeMeters around latitude lat.
func StepsForRadius(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	if step < 1 {
		step = 1
	}
	if step > 26 {
		step = 26
	}
	return uint8(step)
}

// Shape is a search area: a circle of Radius or a box of Width x Height
// (in units, times Conversion meters each) centred on (Lon, Lat).
type Shape struct {
	Lon, Lat      float64
	Box           bool
	Radius        float64
	Width, Height float64
	Conversion    float64
}

func rad(d float64) float64 { return d * degToRad }
func deg(r float64) float64 { return r / degToRad }

// BoundingBox returns the shape's extent: min lon, min lat, max lon, max lat.
func (s *Shape) BoundingBox() (minLon, minLat, maxLon, maxLat float64) {
	var height, width float64
	if s.Box {
		height = s.Conversion * (s.Height / 2)
		width = s.Conversion * (s.Width / 2)
	} else {
		height = s.Conversion * s.Radius
		width = s.Conversion * s.Radius
	}
	latDelta := deg(height / EarthRadius)
	lonDeltaTop := deg(width / EarthRadius / Cos(rad(s.Lat+latDelta)))
	lonDeltaBottom := deg(width / EarthRadius / Cos(rad(s.Lat-latDelta)))
	if s.Lat < 0 {
		minLon = s.Lon - lonDeltaBottom
		maxLon = s.Lon + lonDeltaBottom
	} else {
		minLon = s.Lon - lonDeltaTop
		maxLon = s.Lon + lonDeltaTop
	}
	return minLon, s.Lat - latDelta, maxLon, s.Lat + latDelta
}

// SearchArea is the centre cell and the neighbours a search scans; a
// neighbour that cannot hold a result is zero.
type SearchArea struct {
	Hash      Hash
	Area      Area
	Neighbors Neighbors
}

// Cells returns the nine cells in Redis's scan order: centre, N, S, E, W,
// NE, NW, SE, SW.
func (r *SearchArea) Cells() [9]Hash {
	n := &r.Neighbors
	return [9]Hash{r.Hash, n.North, n.South, n.East, n.West, n.NorthEast, n.NorthWest, n.SouthEast, n.SouthWest}
}

// AreasForShape computes the cells covering the shape.
func AreasForShape(s *Shape) SearchArea {
	minLon, minLat, maxLon, maxLat := s.BoundingBox()
	var radiusMeters float64
	if s.Box {
		radiusMeters = math.Sqrt((s.Width/2)*(s.Width/2) + (s.Height/2)*(s.Height/2))
	} else {
		radiusMeters = s.Radius
	}
	radiusMeters *= s.Conversion
	steps := StepsForRadius(radiusMeters, s.Lat)
	hash, _ := Encode(LonRange, LatRange, s.Lon, s.Lat, steps)
	neighbors := NeighborsOf(hash)
	area, _ := Decode(LonRange, LatRange, hash)

	decrease := false
	north, _ := Decode(LonRange, LatRange, neighbors.North)
	south, _ := Decode(LonRange, LatRange, neighbors.South)
	east, _ := Decode(LonRange, LatRange, neighbors.East)
	west, _ := Decode(LonRange, LatRange, neighbors.West)
	if north.Lat.Max < maxLat {
		decrease = true
	}
	if south.Lat.Min > minLat {
		decrease = true
	}
	if east.Lon.Max < maxLon {
		decrease = true
	}
	if west.Lon.Min > minLon {
		decrease = true
	}
	if steps > 1 && decrease {
		steps--
		hash, _ = Encode(LonRange, LatRange, s.Lon, s.Lat, steps)
		neighbors = NeighborsOf(hash)
		area, _ = Decode(LonRange, LatRange, hash)
	}
	if steps >= 2 {
		if area.Lat.Min < minLat {
			neighbors.South, neighbors.SouthWest, neighbors.SouthEast = Hash{}, Hash{}, Hash{}
		}
		if area.Lat.Max > maxLat {
			neighbors.North, neighbors.NorthEast, neighbors.NorthWest = Hash{}, Hash{}, Hash{}
		}
		if area.Lon.Min < minLon {
			neighbors.West, neighbors.SouthWest, neighbors.NorthWest = Hash{}, Hash{}, Hash{}
		}
		if area.Lon.Max > maxLon {
			neighbors.East, neighbors.SouthEast, neighbors.NorthEast = Hash{}, Hash{}, Hash{}
		}
	}
	return SearchArea{Hash: hash, Area: area, Neighbors: neighbors}
}

// ScoreRange returns the scores [min, max) of the stored points inside h.
func ScoreRange(h Hash) (min, max uint64) {
	min = Align52(h)
	h.Bits++
	return min, Align52(h)
}

// latDistance is the distance along a meridian.
func latDistance(lat1, lat2 float64) float64 {
	return EarthRadius * math.Abs(rad(lat2)-rad(lat1))
}

// Distance is the haversine great-circle distance in meters.
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r := rad(lon1)
	lon2r := rad(lon2)
	v := Sin((lon2r - lon1r) / 2)
	if v == 0 {
		return latDistance(lat1, lat2)
	}
	lat1r := rad(lat1)
	lat2r := rad(lat2)
	u := Sin((lat2r - lat1r) / 2)
	// Written so the compiler cannot fuse a multiply-add, as x86-64's
	// default C build does not.
	uu := u * u
	cc := Cos(lat1r) * Cos(lat2r) * v
	a := uu + float64(cc*v)
	return 2.0 * EarthRadius * Asin(math.Sqrt(a))
}

// InShape reports whether (lon, lat) lies in the shape and its distance
// from the centre in meters.
func (s *Shape) InShape(lon, lat float64) (float64, bool) {
	if !s.Box {
		d := Distance(s.Lon, s.Lat, lon, lat)
		if d > s.Radius*s.Conversion {
			return d, false
		}
		return d, true
	}
	width := s.Width * s.Conversion
	height := s.Height * s.Conversion
	if latDistance(lat, s.Lat) > height/2 {
		return 0, false
	}
	if Distance(lon, lat, s.Lon, lat) > width/2 {
		return 0, false
	}
	return Distance(s.Lon, s.Lat, lon, lat), true
}

// String returns the standard 11-character geohash of a stored score, as
// GEOHASH prints it: the point re-encoded with latitudes in [-90, 90].
func String(score float64) string {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	lon, lat := DecodeScore(score)
	h, _ := Encode(Range{-180, 180}, Range{-90, 90}, lon, lat, 26)
	var buf [11]byte
	for i := 0; i < 11; i++ {
		idx := 0
		if i < 10 {
			idx = int((h.Bits >> (52 - uint(i+1)*5)) & 0x1f)
		}
		buf[i] = alphabet[idx]
	}
	return string(buf[:])
}
