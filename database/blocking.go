package database

import (
	"math"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"weak"

	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) run on the
// connection's own goroutine. When no key can serve them they join a
// first-come first-served queue per (db, key), release every lock and
// wait on a channel with a timer. A write that makes a key non-empty
// calls signalKeyReady, which wakes the head of that key's queue; the
// woken client re-checks under the key locks (another client may have
// taken the element) and, once served or gone, wakes the next head.

func init() {
	register("blpop", execBLPop, -3, "write noscript blocking", 1, -2, 1).locksItself()
	register("brpop", execBRPop, -3, "write noscript blocking", 1, -2, 1).locksItself()
	register("blmove", execBLMove, 6, "write denyoom noscript blocking", 1, 2, 1).locksItself()
	register("brpoplpush", execBRPopLPush, 4, "write denyoom noscript blocking", 1, 2, 1).locksItself()
	register("blmpop", execBLMPop, -5, "write blocking movablekeys", 0, 0, 0).withKeys(listMPopKeys(2)).locksItself()
	infoBlocked = func(s *Server) (int, int) {
		r := s.blockRegistry(false)
		if r == nil {
			return 0, 0
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.byClient), r.timed
	}
}

// errUnblocked answers a client woken by CLIENT UNBLOCK id ERROR.
var errUnblocked = reply.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK")

// blockPollInterval is how often a blocked client checks that its peer
// is still connected (nothing reads the socket while it waits).
var blockPollInterval = 100 * time.Millisecond

// Why a waiter was woken other than by a key.
const (
	wakeKey int32 = iota
	wakeTimeout
	wakeError
	wakeGone
)

type blockKey struct {
	db  int
	key string
}

// blockWaiter is one blocked client.
type blockWaiter struct {
	c      resp.Connection
	db     int
	keys   []string
	timed  bool
	wake   chan struct{} // capacity 1: wake-ups coalesce
	reason atomic.Int32
}

func (w *blockWaiter) notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// blockQueues holds a server's blocked clients.
type blockQueues struct {
	mu       sync.Mutex
	queues   map[blockKey][]*blockWaiter
	byClient map[int64]*blockWaiter
	timed    int
}

var (
	// blockedTotal counts blocked clients of all servers, so writes skip
	// the queues entirely while nobody waits.
	blockedTotal  atomic.Int64
	blockRegsMu   sync.Mutex
	blockRegs     = map[weak.Pointer[Server]]*blockQueues{}
	blockRegsLast weak.Pointer[Server]
	blockRegsHit  *blockQueues
)

// blockRegistry returns s's queues, creating them when create is set.
func (s *Server) blockRegistry(create bool) *blockQueues {
	wp := weak.Make(s)
	blockRegsMu.Lock()
	defer blockRegsMu.Unlock()
	if wp == blockRegsLast && blockRegsHit != nil {
		return blockRegsHit
	}
	r := blockRegs[wp]
	if r == nil {
		if !create {
			return nil
		}
		// Forget the queues of servers that are gone.
		for k := range blockRegs {
			if k.Value() == nil {
				delete(blockRegs, k)
			}
		}
		r = &blockQueues{queues: map[blockKey][]*blockWaiter{}, byClient: map[int64]*blockWaiter{}}
		blockRegs[wp] = r
	}
	blockRegsLast, blockRegsHit = wp, r
	return r
}

func (r *blockQueues) add(w *blockWaiter) {
	r.mu.Lock()
	for _, k := range w.keys {
		bk := blockKey{w.db, k}
		r.queues[bk] = append(r.queues[bk], w)
	}
	r.byClient[w.c.ID()] = w
	if w.timed {
		r.timed++
	}
	blockedTotal.Add(1)
	r.mu.Unlock()
}

