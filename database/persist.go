package database

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"goredis/aof"
	"goredis/config"
	"goredis/datastruct/dict"
	"goredis/interface/resp"
	"goredis/lib/logger"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// The database's side of persistence: replaying the append-only file at
// start-up (clients meanwhile get LOADING), handing every propagated
// write to the aof package, holding replies until their writes are
// durable, and refusing writes with MISCONF while the file cannot be
// written.

// persistState is a Server's persistence state.
type persistState struct {
	aof       atomic.Pointer[aof.Persister]
	loading   atomic.Bool
	loader    atomic.Int64 // client id replaying the file
	rewriting atomic.Pointer[rewriteRun]
	rw        rewriteStats
}

// MarkLoading makes the server answer LOADING until LoadAppendOnly ends;
// main calls it before accepting connections.
func (s *Server) MarkLoading() { s.persist.loading.Store(true) }

// aofPath is where the append-only file lives.
func aofPath(cfg *config.Config) string {
	return filepath.Join(cfg.Dir, cfg.AppendFilename)
}

// LoadAppendOnly replays the configured append-only file, if appendonly
// is on and the file exists, then opens it for appending. An error is
// fatal: the message is the one to log before exiting.
func (s *Server) LoadAppendOnly() error {
	return s.loadAppendOnly(config.Get())
}

func (s *Server) loadAppendOnly(cfg *config.Config) error {
	defer s.persist.loading.Store(false)
	config.OnApply("appendonly", s.applyAppendOnly)
	config.OnApply("appendfsync", func(old, new *config.Config) error {
		if p := s.persist.aof.Load(); p != nil {
			p.SetPolicy(aof.ParseFsync(new.AppendFsync))
		}
		return nil
	})
	config.OnApply("no-appendfsync-on-rewrite", func(old, new *config.Config) error {
		if p := s.persist.aof.Load(); p != nil {
			p.SetNoFsyncOnRewrite(new.NoAppendfsyncOnRewrite)
		}
		return nil
	})
	if !cfg.AppendOnly {
		return nil
	}
	path := aofPath(cfg)
	multiDir := filepath.Join(cfg.Dir, cfg.AppendDirname)
	manifest := cfg.AppendFilename + ".manifest"
	if _, err := os.Stat(path); err == nil {
		if err := s.replay(path, cfg.AofLoadTruncated); err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("Fatal error: can't open the append log file %s for reading: %v", path, err)
	} else if _, err := os.Stat(filepath.Join(multiDir, manifest)); err == nil {
		// Redis 7's multi-part layout and no file of ours: load it, then
		// write the dataset to our single file before taking writes.
		if err := s.replayMultiPart(multiDir, manifest, cfg.AofLoadTruncated); err != nil {
			return err
		}
		p := aof.OpenDetached(path, aof.ParseFsync(cfg.AppendFsync))
		s.persist.aof.Store(p)
		rw, err := p.BeginRewrite()
		if err == nil {
			run := &rewriteRun{rw: rw, gen: rw.Gen(), dumped: make([][dict.NumShards]bool, len(s.dbs)), started: time.Now()}
			if err = s.dumpForRewrite(run); err == nil {
				_, err = rw.Finish()
			} else {
				rw.Abort()
			}
		}
		if err != nil {
			s.persist.aof.Store(nil)
			p.Close()
			return fmt.Errorf("Can't write the dataset loaded from %s to %s: %v", multiDir, path, err)
		}
		logger.Noticef("Dataset loaded from the multi part AOF in %s written to %s", multiDir, path)
		return nil
	}
	p, err := aof.Open(path, aof.ParseFsync(cfg.AppendFsync))
	if err != nil {
		return fmt.Errorf("Can't open the append-only file %s: %v", path, err)
	}
	p.SetNoFsyncOnRewrite(cfg.NoAppendfsyncOnRewrite)
	s.persist.aof.Store(p)
	return nil
}

// replay runs every command of the file at path on an internal client.
func (s *Server) replay(path string, truncatedOK bool) error {
	return s.replayWith(path, func(exec func([][]byte) error) (aof.LoadResult, error) {
		return aof.Load(path, truncatedOK, exec)
	})
}

// replayMultiPart is replay for Redis 7's multi-part layout.
func (s *Server) replayMultiPart(dir, manifest string, truncatedOK bool) error {
	return s.replayWith(dir, func(exec func([][]byte) error) (aof.LoadResult, error) {
		return aof.LoadMultiPart(dir, manifest, truncatedOK, exec)
	})
}

func (s *Server) replayWith(path string, load func(exec func([][]byte) error) (aof.LoadResult, error)) error {
	start := time.Now()
	c := connection.NewFake()
	s.persist.loader.Store(c.ID())
	defer s.persist.loader.Store(0)
	res, err := load(func(args [][]byte) error {
		if lookupCommand(args) == nil {
			return fmt.Errorf("Unknown command '%s' reading the append only file %s", cString(args[0]), path)
		}
		s.Exec(c, args)
		return nil
	})
	s.discardTransaction(c)
	if err != nil {
		var le *aof.LoadError
		if errors.As(err, &le) {
			return err
		}
		return fmt.Errorf("Unrecoverable error reading the append only file %s: %v", path, err)
	}
	if res.Truncated {
		logger.Warningf("!!! Warning: short read while loading the AOF file %s!!!", path)
		logger.Warningf("!!! Truncating the AOF %s at offset %d !!!", path, res.ValidUpTo)
		logger.Warningf("AOF %s loaded anyway because aof-load-truncated is enabled", path)
	}
	keys := 0
	for _, db := range s.dbs {
		n, _ := db.data.Len()
		keys += n
	}
	logger.Noticef("DB loaded from append only file: %.3f seconds (%d commands, %d keys)",
		time.Since(start).Seconds(), res.Commands, keys)
	return nil
}

