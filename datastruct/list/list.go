// Package list is the value of a Redis list. As Redis's quicklist of
// listpacks does, it packs the elements into chunks of up to about 8 KB:
// a chunk is one byte array, which the collector never scans, of entries
// that each hold the element's length (a uvarint), its bytes, and the
// length's bytes again in reverse, so that a chunk is read from either
// end. The chunks sit in a ring buffer, so pushes and pops at both ends
// are O(1) amortized, and an index is reached by walking chunk counts
// from the nearer end, then the entries of one chunk.
//
// Bytes once written into a chunk never change. Elements are handed out
// as views of their chunk (a pop's reply, LRANGE's), and such a reply may
// wait to be written after the command, while other commands run. So a
// push writes only into never-written space at a chunk's edge, and LSET,
// LINSERT and LREM build new arrays. Only a pop from a small chunk that
// no read has seen hands out a copy and gives the entry's space back.
package list

import (
	"encoding/binary"
	"slices"
	"strings"
	"unsafe"
)

const (
	// chunkMax is the most bytes of entries a chunk grows to (Redis's
	// list-max-listpack-size -2). One larger element gets a chunk of its
	// own.
	chunkMax = 8192
	// chunkMin is the smallest array a chunk starts with.
	chunkMin = 64
)

// chunk is a run of entries in one array.
type chunk struct {
	b        []byte
	lo, hi   int  // the live entries are b[lo:hi]
	wlo, whi int  // b[wlo:whi] has been written (and may be seen): it never changes
	n        int  // live entries
	seen     bool // a read (Index, Range, ...) handed out a view of b
}

// entrySize is the bytes an entry of an element of n bytes takes.
func entrySize(n int) int {
	k := 1
	for x := n; x >= 0x80; x >>= 7 {
		k++
	}
	return n + 2*k
}

// newArray makes an array of at least n bytes that takes up the whole of
// the allocator's size class (2,300 bytes asked for give 2,304).
func newArray(n int) []byte {
	b := slices.Grow([]byte(nil), n)
	return b[:cap(b)]
}

func newChunk(capacity int, front bool) *chunk {
	c := &chunk{b: newArray(capacity)}
	if front {
		c.lo, c.hi, c.wlo, c.whi = len(c.b), len(c.b), len(c.b), len(c.b)
	}
	return c
}

// view is b as a string without a copy; b's bytes never change.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// next reads the entry at p: its element and the position after it.
func (c *chunk) next(p int) (string, int) {
	x, k := binary.Uvarint(c.b[p:])
	d := p + k
	e := d + int(x)
	return view(c.b[d:e]), e + k
}

// prev reads the entry that ends at e: its element and its position.
func (c *chunk) prev(e int) (string, int) {
	var x uint64
	k := 0
	for shift := uint(0); ; shift += 7 {
		k++
		b := c.b[e-k]
		x |= uint64(b&0x7f) << shift
		if b < 0x80 {
			break
		}
	}
	d := e - k - int(x)
	return view(c.b[d : e-k]), d - k
}

// offset is the position of entry k (0 <= k <= n; n gives hi), walked
// from the nearer end.
func (c *chunk) offset(k int) int {
	if k <= c.n/2 {
		p := c.lo
		for ; k > 0; k-- {
			_, p = c.next(p)
		}
		return p
	}
	e := c.hi
	for j := c.n; j > k; j-- {
		_, e = c.prev(e)
	}
	return e
}

// room reports whether an entry of size bytes fits at the front or back
// edge without touching written bytes. A chunk with nothing live first
// moves its live range to that edge of its written bytes.
func (c *chunk) room(front bool, size int) bool {
	if c.n == 0 {
		if front {
			c.lo, c.hi = c.wlo, c.wlo
		} else {
			c.lo, c.hi = c.whi, c.whi
		}
	}
	if front {
		return c.lo == c.wlo && c.wlo >= size
	}
	return c.hi == c.whi && len(c.b)-c.whi >= size
}

// putEntry writes the entry of s at the start of b, which has room.
func putEntry(b []byte, s string) {
	k := binary.PutUvarint(b, uint64(len(s)))
	e := k + copy(b[k:], s)
	for j := 0; j < k; j++ {
		b[e+j] = b[k-1-j]
	}
}

// write puts the entry of s (size bytes) at an edge that has room.
func (c *chunk) write(front bool, s string, size int) {
	if front {
		c.lo -= size
		c.wlo = c.lo
		putEntry(c.b[c.lo:], s)
	} else {
		putEntry(c.b[c.hi:], s)
		c.hi += size
		c.whi = c.hi
	}
	c.n++
}

