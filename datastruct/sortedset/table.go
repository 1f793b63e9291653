package sortedset

import (
	"hash/maphash"
	"math/bits"
)

// table indexes the skiplist's nodes by member: a chained hash table whose
// size is a power of two, so a reverse-binary cursor (Redis's dictScan)
// visits every element present for a whole scan even when the table grows
// or shrinks between calls.
type table struct {
	buckets []*node
	count   int
}

var hashSeed = maphash.MakeSeed()

func hashOf(member string) uint64 { return maphash.String(hashSeed, member) }

func (t *table) find(member string) *node {
	if t.count == 0 {
		return nil
	}
	h := hashOf(member)
	for n := t.buckets[h&uint64(len(t.buckets)-1)]; n != nil; n = n.next {
		if n.hash == h && n.member == member {
			return n
		}
	}
	return nil
}

// add indexes n (its member must not be present).
func (t *table) add(n *node) {
	n.hash = hashOf(n.member)
	if t.count >= len(t.buckets) {
		size := 4
		for size <= t.count {
			size *= 2
		}
		t.resize(size)
	}
	b := n.hash & uint64(len(t.buckets)-1)
	n.next = t.buckets[b]
	t.buckets[b] = n
	t.count++
}

func (t *table) remove(member string) *node {
	if t.count == 0 {
		return nil
	}
	h := hashOf(member)
	p := &t.buckets[h&uint64(len(t.buckets)-1)]
	for n := *p; n != nil; n = n.next {
		if n.hash == h && n.member == member {
			*p = n.next
			n.next = nil
			t.count--
			if len(t.buckets) > 4 && t.count*10 < len(t.buckets) {
				size := 4
				for size < t.count {
					size *= 2
				}
				t.resize(size)
			}
			return n
		}
		p = &n.next
	}
	return nil
}

func (t *table) resize(size int) {
	nb := make([]*node, size)
	mask := uint64(size - 1)
	for _, n := range t.buckets {
		for n != nil {
			next := n.next
			b := n.hash & mask
			n.next = nb[b]
			nb[b] = n
			n = next
		}
	}
	t.buckets = nb
}

// scanBucket calls fn on every node of the bucket cursor designates and
// returns the next cursor (0 when the scan is complete).
func (t *table) scanBucket(cursor uint64, fn func(*node)) uint64 {
	if len(t.buckets) == 0 {
		return 0
	}
	mask := uint64(len(t.buckets) - 1)
	for n := t.buckets[cursor&mask]; n != nil; n = n.next {
		fn(n)
	}
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}
