package utils_test

import (
	"fmt"
	"testing"

	"goredis/lib/utils"
)

// TestAppendRepr follows sdscatrepr (sds.c): \\ and \" escaped, \n \r \t
// \a \b as C escapes, isprint bytes as they are, every other byte \xhh in
// lower case.
func TestAppendRepr(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{"a b", `"a b"`},
		{`q"b\`, `"q\"b\\"`},
		{"\n\r\t\a\b", `"\n\r\t\a\b"`},
		{"\x00\x01\x7f\xff~ ", `"\x00\x01\x7f\xff~ "`},
		{"\v\f\x1b", `"\x0b\x0c\x1b"`},
		{"é", `"\xc3\xa9"`},
		{"'{}$*", `"'{}$*"`},
	}
	for _, c := range cases {
		if got := string(utils.AppendRepr(nil, []byte(c.in))); got != c.want {
			t.Errorf("AppendRepr(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	// Every byte on its own.
	escapes := map[byte]string{'\\': `\\`, '"': `\"`, '\n': `\n`, '\r': `\r`, '\t': `\t`, '\a': `\a`, '\b': `\b`}
	for i := 0; i < 256; i++ {
		c := byte(i)
		want, ok := escapes[c]
		switch {
		case ok:
		case c >= ' ' && c <= '~':
			want = string(c)
		default:
			want = fmt.Sprintf(`\x%02x`, c)
		}
		if got := string(utils.AppendRepr(nil, []byte{c})); got != `"`+want+`"` {
			t.Errorf("AppendRepr(%q) = %s, want %q", c, got, `"`+want+`"`)
		}
	}
	// It appends.
	if got := string(utils.AppendRepr([]byte("x="), []byte("a\n"))); got != `x="a\n"` {
		t.Errorf("AppendRepr after a prefix = %s", got)
	}
}
