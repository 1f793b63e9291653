package database

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"goredis/resp/connection"
	"goredis/resp/reply"
)

func TestSortParse(t *testing.T) {
	for _, tc := range []struct {
		args     string
		readonly bool
		want     string // "" when the parse must fail with err
		err      string
	}{
		{args: "SORT k", want: "asc num sort 0 -1 by=<nil> gets=[] store=<nil>"},
		{args: "SORT k DESC asc ALPHA", want: "asc alpha sort 0 -1 by=<nil> gets=[] store=<nil>"},
		{args: "SORT k asc DESC", want: "desc num sort 0 -1 by=<nil> gets=[] store=<nil>"},
		{args: "SORT k LIMIT -5 10", want: "asc num sort -5 10 by=<nil> gets=[] store=<nil>"},
		{args: "SORT k LIMIT 1 2 LIMIT 3 4", want: "asc num sort 3 4 by=<nil> gets=[] store=<nil>"},
		{args: "SORT k BY w_*", want: "asc num sort 0 -1 by=w_* gets=[] store=<nil>"},
		{args: "SORT k BY nosort", want: "asc num nosort 0 -1 by=nosort gets=[] store=<nil>"},
		// BY without '*' turns sorting off for good.
		{args: "SORT k BY nosort BY w_*", want: "asc num nosort 0 -1 by=w_* gets=[] store=<nil>"},
		{args: "SORT k BY w_* BY nosort", want: "asc num nosort 0 -1 by=nosort gets=[] store=<nil>"},
		// A '*' after a NUL byte does not count (C string).
		{args: "SORT k BY a\x00*", want: "asc num nosort 0 -1 by=a\x00* gets=[] store=<nil>"},
		{args: "SORT k GET # GET a_* get b", want: "asc num sort 0 -1 by=<nil> gets=[# a_* b] store=<nil>"},
		{args: "SORT k STORE d STORE e", want: "asc num sort 0 -1 by=<nil> gets=[] store=e"},
		{args: "SORT k store BY", want: "asc num sort 0 -1 by=<nil> gets=[] store=BY"},
		{args: "SORT k STORE d", readonly: true, err: "ERR syntax error"},
		{args: "SORT k LIMIT 1", err: "ERR syntax error"},
		{args: "SORT k LIMIT", err: "ERR syntax error"},
		{args: "SORT k LIMIT x 1", err: "ERR value is not an integer or out of range"},
		{args: "SORT k LIMIT 1 x", err: "ERR value is not an integer or out of range"},
		{args: "SORT k LIMIT 9223372036854775808 1", err: "ERR value is not an integer or out of range"},
		{args: "SORT k GET", err: "ERR syntax error"},
		{args: "SORT k BY", err: "ERR syntax error"},
		{args: "SORT k STORE", err: "ERR syntax error"},
		{args: "SORT k ascending", err: "ERR syntax error"},
		// The first bad option decides the error.
		{args: "SORT k foo LIMIT x 1", err: "ERR syntax error"},
		{args: "SORT k LIMIT x 1 foo", err: "ERR value is not an integer or out of range"},
	} {
		o, r := sortParse(strArgs(strings.Split(tc.args, " ")...), tc.readonly)
		if tc.err != "" {
			if r == nil {
				t.Errorf("%q: parsed, want error %q", tc.args, tc.err)
			} else if got := string(reply.Encode(r, false)); got != "-"+tc.err+"\r\n" {
				t.Errorf("%q: error %q, want %q", tc.args, got, tc.err)
			}
			continue
		}
		if r != nil {
			t.Errorf("%q: error %q", tc.args, reply.Encode(r, false))
			continue
		}
		dir, kind, srt := "asc", "num", "sort"
		if o.desc {
			dir = "desc"
		}
		if o.alpha {
			kind = "alpha"
		}
		if o.dontSort {
			srt = "nosort"
		}
		by, store := "<nil>", "<nil>"
		if o.by != nil {
			by = string(o.by)
		}
		if o.store != nil {
			store = string(o.store)
		}
		gets := make([]string, len(o.gets))
		for i, g := range o.gets {
			gets[i] = string(g)
		}
		got := fmt.Sprintf("%s %s %s %d %d by=%s gets=%v store=%s", dir, kind, srt, o.limitStart, o.limitCount, by, gets, store)
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestSortKeys(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"SORT a", "[a]"},
		{"SORT a STORE b", "[a b]"},
		{"SORT a STORE b LIMIT 1 2 STORE c", "[a c]"},
		{"SORT a STORE LIMIT 1 2", "[a LIMIT]"},
		{"SORT a BY store", "[a]"},
		{"SORT a GET STORE x", "[a]"},
		{"SORT a LIMIT store x STORE y", "[a y]"},
		{"SORT a STORE", "[a]"},
	} {
		keys := sortKeys(strArgs(strings.Split(tc.args, " ")...))
		s := make([]string, len(keys))
		for i, k := range keys {
			s[i] = string(k)
		}
		if got := fmt.Sprint(s); got != tc.want {
			t.Errorf("%q: keys %s, want %s", tc.args, got, tc.want)
		}
	}
	if got := sortROKeys(strArgs("SORT_RO", "a", "STORE", "b")); len(got) != 1 || string(got[0]) != "a" {
		t.Errorf("SORT_RO keys %q", got)
	}
}

