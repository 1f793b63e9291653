//go:build unix

// The differential harness: every script in testdata/diff is run against
// this server (in-process) and a real redis-server, in RESP2 and again in
// RESP3, and the replies are compared byte for byte.
//
// Script format, one item a line:
//
//	CMD arg "quoted \x00 arg"   a command, split as redis-cli (sdssplitargs) does
//	# comment                    ignored, as are blank lines
//	!CMD ...                     compare only the reply's type byte
//	~CMD ...                     compare aggregates as unordered multisets
//	                             (recursively; map entries as pairs)
//	@sleep <ms>                  pause
//	@flush                       FLUSHALL on both servers (on a side connection)
//	@conn <n>                    send the next commands on client connection n
//	                             (connection 0 is the default; others are
//	                             opened on first use, after HELLO 3 in RESP3)
//	@raw "<bytes>"               write the bytes as they are (one sdssplitargs
//	                             argument, so "\r\n" and \xHH work) and compare
//	                             the replies: protocol errors, inline commands
//	@requires cmd ...            the lines up to the next @requires run only
//	                             once our command table has every cmd named
//	                             (families still being written); a bare
//	                             @requires ends the block
//
// Replies are compared as streams per connection, so commands that answer
// more than once (SUBSCRIBE a b) or later (BLPOP on one connection served
// by a push on another, pub/sub messages) work: after a command the harness
// reads what redis-server sends (waiting a while for the first reply; a
// command redis-server does not answer within that time is taken to be
// blocked), reads as many replies from our server, and before the next
// command on a connection collects what arrived on it meanwhile. A
// connection both servers closed (QUIT, protocol error) shows as
// "(connection closed)" and is opened again on its next use.
//
// Run one family: go test ./database -run 'TestDiff/string$'. With
// DIFF_REDIS_VS_REDIS=1 the scripts run against two redis-servers instead,
// which finds lines whose replies are not deterministic.
package database_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"goredis/config"
	"goredis/database"
	"goredis/lib/utils"
	"goredis/resp/client"
	"goredis/resp/client/redistest"
	"goredis/resp/handler"
	"goredis/tcp"
)

// Waits of the reply collection (variables so the harness's own tests can
// shorten them).
var (
	// blockWait is how long redis-server may take to answer before its
	// command counts as blocked.
	blockWait = 300 * time.Millisecond
	// ourWait is how long our server may take to send a reply redis-server
	// already sent.
	ourWait = 5 * time.Second
	// lateWait is how long redis-server may take to send a reply our server
	// already sent.
	lateWait = 200 * time.Millisecond
	// readWait bounds the reading of one reply whose first byte arrived.
	readWait = 10 * time.Second
)

var ourPort int

