package cluster

import (
	"bytes"
	"strconv"

	"goredis/database"
	"goredis/interface/resp"
)

// Commands over keys of several nodes other than the gathered ones (MGET,
// EXISTS, DEL…) and MSET/MSETNX: RENAME, COPY, SMOVE, LMOVE, the *STORE
// commands, SINTER, ZUNION, LCS… They run on the node the client talks
// to, inside a cross-node transaction:
//
//  1. every node holding some of the keys locks them (prepare);
//  2. the keys of other nodes are copied here under temporary names (each
//     node exports its locked keys as the commands that rebuild them);
//  3. the command runs here on the local keys and the copies;
//  4. every copy that changed is staged on its owner as DEL plus the
//     commands that rebuild its new value, and the copies are dropped;
//  5. all nodes commit, or all roll back (this node's keys are restored
//     from what they were before step 3).
//
// So the command behaves exactly as on one server, and no node applies
// any of it unless every node can.

// tempPrefix starts the names of the copies (a NUL byte: no client's key
// is likely to).
const tempPrefix = "\x00goredis-tx:"

// acrossNodes runs a command whose keys live on several nodes.
func (cl *Cluster) acrossNodes(c resp.Connection, info database.CommandInfo, args [][]byte) resp.Reply {
	if info.Flags&database.FlagBlocking != 0 {
		return errCrossSlot // it would wait holding every node's locks
	}
	self := cl.pl.Self
	parts := map[int]txPart{}
	seen := map[string]bool{}
	for _, k := range info.Keys {
		if seen[string(k)] {
			continue
		}
		seen[string(k)] = true
		n := cl.pl.KeyOwner(k)
		p := parts[n]
		p.keys = append(p.keys, k)
		parts[n] = p
	}
	t := cl.newTx(c)
	defer t.close()
	if r := t.prepareAll(parts, false); r != nil {
		return t.finish(r)
	}
	write := info.Flags&database.FlagWrite != 0

	// What this node's keys were, to restore them on a rollback.
	var before [][][]byte
	if write {
		for _, k := range parts[self].keys {
			before = append(before, cl.db.ExportKey(c.DBIndex(), k, k)...)
		}
	}
	// Copies of the other nodes' keys.
	temps := map[string][]byte{}
	exported := map[string][][][]byte{}
	n := 0
	for node, p := range parts {
		if node == self {
			continue
		}
		for _, k := range p.keys {
			temp := []byte(tempPrefix + t.id + ":" + strconv.Itoa(n))
			n++
			cmds, r := t.export(node, k, temp)
			if r != nil {
				cl.dropTemps(c, temps)
				return t.finish(r)
			}
			for _, cmd := range cmds {
				cl.execInternal(c, cmd)
			}
			temps[string(k)] = temp
			exported[string(k)] = cmds
		}
	}
	run := make([][]byte, len(args))
	copy(run, args)
	for _, pos := range info.KeyPos {
		if temp, ok := temps[string(args[pos])]; ok {
			run[pos] = temp
		}
	}
	result := cl.execInternal(c, run)

	// Stage what changed on the keys' owners.
	var failure resp.Reply
	if write {
	stage:
		for node, p := range parts {
			if node == self {
				continue
			}
			for _, k := range p.keys {
				temp := temps[string(k)]
				after := cl.db.ExportKey(c.DBIndex(), temp, temp)
				if sameCommands(after, exported[string(k)]) {
					continue
				}
				for _, cmd := range after {
					cmd[1] = k
					if r := t.stage(node, cmd); r != nil {
						failure = r
						break stage
					}
				}
			}
		}
	}
	cl.dropTemps(c, temps)
	if failure = t.finish(failure); failure != nil {
		if write {
			// Put this node's keys back as they were.
			for _, k := range parts[self].keys {
				cl.execInternal(c, [][]byte{[]byte("DEL"), k})
			}
			for _, cmd := range before {
				cl.execInternal(c, cmd)
			}
		}
		return failure
	}
	return result
}

// dropTemps deletes the copies.
func (cl *Cluster) dropTemps(c resp.Connection, temps map[string][]byte) {
	if len(temps) == 0 {
		return
	}
	del := [][]byte{[]byte("DEL")}
	for _, t := range temps {
		del = append(del, t)
	}
	cl.execInternal(c, del)
}

// sameCommands compares two exports (made with the same key name).
func sameCommands(a, b [][][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if j == 1 {
				continue // the key's name
			}
			if !bytes.Equal(a[i][j], b[i][j]) {
				return false
			}
		}
	}
	return true
}
