package utils

import "math/bits"

// ScanChains is the step of Redis's dictScan over a chained hash table
// whose size is a power of two, and which may be resizing incrementally:
// a holds the table's buckets and b, during a resize, the other table's
// (nil otherwise; next follows a chain). It calls fn on every element of
// the bucket of the smaller table that cursor designates and of every
// bucket of the larger one that bucket expands to, and returns the next
// cursor (the bucket index with its bits reversed, incremented), 0 when
// the scan is complete: an element present for a whole scan is visited
// however the table grows or shrinks between calls.
func ScanChains[T any](cursor uint64, a, b []*T, next func(*T) *T, fn func(*T)) uint64 {
	if len(a) == 0 {
		a, b = b, nil
	}
	if len(b) > 0 && len(b) < len(a) {
		a, b = b, a
	}
	visit := func(bucket *T) {
		for e := bucket; e != nil; e = next(e) {
			fn(e)
		}
	}
	m0 := uint64(len(a) - 1)
	visit(a[cursor&m0])
	if len(b) > 0 {
		m1 := uint64(len(b) - 1)
		v := cursor
		for {
			visit(b[v&m1])
			v = (((v | m0) + 1) &^ m0) | (v & m0)
			if v&(m0^m1) == 0 {
				break
			}
		}
	}
	cursor |= ^m0
	return bits.Reverse64(bits.Reverse64(cursor) + 1)
}
