package reply_test

import (
	"math"
	"strconv"
	"testing"

	"goredis/interface/resp"
	"goredis/resp/client/redistest"
	"goredis/resp/reply"
)

// encCase is one reply and its exact RESP2 and RESP3 encodings.
type encCase struct {
	name   string
	r      resp.Reply
	resp2  string
	resp3  string
	isErr  bool
	errTxt string // Error() text when isErr
}

func checkEncoding(t *testing.T, cases []encCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(reply.Encode(tc.r, false)); got != tc.resp2 {
				t.Errorf("RESP2 = %q, want %q", got, tc.resp2)
			}
			if got := string(reply.Encode(tc.r, true)); got != tc.resp3 {
				t.Errorf("RESP3 = %q, want %q", got, tc.resp3)
			}
			// AppendTo appends: what was in the buffer stays in front.
			prefix := []byte("prefix")
			if got := string(tc.r.AppendTo(prefix, true)); got != "prefix"+tc.resp3 {
				t.Errorf("AppendTo(prefix) = %q, want %q", got, "prefix"+tc.resp3)
			}
			if got := reply.IsError(tc.r); got != tc.isErr {
				t.Errorf("IsError = %v, want %v", got, tc.isErr)
			}
			if tc.isErr {
				if got := tc.r.(resp.ErrorReply).Error(); got != tc.errTxt {
					t.Errorf("Error() = %q, want %q", got, tc.errTxt)
				}
			}
		})
	}
}

func same(name string, r resp.Reply, enc string) encCase {
	return encCase{name: name, r: r, resp2: enc, resp3: enc}
}

func TestScalarReplies(t *testing.T) {
	checkEncoding(t, []encCase{
		same("status", reply.Status("OK"), "+OK\r\n"),
		same("status empty", reply.Status(""), "+\r\n"),
		same("shared OK", reply.OK, "+OK\r\n"),
		same("shared PONG", reply.Pong, "+PONG\r\n"),
		same("shared QUEUED", reply.Queued, "+QUEUED\r\n"),
		same("int zero", reply.Int(0), ":0\r\n"),
		same("int positive", reply.Int(42), ":42\r\n"),
		same("int negative", reply.Int(-1), ":-1\r\n"),
		same("int max", reply.Int(math.MaxInt64), ":9223372036854775807\r\n"),
		same("int min", reply.Int(math.MinInt64), ":-9223372036854775808\r\n"),
		same("bulk", reply.Bulk("hello"), "$5\r\nhello\r\n"),
		same("bulk empty", reply.Bulk([]byte{}), "$0\r\n\r\n"),
		same("bulk nil is empty", reply.Bulk(nil), "$0\r\n\r\n"),
		same("bulk binary", reply.Bulk("a\r\n\x00\xffb"), "$6\r\na\r\n\x00\xffb\r\n"),
		same("bulkstr", reply.BulkStr("value"), "$5\r\nvalue\r\n"),
		same("bulkstr empty", reply.BulkStr(""), "$0\r\n\r\n"),
		same("bulkstr binary", reply.BulkStr("\x00\r\n"), "$3\r\n\x00\r\n\r\n"),
		{name: "null", r: reply.Null, resp2: "$-1\r\n", resp3: "_\r\n"},
		{name: "null array", r: reply.NullArray, resp2: "*-1\r\n", resp3: "_\r\n"},
		same("empty array", reply.EmptyArray, "*0\r\n"),
		{name: "bool true", r: reply.Bool(true), resp2: ":1\r\n", resp3: "#t\r\n"},
		{name: "bool false", r: reply.Bool(false), resp2: ":0\r\n", resp3: "#f\r\n"},
		{name: "verbatim", r: reply.Verbatim("hello"), resp2: "$5\r\nhello\r\n", resp3: "=9\r\ntxt:hello\r\n"},
		{name: "verbatim empty", r: reply.Verbatim(""), resp2: "$0\r\n\r\n", resp3: "=4\r\ntxt:\r\n"},
		{name: "verbatim multiline", r: reply.Verbatim("a\r\nb\n"), resp2: "$5\r\na\r\nb\n\r\n", resp3: "=9\r\ntxt:a\r\nb\n\r\n"},
		same("raw", reply.Raw("+X\r\n:1\r\n"), "+X\r\n:1\r\n"),
		same("raw empty", reply.Raw(nil), ""),
	})
}

