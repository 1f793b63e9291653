// Package set is the value of a Redis set: a sorted array of integers (the
// "intset" encoding) while every member is the canonical text of an int64
// and the set is small, and a hash table of strings ("hashtable")
// otherwise. The change to a hash table is one-way, as in Redis.
//
// The hash table keeps its members in a dense slice with an index map, so
// a uniformly random member costs O(1), and it can be scanned in the order
// of a fixed hash, so a scan cursor never misses a member that stays in
// the set for the whole scan.
package set

import (
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unsafe"
)

// Set is a set of strings. The zero value is not usable; call New.
type Set struct {
	// ints holds the members, ascending, while the set is an intset.
	ints []int64
	// members and index form the hash table once big is true.
	members []string
	index   map[string]int
	big     bool
	// ver counts additions to the hash table; scanIdx is its members
	// sorted by hash as of version scanVer (see Scan).
	ver       uint64
	scanVer   uint64
	scanBuilt bool
	scanIdx   []scanEntry
}

type scanEntry struct {
	h uint64
	m string
}

// New returns an empty set in the intset encoding.
func New() *Set { return &Set{} }

// parseInt is Redis's string2ll on a member: the canonical decimal text of
// an int64 only (no sign '+', no leading zeros, no "-0", no spaces).
func parseInt(s string) (int64, bool) {
	n := len(s)
	if n == 0 || n > 20 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	i := 0
	if s[0] == '-' {
		i = 1
		if n == 1 {
			return 0, false
		}
	}
	if s[i] < '1' || s[i] > '9' {
		return 0, false
	}
	for j := i; j < n; j++ {
		if s[j] < '0' || s[j] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// IsInt reports whether member would be stored in an intset.
func IsInt(member string) bool {
	_, ok := parseInt(member)
	return ok
}

// Len returns the number of members.
func (s *Set) Len() int {
	if s.big {
		return len(s.members)
	}
	return len(s.ints)
}

// IsIntset reports whether the set uses the intset encoding.
func (s *Set) IsIntset() bool { return !s.big }

// Encoding is the name OBJECT ENCODING reports.
func (s *Set) Encoding() string {
	if s.big {
		return "hashtable"
	}
	return "intset"
}

func (s *Set) findInt(v int64) (int, bool) {
	return slices.BinarySearch(s.ints, v)
}

// convert turns an intset into a hash table.
func (s *Set) convert() {
	if s.big {
		return
	}
	s.big = true
	s.members = make([]string, 0, len(s.ints))
	s.index = make(map[string]int, len(s.ints))
	for _, v := range s.ints {
		m := strconv.FormatInt(v, 10)
		s.index[m] = len(s.members)
		s.members = append(s.members, m)
	}
	s.ints = nil
	s.ver++
}

// Add inserts member and reports whether it was new. maxInts is
// set-max-intset-entries: an intset that would grow beyond it, or that
// receives a non-integer member, becomes a hash table.
func (s *Set) Add(member string, maxInts int) bool {
	return s.add(member, maxInts, false)
}

// AddBytes is Add for a member in a buffer the caller reuses (a request's
// argument): the member is copied only when it is added, so adding one
// already there allocates nothing.
func (s *Set) AddBytes(member []byte, maxInts int) bool {
	return s.add(unsafe.String(unsafe.SliceData(member), len(member)), maxInts, true)
}

// add is Add; with borrowed set, member is only valid during the call and
// is copied before the set keeps it.
func (s *Set) add(member string, maxInts int, borrowed bool) bool {
	if !s.big {
		if v, ok := parseInt(member); ok {
			i, found := s.findInt(v)
			if found {
				return false
			}
			s.ints = slices.Insert(s.ints, i, v)
			if len(s.ints) > maxInts {
				s.convert()
			}
			return true
		}
		s.convert()
	}
	if _, ok := s.index[member]; ok {
		return false
	}
	if borrowed {
		member = strings.Clone(member)
	}
	s.index[member] = len(s.members)
	s.members = append(s.members, member)
	s.ver++
	return true
}

// Remove deletes member and reports whether it was there.
func (s *Set) Remove(member string) bool {
	if !s.big {
		v, ok := parseInt(member)
		if !ok {
			return false
		}
		i, found := s.findInt(v)
		if !found {
			return false
		}
		s.ints = slices.Delete(s.ints, i, i+1)
		return true
	}
	i, ok := s.index[member]
	if !ok {
		return false
	}
	s.removeAt(i)
	return true
}

// removeAt deletes the i-th member of a hash table.
func (s *Set) removeAt(i int) {
	last := len(s.members) - 1
	delete(s.index, s.members[i])
	if i != last {
		s.members[i] = s.members[last]
		s.index[s.members[i]] = i
	}
	s.members[last] = ""
	s.members = s.members[:last]
}

// Contains reports whether member is in the set.
func (s *Set) Contains(member string) bool {
	if !s.big {
		v, ok := parseInt(member)
		if !ok {
			return false
		}
		_, found := s.findInt(v)
		return found
	}
	_, ok := s.index[member]
	return ok
}

// At returns the i-th member (0 <= i < Len) in iteration order.
func (s *Set) At(i int) string {
	if s.big {
		return s.members[i]
	}
	return strconv.FormatInt(s.ints[i], 10)
}

// RemoveAt deletes the i-th member in iteration order and returns it. For
// a hash table the last member takes its place.
func (s *Set) RemoveAt(i int) string {
	if s.big {
		m := s.members[i]
		s.removeAt(i)
		return m
	}
	m := strconv.FormatInt(s.ints[i], 10)
	s.ints = slices.Delete(s.ints, i, i+1)
	return m
}

// Random returns a uniformly chosen member; the set must not be empty.
func (s *Set) Random() string { return s.At(rand.IntN(s.Len())) }

// ForEach calls fn for every member in iteration order (ascending for an
// intset) until fn returns false. fn must not change the set.
func (s *Set) ForEach(fn func(member string) bool) {
	if s.big {
		for _, m := range s.members {
			if !fn(m) {
				return
			}
		}
		return
	}
	var buf [20]byte
	for _, v := range s.ints {
		if !fn(string(strconv.AppendInt(buf[:0], v, 10))) {
			return
		}
	}
}

// Members returns every member in iteration order.
func (s *Set) Members() []string {
	out := make([]string, 0, s.Len())
	s.ForEach(func(m string) bool {
		out = append(out, m)
		return true
	})
	return out
}

// Copy returns a deep copy (COPY).
func (s *Set) Copy() any {
	c := &Set{big: s.big}
	if !s.big {
		c.ints = slices.Clone(s.ints)
		return c
	}
	c.members = slices.Clone(s.members)
	c.index = make(map[string]int, len(s.index))
	for k, v := range s.index {
		c.index[k] = v
	}
	return c
}

// Malloc is the allocator's size for a request of n bytes, and MemberSize
// the allocation of one member string as Redis holds it; the server sets
// both to Redis's figures (jemalloc size classes, sds headers).
var (
	Malloc     = func(n int64) int64 { return n }
	MemberSize = func(member string) int64 { return int64(len(member)) + 3 }
)

// MemoryUsage is the size Redis's MEMORY USAGE gives the structure, less
// the object header: an intset's header and integers of the width its
// range needs, or a dict's table and entries with the member sizes
// averaged over the first samples members.
func (s *Set) MemoryUsage(samples int64) int64 {
	if !s.big {
		width := int64(2)
		for _, v := range s.ints {
			switch {
			case v < -1<<31 || v >= 1<<31:
				width = 8
			case (v < -1<<15 || v >= 1<<15) && width < 4:
				width = 4
			}
		}
		return Malloc(8 + width*int64(len(s.ints)))
	}
	const dictSize, entrySize = 56, 24
	n := int64(len(s.members))
	slots := int64(4)
	for slots < n {
		slots <<= 1
	}
	size := int64(dictSize + 8*slots)
	var sampled, bytes int64
	for i := 0; i < len(s.members) && sampled < samples; i++ {
		bytes += entrySize + MemberSize(s.members[i])
		sampled++
	}
	if sampled > 0 {
		size += int64(float64(bytes) / float64(sampled) * float64(n))
	}
	return size
}

var scanSeed = maphash.MakeSeed()

// Hash is the order of a hash table scan.
func Hash(member string) uint64 { return maphash.String(scanSeed, member) }

// Scan returns up to count members of a hash table whose hash is at least
// cursor, in hash order (never splitting members of equal hash), and the
// cursor to continue from, 0 when the scan is over. Members present for
// the whole of a scan are returned at least once whatever else changes.
//
// The hash order comes from an index sorted by hash, rebuilt only when
// members were added since it was made (members removed since are
// skipped): every member present for a whole scan is in any index made
// during it, so a call costs O(log n + count) while the set only shrinks
// or stays.
func (s *Set) Scan(cursor uint64, count int) ([]string, uint64) {
	if !s.big {
		return s.Members(), 0
	}
	if !s.scanBuilt || s.scanVer != s.ver || len(s.scanIdx) > 2*len(s.members)+16 {
		idx := s.scanIdx[:0]
		for _, m := range s.members {
			idx = append(idx, scanEntry{Hash(m), m})
		}
		sort.Slice(idx, func(i, j int) bool { return idx[i].h < idx[j].h })
		s.scanIdx, s.scanVer, s.scanBuilt = idx, s.ver, true
	}
	idx := s.scanIdx
	i := sort.Search(len(idx), func(i int) bool { return idx[i].h >= cursor })
	var out []string
	var last uint64
	for ; i < len(idx); i++ {
		e := idx[i]
		if len(out) >= count && e.h != last {
			return out, e.h
		}
		if _, ok := s.index[e.m]; !ok {
			continue
		}
		out = append(out, e.m)
		last = e.h
	}
	return out, 0
}
