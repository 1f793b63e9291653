package utils_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"goredis/lib/utils"
	"goredis/resp/client"
	"goredis/resp/client/redistest"
)

// bad as the only wanted argument marks ErrUnbalancedQuotes.
const bad = "<unbalanced>"

// splitArgsCases follow sdssplitargs; bad marks an error. The rows without
// NUL or '\n' are also checked against redis-server's inline parser.
var splitArgsCases = []struct {
	in   string
	want []string
}{
	{"", []string{}},
	{"   ", []string{}},
	{" \t\r\v\f ", []string{}},
	{"set foo bar", []string{"set", "foo", "bar"}},
	{"  a   b  ", []string{"a", "b"}},
	{"a\tb\rc", []string{"a", "b", "c"}},
	{"a\nb", []string{"a", "b"}},
	// \v and \f are skipped as blanks but do not end an unquoted token.
	{"a\vb", []string{"a\vb"}},
	{"a\fb", []string{"a\fb"}},
	{"\va", []string{"a"}},
	{"a\\ b", []string{"a\\", "b"}},
	{"a\\x41", []string{"a\\x41"}},
	{"\xff\x80 \x01", []string{"\xff\x80", "\x01"}},

	// Double quotes.
	{`"hello world"`, []string{"hello world"}},
	{`""`, []string{""}},
	{`"" ""`, []string{"", ""}},
	{`set "" x`, []string{"set", "", "x"}},
	{`"a\x41b"`, []string{"aAb"}},
	{`"\x41"`, []string{"A"}},
	{`"\xff\x00\x7F\xaB"`, []string{"\xff\x00\x7f\xab"}},
	{`"\x4"`, []string{"x4"}},
	{`"\xZZ"`, []string{"xZZ"}},
	{`"\x4g"`, []string{"x4g"}},
	{`"\XFF"`, []string{"XFF"}},
	{`"\n\r\t\b\a"`, []string{"\n\r\t\b\a"}},
	{`"\"\\\z\'"`, []string{"\"\\z'"}},
	{`"a b"	c`, []string{"a b", "c"}},
	{`"a"b`, []string{bad}},
	{`"a""b"`, []string{bad}},
	{`"abc`, []string{bad}},
	{`"abc\"`, []string{bad}},
	{`"a\`, []string{bad}},
	{`"`, []string{bad}},
	{`a"b c"`, []string{"ab c"}},
	{`a"b c"d`, []string{bad}},
	{`a"b`, []string{bad}},

	// Single quotes.
	{`'hello world'`, []string{"hello world"}},
	{`''`, []string{""}},
	{`'it\'s'`, []string{"it's"}},
	{`'a\nb'`, []string{`a\nb`}},
	{`'\\'`, []string{bad}}, // \' escapes the closing quote
	{`'\\ '`, []string{`\\ `}},
	{`'\x41'`, []string{`\x41`}},
	{`'a"b'`, []string{`a"b`}},
	{`"a'b"`, []string{`a'b`}},
	{`'a'b`, []string{bad}},
	{`'abc`, []string{bad}},
	{`'abc\'`, []string{bad}},
	{`a'b'`, []string{"ab"}},

	// A NUL ends the line, as in C.
	{"a\x00b", []string{"a"}},
	{"a \x00 b", []string{"a"}},
	{"\x00a", []string{}},
	{"\"a\"\x00b", []string{"a"}},
	{"\"a\x00b\"", []string{bad}},
	{"'a\x00'", []string{bad}},
}

func TestSplitArgs(t *testing.T) {
	for _, c := range splitArgsCases {
		got, err := utils.SplitArgs([]byte(c.in))
		if len(c.want) == 1 && c.want[0] == bad {
			if !errors.Is(err, utils.ErrUnbalancedQuotes) {
				t.Errorf("SplitArgs(%q) = %q, %v; want ErrUnbalancedQuotes", c.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("SplitArgs(%q): %v", c.in, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", c.in, got, c.want)
			continue
		}
		for i := range got {
			if string(got[i]) != c.want[i] {
				t.Errorf("SplitArgs(%q) = %q, want %q", c.in, got, c.want)
				break
			}
		}
	}
}

// TestSplitArgsIndependent checks that the returned arguments do not share
// memory with the line or with each other.
func TestSplitArgsIndependent(t *testing.T) {
	line := []byte("abc def 'ghi'")
	args, err := utils.SplitArgs(line)
	if err != nil || len(args) != 3 {
		t.Fatal(args, err)
	}
	for i := range line {
		line[i] = 'X'
	}
	args[0] = append(args[0], "zzzz"...)
	if string(args[0]) != "abczzzz" || string(args[1]) != "def" || string(args[2]) != "ghi" {
		t.Errorf("arguments changed with the line or each other: %q", args)
	}
}

// FuzzSplitArgs checks that quoting any arguments with sdscatrepr and
// joining them with blanks splits back into the same arguments, and that
// SplitArgs never panics.
func FuzzSplitArgs(f *testing.F) {
	for _, c := range splitArgsCases {
		f.Add([]byte(c.in), uint8(3))
	}
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		utils.SplitArgs(b)
		// Cut b into up to n+1 arguments and round-trip them.
		var args [][]byte
		parts := int(n%8) + 1
		for i := 0; i < parts; i++ {
			lo, hi := len(b)*i/parts, len(b)*(i+1)/parts
			args = append(args, b[lo:hi])
		}
		var line []byte
		for i, a := range args {
			if i > 0 {
				line = append(line, " \t"[i%2])
			}
			line = utils.AppendRepr(line, a)
		}
		got, err := utils.SplitArgs(line)
		if err != nil {
			t.Fatalf("SplitArgs(%q): %v", line, err)
		}
		if len(got) != len(args) {
			t.Fatalf("SplitArgs(%q) = %q, want %q", line, got, args)
		}
		for i := range got {
			if !bytes.Equal(got[i], args[i]) {
				t.Fatalf("SplitArgs(%q) = %q, want %q", line, got, args)
			}
		}
	})
}

func TestSplitArgsRandomRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := 0; i < 20000; i++ {
		args := make([][]byte, r.IntN(5)+1)
		var line []byte
		for j := range args {
			a := make([]byte, r.IntN(8))
			for k := range a {
				a[k] = byte(r.IntN(256))
			}
			args[j] = a
			if j > 0 {
				line = append(line, ' ')
			}
			line = utils.AppendRepr(line, a)
		}
		got, err := utils.SplitArgs(line)
		if err != nil || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", args) {
			t.Fatalf("seed %d: SplitArgs(%q) = %q, %v; want %q", seed, line, got, err, args)
		}
	}
}

