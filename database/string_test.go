package database

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/client"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// strServer starts a server for one test and stops it when the test ends.
func strServer(t testing.TB) (*Server, resp.Connection) {
	t.Helper()
	srv := NewServer()
	t.Cleanup(srv.Close)
	return srv, connection.NewFake()
}

func strArgs(args ...string) [][]byte {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return b
}

// strDo runs a command and returns its RESP2 encoding.
func strDo(srv *Server, c resp.Connection, args ...string) string {
	return string(reply.Encode(srv.Exec(c, strArgs(args...)), false))
}

// strRun runs commands given as {want, args...} rows.
func strRun(t *testing.T, srv *Server, c resp.Connection, rows [][]string) {
	t.Helper()
	for _, r := range rows {
		if got := strDo(srv, c, r[1:]...); got != r[0] {
			t.Errorf("%q: got %q, want %q", r[1:], got, r[0])
		}
	}
}

// strEntity returns the live entity at key in db 0.
func strEntity(srv *Server, key string) *Entity {
	db := srv.dbs[0]
	s := db.shard([]byte(key))
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return db.lookup([]byte(key))
}

// strExpireAt returns key's absolute expiry in ms, -1 if none.
func strExpireAt(srv *Server, key string) int64 {
	db := srv.dbs[0]
	s := db.shard([]byte(key))
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return db.ttl([]byte(key))
}

func TestParseLongDouble(t *testing.T) {
	// Outputs recorded from redis-server 7.0.15: INCRBYFLOAT of a missing
	// key by the input; "" means "ERR value is not a valid float".
	cases := []struct{ in, want string }{
		{"0.1", "0.1"},
		{"10.5", "10.5"},
		{"5.0e3", "5000"},
		{"-5.0E3", "-5000"},
		{".5", "0.5"},
		{"5.", "5"},
		{"+2", "2"},
		{"00012.5", "12.5"},
		{"1e20", "100000000000000000000"},
		{"3.14159265358979323846264338327950288", "3.14159265358979324"},
		{"123456789012345678901234567890", "123456789012345678899921813504"},
		{"0.0000000000000000001", "0"},
		{"-0", "0"},
		{"-1e-4940", "0"},
		{"0e99999999999999999999", "0"},
		{"0x10", "16"},
		{"0x1p3", "8"},
		{"0X1.8P1", "3"},
		{"0x.8", "0.5"},
		{"0x8.", "8"},
		{"-0x1P+3", "-8"},
		{"3.6e-4951", "0"},
		{"1.9e-4951", "0"},
		{"1.8e-4951", ""},
		{"0x1p-16445", "0"},
		{"0x1p-16446", ""},
		{"1e-5000", ""},
		{"1e5000", ""},
		{"1.18973149535723176508e+4932", ""},
		{"0x1p16384", ""},
		{"1e99999999999999999999", ""},
		{"1e-99999999999999999999", ""},
		{"nan", ""},
		{"-nan", ""},
		{"nan(123)", ""},
		{"abc", ""},
		{"", ""},
		{" 1", ""},
		{"\t1", ""},
		{"1 ", ""},
		{"1e", ""},
		{"1e+", ""},
		{"e5", ""},
		{".", ""},
		{"0x", ""},
		{"0x.", ""},
		{"0x1p", ""},
		{"0x1p1.5", ""},
		{"0x1e5", "485"},
		{"0b101", ""},
		{"0o17", ""},
		{"1_000", ""},
		{"1\x002", ""},
		{"++1", ""},
		{"-+1", ""},
		{"infinit", ""},
		{"infinityy", ""},
	}
	for _, c := range cases {
		got, errReply := incrLongDouble("", false, []byte(c.in))
		if errReply != nil {
			got = ""
			if errReply != reply.NotFloat {
				t.Errorf("%q: error %q", c.in, reply.Encode(errReply, false))
			}
		}
		if got != c.want {
			t.Errorf("INCRBYFLOAT by %q = %q, want %q", c.in, got, c.want)
		}
	}
	// Values long doubles hold exactly or with more precision than float64.
	sums := []struct{ cur, incr, want string }{
		{"10.5", "0.1", "10.6"},
		{"5000", "200", "5200"},
		{"5200", "3.0e3", "8200"},
		{"0.1", "0.2", "0.3"},
		{"1.1", "2.2", "3.3"},
		{"-1.25", "0.25", "-1"},
		{"9007199254740993", "0", "9007199254740993"},
		{"1e4932", "1e4932", "NaNInf"},
		{"inf", "1", "NaNInf"},
		{"1.5", "-inf", "NaNInf"},
		{"0.000000000000000005", "-0.000000000000000015", "-0.00000000000000001"},
		{" 1.5", "1", "float"},
	}
	for _, c := range sums {
		got, errReply := incrLongDouble(c.cur, true, []byte(c.incr))
		switch errReply {
		case nil:
		case errIncrNaN:
			got = "NaNInf"
		case reply.NotFloat:
			got = "float"
		default:
			t.Errorf("%s+%s: error %q", c.cur, c.incr, reply.Encode(errReply, false))
		}
		if got != c.want {
			t.Errorf("%s + %s = %q, want %q", c.cur, c.incr, got, c.want)
		}
	}
	long := make([]byte, utils.LongDoubleMaxChars)
	for i := range long {
		long[i] = '1'
	}
	if _, ok := utils.ParseLongDouble(string(long)); ok {
		t.Errorf("a %d-byte number parsed", len(long))
	}
	if _, ok := utils.ParseLongDouble("0." + string(long[:utils.LongDoubleMaxChars-3])); !ok {
		t.Errorf("a %d-byte number did not parse", utils.LongDoubleMaxChars-1)
	}
}

