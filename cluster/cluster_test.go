package cluster

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/config"
	"goredis/database"
	"goredis/resp/client"
	"goredis/resp/client/redistest"
	"goredis/resp/handler"
	"goredis/tcp"
)

func TestMain(m *testing.M) {
	if _, err := config.Load([]string{"--bind", "127.0.0.1"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// testNode is one node of an in-process cluster.
type testNode struct {
	addr string
	cl   *Cluster
	ts   *tcp.Server
	done chan struct{}
}

func (n *testNode) stop() {
	n.ts.Close()
	<-n.done
	n.cl.Close()
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// startCluster starts n nodes on loopback ports; they stop with the test.
func startCluster(t *testing.T, n int) []*testNode {
	t.Helper()
	ports := freePorts(t, n)
	var addrs []string
	for _, p := range ports {
		addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(p))
	}
	var nodes []*testNode
	for i, self := range addrs {
		var peers []string
		for j, a := range addrs {
			if j != i {
				peers = append(peers, a)
			}
		}
		srv := database.NewServer()
		cl := New(srv, self, peers, 2*time.Second)
		h := handler.New(cl, srv)
		listen, optional := tcp.ListenAddrs([]string{"127.0.0.1"}, ports[i])
		ts, err := tcp.Listen(listen, optional, h)
		if err != nil {
			cl.Close()
			t.Fatalf("listen %s: %v", self, err)
		}
		node := &testNode{addr: self, cl: cl, ts: ts, done: make(chan struct{})}
		go func() { ts.Serve(); close(node.done) }()
		nodes = append(nodes, node)
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			select {
			case <-n.done:
			default:
				n.stop()
			}
		}
	})
	return nodes
}

func dial(t *testing.T, addr string) *client.RawConn { return redistest.DialRaw(t, addr) }

func do(t *testing.T, c *client.RawConn, args ...string) client.Value {
	t.Helper()
	return redistest.Do(t, c, args...)
}

// TestRelayAndScatter: every node serves every key, each key is stored
// once on its owner, multi-key reads and deletions span nodes, node-scoped
// commands add up, and SELECT travels with relayed commands.
func TestRelayAndScatter(t *testing.T) {
	nodes := startCluster(t, 3)
	conns := make([]*client.RawConn, len(nodes))
	for i, n := range nodes {
		conns[i] = dial(t, n.addr)
	}
	pl := nodes[0].cl.Placement()
	const keys = 300
	for i := 0; i < keys; i++ {
		k := "key:" + strconv.Itoa(i)
		if v := do(t, conns[i%3], "SET", k, "v"+strconv.Itoa(i)); v.Text() != "OK" {
			t.Fatalf("SET %s: %q", k, v.Raw)
		}
	}
	for i := 0; i < keys; i++ {
		k := "key:" + strconv.Itoa(i)
		for _, c := range conns {
			if v := do(t, c, "GET", k); string(v.Str) != "v"+strconv.Itoa(i) {
				t.Fatalf("GET %s: %q", k, v.Raw)
			}
		}
	}
	// Each key once, on its owner; DBSIZE adds up; SCAN covers all.
	total, seen := int64(0), map[string]bool{}
	for ni, c := range conns {
		total += do(t, c, "DBSIZE").Int
		cursor := "0"
		for {
			v := do(t, c, "SCAN", cursor, "COUNT", "100")
			for _, e := range v.Elems[1].Elems {
				k := string(e.Str)
				if seen[k] {
					t.Fatalf("%s stored twice", k)
				}
				seen[k] = true
				if owner := pl.Nodes[pl.KeyOwner(e.Str)].Addr; owner != nodes[ni].addr {
					t.Fatalf("%s stored on %s, owner %s", k, nodes[ni].addr, owner)
				}
			}
			cursor = string(v.Elems[0].Str)
			if cursor == "0" {
				break
			}
		}
	}
	if total != keys || len(seen) != keys {
		t.Fatalf("DBSIZE total %d, SCAN found %d, want %d", total, len(seen), keys)
	}
	// MGET in order with a missing key; EXISTS, DEL, UNLINK counts.
	mget := []string{"MGET", "key:5", "nokey", "key:1", "key:2", "key:3"}
	v := do(t, conns[1], mget...)
	want := []string{"v5", "", "v1", "v2", "v3"}
	for i, e := range v.Elems {
		if string(e.Str) != want[i] || (want[i] == "") != e.Null {
			t.Fatalf("MGET: %q", v.Raw)
		}
	}
	if v := do(t, conns[2], "EXISTS", "key:1", "key:2", "key:1", "nokey", "key:7"); v.Int != 4 {
		t.Fatalf("EXISTS: %q", v.Raw)
	}
	if v := do(t, conns[0], "DEL", "key:1", "key:2", "nokey", "key:3"); v.Int != 3 {
		t.Fatalf("DEL: %q", v.Raw)
	}
	if v := do(t, conns[0], "EXISTS", "key:1", "key:2", "key:3"); v.Int != 0 {
		t.Fatalf("after DEL: %q", v.Raw)
	}
	// SELECT travels.
	do(t, conns[0], "SELECT", "5")
	do(t, conns[1], "SELECT", "5")
	for i := 0; i < 20; i++ {
		do(t, conns[0], "SET", "db5:"+strconv.Itoa(i), "five")
	}
	for i := 0; i < 20; i++ {
		if v := do(t, conns[1], "GET", "db5:"+strconv.Itoa(i)); string(v.Str) != "five" {
			t.Fatalf("GET in db 5: %q", v.Raw)
		}
		if v := do(t, conns[2], "EXISTS", "db5:"+strconv.Itoa(i)); v.Int != 0 {
			t.Fatal("a key of db 5 found in db 0")
		}
	}
	// RESP3 replies come back in RESP3.
	do(t, conns[2], "HELLO", "3")
	do(t, conns[2], "HSET", "h:1", "f", "v")
	do(t, conns[2], "HSET", "h:2", "f", "v")
	for _, k := range []string{"h:1", "h:2", "h:3"} {
		if v := do(t, conns[2], "HGETALL", k); v.Kind != client.KindMap {
			t.Fatalf("HGETALL %s in RESP3: %q", k, v.Raw)
		}
	}
	// A blocking command over keys of several nodes cannot wait holding
	// every node's locks: CROSSSLOT.
	k1, k2 := keyOn(pl, 0, "bl:"), keyOn(pl, 1, "bl:")
	if v := do(t, conns[0], "BLPOP", k1, k2, "1"); !strings.HasPrefix(v.Text(), "CROSSSLOT") {
		t.Fatalf("BLPOP over nodes: %q", v.Raw)
	}
	// FLUSHALL reaches every node.
	do(t, conns[0], "FLUSHALL")
	for _, c := range conns {
		do(t, c, "SELECT", "0")
		if v := do(t, c, "DBSIZE"); v.Int != 0 {
			t.Fatalf("DBSIZE after FLUSHALL: %d", v.Int)
		}
	}
}

// keyOn returns a key owned by node.
func keyOn(pl *Placement, node int, prefix string) string {
	for i := 0; ; i++ {
		k := prefix + strconv.Itoa(i)
		if pl.KeyOwner([]byte(k)) == node {
			return k
		}
	}
}

// TestBlockingAndPubsubAcrossNodes: a blocking pop waits on the owner over
// the client's own connection (others' relays go on meanwhile) and is
// served by a push through a third node; PUBLISH reaches subscribers of
// every node.
func TestBlockingAndPubsubAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	q := keyOn(pl, 1, "queue:")
	blocked := dial(t, nodes[0].addr)
	if err := blocked.WriteCommand("BLPOP", q, "5"); err != nil {
		t.Fatal(err)
	}
	other := dial(t, nodes[0].addr)
	time.Sleep(100 * time.Millisecond)
	for i := 0; i < 50; i++ {
		k := keyOn(pl, 1, "busy"+strconv.Itoa(i)+":")
		if v := do(t, other, "SET", k, "x"); v.Text() != "OK" {
			t.Fatalf("relay while a client blocks: %q", v.Raw)
		}
	}
	do(t, dial(t, nodes[2].addr), "RPUSH", q, "job")
	v, err := blocked.ReadValue(5 * time.Second)
	if err != nil || len(v.Elems) != 2 || string(v.Elems[1].Str) != "job" {
		t.Fatalf("BLPOP: %q %v", v.Raw, err)
	}
	subs := []*client.RawConn{dial(t, nodes[0].addr), dial(t, nodes[1].addr), dial(t, nodes[2].addr)}
	for _, s := range subs {
		do(t, s, "SUBSCRIBE", "news")
	}
	do(t, dial(t, nodes[1].addr), "PUBLISH", "news", "hello")
	for i, s := range subs {
		v, err := s.ReadValue(5 * time.Second)
		if err != nil || len(v.Elems) != 3 || string(v.Elems[2].Str) != "hello" {
			t.Fatalf("subscriber on node %d: %q %v", i, v.Raw, err)
		}
	}
}

