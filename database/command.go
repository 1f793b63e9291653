package database

import (
	"slices"
	"strings"
	"sync"

	"goredis/database/commanddata"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/lib/wildcard"
	"goredis/resp/client"
	"goredis/resp/reply"
)

// The COMMAND family. Its replies describe the commands of our table only:
// an entry's name, arity, flags and legacy key positions come from our row,
// and the fields we do not model (ACL categories, tips, key specs, docs)
// from redis-server 7.0.15's own replies (package commanddata), so a client
// sees exactly what Redis would say about the commands we implement.

func init() {
	c := registerContainer("command", -1)
	c.Flags = parseFlags("loading stale")
	c.Fn = execCommandAll
	register("command|count", execCommandCount, 2, "loading stale", 0, 0, 0)
	register("command|docs", execCommandDocs, -2, "loading stale", 0, 0, 0)
	register("command|getkeys", execCommandGetKeys, -4, "loading stale", 0, 0, 0)
	register("command|getkeysandflags", execCommandGetKeysAndFlags, -4, "loading stale", 0, 0, 0)
	register("command|help", execCommandHelp, 2, "loading stale", 0, 0, 0)
	register("command|info", execCommandInfo, -2, "loading stale", 0, 0, 0)
	register("command|list", execCommandList, -2, "loading stale", 0, 0, 0)
}

// keySpec is one decoded key specification of a command (COMMAND INFO's
// ninth field), as Redis's getKeysUsingKeySpecs interprets it.
type keySpec struct {
	flags resp.Reply // the spec's flags as Redis replies them
	notKey,
	incomplete,
	varFlags bool

	bsType      string // "index", "keyword" or "unknown"
	bsIndex     int
	bsKeyword   string
	bsStartFrom int

	fkType    string // "range", "keynum" or "unknown"
	lastKey   int
	keyStep   int
	limit     int
	keyNumIdx int
	firstKey  int
}

// cmdMeta is what the COMMAND family knows about one table row.
type cmdMeta struct {
	info    resp.Reply // the COMMAND INFO entry
	docs    resp.Reply // the COMMAND DOCS map (without the name)
	aclCats []string   // lowercase, without '@'
	specs   []keySpec
	hasRef  bool // the row has a reference entry
}

var (
	metaOnce sync.Once
	metas    map[*Command]*cmdMeta
)

// commandMeta returns the COMMAND data for cmd, building the data of the
// whole table the first time.
func commandMeta(cmd *Command) *cmdMeta {
	metaOnce.Do(buildMetas)
	if m := metas[cmd]; m != nil {
		return m
	}
	// A command registered after the first COMMAND call (tests only).
	return buildMeta(cmd)
}

func buildMetas() {
	m := make(map[*Command]*cmdMeta)
	forEachCommand(func(c *Command) { m[c] = buildMeta(c) })
	metas = m
}

func buildMeta(cmd *Command) *cmdMeta {
	m := &cmdMeta{}
	ref, ok := commanddata.Info(cmd.Name)
	m.hasRef = ok
	var cats, tips, specs resp.Reply = reply.Set{}, reply.Set{}, reply.Set{}
	if ok {
		cats = ref.Elems[commanddata.InfoACLCategories].Reply()
		tips = ref.Elems[commanddata.InfoTips].Reply()
		specs = ref.Elems[commanddata.InfoKeySpecs].Reply()
		for _, c := range ref.Elems[commanddata.InfoACLCategories].Elems {
			m.aclCats = append(m.aclCats, strings.ToLower(strings.TrimPrefix(c.Text(), "@")))
		}
		for _, s := range ref.Elems[commanddata.InfoKeySpecs].Elems {
			m.specs = append(m.specs, decodeKeySpec(s))
		}
	}
	flagNames := cmd.Flags.Names()
	flags := make(reply.Set, len(flagNames))
	for i, f := range flagNames {
		flags[i] = reply.Status(f)
	}
	var subs resp.Reply = reply.Set{}
	if cmd.Container() {
		var arr reply.Array
		for _, sc := range orderedSubcommands(cmd) {
			arr = append(arr, buildMeta(sc).info)
		}
		if arr == nil {
			arr = reply.Array{}
		}
		subs = arr
	}
	m.info = reply.Array{
		reply.BulkStr(cmd.Name),
		reply.Int(cmd.Arity),
		flags,
		reply.Int(cmd.FirstKey),
		reply.Int(cmd.LastKey),
		reply.Int(cmd.KeyStep),
		cats,
		tips,
		specs,
		subs,
	}
	m.docs = buildDocs(cmd)
	return m
}

