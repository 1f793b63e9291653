package geohash

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// Values from redis-server 7.0 (GEOADD/GEOSEARCH WITHHASH, GEOHASH,
// GEOPOS, GEODIST) for the documentation's example points.
func TestRedisExamples(t *testing.T) {
	cases := []struct {
		lon, lat float64
		score    uint64
		hash     string
		posLon   string
		posLat   string
	}{
		{13.361389, 38.115556, 3479099956230698, "sqc8b49rny0", "13.36138933897018433", "38.11555639549629859"},
		{15.087269, 37.502669, 3479447370796909, "sqdtr74hyu0", "15.08726745843887329", "37.50266842333162032"},
	}
	for _, c := range cases {
		s := Score(c.lon, c.lat)
		if s != c.score {
			t.Errorf("Score(%v,%v) = %d, want %d", c.lon, c.lat, s, c.score)
		}
		if h := String(float64(s)); h != c.hash {
			t.Errorf("String(%d) = %s, want %s", s, h, c.hash)
		}
		lon, lat := DecodeScore(float64(s))
		if got := humanLD(lon); got != c.posLon {
			t.Errorf("lon of %d = %s, want %s", s, got, c.posLon)
		}
		if got := humanLD(lat); got != c.posLat {
			t.Errorf("lat of %d = %s, want %s", s, got, c.posLat)
		}
	}
	lon1, lat1 := DecodeScore(3479099956230698)
	lon2, lat2 := DecodeScore(3479447370796909)
	if got := strconv.FormatFloat(Distance(lon1, lat1, lon2, lat2)/1000, 'f', 4, 64); got != "166.2742" {
		t.Errorf("Palermo-Catania = %s km, want 166.2742", got)
	}
}

// humanLD is "%.17Lf" with trailing zeros cut, as GEOPOS prints.
func humanLD(f float64) string {
	s := strconv.FormatFloat(f, 'f', 17, 64)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func TestInterleaveRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	if got := Interleave(1, 0); got != 1 {
		t.Fatalf("Interleave(1,0) = %b", got)
	}
	if got := Interleave(0, 1); got != 2 {
		t.Fatalf("Interleave(0,1) = %b", got)
	}
	if got := Interleave(0xffffffff, 0); got != 0x5555555555555555 {
		t.Fatalf("Interleave(max,0) = %x", got)
	}
	for i := 0; i < 1000; i++ {
		a, b := r.Uint32(), r.Uint32()
		x, y := Deinterleave(Interleave(a, b))
		if x != a || y != b {
			t.Fatalf("round trip of %x,%x gave %x,%x", a, b, x, y)
		}
	}
}