// TestClusterCommands: every node describes the same placement, in
// Redis's shapes.
func TestClusterCommands(t *testing.T) {
	nodes := startCluster(t, 3)
	var slots []string
	for _, n := range nodes {
		c := dial(t, n.addr)
		if v := do(t, c, "CLUSTER", "KEYSLOT", "{user1}.following"); v.Int != 8106 {
			t.Fatalf("KEYSLOT: %q", v.Raw)
		}
		if v := do(t, c, "CLUSTER", "MYID"); v.Text() != NodeID(n.addr) {
			t.Fatalf("MYID: %q", v.Raw)
		}
		info := waitState(t, c, "ok")
		for _, want := range []string{"cluster_state:ok", "cluster_slots_assigned:16384", "cluster_known_nodes:3", "cluster_size:3"} {
			if !strings.Contains(info, want) {
				t.Fatalf("CLUSTER INFO on %s lacks %s:\n%s", n.addr, want, info)
			}
		}
		v := do(t, c, "CLUSTER", "SLOTS")
		covered := 0
		var desc []string
		for _, r := range v.Elems {
			covered += int(r.Elems[1].Int-r.Elems[0].Int) + 1
			desc = append(desc, fmt.Sprintf("%d-%d:%s", r.Elems[0].Int, r.Elems[1].Int, r.Elems[2].Elems[2].Str))
		}
		if covered != SlotCount {
			t.Fatalf("CLUSTER SLOTS covers %d slots", covered)
		}
		slots = append(slots, strings.Join(desc, ","))
		nodesText := do(t, c, "CLUSTER", "NODES").Text()
		if strings.Count(nodesText, "myself,master") != 1 || strings.Count(nodesText, "\n") != 3 {
			t.Fatalf("CLUSTER NODES:\n%s", nodesText)
		}
		if v := do(t, c, "READONLY"); v.Text() != "OK" {
			t.Fatalf("READONLY: %q", v.Raw)
		}
		if v := do(t, c, "CLUSTER", "ADDSLOTS", "1"); !v.IsError() {
			t.Fatalf("ADDSLOTS: %q", v.Raw)
		}
	}
	if slots[0] != slots[1] || slots[1] != slots[2] {
		t.Fatal("nodes disagree on CLUSTER SLOTS")
	}
	// COUNTKEYSINSLOT and GETKEYSINSLOT answer for the node's own keys.
	pl := nodes[0].cl.Placement()
	k := keyOn(pl, pl.Self, "slotkey:")
	c := dial(t, nodes[0].addr)
	do(t, c, "SET", k, "1")
	slot := strconv.Itoa(KeySlot([]byte(k)))
	if v := do(t, c, "CLUSTER", "COUNTKEYSINSLOT", slot); v.Int != 1 {
		t.Fatalf("COUNTKEYSINSLOT: %q", v.Raw)
	}
	if v := do(t, c, "CLUSTER", "GETKEYSINSLOT", slot, "10"); len(v.Elems) != 1 || string(v.Elems[0].Str) != k {
		t.Fatalf("GETKEYSINSLOT: %q", v.Raw)
	}
}

