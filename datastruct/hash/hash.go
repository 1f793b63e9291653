// Package hash is the value of a Redis hash: a small form that keeps
// field/value pairs in insertion order (Redis's listpack) and a big form, a
// chained hash table whose buckets can be scanned with a reverse-binary
// cursor (Redis's dict). The caller decides when to convert; conversion is
// one-way.
package hash

import (
	"hash/maphash"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"

	"goredis/lib/utils"
)

var seed = maphash.MakeSeed()

// Hash maps fields to values. The zero value is not usable; call New.
type Hash struct {
	// small form (table == nil): parallel slices in insertion order
	fields []string
	values []string
	table  *table
}

// New returns an empty hash in the small form.
func New() *Hash { return &Hash{} }

// IsSmall reports whether the hash is still in the small (listpack) form.
func (h *Hash) IsSmall() bool { return h.table == nil }

// Encoding is the name OBJECT ENCODING reports.
func (h *Hash) Encoding() string {
	if h.table == nil {
		return "listpack"
	}
	return "hashtable"
}

// Len is the number of fields.
func (h *Hash) Len() int {
	if h.table == nil {
		return len(h.fields)
	}
	return h.table.used
}

// Convert turns a small hash into the big form; a big one is unchanged.
func (h *Hash) Convert() {
	if h.table != nil {
		return
	}
	t := newTable(len(h.fields))
	for i, f := range h.fields {
		t.set(f, h.values[i])
	}
	h.table = t
	h.fields, h.values = nil, nil
}

func (h *Hash) smallIndex(field []byte) int {
	for i, f := range h.fields {
		if f == string(field) {
			return i
		}
	}
	return -1
}

// Get returns the value of field.
func (h *Hash) Get(field []byte) (string, bool) {
	if h.table == nil {
		if i := h.smallIndex(field); i >= 0 {
			return h.values[i], true
		}
		return "", false
	}
	if e := h.table.find(field); e != nil {
		return e.view(), true
	}
	return "", false
}

// Set stores value under field (copying field when it is new) and reports
// whether the field is new. A field already present keeps its position.
func (h *Hash) Set(field []byte, value string) bool {
	if h.table == nil {
		if i := h.smallIndex(field); i >= 0 {
			h.values[i] = value
			return false
		}
		h.fields = append(h.fields, string(field))
		h.values = append(h.values, value)
		return true
	}
	if e := h.table.find(field); e != nil {
		e.val, e.owned = value, false
		return false
	}
	h.table.set(string(field), value)
	return true
}

// SetBytes is Set for a value in the caller's bytes, which it copies. In
// the big form the copy is the entry's own array, and a later value of the
// same length is written over it while no view of it was handed out (Get,
// ForEach, Scan and Random hand views out): HSET over a value of its size
// allocates nothing and leaves no garbage for the collector.
func (h *Hash) SetBytes(field, value []byte) bool {
	if h.table == nil {
		return h.Set(field, string(value))
	}
	if e := h.table.find(field); e != nil {
		if e.owned && len(e.val) == len(value) {
			utils.OverwriteString(e.val, value)
		} else {
			e.val, e.owned = utils.OwnedString(value), len(value) > 0
		}
		return false
	}
	h.table.set(string(field), utils.OwnedString(value)).owned = len(value) > 0
	return true
}

// Delete removes field and reports whether it was there.
func (h *Hash) Delete(field []byte) bool {
	if h.table == nil {
		i := h.smallIndex(field)
		if i < 0 {
			return false
		}
		n := len(h.fields) - 1
		copy(h.fields[i:], h.fields[i+1:])
		copy(h.values[i:], h.values[i+1:])
		h.fields[n], h.values[n] = "", ""
		h.fields, h.values = h.fields[:n], h.values[:n]
		return true
	}
	return h.table.remove(field)
}

// ForEach calls fn for every pair (insertion order in the small form) until
// fn returns false. fn must not modify the hash.
func (h *Hash) ForEach(fn func(field, value string) bool) {
	if h.table == nil {
		for i, f := range h.fields {
			if !fn(f, h.values[i]) {
				return
			}
		}
		return
	}
	h.table.each(func(e *entry) bool { return fn(e.key, e.view()) })
}

// Lens calls fn with the lengths of each field and its value (insertion
// order in the small form) until fn returns false. Unlike ForEach it hands
// out no view of a value (see SetBytes).
func (h *Hash) Lens(fn func(field, value int) bool) {
	if h.table == nil {
		for i, f := range h.fields {
			if !fn(len(f), len(h.values[i])) {
				return
			}
		}
		return
	}
	h.table.each(func(e *entry) bool { return fn(len(e.key), len(e.val)) })
}

// Copy returns a deep copy (a *Hash) in the same form.
func (h *Hash) Copy() any {
	c := &Hash{}
	if h.table == nil {
		c.fields = append([]string(nil), h.fields...)
		c.values = append([]string(nil), h.values...)
		return c
	}
	c.table = newTable(h.table.used)
	h.ForEach(func(f, v string) bool {
		c.table.set(f, v)
		return true
	})
	return c
}

