package database

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"goredis/interface/resp"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// keysServer starts a server for the tests of this file and stops it at
// the end of the test.
func keysServer(t testing.TB) *Server {
	t.Helper()
	srv := NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// keysDo runs one command on c and returns its RESP2 encoding.
func keysDo(srv *Server, c resp.Connection, args ...string) string {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return string(reply.Encode(srv.Exec(c, b), false))
}

// keysExpect runs the command and fails unless the reply is want (RESP2,
// written with \r\n).
func keysExpect(t *testing.T, srv *Server, c resp.Connection, want string, args ...string) {
	t.Helper()
	if got := keysDo(srv, c, args...); got != want {
		t.Fatalf("%q: got %q, want %q", args, got, want)
	}
}

// keysScanAll runs a whole SCAN iteration and returns every key seen, with
// how many times.
func keysScanAll(t *testing.T, srv *Server, c resp.Connection, extra ...string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > 1_000_000 {
			t.Fatal("SCAN does not terminate")
		}
		r := srv.Exec(c, toArgs(append([]string{"SCAN", cursor}, extra...)))
		arr, ok := r.(reply.Array)
		if !ok || len(arr) != 2 {
			t.Fatalf("SCAN %s: reply %q", cursor, reply.Encode(r, false))
		}
		cursor = string(arr[0].(reply.BulkStr))
		for _, k := range arr[1].(reply.Strings) {
			seen[k]++
		}
		if cursor == "0" {
			return seen
		}
	}
}

func toArgs(s []string) [][]byte {
	b := make([][]byte, len(s))
	for i, a := range s {
		b[i] = []byte(a)
	}
	return b
}

// TestScanGuarantee checks SCAN's promise: a key present for the whole
// iteration is returned, however many other keys come and go meanwhile.
func TestScanGuarantee(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	const stable = 3000
	for i := 0; i < stable; i++ {
		keysDo(srv, c, "SET", "stable:"+strconv.Itoa(i), "v")
	}
	// Keys present at the start but deleted during the scan, and keys
	// added during it, may or may not show up; the stable ones must.
	for i := 0; i < 1000; i++ {
		keysDo(srv, c, "SET", "doomed:"+strconv.Itoa(i), "v")
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var churned atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			cc := connection.NewFake()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Sprintf("churn:%d:%d", w, rng.IntN(5000))
				if rng.IntN(2) == 0 {
					keysDo(srv, cc, "SET", k, "x")
				} else {
					keysDo(srv, cc, "DEL", k)
				}
				if i < 1000 && w == 0 {
					keysDo(srv, cc, "DEL", "doomed:"+strconv.Itoa(i))
				}
				churned.Add(1)
			}
		}(w)
	}
	for _, count := range []string{"1", "7", "100"} {
		seen := keysScanAll(t, srv, c, "COUNT", count)
		for i := 0; i < stable; i++ {
			if seen["stable:"+strconv.Itoa(i)] == 0 {
				t.Errorf("COUNT %s: stable:%d missed", count, i)
			}
		}
	}
	// With MATCH and TYPE the stable keys are still all there.
	seen := keysScanAll(t, srv, c, "MATCH", "stable:*", "COUNT", "5", "TYPE", "string")
	if len(seen) != stable {
		t.Errorf("MATCH stable:*: %d keys, want %d", len(seen), stable)
	}
	for k := range seen {
		if !strings.HasPrefix(k, "stable:") {
			t.Errorf("MATCH stable:* returned %q", k)
		}
	}
	close(stop)
	wg.Wait()
	if churned.Load() == 0 {
		t.Fatal("no concurrent changes happened")
	}
	// Quiet keyspace: every key exactly once.
	keysDo(srv, c, "FLUSHDB")
	for i := 0; i < 500; i++ {
		keysDo(srv, c, "SET", "k"+strconv.Itoa(i), "v")
	}
	seen = keysScanAll(t, srv, c, "COUNT", "3")
	if len(seen) != 500 {
		t.Fatalf("quiet scan: %d keys, want 500", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("quiet scan returned %s %d times", k, n)
		}
	}
}

