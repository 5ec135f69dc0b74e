package config

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hl7gate/hl7gate/gateway/export"
)

// YAML returns c as a configuration file, so that an operator sees exactly what a gateway would run with
// (hl7gate validate --print): the keys as the file spells them (mapstructure tags), in the order of the
// structs (Config's sections: listeners, stations, routes, ...), durations as Go durations written short
// (10m, 100us) and sizes as integers. A key is left out when its value is zero or nil and Default() has it
// so too (an empty list is printed, []), so that loading the output and completing it with WithDefaults
// gives c back. A value that may be a secret is printed as Redact shows it: the output is then no longer
// c, and a webhook URL so redacted does not validate, so that a copy cannot run without the real value.
func (c Config) YAML() ([]byte, error) {
	n, err := yamlNode(reflect.ValueOf(c), reflect.ValueOf(Default()), "")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := encode(&b, n); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encode writes n to w as a YAML document, indented by two spaces as the files in configs/ are.
func encode(w io.Writer, n *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return err
	}
	return enc.Close()
}

var durationType = reflect.TypeFor[time.Duration]()

// yamlNode is v as YAML, or nil for a nil pointer, slice or map. def is the same value in Default(),
// invalid where Default() has none (inside lists and maps); key is the mapstructure key v is under.
func yamlNode(v, def reflect.Value, key string) (*yaml.Node, error) {
	switch {
	case v.Type() == durationType:
		return scalar(duration(time.Duration(v.Int())))
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		if def.IsValid() && !def.IsNil() {
			def = def.Elem()
		} else {
			def = reflect.Value{}
		}
		return yamlNode(v.Elem(), def, key)
	case v.Kind() == reflect.Struct:
		m := &yaml.Node{Kind: yaml.MappingNode}
		return m, fields(m, v, def)
	case v.Kind() == reflect.Slice:
		return sequence(v, key)
	case v.Kind() == reflect.Map:
		return mapping(v, key)
	case v.Kind() == reflect.String:
		return scalar(Redact(key, v.String()))
	}
	return scalar(v.Interface())
}

// duration is d as a person writes it and time.ParseDuration reads it: 10m, 24h and 100us rather than
// Duration.String's 10m0s, 24h0m0s and 100µs, so that the output compares with the file it came from.
func duration(d time.Duration) string {
	s := strings.Replace(d.String(), "µ", "u", 1)
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// fields appends the fields of the struct v to m, key and value; def is the same struct in Default().
func fields(m *yaml.Node, v, def reflect.Value) error {
	for i := range v.NumField() {
		f := v.Type().Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if !f.IsExported() || tag == "-" {
			continue
		}
		var d reflect.Value
		if def.IsValid() {
			d = def.Field(i)
		}
		if opts == "squash" {
			if err := fields(m, v.Field(i), d); err != nil {
				return err
			}
			continue
		}
		if tag == "" {
			return fmt.Errorf("config: %s.%s has no mapstructure key", v.Type(), f.Name)
		}
		if v.Field(i).IsZero() && (!d.IsValid() || d.IsZero()) {
			continue
		}
		n, err := yamlNode(v.Field(i), d, tag)
		if err != nil {
			return err
		}
		if n == nil {
			continue
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: tag}, n)
	}
	return nil
}

// sequence is the list v: a flow sequence ([a, b]) of scalars, a block sequence of sections.
func sequence(v reflect.Value, key string) (*yaml.Node, error) {
	if v.IsNil() {
		return nil, nil
	}
	s := &yaml.Node{Kind: yaml.SequenceNode}
	for i := range v.Len() {
		n, err := yamlNode(v.Index(i), reflect.Value{}, key)
		if err != nil {
			return nil, err
		}
		s.Content = append(s.Content, n)
		if n.Kind == yaml.ScalarNode {
			s.Style = yaml.FlowStyle
		}
	}
	return s, nil
}

// mapping is the map v, its keys sorted; its values are checked for secrets under the map's key.
func mapping(v reflect.Value, key string) (*yaml.Node, error) {
	if v.IsNil() {
		return nil, nil
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range keys {
		kn, err := scalar(k.String())
		if err != nil {
			return nil, err
		}
		n, err := yamlNode(v.MapIndex(k), reflect.Value{}, key)
		if err != nil {
			return nil, err
		}
		m.Content = append(m.Content, kn, n)
	}
	return m, nil
}

// scalar encodes one value, quoted where YAML would read it as something else ("on", "1.0").
func scalar(v any) (*yaml.Node, error) {
	var n yaml.Node
	return &n, n.Encode(v)
}

// secretWords are the words of a key (between underscores) that mark its value as a possible secret,
// unless the key names a file or directory that holds it (admin.token_file, tls.key_file).
var secretWords = []string{"secret", "token", "password", "passwd", "key", "credential", "credentials", "auth", "header", "headers"}

// Redact returns value, set under key, as hl7gate may show it (validate --print, an error about an
// HL7GATE_* variable): export.Redacted for a key with a word of secretWords that is not a path; a URL
// with more than scheme://host[:port][/] as export.RedactURL shows it (scheme://host[:port]/<redacted>:
// a webhook's user info, path and query may each hold a secret), and anything else with "://" in it, a
// URL that does not parse, as export.Redacted; other values as they are.
func Redact(key, value string) string {
	if value == "" {
		return value
	}
	words := strings.Split(key, "_")
	if last := words[len(words)-1]; last != "file" && last != "dir" && last != "path" &&
		slices.ContainsFunc(words, func(w string) bool { return slices.Contains(secretWords, w) }) {
		return export.Redacted
	}
	if strings.Contains(value, "://") {
		return export.RedactURL(value)
	}
	return value
}
