package database

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/datastruct/set"
	"goredis/interface/resp"
	"goredis/resp/reply"
)

// setDo runs a command and returns its reply.
func setDo(srv *Server, c resp.Connection, args ...string) resp.Reply {
	return srv.Exec(c, strArgs(args...))
}

// setItems returns the members of an array or set reply.
func setItems(t *testing.T, r resp.Reply) []string {
	t.Helper()
	sr, ok := r.(setReply)
	if !ok {
		t.Fatalf("reply %q is not a member list", reply.Encode(r, false))
	}
	return sr.items
}

// setMembers returns key's members sorted.
func setMembers(t *testing.T, srv *Server, c resp.Connection, key string) []string {
	t.Helper()
	out := slices.Clone(setItems(t, setDo(srv, c, "SMEMBERS", key)))
	sort.Strings(out)
	return out
}

func setFill(srv *Server, c resp.Connection, key string, members ...string) {
	setDo(srv, c, append([]string{"SADD", key}, members...)...)
}

func setNumbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

func setDistinct(t *testing.T, items []string, within []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range items {
		if seen[m] {
			t.Fatalf("%q twice in %q", m, items)
		}
		seen[m] = true
		if !slices.Contains(within, m) {
			t.Fatalf("%q is not a member", m)
		}
	}
}

func TestSetRandMemberCounts(t *testing.T) {
	srv, c := strServer(t)
	for _, tc := range []struct {
		name    string
		members []string
	}{
		{"intset", setNumbered("", 50)[1:]},
		{"hashtable", setNumbered("m", 50)},
	} {
		key := tc.name
		setFill(srv, c, key, tc.members...)
		n := len(tc.members)
		// Positive counts: distinct members, at most the set. The
		// counts go through both sampling strategies (k*3 > n or not).
		for _, count := range []int{1, 2, 5, n / 3, n/3 + 1, n - 1, n, n + 1, 1000} {
			got := setItems(t, setDo(srv, c, "SRANDMEMBER", key, strconv.Itoa(count)))
			if want := min(count, n); len(got) != want {
				t.Fatalf("%s SRANDMEMBER %d: %d members", key, count, len(got))
			}
			setDistinct(t, got, tc.members)
		}
		// Negative counts: exactly |count| members, repeats allowed.
		got := setItems(t, setDo(srv, c, "SRANDMEMBER", key, "-500"))
		if len(got) != 500 {
			t.Fatalf("%s SRANDMEMBER -500: %d", key, len(got))
		}
		seen := map[string]bool{}
		for _, m := range got {
			if !slices.Contains(tc.members, m) {
				t.Fatalf("%q is not a member", m)
			}
			seen[m] = true
		}
		if len(seen) < n/2 {
			t.Fatalf("%s: only %d distinct of %d in 500 draws", key, len(seen), n)
		}
		// Many small draws reach every member.
		all := map[string]bool{}
		for i := 0; i < 2000; i++ {
			for _, m := range setItems(t, setDo(srv, c, "SRANDMEMBER", key, "3")) {
				all[m] = true
			}
		}
		if len(all) != n {
			t.Fatalf("%s: SRANDMEMBER 3 reached %d of %d members", key, len(all), n)
		}
		if got := setDo(srv, c, "SCARD", key); got != reply.Int(n) {
			t.Fatalf("SRANDMEMBER changed the set: %v", got)
		}
	}
	if got := string(reply.Encode(setDo(srv, c, "SRANDMEMBER", "intset", "-100000000"), false)); got != "-ERR value is out of range\r\n" {
		t.Fatalf("huge negative count: %q", got)
	}
	if got := string(reply.Encode(setDo(srv, c, "SRANDMEMBER", "intset", "-16777217"), false)); got != "-ERR value is out of range\r\n" {
		t.Fatalf("count just beyond the bound: %q", got)
	}
	if got := len(setItems(t, setDo(srv, c, "SRANDMEMBER", "intset", "-100000"))); got != 100000 {
		t.Fatalf("SRANDMEMBER -100000 gave %d", got)
	}
}