// TestScanShape checks the cursor, COUNT and TYPE rules.
func TestScanShape(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	keysExpect(t, srv, c, "*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0")
	for i := 0; i < 100; i++ {
		keysDo(srv, c, "SET", "k"+strconv.Itoa(i), "v")
	}
	// A small keyspace with the default COUNT still takes several calls,
	// each returning about COUNT keys.
	r := srv.Exec(c, toArgs([]string{"SCAN", "0", "COUNT", "10"})).(reply.Array)
	if r[0].(reply.BulkStr) == "0" || len(r[1].(reply.Strings)) < 10 || len(r[1].(reply.Strings)) > 12 {
		t.Fatalf("SCAN 0 COUNT 10: cursor %s, %d keys", r[0], len(r[1].(reply.Strings)))
	}
	r = srv.Exec(c, toArgs([]string{"SCAN", "0", "COUNT", "1000"})).(reply.Array)
	if r[0].(reply.BulkStr) != "0" || len(r[1].(reply.Strings)) != 100 {
		t.Fatalf("SCAN 0 COUNT 1000: cursor %s, %d keys", r[0], len(r[1].(reply.Strings)))
	}
	if seen := keysScanAll(t, srv, c, "TYPE", "list"); len(seen) != 0 {
		t.Fatalf("TYPE list returned %v", seen)
	}
	if seen := keysScanAll(t, srv, c, "TYPE", "STRING"); len(seen) != 100 {
		t.Fatalf("TYPE STRING returned %d keys", len(seen))
	}
	// Any cursor is a valid place to resume.
	keysScanAll(t, srv, c)
	for _, cur := range []string{"18446744073709551615", "-1", "12345678901234567890", ""} {
		if got := keysDo(srv, c, "SCAN", cur); !strings.HasPrefix(got, "*2\r\n") {
			t.Fatalf("SCAN %q: %q", cur, got)
		}
	}
	// Expired keys are not returned.
	keysDo(srv, c, "FLUSHDB")
	keysDo(srv, c, "SET", "gone", "v")
	keysDo(srv, c, "PEXPIRE", "gone", "1")
	time.Sleep(5 * time.Millisecond)
	keysExpect(t, srv, c, "*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0")
}

func TestParseScanCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"", 0, true},
		{"17", 17, true},
		{"+5", 5, true},
		{"-1", math.MaxUint64, true},
		{"-0", 0, true},
		{"007", 7, true},
		{"18446744073709551615", math.MaxUint64, true},
		{"18446744073709551616", 0, false},
		{"-18446744073709551616", 0, false},
		{"+", 0, false},
		{"-", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"0x10", 0, false},
		{"1.5", 0, false},
		{"abc", 0, false},
	} {
		got, ok := parseScanCursor([]byte(tc.in))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseScanCursor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStringEncoding(t *testing.T) {
	long := strings.Repeat("a", 45)
	for _, tc := range []struct {
		val  string
		raw  bool
		want string
	}{
		{"0", false, "int"},
		{"-1", false, "int"},
		{"9223372036854775807", false, "int"},
		{"-9223372036854775808", false, "int"},
		{"9223372036854775808", false, "embstr"},
		{"123456789012345678901", false, "embstr"},
		{"01", false, "embstr"},
		{"-0", false, "embstr"},
		{"+1", false, "embstr"},
		{" 1", false, "embstr"},
		{"", false, "embstr"},
		{"abc", false, "embstr"},
		{long[:44], false, "embstr"},
		{long, false, "raw"},
		{"12", true, "raw"},
		{"x", true, "raw"},
	} {
		enc := EncAuto
		if tc.raw {
			enc = EncRaw
		}
		if got := stringEncoding(newStr(tc.val, enc)); got != tc.want {
			t.Errorf("stringEncoding(%q, raw=%v) = %s, want %s", tc.val, tc.raw, got, tc.want)
		}
	}
}

// fakeObj is a mutable non-string value for COPY and TYPE tests.
type fakeObj struct{ items []string }

func (f *fakeObj) Copy() any        { return &fakeObj{items: append([]string(nil), f.items...)} }
func (f *fakeObj) Encoding() string { return "listpack" }

type noCopyObj struct{}

func TestCopyDeepCopies(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	db := srv.dbs[0]
	orig := &fakeObj{items: []string{"a", "b"}}
	db.put([]byte("src"), newObj(KindList, orig), false)
	keysExpect(t, srv, c, ":1\r\n", "COPY", "src", "dst")
	keysExpect(t, srv, c, ":1\r\n", "COPY", "src", "dst", "DB", "3")
	keysExpect(t, srv, c, "+list\r\n", "TYPE", "dst")
	keysExpect(t, srv, c, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "dst")
	orig.items[0] = "changed"
	for _, d := range []*DB{srv.dbs[0], srv.dbs[3]} {
		cp := d.data.Shard(d.data.ShardFor([]byte("dst"))).Data["dst"].Obj().(*fakeObj)
		if cp == orig || cp.items[0] != "a" {
			t.Fatalf("db %d: copy shares the original: %v", d.index, cp.items)
		}
	}
	db.put([]byte("nc"), newObj(KindHash, noCopyObj{}), false)
	if got := keysDo(srv, c, "COPY", "nc", "nc2"); !strings.HasPrefix(got, "-ERR") {
		t.Fatalf("COPY of a value without Copy: %q", got)
	}
	keysExpect(t, srv, c, "$7\r\nunknown\r\n", "OBJECT", "ENCODING", "nc")
}

func TestTypeOfKinds(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	db := srv.dbs[0]
	for k := KindString; k <= KindStream; k++ {
		e := &Entity{Kind: k}
		if k != KindString {
			e.SetObj(&fakeObj{})
		}
		db.put([]byte("k"+strconv.Itoa(int(k))), e, false)
		keysExpect(t, srv, c, "+"+k.String()+"\r\n", "TYPE", "k"+strconv.Itoa(int(k)))
	}
	keysExpect(t, srv, c, "+none\r\n", "TYPE", "nokey")
	keysExpect(t, srv, c, "*2\r\n$1\r\n0\r\n*1\r\n$2\r\nk5\r\n", "SCAN", "0", "TYPE", "stream", "COUNT", "100")
}

// TestKeysSkipsExpired checks KEYS, RANDOMKEY and DBSIZE around keys whose
// time has passed but which are still stored.
func TestKeysSkipsExpired(t *testing.T) {
	srv := keysServer(t)
	srv.activeExpire.Store(false)
	c := connection.NewFake()
	db := srv.dbs[0]
	for i := 0; i < 50; i++ {
		k := []byte("old" + strconv.Itoa(i))
		db.putString(k, "v", false)
		db.expireAt(k, nowMs()-1000)
	}
	keysExpect(t, srv, c, "*0\r\n", "KEYS", "*")
	keysExpect(t, srv, c, ":50\r\n", "DBSIZE")
	keysExpect(t, srv, c, "$-1\r\n", "RANDOMKEY")
	keysExpect(t, srv, c, ":0\r\n", "DBSIZE")
	keysDo(srv, c, "SET", "live", "v")
	keysExpect(t, srv, c, "$4\r\nlive\r\n", "RANDOMKEY")
	keysExpect(t, srv, c, "*1\r\n$4\r\nlive\r\n", "KEYS", "l?ve")
}

// TestRandomKeySpread checks RANDOMKEY returns every key of a small
// keyspace, not just those after long runs of empty shards.
func TestRandomKeySpread(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	for i := 0; i < 5; i++ {
		keysDo(srv, c, "SET", "r"+strconv.Itoa(i), "v")
	}
	seen := map[string]int{}
	for i := 0; i < 2000; i++ {
		seen[keysDo(srv, c, "RANDOMKEY")]++
	}
	for k, n := range seen {
		if n < 200 {
			t.Errorf("RANDOMKEY returned %q only %d times in 2000", k, n)
		}
	}
	if len(seen) != 5 {
		t.Fatalf("RANDOMKEY returned %d distinct keys, want 5", len(seen))
	}
}

// TestCrossDBNoDeadlock runs the commands that lock two databases, and
// whole-keyspace ones, against each other; they must all finish.
func TestCrossDBNoDeadlock(t *testing.T) {
	srv := keysServer(t)
	var wg sync.WaitGroup
	done := make(chan struct{})
	worker := func(db int, cmds [][]string) {
		defer wg.Done()
		c := connection.NewFake()
		c.SelectDB(db)
		for i := 0; i < 300; i++ {
			for _, cmd := range cmds {
				keysDo(srv, c, cmd...)
			}
		}
	}
	wg.Add(6)
	go worker(0, [][]string{{"SET", "k", "v"}, {"MOVE", "k", "1"}, {"COPY", "k", "k2", "DB", "1", "REPLACE"}})
	go worker(1, [][]string{{"SET", "k", "v"}, {"MOVE", "k", "0"}, {"COPY", "k", "k2", "DB", "0", "REPLACE"}})
	go worker(0, [][]string{{"SWAPDB", "0", "1"}, {"SWAPDB", "1", "2"}})
	go worker(2, [][]string{{"FLUSHALL"}, {"FLUSHDB"}, {"RENAME", "k", "k3"}})
	go worker(1, [][]string{{"KEYS", "*"}, {"SCAN", "0"}, {"RANDOMKEY"}, {"DBSIZE"}, {"COPY", "k", "k9"}})
	go worker(0, [][]string{{"DEL", "k", "k2"}, {"EXPIRE", "k2", "100"}, {"GET", "k"}})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("cross-db commands deadlocked")
	}
}