// Random returns a random pair of a non-empty hash.
func (h *Hash) Random() (field, value string) {
	if h.table == nil {
		i := rand.IntN(len(h.fields))
		return h.fields[i], h.values[i]
	}
	return h.table.random()
}

// Scan calls fn for the pairs of one step of a cursor scan and returns the
// cursor to continue from, 0 when the scan is complete. A small hash is
// returned whole. A big one visits buckets in reverse-binary order until
// count pairs were seen or 10*count buckets visited, so a field present
// for the whole scan is returned at least once whatever is added or
// removed (and the table resized) between calls.
func (h *Hash) Scan(cursor uint64, count int, fn func(field, value string)) uint64 {
	if h.table == nil {
		h.ForEach(func(f, v string) bool {
			fn(f, v)
			return true
		})
		return 0
	}
	seen := 0
	for iter := 0; iter < count*10; iter++ {
		cursor = h.table.scanBucket(cursor, func(e *entry) {
			fn(e.key, e.view())
			seen++
		})
		if cursor == 0 || seen >= count {
			break
		}
	}
	return cursor
}

// MemoryUsage estimates the bytes Redis 7.0 (jemalloc) would use for the
// value, as its MEMORY USAGE does: the listpack's allocation in the small
// form; the dict, its bucket array and, from samples fields (0 = all),
// the average entry with its sds field and value times the length in the
// big form.
func (h *Hash) MemoryUsage(samples int64) int64 {
	if h.table == nil {
		n := int64(7) // listpack header and end byte
		for i, f := range h.fields {
			n += lpEntrySize(f) + lpEntrySize(h.values[i])
		}
		return mallocSize(n)
	}
	const dictSize, dictEntrySize = 56, 24
	total := int64(dictSize + 8*(len(h.table.buckets)+len(h.table.old)))
	var sum, seen int64
	h.ForEach(func(f, v string) bool {
		sum += dictEntrySize + sdsAlloc(len(f)) + sdsAlloc(len(v))
		seen++
		return samples <= 0 || seen < samples
	})
	if seen > 0 {
		total += int64(float64(sum) / float64(seen) * float64(h.table.used))
	}
	return total
}

// lpEntrySize is the bytes a listpack entry holding s takes: integer
// encodings for canonical integers, else a string header, plus the
// back-length.
func lpEntrySize(s string) int64 {
	var n int64
	if v, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(v, 10) == s {
		switch {
		case v >= 0 && v <= 127:
			n = 1
		case v >= -4096 && v <= 4095:
			n = 2
		case v >= -32768 && v <= 32767:
			n = 3
		case v >= -8388608 && v <= 8388607:
			n = 4
		case v >= math.MinInt32 && v <= math.MaxInt32:
			n = 5
		default:
			n = 9
		}
	} else {
		l := int64(len(s))
		switch {
		case l < 64:
			n = 1 + l
		case l < 4096:
			n = 2 + l
		default:
			n = 5 + l
		}
	}
	switch {
	case n <= 127:
		return n + 1
	case n < 16383:
		return n + 2
	case n < 2097151:
		return n + 3
	case n < 268435455:
		return n + 4
	}
	return n + 5
}

// sdsAlloc is the allocation of an sds string of n bytes made by sdsnewlen.
func sdsAlloc(n int) int64 {
	hdr := int64(17)
	switch {
	case n > 0 && n < 32:
		hdr = 1
	case n < 256:
		hdr = 3
	case n < 65536:
		hdr = 5
	case uint64(n) < 1<<32:
		hdr = 9
	}
	return mallocSize(hdr + int64(n) + 1)
}

// mallocSize rounds a request up to its jemalloc size class: 8, then
// multiples of 16 up to 128, then four classes per doubling.
func mallocSize(n int64) int64 {
	switch {
	case n <= 8:
		return 8
	case n <= 128:
		return (n + 15) &^ 15
	}
	shift := 63 - bits.LeadingZeros64(uint64(n-1))
	step := int64(1) << (shift - 2)
	return (n + step - 1) &^ (step - 1)
}

// ---- the big form ----

type entry struct {
	key, val string
	next     *entry
	// owned: val's array is the entry's own and no view of it was handed
	// out, so SetBytes may write over it.
	owned bool
}

// view is the entry's value for a caller, who may keep it: val's array
// is the entry's own no more.
func (e *entry) view() string {
	e.owned = false
	return e.val
}

// table is a chained hash table whose size is a power of two. It resizes
// incrementally, as Redis's dict does: while old is set, each operation
// first moves a few of its buckets to buckets, and lookups look in both;
// a resize all at once stalled the server 40-70 ms at 262,144 fields.
type table struct {
	buckets []*entry // len is a power of two
	old     []*entry // the table being emptied into buckets, or nil
	moved   int      // old's buckets below this index are moved (nil)
	used    int
	// maxChain bounds the longest chain of either table (raised by
	// inserts and moves, not lowered by deletes; made exact again when a
	// resize ends): random picks reject against it.
	maxChain int
	newMax   int // the longest chain built in buckets during a resize
}

