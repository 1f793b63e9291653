// Package cluster runs a node of a cluster: it wraps the standalone
// database, routes each command by its keys' slots to the node that owns
// them (placement.go: CRC16 slots laid over a consistent-hash ring of the
// nodes), runs local keys here, relays the rest to the owner over pooled
// connections (peer.go), gathers multi-key reads and writes spread over
// several nodes, broadcasts FLUSHALL/FLUSHDB and PUBLISH, and answers the
// CLUSTER commands (commands.go). The database knows nothing of it.
package cluster

import (
	"bytes"
	"goredis/lib/utils"
	"strings"
	"sync"
	"time"

	"goredis/config"
	"goredis/database"
	"goredis/interface/resp"
	"goredis/lib/logger"
	"goredis/resp/client"
	"goredis/resp/reply"
)

// relayName is the CLIENT SETNAME of the connections nodes open to each
// other: commands arriving on them run where they land, never relayed
// again.
const relayName = "goredis-cluster-relay"

// Cluster is one node. It implements interface/database.DB.
type Cluster struct {
	db      *database.Server
	pl      *Placement
	peers   []*peer // by node index; nil for this node
	timeout time.Duration

	// dedicated holds, per client, the connections its blocking commands
	// use (never shared with other clients).
	dmu       sync.Mutex
	dedicated map[int64]map[int]*dedicatedConn

	tx    txRoutes
	locks *lockTable

	stop chan struct{}
	done chan struct{}
}

// New makes this node (self) of the cluster of self and peers, over db.
func New(db *database.Server, self string, peers []string, timeout time.Duration) *Cluster {
	cl := &Cluster{db: db, pl: NewPlacement(self, peers), timeout: timeout,
		dedicated: make(map[int64]map[int]*dedicatedConn), locks: newLockTable(),
		stop: make(chan struct{}), done: make(chan struct{})}
	cl.peers = make([]*peer, len(cl.pl.Nodes))
	for i, n := range cl.pl.Nodes {
		if i != cl.pl.Self {
			cl.peers[i] = newPeer(n.Addr, timeout)
		}
	}
	go cl.watchPeers()
	return cl
}

// watchPeers checks every second that each peer answers and sees the same
// membership (the set of node ids in its CLUSTER NODES), logging changes;
// CLUSTER INFO and NODES show the result.
func (cl *Cluster) watchPeers() {
	defer close(cl.done)
	want := map[string]bool{}
	for _, n := range cl.pl.Nodes {
		want[n.ID] = true
	}
	check := func() {
		for i, p := range cl.peers {
			if p == nil {
				continue
			}
			wasUp, wasAgreeing := p.up.Load(), p.agrees.Load()
			v, err := p.do(0, 2, [][]byte{[]byte("CLUSTER"), []byte("NODES")})
			agree := true
			if err == nil && !v.IsError() {
				ids := map[string]bool{}
				for _, line := range strings.Split(string(v.Str), "\n") {
					if f := strings.Fields(line); len(f) > 0 {
						ids[f[0]] = true
					}
				}
				agree = len(ids) == len(want)
				for id := range ids {
					agree = agree && want[id]
				}
			}
			p.agrees.Store(agree)
			addr := cl.pl.Nodes[i].Addr
			switch {
			case err != nil && wasUp:
				logger.Warningf("Cluster node %s is unreachable: %v", addr, err)
			case err == nil && !wasUp:
				logger.Noticef("Cluster node %s is reachable", addr)
			}
			if err == nil && !agree && wasAgreeing {
				logger.Warningf("Cluster node %s sees a different membership: check self and peers in every node's configuration", addr)
			}
		}
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-cl.stop:
			return
		case <-t.C:
			check()
		}
	}
}

// Placement is the cluster's slot table.
func (cl *Cluster) Placement() *Placement { return cl.pl }

// AfterClientClose drops what the client held here and on the peers.
func (cl *Cluster) AfterClientClose(c resp.Connection) {
	cl.tx.drop(c.ID())
	cl.dropDedicated(c.ID())
	cl.db.AfterClientClose(c)
}