// orderedSubcommands lists a container's subcommands in the order Redis
// lists them (the reference's), then any the reference lacks, by name.
func orderedSubcommands(cmd *Command) []*Command {
	var out []*Command
	seen := make(map[*Command]bool)
	if ref, ok := commanddata.Info(cmd.Name); ok {
		for _, s := range ref.Elems[commanddata.InfoSubcommands].Elems {
			_, sub, _ := strings.Cut(s.Elems[commanddata.InfoName].Text(), "|")
			if sc := cmd.Subs[sub]; sc != nil {
				out = append(out, sc)
				seen[sc] = true
			}
		}
	}
	var rest []*Command
	for _, sc := range cmd.Subs {
		if !seen[sc] {
			rest = append(rest, sc)
		}
	}
	slices.SortFunc(rest, func(a, b *Command) int { return strings.Compare(a.Name, b.Name) })
	return append(out, rest...)
}

// buildDocs is the reference COMMAND DOCS map of cmd with its subcommands
// restricted to those in our table.
func buildDocs(cmd *Command) resp.Reply {
	ref, ok := commanddata.Docs(cmd.Name)
	if !ok {
		return reply.Map{}
	}
	if !cmd.Container() {
		return ref.Reply()
	}
	var out reply.Map
	for i := 0; i+1 < len(ref.Elems); i += 2 {
		k, v := ref.Elems[i], ref.Elems[i+1]
		if k.Text() != "subcommands" {
			out = append(out, k.Reply(), v.Reply())
			continue
		}
		var subs reply.Map
		for _, sc := range orderedSubcommands(cmd) {
			if d, ok := commanddata.Docs(sc.Name); ok {
				subs = append(subs, reply.BulkStr(sc.Name), d.Reply())
			}
		}
		if subs == nil {
			subs = reply.Map{}
		}
		out = append(out, k.Reply(), subs)
	}
	return out
}

func decodeKeySpec(v client.Value) keySpec {
	ks := keySpec{flags: reply.Set{}, bsType: "unknown", fkType: "unknown"}
	if f, ok := v.MapGet("flags"); ok {
		ks.flags = f.Reply()
		for _, e := range f.Elems {
			switch e.Text() {
			case "not_key":
				ks.notKey = true
			case "incomplete":
				ks.incomplete = true
			case "variable_flags":
				ks.varFlags = true
			}
		}
	}
	if bs, ok := v.MapGet("begin_search"); ok {
		t, _ := bs.MapGet("type")
		spec, _ := bs.MapGet("spec")
		ks.bsType = t.Text()
		switch ks.bsType {
		case "index":
			ks.bsIndex = specInt(spec, "index")
		case "keyword":
			kw, _ := spec.MapGet("keyword")
			ks.bsKeyword = kw.Text()
			ks.bsStartFrom = specInt(spec, "startfrom")
		}
	}
	if fk, ok := v.MapGet("find_keys"); ok {
		t, _ := fk.MapGet("type")
		spec, _ := fk.MapGet("spec")
		ks.fkType = t.Text()
		switch ks.fkType {
		case "range":
			ks.lastKey = specInt(spec, "lastkey")
			ks.keyStep = specInt(spec, "keystep")
			ks.limit = specInt(spec, "limit")
		case "keynum":
			ks.keyNumIdx = specInt(spec, "keynumidx")
			ks.firstKey = specInt(spec, "firstkey")
			ks.keyStep = specInt(spec, "keystep")
		}
	}
	return ks
}

