package aof

import (
	"os"
	"path/filepath"
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
