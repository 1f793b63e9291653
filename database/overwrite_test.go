package database

import (
	"strings"
	"testing"

	"goredis/interface/resp"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// SET, MSET and HSET write a value of the same length over the old one's
// array when no view of it was handed out (putBytes, Hash.SetBytes). A
// reply holds views of the values it answers until it is written, after
// the key's lock is released; these tests keep such a reply, overwrite the
// value twice (the second overwrite is the one that would go in place)
// and check the reply still says what it said.

// overwriteCase reads a key with read (after two overwrites
// of the same length), then overwrites again and checks the reply held.
type overwriteCase struct {
	name  string
	write func(v string) []string
	read  []string
	want  func(v string) string // the read's encoding while the value is v
}

func runOverwriteCase(t *testing.T, tc overwriteCase) {
	t.Helper()
	srv, c := strServer(t)
	vals := []string{strings.Repeat("a", 100), strings.Repeat("b", 100), strings.Repeat("c", 100), strings.Repeat("d", 100)}
	strDo(srv, c, tc.write(vals[0])...)
	strDo(srv, c, tc.write(vals[1])...)
	held := srv.Exec(c, strArgs(tc.read...))
	strDo(srv, c, tc.write(vals[2])...)
	strDo(srv, c, tc.write(vals[3])...)
	if got, want := string(reply.Encode(held, false)), tc.want(vals[1]); got != want {
		t.Errorf("%s: reply held over two overwrites: got %.60q..., want %.60q...", tc.name, got, want)
	}
	if got, want := strDo(srv, c, tc.read...), tc.want(vals[3]); got != want {
		t.Errorf("%s: after the overwrites: got %.60q..., want %.60q...", tc.name, got, want)
	}
}

func bulk(s string) string { return "$100\r\n" + s + "\r\n" }

func TestOverwriteInPlaceKeepsHeldReplies(t *testing.T) {
	set := func(v string) []string { return []string{"SET", "k", v} }
	mset := func(v string) []string { return []string{"MSET", "k", v, "other", "x"} }
	hset := func(v string) []string { return []string{"HSET", "h", "f", v} }
	for _, tc := range []overwriteCase{
		{name: "GET", write: set, read: []string{"GET", "k"}, want: bulk},
		{name: "GET after MSET", write: mset, read: []string{"GET", "k"}, want: bulk},
		{name: "MGET", write: set, read: []string{"MGET", "k"}, want: func(v string) string { return "*1\r\n" + bulk(v) }},
		{name: "GETRANGE", write: set, read: []string{"GETRANGE", "k", "0", "-1"}, want: bulk},
		{name: "GETEX", write: set, read: []string{"GETEX", "k"}, want: bulk},
		{name: "SUBSTR", write: set, read: []string{"SUBSTR", "k", "0", "-1"}, want: bulk},
		{name: "HGET", write: hset, read: []string{"HGET", "h", "f"}, want: bulk},
		{name: "HMGET", write: hset, read: []string{"HMGET", "h", "f"}, want: func(v string) string { return "*1\r\n" + bulk(v) }},
		{name: "HGETALL", write: hset, read: []string{"HGETALL", "h"}, want: func(v string) string { return "*2\r\n$1\r\nf\r\n" + bulk(v) }},
		{name: "HVALS", write: hset, read: []string{"HVALS", "h"}, want: func(v string) string { return "*1\r\n" + bulk(v) }},
		{name: "HSCAN", write: hset, read: []string{"HSCAN", "h", "0"}, want: func(v string) string { return "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n" + bulk(v) }},
		{name: "HRANDFIELD", write: hset, read: []string{"HRANDFIELD", "h", "1", "WITHVALUES"}, want: func(v string) string { return "*2\r\n$1\r\nf\r\n" + bulk(v) }},
	} {
		runOverwriteCase(t, tc)
	}
}

// Replies that answer the old value of the write itself.
func TestOverwriteInPlaceKeepsOldValueReplies(t *testing.T) {
	a, b, c := strings.Repeat("a", 100), strings.Repeat("b", 100), strings.Repeat("c", 100)
	for _, write := range [][]string{{"GETSET", "k", b}, {"SET", "k", b, "GET"}} {
		srv, conn := strServer(t)
		strDo(srv, conn, "SET", "k", a)
		strDo(srv, conn, "SET", "k", a)
		held := srv.Exec(conn, strArgs(write...))
		strDo(srv, conn, "SET", "k", c)
		strDo(srv, conn, "SET", "k", c)
		if got := string(reply.Encode(held, false)); got != bulk(a) {
			t.Errorf("%s: old value held over two overwrites: got %.60q...", write[0], got)
		}
	}
}

// A value that reached another key (COPY, RENAME) is not written
// through when the first key is overwritten, nor the first key when the
// other is.
func TestOverwriteInPlaceLeavesOtherKeys(t *testing.T) {
	a, b, c := strings.Repeat("a", 100), strings.Repeat("b", 100), strings.Repeat("c", 100)
	set := func(k, v string) []string { return []string{"SET", k, v} }
	hset := func(k, v string) []string { return []string{"HSET", k, "f", v} }
	get := func(k string) []string { return []string{"GET", k} }
	hget := func(k string) []string { return []string{"HGET", k, "f"} }
	for _, tc := range []struct {
		name  string
		write func(k, v string) []string
		read  func(k string) []string
		move  string
	}{
		{"COPY", set, get, "COPY"},
		{"RENAME", set, get, "RENAME"},
		{"COPY of a hash", hset, hget, "COPY"},
	} {
		srv, conn := strServer(t)
		strDo(srv, conn, tc.write("src", a)...)
		strDo(srv, conn, tc.write("src", b)...)
		strDo(srv, conn, tc.move, "src", "dst")
		strDo(srv, conn, tc.write("src", c)...)
		strDo(srv, conn, tc.write("src", a)...)
		if got := strDo(srv, conn, tc.read("dst")...); got != bulk(b) {
			t.Errorf("%s: the destination changed with writes to the source: %.60q...", tc.name, got)
		}
		strDo(srv, conn, tc.write("dst", c)...)
		strDo(srv, conn, tc.write("dst", c)...)
		if got := strDo(srv, conn, tc.read("src")...); got != bulk(a) {
			t.Errorf("%s: the source changed with writes to the destination: %.60q...", tc.name, got)
		}
		if got := strDo(srv, conn, tc.read("dst")...); got != bulk(c) {
			t.Errorf("%s: writes to the destination: %.60q...", tc.name, got)
		}
	}
}

// The point of it: an overwrite of the same length allocates nothing, so
// a write-heavy load leaves the collector nothing to do; with maxmemory
// set too, where each write is counted again (entitySize).
func TestOverwriteOfSameLengthAllocatesNothing(t *testing.T) {
	t.Run("no maxmemory", func(t *testing.T) {
		srv, conn := strServer(t)
		testOverwriteAllocs(t, srv, conn)
	})
	t.Run("maxmemory", func(t *testing.T) {
		srv, conn := evictServer(t, 1<<30, "allkeys-lru")
		testOverwriteAllocs(t, srv, conn)
	})
}

func testOverwriteAllocs(t *testing.T, srv *Server, conn resp.Connection) {
	srv.Exec(connection.NewFake(), strArgs("HSET", "h", "f", strings.Repeat("x", 1024)))
	for _, tc := range []struct {
		name string
		args [][]byte
	}{
		{"SET", strArgs("SET", "k", strings.Repeat("v", 1024))},
		{"MSET", strArgs("MSET", "k", strings.Repeat("v", 1024), "k2", strings.Repeat("w", 1024))},
		{"HSET", strArgs("HSET", "h", "f", strings.Repeat("v", 1024))},
	} {
		srv.Exec(conn, tc.args)
		if allocs := testing.AllocsPerRun(100, func() { srv.Exec(conn, tc.args) }); allocs != 0 {
			t.Errorf("%s over a value of the same length: %.1f allocations, want 0", tc.name, allocs)
		}
	}
	// A value of another length is a new array, which the next overwrite
	// of that length writes over.
	srv.Exec(conn, strArgs("SET", "k", "short"))
	if got := strDo(srv, conn, "GET", "k"); got != "$5\r\nshort\r\n" {
		t.Errorf("SET of another length: GET says %q", got)
	}
}

// INCR and its kin write a counter's new text over the old when it keeps
// its length; a reply that holds the old value keeps it.
func TestIncrInPlace(t *testing.T) {
	srv, conn := strServer(t)
	strDo(srv, conn, "SET", "n", "10")
	strDo(srv, conn, "INCR", "n")
	held := srv.Exec(conn, strArgs("GET", "n"))
	strDo(srv, conn, "INCRBY", "n", "5")
	strDo(srv, conn, "DECR", "n")
	if got := string(reply.Encode(held, false)); got != "$2\r\n11\r\n" {
		t.Errorf("GET held over two INCRs: %q, want 11", got)
	}
	if got := strDo(srv, conn, "GET", "n"); got != "$2\r\n15\r\n" {
		t.Errorf("GET after the INCRs: %q, want 15", got)
	}
	// Crossing a power of ten changes the length; the text stays right.
	strDo(srv, conn, "INCRBY", "n", "84")
	strDo(srv, conn, "INCR", "n")
	if got := strDo(srv, conn, "GET", "n"); got != "$3\r\n100\r\n" {
		t.Errorf("GET after crossing 99: %q, want 100", got)
	}
	if got := strDo(srv, conn, "OBJECT", "ENCODING", "n"); got != "$3\r\nint\r\n" {
		t.Errorf("OBJECT ENCODING: %q, want int", got)
	}
	args := strArgs("INCR", "n")
	srv.Exec(conn, args)
	if allocs := testing.AllocsPerRun(100, func() { srv.Exec(conn, args) }); allocs != 0 {
		t.Errorf("INCR of a counter that keeps its length: %.1f allocations, want 0", allocs)
	}
	// A one-digit counter: its text must not be the runtime's shared
	// one-byte string (string(b) of one byte), which is read-only.
	strDo(srv, conn, "SET", "d", "1")
	for i := 0; i < 5; i++ {
		strDo(srv, conn, "INCR", "d")
	}
	if got := strDo(srv, conn, "GET", "d"); got != "$1\r\n6\r\n" {
		t.Errorf("one-digit counter: %q, want 6", got)
	}
}

// TestListRepliesHeldThroughWrites: a list's pops and reads answer with
// views of its chunks (datastruct/list), so a reply held while later
// commands push, pop, set, insert, remove and trim must keep its bytes,
// on a short list (whose small chunk may take popped space back) and on
// a long one.
func TestListRepliesHeldThroughWrites(t *testing.T) {
	reads := [][]string{
		{"LPOP", "l"}, {"RPOP", "l"}, {"LPOP", "l", "2"}, {"RPOP", "l", "2"},
		{"LRANGE", "l", "0", "-1"}, {"LINDEX", "l", "0"}, {"LINDEX", "l", "-1"},
		{"LMPOP", "1", "l", "RIGHT", "COUNT", "2"}, {"LMOVE", "l", "other", "LEFT", "RIGHT"},
		{"RPOPLPUSH", "l", "l"},
	}
	writes := [][]string{
		{"RPOP", "l"}, {"RPUSH", "l", "zz"}, {"LPOP", "l"}, {"LPUSH", "l", "yy"},
		{"RPUSH", "l", "w1", "w2"}, {"LPUSH", "l", "w3", "w4"}, {"RPOP", "l"}, {"LPOP", "l"},
		{"RPUSH", "l", "w5"}, {"LPUSH", "l", "w6"}, {"LSET", "l", "0", "w7"}, {"LSET", "l", "-1", "w8"},
		{"LINSERT", "l", "BEFORE", "w7", "w9"}, {"LREM", "l", "0", "w9"}, {"LTRIM", "l", "1", "-2"},
		{"RPUSH", "l", "wa", "wb", "wc"}, {"LPUSH", "l", "wd", "we", "wf"},
	}
	for _, size := range []int{4, 3000} {
		for _, read := range reads {
			srv, c := strServer(t)
			push := []string{"RPUSH", "l"}
			for i := 0; i < size; i++ {
				push = append(push, "e"+strings.Repeat("x", i%7)+string(rune('a'+i%26)))
			}
			strDo(srv, c, push...)
			held := srv.Exec(c, strArgs(read...))
			want := string(reply.Encode(held, false))
			for round := 0; round < 3; round++ {
				for _, w := range writes {
					strDo(srv, c, w...)
				}
			}
			if got := string(reply.Encode(held, false)); got != want {
				t.Errorf("%d elements, %v: reply held through the writes changed from %.80q to %.80q", size, read, want, got)
			}
		}
	}
}