func TestRangeOf(t *testing.T) {
	const max, min = math.MaxInt64, math.MinInt64
	cases := []struct {
		start, end, n int64
		from, to      int64
		ok            bool
	}{
		{0, 4, 11, 0, 5, true},
		{-5, -1, 11, 6, 11, true},
		{-1, -5, 11, 0, 0, false},
		{5, 2, 11, 0, 0, false},
		{0, -1, 11, 0, 11, true},
		{0, -100, 11, 0, 1, true},
		{-100, -100, 11, 0, 1, true},
		{10, 20, 11, 10, 11, true},
		{11, 20, 11, 0, 0, false},
		{0, max, 11, 0, 11, true},
		{min, max, 11, 0, 11, true},
		{min, min, 11, 0, 1, true},
		{max, max, 11, 0, 0, false},
		{0, -1, 0, 0, 0, false},
		{-1, 0, 0, 0, 0, false},
	}
	for _, c := range cases {
		from, to, ok := rangeOf(c.start, c.end, c.n)
		if ok != c.ok || (ok && (from != c.from || to != c.to)) {
			t.Errorf("rangeOf(%d, %d, %d) = %d, %d, %v; want %d, %d, %v",
				c.start, c.end, c.n, from, to, ok, c.from, c.to, c.ok)
		}
	}
}

func TestParseStringOptions(t *testing.T) {
	cases := []struct {
		set    bool
		opts   []string
		flags  int
		expire string
		ok     bool
	}{
		{true, nil, 0, "", true},
		{true, []string{"nx"}, optNX, "", true},
		{true, []string{"NX", "NX"}, optNX, "", true},
		{true, []string{"NX", "XX"}, 0, "", false},
		{true, []string{"XX", "nx"}, 0, "", false},
		{true, []string{"get", "GET"}, optGet, "", true},
		{true, []string{"NX", "GET"}, optNX | optGet, "", true},
		{true, []string{"EX", "10"}, optEX, "10", true},
		{true, []string{"EX", "10", "ex", "20"}, optEX, "20", true},
		{true, []string{"EX", "10", "PX", "10"}, 0, "", false},
		{true, []string{"PXAT", "10", "EXAT", "10"}, 0, "", false},
		{true, []string{"EX"}, 0, "", false},
		{true, []string{"NX", "EX"}, 0, "", false},
		{true, []string{"KEEPTTL", "KEEPTTL"}, optKeepTTL, "", true},
		{true, []string{"KEEPTTL", "EX", "1"}, 0, "", false},
		{true, []string{"PX", "1", "KEEPTTL"}, 0, "", false},
		{true, []string{"PERSIST"}, 0, "", false},
		{true, []string{"NX\x00junk"}, optNX, "", true},
		{true, []string{"NXX"}, 0, "", false},
		{false, []string{"PERSIST"}, optPersist, "", true},
		{false, []string{"persist", "PERSIST"}, optPersist, "", true},
		{false, []string{"PERSIST", "EX", "1"}, 0, "", false},
		{false, []string{"EXAT", "1", "PERSIST"}, 0, "", false},
		{false, []string{"PXAT", "5"}, optPXAT, "5", true},
		{false, []string{"NX"}, 0, "", false},
		{false, []string{"GET"}, 0, "", false},
		{false, []string{"KEEPTTL"}, 0, "", false},
	}
	for _, c := range cases {
		flags, expire, ok := parseStringOptions(strArgs(c.opts...), c.set)
		if ok != c.ok || (ok && (flags != c.flags || string(expire) != c.expire)) {
			t.Errorf("parse(%q, set=%v) = %b, %q, %v; want %b, %q, %v",
				c.opts, c.set, flags, expire, ok, c.flags, c.expire, c.ok)
		}
	}
}