func TestMain(m *testing.M) {
	ourPort = freePort()
	args := []string{"--port", strconv.Itoa(ourPort), "--bind", "127.0.0.1", "--enable-debug-command", "yes"}
	if _, err := config.Load(args); err != nil {
		fmt.Fprintf(os.Stderr, "config.Load(%q): %v\n", args, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startOurs runs this server in-process on 127.0.0.1 and returns its
// address; it stops when the test ends.
func startOurs(t *testing.T) string {
	t.Helper()
	srv := database.NewServer()
	h := handler.New(srv, srv)
	var ts *tcp.Server
	var err error
	for _, port := range []int{ourPort, 0} {
		addrs, optional := tcp.ListenAddrs([]string{"127.0.0.1"}, port)
		if ts, err = tcp.Listen(addrs, optional, h); err == nil {
			break
		}
	}
	if err != nil {
		srv.Close()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan struct{})
	go func() { ts.Serve(); close(done) }()
	t.Cleanup(func() {
		// A command stuck in our server must not hang the whole test run.
		closed := make(chan struct{})
		go func() {
			ts.Close()
			<-done
			srv.Close()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(15 * time.Second):
			t.Errorf("our server did not shut down within 15s: a connection's command never returned")
		}
	})
	return ts.Addrs()[0].String()
}

// TestDiff runs every testdata/diff script against both servers.
func TestDiff(t *testing.T) {
	redistest.Require(t)
	files, err := filepath.Glob(filepath.Join("testdata", "diff", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/diff (%v)", err)
	}
	sort.Strings(files)
	scripts := make([]*script, 0, len(files))
	for _, f := range files {
		s, err := parseScript(f)
		if err != nil {
			t.Fatal(err)
		}
		scripts = append(scripts, s)
	}
	redisAddr := redistest.Start(t).Addr
	var oursAddr string
	if os.Getenv("DIFF_REDIS_VS_REDIS") != "" {
		// Check the scripts themselves: against a second redis-server
		// every line must agree, or it needs "!" or "~".
		oursAddr = redistest.Start(t).Addr
	} else {
		oursAddr = startOurs(t)
	}
	for _, s := range scripts {
		t.Run(s.name, func(t *testing.T) {
			for _, proto := range []int{2, 3} {
				t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
					r := &runner{t: t, s: s, proto: proto, addrs: [2]string{redisAddr, oursAddr}, pairs: map[int]*pair{},
						errorf: func(m string) { t.Error(m) }}
					defer r.closeAll()
					r.run()
				})
			}
		})
	}
}

// Comparison modes of a line.
const (
	exact = iota
	typeOnly
	unordered
)

type line struct {
	no   int
	text string
	mode int
	// Exactly one of these is set.
	args      [][]byte // a command
	raw       []byte   // @raw
	directive string   // sleep, flush, conn, requires
	n         int      // the directive's number
	// requires names commands the line needs in our table; until they
	// exist (a family still to be written), the line is skipped.
	requires []string
}

type script struct {
	name  string
	file  string
	lines []line
}

// parseScript reads a script; a malformed line is an error that names it.
func parseScript(path string) (*script, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := &script{name: strings.TrimSuffix(filepath.Base(path), ".txt"), file: path}
	var requires []string
	for i, text := range strings.Split(string(data), "\n") {
		l, ok, err := parseLine(i+1, text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v: %q", path, i+1, err, text)
		}
		if ok && l.directive == "requires" {
			requires = l.requires
			continue
		}
		if ok {
			l.requires = requires
			s.lines = append(s.lines, l)
		}
	}
	return s, nil
}

func parseLine(no int, text string) (line, bool, error) {
	l := line{no: no}
	text = strings.TrimSpace(text)
	if text == "" || text[0] == '#' {
		return l, false, nil
	}
	l.text = text
	switch text[0] {
	case '!':
		l.mode = typeOnly
		text = strings.TrimSpace(text[1:])
	case '~':
		l.mode = unordered
		text = strings.TrimSpace(text[1:])
	}
	if strings.HasPrefix(text, "@") {
		args, err := utils.SplitArgs([]byte(text))
		if err != nil {
			return l, false, err
		}
		l.directive = strings.ToLower(string(args[0][1:]))
		switch l.directive {
		case "flush":
			if len(args) != 1 {
				return l, false, errors.New("@flush takes no argument")
			}
		case "sleep", "conn":
			if len(args) != 2 {
				return l, false, fmt.Errorf("@%s takes one number", l.directive)
			}
			n, err := strconv.Atoi(string(args[1]))
			if err != nil || n < 0 {
				return l, false, fmt.Errorf("@%s takes one number", l.directive)
			}
			l.n = n
		case "requires":
			// "@requires lpush hset" applies to the lines below it up to
			// the next @requires; a bare "@requires" ends it.
			for _, a := range args[1:] {
				l.requires = append(l.requires, strings.ToLower(string(a)))
			}
		case "raw":
			if len(args) != 2 {
				return l, false, errors.New("@raw takes one (quoted) argument")
			}
			l.raw = args[1]
			l.directive = ""
		default:
			return l, false, fmt.Errorf("unknown directive @%s", l.directive)
		}
		return l, true, nil
	}
	args, err := utils.SplitArgs([]byte(text))
	if err != nil {
		return l, false, err
	}
	if len(args) == 0 {
		return l, false, errors.New("no command")
	}
	l.args = args
	return l, true, nil
}

// got is one reply read, or the end of the connection.
type got struct {
	v      client.Value
	closed bool
}

func (g got) String() string {
	if g.closed {
		return "(connection closed)"
	}
	return g.v.String()
}

// side is one client connection to one server.
type side struct {
	conn   net.Conn
	r      *client.Reader
	closed bool // the server closed it (EOF or error read)
	broken bool // a read timed out inside a reply
}

func dialSide(addr string) (*side, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &side{conn: conn, r: client.NewReader(conn)}, nil
}

func (s *side) write(b []byte) {
	if s.closed || s.broken {
		return
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(readWait))
	// A failed write shows as a closed connection when read.
	_, _ = s.conn.Write(b)
}

// ready reports whether a reply (or the end of the stream) can be read,
// waiting at most wait for its first byte.
func (s *side) ready(wait time.Duration) bool {
	if s.closed || s.broken {
		return false
	}
	if s.r.Buffered() > 0 {
		return true
	}
	sc, ok := s.conn.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	if wait > 0 {
		_ = s.conn.SetReadDeadline(time.Now().Add(wait))
	} else {
		_ = s.conn.SetReadDeadline(time.Time{})
	}
	var b [1]byte
	avail := false
	err = rc.Read(func(fd uintptr) bool {
		_, _, e := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if e == syscall.EAGAIN || e == syscall.EWOULDBLOCK {
			return wait <= 0 // with a wait, block in the poller
		}
		if e == syscall.EINTR {
			return false
		}
		avail = true // data, EOF or an error a read will report
		return true
	})
	return err == nil && avail
}

// read reads one reply whose first byte is there.
func (s *side) read() got {
	_ = s.conn.SetReadDeadline(time.Now().Add(readWait))
	v, err := s.r.ReadValue()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			s.broken = true
			return got{v: client.Value{Kind: '?', Raw: []byte("(reply not complete after " + readWait.String() + ")")}}
		}
		s.closed = true
		return got{closed: true}
	}
	return got{v: v}
}