const (
	minBuckets = 4
	// rehashStep is how many of old's buckets an operation moves: a
	// doubling then ends long before the table can fill again.
	rehashStep = 16
)

func newTable(n int) *table {
	size := minBuckets
	for size < n {
		size <<= 1
	}
	return &table{buckets: make([]*entry, size)}
}

func (t *table) find(key []byte) *entry {
	t.rehash(rehashStep)
	h := maphash.Bytes(seed, key)
	if t.old != nil {
		if i := int(h & uint64(len(t.old)-1)); i >= t.moved {
			for e := t.old[i]; e != nil; e = e.next {
				if e.key == string(key) {
					return e
				}
			}
		}
	}
	for e := t.buckets[h&uint64(len(t.buckets)-1)]; e != nil; e = e.next {
		if e.key == string(key) {
			return e
		}
	}
	return nil
}

// set adds key, which must not be present, and returns its entry.
func (t *table) set(key, val string) *entry {
	t.rehash(rehashStep)
	if t.old == nil && t.used >= len(t.buckets) {
		t.startResize(len(t.buckets) * 2)
	}
	i := maphash.String(seed, key) & uint64(len(t.buckets)-1)
	t.buckets[i] = &entry{key: key, val: val, next: t.buckets[i]}
	t.used++
	n := chainLen(t.buckets[i])
	t.maxChain = max(t.maxChain, n)
	t.newMax = max(t.newMax, n)
	return t.buckets[i]
}

func chainLen(e *entry) int {
	n := 0
	for ; e != nil; e = e.next {
		n++
	}
	return n
}

func (t *table) remove(key []byte) bool {
	t.rehash(rehashStep)
	h := maphash.Bytes(seed, key)
	if !t.unlink(t.old, t.moved, h, key) && !t.unlink(t.buckets, 0, h, key) {
		return false
	}
	t.used--
	// shrink below 10% fill, as Redis does
	if t.old == nil && len(t.buckets) > minBuckets && t.used*10 < len(t.buckets) {
		size := minBuckets
		for size < t.used {
			size <<= 1
		}
		t.startResize(size)
	}
	return true
}

// unlink removes key from its chain in b unless the chain's index is
// below from (moved); it reports whether it was there.
func (t *table) unlink(b []*entry, from int, h uint64, key []byte) bool {
	if b == nil {
		return false
	}
	i := int(h & uint64(len(b)-1))
	if i < from {
		return false
	}
	for p, e := &b[i], b[i]; e != nil; p, e = &e.next, e.next {
		if e.key == string(key) {
			*p = e.next
			return true
		}
	}
	return false
}

// startResize begins moving the entries to a table of size buckets.
func (t *table) startResize(size int) {
	t.old, t.moved = t.buckets, 0
	t.buckets = make([]*entry, size)
	t.newMax = 0
	t.rehash(rehashStep)
}

// rehash moves up to n of old's non-empty buckets, passing at most 10n
// empty ones as Redis's dictRehash (a shrink starts from a sparse table),
// and ends the resize when none are left.
func (t *table) rehash(n int) {
	if t.old == nil {
		return
	}
	mask := uint64(len(t.buckets) - 1)
	for empty := 10 * n; n > 0 && t.moved < len(t.old); {
		if t.old[t.moved] == nil {
			t.moved++
			if empty--; empty == 0 {
				break
			}
			continue
		}
		n--
		for e := t.old[t.moved]; e != nil; {
			next := e.next
			i := maphash.String(seed, e.key) & mask
			e.next = t.buckets[i]
			t.buckets[i] = e
			if c := chainLen(e); c > t.newMax {
				t.newMax = c
				t.maxChain = max(t.maxChain, c)
			}
			e = next
		}
		t.old[t.moved] = nil
		t.moved++
	}
	if t.moved == len(t.old) {
		t.old, t.moved = nil, 0
		t.maxChain = t.newMax
	}
}

// each calls fn for every entry until it returns false.
func (t *table) each(fn func(*entry) bool) {
	for _, b := range [2][]*entry{t.old, t.buckets} {
		for _, e := range b {
			for ; e != nil; e = e.next {
				if !fn(e) {
					return
				}
			}
		}
	}
}

// scanBucket visits the buckets cursor designates (of both tables during
// a resize) and returns the next cursor.
func (t *table) scanBucket(cursor uint64, fn func(*entry)) uint64 {
	return utils.ScanChains(cursor, t.buckets, t.old, func(e *entry) *entry { return e.next }, fn)
}

// random picks a bucket (of either table during a resize) and a position
// below maxChain, retrying until the position holds a pair, so every pair
// is equally likely.
func (t *table) random() (string, string) {
	for {
		i := rand.IntN(len(t.buckets) + len(t.old) - t.moved)
		var e *entry
		if i < len(t.buckets) {
			e = t.buckets[i]
		} else {
			e = t.old[t.moved+i-len(t.buckets)]
		}
		for k := rand.IntN(t.maxChain); e != nil && k > 0; k-- {
			e = e.next
		}
		if e != nil {
			return e.key, e.view()
		}
	}
}
