package aof

import (
	"io"
	"os"
	"syscall"
	"unsafe"
)

// datasync is fdatasync(2), what Redis calls on Linux: the data and the
// metadata needed to read it back (the size), not the timestamps.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}

// commitSync is the group commit's fdatasync (appendfsync always), made
// as a raw system call: the goroutine keeps its P through it, and the
// other connections wait, their requests gathering in their sockets, as
// they do while Redis's one thread waits for its fsync. Through the
// scheduler (datasync), the runtime handed the P to another thread during
// the fsync; the connections ran meanwhile but reached the commit one by
// one, so an fsync carried 18 SETs at -P 1 where Redis's carries 28, with
// 13 context switches each.
func commitSync(f *os.File) error {
	for {
		_, _, e := syscall.RawSyscall(syscall.SYS_FDATASYNC, f.Fd(), 0, 0)
		switch e {
		case 0:
			return nil
		case syscall.EINTR:
			continue
		}
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: e}
	}
}

// commitWrite is the group commit's write of the buffered records, made
// as raw write(2) calls for the reason commitSync is: the leader keeps
// its P, as Redis's one thread writes its AOF buffer before it polls
// again. Through the scheduler (writeAll), a write into the page cache
// that took over 20 µs let sysmon hand the P to another thread, and the
// connections' goroutines went from thread to thread: at -P 1 under
// appendfsync everysec, three threads ran them, sysmon woke 20k times
// over 200k SETs, and a SET cost 20 µs of CPU against Redis's 17 (one
// thread now, 285 wake-ups, 15-17 µs).
func commitWrite(f *os.File, b []byte) (int, error) {
	done := 0
	for done < len(b) {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, f.Fd(), uintptr(unsafe.Pointer(&b[done])), uintptr(len(b)-done))
		switch {
		case e == 0 && n == 0:
			return done, &os.PathError{Op: "write", Path: f.Name(), Err: io.ErrShortWrite}
		case e == 0:
			done += int(n)
		case e == syscall.EINTR:
		default:
			return done, &os.PathError{Op: "write", Path: f.Name(), Err: e}
		}
	}
	return done, nil
}
