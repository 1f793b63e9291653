package aof

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"goredis/resp/client"
)

func cmd(args ...string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

func encode(cmds ...[]string) string {
	var b []byte
	for _, c := range cmds {
		b = client.AppendCommandStrings(b, c...)
	}
	return string(b)
}

// TestAppendSelectAndTx: SELECT is written when the db changes, and a
// transaction of several writes is wrapped in MULTI/EXEC, of one is not.
func TestAppendSelectAndTx(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.aof")
	p, err := Open(path, FsyncEverysec)
	if err != nil {
		t.Fatal(err)
	}
	p.Append(0, cmd("SET", "a", "1"))
	p.Append(0, cmd("SET", "b", "2"))
	p.Append(2, cmd("DEL", "c"))
	p.AppendTx([]Record{{DB: 2, Args: cmd("INCR", "x")}}, 0, nil)
	seq := p.AppendTx([]Record{{DB: 2, Args: cmd("INCR", "x")}, {DB: 1, Args: cmd("LPUSH", "l", "v")}}, 0, nil)
	if err := p.Sync(seq); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := encode([]string{"SELECT", "0"}, []string{"SET", "a", "1"}, []string{"SET", "b", "2"},
		[]string{"SELECT", "2"}, []string{"DEL", "c"}, []string{"INCR", "x"},
		[]string{"MULTI"}, []string{"INCR", "x"}, []string{"SELECT", "1"}, []string{"LPUSH", "l", "v"}, []string{"EXEC"})
	if string(got) != want {
		t.Fatalf("file:\n%q\nwant:\n%q", got, want)
	}
	// Reopening appends after what is there and selects again.
	p, err = Open(path, FsyncAlways)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Sync(p.Append(1, cmd("SET", "z", "9"))); err != nil {
		t.Fatal(err)
	}
	p.Close()
	got, _ = os.ReadFile(path)
	if !bytes.HasSuffix(got, []byte(encode([]string{"SELECT", "1"}, []string{"SET", "z", "9"}))) {
		t.Fatalf("after reopen: %q", got)
	}
}

// TestGroupCommit: concurrent appenders each Sync their own record; when
// every Sync has returned, the file holds every record, whole.
func TestGroupCommit(t *testing.T) {
	for _, policy := range []int{FsyncAlways, FsyncEverysec, FsyncNo} {
		path := filepath.Join(t.TempDir(), "g.aof")
		p, err := Open(path, policy)
		if err != nil {
			t.Fatal(err)
		}
		const writers, each = 8, 200
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					seq := p.Append(0, cmd("SET", "k"+strconv.Itoa(w), strconv.Itoa(i)))
					if err := p.Sync(seq); err != nil {
						t.Error(err)
						return
					}
					// What Sync promised is in the file already.
					if st, _ := os.Stat(path); st.Size() == 0 {
						t.Error("Sync returned before anything reached the file")
						return
					}
				}
			}(w)
		}
		wg.Wait()
		size := p.Size()
		p.Close()
		data, _ := os.ReadFile(path)
		if int64(len(data)) != size {
			t.Errorf("policy %d: Size %d, file %d", policy, size, len(data))
		}
		n := 0
		_, err = Load(path, false, func(args [][]byte) error {
			if string(args[0]) == "SET" {
				n++
			}
			return nil
		})
		if err != nil || n != writers*each {
			t.Errorf("policy %d: loaded %d SETs (%v), want %d", policy, n, err, writers*each)
		}
	}
}

// TestWriteErrorRefusesThenRecovers: a failing file (ENOSPC from
// /dev/full) makes Sync fail and Err report it; the data stays buffered.
func TestWriteErrorRefusesThenRecovers(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	p, err := Open("/dev/full", FsyncNo)
	if err != nil {
		t.Skip(err)
	}
	seq := p.Append(0, cmd("SET", "a", "1"))
	err = p.Sync(seq)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Sync on a full device: %v, want ENOSPC", err)
	}
	if !errors.Is(p.Err(), syscall.ENOSPC) {
		t.Fatalf("Err: %v", p.Err())
	}
	if p.Size() == 0 {
		t.Fatal("the unwritten record was dropped")
	}
	// Swap in a working file: the next attempt writes what was kept.
	path := filepath.Join(t.TempDir(), "ok.aof")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	old := p.f
	p.f = f
	p.mu.Unlock()
	old.Close()
	if err := p.Sync(seq); err != nil || p.Err() != nil {
		t.Fatalf("after recovery: Sync %v, Err %v", err, p.Err())
	}
	p.Close()
	got, _ := os.ReadFile(path)
	if string(got) != encode([]string{"SELECT", "0"}, []string{"SET", "a", "1"}) {
		t.Fatalf("recovered file %q", got)
	}
}