func TestExpireMillis(t *testing.T) {
	now := nowMs()
	cases := []struct {
		arg   string
		flags int
		at    int64 // 0: relative to now, checked loosely
		err   string
	}{
		{"10", optEX, 0, ""},
		{"10", optPX, 0, ""},
		{"10", optEXAT, 10000, ""},
		{"10", optPXAT, 10, ""},
		{"9223372036854775", optEXAT, 9223372036854775000, ""},
		{"9223372036854776", optEXAT, 0, "-ERR invalid expire time in 'set' command\r\n"},
		{"9223372036854775", optEX, 0, "-ERR invalid expire time in 'set' command\r\n"},
		{"9223372036854775807", optPX, 0, "-ERR invalid expire time in 'set' command\r\n"},
		{"9223372036854775807", optPXAT, math.MaxInt64, ""},
		{"0", optEX, 0, "-ERR invalid expire time in 'set' command\r\n"},
		{"-1", optPXAT, 0, "-ERR invalid expire time in 'set' command\r\n"},
		{"abc", optEX, 0, "-ERR value is not an integer or out of range\r\n"},
		{"1.5", optEX, 0, "-ERR value is not an integer or out of range\r\n"},
	}
	for _, c := range cases {
		at, errReply := expireMillis([]byte(c.arg), c.flags, "set")
		if errReply != nil {
			if got := string(reply.Encode(errReply, false)); got != c.err {
				t.Errorf("%s %b: error %q, want %q", c.arg, c.flags, got, c.err)
			}
			continue
		}
		if c.err != "" {
			t.Errorf("%s %b: no error, want %q", c.arg, c.flags, c.err)
			continue
		}
		want := c.at
		if want == 0 {
			n, _ := strconv.ParseInt(c.arg, 10, 64)
			if c.flags&optEX != 0 {
				n *= 1000
			}
			if at < now+n || at > nowMs()+n {
				t.Errorf("%s %b: at %d, want about now+%d", c.arg, c.flags, at, n)
			}
		} else if at != want {
			t.Errorf("%s %b: at %d, want %d", c.arg, c.flags, at, want)
		}
	}
}

func TestLCS(t *testing.T) {
	cases := []struct {
		a, b, lcs string
		min       int
		ranges    []lcsMatch
	}{
		{"ohmytext", "mynewtext", "mytext", 0, []lcsMatch{{4, 7, 5, 8}, {2, 3, 0, 1}}},
		{"ohmytext", "mynewtext", "mytext", 4, []lcsMatch{{4, 7, 5, 8}}},
		{"abcXbcd", "xbcabcd", "bcbcd", 0, []lcsMatch{{4, 6, 4, 6}, {1, 2, 1, 2}}},
		{"aXbXc", "abc", "abc", 0, []lcsMatch{{4, 4, 2, 2}, {2, 2, 1, 1}, {0, 0, 0, 0}}},
		{"", "abc", "", 0, nil},
		{"abc", "", "", 0, nil},
		{"abc", "xyz", "", 0, nil},
		{"same", "same", "same", 0, []lcsMatch{{0, 3, 0, 3}}},
	}
	for _, c := range cases {
		table := lcsTable(c.a, c.b)
		total := int(table[len(table)-1])
		str, ranges := lcsWalk(c.a, c.b, table, total, true, c.min)
		if str != c.lcs || total != len(c.lcs) {
			t.Errorf("LCS(%q, %q) = %q (len %d), want %q", c.a, c.b, str, total, c.lcs)
		}
		if len(ranges) != len(c.ranges) {
			t.Errorf("LCS(%q, %q) ranges %v, want %v", c.a, c.b, ranges, c.ranges)
			continue
		}
		for i := range ranges {
			if ranges[i] != c.ranges[i] {
				t.Errorf("LCS(%q, %q) ranges %v, want %v", c.a, c.b, ranges, c.ranges)
				break
			}
		}
	}
}