// Durable waits for the client's local writes to be durable.
func (cl *Cluster) Durable(c resp.Connection) error { return cl.db.Durable(c) }

// Close closes the peer pools and the database.
func (cl *Cluster) Close() {
	close(cl.stop)
	<-cl.done
	for _, p := range cl.peers {
		if p != nil {
			p.close()
		}
	}
	cl.db.Close()
}

var errCrossSlot = reply.Error("CROSSSLOT Keys in request don't hash to the same slot")

// Exec routes one command.
func (cl *Cluster) Exec(c resp.Connection, args [][]byte) resp.Reply {
	// Only an authenticated connection can have taken the relay name
	// (SETNAME needs AUTH first); checked again so that no path to the
	// internal commands skips requirepass.
	relayed := c.Name() == relayName && (c.Authenticated() || config.Get().RequirePass == "")
	if relayed && utils.EqualFoldASCII(args[0], txCommand) {
		return cl.txInternal(c, args)
	}
	info, ok := database.Describe(args)
	if !ok || (!relayed && mustRunHere(c)) {
		// Redis's unknown-command or arity error, NOAUTH, or the RESP2
		// subscribed-mode error: the database answers them.
		cl.barrier(c)
		return cl.db.Exec(c, args)
	}
	if !relayed && !cl.plainRelay(c, info) {
		cl.barrier(c)
	}
	switch {
	case relayed && !isClusterCommand(info.Name):
		cl.locks.waitFree(c.DBIndex(), info.Keys)
		return cl.db.Exec(c, args) // relayed here by a peer: run it here
	case isClusterCommand(info.Name):
		if !c.Authenticated() && config.Get().RequirePass != "" {
			return reply.NoAuth
		}
		return cl.clusterCommand(c, info.Name, args)
	}
	if r, handled := cl.transaction(c, info, args); handled {
		return r
	}
	switch info.Name {
	case "flushall", "flushdb":
		r := cl.db.Exec(c, args)
		cl.broadcast(c, args)
		return r
	case "publish", "spublish":
		// Subscribers may be on any node (SSUBSCRIBE stays local too).
		r := cl.db.Exec(c, args)
		cl.broadcast(c, args)
		return r
	case "ssubscribe", "sunsubscribe":
		return cl.db.Exec(c, args) // subscription state lives on this connection
	}
	if len(info.Keys) == 0 {
		return cl.db.Exec(c, args) // node-scoped (DBSIZE, KEYS, SCAN, INFO…) or keyless
	}
	owner, single := cl.ownerOf(info.Keys)
	if single {
		if owner == cl.pl.Self {
			cl.locks.waitFree(c.DBIndex(), info.Keys)
			return cl.db.Exec(c, args)
		}
		return cl.db.FilterReply(c, cl.relay(c, owner, info, args))
	}
	var r resp.Reply
	switch info.Name {
	case "mset":
		r = cl.msetAcross(c, args, false)
	case "msetnx":
		r = cl.msetAcross(c, args, true)
	case "mget":
		r = cl.mget(c, args)
	case "exists", "del", "unlink", "touch":
		r = cl.sumCount(c, args)
	default:
		r = cl.acrossNodes(c, info, args)
	}
	return cl.db.FilterReply(c, r)
}

// ownerOf returns the node owning every key, or single false when they
// live on several nodes.
func (cl *Cluster) ownerOf(keys [][]byte) (owner int, single bool) {
	owner = cl.pl.KeyOwner(keys[0])
	for _, k := range keys[1:] {
		if cl.pl.KeyOwner(k) != owner {
			return 0, false
		}
	}
	return owner, true
}

