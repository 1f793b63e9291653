package database

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"goredis/datastruct/hash"
	"goredis/interface/resp"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

func hashDo(srv *Server, c resp.Connection, args ...string) resp.Reply {
	return srv.Exec(c, strArgs(args...))
}

// hashFill makes key a hash of n fields fN -> vN.
func hashFill(t *testing.T, srv *Server, c resp.Connection, key string, n int) {
	t.Helper()
	args := []string{"HSET", key}
	for i := 0; i < n; i++ {
		args = append(args, "f"+strconv.Itoa(i), "v"+strconv.Itoa(i))
	}
	if got := strDo(srv, c, args...); got != ":"+strconv.Itoa(n)+"\r\n" {
		t.Fatalf("HSET: %q", got)
	}
}

// TestHRandFieldCounts checks HRANDFIELD's count rules for every strategy
// (whole hash, shuffle, sampling, repetition) on both encodings.
func TestHRandFieldCounts(t *testing.T) {
	srv, c := strServer(t)
	for _, size := range []int{1, 10, 600} {
		key := "h" + strconv.Itoa(size)
		hashFill(t, srv, c, key, size)
		for _, count := range []int{1, 2, 3, 5, 9, 10, 11, 200, 599, 600, 601, -1, -7, -1000} {
			for _, withValues := range []bool{false, true} {
				args := []string{"HRANDFIELD", key, strconv.Itoa(count)}
				if withValues {
					args = append(args, "WITHVALUES")
				}
				p, ok := hashDo(srv, c, args...).(hashPairs)
				if !ok {
					t.Fatalf("%q: reply %T", args, hashDo(srv, c, args...))
				}
				want := count
				if count < 0 {
					want = -count
				} else if count > size {
					want = size
				}
				if len(p.fields) != want {
					t.Fatalf("%q: %d fields, want %d", args, len(p.fields), want)
				}
				if withValues != (p.values != nil) || (withValues && len(p.values) != want) {
					t.Fatalf("%q: values %v", args, p.values)
				}
				seen := map[string]bool{}
				for i, f := range p.fields {
					n, err := strconv.Atoi(f[1:])
					if err != nil || n < 0 || n >= size {
						t.Fatalf("%q: field %q not in the hash", args, f)
					}
					if withValues && p.values[i] != "v"+f[1:] {
						t.Fatalf("%q: field %q with value %q", args, f, p.values[i])
					}
					if count > 0 && seen[f] {
						t.Fatalf("%q: field %q twice for a positive count", args, f)
					}
					seen[f] = true
				}
			}
		}
	}
}

func TestHRandFieldReplyShapes(t *testing.T) {
	p := hashPairs{fields: []string{"a", "b"}, values: []string{"1", "2"}}
	if got := string(p.AppendTo(nil, false)); got != "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n" {
		t.Errorf("RESP2 WITHVALUES: %q", got)
	}
	if got := string(p.AppendTo(nil, true)); got != "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n" {
		t.Errorf("RESP3 WITHVALUES: %q", got)
	}
	p.values = nil
	if got := string(p.AppendTo(nil, true)); got != "*2\r\n$1\r\na\r\n$1\r\nb\r\n" {
		t.Errorf("RESP3 fields: %q", got)
	}
	if got := string(hashPairs{values: []string{}}.AppendTo(nil, true)); got != "*0\r\n" {
		t.Errorf("empty: %q", got)
	}
}

