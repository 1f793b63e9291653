//go:build unix

// Hostile and broken clients against an in-process server: connections
// that vanish mid-frame or with a reset, slow loris writers, idle clients
// up to maxclients, pipelines that never read their replies. Each test
// counts the process's descriptors and goroutines before and after, so a
// connection that leaves anything behind fails it.
package database_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"goredis/config"
	"goredis/resp/client"
	"goredis/resp/client/redistest"
)

// baseline waits for the goroutines of earlier tests and warm-ups to end
// (the count stops falling) and returns what the process holds then.
func baseline(t *testing.T) redistest.Footprint {
	t.Helper()
	if redistest.OpenFDs() < 0 {
		t.Skip("no /proc/self/fd to count descriptors")
	}
	return redistest.Settled()
}

// warmUp starts what a server starts once and keeps until it stops (the
// goroutine behind INFO's and CLIENT's figures), so that it is in the
// baseline rather than counted as a leak.
func warmUp(t *testing.T, c *client.RawConn) {
	t.Helper()
	redistest.Do(t, c, "INFO")
	redistest.Do(t, c, "CLIENT", "LIST")
}

// infoField reads one field of INFO's output.
func infoField(t *testing.T, c *client.RawConn, section, field string) string {
	t.Helper()
	for _, line := range strings.Split(redistest.Do(t, c, "INFO", section).Text(), "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return ""
}

// waitConnected waits until INFO shows n connected clients and CLIENT
// LIST n lines.
func waitConnected(t *testing.T, c *client.RawConn, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		clients := infoField(t, c, "clients", "connected_clients")
		lines := strings.Count(redistest.Do(t, c, "CLIENT", "LIST").Text(), "\n")
		if clients == strconv.Itoa(n) && lines == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("connected_clients:%s and %d CLIENT LIST lines, want %d", clients, lines, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// withConfig sets config parameters for the rest of the test.
func withConfig(t *testing.T, args ...string) {
	t.Helper()
	var old []string
	for i := 0; i < len(args); i += 2 {
		prev := config.GetParams([]string{args[i]})
		if len(prev) != 2 {
			t.Fatalf("CONFIG GET %s: %q", args[i], prev)
		}
		old = append(old, prev...)
	}
	if err := config.SetParams(args); err != nil {
		t.Fatalf("CONFIG SET %q: %v", args, err)
	}
	t.Cleanup(func() {
		if err := config.SetParams(old); err != nil {
			t.Errorf("restoring %q: %v", old, err)
		}
	})
}

// The ways a client leaves in TestConnectCloseLeavesNothing.
var hostileExits = []struct {
	name string
	run  func(c net.Conn) error
}{
	{"connect and close", func(c net.Conn) error { return nil }},
	{"half-sent frame", func(c net.Conn) error {
		_, err := io.WriteString(c, "*3\r\n$3\r\nSET\r\n$1\r\n")
		return err
	}},
	{"reset", func(c net.Conn) error {
		if _, err := io.WriteString(c, "*1\r\n$4\r\nPING\r\n"); err != nil {
			return err
		}
		if err := expectReply(c, "+PONG\r\n"); err != nil {
			return err
		}
		return c.(*net.TCPConn).SetLinger(0) // Close sends RST
	}},
	{"reset mid-frame", func(c net.Conn) error {
		if _, err := io.WriteString(c, "*2\r\n$4\r\nECHO\r\n$100\r\nabc"); err != nil {
			return err
		}
		return c.(*net.TCPConn).SetLinger(0)
	}},
	{"big replies unread", func(c net.Conn) error {
		// Four 256 KB replies: more than the socket buffers take, so
		// the server is blocked writing when the client goes.
		_, err := c.Write(bytes.Repeat([]byte("*2\r\n$3\r\nGET\r\n$4\r\nbig1\r\n"), 4))
		return err
	}},
	{"subscribed", func(c net.Conn) error {
		if _, err := io.WriteString(c, "*3\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n$3\r\nch2\r\n*2\r\n$10\r\nPSUBSCRIBE\r\n$2\r\np*\r\n"); err != nil {
			return err
		}
		return expectReply(c, "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$3\r\nch2\r\n:2\r\n*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n")
	}},
	{"blocked in BLPOP", func(c net.Conn) error {
		// Both commands come in one read: the PING's reply is sent when
		// BLPOP starts to wait.
		_, err := io.WriteString(c, "*1\r\n$4\r\nPING\r\n*3\r\n$5\r\nBLPOP\r\n$5\r\nempty\r\n$1\r\n0\r\n")
		if err != nil {
			return err
		}
		return expectReply(c, "+PONG\r\n")
	}},
	{"in MULTI", func(c net.Conn) error {
		if _, err := io.WriteString(c, "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"); err != nil {
			return err
		}
		return expectReply(c, "+OK\r\n+QUEUED\r\n")
	}},
	{"WATCH and pipeline cut", func(c net.Conn) error {
		_, err := io.WriteString(c, "*2\r\n$5\r\nWATCH\r\n$1\r\nk\r\n*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r")
		return err
	}},
}

// expectReply reads exactly want from c.
func expectReply(c net.Conn, want string) error {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("reading %q: %v (got %q)", want, err, got)
	}
	if string(got) != want {
		return fmt.Errorf("read %q, want %q", got, want)
	}
	return nil
}

// TestConnectCloseLeavesNothing: 3000 clients that leave in every way a
// client can (closed at once, mid-frame, with a reset, with replies
// unread, subscribed, blocked, in a transaction) leave no descriptor,
// goroutine or client entry behind.
func TestConnectCloseLeavesNothing(t *testing.T) {
	addr := startOurs(t)
	admin := redistest.DialRaw(t, addr)
	redistest.Do(t, admin, "SET", "big1", strings.Repeat("b", 256<<10))
	// runExits runs rounds clients, taking the ways to leave in turn, on
	// workers connections at a time.
	runExits := func(rounds, workers int) error {
		errs := make(chan error, workers)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < rounds; i += workers {
					exit := hostileExits[i%len(hostileExits)]
					c, err := net.DialTimeout("tcp", addr, 10*time.Second)
					if err != nil {
						errs <- fmt.Errorf("cycle %d: %v", i, err)
						return
					}
					err = exit.run(c)
					c.Close()
					if err != nil {
						errs <- fmt.Errorf("cycle %d (%s): %v", i, exit.name, err)
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	// One round of each kind first, so whatever the server starts once
	// and keeps (registries, the admin goroutine) is in the baseline.
	if err := runExits(len(hostileExits), 1); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, admin, 1)
	warmUp(t, admin)
	base := baseline(t)

	const cycles = 3000
	if err := runExits(cycles, 4); err != nil {
		t.Fatal(err)
	}
	redistest.BackTo(t, base, fmt.Sprintf("after %d connect/close cycles", cycles))
	waitConnected(t, admin, 1)
	// Nothing of the clients that left is still registered.
	if got := infoField(t, admin, "clients", "blocked_clients"); got != "0" {
		t.Errorf("blocked_clients:%s after the blocked clients left", got)
	}
	if got := infoField(t, admin, "stats", "pubsub_channels"); got != "0" {
		t.Errorf("pubsub_channels:%s after the subscribers left", got)
	}
	if got := infoField(t, admin, "stats", "pubsub_patterns"); got != "0" {
		t.Errorf("pubsub_patterns:%s after the subscribers left", got)
	}
	// The key the cut transactions watched and queued was never written.
	if v := redistest.Do(t, admin, "EXISTS", "k"); v.Int != 0 {
		t.Errorf("EXISTS k = %d: a transaction cut before EXEC ran", v.Int)
	}
	if v := redistest.Do(t, admin, "PING"); v.Text() != "PONG" {
		t.Errorf("PING after the cycles: %q", v.Raw)
	}
}

// TestSlowLorisBlocksNoOne: clients that send a command one byte at a
// time hold up no one. Twenty of them trickle a SET frame; meanwhile
// another client runs 2,000 commands to completion. Only then are the
// frames' last bytes sent, and every SET is answered and applied.
func TestSlowLorisBlocksNoOne(t *testing.T) {
	addr := startOurs(t)
	admin := redistest.DialRaw(t, addr)
	warmUp(t, admin)
	base := baseline(t)

	const lorises, fastCommands = 20, 2000
	frames := make([][]byte, lorises)
	for i := range frames {
		frames[i] = client.AppendCommandStrings(nil, "SET", "loris:"+strconv.Itoa(i), strings.Repeat(strconv.Itoa(i%10), 200))
	}
	started := make(chan struct{}, lorises) // a loris sent its first byte
	release := make(chan struct{})          // send the last bytes
	releaseOnce := sync.OnceFunc(func() { close(release) })
	defer releaseOnce() // a failing test does not leave the lorises waiting
	results := make(chan error, lorises)
	for i := 0; i < lorises; i++ {
		go func(i int) {
			results <- func() error {
				c, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err != nil {
					started <- struct{}{}
					return err
				}
				defer c.Close()
				f := frames[i]
				for j := 0; j < len(f)-1; j++ {
					if _, err := c.Write(f[j : j+1]); err != nil {
						if j == 0 {
							started <- struct{}{}
						}
						return fmt.Errorf("loris %d byte %d: %v", i, j, err)
					}
					if j == 0 {
						started <- struct{}{}
					}
					time.Sleep(time.Millisecond)
				}
				<-release
				if _, err := c.Write(f[len(f)-1:]); err != nil {
					return fmt.Errorf("loris %d last byte: %v", i, err)
				}
				return expectReply(c, "+OK\r\n")
			}()
		}(i)
	}
	for i := 0; i < lorises; i++ {
		<-started
	}
	// Every loris is connected and mid-frame: the fast client runs.
	fast := redistest.DialRaw(t, addr)
	for i := 0; i < fastCommands; i++ {
		key := "fast:" + strconv.Itoa(i%50)
		if v := redistest.Do(t, fast, "INCR", key); v.Kind != client.KindInt {
			t.Fatalf("INCR %s: %q", key, v.Raw)
		}
	}
	// The fast client finished before any loris frame was complete: none
	// of their keys exists yet.
	if v := redistest.Do(t, fast, lorisKeys(lorises)...); v.Int != 0 {
		t.Fatalf("%d loris keys exist before their frames' last bytes were sent", v.Int)
	}
	if v := redistest.Do(t, fast, "GET", "fast:0"); v.Text() != strconv.Itoa(fastCommands/50) {
		t.Fatalf("GET fast:0 = %q, want %d", v.Raw, fastCommands/50)
	}
	releaseOnce()
	for i := 0; i < lorises; i++ {
		if err := <-results; err != nil {
			t.Error(err)
		}
	}
	for i := 0; i < lorises; i++ {
		want := strings.Repeat(strconv.Itoa(i%10), 200)
		if v := redistest.Do(t, fast, "GET", "loris:"+strconv.Itoa(i)); v.Text() != want {
			t.Errorf("GET loris:%d = %q", i, v.Raw)
		}
	}
	fast.Close()
	redistest.BackTo(t, base, "after the slow loris clients left")
	waitConnected(t, admin, 1)
}

// lorisKeys is EXISTS of every loris key.
func lorisKeys(n int) []string {
	keys := []string{"EXISTS"}
	for i := 0; i < n; i++ {
		keys = append(keys, "loris:"+strconv.Itoa(i))
	}
	return keys
}

// TestMaxClients: with maxclients N, N idle clients are served, the next
// one reads exactly Redis's error and is closed, and a freed place is
// taken again; the same steps against redis-server give the same
// transcript.
func TestMaxClients(t *testing.T) {
	const n = 4
	withConfig(t, "maxclients", strconv.Itoa(n))
	addr := startOurs(t)
	probe := redistest.DialRaw(t, addr)
	warmUp(t, probe)
	probe.Close()
	base := baseline(t)
	ours := maxClientsTranscript(t, addr, n)
	want := []string{
		"4 clients served",
		"client 5 read \"-ERR max number of clients reached\\r\\n\" and was closed",
		"rejected_connections:1",
		"a freed place is taken: +PONG",
		"CLIENT LIST: 4 clients",
	}
	if strings.Join(ours, "\n") != strings.Join(want, "\n") {
		t.Errorf("our server:\n%s\nwant:\n%s", strings.Join(ours, "\n"), strings.Join(want, "\n"))
	}
	redistest.BackTo(t, base, "after the maxclients steps")
	if redistest.Available() {
		redis := maxClientsTranscript(t, redistest.Start(t, "--maxclients", strconv.Itoa(n)).Addr, n)
		if strings.Join(ours, "\n") != strings.Join(redis, "\n") {
			t.Errorf("our server:\n%s\nredis-server:\n%s", strings.Join(ours, "\n"), strings.Join(redis, "\n"))
		}
	}
}

// maxClientsTranscript fills a server with maxclients n and tells what
// happened.
func maxClientsTranscript(t *testing.T, addr string, n int) []string {
	t.Helper()
	var out []string
	conns := make([]*client.RawConn, n)
	for i := range conns {
		// The previous client may still be counted for a moment after its
		// close (the server notices it asynchronously): retry.
		for attempt := 0; ; attempt++ {
			c := redistest.DialRaw(t, addr)
			v, err := c.Do(10*time.Second, "PING")
			if err == nil && v.Text() == "PONG" {
				conns[i] = c
				break
			}
			c.Close()
			if attempt == 100 {
				t.Fatalf("client %d: PING = %q, %v", i+1, v.Raw, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	out = append(out, fmt.Sprintf("%d clients served", n))
	extra := redistest.DialRaw(t, addr)
	_ = extra.Conn().SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(extra.Conn())
	closed := "was closed"
	if err != nil && !strings.Contains(err.Error(), "reset") {
		closed = "then: " + err.Error()
	}
	out = append(out, fmt.Sprintf("client %d read %q and %s", n+1, b, closed))
	out = append(out, "rejected_connections:"+infoField(t, conns[0], "stats", "rejected_connections"))
	conns[n-1].Close()
	for attempt := 0; ; attempt++ {
		c := redistest.DialRaw(t, addr)
		v, err := c.Do(10*time.Second, "PING")
		if err == nil && v.Text() == "PONG" {
			out = append(out, "a freed place is taken: "+strings.TrimSpace(string(v.Raw)))
			conns[n-1] = c
			break
		}
		c.Close()
		if attempt == 100 {
			out = append(out, fmt.Sprintf("a freed place is not taken: %q, %v", v.Raw, err))
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	out = append(out, fmt.Sprintf("CLIENT LIST: %d clients", strings.Count(redistest.Do(t, conns[0], "CLIENT", "LIST").Text(), "\n")))
	for _, c := range conns {
		c.Close()
	}
	extra.Close()
	return out
}

// TestClientKillFilters covers what TestClientKill leaves out: TYPE
// pubsub (RESP2 and RESP3 subscribers), master and replica, SKIPME yes,
// LADDR, a repeated filter, USER killing every other client, the old
// form killing the caller, SKIPME no killing everyone, the errors, and
// CLIENT NO-EVICT; the transcript is compared with redis-server's.
func TestClientKillFilters(t *testing.T) {
	ours := killTranscript(t, startOurs(t))
	want := strings.Join([]string{
		"KILL TYPE pubsub -> :2 | sub closed | sub3 closed | b alive",
		"KILL TYPE master -> :0",
		"KILL TYPE replica -> :0",
		"KILL TYPE slave -> :0",
		"KILL ADDR <admin> -> :0",
		"KILL ADDR <admin> SKIPME yes -> :0",
		"KILL ADDR <admin> SKIPME YES TYPE normal -> :0",
		"KILL LADDR 127.0.0.1:1 -> :0",
		"KILL LADDR <b laddr> TYPE Normal -> :1 | b closed | admin alive",
		"KILL ID <c> ID <d> -> :1 | c alive | d closed",
		"KILL USER default -> :1 | c closed | admin alive",
		"KILL 127.0.0.1:1 -> -ERR No such client",
		"(e) KILL <e> -> +OK | e closed",
		"(f) KILL ID <f> SKIPME no -> :1 | f closed",
		"KILL ADDR <g> ID <h> -> :0 | g alive | h alive",
		"KILL TYPE normal SKIPME no -> :3 | admin closed | g closed | h closed",
		"CLIENT KILL -> -ERR wrong number of arguments for 'client|kill' command",
		"CLIENT KILL ID -> -ERR No such client",
		"CLIENT KILL ID 1 TYPE -> -ERR syntax error",
		"CLIENT KILL id -1 -> -ERR client-id should be greater than 0",
		"CLIENT KILL ID 9223372036854775808 -> -ERR client-id should be greater than 0",
		"CLIENT KILL TYPE pubsub ADDR -> -ERR syntax error",
		"CLIENT KILL TYPE nope ADDR x -> -ERR Unknown client type 'nope'",
		"CLIENT KILL ADDR x TYPE nope -> -ERR Unknown client type 'nope'",
		"CLIENT KILL SKIPME 1 ID 1 -> -ERR syntax error",
		"CLIENT KILL USER nobody ID 0 -> -ERR No such user 'nobody'",
		"CLIENT KILL FOO bar -> -ERR syntax error",
		"CLIENT NO-EVICT on -> +OK",
		"CLIENT INFO flags -> e",
		"CLIENT NO-EVICT OFF -> +OK",
		"CLIENT INFO flags -> N",
		"CLIENT NO-EVICT yes -> -ERR syntax error",
		"CLIENT NO-EVICT -> -ERR wrong number of arguments for 'client|no-evict' command",
		"CLIENT NO-EVICT on off -> -ERR wrong number of arguments for 'client|no-evict' command",
	}, "\n")
	checkTranscript(t, ours, want, killTranscript)
}

// checkTranscript compares our server's transcript with want and, when
// redis-server is installed, with the one run makes against it.
func checkTranscript(t *testing.T, ours []string, want string, run func(*testing.T, string) []string) {
	t.Helper()
	if got := strings.Join(ours, "\n"); got != want {
		t.Errorf("our server:\n%s\nwant:\n%s", got, want)
	}
	if redistest.Available() {
		redis := run(t, redistest.Start(t).Addr)
		if got, r := strings.Join(ours, "\n"), strings.Join(redis, "\n"); got != r {
			t.Errorf("our server:\n%s\nredis-server:\n%s", got, r)
		}
	}
}

// killTranscript runs the CLIENT KILL steps on the server at addr and
// tells what each did, with addresses and ids replaced by names.
func killTranscript(t *testing.T, addr string) []string {
	t.Helper()
	var out []string
	conns := map[string]*client.RawConn{}
	dialNamed := func(name string, setup ...[]string) {
		c := redistest.DialRaw(t, addr)
		redistest.Do(t, c, "PING")
		for _, cmd := range setup {
			redistest.Do(t, c, cmd...)
		}
		conns[name] = c
	}
	subst := func(args []string) []string {
		var real []string
		for _, a := range args {
			if name, ok := strings.CutPrefix(a, "<"); ok {
				name = strings.TrimSuffix(name, ">")
				if n, ok := strings.CutSuffix(name, " laddr"); ok {
					a = conns[n].Conn().RemoteAddr().String()
				} else if len(real) > 0 && strings.EqualFold(real[len(real)-1], "ID") {
					a = clientIDOf(t, conns[name])
				} else {
					a = conns[name].Conn().LocalAddr().String()
				}
			}
			real = append(real, a)
		}
		return real
	}
	// state tells whether each named connection was closed or still
	// answers.
	state := func(names ...string) string {
		var s string
		for _, n := range names {
			v, err := conns[n].Do(10*time.Second, "PING")
			switch {
			case err == nil && v.Text() == "PONG":
				s += " | " + n + " alive"
			case err != nil && !isTimeout(err):
				s += " | " + n + " closed"
				delete(conns, n)
			default:
				s += fmt.Sprintf(" | %s: PING %q %v", n, v.Raw, err)
			}
		}
		return s
	}
	kill := func(by string, args []string, watch ...string) {
		v := redistest.Do(t, conns[by], append([]string{"CLIENT", "KILL"}, subst(args)...)...)
		line := "KILL " + strings.Join(args, " ") + " -> " + strings.TrimSuffix(string(v.Raw), "\r\n")
		if by != "admin" {
			line = "(" + by + ") " + line
		}
		out = append(out, line+state(watch...))
	}

	dialNamed("admin")
	dialNamed("b")
	dialNamed("sub")
	redistest.Do(t, conns["sub"], "SUBSCRIBE", "ch")
	dialNamed("sub3", []string{"HELLO", "3"}, []string{"SUBSCRIBE", "ch"})
	kill("admin", []string{"TYPE", "pubsub"}, "sub", "sub3", "b")
	for _, typ := range []string{"master", "replica", "slave"} {
		kill("admin", []string{"TYPE", typ})
	}
	kill("admin", []string{"ADDR", "<admin>"})
	kill("admin", []string{"ADDR", "<admin>", "SKIPME", "yes"})
	kill("admin", []string{"ADDR", "<admin>", "SKIPME", "YES", "TYPE", "normal"})
	kill("admin", []string{"LADDR", "127.0.0.1:1"})
	kill("admin", []string{"LADDR", "<b laddr>", "TYPE", "Normal"}, "b", "admin")
	dialNamed("c")
	dialNamed("d")
	kill("admin", []string{"ID", "<c>", "ID", "<d>"}, "c", "d")
	kill("admin", []string{"USER", "default"}, "c", "admin")
	kill("admin", []string{"127.0.0.1:1"})
	dialNamed("e")
	kill("e", []string{"<e>"}, "e")
	dialNamed("f")
	kill("f", []string{"ID", "<f>", "SKIPME", "no"}, "f")
	dialNamed("g")
	dialNamed("h")
	kill("admin", []string{"ADDR", "<g>", "ID", "<h>"}, "g", "h")
	kill("admin", []string{"TYPE", "normal", "SKIPME", "no"}, "admin", "g", "h")

	c := redistest.DialRaw(t, addr)
	for _, args := range [][]string{
		{"CLIENT", "KILL"},
		{"CLIENT", "KILL", "ID"},
		{"CLIENT", "KILL", "ID", "1", "TYPE"},
		{"CLIENT", "KILL", "id", "-1"},
		{"CLIENT", "KILL", "ID", "9223372036854775808"},
		{"CLIENT", "KILL", "TYPE", "pubsub", "ADDR"},
		{"CLIENT", "KILL", "TYPE", "nope", "ADDR", "x"},
		{"CLIENT", "KILL", "ADDR", "x", "TYPE", "nope"},
		{"CLIENT", "KILL", "SKIPME", "1", "ID", "1"},
		{"CLIENT", "KILL", "USER", "nobody", "ID", "0"},
		{"CLIENT", "KILL", "FOO", "bar"},
		{"CLIENT", "NO-EVICT", "on"},
		{"CLIENT", "INFO"},
		{"CLIENT", "NO-EVICT", "OFF"},
		{"CLIENT", "INFO"},
		{"CLIENT", "NO-EVICT", "yes"},
		{"CLIENT", "NO-EVICT"},
		{"CLIENT", "NO-EVICT", "on", "off"},
	} {
		v := redistest.Do(t, c, args...)
		got := strings.TrimSuffix(string(v.Raw), "\r\n")
		if args[1] == "INFO" {
			_, flags, _ := strings.Cut(v.Text(), " flags=")
			flags, _, _ = strings.Cut(flags, " ")
			out = append(out, "CLIENT INFO flags -> "+flags)
			continue
		}
		out = append(out, strings.Join(args, " ")+" -> "+got)
	}
	return out
}

// clientIDOf is the id of the client c is.
func clientIDOf(t *testing.T, c *client.RawConn) string {
	t.Helper()
	return strconv.FormatInt(redistest.Do(t, c, "CLIENT", "ID").Int, 10)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Sizes of TestBackPressure: an unbounded server would buffer
// pipelined*len(big) = 200 MB for the client that does not read.
const (
	bigLen    = 100 << 10
	pipelined = 2000
)

// bigValue is a value whose every 16 bytes differ, so a reply cut or
// shifted anywhere does not compare equal.
func bigValue() []byte {
	b := make([]byte, 0, bigLen)
	for i := 0; len(b) < bigLen; i++ {
		b = fmt.Appendf(b, "%015d|", i)
	}
	return b[:bigLen]
}

// pipeliner writes count GET big commands to a connection without reading
// and reports how it ended.
type pipeliner struct {
	conn    net.Conn
	written chan error
}

func startPipeliner(t *testing.T, addr string, count int) *pipeliner {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := &pipeliner{conn: c, written: make(chan error, 1)}
	go func() {
		batch := bytes.Repeat([]byte("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n"), 500)
		var err error
		for sent := 0; sent < count && err == nil; sent += 500 {
			_, err = c.Write(batch)
		}
		p.written <- err
	}()
	return p
}

// readBig reads count replies of GET big from r and checks each.
func readBig(r *bufio.Reader, count int, big []byte) (int, error) {
	header := "$" + strconv.Itoa(len(big)) + "\r\n"
	buf := make([]byte, len(header)+len(big)+2)
	for i := 0; i < count; i++ {
		if _, err := io.ReadFull(r, buf); err != nil {
			return i, err
		}
		if string(buf[:len(header)]) != header || !bytes.Equal(buf[len(header):len(header)+len(big)], big) || string(buf[len(buf)-2:]) != "\r\n" {
			return i, fmt.Errorf("reply %d is not the value: %.60q", i, buf)
		}
	}
	return count, nil
}

// getCalls is INFO commandstats' count of GET calls.
func getCalls(t *testing.T, c *client.RawConn) int {
	t.Helper()
	stat := infoField(t, c, "commandstats", "cmdstat_get")
	calls, _, _ := strings.Cut(strings.TrimPrefix(stat, "calls="), ",")
	n, err := strconv.Atoi(calls)
	if err != nil {
		t.Fatalf("cmdstat_get:%s", stat)
	}
	return n
}

// otherClientField is one field of the CLIENT LIST line of the client other
// than c (the test's two-client setups), as a number.
func otherClientField(t *testing.T, c *client.RawConn, field string) int {
	t.Helper()
	self := clientIDOf(t, c)
	for _, line := range strings.Split(strings.TrimSpace(redistest.Do(t, c, "CLIENT", "LIST").Text()), "\n") {
		if strings.HasPrefix(line, "id="+self+" ") {
			continue
		}
		for _, f := range strings.Split(line, " ") {
			if v, ok := strings.CutPrefix(f, field+"="); ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
	}
	t.Fatalf("no other client's %s in CLIENT LIST", field)
	return 0
}

// TestBackPressure: a client that pipelines GETs of a 100 KB value and
// reads nothing does not make the server buffer the replies: the
// connection stops reading while its replies cannot be written, the
// server's heap and the client's omem stay small, other clients are
// served meanwhile, and once the client reads it gets every reply. With
// client-output-buffer-limit normal set, the same client is closed
// instead, as redis-server closes it.
func TestBackPressure(t *testing.T) {
	addr := startOurs(t)
	admin := redistest.DialRaw(t, addr)
	big := bigValue()
	redistest.Do(t, admin, "SET", "big", string(big))
	redistest.Do(t, admin, "GET", "big")
	callsBefore := getCalls(t, admin) // command counts are the process's
	warmUp(t, admin)
	base := baseline(t)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapBefore := ms.HeapInuse

	p := startPipeliner(t, addr, pipelined)
	// Wait until the server stops running the client's GETs: it has
	// stopped reading it. (An unbounded server runs all of them.)
	calls, still := getCalls(t, admin), 0
	for still < 20 && calls < callsBefore+pipelined {
		time.Sleep(10 * time.Millisecond)
		if n := getCalls(t, admin); n != calls {
			calls, still = n, 0
		} else {
			still++
		}
	}
	runtime.ReadMemStats(&ms)
	heapStalled := ms.HeapInuse
	omem, qbuf, totMem := otherClientField(t, admin, "omem"), otherClientField(t, admin, "qbuf"), otherClientField(t, admin, "tot-mem")
	ran := calls - callsBefore
	t.Logf("stalled after %d of %d GETs: heap %d -> %d KB, omem=%d qbuf=%d tot-mem=%d",
		ran, pipelined, heapBefore>>10, heapStalled>>10, omem, qbuf, totMem)
	// What ran without being read is in the kernel's socket buffers (a few
	// MB on loopback) or the server's: 64 MB is far above that and far
	// below the 200 MB an unbounded server holds.
	if ran*bigLen > 64<<20 {
		t.Errorf("the server ran %d GETs (%d MB of replies) for a client that read none", ran, ran*bigLen>>20)
	}
	if heapStalled > heapBefore+32<<20 {
		t.Errorf("heap grew from %d to %d KB while the client read nothing", heapBefore>>10, heapStalled>>10)
	}
	if omem > 1<<20 || qbuf > 64<<10 || totMem > 2<<20 {
		t.Errorf("the client that reads nothing has omem=%d qbuf=%d tot-mem=%d", omem, qbuf, totMem)
	}
	// Other clients are served meanwhile.
	for i := 0; i < 100; i++ {
		k := "other:" + strconv.Itoa(i)
		redistest.Do(t, admin, "SET", k, "v")
		if v := redistest.Do(t, admin, "GET", k); v.Text() != "v" {
			t.Fatalf("GET %s: %q", k, v.Raw)
		}
	}
	// Now the client reads: every reply comes, whole.
	_ = p.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	if n, err := readBig(bufio.NewReaderSize(p.conn, 1<<20), pipelined, big); err != nil {
		t.Fatalf("after %d replies: %v", n, err)
	}
	if err := <-p.written; err != nil {
		t.Fatalf("writing the pipeline: %v", err)
	}
	p.conn.Close()
	redistest.BackTo(t, base, "after the pipelining client left")

	// With a hard limit on the normal class, the same client is closed.
	withConfig(t, "client-output-buffer-limit", "normal 1mb 0 0")
	ours := limitTranscript(t, addr, big)
	want := []string{
		"the replies before the close were whole and fewer than sent",
		"0 clients more than before",
		"11 GETs ran",
		"the other client is served",
	}
	if strings.Join(ours, "\n") != strings.Join(want, "\n") {
		t.Errorf("with client-output-buffer-limit normal 1mb 0 0:\n%s\nwant:\n%s", strings.Join(ours, "\n"), strings.Join(want, "\n"))
	}
	if redistest.Available() {
		r := redistest.Start(t, "--client-output-buffer-limit", "normal 1mb 0 0")
		rc := redistest.DialRaw(t, r.Addr)
		redistest.Do(t, rc, "SET", "big", string(big))
		redis := limitTranscript(t, r.Addr, big)
		if strings.Join(ours, "\n") != strings.Join(redis, "\n") {
			t.Errorf("our server:\n%s\nredis-server:\n%s", strings.Join(ours, "\n"), strings.Join(redis, "\n"))
		}
	}
}

// limitTranscript pipelines GET big without reading to the server at addr
// and tells what happened.
func limitTranscript(t *testing.T, addr string, big []byte) []string {
	t.Helper()
	other := redistest.DialRaw(t, addr)
	redistest.Do(t, other, "GET", "big")
	callsBefore := getCalls(t, other)
	clients := strings.Count(redistest.Do(t, other, "CLIENT", "LIST").Text(), "\n")
	p := startPipeliner(t, addr, pipelined)
	var out []string
	// The pipeline fits in the socket buffers: it is all sent, whether the
	// server reads it or not, or the write fails on a closed connection.
	select {
	case <-p.written:
	case <-time.After(20 * time.Second):
	}
	_ = p.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, err := readBig(bufio.NewReaderSize(p.conn, 1<<20), pipelined, big)
	t.Logf("%s: %d replies before %v", addr, n, err)
	switch {
	case err == nil:
		out = append(out, "every reply came")
	case isTimeout(err):
		out = append(out, fmt.Sprintf("the replies stopped after %d, the connection open", n))
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "reset"):
		out = append(out, "the replies before the close were whole and fewer than sent")
	default:
		out = append(out, fmt.Sprintf("after %d replies: %v", n, err))
	}
	p.conn.Close()
	// Once the server has let go of the client, count what it ran of the
	// pipeline: closing stops the client's commands, so those after the
	// one that passed the limit do not run.
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := strings.Count(redistest.Do(t, other, "CLIENT", "LIST").Text(), "\n")
		if n == clients || time.Now().After(deadline) {
			out = append(out, fmt.Sprintf("%d clients more than before", n-clients))
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	out = append(out, fmt.Sprintf("%d GETs ran", getCalls(t, other)-callsBefore))
	if v := redistest.Do(t, other, "PING"); v.Text() != "PONG" {
		out = append(out, fmt.Sprintf("the other client got %q", v.Raw))
	} else {
		out = append(out, "the other client is served")
	}
	other.Close()
	return out
}

// TestBlockedClientGetsEarlierReplies: a client whose pipeline ends in a
// command that waits (BLPOP or BZPOPMIN of an empty key, a write during
// CLIENT PAUSE WRITE) gets the replies of the commands before it at once,
// as Redis writes them before the client blocks; the rest come when it
// is served.
func TestBlockedClientGetsEarlierReplies(t *testing.T) {
	ours := blockedTranscript(t, startOurs(t))
	want := strings.Join([]string{
		"BLPOP: before the wait: $1 a",
		"BLPOP: after LPUSH: *2 $5 empty $1 x | $1 b",
		"BZPOPMIN: before the wait: $1 a",
		"BZPOPMIN: after ZADD: *3 $6 zempty $1 m $1 1 | $1 b",
		"CLIENT PAUSE WRITE: before the wait: $1 a",
		"CLIENT PAUSE WRITE: after CLIENT UNPAUSE: +OK | $1 b",
	}, "\n")
	checkTranscript(t, ours, want, blockedTranscript)
}

func blockedTranscript(t *testing.T, addr string) []string {
	t.Helper()
	admin := redistest.DialRaw(t, addr)
	var out []string
	brief := func(v client.Value) string {
		return strings.Join(strings.Fields(strings.ReplaceAll(string(v.Raw), "\r\n", " ")), " ")
	}
	for _, step := range []struct {
		name, release string
		block         []string
		before, after [][]string
	}{
		{"BLPOP", "LPUSH", []string{"BLPOP", "empty", "0"}, nil, [][]string{{"LPUSH", "empty", "x"}}},
		{"BZPOPMIN", "ZADD", []string{"BZPOPMIN", "zempty", "0"}, nil, [][]string{{"ZADD", "zempty", "1", "m"}}},
		{"CLIENT PAUSE WRITE", "CLIENT UNPAUSE", []string{"SET", "k", "v"},
			[][]string{{"CLIENT", "PAUSE", "100000", "WRITE"}}, [][]string{{"CLIENT", "UNPAUSE"}}},
	} {
		for _, cmd := range step.before {
			redistest.Do(t, admin, cmd...)
		}
		c := redistest.DialRaw(t, addr)
		var pipe []byte
		pipe = client.AppendCommandStrings(pipe, "ECHO", "a")
		pipe = client.AppendCommandStrings(pipe, step.block...)
		pipe = client.AppendCommandStrings(pipe, "ECHO", "b")
		if err := c.Write(pipe); err != nil {
			t.Fatal(err)
		}
		if v, err := c.ReadValue(5 * time.Second); err != nil {
			out = append(out, step.name+": before the wait: "+err.Error())
		} else {
			out = append(out, step.name+": before the wait: "+brief(v))
		}
		for _, cmd := range step.after {
			redistest.Do(t, admin, cmd...)
		}
		var rest []string
		for len(rest) < 2 {
			v, err := c.ReadValue(5 * time.Second)
			if err != nil {
				break
			}
			rest = append(rest, brief(v))
		}
		out = append(out, step.name+": after "+step.release+": "+strings.Join(rest, " | "))
		c.Close()
	}
	return out
}
