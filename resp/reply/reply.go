// Package reply holds the values commands answer with and their RESP2 and
// RESP3 encodings. Encoding appends to a caller's buffer; nothing here uses
// fmt on the hot path.
package reply

import (
	"math"
	"strconv"

	"goredis/interface/resp"
)

// Status is a simple string: +OK.
type Status string

// AppendTo implements resp.Reply.
func (s Status) AppendTo(b []byte, _ bool) []byte {
	b = append(b, '+')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// Common replies, shared so they cost no allocation.
var (
	OK     resp.Reply = Status("OK")
	Pong   resp.Reply = Status("PONG")
	Queued resp.Reply = Status("QUEUED")
)

// Int is an integer reply.
type Int int64

// AppendTo implements resp.Reply.
func (n Int) AppendTo(b []byte, _ bool) []byte {
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

// Bulk is a bulk string held as bytes. A nil Bulk is still an empty string;
// use Null for a null reply.
type Bulk []byte

// AppendTo implements resp.Reply.
func (s Bulk) AppendTo(b []byte, _ bool) []byte { return AppendBulk(b, s) }

// BulkStr is a bulk string held as a string.
type BulkStr string

// AppendTo implements resp.Reply.
func (s BulkStr) AppendTo(b []byte, _ bool) []byte { return AppendBulkString(b, string(s)) }

// AppendBulk appends a bulk string.
func AppendBulk(b []byte, s []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendBulkString appends a bulk string.
func AppendBulkString(b []byte, s string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendNull appends the null bulk (RESP2 $-1, RESP3 _).
func AppendNull(b []byte, resp3 bool) []byte {
	if resp3 {
		return append(b, '_', '\r', '\n')
	}
	return append(b, '$', '-', '1', '\r', '\n')
}

// AppendHeader appends an aggregate header such as *3.
func AppendHeader(b []byte, kind byte, n int) []byte {
	b = append(b, kind)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

type nullBulk struct{}

func (nullBulk) AppendTo(b []byte, resp3 bool) []byte { return AppendNull(b, resp3) }

type nullArray struct{}

func (nullArray) AppendTo(b []byte, resp3 bool) []byte {
	if resp3 {
		return append(b, '_', '\r', '\n')
	}
	return append(b, '*', '-', '1', '\r', '\n')
}

// Null is the null bulk string; NullArray the null multibulk.
var (
	Null      resp.Reply = nullBulk{}
	NullArray resp.Reply = nullArray{}
	// EmptyArray is *0.
	EmptyArray resp.Reply = Array(nil)
)

// Bulks is an array of bulk strings; a nil element is a null.
type Bulks [][]byte

// AppendTo implements resp.Reply.
func (a Bulks) AppendTo(b []byte, resp3 bool) []byte {
	b = AppendHeader(b, '*', len(a))
	for _, s := range a {
		if s == nil {
			b = AppendNull(b, resp3)
		} else {
			b = AppendBulk(b, s)
		}
	}
	return b
}

// Strings is an array of bulk strings held as strings.
type Strings []string

// AppendTo implements resp.Reply.
func (a Strings) AppendTo(b []byte, _ bool) []byte {
	b = AppendHeader(b, '*', len(a))
	for _, s := range a {
		b = AppendBulkString(b, s)
	}
	return b
}

// Array is an array of arbitrary replies.
type Array []resp.Reply

// AppendTo implements resp.Reply.
func (a Array) AppendTo(b []byte, resp3 bool) []byte {
	b = AppendHeader(b, '*', len(a))
	for _, r := range a {
		b = r.AppendTo(b, resp3)
	}
	return b
}

// Map holds alternating keys and values. RESP3 encodes it as a map, RESP2 as
// a flat array.
type Map []resp.Reply

// AppendTo implements resp.Reply.
func (m Map) AppendTo(b []byte, resp3 bool) []byte {
	if resp3 {
		b = AppendHeader(b, '%', len(m)/2)
	} else {
		b = AppendHeader(b, '*', len(m))
	}
	for _, r := range m {
		b = r.AppendTo(b, resp3)
	}
	return b
}

// Set is a RESP3 set, an array in RESP2.
type Set []resp.Reply

// AppendTo implements resp.Reply.
func (s Set) AppendTo(b []byte, resp3 bool) []byte {
	if resp3 {
		b = AppendHeader(b, '~', len(s))
	} else {
		b = AppendHeader(b, '*', len(s))
	}
	for _, r := range s {
		b = r.AppendTo(b, resp3)
	}
	return b
}

// Seq is several replies written one after another as the answer to one
// command (SUBSCRIBE a b inside EXEC).
type Seq []resp.Reply

// AppendTo implements resp.Reply.
func (q Seq) AppendTo(b []byte, resp3 bool) []byte {
	for _, r := range q {
		b = r.AppendTo(b, resp3)
	}
	return b
}

// Push is a RESP3 push frame (pub/sub messages), an array in RESP2.
type Push []resp.Reply

// AppendTo implements resp.Reply.
func (p Push) AppendTo(b []byte, resp3 bool) []byte {
	if resp3 {
		b = AppendHeader(b, '>', len(p))
	} else {
		b = AppendHeader(b, '*', len(p))
	}
	for _, r := range p {
		b = r.AppendTo(b, resp3)
	}
	return b
}

// Bool is a RESP3 boolean, the integer 1 or 0 in RESP2.
type Bool bool

// AppendTo implements resp.Reply.
func (v Bool) AppendTo(b []byte, resp3 bool) []byte {
	switch {
	case resp3 && bool(v):
		return append(b, '#', 't', '\r', '\n')
	case resp3:
		return append(b, '#', 'f', '\r', '\n')
	case bool(v):
		return append(b, ':', '1', '\r', '\n')
	}
	return append(b, ':', '0', '\r', '\n')
}

// Double is a RESP3 double, a bulk string in RESP2, formatted as Redis's
// "%.17g".
type Double float64

// AppendTo implements resp.Reply.
func (d Double) AppendTo(b []byte, resp3 bool) []byte {
	var tmp [32]byte
	s := AppendFloat17(tmp[:0], float64(d))
	if resp3 {
		b = append(b, ',')
		b = append(b, s...)
		return append(b, '\r', '\n')
	}
	return AppendBulk(b, s)
}

// AppendFloat17 formats f as C's printf("%.17g") does, with inf and -inf
// spelt as Redis spells them.
func AppendFloat17(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	return AppendCFloat(b, f, 17)
}

// AppendCFloat formats f like C's printf("%.<prec>g"): Go's 'g' verb with
// the exponent written with at least two digits, which both already do.
func AppendCFloat(b []byte, f float64, prec int) []byte {
	return strconv.AppendFloat(b, f, 'g', prec, 64)
}

// Verbatim is a RESP3 verbatim string ("txt"), a bulk string in RESP2.
type Verbatim string

// AppendTo implements resp.Reply.
func (v Verbatim) AppendTo(b []byte, resp3 bool) []byte {
	if !resp3 {
		return AppendBulkString(b, string(v))
	}
	b = append(b, '=')
	b = strconv.AppendInt(b, int64(len(v)+4), 10)
	b = append(b, "\r\ntxt:"...)
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// Raw is an already encoded reply, written as is.
type Raw []byte

// AppendTo implements resp.Reply.
func (r Raw) AppendTo(b []byte, _ bool) []byte { return append(b, r...) }

// Encode returns r's encoding in a new slice (for tests and tools).
func Encode(r resp.Reply, resp3 bool) []byte { return r.AppendTo(nil, resp3) }
