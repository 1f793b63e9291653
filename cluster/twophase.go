package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"goredis/interface/resp"
	"goredis/lib/logger"
	"goredis/resp/client"
	"goredis/resp/reply"
)

// Writes over keys of several nodes run as a two-phase commit.
//
// Prepare: every node holding some of the keys locks them for the
// transaction (waiting a little for another transaction's locks, then
// refusing), checks the command's precondition there, and stages the
// writes it will make; nothing changes yet. Commit: every node applies
// what it staged and unlocks. When any node refuses or cannot be reached
// during prepare, every node that prepared rolls back (drops what it
// staged and unlocks), so nothing is written anywhere. Locks expire after
// lockTTL, so a coordinator that dies between the phases never holds keys
// for longer; a command on a locked key waits for the lock to go.
//
// Between nodes the phases are the internal command GOREDIS.TX, accepted
// only on the connections nodes open to each other:
//
//	GOREDIS.TX PREPARE <id> <ttl-ms> <NX|-> <key> ... -- <staged command...>
//	GOREDIS.TX COMMIT <id>
//	GOREDIS.TX ABORT <id>

const txCommand = "goredis.tx"

type lockKey struct {
	db  int
	key string
}

// txLock is one transaction's hold on a node.
type txLock struct {
	id      string
	db      int
	keys    []lockKey
	expires time.Time
	staged  [][][]byte
}

// lockTable holds a node's two-phase locks.
type lockTable struct {
	mu     sync.Mutex
	cond   *sync.Cond
	locks  map[lockKey]*txLock
	txs    map[string]*txLock
	active atomic.Int64 // len(txs): commands skip the table at 0
}

func newLockTable() *lockTable {
	lt := &lockTable{locks: map[lockKey]*txLock{}, txs: map[string]*txLock{}}
	lt.cond = sync.NewCond(&lt.mu)
	return lt
}

// expireLocked drops a transaction whose locks outlived their time.
func (lt *lockTable) expireLocked(t *txLock) {
	logger.Warningf("Cross-node transaction %s expired before its commit: rolled back here", t.id)
	lt.releaseLocked(t.id)
}

func (lt *lockTable) releaseLocked(id string) *txLock {
	t := lt.txs[id]
	if t == nil {
		return nil
	}
	for _, k := range t.keys {
		if lt.locks[k] == t {
			delete(lt.locks, k)
		}
	}
	delete(lt.txs, id)
	lt.active.Store(int64(len(lt.txs)))
	lt.cond.Broadcast()
	return t
}

// waitLocked waits, up to deadline, until none of keys is held by a
// transaction other than self; it reports whether they are free.
func (lt *lockTable) waitLocked(db int, keys [][]byte, self string, deadline time.Time) bool {
	for {
		var holder *txLock
		for _, k := range keys {
			if t := lt.locks[lockKey{db, string(k)}]; t != nil && t.id != self {
				holder = t
				break
			}
		}
		if holder == nil {
			return true
		}
		now := time.Now()
		if now.After(holder.expires) {
			lt.expireLocked(holder)
			continue
		}
		if now.After(deadline) {
			return false
		}
		// Woken by a release, or re-checked when a timer fires.
		wake := deadline
		if holder.expires.Before(wake) {
			wake = holder.expires
		}
		timer := time.AfterFunc(time.Until(wake), func() {
			lt.mu.Lock()
			lt.cond.Broadcast()
			lt.mu.Unlock()
		})
		lt.cond.Wait()
		timer.Stop()
	}
}

// waitFree is what an ordinary command does before running: wait while a
// cross-node transaction holds one of its keys.
func (lt *lockTable) waitFree(db int, keys [][]byte) {
	if lt.active.Load() == 0 || len(keys) == 0 {
		return
	}
	lt.mu.Lock()
	lt.waitLocked(db, keys, "", time.Now().Add(time.Hour))
	lt.mu.Unlock()
}

// prepare locks keys for id and stages cmd; it fails when another
// transaction keeps one of them past wait.
func (lt *lockTable) prepare(id string, db int, keys [][]byte, ttl, wait time.Duration, staged [][]byte) bool {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if !lt.waitLocked(db, keys, id, time.Now().Add(wait)) {
		return false
	}
	t := lt.txs[id]
	if t == nil {
		t = &txLock{id: id, db: db}
		lt.txs[id] = t
	}
	t.expires = time.Now().Add(ttl)
	for _, k := range keys {
		lk := lockKey{db, string(k)}
		lt.locks[lk] = t
		t.keys = append(t.keys, lk)
	}
	if staged != nil {
		t.staged = append(t.staged, staged)
	}
	lt.active.Store(int64(len(lt.txs)))
	return true
}

