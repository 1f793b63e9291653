package set

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"
)

func TestParseInt(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{"0", true}, {"1", true}, {"-1", true}, {"9223372036854775807", true},
		{"-9223372036854775808", true}, {"9223372036854775808", false},
		{"-9223372036854775809", false}, {"01", false}, {"+1", false}, {"-0", false},
		{"", false}, {"-", false}, {" 1", false}, {"1 ", false}, {"1a", false},
		{"00", false}, {"1.0", false}, {"18446744073709551616", false},
	}
	for _, c := range cases {
		if _, ok := parseInt(c.in); ok != c.ok {
			t.Errorf("parseInt(%q) ok = %v, want %v", c.in, ok, c.ok)
		}
	}
}

func TestEncodingAndOrder(t *testing.T) {
	s := New()
	for _, m := range []string{"5", "-3", "100", "5", "0"} {
		s.Add(m, 512)
	}
	if s.Encoding() != "intset" || s.Len() != 4 {
		t.Fatalf("encoding %s len %d", s.Encoding(), s.Len())
	}
	if got := s.Members(); !slices.Equal(got, []string{"-3", "0", "5", "100"}) {
		t.Fatalf("intset order %q", got)
	}
	if s.Contains("05") || !s.Contains("5") || s.Contains("x") {
		t.Fatal("Contains on an intset")
	}
	s.Add("x", 512)
	if s.Encoding() != "hashtable" || s.Len() != 5 || !s.Contains("100") {
		t.Fatalf("after a string: %s %d", s.Encoding(), s.Len())
	}
	s.Remove("x")
	if s.Encoding() != "hashtable" {
		t.Fatal("conversion must be one-way")
	}

	small := New()
	for i := 0; i < 4; i++ {
		small.Add(strconv.Itoa(i), 3)
	}
	if small.Encoding() != "hashtable" {
		t.Fatal("an intset beyond maxInts must convert")
	}
	zero := New()
	zero.Add("1", 0)
	if zero.Encoding() != "hashtable" {
		t.Fatal("maxInts 0 makes every set a hash table")
	}
}

func TestCopyIsDeep(t *testing.T) {
	for _, first := range []string{"1", "a"} {
		s := New()
		s.Add(first, 512)
		c := s.Copy().(*Set)
		s.Add("2", 512)
		s.Remove(first)
		if c.Len() != 1 || !c.Contains(first) || c.Contains("2") {
			t.Fatalf("copy of %q changed: %q", first, c.Members())
		}
	}
}

// check verifies the structure's invariants.
func (s *Set) check(t *testing.T) {
	t.Helper()
	if !s.big {
		if !slices.IsSorted(s.ints) {
			t.Fatal("intset not sorted")
		}
		for i := 1; i < len(s.ints); i++ {
			if s.ints[i] == s.ints[i-1] {
				t.Fatal("intset duplicate")
			}
		}
		return
	}
	if len(s.index) != len(s.members) {
		t.Fatalf("index %d members %d", len(s.index), len(s.members))
	}
	for i, m := range s.members {
		if s.index[m] != i {
			t.Fatalf("index of %q is %d, at %d", m, s.index[m], i)
		}
	}
}

// TestModel runs random operations against a map.
func TestModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	for round := 0; round < 50; round++ {
		s := New()
		model := map[string]bool{}
		maxInts := r.IntN(40)
		member := func() string {
			if r.IntN(10) == 0 {
				return "m" + strconv.Itoa(r.IntN(30))
			}
			return strconv.Itoa(r.IntN(60) - 30)
		}
		for op := 0; op < 300; op++ {
			m := member()
			switch r.IntN(4) {
			case 0, 1:
				if got := s.Add(m, maxInts); got != !model[m] {
					t.Fatalf("seed %d: Add(%q) = %v", seed, m, got)
				}
				model[m] = true
			case 2:
				if got := s.Remove(m); got != model[m] {
					t.Fatalf("seed %d: Remove(%q) = %v", seed, m, got)
				}
				delete(model, m)
			case 3:
				if s.Len() > 0 {
					got := s.RemoveAt(r.IntN(s.Len()))
					if !model[got] {
						t.Fatalf("seed %d: RemoveAt gave %q", seed, got)
					}
					delete(model, got)
				}
			}
			s.check(t)
			if s.Len() != len(model) {
				t.Fatalf("seed %d: Len %d, model %d", seed, s.Len(), len(model))
			}
			if s.Contains(m) != model[m] {
				t.Fatalf("seed %d: Contains(%q)", seed, m)
			}
			if !s.big && s.Len() > maxInts {
				t.Fatalf("seed %d: intset of %d > %d", seed, s.Len(), maxInts)
			}
		}
		got := s.Members()
		sort.Strings(got)
		var want []string
		for m := range model {
			want = append(want, m)
		}
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Fatalf("seed %d: members %q, want %q", seed, got, want)
		}
	}
}

