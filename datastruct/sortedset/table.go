package sortedset

import (
	"hash/maphash"

	"goredis/lib/utils"
)

// table indexes the skiplist's nodes by member: a chained hash table whose
// size is a power of two, so a reverse-binary cursor (Redis's dictScan)
// visits every element present for a whole scan even when the table grows
// or shrinks between calls. It resizes incrementally, as Redis's dict
// does: while old is set, each operation first moves a few of its
// buckets, and lookups look in both (all at once, a resize stalled the
// server on large sets).
type table struct {
	buckets []*node
	old     []*node // the table being emptied into buckets, or nil
	moved   int     // old's buckets below this index are moved (nil)
	count   int
}

// rehashStep is how many of old's buckets an operation moves.
const rehashStep = 16

var hashSeed = maphash.MakeSeed()

func hashOf(member string) uint64 { return maphash.String(hashSeed, member) }

func (t *table) find(member string) *node {
	if t.count == 0 {
		return nil
	}
	t.rehash(rehashStep)
	h := hashOf(member)
	if t.old != nil {
		if i := int(h & uint64(len(t.old)-1)); i >= t.moved {
			for n := t.old[i]; n != nil; n = n.next {
				if n.hash == h && n.member == member {
					return n
				}
			}
		}
	}
	for n := t.buckets[h&uint64(len(t.buckets)-1)]; n != nil; n = n.next {
		if n.hash == h && n.member == member {
			return n
		}
	}
	return nil
}

// add indexes n (its member must not be present).
func (t *table) add(n *node) {
	t.rehash(rehashStep)
	n.hash = hashOf(n.member)
	if t.old == nil && t.count >= len(t.buckets) {
		size := 4
		for size <= t.count {
			size *= 2
		}
		t.startResize(size)
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
	t.rehash(rehashStep)
	h := hashOf(member)
	n := t.unlink(t.old, t.moved, h, member)
	if n == nil {
		n = t.unlink(t.buckets, 0, h, member)
	}
	if n == nil {
		return nil
	}
	t.count--
	if t.old == nil && len(t.buckets) > 4 && t.count*10 < len(t.buckets) {
		size := 4
		for size < t.count {
			size *= 2
		}
		t.startResize(size)
	}
	return n
}

// unlink removes member's node from its chain in b unless the chain's
// index is below from (moved); it returns the node, nil when absent.
func (t *table) unlink(b []*node, from int, h uint64, member string) *node {
	if b == nil {
		return nil
	}
	i := int(h & uint64(len(b)-1))
	if i < from {
		return nil
	}
	for p, n := &b[i], b[i]; n != nil; p, n = &n.next, n.next {
		if n.hash == h && n.member == member {
			*p = n.next
			n.next = nil
			return n
		}
	}
	return nil
}

// startResize begins moving the nodes to a table of size buckets.
func (t *table) startResize(size int) {
	t.old, t.moved = t.buckets, 0
	t.buckets = make([]*node, size)
	if len(t.old) == 0 {
		t.old = nil
	}
	t.rehash(rehashStep)
}

// rehash moves up to k of old's non-empty buckets, passing at most 10k
// empty ones as Redis's dictRehash (a shrink starts from a sparse table),
// and ends the resize when none are left.
func (t *table) rehash(k int) {
	if t.old == nil {
		return
	}
	mask := uint64(len(t.buckets) - 1)
	for empty := 10 * k; k > 0 && t.moved < len(t.old); {
		if t.old[t.moved] == nil {
			t.moved++
			if empty--; empty == 0 {
				break
			}
			continue
		}
		k--
		for n := t.old[t.moved]; n != nil; {
			next := n.next
			b := n.hash & mask
			n.next = t.buckets[b]
			t.buckets[b] = n
			n = next
		}
		t.old[t.moved] = nil
		t.moved++
	}
	if t.moved == len(t.old) {
		t.old, t.moved = nil, 0
	}
}

// scanBucket calls fn on every node of the buckets cursor designates (of
// both tables during a resize) and returns the next cursor (0 when the
// scan is complete).
func (t *table) scanBucket(cursor uint64, fn func(*node)) uint64 {
	if len(t.buckets) == 0 {
		return 0
	}
	return utils.ScanChains(cursor, t.buckets, t.old, func(n *node) *node { return n.next }, fn)
}