// Durable implements database.DB: it waits until c's writes are in the
// file (on disk under appendfsync always).
func (s *Server) Durable(c resp.Connection) error {
	st := c.State()
	seq := st.SyncTo.Load()
	if seq == 0 {
		return nil
	}
	if p := s.persist.aof.Load(); p != nil {
		if err := p.Sync(seq); err != nil {
			return err
		}
	}
	st.SyncTo.CompareAndSwap(seq, 0)
	return nil
}

// afterWrite records, for a client that ran a write command, what its
// replies must wait for.
func (s *Server) afterWrite(c resp.Connection) {
	if p := s.persist.aof.Load(); p != nil {
		c.State().SyncTo.Store(p.LastSeq())
	}
}

// persistRefusal is the reply refusing cmd while loading or while the
// append-only file cannot be written, or nil.
func (s *Server) persistRefusal(c resp.Connection, cmd *Command) resp.Reply {
	if s.persist.loading.Load() && c.ID() != s.persist.loader.Load() && deniedWhileLoading(c, cmd) {
		return errLoading
	}
	if p := s.persist.aof.Load(); p != nil && (cmd.Name == "ping" || commandMask(c, cmd)&FlagWrite != 0) {
		if err := p.Err(); err != nil {
			return reply.Error("MISCONF Errors writing to the AOF file: " + strerror(err))
		}
	}
	return nil
}

func init() {
	infoPersist = (*Server).persistFigures
}

var errLoading = reply.Error("LOADING Redis is loading the dataset in memory")

// deniedWhileLoading is Redis's is_denyloading_command: a command without
// the loading flag, or an EXEC queuing one.
func deniedWhileLoading(c resp.Connection, cmd *Command) bool {
	if !cmd.Has(FlagLoading) {
		return true
	}
	if cmd.Name == "exec" {
		for _, q := range c.State().Queued {
			if qc := lookupCommand(q); qc != nil && !qc.Has(FlagLoading) {
				return true
			}
		}
	}
	return false
}

// strerror renders an error as C's strerror would its errno ("No space
// left on device"), falling back to the error's text.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		if msg != "" {
			return strings.ToUpper(msg[:1]) + msg[1:]
		}
	}
	return err.Error()
}

// closePersistence flushes and closes the append-only file.
func (s *Server) closePersistence() {
	if p := s.persist.aof.Swap(nil); p != nil {
		logger.Noticef("Calling fsync() on the AOF file.")
		if err := p.Close(); err != nil {
			logger.Warningf("Error closing the AOF file: %v", err)
		}
	}
}

// applyAppendOnly is CONFIG SET appendonly: on, the dataset is written to
// a fresh file by a rewrite while writes go on (they are kept from then
// on); off, the file is flushed and closed.
func (s *Server) applyAppendOnly(old, new *config.Config) error {
	if old.AppendOnly == new.AppendOnly {
		return nil
	}
	if !new.AppendOnly {
		if run := s.persist.rewriting.Load(); run != nil {
			run.cancel.Store(true)
		}
		s.closePersistence()
		return nil
	}
	p := aof.OpenDetached(aofPath(new), aof.ParseFsync(new.AppendFsync))
	p.SetNoFsyncOnRewrite(new.NoAppendfsyncOnRewrite)
	if !s.persist.aof.CompareAndSwap(nil, p) {
		p.Close()
		return nil
	}
	if err := s.startRewrite(); err != nil {
		s.persist.aof.CompareAndSwap(p, nil)
		p.Close()
		return err
	}
	return nil
}

// persistFigures is INFO persistence's view of the append-only file.
func (s *Server) persistFigures() persistInfo {
	pi := idlePersistInfo()
	pi.Loading = s.persist.loading.Load()
	st := &s.persist.rw
	pi.AOFRewriteScheduled = st.scheduled.Load()
	pi.AOFLastRewriteTimeSec = -1
	if st.count.Load() > 0 || st.failures.Load() > 0 {
		pi.AOFLastRewriteTimeSec = st.lastSec.Load()
	}
	pi.AOFRewrites = st.count.Load()
	pi.AOFRewriteFailures = st.failures.Load()
	pi.AOFLastBgrewriteOK = st.failures.Load() == 0
	if run := s.persist.rewriting.Load(); run != nil {
		pi.AOFRewriteInProgress = true
		pi.AOFCurrentRewriteSec = int64(time.Since(run.started).Seconds())
	}
	if p := s.persist.aof.Load(); p != nil {
		cur, base, buffered, _ := p.Sizes()
		pi.AOFCurrentSize, pi.AOFBaseSize, pi.AOFBufferLen = cur, base, buffered
		pi.AOFLastWriteOK = p.Err() == nil
	}
	return pi
}
