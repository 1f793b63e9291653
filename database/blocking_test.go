package database

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"goredis/resp/client"
)

// blockSend sends a command whose reply is read later.
func blockSend(t *testing.T, c *client.RawConn, args ...string) {
	t.Helper()
	if err := c.WriteCommand(args...); err != nil {
		t.Fatal(err)
	}
}

// blockReply reads the reply of a command sent earlier.
func blockReply(t *testing.T, c *client.RawConn, what string) string {
	t.Helper()
	v, err := c.ReadValue(5 * time.Second)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return string(v.Raw)
}

// blockWaitBlocked waits until INFO reports n blocked clients.
func blockWaitBlocked(t *testing.T, c *client.RawConn, n int) {
	t.Helper()
	want := "blocked_clients:" + itoaTest(n) + "\r\n"
	deadline := time.Now().Add(5 * time.Second)
	for {
		info := adminRaw(t, c, "INFO", "clients")
		if strings.Contains(info, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %q in %q", want, info)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func itoaTest(n int) string {
	return strings.TrimSpace(strings.TrimPrefix(string(appendIntTest(nil, n)), "+"))
}

func appendIntTest(b []byte, n int) []byte {
	if n >= 10 {
		b = appendIntTest(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func TestBlockingFIFO(t *testing.T) {
	_, addr := adminServer(t)
	ctl := adminDial(t, addr)
	var cs []*client.RawConn
	for i := 0; i < 3; i++ {
		c := adminDial(t, addr)
		cs = append(cs, c)
		blockSend(t, c, "BLPOP", "q", "0")
		blockWaitBlocked(t, ctl, i+1) // queue order = arrival order
	}
	if got := adminRaw(t, ctl, "RPUSH", "q", "a", "b", "c"); got != ":3\r\n" {
		t.Fatalf("RPUSH: %q", got)
	}
	for i, want := range []string{"a", "b", "c"} {
		got := blockReply(t, cs[i], "BLPOP")
		if got != "*2\r\n$1\r\nq\r\n$1\r\n"+want+"\r\n" {
			t.Fatalf("client %d: %q, want %s", i, got, want)
		}
	}
	blockWaitBlocked(t, ctl, 0)
	if got := adminRaw(t, ctl, "EXISTS", "q"); got != ":0\r\n" {
		t.Fatalf("EXISTS: %q", got)
	}
}

func TestBlockingOneElementTwoClients(t *testing.T) {
	_, addr := adminServer(t)
	ctl := adminDial(t, addr)
	a, b := adminDial(t, addr), adminDial(t, addr)
	blockSend(t, a, "BRPOP", "k1", "k2", "0")
	blockWaitBlocked(t, ctl, 1)
	blockSend(t, b, "BRPOP", "k2", "0")
	blockWaitBlocked(t, ctl, 2)
	adminRaw(t, ctl, "LPUSH", "k2", "x")
	if got := blockReply(t, a, "a"); got != "*2\r\n$2\r\nk2\r\n$1\r\nx\r\n" {
		t.Fatalf("a: %q", got)
	}
	adminNoReply(t, b, 100*time.Millisecond, "b while the list is empty")
	adminRaw(t, ctl, "RPUSH", "k2", "y")
	if got := blockReply(t, b, "b"); got != "*2\r\n$2\r\nk2\r\n$1\r\ny\r\n" {
		t.Fatalf("b: %q", got)
	}
}

func TestBlockingTimeout(t *testing.T) {
	_, addr := adminServer(t)
	c := adminDial(t, addr)
	start := time.Now()
	if got := adminRaw(t, c, "BLPOP", "none", "0.2"); got != "*-1\r\n" {
		t.Fatalf("BLPOP: %q", got)
	}
	if d := time.Since(start); d < 190*time.Millisecond || d > 3*time.Second {
		t.Fatalf("timeout after %v", d)
	}
	if got := adminRaw(t, c, "BLMOVE", "none", "d", "LEFT", "LEFT", "0.05"); got != "*-1\r\n" {
		t.Fatalf("BLMOVE: %q", got)
	}
	if got := adminRaw(t, c, "INFO", "clients"); !strings.Contains(got, "blocked_clients:0\r\n") || !strings.Contains(got, "clients_in_timeout_table:0\r\n") {
		t.Fatalf("INFO after timeouts: %q", got)
	}
}

func TestBlockingWakeByLMove(t *testing.T) {
	_, addr := adminServer(t)
	ctl := adminDial(t, addr)
	c := adminDial(t, addr)
	blockSend(t, c, "BLMOVE", "dst", "out", "RIGHT", "LEFT", "0")
	blockWaitBlocked(t, ctl, 1)
	adminRaw(t, ctl, "RPUSH", "src", "v")
	adminRaw(t, ctl, "LMOVE", "src", "dst", "LEFT", "LEFT")
	if got := blockReply(t, c, "BLMOVE"); got != "$1\r\nv\r\n" {
		t.Fatalf("BLMOVE: %q", got)
	}
	if got := adminRaw(t, ctl, "LRANGE", "out", "0", "-1"); got != "*1\r\n$1\r\nv\r\n" {
		t.Fatalf("out: %q", got)
	}
}

func TestBlockingDisconnect(t *testing.T) {
	_, addr := adminServer(t)
	ctl := adminDial(t, addr)
	// Start what the server starts lazily (INFO, slow commands).
	adminRaw(t, ctl, "BLPOP", "warm", "0.01")
	blockWaitBlocked(t, ctl, 0)
	before := runtime.NumGoroutine()
	gone := adminDial(t, addr)
	blockSend(t, gone, "BLPOP", "k", "0")
	stay := adminDial(t, addr)
	blockSend(t, stay, "BLPOP", "k", "0")
	blockWaitBlocked(t, ctl, 2)
	gone.Close()
	blockWaitBlocked(t, ctl, 1)
	adminRaw(t, ctl, "RPUSH", "k", "only")
	if got := blockReply(t, stay, "stay"); got != "*2\r\n$1\r\nk\r\n$4\r\nonly\r\n" {
		t.Fatalf("the client still connected got %q", got)
	}
	stay.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines, %d before the blocked clients:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestBlockingClientUnblock(t *testing.T) {
	srv, addr := adminServer(t)
	ctl := adminDial(t, addr)
	c := adminDial(t, addr)
	id := clientID(t, c)
	blockSend(t, c, "BRPOPLPUSH", "k", "d", "0")
	blockWaitBlocked(t, ctl, 1)
	if !srv.clientBlocked(mustAtoi(t, id)) || srv.clientBlocked(mustAtoi(t, clientID(t, ctl))) {
		t.Fatal("clientBlocked")
	}
	if !srv.unblockClient(mustAtoi(t, id), false) {
		t.Fatal("unblockClient: not blocked")
	}
	if srv.unblockClient(mustAtoi(t, id), false) {
		t.Fatal("unblockClient twice")
	}
	if got := blockReply(t, c, "unblocked"); got != "*-1\r\n" {
		t.Fatalf("TIMEOUT: %q", got)
	}
	blockSend(t, c, "BLMPOP", "0", "1", "k", "LEFT")
	blockWaitBlocked(t, ctl, 1)
	srv.unblockClient(mustAtoi(t, id), true)
	if got := blockReply(t, c, "unblocked"); got != "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" {
		t.Fatalf("ERROR: %q", got)
	}
	// blockingClientGone releases a waiter too.
	blockSend(t, c, "BLPOP", "k", "0")
	blockWaitBlocked(t, ctl, 1)
	srv.clients.mu.Lock()
	conn := srv.clients.m[mustAtoi(t, id)]
	srv.clients.mu.Unlock()
	srv.blockingClientGone(conn)
	blockReply(t, c, "gone")
	blockWaitBlocked(t, ctl, 0)
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int64(ch-'0')
	}
	return n
}

func TestBlockTimeoutParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"0", 0, ""},
		{"1", time.Second, ""},
		{"0.0001", time.Millisecond, ""},
		{"-0.0001", 0, ""},
		{"1.5", 1500 * time.Millisecond, ""},
		{"0x10", 16 * time.Second, ""},
		{"-1", 0, "timeout is negative"},
		{"1e100", 0, "timeout is negative"},
		{"inf", 0, "timeout is negative"},
		{"9223372036854775808", 0, "timeout is negative"},
		{"x", 0, "not a float"},
		{"nan", 0, "not a float"},
		{" 1", 0, "not a float"},
		{"", 0, "not a float"},
	} {
		d, errR := blockTimeout([]byte(tc.in))
		if tc.err != "" {
			if errR == nil || !strings.Contains(string(errR.AppendTo(nil, false)), tc.err) {
				t.Errorf("%q: got %v, %v; want error %q", tc.in, d, errR, tc.err)
			}
			continue
		}
		if errR != nil || d != tc.want {
			t.Errorf("%q: got %v, %v; want %v", tc.in, d, errR, tc.want)
		}
	}
}

// TestBlockingStress: consumers blocked on two keys and producers pushing
// concurrently; every element is delivered exactly once.
func TestBlockingStress(t *testing.T) {
	_, addr := adminServer(t)
	const consumers, producers, perProducer = 8, 4, 250
	got := make(chan string, producers*perProducer)
	errs := make(chan error, consumers+producers)
	for i := 0; i < consumers; i++ {
		c := adminDial(t, addr)
		go func() {
			for {
				v, err := c.Do(10*time.Second, "BLPOP", "s1", "s2", "0.5")
				if err != nil {
					errs <- err
					return
				}
				if v.Kind != client.KindArray || len(v.Elems) != 2 {
					errs <- nil // timed out: nothing left
					return
				}
				got <- string(v.Elems[1].Raw)
			}
		}()
	}
	for p := 0; p < producers; p++ {
		c := adminDial(t, addr)
		go func() {
			for i := 0; i < perProducer; i++ {
				key := "s1"
				if i%2 == 1 {
					key = "s2"
				}
				if _, err := c.Do(5*time.Second, "RPUSH", key, itoaTest(p)+"-"+itoaTest(i)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < consumers+producers; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(got)
	seen := map[string]bool{}
	for v := range got {
		if seen[v] {
			t.Fatalf("%q delivered twice", v)
		}
		seen[v] = true
	}
	if len(seen) != producers*perProducer {
		t.Fatalf("%d of %d elements delivered", len(seen), producers*perProducer)
	}
}
