package database

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/resp/client"
	"goredis/resp/client/redistest"
	"goredis/resp/handler"
	"goredis/tcp"
)

// adminServer runs a server with a TCP listener on a free loopback port
// and returns it with its address; both stop when the test ends.
func adminServer(t *testing.T) (*Server, string) {
	t.Helper()
	srv := NewServer()
	h := handler.New(srv, srv)
	addrs, optional := tcp.ListenAddrs([]string{"127.0.0.1"}, 0)
	ts, err := tcp.Listen(addrs, optional, h)
	if err != nil {
		srv.Close()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan struct{})
	go func() { ts.Serve(); close(done) }()
	t.Cleanup(func() {
		ts.Close()
		<-done
		srv.Close()
	})
	return srv, ts.Addrs()[0].String()
}

// adminDial opens a client connection that closes when the test ends.
func adminDial(t *testing.T, addr string) *client.RawConn { return redistest.DialRaw(t, addr) }

// adminDo sends one command and returns its reply, failing the test on a
// connection error or no reply (redistest.Do).
func adminDo(t *testing.T, c *client.RawConn, args ...string) client.Value {
	t.Helper()
	return redistest.Do(t, c, args...)
}

// adminRaw is adminDo returning the reply's exact bytes.
func adminRaw(t *testing.T, c *client.RawConn, args ...string) string {
	t.Helper()
	return string(adminDo(t, c, args...).Raw)
}

// adminNoReply fails if anything arrives on c within wait.
func adminNoReply(t *testing.T, c *client.RawConn, wait time.Duration, what string) {
	t.Helper()
	if v, err := c.ReadValue(wait); err == nil {
		t.Fatalf("%s: got %q, want no reply", what, v.Raw)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("%s: %v", what, err)
	}
}

// hooksWired reports whether the dispatcher calls this family's hooks
// (beforeCall, afterCall, filterReply): CLIENT REPLY SKIP must drop the
// next reply. Tests of behaviour that lives in the hooks skip until then.
func hooksWired(t *testing.T, addr string) bool {
	t.Helper()
	c := adminDial(t, addr)
	if err := c.WriteCommand("CLIENT", "REPLY", "SKIP"); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteCommand("ECHO", "skipped"); err != nil {
		t.Fatal(err)
	}
	v := adminDo(t, c, "ECHO", "seen")
	return v.Text() == "seen"
}

func requireHooks(t *testing.T, addr string) {
	t.Helper()
	if !hooksWired(t, addr) {
		t.Skip("dispatcher hooks (beforeCall/afterCall/filterReply) not wired into server.go yet")
	}
}

// clientListFields are Redis 7.0's CLIENT LIST fields, in order.
var clientListFields = []string{"id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db",
	"sub", "psub", "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp",
	"obl", "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp"}

// parseClientLine splits one CLIENT LIST line into its fields, checking
// their names and order.
func parseClientLine(t *testing.T, line string) map[string]string {
	t.Helper()
	parts := strings.Split(line, " ")
	if len(parts) != len(clientListFields) {
		t.Fatalf("client line has %d fields, want %d: %q", len(parts), len(clientListFields), line)
	}
	out := make(map[string]string, len(parts))
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k != clientListFields[i] {
			t.Fatalf("field %d is %q, want %s=...: %q", i, p, clientListFields[i], line)
		}
		out[k] = v
	}
	return out
}

// clientLines runs CLIENT LIST args... and returns the parsed lines, keyed
// by id.
func clientLines(t *testing.T, c *client.RawConn, args ...string) map[string]map[string]string {
	t.Helper()
	v := adminDo(t, c, append([]string{"CLIENT", "LIST"}, args...)...)
	if v.Kind != client.KindBulk && v.Kind != client.KindVerbatim {
		t.Fatalf("CLIENT LIST %q: %q", args, v.Raw)
	}
	out := map[string]map[string]string{}
	text := v.Text()
	if text == "" {
		return out
	}
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("CLIENT LIST does not end with a newline: %q", text)
	}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		f := parseClientLine(t, line)
		out[f["id"]] = f
	}
	return out
}

func clientID(t *testing.T, c *client.RawConn) string {
	t.Helper()
	v := adminDo(t, c, "CLIENT", "ID")
	if v.Kind != client.KindInt {
		t.Fatalf("CLIENT ID: %q", v.Raw)
	}
	return strconv.FormatInt(v.Int, 10)
}