func specInt(spec client.Value, name string) int {
	v, _ := spec.MapGet(name)
	return int(v.Int)
}

// keyRef is a key found in a command line: its position and access flags.
type keyRef struct {
	pos   int
	flags resp.Reply
}

// keysFromSpecs finds the keys of args (args[0] is the command name) with
// the key specs, as Redis's getKeysUsingKeySpecs does; ok is false when a
// spec cannot be applied (unknown or incomplete spec, bad numkeys, a key
// position out of range).
func keysFromSpecs(cmd *Command, specs []keySpec, args [][]byte) (keys []keyRef, ok bool) {
	argc := len(args)
	for i := range specs {
		sp := &specs[i]
		if sp.notKey {
			continue
		}
		first := 0
		switch sp.bsType {
		case "index":
			first = sp.bsIndex
		case "keyword":
			start, end := sp.bsStartFrom, argc-1
			if sp.bsStartFrom <= 0 {
				start, end = argc+sp.bsStartFrom, 1
			}
			for j := start; j != end; {
				if j >= argc || j < 1 {
					break
				}
				if strings.EqualFold(string(args[j]), sp.bsKeyword) {
					first = j + 1
					break
				}
				if start <= end {
					j++
				} else {
					j--
				}
			}
			if first == 0 {
				continue
			}
		default:
			return nil, false
		}
		var last, step int
		switch sp.fkType {
		case "range":
			step = sp.keyStep
			switch {
			case sp.lastKey >= 0:
				last = first + sp.lastKey
			case sp.limit == 0:
				last = argc + sp.lastKey
			default:
				last = first + ((argc-first)/sp.limit + sp.lastKey)
			}
		case "keynum":
			step = sp.keyStep
			if sp.keyNumIdx >= argc || first+sp.keyNumIdx >= argc {
				return nil, false
			}
			n, good := utils.ParseInt(args[first+sp.keyNumIdx])
			if !good || n < 0 || n > int64(argc) {
				return nil, false
			}
			first += sp.firstKey
			last = first + int(n) - 1
		default:
			return nil, false
		}
		if last >= argc || last < first || first >= argc {
			return nil, false
		}
		if step <= 0 {
			step = 1
		}
		for j := first; j <= last; j += step {
			if j >= argc {
				continue
			}
			keys = append(keys, keyRef{pos: j, flags: sp.flags})
		}
		if sp.incomplete {
			return nil, false
		}
	}
	return keys, true
}

// Key flag sets used by the commands whose key specs Redis does not trust
// (SET, BITFIELD, SORT, MIGRATE), as their getkeys functions report them.
var (
	keyFlagsRO       = reply.Set{reply.Status("RO"), reply.Status("access")}
	keyFlagsRWUpdate = reply.Set{reply.Status("RW"), reply.Status("access"), reply.Status("update")}
	keyFlagsOW       = reply.Set{reply.Status("OW"), reply.Status("update")}
	keyFlagsRWDelete = reply.Set{reply.Status("RW"), reply.Status("access"), reply.Status("delete")}
)

