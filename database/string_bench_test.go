package database

import (
	"testing"

	"goredis/resp/connection"
)

// The steady GET and SET paths, through the dispatcher as a client's
// command runs: lookup, checks, locks, the call and the reply's encoding
// into a reused buffer.

func BenchmarkGet(b *testing.B) {
	srv := NewServer()
	defer srv.Close()
	c := connection.NewFake()
	srv.Exec(c, strArgs("SET", "key:000001", "value-of-some-length"))
	args := strArgs("GET", "key:000001")
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = srv.Exec(c, args).AppendTo(buf[:0], false)
	}
}

func BenchmarkSet(b *testing.B) {
	srv := NewServer()
	defer srv.Close()
	c := connection.NewFake()
	args := strArgs("SET", "key:000001", "value-of-some-length")
	srv.Exec(c, args)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = srv.Exec(c, args).AppendTo(buf[:0], false)
	}
}

func BenchmarkGetParallel(b *testing.B) {
	srv := NewServer()
	defer srv.Close()
	srv.Exec(connection.NewFake(), strArgs("SET", "key:000001", "value-of-some-length"))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := connection.NewFake()
		args := strArgs("GET", "key:000001")
		buf := make([]byte, 0, 256)
		for pb.Next() {
			buf = srv.Exec(c, args).AppendTo(buf[:0], false)
		}
	})
}

// TestStringHotPathAllocs holds GET to one allocation (boxing the reply)
// and an overwriting SET to one (the value's bytes).
func TestStringHotPathAllocs(t *testing.T) {
	srv, c := strServer(t)
	get := strArgs("GET", "key:000001")
	set := strArgs("SET", "key:000001", "value-of-some-length")
	miss := strArgs("GET", "nosuch")
	buf := make([]byte, 0, 256)
	srv.Exec(c, set)
	cases := []struct {
		name string
		args [][]byte
		max  float64
	}{
		{"GET", get, 1},
		{"SET overwrite", set, 1},
		{"GET miss", miss, 0},
	}
	for _, cs := range cases {
		n := testing.AllocsPerRun(1000, func() {
			buf = srv.Exec(c, cs.args).AppendTo(buf[:0], false)
		})
		if n > cs.max {
			t.Errorf("%s: %v allocations per call, want at most %v", cs.name, n, cs.max)
		}
	}
}
