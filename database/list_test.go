package database

import (
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/resp/reply"
)

func TestListRangeClamp(t *testing.T) {
	for _, tc := range []struct {
		start, stop int64
		n           int
		s, e        int
		ok          bool
	}{
		{0, -1, 5, 0, 4, true},
		{-2, -1, 5, 3, 4, true},
		{-100, 100, 5, 0, 4, true},
		{3, 1, 5, 0, 0, false},
		{5, 10, 5, 0, 0, false},
		{-1, -2, 5, 0, 0, false},
		{0, 0, 0, 0, 0, false},
		{-9223372036854775808, 9223372036854775807, 3, 0, 2, true},
		{9223372036854775807, -9223372036854775808, 3, 0, 0, false},
	} {
		s, e, ok := clampRange(tc.start, tc.stop, tc.n)
		if ok != tc.ok || (ok && (s != tc.s || e != tc.e)) {
			t.Errorf("clampRange(%d, %d, %d) = %d, %d, %v; want %d, %d, %v", tc.start, tc.stop, tc.n, s, e, ok, tc.s, tc.e, tc.ok)
		}
	}
}

func TestListMPopArgs(t *testing.T) {
	for _, tc := range []struct {
		args  string
		keys  string
		left  bool
		count int64
		err   string
	}{
		{"LMPOP 1 a LEFT", "a", true, 1, ""},
		{"LMPOP 2 a b right COUNT 3", "a b", false, 3, ""},
		{"LMPOP 0 a LEFT", "", false, 0, "numkeys"},
		{"LMPOP x a LEFT", "", false, 0, "numkeys"},
		{"LMPOP 3 a LEFT", "", false, 0, "syntax"},
		{"LMPOP 1 a UP", "", false, 0, "syntax"},
		{"LMPOP 1 a LEFT COUNT 0", "", false, 0, "count should"},
		{"LMPOP 1 a LEFT COUNT 1 COUNT 1", "", false, 0, "syntax"},
		{"LMPOP 1 a LEFT COUNT", "", false, 0, "syntax"},
	} {
		keys, left, count, errR := listMPopArgs(strArgs(strings.Fields(tc.args)...), 1)
		if tc.err != "" {
			if errR == nil || !strings.Contains(string(reply.Encode(errR, false)), tc.err) {
				t.Errorf("%s: got %v, want error %q", tc.args, errR, tc.err)
			}
			continue
		}
		var ks []string
		for _, k := range keys {
			ks = append(ks, string(k))
		}
		if errR != nil || strings.Join(ks, " ") != tc.keys || left != tc.left || count != tc.count {
			t.Errorf("%s: got %q %v %d %v", tc.args, ks, left, count, errR)
		}
		if got := listMPopKeys(1)(strArgs(strings.Fields(tc.args)...)); len(got) != len(keys) {
			t.Errorf("%s: key function found %d keys", tc.args, len(got))
		}
	}
}

// listModelReply encodes what the model expects for an array of strings.
func listModelReply(v []string) string {
	if len(v) == 0 {
		return "*0\r\n"
	}
	return string(reply.Encode(reply.Strings(v), false))
}

