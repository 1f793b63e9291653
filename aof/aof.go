// Package aof is the append-only file: the writer the database hands its
// writes to (in the form they must be replayed, already rewritten by the
// commands), the loader that replays a file at start-up, and the rewrite
// that compacts it. It knows RESP and files, never the database's types.
//
// Durability: Append only buffers. A connection calls Sync with the
// sequence number of its last record before it sends replies, so no write
// is acknowledged before its record has reached the file (write(2), which
// survives the process being killed) and, under appendfsync always, the
// disk (fsync). Sync is a group commit: whoever arrives first writes
// everything buffered so far, from every connection, with one write and
// at most one fsync, while the others wait for it. Under everysec a
// background loop fsyncs once a second.
package aof

import (
	"errors"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"goredis/lib/logger"
	"goredis/resp/client"
)

// Fsync policies.
const (
	FsyncAlways = iota
	FsyncEverysec
	FsyncNo
)

// ParseFsync maps appendfsync's value to a policy.
func ParseFsync(s string) int {
	switch s {
	case "always":
		return FsyncAlways
	case "no":
		return FsyncNo
	}
	return FsyncEverysec
}

// Persister appends records to one file.
type Persister struct {
	path string

	mu      sync.Mutex
	cond    *sync.Cond
	f       *os.File
	buf     []byte // encoded records not yet written
	spare   []byte
	seq     uint64        // records appended
	seqA    atomic.Uint64 // seq, readable without the lock
	written uint64        // records written (and fsynced under always)
	pending bool          // buf holds records written but not yet fsynced (everysec)
	writing bool          // a Sync leader is writing
	// fsyncing is set while the background loop fsyncs (everysec); writes
	// go on meanwhile, only closing or replacing the file waits for it.
	fsyncing bool
	policy   int
	// noFsyncOnRewrite is no-appendfsync-on-rewrite: no fsync while a
	// rewrite runs (writes still reach the file).
	noFsyncOnRewrite bool
	lastDB           int // the db of the last SELECT in the file; -1 before any
	size             int64
	baseSize         int64 // size after the last rewrite (or at open)
	rw               *Rewrite
	rwGen            uint64
	err              error       // the last write or fsync error, until a write succeeds
	failing          atomic.Bool // err != nil
	closed           bool

	stop chan struct{}
	done chan struct{}
}

// Open opens (creating it if needed) the file at path for appending.
func Open(path string, policy int) (*Persister, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	p := newPersister(path, f, policy)
	p.size, p.baseSize = st.Size(), st.Size()
	return p, nil
}

// OpenDetached returns a Persister with no file yet, for appendonly
// turned on at run time: writes are not kept until the first rewrite
// (which must follow at once) writes the dataset to path and attaches it.
// Until then Sync does not wait, as Redis acknowledges writes while its
// first rewrite runs.
func OpenDetached(path string, policy int) *Persister {
	return newPersister(path, nil, policy)
}

