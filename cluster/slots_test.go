package cluster

import (
	"strconv"
	"testing"
)

// Slots redis-server 7.0.15 (cluster-enabled) gives these keys with
// CLUSTER KEYSLOT.
func TestKeySlotMatchesRedis(t *testing.T) {
	for key, want := range map[string]int{
		"foo": 12182, "bar": 5061, "hello": 866, "": 0, "{user1}.following": 8106,
		"{user1}.followers": 8106, "foo{}{bar}": 8363, "foo{{bar}}zap": 4015, "foo{bar}{zap}": 5061,
		"{}{user1}": 14830, "a{b": 13340, "123456789": 12739,
	} {
		if got := KeySlot([]byte(key)); got != want {
			t.Errorf("KeySlot(%q) = %d, want %d", key, got, want)
		}
	}
}

// The shipped three-node layout: every node agrees, and keys spread
// within ±15% of a third.
func TestPlacementShippedNodes(t *testing.T) {
	nodes := []string{"127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"}
	var ps []*Placement
	for i, self := range nodes {
		var peers []string
		for j, o := range nodes {
			if j != i {
				peers = append(peers, o)
			}
		}
		ps = append(ps, NewPlacement(self, peers))
	}
	for s := 0; s < SlotCount; s++ {
		a := ps[0].Nodes[ps[0].Owner(s)].Addr
		for _, p := range ps[1:] {
			if p.Nodes[p.Owner(s)].Addr != a {
				t.Fatalf("slot %d: nodes disagree", s)
			}
		}
	}
	counts := map[int]int{}
	const keys = 60000
	for i := 0; i < keys; i++ {
		counts[ps[0].KeyOwner([]byte("key:"+strconv.Itoa(i)))]++
	}
	for n := range ps[0].Nodes {
		share := float64(counts[n]) / keys
		if share < 0.85/3 || share > 1.15/3 {
			t.Errorf("%s holds %.3f of the keys", ps[0].Nodes[n].Addr, share)
		}
		t.Logf("%s: %d slots in %d ranges, %.3f of the keys", ps[0].Nodes[n].Addr, ps[0].SlotsOf(n), len(ps[0].Ranges(n)), share)
	}
}
