package cluster

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"goredis/config"
	"goredis/database"
	"goredis/interface/resp"
	"goredis/resp/client"
	"goredis/resp/reply"
)

// peer is the pool of connections to another node: one pipelining
// connection per (db, protocol), opened on first use, so a relayed command
// runs in the client's db and its reply comes back in the client's
// protocol, byte for byte. A connection that breaks is dropped and the
// next request dials again.
type peer struct {
	addr    string
	timeout time.Duration

	mu     sync.Mutex
	conns  map[poolKey]*client.Client
	closed bool

	// idle holds connections for two-phase commits, which must not wait
	// behind other relays on a shared pipeline (nor hold one up while
	// waiting for a lock); one is checked out for a whole transaction.
	idle []*client.Client

	// up is whether the last dial or relay worked; agrees whether the
	// peer's view of the membership matches ours (health checks).
	up     atomic.Bool
	agrees atomic.Bool
}

// reachable reports whether the node answered last time and sees the
// same cluster.
func (p *peer) reachable() bool { return p.up.Load() && p.agrees.Load() }

type poolKey struct{ db, proto int }

func newPeer(addr string, timeout time.Duration) *peer {
	p := &peer{addr: addr, timeout: timeout, conns: make(map[poolKey]*client.Client)}
	// Presumed healthy until a relay or a health check says otherwise.
	p.up.Store(true)
	p.agrees.Store(true)
	return p
}

var errPeerClosed = errors.New("node shutting down")

// dial opens a connection to the peer set up for db and proto: protocol,
// authentication with this node's requirepass, the relay name, the db.
func (p *peer) dial(db, proto int, replyTimeout bool) (*client.Client, error) {
	nc, err := net.DialTimeout("tcp", p.addr, p.timeout)
	if err != nil {
		return nil, err
	}
	c := client.NewClient(nc)
	if replyTimeout {
		c.SetReplyTimeout(p.timeout)
	}
	var setup [][][]byte
	pass := config.Get().RequirePass
	switch {
	case proto == 3 && pass != "":
		setup = append(setup, [][]byte{[]byte("HELLO"), []byte("3"), []byte("AUTH"), []byte("default"), []byte(pass)})
	case proto == 3:
		setup = append(setup, [][]byte{[]byte("HELLO"), []byte("3")})
	case pass != "":
		setup = append(setup, [][]byte{[]byte("AUTH"), []byte(pass)})
	}
	setup = append(setup, [][]byte{[]byte("CLIENT"), []byte("SETNAME"), []byte(relayName)})
	if db != 0 {
		setup = append(setup, [][]byte{[]byte("SELECT"), []byte(strconv.Itoa(db))})
	}
	vals, err := c.Pipeline(setup)
	if err == nil {
		for _, v := range vals {
			if v.IsError() {
				err = errors.New(v.Text())
				break
			}
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// get returns the pooled connection for db and proto, dialing it if
// needed.
func (p *peer) get(db, proto int) (*client.Client, error) {
	k := poolKey{db, proto}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errPeerClosed
	}
	if c := p.conns[k]; c != nil && c.Err() == nil {
		return c, nil
	}
	c, err := p.dial(db, proto, true)
	if err != nil {
		p.up.Store(false)
		return nil, err
	}
	p.conns[k] = c
	return c, nil
}

// send relays one command without waiting for its reply.
func (p *peer) send(db, proto int, args [][]byte) (*client.Pending, error) {
	c, err := p.get(db, proto)
	if err != nil {
		return nil, err
	}
	pd, err := c.Send(args...)
	if err != nil {
		p.drop(db, proto, c)
		p.up.Store(false)
	}
	return pd, err
}

// drop forgets a broken pooled connection.
func (p *peer) drop(db, proto int, c *client.Client) {
	p.mu.Lock()
	if p.conns[poolKey{db, proto}] == c {
		delete(p.conns, poolKey{db, proto})
	}
	p.mu.Unlock()
	c.Close()
}

// do relays one command and returns its reply.
func (p *peer) do(db, proto int, args [][]byte) (client.Value, error) {
	c, err := p.get(db, proto)
	if err != nil {
		return client.Value{}, err
	}
	v, err := c.Do(args...)
	p.up.Store(err == nil)
	if err != nil {
		p.mu.Lock()
		if p.conns[poolKey{db, proto}] == c {
			delete(p.conns, poolKey{db, proto})
		}
		p.mu.Unlock()
		c.Close()
	}
	return v, err
}

func (p *peer) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for k, c := range p.conns {
		c.Close()
		delete(p.conns, k)
	}
	for _, c := range p.idle {
		c.Close()
	}
	p.idle = nil
}

// checkout takes a connection for one transaction, in db 0 (the
// transaction's commands select their db themselves).
func (p *peer) checkout() (*client.Client, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errPeerClosed
	}
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if c.Err() == nil {
			p.mu.Unlock()
			return c, nil
		}
		c.Close()
	}
	p.mu.Unlock()
	c, err := p.dial(0, 2, true)
	p.up.Store(err == nil)
	return c, err
}

