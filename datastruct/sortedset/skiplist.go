package sortedset

import (
	"math/rand/v2"
	"unsafe"
)

// The skiplist orders elements by (score, member) and keeps, on every
// forward link, the number of elements the link jumps over (its span), so
// the rank of an element and the element at a rank are found in O(log n).

const (
	maxLevel = 32 // Redis's ZSKIPLIST_MAXLEVEL; a level is kept with p = 1/4
)

type link struct {
	forward *node
	span    int
}

// A node's links are stored just before it, in the same object (nodeN):
// link i at 16*(i+1) bytes below the node. A search step reads a node's
// score and one of its links, which then share a cache line for most
// nodes; with the links behind a slice header after the other fields, a
// step touched two lines, and searches of a large set wait on memory.
type node struct {
	score    float64
	member   string
	backward *node
	// next chains the node in its hash bucket (the member index).
	next   *node
	hash   uint64
	levels int
}

const linkSize = int(unsafe.Sizeof(link{}))

// lv returns n's link at level i (i < n.levels).
func (n *node) lv(i int) *link {
	return (*link)(unsafe.Add(unsafe.Pointer(n), -(i+1)*linkSize))
}

type skiplist struct {
	header *node
	tail   *node
	length int
	level  int
}

func newSkiplist() *skiplist {
	return &skiplist{header: newNode(maxLevel), level: 1}
}

func randomLevel() int {
	l := 1
	for l < maxLevel && rand.Uint32()&0xffff < 0xffff/4 {
		l++
	}
	return l
}

// less reports whether (s1, m1) sorts before (s2, m2).
func less(s1 float64, m1 string, s2 float64, m2 string) bool {
	return s1 < s2 || (s1 == s2 && m1 < m2)
}

// Nodes of up to four levels (all but about 1 in 256) are allocated in an
// object of their size, the others (and the header) with room for all.
type (
	node1 struct {
		lv [1]link
		node
	}
	node2 struct {
		lv [2]link
		node
	}
	node3 struct {
		lv [3]link
		node
	}
	node4 struct {
		lv [4]link
		node
	}
	nodeMax struct {
		lv [maxLevel]link
		node
	}
)

// newNode allocates a node with levels links.
func newNode(levels int) *node {
	var n *node
	switch levels {
	case 1:
		n = &(&node1{}).node
	case 2:
		n = &(&node2{}).node
	case 3:
		n = &(&node3{}).node
	case 4:
		n = &(&node4{}).node
	default:
		n = &(&nodeMax{}).node
	}
	n.levels = levels
	return n
}

// insert adds a new element (the member must not be present).
func (sl *skiplist) insert(score float64, member string) *node {
	n := newNode(randomLevel())
	n.member, n.score = member, score
	sl.insertNode(n)
	return n
}

// insertNode links n (member, score and level set, links cleared) at its
// place.
func (sl *skiplist) insertNode(n *node) {
	score, member := n.score, n.member
	var update [maxLevel]*node
	var rank [maxLevel]int
	x := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		if i < sl.level-1 {
			rank[i] = rank[i+1]
		}
		for f := x.lv(i).forward; f != nil && less(f.score, f.member, score, member); f = x.lv(i).forward {
			rank[i] += x.lv(i).span
			x = f
		}
		update[i] = x
	}
	lvl := n.levels
	if lvl > sl.level {
		for i := sl.level; i < lvl; i++ {
			rank[i] = 0
			update[i] = sl.header
			update[i].lv(i).span = sl.length
		}
		sl.level = lvl
	}
	for i := 0; i < lvl; i++ {
		n.lv(i).forward = update[i].lv(i).forward
		update[i].lv(i).forward = n
		n.lv(i).span = update[i].lv(i).span - (rank[0] - rank[i])
		update[i].lv(i).span = rank[0] - rank[i] + 1
	}
	for i := lvl; i < sl.level; i++ {
		update[i].lv(i).span++
	}
	if update[0] != sl.header {
		n.backward = update[0]
	}
	if n.lv(0).forward != nil {
		n.lv(0).forward.backward = n
	} else {
		sl.tail = n
	}
	sl.length++
}

