package client

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"goredis/resp/reply"
)

// decodeCases: wire bytes, the String() form, and the RESP2 re-encoding
// Redis would send for the same reply ("" = same as the input). RESP3
// re-encoding must reproduce the input, except that RESP2 nulls become _.
var decodeCases = []struct {
	in, str, resp2 string
}{
	{"+OK\r\n", `+"OK"`, ""},
	{"+\r\n", `+""`, ""},
	{"-ERR unknown command\r\n", `-"ERR unknown command"`, ""},
	{":0\r\n", ":0", ""},
	{":-42\r\n", ":-42", ""},
	{":9223372036854775807\r\n", ":9223372036854775807", ""},
	{":-9223372036854775808\r\n", ":-9223372036854775808", ""},
	{"$5\r\nhello\r\n", `"hello"`, ""},
	{"$0\r\n\r\n", `""`, ""},
	{"$4\r\na\r\nb\r\n", `"a\r\nb"`, ""},
	{"$-1\r\n", "(nil)", ""},
	{"*-1\r\n", "(nil array)", ""},
	{"*0\r\n", "[]", ""},
	{"*3\r\n:1\r\n$1\r\nx\r\n*1\r\n+y\r\n", `[:1, "x", [+"y"]]`, ""},
	{"*2\r\n$-1\r\n*-1\r\n", `[(nil), (nil array)]`, ""},
	{"_\r\n", "(null)", "$-1\r\n"},
	{"#t\r\n", "#t", ":1\r\n"},
	{"#f\r\n", "#f", ":0\r\n"},
	{",3.14\r\n", ",3.14", "$4\r\n3.14\r\n"},
	{",inf\r\n", ",inf", "$3\r\ninf\r\n"},
	{",-1.5e+300\r\n", ",-1.5e+300", "$9\r\n-1.5e+300\r\n"},
	{"(3492890328409238509324850943850943825024385\r\n", "(3492890328409238509324850943850943825024385",
		"$43\r\n3492890328409238509324850943850943825024385\r\n"},
	{"=15\r\ntxt:Some string\r\n", `=txt:"Some string"`, "$11\r\nSome string\r\n"},
	{"=8\r\nmkd:# hi\r\n", `=mkd:"# hi"`, "$4\r\n# hi\r\n"},
	{"%2\r\n$1\r\na\r\n:1\r\n+b\r\n#t\r\n", `{"a": :1, +"b": #t}`, "*4\r\n$1\r\na\r\n:1\r\n+b\r\n:1\r\n"},
	{"%0\r\n", "{}", "*0\r\n"},
	{"~2\r\n$1\r\na\r\n,1.5\r\n", `~["a", ,1.5]`, "*2\r\n$1\r\na\r\n$3\r\n1.5\r\n"},
	{">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n", `>["message", "ch", "m"]`,
		"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n"},
	{"!9\r\nERR x\r\nyz\r\n", `!"ERR x\r\nyz"`, "-ERR x  yz\r\n"},
	{"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n", `|{+"ttl": :3} "v"`, "$1\r\nv\r\n"},
	{"*2\r\n|1\r\n+a\r\n:1\r\n:5\r\n_\r\n", `[|{+"a": :1} :5, (null)]`, "*2\r\n:5\r\n$-1\r\n"},
	{"%1\r\n$5\r\nnest1\r\n%1\r\n$1\r\nk\r\n~1\r\n*1\r\n=5\r\ntxt:x\r\n",
		`{"nest1": {"k": ~[[=txt:"x"]]}}`, "*2\r\n$5\r\nnest1\r\n*2\r\n$1\r\nk\r\n*1\r\n*1\r\n$1\r\nx\r\n"},
}

func TestDecode(t *testing.T) {
	for _, tc := range decodeCases {
		v, err := NewReader(strings.NewReader(tc.in)).ReadValue()
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := v.String(); got != tc.str {
			t.Errorf("%q: String() = %s, want %s", tc.in, got, tc.str)
		}
		if string(v.Raw) != tc.in {
			t.Errorf("%q: Raw = %q", tc.in, v.Raw)
		}
		want3 := strings.NewReplacer("$-1", "_", "*-1", "_").Replace(tc.in)
		if got := reply.Encode(v.Reply(), true); string(got) != want3 {
			t.Errorf("%q: RESP3 re-encoding = %q, want %q", tc.in, got, want3)
		}
		want2 := tc.resp2
		if want2 == "" {
			want2 = tc.in
		}
		if got := reply.Encode(v.Reply(), false); string(got) != want2 {
			t.Errorf("%q: RESP2 re-encoding = %q, want %q", tc.in, got, want2)
		}
	}
}

