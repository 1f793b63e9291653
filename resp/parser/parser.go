// Package parser reads client commands from a stream: RESP2 multibulk
// frames and inline commands, with Redis's limits and error texts
// (networking.c processMultibulkBuffer and processInlineBuffer).
//
// The parser owns one buffer that grows only as bytes arrive: a declared
// count or length never allocates by itself.
package parser

import (
	"bytes"
	"errors"
	"io"
	"math"

	"goredis/lib/utils"
)

// ProtocolError is a malformed frame. The client is answered
// "-ERR Protocol error: <text>" and the connection is closed.
type ProtocolError string

func (e ProtocolError) Error() string { return "Protocol error: " + string(e) }

// ErrQueryBufferLimit means the client's pending query exceeded
// client-query-buffer-limit; Redis closes such a client without a reply.
var ErrQueryBufferLimit = errors.New("query buffer limit reached")

const (
	// InlineMax is PROTO_INLINE_MAX_SIZE: the longest inline command and
	// the longest '*' or '$' header line.
	InlineMax = 64 * 1024
	// UnauthMaxArgs and UnauthMaxBulk limit unauthenticated clients.
	UnauthMaxArgs = 10
	UnauthMaxBulk = 16384

	initialBuf = 4096
	shrinkOver = 64 * 1024
	// streamBuf is the most a read grows to while reads keep filling the
	// buffer: a pipeline is then read, run and answered in few batches,
	// with one write each. Redis reads as much as its query buffer has
	// room for (at least PROTO_IOBUF_LEN, 16 KB, and the buffer grows
	// greedily), so 16 commands of 1 KB values (17 KB) come in one read.
	// With 16 KB here they took two reads and a third that found nothing;
	// with 32 KB, over alternating rounds at -P 16 with 1 KB values, CPU a
	// request fell 18% for HSET, 4% for SADD, 0-12% for SET and LPUSH.
	streamBuf = 32 * 1024
)

// Limits are read for every frame so CONFIG SET applies at once.
type Limits interface {
	MaxBulkLen() int64
	QueryBufferLimit() int64
	// AuthRequired reports that the client has not authenticated and a
	// password is set.
	AuthRequired() bool
}

// Parser reads commands from r.
type Parser struct {
	rd     io.Reader
	limits Limits
	// BeforeRead, when set, runs before the parser blocks on a read: the
	// place to flush replies of the commands already returned.
	BeforeRead func() error
	// AOF selects the grammar of an append-only file, as Redis's loader
	// reads it: lines starting with '#' are annotations and skipped, and
	// anything else but a multibulk of at least one argument is an error
	// (no inline commands, no "*0").
	AOF bool

	buf      []byte
	cmdStart int // where the frame being parsed starts
	pos      int // next byte to parse
	w        int // end of data

	// full is set when the last read filled all the free space: more is
	// probably waiting, so the next read gets a bigger buffer. small
	// counts the reads since that used under an eighth of it; after a few
	// an idle connection gives the big buffer back.
	full  bool
	small int
	// received counts every byte read.
	received int64

	mbLeft  int64 // bulks still to read; -1 before the '*' header
	bulkLen int64 // length of the bulk being read; -1 before its '$' header
	offs    []int // start and end of each argument, relative to cmdStart
	args    [][]byte
}

// New returns a parser reading from r.
func New(r io.Reader, limits Limits) *Parser {
	return &Parser{rd: r, limits: limits, mbLeft: -1, bulkLen: -1}
}

// MidFrame reports that the last read filled the buffer and stopped in
// the middle of a command: the rest is on its way (clients send whole
// commands), so the replies of the commands before it can wait for the
// next read instead of costing a write each.
func (p *Parser) MidFrame() bool { return p.full && p.cmdStart < p.w }

// Received reports how many bytes the parser has read in all.
func (p *Parser) Received() int64 { return p.received }

// Buffered reports how many received bytes are not yet returned as
// commands.
func (p *Parser) Buffered() int { return p.w - p.cmdStart }

// ReadCommand returns the next command. The argument slices point into the
// parser's buffer and stay valid only until the next call. Empty commands
// (an empty inline line, "*0") are skipped as Redis does. Errors are a
// ProtocolError, ErrQueryBufferLimit, or the reader's error.
func (p *Parser) ReadCommand() ([][]byte, error) {
	if p.cmdStart == p.w {
		// Nothing pending: reuse the buffer from the start, and give back
		// a large one grown for a big frame.
		p.cmdStart, p.pos, p.w = 0, 0, 0
		if cap(p.buf) > shrinkOver || (cap(p.buf) > initialBuf && p.small >= 8) {
			p.buf, p.small = nil, 0
		}
	}
	for {
		if p.pos < p.w {
			args, ok, err := p.parse()
			if err != nil {
				return nil, err
			}
			if ok {
				if len(args) == 0 {
					continue
				}
				return args, nil
			}
		}
		if p.BeforeRead != nil {
			if err := p.BeforeRead(); err != nil {
				return nil, err
			}
		}
		if err := p.fill(); err != nil {
			return nil, err
		}
	}
}

