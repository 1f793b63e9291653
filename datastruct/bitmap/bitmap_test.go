package bitmap

import (
	"math/rand"
	"testing"
)

// naive* are the definitions, one bit at a time.

func naiveCount(s string, from, to uint64) int64 {
	var n int64
	for i := from; i <= to; i++ {
		n += int64(Get(s, i))
	}
	return n
}

func naivePos(s string, bit int, from, to uint64) int64 {
	for i := from; i <= to; i++ {
		if Get(s, i) == bit {
			return int64(i)
		}
	}
	return -1
}

func TestGetSet(t *testing.T) {
	b := make([]byte, 2)
	if old := Set(b, 0, 1); old != 0 || b[0] != 0x80 {
		t.Fatalf("Set bit 0: old %d, bytes %x", old, b)
	}
	if old := Set(b, 15, 1); old != 0 || b[1] != 0x01 {
		t.Fatalf("Set bit 15: old %d, bytes %x", old, b)
	}
	if old := Set(b, 0, 0); old != 1 || b[0] != 0 {
		t.Fatalf("clear bit 0: old %d, bytes %x", old, b)
	}
	s := "\x40"
	for off, want := range []int{0, 1, 0, 0, 0, 0, 0, 0, 0, 0} {
		if got := Get(s, uint64(off)); got != want {
			t.Errorf("Get(%q, %d) = %d, want %d", s, off, got, want)
		}
	}
	if Get(s, 1<<40) != 0 {
		t.Error("bit far past the end is not 0")
	}
}

func TestCountAndPos(t *testing.T) {
	cases := []struct {
		s        string
		from, to uint64
		count    int64
		pos1     int64
		pos0     int64
	}{
		{"\xff", 0, 7, 8, 0, -1},
		{"\xff", 3, 5, 3, 3, -1},
		{"\x00", 0, 7, 0, -1, 0},
		{"\x00\x01", 0, 15, 1, 15, 0},
		{"\xff\xf0", 9, 14, 3, 9, 12},
		{"foobar", 0, 47, 26, 1, 0},
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe", 0, 143, 143, 0, 143},
		{"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 4, 143, 1, 143, 4},
	}
	for _, c := range cases {
		if got := CountRange(c.s, c.from, c.to); got != c.count {
			t.Errorf("CountRange(%q, %d, %d) = %d, want %d", c.s, c.from, c.to, got, c.count)
		}
		if got := Pos(c.s, 1, c.from, c.to); got != c.pos1 {
			t.Errorf("Pos(%q, 1, %d, %d) = %d, want %d", c.s, c.from, c.to, got, c.pos1)
		}
		if got := Pos(c.s, 0, c.from, c.to); got != c.pos0 {
			t.Errorf("Pos(%q, 0, %d, %d) = %d, want %d", c.s, c.from, c.to, got, c.pos0)
		}
	}
}

func randomBitmap(r *rand.Rand) string {
	b := make([]byte, r.Intn(70)+1)
	fill := []byte{0, 0xff}[r.Intn(2)]
	for i := range b {
		switch r.Intn(4) {
		case 0:
			b[i] = byte(r.Intn(256))
		default:
			b[i] = fill
		}
	}
	return string(b)
}

func TestCountAndPosRandom(t *testing.T) {
	seed := rand.Int63()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewSource(seed))
	for n := 0; n < 20000; n++ {
		s := randomBitmap(r)
		nbits := uint64(len(s)) * 8
		from := uint64(r.Int63n(int64(nbits)))
		to := from + uint64(r.Int63n(int64(nbits-from)))
		if got, want := CountRange(s, from, to), naiveCount(s, from, to); got != want {
			t.Fatalf("seed %d: CountRange(%x, %d, %d) = %d, want %d", seed, s, from, to, got, want)
		}
		if got, want := PopCount(s), naiveCount(s, 0, nbits-1); got != want {
			t.Fatalf("seed %d: PopCount(%x) = %d, want %d", seed, s, got, want)
		}
		for bit := 0; bit < 2; bit++ {
			if got, want := Pos(s, bit, from, to), naivePos(s, bit, from, to); got != want {
				t.Fatalf("seed %d: Pos(%x, %d, %d, %d) = %d, want %d", seed, s, bit, from, to, got, want)
			}
		}
	}
}