// nativeKeys stands for Redis's per-command getkeys functions, used when
// the key specs cannot say (variable flags, incomplete or failing specs).
func nativeKeys(cmd *Command, args [][]byte) []keyRef {
	argc := len(args)
	switch cmd.Name {
	case "set":
		flags := keyFlagsOW
		for _, a := range args[3:] {
			if strings.EqualFold(string(a), "get") {
				flags = keyFlagsRWUpdate
				break
			}
		}
		return []keyRef{{1, flags}}
	case "bitfield":
		readonly := true
		for i := 2; i < argc; i++ {
			rem := argc - i - 1
			a := strings.ToLower(string(args[i]))
			switch {
			case a == "get" && rem >= 2:
				i += 2
				continue
			case (a == "set" || a == "incrby") && rem >= 3:
				readonly = false
			case a == "overflow" && rem >= 1:
				i++
				continue
			default:
				readonly = false
			}
			break
		}
		if readonly {
			return []keyRef{{1, keyFlagsRO}}
		}
		return []keyRef{{1, keyFlagsRWUpdate}}
	case "sort_ro":
		// Only the sorted key: SORT_RO has no STORE.
		return []keyRef{{1, keyFlagsRO}}
	case "sort":
		keys := []keyRef{{1, keyFlagsRO}}
		store := 0
		for i := 2; i < argc; i++ {
			switch a := strings.ToLower(string(args[i])); {
			case a == "limit":
				i += 2
			case a == "get" || a == "by":
				i++
			case a == "store" && i+1 < argc:
				store = i + 1
			}
		}
		if store > 0 {
			keys = append(keys, keyRef{store, keyFlagsOW})
		}
		return keys
	case "migrate":
		first, num := 3, 1
		for i := 6; i < argc; i++ {
			a := strings.ToLower(string(args[i]))
			if a == "keys" {
				if len(args[3]) > 0 {
					return nil
				}
				first, num = i+1, argc-i-1
				break
			}
			switch a {
			case "auth":
				i++
			case "auth2":
				i += 2
			}
		}
		keys := make([]keyRef, 0, num)
		for i := 0; i < num; i++ {
			keys = append(keys, keyRef{first + i, keyFlagsRWDelete})
		}
		return keys
	}
	return nil
}

// commandKeys finds the keys of a full command line as COMMAND GETKEYS
// does: with the key specs when Redis trusts them, else with the command's
// own rules.
func commandKeys(cmd *Command, args [][]byte) []keyRef {
	m := commandMeta(cmd)
	if !m.hasRef {
		return tableKeys(cmd, args)
	}
	varFlags := false
	for _, s := range m.specs {
		varFlags = varFlags || s.varFlags
	}
	if !varFlags {
		if keys, ok := keysFromSpecs(cmd, m.specs, args); ok {
			return keys
		}
	}
	return nativeKeys(cmd, args)
}

// tableKeys finds the keys of a command the reference does not describe
// with our table's key positions or key function.
func tableKeys(cmd *Command, args [][]byte) []keyRef {
	var out []keyRef
	if cmd.Keys == nil {
		if cmd.FirstKey <= 0 {
			return nil
		}
		last := cmd.LastKey
		if last < 0 {
			last += len(args)
		}
		step := max(cmd.KeyStep, 1)
		for i := cmd.FirstKey; i <= last && i < len(args); i += step {
			out = append(out, keyRef{i, reply.Set{}})
		}
		return out
	}
	used := make([]bool, len(args))
	for _, k := range cmd.Keys(args) {
		for i := 1; i < len(args); i++ {
			if !used[i] && string(args[i]) == string(k) {
				used[i] = true
				out = append(out, keyRef{i, reply.Set{}})
				break
			}
		}
	}
	return out
}

// commandHasKeys is Redis's doesCommandHaveKeys.
func commandHasKeys(cmd *Command) bool {
	if cmd.Has(FlagMovableKeys) || cmd.Keys != nil {
		return true
	}
	m := commandMeta(cmd)
	if !m.hasRef {
		return cmd.FirstKey > 0
	}
	for _, s := range m.specs {
		if !s.notKey {
			return true
		}
	}
	switch cmd.Name {
	case "set", "sort", "sort_ro", "bitfield", "migrate":
		return true
	}
	return false
}

// COMMAND with no arguments, and COMMAND INFO with none: every command.
func execCommandAll(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	cmds := AllCommands()
	out := make(reply.Array, len(cmds))
	for i, cmd := range cmds {
		out[i] = commandMeta(cmd).info
	}
	return out
}

func execCommandCount(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return reply.Int(len(cmdTable))
}