func newTxID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// txInternal runs GOREDIS.TX from a peer (c is the relay connection, in
// the transaction's db).
func (cl *Cluster) txInternal(c resp.Connection, args [][]byte) resp.Reply {
	if len(args) < 3 {
		return reply.SyntaxErr
	}
	id := string(args[2])
	switch {
	case equalFold(args[1], "prepare") && len(args) >= 6:
		ttl, err := strconv.Atoi(string(args[3]))
		if err != nil {
			return reply.SyntaxErr
		}
		nx := string(args[4]) == "NX"
		var keys, staged [][]byte
		i := 5
		for ; i < len(args) && string(args[i]) != "--"; i++ {
			keys = append(keys, args[i])
		}
		if i+1 < len(args) {
			staged = copyArgs(args[i+1:])
		}
		return cl.prepareLocal(c, id, keys, time.Duration(ttl)*time.Millisecond, nx, staged)
	case equalFold(args[1], "commit"):
		return cl.commitLocal(c, id)
	case equalFold(args[1], "abort"):
		cl.locks.mu.Lock()
		cl.locks.releaseLocked(id)
		cl.locks.mu.Unlock()
		return reply.OK
	}
	return reply.SyntaxErr
}

var errTxBusy = reply.Error("TRYAGAIN keys are held by another cross-node write; try again")

// errTxExists is what prepare answers when NX finds a key.
var errTxExists = reply.Error("EXISTS a key exists")

// prepareLocal is this node's prepare.
func (cl *Cluster) prepareLocal(c resp.Connection, id string, keys [][]byte, ttl time.Duration, nx bool, staged [][]byte) resp.Reply {
	if !cl.locks.prepare(id, c.DBIndex(), keys, ttl, cl.timeout/2, staged) {
		return errTxBusy
	}
	if nx {
		exists := append([][]byte{[]byte("EXISTS")}, keys...)
		if n, ok := cl.db.Exec(c, exists).(reply.Int); !ok || n > 0 {
			cl.locks.mu.Lock()
			cl.locks.releaseLocked(id)
			cl.locks.mu.Unlock()
			return errTxExists
		}
	}
	return reply.OK
}

// commitLocal applies what id staged here and unlocks.
func (cl *Cluster) commitLocal(c resp.Connection, id string) resp.Reply {
	cl.locks.mu.Lock()
	t := cl.locks.txs[id]
	cl.locks.mu.Unlock()
	if t == nil {
		return reply.Err("no such cross-node transaction (expired?)")
	}
	// The locks stay held while the writes run, so no command sees half.
	var r resp.Reply = reply.OK
	for _, cmd := range t.staged {
		if x := cl.db.Exec(c, cmd); reply.IsError(x) {
			r = x
		}
	}
	cl.locks.mu.Lock()
	cl.locks.releaseLocked(id)
	cl.locks.mu.Unlock()
	return r
}

func copyArgs(args [][]byte) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = append([]byte(nil), a...)
	}
	return out
}

// txPart is one node's share of a cross-node write.
type txPart struct {
	keys   [][]byte
	staged [][]byte
}

