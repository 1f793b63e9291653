// Package sortedset holds the sorted set: members ordered by (score,
// member), with O(1) score lookup and O(log n) rank. Small sets are kept
// as one sorted slice (Redis's listpack encoding); big ones as a skiplist
// with spans plus a member index (Redis's skiplist encoding). The
// conversion is one-way and decided by the caller (ToSkiplist).
package sortedset

import (
	"math"
	"sort"
	"strings"
	"unsafe"
)

// Element is a member and its score.
type Element struct {
	Member string
	Score  float64
}

// SortedSet is a sorted set. It is not safe for concurrent use.
type SortedSet struct {
	lp  []Element // listpack encoding (when sl is nil), sorted
	sl  *skiplist
	tab table
}

// New returns an empty set in the compact (listpack) encoding.
func New() *SortedSet { return &SortedSet{} }

// NewSkiplist returns an empty set in the skiplist encoding.
func NewSkiplist() *SortedSet { return &SortedSet{sl: newSkiplist()} }

// Len returns the number of members.
func (z *SortedSet) Len() int {
	if z.sl != nil {
		return z.sl.length
	}
	return len(z.lp)
}

// IsListpack reports whether the set is in the compact encoding.
func (z *SortedSet) IsListpack() bool { return z.sl == nil }

// Encoding is the name OBJECT ENCODING reports.
func (z *SortedSet) Encoding() string {
	if z.sl == nil {
		return "listpack"
	}
	return "skiplist"
}

// ToSkiplist converts the set to the skiplist encoding.
func (z *SortedSet) ToSkiplist() {
	if z.sl != nil {
		return
	}
	z.sl = newSkiplist()
	for _, e := range z.lp {
		n := z.sl.insert(e.Score, e.Member)
		z.tab.add(n)
	}
	z.lp = nil
}

// ToListpack converts the set to the compact encoding.
func (z *SortedSet) ToListpack() {
	if z.sl == nil {
		return
	}
	lp := make([]Element, 0, z.sl.length)
	for n := z.sl.header.lv(0).forward; n != nil; n = n.lv(0).forward {
		lp = append(lp, Element{n.member, lpScore(n.score)})
	}
	z.lp, z.sl, z.tab = lp, nil, table{}
}

// lpScore is a score as the compact encoding keeps it: Redis writes it as
// text into a listpack, which reads "-0" back as the integer 0.
func lpScore(s float64) float64 {
	if s == 0 {
		return 0
	}
	return s
}

func (z *SortedSet) lpFind(member string) int {
	for i := range z.lp {
		if z.lp[i].Member == member {
			return i
		}
	}
	return -1
}

// lpPos is the index where (score, member) sorts in the compact encoding.
func (z *SortedSet) lpPos(score float64, member string) int {
	return sort.Search(len(z.lp), func(i int) bool {
		return !less(z.lp[i].Score, z.lp[i].Member, score, member)
	})
}

// Score returns member's score.
func (z *SortedSet) Score(member string) (float64, bool) {
	if z.sl != nil {
		if n := z.tab.find(member); n != nil {
			return n.score, true
		}
		return 0, false
	}
	if i := z.lpFind(member); i >= 0 {
		return z.lp[i].Score, true
	}
	return 0, false
}

// Ref is where Find found a member, so Update can change its score
// without looking it up again (ZADD reads the score before it decides).
type Ref struct {
	n *node // skiplist form
	i int   // compact form: the index in lp
}

// Find returns member's score and where it is; ok is false when it is
// absent.
func (z *SortedSet) Find(member string) (ref Ref, score float64, ok bool) {
	if z.sl != nil {
		if n := z.tab.find(member); n != nil {
			return Ref{n: n}, n.score, true
		}
		return Ref{}, 0, false
	}
	if i := z.lpFind(member); i >= 0 {
		return Ref{i: i}, z.lp[i].Score, true
	}
	return Ref{}, 0, false
}

// Update sets the score of the member Find returned ref for, with z
// unchanged since, as Set would. The score must not be NaN.
func (z *SortedSet) Update(ref Ref, score float64) {
	if z.sl != nil {
		if n := ref.n; n.score != score || math.Signbit(n.score) != math.Signbit(score) {
			z.sl.updateScore(n, score)
		}
		return
	}
	z.lpUpdate(ref.i, lpScore(score))
}

// lpUpdate moves the compact form's element i to score's place.
func (z *SortedSet) lpUpdate(i int, score float64) {
	if z.lp[i].Score == score {
		return
	}
	member := z.lp[i].Member
	z.lp = append(z.lp[:i], z.lp[i+1:]...)
	z.lpInsert(member, score)
}

// lpInsert puts an element in the compact form at its place by score.
func (z *SortedSet) lpInsert(member string, score float64) {
	i := z.lpPos(score, member)
	z.lp = append(z.lp, Element{})
	copy(z.lp[i+1:], z.lp[i:])
	z.lp[i] = Element{member, score}
}

