package utils_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"goredis/lib/utils"
	"goredis/resp/client"
	"goredis/resp/client/redistest"
)

// string2llRef is an independent statement of Redis's string2ll: a string
// is accepted exactly when it is the canonical decimal form of an int64.
func string2llRef(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(v, 10) != s {
		return 0, false
	}
	return v, true
}

var parseIntCases = []struct {
	in   string
	want int64
	ok   bool
}{
	{"0", 0, true},
	{"1", 1, true},
	{"-1", -1, true},
	{"10", 10, true},
	{"-10", -10, true},
	{"1234567890", 1234567890, true},
	{"9223372036854775807", math.MaxInt64, true},
	{"-9223372036854775808", math.MinInt64, true},
	{"9223372036854775806", math.MaxInt64 - 1, true},
	{"-9223372036854775807", math.MinInt64 + 1, true},

	{"", 0, false},
	{"-", 0, false},
	{"+", 0, false},
	{"-0", 0, false},
	{"00", 0, false},
	{"01", 0, false},
	{"-01", 0, false},
	{"+1", 0, false},
	{"+0", 0, false},
	{" 1", 0, false},
	{"1 ", 0, false},
	{"\t1", 0, false},
	{"1\r", 0, false},
	{"1\x00", 0, false},
	{"\x001", 0, false},
	{"1a", 0, false},
	{"a1", 0, false},
	{"1e3", 0, false},
	{"1.0", 0, false},
	{"0x10", 0, false},
	{"--1", 0, false},
	{"1-", 0, false},
	{"1_000", 0, false},
	{"\u0663", 0, false}, // a non-ASCII digit
	{"9223372036854775808", 0, false},
	{"-9223372036854775809", 0, false},
	{"18446744073709551615", 0, false}, // fits uint64, not int64
	{"18446744073709551616", 0, false}, // overflows uint64 while parsing
	{"99999999999999999999", 0, false}, // 20 chars
	{"-99999999999999999999", 0, false},
	{"123456789012345678901", 0, false}, // 21 chars
	{"-12345678901234567890", 0, false}, // 21 chars
	{"-1234567890123456789", -1234567890123456789, true}, // 20 chars
	{"000000000000000000001", 0, false},
	{strings.Repeat("1", 100), 0, false},
}

func TestParseInt(t *testing.T) {
	for _, c := range parseIntCases {
		got, ok := utils.ParseInt([]byte(c.in))
		if ok != c.ok || got != c.want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
		got, ok = utils.ParseIntString(c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseIntString(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
		if rv, rok := string2llRef(c.in); rok != c.ok || rv != c.want {
			t.Errorf("table entry %q disagrees with the reference (%d, %v)", c.in, rv, rok)
		}
	}
}

// TestParseIntRandom compares ParseInt with the canonical-form reference on
// random numbers and random near-numbers.
func TestParseIntRandom(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	const alphabet = "0123456789-+ x"
	for i := 0; i < 200000; i++ {
		var s string
		switch i % 4 {
		case 0:
			s = strconv.FormatInt(int64(r.Uint64()), 10)
		case 1:
			s = strconv.FormatInt(r.Int64N(2000)-1000, 10)
		case 2:
			s = strconv.FormatUint(r.Uint64(), 10)
		default:
			b := make([]byte, r.IntN(22))
			for j := range b {
				if r.IntN(4) == 0 {
					b[j] = alphabet[r.IntN(len(alphabet))]
				} else {
					b[j] = byte('0' + r.IntN(10))
				}
			}
			s = string(b)
		}
		want, wok := string2llRef(s)
		got, ok := utils.ParseInt([]byte(s))
		if ok != wok || got != want {
			t.Fatalf("ParseInt(%q) = %d, %v; want %d, %v (seed %d)", s, got, ok, want, wok, seed)
		}
	}
}

func FuzzParseInt(f *testing.F) {
	for _, c := range parseIntCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, wok := string2llRef(string(b))
		got, ok := utils.ParseInt(b)
		if ok != wok || got != want {
			t.Fatalf("ParseInt(%q) = %d, %v; want %d, %v", b, got, ok, want, wok)
		}
	})
}

