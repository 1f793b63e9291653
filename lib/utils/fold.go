package utils

// EqualFoldASCII reports whether b equals lower, ignoring the case of
// ASCII letters in b (lower is lowercase): how command and option names
// are matched, without allocating.
func EqualFoldASCII(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
