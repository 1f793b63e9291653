// Command idleconns opens N client connections to a server, checks each
// with a PING, prints "ready", and holds them open until its standard
// input closes (or -max passes): bench.sh measures what idle connections
// cost a server.
//
//	go run ./scripts/idleconns -addr 127.0.0.1:6379 -n 10000
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	n := flag.Int("n", 10000, "connections")
	max := flag.Duration("max", 2*time.Minute, "hold them at most this long")
	flag.Parse()
	conns := make([]net.Conn, 0, *n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < *n; i++ {
		c, err := net.DialTimeout("tcp", *addr, 5*time.Second)
		if err != nil {
			fmt.Fprintf(os.Stderr, "connection %d: %v\n", i, err)
			os.Exit(1)
		}
		conns = append(conns, c)
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			fmt.Fprintf(os.Stderr, "connection %d: %v\n", i, err)
			os.Exit(1)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "+PONG\r\n" {
			fmt.Fprintf(os.Stderr, "connection %d: %q %v\n", i, line, err)
			os.Exit(1)
		}
	}
	fmt.Println("ready")
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	select {
	case <-done:
	case <-time.After(*max):
	}
}
