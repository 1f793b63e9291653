package sortedset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"
)

// checkInvariants verifies the skiplist's order, spans, backward links,
// length and tail, and the member index, against the model (sorted).
func checkInvariants(t *testing.T, z *SortedSet, model []Element) {
	t.Helper()
	if z.Len() != len(model) {
		t.Fatalf("Len %d, model %d", z.Len(), len(model))
	}
	if z.sl == nil {
		for i, e := range z.lp {
			if e != model[i] {
				t.Fatalf("listpack[%d] = %v, model %v", i, e, model[i])
			}
		}
		return
	}
	sl := z.sl
	// Level 0: order, backward links, tail.
	var prev *node
	i := 0
	for n := sl.header.lv(0).forward; n != nil; n = n.lv(0).forward {
		if i >= len(model) || n.member != model[i].Member || n.score != model[i].Score {
			t.Fatalf("node %d = %q %v, model %v", i, n.member, n.score, model[min(i, len(model)-1)])
		}
		if n.backward != prev {
			t.Fatalf("node %d: wrong backward link", i)
		}
		if z.tab.find(n.member) != n {
			t.Fatalf("index does not find %q", n.member)
		}
		prev = n
		i++
	}
	if i != sl.length || sl.tail != prev {
		t.Fatalf("length %d / tail wrong, walked %d", sl.length, i)
	}
	if z.tab.count != sl.length {
		t.Fatalf("index holds %d, list %d", z.tab.count, sl.length)
	}
	// Every level: spans equal the rank distance between linked nodes.
	rank := map[*node]int{sl.header: 0}
	r := 0
	for n := sl.header.lv(0).forward; n != nil; n = n.lv(0).forward {
		r++
		rank[n] = r
	}
	for lvl := 0; lvl < maxLevel; lvl++ {
		x := sl.header
		if lvl >= sl.level {
			if x.lv(lvl).forward != nil {
				t.Fatalf("level %d used above sl.level %d", lvl, sl.level)
			}
			continue
		}
		for x != nil {
			f := x.lv(lvl).forward
			want := sl.length - rank[x]
			if f != nil {
				want = rank[f] - rank[x]
			}
			if f != nil && x.lv(lvl).span != want {
				t.Fatalf("level %d span after rank %d: %d, want %d", lvl, rank[x], x.lv(lvl).span, want)
			}
			x = f
		}
	}
	if sl.level > 1 && sl.header.lv(sl.level-1).forward == nil {
		t.Fatalf("top level %d empty", sl.level)
	}
}

func modelSort(m map[string]float64) []Element {
	out := make([]Element, 0, len(m))
	for k, v := range m {
		out = append(out, Element{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i].Score, out[i].Member, out[j].Score, out[j].Member) })
	return out
}

// TestRandomOps runs random operations on both encodings against a map
// model, checking every invariant after each step.
func TestRandomOps(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for _, skip := range []bool{false, true} {
		t.Run(fmt.Sprint("skiplist=", skip), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			z := New()
			if skip {
				z = NewSkiplist()
			}
			model := map[string]float64{}
			for step := 0; step < 3000; step++ {
				m := fmt.Sprint("m", rng.IntN(60))
				switch op := rng.IntN(10); {
				case op < 5:
					s := float64(rng.IntN(20))
					if rng.IntN(5) == 0 {
						s = 0
					}
					_, had := model[m]
					if z.Set(m, s) == had {
						t.Fatalf("step %d: Set(%s) added=%v, had %v", step, m, !had, had)
					}
					model[m] = s
				case op < 8:
					_, had := model[m]
					if z.Remove(m) != had {
						t.Fatalf("step %d: Remove(%s) != %v", step, m, had)
					}
					delete(model, m)
				case op < 9:
					if z.Len() > 0 {
						a, b := rng.IntN(z.Len()), rng.IntN(z.Len())
						if a > b {
							a, b = b, a
						}
						sorted := modelSort(model)
						if n := z.RemoveRanks(a, b); n != b-a+1 {
							t.Fatalf("RemoveRanks(%d,%d) = %d", a, b, n)
						}
						for _, e := range sorted[a : b+1] {
							delete(model, e.Member)
						}
					}
				default:
					if !skip && rng.IntN(10) == 0 {
						z.ToSkiplist()
					}
				}
				sorted := modelSort(model)
				checkInvariants(t, z, sorted)
				// Queries.
				for i, e := range sorted {
					if r, ok := z.Rank(e.Member); !ok || r != i {
						t.Fatalf("step %d: Rank(%s) = %d %v, want %d", step, e.Member, r, ok, i)
					}
					if s, ok := z.Score(e.Member); !ok || s != e.Score {
						t.Fatalf("Score(%s) = %v", e.Member, s)
					}
					if at := z.At(i); at != e {
						t.Fatalf("At(%d) = %v, want %v", i, at, e)
					}
				}
				lo, hi := float64(rng.IntN(22)-1), float64(rng.IntN(22)-1)
				sr := ScoreRange{Min: lo, Max: hi, MinEx: rng.IntN(2) == 0, MaxEx: rng.IntN(2) == 0}
				first, last := z.ScoreRanks(sr)
				wf, wl := len(sorted), -1
				for i, e := range sorted {
					if sr.aboveMin(e.Score) && sr.belowMax(e.Score) {
						wf = min(wf, i)
						wl = i
					}
				}
				if wl >= wf && (first != wf || last != wl) || wl < wf && last >= first {
					t.Fatalf("step %d: ScoreRanks(%+v) = %d,%d want %d,%d", step, sr, first, last, wf, wl)
				}
			}
		})
	}
}

