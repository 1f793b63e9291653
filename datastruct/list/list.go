// Package list is the value of a Redis list: a double-ended queue of
// strings in a growable ring buffer, so pushes and pops at both ends are
// O(1) amortized and any index is reached in O(1).
package list

// minCap is the smallest buffer a non-empty list keeps.
const minCap = 8

// List is a deque of strings. The zero value is an empty list.
type List struct {
	buf  []string // len(buf) is zero or a power of two
	head int      // index in buf of element 0
	n    int
}

// New returns an empty list.
func New() *List { return &List{} }

// Len is the number of elements.
func (l *List) Len() int { return l.n }

func (l *List) slot(i int) int { return (l.head + i) & (len(l.buf) - 1) }

// grow makes room for at least one more element.
func (l *List) grow() {
	if l.n < len(l.buf) {
		return
	}
	c := len(l.buf) * 2
	if c < minCap {
		c = minCap
	}
	l.resize(c)
}

// resize copies the elements into a buffer of c slots (a power of two).
func (l *List) resize(c int) {
	nb := make([]string, c)
	if l.n > 0 {
		if l.head+l.n <= len(l.buf) {
			copy(nb, l.buf[l.head:l.head+l.n])
		} else {
			k := copy(nb, l.buf[l.head:])
			copy(nb[k:], l.buf[:l.n-k])
		}
	}
	l.buf, l.head = nb, 0
}

// shrink gives memory back once the list uses a quarter of its buffer.
func (l *List) shrink() {
	if len(l.buf) > minCap && l.n <= len(l.buf)/4 {
		l.resize(len(l.buf) / 2)
	}
}

// PushBack appends s.
func (l *List) PushBack(s string) {
	l.grow()
	l.buf[l.slot(l.n)] = s
	l.n++
}

// PushFront prepends s.
func (l *List) PushFront(s string) {
	l.grow()
	l.head = (l.head - 1) & (len(l.buf) - 1)
	l.buf[l.head] = s
	l.n++
}

// PopFront removes and returns the first element; the list must not be
// empty.
func (l *List) PopFront() string {
	s := l.buf[l.head]
	l.buf[l.head] = ""
	l.head = (l.head + 1) & (len(l.buf) - 1)
	l.n--
	l.shrink()
	return s
}

// PopBack removes and returns the last element; the list must not be
// empty.
func (l *List) PopBack() string {
	i := l.slot(l.n - 1)
	s := l.buf[i]
	l.buf[i] = ""
	l.n--
	l.shrink()
	return s
}

// Index returns element i (0 <= i < Len()).
func (l *List) Index(i int) string { return l.buf[l.slot(i)] }

// Set replaces element i (0 <= i < Len()).
func (l *List) Set(i int, s string) { l.buf[l.slot(i)] = s }

// Range calls fn for the elements start..stop inclusive (valid indexes,
// start <= stop) in order; fn returning false stops the walk.
func (l *List) Range(start, stop int, fn func(i int, s string) bool) {
	for i := start; i <= stop; i++ {
		if !fn(i, l.buf[l.slot(i)]) {
			return
		}
	}
}

// Insert puts s at index i (0 <= i <= Len()), moving the shorter side.
func (l *List) Insert(i int, s string) {
	if i == 0 {
		l.PushFront(s)
		return
	}
	if i == l.n {
		l.PushBack(s)
		return
	}
	l.grow()
	if i < l.n/2 {
		l.head = (l.head - 1) & (len(l.buf) - 1)
		for j := 0; j < i; j++ {
			l.buf[l.slot(j)] = l.buf[l.slot(j+1)]
		}
	} else {
		for j := l.n; j > i; j-- {
			l.buf[l.slot(j)] = l.buf[l.slot(j-1)]
		}
	}
	l.buf[l.slot(i)] = s
	l.n++
}

// Filter keeps the elements for which keep returns true, in order.
func (l *List) Filter(keep func(i int, s string) bool) {
	w := 0
	for r := 0; r < l.n; r++ {
		s := l.buf[l.slot(r)]
		if keep(r, s) {
			l.buf[l.slot(w)] = s
			w++
		}
	}
	for j := w; j < l.n; j++ {
		l.buf[l.slot(j)] = ""
	}
	l.n = w
	for l.n <= len(l.buf)/4 && len(l.buf) > minCap {
		l.resize(len(l.buf) / 2)
	}
	if l.n == 0 {
		l.buf, l.head = nil, 0
	}
}

// Trim keeps only the elements start..stop inclusive (valid indexes; an
// empty range when start > stop).
func (l *List) Trim(start, stop int) {
	if start > stop {
		l.Filter(func(int, string) bool { return false })
		return
	}
	for i := 0; i < start; i++ {
		l.buf[l.slot(i)] = ""
	}
	for i := stop + 1; i < l.n; i++ {
		l.buf[l.slot(i)] = ""
	}
	l.head = l.slot(start)
	l.n = stop - start + 1
	for l.n <= len(l.buf)/4 && len(l.buf) > minCap {
		l.resize(len(l.buf) / 2)
	}
}

// Slice returns the elements in order.
func (l *List) Slice() []string {
	out := make([]string, l.n)
	for i := range out {
		out[i] = l.buf[l.slot(i)]
	}
	return out
}

// Copy returns a list with the same elements that shares nothing mutable.
func (l *List) Copy() any {
	c := &List{}
	if l.n > 0 {
		c.buf = make([]string, len(l.buf))
		c.n = l.n
		for i := 0; i < l.n; i++ {
			c.buf[i] = l.buf[l.slot(i)]
		}
	}
	return c
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
	for i := 0; i < l.n; i++ {
		s := len(l.buf[l.slot(i)])
		data += int64(s) + 2
		if s > 63 {
			data += 2
		}
	}
	nodes := data/8192 + 1
	return quicklistHeader + nodes*(nodeHeader+lpHeader) + data
}
