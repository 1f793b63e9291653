package database

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"goredis/datastruct/sortedset"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// zsetModelRange is ZRANGE key 0 -1 WITHSCORES (RESP2) of the model.
func zsetModelRange(model map[string]float64) string {
	els := make([]sortedset.Element, 0, len(model))
	for m, s := range model {
		els = append(els, sortedset.Element{Member: m, Score: s})
	}
	sort.Slice(els, func(i, j int) bool {
		return els[i].Score < els[j].Score || (els[i].Score == els[j].Score && els[i].Member < els[j].Member)
	})
	return string(reply.Encode(zsetElems(els, true, false), false))
}

// TestZSetModel runs random writes against a map model in both encodings
// and compares the whole set, its size and ranks after every step.
func TestZSetModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for _, entries := range []string{"128", "4"} {
		t.Run("entries="+entries, func(t *testing.T) {
			srv, c := strServer(t)
			strDo(srv, c, "CONFIG", "SET", "zset-max-listpack-entries", entries)
			defer strDo(srv, c, "CONFIG", "SET", "zset-max-listpack-entries", "128")
			rng := rand.New(rand.NewPCG(seed, 7))
			model := map[string]float64{}
			for step := 0; step < 2000; step++ {
				m := "m" + strconv.Itoa(rng.IntN(12))
				score := float64(rng.IntN(10))
				var cmd []string
				switch rng.IntN(7) {
				case 0, 1:
					cmd = []string{"ZADD", "k", fmt.Sprint(score), m}
					model[m] = score
				case 2:
					cmd = []string{"ZINCRBY", "k", fmt.Sprint(score), m}
					model[m] += score
				case 3:
					cmd = []string{"ZREM", "k", m}
					delete(model, m)
				case 4:
					lo, hi := float64(rng.IntN(10)), float64(rng.IntN(10))
					cmd = []string{"ZREMRANGEBYSCORE", "k", fmt.Sprint(lo), "(" + fmt.Sprint(hi)}
					for k, v := range model {
						if v >= lo && v < hi {
							delete(model, k)
						}
					}
				case 5:
					cmd = []string{"ZPOPMIN", "k", "2"}
					for i := 0; i < 2 && len(model) > 0; i++ {
						var best string
						first := true
						for k, v := range model {
							if first || v < model[best] || (v == model[best] && k < best) {
								best, first = k, false
							}
						}
						delete(model, best)
					}
				case 6:
					cmd = []string{"ZADD", "k", "GT", "CH", fmt.Sprint(score), m}
					if cur, ok := model[m]; !ok || score > cur {
						model[m] = score
					}
				}
				strDo(srv, c, cmd...)
				if got, want := strDo(srv, c, "ZRANGE", "k", "0", "-1", "WITHSCORES"), zsetModelRange(model); got != want {
					t.Fatalf("step %d after %q:\n got %q\nwant %q", step, cmd, got, want)
				}
				if got, want := strDo(srv, c, "ZCARD", "k"), fmt.Sprintf(":%d\r\n", len(model)); got != want {
					t.Fatalf("step %d: ZCARD %q, want %q", step, got, want)
				}
				if got := strDo(srv, c, "EXISTS", "k"); (got == ":1\r\n") != (len(model) > 0) {
					t.Fatalf("step %d: EXISTS %q with %d members", step, got, len(model))
				}
			}
		})
	}
}