// relay sends the command to node and returns its reply as received:
// without waiting for it (a deferred reply the connection writes at the
// end of its batch), so a pipeline's relays travel together. Blocking
// commands ride a connection of the client's own.
func (cl *Cluster) relay(c resp.Connection, node int, info database.CommandInfo, args [][]byte) resp.Reply {
	if info.Flags&database.FlagBlocking != 0 {
		cl.barrier(c)
		// It may wait on the owner: the replies before it go out now, as
		// Redis sends a client's pending replies before it blocks.
		if w, ok := c.(interface{ Waiting() }); ok {
			w.Waiting()
		}
		return cl.relayDedicated(c, node, args)
	}
	p := cl.peers[node]
	pd, err := p.send(c.DBIndex(), c.Protocol(), args)
	if err != nil {
		return peerError(cl.pl.Nodes[node].Addr, err)
	}
	f := &relayFuture{pd: pd, peer: p, addr: cl.pl.Nodes[node].Addr}
	relayState(c).last = f
	if c.State().Reply != resp.ReplyOn {
		pd.Flush() // its reply may never be waited for: send it now
	}
	return f
}

// clientRelays is what the cluster keeps per client (in its state).
type clientRelays struct {
	last *relayFuture // the latest relay whose reply may not be in yet
}

func relayState(c resp.Connection) *clientRelays {
	st := c.State()
	if r, ok := st.Cluster.(*clientRelays); ok {
		return r
	}
	r := &clientRelays{}
	st.Cluster = r
	return r
}

// barrier waits until the client's relays in flight have been answered:
// anything but another plain relay must see their effects, as one server
// would run the client's commands in order.
func (cl *Cluster) barrier(c resp.Connection) {
	if r, ok := c.State().Cluster.(*clientRelays); ok && r.last != nil {
		r.last.wait()
		r.last = nil
	}
}

// relayFuture is the reply of a relayed command still on its way.
type relayFuture struct {
	pd   *client.Pending
	peer *peer
	addr string
	once sync.Once
	r    resp.Reply
}

func (f *relayFuture) wait() resp.Reply {
	f.once.Do(func() {
		v, err := f.pd.Wait()
		f.peer.up.Store(err == nil)
		if err != nil {
			f.r = peerError(f.addr, err)
			return
		}
		f.r = reply.Raw(v.Raw)
	})
	return f.r
}

// Deferred implements resp.Deferred.
func (f *relayFuture) Deferred() {}

// AppendTo waits for the reply and encodes it.
func (f *relayFuture) AppendTo(b []byte, resp3 bool) []byte {
	return f.wait().AppendTo(b, resp3)
}

// peerError is the reply for a command whose node cannot be reached.
func peerError(addr string, err error) resp.Reply {
	return reply.Error("CLUSTERDOWN node " + addr + " is unreachable: " + err.Error())
}

// broadcast sends args to every other node, in the client's db, without
// waiting on one node for another; errors are ignored (a node that is
// down catches up on nothing, as Redis Cluster's PUBLISH).
func (cl *Cluster) broadcast(c resp.Connection, args [][]byte) {
	var wg sync.WaitGroup
	for i, p := range cl.peers {
		if p == nil {
			continue
		}
		wg.Add(1)
		go func(i int, p *peer) {
			defer wg.Done()
			_, _ = p.do(c.DBIndex(), c.Protocol(), args)
		}(i, p)
	}
	wg.Wait()
}

// splitByNode groups the keys of a command with one key per argument
// (args[1:]) by owner, keeping each key's position.
func (cl *Cluster) splitByNode(keys [][]byte) map[int][]int {
	by := map[int][]int{}
	for i, k := range keys {
		o := cl.pl.KeyOwner(k)
		by[o] = append(by[o], i)
	}
	return by
}

