package database

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/config"
	"goredis/resp/connection"
)

// addrConn is a fake connection with a chosen peer address.
type addrConn struct {
	*connection.Connection
	addr string
}

func (a addrConn) RemoteAddr() string { return a.addr }

// withDebugCommand runs the test with enable-debug-command set to v (an
// immutable parameter, so the configuration is loaded again) and restores
// the previous settings afterwards.
func withDebugCommand(t *testing.T, v string) {
	t.Helper()
	old := config.Get()
	if old.EnableDebugCommand == v {
		return
	}
	load := func(debug string) {
		args := []string{"--port", strconv.Itoa(old.Port), "--enable-debug-command", debug, "--bind"}
		args = append(args, old.Bind...)
		if _, err := config.Load(args); err != nil {
			t.Fatal(err)
		}
	}
	load(v)
	t.Cleanup(func() { load(old.EnableDebugCommand) })
}

func TestDebugNotAllowed(t *testing.T) {
	srv := sysServer(t)
	const want = "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n"
	local := addrConn{connection.NewFake(), "127.0.0.1:50000"}
	remote := addrConn{connection.NewFake(), "10.1.2.3:50000"}

	withDebugCommand(t, "no")
	for _, c := range []addrConn{local, remote} {
		if got := sysDo(srv, c, "DEBUG", "HELP"); got != want {
			t.Errorf("no, %s: %q", c.addr, got)
		}
	}
	if got := sysDo(srv, local, "DEBUG"); !strings.Contains(got, "wrong number of arguments") {
		t.Errorf("arity is checked first: %q", got)
	}

	withDebugCommand(t, "local")
	if got := sysDo(srv, local, "DEBUG", "SET-ACTIVE-EXPIRE", "1"); got != "+OK\r\n" {
		t.Errorf("local, loopback: %q", got)
	}
	if got := sysDo(srv, remote, "DEBUG", "SET-ACTIVE-EXPIRE", "1"); got != want {
		t.Errorf("local, remote: %q", got)
	}

	withDebugCommand(t, "yes")
	if got := sysDo(srv, remote, "DEBUG", "SET-ACTIVE-EXPIRE", "1"); got != "+OK\r\n" {
		t.Errorf("yes, remote: %q", got)
	}
}