func (sl *skiplist) unlink(x *node, update *[maxLevel]*node) {
	for i := 0; i < sl.level; i++ {
		if update[i].lv(i).forward == x {
			update[i].lv(i).span += x.lv(i).span - 1
			update[i].lv(i).forward = x.lv(i).forward
		} else {
			update[i].lv(i).span--
		}
	}
	if x.lv(0).forward != nil {
		x.lv(0).forward.backward = x.backward
	} else {
		sl.tail = x.backward
	}
	for sl.level > 1 && sl.header.lv(sl.level-1).forward == nil {
		sl.level--
	}
	sl.length--
}

// remove deletes the element (score, member) and returns its node.
func (sl *skiplist) remove(score float64, member string) *node {
	var update [maxLevel]*node
	x := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for f := x.lv(i).forward; f != nil && less(f.score, f.member, score, member); f = x.lv(i).forward {
			x = f
		}
		update[i] = x
	}
	x = x.lv(0).forward
	if x == nil || x.score != score || x.member != member {
		return nil
	}
	sl.unlink(x, &update)
	return x
}

// updateScore moves n to newScore; it keeps the node when its position
// does not change and returns the node now holding the element.
func (sl *skiplist) updateScore(n *node, newScore float64) *node {
	if (n.backward == nil || n.backward.score < newScore || (n.backward.score == newScore && n.backward.member < n.member)) &&
		(n.lv(0).forward == nil || n.lv(0).forward.score > newScore || (n.lv(0).forward.score == newScore && n.lv(0).forward.member > n.member)) {
		n.score = newScore
		return n
	}
	sl.remove(n.score, n.member)
	n.score = newScore
	n.backward = nil
	for i := 0; i < n.levels; i++ {
		*n.lv(i) = link{}
	}
	sl.insertNode(n)
	return n
}

// rank returns the 1-based rank of (score, member), 0 when absent.
func (sl *skiplist) rank(score float64, member string) int {
	r := 0
	x := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for f := x.lv(i).forward; f != nil && !less(score, member, f.score, f.member); f = x.lv(i).forward {
			r += x.lv(i).span
			x = f
		}
		if x != sl.header && x.member == member {
			return r
		}
	}
	return 0
}

// byRank returns the node at 1-based rank r, nil when out of range.
func (sl *skiplist) byRank(r int) *node {
	if r < 1 || r > sl.length {
		return nil
	}
	t := 0
	x := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for x.lv(i).forward != nil && t+x.lv(i).span <= r {
			t += x.lv(i).span
			x = x.lv(i).forward
		}
		if t == r {
			return x
		}
	}
	return nil
}

// firstAfter returns the first node for which below is false (below must
// be monotone: true then false along the list), and its 1-based rank.
func (sl *skiplist) firstAfter(below func(*node) bool) (*node, int) {
	r := 0
	x := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for f := x.lv(i).forward; f != nil && below(f); f = x.lv(i).forward {
			r += x.lv(i).span
			x = f
		}
	}
	return x.lv(0).forward, r + 1
}

// lastBefore returns the last node for which notAbove is true (monotone:
// true then false), and its 1-based rank; nil, 0 when there is none.
func (sl *skiplist) lastBefore(notAbove func(*node) bool) (*node, int) {
	r := 0
	x := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for f := x.lv(i).forward; f != nil && notAbove(f); f = x.lv(i).forward {
			r += x.lv(i).span
			x = f
		}
	}
	if x == sl.header {
		return nil, 0
	}
	return x, r
}

// removeRanks deletes the nodes at 1-based ranks start..end, calling fn on
// each removed node, and returns how many it removed.
func (sl *skiplist) removeRanks(start, end int, fn func(*node)) int {
	var update [maxLevel]*node
	t := 0
	x := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for x.lv(i).forward != nil && t+x.lv(i).span < start {
			t += x.lv(i).span
			x = x.lv(i).forward
		}
		update[i] = x
	}
	t++
	x = x.lv(0).forward
	removed := 0
	for x != nil && t <= end {
		next := x.lv(0).forward
		sl.unlink(x, &update)
		fn(x)
		removed++
		t++
		x = next
	}
	return removed
}
