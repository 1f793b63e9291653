package aof

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"goredis/resp/client"
)

// A rewrite builds a compact file next to the current one: a base dumped
// from the dataset by the database (Base), then a tail of the writes that
// happened meanwhile, and swaps it in with an atomic rename (Finish).
//
// Without fork there is no point-in-time snapshot, so the database dumps
// its shards one by one and decides, for each write made during the dump,
// what the tail needs: the write itself when every key it touched had
// been dumped already, nothing when none had (the dump will see its
// effect), and the rebuilt current value of the dumped keys when it
// touched both kinds. It hands that to AppendRewriting with the rewrite's
// generation; the aof package only keeps the tail in order.

// Rewrite is one rewrite in progress.
type Rewrite struct {
	p       *Persister
	gen     uint64
	tmpPath string
	tmp     *os.File
	base    []byte
	baseDB  int
	baseLen int64
	tail    []byte // guarded by p.mu
	tailDB  int    // guarded by p.mu
	err     error
}

// Gen is the rewrite's generation, for AppendRewriting.
func (rw *Rewrite) Gen() uint64 { return rw.gen }

var errRewriteRunning = errors.New("Background append only file rewriting already in progress")

// ErrRewriteRunning is BeginRewrite's error while another runs.
var ErrRewriteRunning = errRewriteRunning

// BeginRewrite starts a rewrite: writes from now on are also kept for its
// tail (as AppendRewriting says).
func (p *Persister) BeginRewrite() (*Rewrite, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rw != nil {
		return nil, errRewriteRunning
	}
	dir := filepath.Dir(p.path)
	tmpPath := filepath.Join(dir, fmt.Sprintf("temp-rewriteaof-bg-%d.aof", os.Getpid()))
	tmp, err := os.OpenFile(tmpPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	p.rwGen++
	rw := &Rewrite{p: p, gen: p.rwGen, tmpPath: tmpPath, tmp: tmp, baseDB: -1, tailDB: -1}
	p.rw = rw
	return rw, nil
}

// Base appends one command of the dump. It is not safe for concurrent
// use: one goroutine dumps.
func (rw *Rewrite) Base(db int, args [][]byte) {
	if db != rw.baseDB {
		rw.base = client.AppendCommand(rw.base, wordSelect, strconv.AppendInt(nil, int64(db), 10))
		rw.baseDB = db
	}
	rw.base = client.AppendCommand(rw.base, args...)
}

// FlushBase writes the dump buffered so far to the new file once it is
// large; call it without holding the database's locks.
func (rw *Rewrite) FlushBase(force bool) error {
	if rw.err != nil {
		return rw.err
	}
	if len(rw.base) == 0 || (!force && len(rw.base) < 1<<20) {
		return nil
	}
	n, err := writeAll(rw.tmp, rw.base)
	rw.baseLen += int64(n)
	rw.base = rw.base[:0]
	rw.err = err
	return err
}

// AppendRewriting is Append while a rewrite runs: tail lists what the
// rewrite's tail needs for this write (nil for nothing), decided for
// rewrite gen; a tail for another generation is dropped.
func (p *Persister) AppendRewriting(db int, args [][]byte, gen uint64, tail []Record) uint64 {
	p.mu.Lock()
	p.appendLocked(db, args)
	p.tailLocked(gen, tail, false)
	seq := p.nextSeqLocked()
	p.mu.Unlock()
	return seq
}

// AppendTail adds records to the running rewrite's tail only: the writes
// made during a rewrite that has no live file to append to (BGREWRITEAOF
// with appendonly off). tx wraps several in MULTI/EXEC.
func (p *Persister) AppendTail(gen uint64, tail []Record, tx bool) {
	p.mu.Lock()
	p.tailLocked(gen, tail, tx)
	p.mu.Unlock()
}

// tailLocked adds records to the running rewrite's tail, wrapped in
// MULTI/EXEC when asked and there are several.
func (p *Persister) tailLocked(gen uint64, recs []Record, tx bool) {
	rw := p.rw
	if rw == nil || rw.gen != gen || len(recs) == 0 {
		return
	}
	tx = tx && len(recs) > 1
	add := func(db int, args [][]byte) {
		if db != rw.tailDB {
			rw.tail = client.AppendCommand(rw.tail, wordSelect, strconv.AppendInt(nil, int64(db), 10))
			rw.tailDB = db
		}
		rw.tail = client.AppendCommand(rw.tail, args...)
	}
	if tx {
		add(recs[0].DB, [][]byte{wordMulti})
	}
	for _, r := range recs {
		add(r.DB, r.Args)
	}
	if tx {
		add(rw.tailDB, [][]byte{wordExec})
	}
}

// Abort drops the rewrite and its file.
func (rw *Rewrite) Abort() {
	p := rw.p
	p.mu.Lock()
	if p.rw == rw {
		p.rw = nil
	}
	p.mu.Unlock()
	rw.tmp.Close()
	os.Remove(rw.tmpPath)
}

// Finish completes the rewrite: the base's rest and the tail are written
// and fsynced, the new file replaces the old one by rename, and appending
// continues on it. Every record appended so far is then durable.
func (rw *Rewrite) Finish() (size int64, err error) {
	if err := rw.FlushBase(true); err != nil {
		rw.Abort()
		return 0, err
	}
	p := rw.p
	p.mu.Lock()
	for p.writing || p.fsyncing {
		p.cond.Wait()
	}
	defer p.mu.Unlock()
	if p.rw != rw {
		rw.tmp.Close()
		os.Remove(rw.tmpPath)
		return 0, errors.New("rewrite cancelled")
	}
	p.rw = nil
	fail := func(err error) (int64, error) {
		rw.tmp.Close()
		os.Remove(rw.tmpPath)
		return 0, err
	}
	n, err := writeAll(rw.tmp, rw.tail)
	if err != nil {
		return fail(err)
	}
	if err := rw.tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Rename(rw.tmpPath, p.path); err != nil {
		return fail(err)
	}
	syncDir(filepath.Dir(p.path))
	old := p.f
	p.f = rw.tmp
	if old != nil {
		old.Close()
	}
	lastDB := rw.tailDB
	if lastDB < 0 {
		lastDB = rw.baseDB
	}
	p.lastDB = lastDB
	p.buf = p.buf[:0]
	p.written = p.seq
	p.pending = false
	p.size = rw.baseLen + int64(n)
	p.baseSize = p.size
	if p.err != nil {
		p.err = nil
		p.failing.Store(false)
	}
	p.cond.Broadcast()
	return p.size, nil
}

// syncDir fsyncs a directory so a rename in it is durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
