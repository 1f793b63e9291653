// Package goredis_interop drives the server with go-redis (a module of
// its own, so the server's go.mod stays free of requirements):
//
//	cd interop/goredis && go test ./...
package goredis_interop

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"goredis/cluster/clustertest"
	"goredis/config"
)

func TestMain(m *testing.M) {
	if _, err := config.Load([]string{"--bind", "127.0.0.1"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// TestClusterClient: go-redis's ClusterClient discovers the three nodes
// from CLUSTER SLOTS and works unchanged: single keys, pipelines over
// every node, hash-tagged transactions, DBSIZE summed over the masters.
func TestClusterClient(t *testing.T) {
	addrs := clustertest.Start(t, 3)
	ctx := context.Background()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs[:1]})
	defer rdb.Close()
	const n = 300
	for i := 0; i < n; i++ {
		if err := rdb.Set(ctx, "k"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
	}
	for i := 0; i < n; i++ {
		v, err := rdb.Get(ctx, "k"+strconv.Itoa(i)).Int()
		if err != nil || v != i {
			t.Fatalf("GET k%d: %d %v", i, v, err)
		}
	}
	pipe := rdb.Pipeline()
	var cmds []*redis.IntCmd
	for i := 0; i < n; i++ {
		cmds = append(cmds, pipe.Incr(ctx, "k"+strconv.Itoa(i)))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	for i, c := range cmds {
		if c.Val() != int64(i+1) {
			t.Fatalf("INCR k%d in a pipeline: %d", i, c.Val())
		}
	}
	size, err := rdb.DBSize(ctx).Result()
	if err != nil || size != n {
		t.Fatalf("DBSIZE over the masters: %d %v", size, err)
	}
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "{acct}.a")
		p.IncrBy(ctx, "{acct}.b", 2)
		return nil
	})
	if err != nil {
		t.Fatalf("transaction: %v", err)
	}
	if v, _ := rdb.Get(ctx, "{acct}.b").Int(); v != 2 {
		t.Fatalf("after the transaction: %d", v)
	}
	var masters atomic.Int32 // the callback runs on every master at once
	err = rdb.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		masters.Add(1)
		return c.Ping(ctx).Err()
	})
	if err != nil || masters.Load() != 3 {
		t.Fatalf("ForEachMaster: %d masters, %v", masters.Load(), err)
	}
	// A plain client on one node sees every key too.
	plain := redis.NewClient(&redis.Options{Addr: addrs[2]})
	defer plain.Close()
	if v, err := plain.Get(ctx, "k7").Int(); err != nil || v != 8 {
		t.Fatalf("plain client: %d %v", v, err)
	}
	if err := plain.MSet(ctx, "x1", 1, "x2", 2, "x3", 3).Err(); err != nil {
		t.Fatalf("MSET over nodes from a plain client: %v", err)
	}
	if vals, err := plain.MGet(ctx, "x1", "x2", "x3").Result(); err != nil || len(vals) != 3 || vals[2] != "3" {
		t.Fatalf("MGET: %v %v", vals, err)
	}
}