func TestParseIntNoAlloc(t *testing.T) {
	b := []byte("-9223372036854775808")
	s := "9223372036854775807"
	if n := testing.AllocsPerRun(100, func() {
		utils.ParseInt(b)
		utils.ParseIntString(s)
	}); n != 0 {
		t.Errorf("ParseInt allocates %v times", n)
	}
}

// TestParseIntRedis checks the table against string2ll as INCRBY sees it.
func TestParseIntRedis(t *testing.T) {
	rc := redistest.Start(t).Dial(t)
	for _, c := range parseIntCases {
		if strings.ContainsAny(c.in, "\x00") {
			continue // INCRBY's argument is the same with or without
		}
		rc.Do("DEL", "k")
		v := rc.Do("INCRBY", "k", c.in)
		var ok bool
		switch v.Kind {
		case client.KindInt:
			ok = true
			if v.Int != c.want {
				t.Errorf("INCRBY %q = %d, table says %d", c.in, v.Int, c.want)
			}
		case client.KindError:
			ok = false
			if v.Text() != "ERR value is not an integer or out of range" {
				t.Errorf("INCRBY %q: %s", c.in, v.Str)
			}
		}
		if ok != c.ok {
			t.Errorf("INCRBY %q accepted=%v, table says %v", c.in, ok, c.ok)
		}
	}
}

// parseFloatCases hold what Redis 7.0's string2d (ZADD, ZINCRBY, HSET…
// scores and other double arguments) accepts, checked with ZADD.
var parseFloatCases = []struct {
	in   string
	want float64
	ok   bool
}{
	{"0", 0, true},
	{"1", 1, true},
	{"-1", -1, true},
	{"+1", 1, true},
	{"-0", 0, true},
	{"1.5", 1.5, true},
	{"1.5e3", 1500, true},
	{"1.5E3", 1500, true},
	{"1e+3", 1000, true},
	{"1e-3", 0.001, true},
	{".5", 0.5, true},
	{"5.", 5, true},
	{"00001", 1, true},
	{"1e0001", 10, true},
	{"0.1", 0.1, true},
	{"3.14159265358979323846", math.Pi, true},
	{"inf", math.Inf(1), true},
	{"+inf", math.Inf(1), true},
	{"-inf", math.Inf(-1), true},
	{"INF", math.Inf(1), true},
	{"Infinity", math.Inf(1), true},
	{"-INFINITY", math.Inf(-1), true},
	{"0x10", 16, true},
	{"0X1A", 26, true},
	{"-0x1.8", -1.5, true},
	{"0x.8", 0.5, true},
	{"0x1p3", 8, true},
	{"0x1P-1", 0.5, true},
	{"1.7976931348623157e308", math.MaxFloat64, true},
	{"4.9e-324", math.SmallestNonzeroFloat64, true},
	{"3e-324", math.SmallestNonzeroFloat64, true},
	{"0x1p-1074", math.SmallestNonzeroFloat64, true},
	{"1e-310", 1e-310, true},
	{"1e-320", 1e-320, true},

	{"", 0, false},
	{" 1", 0, false},
	{"\t1", 0, false},
	{"\n1", 0, false},
	{"1 ", 0, false},
	{"1\x00", 0, false},
	{".", 0, false},
	{"-", 0, false},
	{"+", 0, false},
	{"e1", 0, false},
	{"1e", 0, false},
	{"1e+", 0, false},
	{"1,5", 0, false},
	{"--1", 0, false},
	{"1_000", 0, false},
	{"0x1_0", 0, false},
	{"0x", 0, false},
	{"0x1p", 0, false},
	{"0xg", 0, false},
	{"infinit", 0, false},
	{"infx", 0, false},
	{"nan", 0, false},
	{"NaN", 0, false},
	{"-nan", 0, false},
	{"nan(1)", 0, false},
	{"1e400", 0, false},
	{"-1e400", 0, false},
	{"1.7976931348623159e308", 0, false},
	{"0x1.fffffffffffff8p1023", 0, false},
	{"0x1p99999", 0, false},
}

