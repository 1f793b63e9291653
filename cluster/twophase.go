package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"goredis/lib/utils"
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

// holds reports whether transaction id holds key of db.
func (lt *lockTable) holds(id string, db int, key []byte) bool {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	t := lt.locks[lockKey{db, string(key)}]
	return t != nil && t.id == id && time.Now().Before(t.expires)
}

// stage adds a write to apply at id's commit.
func (lt *lockTable) stage(id string, cmd [][]byte) bool {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	t := lt.txs[id]
	if t == nil || time.Now().After(t.expires) {
		return false
	}
	t.staged = append(t.staged, cmd)
	return true
}

// commandsReply is a list of commands as an array of arrays of bulks.
func commandsReply(cmds [][][]byte) resp.Reply {
	out := make(reply.Array, len(cmds))
	for i, c := range cmds {
		out[i] = reply.Bulks(c)
	}
	return out
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
	case utils.EqualFoldASCII(args[1], "prepare") && len(args) >= 6:
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
	case utils.EqualFoldASCII(args[1], "export") && len(args) == 4:
		if !cl.locks.holds(id, c.DBIndex(), args[3]) {
			return reply.Err("the transaction does not hold the key")
		}
		return commandsReply(cl.db.ExportKey(c.DBIndex(), args[3], args[3]))
	case utils.EqualFoldASCII(args[1], "stage") && len(args) >= 4:
		if !cl.locks.stage(id, copyArgs(args[3:])) {
			return reply.Err("no such cross-node transaction (expired?)")
		}
		return reply.OK
	case utils.EqualFoldASCII(args[1], "commit"):
		return cl.commitLocal(c, id)
	case utils.EqualFoldASCII(args[1], "abort"):
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
		if n, ok := cl.execInternal(c, exists).(reply.Int); !ok || n > 0 {
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
		if x := cl.execInternal(c, cmd); reply.IsError(x) {
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

// txSession is a coordinator's side of one cross-node transaction: the
// connection of its own to each peer, and the nodes that prepared.
type txSession struct {
	cl       *Cluster
	c        resp.Connection
	id       string
	ttl      time.Duration
	conns    map[int]*client.Client
	prepared map[int]bool
}

func (cl *Cluster) newTx(c resp.Connection) *txSession {
	return &txSession{cl: cl, c: c, id: newTxID(), ttl: 2 * cl.timeout,
		conns: map[int]*client.Client{}, prepared: map[int]bool{}}
}

// close gives the connections back.
func (t *txSession) close() {
	for node, tc := range t.conns {
		t.cl.peers[node].checkin(tc)
	}
}

// send runs cmd on a peer in the client's db over the session's
// connection to it; a failure is an error reply.
func (t *txSession) send(node int, cmd [][]byte) (client.Value, resp.Reply) {
	tc := t.conns[node]
	if tc == nil {
		var err error
		if tc, err = t.cl.peers[node].checkout(); err != nil {
			return client.Value{}, peerError(t.cl.pl.Nodes[node].Addr, err)
		}
		t.conns[node] = tc
	}
	vals, err := tc.Pipeline([][][]byte{{[]byte("SELECT"), []byte(strconv.Itoa(t.c.DBIndex()))}, cmd})
	switch {
	case err != nil:
		return client.Value{}, peerError(t.cl.pl.Nodes[node].Addr, err)
	case vals[1].IsError():
		return vals[1], vals[1].Reply()
	}
	return vals[1], nil
}

// prepare locks keys on node (checking NX there) and stages staged.
func (t *txSession) prepare(node int, keys [][]byte, nx bool, staged [][]byte) resp.Reply {
	var r resp.Reply
	if node == t.cl.pl.Self {
		r = t.cl.prepareLocal(t.c, t.id, keys, t.ttl, nx, staged)
		if reply.IsError(r) {
			return r
		}
	} else {
		nxArg := []byte("-")
		if nx {
			nxArg = []byte("NX")
		}
		cmd := [][]byte{[]byte("GOREDIS.TX"), []byte("PREPARE"), []byte(t.id), []byte(strconv.Itoa(int(t.ttl / time.Millisecond))), nxArg}
		cmd = append(cmd, keys...)
		cmd = append(cmd, []byte("--"))
		cmd = append(cmd, staged...)
		if _, r = t.send(node, cmd); r != nil {
			return r
		}
	}
	t.prepared[node] = true
	return nil
}

// prepareAll prepares the parts node by node in index order, so two
// transactions over the same keys queue for them instead of each holding
// what the other waits for.
func (t *txSession) prepareAll(parts map[int]txPart, nx bool) resp.Reply {
	order := make([]int, 0, len(parts))
	for node := range parts {
		order = append(order, node)
	}
	sort.Ints(order)
	for _, node := range order {
		if r := t.prepare(node, parts[node].keys, nx, parts[node].staged); r != nil {
			return r
		}
	}
	return nil
}

// export returns the commands rebuilding key on node (locked by the
// session), with the key named as.
func (t *txSession) export(node int, key, as []byte) ([][][]byte, resp.Reply) {
	if node == t.cl.pl.Self {
		return t.cl.db.ExportKey(t.c.DBIndex(), key, as), nil
	}
	v, r := t.send(node, [][]byte{[]byte("GOREDIS.TX"), []byte("EXPORT"), []byte(t.id), key})
	if r != nil {
		return nil, r
	}
	out := make([][][]byte, 0, len(v.Elems))
	for _, e := range v.Elems {
		cmd := make([][]byte, 0, len(e.Elems))
		for _, a := range e.Elems {
			cmd = append(cmd, a.Str)
		}
		if len(cmd) > 1 {
			cmd[1] = as
		}
		out = append(out, cmd)
	}
	return out, nil
}

// stage adds cmd to what node applies at commit.
func (t *txSession) stage(node int, cmd [][]byte) resp.Reply {
	if node == t.cl.pl.Self {
		if !t.cl.locks.stage(t.id, copyArgs(cmd)) {
			return reply.Err("cross-node transaction expired")
		}
		return nil
	}
	_, r := t.send(node, append([][]byte{[]byte("GOREDIS.TX"), []byte("STAGE"), []byte(t.id)}, cmd...))
	return r
}

// finish commits on every prepared node (after checking each still
// answers, so a node lost between the phases rolls everything back), or
// rolls back when failure is set or that check fails; it returns the
// failure, if any.
func (t *txSession) finish(failure resp.Reply) resp.Reply {
	if failure == nil && testHookPrepared != nil {
		testHookPrepared()
	}
	if failure == nil {
		for node := range t.prepared {
			if node == t.cl.pl.Self {
				continue
			}
			if _, r := t.send(node, [][]byte{[]byte("PING")}); r != nil {
				failure = peerError(t.cl.pl.Nodes[node].Addr, errPeerLost)
				break
			}
		}
	}
	phase := "COMMIT"
	if failure != nil {
		phase = "ABORT"
	}
	var wg sync.WaitGroup
	for node := range t.prepared {
		wg.Add(1)
		go func(node int) {
			defer wg.Done()
			if node == t.cl.pl.Self {
				if phase == "COMMIT" {
					t.cl.commitLocal(t.c, t.id)
				} else {
					t.cl.locks.mu.Lock()
					t.cl.locks.releaseLocked(t.id)
					t.cl.locks.mu.Unlock()
				}
				return
			}
			if _, r := t.send(node, [][]byte{[]byte("GOREDIS.TX"), []byte(phase), []byte(t.id)}); r != nil {
				logger.Warningf("Cross-node transaction %s: %s on %s failed: %v", t.id, phase, t.cl.pl.Nodes[node].Addr, r)
			}
		}(node)
	}
	wg.Wait()
	return failure
}

// twoPhase runs a cross-node write whose parts are given per node. It
// returns nil when every node committed, errTxExists when an NX check
// failed, or the error that stopped it (nothing written anywhere).
func (cl *Cluster) twoPhase(c resp.Connection, parts map[int]txPart, nx bool) resp.Reply {
	t := cl.newTx(c)
	defer t.close()
	failure := t.finish(t.prepareAll(parts, nx))
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
