package database

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"goredis/database/commanddata"
	"goredis/interface/resp"
	"goredis/resp/client"
	"goredis/resp/client/redistest"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// sysServer is a server for the tests of the system commands (COMMAND,
// CONFIG, DEBUG, MEMORY, SHUTDOWN), stopped when the test ends.
func sysServer(t testing.TB) *Server {
	t.Helper()
	srv := NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// sysDo runs a command through the dispatcher on c and returns the reply
// encoded for c's protocol ("" for no reply).
func sysDo(srv *Server, c resp.Connection, args ...string) string {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	r := srv.Exec(c, b)
	if r == nil {
		return ""
	}
	return string(r.AppendTo(nil, c.Protocol() == 3))
}

// commandRowProblems compares one row of our command table with
// redis-server 7.0.15's COMMAND INFO entry: name, arity, flags and the
// legacy key positions must be Redis's, and commands with movable keys
// need a key function (the dispatcher locks their keys with it).
func commandRowProblems(c *Command) []string {
	ref, ok := commanddata.Info(c.Name)
	if !ok {
		return []string{c.Name + ": not a Redis 7.0 command"}
	}
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(c.Name+": "+format, args...)) }
	if got := ref.Elems[commanddata.InfoName].Text(); got != c.Name {
		bad("Redis names it %q", got)
	}
	if want := int(ref.Elems[commanddata.InfoArity].Int); c.Arity != want {
		bad("arity %d, Redis %d", c.Arity, want)
	}
	var flags []string
	for _, f := range ref.Elems[commanddata.InfoFlags].Elems {
		flags = append(flags, f.Text())
	}
	if got := c.Flags.Names(); !slices.Equal(got, flags) {
		bad("flags %q, Redis %q", got, flags)
	}
	first := int(ref.Elems[commanddata.InfoFirstKey].Int)
	last := int(ref.Elems[commanddata.InfoLastKey].Int)
	step := int(ref.Elems[commanddata.InfoStep].Int)
	if c.FirstKey != first || c.LastKey != last || c.KeyStep != step {
		bad("keys %d %d %d, Redis %d %d %d", c.FirstKey, c.LastKey, c.KeyStep, first, last, step)
	}
	if slices.Contains(flags, "movablekeys") && c.Keys == nil {
		bad("movable keys but no key function (withKeys)")
	}
	if subs := len(ref.Elems[commanddata.InfoSubcommands].Elems); c.Container() != (subs > 0) {
		bad("container %v, Redis has %d subcommands", c.Container(), subs)
	}
	if !c.Container() && c.Fn == nil {
		bad("no function")
	}
	return out
}

// TestCommandTableMatchesRedis checks every command and subcommand of our
// table against the reference.
func TestCommandTableMatchesRedis(t *testing.T) {
	checked := 0
	forEachCommand(func(c *Command) {
		checked++
		for _, p := range commandRowProblems(c) {
			t.Error(p)
		}
	})
	if checked < 20 {
		t.Fatalf("only %d commands in the table", checked)
	}
}

// TestCommandRowProblems makes sure the comparison sees wrong rows.
func TestCommandRowProblems(t *testing.T) {
	fn := func(*DB, resp.Connection, [][]byte) resp.Reply { return nil }
	good := &Command{Name: "get", Arity: 2, Flags: parseFlags("readonly fast"), FirstKey: 1, LastKey: 1, KeyStep: 1, Fn: fn}
	if p := commandRowProblems(good); p != nil {
		t.Fatalf("good row: %q", p)
	}
	for _, bad := range []*Command{
		{Name: "get", Arity: -2, Flags: good.Flags, FirstKey: 1, LastKey: 1, KeyStep: 1, Fn: fn},
		{Name: "get", Arity: 2, Flags: parseFlags("readonly"), FirstKey: 1, LastKey: 1, KeyStep: 1, Fn: fn},
		{Name: "get", Arity: 2, Flags: parseFlags("fast readonly write"), FirstKey: 1, LastKey: 1, KeyStep: 1, Fn: fn},
		{Name: "get", Arity: 2, Flags: good.Flags, FirstKey: 1, LastKey: -1, KeyStep: 1, Fn: fn},
		{Name: "get", Arity: 2, Flags: good.Flags, Fn: fn},
		{Name: "get", Arity: 2, Flags: good.Flags, FirstKey: 1, LastKey: 1, KeyStep: 1},
		{Name: "nosuch", Arity: 2, Fn: fn},
		{Name: "zunionstore", Arity: -4, Flags: parseFlags("write denyoom movablekeys"), FirstKey: 1, LastKey: 1, KeyStep: 1, Fn: fn},
	} {
		if commandRowProblems(bad) == nil {
			t.Errorf("no problem found in %s arity %d flags %q keys %d %d %d", bad.Name, bad.Arity, bad.Flags.Names(), bad.FirstKey, bad.LastKey, bad.KeyStep)
		}
	}
}

