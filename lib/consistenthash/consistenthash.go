// Package consistenthash is a consistent-hash ring with virtual points:
// each node is placed at many points on a 32-bit circle, and a position
// belongs to the first point at or after it. Every process that builds a
// ring from the same nodes computes the same owners, and adding or
// removing a node moves only the positions next to its points, about 1/N
// of the circle.
package consistenthash

import (
	"hash/crc32"
	"sort"
	"strconv"
)

// Ring is a consistent-hash ring. Build it with New and Add; it is then
// safe for concurrent reads.
type Ring struct {
	replicas int
	points   []uint32          // sorted
	owners   map[uint32]string // point -> node
}

// New returns an empty ring placing each node at replicas points.
func New(replicas int) *Ring {
	if replicas <= 0 {
		replicas = 1
	}
	return &Ring{replicas: replicas, owners: make(map[uint32]string)}
}

// Hash is the ring's hash of a string (CRC32, IEEE): stable across
// processes and versions.
func Hash(s string) uint32 { return crc32.ChecksumIEEE([]byte(s)) }

// Add places nodes on the ring. A point two nodes hash to goes to the
// node with the smaller name, so the order of Add calls does not matter.
func (r *Ring) Add(nodes ...string) {
	for _, n := range nodes {
		for i := 0; i < r.replicas; i++ {
			p := Hash(strconv.Itoa(i) + "#" + n)
			if old, ok := r.owners[p]; ok {
				if old <= n {
					continue
				}
			} else {
				r.points = append(r.points, p)
			}
			r.owners[p] = n
		}
	}
	sort.Slice(r.points, func(i, j int) bool { return r.points[i] < r.points[j] })
}

// Empty reports whether the ring has no node.
func (r *Ring) Empty() bool { return len(r.points) == 0 }

// OwnerOf returns the node owning position h: the first point at or after
// it, wrapping around.
func (r *Ring) OwnerOf(h uint32) string {
	if len(r.points) == 0 {
		return ""
	}
	i := sort.Search(len(r.points), func(i int) bool { return r.points[i] >= h })
	if i == len(r.points) {
		i = 0
	}
	return r.owners[r.points[i]]
}

// Get returns the node owning key.
func (r *Ring) Get(key string) string { return r.OwnerOf(Hash(key)) }
