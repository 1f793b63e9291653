package database

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"goredis/resp/client"
)

// TestSlowSubscriber: a subscriber stops reading while a publisher sends.
// The publisher is never held up (its PUBLISH replies keep coming while
// the subscriber's socket is full), and the subscriber is disconnected
// once its backlog passes client-output-buffer-limit pubsub, after which
// PUBLISH counts no receiver.
func TestSlowSubscriber(t *testing.T) {
	_, addr := adminServer(t)
	ctl := adminDial(t, addr)
	if r := adminRaw(t, ctl, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 4mb 1mb 60"); r != "+OK\r\n" {
		t.Fatalf("CONFIG SET: %q", r)
	}
	defer adminDo(t, ctl, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")

	sub, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if _, err := sub.Write([]byte("*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nslow\r\n")); err != nil {
		t.Fatal(err)
	}
	r := client.NewReader(sub)
	_ = sub.SetReadDeadline(time.Now().Add(5 * time.Second))
	if v, err := r.ReadValue(); err != nil || len(v.Elems) != 3 {
		t.Fatalf("subscribe confirmation: %q %v", v.Raw, err)
	}
	// From here on the subscriber reads nothing.

	pub := adminDial(t, addr)
	msg := strings.Repeat("m", 1024)
	var maxLatency time.Duration
	dropped := -1
	for i := 0; i < 20000; i++ {
		start := time.Now()
		v := adminDo(t, pub, "PUBLISH", "slow", msg)
		if d := time.Since(start); d > maxLatency {
			maxLatency = d
		}
		if v.Int == 0 {
			dropped = i
			break
		}
	}
	if dropped < 0 {
		t.Fatal("the subscriber was never disconnected for passing the 4mb hard limit")
	}
	// About 4 MB of 1 KB messages fit before the limit (plus what the
	// kernel buffers took).
	if dropped < 3000 {
		t.Errorf("dropped after %d messages: before reaching the 4mb limit", dropped)
	}
	t.Logf("subscriber dropped after %d messages of 1 KB; slowest PUBLISH %v", dropped, maxLatency)
	if v := adminDo(t, ctl, "PUBSUB", "NUMSUB", "slow"); len(v.Elems) != 2 || v.Elems[1].Int != 0 {
		t.Errorf("PUBSUB NUMSUB slow after the drop: %q", v.Raw)
	}
	// The subscriber sees its connection end once it drains the socket.
	_ = sub.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, err := r.ReadValue(); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the dropped subscriber's connection stayed open")
			}
			break
		}
	}
}

// TestPublishFanOut: many subscribers, several publishers; every
// subscriber receives every message of each publisher in order.
func TestPublishFanOut(t *testing.T) {
	_, addr := adminServer(t)
	const subs, pubs, msgs = 6, 3, 300
	readers := make([]*client.RawConn, subs)
	for i := range readers {
		readers[i] = adminDial(t, addr)
		if i%2 == 0 {
			adminDo(t, readers[i], "SUBSCRIBE", "fan")
		} else {
			adminDo(t, readers[i], "PSUBSCRIBE", "fa?")
		}
	}
	var wg sync.WaitGroup
	for p := 0; p < pubs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			c, err := client.DialRaw(addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			for i := 0; i < msgs; i++ {
				v, err := c.Do(5*time.Second, "PUBLISH", "fan", strconv.Itoa(p)+":"+strconv.Itoa(i))
				if err != nil || v.Int != subs {
					t.Errorf("PUBLISH: %q %v, want :%d", v.Raw, err, subs)
					return
				}
			}
		}(p)
	}
	wg.Wait()
	for i, r := range readers {
		next := make([]int, pubs)
		for n := 0; n < pubs*msgs; n++ {
			v, err := r.ReadValue(5 * time.Second)
			if err != nil {
				t.Fatalf("subscriber %d after %d messages: %v", i, n, err)
			}
			body := string(v.Elems[len(v.Elems)-1].Str)
			ps, is, _ := strings.Cut(body, ":")
			p, _ := strconv.Atoi(ps)
			k, _ := strconv.Atoi(is)
			if p < 0 || p >= pubs || k != next[p] {
				t.Fatalf("subscriber %d got %q, want message %d of publisher %d", i, body, next[p], p)
			}
			next[p]++
		}
	}
}
