package main

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"goredis/resp/client/redistest"
)

// TestClusterInterop starts three nodes of the binary (the shipped
// configs' layout on free ports) and drives them with redis-cli -c and
// redis-cli --cluster check.
func TestClusterInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed")
	}
	bin := buildBinary(t)
	var ports []int
	for len(ports) < 3 {
		p := redistest.FreePort(t)
		if len(ports) == 0 || ports[len(ports)-1] != p {
			ports = append(ports, p)
		}
	}
	addr := func(i int) string { return "127.0.0.1:" + strconv.Itoa(ports[i]) }
	for i := range ports {
		var peers []string
		for j := range ports {
			if j != i {
				peers = append(peers, addr(j))
			}
		}
		p := startProc(t, bin, "--port", strconv.Itoa(ports[i]), "--bind", "127.0.0.1", "--appendonly", "no",
			"--self", addr(i), "--peers", strings.Join(peers, ","))
		p.addr = addr(i)
		if !p.waitReady() {
			t.Fatalf("node %d did not start:\n%s", i, p.log())
		}
	}
	run := func(i int, args ...string) string {
		out, err := exec.Command(cli, append([]string{"-c", "-p", strconv.Itoa(ports[i])}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for k := 0; k < 30; k++ {
		key := "cli:" + strconv.Itoa(k)
		if got := run(k%3, "SET", key, "v"+strconv.Itoa(k)); got != "OK" {
			t.Fatalf("SET %s: %q", key, got)
		}
		if got := run((k+1)%3, "GET", key); got != "v"+strconv.Itoa(k) {
			t.Fatalf("GET %s through another node: %q", key, got)
		}
	}
	out, err := exec.Command(cli, "--cluster", "check", addr(1)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "[OK] All nodes agree about slots configuration.") ||
		!strings.Contains(string(out), "[OK] All 16384 slots covered.") || !strings.Contains(string(out), "30 keys in 3 masters") {
		t.Fatalf("redis-cli --cluster check: %v\n%s", err, out)
	}
}
