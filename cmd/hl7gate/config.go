package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/hl7gate/hl7gate/configs"
	"github.com/hl7gate/hl7gate/gateway/config"
)

// envPrefix starts every environment variable that overrides a configuration key.
const envPrefix = "HL7GATE_"

// loadConfig reads the YAML file at path (the embedded default when empty), applies HL7GATE_* environment
// overrides (HL7GATE_ADMIN_ADDRESS, HL7GATE_LOG_LEVEL, ...: every key outside lists) and the flags bound in
// fs, decodes strictly (an unknown key is an error) and validates. Every problem is reported at once; a
// problem with an environment variable names the variable, and an HL7GATE_* variable that overrides no
// key is an error too. When the file decodes but does not validate, the decoded configuration comes
// back with the error, for a reload to report what else it would change; nothing may run on it.
func loadConfig(path string, fs *pflag.FlagSet, env []string) (config.Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	var b []byte
	if path == "" {
		var err error
		if b, err = configs.Files.ReadFile(configs.DefaultName); err != nil {
			return config.Config{}, err
		}
	} else {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return config.Config{}, fmt.Errorf("config: %w", err)
		}
	}
	if err := v.ReadConfig(bytes.NewReader(b)); err != nil {
		return config.Config{}, fmt.Errorf("config %s: %w", nameOf(path), err)
	}
	var raw map[string]any // the file as written: viper lowercases keys, this keeps their case
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return config.Config{}, fmt.Errorf("config %s: %w", nameOf(path), err)
	}
	overrides, envErrs := envOverrides(env)
	set := make([]string, 0, len(overrides)+len(flagKeys))
	for _, o := range overrides {
		v.Set(o.key, o.value)
		set = append(set, o.key)
	}
	if fs != nil {
		for key, flag := range flagKeys {
			if f := fs.Lookup(flag); f != nil && f.Changed {
				v.Set(key, f.Value.String())
				set = append(set, key)
				// The flag wins: its key's errors are not the environment's.
				overrides = slices.DeleteFunc(overrides, func(o envOverride) bool { return o.key == key })
			}
		}
	}
	if err := notSections(raw, set); err != nil {
		return config.Config{}, errors.Join(fmt.Errorf("config %s: %w", nameOf(path), err), envError(envErrs))
	}
	cfg := config.Default()
	// An unknown key is an error, but the rest of the file is still validated, so that one run (a
	// validate, a refused reload) reports every problem; the configuration itself is then not returned.
	unknown := v.UnmarshalExact(&cfg, viper.DecodeHook(decodeHooks))
	if unknown != nil {
		cfg = config.Default()
		if err := v.Unmarshal(&cfg, viper.DecodeHook(decodeHooks)); err != nil {
			return config.Config{}, errors.Join(fmt.Errorf("config %s: %w", nameOf(path), unknown), envError(envErrs))
		}
	}
	if err := keepKeyCase(reflect.ValueOf(&cfg).Elem(), raw, ""); err != nil {
		return config.Config{}, errors.Join(fmt.Errorf("config %s: %w", nameOf(path), err), envError(envErrs))
	}
	cfg = cfg.WithDefaults()
	var fileErrs []error
	if err := cfg.Validate(); err != nil {
		var fromEnv []error
		fileErrs, fromEnv = splitByOrigin(err, overrides)
		envErrs = append(envErrs, fromEnv...)
	}
	var errs []error
	if unknown != nil {
		errs = append(errs, fmt.Errorf("config %s: %w", nameOf(path), unknown))
	}
	if len(fileErrs) > 0 {
		errs = append(errs, fmt.Errorf("config %s:\n%w", nameOf(path), errors.Join(fileErrs...)))
	}
	if len(envErrs) > 0 {
		errs = append(errs, envError(envErrs))
	}
	if unknown != nil {
		return config.Config{}, errors.Join(errs...)
	}
	if len(errs) > 0 {
		return cfg, errors.Join(errs...) // decoded but invalid: only a reload looks at it, for what needs a restart
	}
	return cfg, nil
}

