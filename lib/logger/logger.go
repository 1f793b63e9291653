// Package logger writes log lines in Redis's format:
//
//	pid:M 25 Nov 2026 21:33:58.441 * message
//
// The character before the message gives the level: '.' debug, '-'
// verbose, '*' notice, '#' warning. Lines below the configured level are
// dropped before any formatting happens. Output goes to stdout or to a log
// file opened for appending. All functions are safe for concurrent use.
package logger

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Level is a log verbosity; a line is written when its level is at least
// the configured one.
type Level int32

// The levels, from most to least verbose, as Redis's loglevel names them.
const (
	LevelDebug Level = iota
	LevelVerbose
	LevelNotice
	LevelWarning
)

// levelChars are the marks Redis prints for each level.
const levelChars = ".-*#"

// maxLine bounds a message as Redis's LOG_MAX_LEN does (longer messages
// are cut).
const maxLine = 1024

// ErrBadLevel is returned for a level name that is not one of debug,
// verbose, notice, warning.
var ErrBadLevel = errors.New("logger: unknown log level")

var (
	level atomic.Int32 // a Level

	mu   sync.Mutex
	out  io.Writer = os.Stdout
	file *os.File  // the open log file, nil when writing to stdout
	buf  []byte    // line buffer, reused under mu
	pid            = os.Getpid()
	role byte      = 'M'
)

func init() { level.Store(int32(LevelNotice)) }

// ParseLevel maps a Redis loglevel name (case-insensitive) to a Level.
func ParseLevel(name string) (Level, error) {
	switch strings.ToLower(name) {
	case "debug":
		return LevelDebug, nil
	case "verbose":
		return LevelVerbose, nil
	case "notice":
		return LevelNotice, nil
	case "warning":
		return LevelWarning, nil
	}
	return 0, ErrBadLevel
}

// Setup directs output to logfile (appending; "" means stdout) and sets the
// level. On error nothing changes.
func Setup(logfile, lvl string) error {
	l, err := ParseLevel(lvl)
	if err != nil {
		return err
	}
	var f *os.File
	if logfile != "" {
		f, err = os.OpenFile(logfile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
	}
	mu.Lock()
	if file != nil {
		file.Close()
	}
	file = f
	if f != nil {
		out = f
	} else {
		out = os.Stdout
	}
	mu.Unlock()
	level.Store(int32(l))
	return nil
}

// SetLevel changes the level by name (CONFIG SET loglevel).
func SetLevel(lvl string) error {
	l, err := ParseLevel(lvl)
	if err != nil {
		return err
	}
	level.Store(int32(l))
	return nil
}

// SetOutput sends log lines to w (tests). A log file opened by Setup is
// closed.
func SetOutput(w io.Writer) {
	mu.Lock()
	if file != nil {
		file.Close()
		file = nil
	}
	out = w
	mu.Unlock()
}

// Enabled reports whether lines at level l are written.
func Enabled(l Level) bool { return l >= Level(level.Load()) }

// GetLevel returns the current level.
func GetLevel() Level { return Level(level.Load()) }

// Debugf logs at debug level ('.').
func Debugf(format string, args ...any) { logf(LevelDebug, format, args) }

// Verbosef logs at verbose level ('-').
func Verbosef(format string, args ...any) { logf(LevelVerbose, format, args) }

// Noticef logs at notice level ('*').
func Noticef(format string, args ...any) { logf(LevelNotice, format, args) }

// Warningf logs at warning level ('#').
func Warningf(format string, args ...any) { logf(LevelWarning, format, args) }

func logf(l Level, format string, args []any) {
	if !Enabled(l) {
		return
	}
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	if len(msg) > maxLine {
		msg = msg[:maxLine]
	}
	now := time.Now()
	mu.Lock()
	b := buf[:0]
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, ':', role, ' ')
	b = now.AppendFormat(b, "02 Jan 2006 15:04:05.000")
	b = append(b, ' ', levelChars[l], ' ')
	b = append(b, msg...)
	b = append(b, '\n')
	_, _ = out.Write(b) // a failed log write has nowhere to be reported
	if cap(b) <= 4096 {
		buf = b
	}
	mu.Unlock()
}
