package database

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"goredis/resp/client"
)

// txDo runs one MULTI … EXEC on c and returns EXEC's reply.
func txDo(c *client.RawConn, cmds ...[]string) (client.Value, error) {
	if _, err := c.Do(5*time.Second, "MULTI"); err != nil {
		return client.Value{}, err
	}
	for _, cmd := range cmds {
		v, err := c.Do(5*time.Second, cmd...)
		if err != nil {
			return client.Value{}, err
		}
		if string(v.Raw) != "+QUEUED\r\n" {
			return v, fmt.Errorf("%v: %q, want +QUEUED", cmd, v.Raw)
		}
	}
	return c.Do(5*time.Second, "EXEC")
}

// TestMultiRace runs clients doing INCR inside MULTI and WATCH/GET/SET
// retry loops at once; the totals must come out exact. Run it with -race.
func TestMultiRace(t *testing.T) {
	_, addr := adminServer(t)
	const clients, rounds = 8, 150
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	var retries sync.Map
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := client.DialRaw(addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			aborted := 0
			for r := 0; r < rounds; r++ {
				// Plain transaction: two counters moved together.
				v, err := txDo(c, []string{"INCR", "tx:a"}, []string{"INCRBY", "tx:b", "2"})
				if err != nil || len(v.Elems) != 2 || v.Elems[1].Int != 2*v.Elems[0].Int {
					errs <- fmt.Errorf("client %d: EXEC %q %v: b must be 2a inside one transaction", i, v.Raw, err)
					return
				}
				// Optimistic increment of a string number with WATCH.
				for attempt := 0; ; attempt++ {
					if attempt > 10000 {
						errs <- fmt.Errorf("client %d: WATCH loop never succeeded", i)
						return
					}
					if _, err := c.Do(5*time.Second, "WATCH", "tx:cas"); err != nil {
						errs <- err
						return
					}
					g, err := c.Do(5*time.Second, "GET", "tx:cas")
					if err != nil {
						errs <- err
						return
					}
					n := int64(0)
					if !g.Null {
						n, _ = strconv.ParseInt(string(g.Str), 10, 64)
					}
					v, err := txDo(c, []string{"SET", "tx:cas", strconv.FormatInt(n+1, 10)})
					if err != nil {
						errs <- err
						return
					}
					if !v.Null {
						break
					}
					aborted++
				}
			}
			retries.Store(i, aborted)
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	c := adminDial(t, addr)
	want := strconv.Itoa(clients * rounds)
	if got := adminDo(t, c, "GET", "tx:a"); string(got.Str) != want {
		t.Errorf("tx:a = %q, want %s", got.Str, want)
	}
	if got := adminDo(t, c, "GET", "tx:b"); string(got.Str) != strconv.Itoa(2*clients*rounds) {
		t.Errorf("tx:b = %q, want %d", got.Str, 2*clients*rounds)
	}
	if got := adminDo(t, c, "GET", "tx:cas"); string(got.Str) != want {
		t.Errorf("tx:cas = %q, want %s (lost updates: a WATCH did not abort)", got.Str, want)
	}
	total := 0
	retries.Range(func(_, v any) bool { total += v.(int); return true })
	t.Logf("%d WATCH aborts over %d successful optimistic increments", total, clients*rounds)
}

// TestExecIsolation checks that no client sees a state between two
// commands of a transaction, both when EXEC locks the named keys and when
// a keyless command (KEYS) makes it exclusive.
func TestExecIsolation(t *testing.T) {
	for _, mode := range []string{"keys named", "exclusive"} {
		t.Run(mode, func(t *testing.T) {
			_, addr := adminServer(t)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			bad := make(chan string, 4)
			for r := 0; r < 3; r++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := client.DialRaw(addr)
					if err != nil {
						bad <- err.Error()
						return
					}
					defer c.Close()
					for i := 0; i < 20000; i++ {
						select {
						case <-stop:
							return
						default:
						}
						v, err := c.Do(5*time.Second, "MGET", "iso:a", "iso:b")
						if err != nil {
							bad <- err.Error()
							return
						}
						if len(v.Elems) == 2 && string(v.Elems[0].Str) != string(v.Elems[1].Str) {
							bad <- fmt.Sprintf("MGET saw a=%q b=%q between two commands of one EXEC", v.Elems[0].Str, v.Elems[1].Str)
							return
						}
					}
				}()
			}
			w := adminDial(t, addr)
			deadline := time.Now().Add(2 * time.Second)
			for i := 0; i < 400 && time.Now().Before(deadline); i++ {
				n := strconv.Itoa(i)
				cmds := [][]string{{"SET", "iso:a", n}}
				if mode == "exclusive" {
					cmds = append(cmds, []string{"KEYS", "nomatch*"})
				}
				cmds = append(cmds, []string{"GET", "iso:a"}, []string{"SET", "iso:b", n})
				v, err := txDo(w, cmds...)
				if err != nil || len(v.Elems) != len(cmds) {
					t.Fatalf("EXEC: %q %v", v.Raw, err)
				}
			}
			close(stop)
			wg.Wait()
			close(bad)
			for m := range bad {
				t.Fatal(m)
			}
		})
	}
}

// TestExecWakesBlockedClient checks that a push inside EXEC serves a
// client blocked on the key once the transaction is over, and that it
// sees the transaction's final state.
func TestExecWakesBlockedClient(t *testing.T) {
	_, addr := adminServer(t)
	ctl := adminDial(t, addr)
	b := adminDial(t, addr)
	blockSend(t, b, "BLPOP", "wake:k", "0")
	blockWaitBlocked(t, ctl, 1)
	v, err := txDo(ctl, []string{"RPUSH", "wake:k", "a", "b"}, []string{"LPOP", "wake:k"})
	if err != nil || string(v.Raw) != "*2\r\n:2\r\n$1\r\na\r\n" {
		t.Fatalf("EXEC: %q %v", v.Raw, err)
	}
	if got := blockReply(t, b, "BLPOP"); got != "*2\r\n$6\r\nwake:k\r\n$1\r\nb\r\n" {
		t.Fatalf("BLPOP got %q, want the element left after EXEC", got)
	}
	// An EXEC that pushes and pops everything leaves the client blocked.
	blockSend(t, b, "BLPOP", "wake:k", "0")
	blockWaitBlocked(t, ctl, 1)
	if v, err := txDo(ctl, []string{"RPUSH", "wake:k", "x"}, []string{"DEL", "wake:k"}); err != nil || len(v.Elems) != 2 {
		t.Fatalf("EXEC: %q %v", v.Raw, err)
	}
	adminNoReply(t, b, 200*time.Millisecond, "BLPOP after an EXEC that left the list empty")
	adminDo(t, ctl, "RPUSH", "wake:k", "y")
	if got := blockReply(t, b, "BLPOP"); got != "*2\r\n$6\r\nwake:k\r\n$1\r\ny\r\n" {
		t.Fatalf("BLPOP got %q", got)
	}
}
