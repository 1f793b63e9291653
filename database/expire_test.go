package database

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/resp/connection"
)

func TestParseExpireFlags(t *testing.T) {
	for _, tc := range []struct {
		args  string
		flags int
		err   string
	}{
		{"", 0, ""},
		{"nx", expireNX, ""},
		{"XX", expireXX, ""},
		{"gt", expireGT, ""},
		{"Lt", expireLT, ""},
		{"xx gt", expireXX | expireGT, ""},
		{"xx lt", expireXX | expireLT, ""},
		{"gt gt", expireGT, ""},
		{"nx nx", expireNX, ""},
		{"nx xx", 0, "ERR NX and XX, GT or LT options at the same time are not compatible"},
		{"gt nx", 0, "ERR NX and XX, GT or LT options at the same time are not compatible"},
		{"nx lt", 0, "ERR NX and XX, GT or LT options at the same time are not compatible"},
		{"gt lt", 0, "ERR GT and LT options at the same time are not compatible"},
		{"foo", 0, "ERR Unsupported option foo"},
		{"nx foo xx", 0, "ERR Unsupported option foo"},
	} {
		flags, r := parseExpireFlags(toArgs(strings.Fields(tc.args)))
		if tc.err != "" {
			if r == nil || r.(interface{ Error() string }).Error() != tc.err {
				t.Errorf("%q: got %v, want error %q", tc.args, r, tc.err)
			}
			continue
		}
		if r != nil || flags != tc.flags {
			t.Errorf("%q: got %d, %v; want %d", tc.args, flags, r, tc.flags)
		}
	}
}

func TestExpireWhen(t *testing.T) {
	for _, tc := range []struct {
		v       int64
		seconds bool
		base    int64
		want    int64
		ok      bool
	}{
		{10, true, 1000, 11000, true},
		{10, false, 1000, 1010, true},
		{-5, true, 0, -5000, true},
		{math.MaxInt64 / 1000, true, 0, math.MaxInt64 / 1000 * 1000, true},
		{math.MaxInt64/1000 + 1, true, 0, 0, false},
		{math.MinInt64 / 1000, true, 0, math.MinInt64 / 1000 * 1000, true},
		{math.MinInt64/1000 - 1, true, 0, 0, false},
		{math.MaxInt64, false, 0, math.MaxInt64, true},
		{math.MaxInt64, false, 1, 0, false},
		{math.MaxInt64 - 5, false, 5, math.MaxInt64, true},
		{math.MaxInt64 / 1000, true, 1_700_000_000_000, 0, false},
		{math.MinInt64, false, 1_700_000_000_000, math.MinInt64 + 1_700_000_000_000, true},
	} {
		got, ok := expireWhen(tc.v, tc.seconds, tc.base)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("expireWhen(%d, %v, %d) = %d, %v; want %d, %v", tc.v, tc.seconds, tc.base, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPexpireatArgs(t *testing.T) {
	got := pexpireatArgs(toArgs([]string{"expire", "k", "10", "NX"}), 1234567)
	want := []string{"PEXPIREAT", "k", "1234567", "NX"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

// TestExpireConditions walks the NX/XX/GT/LT rules with and without a
// current TTL, as Redis 7.0 applies them.
func TestExpireConditions(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	keysDo(srv, c, "SET", "k", "v")
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"EXPIRE", "k", "100", "XX"}, ":0\r\n"},
		{[]string{"EXPIRE", "k", "100", "GT"}, ":0\r\n"},  // no TTL is infinite
		{[]string{"EXPIRE", "k", "1000", "LT"}, ":1\r\n"}, // anything is less than infinite
		{[]string{"EXPIRE", "k", "100", "NX"}, ":0\r\n"},  // has one now
		{[]string{"EXPIRE", "k", "2000", "LT"}, ":0\r\n"}, // not less
		{[]string{"EXPIRE", "k", "999", "GT"}, ":0\r\n"},  // less is not greater
		{[]string{"EXPIRE", "k", "2000", "GT"}, ":1\r\n"}, // greater
		{[]string{"EXPIRE", "k", "500", "XX", "LT"}, ":1\r\n"},
		{[]string{"TTL", "k"}, ":500\r\n"},
		{[]string{"PERSIST", "k"}, ":1\r\n"},
		{[]string{"PERSIST", "k"}, ":0\r\n"},
		{[]string{"TTL", "k"}, ":-1\r\n"},
		{[]string{"EXPIRE", "k", "100", "NX"}, ":1\r\n"},
		{[]string{"EXPIRE", "nokey", "100"}, ":0\r\n"},
		{[]string{"TTL", "nokey"}, ":-2\r\n"},
		{[]string{"PERSIST", "nokey"}, ":0\r\n"},
		{[]string{"EXPIREAT", "k", "4102444800"}, ":1\r\n"},
		{[]string{"EXPIREAT", "k", "4102444800", "GT"}, ":0\r\n"}, // equal is not greater
		{[]string{"EXPIREAT", "k", "4102444800", "LT"}, ":0\r\n"}, // nor less
		{[]string{"PEXPIREAT", "k", "4102444800001", "GT"}, ":1\r\n"},
		{[]string{"EXPIRE", "k", "-1", "LT"}, ":1\r\n"}, // past: deleted
		{[]string{"EXISTS", "k"}, ":0\r\n"},
	}
	for _, s := range steps {
		keysExpect(t, srv, c, s.want, s.args...)
	}
}

// TestExpirePastCountsAsWrite checks a past time deletes the key and
// counts one change, and a refused condition counts none.
func TestExpirePastCountsAsWrite(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	keysDo(srv, c, "SET", "k", "v")
	d0 := srv.stats.dirty.Load()
	keysExpect(t, srv, c, ":0\r\n", "EXPIRE", "k", "10", "XX")
	if d := srv.stats.dirty.Load(); d != d0 {
		t.Fatalf("refused EXPIRE changed dirty by %d", d-d0)
	}
	keysExpect(t, srv, c, ":1\r\n", "PEXPIREAT", "k", "1")
	if d := srv.stats.dirty.Load(); d != d0+1 {
		t.Fatalf("EXPIRE in the past changed dirty by %d", d-d0)
	}
	keysExpect(t, srv, c, ":0\r\n", "EXISTS", "k")
}

func TestTTLRounding(t *testing.T) {
	srv := keysServer(t)
	c := connection.NewFake()
	keysDo(srv, c, "SET", "k", "v")
	at := time.Now().UnixMilli() + 10_499
	keysDo(srv, c, "PEXPIREAT", "k", strconv.FormatInt(at, 10))
	keysExpect(t, srv, c, ":"+strconv.FormatInt((at+500)/1000, 10)+"\r\n", "EXPIRETIME", "k")
	keysExpect(t, srv, c, ":"+strconv.FormatInt(at, 10)+"\r\n", "PEXPIRETIME", "k")
	if got := keysDo(srv, c, "TTL", "k"); got != ":10\r\n" {
		t.Fatalf("TTL of a 10.499s key: %q", got)
	}
	keysDo(srv, c, "PEXPIREAT", "k", "9223372036854775807")
	keysExpect(t, srv, c, ":9223372036854776\r\n", "EXPIRETIME", "k")
	keysExpect(t, srv, c, ":9223372036854775807\r\n", "PEXPIRETIME", "k")
	keysExpect(t, srv, c, ":-2\r\n", "EXPIRETIME", "nottl")
	keysDo(srv, c, "SET", "nottl", "v")
	keysExpect(t, srv, c, ":-1\r\n", "PEXPIRETIME", "nottl")
	keysExpect(t, srv, c, ":-1\r\n", "PTTL", "nottl")
}