// TestListModel runs random list commands against a slice model.
func TestListModel(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	srv, c := strServer(t)
	var model []string
	do := func(args ...string) string { return strDo(srv, c, args...) }
	bulk := func(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
	for step := 0; step < 5000; step++ {
		v := strconv.Itoa(rng.Intn(8))
		i := rng.Intn(len(model)+4) - 2
		var args []string
		var want string
		switch rng.Intn(9) {
		case 0:
			args = []string{"LPUSH", "k", v}
			model = append([]string{v}, model...)
			want = ":" + strconv.Itoa(len(model)) + "\r\n"
		case 1:
			args = []string{"RPUSH", "k", v, v + "x"}
			model = append(model, v, v+"x")
			want = ":" + strconv.Itoa(len(model)) + "\r\n"
		case 2:
			n := rng.Intn(3)
			args = []string{"LPOP", "k", strconv.Itoa(n)}
			switch {
			case len(model) == 0:
				want = "*-1\r\n"
			default:
				n = min(n, len(model))
				want = listModelReply(model[:n])
				model = model[n:]
			}
		case 3:
			args = []string{"RPOP", "k"}
			if len(model) == 0 {
				want = "$-1\r\n"
			} else {
				want = bulk(model[len(model)-1])
				model = model[:len(model)-1]
			}
		case 4:
			args = []string{"LINSERT", "k", "BEFORE", v, "ins"}
			switch p := slices.Index(model, v); {
			case len(model) == 0:
				want = ":0\r\n"
			case p < 0:
				want = ":-1\r\n"
			default:
				model = slices.Insert(model, p, "ins")
				want = ":" + strconv.Itoa(len(model)) + "\r\n"
			}
		case 5:
			n := rng.Intn(5) - 2
			args = []string{"LREM", "k", strconv.Itoa(n), v}
			removed := 0
			if n >= 0 {
				for j := 0; j < len(model); j++ {
					if model[j] == v && (n == 0 || removed < n) {
						model = slices.Delete(model, j, j+1)
						j--
						removed++
					}
				}
			} else {
				for j := len(model) - 1; j >= 0; j-- {
					if model[j] == v && removed < -n {
						model = slices.Delete(model, j, j+1)
						removed++
					}
				}
			}
			want = ":" + strconv.Itoa(removed) + "\r\n"
		case 6:
			e := i + rng.Intn(6)
			args = []string{"LTRIM", "k", strconv.Itoa(i), strconv.Itoa(e)}
			s, en, ok := clampRange(int64(i), int64(e), len(model))
			if ok {
				model = slices.Clone(model[s : en+1])
			} else {
				model = nil
			}
			want = "+OK\r\n"
		case 7:
			args = []string{"LSET", "k", strconv.Itoa(i), v}
			p, ok := listIndex(int64(i), len(model))
			switch {
			case len(model) == 0:
				want = "-ERR no such key\r\n"
			case !ok:
				want = "-ERR index out of range\r\n"
			default:
				model[p] = v
				want = "+OK\r\n"
			}
		case 8:
			args = []string{"LMOVE", "k", "k", "LEFT", "RIGHT"}
			if len(model) == 0 {
				want = "$-1\r\n"
			} else {
				want = bulk(model[0])
				model = append(model[1:], model[0])
			}
		}
		if got := do(args...); got != want {
			t.Fatalf("seed %d step %d: %q = %q, want %q", seed, step, args, got, want)
		}
		if got, want := do("LRANGE", "k", "0", "-1"), listModelReply(model); got != want {
			t.Fatalf("seed %d step %d after %q: LRANGE %q, want %q", seed, step, args, got, want)
		}
		if exists := do("EXISTS", "k"); (exists == ":1\r\n") != (len(model) > 0) {
			t.Fatalf("seed %d step %d: EXISTS %q with %d elements", seed, step, exists, len(model))
		}
		p := rng.Intn(len(model)+2) - 1
		wantIdx := "$-1\r\n"
		if q, ok := listIndex(int64(p), len(model)); ok {
			wantIdx = bulk(model[q])
		}
		if got := do("LINDEX", "k", strconv.Itoa(p)); got != wantIdx {
			t.Fatalf("seed %d step %d: LINDEX %d = %q, want %q", seed, step, p, got, wantIdx)
		}
		wantPos := "$-1\r\n"
		if q := slices.Index(model, v); q >= 0 {
			wantPos = ":" + strconv.Itoa(q) + "\r\n"
		}
		if got := do("LPOS", "k", v); got != wantPos {
			t.Fatalf("seed %d step %d: LPOS %s = %q, want %q", seed, step, v, got, wantPos)
		}
	}
}

// TestListPropagation checks the dirty counter: only changes propagate.
func TestListPropagation(t *testing.T) {
	srv, c := strServer(t)
	for _, tc := range []struct {
		args  string
		dirty int64
	}{
		{"RPUSH k a b c", 1},
		{"LPUSHX none a", 0},
		{"LREM k 0 zz", 0},
		{"LINSERT k BEFORE zz x", 0},
		{"LPOP none", 0},
		{"LMOVE none k LEFT LEFT", 0},
		{"LMPOP 1 none LEFT", 0},
		{"LMPOP 1 k LEFT COUNT 2", 1},
		{"BLPOP k 0", 1},
		{"BLPOP k 0.01", 0},
	} {
		before := srv.stats.dirty.Load()
		strDo(srv, c, strings.Fields(tc.args)...)
		if d := srv.stats.dirty.Load() - before; d != tc.dirty {
			t.Errorf("%s: dirty +%d, want +%d", tc.args, d, tc.dirty)
		}
	}
}

// TestBlockingInMulti: inside EXEC a blocking command answers at once.
func TestBlockingInMulti(t *testing.T) {
	srv, c := strServer(t)
	db := srv.dbs[0]
	c.State().InMulti = true
	defer func() { c.State().InMulti = false }()
	done := make(chan string, 1)
	go func() {
		done <- string(reply.Encode(execBLPop(db, c, strArgs("BLPOP", "k", "0")), false)) +
			string(reply.Encode(execBLMove(db, c, strArgs("BLMOVE", "k", "d", "LEFT", "LEFT", "0")), false))
	}()
	select {
	case got := <-done:
		if got != "*-1\r\n$-1\r\n" { // BLPOP: null array; BLMOVE as LMOVE: null bulk
			t.Fatalf("got %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a blocking command blocked inside EXEC")
	}
}