func newPersister(path string, f *os.File, policy int) *Persister {
	p := &Persister{path: path, f: f, policy: policy, lastDB: -1,
		stop: make(chan struct{}), done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	go p.background()
	return p
}

// Path is the file's path.
func (p *Persister) Path() string { return p.path }

// SetPolicy changes appendfsync.
func (p *Persister) SetPolicy(policy int) {
	p.mu.Lock()
	p.policy = policy
	p.mu.Unlock()
}

// SetNoFsyncOnRewrite is no-appendfsync-on-rewrite.
func (p *Persister) SetNoFsyncOnRewrite(on bool) {
	p.mu.Lock()
	p.noFsyncOnRewrite = on
	p.mu.Unlock()
}

// fsyncNowLocked reports whether a group commit must fsync: under
// appendfsync always, unless a rewrite runs with no-appendfsync-on-rewrite.
func (p *Persister) fsyncNowLocked() bool {
	return p.policy == FsyncAlways && !(p.noFsyncOnRewrite && p.rw != nil)
}

// Record is one command of a transaction.
type Record struct {
	DB   int
	Args [][]byte
}

var (
	wordSelect = []byte("SELECT")
	wordMulti  = []byte("MULTI")
	wordExec   = []byte("EXEC")
)

// appendLocked encodes one command, preceded by SELECT when its db is not
// the file's current one.
func (p *Persister) appendLocked(db int, args [][]byte) {
	if p.f == nil {
		return // detached: the first rewrite will hold it
	}
	if db != p.lastDB {
		p.buf = client.AppendCommand(p.buf, wordSelect, strconv.AppendInt(nil, int64(db), 10))
		p.lastDB = db
	}
	p.buf = client.AppendCommand(p.buf, args...)
}

// Append buffers one write and returns its sequence number for Sync.
func (p *Persister) Append(db int, args [][]byte) uint64 {
	p.mu.Lock()
	p.appendLocked(db, args)
	seq := p.nextSeqLocked()
	p.mu.Unlock()
	return seq
}

// AppendTx buffers the writes of one transaction together: MULTI … EXEC
// around them when there are several, so a replay applies all or none.
// While a rewrite runs, tail is what its tail needs (see AppendRewriting).
func (p *Persister) AppendTx(recs []Record, gen uint64, tail []Record) uint64 {
	p.mu.Lock()
	if len(recs) > 1 {
		p.appendLocked(recs[0].DB, [][]byte{wordMulti})
	}
	for _, r := range recs {
		p.appendLocked(r.DB, r.Args)
	}
	if len(recs) > 1 {
		p.appendLocked(p.lastDB, [][]byte{wordExec})
	}
	p.tailLocked(gen, tail, true)
	seq := p.nextSeqLocked()
	p.mu.Unlock()
	return seq
}

// nextSeqLocked numbers the record just appended; p.mu is held.
func (p *Persister) nextSeqLocked() uint64 {
	p.seq++
	p.seqA.Store(p.seq)
	return p.seq
}

// LastSeq is the sequence number of the last record appended.
func (p *Persister) LastSeq() uint64 { return p.seqA.Load() }

// Err reports the write or fsync error that makes the server refuse
// writes (MISCONF), or nil. It costs one atomic load while there is none.
func (p *Persister) Err() error {
	if !p.failing.Load() {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Sync returns once every record up to seq is in the file (and on disk
// under appendfsync always), or with the error that stopped it.
func (p *Persister) Sync(seq uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.written < seq {
		if p.closed {
			return errClosed
		}
		if p.f == nil {
			return nil // detached: nothing to be durable in yet
		}
		if p.writing {
			p.cond.Wait()
			continue
		}
		var fsync func(*os.File) error
		if p.fsyncNowLocked() {
			// The group commit: its fsync keeps the P (commitSync).
			fsync = commitSync
		}
		// Its write keeps the P too (commitWrite).
		if err := p.flushLocked(commitWrite, fsync); err != nil {
			return err
		}
	}
	return nil
}

var errClosed = errors.New("the append only file is closed")

// flushLocked writes the buffer with write (as the group's leader: the
// lock is released during the system calls) and fsyncs it with fsync
// unless that is nil. On an error the unwritten bytes stay buffered for
// the next attempt.
func (p *Persister) flushLocked(write func(*os.File, []byte) (int, error), fsync func(*os.File) error) error {
	p.writing = true
	buf := p.buf
	upto := p.seq
	p.buf = p.spare[:0]
	p.spare = nil
	p.mu.Unlock()

	n, err := write(p.f, buf)
	if err == nil && fsync != nil {
		err = fsync(p.f)
	}

	p.mu.Lock()
	p.writing = false
	p.size += int64(n)
	if n < len(buf) {
		// Keep what did not reach the file in front of what came since.
		p.buf = append(append([]byte(nil), buf[n:]...), p.buf...)
	} else if cap(buf) <= 1<<20 {
		p.spare = buf[:0]
	}
	if err != nil {
		if p.err == nil {
			logger.Warningf("Error writing to the AOF file: %v", err)
		}
		p.err = err
		p.failing.Store(true)
		p.cond.Broadcast()
		return err
	}
	if p.err != nil {
		logger.Warningf("AOF write error looks solved. Redis can write again.")
		p.err = nil
		p.failing.Store(false)
	}
	p.written = upto
	p.pending = fsync == nil && n > 0
	p.cond.Broadcast()
	return nil
}

func writeAll(f *os.File, b []byte) (int, error) {
	done := 0
	for done < len(b) {
		n, err := f.Write(b[done:])
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// background writes what no connection synced (internal writes, expiry)
// and, under everysec, fsyncs once a second; after an error it retries
// every second.
func (p *Persister) background() {
	defer close(p.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		p.mu.Lock()
		if !p.writing && !p.fsyncing && !p.closed && p.f != nil {
			if len(p.buf) > 0 || p.err != nil {
				// A retry after an error fsyncs in the write (the error
				// may be the fsync's); otherwise everysec's fsync follows
				// on its own, below.
				// Through the scheduler: this goroutine must not hold
				// the P while a failing disk takes its time.
				var fsync func(*os.File) error
				if p.policy == FsyncAlways || (p.err != nil && p.policy != FsyncNo) {
					fsync = datasync
				}
				_ = p.flushLocked(writeAll, fsync)
			}
			if p.err == nil && p.pending && p.policy == FsyncEverysec && !(p.noFsyncOnRewrite && p.rw != nil) {
				// The fsync runs without holding up writers: a connection
				// that writes meanwhile marks the file pending again, for
				// the next second. (It held them before: replies waited
				// for the fsync once a second.)
				p.pending = false
				f := p.f
				p.fsyncing = true
				p.mu.Unlock()
				err := backgroundSync(f)
				p.mu.Lock()
				p.fsyncing = false
				if err != nil {
					logger.Warningf("Error syncing the AOF file: %v", err)
					p.err = err
					p.failing.Store(true)
				}
				p.cond.Broadcast()
			}
		}
		p.mu.Unlock()
	}
}

// backgroundSync is the everysec fsync (a variable for tests).
var backgroundSync = datasync

// Size is the file's length including what is buffered.
func (p *Persister) Size() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.size + int64(len(p.buf))
}

// Sizes reports the current size, the size after the last rewrite (or at
// open), the bytes buffered and whether a rewrite runs (INFO, automatic
// rewrites).
func (p *Persister) Sizes() (current, base, buffered int64, rewriting bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.size + int64(len(p.buf)), p.baseSize, int64(len(p.buf)), p.rw != nil
}

// Close writes and fsyncs what is buffered and closes the file.
func (p *Persister) Close() error {
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.writing || p.fsyncing {
		p.cond.Wait()
	}
	if rw := p.rw; rw != nil {
		p.rw = nil
		rw.tmp.Close()
		os.Remove(rw.tmpPath)
	}
	p.closed = true
	p.cond.Broadcast()
	if p.f == nil {
		return nil
	}
	var err error
	if len(p.buf) > 0 {
		p.closed = false
		err = p.flushLocked(writeAll, datasync)
		p.closed = true
	} else {
		err = p.f.Sync()
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	return err
}
