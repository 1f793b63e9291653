package aof

import (
	"errors"
	"fmt"
	"goredis/lib/utils"
	"io"
	"os"

	"goredis/resp/parser"
)

// LoadResult describes a replayed file.
type LoadResult struct {
	Commands  int   // commands replayed
	Size      int64 // bytes of the file
	Truncated bool  // a torn last record was dropped (file cut to ValidUpTo)
	ValidUpTo int64 // end of the last complete command
}

// LoadError is a file that cannot be loaded; its message is the one to
// log before exiting.
type LoadError struct{ Msg string }

func (e *LoadError) Error() string { return e.Msg }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// noLimits lets the loader read bulks of any size the file holds.
type noLimits struct{}

func (noLimits) MaxBulkLen() int64       { return 1<<62 - 1 }
func (noLimits) QueryBufferLimit() int64 { return 1<<62 - 1 }
func (noLimits) AuthRequired() bool      { return false }

// Load replays the file at path, streaming it through the RESP parser (in
// its AOF grammar) and handing each command to exec. A file that ends in
// the middle of a command (the process died while writing it) is cut back
// to its last complete command when truncatedOK, as Redis does with
// aof-load-truncated yes; otherwise, and for damage anywhere else, Load
// returns a *LoadError with Redis's message and the offset. A transaction
// left open at the end (MULTI without EXEC) is cut off the same way. An
// error from exec (an unknown command) stops the load with its text.
func Load(path string, truncatedOK bool, exec func(args [][]byte) error) (LoadResult, error) {
	var res LoadResult
	f, err := os.Open(path)
	if err != nil {
		return res, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		res.Size = st.Size()
	}
	cr := &countingReader{r: f}
	p := parser.New(cr, noLimits{})
	p.AOF = true
	// validBeforeMulti is the offset before an open MULTI, or -1.
	validBeforeMulti := int64(-1)
	for {
		args, err := p.ReadCommand()
		if err != nil {
			var pe parser.ProtocolError
			switch {
			case errors.As(err, &pe):
				return res, &LoadError{Msg: fmt.Sprintf("Bad file format reading the append only file %s at offset %d (%s): "+
					"make a backup of your AOF file, then use ./redis-check-aof --fix <filename>", path, res.ValidUpTo, pe.Error())}
			case errors.Is(err, io.EOF):
			default:
				return res, err
			}
			break
		}
		end := cr.n - int64(p.Buffered())
		switch {
		case len(args) == 1 && utils.EqualFoldASCII(args[0], "multi"):
			validBeforeMulti = res.ValidUpTo
		case len(args) == 1 && utils.EqualFoldASCII(args[0], "exec"):
			validBeforeMulti = -1
		}
		if err := exec(args); err != nil {
			return res, &LoadError{Msg: err.Error()}
		}
		res.Commands++
		res.ValidUpTo = end
	}
	rest := int64(p.Buffered())
	if rest == 0 && validBeforeMulti < 0 {
		return res, nil
	}
	cut := res.ValidUpTo
	if validBeforeMulti >= 0 {
		cut = validBeforeMulti
	}
	if !truncatedOK {
		return res, &LoadError{Msg: fmt.Sprintf("Unexpected end of file reading the append only file %s at offset %d. "+
			"You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename>. "+
			"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", path, cut)}
	}
	if err := os.Truncate(path, cut); err != nil {
		return res, &LoadError{Msg: fmt.Sprintf("Error truncating the AOF file %s to offset %d: %v", path, cut, err)}
	}
	res.Truncated = true
	res.ValidUpTo = cut
	return res, nil
}