// twoPhase runs a cross-node write whose parts are given per node. It
// returns nil when every node committed, errTxExists when an NX check
// failed, or the error that stopped it (nothing written anywhere). Each
// peer is spoken to over a connection of the transaction's own.
func (cl *Cluster) twoPhase(c resp.Connection, parts map[int]txPart, nx bool) resp.Reply {
	id := newTxID()
	ttl := 2 * cl.timeout
	nxArg := []byte("-")
	if nx {
		nxArg = []byte("NX")
	}
	dbArg := []byte(strconv.Itoa(c.DBIndex()))
	conns := map[int]*client.Client{}
	defer func() {
		for node, tc := range conns {
			cl.peers[node].checkin(tc)
		}
	}()
	// send runs cmd on node in the client's db, over the transaction's
	// connection to it.
	send := func(node int, cmd [][]byte) resp.Reply {
		tc := conns[node]
		vals, err := tc.Pipeline([][][]byte{{[]byte("SELECT"), dbArg}, cmd})
		switch {
		case err != nil:
			return peerError(cl.pl.Nodes[node].Addr, err)
		case vals[1].IsError():
			return vals[1].Reply()
		}
		return reply.OK
	}
	var failure resp.Reply
	for node := range parts {
		if node == cl.pl.Self {
			continue
		}
		tc, err := cl.peers[node].checkout()
		if err != nil {
			failure = peerError(cl.pl.Nodes[node].Addr, err)
			break
		}
		conns[node] = tc
	}
	// Nodes prepare one after another in index order, so two
	// transactions over the same keys queue for them instead of each
	// holding what the other waits for.
	prepared := map[int]bool{}
	order := make([]int, 0, len(parts))
	for node := range parts {
		order = append(order, node)
	}
	sort.Ints(order)
	for _, node := range order {
		if failure != nil {
			break
		}
		p := parts[node]
		var r resp.Reply
		if node == cl.pl.Self {
			r = cl.prepareLocal(c, id, p.keys, ttl, nx, p.staged)
		} else {
			cmd := [][]byte{[]byte("GOREDIS.TX"), []byte("PREPARE"), []byte(id), []byte(strconv.Itoa(int(ttl / time.Millisecond))), nxArg}
			cmd = append(cmd, p.keys...)
			cmd = append(cmd, []byte("--"))
			cmd = append(cmd, p.staged...)
			r = send(node, cmd)
		}
		if reply.IsError(r) {
			failure = r
			break
		}
		prepared[node] = true
	}
	var wg sync.WaitGroup
	if failure == nil && testHookPrepared != nil {
		testHookPrepared()
	}
	if failure == nil {
		// Every node prepared: make sure each still answers before any
		// commits, so a node lost between the phases rolls everything back.
		for node := range parts {
			if node != cl.pl.Self && reply.IsError(send(node, [][]byte{[]byte("PING")})) {
				failure = peerError(cl.pl.Nodes[node].Addr, errPeerLost)
				break
			}
		}
	}
	phase := "COMMIT"
	if failure != nil {
		phase = "ABORT"
	}
	for node := range prepared {
		wg.Add(1)
		go func(node int) {
			defer wg.Done()
			if node == cl.pl.Self {
				if phase == "COMMIT" {
					cl.commitLocal(c, id)
				} else {
					cl.locks.mu.Lock()
					cl.locks.releaseLocked(id)
					cl.locks.mu.Unlock()
				}
				return
			}
			if r := send(node, [][]byte{[]byte("GOREDIS.TX"), []byte(phase), []byte(id)}); reply.IsError(r) {
				logger.Warningf("Cross-node transaction %s: %s on %s failed: %v", id, phase, cl.pl.Nodes[node].Addr, r)
			}
		}(node)
	}
	wg.Wait()
	if failure != nil && isExistsError(failure) {
		return errTxExists
	}
	return failure
}

var errPeerLost = errors.New("lost between prepare and commit")

// testHookPrepared, when set (tests only), runs between the phases.
var testHookPrepared func()

func isExistsError(r resp.Reply) bool {
	er, ok := r.(resp.ErrorReply)
	return ok && len(er.Error()) >= 6 && er.Error()[:6] == "EXISTS"
}

// msetAcross is MSET or MSETNX over keys of several nodes.
func (cl *Cluster) msetAcross(c resp.Connection, args [][]byte, nx bool) resp.Reply {
	if len(args)%2 == 0 {
		return cl.db.Exec(c, args) // Redis's arity error
	}
	parts := map[int]txPart{}
	for i := 1; i+1 < len(args); i += 2 {
		node := cl.pl.KeyOwner(args[i])
		p := parts[node]
		if p.staged == nil {
			p.staged = [][]byte{[]byte("MSET")}
		}
		p.keys = append(p.keys, args[i])
		p.staged = append(p.staged, args[i], args[i+1])
		parts[node] = p
	}
	r := cl.twoPhase(c, parts, nx)
	switch {
	case r == nil && nx:
		return reply.Int(1)
	case r == nil:
		return reply.OK
	case nx && r == errTxExists:
		return reply.Int(0)
	}
	return r
}
