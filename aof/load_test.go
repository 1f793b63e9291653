package aof

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.aof")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadAll(path string, truncatedOK bool) ([]string, LoadResult, error) {
	var got []string
	res, err := Load(path, truncatedOK, func(args [][]byte) error {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = string(a)
		}
		got = append(got, strings.Join(parts, " "))
		return nil
	})
	return got, res, err
}

// TestTruncatedLastRecord cuts the file at every byte of its last record:
// with aof-load-truncated yes the complete records load and the file is
// cut back to them; with no, loading fails naming the offset.
func TestTruncatedLastRecord(t *testing.T) {
	head := encode([]string{"SELECT", "0"}, []string{"SET", "a", "1"}, []string{"RPUSH", "l", "x", "y"})
	last := encode([]string{"SET", "key", "a value with\r\nCRLF"})
	for cut := 1; cut < len(last); cut++ {
		path := writeFile(t, head+last[:cut])
		got, res, err := loadAll(path, true)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if len(got) != 3 || !res.Truncated || res.ValidUpTo != int64(len(head)) {
			t.Fatalf("cut %d: loaded %q, truncated %v at %d, want 3 commands cut at %d", cut, got, res.Truncated, res.ValidUpTo, len(head))
		}
		if data, _ := os.ReadFile(path); string(data) != head {
			t.Fatalf("cut %d: file not cut back to its complete records: %q", cut, data)
		}
		path = writeFile(t, head+last[:cut])
		_, _, err = loadAll(path, false)
		var le *LoadError
		if !errors.As(err, &le) || !strings.Contains(le.Msg, "Unexpected end of file") || !strings.Contains(le.Msg, "aof-load-truncated") {
			t.Fatalf("cut %d with aof-load-truncated no: %v", cut, err)
		}
	}
	// The whole file loads untouched.
	path := writeFile(t, head+last)
	got, res, err := loadAll(path, false)
	if err != nil || len(got) != 4 || res.Truncated || got[3] != "SET key a value with\r\nCRLF" {
		t.Fatalf("whole file: %q %v %v", got, res, err)
	}
}

// TestCorruptionStops: damage before the end stops the load with the
// offset of the last good command and the redis-check-aof hint.
func TestCorruptionStops(t *testing.T) {
	good := encode([]string{"SET", "a", "1"})
	for _, bad := range []string{
		"SET a 1\r\n",                    // inline command
		"*2\r\n#3\r\nSET\r\n$1\r\na\r\n", // '#' instead of '$'
		"*0\r\n",                         // empty multibulk
		"*x\r\n",                         // bad count
		"*1\r\n$-1\r\n",                  // bad bulk length
	} {
		path := writeFile(t, good+bad+good)
		got, _, err := loadAll(path, true)
		var le *LoadError
		if !errors.As(err, &le) || !strings.Contains(le.Msg, "Bad file format") ||
			!strings.Contains(le.Msg, "offset 27") || !strings.Contains(le.Msg, "redis-check-aof") {
			t.Errorf("%q: %v (loaded %q)", bad, err, got)
		}
		if data, _ := os.ReadFile(path); string(data) != good+bad+good {
			t.Errorf("%q: a damaged file was modified", bad)
		}
	}
}

// TestAnnotationsAndOpenMulti: '#' lines are skipped; a MULTI left open
// at the end is cut off like a torn record.
func TestAnnotationsAndOpenMulti(t *testing.T) {
	// As in Redis, the cut is at the end of the last command before the
	// MULTI: annotations do not move it.
	kept := "#TS:1700000000\r\n" + encode([]string{"SET", "a", "1"})
	head := kept + "#another note\n"
	tx := encode([]string{"MULTI"}, []string{"INCR", "a"}, []string{"INCR", "a"})
	path := writeFile(t, head+tx)
	got, res, err := loadAll(path, true)
	if err != nil || !res.Truncated || res.ValidUpTo != int64(len(kept)) || got[0] != "SET a 1" {
		t.Fatalf("loaded %q %+v %v", got, res, err)
	}
	if data, _ := os.ReadFile(path); string(data) != kept {
		t.Fatalf("file %q, want cut before MULTI", data)
	}
	// A closed transaction is kept.
	path = writeFile(t, head+tx+encode([]string{"EXEC"}))
	if got, res, err := loadAll(path, false); err != nil || res.Truncated || len(got) != 5 {
		t.Fatalf("closed transaction: %q %+v %v", got, res, err)
	}
}

// TestUnknownCommandStops: an error from exec stops the load with it.
func TestUnknownCommandStops(t *testing.T) {
	path := writeFile(t, encode([]string{"SET", "a", "1"}, []string{"NOSUCH", "x"}))
	_, err := Load(path, true, func(args [][]byte) error {
		if string(args[0]) == "NOSUCH" {
			return errors.New("Unknown command 'NOSUCH' reading the append only file")
		}
		return nil
	})
	var le *LoadError
	if !errors.As(err, &le) || !strings.Contains(le.Msg, "Unknown command 'NOSUCH'") {
		t.Fatalf("%v", err)
	}
}
