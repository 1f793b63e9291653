package main

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/resp/client"
	"goredis/resp/client/redistest"
)

// lowFDLimit is the open files limit TestDescriptorExhaustion runs the
// server with.
const lowFDLimit = 64

// startLimited runs bin (this server or redis-server) through sh with the
// open files limit at lowFDLimit, on a free loopback port, and waits until
// it answers.
func startLimited(t *testing.T, bin string, extra ...string) *proc {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to lower the open files limit with")
	}
	return startOnFreePort(t, fmt.Sprintf("%s with ulimit -n %d", bin, lowFDLimit), func(port string) (string, []string) {
		return sh, append([]string{"-c", `ulimit -n ` + strconv.Itoa(lowFDLimit) + ` && exec "$0" "$@"`, bin,
			"--port", port, "--bind", "127.0.0.1"}, extra...)
	})
}

// pingAnswered sends PING on c and reports whether PONG comes before the
// server's log shows that it could not accept (or 10 s pass): a
// connection the server has not accepted is only in the kernel's backlog.
func pingAnswered(t *testing.T, p *proc, c *client.RawConn) bool {
	t.Helper()
	if err := c.WriteCommand("PING"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		v, err := c.ReadValue(20 * time.Millisecond)
		if err == nil {
			if v.Text() != "PONG" {
				t.Fatalf("PING = %q", v.Raw)
			}
			return true
		}
		if !isTimeout(err) {
			t.Fatalf("PING: %v", err)
		}
		if strings.Contains(p.log(), "too many open files") {
			return false
		}
	}
	t.Fatalf("PING unanswered for 10s and nothing logged about descriptors; output:\n%s", p.log())
	return false
}

// TestDescriptorExhaustion runs the binary with ulimit -n 64 and opens
// connections until the server runs out of descriptors: the failed accept
// is logged, the clients it has keep being served, the connections it
// could not take wait in the backlog, and once some clients leave the
// accept loop, which backed off, takes them and new ones.
//
// Redis 7.0 started this way lowers maxclients to the limit minus 32 and
// logs it (and refuses CONFIG SET maxclients above), so its clients past
// that get "max number of clients reached" instead. This server warns with
// Redis's first line but keeps maxclients: it can serve more clients with
// the same descriptors, and those beyond wait to be accepted rather than
// being turned away.
func TestDescriptorExhaustion(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	p := startLimited(t, buildBinary(t))
	const warning = "You requested maxclients of 10000 requiring at least 10032 max file descriptors."
	if !strings.Contains(p.log(), warning) {
		t.Errorf("log lacks %q:\n%s", warning, p.log())
	}
	if redistest.Available() {
		r := startLimited(t, redistest.Binary)
		if !strings.Contains(r.log(), warning) {
			t.Errorf("redis-server's log lacks %q:\n%s", warning, r.log())
		}
	}

	var served []*client.RawConn
	var waiting *client.RawConn
	for i := 0; i < 2*lowFDLimit && waiting == nil; i++ {
		c := dialRaw(t, p.addr) // the kernel completes the handshake
		if pingAnswered(t, p, c) {
			served = append(served, c)
		} else {
			waiting = c
		}
	}
	if waiting == nil {
		t.Fatalf("%d connections all served with ulimit -n %d", len(served), lowFDLimit)
	}
	// The server holds few descriptors of its own: nearly all of them
	// serve clients.
	if len(served) < lowFDLimit-16 {
		t.Errorf("only %d clients served with %d descriptors", len(served), lowFDLimit)
	}
	if log := p.log(); !strings.Contains(log, "Accepting client connection: ") {
		t.Errorf("the failed accept is not logged:\n%s", log)
	}
	// More clients wait behind it, their commands sent.
	more := []*client.RawConn{waiting}
	for i := 0; i < 3; i++ {
		c := dialRaw(t, p.addr)
		if err := c.WriteCommand("ECHO", strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		more = append(more, c)
	}
	// The clients it has are served meanwhile.
	for i, c := range []*client.RawConn{served[0], served[len(served)-1]} {
		k := "k" + strconv.Itoa(i)
		if v, err := c.Do(10*time.Second, "SET", k, "v"); err != nil || v.Text() != "OK" {
			t.Fatalf("SET while out of descriptors: %q, %v", v.Raw, err)
		}
		if v, err := c.Do(10*time.Second, "GET", k); err != nil || v.Text() != "v" {
			t.Fatalf("GET while out of descriptors: %q, %v", v.Raw, err)
		}
	}
	// Ten leave: the waiting ones are accepted and answered.
	for _, c := range served[1:11] {
		c.Close()
	}
	if v, err := waiting.ReadValue(10 * time.Second); err != nil || v.Text() != "PONG" {
		t.Fatalf("the first waiting client after others left: %q, %v", v.Raw, err)
	}
	for i, c := range more[1:] {
		if v, err := c.ReadValue(10 * time.Second); err != nil || v.Text() != strconv.Itoa(i) {
			t.Fatalf("waiting client %d after others left: %q, %v", i+1, v.Raw, err)
		}
	}
	// New clients are accepted at once again.
	for i := 0; i < 3; i++ {
		c := dialRaw(t, p.addr)
		if v, err := c.Do(10*time.Second, "PING"); err != nil || v.Text() != "PONG" {
			t.Fatalf("new client after the recovery: %q, %v", v.Raw, err)
		}
	}
	c := served[0]
	if v, err := c.Do(10*time.Second, "CONFIG", "GET", "maxclients"); err != nil || len(v.Elems) != 2 || v.Elems[1].Text() != "10000" {
		t.Errorf("CONFIG GET maxclients = %q, %v; want 10000 kept", v.Raw, err)
	}
	// The clients that left are gone from the server's count.
	want := "connected_clients:" + strconv.Itoa(len(served)-10+len(more)+3) + "\r\n"
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		v, err := c.Do(10*time.Second, "INFO", "clients")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(v.Text(), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("INFO clients after the recovery: %q, want %q", v.Text(), want)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(interface{ Timeout() bool })
	return ok && ne.Timeout()
}
