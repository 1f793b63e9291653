package tcp

import (
	"bufio"
	"context"
	"net"
	"sync"
)

// EchoHandler writes back every line it reads; it tests the server layer
// on its own.
type EchoHandler struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// NewEchoHandler returns an EchoHandler.
func NewEchoHandler() *EchoHandler { return &EchoHandler{conns: make(map[net.Conn]struct{})} }

// Handle echoes lines until the client closes.
func (h *EchoHandler) Handle(_ context.Context, conn net.Conn) {
	h.mu.Lock()
	h.conns[conn] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.conns, conn)
		h.mu.Unlock()
		_ = conn.Close()
	}()
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if _, werr := conn.Write(line); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Close closes every open connection.
func (h *EchoHandler) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns {
		_ = c.Close()
	}
	return nil
}
