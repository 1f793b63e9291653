package hash

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

// model is the obvious hash: a map plus the insertion order the small
// form must keep.
type model struct {
	m     map[string]string
	order []string
}

func (m *model) set(f, v string) bool {
	_, ok := m.m[f]
	if !ok {
		m.order = append(m.order, f)
	}
	m.m[f] = v
	return !ok
}

func (m *model) del(f string) bool {
	if _, ok := m.m[f]; !ok {
		return false
	}
	delete(m.m, f)
	m.order = slices.DeleteFunc(m.order, func(s string) bool { return s == f })
	return true
}

func pairs(h *Hash) ([]string, map[string]string) {
	var order []string
	all := map[string]string{}
	h.ForEach(func(f, v string) bool {
		order = append(order, f)
		all[f] = v
		return true
	})
	return order, all
}

func TestHashAgainstModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	for round := 0; round < 50; round++ {
		h, m := New(), &model{m: map[string]string{}}
		convertAt := r.IntN(400)
		for op := 0; op < 400; op++ {
			f := "f" + strconv.Itoa(r.IntN(60))
			switch r.IntN(4) {
			case 0, 1:
				v := strconv.Itoa(r.IntN(1000))
				if got, want := h.Set([]byte(f), v), m.set(f, v); got != want {
					t.Fatalf("seed %d: Set(%s) new=%v, want %v", seed, f, got, want)
				}
			case 2:
				if got, want := h.Delete([]byte(f)), m.del(f); got != want {
					t.Fatalf("seed %d: Delete(%s)=%v, want %v", seed, f, got, want)
				}
			case 3:
				v, ok := h.Get([]byte(f))
				if mv, mok := m.m[f]; ok != mok || v != mv {
					t.Fatalf("seed %d: Get(%s)=%q,%v want %q,%v", seed, f, v, ok, mv, mok)
				}
			}
			if op == convertAt {
				h.Convert()
			}
			if h.Len() != len(m.m) {
				t.Fatalf("seed %d: Len %d, want %d", seed, h.Len(), len(m.m))
			}
		}
		order, all := pairs(h)
		if h.IsSmall() && !slices.Equal(order, m.order) {
			t.Fatalf("seed %d: small hash order %q, want insertion order %q", seed, order, m.order)
		}
		if len(all) != len(m.m) {
			t.Fatalf("seed %d: ForEach saw %d pairs, want %d", seed, len(all), len(m.m))
		}
		for f, v := range m.m {
			if all[f] != v {
				t.Fatalf("seed %d: ForEach %s=%q, want %q", seed, f, all[f], v)
			}
		}
	}
}

func TestEncodingAndConvert(t *testing.T) {
	h := New()
	h.Set([]byte("b"), "1")
	h.Set([]byte("a"), "2")
	if h.Encoding() != "listpack" || !h.IsSmall() {
		t.Fatalf("new hash encoding %s", h.Encoding())
	}
	h.Convert()
	if h.Encoding() != "hashtable" || h.IsSmall() {
		t.Fatalf("converted hash encoding %s", h.Encoding())
	}
	if v, ok := h.Get([]byte("a")); !ok || v != "2" {
		t.Fatalf("after Convert a=%q %v", v, ok)
	}
	h.Delete([]byte("a"))
	h.Delete([]byte("b"))
	if h.Encoding() != "hashtable" {
		t.Fatal("conversion must be one-way")
	}
}

func TestCopyIsDeep(t *testing.T) {
	for _, big := range []bool{false, true} {
		h := New()
		for i := 0; i < 20; i++ {
			h.Set([]byte(strconv.Itoa(i)), "v")
		}
		if big {
			h.Convert()
		}
		c := h.Copy().(*Hash)
		if c.Encoding() != h.Encoding() || c.Len() != 20 {
			t.Fatalf("copy: %s %d", c.Encoding(), c.Len())
		}
		c.Set([]byte("0"), "changed")
		c.Delete([]byte("1"))
		if v, _ := h.Get([]byte("0")); v != "v" || h.Len() != 20 {
			t.Fatal("changing the copy changed the original")
		}
		o1, _ := pairs(h)
		if !big && !slices.Equal(o1[:3], []string{"0", "1", "2"}) {
			t.Fatalf("small copy order %q", o1)
		}
	}
}

// TestScanNeverMisses adds and removes fields between the steps of a scan
// of a big hash (so its table grows and shrinks); every field present for
// the whole scan must be returned.
func TestScanNeverMisses(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	for round := 0; round < 30; round++ {
		h := New()
		h.Convert()
		n := 1 + r.IntN(2000)
		for i := 0; i < n; i++ {
			h.Set([]byte("keep"+strconv.Itoa(i)), "v")
		}
		seen := map[string]bool{}
		cursor, steps := uint64(0), 0
		for {
			cursor = h.Scan(cursor, 1+r.IntN(20), func(f, v string) { seen[f] = true })
			steps++
			// churn: grow a lot or shrink a lot
			if r.IntN(2) == 0 {
				for i := 0; i < r.IntN(300); i++ {
					h.Set([]byte("tmp"+strconv.Itoa(r.IntN(5000))), "x")
				}
			} else {
				for i := 0; i < 300; i++ {
					h.Delete([]byte("tmp" + strconv.Itoa(r.IntN(5000))))
				}
			}
			if cursor == 0 {
				break
			}
			if steps > 1_000_000 {
				t.Fatalf("seed %d: scan does not end", seed)
			}
		}
		for i := 0; i < n; i++ {
			if f := "keep" + strconv.Itoa(i); !seen[f] {
				t.Fatalf("seed %d: scan of %d fields missed %s", seed, n, f)
			}
		}
	}
}

