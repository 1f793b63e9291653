package hll

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestMurmurHash64A(t *testing.T) {
	// Vectors from a transcription of Redis's C function (endian-neutral
	// version), covering every tail length.
	cases := []struct {
		in   string
		want uint64
	}{
		{"", 0xd8dfea6585bc9732},
		{"a", 0x53d2470a9b43b1a7},
		{"ab", 0x0eaed676437142cf},
		{"abcdefg", 0x22fe613bb08c9602},
		{"abcdefgh", 0xf3a65df559914567},
		{"abcdefghi", 0x834fba4d9152daf7},
		{"hello world, HyperLogLog!", 0x43df2d3ed438a4e3},
		{"\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10", 0x2551cee14731061c},
	}
	for _, c := range cases {
		if got := MurmurHash64A([]byte(c.in), Seed); got != c.want {
			t.Errorf("MurmurHash64A(%q) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

func TestPatLen(t *testing.T) {
	// Register and run as redis-server 7.0 reports them (PFADD of one
	// element, then PFDEBUG DECODE).
	cases := []struct {
		ele   string
		index int
		count uint8
	}{
		{"a", 12711, 2},
		{"b", 15780, 1},
		{"hello", 9216, 1},
		{"", 5938, 2},
		{"foo:bar:baz", 7629, 2},
		{"12345678", 10579, 3},
		{"123456789", 9293, 2},
	}
	for _, c := range cases {
		index, count := PatLen([]byte(c.ele))
		if index != c.index || count != c.count {
			t.Errorf("PatLen(%q) = %d, %d, want %d, %d", c.ele, index, count, c.index, c.count)
		}
	}
}

func TestValid(t *testing.T) {
	dense := make([]byte, DenseSize)
	copy(dense, "HYLL")
	cases := []struct {
		s    string
		want bool
	}{
		{string(New()), true},
		{"HYLL\x01" + string(make([]byte, 11)), true}, // empty body: checked when read
		{string(dense), true},
		{string(dense[:DenseSize-1]), false},
		{string(dense) + "x", false},
		{"HYLL\x02" + string(make([]byte, 13)), false},
		{"HYLL\x01" + string(make([]byte, 10)), false},
		{"hyll\x01" + string(make([]byte, 13)), false},
		{"", false},
		{"12345", false},
	}
	for _, c := range cases {
		if got := Valid(c.s); got != c.want {
			t.Errorf("Valid(%q…, len %d) = %v, want %v", c.s[:min(len(c.s), 8)], len(c.s), got, c.want)
		}
	}
}

func TestNewAndCache(t *testing.T) {
	b := New()
	want := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
	if string(b) != want {
		t.Fatalf("New() = %q, want %q", b, want)
	}
	if c, ok := CachedCard(b); !ok || c != 0 {
		t.Fatalf("CachedCard(New()) = %d, %v", c, ok)
	}
	SetCachedCard(b, 12345)
	if c, ok := CachedCard(b); !ok || c != 12345 {
		t.Fatalf("CachedCard = %d, %v, want 12345 true", c, ok)
	}
	InvalidateCache(b)
	if _, ok := CachedCard(b); ok {
		t.Fatal("cache still valid after InvalidateCache")
	}
	if b[15] != 0x80 || b[8] != 0x39 || b[9] != 0x30 {
		t.Fatalf("header bytes %q", b[:16])
	}
}

func TestDenseRegisters(t *testing.T) {
	r := make([]byte, DenseSize-HeaderSize)
	rnd := rand.New(rand.NewPCG(1, 2))
	var want [NumRegisters]uint8
	for round := 0; round < 20; round++ {
		for i := range want {
			want[i] = uint8(rnd.IntN(RegisterMax + 1))
			SetRegister(r, i, want[i])
		}
		for i, w := range want {
			if v := GetRegister(r, i); v != w {
				t.Fatalf("register %d = %d, want %d", i, v, w)
			}
		}
	}
	// The packing: register 0 in the low 6 bits of byte 0, register 1
	// in its top 2 bits and the low 4 of byte 1.
	clear(r)
	SetRegister(r, 1, 0x3f)
	if r[0] != 0xc0 || r[1] != 0x0f || r[2] != 0 {
		t.Fatalf("register 1 packed as % x", r[:3])
	}
	SetRegister(r, NumRegisters-1, 0x3f)
	if r[len(r)-1] != 0xfc {
		t.Fatalf("last register packed as %x", r[len(r)-1])
	}
}

// model checks a sketch against plain registers.
func checkRegisters(t *testing.T, b []byte, model *[NumRegisters]uint8, what string) {
	t.Helper()
	regs, ok := Registers(b)
	if !ok {
		t.Fatalf("%s: sketch corrupt: %q", what, b)
	}
	for i := range model {
		if regs[i] != model[i] {
			t.Fatalf("%s: register %d = %d, want %d", what, i, regs[i], model[i])
		}
	}
}

// sparseCanonical checks the invariants of a sparse body: it covers every
// register, and no opcode is empty.
func sparseCanonical(t *testing.T, b []byte) {
	t.Helper()
	h, ok := Histogram(b)
	if !ok {
		t.Fatalf("sparse body does not cover %d registers: %s", NumRegisters, Decode(b))
	}
	n := 0
	for _, c := range h {
		n += c
	}
	if n != NumRegisters {
		t.Fatalf("histogram counts %d registers", n)
	}
}

func TestSetAgainstModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 7))
	for round := 0; round < 30; round++ {
		maxSparse := int64(3000)
		if round%3 == 1 {
			maxSparse = int64(20 + rnd.IntN(200))
		}
		var model [NumRegisters]uint8
		b := New()
		dense := make([]byte, DenseSize)
		copy(dense, "HYLL")
		for step := 0; step < 1500; step++ {
			var index int
			if rnd.IntN(2) == 0 {
				index = rnd.IntN(NumRegisters)
			} else { // clustered: exercises VAL splits and merges
				index = 100 + rnd.IntN(40)
			}
			count := uint8(1 + rnd.IntN(6))
			if rnd.IntN(400) == 0 {
				count = uint8(1 + rnd.IntN(Q+1))
			}
			var r int
			b, r = Set(b, index, count, maxSparse)
			changed := count > model[index]
			if changed {
				model[index] = count
			}
			if (r == 1) != changed || r < 0 {
				t.Fatalf("round %d step %d: Set(%d, %d) = %d, changed %v", round, step, index, count, r, changed)
			}
			dense, _ = Set(dense, index, count, maxSparse)
			if Encoding(b) == Sparse {
				if int64(len(b)) > maxSparse && len(b) > 18 {
					t.Fatalf("sparse sketch of %d bytes, limit %d", len(b), maxSparse)
				}
				sparseCanonical(t, b)
				if changed {
					if _, ok := CachedCard(b); ok {
						t.Fatal("sparse update left the cache valid")
					}
				}
			} else if len(b) != DenseSize {
				t.Fatalf("dense sketch of %d bytes", len(b))
			}
			if step%100 == 0 || step == 1499 {
				checkRegisters(t, b, &model, "sketch")
				checkRegisters(t, dense, &model, "dense")
				c1, ok1 := Count(b)
				c2, ok2 := Count(dense)
				c3 := CountRegisters(&model)
				if !ok1 || !ok2 || c1 != c2 || c2 != c3 {
					t.Fatalf("counts disagree: %d %v, %d %v, %d", c1, ok1, c2, ok2, c3)
				}
			}
		}
	}
}

func TestSparseOpcodes(t *testing.T) {
	// Registers 1000, 1020, 1021 set to 2, 3, 3: the example of Redis's
	// documentation, XZERO:1000 VAL:2,1 ZERO:19 VAL:3,2 XZERO:15362.
	b := New()
	for _, s := range []struct {
		i int
		v uint8
	}{{1000, 2}, {1020, 3}, {1021, 3}} {
		b, _ = Set(b, s.i, s.v, 3000)
	}
	if got := Decode(b); got != "Z:1000 v:2,1 z:19 v:3,2 Z:15362" {
		t.Fatalf("Decode = %q", got)
	}
	if len(b) != HeaderSize+7 {
		t.Fatalf("%d bytes, want %d", len(b), HeaderSize+7)
	}
	// A value above 32 cannot be sparse.
	b, r := Set(b, 5, 33, 3000)
	if r != 1 || Encoding(b) != Dense || len(b) != DenseSize {
		t.Fatalf("value 33: r %d, encoding %d, len %d", r, Encoding(b), len(b))
	}
	if string(b[:4]) != "HYLL" || b[15] != 0x80 {
		t.Fatalf("promoted header % x", b[:16])
	}
	// Growing past the limit promotes.
	b = New()
	b, _ = Set(b, 100, 1, 21)
	if Encoding(b) != Sparse {
		t.Fatalf("21 bytes allowed, got %d", len(b))
	}
	b, _ = Set(b, 200, 1, 21)
	if Encoding(b) != Dense {
		t.Fatalf("over the limit, still sparse: %s", Decode(b))
	}
}

func TestCorruptSparse(t *testing.T) {
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	cases := []struct {
		body    string
		countOK bool
	}{
		{"", false},
		{"\x7f\xff\x00", false},     // one register too many
		{"\x7f\xfe\x84\x80", false}, // a VAL run past the end
		{"\x7f\x00", false},         // too few
		{"\x7f\xfd\x84\x80", true},  // exactly right
	}
	for _, c := range cases {
		b := []byte(hdr + c.body)
		_, ok := Count(b)
		var max [NumRegisters]uint8
		mok := Merge(&max, b)
		_, dok := ToDense(b)
		if ok != c.countOK || mok != c.countOK || dok != c.countOK {
			t.Errorf("body %q: count ok %v, merge ok %v, todense ok %v, want %v", c.body, ok, mok, dok, c.countOK)
		}
	}
	// An update past the covered registers fails; inside it works.
	b := []byte(hdr + "\x7f\x00") // 16129 registers
	if _, r := Set(b, 16200, 1, 3000); r != -1 {
		t.Errorf("Set past the body = %d, want -1", r)
	}
	if b2, r := Set(b, 10, 1, 3000); r != 1 || Decode(b2) != "z:10 v:1,1 Z:16118" {
		t.Errorf("Set inside = %d, %q", r, Decode(b2))
	}
	// An XZERO cut in half: its second byte reads as 0.
	b = []byte(hdr + "\x7f")
	if got := Decode(b); got != "Z:16129" {
		t.Errorf("Decode = %q", got)
	}
	b2, r := Set(b, 5, 2, 3000)
	if r != 1 || !bytes.Equal(b2[HeaderSize:], []byte{0x04, 0x84, 0x7e}) {
		t.Errorf("Set in a cut XZERO = %d, % x", r, b2[HeaderSize:])
	}
}

func TestEstimate(t *testing.T) {
	var h [64]int
	h[0] = NumRegisters
	if got := Estimate(&h); got != 0 {
		t.Errorf("empty = %d", got)
	}
	// Ten elements as redis-server counts them: PFADD t a b c d e f g h i j.
	b := New()
	for _, e := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		b, _ = Add(b, []byte(e), 3000)
	}
	want := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80Fm\x80I\xe8\x80L\"\x80D<\x848\x80B=\x80K\x83\x80B\xed\x84I\x8c\x80Bm\x80BZ"
	if string(b) != want {
		t.Errorf("sketch = %q\nwant     %q", b, want)
	}
	if c, ok := Count(b); !ok || c != 10 {
		t.Errorf("Count = %d, %v, want 10", c, ok)
	}
	// Every register at 63 (a hand-made dense value): the sum is empty,
	// the estimate infinite, and llround gives the minimum int64 as on x86.
	clear(h[:])
	h[63] = NumRegisters
	if got := Estimate(&h); got != 1<<63 {
		t.Errorf("all 63 = %d", got)
	}
	// Registers at 51 go through tau.
	clear(h[:])
	h[Q+1] = 10
	h[1] = NumRegisters - 10
	if got := Estimate(&h); got == 0 || got == 1<<63 {
		t.Errorf("with 51s = %d", got)
	}
	if tau(0.5) <= 0 || !math.IsInf(sigma(1), 1) || sigma(0) != 0 {
		t.Error("tau/sigma edge values")
	}
}

func TestLlround(t *testing.T) {
	cases := []struct {
		in   float64
		want uint64
	}{
		{0, 0}, {0.5, 1}, {1.49, 1}, {2.5, 3}, {1e18, 1e18},
		{math.Inf(1), 1 << 63}, {math.NaN(), 1 << 63}, {1 << 63, 1 << 63},
	}
	for _, c := range cases {
		if got := llround(c.in); got != c.want {
			t.Errorf("llround(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestDenseWouldChange(t *testing.T) {
	b := make([]byte, DenseSize)
	copy(b, "HYLL")
	b, _ = Add(b, []byte("a"), 3000)
	b, _ = Add(b, []byte("b"), 3000)
	cases := []struct {
		elems []string
		want  bool
	}{
		{nil, false},
		{[]string{"a"}, false},
		{[]string{"a", "b", "a"}, false},
		{[]string{"a", "c"}, true},
		{[]string{"c"}, true},
	}
	for _, c := range cases {
		var elems [][]byte
		for _, e := range c.elems {
			elems = append(elems, []byte(e))
		}
		if got := DenseWouldChange(b, elems); got != c.want {
			t.Errorf("DenseWouldChange(%q) = %v, want %v", c.elems, got, c.want)
		}
	}
}