func execCommandInfo(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) == 2 {
		return execCommandAll(db, c, args)
	}
	out := make(reply.Array, 0, len(args)-2)
	for _, name := range args[2:] {
		cmd := LookupCommand(strings.ToLower(string(name)))
		if cmd == nil {
			out = append(out, reply.Null)
			continue
		}
		out = append(out, commandMeta(cmd).info)
	}
	return out
}

func execCommandDocs(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	var out reply.Map
	if len(args) == 2 {
		for _, cmd := range AllCommands() {
			out = append(out, reply.BulkStr(cmd.Name), commandMeta(cmd).docs)
		}
	} else {
		for _, name := range args[2:] {
			cmd := LookupCommand(strings.ToLower(string(name)))
			if cmd == nil {
				continue
			}
			out = append(out, reply.BulkStr(cmd.Name), commandMeta(cmd).docs)
		}
	}
	if out == nil {
		return reply.Map{}
	}
	return out
}

func execCommandList(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	var match func(cmd *Command) bool
	switch {
	case len(args) == 2:
	case len(args) == 5 && strings.EqualFold(string(args[2]), "filterby"):
		arg := string(args[4])
		switch strings.ToLower(string(args[3])) {
		case "module":
			// No modules: nothing matches.
			match = func(*Command) bool { return false }
		case "aclcat":
			cat := strings.ToLower(arg)
			match = func(cmd *Command) bool { return slices.Contains(commandMeta(cmd).aclCats, cat) }
		case "pattern":
			match = func(cmd *Command) bool { return wildcard.MatchNoCase(arg, cmd.Name) }
		default:
			return reply.SyntaxErr
		}
	default:
		return reply.SyntaxErr
	}
	var out reply.Strings
	for _, cmd := range AllCommands() {
		if match == nil || match(cmd) {
			out = append(out, cmd.Name)
		}
		for _, sc := range orderedSubcommands(cmd) {
			if match == nil || match(sc) {
				out = append(out, sc.Name)
			}
		}
	}
	if out == nil {
		return reply.EmptyArray
	}
	return out
}

func execCommandGetKeys(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return getKeysReply(args, false)
}

func execCommandGetKeysAndFlags(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return getKeysReply(args, true)
}

func getKeysReply(args [][]byte, withFlags bool) resp.Reply {
	line := args[2:]
	cmd := lookupCommand(line)
	if cmd == nil {
		return reply.Err("Invalid command specified")
	}
	return getKeysFor(cmd, line, withFlags)
}

// getKeysFor answers COMMAND GETKEYS[ANDFLAGS] for the command line line
// (line[0] is the command name) run by cmd.
func getKeysFor(cmd *Command, line [][]byte, withFlags bool) resp.Reply {
	switch {
	case !commandHasKeys(cmd):
		return reply.Err("The command has no key arguments")
	case !cmd.arityOK(len(line)):
		return reply.Err("Invalid number of arguments specified for command")
	}
	keys := commandKeys(cmd, line)
	if len(keys) == 0 {
		if cmd.Has(FlagNoMandatoryKeys) {
			return reply.EmptyArray
		}
		return reply.Err("Invalid arguments specified for command")
	}
	out := make(reply.Array, len(keys))
	for i, k := range keys {
		if withFlags {
			out[i] = reply.Array{reply.Bulk(line[k.pos]), k.flags}
		} else {
			out[i] = reply.Bulk(line[k.pos])
		}
	}
	return out
}

var commandHelp = []string{
	"(no subcommand)",
	"    Return details about all Redis commands.",
	"COUNT",
	"    Return the total number of commands in this Redis server.",
	"LIST",
	"    Return a list of all commands in this Redis server.",
	"INFO [<command-name> ...]",
	"    Return details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"DOCS [<command-name> ...]",
	"    Return documentation details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"GETKEYS <full-command>",
	"    Return the keys from a full Redis command.",
	"GETKEYSANDFLAGS <full-command>",
	"    Return the keys and the access flags from a full Redis command.",
}

func execCommandHelp(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return helpReply("command", commandHelp...)
}
