package config

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"goredis/lib/logger"
)

// logBuf collects what the package logs during tests.
var logBuf syncBuffer

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

func TestMain(m *testing.M) {
	setupLogger = func(string, string) error { return nil }
	logger.SetOutput(&logBuf)
	os.Exit(m.Run())
}

// writeFile writes a file in a fresh temporary directory and returns its
// path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mustLoad loads args and fails the test on error.
func mustLoad(t *testing.T, args ...string) *Config {
	t.Helper()
	c, err := Load(args)
	if err != nil {
		t.Fatalf("Load(%q): %v", args, err)
	}
	if Get() != c {
		t.Fatal("Load did not install its result")
	}
	return c
}

// loadDefaults installs the compiled-in defaults (no file: the test runs
// in the package directory, which has no redis.conf).
func loadDefaults(t *testing.T) *Config {
	t.Helper()
	return mustLoad(t)
}

func pval(t *testing.T, name string) string {
	t.Helper()
	v, ok := Get().Param(name)
	if !ok {
		t.Fatalf("no parameter %s", name)
	}
	return v
}

func TestDefaults(t *testing.T) {
	c := loadDefaults(t)
	wd := workingDir()
	want := Config{
		Bind: []string{"*", "-::*"}, Port: 6379, ProtectedMode: true, MaxClients: 10000,
		TCPKeepAlive: 300, Databases: 16, Dir: wd, LogLevel: "notice",
		AppendFilename: "appendonly.aof", AppendDirname: "appendonlydir", AppendFsync: "everysec",
		AutoAofRewritePercentage: 100, AutoAofRewriteMinSize: 64 << 20, AofLoadTruncated: true,
		MaxMemoryPolicy: "noeviction", MaxMemorySamples: 5, LFULogFactor: 10, LFUDecayTime: 1,
		Hz: 10, EnableDebugCommand: "no", EnableProtectedConfigs: "no", ProtoMaxBulkLen: 512 << 20,
		ClientQueryBufferLimit: 1 << 30, SlowlogLogSlowerThan: 10000, SlowlogMaxLen: 128,
		ClientOutputBufferLimit: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		OutputBufferLimits:      [3]OutputBufferLimit{{}, {256 << 20, 64 << 20, 60}, {32 << 20, 8 << 20, 60}},
		RenameCommands:          map[string]string{},
		PeerTimeout:             2000,
	}
	got := *c
	got.vals = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
	for name, v := range map[string]string{
		"save": "3600 1 300 100 60 10000", "appendonly": "no", "bind": "* -::*",
		"dbfilename": "dump.rdb", "maxmemory": "0", "notify-keyspace-events": "",
		"latency-tracking-info-percentiles": "50 99 99.9", "oom-score-adj-values": "0 200 800",
		"slave-read-only": "yes", "lua-time-limit": "5000", "unixsocketperm": "0",
		"shutdown-on-sigint": "default", "dir": wd, "requirepass": "", "replicaof": "",
		"loading-process-events-interval-bytes": "2097152", "peer-timeout": "2000",
	} {
		if got := pval(t, name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
}

func TestSplitCommandLine(t *testing.T) {
	tests := []struct {
		args    []string
		file    string
		stdin   bool
		options string
	}{
		{nil, "", false, ""},
		{[]string{"a.conf"}, "a.conf", false, ""},
		{[]string{"a.conf", "--port", "1"}, "a.conf", false, `port "1" `},
		{[]string{"--port", "1", "--hz", "5"}, "", false, "port \"1\" \nhz \"5\" "},
		{[]string{"--save", "900", "1", "--bind", "a b"}, "", false, "save \"900\" \"1\" \nbind \"a b\" "},
		{[]string{"--port 7000"}, "", false, "port 7000 "},
		{[]string{"--port", "--hz", "3"}, "", false, `port "--hz" "3" `},
		{[]string{"--save", "--port", "1"}, "", false, "save \"\"\nport \"1\" "},
		{[]string{"--port", "1", "--save"}, "", false, "port \"1\" \nsave \"\""},
		{[]string{"-", "--port", "1"}, "", true, `port "1" `},
		{[]string{"a.conf", "--port", "1", "-"}, "a.conf", true, `port "1" `},
		{[]string{"a.conf", "x y", "--port", "1"}, "a.conf", false, "\"x y\" \nport \"1\" "},
		{[]string{"--requirepass", "a\"b\n"}, "", false, `requirepass "a\"b\n" `},
	}
	for _, tc := range tests {
		f, s, o := splitCommandLine(tc.args)
		if f != tc.file || s != tc.stdin || o != tc.options {
			t.Errorf("splitCommandLine(%q) = %q, %v, %q; want %q, %v, %q", tc.args, f, s, o, tc.file, tc.stdin, tc.options)
		}
	}
}

func TestLoadSyntax(t *testing.T) {
	file := writeFile(t, "syntax.conf", strings.Join([]string{
		"# comment line",
		"   # indented comment",
		"",
		"  PORT   7001   ",
		"requirepass \"a b\\x41\\n\\t\\\\\\\"\"",
		"masterauth 'it\\'s'",
		"maxmemory 2GB",
		"auto-aof-rewrite-min-size 10kb",
		"proto-max-bulk-len 2m",
		"client-query-buffer-limit 3g",
		"repl-backlog-size 5k",
		"appendonly YES",
		"protected-mode No",
		"appendfsync Always",
		"save 900 1",
		"save 300 10",
		"bind \"127.0.0.1 ::1\"",
		"slave-read-only no",
		"client-output-buffer-limit pubsub 1mb 2mb 30 replica 1 2 3",
		"notify-keyspace-events KEg$",
		"hz 1000",
		"rename-command KEYS \"\"",
		"rename-command get get2",
		"rename-command get2 fetch",
		"list-max-ziplist-entries 5",
		"self 127.0.0.1:7001",
		"peers 127.0.0.1:7002,127.0.0.1:7003 127.0.0.1:7004",
		"loglevel warning\r",
		"\t",
	}, "\n"))
	c := mustLoad(t, file)
	checks := []struct{ got, want any }{
		{c.Port, 7001},
		{c.RequirePass, "a bA\n\t\\\""},
		{pval(t, "masterauth"), "it's"},
		{c.MaxMemory, int64(2 << 30)},
		{c.AutoAofRewriteMinSize, int64(10 * 1024)},
		{c.ProtoMaxBulkLen, int64(2000000)},
		{c.ClientQueryBufferLimit, int64(3000000000)},
		{pval(t, "repl-backlog-size"), "5000"},
		{c.AppendOnly, true},
		{c.ProtectedMode, false},
		{c.AppendFsync, "always"},
		{pval(t, "save"), "900 1 300 10"},
		{c.Bind, []string{"127.0.0.1", "::1"}},
		{pval(t, "replica-read-only"), "no"},
		{c.OutputBufferLimits, [3]OutputBufferLimit{{}, {1, 2, 3}, {1 << 20, 2 << 20, 30}}},
		{c.ClientOutputBufferLimit, "normal 0 0 0 slave 1 2 3 pubsub 1048576 2097152 30"},
		{c.NotifyKeyspaceEvents, "g$KE"},
		{c.NotifyFlags, NotifyGeneric | NotifyString | NotifyKeyspace | NotifyKeyevent},
		{c.Hz, 500},
		{c.RenameCommands, map[string]string{"keys": "", "get": "fetch"}},
		{c.Self, "127.0.0.1:7001"},
		{c.Peers, []string{"127.0.0.1:7002", "127.0.0.1:7003", "127.0.0.1:7004"}},
		{c.LogLevel, "warning"},
		{c.ConfigFile, file},
	}
	for i, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("check %d: got %#v, want %#v", i, ck.got, ck.want)
		}
	}
	if log := logBuf.take(); !strings.Contains(log, "'save'") || !strings.Contains(log, "'list-max-ziplist-entries'") ||
		strings.Contains(log, "'port'") || strings.Count(log, "'save'") != 1 {
		t.Errorf("ignored-directive log:\n%s", log)
	}
}

