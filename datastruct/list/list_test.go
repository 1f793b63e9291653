package list

import (
	"math/rand"
	"slices"
	"strconv"
	"testing"
	"time"
)

// check compares l with the model and the ring buffer's invariants.
func check(t *testing.T, seed int64, step int, l *List, model []string) {
	t.Helper()
	if l.Len() != len(model) {
		t.Fatalf("seed %d step %d: Len %d, model %d", seed, step, l.Len(), len(model))
	}
	if got := l.Slice(); !slices.Equal(got, model) && !(len(got) == 0 && len(model) == 0) {
		t.Fatalf("seed %d step %d: %q, model %q", seed, step, got, model)
	}
	if c := len(l.buf); c != 0 && (c&(c-1) != 0 || c < l.n) {
		t.Fatalf("seed %d step %d: buffer of %d for %d elements", seed, step, c, l.n)
	}
	if len(l.buf) > minCap && l.n < len(l.buf)/8 {
		t.Fatalf("seed %d step %d: buffer of %d kept for %d elements", seed, step, len(l.buf), l.n)
	}
}

// TestListModel runs random operations against a slice.
func TestListModel(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	l := New()
	var model []string
	for step := 0; step < 20000; step++ {
		v := strconv.Itoa(rng.Intn(50))
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
	// Drain to empty and shrink.
	for l.Len() > 0 {
		l.PopBack()
	}
	if len(l.buf) > minCap {
		t.Fatalf("empty list keeps %d slots", len(l.buf))
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

func BenchmarkPushPop(b *testing.B) {
	l := New()
	for i := 0; i < b.N; i++ {
		l.PushBack("v")
		l.PushFront("w")
		l.PopBack()
		l.PopFront()
	}
}