// remove takes w out of its queues and wakes the new heads, which may be
// able to take what w leaves.
func (r *blockQueues) remove(w *blockWaiter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range w.keys {
		bk := blockKey{w.db, k}
		q := r.queues[bk]
		for i, o := range q {
			if o == w {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(r.queues, bk)
			continue
		}
		r.queues[bk] = q
		q[0].notify()
	}
	if r.byClient[w.c.ID()] == w {
		delete(r.byClient, w.c.ID())
	}
	if w.timed {
		r.timed--
	}
	blockedTotal.Add(-1)
}

// isHead reports whether w is first in key's queue.
func (r *blockQueues) isHead(w *blockWaiter, key []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queues[blockKey{w.db, string(key)}]
	return len(q) > 0 && q[0] == w
}

// signalKeyReady wakes the first client blocked on key in db, if any. Any
// write that may make key hold something a blocked client waits for calls
// it while holding the key's lock: pushes, LMOVE's destination, and RENAME,
// MOVE, COPY onto the key.
func (db *DB) signalKeyReady(key []byte) {
	if blockedTotal.Load() == 0 {
		return
	}
	r := db.srv.blockRegistry(false)
	if r == nil {
		return
	}
	r.mu.Lock()
	if q := r.queues[blockKey{db.index, string(key)}]; len(q) > 0 {
		q[0].notify()
	}
	r.mu.Unlock()
}

// signalAllReady wakes the first client blocked on every key of db (after
// SWAPDB or FLUSHALL-like changes of a whole database).
func (db *DB) signalAllReady() {
	if blockedTotal.Load() == 0 {
		return
	}
	r := db.srv.blockRegistry(false)
	if r == nil {
		return
	}
	r.mu.Lock()
	for bk, q := range r.queues {
		if bk.db == db.index && len(q) > 0 {
			q[0].notify()
		}
	}
	r.mu.Unlock()
}

// unblockClient is CLIENT UNBLOCK: it wakes client id if it is blocked on
// keys, answering it with the command's timeout reply or, withError, the
// UNBLOCKED error. It reports whether the client was blocked.
func (s *Server) unblockClient(id int64, withError bool) bool {
	r := s.blockRegistry(false)
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.byClient[id]
	if w == nil {
		return false
	}
	delete(r.byClient, id)
	if withError {
		w.reason.Store(wakeError)
	} else {
		w.reason.Store(wakeTimeout)
	}
	w.notify()
	return true
}

// clientBlocked reports whether client id waits in a blocking command
// (CLIENT LIST's b flag).
func (s *Server) clientBlocked(id int64) bool {
	r := s.blockRegistry(false)
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byClient[id] != nil
}

// blockingClientGone makes a closing client leave the queues.
func (s *Server) blockingClientGone(c resp.Connection) {
	r := s.blockRegistry(false)
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if w := r.byClient[c.ID()]; w != nil {
		delete(r.byClient, c.ID())
		w.reason.Store(wakeGone)
		w.notify()
	}
}

// blockTimeout parses a blocking command's timeout (seconds, a float) as
// Redis does: milliseconds rounded up, 0 for none.
func blockTimeout(b []byte) (time.Duration, resp.Reply) {
	f, ok := utils.ParseLongDouble(string(b))
	if !ok {
		return 0, errListTimeoutBad
	}
	ms := new(big.Float).Mul(f, big.NewFloat(1000))
	if ms.IsInf() {
		return 0, errListTimeoutNeg
	}
	// ceil, then the conversion to long long: out of range gives LLONG_MIN.
	iv, acc := ms.Int(nil)
	if acc == big.Below {
		iv.Add(iv, big.NewInt(1))
	}
	if !iv.IsInt64() {
		return 0, errListTimeoutNeg
	}
	n := iv.Int64()
	if n < 0 {
		return 0, errListTimeoutNeg
	}
	if n > math.MaxInt64/int64(time.Millisecond) {
		n = math.MaxInt64 / int64(time.Millisecond)
	}
	return time.Duration(n) * time.Millisecond, nil
}

// blockTry attempts to serve a blocking command holding its keys' locks.
// first is true for the attempt made when the command arrives; eligible,
// on later attempts, tells which keys the client is first in line for.
// It returns nil when nothing can be served yet.
type blockTry func(first bool, eligible func([]byte) bool) resp.Reply

// block runs a blocking command: try at once, and, unless served or in a
// transaction, wait in the keys' queues until served, timed out (answer
// onTimeout), unblocked or disconnected. keys are the keys waited on;
// lockKeys those locked around each try (BLMOVE adds its destination).
// Other families' blocking commands (BZPOPMIN, BZMPOP…) can use it with
// their own try. Inside EXEC (c.State().InMulti) it takes no locks: EXEC
// must hold the locks of the command's keys, as for any queued command.
func (s *Server) block(db *DB, c resp.Connection, keys, lockKeys [][]byte, timeout time.Duration, onTimeout resp.Reply, try blockTry) resp.Reply {
	idx := make([]int, 0, len(lockKeys))
	lock := func() {
		idx = idx[:0]
		for _, k := range lockKeys {
			idx = append(idx, db.data.ShardFor(k))
		}
		idx = db.data.LockShards(idx)
	}
	unlock := func() { db.data.UnlockShards(idx) }

	if c.State().InMulti {
		// Inside EXEC the command runs as its non-blocking form, under
		// the locks EXEC holds for every queued command's keys.
		if r := try(true, nil); r != nil {
			return r
		}
		return onTimeout
	}
	lock()
	if r := try(true, nil); r != nil {
		unlock()
		return r
	}
	// About to wait: the replies of the client's earlier commands go out
	// first, as Redis writes a blocked client's pending replies. That is
	// done holding nothing and before joining the keys' queues, so a
	// client slow to read them holds up no other command and no client
	// waiting behind it; then the keys are tried again.
	id := c.ID()
	unlock()
	s.world.RUnlock(id)
	waiting(c)
	s.world.RLock(id)
	lock()
	if r := try(true, nil); r != nil {
		unlock()
		return r
	}
	w := &blockWaiter{c: c, db: db.index, timed: timeout > 0, wake: make(chan struct{}, 1)}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[string(k)] {
			seen[string(k)] = true
			w.keys = append(w.keys, string(k))
		}
	}
	reg := s.blockRegistry(true)
	reg.add(w) // under the key locks: no push can slip between check and wait
	unlock()
	// Waiting holds nothing, not even the world lock invoke took, so an
	// exclusive EXEC can run meanwhile; it is taken again around each try
	// and before returning (invoke releases it).
	s.world.RUnlock(id)
	defer s.world.RLock(id)

	var timerC <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timerC = t.C
	}
	poll := time.NewTicker(blockPollInterval)
	defer poll.Stop()
	eligible := func(k []byte) bool { return reg.isHead(w, k) }
	for {
		select {
		case <-w.wake:
			switch w.reason.Load() {
			case wakeTimeout, wakeGone:
				reg.remove(w)
				return onTimeout
			case wakeError:
				reg.remove(w)
				return errUnblocked
			}
			if !blockPeerAlive(c) {
				reg.remove(w)
				return onTimeout
			}
			s.world.RLock(id)
			lock()
			r := try(false, eligible)
			if r != nil {
				reg.remove(w)
			}
			unlock()
			s.world.RUnlock(id)
			if r != nil {
				return r
			}
		case <-timerC:
			reg.remove(w)
			return onTimeout
		case <-poll.C:
			if !blockPeerAlive(c) {
				reg.remove(w)
				return onTimeout
			}
		case <-s.stop:
			reg.remove(w)
			return onTimeout
		}
	}
}

