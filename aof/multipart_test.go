package aof

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// emptyBase is the base RDB redis-server 7.0.15 writes for an empty
// dataset (header, aux fields, end marker, checksum).
const emptyBase = "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa056374696d65c27f7e076bfa08757365642d6d656dc2b85f0d00fa08616f662d62617365c001ff213e049d09c68c69"

func TestCheckEmptyRDB(t *testing.T) {
	dir := t.TempDir()
	raw, _ := hex.DecodeString(emptyBase)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	if err := CheckEmptyRDB(write("empty.rdb", raw)); err != nil {
		t.Fatalf("empty base refused: %v", err)
	}
	body := raw[:len(raw)-9] // without the end marker and checksum
	for name, tail := range map[string][]byte{
		"resize":    {0xFE, 0x00, 0xFB, 0x02, 0x00},                 // SELECTDB 0, RESIZEDB 2 0
		"string":    {0xFE, 0x00, 0x00, 0x01, 'k', 0x01, 'v', 0xFF}, // a key without RESIZEDB
		"expiry":    {0xFC, 1, 2, 3, 4, 5, 6, 7, 8},
		"functions": {0xF5},
		"truncated": {0xFA, 0x05, 'a'},
	} {
		err := CheckEmptyRDB(write(name+".rdb", append(append([]byte(nil), body...), tail...)))
		if err == nil || !strings.Contains(err.Error(), "does not load RDB data") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := CheckEmptyRDB(write("notrdb.rdb", []byte("*1\r\n$4\r\nPING\r\n"))); err == nil {
		t.Error("a file without the RDB header accepted")
	}
}

func TestReadManifest(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m")
	os.WriteFile(p, []byte("file appendonly.aof.1.base.rdb seq 1 type b\nfile \"odd name.aof\" seq 3 type i\n\nfile x.aof seq 2 type h\n"), 0o644)
	got, err := ReadManifest(p)
	if err != nil || len(got) != 3 || got[1].Name != "odd name.aof" || got[1].Seq != 3 || got[1].Type != 'i' || got[2].Type != 'h' {
		t.Fatalf("%+v %v", got, err)
	}
	for _, bad := range []string{"file a seq 1 type z\n", "file a seq x type i\n", "file ../etc/passwd seq 1 type i\n", "file a seq\n"} {
		os.WriteFile(p, []byte(bad), 0o644)
		if _, err := ReadManifest(p); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