func TestLoadOverridesAndIncludes(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "inc.conf")
	os.WriteFile(inc, []byte("hz 20\ntimeout 5\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "d"), 0o755)
	os.WriteFile(filepath.Join(dir, "d", "x.conf"), []byte("tcp-keepalive 7\n"), 0o644)
	main := filepath.Join(dir, "main.conf")
	os.WriteFile(main, []byte("port 7002\ninclude "+inc+"\ndir "+dir+"\ninclude d/*.conf\ninclude nomatch/*.conf\nlogfile log.txt\nsave 10 1\n"), 0o644)

	c := mustLoad(t, main, "--timeout", "9", "--save", "--port", "7003")
	if c.Port != 7003 || c.Hz != 20 || c.Timeout != 9 || c.TCPKeepAlive != 7 {
		t.Errorf("port %d hz %d timeout %d keepalive %d", c.Port, c.Hz, c.Timeout, c.TCPKeepAlive)
	}
	if pval(t, "save") != "" {
		t.Errorf("--save with no value should clear save, got %q", pval(t, "save"))
	}
	if c.Dir != dir || c.LogFile != filepath.Join(dir, "log.txt") || pval(t, "logfile") != "log.txt" {
		t.Errorf("dir %q logfile %q (%q)", c.Dir, c.LogFile, pval(t, "logfile"))
	}
	// A relative dir resolves against the directory set so far.
	c = mustLoad(t, "--dir", dir, "--dir", "d")
	if c.Dir != filepath.Join(dir, "d") {
		t.Errorf("relative dir: %q", c.Dir)
	}
	// Multi-word values in one argument, as "--save '900 1'".
	c = mustLoad(t, "--save", "900 1 60 5", "--bind", "127.0.0.1 ::1")
	if pval(t, "save") != "900 1 60 5" || !reflect.DeepEqual(c.Bind, []string{"127.0.0.1", "::1"}) {
		t.Errorf("save %q bind %q", pval(t, "save"), c.Bind)
	}
}

func TestLoadStdin(t *testing.T) {
	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader("port 7005\nhz 12\n")
	c := mustLoad(t, "-", "--hz", "13")
	if c.Port != 7005 || c.Hz != 13 {
		t.Errorf("port %d hz %d", c.Port, c.Hz)
	}
}

func TestLoadDefaultFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "redis.conf"), []byte("port 7010\n"), 0o644)
	t.Chdir(dir)
	c := mustLoad(t)
	if c.Port != 7010 || c.ConfigFile != filepath.Join(workingDir(), "redis.conf") {
		t.Errorf("implicit ./redis.conf: port %d file %q", c.Port, c.ConfigFile)
	}
	c = mustLoad(t, "--port", "7011")
	if c.Port != 7011 || c.ConfigFile == "" {
		t.Errorf("overrides on implicit ./redis.conf: port %d file %q", c.Port, c.ConfigFile)
	}
}