func TestClientListAndInfo(t *testing.T) {
	_, addr := adminServer(t)
	a, b := adminDial(t, addr), adminDial(t, addr)
	idA, idB := clientID(t, a), clientID(t, b)

	adminDo(t, b, "CLIENT", "SETNAME", "bee")
	adminDo(t, b, "SELECT", "3")
	adminDo(t, b, "CLIENT", "NO-EVICT", "on")
	adminDo(t, b, "HELLO", "3")
	adminDo(t, b, "ECHO", "x")

	list := clientLines(t, a)
	if len(list) != 2 {
		t.Fatalf("CLIENT LIST shows %d clients, want 2: %v", len(list), list)
	}
	la, lb := list[idA], list[idB]
	if la == nil || lb == nil {
		t.Fatalf("ids %s and %s not both listed: %v", idA, idB, list)
	}
	want := map[string]string{"name": "bee", "db": "3", "flags": "e", "resp": "3", "cmd": "echo",
		"multi": "-1", "sub": "0", "psub": "0", "ssub": "0", "user": "default", "redir": "-1", "argv-mem": "0"}
	for k, v := range want {
		if lb[k] != v {
			t.Errorf("other client's %s=%q, want %q", k, lb[k], v)
		}
	}
	want = map[string]string{"name": "", "db": "0", "flags": "N", "resp": "2", "cmd": "client|list",
		"idle": "0", "argv-mem": "10"} // "CLIENT" + "LIST"
	for k, v := range want {
		if la[k] != v {
			t.Errorf("own %s=%q, want %q", k, la[k], v)
		}
	}
	if la["addr"] != a.Conn().LocalAddr().String() || la["laddr"] != a.Conn().RemoteAddr().String() {
		t.Errorf("addr=%s laddr=%s, want %s and %s", la["addr"], la["laddr"], a.Conn().LocalAddr(), a.Conn().RemoteAddr())
	}
	if fd, err := strconv.Atoi(la["fd"]); err != nil || fd <= 2 {
		t.Errorf("fd=%q, want a socket descriptor", la["fd"])
	}

	// CLIENT INFO is the caller's own line.
	v := adminDo(t, b, "CLIENT", "INFO")
	if v.Kind != client.KindVerbatim || !strings.HasSuffix(v.Text(), "\n") {
		t.Fatalf("CLIENT INFO in RESP3: %q", v.Raw)
	}
	self := parseClientLine(t, strings.TrimSuffix(v.Text(), "\n"))
	if self["id"] != idB || self["cmd"] != "client|info" || self["name"] != "bee" {
		t.Errorf("CLIENT INFO: %v", self)
	}

	// A client in MULTI shows flag x and its queue length (queueing needs
	// MULTI, another family: only checked when it exists).
	if r := adminDo(t, a, "MULTI"); r.Kind == client.KindStatus {
		adminDo(t, a, "ECHO", "1")
		adminDo(t, a, "ECHO", "2")
		l := clientLines(t, b, "ID", idA)[idA]
		if l["flags"] != "x" || l["multi"] != "2" {
			t.Errorf("client in MULTI: flags=%s multi=%s, want x and 2", l["flags"], l["multi"])
		}
		adminDo(t, a, "DISCARD")
	}
}

func TestClientListFilters(t *testing.T) {
	_, addr := adminServer(t)
	a, b := adminDial(t, addr), adminDial(t, addr)
	idA, idB := clientID(t, a), clientID(t, b)

	if got := clientLines(t, a, "TYPE", "normal"); len(got) != 2 {
		t.Errorf("TYPE normal: %d clients, want 2", len(got))
	}
	for _, typ := range []string{"pubsub", "master", "replica", "slave", "PUBSUB"} {
		if got := clientLines(t, a, "TYPE", typ); len(got) != 0 {
			t.Errorf("TYPE %s: %d clients, want 0", typ, len(got))
		}
	}
	// IDs come in the order asked, repeated if asked twice; unknown ones
	// and negative ones are skipped.
	v := adminDo(t, a, "CLIENT", "LIST", "ID", idB, "999999", idA, idB, "-5")
	var order []string
	for _, line := range strings.Split(strings.TrimSuffix(v.Text(), "\n"), "\n") {
		order = append(order, parseClientLine(t, line)["id"])
	}
	if strings.Join(order, ",") != idB+","+idA+","+idB {
		t.Errorf("CLIENT LIST ID order: %v", order)
	}
	errs := []struct {
		args []string
		want string
	}{
		{[]string{"TYPE", "foo"}, "-ERR Unknown client type 'foo'\r\n"},
		{[]string{"ID"}, "-ERR syntax error\r\n"},
		{[]string{"ID", "1", "x"}, "-ERR Invalid client ID\r\n"},
		{[]string{"ID", "18446744073709551615"}, "-ERR Invalid client ID\r\n"},
		{[]string{"TYPE", "normal", "ID", "1"}, "-ERR syntax error\r\n"},
		{[]string{"foo"}, "-ERR syntax error\r\n"},
	}
	for _, e := range errs {
		if got := adminRaw(t, a, append([]string{"CLIENT", "LIST"}, e.args...)...); got != e.want {
			t.Errorf("CLIENT LIST %q: %q, want %q", e.args, got, e.want)
		}
	}
	if got := adminRaw(t, a, "CLIENT", "LIST", "ID", "999999"); got != "$0\r\n\r\n" {
		t.Errorf("CLIENT LIST of no client: %q", got)
	}
}

