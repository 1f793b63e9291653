// Package tcp accepts connections and hands each to a Handler on its own
// goroutine. It knows nothing of RESP.
package tcp

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"goredis/interface/tcp"
	"goredis/lib/logger"
)

// Server listens on one or more addresses.
type Server struct {
	handler   tcp.Handler
	listeners []net.Listener
	wg        sync.WaitGroup
	closeOnce sync.Once
	done      chan struct{}
}

// ListenAddrs turns Redis bind entries and a port into listen addresses.
// "*" is every IPv4 address, "::*" every IPv6 one; a leading '-' marks an
// address that may be unavailable.
func ListenAddrs(bind []string, port int) (addrs []string, optional []bool) {
	if len(bind) == 0 {
		bind = []string{"*", "-::*"}
	}
	for _, b := range bind {
		opt := strings.HasPrefix(b, "-")
		b = strings.TrimPrefix(b, "-")
		switch b {
		case "*":
			b = "0.0.0.0"
		case "::*":
			b = "::"
		}
		addrs = append(addrs, net.JoinHostPort(b, strconv.Itoa(port)))
		optional = append(optional, opt)
	}
	return
}

// Listen opens the listeners; it fails if a required address cannot be
// bound.
func Listen(addrs []string, optional []bool, h tcp.Handler) (*Server, error) {
	s := &Server{handler: h, done: make(chan struct{})}
	for i, a := range addrs {
		network := "tcp4"
		if host, _, err := net.SplitHostPort(a); err == nil && strings.Contains(host, ":") {
			// IPv6 only, as Redis sets IPV6_V6ONLY: "::" must not take
			// the IPv4 port that "*" (0.0.0.0) holds.
			network = "tcp6"
		} else if ip := net.ParseIP(host); ip == nil {
			network = "tcp"
		}
		ln, err := net.Listen(network, a)
		if err != nil {
			if optional[i] {
				logger.Warningf("Warning: Could not create server TCP listening socket %s: %v", a, err)
				continue
			}
			s.closeListeners()
			return nil, err
		}
		s.listeners = append(s.listeners, ln)
	}
	if len(s.listeners) == 0 {
		return nil, errors.New("no address to listen on")
	}
	return s, nil
}

// Addrs returns the bound addresses.
func (s *Server) Addrs() []net.Addr {
	var out []net.Addr
	for _, ln := range s.listeners {
		out = append(out, ln.Addr())
	}
	return out
}

// Serve accepts on every listener until Close.
func (s *Server) Serve() {
	var accepting sync.WaitGroup
	for _, ln := range s.listeners {
		accepting.Add(1)
		go func(ln net.Listener) {
			defer accepting.Done()
			s.acceptLoop(ln)
		}(ln)
	}
	accepting.Wait()
}

func (s *Server) acceptLoop(ln net.Listener) {
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			// EMFILE and other transient failures: back off and retry,
			// never stop serving.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay *= 2; delay > time.Second {
				delay = time.Second
			}
			logger.Warningf("Accepting client connection: %v", err)
			select {
			case <-time.After(delay):
			case <-s.done:
				return
			}
			continue
		}
		delay = 0
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handler.Handle(context.Background(), conn)
		}()
	}
}

func (s *Server) closeListeners() {
	for _, ln := range s.listeners {
		_ = ln.Close()
	}
}

// Close stops accepting, lets the handler finish and close its clients,
// and waits for connection goroutines to end.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.closeListeners()
		_ = s.handler.Close()
		s.wg.Wait()
	})
}
