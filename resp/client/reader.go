package client

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strconv"
)

// Limits a Reader enforces on what a peer declares.
const (
	// MaxBulkLen is the largest bulk string a reply may declare: Redis's
	// default proto-max-bulk-len (512MB).
	MaxBulkLen = 512 << 20
	// MaxLineLen is the longest simple string, error or header line.
	MaxLineLen = 64 << 20
	// MaxAggregateLen is the largest element count an aggregate may declare.
	MaxAggregateLen = 1<<31 - 1
	// MaxDepth is how deeply aggregates may nest.
	MaxDepth = 1000
)

// ProtocolError is returned for input that is not valid RESP. After one the
// stream position is unknown, so the connection must be dropped.
type ProtocolError string

func (e ProtocolError) Error() string { return "resp: protocol error: " + string(e) }

// span records, in the order values were started, where a value's whole
// encoding and its payload sit in the reply buffer. Offsets are resolved to
// slices only when the reply is complete, since the buffer moves as it grows.
type span struct {
	start, end       int
	strStart, strEnd int
}

// Reader decodes RESP2 and RESP3 replies from a stream.
//
// Each Value returned owns its memory: Raw and Str of a reply and all its
// elements point into one buffer allocated for that reply, never reused.
//
// RESP3 attributes ('|') are attached to the value they precede, in
// Value.Attrs; that value's Raw starts at the attribute, so it holds
// exactly the bytes received.
type Reader struct {
	br    *bufio.Reader
	raw   []byte
	spans []span
}

// NewReader returns a Reader reading from r. If r is a *bufio.Reader it is
// used as is.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 16<<10)
	}
	return &Reader{br: br}
}

// Buffered is the number of bytes read from the stream but not yet decoded.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// ReadValue reads exactly one reply. An io.EOF before the first byte is
// returned as io.EOF; one inside a reply as io.ErrUnexpectedEOF.
func (r *Reader) ReadValue() (Value, error) {
	r.raw = nil
	r.spans = r.spans[:0]
	v, err := r.read(0)
	if err != nil {
		if errors.Is(err, io.EOF) && len(r.raw) > 0 {
			err = io.ErrUnexpectedEOF
		}
		r.raw = nil
		return Value{}, err
	}
	raw := r.raw[:len(r.raw):len(r.raw)]
	r.raw = nil
	i := 0
	resolve(&v, raw, r.spans, &i)
	return v, nil
}

// resolve walks v in the order values were started and turns the recorded
// offsets into slices of raw.
func resolve(v *Value, raw []byte, spans []span, i *int) {
	s := spans[*i]
	*i++
	v.Raw = raw[s.start:s.end:s.end]
	if hasStr(v.Kind) && !v.Null {
		v.Str = raw[s.strStart:s.strEnd:s.strEnd]
	}
	for k := range v.Attrs {
		resolve(&v.Attrs[k], raw, spans, i)
	}
	for k := range v.Elems {
		resolve(&v.Elems[k], raw, spans, i)
	}
}

func hasStr(kind byte) bool {
	switch kind {
	case KindStatus, KindError, KindBulk, KindVerbatim, KindDouble, KindBigNumber, KindBlobError:
		return true
	}
	return false
}

// line reads through the next CRLF, appends it to raw and returns the line's
// bounds in raw without the CRLF.
func (r *Reader) line() (start, end int, err error) {
	start = len(r.raw)
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.raw = append(r.raw, chunk...)
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return 0, 0, err
		}
		if len(r.raw)-start > MaxLineLen {
			return 0, 0, ProtocolError("line too long")
		}
	}
	end = len(r.raw) - 2
	if end < start || r.raw[end] != '\r' {
		return 0, 0, ProtocolError("line not terminated by CRLF")
	}
	return start, end, nil
}

// parseInt parses a signed decimal integer without leading '+' or spaces.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil && b[0] != '+'
}

// length parses a declared length; -1 is allowed only where allowNull.
func (r *Reader) length(start, end int, max int64, allowNull bool) (int64, error) {
	n, ok := parseInt(r.raw[start:end])
	switch {
	case !ok:
		return 0, ProtocolError("invalid length " + strconv.Quote(string(r.raw[start:end])))
	case n == -1 && allowNull:
		return -1, nil
	case n < 0:
		return 0, ProtocolError("invalid length " + strconv.Quote(string(r.raw[start:end])))
	case n > max:
		return 0, ProtocolError("declared length " + strconv.FormatInt(n, 10) + " exceeds limit")
	}
	return n, nil
}