// regrow moves the live entries to a new array for the need bytes
// (at most chunkMax) they and the entry to come take: twice that, from
// chunkMin to chunkMax, so a growing chunk doubles and a chunk with few
// live entries (a short queue) stays small. The entries go to the edge
// away from the pushes.
func (c *chunk) regrow(front bool, need int) {
	b := newArray(min(max(2*need, chunkMin), chunkMax))
	live := c.hi - c.lo
	p := 0
	if front {
		p = len(b) - live
	}
	copy(b[p:], c.b[c.lo:c.hi])
	c.b, c.lo, c.hi, c.wlo, c.whi = b, p, p+live, p, p+live
	c.seen = false // the views handed out are of the old array
}

// packed makes a chunk of an exact array holding the given entry bytes.
func packed(n int, parts ...[]byte) *chunk {
	b := slices.Concat(parts...)
	return &chunk{b: b, hi: len(b), whi: len(b), n: n}
}

// splice is a new chunk of c's entries with b[p:e] (whole entries)
// replaced by the entry of s: a replacement when e > p, an insertion
// when e == p.
func (c *chunk) splice(p, e int, s string) *chunk {
	ent := make([]byte, entrySize(len(s)))
	putEntry(ent, s)
	n := c.n + 1
	if e > p {
		n--
	}
	return packed(n, c.b[c.lo:p], ent, c.b[e:c.hi])
}

// List is a deque of strings. The zero value is an empty list.
type List struct {
	ring []*chunk // len(ring) is zero or a power of two
	head int      // index in ring of the first chunk
	nc   int      // chunks
	n    int      // elements
}

// New returns an empty list.
func New() *List { return &List{} }

// Len is the number of elements.
func (l *List) Len() int { return l.n }

// at is chunk j (0 <= j < nc).
func (l *List) at(j int) *chunk { return l.ring[(l.head+j)&(len(l.ring)-1)] }

func (l *List) setAt(j int, c *chunk) { l.ring[(l.head+j)&(len(l.ring)-1)] = c }

// setChunks makes cs the list's chunks.
func (l *List) setChunks(cs []*chunk) {
	if len(cs) == 0 {
		l.ring, l.head, l.nc = nil, 0, 0
		return
	}
	size := 1
	for size < len(cs) {
		size *= 2
	}
	l.ring = make([]*chunk, size)
	copy(l.ring, cs)
	l.head, l.nc = 0, len(cs)
}

// resizeRing moves the chunks into a ring of size slots (a power of two,
// at least nc).
func (l *List) resizeRing(size int) {
	r := make([]*chunk, size)
	for j := range l.nc {
		r[j] = l.at(j)
	}
	l.ring, l.head = r, 0
}

// chunks is the chunks in order.
func (l *List) chunks() []*chunk {
	cs := make([]*chunk, l.nc)
	for j := range cs {
		cs[j] = l.at(j)
	}
	return cs
}

// insertChunk puts c at position j (0 <= j <= nc), moving the shorter
// side.
func (l *List) insertChunk(j int, c *chunk) {
	if l.nc == len(l.ring) {
		l.resizeRing(max(1, 2*len(l.ring)))
	}
	mask := len(l.ring) - 1
	if j < l.nc/2 {
		l.head = (l.head - 1) & mask
		for i := 0; i < j; i++ {
			l.setAt(i, l.at(i+1))
		}
	} else {
		for i := l.nc; i > j; i-- {
			l.setAt(i, l.at(i-1))
		}
	}
	l.setAt(j, c)
	l.nc++
}

// removeChunk drops chunk j, moving the shorter side, and gives the
// ring's memory back once it is a quarter used.
func (l *List) removeChunk(j int) {
	mask := len(l.ring) - 1
	if j < l.nc/2 {
		for i := j; i > 0; i-- {
			l.setAt(i, l.at(i-1))
		}
		l.setAt(0, nil)
		l.head = (l.head + 1) & mask
	} else {
		for i := j; i < l.nc-1; i++ {
			l.setAt(i, l.at(i+1))
		}
		l.setAt(l.nc-1, nil)
	}
	l.nc--
	if len(l.ring) > 4 && l.nc <= len(l.ring)/4 {
		l.resizeRing(len(l.ring) / 2)
	}
}

// locate finds element i (0 <= i < n): chunk j, entry k in it, walking
// from the nearer end.
func (l *List) locate(i int) (j, k int) {
	if i < l.n/2 {
		for j = 0; ; j++ {
			c := l.at(j)
			if i < c.n {
				return j, i
			}
			i -= c.n
		}
	}
	r := l.n - 1 - i // from the end
	for j = l.nc - 1; ; j-- {
		c := l.at(j)
		if r < c.n {
			return j, c.n - 1 - r
		}
		r -= c.n
	}
}

