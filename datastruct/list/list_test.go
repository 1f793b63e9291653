package list

import (
	"fmt"
	"math/rand"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// check compares l with the model and checks the chunks' invariants.
func check(t *testing.T, seed int64, step int, l *List, model []string) {
	t.Helper()
	if l.Len() != len(model) {
		t.Fatalf("seed %d step %d: Len %d, model %d", seed, step, l.Len(), len(model))
	}
	if got := l.Slice(); !slices.Equal(got, model) {
		t.Fatalf("seed %d step %d: %q, model %q", seed, step, got, model)
	}
	var back []string
	l.RangeBack(l.Len()-1, func(_ int, s string) bool { back = append(back, s); return true })
	slices.Reverse(back)
	if !slices.Equal(back, model) {
		t.Fatalf("seed %d step %d: backwards %q, model %q", seed, step, back, model)
	}
	if err := invariants(l); err != "" {
		t.Fatalf("seed %d step %d: %s", seed, step, err)
	}
}

// invariants describes the first broken rule of l's layout, or "".
func invariants(l *List) string {
	if r := len(l.ring); r != 0 && (r&(r-1) != 0 || r < l.nc) || r > 4 && l.nc < r/8 {
		return fmt.Sprintf("ring of %d for %d chunks", r, l.nc)
	}
	if l.n == 0 && l.nc != 0 {
		return fmt.Sprintf("empty list keeps %d chunks", l.nc)
	}
	total := 0
	for j := 0; j < l.nc; j++ {
		c := l.at(j)
		if !(0 <= c.wlo && c.wlo <= c.lo && c.lo <= c.hi && c.hi <= c.whi && c.whi <= len(c.b)) {
			return fmt.Sprintf("chunk %d: wlo %d lo %d hi %d whi %d len %d", j, c.wlo, c.lo, c.hi, c.whi, len(c.b))
		}
		if c.n == 0 && j != 0 && j != l.nc-1 {
			return fmt.Sprintf("empty chunk %d of %d in the middle", j, l.nc)
		}
		k := 0
		for p := c.lo; p < c.hi; k++ {
			_, p = c.next(p)
			if p > c.hi {
				return fmt.Sprintf("chunk %d: an entry crosses hi", j)
			}
		}
		if k != c.n {
			return fmt.Sprintf("chunk %d holds %d entries, counts %d", j, k, c.n)
		}
		if c.n > 1 && c.hi-c.lo > chunkMax+chunkMax/2 {
			return fmt.Sprintf("chunk %d of %d entries holds %d bytes", j, c.n, c.hi-c.lo)
		}
		total += c.n
	}
	if total != l.n {
		return fmt.Sprintf("chunks hold %d, Len %d", total, l.n)
	}
	return ""
}

// randValue is a value of 0 to about 300 bytes (some need a two-byte
// length), from a small alphabet so that values repeat.
func randValue(rng *rand.Rand) string {
	switch rng.Intn(8) {
	case 0:
		return ""
	case 1:
		return strings.Repeat(strconv.Itoa(rng.Intn(10)), 100+rng.Intn(200))
	}
	return strconv.Itoa(rng.Intn(50))
}

// TestListModel runs random operations against a slice.
func TestListModel(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	l := New()
	var model []string
	for step := 0; step < 20000; step++ {
		v := randValue(rng)
		switch op := rng.Intn(10); {
		case op < 2:
			l.PushBack(v)
			model = append(model, v)
		case op < 4:
			l.PushFront(v)
			model = append([]string{v}, model...)
		case op == 4 && len(model) > 0:
			if got := l.PopFront(); got != model[0] {
				t.Fatalf("seed %d: PopFront %q, want %q", seed, got, model[0])
			}
			model = model[1:]
		case op == 5 && len(model) > 0:
			if got := l.PopBack(); got != model[len(model)-1] {
				t.Fatalf("seed %d: PopBack %q, want %q", seed, got, model[len(model)-1])
			}
			model = model[:len(model)-1]
		case op == 6:
			i := rng.Intn(len(model) + 1)
			l.Insert(i, v)
			model = slices.Insert(model, i, v)
		case op == 7 && len(model) > 0:
			i := rng.Intn(len(model))
			l.Set(i, v)
			model[i] = v
			if l.Index(i) != v {
				t.Fatalf("seed %d: Index after Set", seed)
			}
		case op == 8 && rng.Intn(20) == 0:
			l.Filter(func(_ int, s string) bool { return s != v })
			model = slices.DeleteFunc(model, func(s string) bool { return s == v })
		case op == 9 && rng.Intn(20) == 0 && len(model) > 0:
			a := rng.Intn(len(model))
			b := a + rng.Intn(len(model)-a)
			l.Trim(a, b)
			model = slices.Clone(model[a : b+1])
		}
		check(t, seed, step, l, model)
	}
	// Drain to empty.
	for l.Len() > 0 {
		l.PopBack()
	}
	if l.nc != 0 || len(l.ring) != 0 {
		t.Fatalf("empty list keeps %d chunks in a ring of %d", l.nc, len(l.ring))
	}
}

func TestListCopyIsDeep(t *testing.T) {
	l := New()
	for i := 0; i < 20; i++ {
		l.PushFront(strconv.Itoa(i))
	}
	c := l.Copy().(*List)
	c.Set(0, "x")
	c.PushBack("y")
	if l.Index(0) != "19" || l.Len() != 20 || c.Len() != 21 {
		t.Fatalf("copy shares state: %q / %q", l.Slice(), c.Slice())
	}
	if l.Encoding() != "quicklist" || l.MemoryUsage(0) <= 0 {
		t.Fatal("encoding or memory usage")
	}
}

func TestListRangeStops(t *testing.T) {
	l := New()
	for i := 0; i < 10; i++ {
		l.PushBack(strconv.Itoa(i))
	}
	var seen []string
	l.Range(2, 8, func(i int, s string) bool {
		seen = append(seen, s)
		return i < 4
	})
	if !slices.Equal(seen, []string{"2", "3", "4"}) {
		t.Fatalf("Range: %q", seen)
	}
	l.Trim(5, 4)
	if l.Len() != 0 {
		t.Fatalf("empty trim left %d", l.Len())
	}
}

// BenchmarkPushPop pushes and pops at both ends of lists of 10 and
// 10,000 elements.
func BenchmarkPushPop(b *testing.B) {
	for _, base := range []int{10, 10000} {
		b.Run(strconv.Itoa(base), func(b *testing.B) {
			l := New()
			for i := 0; i < base; i++ {
				l.PushBack("base")
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				l.PushBack("v")
				l.PushFront("w")
				l.PopBack()
				l.PopFront()
			}
		})
	}
}

// TestViewsNeverChange holds the elements the list handed out (pops,
// Index, Range, RangeBack) while it goes on changing: they are views of
// its chunks, which a reply may still be waiting to write, so no later
// push, pop, LSET, LINSERT, LREM or LTRIM may write over them.
func TestViewsNeverChange(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	l := New()
	n := 0
	type held struct{ view, clone string }
	var hold []held
	keep := func(s string) { hold = append(hold, held{s, strings.Clone(s)}) }
	for step := 0; step < 30000; step++ {
		v := randValue(rng)
		switch op := rng.Intn(12); {
		case op < 3:
			l.PushBack(v)
			n++
		case op < 6:
			l.PushFront(v)
			n++
		case op == 6 && n > 0:
			keep(l.PopFront())
			n--
		case op == 7 && n > 0:
			keep(l.PopBack())
			n--
		case op == 8 && n > 0:
			i := rng.Intn(n)
			keep(l.Index(i))
			l.Set(i, v)
		case op == 9 && n > 0:
			l.Range(rng.Intn(n), n-1, func(i int, s string) bool { keep(s); return rng.Intn(4) > 0 })
			l.Insert(rng.Intn(n+1), v)
			n++
		case op == 10 && n > 0:
			l.RangeBack(rng.Intn(n), func(i int, s string) bool { keep(s); return rng.Intn(4) > 0 })
			l.Filter(func(int, string) bool { return rng.Intn(30) > 0 })
			n = l.Len()
		case op == 11 && n > 0 && rng.Intn(10) == 0:
			keep(l.Index(0))
			a := rng.Intn(n)
			l.Trim(a, a+rng.Intn(n-a))
			n = l.Len()
		}
		if step%1000 == 0 || step == 29999 {
			for i, h := range hold {
				if h.view != h.clone {
					t.Fatalf("seed %d step %d: held element %d changed from %q to %q", seed, step, i, h.clone, h.view)
				}
			}
		}
	}
	if len(hold) < 1000 {
		t.Fatalf("only %d elements held", len(hold))
	}
}

// TestPushAllocatesPerChunk: the elements are packed, so pushes onto a
// long list allocate a chunk now and then, not an object per element
// (which the collector would have to mark), at either end, and pops
// hand out views of the chunks. Pushes and pops taking turns at one end
// of a short or long list allocate at most one small copy a turn, also
// after a read handed out views of every chunk (a chunk's new array is
// one nobody has seen).
func TestPushAllocatesPerChunk(t *testing.T) {
	const n = 20000
	v := []byte("xyz")
	for _, front := range []bool{false, true} {
		pop := func(l *List) string {
			if front {
				return l.PopFront()
			}
			return l.PopBack()
		}
		l := New()
		if per := testing.AllocsPerRun(1, func() {
			for i := 0; i < n; i++ {
				l.PushBytes(front, v)
			}
		}) / n; per > 0.01 {
			t.Errorf("front %v: %.4f allocations a push", front, per)
		}
		if per := testing.AllocsPerRun(1, func() {
			for i := 0; i < n/2; i++ {
				pop(l)
			}
		}) / (n / 2); per > 0.02 {
			t.Errorf("front %v: %.4f allocations a pop", front, per)
		}
		for _, base := range []int{10, n} {
			l := New()
			for i := 0; i < base; i++ {
				l.PushBack("base")
			}
			l.Range(0, base-1, func(int, string) bool { return true }) // seen: views of every chunk are out
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := 0; i < n; i++ {
				l.PushBytes(front, v)
				if pop(l) != "xyz" {
					t.Fatal("popped another element")
				}
			}
			runtime.ReadMemStats(&after)
			allocs := float64(after.Mallocs-before.Mallocs) / n
			bytes := float64(after.TotalAlloc-before.TotalAlloc) / n
			if allocs > 1.01 || bytes > 32 { // a copy of 3 bytes (16 with -race); a repack is 64 or more
				t.Errorf("front %v, %d elements: %.3f allocations, %.1f bytes a push and pop", front, base, allocs, bytes)
			}
			if err := invariants(l); err != "" {
				t.Fatal(err)
			}
		}
	}
}

// TestShortQueueStaysSmall: a queue (pushes at one end, pops at the
// other) of a few elements keeps an array about the size of its
// elements, however many go through it.
func TestShortQueueStaysSmall(t *testing.T) {
	for _, front := range []bool{false, true} {
		l := New()
		for i := 0; i < 20000; i++ {
			l.PushBytes(front, []byte("element"))
			if l.Len() > 5 {
				if front {
					l.PopBack()
				} else {
					l.PopFront()
				}
			}
			if i%7 == 0 {
				l.Index(0) // a read: pops hand out views
			}
		}
		bytes := 0
		for j := 0; j < l.nc; j++ {
			bytes += cap(l.at(j).b)
		}
		if bytes > 4*chunkMin {
			t.Errorf("front %v: arrays of %d bytes in %d chunks for 5 elements", front, bytes, l.nc)
		}
	}
}

// TestListIsPacked: 100k three-byte elements take about five bytes each
// (the entry's two length bytes), not a string header and an allocation.
func TestListIsPacked(t *testing.T) {
	l := New()
	for i := 0; i < 50000; i++ {
		l.PushBack("abc")
		l.PushFront("def")
	}
	arrays := 0
	for j := 0; j < l.nc; j++ {
		arrays += cap(l.at(j).b)
	}
	if per := float64(arrays) / float64(l.Len()); per > 5.5 {
		t.Fatalf("%.2f bytes of arrays an element", per)
	}
	if l.nc > 100000*5/chunkMax+4 {
		t.Fatalf("%d chunks", l.nc)
	}
}

// TestInsertSplitsAndRemoveRepacks: LINSERT into full chunks splits them;
// Filter drops emptied chunks and repacks the others.
func TestInsertSplitsAndRemoveRepacks(t *testing.T) {
	l := New()
	var model []string
	for i := 0; i < 5000; i++ {
		v := strconv.Itoa(i)
		l.PushBack(v)
		model = append(model, v)
	}
	before := l.nc
	for i := 0; i < 3000; i++ {
		p := (i * 7919) % (len(model) + 1)
		l.Insert(p, "ins")
		model = slices.Insert(model, p, "ins")
	}
	check(t, 0, 0, l, model)
	if l.nc <= before {
		t.Fatalf("%d chunks after the inserts, %d before", l.nc, before)
	}
	l.Filter(func(_ int, s string) bool { return s == "ins" })
	model = slices.DeleteFunc(model, func(s string) bool { return s != "ins" })
	check(t, 0, 1, l, model)
	live, arrays := 0, 0
	for j := 0; j < l.nc; j++ {
		c := l.at(j)
		live += c.hi - c.lo
		arrays += cap(c.b)
	}
	if want := 3000 * entrySize(3); live != want || arrays > 2*want {
		t.Fatalf("%d live bytes in arrays of %d for %d entries of %d bytes", live, arrays, 3000, entrySize(3))
	}
}

// TestPushTwicePopOnceStaysPacked: two pushes and a pop at one end, over
// and over, leave dead space at the end chunk's edge before every push;
// the list must not turn into a chunk per element.
func TestPushTwicePopOnceStaysPacked(t *testing.T) {
	for _, front := range []bool{false, true} {
		l := New()
		for i := 0; i < 30000; i++ {
			l.PushBytes(front, []byte("abc"))
			l.PushBytes(front, []byte("def"))
			if front {
				l.PopFront()
			} else {
				l.PopBack()
			}
		}
		if err := invariants(l); err != "" {
			t.Fatal(err)
		}
		bytes := len(l.ring) * 8
		for j := 0; j < l.nc; j++ {
			bytes += cap(l.at(j).b) + int(unsafe.Sizeof(chunk{}))
		}
		if per := float64(bytes) / float64(l.Len()); per > 20 {
			t.Errorf("front %v: %.1f bytes an element in %d chunks", front, per, l.nc)
		}
	}
}

// TestLensHandsOutNoView: the memory accounting's sample (Lens) leaves a
// small chunk free to take popped space back, as a Range would not.
func TestLensHandsOutNoView(t *testing.T) {
	l := New()
	for _, v := range []string{"a", "bb", "ccc"} {
		l.PushBack(v)
	}
	var lens []int
	l.Lens(func(n int) bool { lens = append(lens, n); return len(lens) < 2 })
	if !slices.Equal(lens, []int{1, 2}) {
		t.Fatalf("Lens gave %v, want [1 2] (it stops when fn says so)", lens)
	}
	if l.at(0).seen {
		t.Fatal("Lens marked the chunk seen")
	}
	l.Range(0, 0, func(int, string) bool { return true })
	if !l.at(0).seen {
		t.Fatal("Range did not mark the chunk seen")
	}
}