// blob reads n payload bytes and the CRLF after them, growing raw only as
// data arrives, and returns the payload's bounds.
func (r *Reader) blob(n int64) (start, end int, err error) {
	start = len(r.raw)
	remaining := int(n) + 2
	for remaining > 0 {
		chunk := max(len(r.raw)-start, 64<<10)
		chunk = min(chunk, remaining)
		l := len(r.raw)
		r.raw = slices.Grow(r.raw, chunk)[:l+chunk]
		got, err := io.ReadFull(r.br, r.raw[l:])
		r.raw = r.raw[:l+got]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, 0, err
		}
		remaining -= chunk
	}
	end = len(r.raw) - 2
	if r.raw[end] != '\r' || r.raw[end+1] != '\n' {
		return 0, 0, ProtocolError("bulk payload not terminated by CRLF")
	}
	return start, end, nil
}

func (r *Reader) read(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, ProtocolError("aggregates nested too deeply")
	}
	idx := len(r.spans)
	r.spans = append(r.spans, span{start: len(r.raw)})
	var v Value
	for {
		s, e, err := r.line()
		if err != nil {
			return Value{}, err
		}
		if e == s {
			return Value{}, ProtocolError("empty line")
		}
		v.Kind = r.raw[s]
		s++
		if v.Kind != KindAttribute {
			if err := r.body(&v, idx, s, e, depth); err != nil {
				return Value{}, err
			}
			break
		}
		if v.Attrs != nil {
			return Value{}, ProtocolError("attribute follows attribute")
		}
		n, err := r.length(s, e, MaxAggregateLen, false)
		if err != nil {
			return Value{}, err
		}
		v.Attrs, err = r.elems(2*n, depth)
		if err != nil {
			return Value{}, err
		}
		if v.Attrs == nil {
			v.Attrs = []Value{}
		}
	}
	r.spans[idx].end = len(r.raw)
	return v, nil
}

// body decodes the rest of a value whose type line payload is raw[s:e].
func (r *Reader) body(v *Value, idx, s, e, depth int) error {
	sp := &r.spans[idx]
	switch v.Kind {
	case KindStatus, KindError:
		sp.strStart, sp.strEnd = s, e
	case KindInt:
		n, ok := parseInt(r.raw[s:e])
		if !ok {
			return ProtocolError("invalid integer " + strconv.Quote(string(r.raw[s:e])))
		}
		v.Int = n
	case KindDouble, KindBigNumber:
		if s == e {
			return ProtocolError("empty number")
		}
		sp.strStart, sp.strEnd = s, e
	case KindBool:
		switch string(r.raw[s:e]) {
		case "t":
			v.Int = 1
		case "f":
		default:
			return ProtocolError("invalid boolean " + strconv.Quote(string(r.raw[s:e])))
		}
	case KindNull:
		if s != e {
			return ProtocolError("invalid null")
		}
		v.Null = true
	case KindBulk, KindVerbatim, KindBlobError:
		n, err := r.length(s, e, MaxBulkLen, v.Kind == KindBulk)
		if err != nil {
			return err
		}
		if n < 0 {
			v.Null = true
			return nil
		}
		bs, be, err := r.blob(n)
		if err != nil {
			return err
		}
		sp = &r.spans[idx]
		if v.Kind == KindVerbatim {
			if be-bs < 4 || r.raw[bs+3] != ':' {
				return ProtocolError("verbatim string without format")
			}
			v.Format = formatName(r.raw[bs : bs+3])
			bs += 4
		}
		sp.strStart, sp.strEnd = bs, be
	case KindArray, KindSet, KindPush, KindMap:
		n, err := r.length(s, e, MaxAggregateLen, v.Kind == KindArray)
		if err != nil {
			return err
		}
		if n < 0 {
			v.Null = true
			return nil
		}
		if v.Kind == KindMap {
			n *= 2
		}
		elems, err := r.elems(n, depth)
		if err != nil {
			return err
		}
		if elems == nil {
			elems = []Value{}
		}
		v.Elems = elems
	default:
		return ProtocolError("unknown reply type " + strconv.QuoteRune(rune(v.Kind)))
	}
	return nil
}

func formatName(b []byte) string {
	if string(b) == "txt" {
		return "txt"
	}
	if string(b) == "mkd" {
		return "mkd"
	}
	return string(b)
}

// elems reads n values, allocating for them only as they arrive.
func (r *Reader) elems(n int64, depth int) ([]Value, error) {
	if n == 0 {
		return nil, nil
	}
	out := make([]Value, 0, min(n, 1024))
	for i := int64(0); i < n; i++ {
		e, err := r.read(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