// TestRewriteSwap: the new file is the base, then the tail kept while
// the rewrite ran (only for its generation), and appending continues on
// it; records Sync waited for are durable in it.
func TestRewriteSwap(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.aof")
	p, err := Open(path, FsyncEverysec)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Sync(p.Append(0, cmd("SET", "old", "1")))
	rw, err := p.BeginRewrite()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.BeginRewrite(); err != ErrRewriteRunning {
		t.Fatalf("second BeginRewrite: %v", err)
	}
	rw.Base(0, cmd("SET", "a", "1"))
	p.AppendRewriting(0, cmd("INCR", "a"), rw.Gen(), []Record{{DB: 0, Args: cmd("INCR", "a")}})
	p.AppendRewriting(0, cmd("SET", "b", "x"), rw.Gen(), nil)                                             // the dump sees it
	p.AppendRewriting(3, cmd("SET", "c", "y"), rw.Gen()+7, []Record{{DB: 3, Args: cmd("SET", "c", "y")}}) // stale generation
	rw.Base(1, cmd("RPUSH", "l", "v"))
	seq := p.AppendTx([]Record{{DB: 1, Args: cmd("LPOP", "l")}, {DB: 1, Args: cmd("DEL", "l")}}, rw.Gen(),
		[]Record{{DB: 1, Args: cmd("LPOP", "l")}, {DB: 1, Args: cmd("DEL", "l")}})
	size, err := rw.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Sync(seq); err != nil {
		t.Fatal(err)
	}
	want := encode([]string{"SELECT", "0"}, []string{"SET", "a", "1"}, []string{"SELECT", "1"}, []string{"RPUSH", "l", "v"},
		[]string{"SELECT", "0"}, []string{"INCR", "a"}, []string{"SELECT", "1"}, []string{"MULTI"}, []string{"LPOP", "l"}, []string{"DEL", "l"}, []string{"EXEC"})
	got, _ := os.ReadFile(path)
	if string(got) != want || size != int64(len(want)) {
		t.Fatalf("rewritten file (size %d):\n%q\nwant:\n%q", size, got, want)
	}
	p.Sync(p.Append(1, cmd("SET", "after", "1")))
	p.Sync(p.Append(0, cmd("SET", "after0", "1")))
	got, _ = os.ReadFile(path)
	if string(got) != want+encode([]string{"SET", "after", "1"}, []string{"SELECT", "0"}, []string{"SET", "after0", "1"}) {
		t.Fatalf("appends after the swap: %q", got[len(want):])
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "temp-*")); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}
	// An aborted rewrite leaves the file alone and no temporary file.
	rw, _ = p.BeginRewrite()
	rw.Base(0, cmd("SET", "zzz", "1"))
	rw.Abort()
	if again, _ := os.ReadFile(path); string(again) != string(got) {
		t.Fatal("Abort changed the file")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "temp-*")); len(m) != 0 {
		t.Fatalf("temporary files left after Abort: %v", m)
	}
}

// TestDetached: with no file yet, writes are acknowledged at once and the
// first rewrite creates the file.
func TestDetached(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.aof")
	p := OpenDetached(path, FsyncAlways)
	defer p.Close()
	if err := p.Sync(p.Append(0, cmd("SET", "a", "1"))); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a detached Persister created its file")
	}
	rw, err := p.BeginRewrite()
	if err != nil {
		t.Fatal(err)
	}
	rw.Base(0, cmd("SET", "a", "1"))
	if _, err := rw.Finish(); err != nil {
		t.Fatal(err)
	}
	p.Sync(p.Append(0, cmd("SET", "b", "2")))
	got, _ := os.ReadFile(path)
	if string(got) != encode([]string{"SELECT", "0"}, []string{"SET", "a", "1"}, []string{"SET", "b", "2"}) {
		t.Fatalf("file %q", got)
	}
}

// Under everysec, the background fsync does not hold up writers: a write
// synced while the fsync is still running reaches the file and returns,
// and the fsync after it covers it (the file is pending again).
func TestEverysecFsyncDoesNotBlockWrites(t *testing.T) {
	entered := make(chan struct{}, 4)
	release := make(chan struct{})
	saved := backgroundSync
	backgroundSync = func(f *os.File) error {
		entered <- struct{}{}
		<-release
		return datasync(f)
	}
	defer func() { backgroundSync = saved }()

	path := filepath.Join(t.TempDir(), "e.aof")
	p, err := Open(path, FsyncEverysec)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Sync(p.Append(0, cmd("SET", "a", "1"))); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered: // the once-a-second fsync started and is held
	case <-time.After(5 * time.Second):
		t.Fatal("no background fsync within 5 s")
	}
	done := make(chan error, 1)
	go func() { done <- p.Sync(p.Append(0, cmd("SET", "b", "2"))) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		close(release)
		t.Fatal("Sync waited for the background fsync")
	}
	st, _ := os.Stat(path)
	before := st.Size()
	if before == 0 {
		t.Fatal("the second write is not in the file")
	}
	close(release)
	// The write made during the fsync gets the next second's fsync.
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the write made during the fsync was never fsynced")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
