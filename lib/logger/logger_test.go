package logger

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineRE is Redis's log line: pid:role day month year time.ms level message.
var lineRE = regexp.MustCompile(`^(\d+):M (\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3}) ([.\-*#]) (.*)$`)

func capture(t *testing.T) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	SetOutput(&b)
	t.Cleanup(func() {
		SetOutput(os.Stdout)
		SetLevel("notice")
	})
	return &b
}

func TestFormat(t *testing.T) {
	b := capture(t)
	SetLevel("debug")
	before := time.Now().Truncate(time.Millisecond)
	Debugf("d %d", 1)
	Verbosef("v %s", "x")
	Noticef("n")
	Warningf("w %q", "q")
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := []struct{ mark, msg string }{{".", "d 1"}, {"-", "v x"}, {"*", "n"}, {"#", `w "q"`}}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines: %q", len(lines), b.String())
	}
	for i, l := range lines {
		m := lineRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q does not look like Redis's", l)
		}
		if m[1] != strconv.Itoa(os.Getpid()) || m[3] != want[i].mark || m[4] != want[i].msg {
			t.Errorf("line %q: pid %s mark %s msg %q", l, m[1], m[3], m[4])
		}
		ts, err := time.ParseInLocation("02 Jan 2006 15:04:05.000", m[2], time.Local)
		if err != nil || ts.Before(before) || ts.After(time.Now()) {
			t.Errorf("timestamp %q: %v", m[2], err)
		}
	}
}

func TestLevels(t *testing.T) {
	b := capture(t)
	for _, tc := range []struct {
		level string
		want  string // marks written for debug, verbose, notice, warning
	}{
		{"debug", ".-*#"}, {"verbose", "-*#"}, {"notice", "*#"}, {"warning", "#"}, {"WARNING", "#"},
	} {
		b.Reset()
		if err := SetLevel(tc.level); err != nil {
			t.Fatal(err)
		}
		Debugf("x")
		Verbosef("x")
		Noticef("x")
		Warningf("x")
		var marks string
		for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
			if m := lineRE.FindStringSubmatch(l); m != nil {
				marks += m[3]
			}
		}
		if marks != tc.want {
			t.Errorf("level %s wrote %q, want %q", tc.level, marks, tc.want)
		}
	}
	if err := SetLevel("nothing"); err != ErrBadLevel {
		t.Errorf("SetLevel(nothing) = %v", err)
	}
	if !Enabled(LevelWarning) || Enabled(LevelDebug) {
		t.Error("Enabled after a bad SetLevel should keep the old level")
	}
}

func TestSetupFile(t *testing.T) {
	capture(t)
	path := filepath.Join(t.TempDir(), "redis.log")
	os.WriteFile(path, []byte("old line\n"), 0o644)
	if err := Setup(path, "verbose"); err != nil {
		t.Fatal(err)
	}
	Verbosef("to the file")
	Debugf("filtered")
	if err := Setup(path, "notice"); err != nil { // reopening appends
		t.Fatal(err)
	}
	Noticef("again")
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 3 || lines[0] != "old line" || !strings.HasSuffix(lines[1], " - to the file") ||
		!strings.HasSuffix(lines[2], " * again") {
		t.Errorf("log file:\n%s", data)
	}
	if err := Setup(filepath.Join(t.TempDir(), "no", "such", "dir.log"), "notice"); err == nil {
		t.Error("Setup into a missing directory succeeded")
	}
	if err := Setup("", "bogus"); err != ErrBadLevel {
		t.Errorf("Setup with a bad level: %v", err)
	}
}

func TestLongMessageCut(t *testing.T) {
	b := capture(t)
	Warningf("%s", strings.Repeat("x", 5000))
	m := lineRE.FindStringSubmatch(strings.TrimSuffix(b.String(), "\n"))
	if m == nil || len(m[4]) != maxLine {
		t.Errorf("long message written as %d bytes", len(b.String()))
	}
}

func TestConcurrent(t *testing.T) {
	b := &lockedBuf{}
	SetOutput(b)
	defer SetOutput(os.Stdout)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				Noticef("g%d i%d", g, i)
			}
		}(g)
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 1600 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		if !lineRE.MatchString(l) {
			t.Fatalf("interleaved line %q", l)
		}
	}
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func BenchmarkFiltered(b *testing.B) {
	SetLevel("warning")
	defer SetLevel("notice")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Debugf("x %d", i)
	}
}
