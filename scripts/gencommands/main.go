// Command gencommands records redis-server's COMMAND INFO and COMMAND DOCS
// replies, the reference data behind goredis's COMMAND INFO and COMMAND
// DOCS (package database/commanddata).
//
// It starts nothing: it connects to a running redis-server 7.0.15, sends
// HELLO 3, COMMAND INFO (all commands) and COMMAND DOCS (all commands), and
// writes the two RESP3 replies byte for byte to info.resp and docs.resp.
//
// Regenerate, from the repository root:
//
//	redis-server --port 16999 --bind 127.0.0.1 --save '' --daemonize no &
//	go run ./scripts/gencommands -addr 127.0.0.1:16999
//	kill %1
//
// Redis lists commands (and subcommands) in hash-table order, which its
// random hash seed changes from run to run, so a regeneration reorders the
// files without changing their content.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"goredis/resp/client"
)

// wantVersion is the redis-server version the data must come from.
const wantVersion = "7.0.15"

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "address of a running redis-server "+wantVersion)
	out := flag.String("out", "database/commanddata", "directory to write info.resp and docs.resp to")
	anyVersion := flag.Bool("any-version", false, "accept a redis-server other than "+wantVersion)
	flag.Parse()
	if err := run(*addr, *out, *anyVersion); err != nil {
		fmt.Fprintln(os.Stderr, "gencommands:", err)
		os.Exit(1)
	}
}

func run(addr, out string, anyVersion bool) error {
	c, err := client.Dial(addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetReplyTimeout(30 * time.Second)

	hello, err := c.DoStrings("HELLO", "3")
	if err != nil {
		return err
	}
	if hello.IsError() {
		return fmt.Errorf("HELLO 3: %s", hello.Str)
	}
	version, _ := hello.MapGet("version")
	if string(version.Str) != wantVersion && !anyVersion {
		return fmt.Errorf("server at %s is redis %q, want %s (-any-version to override)", addr, version.Str, wantVersion)
	}

	for _, f := range []struct {
		file string
		args []string
		kind byte
	}{
		{"info.resp", []string{"COMMAND", "INFO"}, client.KindArray},
		{"docs.resp", []string{"COMMAND", "DOCS"}, client.KindMap},
	} {
		v, err := c.DoStrings(f.args...)
		if err != nil {
			return err
		}
		if v.Kind != f.kind || len(v.Elems) == 0 {
			return fmt.Errorf("%v: unexpected reply %.200s", f.args, v)
		}
		path := filepath.Join(out, f.file)
		if err := os.WriteFile(path, v.Raw, 0o644); err != nil {
			return err
		}
		fmt.Printf("%s: %d bytes, %d entries\n", path, len(v.Raw), entries(v))
	}
	return nil
}

func entries(v client.Value) int {
	if v.Kind == client.KindMap {
		return len(v.Elems) / 2
	}
	return len(v.Elems)
}
