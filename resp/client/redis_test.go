package client_test

import (
	"bytes"
	"strconv"
	"sync"
	"testing"
	"time"

	"goredis/resp/client"
	"goredis/resp/client/redistest"
	"goredis/resp/reply"
)

func TestRedisPingAndErrors(t *testing.T) {
	srv := redistest.Start(t)
	c, err := client.Dial(srv.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReplyTimeout(10 * time.Second)
	v, err := c.DoStrings("PING")
	if err != nil || v.Kind != client.KindStatus || v.Text() != "PONG" || string(v.Raw) != "+PONG\r\n" {
		t.Fatalf("PING: %s %v", v, err)
	}
	v, err = c.DoStrings("NOSUCHCOMMAND")
	if err != nil || !v.IsError() || !bytes.HasPrefix(v.Str, []byte("ERR unknown command")) {
		t.Fatalf("unknown command: %s %v", v, err)
	}
	v, err = c.Do([]byte("GET"), []byte("missing"))
	if err != nil || v.Kind != client.KindBulk || !v.Null {
		t.Fatalf("GET missing: %s %v", v, err)
	}
}

// TestRedisConcurrentSetGet pipelines SET and GET from 8 goroutines on one
// client; each must see its own replies.
func TestRedisConcurrentSetGet(t *testing.T) {
	srv := redistest.Start(t)
	c, err := client.Dial(srv.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReplyTimeout(10 * time.Second)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				key := "k:" + strconv.Itoa(g) + ":" + strconv.Itoa(i)
				val := "v:" + strconv.Itoa(i*g)
				if v, err := c.DoStrings("SET", key, val); err != nil || v.Text() != "OK" {
					t.Errorf("SET %s: %s %v", key, v, err)
					return
				}
				if v, err := c.DoStrings("GET", key); err != nil || v.Text() != val {
					t.Errorf("GET %s: %s %v, want %q", key, v, err, val)
					return
				}
			}
			var cmds [][][]byte
			for i := 0; i < 100; i++ {
				cmds = append(cmds, [][]byte{[]byte("INCR"), []byte("counter:" + strconv.Itoa(g))})
			}
			vals, err := c.Pipeline(cmds)
			if err != nil {
				t.Error(err)
				return
			}
			for i, v := range vals {
				if v.Kind != client.KindInt || v.Int != int64(i+1) {
					t.Errorf("INCR %d: %s", i, v)
					return
				}
			}
		}()
	}
	wg.Wait()
	v, err := c.DoStrings("DBSIZE")
	if err != nil || v.Int != 8*500+8 {
		t.Fatalf("DBSIZE: %s %v", v, err)
	}
}

func TestRedisHello3(t *testing.T) {
	srv := redistest.Start(t)
	c, err := client.Dial(srv.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v, err := c.DoStrings("HELLO", "3")
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != client.KindMap || len(v.Elems) != 14 {
		t.Fatalf("HELLO 3 = %s", v)
	}
	for key, want := range map[string]string{"server": `"redis"`, "proto": ":3", "mode": `"standalone"`, "role": `"master"`, "modules": "[]"} {
		got, ok := v.MapGet(key)
		if !ok || got.String() != want {
			t.Errorf("HELLO 3 %s = %s, want %s", key, got, want)
		}
	}
	if got := reply.Encode(v.Reply(), true); !bytes.Equal(got, v.Raw) {
		t.Errorf("RESP3 re-encoding differs:\n%q\n%q", got, v.Raw)
	}
	v2, err := c.DoStrings("HELLO", "2")
	if err != nil {
		t.Fatal(err)
	}
	// The only difference between the two HELLO replies is proto.
	want2 := bytes.Replace(reply.Encode(v.Reply(), false), []byte(":3\r\n"), []byte(":2\r\n"), 1)
	if !bytes.Equal(want2, v2.Raw) {
		t.Errorf("RESP2 re-encoding of HELLO 3:\n%q\nHELLO 2 sent:\n%q", want2, v2.Raw)
	}
}

// TestRedisTypes decodes every RESP3 type redis-server can send (DEBUG
// PROTOCOL) and checks that Reply() re-encodes it as the server sends it in
// RESP3 and in RESP2.
func TestRedisTypes(t *testing.T) {
	srv := redistest.Start(t)
	c3, err := client.DialRaw(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if _, err := c3.Do(5*time.Second, "HELLO", "3"); err != nil {
		t.Fatal(err)
	}
	c2, err := client.DialRaw(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	kinds := map[string]byte{
		"string": '$', "integer": ':', "double": ',', "bignum": '(', "null": '_', "array": '*',
		"set": '~', "map": '%', "attrib": '$', "verbatim": '=', "true": '#', "false": '#',
	}
	for typ, kind := range kinds {
		v3, err := c3.Do(5*time.Second, "DEBUG", "PROTOCOL", typ)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := c2.Do(5*time.Second, "DEBUG", "PROTOCOL", typ)
		if err != nil {
			t.Fatal(err)
		}
		if v3.Kind != kind {
			t.Errorf("%s: kind %q, want %q (%s)", typ, v3.Kind, kind, v3)
		}
		if got := reply.Encode(v3.Reply(), true); !bytes.Equal(got, v3.Raw) {
			t.Errorf("%s: RESP3 re-encoding %q, server sent %q", typ, got, v3.Raw)
		}
		if got := reply.Encode(v3.Reply(), false); !bytes.Equal(got, v2.Raw) {
			t.Errorf("%s: RESP2 re-encoding %q, server sent %q", typ, got, v2.Raw)
		}
		if typ == "attrib" && (len(v3.Attrs) != 2 || v3.Attrs[0].Text() != "key-popularity") {
			t.Errorf("attrib: Attrs = %v", v3.Attrs)
		}
	}
	// A push comes before the real reply.
	p, err := c3.Do(5*time.Second, "DEBUG", "PROTOCOL", "push")
	if err != nil || p.Kind != client.KindPush || p.String() != `>["server-cpu-usage", :42]` {
		t.Fatalf("push: %s %v", p, err)
	}
	if v, err := c3.ReadValue(5 * time.Second); err != nil || v.Kind != client.KindBulk {
		t.Fatalf("reply after push: %s %v", v, err)
	}
}
