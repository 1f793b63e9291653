package database

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goredis/aof"
	"goredis/config"
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