func TestAggregateReplies(t *testing.T) {
	checkEncoding(t, []encCase{
		same("bulks", reply.Bulks{[]byte("a"), []byte("bc")}, "*2\r\n$1\r\na\r\n$2\r\nbc\r\n"),
		same("bulks empty", reply.Bulks{}, "*0\r\n"),
		same("bulks nil slice", reply.Bulks(nil), "*0\r\n"),
		{
			name:  "bulks nil element is null, empty is empty",
			r:     reply.Bulks{[]byte("a"), nil, []byte{}},
			resp2: "*3\r\n$1\r\na\r\n$-1\r\n$0\r\n\r\n",
			resp3: "*3\r\n$1\r\na\r\n_\r\n$0\r\n\r\n",
		},
		same("strings", reply.Strings{"x", "", "yz"}, "*3\r\n$1\r\nx\r\n$0\r\n\r\n$2\r\nyz\r\n"),
		same("strings empty", reply.Strings(nil), "*0\r\n"),
		same("array of scalars", reply.Array{reply.Int(1), reply.Status("OK"), reply.BulkStr("b")},
			"*3\r\n:1\r\n+OK\r\n$1\r\nb\r\n"),
		{
			name: "array nested",
			r: reply.Array{
				reply.Array{reply.Int(1), reply.Array{reply.Null, reply.EmptyArray}},
				reply.Bool(true),
				reply.Double(1.5),
			},
			resp2: "*3\r\n*2\r\n:1\r\n*2\r\n$-1\r\n*0\r\n:1\r\n$3\r\n1.5\r\n",
			resp3: "*3\r\n*2\r\n:1\r\n*2\r\n_\r\n*0\r\n#t\r\n,1.5\r\n",
		},
		{
			name:  "map",
			r:     reply.Map{reply.BulkStr("a"), reply.Int(1), reply.BulkStr("b"), reply.Null},
			resp2: "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n",
			resp3: "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n",
		},
		{name: "map empty", r: reply.Map{}, resp2: "*0\r\n", resp3: "%0\r\n"},
		{
			name:  "map nested in map",
			r:     reply.Map{reply.BulkStr("m"), reply.Map{reply.BulkStr("k"), reply.Bool(false)}},
			resp2: "*2\r\n$1\r\nm\r\n*2\r\n$1\r\nk\r\n:0\r\n",
			resp3: "%1\r\n$1\r\nm\r\n%1\r\n$1\r\nk\r\n#f\r\n",
		},
		{
			name:  "set",
			r:     reply.Set{reply.BulkStr("x"), reply.BulkStr("y")},
			resp2: "*2\r\n$1\r\nx\r\n$1\r\ny\r\n",
			resp3: "~2\r\n$1\r\nx\r\n$1\r\ny\r\n",
		},
		{name: "set empty", r: reply.Set{}, resp2: "*0\r\n", resp3: "~0\r\n"},
		{
			name:  "push",
			r:     reply.Push{reply.BulkStr("message"), reply.BulkStr("ch"), reply.Bulk("hi")},
			resp2: "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
			resp3: ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
		},
		{
			name:  "push with nested set and verbatim",
			r:     reply.Push{reply.Set{reply.Int(-5)}, reply.Verbatim("v")},
			resp2: "*2\r\n*1\r\n:-5\r\n$1\r\nv\r\n",
			resp3: ">2\r\n~1\r\n:-5\r\n=5\r\ntxt:v\r\n",
		},
		{
			name:  "array holding an error",
			r:     reply.Array{reply.Err("boom"), reply.Int(2)},
			resp2: "*2\r\n-ERR boom\r\n:2\r\n",
			resp3: "*2\r\n-ERR boom\r\n:2\r\n",
		},
	})
}

