package database

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"goredis/resp/client"
	"goredis/resp/client/redistest"
)

// infoSectionsOf splits an INFO text into its sections: title to the
// "name:value" lines, plus the titles in order. It fails on anything that
// is not Redis's layout: CRLF line ends, one empty line between sections.
func infoSectionsOf(t *testing.T, text string) (titles []string, fields map[string][]string) {
	t.Helper()
	fields = map[string][]string{}
	if text == "" {
		return nil, fields
	}
	if !strings.HasSuffix(text, "\r\n") || strings.Contains(strings.ReplaceAll(text, "\r\n", ""), "\n") {
		t.Fatalf("INFO text is not CRLF-terminated lines: %q", text)
	}
	for i, sec := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n\r\n") {
		lines := strings.Split(sec, "\r\n")
		title, ok := strings.CutPrefix(lines[0], "# ")
		if !ok {
			t.Fatalf("section %d does not start with a title: %q", i, sec)
		}
		titles = append(titles, title)
		for _, l := range lines[1:] {
			if !strings.Contains(l, ":") {
				t.Fatalf("line without a colon in %s: %q", title, l)
			}
			fields[title] = append(fields[title], l)
		}
	}
	return titles, fields
}

func infoText(t *testing.T, c *client.RawConn, sections ...string) string {
	t.Helper()
	v := adminDo(t, c, append([]string{"INFO"}, sections...)...)
	if v.Kind != client.KindBulk && v.Kind != client.KindVerbatim {
		t.Fatalf("INFO %q: %q", sections, v.Raw)
	}
	return v.Text()
}

// infoValues returns the fields of text as a map.
func infoValues(t *testing.T, text string) map[string]string {
	t.Helper()
	_, secs := infoSectionsOf(t, text)
	out := map[string]string{}
	for _, lines := range secs {
		for _, l := range lines {
			k, v, _ := strings.Cut(l, ":")
			out[k] = v
		}
	}
	return out
}

var (
	defaultTitles = "Server Clients Memory Persistence Stats Replication CPU Modules Errorstats Cluster Keyspace"
	allTitles     = "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats Latencystats Cluster Keyspace"
)

func TestInfoSections(t *testing.T) {
	_, addr := adminServer(t)
	c := adminDial(t, addr)
	cases := []struct {
		args []string
		want string
	}{
		{nil, defaultTitles},
		{[]string{"default"}, defaultTitles},
		{[]string{"all"}, allTitles},
		{[]string{"everything"}, allTitles},
		{[]string{"EVERYTHING", "keyspace"}, allTitles},
		{[]string{"keyspace", "Server", "server"}, "Server Keyspace"},
		{[]string{"default", "commandstats"}, "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats Cluster Keyspace"},
		{[]string{"modules"}, "Modules"},
		{[]string{"module_list"}, "Modules"},
		{[]string{"latencystats"}, "Latencystats"},
		{[]string{"nosuch", "x"}, ""},
	}
	for _, x := range cases {
		titles, _ := infoSectionsOf(t, infoText(t, c, x.args...))
		if got := strings.Join(titles, " "); got != x.want {
			t.Errorf("INFO %q sections: %q, want %q", x.args, got, x.want)
		}
	}
	if got := adminRaw(t, c, "INFO", "cluster"); got != "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n" {
		t.Errorf("INFO cluster: %q", got)
	}
	if got := adminRaw(t, c, "INFO", "keyspace"); got != "$12\r\n# Keyspace\r\n\r\n" {
		t.Errorf("INFO keyspace of an empty server: %q", got)
	}
	if got := adminRaw(t, c, "INFO", "nosuch"); got != "$0\r\n\r\n" {
		t.Errorf("INFO nosuch: %q", got)
	}
	adminDo(t, c, "HELLO", "3")
	if got := adminRaw(t, c, "INFO", "cluster"); got != "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n" {
		t.Errorf("INFO cluster in RESP3: %q", got)
	}
}