// notSections reports a section of the file that holds a value instead of keys (vitals: 5) where an
// override sets a key inside it: viper would let the override replace the value and ignore it.
func notSections(raw map[string]any, keys []string) error {
	var errs []error
	seen := map[string]bool{}
	for _, key := range keys {
		node := any(raw)
		parts := strings.Split(key, ".")
		for i, part := range parts[:len(parts)-1] {
			m, ok := node.(map[string]any)
			if !ok {
				break
			}
			if node, ok = lookupFold(m, part); !ok || node == nil {
				break
			}
			if _, ok := node.(map[string]any); !ok {
				section := strings.Join(parts[:i+1], ".")
				if !seen[section] {
					seen[section] = true
					errs = append(errs, fmt.Errorf("%s: %v is not a section of keys", section, node))
				}
				break
			}
		}
	}
	return errors.Join(errs...)
}

// lookupFold returns m's value for key, matched regardless of case as viper matches keys.
func lookupFold(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// keepKeyCase decodes every map setting under v (a struct; prefix is its dotted key) again from the file
// as written, raw, so that map keys keep their case: viper lowercases every key, and a unit code such as
// mmHG or an OBX-3 code such as 0002-4BB8 would then never match. (No override can set a map.)
func keepKeyCase(v reflect.Value, raw map[string]any, prefix string) error {
	var errs []error
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if opts == "squash" {
			errs = append(errs, keepKeyCase(v.Field(i), raw, prefix))
			continue
		}
		node, ok := lookupFold(raw, tag)
		if !ok || node == nil {
			continue
		}
		switch f.Type.Kind() {
		case reflect.Struct:
			if m, ok := node.(map[string]any); ok {
				errs = append(errs, keepKeyCase(v.Field(i), m, prefix+tag+"."))
			}
		case reflect.Map:
			if f.Type.Key().Kind() != reflect.String {
				continue
			}
			out := reflect.New(f.Type)
			dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
				DecodeHook: decodeHooks, WeaklyTypedInput: true, ErrorUnused: true, Result: out.Interface(),
			})
			if err == nil {
				err = dec.Decode(node)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s%s: %w", prefix, tag, err))
				continue
			}
			v.Field(i).Set(out.Elem())
		}
	}
	return errors.Join(errs...)
}

// envOverride is one configuration key set by an environment variable.
type envOverride struct {
	name, key, value string // HL7GATE_LOG_LEVEL, log.level, debug
}

// envOverrides returns the configuration keys env sets, and an error for each HL7GATE_* variable that
// names no key or whose value does not decode into its key's type. Flags are checked by pflag; this is
// the same check for the environment, which has no parser of its own.
func envOverrides(env []string) ([]envOverride, []error) {
	keys := map[string]string{} // variable name → key
	var names []string
	for _, key := range scalarKeys(reflect.TypeOf(config.Config{}), "") {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		keys[name] = key
		names = append(names, name)
	}
	var (
		overrides []envOverride
		errs      []error
	)
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, envPrefix) {
			continue
		}
		key, ok := keys[name]
		if !ok {
			err := fmt.Errorf("%s: no configuration key is set by this variable", name)
			if near := nearest(name, names); near != "" {
				err = fmt.Errorf("%w (did you mean %s?)", err, near)
			}
			errs = append(errs, err)
			continue
		}
		one := viper.New()
		one.Set(key, value)
		scratch := config.Default()
		if err := one.UnmarshalExact(&scratch, viper.DecodeHook(decodeHooks)); err != nil {
			if cause := errors.Unwrap(err); cause != nil {
				err = cause // without the decoder's heading; the cause names the key
			}
			errs = append(errs, envValueError(envOverride{name: name, key: key, value: value}, err))
			continue
		}
		overrides = append(overrides, envOverride{name: name, key: key, value: value})
	}
	return overrides, errs
}