// closedWithin reports whether c's connection is closed by the server
// within wait.
func closedWithin(c *client.RawConn, wait time.Duration) bool {
	_ = c.Conn().SetReadDeadline(time.Now().Add(wait))
	var buf [64]byte
	for {
		_, err := c.Conn().Read(buf[:])
		if err != nil {
			var ne net.Error
			return errors.Is(err, io.EOF) || !(errors.As(err, &ne) && ne.Timeout())
		}
	}
}

// waitClients waits until CLIENT LIST shows n clients (killed clients
// leave the registry just after their socket closes).
func waitClients(t *testing.T, c *client.RawConn, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := len(clientLines(t, c))
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d clients connected, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClientKill(t *testing.T) {
	_, addr := adminServer(t)
	a := adminDial(t, addr)

	// Old form: by address; OK or an error.
	b := adminDial(t, addr)
	adminDo(t, b, "PING")
	if got := adminRaw(t, a, "CLIENT", "KILL", b.Conn().LocalAddr().String()); got != "+OK\r\n" {
		t.Fatalf("CLIENT KILL addr: %q", got)
	}
	if !closedWithin(b, 2*time.Second) {
		t.Fatal("killed client still connected")
	}
	waitClients(t, a, 1)
	if got := adminRaw(t, a, "CLIENT", "KILL", "127.0.0.1:1"); got != "-ERR No such client\r\n" {
		t.Fatalf("CLIENT KILL unknown addr: %q", got)
	}

	// New form: filters are ANDed, the count is the reply, the caller is
	// skipped unless SKIPME no.
	c, d := adminDial(t, addr), adminDial(t, addr)
	idC := clientID(t, c)
	adminDo(t, d, "PING")
	if got := adminDo(t, a, "CLIENT", "KILL", "ID", idC, "ADDR", d.Conn().LocalAddr().String()); got.Int != 0 {
		t.Fatalf("ID and ADDR of two clients killed %d", got.Int)
	}
	if got := adminDo(t, a, "CLIENT", "KILL", "ID", idC); got.Kind != client.KindInt || got.Int != 1 {
		t.Fatalf("CLIENT KILL ID: %q", got.Raw)
	}
	if !closedWithin(c, 2*time.Second) {
		t.Fatal("client killed by ID still connected")
	}
	waitClients(t, a, 2)
	if got := adminDo(t, a, "CLIENT", "KILL", "LADDR", d.Conn().RemoteAddr().String(), "USER", "default", "TYPE", "normal"); got.Int != 1 {
		t.Fatalf("CLIENT KILL LADDR USER TYPE killed %d, want 1 (the caller skipped)", got.Int)
	}
	if !closedWithin(d, 2*time.Second) {
		t.Fatal("client killed by LADDR still connected")
	}
	waitClients(t, a, 1)
	if got := adminRaw(t, a, "CLIENT", "KILL", "SKIPME", "no", "ID", clientID(t, a)); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL SKIPME no: %q", got)
	}
	if !closedWithin(a, 2*time.Second) {
		t.Fatal("client that killed itself still connected")
	}

	e := adminDial(t, addr)
	errs := []struct {
		args []string
		want string
	}{
		{[]string{"ID", "0"}, "-ERR client-id should be greater than 0\r\n"},
		{[]string{"ID", "abc"}, "-ERR client-id should be greater than 0\r\n"},
		{[]string{"TYPE", "foo"}, "-ERR Unknown client type 'foo'\r\n"},
		{[]string{"USER", "nobody"}, "-ERR No such user 'nobody'\r\n"},
		{[]string{"SKIPME", "maybe"}, "-ERR syntax error\r\n"},
		{[]string{"MAXAGE", "10"}, "-ERR syntax error\r\n"},
		{[]string{"ID", "1", "ID"}, "-ERR syntax error\r\n"},
		{[]string{"ID", "0", "foo", "bar"}, "-ERR client-id should be greater than 0\r\n"},
	}
	for _, x := range errs {
		if got := adminRaw(t, e, append([]string{"CLIENT", "KILL"}, x.args...)...); got != x.want {
			t.Errorf("CLIENT KILL %q: %q, want %q", x.args, got, x.want)
		}
	}
}

