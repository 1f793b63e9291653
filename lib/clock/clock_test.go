package clock

import (
	"testing"
	"time"
)

func TestMonoAdvancesWithWallClock(t *testing.T) {
	a := Mono()
	time.Sleep(20 * time.Millisecond)
	b := Mono()
	if d := time.Duration(b - a); d < 20*time.Millisecond || d > 2*time.Second {
		t.Fatalf("Mono advanced %v over a 20ms sleep", d)
	}
	if d := time.Since(Wall(b)); d < -time.Second || d > time.Second {
		t.Fatalf("Wall(Mono()) is %v away from time.Now", d)
	}
}

func BenchmarkMono(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = Mono()
	}
}

func BenchmarkTimeNow(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = time.Now()
	}
}
