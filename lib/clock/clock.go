// Package clock gives the hot path a cheap monotonic clock: the runtime's
// own nanosecond counter, without the wall-clock read time.Now adds.
package clock

import (
	"time"
	_ "unsafe" // for go:linkname
)

// nanotime is the runtime's monotonic clock (exported by the runtime for
// linkname use).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

var (
	baseWall = time.Now()
	baseMono = nanotime()
)

// Mono returns monotonic nanoseconds (only differences are meaningful).
func Mono() int64 { return nanotime() }

// Wall converts a Mono reading to wall-clock time.
func Wall(mono int64) time.Time { return baseWall.Add(time.Duration(mono - baseMono)) }