// waiting sends the replies c's earlier commands left buffered before c
// waits, as Redis writes a blocked client's pending replies.
func waiting(c resp.Connection) {
	if w, ok := c.(interface{ Waiting() }); ok {
		w.Waiting()
	}
}

// blockPeerAlive reports whether a blocked client's peer is still
// connected, peeking at its socket without consuming what it sent.
func blockPeerAlive(c resp.Connection) bool {
	if cl, ok := c.(interface{ Closed() bool }); ok && cl.Closed() {
		return false
	}
	nc, ok := c.(interface{ Conn() net.Conn })
	if !ok {
		return true
	}
	sc, ok := nc.Conn().(syscall.Conn)
	if !ok || sc == nil {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := true
	_ = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil && n == 0:
			alive = false // orderly shutdown by the peer
		case err != nil && err != syscall.EAGAIN && err != syscall.EINTR:
			alive = false
		}
		return true
	})
	return alive
}

// ---- BLPOP BRPOP BLMPOP BLMOVE BRPOPLPUSH ----

func execBLPop(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return listBPop(db, c, args, true)
}

func execBRPop(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return listBPop(db, c, args, false)
}

func listBPop(db *DB, c resp.Connection, args [][]byte, left bool) resp.Reply {
	timeout, errR := blockTimeout(args[len(args)-1])
	if errR != nil {
		return errR
	}
	keys := copyArgs(args[1 : len(args)-1])
	word := wordRPop
	if left {
		word = wordLPop
	}
	return db.srv.block(db, c, keys, keys, timeout, reply.NullArray, func(first bool, eligible func([]byte) bool) resp.Reply {
		for _, k := range keys {
			if eligible != nil && !eligible(k) {
				continue
			}
			l, errR := db.listGet(k, false)
			if errR != nil {
				if first {
					return errR
				}
				continue
			}
			if l == nil {
				continue
			}
			v := listPopOne(l, left)
			db.listWritten(k, l, listPopEvent(left))
			db.propagate([][]byte{word, k})
			return reply.Bulks{k, []byte(v)}
		}
		return nil
	})
}

