// Package client is a RESP client: a Reader that decodes RESP2 and RESP3
// replies, a pipelining Client safe for concurrent use, and a RawConn for
// tests that need to send arbitrary bytes.
package client

import (
	"strconv"
	"strings"

	"goredis/interface/resp"
	"goredis/resp/reply"
)

// Reply type bytes.
const (
	KindStatus    byte = '+'
	KindError     byte = '-'
	KindInt       byte = ':'
	KindBulk      byte = '$'
	KindArray     byte = '*'
	KindMap       byte = '%'
	KindSet       byte = '~'
	KindPush      byte = '>'
	KindDouble    byte = ','
	KindBool      byte = '#'
	KindNull      byte = '_'
	KindVerbatim  byte = '='
	KindBigNumber byte = '('
	KindAttribute byte = '|'
	KindBlobError byte = '!'
)

// Value is a decoded RESP2/RESP3 reply.
type Value struct {
	// Kind is the RESP type byte. It is never KindAttribute: attributes are
	// attached to the value they precede (Attrs).
	Kind byte
	// Str is the text of a simple string, bulk string, verbatim string
	// (without its "xxx:" format prefix), error or blob error, and the text
	// of a double or big number as received. Nil for a null.
	Str []byte
	// Int is the value of an integer; 1 or 0 for a boolean.
	Int int64
	// Elems holds the elements of an array, set or push; for a map, keys and
	// values alternately.
	Elems []Value
	// Null is set for $-1, *-1 and _.
	Null bool
	// Raw is the exact bytes of this whole reply as received, including any
	// attribute before it.
	Raw []byte
	// Format is a verbatim string's format ("txt", "mkd").
	Format string
	// Attrs holds the RESP3 attribute map sent before this value, keys and
	// values alternately; nil if there was none.
	Attrs []Value
}

// IsError reports whether v is an error or blob error.
func (v Value) IsError() bool { return v.Kind == KindError || v.Kind == KindBlobError }

// Text returns Str as a string.
func (v Value) Text() string { return string(v.Str) }

// MapGet returns the value under the bulk or simple string key in a map (or
// a RESP2 flat key/value array).
func (v Value) MapGet(key string) (Value, bool) {
	for i := 0; i+1 < len(v.Elems); i += 2 {
		k := v.Elems[i]
		if (k.Kind == KindBulk || k.Kind == KindStatus || k.Kind == KindVerbatim) && string(k.Str) == key {
			return v.Elems[i+1], true
		}
	}
	return Value{}, false
}

// Reply converts v to a reply value. In RESP3 it encodes as v.Raw does; in
// RESP2 it encodes as Redis would send the same reply to a RESP2 client:
// maps become flat arrays, sets and pushes arrays, doubles and big numbers
// bulk strings, booleans the integers 1 and 0, verbatim strings bulk strings,
// _ the null bulk, and attributes are dropped.
func (v Value) Reply() resp.Reply {
	r := v.reply()
	if v.Attrs != nil {
		return attributed{attrs: replies(v.Attrs), r: r}
	}
	return r
}

func replies(vs []Value) []resp.Reply {
	out := make([]resp.Reply, len(vs))
	for i := range vs {
		out[i] = vs[i].Reply()
	}
	return out
}

func (v Value) reply() resp.Reply {
	switch v.Kind {
	case KindStatus:
		return reply.Status(v.Str)
	case KindError:
		return reply.Error(v.Str)
	case KindInt:
		return reply.Int(v.Int)
	case KindBulk:
		if v.Null {
			return reply.Null
		}
		return reply.Bulk(v.Str)
	case KindNull:
		return reply.Null
	case KindArray:
		if v.Null {
			return reply.NullArray
		}
		return reply.Array(replies(v.Elems))
	case KindMap:
		return reply.Map(replies(v.Elems))
	case KindSet:
		return reply.Set(replies(v.Elems))
	case KindPush:
		return reply.Push(replies(v.Elems))
	case KindBool:
		return reply.Bool(v.Int != 0)
	case KindDouble, KindBigNumber:
		return textNumber{kind: v.Kind, text: v.Str}
	case KindVerbatim:
		if v.Format == "txt" {
			return reply.Verbatim(v.Str)
		}
		return verbatim{format: v.Format, text: v.Str}
	case KindBlobError:
		return blobError(v.Str)
	}
	return reply.Raw(v.Raw)
}

// textNumber is a double or big number kept as the text received: itself in
// RESP3, a bulk string in RESP2.
type textNumber struct {
	kind byte
	text []byte
}

