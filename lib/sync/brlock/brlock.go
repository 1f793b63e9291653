// Package brlock is a big-reader lock: a read-write lock split into
// padded slots so readers on different cores do not share a cache line.
// A reader locks one slot (chosen by the caller, e.g. from its client id);
// a writer locks every slot in order and so excludes all readers.
//
// The server takes it for reading around every command and for writing
// around a transaction that cannot name its keys up front (EXEC of KEYS,
// FLUSHALL, blocking pops…), which then runs with no other command in
// flight, as in Redis's single thread.
package brlock

import "sync"

// Slots is the number of reader slots.
const Slots = 16

type slot struct {
	mu sync.RWMutex
	_  [40]byte // a slot per cache line
}

// Lock is a big-reader lock. The zero value is unlocked.
type Lock struct {
	slots [Slots]slot
}

// RLock takes slot n (any int; it is reduced modulo Slots) for reading.
func (l *Lock) RLock(n int64) { l.slots[uint64(n)%Slots].mu.RLock() }

// RUnlock releases slot n taken by RLock.
func (l *Lock) RUnlock(n int64) { l.slots[uint64(n)%Slots].mu.RUnlock() }

// Lock waits for every reader to leave and keeps new ones out.
func (l *Lock) Lock() {
	for i := range l.slots {
		l.slots[i].mu.Lock()
	}
}

// Unlock lets readers in again.
func (l *Lock) Unlock() {
	for i := len(l.slots) - 1; i >= 0; i-- {
		l.slots[i].mu.Unlock()
	}
}
