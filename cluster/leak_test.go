package cluster

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/resp/client"
	"goredis/resp/client/redistest"
)

// TestDeadPeerRelaysLeaveNothing: 10,000 relays of every kind to a
// stopped node (plain relays one at a time and pipelined, scatter-gather
// MGET, two-phase MSET, blocking pops over the client's own connection,
// clients that relay and leave) each get the error naming the node, and
// leave the descriptors and goroutines where they were after a warm-up
// round of the same (pools and health checks that are started once).
// No tolerance: NumGoroutine does not count the runtime's own goroutines,
// and every goroutine a relay starts ends with it.
func TestDeadPeerRelaysLeaveNothing(t *testing.T) {
	if redistest.OpenFDs() < 0 {
		t.Skip("no /proc/self/fd to count descriptors")
	}
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	dead := nodes[2]
	deadIdx, liveIdx := -1, -1
	for i, n := range pl.Nodes {
		switch n.Addr {
		case dead.addr:
			deadIdx = i
		case nodes[1].addr:
			liveIdx = i
		}
	}
	dead.stop()
	remote := keyOn(pl, deadIdx, "gone:")
	live := keyOn(pl, liveIdx, "here:")
	c := dial(t, nodes[0].addr)
	if v := do(t, c, "SET", live, "1"); v.Text() != "OK" {
		t.Fatalf("SET on a live node: %q", v.Raw)
	}
	unreachable := func(v client.Value) bool {
		return v.IsError() && strings.HasPrefix(v.Text(), "CLUSTERDOWN node "+dead.addr+" is unreachable")
	}

	// One round is 10 relays to the dead node.
	round := func(i int) error {
		check := func(what string, v client.Value, err error) error {
			if err != nil {
				return fmt.Errorf("round %d, %s: %v", i, what, err)
			}
			if !unreachable(v) {
				return fmt.Errorf("round %d, %s: %q", i, what, v.Raw)
			}
			return nil
		}
		switch i % 5 {
		case 0: // one at a time
			for j := 0; j < 10; j++ {
				v, err := c.Do(10*time.Second, "GET", remote)
				if err := check("GET", v, err); err != nil {
					return err
				}
			}
		case 1: // pipelined: the relays travel together
			var b []byte
			for j := 0; j < 10; j++ {
				b = client.AppendCommandStrings(b, "GET", remote)
			}
			if err := c.Write(b); err != nil {
				return err
			}
			for j := 0; j < 10; j++ {
				v, err := c.ReadValue(10 * time.Second)
				if err := check("pipelined GET", v, err); err != nil {
					return err
				}
			}
		case 2: // scatter-gather and two phases
			for j := 0; j < 5; j++ {
				v, err := c.Do(10*time.Second, "MGET", live, remote)
				if err := check("MGET", v, err); err != nil {
					return err
				}
				v, err = c.Do(10*time.Second, "MSET", live, "1", remote, "2")
				if err := check("MSET", v, err); err != nil {
					return err
				}
			}
		case 3: // blocking: the client's own connection to the node
			for j := 0; j < 10; j++ {
				v, err := c.Do(10*time.Second, "BLPOP", remote, "1")
				if err := check("BLPOP", v, err); err != nil {
					return err
				}
			}
		case 4: // clients that relay and leave
			for j := 0; j < 10; j++ {
				o, err := client.DialRaw(nodes[0].addr)
				if err != nil {
					return err
				}
				v, err := o.Do(10*time.Second, "GET", remote)
				o.Close()
				if err := check("GET on a new connection", v, err); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// Warm-up: every kind of round, for long enough that each node's
	// health checks (once a second) have run and opened their pooled
	// connections to the live peers.
	start := time.Now()
	for i := 0; i < 5 || time.Since(start) < 2500*time.Millisecond; i++ {
		if err := round(i); err != nil {
			t.Fatal(err)
		}
	}
	base := redistest.Settled()

	const relays = 10000
	for i := 0; i < relays/10; i++ {
		if err := round(i); err != nil {
			t.Fatal(err)
		}
	}
	redistest.BackTo(t, base, fmt.Sprintf("after %d relays to a dead node", relays))
	// The live node's key was never touched by the failed MSETs.
	if v := do(t, c, "GET", live); v.Text() != "1" {
		t.Errorf("GET %s = %q after failed two-phase MSETs", live, v.Raw)
	}
}

// TestBlockedRelayGetsEarlierReplies: a pipeline whose last command is a
// blocking pop relayed to another node gets the replies of the commands
// before it while the pop waits, as from one Redis server (where a client
// about to block is sent its pending replies); the pop's reply and what
// follows come once it is served.
func TestBlockedRelayGetsEarlierReplies(t *testing.T) {
	nodes := startCluster(t, 3)
	pl := nodes[0].cl.Placement()
	for owner := 0; owner < len(pl.Nodes); owner++ {
		q := keyOn(pl, owner, "wait:")
		c := dial(t, nodes[0].addr)
		var b []byte
		b = client.AppendCommandStrings(b, "ECHO", "a")
		b = client.AppendCommandStrings(b, "GET", keyOn(pl, (owner+1)%len(pl.Nodes), "k:")) // a relay or not
		b = client.AppendCommandStrings(b, "BLPOP", q, "0")
		b = client.AppendCommandStrings(b, "ECHO", "b")
		if err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"$1\r\na\r\n", "$-1\r\n"} {
			if v, err := c.ReadValue(5 * time.Second); err != nil || string(v.Raw) != want {
				t.Fatalf("key on node %d: before the BLPOP is served: %q, %v; want %q", owner, v.Raw, err, want)
			}
		}
		do(t, dial(t, nodes[1].addr), "RPUSH", q, "x")
		for _, want := range []string{"*2\r\n$" + strconv.Itoa(len(q)) + "\r\n" + q + "\r\n$1\r\nx\r\n", "$1\r\nb\r\n"} {
			if v, err := c.ReadValue(5 * time.Second); err != nil || string(v.Raw) != want {
				t.Fatalf("key on node %d: after RPUSH: %q, %v; want %q", owner, v.Raw, err, want)
			}
		}
	}
}