func TestLCSReplies(t *testing.T) {
	srv, c := strServer(t)
	strDo(srv, c, "MSET", "key1", "ohmytext", "key2", "mynewtext")
	r := srv.Exec(c, strArgs("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"))
	want3 := "%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"
	if got := string(reply.Encode(r, true)); got != want3 {
		t.Errorf("RESP3 LCS IDX: %q, want %q", got, want3)
	}
	want2 := "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"
	if got := string(reply.Encode(r, false)); got != want2 {
		t.Errorf("RESP2 LCS IDX: %q, want %q", got, want2)
	}
}

// TestStringEncodingState checks the encoding state OBJECT ENCODING reads.
func TestStringEncodingState(t *testing.T) {
	srv, c := strServer(t)
	steps := []struct {
		cmd []string
		key string
		enc StrEnc
	}{
		{[]string{"SET", "k", "123"}, "k", EncAuto},
		{[]string{"APPEND", "k", ""}, "k", EncRaw},
		{[]string{"INCR", "k"}, "k", EncAuto},
		{[]string{"SETRANGE", "k", "0", ""}, "k", EncAuto},
		{[]string{"SETRANGE", "k", "0", "9"}, "k", EncRaw},
		{[]string{"SET", "k", "x"}, "k", EncAuto},
		{[]string{"APPEND", "new", "abc"}, "new", EncAuto},
		{[]string{"SETRANGE", "new2", "0", "12"}, "new2", EncRaw},
		{[]string{"DECR", "new2"}, "new2", EncAuto},
		{[]string{"APPEND", "new2", "0"}, "new2", EncRaw},
		{[]string{"INCRBYFLOAT", "new2", "1"}, "new2", EncNoInt},
		{[]string{"APPEND", "new2", "0"}, "new2", EncRaw},
		{[]string{"GETSET", "new2", "1"}, "new2", EncAuto},
		{[]string{"APPEND", "new2", "0"}, "new2", EncRaw},
		{[]string{"MSET", "new2", "1"}, "new2", EncAuto},
	}
	for _, s := range steps {
		strDo(srv, c, s.cmd...)
		e := strEntity(srv, s.key)
		if e == nil || e.Kind != KindString || e.Enc != s.enc {
			t.Fatalf("after %q: entity %+v, want a string with Enc %v", s.cmd, e, s.enc)
		}
		// A value changed in place owns its bytes; one set whole owns none.
		if sb, ok := e.Obj().(*strBuf); e.Obj() != nil && (!ok || string(sb.b) != e.Str()) {
			t.Fatalf("after %q: Obj %T does not hold the value's bytes", s.cmd, e.Obj())
		}
	}
}

func TestStringTTLs(t *testing.T) {
	srv, c := strServer(t)
	before := nowMs()
	strRun(t, srv, c, [][]string{
		{"+OK\r\n", "SET", "k", "v", "EX", "100"},
	})
	if at := strExpireAt(srv, "k"); at < before+100000 || at > nowMs()+100000 {
		t.Fatalf("SET EX 100: expiry %d, want now+100s", at)
	}
	strRun(t, srv, c, [][]string{
		{"+OK\r\n", "SET", "k", "w", "KEEPTTL"},
		{":2\r\n", "APPEND", "k", "x"},
		{"+OK\r\n", "SET", "n", "1", "PXAT", "4102444800123"},
		{":2\r\n", "INCR", "n"},
		{"$3\r\n2.5\r\n", "INCRBYFLOAT", "n", "0.5"},
		{":3\r\n", "SETRANGE", "n", "0", "9"},
		{"$3\r\n9.5\r\n", "GETEX", "n"},
	})
	if at := strExpireAt(srv, "k"); at < before+100000 {
		t.Errorf("KEEPTTL and APPEND lost the TTL: %d", at)
	}
	if at := strExpireAt(srv, "n"); at != 4102444800123 {
		t.Errorf("in-place changes lost the TTL: %d", at)
	}
	strRun(t, srv, c, [][]string{
		{"$3\r\n9.5\r\n", "GETEX", "n", "PERSIST"},
		{"$2\r\nwx\r\n", "GETSET", "k", "y"},
	})
	for _, k := range []string{"n", "k"} {
		if at := strExpireAt(srv, k); at != -1 {
			t.Errorf("%s still expires at %d", k, at)
		}
	}
	strRun(t, srv, c, [][]string{
		{"+OK\r\n", "SETEX", "k", "100", "v"},
		{"+OK\r\n", "MSET", "k", "v2"},
		{"$2\r\nv2\r\n", "GETEX", "k", "EXAT", "1"},
		{"$-1\r\n", "GET", "k"},
		{"+OK\r\n", "SET", "k", "v", "PXAT", "1"},
		{"$-1\r\n", "GET", "k"},
		{"+OK\r\n", "PSETEX", "k", "30", "v"},
		{"$1\r\nv\r\n", "GET", "k"},
	})
	if at := strExpireAt(srv, "k"); at < before+30 || at > nowMs()+30 {
		t.Errorf("PSETEX 30: expiry %d", at)
	}
	time.Sleep(40 * time.Millisecond)
	strRun(t, srv, c, [][]string{{"$-1\r\n", "GET", "k"}})
}