// fill reads more bytes, compacting or growing the buffer as needed.
func (p *Parser) fill() error {
	if p.buf == nil {
		p.buf = make([]byte, initialBuf)
	}
	if p.full && len(p.buf) < streamBuf {
		// The last read filled the buffer: read more at a time.
		nb := make([]byte, 2*len(p.buf))
		copy(nb, p.buf[p.cmdStart:p.w])
		p.pos -= p.cmdStart
		p.w -= p.cmdStart
		p.cmdStart = 0
		p.buf = nb
	}
	if p.w == len(p.buf) {
		pending := p.w - p.cmdStart
		if p.cmdStart > 0 && pending < len(p.buf)/2 {
			copy(p.buf, p.buf[p.cmdStart:p.w])
		} else {
			nb := make([]byte, 2*len(p.buf))
			copy(nb, p.buf[p.cmdStart:p.w])
			p.buf = nb
		}
		p.pos -= p.cmdStart
		p.w = pending
		p.cmdStart = 0
	}
	n, err := p.rd.Read(p.buf[p.w:])
	p.full = n > 0 && p.w+n == len(p.buf)
	if n < len(p.buf)/8 {
		p.small++
	} else {
		p.small = 0
	}
	p.w += n
	p.received += int64(n)
	if n > 0 {
		// Redis measures the bytes not yet parsed (it trims parsed
		// arguments from its query buffer) right after each read.
		if p.limits != nil && int64(p.w-p.pos) > p.limits.QueryBufferLimit() {
			return ErrQueryBufferLimit
		}
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// indexCR finds '\r' as C's strchr would in a NUL-terminated buffer: a NUL
// byte before it hides it.
func indexCR(b []byte, c byte) int {
	i := bytes.IndexByte(b, c)
	if i < 0 || bytes.IndexByte(b[:i], 0) >= 0 {
		return -1
	}
	return i
}

// parse tries to complete one frame from the buffered bytes. ok is false
// when more bytes are needed.
func (p *Parser) parse() (args [][]byte, ok bool, err error) {
	if p.mbLeft < 0 {
		if p.AOF && p.buf[p.pos] == '#' {
			nl := bytes.IndexByte(p.buf[p.pos:p.w], '\n')
			if nl < 0 {
				if p.w-p.pos > InlineMax {
					return nil, false, ProtocolError("too big annotation line")
				}
				return nil, false, nil
			}
			p.pos += nl + 1
			p.cmdStart = p.pos
			return nil, true, nil
		}
		if p.buf[p.pos] != '*' {
			if p.AOF {
				return nil, false, ProtocolError("expected '*', got '" + string(p.buf[p.pos:p.pos+1]) + "'")
			}
			return p.parseInline()
		}
		b := p.buf[p.pos:p.w]
		nl := indexCR(b, '\r')
		if nl < 0 {
			if len(b) > InlineMax {
				return nil, false, ProtocolError("too big mbulk count string")
			}
			return nil, false, nil
		}
		if nl > len(b)-2 {
			return nil, false, nil
		}
		n, valid := utils.ParseInt(b[1:nl])
		if !valid || n > math.MaxInt32 {
			return nil, false, ProtocolError("invalid multibulk length")
		}
		if n > UnauthMaxArgs && p.limits != nil && p.limits.AuthRequired() {
			return nil, false, ProtocolError("unauthenticated multibulk length")
		}
		if p.AOF && n < 1 {
			return nil, false, ProtocolError("invalid multibulk length")
		}
		p.pos += nl + 2
		if n <= 0 {
			p.cmdStart = p.pos
			return nil, true, nil
		}
		p.mbLeft = n
		p.offs = p.offs[:0]
	}
	for p.mbLeft > 0 {
		if p.bulkLen < 0 {
			b := p.buf[p.pos:p.w]
			nl := indexCR(b, '\r')
			if nl < 0 {
				if len(b) > InlineMax {
					return nil, false, ProtocolError("too big bulk count string")
				}
				return nil, false, nil
			}
			if nl > len(b)-2 {
				return nil, false, nil
			}
			if b[0] != '$' {
				return nil, false, ProtocolError("expected '$', got '" + string(b[0:1]) + "'")
			}
			n, valid := utils.ParseInt(b[1:nl])
			if !valid || n < 0 || (p.limits != nil && n > p.limits.MaxBulkLen()) {
				return nil, false, ProtocolError("invalid bulk length")
			}
			if n > UnauthMaxBulk && p.limits != nil && p.limits.AuthRequired() {
				return nil, false, ProtocolError("unauthenticated bulk length")
			}
			p.pos += nl + 2
			p.bulkLen = n
		}
		if int64(p.w-p.pos) < p.bulkLen+2 {
			return nil, false, nil
		}
		start := p.pos - p.cmdStart
		p.offs = append(p.offs, start, start+int(p.bulkLen))
		p.pos += int(p.bulkLen) + 2
		p.bulkLen = -1
		p.mbLeft--
	}
	p.mbLeft = -1
	args = p.args[:0]
	base := p.buf[p.cmdStart:]
	for i := 0; i < len(p.offs); i += 2 {
		args = append(args, base[p.offs[i]:p.offs[i+1]:p.offs[i+1]])
	}
	p.args = args
	p.cmdStart = p.pos
	return args, true, nil
}

func (p *Parser) parseInline() ([][]byte, bool, error) {
	b := p.buf[p.pos:p.w]
	nl := indexCR(b, '\n')
	if nl < 0 {
		if len(b) > InlineMax {
			return nil, false, ProtocolError("too big inline request")
		}
		return nil, false, nil
	}
	end := nl
	if end > 0 && b[end-1] == '\r' {
		end--
	}
	args, err := utils.SplitArgs(b[:end])
	if err != nil {
		return nil, false, ProtocolError("unbalanced quotes in request")
	}
	p.pos += nl + 1
	p.cmdStart = p.pos
	return args, true, nil
}