// TestDecodeRawOfElements checks that every nested value's Raw is exactly
// its own encoding, which re-encoding it must reproduce.
func TestDecodeRawOfElements(t *testing.T) {
	var walk func(t *testing.T, v Value)
	walk = func(t *testing.T, v Value) {
		want := strings.NewReplacer("$-1", "_", "*-1", "_").Replace(string(v.Raw))
		if got := reply.Encode(v.Reply(), true); string(got) != want {
			t.Errorf("element %s: Raw %q, re-encoded %q", v, v.Raw, got)
		}
		for _, e := range v.Attrs {
			walk(t, e)
		}
		for _, e := range v.Elems {
			walk(t, e)
		}
	}
	for _, tc := range decodeCases {
		v, err := NewReader(strings.NewReader(tc.in)).ReadValue()
		if err != nil {
			t.Fatal(err)
		}
		walk(t, v)
	}
}

func TestDecodeFields(t *testing.T) {
	v, err := NewReader(strings.NewReader("%2\r\n$5\r\nproto\r\n:3\r\n$4\r\nmode\r\n+standalone\r\n")).ReadValue()
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != KindMap || len(v.Elems) != 4 {
		t.Fatalf("got %s", v)
	}
	if p, ok := v.MapGet("proto"); !ok || p.Kind != KindInt || p.Int != 3 {
		t.Errorf("proto = %s %v", p, ok)
	}
	if m, ok := v.MapGet("mode"); !ok || m.Text() != "standalone" {
		t.Errorf("mode = %s %v", m, ok)
	}
	if _, ok := v.MapGet("nope"); ok {
		t.Error("MapGet found a missing key")
	}
	n, _ := NewReader(strings.NewReader("$-1\r\n")).ReadValue()
	if !n.Null || n.Str != nil {
		t.Errorf("null bulk: %+v", n)
	}
	e, _ := NewReader(strings.NewReader("$0\r\n\r\n")).ReadValue()
	if e.Null || e.Str == nil || len(e.Str) != 0 {
		t.Errorf("empty bulk: %+v", e)
	}
	b, _ := NewReader(strings.NewReader("#t\r\n")).ReadValue()
	if b.Int != 1 {
		t.Errorf("#t: Int = %d", b.Int)
	}
}

// TestDecodeStream reads several replies back to back, one byte at a time.
func TestDecodeStream(t *testing.T) {
	var all strings.Builder
	for _, tc := range decodeCases {
		all.WriteString(tc.in)
	}
	r := NewReader(bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(all.String())), 16))
	for _, tc := range decodeCases {
		v, err := r.ReadValue()
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if string(v.Raw) != tc.in {
			t.Fatalf("Raw = %q, want %q", v.Raw, tc.in)
		}
	}
	if _, err := r.ReadValue(); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
}

// TestDecodeLarge reads a bulk string and a simple string longer than the
// bufio buffer.
func TestDecodeLarge(t *testing.T) {
	big := strings.Repeat("0123456789", 100_000)
	in := "*2\r\n$1000000\r\n" + big + "\r\n+" + big + "\r\n"
	v, err := NewReader(bufio.NewReaderSize(strings.NewReader(in), 16)).ReadValue()
	if err != nil {
		t.Fatal(err)
	}
	if string(v.Elems[0].Str) != big || string(v.Elems[1].Str) != big || string(v.Raw) != in {
		t.Fatal("large values decoded wrongly")
	}
}