// TestStringDirty checks which commands count as writes: Redis propagates
// a command exactly when it changes the dataset.
func TestStringDirty(t *testing.T) {
	srv, c := strServer(t)
	strDo(srv, c, "SET", "s", "v")
	strDo(srv, c, "SET", "ttl", "v", "EX", "100")
	rows := []struct {
		cmd   []string
		dirty int64
	}{
		{[]string{"SET", "a", "1"}, 1},
		{[]string{"SET", "a", "1", "NX"}, 0},
		{[]string{"SET", "b", "1", "XX"}, 0},
		{[]string{"SET", "a", "2", "XX", "GET"}, 1},
		{[]string{"SET", "a", "2", "EX", "0"}, 0},
		{[]string{"SETNX", "a", "1"}, 0},
		{[]string{"SETNX", "c", "1"}, 1},
		{[]string{"MSETNX", "a", "1", "d", "1"}, 0},
		{[]string{"MSETNX", "e", "1", "f", "1"}, 1},
		{[]string{"MSET", "a", "1", "b", "2"}, 1},
		{[]string{"GETEX", "s"}, 0},
		{[]string{"GETEX", "s", "PERSIST"}, 0},
		{[]string{"GETEX", "ttl", "PERSIST"}, 1},
		{[]string{"GETEX", "s", "EX", "100"}, 1},
		{[]string{"GETEX", "nosuch", "EX", "100"}, 0},
		{[]string{"GETDEL", "nosuch"}, 0},
		{[]string{"GETDEL", "c"}, 1},
		{[]string{"APPEND", "s", ""}, 1},
		{[]string{"SETRANGE", "s", "0", ""}, 0},
		{[]string{"SETRANGE", "s", "0", "x"}, 1},
		{[]string{"INCRBY", "a", "0"}, 1},
		{[]string{"INCR", "s"}, 0},
		{[]string{"INCRBYFLOAT", "a", "x"}, 0},
		{[]string{"INCRBYFLOAT", "a", "1.5"}, 1},
		{[]string{"GET", "a"}, 0},
		{[]string{"MGET", "a", "b"}, 0},
		{[]string{"LCS", "a", "b"}, 0},
	}
	for _, r := range rows {
		before := srv.stats.dirty.Load()
		srv.Exec(c, strArgs(r.cmd...))
		if d := srv.stats.dirty.Load() - before; d != r.dirty {
			t.Errorf("%q: dirty +%d, want +%d", r.cmd, d, r.dirty)
		}
	}
}

func TestStringLengthLimits(t *testing.T) {
	srv, c := strServer(t)
	if !checkStringLength(0, maxBulkLen()) || checkStringLength(1, maxBulkLen()) ||
		checkStringLength(math.MaxInt64, 1) || checkStringLength(maxBulkLen()+1, 0) {
		t.Error("checkStringLength bounds")
	}
	tooBig := "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
	strRun(t, srv, c, [][]string{
		{tooBig, "SETRANGE", "k", strconv.FormatInt(maxBulkLen(), 10), "x"},
		{tooBig, "SETRANGE", "k", "9223372036854775807", "x"},
		{":0\r\n", "SETRANGE", "k", "9223372036854775807", ""},
		{"-ERR offset is out of range\r\n", "SETRANGE", "k", "-1", ""},
		{":1\r\n", "APPEND", "k", "x"},
	})
}

