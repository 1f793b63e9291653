package database

import (
	"sort"
	"sync"
	"sync/atomic"

	"goredis/interface/resp"
)

// clientRegistry knows every connected client (CLIENT LIST, KILL, INFO).
type clientRegistry struct {
	mu sync.Mutex
	m  map[int64]resp.Connection
	n  atomic.Int64 // len(m), read without the lock (count)
}

func (r *clientRegistry) init() { r.m = make(map[int64]resp.Connection) }

func (r *clientRegistry) add(c resp.Connection) {
	r.mu.Lock()
	r.m[c.ID()] = c
	r.n.Store(int64(len(r.m)))
	r.mu.Unlock()
}

func (r *clientRegistry) remove(c resp.Connection) {
	r.mu.Lock()
	delete(r.m, c.ID())
	r.n.Store(int64(len(r.m)))
	r.mu.Unlock()
}

// count is the number of clients; it takes no lock (maxmemory's figure
// reads it before every command).
func (r *clientRegistry) count() int { return int(r.n.Load()) }

// list returns the clients ordered by id.
func (r *clientRegistry) list() []resp.Connection {
	r.mu.Lock()
	out := make([]resp.Connection, 0, len(r.m))
	for _, c := range r.m {
		out = append(out, c)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out
}
