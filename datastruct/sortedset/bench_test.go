package sortedset

import (
	"fmt"
	"strconv"
	"testing"
)

// BenchmarkAddRank measures ZADD-style updates and ZRANK lookups at 1k,
// 100k and 1M members: both should grow like log n.
func BenchmarkAddRank(b *testing.B) {
	for _, size := range []int{1000, 100_000, 1_000_000} {
		z := NewSkiplist()
		members := make([]string, size)
		for i := range members {
			members[i] = "member:" + strconv.Itoa(i)
			z.Set(members[i], float64(i))
		}
		b.Run(fmt.Sprint("add/", size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				z.Set(members[(i*7919)%size], float64(i%size))
			}
		})
		b.Run(fmt.Sprint("rank/", size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				z.Rank(members[(i*7919)%size])
			}
		})
	}
}

// BenchmarkRandomUpdate is redis-benchmark's ZADD with -r 100000: a random
// member of 100k gets a random score, so most updates move the node.
func BenchmarkRandomUpdate(b *testing.B) {
	const size = 100_000
	z := NewSkiplist()
	members := make([]string, size)
	for i := range members {
		members[i] = "element:" + strconv.Itoa(i)
		z.Set(members[i], float64(i))
	}
	rnd := uint64(1)
	next := func() int {
		rnd ^= rnd << 13
		rnd ^= rnd >> 7
		rnd ^= rnd << 17
		return int(rnd % size)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		z.Set(members[next()], float64(next()))
	}
}