func TestInfoValues(t *testing.T) {
	_, addr := adminServer(t)
	a, b := adminDial(t, addr), adminDial(t, addr)
	// The command table, and so its counters, is shared by every server
	// of the process: commandstats are compared as differences.
	before := infoValues(t, infoText(t, b, "commandstats"))
	adminDo(t, a, "SET", "k1", "v")
	adminDo(t, a, "SELECT", "5")
	adminDo(t, a, "SET", "k2", "v")
	adminDo(t, a, "SET", "k3", "v")
	adminDo(t, a, "GET", "k2")
	adminDo(t, a, "GET", "nosuch")
	adminDo(t, a, "CLIENT", "NOSUCH")
	adminDo(t, a, "GET")
	adminDo(t, a, "SET", "k1", "v", "BADOPTION")

	v := infoValues(t, infoText(t, b, "everything"))
	want := map[string]string{
		"redis_version":              Version,
		"redis_mode":                 "standalone",
		"process_id":                 strconv.Itoa(os.Getpid()),
		"arch_bits":                  strconv.Itoa(strconv.IntSize),
		"connected_clients":          "2",
		"total_connections_received": "2",
		"rejected_connections":       "0",
		"role":                       "master",
		"connected_slaves":           "0",
		"master_failover_state":      "no-failover",
		"cluster_enabled":            "0",
		"db0":                        "keys=1,expires=0,avg_ttl=0",
		"db5":                        "keys=2,expires=0,avg_ttl=0",
		"keyspace_hits":              "1",
		"keyspace_misses":            "1",
		"errorstat_ERR":              "count=3",
		"total_error_replies":        "3",
		"aof_enabled":                "0",
	}
	for k, w := range want {
		if got, ok := v[k]; !ok || got != w {
			t.Errorf("%s:%q, want %q", k, got, w)
		}
	}
	for name, want := range map[string][3]int64{"get": {2, 1, 0}, "set": {4, 0, 1}} {
		k := "cmdstat_" + name
		if !regexp.MustCompile(`^calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=\d+,failed_calls=\d+$`).MatchString(v[k]) {
			t.Errorf("%s:%s", k, v[k])
		}
		was, now := cmdstatCounts(before[k]), cmdstatCounts(v[k])
		if got := [3]int64{now[0] - was[0], now[1] - was[1], now[2] - was[2]}; got != want {
			t.Errorf("%s: calls, rejected, failed grew by %v, want %v", k, got, want)
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(v["run_id"]) || !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(v["master_replid"]) {
		t.Errorf("run_id %q master_replid %q: want 40 hex digits", v["run_id"], v["master_replid"])
	}
	if again := infoValues(t, infoText(t, b, "server")); again["run_id"] != v["run_id"] {
		t.Errorf("run_id changed between calls: %s then %s", v["run_id"], again["run_id"])
	}
	// total_commands_processed counts the commands called before this INFO
	// (not the rejected ones): INFO SET SELECT SET SET GET GET SET(failed).
	if got := v["total_commands_processed"]; got != "8" {
		t.Errorf("total_commands_processed:%s, want 8", got)
	}
	if used, err := strconv.ParseInt(v["used_memory"], 10, 64); err != nil || used <= 0 {
		t.Errorf("used_memory:%q", v["used_memory"])
	}
	if !regexp.MustCompile(`^\d+\.\d{6}$`).MatchString(v["used_cpu_user"]) {
		t.Errorf("used_cpu_user:%q", v["used_cpu_user"])
	}
}

// TestInfoFieldNamesMatchRedis compares, section by section, the field
// names of INFO everything with those of a real redis-server 7.0; for the
// sections whose lines depend on the data, it checks the lines' form.
func TestInfoFieldNamesMatchRedis(t *testing.T) {
	redisAddr := redistest.Start(t).Addr
	_, ourAddr := adminServer(t)
	theirs, ours := adminDial(t, redisAddr), adminDial(t, ourAddr)
	for _, c := range []*client.RawConn{theirs, ours} {
		adminDo(t, c, "SET", "k", "v")
		adminDo(t, c, "GET", "k")
		adminDo(t, c, "GET")
	}
	for _, sections := range [][]string{{"everything"}, {}, {"all"}} {
		rt, rf := infoSectionsOf(t, infoText(t, theirs, sections...))
		ot, of := infoSectionsOf(t, infoText(t, ours, sections...))
		if strings.Join(rt, " ") != strings.Join(ot, " ") {
			t.Fatalf("INFO %q sections: ours %q, redis %q", sections, ot, rt)
		}
		for _, title := range rt {
			switch title {
			case "Commandstats", "Errorstats", "Latencystats", "Keyspace":
				continue
			}
			if r, o := fieldNames(rf[title]), fieldNames(of[title]); r != o {
				t.Errorf("INFO %q section %s:\nours  %s\nredis %s", sections, title, o, r)
			}
		}
	}
	_, of := infoSectionsOf(t, infoText(t, ours, "everything"))
	forms := map[string]*regexp.Regexp{
		"Commandstats": regexp.MustCompile(`^cmdstat_[a-z_|-]+:calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=\d+,failed_calls=\d+$`),
		"Errorstats":   regexp.MustCompile(`^errorstat_[A-Z]+:count=\d+$`),
		"Keyspace":     regexp.MustCompile(`^db\d+:keys=\d+,expires=\d+,avg_ttl=\d+$`),
	}
	for title, re := range forms {
		if len(of[title]) == 0 {
			t.Errorf("section %s is empty", title)
		}
		for _, l := range of[title] {
			if !re.MatchString(l) {
				t.Errorf("%s line %q", title, l)
			}
		}
	}
}

// cmdstatCounts returns calls, rejected_calls and failed_calls of a
// cmdstat value (zeros for "").
func cmdstatCounts(v string) (out [3]int64) {
	for _, kv := range strings.Split(v, ",") {
		k, n, _ := strings.Cut(kv, "=")
		i, _ := strconv.ParseInt(n, 10, 64)
		switch k {
		case "calls":
			out[0] = i
		case "rejected_calls":
			out[1] = i
		case "failed_calls":
			out[2] = i
		}
	}
	return out
}

func fieldNames(lines []string) string {
	names := make([]string, len(lines))
	for i, l := range lines {
		names[i], _, _ = strings.Cut(l, ":")
	}
	return strings.Join(names, " ")
}

func TestBytesToHuman(t *testing.T) {
	cases := map[uint64]string{
		0: "0B", 1023: "1023B", 1024: "1.00K", 941040: "918.98K", 12484608: "11.91M",
		25276510208: "23.54G", 1 << 40: "1.00T", 1 << 50: "1.00P", 1 << 62: "4611686018427387904B",
	}
	for n, want := range cases {
		if got := bytesToHuman(n); got != want {
			t.Errorf("bytesToHuman(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestFieldTicks(t *testing.T) {
	cases := map[int64]string{0: "0.000000", 1: "0.010000", 25: "0.250000", 1234: "12.340000"}
	for ticks, want := range cases {
		if got := string(fieldTicks(nil, "x", ticks)); got != "x:"+want+"\r\n" {
			t.Errorf("fieldTicks(%d) = %q, want %s", ticks, got, want)
		}
	}
}