// redisConn dials a fresh redis-server; proto 3 sends HELLO 3 first.
func redisConn(t *testing.T, addr string, proto int) *client.RawConn {
	t.Helper()
	c, err := client.DialRaw(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if proto == 3 {
		if _, err := c.Do(5*time.Second, "HELLO", "3"); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestCommandRepliesMatchRedis compares COMMAND INFO / DOCS / GETKEYS /
// GETKEYSANDFLAGS / HELP replies with redis-server's byte for byte, in
// RESP2 and RESP3.
func TestCommandRepliesMatchRedis(t *testing.T) {
	rs := redistest.Start(t)
	srv := sysServer(t)
	lines := [][]string{
		{"COMMAND", "INFO", "get"},
		{"COMMAND", "INFO", "set"},
		{"COMMAND", "INFO", "config|get"},
		{"COMMAND", "INFO", "get", "set", "config|get", "nosuch"},
		{"COMMAND", "INFO", "memory|usage", "command|getkeys", "shutdown", "debug"},
		{"COMMAND", "DOCS", "get"},
		{"COMMAND", "DOCS", "set"},
		{"COMMAND", "DOCS", "config|get"},
		{"COMMAND", "DOCS", "nosuch", "get"},
		{"COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"},
		{"COMMAND", "GETKEYSANDFLAGS", "set", "a", "b", "get"},
		{"COMMAND", "GETKEYSANDFLAGS", "mset", "a", "1", "b", "2"},
		{"COMMAND", "GETKEYSANDFLAGS", "memory", "usage", "k"},
		{"COMMAND", "GETKEYS", "get", "a", "b"},
		{"COMMAND", "GETKEYS", "config", "get", "x"},
		{"COMMAND", "GETKEYS", "nosuch", "x"},
		{"COMMAND", "HELP"},
		{"COMMAND", "LIST", "FILTERBY", "PATTERN", "config|g*"},
	}
	// Every command and subcommand of the table, but containers (their
	// subcommands come in the order of Redis's dict, which varies).
	forEachCommand(func(cmd *Command) {
		if !cmd.Container() {
			lines = append(lines, []string{"COMMAND", "INFO", cmd.Name}, []string{"COMMAND", "DOCS", cmd.Name})
		}
	})
	for _, proto := range []int{2, 3} {
		rc := redisConn(t, rs.Addr, proto)
		c := connection.NewFake()
		c.SetProtocol(proto)
		for _, l := range lines {
			want, err := rc.Do(5*time.Second, l...)
			if err != nil {
				t.Fatal(err)
			}
			if got := sysDo(srv, c, l...); got != string(want.Raw) {
				t.Errorf("RESP%d %q:\n got %q\nwant %q", proto, l, got, want.Raw)
			}
		}
	}
}

// TestGetKeysMatchesRedis runs COMMAND GETKEYSANDFLAGS's key finding on
// command lines of every kind of key spec, for commands described from the
// reference whether or not our table has them, against redis-server.
func TestGetKeysMatchesRedis(t *testing.T) {
	rs := redistest.Start(t)
	rc := redisConn(t, rs.Addr, 3)
	lines := []string{
		"get a", "set a b", "set a b get", "set a b GET", "set a b nx", "set a b ex 1 get",
		"mset a 1 b 2 c 3", "mset a 1 b", "mget a b a", "del a b c", "rename a b",
		"lmove a b left right", "smove a b m", "copy a b db 1",
		"zunionstore d 2 a b", "zunionstore d 2 a b weights 1 2", "zunionstore d 0 a", "zunionstore d x a",
		"zunionstore d 5 a", "zunionstore d -1 a", "zunion 2 a b", "zinter 1 a withscores",
		"sintercard 2 a b", "sintercard 2 a", "lmpop 2 a b left", "lmpop 3 a b left", "blmpop 0 2 a b left",
		"zmpop 1 a min", "bzmpop 1 1 a min", "eval s 2 a b c", "eval s 0", "eval s 5 a", "fcall f 1 a",
		"xread streams a b 0 0", "xread count 2 streams a b c", "xread count 1 streams a 0",
		"xreadgroup group g c streams a 0", "xreadgroup group g c count 1 streams a b 0 0",
		"georadius k 1 1 1 km store x", "georadius k 1 1 1 km storedist y", "georadius k 1 1 1 km store x storedist y",
		"georadius k 1 1 1 km", "georadiusbymember k m 1 km store x", "geosearchstore d s frommember m byradius 1 km",
		"sort a", "sort a store b", "sort a by x get y store b limit 0 1", "sort a store b store c", "sort a store",
		"sort_ro a by x", "bitfield a get u8 0", "bitfield a set u8 0 1", "bitfield a incrby u8 0 1",
		"bitfield a overflow wrap get u8 0", "bitfield a get u8", "bitfield a foo", "bitfield_ro a get u8 0",
		"migrate h 1 k 0 5", "migrate h 1 \"\" 0 5 keys a b", "migrate h 1 \"\" 0 5 copy replace keys a b",
		"migrate h 1 \"\" 0 5 auth p keys a", "migrate h 1 \"\" 0 5 auth2 u p keys a b", "migrate h 1 k 0 5 keys a",
		"object encoding k", "memory usage k", "xinfo stream k", "xgroup create k g 0",
		"pfcount a b", "pfmerge d a b", "spublish c m", "publish c m", "subscribe c", "ping x", "watch a b",
		"bitop and d a b", "lcs a b", "getex a", "restore k 0 v", "touch a b", "unlink a",
		"blpop a b 0", "brpoplpush a b 0", "zrangestore d s 0 1", "msetnx a 1 b 2",
	}
	c := connection.NewFake()
	c.SetProtocol(3)
	for _, l := range lines {
		args := strings.Fields(strings.ReplaceAll(l, `""`, "\x01"))
		for i, a := range args {
			if a == "\x01" {
				args[i] = ""
			}
		}
		want, err := rc.Do(5*time.Second, append([]string{"COMMAND", "GETKEYSANDFLAGS"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		cmd := referenceCommand(t, args)
		line := make([][]byte, len(args))
		for i, a := range args {
			line[i] = []byte(a)
		}
		got := reply.Encode(getKeysFor(cmd, line, true), true)
		if !bytes.Equal(got, want.Raw) {
			t.Errorf("%s:\n got %q\nwant %q", l, got, want.Raw)
		}
	}
}

// referenceCommand is our table's row for the command line, or one built
// from the reference when the table has none.
func referenceCommand(t *testing.T, args []string) *Command {
	t.Helper()
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	if cmd := lookupCommand(b); cmd != nil {
		return cmd
	}
	name := strings.ToLower(args[0])
	if refSubs := commanddata.SubcommandNames(name); refSubs != nil && len(args) > 1 {
		name += "|" + strings.ToLower(args[1])
	}
	ref, ok := commanddata.Info(name)
	if !ok {
		t.Fatalf("no reference for %q", args)
	}
	var flags []string
	for _, f := range ref.Elems[commanddata.InfoFlags].Elems {
		flags = append(flags, f.Text())
	}
	cmd := &Command{
		Name:     name,
		Arity:    int(ref.Elems[commanddata.InfoArity].Int),
		Flags:    parseFlags(strings.Join(flags, " ")),
		FirstKey: int(ref.Elems[commanddata.InfoFirstKey].Int),
		LastKey:  int(ref.Elems[commanddata.InfoLastKey].Int),
		KeyStep:  int(ref.Elems[commanddata.InfoStep].Int),
	}
	if cmd.Has(FlagMovableKeys) {
		cmd.Keys = func([][]byte) [][]byte { return nil }
	}
	return cmd
}