// push writes s at one end:
//   - into the end chunk's fresh space;
//   - into a new array for the end chunk (see regrow), when its edge is
//     fresh but too small, or when the chunk is tiny and popped entries
//     left dead space at its edge;
//   - else into a new chunk, of chunkMax when the end chunk is full.
//
// So pushes and pops taking turns at one end of a long list write on
// into a chunk that a pop emptied and kept, and a chunk is repacked only
// when it is small.
func (l *List) push(front bool, s string) {
	size := entrySize(len(s))
	l.n++
	full := false
	if l.nc > 0 {
		j := 0
		if !front {
			j = l.nc - 1
		}
		c := l.at(j)
		if c.room(front, size) {
			c.write(front, s, size)
			return
		}
		live := c.hi - c.lo
		atEdge := (front && c.lo == c.wlo) || (!front && c.hi == c.whi)
		full = live+size > chunkMax
		if !full && (atEdge || live <= chunkMin) {
			c.regrow(front, live+size)
			c.write(front, s, size)
			return
		}
	}
	capacity := chunkMin
	if full {
		capacity = chunkMax // a long list: start where its chunks end
	}
	c := newChunk(max(capacity, size), front)
	c.write(front, s, size)
	if front {
		l.insertChunk(0, c)
	} else {
		l.insertChunk(l.nc, c)
	}
}

// PushBack appends s.
func (l *List) PushBack(s string) { l.push(false, s) }

// PushFront prepends s.
func (l *List) PushFront(s string) { l.push(true, s) }

// PushBytes pushes a copy of v at the front or the back; v may be a
// buffer the caller reuses.
func (l *List) PushBytes(front bool, v []byte) { l.push(front, view(v)) }

// pop takes the element at one end; the list must not be empty. It
// hands out a view of the entry, which is then dead space nothing
// writes over; but a small chunk that no read has seen gives a copy and
// takes the entry's bytes back as fresh space, so that pushes and pops
// taking turns at one end of a short list do not repack it every time.
// A chunk the pop empties is dropped, unless it ends the list and has
// fresh space for pushes at that end.
func (l *List) pop(front bool) string {
	j, step := 0, 1
	if !front {
		j, step = l.nc-1, -1
	}
	for l.at(j).n == 0 {
		j += step
	}
	c := l.at(j)
	var s string
	if front {
		atEdge := c.lo == c.wlo
		s, c.lo = c.next(c.lo)
		if atEdge && !c.seen && c.hi-c.lo <= chunkMin {
			s, c.wlo = strings.Clone(s), c.lo
		}
	} else {
		atEdge := c.hi == c.whi
		s, c.hi = c.prev(c.hi)
		if atEdge && !c.seen && c.hi-c.lo <= chunkMin {
			s, c.whi = strings.Clone(s), c.hi
		}
	}
	c.n--
	l.n--
	switch {
	case l.n == 0:
		l.setChunks(nil)
	case c.n > 0:
	case j == 0 && front && c.wlo > 0:
	case j == l.nc-1 && !front && c.whi < len(c.b):
	default:
		l.removeChunk(j)
	}
	return s
}

// PopFront removes and returns the first element; the list must not be
// empty.
func (l *List) PopFront() string { return l.pop(true) }

// PopBack removes and returns the last element; the list must not be
// empty.
func (l *List) PopBack() string { return l.pop(false) }

// Index returns element i (0 <= i < Len()).
func (l *List) Index(i int) string {
	j, k := l.locate(i)
	c := l.at(j)
	c.seen = true
	s, _ := c.next(c.offset(k))
	return s
}

// Set replaces element i (0 <= i < Len()).
func (l *List) Set(i int, s string) {
	j, k := l.locate(i)
	c := l.at(j)
	p := c.offset(k)
	_, e := c.next(p)
	l.setAt(j, c.splice(p, e, s))
}

// Range calls fn for the elements start..stop inclusive in order (start
// a valid index; stop is cut to the last); fn returning false stops the
// walk. fn may keep the strings.
func (l *List) Range(start, stop int, fn func(i int, s string) bool) {
	if start < 0 || start >= l.n {
		return
	}
	stop = min(stop, l.n-1)
	j, k := l.locate(start)
	c := l.at(j)
	c.seen = true
	p := c.offset(k)
	for i := start; i <= stop; i++ {
		for p == c.hi {
			j++
			c = l.at(j)
			c.seen = true
			p = c.lo
		}
		var s string
		s, p = c.next(p)
		if !fn(i, s) {
			return
		}
	}
}