// TestHashEncodingThresholds follows Redis's conversion points under
// changed hash-max-listpack-* settings.
func TestHashEncodingThresholds(t *testing.T) {
	srv, c := strServer(t)
	t.Cleanup(func() {
		strDo(srv, c, "CONFIG", "SET", "hash-max-listpack-entries", "512")
		strDo(srv, c, "CONFIG", "SET", "hash-max-listpack-value", "64")
	})
	enc := func(key string) string { return strDo(srv, c, "OBJECT", "ENCODING", key) }
	lp, ht := "$8\r\nlistpack\r\n", "$9\r\nhashtable\r\n"
	strDo(srv, c, "CONFIG", "SET", "hash-max-listpack-entries", "2")
	strDo(srv, c, "HSET", "a", "1", "x", "2", "y")
	if enc("a") != lp {
		t.Fatalf("2 entries: %q", enc("a"))
	}
	strDo(srv, c, "HSETNX", "a", "3", "z")
	if enc("a") != ht {
		t.Fatalf("3 entries: %q", enc("a"))
	}
	strDo(srv, c, "HDEL", "a", "1", "2")
	if enc("a") != ht {
		t.Fatal("a hashtable went back to listpack")
	}
	strDo(srv, c, "CONFIG", "SET", "hash-max-listpack-entries", "512")
	strDo(srv, c, "CONFIG", "SET", "hash-max-listpack-value", "3")
	strDo(srv, c, "HINCRBY", "b", "f", "999")
	if enc("b") != lp {
		t.Fatalf("3-byte value: %q", enc("b"))
	}
	strDo(srv, c, "HINCRBY", "b", "f", "1")
	if enc("b") != ht {
		t.Fatalf("4-byte HINCRBY result: %q", enc("b"))
	}
	strDo(srv, c, "HINCRBYFLOAT", "d", "f", "1.5")
	strDo(srv, c, "HINCRBYFLOAT", "d", "f", "0.25")
	if enc("d") != ht {
		t.Fatalf("4-byte HINCRBYFLOAT result: %q", enc("d"))
	}
	// too long an argument converts even when the field exists already
	strDo(srv, c, "HSET", "e", "f", "v")
	strDo(srv, c, "HSETNX", "e", "f", "long")
	if enc("e") != lp {
		t.Fatal("HSETNX of an existing field converted")
	}
	strDo(srv, c, "HSET", "e", "f", "long")
	if enc("e") != ht {
		t.Fatalf("4-byte HSET value: %q", enc("e"))
	}
}

func TestHashDirty(t *testing.T) {
	srv, c := strServer(t)
	for _, r := range []struct {
		cmd   []string
		dirty int64
	}{
		{[]string{"HSET", "h", "a", "1", "b", "2", "c", "3"}, 3},
		{[]string{"HMSET", "h", "a", "1"}, 1},
		{[]string{"HSETNX", "h", "a", "1"}, 0},
		{[]string{"HSETNX", "h", "d", "1"}, 1},
		{[]string{"HDEL", "h", "a", "b", "nosuch"}, 2},
		{[]string{"HDEL", "h", "nosuch"}, 0},
		{[]string{"HINCRBY", "h", "c", "1"}, 1},
		{[]string{"HINCRBY", "h", "c", "x"}, 0},
		{[]string{"HINCRBYFLOAT", "h", "c", "1.5"}, 1},
		{[]string{"HINCRBYFLOAT", "h", "c", "inf"}, 0},
		{[]string{"HGETALL", "h"}, 0},
	} {
		before := srv.stats.dirty.Load()
		hashDo(srv, c, r.cmd...)
		if d := srv.stats.dirty.Load() - before; d != r.dirty {
			t.Errorf("%q: dirty +%d, want +%d", r.cmd, d, r.dirty)
		}
	}
}

// TestHScanBigHash walks a hashtable-encoded hash with HSCAN cursors while
// fields come and go; every field present throughout is returned.
func TestHScanBigHash(t *testing.T) {
	srv, c := strServer(t)
	hashFill(t, srv, c, "big", 1000)
	seen := map[string]bool{}
	cursor := "0"
	for i := 0; ; i++ {
		r := hashDo(srv, c, "HSCAN", "big", cursor, "COUNT", "7").(reply.Array)
		cursor = string(r[0].(reply.BulkStr))
		items := r[1].(reply.Strings)
		for j := 0; j < len(items); j += 2 {
			if items[j][0] == 'f' && items[j+1] != "v"+items[j][1:] {
				t.Fatalf("HSCAN pair %q %q", items[j], items[j+1])
			}
			seen[items[j]] = true
		}
		strDo(srv, c, "HSET", "big", "tmp"+strconv.Itoa(i), "x")
		if i%3 == 0 {
			strDo(srv, c, "HDEL", "big", "tmp"+strconv.Itoa(i/2))
		}
		if cursor == "0" {
			break
		}
		if i > 100000 {
			t.Fatal("HSCAN does not end")
		}
	}
	for i := 0; i < 1000; i++ {
		if !seen["f"+strconv.Itoa(i)] {
			t.Fatalf("HSCAN missed f%d", i)
		}
	}
}

