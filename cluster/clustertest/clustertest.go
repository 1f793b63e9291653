// Package clustertest starts in-process clusters of this server on
// loopback ports, for tests (client-library interop among them).
package clustertest

import (
	"net"
	"strconv"
	"testing"
	"time"

	"goredis/cluster"
	"goredis/database"
	"goredis/resp/handler"
	"goredis/tcp"
)

// Start runs n nodes on free 127.0.0.1 ports, all peers of each other,
// and returns their addresses; they stop when the test ends. The config
// package must have been loaded (config.Load).
func Start(t testing.TB, n int) []string {
	t.Helper()
	var ls []net.Listener
	var addrs []string
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	for _, l := range ls {
		l.Close()
	}
	for i, self := range addrs {
		var peers []string
		for j, a := range addrs {
			if j != i {
				peers = append(peers, a)
			}
		}
		srv := database.NewServer()
		node := cluster.New(srv, self, peers, 2*time.Second)
		_, port, _ := net.SplitHostPort(self)
		p, _ := strconv.Atoi(port)
		listen, optional := tcp.ListenAddrs([]string{"127.0.0.1"}, p)
		ts, err := tcp.Listen(listen, optional, handler.New(node, srv))
		if err != nil {
			node.Close()
			t.Fatalf("listen %s: %v", self, err)
		}
		done := make(chan struct{})
		go func() { ts.Serve(); close(done) }()
		t.Cleanup(func() {
			ts.Close()
			<-done
			node.Close()
		})
	}
	return addrs
}