func TestScanSmallIsWhole(t *testing.T) {
	h := New()
	for _, f := range []string{"z", "a", "m"} {
		h.Set([]byte(f), f+"v")
	}
	var got []string
	if next := h.Scan(12345, 1, func(f, v string) { got = append(got, f, v) }); next != 0 {
		t.Fatalf("small scan cursor %d, want 0", next)
	}
	if want := []string{"z", "zv", "a", "av", "m", "mv"}; !slices.Equal(got, want) {
		t.Fatalf("small scan %q, want %q", got, want)
	}
}

func TestTableShrinks(t *testing.T) {
	h := New()
	h.Convert()
	for i := 0; i < 10000; i++ {
		h.Set([]byte(strconv.Itoa(i)), "v")
	}
	grown := len(h.table.buckets)
	for i := 0; i < 9990; i++ {
		h.Delete([]byte(strconv.Itoa(i)))
	}
	if len(h.table.buckets) >= grown || len(h.table.buckets) < h.Len() {
		t.Fatalf("buckets %d after shrinking to %d fields (was %d)", len(h.table.buckets), h.Len(), grown)
	}
}

func TestRandomCoversAll(t *testing.T) {
	for _, big := range []bool{false, true} {
		h := New()
		for i := 0; i < 50; i++ {
			h.Set([]byte(strconv.Itoa(i)), "v"+strconv.Itoa(i))
		}
		if big {
			h.Convert()
		}
		counts := map[string]int{}
		for i := 0; i < 20000; i++ {
			f, v := h.Random()
			if v != "v"+f {
				t.Fatalf("Random pair %q %q", f, v)
			}
			counts[f]++
		}
		if len(counts) != 50 {
			t.Fatalf("big=%v: Random reached %d of 50 fields", big, len(counts))
		}
		for f, c := range counts {
			if c < 200 || c > 700 { // mean 400
				t.Fatalf("big=%v: field %s picked %d times in 20000", big, f, c)
			}
		}
	}
}

func TestMemoryUsageGrows(t *testing.T) {
	h := New()
	small := h.MemoryUsage(0)
	for i := 0; i < 100; i++ {
		h.Set([]byte(strconv.Itoa(i)), "value")
	}
	if h.MemoryUsage(0) <= small {
		t.Fatal("listpack usage does not grow with entries")
	}
	lp := h.MemoryUsage(0)
	h.Convert()
	if ht := h.MemoryUsage(5); ht <= lp {
		t.Fatalf("hashtable usage %d not above listpack %d", ht, lp)
	}
}

// TestResizeIsIncremental: growing or shrinking the big form moves a few
// buckets per operation (a resize all at once stalled the server for tens
// of milliseconds on large hashes), and every field stays reachable, with
// Random still uniform, while a resize is under way.
func TestResizeIsIncremental(t *testing.T) {
	h := New()
	h.Convert()
	const n = 4096
	for i := 0; i < n; i++ {
		h.Set([]byte("f"+strconv.Itoa(i)), "v"+strconv.Itoa(i))
	}
	if h.table.old != nil || len(h.table.buckets) != n {
		t.Fatalf("after %d fields: %d buckets, resizing %v", n, len(h.table.buckets), h.table.old != nil)
	}
	h.Set([]byte("f"+strconv.Itoa(n)), "v"+strconv.Itoa(n)) // starts growing
	tb := h.table
	if tb.old == nil || tb.moved > 11*rehashStep {
		t.Fatalf("one insert moved %d of %d buckets (resizing %v)", tb.moved, len(tb.old), tb.old != nil)
	}

	// Random reads both tables uniformly mid-resize (it moves nothing).
	counts := map[string]int{}
	for i := 0; i < 200*(n+1); i++ {
		f, v := h.Random()
		if "v"+f[1:] != v {
			t.Fatalf("Random pair %q %q", f, v)
		}
		counts[f]++
	}
	if len(counts) != n+1 {
		t.Fatalf("Random mid-resize reached %d of %d fields", len(counts), n+1)
	}
	for f, c := range counts {
		if c < 100 || c > 330 { // mean 200
			t.Fatalf("Random mid-resize picked %s %d times, mean 200", f, c)
		}
	}

	// Every field is found at every step of the resize.
	steps := 0
	for h.table.old != nil {
		before := h.table.moved
		i := steps % (n + 1)
		if v, ok := h.Get([]byte("f" + strconv.Itoa(i))); !ok || v != "v"+strconv.Itoa(i) {
			t.Fatalf("step %d: f%d = %q, %v", steps, i, v, ok)
		}
		if h.table.old != nil && h.table.moved-before > 11*rehashStep {
			t.Fatalf("a lookup moved %d buckets", h.table.moved-before)
		}
		steps++
	}
	if want := n / rehashStep; steps > want {
		t.Fatalf("the resize took %d lookups, want at most %d", steps, want)
	}
	// Deletes, half from each table, then a shrink under way: the model holds.
	for i := 0; i <= n; i += 2 {
		if !h.Delete([]byte("f" + strconv.Itoa(i))) {
			t.Fatalf("delete f%d failed", i)
		}
	}
	for i := 1; i <= n; i += 2 {
		if i%64 != 1 {
			h.Delete([]byte("f" + strconv.Itoa(i)))
		}
	}
	for i := 0; i <= n; i++ {
		_, ok := h.Get([]byte("f" + strconv.Itoa(i)))
		if want := i%2 == 1 && i%64 == 1; ok != want {
			t.Fatalf("after deletes f%d present %v, want %v", i, ok, want)
		}
	}
	if got, want := h.Len(), n/64; got != want {
		t.Fatalf("Len %d, want %d", got, want)
	}
}