func (s *side) close() { _ = s.conn.Close() }

// pair is one client connection opened on both servers: index 0 is
// redis-server, 1 ours.
type pair struct {
	id    int
	sides [2]*side
	// pendingLine is the last line redis-server did not answer in time
	// (a blocked command); replies arriving later are reported under it.
	pendingLine *line
}

type runner struct {
	t     *testing.T
	s     *script
	proto int
	addrs [2]string
	pairs map[int]*pair
	cur   int
	ctl   *pair // FLUSHALL goes here, apart from the script's connections
	// errorf reports a mismatch (t.Error; tests of the harness collect).
	errorf func(string)
}

const ctlConn = -1

func (r *runner) closeAll() {
	for _, p := range r.pairs {
		p.sides[0].close()
		p.sides[1].close()
	}
	if r.ctl != nil {
		r.ctl.sides[0].close()
		r.ctl.sides[1].close()
	}
}

func (r *runner) where(l *line) string {
	if l == nil {
		return r.s.file
	}
	return r.s.file + ":" + strconv.Itoa(l.no)
}

// conn returns connection n, opening it on both servers if needed.
func (r *runner) conn(n int, at *line) *pair {
	if n == ctlConn && r.ctl != nil {
		return r.ctl
	}
	if p := r.pairs[n]; p != nil {
		return p
	}
	p := &pair{id: n}
	for i, addr := range r.addrs {
		s, err := dialSide(addr)
		if err != nil {
			r.t.Fatalf("%s: connecting to %s: %v", r.where(at), []string{"redis-server", "our server"}[i], err)
		}
		p.sides[i] = s
	}
	if n == ctlConn {
		r.ctl = p
		return p
	}
	r.pairs[n] = p
	if r.proto == 3 {
		hello := &line{no: 0, text: "HELLO 3 (opening connection " + strconv.Itoa(n) + ")", mode: typeOnly}
		if at != nil {
			hello.no = at.no
		}
		r.sendOnce(p, client.AppendCommandStrings(nil, "HELLO", "3"), hello)
	}
	return p
}

func (r *runner) drop(p *pair) {
	p.sides[0].close()
	p.sides[1].close()
	if p == r.ctl {
		r.ctl = nil
	} else {
		delete(r.pairs, p.id)
	}
}

