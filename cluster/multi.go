package cluster

import (
	"goredis/lib/utils"
	"sync"

	"goredis/database"
	"goredis/interface/resp"
	"goredis/resp/reply"
)

// Transactions in a cluster: WATCH, MULTI … EXEC run on one node, the one
// owning their keys (hash tags put related keys together). The commands
// are queued here as in a standalone server (same checks, same +QUEUED);
// a key of another node than the transaction's first is refused with
// CROSSSLOT, which makes EXEC abort as in Redis. When the keys are this
// node's, EXEC runs here; when they are another node's, EXEC sends MULTI,
// the queue and EXEC there over the client's own connection (where its
// WATCH, if any, was placed) and returns that node's answer.

// txRoute is a client's transaction routing.
type txRoute struct {
	node  int // the node of the transaction's keys; -1 until one is seen
	watch int // the node holding the client's WATCH; -1 for none
}

type txRoutes struct {
	mu sync.Mutex
	m  map[int64]*txRoute
}

func (r *txRoutes) get(id int64) *txRoute {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[int64]*txRoute)
	}
	t := r.m[id]
	if t == nil {
		t = &txRoute{node: -1, watch: -1}
		r.m[id] = t
	}
	return t
}

func (r *txRoutes) drop(id int64) {
	r.mu.Lock()
	delete(r.m, id)
	r.mu.Unlock()
}

// transaction handles the commands of a transaction; handled is false for
// commands that route as usual.
func (cl *Cluster) transaction(c resp.Connection, info database.CommandInfo, args [][]byte) (r resp.Reply, handled bool) {
	st := c.State()
	switch info.Name {
	case "watch":
		if st.InMulti {
			return cl.db.Exec(c, args), true // Redis's error
		}
		owner, single := cl.ownerOf(info.Keys)
		t := cl.tx.get(c.ID())
		if !single || (t.watch != -1 && t.watch != owner) {
			return errCrossSlot, true
		}
		t.watch = owner
		if owner == cl.pl.Self {
			return cl.db.Exec(c, args), true
		}
		return cl.relayDedicated(c, owner, args), true
	case "unwatch":
		if st.InMulti {
			return nil, false // queued
		}
		cl.endWatch(c)
		return cl.db.Exec(c, args), true
	case "multi":
		r := cl.db.Exec(c, args)
		if !reply.IsError(r) {
			t := cl.tx.get(c.ID())
			t.node = t.watch
		}
		return r, true
	case "discard":
		r := cl.db.Exec(c, args)
		cl.endWatch(c)
		cl.tx.drop(c.ID())
		return r, true
	case "exec":
		return cl.exec(c, args), true
	case "reset":
		cl.endWatch(c)
		cl.tx.drop(c.ID())
		return cl.db.Exec(c, args), true
	}
	if !st.InMulti {
		return nil, false
	}
	if len(info.Keys) > 0 {
		owner, single := cl.ownerOf(info.Keys)
		t := cl.tx.get(c.ID())
		if !single || (t.node != -1 && t.node != owner) {
			return cl.db.Reject(c, errCrossSlot), true
		}
		t.node = owner
	}
	return cl.db.Exec(c, args), true
}

// endWatch drops a WATCH placed on another node.
func (cl *Cluster) endWatch(c resp.Connection) {
	t := cl.tx.get(c.ID())
	if t.watch != -1 && t.watch != cl.pl.Self {
		cl.relayDedicated(c, t.watch, [][]byte{[]byte("UNWATCH")})
	}
	t.watch = -1
}

// exec runs the queued transaction where its keys are.
func (cl *Cluster) exec(c resp.Connection, args [][]byte) resp.Reply {
	st := c.State()
	t := cl.tx.get(c.ID())
	defer cl.tx.drop(c.ID())
	node := t.node
	if node == -1 {
		node = t.watch
	}
	if !st.InMulti || st.TxDirty || node == -1 || node == cl.pl.Self {
		return cl.db.Exec(c, args) // errors, EXECABORT, or a local run
	}
	queued := st.Queued
	cl.db.DropTransaction(c)
	addr := cl.pl.Nodes[node].Addr
	d, err := cl.dedicatedFor(c, node)
	if err != nil {
		return peerError(addr, err)
	}
	cmds := make([][][]byte, 0, len(queued)+2)
	cmds = append(cmds, [][]byte{[]byte("MULTI")})
	selects := false
	for _, q := range queued {
		cmds = append(cmds, q)
		if len(q) > 0 && utils.EqualFoldASCII(q[0], "select") {
			selects = true
		}
	}
	cmds = append(cmds, [][]byte{[]byte("EXEC")})
	vals, err := d.c.Pipeline(cmds)
	if selects {
		d.db = -1 // SELECT inside: the connection's db is no longer known
	}
	if err != nil {
		d.c.Close()
		return peerError(addr, err)
	}
	return reply.Raw(vals[len(vals)-1].Raw)
}