// TestShrinkSkipsEmptyBuckets: a shrink starts from a sparse table (under
// 10% full), so the moves pass empty buckets ten for one, as Redis's
// dictRehash: it ends in far fewer operations than the old table has
// buckets over rehashStep.
func TestShrinkSkipsEmptyBuckets(t *testing.T) {
	h := New()
	h.Convert()
	const n = 1 << 16
	for i := 0; i < n; i++ {
		h.Set([]byte(strconv.Itoa(i)), "v")
	}
	for h.table.old != nil { // finish the last growth
		h.Get([]byte("0"))
	}
	i := 0
	for ; h.table.old == nil; i++ {
		h.Delete([]byte(strconv.Itoa(i)))
	}
	oldLen, ops := len(h.table.old), 0
	for ; h.table.old != nil; ops++ {
		if _, ok := h.Get([]byte(strconv.Itoa(n - 1))); !ok {
			t.Fatalf("field %d lost during the shrink", n-1)
		}
	}
	if limit := oldLen / rehashStep / 4; ops > limit {
		t.Fatalf("shrink from %d buckets (%d fields) took %d operations, want at most %d", oldLen, h.Len(), ops, limit)
	}
	if h.Len() != n-i {
		t.Fatalf("Len %d, want %d", h.Len(), n-i)
	}
}

// SetBytes writes over a value's array only while no one else can see
// it: not a value given by Set (it may be another key's), nor one handed
// out by a reader.
func TestSetBytesWritesOverOnlyUnseenValues(t *testing.T) {
	fill := func(c byte) []byte {
		b := make([]byte, 100)
		for i := range b {
			b[i] = c
		}
		return b
	}
	h := New()
	h.Convert()
	f := []byte("f")
	h.SetBytes(f, fill('a'))
	h.SetBytes(f, fill('b')) // in place: nobody saw 'a'
	shared := string(fill('s'))
	h.Set(f, shared)
	h.SetBytes(f, fill('c'))
	if shared != string(fill('s')) {
		t.Fatal("SetBytes wrote over a value that Set gave")
	}
	readers := map[string]func() string{
		"Get": func() string { v, _ := h.Get(f); return v },
		"ForEach": func() (v string) {
			h.ForEach(func(_, val string) bool { v = val; return false })
			return v
		},
		"Scan": func() (v string) {
			h.Scan(0, 10, func(_, val string) { v = val })
			return v
		},
		"Random": func() string { _, v := h.Random(); return v },
	}
	for name, read := range readers {
		h.SetBytes(f, fill('x'))
		h.SetBytes(f, fill('y'))
		held := read()
		h.SetBytes(f, fill('z'))
		h.SetBytes(f, fill('w'))
		if held != string(fill('y')) {
			t.Errorf("%s: the value it handed out changed: %.10q...", name, held)
		}
		if v, _ := h.Get(f); v != string(fill('w')) {
			t.Errorf("%s: value after the writes %.10q...", name, v)
		}
	}
	h.SetBytes(f, fill('m'))
	v := fill('n')
	if n := testing.AllocsPerRun(100, func() { h.SetBytes(f, v) }); n != 0 {
		t.Errorf("SetBytes over an unseen value of the same length: %.1f allocations, want 0", n)
	}
}

// BenchmarkSetBytesRandom is redis-benchmark's HSET with -r 100000: a
// value of the same size written to a random one of 100k fields.
func BenchmarkSetBytesRandom(b *testing.B) {
	h := New()
	h.Convert()
	const fields = 100000
	keys := make([][]byte, fields)
	for i := range keys {
		keys[i] = []byte("element:" + strconv.Itoa(i))
		h.SetBytes(keys[i], []byte("xxx"))
	}
	val := []byte("yyy")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.SetBytes(keys[(i*7919)%fields], val)
	}
}
