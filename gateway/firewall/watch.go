package firewall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
)

// State is what a Watcher found in the kernel.
type State string

// The states of the ruleset in force.
const (
	// Intact: the table is this configuration's ruleset (its digest) and is
	// what the watcher first saw of it (its baseline).
	Intact State = "intact"
	// Missing: there is no such table (flush ruleset, nft delete table).
	Missing State = "missing"
	// Foreign: the table is there but carries another digest, or none:
	// another configuration's rules (a reload without apply), or anyone's.
	Foreign State = "foreign"
	// Modified: the table carries this configuration's digest, but rules,
	// sets or chains differ from the baseline (a rule deleted by handle,
	// added or edited in place), or the table is dormant (no chain of it
	// sees a packet), baseline or not.
	Modified State = "modified"
	// Unknown: the watcher cannot read the rules (no nft binary, no
	// CAP_NET_ADMIN, nft failed).
	Unknown State = "unknown"
)

// Status is the result of one check.
type Status struct {
	State  State
	Detail string // why, for the person on duty; empty when intact
}

// Watcher tells whether the ruleset in force is the one its Spec renders.
// The digest in the table's comment (Render) tells this configuration's
// rules from any other's. The rules themselves are compared with a
// baseline: nft's stateless listing (`nft -s list table`: no counter
// values, so traffic changes nothing) as first seen with the right digest,
// or as Install left it. nft lists the same ruleset the same way whatever
// its handles, so a re-apply of the same configuration stays intact, and
// any rule, set or chain deleted, added or edited is seen. Safe for
// concurrent use; each call runs nft once or twice.
type Watcher struct {
	mu       sync.Mutex
	spec     Spec
	digest   string
	baseline []byte // the listing first seen with digest; nil until then
}

// NewWatcher returns a watcher of the rules s renders.
func NewWatcher(s Spec) (*Watcher, error) {
	w := &Watcher{}
	if _, err := w.SetSpec(s); err != nil {
		return nil, err
	}
	return w, nil
}

// SetSpec makes s the expected ruleset (a configuration reload) and
// reports whether it renders other rules than the one it replaces. The
// baseline is kept when s renders the same rules, and otherwise taken
// anew at the next check that finds s's digest.
func (w *Watcher) SetSpec(s Spec) (changed bool, err error) {
	d, err := Digest(s)
	if err != nil {
		return false, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	changed = d != w.digest
	if changed {
		w.baseline = nil
	}
	w.spec, w.digest = s, d
	return changed, nil
}

// Install applies s (Apply), makes it the expected ruleset and takes the
// baseline from the table just installed: a reload that applies its rules.
func (w *Watcher) Install(ctx context.Context, s Spec) error {
	d, err := Digest(s)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.install(ctx, s, d)
}

// Repair installs the expected ruleset again, as Install does: what the
// kernel holds is then hl7gate's own, and so is the baseline.
func (w *Watcher) Repair(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.install(ctx, w.spec, w.digest)
}

// install is Install of s, whose digest is d, with w.mu held.
func (w *Watcher) install(ctx context.Context, s Spec, d string) error {
	if err := Apply(ctx, s); err != nil {
		return err
	}
	w.spec, w.digest, w.baseline = s, d, nil
	if l, err := Listing(ctx, s.table()); err == nil {
		if _, got := tableHead(l); got == d {
			w.baseline = l
		}
	}
	return nil
}

// Check reads the table in force and compares it with the expected one.
func (w *Watcher) Check(ctx context.Context) Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	table := w.spec.table()
	l, err := Listing(ctx, table)
	switch {
	case errors.Is(err, ErrNoTable):
		return Status{Missing, fmt.Sprintf("no table inet %s", table)}
	case errors.Is(err, os.ErrPermission):
		return Status{Unknown, "cannot read the rules in force: nft needs root or CAP_NET_ADMIN"}
	case err != nil:
		return Status{Unknown, fmt.Sprintf("cannot read the rules in force: %v", err)}
	}
	flags, got := tableHead(l)
	if got != w.digest {
		if got == "" { // another tool's table, or a kernel or nft that keeps no table comment
			got = "none: another tool's table, or a kernel before Linux 5.10, which keeps no table comment"
		}
		return Status{Foreign, fmt.Sprintf("table inet %s holds other rules (digest %s; this configuration's is %s)",
			table, got, w.digest)}
	}
	if strings.Contains(flags, "dormant") { // before the baseline: a dormant table is never taken for intact
		return Status{Modified, fmt.Sprintf("table inet %s is dormant (flags %s): none of its chains sees a packet", table, flags)}
	}
	if w.baseline == nil {
		w.baseline = l
		return Status{State: Intact}
	}
	if !bytes.Equal(l, w.baseline) {
		return Status{Modified, fmt.Sprintf("table inet %s was changed since it was installed: %s", table, firstDifference(w.baseline, l))}
	}
	return Status{State: Intact}
}

// InForce reports whether the table in force is the one s renders: the
// digest in its comment is Digest(s). It errs when the table cannot be read
// (wrapping ErrNoTable when there is none, os.ErrPermission without
// CAP_NET_ADMIN).
func InForce(ctx context.Context, s Spec) (bool, error) {
	d, err := Digest(s)
	if err != nil {
		return false, err
	}
	l, err := Listing(ctx, s.table())
	if err != nil {
		return false, err
	}
	_, got := tableHead(l)
	return got == d, nil
}

// Listing returns nft's stateless listing of table inet <table>
// (`nft -s list table`), or an error wrapping ErrNoTable when there is no
// such table.
func Listing(ctx context.Context, table string) ([]byte, error) {
	if !tableName.MatchString(table) {
		return nil, fmt.Errorf("list table inet %q: not a table name", table)
	}
	return runNft(ctx, nil, "-s", "list", "table", "inet", table)
}

// tableHead returns the table's flags ("" without any) and the digest in
// its comment ("" when it has none of Render's): nft lists both first, the
// flags before the comment.
func tableHead(listing []byte) (flags, digest string) {
	_, rest, _ := bytes.Cut(listing, []byte("\n")) // "table inet <name> {"
	line, rest, _ := bytes.Cut(rest, []byte("\n"))
	if f, ok := bytes.CutPrefix(line, []byte("\tflags ")); ok {
		flags = string(f)
		line, _, _ = bytes.Cut(rest, []byte("\n"))
	}
	c, ok := bytes.CutPrefix(line, []byte("\tcomment \""+commentPrefix))
	if !ok || !bytes.HasSuffix(c, []byte(`"`)) {
		return flags, ""
	}
	return flags, string(c[:len(c)-1])
}

// firstDifference names the first line where listing b differs from a.
func firstDifference(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = strings.TrimSpace(la[i])
		}
		if i < len(lb) {
			y = strings.TrimSpace(lb[i])
		}
		if x != y {
			return fmt.Sprintf("line %d was %q, is %q", i+1, cut(x, 100), cut(y, 100))
		}
	}
	return "the listings differ"
}

// cut shortens s to at most n bytes.
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
