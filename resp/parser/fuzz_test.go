package parser_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"goredis/lib/utils"
	"goredis/resp/parser"
)

// refCmd is a command the reference model returns, with the stream offset
// just past its frame.
type refCmd struct {
	args [][]byte
	end  int
}

type refResult struct {
	cmds []refCmd
	err  error // io.EOF or a parser.ProtocolError
	rest int   // bytes of an incomplete frame left at EOF
}

// cIndex is strchr on a NUL-terminated buffer: the index of c in b, or -1
// when b ends or a NUL comes first.
func cIndex(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
		if x == 0 {
			return -1
		}
	}
	return -1
}

// refInt is string2ll: exactly the canonical decimal forms of int64.
func refInt(b []byte) (int64, bool) {
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || strconv.FormatInt(v, 10) != string(b) {
		return 0, false
	}
	return v, true
}

// refParse is a model of Redis 7.0's processInputBuffer run over the whole
// input at once: processInlineBuffer and processMultibulkBuffer written
// plainly, with no streaming. For inputs shorter than the 64KB header limit
// the streaming parser must agree with it however the input is chunked.
func refParse(in []byte, auth bool, maxBulk int64) refResult {
	var res refResult
	fail := func(text string) refResult {
		res.err = parser.ProtocolError(text)
		return res
	}
	pos := 0
frames:
	for pos < len(in) {
		if in[pos] != '*' {
			nl := cIndex(in[pos:], '\n')
			if nl < 0 {
				if len(in)-pos > parser.InlineMax {
					return fail("too big inline request")
				}
				break
			}
			end := nl
			if end > 0 && in[pos+end-1] == '\r' {
				end--
			}
			args, err := utils.SplitArgs(in[pos : pos+end])
			if err != nil {
				return fail("unbalanced quotes in request")
			}
			pos += nl + 1
			if len(args) > 0 {
				res.cmds = append(res.cmds, refCmd{args, pos})
			}
			continue
		}
		nl := cIndex(in[pos:], '\r')
		if nl < 0 {
			if len(in)-pos > parser.InlineMax {
				return fail("too big mbulk count string")
			}
			break
		}
		if nl > len(in)-pos-2 {
			break
		}
		n, ok := refInt(in[pos+1 : pos+nl])
		if !ok || n > math.MaxInt32 {
			return fail("invalid multibulk length")
		}
		if n > parser.UnauthMaxArgs && auth {
			return fail("unauthenticated multibulk length")
		}
		q := pos + nl + 2
		if n <= 0 {
			pos = q
			continue
		}
		var args [][]byte
		for ; n > 0; n-- {
			nl := cIndex(in[q:], '\r')
			if nl < 0 {
				if len(in)-q > parser.InlineMax {
					return fail("too big bulk count string")
				}
				break frames
			}
			if nl > len(in)-q-2 {
				break frames
			}
			if in[q] != '$' {
				return fail("expected '$', got '" + string(in[q:q+1]) + "'")
			}
			l, ok := refInt(in[q+1 : q+nl])
			if !ok || l < 0 || l > maxBulk {
				return fail("invalid bulk length")
			}
			if l > parser.UnauthMaxBulk && auth {
				return fail("unauthenticated bulk length")
			}
			q += nl + 2
			if int64(len(in)-q) < l+2 {
				break frames
			}
			args = append(args, in[q:q+int(l)])
			q += int(l) + 2
		}
		pos = q
		res.cmds = append(res.cmds, refCmd{args, pos})
	}
	res.err = io.EOF
	res.rest = len(in) - pos
	return res
}

// countingReader hands out data in chunks chosen by rng (at most max
// bytes; max 0 means all that fits) and counts the bytes handed out.
type countingReader struct {
	data    []byte
	rng     *rand.Rand
	max     int
	eofLast bool // return the last bytes together with io.EOF
	handed  int
}

func (r *countingReader) Read(b []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := len(b)
	if r.max > 0 {
		n = min(n, 1+r.rng.IntN(r.max))
	}
	n = min(n, len(r.data))
	copy(b, r.data[:n])
	r.data = r.data[n:]
	r.handed += n
	if r.eofLast && len(r.data) == 0 {
		return n, io.EOF
	}
	return n, nil
}