// Set adds member with score or changes its score; it reports whether the
// member is new. The score must not be NaN.
func (z *SortedSet) Set(member string, score float64) bool {
	if ref, _, ok := z.Find(member); ok {
		z.Update(ref, score)
		return false
	}
	z.Insert(member, score)
	return true
}

// Insert adds member, which must be absent (Find said so, with z
// unchanged since), with score. The score must not be NaN.
func (z *SortedSet) Insert(member string, score float64) {
	if z.sl != nil {
		z.tab.add(z.sl.insert(score, member))
		return
	}
	z.lpInsert(member, lpScore(score))
}

// Remove deletes member; it reports whether it was present.
func (z *SortedSet) Remove(member string) bool {
	if z.sl != nil {
		n := z.tab.remove(member)
		if n == nil {
			return false
		}
		z.sl.remove(n.score, n.member)
		return true
	}
	if i := z.lpFind(member); i >= 0 {
		z.lp = append(z.lp[:i], z.lp[i+1:]...)
		return true
	}
	return false
}

// Rank returns member's 0-based rank in ascending order.
func (z *SortedSet) Rank(member string) (int, bool) {
	if z.sl != nil {
		n := z.tab.find(member)
		if n == nil {
			return 0, false
		}
		return z.sl.rank(n.score, n.member) - 1, true
	}
	i := z.lpFind(member)
	return i, i >= 0
}

// At returns the element at 0-based rank r (0 <= r < Len).
func (z *SortedSet) At(r int) Element {
	if z.sl != nil {
		n := z.sl.byRank(r + 1)
		return Element{n.member, n.score}
	}
	return z.lp[r]
}

// Walk calls fn on the elements from 0-based rank start, ascending, or
// descending when rev, until fn returns false or the set ends.
func (z *SortedSet) Walk(start int, rev bool, fn func(Element) bool) {
	if start < 0 || start >= z.Len() {
		return
	}
	if z.sl != nil {
		for n := z.sl.byRank(start + 1); n != nil; {
			if !fn(Element{n.member, n.score}) {
				return
			}
			if rev {
				n = n.backward
			} else {
				n = n.lv(0).forward
			}
		}
		return
	}
	if rev {
		for i := start; i >= 0; i-- {
			if !fn(z.lp[i]) {
				return
			}
		}
		return
	}
	for i := start; i < len(z.lp); i++ {
		if !fn(z.lp[i]) {
			return
		}
	}
}

// ScoreRange is an interval of scores, each end inclusive or exclusive.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

func (r ScoreRange) aboveMin(s float64) bool {
	if r.MinEx {
		return s > r.Min
	}
	return s >= r.Min
}

func (r ScoreRange) belowMax(s float64) bool {
	if r.MaxEx {
		return s < r.Max
	}
	return s <= r.Max
}

// LexBound is one end of a lexicographic range: "-" (Inf -1), "+" (Inf
// 1), or a string, exclusive when Ex.
type LexBound struct {
	S   string
	Ex  bool
	Inf int
}

// LexRange is an interval of members.
type LexRange struct{ Min, Max LexBound }

func (r LexRange) aboveMin(m string) bool {
	switch r.Min.Inf {
	case -1:
		return true
	case 1:
		return false
	}
	if r.Min.Ex {
		return m > r.Min.S
	}
	return m >= r.Min.S
}

func (r LexRange) belowMax(m string) bool {
	switch r.Max.Inf {
	case 1:
		return true
	case -1:
		return false
	}
	if r.Max.Ex {
		return m < r.Max.S
	}
	return m <= r.Max.S
}

// bounds returns the 0-based ranks [first, last] of the elements for which
// above and below hold (both monotone along the order); last < first when
// there are none.
func (z *SortedSet) bounds(above, below func(Element) bool) (int, int) {
	if z.sl != nil {
		_, first := z.sl.firstAfter(func(n *node) bool { return !above(Element{n.member, n.score}) })
		_, last := z.sl.lastBefore(func(n *node) bool { return below(Element{n.member, n.score}) })
		return first - 1, last - 1
	}
	first := sort.Search(len(z.lp), func(i int) bool { return above(z.lp[i]) })
	last := sort.Search(len(z.lp), func(i int) bool { return !below(z.lp[i]) }) - 1
	return first, last
}

// ScoreRanks returns the 0-based ranks [first, last] of the elements with
// scores in r; last < first when there are none.
func (z *SortedSet) ScoreRanks(r ScoreRange) (int, int) {
	return z.bounds(func(e Element) bool { return r.aboveMin(e.Score) }, func(e Element) bool { return r.belowMax(e.Score) })
}

// LexRanks returns the 0-based ranks [first, last] of the members in r
// (meaningful when all scores are equal, as Redis's lex commands assume).
func (z *SortedSet) LexRanks(r LexRange) (int, int) {
	if z.sl == nil {
		return z.lpLexRanks(r, false)
	}
	return z.bounds(func(e Element) bool { return r.aboveMin(e.Member) }, func(e Element) bool { return r.belowMax(e.Member) })
}

