package config

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"goredis/lib/logger"
)

// LoadError is a fatal error in the configuration. Error() is exactly what
// redis-server prints to stderr before exiting with status 1.
type LoadError struct {
	Line   int    // 1-based line in the text read; 0 when no line is to blame
	Text   string // that line, trimmed
	Reason string // Redis's reason text
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("\n*** FATAL CONFIG FILE ERROR (Redis " + Version + ") ***\n")
	if e.Line > 0 {
		b.WriteString("Reading the configuration file, at line " + strconv.Itoa(e.Line) + "\n")
		b.WriteString(">>> '" + e.Text + "'\n")
	}
	b.WriteString(e.Reason + "\n")
	return b.String()
}

// FatalError is a start-up failure Redis reports as a log line rather than
// with the configuration banner, such as a config file that cannot be
// opened. Error() is the message and a newline.
type FatalError struct{ Msg string }

func (e *FatalError) Error() string { return e.Msg + "\n" }

// setupLogger is logger.Setup; tests replace it.
var setupLogger = logger.Setup

// stdin is where "-" reads a configuration from; tests replace it.
var stdin io.Reader = os.Stdin

// Load reads the configuration as redis-server does with its arguments
// (os.Args[1:]):
//
//	goredis [config-file] [-] [--name value ...]
//
// A first argument not starting with '-' names the config file; "-" as the
// first or last argument reads more configuration from stdin; every
// "--name value..." is appended to the file's text as one more line, so
// it wins over the file and errors in it report a line number as Redis
// does. Without a config file (and without "-") ./redis.conf is read when
// it exists. On success the result is installed as the current snapshot,
// the logger is set up from logfile and loglevel, and each configured
// directive this server does not implement is logged once.
func Load(args []string) (*Config, error) {
	file, fromStdin, options := splitCommandLine(args)
	if file == "" && !fromStdin {
		if fi, err := os.Stat("redis.conf"); err == nil && fi.Mode().IsRegular() {
			file = "redis.conf"
		}
	}
	ld := newLoader(workingDir())
	var text strings.Builder
	if file != "" {
		if abs, err := filepath.Abs(file); err == nil {
			file = abs
		}
		s, err := readConfig(file, "")
		if err != nil {
			return nil, err
		}
		text.WriteString(s)
	}
	if fromStdin {
		logger.Warningf("Reading config from stdin")
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, &FatalError{"Error reading config from stdin: " + strerror(err)}
		}
		text.Write(b)
	}
	text.WriteString("\n")
	text.WriteString(options)
	if err := ld.loadString(text.String()); err != nil {
		return nil, err
	}
	c, err := ld.finish(file)
	if err != nil {
		return nil, err
	}
	setMu.Lock()
	install(c)
	setMu.Unlock()
	if err := setupLogger(c.LogFile, c.LogLevel); err != nil {
		return nil, &LoadError{Reason: "Can't open the log file: " + strerror(err)}
	}
	for _, name := range ld.ignoredNames() {
		logger.Noticef("Directive '%s' is accepted for compatibility but not implemented by this server: ignored", name)
	}
	return c, nil
}

// splitCommandLine turns redis-server style arguments into the config file
// name, whether to read stdin, and the text of the options, one
// "name args..." line per --name with the arguments quoted.
func splitCommandLine(args []string) (file string, fromStdin bool, options string) {
	j := 0
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file = args[0]
		j = 1
	}
	var b strings.Builder
	handledLast := true
	for ; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "-" && (j == 0 || j == len(args)-1):
			fromStdin = true
		case handledLast && strings.HasPrefix(a, "--"):
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(a[2:])
			b.WriteByte(' ')
			words, _ := splitArgs(a)
			if len(words) == 1 {
				// A bare option name: the next argument is its value even
				// if it starts with "--", except that --save may be empty.
				handledLast = false
				isSave := equalFold(a, "--save")
				if isSave && j != len(args)-1 && strings.HasPrefix(args[j+1], "--") {
					b.WriteString(`""`)
					handledLast = true
				} else if isSave && j == len(args)-1 {
					b.WriteString(`""`)
				}
			} else {
				handledLast = true
			}
		default:
			b.WriteString(repr(a))
			b.WriteByte(' ')
			handledLast = true
		}
	}
	return file, fromStdin, b.String()
}

// readConfig reads a config file, or every file matching it when the name
// has glob characters (no match is not an error then). A relative name is
// taken from dir (Redis's working directory) but reported as given.
func readConfig(name, dir string) (string, error) {
	path := func(n string) string {
		if dir == "" || filepath.IsAbs(n) {
			return n
		}
		return filepath.Join(dir, n)
	}
	names := []string{name}
	if strings.ContainsAny(name, "*?[") {
		names = nil
		matches, _ := filepath.Glob(path(name))
		for _, m := range matches {
			if !filepath.IsAbs(name) {
				if r, err := filepath.Rel(dir, m); err == nil {
					m = r
				}
			}
			names = append(names, m)
		}
	}
	var b strings.Builder
	for _, n := range names {
		data, err := os.ReadFile(path(n))
		if err != nil {
			return "", &FatalError{"Fatal error, can't open config file '" + n + "': " + strerror(err)}
		}
		b.Write(data)
	}
	return b.String(), nil
}