// Lens calls fn with the length of each element in order until fn
// returns false. Unlike Range it hands out no view (see pop).
func (l *List) Lens(fn func(n int) bool) {
	for j := range l.nc {
		c := l.at(j)
		for p := c.lo; p < c.hi; {
			s, q := c.next(p)
			if !fn(len(s)) {
				return
			}
			p = q
		}
	}
}

// RangeBack calls fn for the elements from start down to 0, in that
// order (start a valid index); fn returning false stops the walk. fn may
// keep the strings.
func (l *List) RangeBack(start int, fn func(i int, s string) bool) {
	if start < 0 || start >= l.n {
		return
	}
	j, k := l.locate(start)
	c := l.at(j)
	c.seen = true
	e := c.offset(k + 1)
	for i := start; i >= 0; i-- {
		for e == c.lo {
			j--
			c = l.at(j)
			c.seen = true
			e = c.hi
		}
		var s string
		s, e = c.prev(e)
		if !fn(i, s) {
			return
		}
	}
}

// Insert puts s at index i (0 <= i <= Len()). A chunk grown past chunkMax
// splits in two.
func (l *List) Insert(i int, s string) {
	if i == 0 || i == l.n {
		l.push(i == 0, s)
		return
	}
	j, k := l.locate(i)
	c := l.at(j)
	p := c.offset(k)
	c = c.splice(p, p, s)
	l.n++
	if c.hi <= chunkMax {
		l.setAt(j, c)
		return
	}
	m := c.offset(c.n / 2)
	l.setAt(j, packed(c.n/2, c.b[:m]))
	l.insertChunk(j+1, packed(c.n-c.n/2, c.b[m:]))
}

// Filter keeps the elements for which keep returns true, in order; keep
// sees each element once and must not keep the strings. A chunk that
// loses elements is repacked.
func (l *List) Filter(keep func(i int, s string) bool) {
	var out []*chunk
	var parts [][]byte // the entries kept of the chunk being read
	i, n := 0, 0
	for _, c := range l.chunks() {
		parts = parts[:0]
		for p := c.lo; p < c.hi; i++ {
			s, q := c.next(p)
			if keep(i, s) {
				parts = append(parts, c.b[p:q])
			}
			p = q
		}
		n += len(parts)
		switch len(parts) {
		case c.n:
			if c.n > 0 {
				out = append(out, c)
			}
		case 0:
		default:
			out = append(out, packed(len(parts), parts...))
		}
	}
	l.setChunks(out)
	l.n = n
}

// Trim keeps only the elements start..stop inclusive (valid indexes; an
// empty range when start > stop).
func (l *List) Trim(start, stop int) {
	if start > stop {
		l.setChunks(nil)
		l.n = 0
		return
	}
	j1, k1 := l.locate(start)
	j2, k2 := l.locate(stop)
	cs := make([]*chunk, 0, j2-j1+1)
	for j := j1; j <= j2; j++ {
		cs = append(cs, l.at(j))
	}
	first, last := cs[0], cs[len(cs)-1]
	lo, hi := first.offset(k1), last.offset(k2+1)
	if first == last {
		first.n = k2 - k1 + 1
	} else {
		first.n -= k1
		last.n = k2 + 1
	}
	first.lo, last.hi = lo, hi
	l.setChunks(cs)
	l.n = stop - start + 1
}

// Slice returns the elements in order.
func (l *List) Slice() []string {
	out := make([]string, 0, l.n)
	l.Range(0, l.n-1, func(_ int, s string) bool {
		out = append(out, s)
		return true
	})
	return out
}

// Copy returns a list with the same elements that shares nothing mutable.
func (l *List) Copy() any {
	cs := make([]*chunk, 0, l.nc)
	for _, c := range l.chunks() {
		if c.n > 0 {
			cs = append(cs, packed(c.n, c.b[c.lo:c.hi]))
		}
	}
	cp := &List{n: l.n}
	cp.setChunks(cs)
	return cp
}

// Encoding is what Redis 7.0's OBJECT ENCODING says of every list.
func (l *List) Encoding() string { return "quicklist" }

// MemoryUsage estimates the bytes Redis's quicklist would use: the
// quicklist header plus listpack nodes of about 8KB holding the elements
// with their per-entry overhead. samples is not needed: the sizes are
// summed exactly.
func (l *List) MemoryUsage(samples int64) int64 {
	const quicklistHeader, nodeHeader, lpHeader = 40, 32, 7
	var data int64
	l.Lens(func(s int) bool {
		data += int64(s) + 2
		if s > 63 {
			data += 2
		}
		return true
	})
	nodes := data/8192 + 1
	return quicklistHeader + nodes*(nodeHeader+lpHeader) + data
}