// LexRanksRev is LexRanks for a walk from the top (ZREVRANGEBYLEX): the
// two differ only for the compact encoding with differing scores.
func (z *SortedSet) LexRanksRev(r LexRange) (int, int) {
	if z.sl == nil {
		return z.lpLexRanks(r, true)
	}
	return z.LexRanks(r)
}

// cmpLex compares two bounds as Redis's sdscmplex: "-" below and "+"
// above every string.
func cmpLex(a, b LexBound) int {
	if a.Inf != 0 || b.Inf != 0 {
		if a.Inf == b.Inf {
			return 0
		}
		if a.Inf == -1 || b.Inf == 1 {
			return -1
		}
		return 1
	}
	return strings.Compare(a.S, b.S)
}

// lpLexRanks walks the compact encoding as Redis's listpack code does,
// which stays deterministic when scores differ: forward, from the first
// member >= min (none if it is above max) on while <= max; rev, from the
// last member <= max (none if it is below min) back while >= min.
func (z *SortedSet) lpLexRanks(r LexRange, rev bool) (int, int) {
	n := len(z.lp)
	none := func() (int, int) { return n, n - 1 }
	cmp := cmpLex(r.Min, r.Max)
	if n == 0 || cmp > 0 || (cmp == 0 && (r.Min.Ex || r.Max.Ex)) {
		return none()
	}
	if !r.aboveMin(z.lp[n-1].Member) || !r.belowMax(z.lp[0].Member) {
		return none()
	}
	if rev {
		last := -1
		for i := n - 1; i >= 0; i-- {
			if r.belowMax(z.lp[i].Member) {
				last = i
				break
			}
		}
		if last < 0 || !r.aboveMin(z.lp[last].Member) {
			return none()
		}
		first := last
		for first > 0 && r.aboveMin(z.lp[first-1].Member) {
			first--
		}
		return first, last
	}
	first := -1
	for i := range z.lp {
		if r.aboveMin(z.lp[i].Member) {
			first = i
			break
		}
	}
	if first < 0 || !r.belowMax(z.lp[first].Member) {
		return none()
	}
	last := first
	for last+1 < n && r.belowMax(z.lp[last+1].Member) {
		last++
	}
	return first, last
}

// RemoveRanks deletes the elements at 0-based ranks start..stop (within
// the set) and returns how many it removed.
func (z *SortedSet) RemoveRanks(start, stop int) int {
	if start < 0 {
		start = 0
	}
	if stop >= z.Len() {
		stop = z.Len() - 1
	}
	if start > stop {
		return 0
	}
	if z.sl != nil {
		return z.sl.removeRanks(start+1, stop+1, func(n *node) { z.tab.remove(n.member) })
	}
	z.lp = append(z.lp[:start], z.lp[stop+1:]...)
	return stop - start + 1
}

// Copy returns a deep copy in the same encoding.
func (z *SortedSet) Copy() any {
	if z.sl == nil {
		return &SortedSet{lp: append([]Element(nil), z.lp...)}
	}
	c := NewSkiplist()
	for n := z.sl.header.lv(0).forward; n != nil; n = n.lv(0).forward {
		c.tab.add(c.sl.insert(n.score, n.member))
	}
	return c
}

// Scan visits, from cursor, buckets of the member index until at least
// count elements were seen or 10*count buckets were visited, and returns
// the next cursor (0 at the end). The compact encoding is returned whole
// with cursor 0, as Redis does. An element present from a scan's start to
// its end is visited at least once.
func (z *SortedSet) Scan(cursor uint64, count int, fn func(Element)) uint64 {
	if z.sl == nil {
		for _, e := range z.lp {
			fn(e)
		}
		return 0
	}
	seen := 0
	for visits := count * 10; ; visits-- {
		cursor = z.tab.scanBucket(cursor, func(n *node) {
			seen++
			fn(Element{n.member, n.score})
		})
		if cursor == 0 || seen >= count || visits <= 1 {
			return cursor
		}
	}
}

// MemoryUsage estimates the set's size in bytes, as Redis's
// objectComputeSize does: exact for the compact encoding, sampled for the
// skiplist (samples elements, 0 = all).
func (z *SortedSet) MemoryUsage(samples int64) int64 {
	if z.sl == nil {
		size := int64(7)
		for _, e := range z.lp {
			size += int64(len(e.Member)) + 2 + 10
		}
		return size
	}
	const nodeSize = int64(unsafe.Sizeof(node{}))
	size := int64(16 + 8*(len(z.tab.buckets)+len(z.tab.old)) + 48)
	n := z.sl.header.lv(0).forward
	var sampled, bytes int64
	for ; n != nil && (samples == 0 || sampled < samples); n = n.lv(0).forward {
		bytes += nodeSize + int64(len(n.member)) + int64(n.levels)*16 + 24
		sampled++
	}
	if sampled > 0 {
		size += bytes * int64(z.sl.length) / sampled
	}
	return size
}