// loader is the state of one Load.
type loader struct {
	cfg       *Config
	ls        loadState
	seen      map[string]bool // parameters set by a directive
	extra     []string        // other directives accepted and ignored
	renames   map[string]string
	added     map[string]string // rename targets -> original name
	removed   map[string]bool   // original names renamed away
	modules   bool              // a loadmodule directive was seen
	moduleCfg []string          // module parameters (name.param)
}

func newLoader(wd string) *loader {
	return &loader{
		cfg:     defaults(wd),
		seen:    map[string]bool{},
		renames: map[string]string{},
		added:   map[string]string{},
		removed: map[string]bool{},
	}
}

// loadString applies configuration text, line by line, as Redis's
// loadServerConfigFromString.
func (ld *loader) loadString(text string) error {
	for i, raw := range strings.Split(text, "\n") {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(reason string) error { return &LoadError{Line: i + 1, Text: line, Reason: reason} }
		argv, ok := splitArgs(line)
		if !ok {
			return fail("Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		name := lower(argv[0])
		if p := byName[name]; p != nil {
			multi := p.has(fMultiArg)
			if !multi && len(argv) != 2 {
				return fail("wrong number of arguments")
			}
			args := argv[1:]
			if multi && len(argv) == 2 && argv[1] != "" {
				// One quoted argument holding several words.
				args, _ = splitArgs(argv[1])
			}
			v, err := p.parse(ld.cfg.vals[p.idx], args, &ld.ls)
			if err != "" {
				return fail(err)
			}
			ld.cfg.vals[p.idx] = v
			ld.seen[p.name] = true
			continue
		}
		if r, ok := deprecated[name]; ok && len(argv) >= r[0] && len(argv) <= r[1] {
			ld.extra = append(ld.extra, name)
			continue
		}
		switch {
		case name == "include" && len(argv) == 2:
			s, err := readConfig(argv[1], ld.cfg.vals[dirParam.idx].(string))
			if err != nil {
				return err
			}
			if err := ld.loadString(s); err != nil {
				return err
			}
		case name == "rename-command" && len(argv) == 3:
			if err := ld.rename(argv[1], argv[2]); err != "" {
				return fail(err)
			}
		case name == "user" && len(argv) >= 2:
			ld.extra = append(ld.extra, name)
		case name == "loadmodule" && len(argv) >= 2:
			ld.modules = true
			ld.extra = append(ld.extra, name)
		case strings.Contains(name, "."):
			if len(argv) < 2 {
				return fail("Module config specified without value")
			}
			ld.moduleCfg = append(ld.moduleCfg, name)
		case name == "sentinel":
			if len(argv) != 1 {
				return fail("sentinel directive while not in sentinel mode")
			}
		default:
			return fail("Bad directive or wrong number of arguments")
		}
	}
	return nil
}

// rename applies "rename-command old new" as Redis does on its command
// table: old must exist (by the lookup installed with SetCommandLookup, or
// as an earlier rename's target), new must not.
func (ld *loader) rename(old, nw string) string {
	setMu.Lock()
	exists := cmdLookup
	setMu.Unlock()
	// has tells whether a command is known by name now; unknown tells
	// what to assume of table commands when there is no lookup.
	has := func(n string, unknown bool) bool {
		if _, ok := ld.added[n]; ok {
			return true
		}
		if ld.removed[n] {
			return false
		}
		if exists == nil {
			return unknown
		}
		return exists(n)
	}
	o, n := lower(old), lower(nw)
	if !has(o, true) {
		return "No such command in rename-command"
	}
	orig := o
	if from, ok := ld.added[o]; ok {
		orig = from
		delete(ld.added, o)
	} else {
		ld.removed[o] = true
	}
	if n != "" {
		if has(n, false) {
			return "Target command name already exists"
		}
		ld.added[n] = orig
	}
	ld.renames[orig] = nw
	return ""
}

// finish checks the whole configuration and builds the snapshot.
func (ld *loader) finish(file string) (*Config, error) {
	if len(ld.moduleCfg) > 0 && !ld.modules {
		return nil, &FatalError{"Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting"}
	}
	c := ld.cfg
	c.ConfigFile = file
	c.RenameCommands = ld.renames
	derive(c)
	if c.LogFile != "" {
		f, err := os.OpenFile(c.LogFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, &LoadError{Reason: "Can't open the log file: " + strerror(err)}
		}
		f.Close()
	}
	if c.vals[byName["cluster-enabled"].idx].(bool) && c.vals[replicaofParam.idx].(string) != "" {
		return nil, &LoadError{Reason: "replicaof directive not allowed in cluster mode"}
	}
	return c, nil
}

// ignoredNames lists, once each, the directives configured that this
// server accepts without acting on them.
func (ld *loader) ignoredNames() []string {
	var out []string
	done := map[string]bool{}
	for _, p := range table {
		if ld.seen[p.name] && !p.has(fImplemented) {
			out = append(out, p.name)
			done[p.name] = true
		}
	}
	for _, n := range append(ld.extra, ld.moduleCfg...) {
		if !done[n] {
			out = append(out, n)
			done[n] = true
		}
	}
	return out
}
