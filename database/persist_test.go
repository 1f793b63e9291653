package database

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"goredis/aof"
	"goredis/config"
	"goredis/interface/resp"
	"goredis/resp/client"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// TestMisconf: while the append-only file cannot be written, the write
// whose record failed is not acknowledged (Durable fails), later writes
// and PING get Redis's MISCONF text, and reads go on.
func TestMisconf(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	srv, c := strServer(t)
	p, err := aof.Open("/dev/full", aof.FsyncAlways)
	if err != nil {
		t.Skip(err)
	}
	srv.persist.aof.Store(p)
	run := func(args ...string) string {
		return string(reply.Encode(srv.Exec(c, strArgs(args...)), false))
	}
	if got := run("SET", "a", "1"); got != "+OK\r\n" {
		t.Fatalf("first SET ran: %q", got)
	}
	if err := srv.Durable(c); err == nil {
		t.Fatal("Durable succeeded for a write that could not be logged: its OK would be sent")
	}
	misconf := "-MISCONF Errors writing to the AOF file: No space left on device\r\n"
	for _, cmd := range [][]string{{"SET", "b", "2"}, {"INCR", "n"}, {"PING"}, {"DEL", "a"}} {
		if got := run(cmd...); got != misconf {
			t.Errorf("%v: %q, want %q", cmd, got, misconf)
		}
	}
	for _, cmd := range [][]string{{"GET", "a"}, {"EXISTS", "a"}, {"DBSIZE"}} {
		if got := run(cmd...); strings.HasPrefix(got, "-") {
			t.Errorf("read %v refused: %q", cmd, got)
		}
	}
	// A read-only transaction runs; a write is refused while queued, which
	// makes EXEC abort, as in Redis.
	run("MULTI")
	run("GET", "a")
	if got := run("EXEC"); got != "*1\r\n$1\r\n1\r\n" {
		t.Errorf("read-only EXEC: %q", got)
	}
	run("MULTI")
	if got := run("SET", "x", "y"); got != misconf {
		t.Errorf("SET queued: %q", got)
	}
	if got := run("EXEC"); got != "-EXECABORT Transaction discarded because of previous errors.\r\n" {
		t.Errorf("EXEC after a refused write: %q", got)
	}
}

// TestLoadingRefuses: while the file is replayed, commands without the
// loading flag (GET, and PING too in Redis 7.0) get LOADING; INFO and
// CONFIG work.
func TestLoadingRefuses(t *testing.T) {
	srv, c := strServer(t)
	srv.MarkLoading()
	for _, cmd := range [][]string{{"GET", "a"}, {"PING"}, {"SET", "a", "b"}} {
		if got := string(reply.Encode(srv.Exec(c, strArgs(cmd...)), false)); got != "-LOADING Redis is loading the dataset in memory\r\n" {
			t.Errorf("%v while loading: %q", cmd, got)
		}
	}
	for _, cmd := range [][]string{{"INFO", "persistence"}, {"CONFIG", "GET", "port"}} {
		got := string(reply.Encode(srv.Exec(c, strArgs(cmd...)), false))
		if strings.HasPrefix(got, "-") {
			t.Errorf("%v while loading: %q", cmd, got)
		}
		if cmd[0] == "INFO" && !strings.Contains(got, "loading:1") {
			t.Errorf("INFO while loading: %q", got)
		}
	}
}

// TestReplayInProcess: LoadAppendOnly replays a file written by hand
// (SELECT, a transaction, an expiry in the past) and opens it for
// appending.
func TestReplayInProcess(t *testing.T) {
	dir := t.TempDir()
	cfg := *config.Get()
	cfg.Dir, cfg.AppendOnly = dir, true
	data := "*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n" +
		"*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*1\r\n$4\r\nEXEC\r\n" +
		"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\na\r\n$1\r\n1\r\n"
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := NewServer()
	t.Cleanup(srv.Close)
	srv.MarkLoading()
	if err := srv.loadAppendOnly(&cfg); err != nil {
		t.Fatal(err)
	}
	c := connection.NewFake()
	run := func(args ...string) string { return string(reply.Encode(srv.Exec(c, strArgs(args...)), false)) }
	run("SELECT", "1")
	if got := run("GET", "n"); got != "$1\r\n2\r\n" {
		t.Errorf("GET n after replay: %q", got)
	}
	if got := run("EXISTS", "a"); got != ":0\r\n" {
		t.Errorf("a key expired in the file: %q", got)
	}
	run("SET", "after", "x")
	if err := srv.Durable(c); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "appendonly.aof"))
	if !strings.HasSuffix(string(got), "*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\nx\r\n") {
		t.Errorf("file after a write: %q", got)
	}
}

