package config

import (
	"slices"
	"strings"

	"goredis/lib/logger"
	"goredis/lib/wildcard"
)

// Error is a CONFIG error reply: Error() is Redis's text without the
// leading '-' and the CRLF, e.g. "ERR syntax error".
type Error string

func (e Error) Error() string { return string(e) }

// SetParams is CONFIG SET name value [name value ...] from a client that
// is not local (protected configs then need enable-protected-configs yes).
// See SetParamsLocal.
func SetParams(args []string) error { return SetParamsLocal(args, false) }

// SetParamsLocal is CONFIG SET for a client; local is true for loopback
// and unix-socket clients, which enable-protected-configs "local" lets
// change protected parameters. It is all or nothing: on any error no
// parameter changes. After a change the OnChange hooks run.
func SetParamsLocal(args []string, local bool) error {
	if len(args) < 2 {
		return Error("ERR wrong number of arguments for 'config|set' command")
	}
	if len(args)%2 != 0 {
		return Error("ERR syntax error")
	}
	setMu.Lock()
	old := Get()

	// Check every name before changing anything, with Redis's priorities:
	// an unknown name first seen wins, then the first refused one.
	type target struct {
		p     *param
		name  string // as registered: the alias when set through it
		value string
	}
	n := len(args) / 2
	targets := make([]target, 0, n)
	var unknown, errName, errText string
	invalid := false
	for i := 0; i < n; i++ {
		raw := args[2*i]
		p := lookup(raw)
		if p == nil {
			if !invalid {
				unknown = raw
				invalid = true
			}
			continue
		}
		if invalid {
			continue
		}
		if p.has(fImmutable) || (p.has(fProtected) && !old.ProtectedAllowed(local)) {
			errText = "can't set protected config"
			if p.has(fImmutable) {
				errText = "can't set immutable config"
			}
			errName = raw
			invalid = true
			continue
		}
		name := lower(raw)
		if !isAlias[name] {
			name = p.name
		}
		for _, t := range targets {
			if t.name == name {
				errText, errName, invalid = "duplicate parameter", raw, true
				break
			}
		}
		targets = append(targets, target{p, name, args[2*i+1]})
	}
	if invalid {
		setMu.Unlock()
		if unknown != "" {
			return Error("ERR Unknown option or number of arguments for CONFIG SET - '" + unknown + "'")
		}
		return setFailed(errName, errText)
	}

	// Parse the new values into a copy of the snapshot.
	c := *old
	c.vals = slices.Clone(old.vals)
	var changed []*param
	for _, t := range targets {
		var words []string
		if t.p.has(fMultiArg) {
			words = splitSpaces(t.value)
		} else {
			words = []string{t.value}
		}
		v, err := t.p.parse(c.vals[t.p.idx], words, nil)
		if err != "" {
			setMu.Unlock()
			return setFailed(t.name, err)
		}
		if t.p.format(v) != t.p.format(c.vals[t.p.idx]) {
			if t.p.setClamp != nil {
				v = t.p.setClamp(v.(int64))
			}
			if !slices.Contains(changed, t.p) {
				changed = append(changed, t.p)
			}
		}
		c.vals[t.p.idx] = v
	}
	derive(&c)

	// Apply steps that can fail; undo the ones done when one fails.
	var done []func(old, new *Config) error
	for _, p := range changed {
		fn := applyHooks[p.name]
		if fn == nil {
			continue
		}
		if err := fn(old, &c); err != nil {
			logger.Warningf("Failed applying new configuration. Possibly related to new %s setting. Restoring previous settings.", p.name)
			for i := len(done) - 1; i >= 0; i-- {
				done[i](&c, old)
			}
			setMu.Unlock()
			return setFailed(p.name, err.Error())
		}
		done = append(done, fn)
	}
	install(&c)
	if len(changed) > 0 && c.LogLevel != old.LogLevel {
		logger.SetLevel(c.LogLevel)
	}
	hooks := slices.Clone(changeHooks)
	setMu.Unlock()
	for _, fn := range hooks {
		fn(old, &c)
	}
	return nil
}

func setFailed(name, text string) error {
	if text == "" {
		return Error("ERR CONFIG SET failed (possibly related to argument '" + name + "')")
	}
	return Error("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + text)
}

// GetParams is CONFIG GET pattern [pattern ...]: a flat list of name,
// value pairs. A pattern without glob characters names one parameter or
// alias exactly (hidden ones included) and is echoed as given; a glob
// pattern matches names and aliases ignoring case, hidden ones excluded.
// Each name appears once.
func GetParams(patterns []string) []string {
	c := Get()
	var out []string
	seen := map[string]bool{}
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, "[*?") {
			key := lower(pat)
			if seen[key] {
				continue
			}
			if p := lookup(pat); p != nil {
				seen[key] = true
				out = append(out, pat, p.format(c.vals[p.idx]))
			}
			continue
		}
		for _, p := range table {
			if p.has(fHidden) {
				continue
			}
			for _, name := range []string{p.name, p.alias} {
				if name == "" || seen[name] || !wildcard.MatchNoCase(pat, name) {
					continue
				}
				seen[name] = true
				out = append(out, name, p.format(c.vals[p.idx]))
			}
		}
	}
	return out
}
