package cluster

import (
	"crypto/sha1"
	"encoding/hex"
	"net"
	"sort"
	"strconv"

	"goredis/lib/consistenthash"
)

// SlotCount is the number of hash slots, as in Redis Cluster.
const SlotCount = 16384

// crc16 is CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), the
// checksum Redis Cluster hashes keys with.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for i := 0; i < 8; i++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// KeySlot is Redis's keyHashSlot: CRC16 of the key, or of its hash tag
// (the bytes between the first '{' and the first '}' after it, when there
// is at least one byte between them), mod 16384.
func KeySlot(key []byte) int {
	for i, c := range key {
		if c == '{' {
			for j := i + 1; j < len(key); j++ {
				if key[j] == '}' {
					if j > i+1 {
						key = key[i+1 : j]
					}
					return int(crc16(key)) & (SlotCount - 1)
				}
			}
			break
		}
	}
	return int(crc16(key)) & (SlotCount - 1)
}

// ringReplicas is the number of points each node has on the ring.
const ringReplicas = 256

// Node is one member of the cluster.
type Node struct {
	Addr string // host:port as peers and clients reach it
	ID   string // 40 hex digits, derived from Addr
	Host string
	Port int
}

// NodeID is a node's stable id: the SHA-1 of its address, in hex.
func NodeID(addr string) string {
	sum := sha1.Sum([]byte(addr))
	return hex.EncodeToString(sum[:])
}

// Placement maps slots to nodes. Every node builds it from the same
// membership and gets the same table: the nodes sit on a consistent-hash
// ring and slot s belongs to the owner of ring position s<<18, so slots
// are laid over the ring in order, runs of slots share an owner (CLUSTER
// SLOTS stays short), and a change of membership moves about 1/N of them.
type Placement struct {
	Nodes []Node // sorted by address
	Self  int    // index of this node in Nodes
	owner [SlotCount]uint16
}

// NewPlacement builds the placement of self and peers.
func NewPlacement(self string, peers []string) *Placement {
	addrs := []string{self}
	seen := map[string]bool{self: true}
	for _, p := range peers {
		if p != "" && !seen[p] {
			seen[p] = true
			addrs = append(addrs, p)
		}
	}
	sort.Strings(addrs)
	p := &Placement{}
	ring := consistenthash.New(ringReplicas)
	ring.Add(addrs...)
	index := map[string]int{}
	for i, a := range addrs {
		host, port, _ := net.SplitHostPort(a)
		n, _ := strconv.Atoi(port)
		p.Nodes = append(p.Nodes, Node{Addr: a, ID: NodeID(a), Host: host, Port: n})
		index[a] = i
		if a == self {
			p.Self = i
		}
	}
	for s := 0; s < SlotCount; s++ {
		p.owner[s] = uint16(index[ring.OwnerOf(uint32(s)<<18)])
	}
	return p
}

// Owner is the index of the node owning slot.
func (p *Placement) Owner(slot int) int { return int(p.owner[slot]) }

// KeyOwner is the index of the node owning key.
func (p *Placement) KeyOwner(key []byte) int { return p.Owner(KeySlot(key)) }

// Ranges lists node's slots as inclusive [start, end] runs, in order.
func (p *Placement) Ranges(node int) [][2]int {
	var out [][2]int
	for s := 0; s < SlotCount; s++ {
		if int(p.owner[s]) != node {
			continue
		}
		if n := len(out); n > 0 && out[n-1][1] == s-1 {
			out[n-1][1] = s
		} else {
			out = append(out, [2]int{s, s})
		}
	}
	return out
}

// SlotsOf counts node's slots.
func (p *Placement) SlotsOf(node int) int {
	n := 0
	for s := 0; s < SlotCount; s++ {
		if int(p.owner[s]) == node {
			n++
		}
	}
	return n
}
