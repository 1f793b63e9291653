package consistenthash

import (
	"strconv"
	"testing"
)

func TestOwnersAgreeAndMoveLittle(t *testing.T) {
	nodes := []string{"127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"}
	a, b := New(256), New(256)
	a.Add(nodes...)
	b.Add(nodes[2], nodes[0], nodes[1]) // another order, same ring
	counts := map[string]int{}
	const keys = 30000
	for i := 0; i < keys; i++ {
		k := "key:" + strconv.Itoa(i)
		if a.Get(k) != b.Get(k) {
			t.Fatalf("%s: %s vs %s", k, a.Get(k), b.Get(k))
		}
		counts[a.Get(k)]++
	}
	for _, n := range nodes {
		if share := float64(counts[n]) / keys; share < 0.85/3 || share > 1.15/3 {
			t.Errorf("%s owns %.3f of the keys", n, share)
		}
	}
	// A fourth node takes about a quarter, and keys only move to it.
	c := New(256)
	c.Add(append(nodes, "127.0.0.1:7004")...)
	moved := 0
	for i := 0; i < keys; i++ {
		k := "key:" + strconv.Itoa(i)
		if a.Get(k) != c.Get(k) {
			if c.Get(k) != "127.0.0.1:7004" {
				t.Fatalf("%s moved between old nodes", k)
			}
			moved++
		}
	}
	if share := float64(moved) / keys; share < 0.15 || share > 0.35 {
		t.Errorf("adding a node moved %.3f of the keys", share)
	}
	if New(1).Get("x") != "" || !New(3).Empty() {
		t.Error("empty ring")
	}
}