// parseFloatUnderflow are refused by string2d: strtod reports ERANGE and
// the result is zero. Go's strconv returns 0 without an error for them.
var parseFloatUnderflow = []string{"1e-400", "-1e-400", "2e-324", "0x1p-1075", "0x1p-1076", "1e-99999"}

func TestParseFloat(t *testing.T) {
	for _, c := range parseFloatCases {
		got, ok := utils.ParseFloat([]byte(c.in))
		if ok != c.ok || (ok && got != c.want) {
			if c.ok {
				t.Errorf("ParseFloat(%q) = %v, %v; want %v, true", c.in, got, ok, c.want)
			} else {
				t.Errorf("ParseFloat(%q) = %v, %v; want invalid", c.in, got, ok)
			}
		}
	}
	for _, in := range parseFloatUnderflow {
		t.Run(in, func(t *testing.T) {
			if got, ok := utils.ParseFloat([]byte(in)); ok {
				t.Errorf("ParseFloat(%q) = %v, true; want invalid", in, got)
			}
		})
	}
	if f, _ := utils.ParseFloat([]byte("-0")); !math.Signbit(f) {
		t.Errorf("ParseFloat(-0) lost the sign as strtod keeps it")
	}
}

// TestParseFloatRedis checks the table with ZADD against redis-server.
func TestParseFloatRedis(t *testing.T) {
	rc := redistest.Start(t).Dial(t)
	for _, in := range parseFloatUnderflow {
		if v := rc.Do("ZADD", "z", in, "m"); v.Kind != client.KindError || v.Text() != "ERR value is not a valid float" {
			t.Errorf("ZADD %q = %s; want invalid float", in, v)
		}
	}
	for _, c := range parseFloatCases {
		if strings.Contains(c.in, "\x00") {
			continue
		}
		rc.Do("DEL", "z")
		switch v := rc.Do("ZADD", "z", c.in, "m"); v.Kind {
		case client.KindError:
			if c.ok {
				t.Errorf("ZADD %q: %s; table says valid", c.in, v.Str)
			} else if v.Text() != "ERR value is not a valid float" {
				t.Errorf("ZADD %q: %s", c.in, v.Str)
			}
		default:
			if !c.ok {
				t.Errorf("ZADD %q accepted; table says invalid", c.in)
				continue
			}
			score := rc.Do("ZSCORE", "z", "m").Text()
			f, err := strconv.ParseFloat(score, 64)
			if score == "inf" {
				f, err = math.Inf(1), nil
			} else if score == "-inf" {
				f, err = math.Inf(-1), nil
			}
			if err != nil || f != c.want {
				t.Errorf("ZADD %q: score %q, table says %v", c.in, score, c.want)
			}
		}
	}
}

// incrByFloatCases are SET k a; INCRBYFLOAT k b; with Redis 7.0.15's reply.
// Redis adds and formats in long double, which a float64 cannot always
// reproduce; those rows have longDouble set.
var incrByFloatCases = []struct {
	a, b, want string
	longDouble bool
}{
	{"0", "3.0e3", "3000", false},
	{"3000", "5.0e3", "8000", false},
	{"0", "1e17", "100000000000000000", false},
	{"0", "1e18", "1000000000000000000", false},
	{"0", "1e20", "100000000000000000000", false},
	{"0", "1.1e20", "110000000000000000000", false},
	{"0", "-0.0", "0", false},
	{"-0.0", "0", "0", false},
	{"5", "-5", "0", false},
	{"0", "1.0", "1", false},
	{"0", "-1.5", "-1.5", false},
	{"0", "2.5", "2.5", false},
	{"0", "0.125", "0.125", false},
	{"0", "1e-5", "0.00001", false},
	{"0", "100", "100", false},
	{"0", "-100.25", "-100.25", false},
	{"0", "1e-17", "0.00000000000000001", false},
	{"0", "0.00000000000000001", "0.00000000000000001", false},
	{"0", "1e-18", "0", false},
	{"0", "0x10", "16", false},

	{"10.5", "0.1", "10.6", true},
	{"0", "5e-18", "0", true},
	{"0", "0.3333333333333333", "0.3333333333333333", true},
	{"0", "0.1", "0.1", true},
	{"0.1", "0.2", "0.3", true},
	{"10", "-0.1", "9.9", true},
	{"0", "12345678.123456789", "12345678.12345678899964696", true},
	{"1", "1e-17", "1.00000000000000001", true},
	{"0", "123456789012345678", "123456789012345678", true},
	{"0", "9007199254740993", "9007199254740993", true},
	{"0", "3.14159265358979323846", "3.14159265358979324", true},
	{"0", "1.7976931348623157e308", "179769313486231569995921046774104434048386446944329178485314420765176628523124396354701868608387085564428793419425520689308708363451136055357897278026477617073498977686288394835618163294045594434929537447290627480669417384648879122776218333598953852832103282504751611691208117720159985926376802466863339536384", true},
}