// TestZRandMemberCounts checks ZRANDMEMBER's count rules: positive counts
// give distinct members (the whole set when count >= size), negative
// counts exactly -count members with repetitions.
func TestZRandMemberCounts(t *testing.T) {
	srv, c := strServer(t)
	strDo(srv, c, "ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
	scores := map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
	for _, tc := range []struct {
		count    int
		n        int
		distinct bool
	}{{1, 1, true}, {3, 3, true}, {5, 5, true}, {50, 5, true}, {-3, 3, false}, {-20, 20, false}} {
		for round := 0; round < 20; round++ {
			r := srv.Exec(c, strArgs("ZRANDMEMBER", "k", strconv.Itoa(tc.count), "WITHSCORES"))
			arr, ok := r.(reply.Array)
			if !ok || len(arr) != 2*tc.n {
				t.Fatalf("count %d: %q", tc.count, reply.Encode(r, false))
			}
			seen := map[string]bool{}
			for i := 0; i < len(arr); i += 2 {
				m := string(arr[i].(reply.BulkStr))
				if want, ok := scores[m]; !ok || string(reply.Encode(arr[i+1], false)) != fmt.Sprintf("$%d\r\n%s\r\n", len(want), want) {
					t.Fatalf("count %d: bad pair %q", tc.count, reply.Encode(r, false))
				}
				if tc.distinct && seen[m] {
					t.Fatalf("count %d: %s repeated", tc.count, m)
				}
				seen[m] = true
			}
		}
	}
	// Negative counts eventually repeat members.
	repeated := false
	for round := 0; round < 50 && !repeated; round++ {
		arr := srv.Exec(c, strArgs("ZRANDMEMBER", "k", "-5")).(reply.Array)
		seen := map[string]bool{}
		for _, v := range arr {
			m := string(v.(reply.BulkStr))
			repeated = repeated || seen[m]
			seen[m] = true
		}
	}
	if !repeated {
		t.Error("ZRANDMEMBER -5 never repeated a member in 50 rounds")
	}
}

func TestZSetParseBound(t *testing.T) {
	for _, tc := range []struct {
		in     string
		v      float64
		ex, ok bool
	}{
		{"1", 1, false, true},
		{"(1", 1, true, true},
		{"", 0, false, true},
		{"(", 0, true, true},
		{" 2", 2, false, true},
		{"2 ", 0, false, false},
		{"1e400", math.Inf(1), false, true},
		{"-inf", math.Inf(-1), false, true},
		{"(+inf", math.Inf(1), true, true},
		{"nan", 0, false, false},
		{"abc", 0, false, false},
		{"[1", 0, false, false},
		{"0x10", 16, false, true},
	} {
		v, ex, ok := zsetParseBound([]byte(tc.in))
		if ok != tc.ok || (ok && (v != tc.v || ex != tc.ex)) {
			t.Errorf("%q: %v %v %v, want %v %v %v", tc.in, v, ex, ok, tc.v, tc.ex, tc.ok)
		}
	}
}

// BenchmarkZSetGrowth measures ZADD (score update of an existing member)
// and ZRANK through the dispatcher at 1k, 100k and 1M members: the cost
// per operation should grow like log n.
func BenchmarkZSetGrowth(b *testing.B) {
	for _, size := range []int{1000, 100_000, 1_000_000} {
		srv := NewServer()
		c := connection.NewFake()
		strDo(srv, c, "CONFIG", "SET", "zset-max-listpack-entries", "128")
		for i := 0; i < size; i += 1000 {
			args := []string{"ZADD", "z"}
			for j := i; j < i+1000 && j < size; j++ {
				args = append(args, strconv.Itoa(j), "member:"+strconv.Itoa(j))
			}
			srv.Exec(c, strArgs(args...))
		}
		members := make([][]byte, 4096)
		for i := range members {
			members[i] = []byte("member:" + strconv.Itoa((i*7919)%size))
		}
		b.Run(fmt.Sprint("ZADD/", size), func(b *testing.B) {
			args := strArgs("ZADD", "z", "0", "")
			for i := 0; i < b.N; i++ {
				args[2] = strconv.AppendInt(args[2][:0], int64(i%size), 10)
				args[3] = members[i%len(members)]
				srv.Exec(c, args)
			}
		})
		b.Run(fmt.Sprint("ZRANK/", size), func(b *testing.B) {
			args := strArgs("ZRANK", "z", "")
			for i := 0; i < b.N; i++ {
				args[2] = members[i%len(members)]
				srv.Exec(c, args)
			}
		})
		srv.Close()
	}
}

// TestZSetPropagation checks which sorted-set writes reach propagation:
// only those that change something, as Redis 7.0 propagates them.
func TestZSetPropagation(t *testing.T) {
	srv, c := strServer(t)
	for _, tc := range []struct {
		args  []string
		dirty int64
	}{
		{[]string{"ZADD", "k", "1", "a", "2", "b", "3", "c"}, 1},
		{[]string{"ZADD", "k", "1", "a"}, 0},
		{[]string{"ZADD", "k", "NX", "5", "a"}, 0},
		{[]string{"ZADD", "k", "GT", "0", "a"}, 0},
		{[]string{"ZADD", "nokey", "XX", "1", "a"}, 0},
		{[]string{"ZADD", "k", "INCR", "1", "a"}, 1},
		{[]string{"ZINCRBY", "k", "0", "a"}, 0},
		{[]string{"ZREM", "k", "nosuch"}, 0},
		{[]string{"ZREM", "k", "a"}, 1},
		{[]string{"ZREMRANGEBYSCORE", "k", "10", "20"}, 0},
		{[]string{"ZREMRANGEBYRANK", "k", "5", "6"}, 0},
		{[]string{"ZPOPMIN", "nokey"}, 0},
		{[]string{"ZPOPMIN", "k", "0"}, 0},
		{[]string{"ZPOPMIN", "k"}, 1},
		{[]string{"ZMPOP", "2", "nokey", "k", "MAX"}, 1},
		{[]string{"ZMPOP", "1", "nokey", "MAX"}, 0},
		{[]string{"ZUNIONSTORE", "d", "1", "nokey"}, 0},
		{[]string{"ZADD", "k", "1", "x"}, 1},
		{[]string{"ZUNIONSTORE", "d", "1", "k"}, 1},
		{[]string{"ZINTERSTORE", "d", "2", "k", "nokey"}, 1}, // deletes d
		{[]string{"ZRANGESTORE", "d", "nokey", "0", "-1"}, 0},
		{[]string{"ZRANGE", "k", "0", "-1"}, 0},
		{[]string{"BZPOPMIN", "k", "0"}, 1},
	} {
		before := srv.stats.dirty.Load()
		strDo(srv, c, tc.args...)
		if got := srv.stats.dirty.Load() - before; got != tc.dirty {
			t.Errorf("%q: %d propagated, want %d", tc.args, got, tc.dirty)
		}
	}
}

// TestBZPopMinFIFO blocks two clients on one key and serves them, in the
// order they blocked, with one ZADD of two members.
func TestBZPopMinFIFO(t *testing.T) {
	srv, c := strServer(t)
	type res struct {
		who int
		r   string
	}
	out := make(chan res, 2)
	base := blockedTotal.Load()
	for i := 1; i <= 2; i++ {
		go func(i int) {
			out <- res{i, strDo(srv, connection.NewFake(), "BZPOPMIN", "q", "5")}
		}(i)
		// Let client i join the queue before the next one.
		deadline := time.Now().Add(2 * time.Second)
		for blockedTotal.Load() < base+int64(i) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	strDo(srv, c, "ZADD", "q", "1", "a", "2", "b")
	want := map[int]string{1: "*3\r\n$1\r\nq\r\n$1\r\na\r\n$1\r\n1\r\n", 2: "*3\r\n$1\r\nq\r\n$1\r\nb\r\n$1\r\n2\r\n"}
	for n := 0; n < 2; n++ {
		select {
		case r := <-out:
			if r.r != want[r.who] {
				t.Errorf("client %d: %q, want %q", r.who, r.r, want[r.who])
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a blocked client was not served")
		}
	}
	if got := strDo(srv, c, "EXISTS", "q"); got != ":0\r\n" {
		t.Errorf("EXISTS q after both pops: %q", got)
	}
	// A timeout answers the null array.
	if got := strDo(srv, c, "BZPOPMAX", "none", "0.01"); got != "*-1\r\n" {
		t.Errorf("timeout: %q", got)
	}
}