func TestRandomIsUniform(t *testing.T) {
	for _, first := range []string{"0", "a"} {
		s := New()
		s.Add(first, 512)
		for i := 1; i < 10; i++ {
			s.Add(strconv.Itoa(i), 512)
		}
		counts := map[string]int{}
		for i := 0; i < 20000; i++ {
			counts[s.Random()]++
		}
		if len(counts) != 10 {
			t.Fatalf("%s: %d distinct of 10", s.Encoding(), len(counts))
		}
		for m, n := range counts {
			if n < 1500 || n > 2500 {
				t.Errorf("%s: %q drawn %d times of 20000", s.Encoding(), m, n)
			}
		}
	}
}

// TestScanNeverMisses removes and adds members between scan calls: every
// member present throughout must be returned.
func TestScanNeverMisses(t *testing.T) {
	s := New()
	for i := 0; i < 1000; i++ {
		s.Add("k"+strconv.Itoa(i), 512)
	}
	seen := map[string]bool{}
	cursor, calls := uint64(0), 0
	for {
		var got []string
		got, cursor = s.Scan(cursor, 7)
		calls++
		for _, m := range got {
			seen[m] = true
		}
		// Churn: members 500.. come and go; 0..499 stay.
		s.Remove("k" + strconv.Itoa(500+calls%500))
		s.Add("new"+strconv.Itoa(calls), 512)
		if cursor == 0 {
			break
		}
		if calls > 10000 {
			t.Fatal("scan does not end")
		}
	}
	for i := 0; i < 500; i++ {
		if !seen["k"+strconv.Itoa(i)] {
			t.Fatalf("k%d missed", i)
		}
	}
	if calls < 1000/7 {
		t.Fatalf("only %d calls for 1000 members by 7", calls)
	}
}

func TestMemoryUsageGrows(t *testing.T) {
	s := New()
	s.Add("1", 512)
	a := s.MemoryUsage(5)
	s.Add("100000", 512)
	b := s.MemoryUsage(5)
	if b <= a {
		t.Fatalf("intset usage %d then %d", a, b)
	}
	s.Add("x", 512)
	if s.MemoryUsage(5) <= b {
		t.Fatal("hash table smaller than the intset")
	}
}

// TestScanWhileShrinking uses one hash index for the whole scan: removed
// members must not come back, the others must all come.
func TestScanWhileShrinking(t *testing.T) {
	s := New()
	for i := 0; i < 500; i++ {
		s.Add("k"+strconv.Itoa(i), 512)
	}
	seen := map[string]bool{}
	removed := map[string]bool{}
	cursor, calls := uint64(0), 0
	r := rand.New(rand.NewPCG(1, 2))
	for {
		var got []string
		got, cursor = s.Scan(cursor, 5)
		calls++
		for _, m := range got {
			if removed[m] {
				t.Fatalf("removed %q returned", m)
			}
			seen[m] = true
		}
		for j := 0; j < 2 && s.Len() > 100; j++ {
			m := s.RemoveAt(r.IntN(s.Len()))
			removed[m] = true
		}
		if cursor == 0 {
			break
		}
		if calls > 1000 {
			t.Fatal("scan does not end")
		}
	}
	for i := 0; i < 500; i++ {
		m := "k" + strconv.Itoa(i)
		if !removed[m] && !seen[m] {
			t.Fatalf("%s missed", m)
		}
	}
	if s.scanVer != s.ver || !s.scanBuilt {
		t.Fatal("index rebuilt or never built")
	}
	ints := New()
	ints.Add("2", 512)
	ints.Add("1", 512)
	if got, next := ints.Scan(12345, 1); !slices.Equal(got, []string{"1", "2"}) || next != 0 {
		t.Fatalf("intset scan %q %d", got, next)
	}
}

// TestAddBytesCopiesOnlyNewMembers: AddBytes keeps its own copy of a new
// member (the caller's buffer is reused for the next request), and adding
// a member already there allocates nothing.
func TestAddBytesCopiesOnlyNewMembers(t *testing.T) {
	s := New()
	buf := []byte("member-1")
	if !s.AddBytes(buf, 512) {
		t.Fatal("AddBytes of a new member reported it present")
	}
	copy(buf, "MEMBER-2")
	if !s.Contains("member-1") || s.Contains("MEMBER-2") || s.Len() != 1 {
		t.Fatalf("after the buffer changed: member-1 %v, MEMBER-2 %v, len %d; want the set to keep its own copy",
			s.Contains("member-1"), s.Contains("MEMBER-2"), s.Len())
	}
	// Integers stay in the intset encoding without a copy either way.
	n := New()
	if !n.AddBytes([]byte("42"), 512) || n.AddBytes([]byte("42"), 512) || !n.Contains("42") {
		t.Fatal("AddBytes on an intset")
	}
	present := []byte("member-1")
	if a := testing.AllocsPerRun(100, func() {
		if s.AddBytes(present, 512) {
			t.Fatal("AddBytes of a present member reported it new")
		}
	}); a != 0 {
		t.Fatalf("AddBytes of a present member: %v allocations, want 0", a)
	}
}
