package handler

import (
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Two goroutines that always have more to do and yield with waitRound
// between parts (connections deep in long pipelines) must not keep a
// goroutine whose socket became readable (a connection whose request just
// arrived) waiting: it runs within a round or two. With runtime.Gosched
// instead, the scheduler looks at the network only when nothing else can
// run, or when sysmon does so every 10 ms: thousands of parts later.
func TestWaitRoundLetsNewArrivalsIn(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()

	var parts atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 5_000_000 && !stop.Load() && time.Now().Before(deadline); n++ {
				parts.Add(1)
				waitRound()
			}
		}()
	}
	woke := make(chan int64, 1)
	go func() {
		buf := make([]byte, 1)
		if _, err := server.Read(buf); err != nil {
			woke <- -1
			return
		}
		woke <- parts.Load()
	}()
	// Let the reader park and the yielders get going (waiting parked: a
	// goroutine that stayed runnable would hold the rounds up itself).
	for parts.Load() < 1000 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	sent := parts.Load()
	if _, err := client.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	got := <-woke
	stop.Store(true)
	wg.Wait()
	if got < 0 {
		t.Fatal("read failed")
	}
	// Each round lets both yielders run one part; the sender itself waited
	// for its turn, so allow a few rounds.
	if d := got - sent; d > 10 {
		t.Errorf("the readable socket's goroutine ran %d parts after its byte was sent, want at most 10", d)
	}
}
