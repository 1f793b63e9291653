package database

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/resp/reply"
)

func TestSlowlogArgs(t *testing.T) {
	long := strings.Repeat("a", 144)
	many := []string{"del"}
	for i := 1; i <= 34; i++ {
		many = append(many, strconv.Itoa(i))
	}
	cases := []struct {
		in   []string
		want []string
	}{
		{[]string{"get", "k"}, []string{"get", "k"}},
		{[]string{"set", long, strings.Repeat("b", 128)}, []string{"set", strings.Repeat("a", 128) + "... (16 more bytes)", strings.Repeat("b", 128)}},
		{[]string{"auth", "u", "p"}, []string{"auth", "(redacted)", "(redacted)"}},
		{many, append(append([]string{}, many[:31]...), "... (4 more arguments)")},
		{many[:32], many[:32]},
	}
	for _, c := range cases {
		got := slowlogArgs(adminArgs(c.in))
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("slowlogArgs(%d args) = %q, want %q", len(c.in), got, c.want)
		}
	}
}

func TestSlowlogPushAndTrim(t *testing.T) {
	var l slowlog
	c := adminFake()
	c.SetName("nm")
	for i := 0; i < 5; i++ {
		l.push(c, adminArgs([]string{"cmd", strconv.Itoa(i)}), time.Duration(i)*time.Millisecond, 3)
	}
	if len(l.entries) != 3 {
		t.Fatalf("%d entries kept, want 3", len(l.entries))
	}
	for i, e := range l.entries {
		if e.id != int64(i+2) || e.args[1] != strconv.Itoa(i+2) || e.micros != int64(i+2)*1000 || e.name != "nm" || e.peer != "lua" {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	l.push(c, adminArgs([]string{"x"}), 0, 0)
	if len(l.entries) != 0 || l.nextID != 6 {
		t.Fatalf("max len 0: %d entries, next id %d", len(l.entries), l.nextID)
	}
}

func adminExec(srv *Server, c resp.Connection, args ...string) string {
	return string(reply.Encode(srv.Exec(c, adminArgs(args)), false))
}

func TestSlowlogCommands(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	c := adminFake()
	threshold := config.Get().SlowlogLogSlowerThan
	if threshold < 0 {
		t.Skip("slowlog disabled by the configuration")
	}
	slow := time.Duration(threshold)*time.Microsecond + time.Millisecond
	get := LookupCommand("get")
	srv.afterCall(c, get, adminArgs([]string{"GET", "a"}), slow)
	srv.afterCall(c, get, adminArgs([]string{"GET", "fast"}), 0)
	srv.afterCall(c, &Command{Name: "x", Flags: FlagSkipSlowlog}, adminArgs([]string{"X"}), slow)
	srv.afterCall(c, get, adminArgs([]string{"GET", "b"}), slow)

	if got := adminExec(srv, c, "SLOWLOG", "LEN"); got != ":2\r\n" {
		t.Fatalf("SLOWLOG LEN: %q", got)
	}
	r := srv.Exec(c, adminArgs([]string{"SLOWLOG", "GET"}))
	arr, ok := r.(reply.Array)
	if !ok || len(arr) != 2 {
		t.Fatalf("SLOWLOG GET: %q", reply.Encode(r, false))
	}
	e := arr[0].(reply.Array)
	micros := int64(slow / time.Microsecond)
	now := time.Now().Unix()
	if e[0] != reply.Int(1) || e[1].(reply.Int) < reply.Int(now-5) || e[1].(reply.Int) > reply.Int(now) ||
		e[2] != reply.Int(micros) || strings.Join(e[3].(reply.Strings), " ") != "GET b" ||
		e[4] != reply.BulkStr("lua") || e[5] != reply.BulkStr("") {
		t.Fatalf("newest entry: %q", reply.Encode(e, false))
	}
	if got := adminExec(srv, c, "SLOWLOG", "GET", "1"); strings.Count(got, "GET") != 1 || !strings.HasPrefix(got, "*1\r\n") {
		t.Fatalf("SLOWLOG GET 1: %q", got)
	}
	if got := adminExec(srv, c, "SLOWLOG", "GET", "-1"); !strings.HasPrefix(got, "*2\r\n") {
		t.Fatalf("SLOWLOG GET -1: %q", got)
	}
	if got := adminExec(srv, c, "SLOWLOG", "GET", "0"); got != "*0\r\n" {
		t.Fatalf("SLOWLOG GET 0: %q", got)
	}
	for _, bad := range []string{"-2", "x", "1.5"} {
		if got := adminExec(srv, c, "SLOWLOG", "GET", bad); got != "-ERR count should be greater than or equal to -1\r\n" {
			t.Errorf("SLOWLOG GET %s: %q", bad, got)
		}
	}
	if got := adminExec(srv, c, "SLOWLOG", "GET", "1", "2"); got != "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n" {
		t.Errorf("SLOWLOG GET 1 2: %q", got)
	}
	if got := adminExec(srv, c, "SLOWLOG", "RESET"); got != "+OK\r\n" {
		t.Fatalf("SLOWLOG RESET: %q", got)
	}
	if got := adminExec(srv, c, "SLOWLOG", "LEN"); got != ":0\r\n" {
		t.Fatalf("SLOWLOG LEN after RESET: %q", got)
	}
	// Ids go on after a reset.
	srv.afterCall(c, get, adminArgs([]string{"GET", "c"}), slow)
	if got := adminExec(srv, c, "SLOWLOG", "GET"); !strings.HasPrefix(got, "*1\r\n*6\r\n:2\r\n") {
		t.Fatalf("entry after RESET: %q", got)
	}
}

func TestLatencyMonitor(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	c := adminFake()
	if got := adminExec(srv, c, "LATENCY", "LATEST"); got != "*0\r\n" {
		t.Fatalf("LATENCY LATEST when idle: %q", got)
	}
	if config.Get().LatencyMonitorThreshold <= 0 {
		if got := adminExec(srv, c, "LATENCY", "DOCTOR"); got != "$288\r\n"+latencyDisabledText+"\r\n" {
			t.Fatalf("LATENCY DOCTOR with monitoring off: %q", got)
		}
	}
	m := &srv.admin().latency
	m.add("command", 5, 100)
	m.add("command", 9, 100) // same second: the maximum stays
	m.add("command", 3, 101)
	m.add("fast-command", 1, 102)
	if got := adminExec(srv, c, "LATENCY", "LATEST"); got !=
		"*2\r\n*4\r\n$7\r\ncommand\r\n:101\r\n:3\r\n:9\r\n*4\r\n$12\r\nfast-command\r\n:102\r\n:1\r\n:1\r\n" {
		t.Fatalf("LATENCY LATEST: %q", got)
	}
	if got := adminExec(srv, c, "LATENCY", "HISTORY", "command"); got != "*2\r\n*2\r\n:100\r\n:9\r\n*2\r\n:101\r\n:3\r\n" {
		t.Fatalf("LATENCY HISTORY: %q", got)
	}
	if got := adminExec(srv, c, "LATENCY", "HISTORY", "nosuch"); got != "*0\r\n" {
		t.Fatalf("LATENCY HISTORY of no event: %q", got)
	}
	if got := adminExec(srv, c, "LATENCY", "GRAPH", "command"); !strings.HasPrefix(got, "$") ||
		!strings.Contains(got, "command - high 9 ms, low 3 ms (all time high 9 ms)\n") {
		t.Fatalf("LATENCY GRAPH: %q", got)
	}
	if got := adminExec(srv, c, "LATENCY", "GRAPH", "nosuch"); got != "-ERR No samples available for event 'nosuch'\r\n" {
		t.Fatalf("LATENCY GRAPH of no event: %q", got)
	}
	if got := adminExec(srv, c, "LATENCY", "DOCTOR"); !strings.Contains(got, "1. command: 2 latency spikes (average 6ms, mean deviation 3ms, period ") ||
		!strings.Contains(got, "2. fast-command: 1 latency spikes") || !strings.Contains(got, "- Check your Slow Log") {
		t.Fatalf("LATENCY DOCTOR: %q", got)
	}
	if got := adminExec(srv, c, "LATENCY", "RESET", "command", "nosuch"); got != ":1\r\n" {
		t.Fatalf("LATENCY RESET command: %q", got)
	}
	if got := adminExec(srv, c, "LATENCY", "RESET"); got != ":1\r\n" {
		t.Fatalf("LATENCY RESET: %q", got)
	}
	for i := 0; i < latencyHistoryLen+10; i++ {
		m.add("command", int64(i), int64(i))
	}
	if ts := m.events["command"]; len(ts.samples) != latencyHistoryLen || ts.samples[0].unix != 10 {
		t.Fatalf("history keeps %d samples from %d", len(ts.samples), ts.samples[0].unix)
	}
	if got := adminExec(srv, c, "LATENCY", "HISTOGRAM", "get"); got != "*0\r\n" {
		t.Fatalf("LATENCY HISTOGRAM: %q", got)
	}
}

// TestLatencyGraph checks the drawing against what redis-server 7.0 drew
// for the same samples (50, 20 and 30 ms, two, one and zero seconds ago).
func TestLatencyGraph(t *testing.T) {
	ts := &latencySeries{samples: []latencySample{{98, 50}, {99, 20}, {100, 30}}, max: 50}
	want := "command - high 50 ms, low 20 ms (all time high 50 ms)\n" + strings.Repeat("-", 80) + "\n" +
		"#  \n|  \n| o\n|_|\n   \n210\nsss\n"
	if got := latencyGraph("command", ts, 100); got != want {
		t.Fatalf("graph:\n%s\nwant:\n%s", got, want)
	}
	// Equal samples sit on the bottom row; shorter labels are padded.
	ts = &latencySeries{samples: []latencySample{{1058, 7}, {1065, 7}}, max: 9}
	want = "x - high 7 ms, low 7 ms (all time high 9 ms)\n" + strings.Repeat("-", 80) + "\n" +
		"  \n  \n  \n__\n  \n15\n2s\ns \n"
	if got := latencyGraph("x", ts, 1070); got != want {
		t.Fatalf("flat graph:\n%q\nwant:\n%q", got, want)
	}
}

func TestTimeAndLastsave(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	c := adminFake()
	r := srv.Exec(c, adminArgs([]string{"TIME"})).(reply.Array)
	sec, _ := strconv.ParseInt(string(r[0].(reply.BulkStr)), 10, 64)
	us, _ := strconv.ParseInt(string(r[1].(reply.BulkStr)), 10, 64)
	if now := time.Now().Unix(); sec < now-5 || sec > now || us < 0 || us > 999999 {
		t.Fatalf("TIME: %d %d", sec, us)
	}
	if got := adminExec(srv, c, "LASTSAVE"); got != ":"+strconv.FormatInt(srv.startTime.Unix(), 10)+"\r\n" {
		t.Fatalf("LASTSAVE: %q", got)
	}
	srv.recordSave(time.Unix(12345, 0), 0)
	if got := adminExec(srv, c, "LASTSAVE"); got != ":12345\r\n" {
		t.Fatalf("LASTSAVE after a save: %q", got)
	}
}