func TestSortRange(t *testing.T) {
	const max, min = int64(9223372036854775807), int64(-9223372036854775808)
	for _, tc := range []struct {
		start, count int64
		n            int
		want         string // the output indexes
	}{
		{0, -1, 5, "[0 1 2 3 4]"},
		{0, 0, 5, "[]"},
		{2, 2, 5, "[2 3]"},
		{4, 2, 5, "[4]"},
		{5, 1, 5, "[]"},
		{-3, 2, 5, "[0 1]"},
		{1, -5, 5, "[1 2 3 4]"},
		{2, max, 5, "[2 3 4]"},
		{max, max, 5, "[]"},
		{min, -1, 5, "[0 1 2 3 4]"},
		{max, 1, 5, "[]"},
		{0, -1, 0, "[]"},
		{0, 3, 0, "[]"},
	} {
		s, e := sortRange(tc.start, tc.count, tc.n)
		var idx []int
		for i := s; i <= e; i++ {
			idx = append(idx, i)
		}
		if got := fmt.Sprint(idx); got != tc.want && !(got == "[]" && tc.want == "[]") {
			t.Errorf("LIMIT %d %d of %d: %s, want %s", tc.start, tc.count, tc.n, got, tc.want)
		}
	}
}

func TestSortParseScore(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true},
		{"-2.5", -2.5, true},
		{"", 0, true},
		{"\x00x", 0, true},
		{"5\x00abc", 5, true},
		{" 3", 3, true},
		{"\t\n3", 3, true},
		{"3 ", 0, false},
		{" ", 0, false},
		{"-", 0, false},
		{"a", 0, false},
		{"0x10", 16, true},
		{"inf", 0, true},
		{"nan", 0, false},
		{"1e400", 0, false},
		{"1e-400", 0, false},
		{"1e-310", 0, false},
		{"2.2250738585072014e-308", 2.2250738585072014e-308, true},
		{"1_0", 0, false},
	} {
		f, ok := sortParseScore([]byte(tc.in))
		if ok != tc.ok || (ok && tc.in != "inf" && f != tc.want) {
			t.Errorf("%q: %v %v, want %v %v", tc.in, f, ok, tc.want, tc.ok)
		}
	}
}

// TestSortCommands runs SORT on a server: lookups through patterns,
// STORE, propagation.
func TestSortCommands(t *testing.T) {
	srv, c := strServer(t)
	strRun(t, srv, c, [][]string{
		{":3\r\n", "RPUSH", "l", "2", "10", "1"},
		{"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n", "SORT", "l"},
		{"*3\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n", "SORT", "l", "ALPHA"},
		{"+OK\r\n", "MSET", "w_1", "c", "w_2", "a"},
		{":1\r\n", "HSET", "h_10", "f", "z"},
		// w_10 is missing: it sorts first under ALPHA BY.
		{"*6\r\n$2\r\n10\r\n$-1\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n", "SORT", "l", "BY", "w_*", "ALPHA", "GET", "#", "GET", "w_*"},
		{"*3\r\n$-1\r\n$-1\r\n$1\r\nz\r\n", "SORT", "l", "GET", "h_*->f"},
		{"*3\r\n$1\r\n2\r\n$2\r\n10\r\n$1\r\n1\r\n", "SORT_RO", "l", "BY", "nosort"},
	})
	before := srv.stats.dirty.Load()
	strRun(t, srv, c, [][]string{
		{":3\r\n", "SORT", "l", "GET", "h_*->f", "STORE", "d"},
		{"*3\r\n$0\r\n\r\n$0\r\n\r\n$1\r\nz\r\n", "LRANGE", "d", "0", "-1"},
		{":0\r\n", "SORT", "none", "STORE", "d"},
		{":0\r\n", "EXISTS", "d"},
		{":0\r\n", "SORT", "none", "STORE", "d"},
		{":0\r\n", "SORT", "l", "LIMIT", "5", "1", "STORE", "d"},
	})
	if d := srv.stats.dirty.Load() - before; d != 2 {
		t.Errorf("dirty +%d, want +2 (one store, one delete)", d)
	}
}