func (n textNumber) AppendTo(b []byte, resp3 bool) []byte {
	if !resp3 {
		return reply.AppendBulk(b, n.text)
	}
	b = append(b, n.kind)
	b = append(b, n.text...)
	return append(b, '\r', '\n')
}

// verbatim is a verbatim string in a format other than txt.
type verbatim struct {
	format string
	text   []byte
}

func (v verbatim) AppendTo(b []byte, resp3 bool) []byte {
	if !resp3 {
		return reply.AppendBulk(b, v.text)
	}
	b = append(b, '=')
	b = strconv.AppendInt(b, int64(len(v.text)+len(v.format)+1), 10)
	b = append(b, '\r', '\n')
	b = append(b, v.format...)
	b = append(b, ':')
	b = append(b, v.text...)
	return append(b, '\r', '\n')
}

// blobError is a RESP3 blob error; a simple error in RESP2.
type blobError []byte

func (e blobError) AppendTo(b []byte, resp3 bool) []byte {
	if !resp3 {
		return reply.Error(e).AppendTo(b, false)
	}
	b = append(b, '!')
	b = strconv.AppendInt(b, int64(len(e)), 10)
	b = append(b, '\r', '\n')
	b = append(b, e...)
	return append(b, '\r', '\n')
}

func (e blobError) Error() string { return string(e) }

// attributed is a reply preceded by a RESP3 attribute, which RESP2 drops.
type attributed struct {
	attrs []resp.Reply
	r     resp.Reply
}

func (a attributed) AppendTo(b []byte, resp3 bool) []byte {
	if resp3 {
		b = reply.AppendHeader(b, KindAttribute, len(a.attrs)/2)
		for _, r := range a.attrs {
			b = r.AppendTo(b, true)
		}
	}
	return a.r.AppendTo(b, resp3)
}

// String returns a readable, unambiguous form of v for test messages:
// strings are quoted, "+" marks simple strings, "-" errors, ":" integers,
// "," doubles, "(" big numbers; aggregates are [..] arrays, {k: v} maps,
// ~[..] sets, >[..] pushes; nulls are (nil) or (nil array).
func (v Value) String() string {
	var sb strings.Builder
	v.format(&sb)
	return sb.String()
}

func (v Value) format(sb *strings.Builder) {
	if v.Attrs != nil {
		sb.WriteString("|{")
		formatPairs(sb, v.Attrs)
		sb.WriteString("} ")
	}
	switch v.Kind {
	case KindStatus:
		sb.WriteString("+")
		sb.WriteString(strconv.Quote(string(v.Str)))
	case KindError:
		sb.WriteString("-")
		sb.WriteString(strconv.Quote(string(v.Str)))
	case KindBlobError:
		sb.WriteString("!")
		sb.WriteString(strconv.Quote(string(v.Str)))
	case KindInt:
		sb.WriteString(":")
		sb.WriteString(strconv.FormatInt(v.Int, 10))
	case KindBulk:
		if v.Null {
			sb.WriteString("(nil)")
			return
		}
		sb.WriteString(strconv.Quote(string(v.Str)))
	case KindVerbatim:
		sb.WriteString("=" + v.Format + ":")
		sb.WriteString(strconv.Quote(string(v.Str)))
	case KindDouble, KindBigNumber:
		sb.WriteByte(v.Kind)
		sb.Write(v.Str)
	case KindBool:
		if v.Int != 0 {
			sb.WriteString("#t")
		} else {
			sb.WriteString("#f")
		}
	case KindNull:
		sb.WriteString("(null)")
	case KindArray, KindSet, KindPush:
		if v.Null {
			sb.WriteString("(nil array)")
			return
		}
		if v.Kind != KindArray {
			sb.WriteByte(v.Kind)
		}
		sb.WriteByte('[')
		for i, e := range v.Elems {
			if i > 0 {
				sb.WriteString(", ")
			}
			e.format(sb)
		}
		sb.WriteByte(']')
	case KindMap:
		sb.WriteByte('{')
		formatPairs(sb, v.Elems)
		sb.WriteByte('}')
	default:
		sb.WriteString("?")
		sb.WriteString(strconv.Quote(string(v.Raw)))
	}
}

func formatPairs(sb *strings.Builder, kv []Value) {
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			sb.WriteString(", ")
		}
		kv[i].format(sb)
		sb.WriteString(": ")
		if i+1 < len(kv) {
			kv[i+1].format(sb)
		}
	}
}
