package utils

import (
	"testing"
	"unsafe"
)

func TestOwnedStringIsWritable(t *testing.T) {
	for _, in := range []string{"x", "ab", "a longer value of some bytes"} {
		s := OwnedString([]byte(in))
		if s != in {
			t.Fatalf("OwnedString(%q) = %q", in, s)
		}
		// A one-byte string(b) is a view of the runtime's static table;
		// writing over that would fault or change every such string.
		if t1 := string([]byte(in)); len(in) == 1 && unsafe.StringData(t1) == unsafe.StringData(s) {
			t.Fatalf("OwnedString(%q) shares string(b)'s array", in)
		}
		next := make([]byte, len(in))
		for i := range next {
			next[i] = 'z'
		}
		OverwriteString(s, next)
		if s != string(next) {
			t.Errorf("after OverwriteString: %q, want %q", s, next)
		}
		if in == "x" && string([]byte("x")) != "x" {
			t.Fatal("the overwrite reached a shared one-byte string")
		}
	}
	if OwnedString(nil) != "" {
		t.Error("OwnedString(nil) is not empty")
	}
}
