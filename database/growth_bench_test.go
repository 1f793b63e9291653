package database

import (
	"strconv"
	"testing"

	"goredis/resp/connection"
)

// BenchmarkCollectionGrowth measures, through the dispatcher as a client's
// commands run, operations whose cost Redis 7.0 documents as O(1) on
// collections of 1k, 100k and 1M members: the cost per operation should
// stay flat as the collection grows. Each pair leaves the collection as it
// found it (LPUSH then LPOP; SADD of a member not in the set then SREM; HSET
// of a new field then HDEL), so every iteration sees the same size.
// Sorted sets (ZADD update, ZRANK: O(log n)) are BenchmarkZSetGrowth's.
//
//	go test ./database -run XXX -bench CollectionGrowth -benchtime 200000x
func BenchmarkCollectionGrowth(b *testing.B) {
	type growthCase struct {
		name  string
		fill  string // variadic command filling the key, 1000 members a call
		pairs bool   // fill takes field value pairs rather than members
		card  string // command returning the size, to check the fill
		do    func(srv *Server, c *connection.Connection, fresh [][]byte) func(i int)
	}
	cases := []growthCase{
		{"lpush-lpop", "RPUSH", false, "LLEN", func(srv *Server, c *connection.Connection, fresh [][]byte) func(int) {
			push, pop := strArgs("LPUSH", "k", ""), strArgs("LPOP", "k")
			return func(i int) {
				push[2] = fresh[i%len(fresh)]
				srv.Exec(c, push)
				srv.Exec(c, pop)
			}
		}},
		{"sadd-srem", "SADD", false, "SCARD", func(srv *Server, c *connection.Connection, fresh [][]byte) func(int) {
			add, rem := strArgs("SADD", "k", ""), strArgs("SREM", "k", "")
			return func(i int) {
				m := fresh[i%len(fresh)]
				add[2], rem[2] = m, m
				srv.Exec(c, add)
				srv.Exec(c, rem)
			}
		}},
		{"hset-hdel", "HSET", true, "HLEN", func(srv *Server, c *connection.Connection, fresh [][]byte) func(int) {
			set, del := strArgs("HSET", "k", "", "value-of-some-length"), strArgs("HDEL", "k", "")
			return func(i int) {
				f := fresh[i%len(fresh)]
				set[2], del[2] = f, f
				srv.Exec(c, set)
				srv.Exec(c, del)
			}
		}},
	}
	sizes := []struct {
		name string
		n    int
	}{{"1k", 1000}, {"100k", 100_000}, {"1M", 1_000_000}}

	// Members not in any filled collection ("member:N" fills them).
	fresh := make([][]byte, 4096)
	for i := range fresh {
		fresh[i] = []byte("fresh:" + strconv.Itoa(i))
	}

	for _, tc := range cases {
		for _, size := range sizes {
			if size.n > 100_000 && testing.Short() {
				b.Run(tc.name+"/"+size.name, func(b *testing.B) { b.Skip("-short") })
				continue
			}
			srv := NewServer()
			c := connection.NewFake()
			for i := 0; i < size.n; i += 1000 {
				args := make([][]byte, 0, 2+2000)
				args = append(args, []byte(tc.fill), []byte("k"))
				for j := i; j < i+1000 && j < size.n; j++ {
					m := []byte("member:" + strconv.Itoa(j))
					args = append(args, m)
					if tc.pairs {
						args = append(args, []byte("value-of-some-length"))
					}
				}
				srv.Exec(c, args)
			}
			want := ":" + strconv.Itoa(size.n) + "\r\n"
			if got := strDo(srv, c, tc.card, "k"); got != want {
				b.Fatalf("%s %s after fill: %q, want %q", tc.name, tc.card, got, want)
			}
			op := tc.do(srv, c, fresh)
			b.Run(tc.name+"/"+size.name, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					op(i)
				}
			})
			if got := strDo(srv, c, tc.card, "k"); got != want {
				b.Fatalf("%s %s after run: %q, want %q", tc.name, tc.card, got, want)
			}
			srv.Close()
		}
	}
}

// BenchmarkStringInPlace measures SETBIT, SETRANGE and APPEND on strings
// of 1 KB, 100 KB and 1 MB: they change the value in place, so the cost
// per call should not grow with the length (Redis: O(1) for SETBIT and
// SETRANGE of a few bytes, amortized O(1) for APPEND).
//
//	go test ./database -run XXX -bench StringInPlace -benchtime 200000x
func BenchmarkStringInPlace(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1KB", 1 << 10}, {"100KB", 100 << 10}, {"1MB", 1 << 20}} {
		for _, op := range []string{"setbit", "setrange", "append"} {
			b.Run(op+"/"+size.name, func(b *testing.B) {
				srv, c := strServer(b)
				srv.Exec(c, strArgs("SETRANGE", "k", strconv.Itoa(size.n-1), "x"))
				var args [][]byte
				switch op {
				case "setbit":
					args = strArgs("SETBIT", "k", "", "1")
				case "setrange":
					args = strArgs("SETRANGE", "k", "", "abcd")
				case "append":
					args = strArgs("APPEND", "k", "abcd")
				}
				offsets := make([][]byte, 1024)
				for i := range offsets {
					if op == "setbit" {
						offsets[i] = []byte(strconv.Itoa((i * 7919) % (size.n * 8)))
					} else {
						offsets[i] = []byte(strconv.Itoa((i * 7919) % (size.n - 4)))
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if op != "append" {
						args[2] = offsets[i%len(offsets)]
					}
					srv.Exec(c, args)
				}
			})
		}
	}
}
