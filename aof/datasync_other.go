//go:build !linux

package aof

import "os"

// datasync is fsync where fdatasync is not available.
func datasync(f *os.File) error { return f.Sync() }

// commitSync is the group commit's fsync (appendfsync always).
func commitSync(f *os.File) error { return f.Sync() }

// commitWrite is the group commit's write.
func commitWrite(f *os.File, b []byte) (int, error) { return writeAll(f, b) }
