package redistest

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// OpenFDs is the number of descriptors this process holds, or -1 without
// /proc.
func OpenFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries) - 1 // ReadDir's own descriptor is listed too
}

// Footprint is what a test process holds: descriptors and goroutines.
type Footprint struct{ FDs, Goroutines int }

// Measure returns the process's footprint now.
func Measure() Footprint { return Footprint{OpenFDs(), runtime.NumGoroutine()} }

// Settled waits until the footprint stops changing (the goroutines of
// earlier work end) for 100 ms, at most 2 s, and returns it.
func Settled() Footprint {
	f := Measure()
	for i, still := 0, 0; i < 200 && still < 10; i++ {
		time.Sleep(10 * time.Millisecond)
		if n := Measure(); n != f {
			f, still = n, 0
		} else {
			still++
		}
	}
	return f
}

// BackTo waits (at most 10 s) until the process holds no more descriptors
// and goroutines than at base, and fails t, with a goroutine dump, if it
// does not. No tolerance: the runtime's own goroutines (GC workers,
// timers) are system goroutines runtime.NumGoroutine does not count.
func BackTo(t testing.TB, base Footprint, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	now := Measure()
	for (now.FDs > base.FDs || now.Goroutines > base.Goroutines) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		now = Measure()
	}
	if now.FDs > base.FDs {
		t.Errorf("%s: %d descriptors open, %d before", what, now.FDs, base.FDs)
	}
	if now.Goroutines > base.Goroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%s: %d goroutines, %d before\n%s", what, now.Goroutines, base.Goroutines, buf[:runtime.Stack(buf, true)])
	}
}
