package database

import (
	"strings"
	"testing"

	"goredis/resp/connection"
)

func TestShutdown(t *testing.T) {
	srv := sysServer(t)
	calls := 0
	srv.SetShutdown(func() { calls++ })
	for _, tc := range []struct {
		args string
		want string // "" = shut down without a reply
	}{
		{"SHUTDOWN foo", "-ERR syntax error\r\n"},
		{"SHUTDOWN NOSAVE SAVE", "-ERR syntax error\r\n"},
		{"SHUTDOWN ABORT NOW", "-ERR syntax error\r\n"},
		{"SHUTDOWN NOW ABORT", "-ERR syntax error\r\n"},
		{"SHUTDOWN FORCE ABORT", "-ERR syntax error\r\n"},
		{"SHUTDOWN ABORT", "-ERR No shutdown in progress.\r\n"},
		{"SHUTDOWN abort ABORT", "-ERR No shutdown in progress.\r\n"},
		{"SHUTDOWN SAVE", "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"},
		{"SHUTDOWN save now", "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"},
		{"SHUTDOWN", ""},
		{"shutdown nosave", ""},
		{"SHUTDOWN NOW FORCE", ""},
		{"SHUTDOWN SAVE FORCE", ""},
		{"SHUTDOWN NOSAVE NOW FORCE", ""},
	} {
		c := connection.NewFake()
		before := calls
		got := sysDo(srv, c, strings.Fields(tc.args)...)
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.args, got, tc.want)
		}
		shut := calls > before
		if shut != (tc.want == "") || c.State().Closing != shut {
			t.Errorf("%s: shutdown called %v, client closing %v", tc.args, shut, c.State().Closing)
		}
	}
	if LookupCommand("multi") == nil {
		return // MULTI is not in the table yet
	}
	c := connection.NewFake()
	sysDo(srv, c, "MULTI")
	if got := sysDo(srv, c, "SHUTDOWN"); got != "-ERR Command not allowed inside a transaction\r\n" {
		t.Errorf("in MULTI: %q", got)
	}
}

// TestShutdownWithoutHook is SHUTDOWN on a server nobody installed a
// shutdown function in (tests, tools): the client still goes.
func TestShutdownWithoutHook(t *testing.T) {
	srv := sysServer(t)
	c := connection.NewFake()
	if got := sysDo(srv, c, "SHUTDOWN"); got != "" || !c.State().Closing {
		t.Errorf("%q closing %v", got, c.State().Closing)
	}
}
