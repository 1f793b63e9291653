package database

import (
	"bytes"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"goredis/resp/client"
	"goredis/resp/client/redistest"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

func adminFake() *connection.Connection { return connection.NewFake() }

func adminArgs(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func TestRedacted(t *testing.T) {
	cases := []struct {
		args []string
		want string // the arguments after redaction
	}{
		{[]string{"auth", "pw"}, "auth (redacted)"},
		{[]string{"AUTH", "u", "pw"}, "AUTH (redacted) (redacted)"},
		{[]string{"hello", "3", "auth", "u", "p", "setname", "n"}, "hello 3 auth (redacted) (redacted) setname n"},
		{[]string{"hello", "3", "setname", "auth"}, "hello 3 setname auth"},
		{[]string{"migrate", "h", "1", "", "0", "5", "AUTH", "pw", "KEYS", "a"}, "migrate h 1  0 5 AUTH (redacted) KEYS a"},
		{[]string{"migrate", "h", "1", "k", "0", "5", "auth2", "u", "p"}, "migrate h 1 k 0 5 auth2 (redacted) (redacted)"},
		{[]string{"set", "auth", "x"}, "set auth x"},
	}
	for _, c := range cases {
		m := redacted(adminArgs(c.args))
		out := make([]string, len(c.args))
		for i, a := range c.args {
			out[i] = a
			if m&(1<<uint(i)) != 0 {
				out[i] = "(redacted)"
			}
		}
		if got := strings.Join(out, " "); got != c.want {
			t.Errorf("%q: %q, want %q", c.args, got, c.want)
		}
	}
}

func TestMonitorLine(t *testing.T) {
	at := time.Unix(1700000000, 5000)
	got := string(monitorLine(nil, at, 3, "127.0.0.1:5555", adminArgs([]string{"set", "k", "a b\n"})))
	want := "+1700000000.000005 [3 127.0.0.1:5555] \"set\" \"k\" \"a b\\n\"\r\n"
	if got != want {
		t.Fatalf("monitorLine = %q, want %q", got, want)
	}
	got = string(monitorLine(nil, time.Unix(1, 999999000), 0, "lua", adminArgs([]string{"auth", "secret"})))
	if got != "+1.999999 [0 lua] \"auth\" \"(redacted)\"\r\n" {
		t.Fatalf("monitorLine with AUTH = %q", got)
	}
}

var monitorLineRE = regexp.MustCompile(`^\+\d+\.\d{6} \[(\d+) ([^\]]+)\] (.*)\r\n$`)

// readMonitorLine reads one monitor line and returns its db, address and
// arguments part.
func readMonitorLine(t *testing.T, m *client.RawConn) (db, addr, args string) {
	t.Helper()
	v, err := m.ReadValue(5 * time.Second)
	if err != nil {
		t.Fatalf("monitor line: %v", err)
	}
	sm := monitorLineRE.FindStringSubmatch(string(v.Raw))
	if sm == nil {
		t.Fatalf("not a monitor line: %q", v.Raw)
	}
	return sm[1], sm[2], sm[3]
}

func TestMonitorFeed(t *testing.T) {
	srv, addr := adminServer(t)
	m := adminDial(t, addr)
	before := monitorsAttached.Load()
	if got := adminRaw(t, m, "MONITOR"); got != "+OK\r\n" {
		t.Fatalf("MONITOR: %q", got)
	}
	if monitorsAttached.Load() != before+1 {
		t.Fatal("MONITOR did not attach")
	}
	// A second MONITOR is ignored without a reply.
	if err := m.WriteCommand("MONITOR"); err != nil {
		t.Fatal(err)
	}
	adminNoReply(t, m, 100*time.Millisecond, "second MONITOR")

	c := adminFake()
	c.SelectDB(2)
	srv.afterCall(c, LookupCommand("client|list"), adminArgs([]string{"client", "list"}), 0) // admin: not shown
	srv.afterCall(c, LookupCommand("get"), adminArgs([]string{"GET", "k\x01"}), 0)
	db, from, args := readMonitorLine(t, m)
	if db != "2" || from != "lua" || args != `"GET" "k\x01"` {
		t.Fatalf("monitor line: db %s addr %s args %s", db, from, args)
	}

	// CLIENT LIST flags a monitor O.
	ml := clientLines(t, adminDial(t, addr))
	var monID string
	for id, l := range ml {
		if l["flags"] == "O" {
			monID = id
		}
	}
	if monID == "" {
		t.Fatalf("no client with flags=O in %v", ml)
	}

	// Closing the monitor detaches it.
	m.Close()
	deadline := time.Now().Add(5 * time.Second)
	for monitorsAttached.Load() != before {
		if time.Now().After(deadline) {
			t.Fatal("closed monitor still attached")
		}
		srv.afterCall(c, LookupCommand("get"), adminArgs([]string{"GET", "k"}), 0)
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMonitorKeyspaceBan(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	c := adminFake()
	if r := srv.Exec(c, adminArgs([]string{"MONITOR"})); r != nil {
		t.Fatalf("MONITOR on a fake client: %q", reply.Encode(r, false))
	}
	defer srv.clientGone(c)
	for name, banned := range map[string]bool{"get": true, "set": true, "ping": false, "echo": false} {
		cmd := LookupCommand(name)
		r := srv.beforeCall(c, cmd)
		if banned != (r != nil) {
			t.Errorf("%s from a monitor: %v", name, r)
		}
		if r != nil && string(reply.Encode(r, false)) != "-ERR Replica can't interact with the keyspace\r\n" {
			t.Errorf("%s from a monitor: %q", name, reply.Encode(r, false))
		}
	}
	if r := srv.beforeCall(adminFake(), LookupCommand("get")); r != nil {
		t.Errorf("GET from another client refused: %q", reply.Encode(r, false))
	}
}

func TestMonitorEndToEnd(t *testing.T) {
	_, addr := adminServer(t)
	requireHooks(t, addr)
	m, c := adminDial(t, addr), adminDial(t, addr)
	adminDo(t, m, "MONITOR")
	adminDo(t, c, "SET", "k", "v w")
	adminDo(t, c, "CLIENT", "LIST") // admin: not fed
	adminDo(t, c, "SELECT", "1")
	adminDo(t, c, "AUTH", "pw") // fails, still fed, redacted
	adminDo(t, c, "NOSUCH")     // rejected: not fed
	adminDo(t, c, "ECHO", "x")
	want := []string{`0 "SET" "k" "v w"`, `1 "SELECT" "1"`, `1 "AUTH" "(redacted)"`, `1 "ECHO" "x"`}
	for _, w := range want {
		db, from, args := readMonitorLine(t, m)
		if got := db + " " + args; got != w {
			t.Fatalf("monitor line %q, want %q", got, w)
		}
		if from != c.Conn().LocalAddr().String() {
			t.Fatalf("monitor line from %s, want %s", from, c.Conn().LocalAddr())
		}
	}
	if got := adminRaw(t, m, "GET", "k"); got != "-ERR Replica can't interact with the keyspace\r\n" {
		t.Fatalf("GET from the monitor: %q", got)
	}
}

// The hooks run around every command: with no monitor, no pause and a
// fast command they must not allocate.
func TestHooksCostNothingWhenIdle(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	c := adminFake()
	get := LookupCommand("get")
	args := adminArgs([]string{"GET", "k"})
	if hooksArmed.Load() != 0 || monitorsAttached.Load() != 0 {
		t.Skip("another test left a monitor or a pause armed")
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if r := srv.beforeCall(c, get); r != nil {
			t.Fatal(reply.Encode(r, false))
		}
		srv.afterCall(c, get, args, time.Microsecond)
		if c.State().Reply != 0 {
			srv.filterReply(c, reply.OK)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per command", allocs)
	}
}

// TestMonitorOwnCommandsAgainstRedis: a monitor's own commands get their
// line after their reply, a QUIT sends the lines before closing, and a
// monitor with CLIENT REPLY OFF gets no lines; the bytes are compared
// with redis-server's, timestamps and addresses masked.
func TestMonitorOwnCommandsAgainstRedis(t *testing.T) {
	_, ours := adminServer(t)
	theirs := redistest.Start(t).Addr
	stamp := regexp.MustCompile(`\+\d+\.\d+ \[(\d+) [^\]]+\]`)
	// transcript sends in on a fresh connection (other's commands after
	// the monitor's OK) and reads until close or until quiet.
	transcript := func(addr, in string, other []string) string {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte("MONITOR\r\n")); err != nil {
			t.Fatal(err)
		}
		ok := make([]byte, 5)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, ok); err != nil || string(ok) != "+OK\r\n" {
			t.Fatalf("MONITOR: %q %v", ok, err)
		}
		if _, err := c.Write([]byte(in)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		if other != nil {
			o := adminDial(t, addr)
			adminDo(t, o, other...)
		}
		var out bytes.Buffer
		for {
			_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			b := make([]byte, 4096)
			n, err := c.Read(b)
			out.Write(b[:n])
			if err != nil {
				if errors.Is(err, io.EOF) {
					out.WriteString("(closed)")
				}
				break
			}
		}
		return stamp.ReplaceAllString(out.String(), "+<time> [$1 <addr>]")
	}
	for _, tc := range []struct {
		name, in string
		other    []string
	}{
		{"own commands", "PING\r\nECHO x\r\nPING\r\n", nil},
		{"quit", "PING\r\nQUIT\r\n", nil},
		{"others", "PING\r\n", []string{"SET", "k", "v"}},
		{"reply off", "CLIENT REPLY OFF\r\nPING\r\n", []string{"SET", "k", "v"}},
		{"reply skip", "CLIENT REPLY SKIP\r\nPING\r\nPING\r\n", []string{"SET", "k", "v"}},
	} {
		want := transcript(theirs, tc.in, tc.other)
		if got := transcript(ours, tc.in, tc.other); got != want {
			t.Errorf("%s:\n ours  %q\n redis %q", tc.name, got, want)
		}
	}
}