// TestDecodeTruncated: every proper prefix of a reply is an unexpected EOF
// (io.EOF for the empty prefix).
func TestDecodeTruncated(t *testing.T) {
	for _, tc := range decodeCases {
		for i := 0; i < len(tc.in); i++ {
			_, err := NewReader(strings.NewReader(tc.in[:i])).ReadValue()
			want := io.ErrUnexpectedEOF
			if i == 0 {
				want = io.EOF
			}
			if err != want {
				t.Errorf("%q: %v, want %v", tc.in[:i], err, want)
			}
		}
	}
}

func TestDecodeProtocolErrors(t *testing.T) {
	for _, in := range []string{
		"\r\n",
		"?x\r\n",
		"+OK\n",
		":\r\n",
		":12a\r\n",
		":+1\r\n",
		": 1\r\n",
		"$-2\r\n",
		"$abc\r\n",
		"$3\r\nabcd\r\n",
		"$3\r\nabcXY",
		"$536870913\r\n",
		"$99999999999999999999999\r\n",
		"*-2\r\n",
		"%-1\r\n",
		"~-1\r\n",
		"=2\r\nab\r\n",
		"=5\r\ntxt-x\r\n",
		"#x\r\n",
		"_x\r\n",
		",\r\n",
		"|1\r\n+a\r\n+b\r\n|1\r\n+a\r\n+b\r\n+v\r\n",
		strings.Repeat("*1\r\n", MaxDepth+2) + ":1\r\n",
	} {
		_, err := NewReader(strings.NewReader(in)).ReadValue()
		var pe ProtocolError
		if !errors.As(err, &pe) {
			t.Errorf("%.40q: err = %v, want a ProtocolError", in, err)
		}
	}
}

// TestDecodeNoAllocFromDeclaredLength: declared lengths with no data behind
// them must not make the reader allocate their size.
func TestDecodeNoAllocFromDeclaredLength(t *testing.T) {
	for _, in := range []string{
		"$536870912\r\nabc",
		"*2147483647\r\n:1\r\n",
		"%1000000000\r\n",
		"~2000000000\r\n+a\r\n",
		"=536870912\r\ntxt:",
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := NewReader(strings.NewReader(in)).ReadValue()
		runtime.ReadMemStats(&after)
		if err != io.ErrUnexpectedEOF {
			t.Errorf("%q: err = %v, want unexpected EOF", in, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
			t.Errorf("%q: allocated %d bytes", in, grew)
		}
	}
}

func TestValueOwnsMemory(t *testing.T) {
	r := NewReader(strings.NewReader("$3\r\nabc\r\n$3\r\nxyz\r\n"))
	a, _ := r.ReadValue()
	b, _ := r.ReadValue()
	if string(a.Str) != "abc" || string(b.Str) != "xyz" {
		t.Fatalf("second read clobbered the first: %s %s", a, b)
	}
}

func TestAppendCommand(t *testing.T) {
	got := AppendCommand([]byte("x"), []byte("SET"), []byte("k"), []byte(""))
	want := "x*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
	if string(got) != want {
		t.Errorf("AppendCommand = %q, want %q", got, want)
	}
	if got := AppendCommandStrings(nil, "PING"); string(got) != "*1\r\n$4\r\nPING\r\n" {
		t.Errorf("AppendCommandStrings = %q", got)
	}
	if got := AppendCommand(nil); string(got) != "*0\r\n" {
		t.Errorf("AppendCommand() = %q", got)
	}
}

func FuzzReader(f *testing.F) {
	for _, tc := range decodeCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := NewReader(bytes.NewReader(in)).ReadValue()
		if err != nil {
			return
		}
		if !bytes.HasPrefix(in, v.Raw) {
			t.Fatalf("Raw %q is not a prefix of the input %q", v.Raw, in)
		}
		// Re-encoding a decoded reply yields bytes that decode to a value
		// that re-encodes to the same bytes.
		for _, resp3 := range []bool{false, true} {
			enc := reply.Encode(v.Reply(), resp3)
			v2, err := NewReader(bytes.NewReader(enc)).ReadValue()
			if err != nil {
				t.Fatalf("re-encoded %q does not decode: %v", enc, err)
			}
			if enc2 := reply.Encode(v2.Reply(), resp3); !bytes.Equal(enc, enc2) || !bytes.Equal(v2.Raw, enc) {
				t.Fatalf("round trip of %q: %q then %q", in, enc, enc2)
			}
		}
	})
}