// TestSplitArgsRedis sends each row as the tail of an inline RPUSH to
// redis-server and reads the list back.
func TestSplitArgsRedis(t *testing.T) {
	srv := redistest.Start(t)
	isError := func(v client.Value, text string) bool {
		return v.Kind == client.KindError && v.Text() == text
	}
	for _, c := range splitArgsCases {
		if strings.ContainsAny(c.in, "\x00\n") {
			continue
		}
		rc := srv.Dial(t)
		rc.Do("DEL", "l")
		reply, err := rc.Send([]byte("RPUSH l " + c.in + "\r\n"))
		got, gerr := utils.SplitArgs([]byte(c.in))
		switch {
		case err != nil:
			t.Errorf("RPUSH l %q: %v", c.in, err)
		case isError(reply, "ERR Protocol error: unbalanced quotes in request"):
			if len(c.want) != 1 || c.want[0] != bad {
				t.Errorf("%q: Redis finds unbalanced quotes, the table says %q", c.in, c.want)
			}
			if gerr == nil {
				t.Errorf("%q: Redis finds unbalanced quotes, SplitArgs gives %q", c.in, got)
			}
		case isError(reply, "ERR wrong number of arguments for 'rpush' command"):
			if len(c.want) != 0 {
				t.Errorf("%q: Redis finds no arguments, the table says %q", c.in, c.want)
			}
			if gerr != nil || len(got) != 0 {
				t.Errorf("%q: Redis finds no arguments, SplitArgs gives %q, %v", c.in, got, gerr)
			}
		default:
			list := rc.Do("LRANGE", "l", "0", "-1").Elems
			want := make([]string, len(list))
			for i, v := range list {
				want[i] = v.Text()
			}
			if fmt.Sprintf("%q", c.want) != fmt.Sprintf("%q", want) {
				t.Errorf("%q: Redis splits into %q, the table says %q", c.in, want, c.want)
			}
			if gerr != nil || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
				t.Errorf("%q: Redis splits into %q, SplitArgs gives %q, %v", c.in, want, got, gerr)
			}
		}
	}
}