// TestBgRewriteWithAppendOnlyOff: BGREWRITEAOF with appendonly off writes
// a file that holds the dataset as it is when the rewrite ends, although
// clients rename, create, delete and change keys (alone and in MULTI)
// while it dumps: each such write reaches the rewrite's tail.
func TestBgRewriteWithAppendOnlyOff(t *testing.T) {
	dir := t.TempDir()
	old := config.Get()
	load := func(args ...string) {
		if _, err := config.Load(append([]string{"--port", strconv.Itoa(old.Port), "--enable-debug-command", "yes"}, args...)); err != nil {
			t.Fatal(err)
		}
	}
	load("--dir", dir, "--appendonly", "no")
	t.Cleanup(func() { load("--dir", old.Dir, "--enable-debug-command", old.EnableDebugCommand) })
	srv := NewServer()
	t.Cleanup(srv.Close)
	c := connection.NewFake()
	run := func(args ...string) string { return string(reply.Encode(srv.Exec(c, strArgs(args...)), false)) }
	if got := run("DEBUG", "POPULATE", "50000"); got != "+OK\r\n" {
		t.Fatalf("DEBUG POPULATE: %q", got)
	}
	// The writes stop before the new file is finished: all must be in it.
	var stop atomic.Bool
	written := make(chan struct{})
	testHookRewriteDumped = func() { stop.Store(true); <-written }
	t.Cleanup(func() { testHookRewriteDumped = nil })
	if got := run("BGREWRITEAOF"); !strings.HasPrefix(got, "+Background append only file rewriting") {
		t.Fatalf("BGREWRITEAOF: %q", got)
	}
	// Writes while the dump runs, on keys of shards dumped and not yet.
	n := 0
	for i := 0; i < 50000 && !stop.Load(); i++ {
		n++
		k := "key:" + strconv.Itoa(i)
		switch i % 4 {
		case 0:
			run("RENAME", k, "moved:"+strconv.Itoa(i))
		case 1:
			run("DEL", k)
		case 2:
			run("MULTI")
			run("APPEND", k, "+x")
			run("SET", "new:"+strconv.Itoa(i), "v")
			run("EXEC")
		case 3:
			run("RPUSH", "list:"+strconv.Itoa(i%50), k)
		}
	}
	close(written)
	if n < 100 {
		t.Logf("only %d writes during the dump", n)
	}
	for i := 0; srv.persist.rewriting.Load() != nil; i++ {
		if i == 2000 {
			t.Fatal("the rewrite did not end")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := run("INFO", "persistence"); !strings.Contains(got, "aof_last_bgrewrite_status:ok") {
		t.Fatalf("rewrite failed: %s", got)
	}
	// The file, replayed into a fresh server, gives the same dataset.
	cfg := *config.Get()
	cfg.AppendOnly = true
	replay := NewServer()
	t.Cleanup(replay.Close)
	replay.MarkLoading()
	if err := replay.loadAppendOnly(&cfg); err != nil {
		t.Fatal(err)
	}
	rc := connection.NewFake()
	dump := func(s *Server, c resp.Connection) map[string]string {
		out := map[string]string{}
		keys, err := client.NewReader(bytes.NewReader(reply.Encode(s.Exec(c, strArgs("KEYS", "*")), false))).ReadValue()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys.Elems {
			key := k.Text()
			v := reply.Encode(s.Exec(c, strArgs("TYPE", key)), false)
			switch string(v) {
			case "+string\r\n":
				v = reply.Encode(s.Exec(c, strArgs("GET", key)), false)
			case "+list\r\n":
				v = reply.Encode(s.Exec(c, strArgs("LRANGE", key, "0", "-1")), false)
			}
			out[key] = string(v)
		}
		return out
	}
	want, got := dump(srv, c), dump(replay, rc)
	if len(got) != len(want) {
		t.Errorf("replayed %d keys, the server has %d", len(got), len(want))
	}
	bad := 0
	for k, v := range want {
		if got[k] != v && bad < 5 {
			t.Errorf("key %q: replayed %q, server %q", k, got[k], v)
			bad++
		}
	}
}