// TestSwapDBAtomic checks no command sees half a SWAPDB or FLUSHALL:
// DBSIZE is always one database's whole size.
func TestSwapDBAtomic(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	for i := 0; i < 3000; i++ {
		keysDo(srv, c, "SET", "a"+strconv.Itoa(i), "v")
	}
	c.SelectDB(1)
	for i := 0; i < 1000; i++ {
		keysDo(srv, c, "SET", "b"+strconv.Itoa(i), "v")
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		cc := connection.NewFake()
		for {
			select {
			case <-stop:
				return
			default:
			}
			keysDo(srv, cc, "SWAPDB", "0", "1")
		}
	}()
	for i := 0; i < 300; i++ {
		got := keysDo(srv, c, "DBSIZE")
		if got != ":3000\r\n" && got != ":1000\r\n" {
			t.Fatalf("DBSIZE during SWAPDB: %q", got)
		}
		if got := keysDo(srv, c, "KEYS", "*"); !strings.HasPrefix(got, "*3000\r\n") && !strings.HasPrefix(got, "*1000\r\n") {
			t.Fatalf("KEYS during SWAPDB: %.20q", got)
		}
	}
	close(stop)
	wg.Wait()
	// FLUSHALL empties every database at once.
	keysExpect(t, srv, c, "+OK\r\n", "FLUSHALL", "async")
	for i := range srv.dbs {
		c.SelectDB(i)
		keysExpect(t, srv, c, ":0\r\n", "DBSIZE")
	}
}

// TestMoveCopyTTL checks that MOVE, COPY and RENAME carry the TTL along.
func TestMoveCopyTTL(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	keysDo(srv, c, "SET", "k", "v")
	keysExpect(t, srv, c, ":1\r\n", "PEXPIREAT", "k", strconv.FormatInt(nowMs()+100_000, 10))
	at := keysDo(srv, c, "PEXPIRETIME", "k")
	keysExpect(t, srv, c, ":1\r\n", "COPY", "k", "c", "DB", "2")
	keysExpect(t, srv, c, "+OK\r\n", "RENAME", "k", "r")
	keysExpect(t, srv, c, at, "PEXPIRETIME", "r")
	keysExpect(t, srv, c, ":1\r\n", "MOVE", "r", "5")
	keysExpect(t, srv, c, ":-2\r\n", "PEXPIRETIME", "r")
	c.SelectDB(5)
	keysExpect(t, srv, c, at, "PEXPIRETIME", "r")
	c.SelectDB(2)
	keysExpect(t, srv, c, at, "PEXPIRETIME", "c")
}

func TestObjectRefCountAndIdle(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	for _, tc := range []struct{ val, want string }{
		{"0", ":2147483647\r\n"}, {"9999", ":2147483647\r\n"}, {"10000", ":1\r\n"},
		{"-1", ":1\r\n"}, {"abc", ":1\r\n"}, {"01", ":1\r\n"},
	} {
		keysDo(srv, c, "SET", "n", tc.val)
		keysExpect(t, srv, c, tc.want, "OBJECT", "REFCOUNT", "n")
	}
	keysExpect(t, srv, c, "$-1\r\n", "OBJECT", "REFCOUNT", "missing")
	db := srv.dbs[0]
	e := db.shard([]byte("n")).Data["n"]
	e.LRU = lruClock() - 42
	keysExpect(t, srv, c, ":42\r\n", "OBJECT", "IDLETIME", "n")
	// OBJECT does not touch the key; GET does.
	keysExpect(t, srv, c, ":42\r\n", "OBJECT", "IDLETIME", "n")
	keysDo(srv, c, "GET", "n")
	keysExpect(t, srv, c, ":0\r\n", "OBJECT", "IDLETIME", "n")
}

func TestLockDBShardsOrder(t *testing.T) {
	srv := keysServer(t)
	a, b := srv.dbs[3], srv.dbs[1]
	l := lockDBShards([]dbShard{{a, 9}, {b, 200}, {a, 9}, {b, 4}, {a, 2}})
	want := []dbShard{{b, 4}, {b, 200}, {a, 2}, {a, 9}}
	if len(l) != len(want) {
		t.Fatalf("got %d shards, want %d", len(l), len(want))
	}
	for i := range want {
		if l[i] != want[i] {
			t.Fatalf("lock %d: db %d shard %d, want db %d shard %d", i, l[i].db.index, l[i].shard, want[i].db.index, want[i].shard)
		}
		if l[i].db.data.Shard(l[i].shard).Mu.TryLock() {
			t.Fatalf("shard %d of db %d not locked", l[i].shard, l[i].db.index)
		}
	}
	unlockDBShards(l)
	for _, x := range want {
		if !x.db.data.Shard(x.shard).Mu.TryLock() {
			t.Fatalf("shard %d of db %d still locked", x.shard, x.db.index)
		}
		x.db.data.Shard(x.shard).Mu.Unlock()
	}
}