func (r *runner) run() {
	r.flush(nil)
	skipped := map[string]bool{}
	for i := range r.s.lines {
		l := &r.s.lines[i]
		if missing := missingCommand(l.requires); missing != "" {
			if !skipped[missing] {
				skipped[missing] = true
				r.t.Logf("%s:%d: lines needing %q skipped: not in the command table yet", r.s.file, l.no, missing)
			}
			continue
		}
		switch l.directive {
		case "sleep":
			time.Sleep(time.Duration(l.n) * time.Millisecond)
		case "flush":
			r.flush(l)
		case "conn":
			r.cur = l.n
		default:
			p := r.conn(r.cur, l)
			r.collectLater(p, l) // what arrived since the last command
			b := l.raw
			if l.args != nil {
				b = client.AppendCommand(nil, l.args...)
			}
			r.send(p, b, l)
		}
	}
	// Replies to commands that were blocked may still come; anything else
	// that arrived unasked is a mismatch too.
	ids := make([]int, 0, len(r.pairs))
	for id := range r.pairs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		p := r.pairs[id]
		if p == nil {
			continue
		}
		wait := time.Duration(0)
		if p.pendingLine != nil {
			wait = lateWait
		}
		if p.sides[0].ready(wait) || p.sides[1].ready(0) {
			r.collectLater(p, nil)
		}
	}
}

func (r *runner) flush(at *line) {
	l := &line{text: "FLUSHALL (before the script)", mode: exact}
	if at != nil {
		l = &line{no: at.no, text: "@flush", mode: exact}
	}
	r.send(r.conn(ctlConn, at), client.AppendCommandStrings(nil, "FLUSHALL"), l)
}

// collectLater compares what arrived on p while no command was waiting
// for it: replies to a blocked command (reported under that command's
// line), pushes and anything unexpected (reported as arriving before next).
func (r *runner) collectLater(p *pair, next *line) {
	if p.pendingLine != nil {
		r.collect(p, false, p.pendingLine)
		return
	}
	if next == nil {
		r.collect(p, false, nil)
		return
	}
	before := *next
	before.mode = exact
	before.text = "(before) " + next.text
	r.collect(p, false, &before)
}

// send writes b on both sides of p and compares the replies. If both
// servers had closed the connection before b reached them (the line after
// a QUIT), b is sent again on a new connection, so a script does not
// depend on when the end of a connection is seen.
func (r *runner) send(p *pair, b []byte, l *line) {
	if r.sendOnce(p, b, l) && p.id != ctlConn {
		r.sendOnce(r.conn(p.id, l), b, l)
	}
}

func (r *runner) sendOnce(p *pair, b []byte, l *line) (closedBefore bool) {
	p.sides[0].write(b)
	p.sides[1].write(b)
	return r.collect(p, true, l)
}

// collect reads the replies that p's two sides have sent, matching
// redis-server's count, and compares them in order under l's mode. After
// a command (sent), redis-server gets blockWait for its first reply. It
// reports whether both servers had closed the connection before replying.
func (r *runner) collect(p *pair, sent bool, l *line) (closedBefore bool) {
	red, our := p.sides[0], p.sides[1]
	var rs, os []got
	if sent && red.ready(blockWait) {
		rs = append(rs, red.read())
	}
	ourStalled, redStalled := false, false
	for {
		for len(os) < len(rs) && !ourStalled {
			if !our.ready(ourWait) {
				ourStalled = true
				break
			}
			os = append(os, our.read())
		}
		for len(rs) < len(os) && !redStalled {
			if !red.ready(lateWait) {
				redStalled = true
				break
			}
			rs = append(rs, red.read())
		}
		if red.ready(0) {
			rs = append(rs, red.read())
			continue
		}
		if (len(os) >= len(rs) || ourStalled) && our.ready(0) {
			os = append(os, our.read())
			continue
		}
		if len(os) < len(rs) && !ourStalled || len(rs) < len(os) && !redStalled {
			continue
		}
		break
	}
	if sent {
		if len(rs) == 0 && l != nil {
			p.pendingLine = l
		} else if len(rs) > 0 {
			p.pendingLine = nil
		}
	}
	if len(rs) == 0 && len(os) == 0 {
		return false
	}
	if sent && len(rs) == 1 && len(os) == 1 && rs[0].closed && os[0].closed {
		r.drop(p)
		return true
	}
	mode := exact
	if l != nil {
		mode = l.mode
	}
	for i := 0; i < len(rs) || i < len(os); i++ {
		var rg, og *got
		if i < len(rs) {
			rg = &rs[i]
		}
		if i < len(os) {
			og = &os[i]
		}
		if rg != nil && og != nil && same(*rg, *og, mode) {
			continue
		}
		r.report(p, l, sent, i, rg, og)
	}
	// Connections closed by both, or out of step, start afresh on their
	// next use.
	if red.closed || our.closed || red.broken || our.broken || ourStalled || redStalled {
		r.drop(p)
	}
	return false
}