func TestLexRanks(t *testing.T) {
	for _, z := range []*SortedSet{New(), NewSkiplist()} {
		for _, m := range []string{"a", "b", "c", "d", "e"} {
			z.Set(m, 0)
		}
		for _, tc := range []struct {
			r           LexRange
			first, last int
		}{
			{LexRange{LexBound{Inf: -1}, LexBound{Inf: 1}}, 0, 4},
			{LexRange{LexBound{S: "b"}, LexBound{S: "d"}}, 1, 3},
			{LexRange{LexBound{S: "b", Ex: true}, LexBound{S: "d", Ex: true}}, 2, 2},
			{LexRange{LexBound{S: "bb"}, LexBound{S: "c"}}, 2, 2},
			{LexRange{LexBound{Inf: 1}, LexBound{Inf: 1}}, 5, 4},
			{LexRange{LexBound{S: "z"}, LexBound{Inf: 1}}, 5, 4},
		} {
			f, l := z.LexRanks(tc.r)
			if l >= f && (f != tc.first || l != tc.last) || (l < f) != (tc.last < tc.first) {
				t.Errorf("%s %+v: %d,%d want %d,%d", z.Encoding(), tc.r, f, l, tc.first, tc.last)
			}
		}
	}
}

// TestScanComplete checks that a scan visits every element present
// throughout, while others are added and removed (the table resizes).
func TestScanComplete(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	z := NewSkiplist()
	for i := 0; i < 500; i++ {
		z.Set(fmt.Sprint("keep", i), float64(i))
	}
	seen := map[string]bool{}
	cursor := uint64(0)
	for rounds := 0; ; rounds++ {
		cursor = z.Scan(cursor, 10, func(e Element) { seen[e.Member] = true })
		for j := 0; j < 20; j++ {
			m := fmt.Sprint("tmp", rng.IntN(2000))
			if rng.IntN(3) == 0 || rounds > 40 {
				z.Remove(m)
			} else {
				z.Set(m, 1)
			}
		}
		if cursor == 0 {
			break
		}
		if rounds > 100000 {
			t.Fatal("scan does not end")
		}
	}
	for i := 0; i < 500; i++ {
		if !seen[fmt.Sprint("keep", i)] {
			t.Fatalf("keep%d never visited", i)
		}
	}
}

func TestNegativeZero(t *testing.T) {
	z := New()
	z.Set("a", negZero())
	if s, _ := z.Score("a"); 1/s < 0 {
		t.Error("listpack keeps -0")
	}
	z = NewSkiplist()
	z.Set("a", negZero())
	if s, _ := z.Score("a"); 1/s > 0 {
		t.Error("skiplist lost -0")
	}
}

func negZero() float64 {
	z := 0.0
	return -z
}

func TestCopyIndependent(t *testing.T) {
	for _, z := range []*SortedSet{New(), NewSkiplist()} {
		z.Set("a", 1)
		c := z.Copy().(*SortedSet)
		c.Set("a", 2)
		c.Set("b", 3)
		if s, _ := z.Score("a"); s != 1 || z.Len() != 1 || c.Encoding() != z.Encoding() {
			t.Errorf("%s: copy shares state", z.Encoding())
		}
	}
}