func TestSetPopCounts(t *testing.T) {
	srv, c := strServer(t)
	for _, tc := range []struct {
		first string
		n     int
		count int
		moved bool // few survive: they move to a new set, an intset if they can
	}{
		{"a", 100, 10, false},
		{"a", 100, 90, true},
		{"0", 100, 95, true},
		{"0", 600, 599, true}, // a big all-int hash table becomes an intset again
		{"0", 600, 100, false},
	} {
		key := "p"
		setDo(srv, c, "DEL", key)
		members := append([]string{tc.first}, setNumbered("", tc.n)[1:]...)
		setFill(srv, c, key, members...)
		before := strEntity(srv, key).Obj().(*set.Set).Encoding()
		got := setItems(t, setDo(srv, c, "SPOP", key, strconv.Itoa(tc.count)))
		if len(got) != tc.count {
			t.Fatalf("SPOP %d of %d: %d", tc.count, tc.n, len(got))
		}
		setDistinct(t, got, members)
		left := setMembers(t, srv, c, key)
		if len(left) != tc.n-tc.count {
			t.Fatalf("%d left, want %d", len(left), tc.n-tc.count)
		}
		for _, m := range got {
			if slices.Contains(left, m) {
				t.Fatalf("popped %q still there", m)
			}
		}
		want := before
		if tc.moved {
			want = "intset"
			if slices.Contains(left, "a") {
				want = "hashtable"
			}
		}
		if enc := strEntity(srv, key).Obj().(*set.Set).Encoding(); enc != want {
			t.Fatalf("%v: encoding %s, want %s (left %q)", tc, enc, want, left)
		}
	}
	setFill(srv, c, "all", "1", "2", "x")
	if got := setItems(t, setDo(srv, c, "SPOP", "all", "3")); len(got) != 3 {
		t.Fatalf("SPOP of the whole set: %q", got)
	}
	if got := setDo(srv, c, "EXISTS", "all"); got != reply.Int(0) {
		t.Fatal("SPOP of the whole set left the key")
	}
}

func TestSetPopPropagation(t *testing.T) {
	popped := setNumbered("m", 2500)
	cmds := setPopPropagation([]byte("k"), popped)
	if len(cmds) != 3 || len(cmds[0]) != 1026 || len(cmds[2]) != 2+2500-2048 {
		t.Fatalf("%d commands", len(cmds))
	}
	var got []string
	for _, cmd := range cmds {
		if string(cmd[0]) != "SREM" || string(cmd[1]) != "k" {
			t.Fatalf("command %q %q", cmd[0], cmd[1])
		}
		for _, m := range cmd[2:] {
			got = append(got, string(m))
		}
	}
	if !slices.Equal(got, popped) {
		t.Fatal("propagated members differ from the popped ones")
	}
	if setPopPropagation([]byte("k"), nil) != nil {
		t.Fatal("nothing popped, something propagated")
	}
}

func TestSetScanHashtable(t *testing.T) {
	srv, c := strServer(t)
	members := setNumbered("m", 1000)
	setFill(srv, c, "s", members...)
	seen := map[string]bool{}
	cursor, calls := "0", 0
	for {
		r := setDo(srv, c, "SSCAN", "s", cursor, "COUNT", "20").(reply.Array)
		cursor = string(r[0].(reply.BulkStr))
		for _, m := range setItems(t, r[1]) {
			seen[m] = true
		}
		calls++
		if cursor == "0" || calls > 1000 {
			break
		}
	}
	if len(seen) != 1000 || calls < 40 {
		t.Fatalf("%d members in %d calls", len(seen), calls)
	}
	r := setDo(srv, c, "SSCAN", "s", "0", "COUNT", "2000", "MATCH", "m99*").(reply.Array)
	if got := setItems(t, r[1]); len(got) != 11 || r[0] != reply.BulkStr("0") {
		t.Fatalf("MATCH m99*: %q cursor %v", got, r[0])
	}
}