func (r *runner) report(p *pair, l *line, sent bool, i int, rg, og *got) {
	var b strings.Builder
	b.WriteString(r.where(l))
	b.WriteString(": ")
	if l != nil {
		b.WriteString(l.text)
	} else {
		b.WriteString("(at the end of the script)")
	}
	if p.id > 0 {
		fmt.Fprintf(&b, " (connection %d)", p.id)
	}
	if !sent && l != nil && !strings.HasPrefix(l.text, "(before) ") {
		b.WriteString(" (a reply that came later)")
	}
	if i > 0 {
		fmt.Fprintf(&b, " (reply #%d)", i+1)
	}
	rs, os := "(no reply)", "(no reply)"
	if rg != nil {
		rs = rg.String()
	}
	if og != nil {
		os = og.String()
	}
	if rs == os && rg != nil && og != nil {
		rs, os = strconv.Quote(string(rg.v.Raw)), strconv.Quote(string(og.v.Raw))
	}
	fmt.Fprintf(&b, "\n\tredis: %s\n\tours:  %s", shorten(rs), shorten(os))
	r.errorf(b.String())
}

func shorten(s string) string {
	const max = 600
	if len(s) <= max {
		return s
	}
	return s[:max] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

func same(a, b got, mode int) bool {
	if a.closed || b.closed {
		return a.closed == b.closed
	}
	switch mode {
	case typeOnly:
		return a.v.Kind == b.v.Kind
	case unordered:
		return canonical(a.v) == canonical(b.v)
	}
	return bytes.Equal(a.v.Raw, b.v.Raw)
}

// canonical is v's encoding with the elements of every aggregate (and the
// entries of every map) sorted.
func canonical(v client.Value) string {
	switch v.Kind {
	case client.KindArray, client.KindSet, client.KindPush, client.KindMap:
		if v.Null {
			return string(v.Raw)
		}
		var parts []string
		if v.Kind == client.KindMap {
			for i := 0; i+1 < len(v.Elems); i += 2 {
				parts = append(parts, canonical(v.Elems[i])+canonical(v.Elems[i+1]))
			}
		} else {
			for _, e := range v.Elems {
				parts = append(parts, canonical(e))
			}
		}
		sort.Strings(parts)
		return string(v.Kind) + strconv.Itoa(len(parts)) + "\r\n" + strings.Join(parts, "")
	}
	return string(v.Raw)
}

// The harness's own checks, on fake servers, so that it can fail.

func TestDiffHarnessParse(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		want line
		err  bool
	}{
		{in: "", ok: false},
		{in: "   # comment", ok: false},
		{in: `SET k "a b\x00"`, ok: true, want: line{args: [][]byte{[]byte("SET"), []byte("k"), []byte("a b\x00")}}},
		{in: "! TTL k", ok: true, want: line{mode: typeOnly, args: [][]byte{[]byte("TTL"), []byte("k")}}},
		{in: "~KEYS *", ok: true, want: line{mode: unordered, args: [][]byte{[]byte("KEYS"), []byte("*")}}},
		{in: "@sleep 20", ok: true, want: line{directive: "sleep", n: 20}},
		{in: "@conn 2", ok: true, want: line{directive: "conn", n: 2}},
		{in: "@flush", ok: true, want: line{directive: "flush"}},
		{in: `@raw "*1\r\n$4\r\nPING\r\n"`, ok: true, want: line{raw: []byte("*1\r\n$4\r\nPING\r\n")}},
		{in: "@sleep", err: true},
		{in: "@conn x", err: true},
		{in: "@bogus", err: true},
		{in: `GET "unterminated`, err: true},
	}
	for _, c := range cases {
		l, ok, err := parseLine(7, c.in)
		if (err != nil) != c.err {
			t.Errorf("parseLine(%q) error = %v, want error %v", c.in, err, c.err)
			continue
		}
		if err != nil {
			continue
		}
		if ok != c.ok {
			t.Errorf("parseLine(%q) ok = %v", c.in, ok)
			continue
		}
		if !ok {
			continue
		}
		if l.mode != c.want.mode || l.directive != c.want.directive || l.n != c.want.n ||
			!bytes.Equal(l.raw, c.want.raw) || fmt.Sprintf("%q", l.args) != fmt.Sprintf("%q", c.want.args) || l.no != 7 {
			t.Errorf("parseLine(%q) = %+v, want %+v", c.in, l, c.want)
		}
	}
}