func TestClientReplyModes(t *testing.T) {
	_, addr := adminServer(t)
	requireHooks(t, addr)
	c := adminDial(t, addr)
	// The sequence of Redis's test suite; only the replies of REPLY ON and
	// of commands that follow it or a skipped one come back.
	for _, cmd := range [][]string{
		{"CLIENT", "REPLY", "OFF"}, {"PING"}, {"CLIENT", "REPLY", "SKIP"}, {"PING"},
		{"CLIENT", "REPLY", "ON"}, {"CLIENT", "REPLY", "SKIP"}, {"PING"}, {"PING", "2"},
		{"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "ON"}, {"PING", "3"},
		{"CLIENT", "REPLY", "OFF"}, {"NOSUCHCOMMAND"}, {"CLIENT", "REPLY", "ON"},
	} {
		if err := c.WriteCommand(cmd...); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for i := 0; i < 5; i++ {
		v, err := c.ReadValue(5 * time.Second)
		if err != nil {
			t.Fatalf("reply %d: %v (got %q)", i, err, got)
		}
		got = append(got, string(v.Raw))
	}
	want := []string{"+OK\r\n", "$1\r\n2\r\n", "+OK\r\n", "$1\r\n3\r\n", "+OK\r\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("replies %q, want %q", got, want)
	}
	adminNoReply(t, c, 200*time.Millisecond, "after the last REPLY ON")
	if got := adminRaw(t, c, "CLIENT", "REPLY", "maybe"); got != "-ERR syntax error\r\n" {
		t.Fatalf("CLIENT REPLY maybe: %q", got)
	}
}

func TestClientPause(t *testing.T) {
	_, addr := adminServer(t)
	requireHooks(t, addr)
	admin, w := adminDial(t, addr), adminDial(t, addr)

	// WRITE: reads go on, writes wait until UNPAUSE.
	adminDo(t, admin, "CLIENT", "PAUSE", "100000", "WRITE")
	if got := adminRaw(t, w, "ECHO", "read"); got != "$4\r\nread\r\n" {
		t.Fatalf("ECHO during a WRITE pause: %q", got)
	}
	if err := w.WriteCommand("SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	adminNoReply(t, w, 300*time.Millisecond, "SET during a WRITE pause")
	adminDo(t, admin, "CLIENT", "UNPAUSE")
	if v, err := w.ReadValue(5 * time.Second); err != nil || string(v.Raw) != "+OK\r\n" {
		t.Fatalf("SET after UNPAUSE: %q %v", v.Raw, err)
	}

	// ALL: every command waits for the timeout, the pauser's too.
	start := time.Now()
	adminDo(t, admin, "CLIENT", "PAUSE", "400")
	if got := adminRaw(t, w, "ECHO", "x"); got != "$1\r\nx\r\n" {
		t.Fatalf("ECHO after an ALL pause: %q", got)
	}
	if el := time.Since(start); el < 350*time.Millisecond {
		t.Fatalf("ECHO answered %v into a 400ms ALL pause", el)
	}

	// A pause extends to the later end and the stronger mode: reads wait
	// too, until the WRITE pause's end. (UNPAUSE would wait as well.)
	start = time.Now()
	adminDo(t, admin, "CLIENT", "PAUSE", "400", "WRITE")
	adminDo(t, admin, "CLIENT", "PAUSE", "10", "ALL")
	if got := adminRaw(t, w, "ECHO", "y"); got != "$1\r\ny\r\n" {
		t.Fatalf("ECHO after an extended pause: %q", got)
	}
	if el := time.Since(start); el < 350*time.Millisecond {
		t.Fatalf("ECHO answered %v into a 400ms pause turned ALL", el)
	}

	errs := []struct {
		args []string
		want string
	}{
		{[]string{"abc"}, "-ERR timeout is not an integer or out of range\r\n"},
		{[]string{"-1"}, "-ERR timeout is negative\r\n"},
		{[]string{"abc", "foo"}, "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"},
		{[]string{"10", "write", "x"}, "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n"},
	}
	for _, e := range errs {
		if got := adminRaw(t, admin, append([]string{"CLIENT", "PAUSE"}, e.args...)...); got != e.want {
			t.Errorf("CLIENT PAUSE %q: %q, want %q", e.args, got, e.want)
		}
	}
}

func TestClientPauseState(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	p := &srv.admin().pause
	before := hooksArmed.Load()
	end := time.Now().Add(time.Hour)
	p.start(pauseWrite, end)
	p.start(pauseAll, end.Add(-time.Minute))
	if p.mode != pauseAll || !p.end.Equal(end) {
		t.Fatalf("after WRITE then an earlier ALL: mode %d end %v, want ALL and the later end", p.mode, p.end)
	}
	p.start(pauseWrite, end.Add(time.Minute))
	if p.mode != pauseAll || !p.end.Equal(end.Add(time.Minute)) {
		t.Fatalf("a later WRITE weakened the mode or kept the end: mode %d end %v", p.mode, p.end)
	}
	if hooksArmed.Load() != before+1 {
		t.Fatalf("hooksArmed %d, want %d", hooksArmed.Load(), before+1)
	}
	woke := make(chan struct{})
	c := adminFake()
	go func() { p.wait(srv, c, LookupCommand("get")); close(woke) }()
	select {
	case <-woke:
		t.Fatal("GET went through an ALL pause")
	case <-time.After(50 * time.Millisecond):
	}
	p.stop()
	select {
	case <-woke:
	case <-time.After(5 * time.Second):
		t.Fatal("UNPAUSE did not wake a paused client")
	}
	if hooksArmed.Load() != before {
		t.Fatalf("hooksArmed %d after stop, want %d", hooksArmed.Load(), before)
	}
}

func TestClientSmallSubcommands(t *testing.T) {
	_, addr := adminServer(t)
	c := adminDial(t, addr)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
		{[]string{"CLIENT", "SETNAME", "a b"}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"CLIENT", "SETNAME", "me"}, "+OK\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$2\r\nme\r\n"},
		{[]string{"CLIENT", "SETNAME", ""}, "+OK\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
		{[]string{"CLIENT", "NO-EVICT", "maybe"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "GETREDIR"}, ":-1\r\n"},
		{[]string{"CLIENT", "TRACKING", "off"}, "+OK\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "prefix", "a"}, "-ERR PREFIX option requires BCAST mode to be enabled\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "optin", "optout"}, "-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "redirect", "99999"}, "-ERR The client ID you want redirect to does not exist\r\n"},
		{[]string{"CLIENT", "CACHING", "yes"}, "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n"},
		{[]string{"CLIENT", "TRACKINGINFO"}, "*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n"},
		{[]string{"CLIENT", "UNBLOCK", "1"}, ":0\r\n"},
		{[]string{"CLIENT", "UNBLOCK", "1", "foo"}, "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"},
		{[]string{"CLIENT", "UNBLOCK", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"CLIENT", "unblock", "1", "error", "x"}, "-ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.\r\n"},
	}
	for _, x := range cases {
		if got := adminRaw(t, c, x.args...); got != x.want {
			t.Errorf("%q: %q, want %q", x.args, got, x.want)
		}
	}
	v := adminDo(t, c, "CLIENT", "HELP")
	if v.Kind != client.KindArray || len(v.Elems) != len(clientHelpLines)+3 ||
		v.Elems[0].Text() != "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" ||
		v.Elems[len(v.Elems)-1].Text() != "    Prints this help." {
		t.Fatalf("CLIENT HELP: %q", v.Raw)
	}
}

func TestParseClientType(t *testing.T) {
	for in, want := range map[string]int{"normal": clientNormal, "NORMAL": clientNormal, "replica": clientReplica,
		"slave": clientReplica, "pubsub": clientPubsub, "Master": clientMaster, "foo": -1, "": -1} {
		if got := parseClientType([]byte(in)); got != want {
			t.Errorf("parseClientType(%q) = %d, want %d", in, got, want)
		}
	}
}