func TestAppendLongDouble(t *testing.T) {
	for _, c := range incrByFloatCases {
		t.Run(c.a+"+"+c.b, func(t *testing.T) {
			got, curOK, incrOK, finite := utils.IncrByFloat([]byte(c.a), []byte(c.b))
			if !curOK || !incrOK || !finite {
				t.Fatalf("IncrByFloat(%q, %q) refused: %v %v %v", c.a, c.b, curOK, incrOK, finite)
			}
			if string(got) != c.want {
				t.Errorf("IncrByFloat(%q, %q) = %q; Redis INCRBYFLOAT gives %q", c.a, c.b, got, c.want)
			}
		})
	}
}

func TestAppendLongDoubleValues(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1, "1"},
		{-1, "-1"},
		{1.5, "1.5"},
		{-0.25, "-0.25"},
		{100, "100"},
		{1e20, "100000000000000000000"},
		{1e-17, "0.00000000000000001"},
		{1e-18, "0"},
		{-1e-18, "0"}, // "-0.00000000000000000" trims to "-0", printed "0"
		{0.5e-17, "0.00000000000000001"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
	}
	for _, c := range cases {
		if got := string(utils.AppendLongDouble(nil, c.f)); got != c.want {
			t.Errorf("AppendLongDouble(%v) = %q, want %q", c.f, got, c.want)
		}
		// Appending keeps the prefix, even one that looks like a number.
		for _, prefix := range []string{"x", "100", "1.00", "-"} {
			got := string(utils.AppendLongDouble([]byte(prefix), c.f))
			if got != prefix+c.want {
				t.Errorf("AppendLongDouble(%q, %v) = %q, want %q", prefix, c.f, got, prefix+c.want)
			}
		}
	}
}

// TestIncrByFloatRedis checks the table's Redis column against redis-server.
func TestIncrByFloatRedis(t *testing.T) {
	rc := redistest.Start(t).Dial(t)
	for _, c := range incrByFloatCases {
		rc.Do("SET", "k", c.a)
		if got := rc.Do("INCRBYFLOAT", "k", c.b); got.Kind != client.KindBulk || got.Text() != c.want {
			t.Errorf("SET k %s; INCRBYFLOAT k %s = %s; table says %q", c.a, c.b, got, c.want)
		}
	}
}

// longDouble80 adds and prints as Redis does on x86-64: 64-bit mantissa
// arithmetic (big.Float with precision 64) and "%.17Lf" trimmed. It shows
// the incrByFloatCases table is what long double gives, and is one way to
// make AppendLongDouble match on every row.
func longDouble80(a, b string) (string, error) {
	x, _, err := big.ParseFloat(a, 0, 64, big.ToNearestEven)
	if err != nil {
		return "", err
	}
	y, _, err := big.ParseFloat(b, 0, 64, big.ToNearestEven)
	if err != nil {
		return "", err
	}
	s := new(big.Float).SetPrec(64).Add(x, y).Text('f', 17)
	s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s, nil
}

func TestLongDoubleModel(t *testing.T) {
	for _, c := range incrByFloatCases {
		if strings.HasPrefix(c.b, "0x") {
			continue // big.ParseFloat wants a 'p' exponent
		}
		got, err := longDouble80(c.a, c.b)
		if err != nil || got != c.want {
			t.Errorf("%s + %s: 64-bit mantissa model gives %q, %v; Redis %q", c.a, c.b, got, err, c.want)
		}
	}
}