// TestTransactionsStayOnOneNode: MULTI/EXEC over keys of one node runs,
// on that node, whichever node the client talks to; WATCH works there too;
// keys of two nodes in one transaction are refused and EXEC aborts.
func TestTransactionsStayOnOneNode(t *testing.T) {
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	c := dial(t, nodes[0].addr)
	local := keyOn(pl, pl.Self, "tx:")
	remote := keyOn(pl, (pl.Self+1)%3, "tx:")
	for _, k := range []string{local, remote} {
		do(t, c, "MULTI")
		if v := do(t, c, "INCR", k); v.Text() != "QUEUED" {
			t.Fatalf("INCR queued: %q", v.Raw)
		}
		do(t, c, "INCR", k)
		do(t, c, "GET", k)
		if v := do(t, c, "EXEC"); len(v.Elems) != 3 || v.Elems[1].Int != 2 || string(v.Elems[2].Str) != "2" {
			t.Fatalf("EXEC over %s: %q", k, v.Raw)
		}
	}
	if v := do(t, dial(t, nodes[1].addr), "GET", remote); string(v.Str) != "2" {
		t.Fatalf("after the remote transaction: %q", v.Raw)
	}
	do(t, c, "MULTI")
	do(t, c, "INCR", local)
	if v := do(t, c, "INCR", remote); !strings.HasPrefix(v.Text(), "CROSSSLOT") {
		t.Fatalf("keys of two nodes in MULTI: %q", v.Raw)
	}
	if v := do(t, c, "EXEC"); !strings.HasPrefix(v.Text(), "EXECABORT") {
		t.Fatalf("EXEC after a refused key: %q", v.Raw)
	}
	// WATCH of a remote key: untouched, EXEC runs; touched by another
	// client through another node, EXEC answers null.
	for _, touched := range []bool{false, true} {
		do(t, c, "WATCH", remote)
		if touched {
			do(t, dial(t, nodes[2].addr), "SET", remote, "other")
		}
		do(t, c, "MULTI")
		do(t, c, "SET", remote, "mine")
		v := do(t, c, "EXEC")
		if touched != v.Null {
			t.Fatalf("WATCH (touched %v): EXEC %q", touched, v.Raw)
		}
	}
	if v := do(t, c, "GET", remote); string(v.Str) != "other" {
		t.Fatalf("after the aborted EXEC: %q", v.Raw)
	}
	// A transaction pinned by WATCH refuses keys of another node.
	do(t, c, "WATCH", remote)
	do(t, c, "MULTI")
	if v := do(t, c, "SET", local, "x"); !strings.HasPrefix(v.Text(), "CROSSSLOT") {
		t.Fatalf("local key after a remote WATCH: %q", v.Raw)
	}
	do(t, c, "DISCARD")
}