func TestFields(t *testing.T) {
	b := make([]byte, 3)
	SetUnsigned(b, 4, 8, 0xab)
	if string(b) != "\x0a\xb0\x00" {
		t.Fatalf("SetUnsigned u8 at 4: %x", b)
	}
	if got := GetUnsigned(string(b), 4, 8); got != 0xab {
		t.Errorf("GetUnsigned = %#x", got)
	}
	if got := GetSigned(string(b), 4, 8); got != -85 {
		t.Errorf("GetSigned i8 = %d, want -85", got)
	}
	if got := GetSigned(string(b), 4, 4); got != -6 {
		t.Errorf("GetSigned i4 = %d, want -6", got)
	}
	if got := GetUnsigned(string(b), 20, 16); got != 0 {
		t.Errorf("GetUnsigned past the end = %d", got)
	}
	b = make([]byte, 9)
	SetUnsigned(b, 3, 64, 0x8000000000000001)
	if got := GetSigned(string(b), 3, 64); got != -9223372036854775807 {
		t.Errorf("i64 round trip = %d", got)
	}
	seed := rand.Int63()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewSource(seed))
	for n := 0; n < 2000; n++ {
		b := make([]byte, 10)
		width := r.Intn(64) + 1
		off := uint64(r.Intn(80 - width + 1))
		v := r.Uint64()
		SetUnsigned(b, off, width, v)
		want := v
		if width < 64 {
			want &= 1<<width - 1
		}
		if got := GetUnsigned(string(b), off, width); got != want {
			t.Fatalf("seed %d: width %d off %d: got %#x want %#x", seed, width, off, got, want)
		}
		if PopCount(string(b)) != int64(naiveCount(string(b), 0, 79)) {
			t.Fatal("popcount mismatch")
		}
	}
}

func TestApply(t *testing.T) {
	cases := []struct {
		op   Op
		srcs []string
		want string
	}{
		{And, []string{"\xff\x0f", "\x0f"}, "\x0f\x00"},
		{Or, []string{"\xf0", "\x0f\x01"}, "\xff\x01"},
		{Xor, []string{"\xff\xff", "\x0f", "\x01\x01"}, "\xf1\xfe"},
		{Not, []string{"\x0f\x00"}, "\xf0\xff"},
		{And, []string{"", "\xff"}, "\x00"},
		{Or, []string{"", ""}, ""},
		{Not, []string{""}, ""},
	}
	for _, c := range cases {
		got := Apply(c.op, c.srcs)
		if string(got) != c.want || (c.want == "") != (got == nil) {
			t.Errorf("Apply(%d, %q) = %q, want %q", c.op, c.srcs, got, c.want)
		}
	}
}

func naiveApply(op Op, srcs []string) []byte {
	n := 0
	for _, s := range srcs {
		n = max(n, len(s))
	}
	if n == 0 {
		return nil
	}
	res := make([]byte, n)
	for i := range res {
		at := func(s string) byte {
			if i < len(s) {
				return s[i]
			}
			return 0
		}
		acc := at(srcs[0])
		if op == Not {
			acc = ^acc
		}
		for _, s := range srcs[1:] {
			switch op {
			case And:
				acc &= at(s)
			case Or:
				acc |= at(s)
			case Xor:
				acc ^= at(s)
			}
		}
		res[i] = acc
	}
	return res
}

func TestApplyRandom(t *testing.T) {
	seed := rand.Int63()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewSource(seed))
	for n := 0; n < 3000; n++ {
		op := Op(r.Intn(4))
		k := 1
		if op != Not {
			k = r.Intn(4) + 1
		}
		srcs := make([]string, k)
		for j := range srcs {
			b := make([]byte, r.Intn(40))
			r.Read(b)
			srcs[j] = string(b)
		}
		got, want := Apply(op, srcs), naiveApply(op, srcs)
		if string(got) != string(want) || (got == nil) != (want == nil) {
			t.Fatalf("seed %d: Apply(%d, %x) = %x, want %x", seed, op, srcs, got, want)
		}
	}
}

func BenchmarkApplyXor1MB(b *testing.B) {
	a, c := string(make([]byte, 1<<20)), string(make([]byte, 1<<20))
	b.SetBytes(1 << 20)
	for i := 0; i < b.N; i++ {
		Apply(Xor, []string{a, c})
	}
}

func BenchmarkPopCount1MB(b *testing.B) {
	s := string(make([]byte, 1<<20))
	b.SetBytes(1 << 20)
	for i := 0; i < b.N; i++ {
		PopCount(s)
	}
}