// TestIndexResizeIsIncremental: the member index grows and shrinks a few
// buckets per operation, and every member stays reachable (by Score, Rank
// and a full Scan) while a resize is under way.
func TestIndexResizeIsIncremental(t *testing.T) {
	z := NewSkiplist()
	const n = 4096
	for i := 0; i < n; i++ {
		z.Set("m"+strconv.Itoa(i), float64(i))
	}
	if z.tab.old != nil || len(z.tab.buckets) != n {
		t.Fatalf("after %d members: %d buckets, resizing %v", n, len(z.tab.buckets), z.tab.old != nil)
	}
	z.Set("m"+strconv.Itoa(n), n) // starts growing
	if z.tab.old == nil || z.tab.moved > 11*rehashStep {
		t.Fatalf("one insert moved %d of %d buckets (resizing %v)", z.tab.moved, len(z.tab.old), z.tab.old != nil)
	}
	seen := map[string]bool{}
	for cursor := uint64(0); ; {
		cursor = z.Scan(cursor, 10, func(e Element) { seen[e.Member] = true })
		if cursor == 0 {
			break
		}
	}
	if len(seen) != n+1 {
		t.Fatalf("a scan during the resize saw %d of %d members", len(seen), n+1)
	}
	steps := 0
	for z.tab.old != nil {
		before := z.tab.moved
		i := steps % (n + 1)
		if s, ok := z.Score("m" + strconv.Itoa(i)); !ok || s != float64(i) {
			t.Fatalf("step %d: score of m%d = %v, %v", steps, i, s, ok)
		}
		if r, ok := z.Rank("m" + strconv.Itoa(i)); !ok || r != i {
			t.Fatalf("step %d: rank of m%d = %d, %v", steps, i, r, ok)
		}
		if z.tab.old != nil && z.tab.moved-before > 22*rehashStep {
			t.Fatalf("a lookup moved %d buckets", z.tab.moved-before)
		}
		steps++
	}
	if steps > n/rehashStep {
		t.Fatalf("the resize took %d lookups, want at most %d", steps, n/rehashStep)
	}
	for i := 0; i <= n; i++ {
		if i%64 != 1 && !z.Remove("m"+strconv.Itoa(i)) {
			t.Fatalf("remove m%d failed", i)
		}
	}
	for i := 0; i <= n; i++ {
		_, ok := z.Score("m" + strconv.Itoa(i))
		if want := i%64 == 1; ok != want {
			t.Fatalf("after removes m%d present %v, want %v", i, ok, want)
		}
	}
	if z.Len() != n/64 {
		t.Fatalf("Len %d, want %d", z.Len(), n/64)
	}
}

// Find then Update or Insert (ZADD's one lookup a member) leave a set as
// Set does, in both forms: random members and scores, some repeated,
// including 0 and -0, checked element by element and by rank.
func TestFindUpdateInsertMatchSet(t *testing.T) {
	for _, form := range []string{"listpack", "skiplist"} {
		rng := rand.New(rand.NewPCG(7, uint64(len(form))))
		want, got := New(), New()
		if form == "skiplist" {
			want, got = NewSkiplist(), NewSkiplist()
		}
		scores := []float64{0, math.Copysign(0, -1), 1, -2.5, 3, 1e9}
		for op := 0; op < 3000; op++ {
			member := fmt.Sprintf("m%d", rng.IntN(60))
			score := scores[rng.IntN(len(scores))]
			if rng.IntN(3) == 0 {
				score = float64(rng.IntN(100))
			}
			added := want.Set(member, score)
			ref, _, ok := got.Find(member)
			if ok == added {
				t.Fatalf("%s op %d: Find(%q) found %v, Set added %v", form, op, member, ok, added)
			}
			if ok {
				got.Update(ref, score)
			} else {
				got.Insert(member, score)
			}
			if got.Len() != want.Len() {
				t.Fatalf("%s op %d: %d members, want %d", form, op, got.Len(), want.Len())
			}
			for r := 0; r < want.Len(); r++ {
				w, g := want.At(r), got.At(r)
				if w.Member != g.Member || w.Score != g.Score || math.Signbit(w.Score) != math.Signbit(g.Score) {
					t.Fatalf("%s op %d: rank %d is %v, want %v", form, op, r, g, w)
				}
			}
		}
		if want.Len() < 30 {
			t.Fatalf("%s: only %d members: the test added too few", form, want.Len())
		}
	}
}