// envError reports problems with environment variables under their own heading, apart from the file's;
// nil when there are none.
func envError(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("environment (%s* variables):\n%w", envPrefix, errors.Join(errs...))
}

// splitByOrigin sorts Validate's errors (each names the keys involved) into those naming a key an
// environment variable set, prefixed with the variable, and the rest.
func splitByOrigin(err error, overrides []envOverride) (file, env []error) {
	all := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		all = joined.Unwrap()
	}
	for _, e := range all {
		i := slices.IndexFunc(overrides, func(o envOverride) bool { return strings.Contains(e.Error(), o.key) })
		if i < 0 {
			file = append(file, e)
			continue
		}
		env = append(env, envValueError(overrides[i], e))
	}
	return file, env
}

// envValueError is err, about the variable o, headed NAME="value". A value that may be a secret (a URL
// with a password or a path, under any key: config.Redact) is shown as config.Redact shows it, there and
// wherever err quotes it (the decoder and Validate quote a bad value), so that a rejected variable does
// not put a secret in validate's output or a reload's log line.
func envValueError(o envOverride, err error) error {
	shown := config.Redact(o.key, o.value)
	if shown == o.value {
		return fmt.Errorf("%s=%q: %w", o.name, o.value, err)
	}
	msg := err.Error()
	q := strconv.Quote(o.value)
	for _, s := range []string{o.value, q[1 : len(q)-1]} {
		msg = strings.ReplaceAll(msg, s, shown)
	}
	return fmt.Errorf("%s=%s: %s", o.name, shown, msg) // not wrapped: err's own text holds the secret
}

// nearest returns the name in names closest to s by edit distance, or "" when none is close enough to be
// a likely typo (more than a third of s differs).
func nearest(s string, names []string) string {
	best, bestD := "", len(s)/3+1
	for _, n := range names {
		if d := editDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// decodeHooks are viper's own (durations and lists from strings) plus wholeNumbers.
var decodeHooks = mapstructure.ComposeDecodeHookFunc(
	mapstructure.StringToTimeDurationHookFunc(),
	mapstructure.StringToSliceHookFunc(","),
	wholeNumbers,
)

// wholeNumbers refuses a number with a fraction for an integer setting, which the decoder would
// otherwise truncate without a word (connections: 2.7 would become 2).
func wholeNumbers(_ reflect.Type, to reflect.Type, data any) (any, error) {
	f, ok := data.(float64)
	if !ok {
		return data, nil
	}
	switch to.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if f != math.Trunc(f) {
			return nil, fmt.Errorf("%v is not a whole number", f)
		}
	}
	return data, nil
}

// flagKeys maps configuration keys to the flags that override them.
var flagKeys = map[string]string{
	"log.level":     "log-level",
	"log.format":    "log-format",
	"admin.address": "admin-address",
}

// addConfigFlags adds the flags every config-reading subcommand shares.
func addConfigFlags(fs *pflag.FlagSet) *string {
	path := fs.String("config", "", "YAML configuration file (default: the embedded configs/default.yaml)")
	fs.String("log-level", "", "override log.level (debug, info, warn, error)")
	fs.String("log-format", "", "override log.format (json, console)")
	fs.String("admin-address", "", "override admin.address")
	return path
}

func nameOf(path string) string {
	if path == "" {
		return "(embedded " + configs.DefaultName + ")"
	}
	return path
}

// scalarKeys lists the dotted mapstructure keys of t's fields that are not inside lists.
func scalarKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("mapstructure")
		if tag == "" || tag == "-" {
			continue
		}
		key := prefix + tag
		switch f.Type.Kind() {
		case reflect.Struct:
			keys = append(keys, scalarKeys(f.Type, key+".")...)
		case reflect.Slice, reflect.Map:
			if f.Type.Elem().Kind() != reflect.Struct {
				keys = append(keys, key)
			}
		default:
			keys = append(keys, key)
		}
	}
	return keys
}