func TestScoreToBits(t *testing.T) {
	cases := []struct {
		in   float64
		want uint64
	}{
		{0, 0},
		{3.9, 3},
		{-1, math.MaxUint64},
		{math.Inf(-1), 1 << 63},
		{9223372036854775808, 1 << 63},
		{18446744073709549568, 18446744073709549568},
		{18446744073709551616, 0},
		{1e300, 0},
		{math.Inf(1), 0},
	}
	for _, c := range cases {
		if got := ScoreToBits(c.in); got != c.want {
			t.Errorf("ScoreToBits(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestEncodeLimits(t *testing.T) {
	if _, ok := EncodeWGS84(180.0000001, 0, 26); ok {
		t.Error("longitude past 180 encoded")
	}
	if _, ok := EncodeWGS84(0, 85.06, 26); ok {
		t.Error("latitude past the limit encoded")
	}
	if _, ok := EncodeWGS84(0, 0, 0); ok {
		t.Error("step 0 encoded")
	}
	// The top edge is one cell past the grid, as in Redis.
	h, _ := EncodeWGS84(180, 0, 26)
	if _, lon := Deinterleave(h.Bits); lon != 1<<26 {
		t.Errorf("lon=180 cell = %d, want %d", lon, 1<<26)
	}
	lon, _ := DecodeScore(float64(Align52(h)))
	if lon != 180 {
		t.Errorf("lon=180 decodes to %v", lon)
	}
}

func TestNeighbors(t *testing.T) {
	// step 2: a 4x4 grid; cell (lat 1, lon 1).
	h := Hash{Bits: Interleave(1, 1), Step: 2}
	n := NeighborsOf(h)
	check := func(name string, got Hash, lat, lon uint32) {
		t.Helper()
		glat, glon := Deinterleave(got.Bits)
		if glat != lat || glon != lon || got.Step != 2 {
			t.Errorf("%s = (%d,%d) step %d, want (%d,%d)", name, glat, glon, got.Step, lat, lon)
		}
	}
	check("north", n.North, 2, 1)
	check("south", n.South, 0, 1)
	check("east", n.East, 1, 2)
	check("west", n.West, 1, 0)
	check("north_east", n.NorthEast, 2, 2)
	check("south_west", n.SouthWest, 0, 0)
	// Wrapping at the grid's edge.
	e := NeighborsOf(Hash{Bits: Interleave(3, 3), Step: 2})
	check("wrapped east", e.East, 3, 0)
	check("wrapped north", e.North, 0, 3)
	w := NeighborsOf(Hash{Bits: Interleave(0, 0), Step: 2})
	check("wrapped west", w.West, 0, 3)
	check("wrapped south", w.South, 3, 0)
}

func TestStepsForRadius(t *testing.T) {
	cases := []struct {
		r, lat float64
		want   uint8
	}{
		{0, 0, 26},
		{1e6, 0, 4},
		{1e6, 70, 3},
		{1e6, -85, 2},
		{1, 0, 24},
		{0.001, 0, 26},
		{5e7, 0, 1},
	}
	for _, c := range cases {
		if got := StepsForRadius(c.r, c.lat); got != c.want {
			t.Errorf("StepsForRadius(%v,%v) = %d, want %d", c.r, c.lat, got, c.want)
		}
	}
}

func TestScoreRange(t *testing.T) {
	lo, hi := ScoreRange(Hash{Bits: 5, Step: 2})
	if lo != 5<<48 || hi != 6<<48 {
		t.Errorf("ScoreRange = %d,%d", lo, hi)
	}
}

// Correctly rounded results (checked with mpmath) where Go's math package
// is one ulp off; glibc, which Redis uses, agrees with these.
var correctlyRounded = []struct {
	fn   string
	x, y float64
}{
	{"Cos", -0x1.32639afffc4b8p-02, 0x1.e9407fcd3d4bfp-01},
	{"Cos", 0x1.552b9efce3b56p+01, -0x1.c7096c06c4f25p-01},
	{"Cos", -0x1.ba037e34a9c4p-03, 0x1.f41f14ab1f4f7p-01},
	{"Cos", -0x1.fb38ef1c31becp+00, -0x1.98af227640c58p-02},
	{"Cos", -0x1.466cdf747af0cp+01, -0x1.a90b36cfb511fp-01},
	{"Sin", 0x1.7fea1cdc80c8ap+01, 0x1.225e33ab42dcap-03},
	{"Sin", 0x1.f140232d704ccp+00, 0x1.dd0e8f830d8dbp-01},
	{"Sin", -0x1.1a8d4853275aep+01, -0x1.9bb2af99af659p-01},
	{"Sin", 0x1.116cdf0c7fb7p+01, 0x1.b05624e4f1341p-01},
	{"Sin", -0x1.5182d88d95876p+00, -0x1.efc74effcf2eap-01},
	{"Asin", 0x1.5ebd692e67a3p-01, 0x1.8262676787968p-01},
	{"Asin", 0x1.213950ecbd10cp-01, 0x1.335a94504ae3ap-01},
	{"Asin", 0x1.4425c411d53fap-01, 0x1.5f00b637fbb07p-01},
	{"Asin", 0x1.fddf48808cd74p-03, 0x1.01a55c755ff8p-02},
	{"Asin", 0x1.43a60a837dc9p-05, 0x1.43bb9c3e7e91ap-05},
}

func TestCorrectlyRounded(t *testing.T) {
	for _, c := range correctlyRounded {
		var got float64
		switch c.fn {
		case "Sin":
			got = Sin(c.x)
		case "Cos":
			got = Cos(c.x)
		case "Asin":
			got = Asin(c.x)
		}
		if got != c.y {
			t.Errorf("%s(%x) = %x, want %x", c.fn, c.x, got, c.y)
		}
	}
}

// The double-double functions stay within a few ulps of Go's everywhere.
func TestTrigCloseToMath(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	// Go's math is within an ulp or two for sin and cos.
	near := func(a, b float64) bool {
		for i := 0; i < 4; i++ {
			if a == b {
				return true
			}
			a = math.Nextafter(a, b)
		}
		return a == b
	}
	for i := 0; i < 20000; i++ {
		x := (r.Float64()*2 - 1) * 7
		if !near(Sin(x), math.Sin(x)) || !near(Cos(x), math.Cos(x)) {
			t.Fatalf("sin/cos(%v) = %v,%v; math %v,%v", x, Sin(x), Cos(x), math.Sin(x), math.Cos(x))
		}
		y := r.Float64()
		// Go's asin drifts near 1 (tens of ulps): a relative bound.
		if math.Abs(Asin(y)-math.Asin(y)) > 1e-13*math.Asin(y) {
			t.Fatalf("asin(%v) = %v; math %v", y, Asin(y), math.Asin(y))
		}
	}
	if Sin(0) != 0 || Cos(0) != 1 || Sin(math.Pi/2) != 1 || Asin(1) != math.Pi/2 || Asin(0) != 0 || Cos(math.Pi) != -1 {
		t.Errorf("edges: %v %v %v %v %v", Sin(0), Cos(0), Sin(math.Pi/2), Asin(1), Cos(math.Pi))
	}
	if got := Sin(-math.Pi); got != -1.2246467991473532e-16 {
		t.Errorf("Sin(-pi) = %v", got)
	}
}

func TestBoxAndRadius(t *testing.T) {
	s := Shape{Lon: 15, Lat: 37, Radius: 150, Conversion: 1000}
	if _, ok := s.InShape(15.087269, 37.502669); !ok {
		t.Error("Catania not within 150 km of (15,37)")
	}
	if _, ok := s.InShape(13.361389, 38.115556); ok {
		t.Error("Palermo within 150 km of (15,37)")
	}
	b := Shape{Lon: 15, Lat: 37, Box: true, Width: 400, Height: 400, Conversion: 1000}
	if d, ok := b.InShape(13.361389, 38.115556); !ok || d < 190000 || d > 191000 {
		t.Errorf("Palermo in 400 km box: %v %v", d, ok)
	}
	a := AreasForShape(&s)
	if a.Hash.Step != 6 && a.Hash.Step != 7 {
		t.Errorf("step %d for a 200 km radius", a.Hash.Step)
	}
}