func TestDiffHarnessCanonical(t *testing.T) {
	decode := func(s string) client.Value {
		v, err := client.NewReader(strings.NewReader(s)).ReadValue()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return v
	}
	g := func(s string) got { return got{v: decode(s)} }
	a := g("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n")
	b := g("*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n")
	c := g("*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\na\r\n")
	d := g("~3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n")
	m1 := g("%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n")
	m2 := g("%2\r\n$1\r\nb\r\n:2\r\n$1\r\na\r\n:1\r\n")
	m3 := g("%2\r\n$1\r\nb\r\n:1\r\n$1\r\na\r\n:2\r\n")
	checks := []struct {
		x, y got
		mode int
		want bool
	}{
		{a, b, exact, false},
		{a, b, unordered, true},
		{a, c, unordered, false},
		{a, d, unordered, false},
		{a, d, typeOnly, false},
		{a, c, typeOnly, true},
		{m1, m2, unordered, true},
		{m1, m3, unordered, false},
		{a, got{closed: true}, typeOnly, false},
		{got{closed: true}, got{closed: true}, exact, true},
	}
	for i, ch := range checks {
		if s := same(ch.x, ch.y, ch.mode); s != ch.want {
			t.Errorf("check %d: same(%v, %v, %d) = %v", i, ch.x, ch.y, ch.mode, s)
		}
	}
}

