package database

import (
	"flag"
	"os"
	"sort"
	"strings"
	"testing"

	"goredis/database/commanddata"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite README.md's command list from the command table")

const (
	readmeBegin = "<!-- commands:begin (go test ./database -run TestReadmeCommandList -update-readme) -->"
	readmeEnd   = "<!-- commands:end -->"
)

// commandListMarkdown lists the table's commands by Redis's command group.
func commandListMarkdown() string {
	groups := map[string][]string{}
	for _, c := range AllCommands() {
		group := "other"
		if d, ok := commanddata.Docs(c.Name); ok {
			if g, ok := d.MapGet("group"); ok {
				group = g.Text()
			}
		}
		name := strings.ToUpper(c.Name)
		if c.Subs != nil {
			var subs []string
			for s := range c.Subs {
				subs = append(subs, strings.ToUpper(s))
			}
			sort.Strings(subs)
			name += " (" + strings.Join(subs, ", ") + ")"
		}
		groups[group] = append(groups[group], name)
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("| group | commands |\n| --- | --- |\n")
	for _, g := range names {
		b.WriteString("| " + g + " | " + strings.Join(groups[g], ", ") + " |\n")
	}
	return b.String()
}

// TestReadmeCommandList keeps README.md's list of supported commands equal
// to the command table.
func TestReadmeCommandList(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i, j := strings.Index(text, readmeBegin), strings.Index(text, readmeEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q markers", readmeBegin, readmeEnd)
	}
	want := commandListMarkdown()
	got := text[i+len(readmeBegin)+1 : j]
	if got == want {
		return
	}
	if *updateReadme {
		text = text[:i+len(readmeBegin)+1] + want + text[j:]
		if err := os.WriteFile("../README.md", []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's command list differs from the command table; run go test ./database -run TestReadmeCommandList -update-readme")
}
