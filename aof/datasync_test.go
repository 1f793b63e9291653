package aof

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The group commit's fsync succeeds on the file and reports an error,
// never success, on a descriptor it cannot sync.
func TestCommitSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.aof")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("*1\r\n$4\r\nPING\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := commitSync(f); err != nil {
		t.Fatalf("commitSync on an open file: %v", err)
	}
	f.Close()
	if err := commitSync(f); err == nil {
		t.Fatal("commitSync on a closed file succeeded")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := commitSync(w); err == nil {
		t.Fatal("commitSync on a pipe succeeded")
	}
}

// The group commit's write puts every byte in the file, appending, and
// reports the system's error with what it wrote before it: ENOSPC on a
// full device, an error on a closed file, never a silent short write.
func TestCommitWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.aof")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("*1\r\n$4\r\nPING\r\n")
	if n, err := commitWrite(f, want); err != nil || n != len(want) {
		t.Fatalf("commitWrite = %d, %v; want %d, nil", n, err, len(want))
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if n, err := commitWrite(f, big); err != nil || n != len(big) {
		t.Fatalf("commitWrite of 1 MiB = %d, %v", n, err)
	}
	if n, err := commitWrite(f, nil); err != nil || n != 0 {
		t.Fatalf("commitWrite of nothing = %d, %v", n, err)
	}
	f.Close()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append(append([]byte(nil), want...), big...)) {
		t.Fatalf("file holds %d bytes, want %d in order", len(got), len(want)+len(big))
	}
	if n, err := commitWrite(f, want); err == nil || n != 0 {
		t.Fatalf("commitWrite on a closed file = %d, %v; want 0 and an error", n, err)
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	n, err := commitWrite(full, want)
	if n != 0 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("commitWrite on /dev/full = %d, %v; want 0, ENOSPC", n, err)
	}
}