// gather runs, for every node holding some of keys, cmd with those keys,
// all at once, and returns each node's RESP2 reply with the key positions
// it answers for (a node that cannot be reached gives an error value).
func (cl *Cluster) gather(c resp.Connection, cmd []byte, keys [][]byte) (map[int][]int, map[int]client.Value) {
	by := cl.splitByNode(keys)
	values := map[int]client.Value{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for node, idx := range by {
		sub := make([][]byte, 0, len(idx)+1)
		sub = append(sub, cmd)
		for _, i := range idx {
			sub = append(sub, keys[i])
		}
		if node == cl.pl.Self {
			cl.locks.waitFree(c.DBIndex(), sub[1:])
			v := localValue(cl.execInternal(c, sub))
			mu.Lock()
			values[node] = v
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func(node int, sub [][]byte) {
			defer wg.Done()
			v, err := cl.peers[node].do(c.DBIndex(), 2, sub)
			if err != nil {
				v = localValue(peerError(cl.pl.Nodes[node].Addr, err))
			}
			mu.Lock()
			values[node] = v
			mu.Unlock()
		}(node, sub)
	}
	wg.Wait()
	return by, values
}

// localValue decodes a reply of this node as a peer's would be read.
func localValue(r resp.Reply) client.Value {
	b := reply.Encode(r, false)
	v, err := client.NewReader(bytes.NewReader(b)).ReadValue()
	if err != nil {
		return client.Value{Kind: client.KindError, Str: []byte("ERR " + err.Error()), Raw: b}
	}
	return v
}

// mget is MGET over keys on several nodes: each node answers for its
// keys, and the values come back in the order asked.
func (cl *Cluster) mget(c resp.Connection, args [][]byte) resp.Reply {
	keys := args[1:]
	by, values := cl.gather(c, args[0], keys)
	out := make(reply.Array, len(keys))
	for node, idx := range by {
		v := values[node]
		if v.IsError() {
			return v.Reply()
		}
		if v.Kind != client.KindArray || len(v.Elems) != len(idx) {
			return reply.Err("unexpected reply from node " + cl.pl.Nodes[node].Addr)
		}
		for j, i := range idx {
			out[i] = v.Elems[j].Reply()
		}
	}
	return out
}

// sumCount is EXISTS, DEL, UNLINK or TOUCH over keys on several nodes:
// the sum of each node's count.
func (cl *Cluster) sumCount(c resp.Connection, args [][]byte) resp.Reply {
	_, values := cl.gather(c, args[0], args[1:])
	var n int64
	for node, v := range values {
		if v.IsError() {
			return v.Reply()
		}
		if v.Kind != client.KindInt {
			return reply.Err("unexpected reply from node " + cl.pl.Nodes[node].Addr)
		}
		n += v.Int
	}
	return reply.Int(n)
}

func isClusterCommand(name string) bool {
	return strings.HasPrefix(name, "cluster|") || name == "readonly" || name == "readwrite" || name == "asking"
}

// execInternal runs a part of a command here on the client's behalf (its
// db, its durability wait) with its reply unfiltered: CLIENT REPLY applies
// to the whole command's reply, once.
func (cl *Cluster) execInternal(c resp.Connection, args [][]byte) resp.Reply {
	st := c.State()
	mode := st.Reply
	st.Reply = resp.ReplyOn
	r := cl.db.Exec(c, args)
	st.Reply = mode
	return r
}

// plainRelay reports whether the command goes, alone, to another node's
// pooled connection (so it needs no barrier behind earlier relays: the
// pool keeps their order).
func (cl *Cluster) plainRelay(c resp.Connection, info database.CommandInfo) bool {
	if len(info.Keys) == 0 || c.State().InMulti || info.Flags&database.FlagBlocking != 0 || isClusterCommand(info.Name) {
		return false
	}
	switch info.Name {
	case "watch", "unwatch", "multi", "exec", "discard", "reset", "publish", "spublish", "ssubscribe", "sunsubscribe", "flushall", "flushdb":
		return false
	}
	owner, single := cl.ownerOf(info.Keys)
	return single && owner != cl.pl.Self
}

// mustRunHere reports a client the database must answer itself before
// any routing: not authenticated while a password is set, or in RESP2
// subscribed mode.
func mustRunHere(c resp.Connection) bool {
	if !c.Authenticated() && config.Get().RequirePass != "" {
		return true
	}
	return c.Protocol() == 2 && c.State().SubscriptionCount() > 0
}