// TestHashCommandsAgainstModel runs random hash commands against a map
// model; small hashes must also keep insertion order.
func TestHashCommandsAgainstModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 3))
	srv, c := strServer(t)
	m := map[string]int64{}
	var order []string
	for op := 0; op < 5000; op++ {
		f := "f" + strconv.Itoa(r.IntN(700))
		switch r.IntN(5) {
		case 0, 1:
			n := int64(r.IntN(100))
			got := strDo(srv, c, "HSET", "k", f, strconv.FormatInt(n, 10))
			_, had := m[f]
			if want := map[bool]string{true: ":0\r\n", false: ":1\r\n"}[had]; got != want {
				t.Fatalf("seed %d: HSET %s: %q want %q", seed, f, got, want)
			}
			if !had {
				order = append(order, f)
			}
			m[f] = n
		case 2:
			got := strDo(srv, c, "HDEL", "k", f)
			_, had := m[f]
			if want := map[bool]string{true: ":1\r\n", false: ":0\r\n"}[had]; got != want {
				t.Fatalf("seed %d: HDEL %s: %q want %q", seed, f, got, want)
			}
			delete(m, f)
			order = slices.DeleteFunc(order, func(s string) bool { return s == f })
		case 3:
			d := int64(r.IntN(21) - 10)
			got := strDo(srv, c, "HINCRBY", "k", f, strconv.FormatInt(d, 10))
			if _, had := m[f]; !had {
				order = append(order, f)
			}
			m[f] += d
			if want := ":" + strconv.FormatInt(m[f], 10) + "\r\n"; got != want {
				t.Fatalf("seed %d: HINCRBY %s: %q want %q", seed, f, got, want)
			}
		case 4:
			got := strDo(srv, c, "HGET", "k", f)
			want := "$-1\r\n"
			if v, ok := m[f]; ok {
				s := strconv.FormatInt(v, 10)
				want = "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n"
			}
			if got != want {
				t.Fatalf("seed %d: HGET %s: %q want %q", seed, f, got, want)
			}
		}
		if want := ":" + strconv.Itoa(len(m)) + "\r\n"; strDo(srv, c, "HLEN", "k") != want {
			t.Fatalf("seed %d: HLEN %q want %q", seed, strDo(srv, c, "HLEN", "k"), want)
		}
		e := strEntity(srv, "k")
		if len(m) == 0 {
			if e != nil {
				t.Fatalf("seed %d: empty hash kept its key", seed)
			}
			continue
		}
		if h := e.Obj().(*hash.Hash); h.IsSmall() && op%50 == 0 {
			keys := hashDo(srv, c, "HKEYS", "k").(reply.Strings)
			if !slices.Equal([]string(keys), order) {
				t.Fatalf("seed %d: listpack HKEYS %q, want insertion order %q", seed, keys, order)
			}
		}
	}
}

// TestHRandFieldListpackOrder: distinct picks from a listpack hash come in
// insertion order, as Redis samples a listpack, and every field is as
// likely to be picked.
func TestHRandFieldListpackOrder(t *testing.T) {
	srv, c := strServer(t)
	hashFill(t, srv, c, "h", 10)
	picked := map[string]int{}
	for i := 0; i < 3000; i++ {
		p := hashDo(srv, c, "HRANDFIELD", "h", "3").(hashPairs)
		last := -1
		for _, f := range p.fields {
			n, _ := strconv.Atoi(f[1:])
			if n <= last {
				t.Fatalf("picks %q not in insertion order", p.fields)
			}
			last = n
			picked[f]++
		}
	}
	for i := 0; i < 10; i++ {
		if n := picked["f"+strconv.Itoa(i)]; n < 700 || n > 1100 { // mean 900
			t.Fatalf("f%d picked %d times in 3000 draws of 3", i, n)
		}
	}
}

// TestHIncrByConcurrent: HINCRBY from many clients at once loses no
// increment (the key lock serializes them on the shared structure).
func TestHIncrByConcurrent(t *testing.T) {
	srv, _ := strServer(t)
	const workers, each = 8, 300
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			c := connection.NewFake()
			for i := 0; i < each; i++ {
				hashDo(srv, c, "HINCRBY", "h", "n", "1")
				hashDo(srv, c, "HSET", "h", "f"+strconv.Itoa(i), "x")
			}
		}()
	}
	for w := 0; w < workers; w++ {
		<-done
	}
	c := connection.NewFake()
	if got := strDo(srv, c, "HGET", "h", "n"); got != "$4\r\n2400\r\n" {
		t.Fatalf("HGET after concurrent HINCRBY: %q", got)
	}
	if got := strDo(srv, c, "HLEN", "h"); got != ":301\r\n" {
		t.Fatalf("HLEN: %q", got)
	}
}
