package utils

import "unsafe"

// OwnedString copies b into a string whose array is its own, so that
// the holder may later write over it in place (see OverwriteString).
// string(b) does not promise that: the runtime answers a one-byte string
// with a view of a shared static table.
func OwnedString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	a := make([]byte, len(b))
	copy(a, b)
	return unsafe.String(&a[0], len(a))
}

// OverwriteString writes b over s, which must come from OwnedString, be
// as long as b, and not be seen by anyone who expects it not to change.
func OverwriteString(s string, b []byte) {
	copy(unsafe.Slice(unsafe.StringData(s), len(s)), b)
}
