package handler

import (
	"os"
	"runtime"
	"sync"
)

// Rounds: how a connection in the middle of a long pipeline lets the
// others have their turn.
//
// Redis reads 16 KB of each ready client per turn of its event loop, and
// polls the sockets again before the next turn, so a client whose request
// has just arrived is served in the next turn even while others are deep
// in long pipelines. runtime.Gosched does not give that: the scheduler
// looks at the network only when nothing else can run, so connections
// that yield to each other part after part starve the ones whose requests
// arrived meanwhile until every long pipeline has ended.
//
// waitRound parks the caller until the scheduler's next look at the
// network: the first waiter of a round writes a byte to a pipe whose
// other end a goroutine reads through the poller; the poller reports it
// when it looks, together with the sockets that became ready, and that
// goroutine then releases the round's waiters, behind the connections
// the same look woke.
type rounds struct {
	once     sync.Once
	mu       sync.Mutex
	release  chan struct{} // closed when the current round ends
	signaled bool
	r, w     *os.File
	broken   bool // the pipe failed: waitRound falls back on runtime.Gosched
}

var turns rounds

// roundByte is what a round's first waiter writes to the pipe.
var roundByte = []byte{1}

func (g *rounds) start() {
	r, w, err := os.Pipe()
	if err != nil {
		g.broken = true
		return
	}
	g.r, g.w = r, w
	g.release = make(chan struct{})
	go g.loop()
}

func (g *rounds) loop() {
	buf := make([]byte, 128)
	for {
		_, err := g.r.Read(buf)
		g.mu.Lock()
		close(g.release)
		if err != nil {
			g.broken = true
			g.mu.Unlock()
			return
		}
		g.release = make(chan struct{})
		g.signaled = false
		g.mu.Unlock()
	}
}

// waitRound returns after the scheduler has next looked at the network.
func waitRound() {
	g := &turns
	g.once.Do(g.start)
	g.mu.Lock()
	if !g.broken && !g.signaled {
		_, err := g.w.Write(roundByte)
		g.signaled, g.broken = err == nil, err != nil
	}
	if g.broken {
		g.mu.Unlock()
		runtime.Gosched()
		return
	}
	ch := g.release
	g.mu.Unlock()
	<-ch
}