func execBLMPop(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	// As Redis: numkeys, the keys, the direction and COUNT before the
	// timeout.
	keys, left, count, errR := listMPopArgs(args, 2)
	if errR != nil {
		return errR
	}
	timeout, errR := blockTimeout(args[1])
	if errR != nil {
		return errR
	}
	keys = copyArgs(keys)
	return db.srv.block(db, c, keys, keys, timeout, reply.NullArray, func(first bool, eligible func([]byte) bool) resp.Reply {
		return listMPopFrom(db, keys, left, count, first, eligible)
	})
}

func execBLMove(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	from, ok1 := listWhere(args[3])
	to, ok2 := listWhere(args[4])
	if !ok1 || !ok2 {
		return reply.SyntaxErr
	}
	timeout, errR := blockTimeout(args[5])
	if errR != nil {
		return errR
	}
	a := copyArgs(args[1:5])
	prop := [][]byte{wordLMove, a[0], a[1], a[2], a[3]}
	return listBMove(db, c, a[0], a[1], from, to, timeout, prop)
}

func execBRPopLPush(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	timeout, errR := blockTimeout(args[3])
	if errR != nil {
		return errR
	}
	a := copyArgs(args[1:3])
	prop := [][]byte{wordRPopLPush, a[0], a[1]}
	return listBMove(db, c, a[0], a[1], false, true, timeout, prop)
}

func listBMove(db *DB, c resp.Connection, src, dst []byte, from, to bool, timeout time.Duration, prop [][]byte) resp.Reply {
	return db.srv.block(db, c, [][]byte{src}, [][]byte{src, dst}, timeout, reply.NullArray, func(first bool, eligible func([]byte) bool) resp.Reply {
		if eligible != nil && !eligible(src) {
			return nil
		}
		r, _ := listMove(db, src, dst, from, to, first, prop)
		if r == nil && c.State().InMulti {
			return reply.Null // LMOVE's own answer: EXEC runs it unblocking
		}
		return r
	})
}
