package commanddata

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestInfoGet(t *testing.T) {
	v, ok := Info("get")
	if !ok {
		t.Fatal("no COMMAND INFO entry for get")
	}
	if len(v.Elems) != 10 {
		t.Fatalf("get entry has %d fields: %s", len(v.Elems), v)
	}
	if got := v.Elems[InfoName].Text(); got != "get" {
		t.Errorf("name = %q", got)
	}
	if got := v.Elems[InfoArity].Int; got != 2 {
		t.Errorf("arity = %d, want 2", got)
	}
	if got := v.Elems[InfoFlags].String(); got != `~[+"readonly", +"fast"]` {
		t.Errorf("flags = %s", got)
	}
	if got := v.Elems[InfoACLCategories].String(); got != `~[+"@read", +"@string", +"@fast"]` {
		t.Errorf("acl categories = %s", got)
	}
	if first, last, step := v.Elems[InfoFirstKey].Int, v.Elems[InfoLastKey].Int, v.Elems[InfoStep].Int; first != 1 || last != 1 || step != 1 {
		t.Errorf("key positions = %d %d %d", first, last, step)
	}
	if upper, ok := Info("GET"); !ok || upper.String() != v.String() {
		t.Error("Info is not case-insensitive")
	}
	if _, ok := Info("nosuchcommand"); ok {
		t.Error("Info found a command that does not exist")
	}
}

func TestInfoSubcommand(t *testing.T) {
	v, ok := Info("config|get")
	if !ok {
		t.Fatal("no entry for config|get")
	}
	if v.Elems[InfoName].Text() != "config|get" || v.Elems[InfoArity].Int != -3 {
		t.Errorf("config|get = %s", v)
	}
	c, _ := Info("config")
	if n := len(c.Elems[InfoSubcommands].Elems); n != len(SubcommandNames("config")) {
		t.Errorf("config has %d subcommand entries but %d names", n, len(SubcommandNames("config")))
	}
}

func TestDocs(t *testing.T) {
	set, ok := Docs("set")
	if !ok {
		t.Fatal("no docs for set")
	}
	args, ok := set.MapGet("arguments")
	if !ok || len(args.Elems) == 0 {
		t.Fatalf("set docs have no arguments: %s", set)
	}
	if g, _ := set.MapGet("group"); g.Text() != "string" {
		t.Errorf("set group = %s", g)
	}
	cfg, ok := Docs("config")
	if !ok {
		t.Fatal("no docs for config")
	}
	subs, ok := cfg.MapGet("subcommands")
	if !ok || len(subs.Elems) != 2*len(SubcommandNames("config")) {
		t.Fatalf("config docs subcommands = %s", subs)
	}
	cg, ok := Docs("config|get")
	if !ok {
		t.Fatal("no docs for config|get")
	}
	if s, _ := cg.MapGet("summary"); !strings.Contains(s.Text(), "configuration parameters") {
		t.Errorf("config|get summary = %s", s)
	}
	if _, ok := Docs("nosuchcommand"); ok {
		t.Error("Docs found a command that does not exist")
	}
}

func TestNames(t *testing.T) {
	names := Names()
	if len(names) != 240 {
		t.Errorf("%d commands, Redis 7.0.15 has 240", len(names))
	}
	if !slices.IsSorted(names) {
		t.Error("Names not sorted")
	}
	for _, must := range []string{"get", "set", "command", "config", "xautoclaim", "zunionstore", "lcs"} {
		if _, found := slices.BinarySearch(names, must); !found {
			t.Errorf("Names lacks %q", must)
		}
	}
	subcommands := 0
	for _, n := range names {
		if n != strings.ToLower(n) || strings.Contains(n, "|") {
			t.Errorf("bad top-level name %q", n)
		}
		if _, ok := Info(n); !ok {
			t.Errorf("%s: no Info", n)
		}
		if _, ok := Docs(n); !ok {
			t.Errorf("%s: no Docs", n)
		}
		subs := SubcommandNames(n)
		if !slices.IsSorted(subs) {
			t.Errorf("%s: subcommands not sorted", n)
		}
		for _, s := range subs {
			subcommands++
			if !strings.HasPrefix(s, n+"|") {
				t.Errorf("%s: subcommand %q", n, s)
			}
			if _, ok := Info(s); !ok {
				t.Errorf("%s: no Info", s)
			}
			if _, ok := Docs(s); !ok {
				t.Errorf("%s: no Docs", s)
			}
		}
	}
	if subcommands < 100 {
		t.Errorf("only %d subcommands", subcommands)
	}
	if got := SubcommandNames("config"); !slices.Contains(got, "config|get") || !slices.Contains(got, "config|help") {
		t.Errorf("SubcommandNames(config) = %v", got)
	}
	if got := SubcommandNames("get"); got != nil {
		t.Errorf("SubcommandNames(get) = %v", got)
	}
}

// TestLazy runs a fresh test binary to check that nothing is decoded until
// asked for, and that asking for INFO does not decode DOCS.
func TestLazy(t *testing.T) {
	if os.Getenv("COMMANDDATA_LAZY_CHILD") == "1" {
		if info != nil || docs != nil {
			t.Fatal("command data decoded before it was asked for")
		}
		Info("get")
		if info == nil {
			t.Fatal("Info did not decode COMMAND INFO")
		}
		if docs != nil {
			t.Fatal("Info decoded COMMAND DOCS too")
		}
		Docs("get")
		if docs == nil {
			t.Fatal("Docs did not decode COMMAND DOCS")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLazy$", "-test.count=1")
	cmd.Env = append(os.Environ(), "COMMANDDATA_LAZY_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