// TestIncrConcurrent runs INCR from several clients at once: the
// dispatcher's locks must make every increment count.
func TestIncrConcurrent(t *testing.T) {
	srv, _ := strServer(t)
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := connection.NewFake()
			for i := 0; i < each; i++ {
				srv.Exec(c, strArgs("INCR", "n"))
				srv.Exec(c, strArgs("APPEND", "s", "x"))
				srv.Exec(c, strArgs("MSET", "a", "1", "b", "2"))
				srv.Exec(c, strArgs("MGET", "a", "b", "n"))
			}
		}()
	}
	wg.Wait()
	c := connection.NewFake()
	if got, want := strDo(srv, c, "GET", "n"), "$4\r\n4000\r\n"; got != want {
		t.Errorf("GET n = %q, want %q", got, want)
	}
	if got, want := strDo(srv, c, "STRLEN", "s"), ":4000\r\n"; got != want {
		t.Errorf("STRLEN s = %q, want %q", got, want)
	}
}

func TestMGetReply(t *testing.T) {
	srv, c := strServer(t)
	strDo(srv, c, "SET", "a", "1")
	r := srv.Exec(c, strArgs("MGET", "a", "nosuch", "a"))
	if got, want := string(reply.Encode(r, false)), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n1\r\n"; got != want {
		t.Errorf("RESP2 %q, want %q", got, want)
	}
	if got, want := string(reply.Encode(r, true)), "*3\r\n$1\r\n1\r\n_\r\n$1\r\n1\r\n"; got != want {
		t.Errorf("RESP3 %q, want %q", got, want)
	}
}

// TestInPlaceStringsAreNotSeenChanging: values changed in place (APPEND,
// SETRANGE, SETBIT, BITFIELD) are read by other clients while they change;
// every reply must be a value the key held at some point (never torn), a
// copy made by COPY must not follow later changes, and replies gathered
// by EXEC keep the value they had. Run with -race.
func TestInPlaceStringsAreNotSeenChanging(t *testing.T) {
	_, addr := adminServer(t)
	w := adminDial(t, addr)
	adminDo(t, w, "SET", "ip", strings.Repeat("a", 64))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	bad := make(chan string, 8)
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := client.DialRaw(addr)
			if err != nil {
				bad <- err.Error()
				return
			}
			defer c.Close()
			for i := 0; i < 5000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				v, err := c.Do(5*time.Second, "GET", "ip")
				if err != nil {
					bad <- err.Error()
					return
				}
				// The writer only ever writes whole 64-byte rows of one
				// letter: a reply mixing two letters in a row is torn.
				s := string(v.Str)
				for j := 0; j+64 <= len(s); j += 64 {
					if strings.Count(s[j:j+64], s[j:j+1]) != 64 {
						bad <- "torn value: " + s[j:j+64]
						return
					}
				}
				c.Do(5*time.Second, "GETRANGE", "ip", "0", "63")
				c.Do(5*time.Second, "MGET", "ip", "ip")
			}
		}()
	}
	for i := 0; i < 3000; i++ {
		row := strings.Repeat(string(rune('b'+i%20)), 64)
		switch i % 3 {
		case 0:
			adminDo(t, w, "SETRANGE", "ip", "0", row)
		case 1:
			if i < 1500 {
				adminDo(t, w, "APPEND", "ip", row)
			}
		case 2:
			adminDo(t, w, "SETRANGE", "ip", strconv.Itoa(64*(i%7)), row)
		}
	}
	close(stop)
	wg.Wait()
	close(bad)
	for m := range bad {
		t.Fatal(m)
	}
	// COPY takes the value, not the bytes that keep changing.
	adminDo(t, w, "SET", "src", "xxxx")
	adminDo(t, w, "APPEND", "src", "yy")
	adminDo(t, w, "COPY", "src", "dst")
	adminDo(t, w, "SETRANGE", "src", "0", "ZZ")
	adminDo(t, w, "SETBIT", "src", "47", "1")
	if got := adminDo(t, w, "GET", "dst"); string(got.Str) != "xxxxyy" {
		t.Fatalf("COPY followed changes made in place to its source: %q", got.Str)
	}
	// EXEC's replies keep the values they had when read.
	adminDo(t, w, "MULTI")
	adminDo(t, w, "GET", "src")
	adminDo(t, w, "GETRANGE", "src", "0", "1")
	adminDo(t, w, "SETRANGE", "src", "0", "QQ")
	adminDo(t, w, "BITFIELD", "src", "SET", "u8", "8", "65")
	adminDo(t, w, "GET", "src")
	v := adminDo(t, w, "EXEC")
	if len(v.Elems) != 5 || string(v.Elems[0].Str) != "ZZxxyy" || string(v.Elems[1].Str) != "ZZ" || string(v.Elems[4].Str) != "QAxxyy" {
		t.Fatalf("EXEC replies %q", v.Raw)
	}
}
