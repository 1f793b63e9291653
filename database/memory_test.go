package database

import (
	"strconv"
	"strings"
	"testing"

	"goredis/resp/client"
	"goredis/resp/connection"
)

func TestMallocSize(t *testing.T) {
	for _, tc := range []struct{ in, want int64 }{
		{1, 8}, {8, 8}, {9, 16}, {16, 16}, {17, 32}, {21, 32}, {33, 48}, {100, 112}, {128, 128},
		{129, 160}, {160, 160}, {161, 192}, {255, 256}, {257, 320}, {513, 640}, {4097, 5120},
		{14336, 14336}, {14337, 16384}, {16385, 20480}, {1 << 20, 1 << 20}, {1<<20 + 1, 1<<20 + 1<<18},
	} {
		if got := mallocSize(tc.in); got != tc.want {
			t.Errorf("mallocSize(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestMemoryUsageStrings checks string sizes against the figures
// redis-server 7.0 (jemalloc, 64 bit) reports for the same commands.
func TestMemoryUsageStrings(t *testing.T) {
	srv := sysServer(t)
	c := connection.NewFake()
	for _, tc := range []struct {
		cmd  []string
		key  string
		want int64
	}{
		{[]string{"SET", "k", "v"}, "k", 64},
		{[]string{"SET", "k2", "12345"}, "k2", 48},
		{[]string{"SET", "k3", strings.Repeat("a", 96)}, "k3", 160},
		{[]string{"SET", "k4", strings.Repeat("a", 44)}, "k4", 96},
		{[]string{"SET", "k5", strings.Repeat("a", 45)}, "k5", 112},
		{[]string{"SETRANGE", "b", "0", "hello"}, "b", 56},
		{[]string{"SETRANGE", "d", "40", "x"}, "d", 96},
		{[]string{"SETRANGE", "f", "100", "x"}, "f", 160},
	} {
		sysDo(srv, c, tc.cmd...)
		want := ":" + strconv.FormatInt(tc.want, 10) + "\r\n"
		if got := sysDo(srv, c, "MEMORY", "USAGE", tc.key); got != want {
			t.Errorf("%q: MEMORY USAGE %q, want %q", tc.cmd, got, want)
		}
	}
	if got := sysDo(srv, c, "MEMORY", "USAGE", "nokey"); got != "$-1\r\n" {
		t.Errorf("missing key: %q", got)
	}
	for _, args := range []struct{ args, want string }{
		{"SAMPLES -1", "-ERR syntax error\r\n"},
		{"SAMPLES", "-ERR syntax error\r\n"},
		{"foo 1", "-ERR syntax error\r\n"},
		{"SAMPLES abc", "-ERR value is not an integer or out of range\r\n"},
		{"SAMPLES 0", ":64\r\n"},
		{"samples 3 SAMPLES 4", ":64\r\n"},
	} {
		line := append([]string{"MEMORY", "USAGE", "k"}, strings.Fields(args.args)...)
		if got := sysDo(srv, c, line...); got != args.want {
			t.Errorf("%q: %q, want %q", line, got, args.want)
		}
	}
}

func TestMemoryStats(t *testing.T) {
	srv := sysServer(t)
	c := connection.NewFake()
	c.SetProtocol(3)
	sysDo(srv, c, "SET", "a", "1")
	sysDo(srv, c, "SELECT", "3")
	sysDo(srv, c, "SET", "b", "1", "EX", "100")
	raw := sysDo(srv, c, "MEMORY", "STATS")
	v, err := client.NewReader(strings.NewReader(raw)).ReadValue()
	if err != nil || v.Kind != client.KindMap {
		t.Fatalf("MEMORY STATS: %q %v", raw, err)
	}
	want := []string{"peak.allocated", "total.allocated", "startup.allocated", "replication.backlog",
		"clients.slaves", "clients.normal", "cluster.links", "aof.buffer", "lua.caches", "functions.caches",
		"db.0", "db.3", "overhead.hashtable.slot-to-keys", "overhead.total", "keys.count", "keys.bytes-per-key",
		"dataset.bytes", "dataset.percentage", "peak.percentage", "allocator.allocated", "allocator.active",
		"allocator.resident", "allocator-fragmentation.ratio", "allocator-fragmentation.bytes",
		"allocator-rss.ratio", "allocator-rss.bytes", "rss-overhead.ratio", "rss-overhead.bytes",
		"fragmentation", "fragmentation.bytes"}
	if len(v.Elems) != 2*len(want) {
		t.Fatalf("%d fields, want %d: %s", len(v.Elems)/2, len(want), v)
	}
	for i, name := range want {
		if got := v.Elems[2*i].Text(); got != name {
			t.Errorf("field %d is %q, want %q", i, got, name)
		}
	}
	if n, _ := v.MapGet("keys.count"); n.Int != 2 {
		t.Errorf("keys.count %s", n)
	}
	db3, _ := v.MapGet("db.3")
	if e, _ := db3.MapGet("overhead.hashtable.expires"); e.Int <= 0 {
		t.Errorf("db.3 %s", db3)
	}
	if f, _ := v.MapGet("fragmentation"); f.Kind != client.KindDouble {
		t.Errorf("fragmentation %s", f)
	}
}

func TestMemoryDoctorReport(t *testing.T) {
	if got := memoryDoctorReport(&memOverhead{total: 1 << 20, peak: 1 << 20}); !strings.HasPrefix(got, "Hi Sam, this instance is empty") {
		t.Errorf("small: %q", got)
	}
	if got := memoryDoctorReport(&memOverhead{total: 100 << 20, peak: 100 << 20}); got != "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n" {
		t.Errorf("healthy: %q", got)
	}
	got := memoryDoctorReport(&memOverhead{total: 100 << 20, peak: 400 << 20})
	if !strings.HasPrefix(got, "Sam, I detected a few issues") || !strings.Contains(got, " * Peak memory:") ||
		!strings.HasSuffix(got, "I'm here to keep you safe, Sam. I want to help you.\n") {
		t.Errorf("peak: %q", got)
	}
}

func TestMemorySmallSubcommands(t *testing.T) {
	srv := sysServer(t)
	c := connection.NewFake()
	for _, tc := range []struct {
		args   []string
		prefix string
	}{
		{[]string{"MEMORY", "PURGE"}, "+OK\r\n"},
		{[]string{"MEMORY", "DOCTOR"}, "$"},
		{[]string{"MEMORY", "MALLOC-STATS"}, "$"},
		{[]string{"MEMORY", "HELP"}, "*14\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DOCTOR\r\n"},
		{[]string{"MEMORY", "nosuch"}, "-ERR unknown subcommand 'nosuch'. Try MEMORY HELP.\r\n"},
		{[]string{"MEMORY", "USAGE"}, "-ERR wrong number of arguments for 'memory|usage' command\r\n"},
	} {
		if got := sysDo(srv, c, tc.args...); !strings.HasPrefix(got, tc.prefix) {
			t.Errorf("%q: %q", tc.args, got)
		}
	}
}