func TestErrorReplies(t *testing.T) {
	errCase := func(name string, r resp.Reply, enc, text string) encCase {
		return encCase{name: name, r: r, resp2: enc, resp3: enc, isErr: true, errTxt: text}
	}
	checkEncoding(t, []encCase{
		errCase("error", reply.Error("ERR syntax error"), "-ERR syntax error\r\n", "ERR syntax error"),
		errCase("error CR LF become spaces", reply.Error("ERR a\r\nb\nc\rd"),
			"-ERR a  b c d\r\n", "ERR a\r\nb\nc\rd"),
		errCase("err prefixes ERR", reply.Err("unknown thing"), "-ERR unknown thing\r\n", "ERR unknown thing"),
		errCase("err empty", reply.Err(""), "-ERR \r\n", "ERR "),
		errCase("err with own code", reply.Err("-WRONGTYPE Operation"), "-WRONGTYPE Operation\r\n", "WRONGTYPE Operation"),
		errCase("err dash only", reply.Err("-"), "-\r\n", ""),
		errCase("err newline", reply.Err("x\ny"), "-ERR x y\r\n", "ERR x\ny"),
		errCase("err code newline", reply.Err("-NOPE a\r\nb"), "-NOPE a  b\r\n", "NOPE a\r\nb"),
		errCase("arity", reply.ArityErr("get"),
			"-ERR wrong number of arguments for 'get' command\r\n",
			"ERR wrong number of arguments for 'get' command"),
		errCase("arity subcommand", reply.ArityErr("config|get"),
			"-ERR wrong number of arguments for 'config|get' command\r\n",
			"ERR wrong number of arguments for 'config|get' command"),
	})
}

func TestErrorDoesNotTouchCallerPrefix(t *testing.T) {
	// The CR/LF replacement must only look at the error's own bytes.
	buf := []byte("$2\r\nab\r\n")
	got := string(reply.Error("E\r\n").AppendTo(buf, false))
	if want := "$2\r\nab\r\n-E  \r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestSharedErrorTexts(t *testing.T) {
	for _, tc := range []struct {
		r    resp.Reply
		want string
	}{
		{reply.WrongType, "WRONGTYPE Operation against a key holding the wrong kind of value"},
		{reply.SyntaxErr, "ERR syntax error"},
		{reply.NotInteger, "ERR value is not an integer or out of range"},
		{reply.NotFloat, "ERR value is not a valid float"},
		{reply.NoSuchKey, "ERR no such key"},
		{reply.OutOfRange, "ERR index out of range"},
		{reply.NoAuth, "NOAUTH Authentication required."},
		{reply.DBOutOfRange, "ERR DB index is out of range"},
		{reply.ExecAbort, "EXECABORT Transaction discarded because of previous errors."},
		{reply.OOM, "OOM command not allowed when used memory > 'maxmemory'."},
		{reply.Loading, "LOADING Redis is loading the dataset in memory"},
		{reply.SameObject, "ERR source and destination objects are the same"},
		{reply.Overflow, "ERR increment or decrement would overflow"},
		{reply.InvalidPass, "WRONGPASS invalid username-password pair or user is disabled."},
		{reply.MaxClients, "ERR max number of clients reached"},
		{reply.NotAllowedNeg, "ERR value is out of range, must be positive"},
		{reply.StringTooLarge, "ERR string exceeds maximum allowed size (proto-max-bulk-len)"},
	} {
		if !reply.IsError(tc.r) {
			t.Errorf("%q: IsError false", tc.want)
			continue
		}
		if got := tc.r.(resp.ErrorReply).Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
		for _, r3 := range []bool{false, true} {
			if got := string(reply.Encode(tc.r, r3)); got != "-"+tc.want+"\r\n" {
				t.Errorf("Encode(resp3=%v) = %q, want %q", r3, got, "-"+tc.want+"\r\n")
			}
		}
	}
}

