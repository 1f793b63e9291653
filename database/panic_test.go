package database

import (
	"testing"
	"time"

	"goredis/interface/resp"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// TestPanicInCommandIsRecovered: a command that panics answers an error,
// releases its key locks and leaves the server serving.
func TestPanicInCommandIsRecovered(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	boom := &Command{Name: "boomtest", Arity: 2, FirstKey: 1, LastKey: 1, KeyStep: 1,
		Fn: func(db *DB, c resp.Connection, args [][]byte) resp.Reply { panic("boom") }}
	cmdTable["boomtest"] = boom
	defer delete(cmdTable, "boomtest")
	c := connection.NewFake()
	if r := srv.Exec(c, strArgs("BOOMTEST", "k")); r != errInternal {
		t.Fatalf("panicking command replied %q", reply.Encode(r, false))
	}
	// The shard lock of "k" was released: a command on the same key runs.
	done := make(chan resp.Reply, 1)
	go func() { done <- srv.Exec(c, strArgs("SET", "k", "v")) }()
	select {
	case r := <-done:
		if r != reply.OK {
			t.Fatalf("SET after the panic replied %q", reply.Encode(r, false))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the panicking command left its key's lock held")
	}
}