func TestRenameCommandLookup(t *testing.T) {
	SetCommandLookup(func(n string) bool { return n == "get" || n == "set" || n == "keys" })
	defer SetCommandLookup(nil)
	c := mustLoad(t, "--rename-command", "get", "set2", "--rename-command", "set2", "got")
	if !reflect.DeepEqual(c.RenameCommands, map[string]string{"get": "got"}) {
		t.Errorf("renames %v", c.RenameCommands)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--rename-command", "nosuch", "x"}, "No such command in rename-command"},
		{[]string{"--rename-command", "get", "set"}, "Target command name already exists"},
		{[]string{"--rename-command", "get", "x", "--rename-command", "get", "y"}, "No such command in rename-command"},
	} {
		_, err := Load(tc.args)
		var le *LoadError
		if !errors.As(err, &le) || le.Reason != tc.want {
			t.Errorf("Load(%q) = %v, want reason %q", tc.args, err, tc.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	banner := "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
	at := func(n, line, reason string) string {
		return banner + "Reading the configuration file, at line " + n + "\n>>> '" + line + "'\n" + reason + "\n"
	}
	tests := []struct {
		file string
		args []string
		want string
	}{
		{"port 1\nfoo bar\n", nil, at("2", "foo bar", "Bad directive or wrong number of arguments")},
		{"port abc\n", nil, at("1", "port abc", "argument couldn't be parsed into an integer")},
		{"# c\n\nappendfsync sometimes\n", nil, at("3", "appendfsync sometimes", "argument(s) must be one of the following: everysec, always, no")},
		{"port 1 2\n", nil, at("1", "port 1 2", "wrong number of arguments")},
		{"port\n", nil, at("1", "port", "wrong number of arguments")},
		{"save 1\n", nil, at("1", "save 1", "Invalid save parameters")},
		{"dir /nonexistent/x\n", nil, at("1", "dir /nonexistent/x", "No such file or directory")},
		{"maxmemory 1x\n", nil, at("1", "maxmemory 1x", "argument must be a memory value")},
		{"port \"abc\n", nil, at("1", "port \"abc", "Unbalanced quotes in configuration line")},
		{"port 'a'b\n", nil, at("1", "port 'a'b", "Unbalanced quotes in configuration line")},
		{"loglevel nothing\n", nil, at("1", "loglevel nothing", "argument(s) must be one of the following: debug, verbose, notice, warning")},
		{"   PORT   abc   \n", nil, at("1", "PORT   abc", "argument couldn't be parsed into an integer")},
		{"port abc\r\n", nil, at("1", "port abc", "argument couldn't be parsed into an integer")},
		{"appendonly maybe\n", nil, at("1", "appendonly maybe", "argument must be 'yes' or 'no'")},
		{"hz -1\n", nil, at("1", "hz -1", "argument must be between 0 and 2147483647 inclusive")},
		{"maxclients 0\n", nil, at("1", "maxclients 0", "argument must be between 1 and 4294967295 inclusive")},
		{"notify-keyspace-events Q\n", nil, at("1", "notify-keyspace-events Q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")},
		{"client-output-buffer-limit normal 1\n", nil, at("1", "client-output-buffer-limit normal 1", "Wrong number of arguments in buffer limit configuration.")},
		{"rename-command get\n", nil, at("1", "rename-command get", "Bad directive or wrong number of arguments")},
		{"include\n", nil, at("1", "include", "Bad directive or wrong number of arguments")},
		{"sentinel foo\n", nil, at("1", "sentinel foo", "sentinel directive while not in sentinel mode")},
		{"user\n", nil, at("1", "user", "Bad directive or wrong number of arguments")},
		{"bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", nil, at("1", "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "Too many bind addresses specified.")},
		{"list-max-ziplist-entries 5\nport abc\n", nil, at("2", "port abc", "argument couldn't be parsed into an integer")},
		{"hz 1\n", []string{"--port", "abc"}, at("3", `port "abc"`, "argument couldn't be parsed into an integer")},
		{"hz 1\n\n\n", []string{"--port", "1", "--hz", "abc"}, at("6", `hz "abc"`, "argument couldn't be parsed into an integer")},
		{"hz 1\n", []string{"--port", "1", "2"}, at("3", `port "1" "2"`, "wrong number of arguments")},
		{"hz 1\n", []string{"foo", "--port", "abc"}, at("3", `"foo"`, "Bad directive or wrong number of arguments")},
		{"", []string{"--port"}, at("2", "port", "wrong number of arguments")},
		{"", []string{"--port", "--hz", "abc"}, at("2", `port "--hz" "abc"`, "wrong number of arguments")},
		{"", []string{"--foo", "bar"}, at("2", `foo "bar"`, "Bad directive or wrong number of arguments")},
		{"logfile /nonexistent/x.log\n", nil, banner + "Can't open the log file: No such file or directory\n"},
		{"cluster-enabled yes\nreplicaof 127.0.0.1 1\n", nil, banner + "replicaof directive not allowed in cluster mode\n"},
		{"foo.bar 1\n", nil, "Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting\n"},
		{"include /nonexistent/inc.conf\n", nil, "Fatal error, can't open config file '/nonexistent/inc.conf': No such file or directory\n"},
		{"include nonexistent.conf\n", nil, "Fatal error, can't open config file 'nonexistent.conf': No such file or directory\n"},
	}
	for _, tc := range tests {
		var args []string
		if tc.file != "" {
			args = append(args, writeFile(t, "bad.conf", tc.file))
		}
		args = append(args, tc.args...)
		before := Get()
		_, err := Load(args)
		if err == nil {
			t.Errorf("Load(%q, %q): no error", tc.file, tc.args)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Load(%q, %q):\n got %q\nwant %q", tc.file, tc.args, err.Error(), tc.want)
		}
		if Get() != before {
			t.Errorf("Load(%q) installed a configuration despite failing", tc.file)
		}
	}
	_, err := Load([]string{"/nonexistent/redis.conf"})
	if err == nil || err.Error() != "Fatal error, can't open config file '/nonexistent/redis.conf': No such file or directory\n" {
		t.Errorf("missing file: %v", err)
	}
}

func TestMemToULL(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"1b", 1, true}, {"1B", 1, true},
		{"1k", 1000, true}, {"1K", 1000, true}, {"1kb", 1024, true}, {"1KB", 1024, true},
		{"1m", 1000000, true}, {"1mb", 1 << 20, true}, {"1Mb", 1 << 20, true},
		{"1g", 1000000000, true}, {"1gb", 1 << 30, true}, {"3GB", 3 << 30, true},
		{"", 0, true}, {"kb", 0, true}, // Redis reads an empty number as 0
		{"99999999999999999999999", math.MaxUint64, true},
		{"18446744073709551615gb", math.MaxUint64 - (1 << 30) + 1, true}, // wraps, as in Redis
		{"-1", 0, false}, {"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false},
		{"1.5gb", 0, false}, {"1t", 0, false}, {"1kbb", 0, false}, {"0x10", 0, false},
		{strings.Repeat("1", 128), 0, false},
	}
	for _, tc := range tests {
		got, ok := memToULL(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("memToULL(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStrtoll(t *testing.T) {
	tests := []struct {
		in   string
		base int
		want int64
		ok   bool
	}{
		{"", 10, 0, true}, {"0", 10, 0, true}, {"+5", 10, 5, true}, {" 7", 10, 7, true},
		{"-3", 10, -3, true}, {"5 ", 10, 0, false}, {"x", 10, 0, false}, {" ", 10, 0, false},
		{"+", 10, 0, false}, {"777", 8, 511, true}, {"0777", 8, 511, true}, {"8", 8, 0, false},
		{"9223372036854775807", 10, math.MaxInt64, true}, {"9223372036854775808", 10, 0, false},
		{"-9223372036854775808", 10, math.MinInt64, true},
	}
	for _, tc := range tests {
		got, ok := strtoll(tc.in, tc.base)
		if got != tc.want || ok != tc.ok {
			t.Errorf("strtoll(%q, %d) = %d, %v; want %d, %v", tc.in, tc.base, got, ok, tc.want, tc.ok)
		}
	}
	if v, ok := strtollSat("99999999999999999999", 10); !ok || v != math.MaxInt64 {
		t.Errorf("strtollSat overflow = %d, %v", v, ok)
	}
}

func TestRepr(t *testing.T) {
	for in, want := range map[string]string{
		"":             `""`,
		"abc":          `"abc"`,
		"a b":          `"a b"`,
		"q\"\\":        `"q\"\\"`,
		"\n\r\t\a\b":   `"\n\r\t\a\b"`,
		"\x00\x7f\xff": `"\x00\x7f\xff"`,
	} {
		if got := repr(in); got != want {
			t.Errorf("repr(%q) = %s, want %s", in, got, want)
		}
		back, ok := splitArgs(repr(in))
		if !ok || len(back) != 1 || back[0] != in {
			t.Errorf("splitArgs(repr(%q)) = %q, %v", in, back, ok)
		}
	}
}

func TestGetParams(t *testing.T) {
	loadDefaults(t)
	tests := []struct {
		patterns []string
		want     []string
	}{
		{[]string{"port"}, []string{"port", "6379"}},
		{[]string{"PORT"}, []string{"PORT", "6379"}},
		{[]string{"port", "PORT", "Port"}, []string{"port", "6379"}},
		{[]string{"nosuch"}, nil},
		{[]string{"s?ve"}, []string{"save", "3600 1 300 100 60 10000"}},
		{[]string{"SAVE"}, []string{"SAVE", "3600 1 300 100 60 10000"}},
		{[]string{"appendonly"}, []string{"appendonly", "no"}},
		{[]string{"slave-read-only", "replica-read-only"}, []string{"slave-read-only", "yes", "replica-read-only", "yes"}},
		{[]string{"*slave-read*"}, []string{"slave-read-only", "yes"}},
		{[]string{"*-read-only"}, []string{"replica-read-only", "yes", "slave-read-only", "yes"}},
		{[]string{"use-exit-on-panic"}, []string{"use-exit-on-panic", "no"}},
		{[]string{"*exit*"}, nil},
		{[]string{"self"}, []string{"self", ""}},
		{[]string{"*peer*"}, nil},
		{[]string{"list-max-ziplist-entries"}, nil},
		{[]string{"maxmemory-p[a-z]licy", "maxmemory-policy"}, []string{"maxmemory-policy", "noeviction"}},
		{[]string{"[m]axmemory"}, []string{"maxmemory", "0"}},
		{[]string{"hz", "h?"}, []string{"hz", "10"}},
	}
	for _, tc := range tests {
		got := GetParams(tc.patterns)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("GetParams(%q) = %q, want %q", tc.patterns, got, tc.want)
		}
	}
	all := GetParams([]string{"*"})
	names := map[string]bool{}
	for i := 0; i < len(all); i += 2 {
		if names[all[i]] {
			t.Errorf("CONFIG GET * repeats %s", all[i])
		}
		names[all[i]] = true
	}
	if len(names) != 192 {
		t.Errorf("CONFIG GET * has %d names, Redis 7.0.15 has 192", len(names))
	}
	if got := GetParams([]string{"*", "port"}); len(got) != len(all) {
		t.Errorf("CONFIG GET * port repeated names: %d vs %d", len(got), len(all))
	}
}

func TestSetParamsErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "ERR wrong number of arguments for 'config|set' command"},
		{[]string{"port"}, "ERR wrong number of arguments for 'config|set' command"},
		{[]string{"port", "1", "hz"}, "ERR syntax error"},
		{[]string{"foo", "bar"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[]string{"port", "1", "foo", "bar"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[]string{"foo", "bar", "daemonize", "yes"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[]string{"daemonize", "yes", "foo", "bar"}, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"},
		{[]string{"DAEMONIZE", "yes"}, "ERR CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set immutable config"},
		{[]string{"slaveof", "no one"}, "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set immutable config"},
		{[]string{"dir", "/tmp"}, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"},
		{[]string{"dbfilename", "x.rdb"}, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"},
		{[]string{"self", "x"}, "ERR CONFIG SET failed (possibly related to argument 'self') - can't set immutable config"},
		{[]string{"port", "1", "Port", "2"}, "ERR CONFIG SET failed (possibly related to argument 'Port') - duplicate parameter"},
		{[]string{"hz", "abc"}, "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"},
		{[]string{"HZ", "-1"}, "ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be between 0 and 2147483647 inclusive"},
		{[]string{"SLAVE-READ-ONLY", "maybe"}, "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must be 'yes' or 'no'"},
		{[]string{"maxclients", "-1"}, "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive"},
		{[]string{"maxmemory", "-1"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[]string{"maxmemory-clients", "200%"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100"},
		{[]string{"maxmemory-clients", "x"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value"},
		{[]string{"proto-max-bulk-len", "1000"}, "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive"},
		{[]string{"loglevel", "foo"}, "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning"},
		{[]string{"notify-keyspace-events", "Q"}, "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
		{[]string{"save", "1 2 3"}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[]string{"save", "1  2"}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[]string{"client-output-buffer-limit", "master 1 2 3"}, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration."},
		{[]string{"client-output-buffer-limit", "normal 1 2 3k"}, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{[]string{"shutdown-on-sigint", "save nosave"}, "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously"},
		{[]string{"cluster-announce-hostname", "a_b"}, "ERR CONFIG SET failed (possibly related to argument 'cluster-announce-hostname') - Hostnames may only contain alphanumeric characters, hyphens or dots"},
		{[]string{"proc-title-template", "{title}"}, "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables"},
		{[]string{"latency-tracking-info-percentiles", "101"}, "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
		{[]string{"oom-score-adj-values", "1 2"}, "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments"},
		{[]string{"bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"}, "ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses specified."},
	}
	for _, tc := range tests {
		loadDefaults(t)
		before := Get()
		err := SetParams(tc.args)
		if err == nil || err.Error() != tc.want {
			t.Errorf("SetParams(%q) = %v, want %q", tc.args, err, tc.want)
		}
		if Get() != before {
			t.Errorf("SetParams(%q) failed but changed the snapshot", tc.args)
		}
	}
}

func TestSetParamsAtomic(t *testing.T) {
	c0 := loadDefaults(t)
	var calls [][2]*Config
	OnChange(func(o, n *Config) { calls = append(calls, [2]*Config{o, n}) })
	defer func() { changeHooks = nil }()

	// A bad value after good ones changes nothing.
	err := SetParams([]string{"hz", "50", "timeout", "30", "maxmemory", "1x"})
	if err == nil || Get() != c0 || Get().Hz != 10 || Get().Timeout != 0 || len(calls) != 0 {
		t.Fatalf("failed SET changed state: err=%v hz=%d timeout=%d calls=%d", err, Get().Hz, Get().Timeout, len(calls))
	}
	if err := SetParams([]string{"hz", "50", "timeout", "30", "maxmemory", "1gb", "slave-read-only", "no", "replica-read-only", "yes"}); err != nil {
		t.Fatal(err)
	}
	c1 := Get()
	if c1.Hz != 50 || c1.Timeout != 30 || c1.MaxMemory != 1<<30 || pval(t, "replica-read-only") != "yes" {
		t.Errorf("after set: hz %d timeout %d maxmemory %d ro %s", c1.Hz, c1.Timeout, c1.MaxMemory, pval(t, "replica-read-only"))
	}
	if c0.Hz != 10 || c0.Timeout != 0 {
		t.Error("the old snapshot was modified")
	}
	if len(calls) != 1 || calls[0][0] != c0 || calls[0][1] != c1 {
		t.Errorf("OnChange calls %v", calls)
	}
	// Clamping, unsigned overflow and percentages read back as Redis.
	for _, kv := range [][2]string{
		{"hz", "1000"}, {"hz", "0"}, {"maxmemory", "18446744073709551615"}, {"maxmemory", "5B"},
		{"maxmemory-clients", "10%"}, {"notify-keyspace-events", "KEA"}, {"notify-keyspace-events", "g$lshzxetdKn"},
		{"notify-keyspace-events", "mn"}, {"save", ""}, {"save", "1  2 3"}, {"client-output-buffer-limit", "Normal 1k 2 0 PUBSUB 1 2 3"},
		{"client-output-buffer-limit", "normal 1 2 "}, {"latency-tracking-info-percentiles", "50 99.9999 100"},
		{"shutdown-on-sigint", "now SAVE"}, {"bind", ""}, {"appendfsync", "ALWAYS"}, {"maxmemory", "kb"},
	} {
		if err := SetParams(kv[:]); err != nil {
			t.Errorf("SetParams(%q): %v", kv, err)
		}
	}
	want := map[string]string{
		"hz": "1", "maxmemory": "0", "maxmemory-clients": "10%", "notify-keyspace-events": "nm",
		"save": "1 0 2 3", "client-output-buffer-limit": "normal 1 2 0 slave 268435456 67108864 60 pubsub 1 2 3",
		"latency-tracking-info-percentiles": "50 99.9999 100", "shutdown-on-sigint": "save now",
		"bind": "", "appendfsync": "always",
	}
	for k, v := range want {
		if got := pval(t, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if c := Get(); c.Hz != 1 || c.AppendFsync != "always" || len(c.Bind) != 0 || c.NotifyFlags != NotifyKeyMiss|NotifyNew {
		t.Errorf("typed fields: hz %d fsync %s bind %q notify %d", c.Hz, c.AppendFsync, c.Bind, c.NotifyFlags)
	}
	SetParams([]string{"maxmemory", "18446744073709551615"})
	if Get().MaxMemory != math.MaxInt64 {
		t.Errorf("MaxMemory above MaxInt64 = %d", Get().MaxMemory)
	}
}

func TestSetParamsProtected(t *testing.T) {
	dir := t.TempDir()
	mustLoad(t, "--enable-protected-configs", "local")
	if err := SetParams([]string{"dir", dir}); err == nil {
		t.Error("dir settable from a remote client with enable-protected-configs local")
	}
	if err := SetParamsLocal([]string{"dir", dir}, true); err != nil {
		t.Fatal(err)
	}
	if Get().Dir != dir {
		t.Errorf("dir = %q", Get().Dir)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	for _, tc := range [][2]string{
		{"sub", ""},
		{"/nonexistent", "No such file or directory"},
		{"", "No such file or directory"},
		{filepath.Join(dir, "file"), "Not a directory"},
	} {
		err := SetParamsLocal([]string{"dir", tc[0]}, true)
		want := "ERR CONFIG SET failed (possibly related to argument 'dir') - " + tc[1]
		if (tc[1] == "" && err != nil) || (tc[1] != "" && (err == nil || err.Error() != want)) {
			t.Errorf("dir %q: %v", tc[0], err)
		}
	}
	if Get().Dir != filepath.Join(dir, "sub") {
		t.Errorf("relative dir: %q", Get().Dir)
	}
	mustLoad(t, "--enable-protected-configs", "yes")
	if err := SetParams([]string{"dbfilename", "a.rdb"}); err != nil {
		t.Error(err)
	}
	if err := SetParams([]string{"dbfilename", "a/b"}); err == nil || !strings.HasSuffix(err.Error(), "dbfilename can't be a path, just a filename") {
		t.Errorf("dbfilename a/b: %v", err)
	}
	if !Get().ProtectedAllowed(false) || Get().DebugAllowed(true) {
		t.Error("ProtectedAllowed/DebugAllowed")
	}
}

func TestOnApplyRollback(t *testing.T) {
	c0 := loadDefaults(t)
	var log []string
	OnApply("port", func(o, n *Config) error {
		log = append(log, "port "+strings.Join([]string{itoa(o.Port), itoa(n.Port)}, "->"))
		if n.Port == 1 {
			return errors.New("Unable to listen on this port. Check server logs.")
		}
		return nil
	})
	OnApply("timeout", func(o, n *Config) error {
		log = append(log, "timeout "+itoa(o.Timeout)+"->"+itoa(n.Timeout))
		return nil
	})
	defer func() { applyHooks = map[string]func(o, n *Config) error{} }()
	err := SetParams([]string{"timeout", "5", "port", "1"})
	want := "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."
	if err == nil || err.Error() != want {
		t.Errorf("got %v", err)
	}
	if Get() != c0 {
		t.Error("failed apply installed a snapshot")
	}
	if got := strings.Join(log, ", "); got != "timeout 0->5, port 6379->1, timeout 5->0" {
		t.Errorf("apply calls: %s", got)
	}
	log = nil
	if err := SetParams([]string{"port", "6379", "timeout", "0"}); err != nil || len(log) != 0 {
		t.Errorf("unchanged values must not be applied: %v %q", err, log)
	}
	if err := SetParams([]string{"port", "7000"}); err != nil || Get().Port != 7000 || len(log) != 1 {
		t.Errorf("apply ok: %v %q", err, log)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestResetStat(t *testing.T) {
	n := 0
	OnResetStat(func() { n++ })
	OnResetStat(func() { n += 10 })
	defer func() { resetHooks = nil }()
	ResetStat()
	ResetStat()
	if n != 22 {
		t.Errorf("hooks ran to %d, want 22", n)
	}
}

func TestLogLevelFollowsSet(t *testing.T) {
	loadDefaults(t)
	logger.SetLevel("notice")
	if err := SetParams([]string{"loglevel", "warning"}); err != nil {
		t.Fatal(err)
	}
	if logger.GetLevel() != logger.LevelWarning {
		t.Errorf("logger level %d after CONFIG SET loglevel warning", logger.GetLevel())
	}
	logger.SetLevel("notice")
}

func TestRewrite(t *testing.T) {
	dir := t.TempDir()
	orig := strings.Join([]string{
		"# top comment",
		"port 7415",
		"",
		"",
		"# another",
		"hz 20",
		"save 100 1",
		"save 200 2",
		"slave-read-only no",
		"maxmemory 1mb",
		"bind 127.0.0.1",
		"rename-command KEYS \"\"",
		"appendfsync always",
		"hz 30",
		"list-max-ziplist-entries 5",
		"requirepass old",
		"dir " + dir,
		"",
	}, "\n")
	file := filepath.Join(dir, "rw.conf")
	os.WriteFile(file, []byte(orig), 0o644)
	mustLoad(t, file)
	for _, kv := range [][2]string{
		{"maxmemory", "3000000"}, {"appendfsync", "everysec"}, {"notify-keyspace-events", "KEA"},
		{"requirepass", "a b\"c"}, {"client-output-buffer-limit", "pubsub 64mb 16mb 0"}, {"timeout", "10"},
	} {
		if err := SetParams(kv[:]); err != nil {
			t.Fatal(err)
		}
	}
	if err := Rewrite(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(file)
	want := strings.Join([]string{
		"# top comment",
		"port 7415",
		"",
		"# another",
		"hz 30",
		"save 100 1",
		"save 200 2",
		"replica-read-only no",
		"maxmemory 3000000",
		"bind 127.0.0.1",
		"rename-command KEYS \"\"",
		"appendfsync everysec",
		"",
		"# ??? list-max-ziplist-entries 5",
		`requirepass "a b\"c"`,
		`dir "` + dir + `"`,
		"",
		"# Generated by CONFIG REWRITE",
		"timeout 10",
		"client-output-buffer-limit pubsub 64mb 16mb 0",
		`notify-keyspace-events "AKE"`,
		"latency-tracking-info-percentiles 50 99 99.9",
		"",
	}, "\n")
	// The second rewrite reuses the client-output-buffer-limit line for
	// the first class, as Redis does, and appends the changed class.
	want2 := strings.Replace(want, "client-output-buffer-limit pubsub 64mb 16mb 0", "client-output-buffer-limit normal 0 0 0", 1) +
		"\nclient-output-buffer-limit pubsub 64mb 16mb 0\n"
	if string(got) != want {
		t.Errorf("rewrite:\n%s\nwant:\n%s", got, want)
	}
	// A second rewrite.
	if err := Rewrite(); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(file)
	if string(again) != want2 {
		t.Errorf("second rewrite:\n%s\nwant:\n%s", again, want2)
	}
	// Unset string parameters and default bind drop their lines.
	SetParams([]string{"requirepass", "", "bind", "* -::*"})
	Rewrite()
	again, _ = os.ReadFile(file)
	if strings.Contains(string(again), "requirepass") || strings.Contains(string(again), "bind") {
		t.Errorf("requirepass/bind lines kept:\n%s", again)
	}
	loadDefaults(t)
	if err := Rewrite(); err == nil || err.Error() != "ERR The server is running without a config file" {
		t.Errorf("rewrite without file: %v", err)
	}
}

func TestRewriteErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "x.conf")
	os.WriteFile(file, []byte("port 1\n"), 0o644)
	mustLoad(t, file)
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o755)
	if os.Getuid() == 0 {
		// root writes anywhere; use a directory that vanished instead.
		os.Chmod(dir, 0o755)
		os.RemoveAll(dir)
	}
	err := Rewrite()
	if err == nil || !strings.HasPrefix(err.Error(), "ERR Rewriting config file: ") {
		t.Errorf("rewrite into an unusable directory: %v", err)
	}
}

func TestFormatNotifyFlags(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "KEA": "AKE", "Ex": "xE", "g$lshzxetdKn": "AK", "mn": "nm", "lK": "lK", "gE$": "g$E", "A": "A",
	} {
		f, ok := ParseNotifyFlags(in)
		if !ok || FormatNotifyFlags(f) != want {
			t.Errorf("%q -> %q, want %q", in, FormatNotifyFlags(f), want)
		}
	}
	if _, ok := ParseNotifyFlags("a"); ok {
		t.Error("lowercase a accepted")
	}
}

func TestTableConsistency(t *testing.T) {
	for _, p := range table {
		if p.def == nil && p.kind != kSpecial {
			t.Errorf("%s has no default", p.name)
		}
		if got := p.format(p.def); p.kind != kSpecial && p.kind != kString {
			v, err := p.parse(p.def, []string{got}, nil)
			if err != "" || p.format(v) != got {
				t.Errorf("%s: default %q does not parse back: %q %v", p.name, got, err, v)
			}
		}
		if lookup(strings.ToUpper(p.name)) != p {
			t.Errorf("lookup(%s) case-insensitive failed", p.name)
		}
	}
}

// TestBundledConfig loads the repository's redis.conf: it must give the
// documented settings and log nothing as ignored.
func TestBundledConfig(t *testing.T) {
	logBuf.take()
	c := mustLoad(t, "../redis.conf")
	if log := logBuf.take(); log != "" {
		t.Errorf("bundled redis.conf logged:\n%s", log)
	}
	if !reflect.DeepEqual(c.Bind, []string{"127.0.0.1"}) || c.Port != 6399 || !c.AppendOnly ||
		c.AppendFsync != "everysec" || c.Dir != workingDir() || c.EnableDebugCommand != "local" ||
		c.ClientOutputBufferLimit != "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60" ||
		c.LogFile != "" || c.ConfigFile != filepath.Join(filepath.Dir(workingDir()), "redis.conf") {
		t.Errorf("bundled config: %+v", *c)
	}
	// Every directive it sets is implemented.
	data, _ := os.ReadFile("../redis.conf")
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if p := lookup(f[0]); p == nil || !p.has(fImplemented) {
			t.Errorf("bundled redis.conf sets %s, which is not implemented", f[0])
		}
	}
}

// TestStockConfigLogsIgnored loads a stock Redis 7.0 redis.conf: it loads,
// and each unimplemented directive is logged once.
func TestStockConfigLogsIgnored(t *testing.T) {
	const stock = "/etc/redis/redis.conf"
	if _, err := os.Stat(stock); err != nil {
		t.Skip("no " + stock)
	}
	logBuf.take()
	mustLoad(t, stock, "--logfile", "", "--dir", t.TempDir())
	log := logBuf.take()
	for _, name := range []string{"tcp-backlog", "dbfilename", "pidfile", "lazyfree-lazy-eviction", "oom-score-adj-values"} {
		if strings.Count(log, "'"+name+"'") != 1 {
			t.Errorf("%s logged %d times", name, strings.Count(log, "'"+name+"'"))
		}
	}
	for _, name := range []string{"port", "appendonly", "client-output-buffer-limit", "dir"} {
		if strings.Contains(log, "'"+name+"'") {
			t.Errorf("implemented %s logged as ignored", name)
		}
	}
}

func TestASCIIFolding(t *testing.T) {
	// strcasecmp folds ASCII only; Go's Unicode folding would accept
	// these (U+212A KELVIN SIGN lowers to 'k', U+017F folds to 's').
	if lookup("TCP-KEEPALIVE") == nil {
		t.Error("TCP-KEEPALIVE not found")
	}
	if lookup("tcp-\u212Aeepalive") != nil {
		t.Error("Kelvin sign matched 'k'")
	}
	if _, ok := memToULL("1\u212Ab"); ok {
		t.Error("1<KELVIN>b accepted as 1kb")
	}
	loadDefaults(t)
	if err := SetParams([]string{"shutdown-on-sigint", "\u017Fave"}); err == nil {
		t.Error("long s matched 's' in an enum")
	}
	if !Sensitive("REQUIREPASS") || !Sensitive("masterauth") || Sensitive("port") || Sensitive("nosuch") {
		t.Error("Sensitive")
	}
}
