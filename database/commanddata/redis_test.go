package commanddata

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"goredis/interface/resp"
	"goredis/resp/client"
	"goredis/resp/client/redistest"
	"goredis/resp/reply"
)

// TestDocsGetMatchesRedis: the RESP2 and RESP3 encodings of COMMAND DOCS
// get built from the data equal a live redis-server's reply byte for byte.
func TestDocsGetMatchesRedis(t *testing.T) {
	c2, c3 := liveConns(t)
	d, _ := Docs("get")
	i, _ := Info("get")
	for _, tc := range []struct {
		args []string
		r    resp.Reply
	}{
		{[]string{"COMMAND", "DOCS", "get"}, reply.Map{reply.BulkStr("get"), d.Reply()}},
		{[]string{"COMMAND", "INFO", "get"}, reply.Array{i.Reply()}},
	} {
		for _, resp3 := range []bool{false, true} {
			c := c2
			if resp3 {
				c = c3
			}
			v, err := c.DoStrings(tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got := reply.Encode(tc.r, resp3); !bytes.Equal(got, v.Raw) {
				t.Errorf("%v resp3=%v:\nours  %q\nredis %q", tc.args, resp3, got, v.Raw)
			}
		}
	}
}

// TestAllMatchRedis compares every command's and subcommand's COMMAND INFO
// and COMMAND DOCS entries with a live redis-server's, in RESP2 and RESP3.
// Redis orders subcommands by a randomly seeded hash, so subcommand lists
// are compared after sorting them by name.
func TestAllMatchRedis(t *testing.T) {
	c2, c3 := liveConns(t)
	var all []string
	for _, n := range Names() {
		all = append(all, n)
		all = append(all, SubcommandNames(n)...)
	}
	for _, resp3 := range []bool{false, true} {
		c := c2
		if resp3 {
			c = c3
		}
		var cmds [][][]byte
		for _, n := range all {
			cmds = append(cmds, [][]byte{[]byte("COMMAND"), []byte("INFO"), []byte(n)})
			cmds = append(cmds, [][]byte{[]byte("COMMAND"), []byte("DOCS"), []byte(n)})
		}
		vals, err := c.Pipeline(cmds)
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range all {
			gotInfo, gotDocs := vals[2*k], vals[2*k+1]
			i, _ := Info(n)
			d, _ := Docs(n)
			want := canonical(t, reply.Encode(reply.Array{i.Reply()}, resp3), false, resp3)
			if got := canonical(t, gotInfo.Raw, false, resp3); !bytes.Equal(got, want) {
				t.Errorf("COMMAND INFO %s resp3=%v:\nours  %q\nredis %q", n, resp3, want, got)
			}
			want = canonical(t, reply.Encode(reply.Map{reply.BulkStr(n), d.Reply()}, resp3), true, resp3)
			if got := canonical(t, gotDocs.Raw, true, resp3); !bytes.Equal(got, want) {
				t.Errorf("COMMAND DOCS %s resp3=%v:\nours  %q\nredis %q", n, resp3, want, got)
			}
		}
	}
}

func liveConns(t *testing.T) (resp2, resp3 *client.Client) {
	srv := redistest.Start(t)
	for _, proto := range []string{"2", "3"} {
		c, err := client.Dial(srv.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetReplyTimeout(30 * time.Second)
		if v, err := c.DoStrings("HELLO", proto); err != nil || v.IsError() {
			t.Fatalf("HELLO %s: %s %v", proto, v, err)
		}
		if proto == "2" {
			resp2 = c
		} else {
			resp3 = c
		}
	}
	return resp2, resp3
}

// canonical decodes an encoded COMMAND INFO or COMMAND DOCS reply, sorts
// its subcommand lists by name and encodes it again in the same protocol.
func canonical(t *testing.T, b []byte, isDocs, resp3 bool) []byte {
	t.Helper()
	v, err := client.NewReader(bytes.NewReader(b)).ReadValue()
	if err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	if isDocs {
		// [name, docs]: the docs map's "subcommands" value holds name, docs pairs.
		sortDocsSubcommands(v.Elems[1])
	} else {
		for _, e := range v.Elems {
			sortInfoSubcommands(e)
		}
	}
	return reply.Encode(v.Reply(), resp3)
}

func sortInfoSubcommands(e client.Value) {
	if len(e.Elems) != infoFields {
		return
	}
	subs := e.Elems[InfoSubcommands].Elems
	slices.SortFunc(subs, func(a, b client.Value) int {
		return bytes.Compare(a.Elems[InfoName].Str, b.Elems[InfoName].Str)
	})
}

func sortDocsSubcommands(d client.Value) {
	for k := 0; k+1 < len(d.Elems); k += 2 {
		if string(d.Elems[k].Str) != "subcommands" {
			continue
		}
		kv := d.Elems[k+1].Elems
		type pair struct{ k, v client.Value }
		pairs := make([]pair, 0, len(kv)/2)
		for j := 0; j+1 < len(kv); j += 2 {
			pairs = append(pairs, pair{kv[j], kv[j+1]})
		}
		slices.SortFunc(pairs, func(a, b pair) int { return bytes.Compare(a.k.Str, b.k.Str) })
		for j, p := range pairs {
			kv[2*j], kv[2*j+1] = p.k, p.v
		}
	}
}