// fakeServer runs answer for each RESP command on a connection and writes
// what it returns at once ("" writes nothing); closeAfter ends the
// connection after the write.
func fakeServer(t *testing.T, answer func(w io.Writer, args []string) (out string, closeAfter bool)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
			go func() {
				defer conn.Close()
				rd := client.NewReader(conn)
				for {
					v, err := rd.ReadValue()
					if err != nil {
						return
					}
					var args []string
					for _, e := range v.Elems {
						args = append(args, string(e.Str))
					}
					out, closeAfter := answer(conn, args)
					if out != "" {
						if _, err := io.WriteString(conn, out); err != nil {
							return
						}
					}
					if closeAfter {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// model is a fake server's behaviour; its quirks make it differ.
type model struct {
	mu      sync.Mutex
	blocked io.Writer
	quirks  map[string]bool
}

func (m *model) answer(w io.Writer, args []string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd := strings.ToUpper(args[0])
	if m.quirks[cmd] {
		switch cmd {
		case "ECHO":
			return "$3\r\nBAD\r\n", false
		case "SUB":
			return "*2\r\n$3\r\nsub\r\n$1\r\na\r\n", false
		case "BLOCK":
			return "-ERR no blocking\r\n", false
		case "ARR":
			return "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\nx\r\n", false
		case "PING":
			// An unasked-for reply, a little after the real one.
			go func() {
				time.Sleep(20 * time.Millisecond)
				m.mu.Lock()
				defer m.mu.Unlock()
				_, _ = io.WriteString(w, "+surprise\r\n")
			}()
			return "+PONG\r\n", false
		}
	}
	switch cmd {
	case "PING":
		return "+PONG\r\n", false
	case "HELLO":
		return "%1\r\n$5\r\nproto\r\n:3\r\n", false
	case "FLUSHALL":
		return "+OK\r\n", false
	case "ECHO":
		return "$" + strconv.Itoa(len(args[1])) + "\r\n" + args[1] + "\r\n", false
	case "SUB":
		var b strings.Builder
		for _, a := range args[1:] {
			b.WriteString("*2\r\n$3\r\nsub\r\n$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
		}
		return b.String(), false
	case "ARR":
		if m.quirks["ARR-ORDER"] {
			return "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", false
		}
		return "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", false
	case "BLOCK":
		m.blocked = w
		return "", false
	case "WAKE":
		if m.blocked != nil {
			_, _ = io.WriteString(m.blocked, ":1\r\n")
			m.blocked = nil
		}
		return "+OK\r\n", false
	case "QUIT":
		return "+OK\r\n", true
	}
	return "-ERR unknown command '" + args[0] + "'\r\n", false
}

func shortWaits(t *testing.T) {
	old := [3]time.Duration{blockWait, ourWait, lateWait}
	blockWait, ourWait, lateWait = 100*time.Millisecond, 300*time.Millisecond, 100*time.Millisecond
	t.Cleanup(func() { blockWait, ourWait, lateWait = old[0], old[1], old[2] })
}

const fakeScript = `# a script exercising every feature of the harness
PING
ECHO hello
ECHO "with space\x00"
SUB a b c
~ARR
!ECHO x
@conn 1
BLOCK
@conn 2
PING
WAKE
@conn 1
ECHO after
@raw "*1\r\n$4\r\nPING\r\n"
QUIT
ECHO closed
ECHO reopened
@conn 0
@flush
@sleep 1
ECHO end
`

func TestDiffHarnessAgrees(t *testing.T) {
	shortWaits(t)
	for _, proto := range []int{2, 3} {
		a := &model{quirks: map[string]bool{}}
		b := &model{quirks: map[string]bool{"ARR-ORDER": true}}
		if msgs := runFake(t, fakeScript, proto, a.answer, b.answer); len(msgs) != 0 {
			t.Errorf("RESP%d: servers that agree gave mismatches:\n%s", proto, strings.Join(msgs, "\n"))
		}
	}
}

func TestDiffHarnessReports(t *testing.T) {
	shortWaits(t)
	cases := []struct {
		quirk string
		want  []string // substrings of the reports, one report each
	}{
		{"ECHO", []string{
			"fake.txt:3: ECHO hello\n\tredis: \"hello\"\n\tours:  \"BAD\"",
			"fake.txt:4: ECHO \"with space",
			"fake.txt:14: ECHO after (connection 1)",
			"fake.txt:17: ECHO closed (connection 1)",
			"fake.txt:18: ECHO reopened (connection 1)",
			"fake.txt:22: ECHO end",
		}},
		{"SUB", []string{
			"fake.txt:5: SUB a b c (reply #2)\n\tredis: [\"sub\", \"b\"]\n\tours:  (no reply)",
			"fake.txt:5: SUB a b c (reply #3)\n\tredis: [\"sub\", \"c\"]\n\tours:  (no reply)",
		}},
		{"ARR", []string{"fake.txt:6: ~ARR\n"}},
		{"PING", []string{
			"fake.txt:22: (before) ECHO end\n\tredis: (no reply)\n\tours:  +\"surprise\"",
			"fake.txt: (at the end of the script) (connection 2)\n\tredis: (no reply)\n\tours:  +\"surprise\"",
		}},
		{"BLOCK", []string{"fake.txt:9: BLOCK (connection 1)\n\tredis: (no reply)\n\tours:  -\"ERR no blocking\""}},
	}
	for _, c := range cases {
		a := &model{quirks: map[string]bool{}}
		b := &model{quirks: map[string]bool{c.quirk: true}}
		msgs := runFake(t, fakeScript, 2, a.answer, b.answer)
		all := strings.Join(msgs, "\n")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("quirk %s: no report contains %q; reports:\n%s", c.quirk, w, all)
			}
		}
		if c.quirk != "BLOCK" && len(msgs) != len(c.want) {
			t.Errorf("quirk %s: %d reports, want %d:\n%s", c.quirk, len(msgs), len(c.want), all)
		}
	}
}

// runFake runs text against two fake servers and returns the mismatch
// reports instead of failing t.
func runFake(t *testing.T, text string, proto int, redis, ours func(io.Writer, []string) (string, bool)) []string {
	t.Helper()
	s := &script{name: "fake", file: "fake.txt"}
	for i, tl := range strings.Split(text, "\n") {
		l, ok, err := parseLine(i+1, tl)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			s.lines = append(s.lines, l)
		}
	}
	var msgs []string
	r := &runner{t: t, s: s, proto: proto, addrs: [2]string{fakeServer(t, redis), fakeServer(t, ours)}, pairs: map[int]*pair{},
		errorf: func(m string) { msgs = append(msgs, m) }}
	defer r.closeAll()
	r.run()
	return msgs
}

// missingCommand returns the first of names our command table lacks. When
// the harness compares two redis-servers, nothing is missing.
func missingCommand(names []string) string {
	if os.Getenv("DIFF_REDIS_VS_REDIS") != "" {
		return ""
	}
	for _, n := range names {
		if database.LookupCommand(n) == nil {
			return n
		}
	}
	return ""
}
