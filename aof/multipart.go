package aof

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"goredis/lib/utils"
)

// Redis 7's multi-part layout: <dir>/<appenddirname>/ holds a base file
// (an AOF, or an RDB with aof-use-rdb-preamble) and incremental AOF files,
// listed by the manifest <appendfilename>.manifest, one line a file:
//
//	file appendonly.aof.1.base.rdb seq 1 type b
//	file appendonly.aof.1.incr.aof seq 1 type i
//
// (type h marks history files, already merged). This server loads such a
// directory when its own single file is absent, so a dataset written by
// redis-server 7 carries over.

// ManifestFile is one line of a manifest.
type ManifestFile struct {
	Name string
	Seq  int64
	Type byte // 'b' base, 'i' incremental, 'h' history
}

// ReadManifest parses a manifest file; lines are split as Redis splits
// them (sdssplitargs), so quoted names work.
func ReadManifest(path string) ([]ManifestFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []ManifestFile
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		args, err := utils.SplitArgs([]byte(line))
		if err != nil || len(args)%2 != 0 {
			return nil, fmt.Errorf("Invalid AOF manifest file format (line %d)", i+1)
		}
		var f ManifestFile
		for j := 0; j < len(args); j += 2 {
			v := string(args[j+1])
			switch strings.ToLower(string(args[j])) {
			case "file":
				f.Name = v
			case "seq":
				f.Seq, err = strconv.ParseInt(v, 10, 64)
			case "type":
				if len(v) == 1 {
					f.Type = v[0]
				}
			}
		}
		if err != nil || f.Name == "" || (f.Type != 'b' && f.Type != 'i' && f.Type != 'h') ||
			strings.ContainsAny(f.Name, "/\\") {
			return nil, fmt.Errorf("Invalid AOF manifest file format (line %d)", i+1)
		}
		out = append(out, f)
	}
	return out, nil
}

// LoadMultiPart replays the base and incremental files the manifest in
// dir lists, in Redis's order (base, then incremental files by sequence),
// skipping history files. An RDB base must hold no keys: this server does
// not read RDB data, and refuses rather than misread it. Only the last
// file may end in a torn record (dropped when truncatedOK).
func LoadMultiPart(dir, manifest string, truncatedOK bool, exec func(args [][]byte) error) (LoadResult, error) {
	var total LoadResult
	files, err := ReadManifest(filepath.Join(dir, manifest))
	if err != nil {
		return total, &LoadError{Msg: err.Error()}
	}
	var base *ManifestFile
	var incr []ManifestFile
	for i := range files {
		switch files[i].Type {
		case 'b':
			if base != nil {
				return total, &LoadError{Msg: "Found duplicate base file information in the AOF manifest"}
			}
			base = &files[i]
		case 'i':
			incr = append(incr, files[i])
		}
	}
	sort.SliceStable(incr, func(i, j int) bool { return incr[i].Seq < incr[j].Seq })
	var order []ManifestFile
	if base != nil {
		order = append(order, *base)
	}
	order = append(order, incr...)
	for i, f := range order {
		path := filepath.Join(dir, f.Name)
		if f.Type == 'b' && strings.HasSuffix(f.Name, ".rdb") {
			if err := CheckEmptyRDB(path); err != nil {
				return total, &LoadError{Msg: err.Error()}
			}
			continue
		}
		res, err := Load(path, truncatedOK && i == len(order)-1, exec)
		total.Commands += res.Commands
		total.Size += res.Size
		total.Truncated = total.Truncated || res.Truncated
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// CheckEmptyRDB reads an RDB file far enough to know it holds no keys
// (what redis-server writes as the base of a new dataset: a header,
// auxiliary fields and the end marker), and returns an error saying why
// it is refused otherwise.
func CheckEmptyRDB(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	refuse := func(why string) error {
		return fmt.Errorf("The AOF base file %s is an RDB file that %s: this server does not load RDB data. "+
			"Rewrite it as an AOF with redis-server (CONFIG SET aof-use-rdb-preamble no, then BGREWRITEAOF) and start again", path, why)
	}
	var head [9]byte
	if _, err := io.ReadFull(r, head[:]); err != nil || string(head[:5]) != "REDIS" {
		return refuse("has no RDB header")
	}
	for {
		op, err := r.ReadByte()
		if err != nil {
			return refuse("ends before its end marker")
		}
		switch op {
		case 0xFF: // EOF
			return nil
		case 0xFA: // AUX key value
			if err := skipRDBString(r); err != nil {
				return refuse("is damaged")
			}
			if err := skipRDBString(r); err != nil {
				return refuse("is damaged")
			}
		case 0xFE: // SELECTDB
			if _, _, err := rdbLength(r); err != nil {
				return refuse("is damaged")
			}
		case 0xFB: // RESIZEDB size expires
			n, _, err := rdbLength(r)
			if err != nil {
				return refuse("is damaged")
			}
			if _, _, err := rdbLength(r); err != nil {
				return refuse("is damaged")
			}
			if n > 0 {
				return refuse(fmt.Sprintf("holds %d keys", n))
			}
		case 0xF5, 0xF6, 0xF7:
			return refuse("holds functions or module data")
		default:
			return refuse("holds keys")
		}
	}
}

var errRDBLength = errors.New("bad RDB length")

// rdbLength reads an RDB length; special reports an encoded-string marker
// (the low 6 bits then give its kind).
func rdbLength(r *bufio.Reader) (n uint64, special bool, err error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case 0:
		return uint64(b & 0x3F), false, nil
	case 1:
		b2, err := r.ReadByte()
		return uint64(b&0x3F)<<8 | uint64(b2), false, err
	case 2:
		switch b {
		case 0x80:
			var x [4]byte
			_, err := io.ReadFull(r, x[:])
			return uint64(binary.BigEndian.Uint32(x[:])), false, err
		case 0x81:
			var x [8]byte
			_, err := io.ReadFull(r, x[:])
			return binary.BigEndian.Uint64(x[:]), false, err
		}
		return 0, false, errRDBLength
	}
	return uint64(b & 0x3F), true, nil
}

// skipRDBString skips one RDB string (plain, integer-encoded or LZF).
func skipRDBString(r *bufio.Reader) error {
	n, special, err := rdbLength(r)
	if err != nil {
		return err
	}
	if special {
		switch n {
		case 0:
			n = 1
		case 1:
			n = 2
		case 2:
			n = 4
		case 3: // LZF: compressed length, then uncompressed length
			clen, _, err := rdbLength(r)
			if err != nil {
				return err
			}
			if _, _, err := rdbLength(r); err != nil {
				return err
			}
			n = clen
		default:
			return errRDBLength
		}
	}
	if n > 1<<40 {
		return errRDBLength
	}
	_, err = r.Discard(int(n))
	return err
}
