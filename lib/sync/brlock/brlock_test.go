package brlock

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A writer excludes readers of every slot, and readers of different
// slots run together.
func TestExclusion(t *testing.T) {
	var l Lock
	var readers, writers atomic.Int32
	var bad atomic.Bool
	var wg sync.WaitGroup
	deadline := time.Now().Add(300 * time.Millisecond)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(id int64) {
			defer wg.Done()
			for i := 0; i < 20000 && time.Now().Before(deadline); i++ {
				if i%50 == 0 {
					l.Lock()
					if writers.Add(1) != 1 || readers.Load() != 0 {
						bad.Store(true)
					}
					writers.Add(-1)
					l.Unlock()
					continue
				}
				l.RLock(id + int64(i))
				readers.Add(1)
				if writers.Load() != 0 {
					bad.Store(true)
				}
				readers.Add(-1)
				l.RUnlock(id + int64(i))
			}
		}(int64(g))
	}
	wg.Wait()
	if bad.Load() {
		t.Fatal("a reader and a writer held the lock together")
	}
}

func TestReadersShare(t *testing.T) {
	var l Lock
	l.RLock(1)
	done := make(chan struct{})
	go func() { l.RLock(2); l.RLock(1 + Slots); l.RUnlock(2); l.RUnlock(1 + Slots); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a second reader waited for the first")
	}
	l.RUnlock(1)
	l.RLock(-5) // negative ids map to a slot too
	l.RUnlock(-5)
}

func BenchmarkRLockParallel(b *testing.B) {
	var l Lock
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		id := n.Add(1)
		for pb.Next() {
			l.RLock(id)
			l.RUnlock(id)
		}
	})
}
