package database

import (
	"strconv"
	"strings"
	"testing"

	"goredis/interface/resp"
	"goredis/resp/client"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// decode parses an encoded reply.
func decode(t *testing.T, b []byte) client.Value {
	t.Helper()
	v, err := client.NewReader(strings.NewReader(string(b))).ReadValue()
	if err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return v
}

// TestKeysFromSpecs runs the key-spec interpreter on the reference specs
// of commands with each kind of spec.
func TestKeysFromSpecs(t *testing.T) {
	for _, tc := range []struct {
		line string
		want string // positions, "-" when the specs cannot say
	}{
		{"get a", "1"},
		{"mset a 1 b 2", "1 3"},
		{"mget a b c", "1 2 3"},
		{"rename a b", "1 2"},
		{"zunionstore d 2 a b", "1 3 4"},
		{"zunionstore d 0 a", "-"},
		{"zunionstore d x a", "-"},
		{"zunionstore d 3 a b", "-"},
		{"eval s 0", "-"},
		{"eval s 2 a b c", "3 4"},
		{"xread count 2 streams a b 1 2", "4 5"},
		{"xread streams a", "-"},
		{"georadius k 1 1 1 km store x", "1 7"},
		{"georadius k 1 1 1 km", "1"},
		{"sort a store b", "-"},
		{"migrate h 1 k 0 5", "3"},
		{"migrate h 1 \"\" 0 5 keys a", "-"},
		{"spublish c m", ""},
	} {
		args := strings.Fields(tc.line)
		cmd := referenceCommand(t, args)
		b := make([][]byte, len(args))
		for i, a := range args {
			b[i] = []byte(a)
		}
		keys, ok := keysFromSpecs(cmd, commandMeta(cmd).specs, b)
		got := "-"
		if ok {
			var pos []string
			for _, k := range keys {
				pos = append(pos, strconv.Itoa(k.pos))
			}
			got = strings.Join(pos, " ")
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestNativeKeys(t *testing.T) {
	for _, tc := range []struct {
		line string
		want string // key=flags,...
	}{
		{"set a b", "a=OW update"},
		{"set a b xx get", "a=RW access update"},
		{"set a get", "a=OW update"},
		{"bitfield a get u8 0", "a=RO access"},
		{"bitfield a overflow sat get u8 0", "a=RO access"},
		{"bitfield a get u8 0 incrby u8 0 1", "a=RW access update"},
		{"bitfield a get u8", "a=RW access update"},
		{"sort a", "a=RO access"},
		{"sort a limit 0 1 store b by c get d", "a=RO access,b=OW update"},
		{"sort a store b store c", "a=RO access,c=OW update"},
		{"sort a get store", "a=RO access"},
		{"migrate h 1 k 0 5", "k=RW access delete"},
		{"migrate h 1 k 0 5 keys a", ""},
		{"migrate h 1 \x01 0 5 copy auth keys x keys a b", "a=RW access delete,b=RW access delete"},
		{"migrate h 1 \x01 0 5 auth2 u keys keys a", "a=RW access delete"},
	} {
		args := strings.Fields(tc.line)
		b := make([][]byte, len(args))
		for i, a := range args {
			if a == "\x01" {
				a = ""
			}
			b[i] = []byte(a)
		}
		var parts []string
		for _, k := range nativeKeys(&Command{Name: args[0]}, b) {
			var flags []string
			for _, f := range decode(t, reply.Encode(k.flags, false)).Elems {
				flags = append(flags, f.Text())
			}
			parts = append(parts, string(b[k.pos])+"="+strings.Join(flags, " "))
		}
		if got := strings.Join(parts, ","); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestContainerRestricted checks that a container's COMMAND INFO entry and
// COMMAND DOCS map list only the subcommands our table has.
func TestContainerRestricted(t *testing.T) {
	fn := func(*DB, resp.Connection, [][]byte) resp.Reply { return nil }
	client := &Command{Name: "client", Arity: -2, Subs: map[string]*Command{}}
	client.Subs["id"] = &Command{Name: "client|id", Arity: 2, Flags: parseFlags("noscript loading stale"), Fn: fn, Parent: client}
	m := buildMeta(client)
	info := decode(t, reply.Encode(m.info, true))
	subs := info.Elems[9]
	if len(subs.Elems) != 1 || subs.Elems[0].Elems[0].Text() != "client|id" {
		t.Errorf("INFO subcommands: %s", subs)
	}
	docs := decode(t, reply.Encode(m.docs, true))
	ds, ok := docs.MapGet("subcommands")
	if !ok || len(ds.Elems) != 2 || ds.Elems[0].Text() != "client|id" {
		t.Errorf("DOCS subcommands: %s", ds)
	}
	if s, _ := docs.MapGet("summary"); s.Text() == "" {
		t.Errorf("DOCS lost the summary: %s", docs)
	}
}

func TestCommandCountAndList(t *testing.T) {
	srv := sysServer(t)
	c := connection.NewFake()
	want := ":" + strconv.Itoa(len(cmdTable)) + "\r\n"
	if got := sysDo(srv, c, "COMMAND", "COUNT"); got != want {
		t.Errorf("COUNT %q, want %q", got, want)
	}
	list := decode(t, []byte(sysDo(srv, c, "COMMAND", "LIST")))
	n := 0
	forEachCommand(func(*Command) { n++ })
	if len(list.Elems) != n {
		t.Errorf("LIST has %d names, the table %d", len(list.Elems), n)
	}
	all := decode(t, []byte(sysDo(srv, c, "COMMAND")))
	if len(all.Elems) != len(cmdTable) {
		t.Errorf("COMMAND has %d entries, the table %d", len(all.Elems), len(cmdTable))
	}
	docs := decode(t, []byte(sysDo(srv, c, "COMMAND", "DOCS")))
	if len(docs.Elems) != 2*len(cmdTable) {
		t.Errorf("COMMAND DOCS has %d entries, the table %d", len(docs.Elems)/2, len(cmdTable))
	}
	acl := decode(t, []byte(sysDo(srv, c, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "CONNECTION")))
	names := map[string]bool{}
	for _, e := range acl.Elems {
		names[e.Text()] = true
	}
	if !names["ping"] || !names["command|info"] || names["get"] {
		t.Errorf("ACLCAT connection: %s", acl)
	}
}