// TestSortModel sorts random lists numerically and alphabetically, with
// random LIMIT and DESC, against a simple model.
func TestSortModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	srv, c := strServer(t)
	for round := 0; round < 200; round++ {
		strDo(srv, c, "DEL", "k")
		n := rng.IntN(20) + 1
		vals := make([]string, n)
		for i := range vals {
			vals[i] = strconv.Itoa(rng.IntN(21) - 10)
			if rng.IntN(4) == 0 {
				vals[i] += ".0"
			}
		}
		strDo(srv, c, append([]string{"RPUSH", "k"}, vals...)...)
		alpha, desc := rng.IntN(2) == 0, rng.IntN(2) == 0
		start, count := rng.IntN(25)-3, rng.IntN(25)-3
		want := slices.Clone(vals)
		slices.SortFunc(want, func(a, b string) int {
			r := 0
			if alpha {
				r = strings.Compare(a, b)
			} else {
				fa, _ := strconv.ParseFloat(a, 64)
				fb, _ := strconv.ParseFloat(b, 64)
				switch {
				case fa < fb:
					r = -1
				case fa > fb:
					r = 1
				default:
					r = strings.Compare(a, b)
				}
			}
			if desc {
				r = -r
			}
			return r
		})
		s := max(start, 0)
		if s > n {
			s = n
		}
		e := n
		if count >= 0 && s+count < n {
			e = s + count
		}
		want = want[s:e]
		args := []string{"SORT", "k", "LIMIT", strconv.Itoa(start), strconv.Itoa(count)}
		if alpha {
			args = append(args, "ALPHA")
		}
		if desc {
			args = append(args, "DESC")
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "*%d\r\n", len(want))
		for _, v := range want {
			fmt.Fprintf(&sb, "$%d\r\n%s\r\n", len(v), v)
		}
		if got := strDo(srv, c, args...); got != sb.String() {
			t.Fatalf("seed %d round %d: %q of %q: got %q, want %q", seed, round, args, vals, got, sb.String())
		}
	}
}

// TestSortConcurrentBy runs SORT BY/GET (which lock the whole db) while
// other clients write the keys they read; run with -race.
func TestSortConcurrentBy(t *testing.T) {
	srv, c := strServer(t)
	strDo(srv, c, "RPUSH", "l", "1", "2", "3")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c2 := connection.NewFake()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				strDo(srv, c2, "SET", "w_"+strconv.Itoa(i%3+1), strconv.Itoa(i))
				strDo(srv, c2, "HSET", "h_"+strconv.Itoa(i%3+1), "f", strconv.Itoa(w))
			}
		}(w)
	}
	for i := 0; i < 300; i++ {
		got := strDo(srv, c, "SORT", "l", "BY", "w_*", "GET", "h_*->f", "GET", "#", "STORE", "d")
		if got != ":6\r\n" {
			t.Fatalf("SORT STORE: %q", got)
		}
	}
	close(stop)
	wg.Wait()
}

func TestSortReadsOtherKeys(t *testing.T) {
	for _, tc := range []struct {
		args string
		want bool
	}{
		{"SORT k", false},
		{"SORT k BY nosort GET #", false},
		{"SORT k GET # STORE d", false},
		{"SORT k BY nosort BY w_*", false},
		{"SORT k BY w_*", true},
		{"SORT k GET # GET x_*", true},
		{"SORT k GET nostar", true},
	} {
		o, r := sortParse(strArgs(strings.Split(tc.args, " ")...), false)
		if r != nil {
			t.Fatalf("%q: %q", tc.args, reply.Encode(r, false))
		}
		if got := o.readsOtherKeys(); got != tc.want {
			t.Errorf("%q: readsOtherKeys %v, want %v", tc.args, got, tc.want)
		}
	}
}