func TestAtoiAndStrtod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"1", 1}, {"0", 0}, {"abc", 0}, {"12abc", 12}, {"  -3", -3}, {"+7", 7}, {"", 0}, {"2", 2}} {
		if got := atoi([]byte(tc.in)); got != tc.want {
			t.Errorf("atoi(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want float64
	}{{"1", 1}, {"0.5", 0.5}, {"abc", 0}, {"1.5s", 1.5}, {"", 0}, {"-2", -2}, {"1e-3", 0.001}} {
		if got := strtodPrefix([]byte(tc.in)); got != tc.want {
			t.Errorf("strtodPrefix(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestDebugSetActiveExpire(t *testing.T) {
	withDebugCommand(t, "yes")
	srv := sysServer(t)
	c := connection.NewFake()
	for _, tc := range []struct {
		arg  string
		want bool
	}{{"0", false}, {"1", true}, {"abc", false}, {"2", true}} {
		if got := sysDo(srv, c, "DEBUG", "set-active-expire", tc.arg); got != "+OK\r\n" {
			t.Fatalf("%s: %q", tc.arg, got)
		}
		if srv.activeExpire.Load() != tc.want {
			t.Errorf("%s: active expire %v", tc.arg, !tc.want)
		}
	}
}

func TestDebugObject(t *testing.T) {
	withDebugCommand(t, "yes")
	srv := sysServer(t)
	c := connection.NewFake()
	for _, tc := range []struct {
		val, enc, serlen, ref string
	}{
		{"v", "embstr", "2", "1"},
		{"123", "int", "2", "2147483647"},
		{"1000", "int", "3", "2147483647"},
		{"100000", "int", "5", "1"},
		{"12345678901", "int", "12", "1"},
		{strings.Repeat("x", 44), "embstr", "45", "1"},
		{strings.Repeat("x", 64), "raw", "66", "1"},
	} {
		sysDo(srv, c, "SET", "k", tc.val)
		got := sysDo(srv, c, "DEBUG", "OBJECT", "k")
		for _, want := range []string{"+Value at:0x", " refcount:" + tc.ref + " ", " encoding:" + tc.enc + " ", " serializedlength:" + tc.serlen + " ", " lru:", " lru_seconds_idle:0\r\n"} {
			if !strings.Contains(got, want) {
				t.Errorf("%q: %q lacks %q", tc.val, got, want)
			}
		}
	}
	if got := sysDo(srv, c, "DEBUG", "OBJECT", "nokey"); got != "-ERR no such key\r\n" {
		t.Errorf("missing key: %q", got)
	}
}

func TestDebugPopulate(t *testing.T) {
	withDebugCommand(t, "yes")
	srv := sysServer(t)
	c := connection.NewFake()
	sysDo(srv, c, "SET", "key:1", "mine")
	if got := sysDo(srv, c, "DEBUG", "POPULATE", "1000"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := sysDo(srv, c, "DBSIZE"); got != ":1000\r\n" {
		t.Errorf("DBSIZE %q", got)
	}
	for k, want := range map[string]string{"key:0": "value:0", "key:1": "mine", "key:999": "value:999"} {
		if got := sysDo(srv, c, "GET", k); got != "$"+strconv.Itoa(len(want))+"\r\n"+want+"\r\n" {
			t.Errorf("GET %s = %q", k, got)
		}
	}
	sysDo(srv, c, "DEBUG", "POPULATE", "2", "p", "10")
	if got := sysDo(srv, c, "GET", "p:1"); got != "$10\r\nvalue:1\x00\x00\x00\r\n" {
		t.Errorf("padded: %q", got)
	}
	sysDo(srv, c, "DEBUG", "POPULATE", "1", "q", "3")
	if got := sysDo(srv, c, "GET", "q:0"); got != "$3\r\nval\r\n" {
		t.Errorf("cut: %q", got)
	}
	// An expired key is replaced.
	sysDo(srv, c, "SET", "e:0", "old", "PX", "1")
	time.Sleep(5 * time.Millisecond)
	sysDo(srv, c, "DEBUG", "POPULATE", "1", "e")
	if got := sysDo(srv, c, "GET", "e:0"); got != "$7\r\nvalue:0\r\n" {
		t.Errorf("over an expired key: %q", got)
	}
	if got := sysDo(srv, c, "TTL", "e:0"); got != ":-1\r\n" {
		t.Errorf("TTL %q", got)
	}
	for _, args := range [][]string{{"abc"}, {"-1"}, {"1.5"}, {"1", "x", "-1"}, {"1", "x", "y"}} {
		got := sysDo(srv, c, append([]string{"DEBUG", "POPULATE"}, args...)...)
		if got != "-ERR value is out of range, must be positive\r\n" {
			t.Errorf("%q: %q", args, got)
		}
	}
}

// TestDebugPopulateMillion fills a million keys (DEBUG POPULATE is how
// benchmarks prepare data) and reports the time taken.
func TestDebugPopulateMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	withDebugCommand(t, "yes")
	srv := sysServer(t)
	c := connection.NewFake()
	start := time.Now()
	if got := sysDo(srv, c, "DEBUG", "POPULATE", "1000000"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	t.Logf("DEBUG POPULATE 1000000: %v", time.Since(start))
	if got := sysDo(srv, c, "DBSIZE"); got != ":1000000\r\n" {
		t.Errorf("DBSIZE %q", got)
	}
	if got := sysDo(srv, c, "GET", "key:999999"); got != "$12\r\nvalue:999999\r\n" {
		t.Errorf("GET %q", got)
	}
}

func TestDebugSleepBlocksKeys(t *testing.T) {
	withDebugCommand(t, "yes")
	srv := sysServer(t)
	done := make(chan time.Time)
	go func() {
		sysDo(srv, connection.NewFake(), "DEBUG", "SLEEP", "0.2")
		done <- time.Now()
	}()
	time.Sleep(50 * time.Millisecond)
	sysDo(srv, connection.NewFake(), "SET", "k", "v")
	setAt := time.Now()
	sleptUntil := <-done
	if setAt.Before(sleptUntil.Add(-20 * time.Millisecond)) {
		t.Errorf("SET ran during DEBUG SLEEP")
	}
}

func TestDebugProtocol(t *testing.T) {
	withDebugCommand(t, "yes")
	srv := sysServer(t)
	c2 := connection.NewFake()
	c3 := connection.NewFake()
	c3.SetProtocol(3)
	for _, tc := range []struct{ typ, resp2, resp3 string }{
		{"double", "$5\r\n3.141\r\n", ",3.141\r\n"},
		{"bignum", "$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n"},
		{"map", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"},
		{"push", "-ERR RESP2 is not supported by this command\r\n", ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n"},
		{"attrib", "$39\r\nSome real reply following the attribute\r\n", "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n"},
	} {
		if got := sysDo(srv, c2, "DEBUG", "PROTOCOL", tc.typ); got != tc.resp2 {
			t.Errorf("%s RESP2: %q", tc.typ, got)
		}
		if got := sysDo(srv, c3, "DEBUG", "PROTOCOL", tc.typ); got != tc.resp3 {
			t.Errorf("%s RESP3: %q", tc.typ, got)
		}
	}
}