// checkin returns a transaction's connection (closed when broken, or
// when enough are idle).
func (p *peer) checkin(c *client.Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.Err() != nil || p.closed || len(p.idle) >= 8 {
		c.Close()
		return
	}
	p.idle = append(p.idle, c)
}

// dedicatedConn is a connection to a node used by one client only (its
// blocking commands), so a command that waits never holds up another
// client's relays.
type dedicatedConn struct {
	c      *client.Client
	db     int
	proto  int
	closed bool
}

// dedicatedFor returns the client's own connection to node, in its db
// and protocol, dialing it when needed.
func (cl *Cluster) dedicatedFor(c resp.Connection, node int) (*dedicatedConn, error) {
	cl.dmu.Lock()
	m := cl.dedicated[c.ID()]
	if m == nil {
		m = make(map[int]*dedicatedConn)
		cl.dedicated[c.ID()] = m
	}
	d := m[node]
	cl.dmu.Unlock()
	if d == nil || d.c.Err() != nil || d.proto != c.Protocol() {
		if d != nil {
			d.c.Close()
		}
		pc, err := cl.peers[node].dial(c.DBIndex(), c.Protocol(), false)
		if err != nil {
			return nil, err
		}
		d = &dedicatedConn{c: pc, db: c.DBIndex(), proto: c.Protocol()}
		cl.dmu.Lock()
		if cl.dedicated[c.ID()] == nil { // the client left meanwhile
			cl.dmu.Unlock()
			pc.Close()
			return nil, errPeerClosed
		}
		cl.dedicated[c.ID()][node] = d
		cl.dmu.Unlock()
	}
	if d.db != c.DBIndex() {
		if v, err := d.c.Do([]byte("SELECT"), []byte(strconv.Itoa(c.DBIndex()))); err != nil || v.IsError() {
			d.c.Close()
			return nil, errors.New("SELECT failed on the node")
		}
		d.db = c.DBIndex()
	}
	return d, nil
}

// relayDedicated runs a command on node over the client's own connection
// to it (blocking commands, WATCH), watching meanwhile that the client is
// still there.
func (cl *Cluster) relayDedicated(c resp.Connection, node int, args [][]byte) resp.Reply {
	addr := cl.pl.Nodes[node].Addr
	d, err := cl.dedicatedFor(c, node)
	if err != nil {
		return peerError(addr, err)
	}
	type result struct {
		v   client.Value
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := d.c.Do(args...)
		done <- result{v, err}
	}()
	// Nothing reads the client's socket while it waits: check now and then
	// that it is still there, and give up the peer's wait when it is not.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			if r.err != nil {
				d.c.Close()
				return peerError(addr, r.err)
			}
			return reply.Raw(r.v.Raw)
		case <-tick.C:
			if !database.ClientAlive(c) {
				d.c.Close()
				<-done
				return reply.NullArray
			}
		}
	}
}

// dropDedicated closes a departed client's own connections, which ends
// any command of its still blocked on a peer.
func (cl *Cluster) dropDedicated(id int64) {
	cl.dmu.Lock()
	m := cl.dedicated[id]
	delete(cl.dedicated, id)
	cl.dmu.Unlock()
	for _, d := range m {
		d.c.Close()
	}
}