var chunkMax = [8]int{1, 2, 3, 7, 16, 64, 4096, 0}

// checkAgainstRef runs the parser over in, chunked as flags and seed say,
// and compares every command, the final error and Buffered() with the
// reference model.
func checkAgainstRef(t *testing.T, in []byte, seed uint64, flags uint8) {
	t.Helper()
	lim := &testLimits{maxBulk: 512 << 20, qbuf: 1 << 30, auth: flags&1 != 0}
	if flags&2 != 0 {
		lim.maxBulk = 16
	}
	want := refParse(in, lim.auth, lim.maxBulk)
	rd := &countingReader{
		data:    in,
		rng:     rand.New(rand.NewPCG(seed, seed>>7)),
		max:     chunkMax[flags>>3&7],
		eofLast: flags&4 != 0,
	}
	if len(in) > 4096 && rd.max > 0 && rd.max < 64 {
		// Byte-sized reads of a long line cost O(n²) scans; keep each
		// run short.
		rd.max = 64
	}
	p := parser.New(rd, lim)
	for i := 0; ; i++ {
		args, err := p.ReadCommand()
		if err != nil {
			var pe parser.ProtocolError
			if !errors.As(err, &pe) && err != io.EOF {
				t.Fatalf("error %v (%T) is neither a ProtocolError nor io.EOF", err, err)
			}
			if err != want.err {
				t.Fatalf("after %d commands: error %q, model %q", i, err, want.err)
			}
			if i != len(want.cmds) {
				t.Fatalf("%d commands, model %d", i, len(want.cmds))
			}
			if err == io.EOF && p.Buffered() != want.rest {
				t.Fatalf("Buffered() = %d at EOF, model %d", p.Buffered(), want.rest)
			}
			return
		}
		if i >= len(want.cmds) {
			t.Fatalf("command %d %q beyond the model's %d (model ends with %v)", i, args, len(want.cmds), want.err)
		}
		w := want.cmds[i]
		if len(args) == 0 {
			t.Fatalf("command %d is empty", i)
		}
		if len(args) != len(w.args) {
			t.Fatalf("command %d = %q, model %q", i, args, w.args)
		}
		for j := range args {
			if !bytes.Equal(args[j], w.args[j]) {
				t.Fatalf("command %d = %q, model %q", i, args, w.args)
			}
		}
		if got := rd.handed - p.Buffered(); got != w.end {
			t.Fatalf("command %d ends at stream offset %d, model %d", i, got, w.end)
		}
	}
}

// FuzzParser feeds random bytes through a chunking reader. The parser must
// not panic, may only fail with a ProtocolError or io.EOF, and must return
// the same commands (byte for byte, in order, ending at the same offsets)
// and the same error as the whole-input reference model.
func FuzzParser(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint64(len(s)), uint8(0))
		f.Add([]byte(s), uint64(1), uint8(0<<3|4))
		f.Add([]byte(s), uint64(2), uint8(3<<3|1))
	}
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, flags uint8) {
		if len(in) > 60000 {
			// Over 64KB whether a line is "too big" depends on how the
			// bytes arrive, in Redis too.
			in = in[:60000]
		}
		checkAgainstRef(t, in, seed, flags)
	})
}

var fuzzSeeds = []string{
	"PING\r\n",
	"*1\r\n$4\r\nPING\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva\x00\r\n\r\n",
	"SET k \"a\\x41\\n\" 'b\\'c'\r\nGET k\n",
	"\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n",
	"*1\r\n$3\r\nfooXY*1\r\r$1\r\nx\r\n",
	"*2\r\n$1\r\na\r\nx\r\n",
	"*+1\r\n",
	"*1\r\n$-1\r\n",
	"*11\r\n$1\r\na\r\n",
	"*1\r\n$17\r\n01234567890123456\r\n",
	"ECHO \"abc\r\n",
	"PI\x00NG\r\n",
	"*1\r\n$4\r\nPI",
	"*2147483647\r\n$1\r\na\r\n",
	"*2147483648\r\n",
	"PING\rX\n*1\r\n$1\r\n\r\r\n",
}