func TestSetInterCardKeys(t *testing.T) {
	for _, tc := range []struct {
		line string
		want string
	}{
		{"sintercard 2 a b", "a b"},
		{"sintercard 1 a limit 3", "a"},
		{"sintercard 3 a b", ""},
		{"sintercard 0 a", ""},
		{"sintercard x a", ""},
		{"sintercard", ""},
	} {
		var got []string
		for _, k := range setInterCardKeys(strArgs(strings.Fields(tc.line)...)) {
			got = append(got, string(k))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: keys %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestSetModel runs random set commands against a model of map sets.
func TestSetModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	srv, c := strServer(t)
	keys := []string{"a", "b", "c"}
	model := map[string]map[string]bool{}
	member := func() string {
		if r.IntN(5) == 0 {
			return "s" + strconv.Itoa(r.IntN(20))
		}
		return strconv.Itoa(r.IntN(40))
	}
	sorted := func(m map[string]bool) []string {
		out := []string{}
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	for op := 0; op < 3000; op++ {
		k, k2, k3 := keys[r.IntN(3)], keys[r.IntN(3)], keys[r.IntN(3)]
		m := member()
		switch r.IntN(8) {
		case 0, 1:
			setDo(srv, c, "SADD", k, m)
			if model[k] == nil {
				model[k] = map[string]bool{}
			}
			model[k][m] = true
		case 2:
			setDo(srv, c, "SREM", k, m)
			delete(model[k], m)
		case 3:
			setDo(srv, c, "SMOVE", k, k2, m)
			if model[k][m] {
				delete(model[k], m)
				if model[k2] == nil {
					model[k2] = map[string]bool{}
				}
				model[k2][m] = true
			}
		case 4:
			for _, p := range setItems(t, setDo(srv, c, "SPOP", k, strconv.Itoa(r.IntN(4)))) {
				if !model[k][p] {
					t.Fatalf("seed %d op %d: popped %q not in model", seed, op, p)
				}
				delete(model[k], p)
			}
		case 5:
			setDo(srv, c, "SINTERSTORE", k, k2, k3)
			res := map[string]bool{}
			for x := range model[k2] {
				if model[k3][x] {
					res[x] = true
				}
			}
			model[k] = res
		case 6:
			setDo(srv, c, "SUNIONSTORE", k, k2, k3)
			res := map[string]bool{}
			for x := range model[k2] {
				res[x] = true
			}
			for x := range model[k3] {
				res[x] = true
			}
			model[k] = res
		case 7:
			setDo(srv, c, "SDIFFSTORE", k, k2, k3)
			res := map[string]bool{}
			for x := range model[k2] {
				if !model[k3][x] {
					res[x] = true
				}
			}
			model[k] = res
		}
		for _, key := range keys {
			want := sorted(model[key])
			if got := setMembers(t, srv, c, key); !slices.Equal(got, want) {
				t.Fatalf("seed %d op %d: %s = %q, want %q", seed, op, key, got, want)
			}
			exists := setDo(srv, c, "EXISTS", key) == reply.Int(1)
			if exists != (len(want) > 0) {
				t.Fatalf("seed %d op %d: %s exists %v with %d members", seed, op, key, exists, len(want))
			}
			if exists {
				e := strEntity(srv, key)
				s := e.Obj().(*set.Set)
				allInts := true
				for _, x := range want {
					allInts = allInts && set.IsInt(x)
				}
				if !allInts && s.IsIntset() {
					t.Fatalf("seed %d op %d: intset holds a string", seed, op)
				}
			}
			inter := setItems(t, setDo(srv, c, "SINTER", key, k2))
			if n := setDo(srv, c, "SINTERCARD", "2", key, k2); n != reply.Int(len(inter)) {
				t.Fatalf("seed %d op %d: SINTERCARD %v, SINTER %d", seed, op, n, len(inter))
			}
		}
	}
}