func TestIsError(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    resp.Reply
		want bool
	}{
		{"Error", reply.Error("ERR x"), true},
		{"Err", reply.Err("x"), true},
		{"ArityErr", reply.ArityErr("set"), true},
		{"WrongType", reply.WrongType, true},
		{"nil", nil, false},
		{"Status", reply.Status("ERR looks like one"), false},
		{"Int", reply.Int(-1), false},
		{"Bulk", reply.Bulk("-ERR"), false},
		{"Null", reply.Null, false},
		{"NullArray", reply.NullArray, false},
		{"Raw error bytes", reply.Raw("-ERR x\r\n"), false},
		{"Array of errors", reply.Array{reply.Err("x")}, false},
		{"Double", reply.Double(1), false},
	} {
		if got := reply.IsError(tc.r); got != tc.want {
			t.Errorf("%s: IsError = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// doubleCases are float64 values and C's printf("%.17g") of them (checked
// with glibc), with inf and -inf as Redis spells them.
var doubleCases = []struct {
	f    float64
	want string
}{
	{1.5, "1.5"},
	{0.1, "0.10000000000000001"},
	{1e20, "1e+20"},
	{1e-5, "1.0000000000000001e-05"},
	{3.0, "3"},
	{math.Copysign(0, -1), "-0"},
	{0, "0"},
	{1e16, "10000000000000000"},
	{1e17, "1e+17"},
	{123456789012345678, "1.2345678901234568e+17"},
	{0.0001, "0.0001"},
	{math.MaxFloat64, "1.7976931348623157e+308"},
	{math.SmallestNonzeroFloat64, "4.9406564584124654e-324"},
	{-2.5, "-2.5"},
	{100, "100"},
	{1000000000000000.5, "1000000000000000.5"},
	{9007199254740992, "9007199254740992"},
	{0.3, "0.29999999999999999"},
	{1.0 / 3, "0.33333333333333331"},
	{3.14, "3.1400000000000001"},
	{2.2250738585072014e-308, "2.2250738585072014e-308"},
	{-1e-300, "-1e-300"},
	{12345678901234567890, "1.2345678901234567e+19"},
	{0.00001234, "1.234e-05"},
	{1e21, "1e+21"},
	{99999999999999999, "1e+17"},
	{1e100, "1e+100"},
	{-123.456, "-123.456"},
	{math.Inf(1), "inf"},
	{math.Inf(-1), "-inf"},
	{math.NaN(), "nan"},
}

func TestDouble(t *testing.T) {
	for _, tc := range doubleCases {
		t.Run(tc.want, func(t *testing.T) {
			if got := string(reply.AppendFloat17(nil, tc.f)); got != tc.want {
				t.Errorf("AppendFloat17(%v) = %q, want %q", tc.f, got, tc.want)
			}
			want2 := "$" + strconv.Itoa(len(tc.want)) + "\r\n" + tc.want + "\r\n"
			if got := string(reply.Encode(reply.Double(tc.f), false)); got != want2 {
				t.Errorf("RESP2 = %q, want %q", got, want2)
			}
			want3 := "," + tc.want + "\r\n"
			if got := string(reply.Encode(reply.Double(tc.f), true)); got != want3 {
				t.Errorf("RESP3 = %q, want %q", got, want3)
			}
		})
	}
}

func TestAppendCFloat(t *testing.T) {
	// C's printf("%.6g") of each value, checked with glibc.
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{1234.5678, "1234.57"},
		{1e-5, "1e-05"},
		{123456789, "1.23457e+08"},
		{100000, "100000"},
		{1000000, "1e+06"},
		{0.0001234, "0.0001234"},
		{0.5, "0.5"},
		{math.Copysign(0, -1), "-0"},
		{2.5e-7, "2.5e-07"},
	} {
		if got := string(reply.AppendCFloat([]byte("x"), tc.f, 6)); got != "x"+tc.want {
			t.Errorf("AppendCFloat(%v, 6) = %q, want %q", tc.f, got, "x"+tc.want)
		}
	}
}

func TestAppendHelpers(t *testing.T) {
	for _, tc := range []struct {
		name, got, want string
	}{
		{"AppendBulk", string(reply.AppendBulk([]byte("p"), []byte("ab"))), "p$2\r\nab\r\n"},
		{"AppendBulk nil", string(reply.AppendBulk(nil, nil)), "$0\r\n\r\n"},
		{"AppendBulkString", string(reply.AppendBulkString(nil, "xyz")), "$3\r\nxyz\r\n"},
		{"AppendNull resp2", string(reply.AppendNull(nil, false)), "$-1\r\n"},
		{"AppendNull resp3", string(reply.AppendNull(nil, true)), "_\r\n"},
		{"AppendHeader array", string(reply.AppendHeader(nil, '*', 3)), "*3\r\n"},
		{"AppendHeader map", string(reply.AppendHeader([]byte(":1\r\n"), '%', 12)), ":1\r\n%12\r\n"},
		{"AppendHeader zero", string(reply.AppendHeader(nil, '~', 0)), "~0\r\n"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// TestDoubleMatchesRedis compares Double's encoding with what a real Redis
// 7.0 sends for ZSCORE (after ZADD) and for ZINCRBY of a new member (its
// reply is the parsed increment itself), in RESP2 and RESP3.
func TestDoubleMatchesRedis(t *testing.T) {
	redistest.RequireVersion(t, "7.0.")
	srv := redistest.Start(t)
	scores := []string{
		"1.5", "0.1", "1e20", "1e-5", "3", "3.0", "0", "-2.5", "100",
		"0.3", "3.14", "1e16", "1e17", "123456789012345678", "0.0001",
		"0.00001234", "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308",
		"-1e-300", "12345678901234567890", "1e21", "99999999999999999", "1e100",
		"-123.456", "1000000000000000.5", "9007199254740993", "0.333333333333333333",
		"inf", "-inf", "+inf", "17179869184", "-0.000001",
		// A small sorted set (listpack) stores -0 as 0, so ZSCORE answers
		// 0; ZINCRBY's reply keeps the sign.
		"-0",
	}
	for _, proto := range []int{2, 3} {
		c := srv.Dial(t)
		if proto == 3 {
			if v := c.Do("HELLO", "3"); v.IsError() {
				t.Fatalf("HELLO 3: %s", v.Str)
			}
		}
		for i, s := range scores {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("ParseFloat(%q): %v", s, err)
			}
			got := string(reply.Double(f).AppendTo(nil, proto == 3))
			if s != "-0" {
				if v := c.Do("ZADD", "z", s, "m"); v.IsError() {
					t.Fatalf("ZADD z %s m: %s", s, v.Str)
				}
				if v := c.Do("ZSCORE", "z", "m"); got != string(v.Raw) {
					t.Errorf("RESP%d ZSCORE of %s: Double = %q, redis-server = %q", proto, s, got, v.Raw)
				}
			}
			key := "zi" + strconv.Itoa(proto) + "_" + strconv.Itoa(i)
			if v := c.Do("ZINCRBY", key, s, "m"); got != string(v.Raw) {
				t.Errorf("RESP%d ZINCRBY by %s: Double = %q, redis-server = %q", proto, s, got, v.Raw)
			}
		}
	}
}

// TestErrorTextsMatchRedis checks a few shared error replies byte for byte
// against a real Redis 7.0.
func TestErrorTextsMatchRedis(t *testing.T) {
	redistest.RequireVersion(t, "7.0.")
	srv := redistest.Start(t)
	c := srv.Dial(t)
	c.Do("SET", "s", "v")
	c.Do("RPUSH", "l", "a")
	c.Do("SET", "n", "9223372036854775807")
	for _, tc := range []struct {
		args []string
		want resp.Reply
	}{
		{[]string{"LPUSH", "s", "x"}, reply.WrongType},
		{[]string{"SET", "k", "v", "NX", "XX"}, reply.SyntaxErr},
		{[]string{"INCR", "s"}, reply.NotInteger},
		{[]string{"INCRBYFLOAT", "s", "1"}, reply.NotFloat},
		{[]string{"RENAME", "nokey", "x"}, reply.NoSuchKey},
		{[]string{"LSET", "l", "99", "x"}, reply.OutOfRange},
		{[]string{"SELECT", "100000"}, reply.DBOutOfRange},
		{[]string{"INCR", "n"}, reply.Overflow},
		{[]string{"GET"}, reply.ArityErr("get")},
		{[]string{"CONFIG", "GET"}, reply.ArityErr("config|get")},
	} {
		v := c.Do(tc.args...)
		if got := string(reply.Encode(tc.want, false)); got != string(v.Raw) {
			t.Errorf("%q: reply %q, redis-server %q", tc.args, got, v.Raw)
		}
	}
}