// TestDeadPeer: keys of a stopped node get an error naming it, the others
// keep working, CLUSTER INFO reports the failure, and relaying to the
// dead node leaves no goroutine or descriptor behind.
func TestDeadPeer(t *testing.T) {
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	c := dial(t, nodes[0].addr)
	dead := nodes[2]
	deadIdx := -1
	for i, n := range pl.Nodes {
		if n.Addr == dead.addr {
			deadIdx = i
		}
	}
	dead.stop()
	remote := keyOn(pl, deadIdx, "gone:")
	v := do(t, c, "GET", remote)
	if !v.IsError() || !strings.Contains(v.Text(), dead.addr) {
		t.Fatalf("GET of a dead node's key: %q", v.Raw)
	}
	for i := range pl.Nodes {
		if i != deadIdx {
			live := keyOn(pl, i, "here:")
			if v := do(t, c, "SET", live, "1"); v.Text() != "OK" {
				t.Fatalf("SET on a live node: %q", v.Raw)
			}
		}
	}
	goroutines := runtime.NumGoroutine()
	fds := redistest.OpenFDs()
	for i := 0; i < 10000; i++ {
		do(t, c, "GET", remote)
	}
	time.Sleep(100 * time.Millisecond)
	if g := runtime.NumGoroutine(); g > goroutines+10 {
		t.Errorf("goroutines %d -> %d after relays to a dead node", goroutines, g)
	}
	if f := redistest.OpenFDs(); fds >= 0 && f > fds+10 {
		t.Errorf("descriptors %d -> %d after relays to a dead node", fds, f)
	}
	waitState(t, c, "fail")

	// The node comes back on its address: relaying resumes by itself.
	srv := database.NewServer()
	var peers []string
	for _, n := range pl.Nodes {
		if n.Addr != dead.addr {
			peers = append(peers, n.Addr)
		}
	}
	back := New(srv, dead.addr, peers, 2*time.Second)
	_, port, _ := net.SplitHostPort(dead.addr)
	p, _ := strconv.Atoi(port)
	listen, optional := tcp.ListenAddrs([]string{"127.0.0.1"}, p)
	ts, err := tcp.Listen(listen, optional, handler.New(back, srv))
	if err != nil {
		back.Close()
		t.Skipf("cannot listen on %s again: %v", dead.addr, err)
	}
	done := make(chan struct{})
	go func() { ts.Serve(); close(done) }()
	defer func() { ts.Close(); <-done; back.Close() }()
	if v := do(t, c, "SET", remote, "again"); v.Text() != "OK" {
		t.Fatalf("SET after the node came back: %q", v.Raw)
	}
	if v := do(t, c, "GET", remote); string(v.Str) != "again" {
		t.Fatalf("GET after the node came back: %q", v.Raw)
	}
	waitState(t, c, "ok")
}

// waitState waits until CLUSTER INFO shows state and returns it.
func waitState(t *testing.T, c *client.RawConn, state string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		info := do(t, c, "CLUSTER", "INFO").Text()
		if strings.Contains(info, "cluster_state:"+state) {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("CLUSTER INFO never showed cluster_state:%s:\n%s", state, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTwoPhaseMSet: MSET and MSETNX over keys of every node from any
// node: all or nothing; MSETNX sets nothing when one key exists on any
// node; a node lost before the commit leaves nothing written anywhere.
func TestTwoPhaseMSet(t *testing.T) {
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	c := dial(t, nodes[1].addr)
	var keys []string
	for n := range pl.Nodes {
		keys = append(keys, keyOn(pl, n, "m:"), keyOn(pl, n, "m2:"))
	}
	args := []string{"MSET"}
	for i, k := range keys {
		args = append(args, k, "v"+strconv.Itoa(i))
	}
	if v := do(t, c, args...); v.Text() != "OK" {
		t.Fatalf("MSET over nodes: %q", v.Raw)
	}
	for i, k := range keys {
		if v := do(t, dial(t, nodes[i%3].addr), "GET", k); string(v.Str) != "v"+strconv.Itoa(i) {
			t.Fatalf("GET %s: %q", k, v.Raw)
		}
	}
	// MSETNX: one key exists (on one node) -> nothing set anywhere.
	var fresh []string
	for n := range pl.Nodes {
		fresh = append(fresh, keyOn(pl, n, "nx:"))
	}
	do(t, c, "SET", fresh[2], "already")
	nx := []string{"MSETNX"}
	for _, k := range fresh {
		nx = append(nx, k, "new")
	}
	if v := do(t, c, nx...); v.Int != 0 {
		t.Fatalf("MSETNX with an existing key: %q", v.Raw)
	}
	if v := do(t, c, "EXISTS", fresh[0], fresh[1]); v.Int != 0 {
		t.Fatal("MSETNX wrote keys although one existed")
	}
	do(t, c, "DEL", fresh[2])
	if v := do(t, c, nx...); v.Int != 1 {
		t.Fatalf("MSETNX over free keys: %q", v.Raw)
	}
	if v := do(t, c, append([]string{"EXISTS"}, fresh...)...); v.Int != 3 {
		t.Fatalf("after MSETNX: %d keys", v.Int)
	}
	// Concurrent MSETs over the same keys never interleave per key set.
	done := make(chan string, 4)
	for w := 0; w < 4; w++ {
		go func(w int) {
			cc, err := client.DialRaw(nodes[w%3].addr)
			if err != nil {
				done <- err.Error()
				return
			}
			defer cc.Close()
			for i := 0; i < 50; i++ {
				a := []string{"MSET"}
				for _, k := range keys {
					a = append(a, k, "w"+strconv.Itoa(w))
				}
				v, err := cc.Do(10*time.Second, a...)
				if err != nil {
					done <- err.Error()
					return
				}
				if v.IsError() && !strings.HasPrefix(v.Text(), "TRYAGAIN") {
					done <- v.Text()
					return
				}
			}
			done <- ""
		}(w)
	}
	for w := 0; w < 4; w++ {
		if m := <-done; m != "" {
			t.Fatal(m)
		}
	}
	g := []string{"MGET"}
	g = append(g, keys...)
	v := do(t, c, g...)
	for _, e := range v.Elems[1:] {
		if string(e.Str) != string(v.Elems[0].Str) {
			t.Fatalf("MGET after concurrent MSETs mixes writers: %q", v.Raw)
		}
	}
	// A node down: the MSET fails naming it and nothing is written.
	var downIdx int
	for i, n := range pl.Nodes {
		if n.Addr == nodes[2].addr {
			downIdx = i
		}
	}
	nodes[2].stop()
	a := []string{"MSET"}
	var live []string
	for n := range pl.Nodes {
		k := keyOn(pl, n, "down:")
		a = append(a, k, "x")
		if n != downIdx {
			live = append(live, k)
		}
	}
	if v := do(t, c, a...); !v.IsError() || !strings.Contains(v.Text(), nodes[2].addr) {
		t.Fatalf("MSET with a node down: %q", v.Raw)
	}
	if v := do(t, c, append([]string{"EXISTS"}, live...)...); v.Int != 0 {
		t.Fatal("a failed MSET wrote keys on the live nodes")
	}
}

// TestTwoPhaseNodeLostBetweenPhases: a node that dies after preparing and
// before the commit makes every node roll back.
func TestTwoPhaseNodeLostBetweenPhases(t *testing.T) {
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	c := dial(t, nodes[0].addr)
	victim := nodes[1]
	testHookPrepared = func() { victim.stop() }
	defer func() { testHookPrepared = nil }()
	a := []string{"MSET"}
	var survivors []string
	for n := range pl.Nodes {
		k := keyOn(pl, n, "lost:")
		a = append(a, k, "x")
		if pl.Nodes[n].Addr != victim.addr {
			survivors = append(survivors, k)
		}
	}
	if v := do(t, c, a...); !v.IsError() || !strings.Contains(v.Text(), victim.addr) {
		t.Fatalf("MSET with a node lost between the phases: %q", v.Raw)
	}
	testHookPrepared = nil
	if v := do(t, c, append([]string{"EXISTS"}, survivors...)...); v.Int != 0 {
		t.Fatal("a key was written although the transaction rolled back")
	}
}

// TestTwoPhaseLockExpires: a coordinator that prepares and vanishes holds
// its keys only until the lock's time runs out; commands on them wait,
// then run on the unchanged value.
func TestTwoPhaseLockExpires(t *testing.T) {
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	k := keyOn(pl, pl.Self, "orphan:")
	fake := dial(t, nodes[0].addr)
	do(t, fake, "CLIENT", "SETNAME", relayName)
	if v := do(t, fake, "GOREDIS.TX", "PREPARE", "orphan-tx", "300", "-", k, "--", "SET", k, "staged"); v.Text() != "OK" {
		t.Fatalf("PREPARE: %q", v.Raw)
	}
	c := dial(t, nodes[0].addr)
	start := time.Now()
	v := do(t, c, "GET", k)
	if waited := time.Since(start); !v.Null || waited < 200*time.Millisecond {
		t.Fatalf("GET of a key an expired transaction held: %q after %v", v.Raw, waited)
	}
	if v := do(t, fake, "GOREDIS.TX", "COMMIT", "orphan-tx"); !v.IsError() {
		t.Fatalf("COMMIT after expiry: %q", v.Raw)
	}
	if v := do(t, c, "GET", k); !v.Null {
		t.Fatalf("an expired transaction's write applied: %q", v.Raw)
	}
}

// TestCommandsAcrossNodes: writes that move values between keys of
// different nodes behave as on one server, from any node, TTLs included.
func TestCommandsAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	c := dial(t, nodes[0].addr)
	k := func(node int, name string) string { return keyOn(pl, node, name+":") }
	a, b, d := k(0, "a"), k(1, "b"), k(2, "d")
	do(t, c, "SET", a, "value", "EX", "1000")
	if v := do(t, c, "RENAME", a, b); v.Text() != "OK" {
		t.Fatalf("RENAME across nodes: %q", v.Raw)
	}
	if v := do(t, dial(t, nodes[2].addr), "GET", b); string(v.Str) != "value" {
		t.Fatalf("GET renamed key: %q", v.Raw)
	}
	if v := do(t, c, "TTL", b); v.Int < 990 || v.Int > 1000 {
		t.Fatalf("TTL after RENAME: %q", v.Raw)
	}
	if v := do(t, c, "EXISTS", a); v.Int != 0 {
		t.Fatal("RENAME left its source")
	}
	if v := do(t, c, "RENAME", a, d); v.Text() != "ERR no such key" {
		t.Fatalf("RENAME of a missing key: %q", v.Raw)
	}
	if v := do(t, c, "RENAMENX", b, d); v.Int != 1 {
		t.Fatalf("RENAMENX: %q", v.Raw)
	}
	if v := do(t, c, "COPY", d, a); v.Int != 1 {
		t.Fatalf("COPY: %q", v.Raw)
	}
	if v := do(t, c, "MGET", a, d); string(v.Elems[0].Str) != "value" || string(v.Elems[1].Str) != "value" {
		t.Fatalf("after COPY: %q", v.Raw)
	}
	// Sets, lists, sorted sets.
	s1, s2, s3 := k(0, "s1"), k(1, "s2"), k(2, "s3")
	do(t, c, "SADD", s1, "x", "y", "z")
	do(t, c, "SADD", s2, "y", "z", "w")
	if v := do(t, c, "SMOVE", s1, s2, "x"); v.Int != 1 {
		t.Fatalf("SMOVE: %q", v.Raw)
	}
	if v := do(t, c, "SINTERSTORE", s3, s1, s2); v.Int != 2 {
		t.Fatalf("SINTERSTORE: %q", v.Raw)
	}
	if v := do(t, dial(t, nodes[1].addr), "SCARD", s3); v.Int != 2 {
		t.Fatalf("SCARD of the stored set: %q", v.Raw)
	}
	if v := do(t, c, "SUNION", s1, s2, s3); len(v.Elems) != 4 {
		t.Fatalf("SUNION across nodes: %q", v.Raw)
	}
	l1, l2 := k(1, "l1"), k(2, "l2")
	do(t, c, "RPUSH", l1, "1", "2", "3")
	if v := do(t, c, "LMOVE", l1, l2, "LEFT", "RIGHT"); string(v.Str) != "1" {
		t.Fatalf("LMOVE: %q", v.Raw)
	}
	if v := do(t, c, "LRANGE", l2, "0", "-1"); len(v.Elems) != 1 {
		t.Fatalf("LRANGE after LMOVE: %q", v.Raw)
	}
	z1, z2, z3 := k(0, "z1"), k(1, "z2"), k(2, "z3")
	do(t, c, "ZADD", z1, "1", "a", "2", "b")
	do(t, c, "ZADD", z2, "10", "b")
	if v := do(t, c, "ZUNIONSTORE", z3, "2", z1, z2); v.Int != 2 {
		t.Fatalf("ZUNIONSTORE: %q", v.Raw)
	}
	if v := do(t, c, "ZSCORE", z3, "b"); string(v.Str) != "12" {
		t.Fatalf("ZSCORE after ZUNIONSTORE: %q", v.Raw)
	}
	// No temporary key is left anywhere.
	for _, n := range nodes {
		v := do(t, dial(t, n.addr), "KEYS", "*goredis-tx*")
		if len(v.Elems) != 0 {
			t.Fatalf("temporary keys left on %s: %q", n.addr, v.Raw)
		}
	}
	// A node lost between the phases: nothing moved.
	src, dst := k(0, "src"), k(1, "dst")
	do(t, c, "SET", src, "keep")
	victim := nodes[1]
	for _, n := range nodes {
		if pl.Nodes[pl.KeyOwner([]byte(dst))].Addr == n.addr {
			victim = n
		}
	}
	testHookPrepared = func() { victim.stop() }
	defer func() { testHookPrepared = nil }()
	var other *testNode
	for _, n := range nodes {
		if n != victim && pl.Nodes[pl.KeyOwner([]byte(src))].Addr != n.addr {
			other = n
		}
	}
	if other == nil {
		other = nodes[0]
		if other == victim {
			other = nodes[2]
		}
	}
	cc := dial(t, other.addr)
	if v := do(t, cc, "RENAME", src, dst); !v.IsError() {
		t.Fatalf("RENAME with the destination's node lost: %q", v.Raw)
	}
	testHookPrepared = nil
	if v := do(t, cc, "GET", src); string(v.Str) != "keep" {
		t.Fatalf("the source changed although the RENAME rolled back: %q", v.Raw)
	}
}

// TestClientReplyOverRelays: CLIENT REPLY OFF and SKIP silence relayed
// and gathered commands as they do local ones.
func TestClientReplyOverRelays(t *testing.T) {
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	c := dial(t, nodes[0].addr)
	remote := keyOn(pl, (pl.Self+1)%3, "rep:")
	other := keyOn(pl, (pl.Self+2)%3, "rep:")
	if err := c.Write([]byte("CLIENT REPLY OFF\r\nSET " + remote + " 1\r\nMGET " + remote + " " + other + "\r\nCLIENT REPLY ON\r\n")); err != nil {
		t.Fatal(err)
	}
	if v, err := c.ReadValue(5 * time.Second); err != nil || v.Text() != "OK" {
		t.Fatalf("first reply after CLIENT REPLY OFF … ON: %q %v", v.Raw, err)
	}
	if err := c.Write([]byte("CLIENT REPLY SKIP\r\nGET " + remote + "\r\nGET " + remote + "\r\n")); err != nil {
		t.Fatal(err)
	}
	if v, err := c.ReadValue(5 * time.Second); err != nil || string(v.Str) != "1" {
		t.Fatalf("reply after CLIENT REPLY SKIP and a skipped relay: %q %v", v.Raw, err)
	}
}

// TestPeersAuthenticate: with requirepass set, nodes authenticate to each
// other with it, and clients relay after AUTH.
func TestPeersAuthenticate(t *testing.T) {
	old := config.GetParams([]string{"requirepass"})
	if err := config.SetParams([]string{"requirepass", "s3cret"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { config.SetParams(old) })
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	c := dial(t, nodes[0].addr)
	remote := keyOn(pl, (pl.Self+1)%3, "auth:")
	if v := do(t, c, "GET", remote); !strings.HasPrefix(v.Text(), "NOAUTH") {
		t.Fatalf("GET before AUTH: %q", v.Raw)
	}
	// The internal two-phase commands are no way around requirepass: a
	// connection cannot take the peers' connection name before AUTH, and
	// without it GOREDIS.TX is an unknown command; the key stays free.
	local := keyOn(pl, pl.Self, "auth:")
	for _, args := range [][]string{
		{"CLIENT", "SETNAME", relayName},
		{"HELLO", "3", "SETNAME", relayName},
		{"HELLO", "2", "AUTH", "default", "wrong", "SETNAME", relayName},
		{"GOREDIS.TX", "PREPARE", "x1", "60000", "-", local, "--", "SET", local, "stolen"},
		{"GOREDIS.TX", "COMMIT", "x1"},
	} {
		if v := do(t, c, args...); !v.IsError() {
			t.Fatalf("%q before AUTH: %q", args, v.Raw)
		}
	}
	do(t, c, "AUTH", "s3cret")
	if v := do(t, c, "CLIENT", "GETNAME"); v.Kind != client.KindNull && len(v.Str) != 0 {
		t.Fatalf("name taken before AUTH: %q", v.Raw)
	}
	if v := do(t, c, "SET", local, "mine"); v.Text() != "OK" {
		t.Fatalf("SET of a key a refused PREPARE named: %q", v.Raw)
	}
	if v := do(t, c, "GET", local); string(v.Str) != "mine" {
		t.Fatalf("GET %s: %q", local, v.Raw)
	}
	if v := do(t, c, "SET", remote, "1"); v.Text() != "OK" {
		t.Fatalf("relayed SET after AUTH: %q", v.Raw)
	}
	if v := do(t, c, "GET", remote); string(v.Str) != "1" {
		t.Fatalf("relayed GET: %q", v.Raw)
	}
}

// TestMembershipDisagreement: a node whose peer sees another membership
// logs it and reports cluster_state:fail.
func TestMembershipDisagreement(t *testing.T) {
	ports := freePorts(t, 3)
	addr := func(i int) string { return "127.0.0.1:" + strconv.Itoa(ports[i]) }
	start := func(self string, peers ...string) *Cluster {
		srv := database.NewServer()
		cl := New(srv, self, peers, 2*time.Second)
		_, port, _ := net.SplitHostPort(self)
		p, _ := strconv.Atoi(port)
		listen, optional := tcp.ListenAddrs([]string{"127.0.0.1"}, p)
		ts, err := tcp.Listen(listen, optional, handler.New(cl, srv))
		if err != nil {
			cl.Close()
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { ts.Serve(); close(done) }()
		t.Cleanup(func() { ts.Close(); <-done; cl.Close() })
		return cl
	}
	// A knows three nodes; B only itself and A; C all three.
	start(addr(0), addr(1), addr(2))
	start(addr(1), addr(0))
	start(addr(2), addr(0), addr(1))
	c := dial(t, addr(0))
	info := waitState(t, c, "fail")
	if !strings.Contains(info, "cluster_known_nodes:3") {
		t.Fatalf("CLUSTER INFO:\n%s", info)
	}
	if nodes := do(t, c, "CLUSTER", "NODES").Text(); !strings.Contains(nodes, "master,fail") {
		t.Fatalf("CLUSTER NODES does not show the disagreeing node:\n%s", nodes)
	}
}

// TestBrokenPeerConnectionIsDropped: a peer connection that breaks in the
// middle of a reply is discarded, and the next relay gets a fresh one
// with no stale bytes.
func TestBrokenPeerConnectionIsDropped(t *testing.T) {
	ports := freePorts(t, 2)
	self, fake := "127.0.0.1:"+strconv.Itoa(ports[0]), "127.0.0.1:"+strconv.Itoa(ports[1])
	l, err := net.Listen("tcp", fake)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	conns := make(chan int, 8)
	go func() {
		for n := 0; ; n++ {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			conns <- n
			go func(nc net.Conn, n int) {
				defer nc.Close()
				r := client.NewReader(nc)
				for {
					v, err := r.ReadValue()
					if err != nil {
						return
					}
					switch strings.ToUpper(string(v.Elems[0].Str)) {
					case "GET":
						if n == 0 {
							nc.Write([]byte("$10\r\nabc")) // half a reply, then gone
							return
						}
						nc.Write([]byte("$3\r\nxyz\r\n"))
					default: // the handshake, health checks
						nc.Write([]byte("+OK\r\n"))
					}
				}
			}(nc, n)
		}
	}()
	srv := database.NewServer()
	cl := New(srv, self, []string{fake}, 2*time.Second)
	defer cl.Close()
	listen, optional := tcp.ListenAddrs([]string{"127.0.0.1"}, ports[0])
	ts, err := tcp.Listen(listen, optional, handler.New(cl, srv))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { ts.Serve(); close(done) }()
	defer func() { ts.Close(); <-done }()
	pl := cl.Placement()
	var fakeIdx int
	for i, n := range pl.Nodes {
		if n.Addr == fake {
			fakeIdx = i
		}
	}
	key := keyOn(pl, fakeIdx, "far:")
	c := dial(t, self)
	if v := do(t, c, "GET", key); !v.IsError() {
		t.Fatalf("GET over a connection that broke mid-reply: %q", v.Raw)
	}
	if v := do(t, c, "GET", key); string(v.Str) != "xyz" {
		t.Fatalf("next GET: %q, want the fresh connection's reply", v.Raw)
	}
}
