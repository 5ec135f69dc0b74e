package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/hl7gate/hl7gate/configs"
	"github.com/hl7gate/hl7gate/gateway/config"
)

// loadConfig reads the YAML file at path (the embedded default when empty), applies HL7GATE_* environment
// overrides (HL7GATE_ADMIN_ADDRESS, HL7GATE_LOG_LEVEL, ...: every key outside lists) and the flags bound in
// fs, decodes strictly (an unknown key is an error) and validates. Every problem is reported at once.
func loadConfig(path string, fs *pflag.FlagSet, env []string) (config.Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	var src io.Reader
	if path == "" {
		b, err := configs.Files.ReadFile(configs.DefaultName)
		if err != nil {
			return config.Config{}, err
		}
		src = bytes.NewReader(b)
	} else {
		b, err := os.ReadFile(path)
		if err != nil {
			return config.Config{}, fmt.Errorf("config: %w", err)
		}
		src = bytes.NewReader(b)
	}
	if err := v.ReadConfig(src); err != nil {
		return config.Config{}, fmt.Errorf("config %s: %w", nameOf(path), err)
	}
	// Environment: bind every scalar key so that AutomaticEnv-style overrides reach Unmarshal.
	v.SetEnvPrefix("HL7GATE")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	for _, key := range scalarKeys(reflect.TypeOf(config.Config{}), "") {
		envName := "HL7GATE_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		if val, ok := lookupEnv(env, envName); ok {
			v.Set(key, val)
		}
	}
	if fs != nil {
		for key, flag := range flagKeys {
			if f := fs.Lookup(flag); f != nil && f.Changed {
				v.Set(key, f.Value.String())
			}
		}
	}
	cfg := config.Default()
	if err := v.UnmarshalExact(&cfg, viper.DecodeHook(decodeHooks)); err != nil {
		return config.Config{}, fmt.Errorf("config %s: %w", nameOf(path), err)
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return config.Config{}, fmt.Errorf("config %s:\n%w", nameOf(path), err)
	}
	return cfg, nil
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

func lookupEnv(env []string, name string) (string, bool) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v, true
		}
	}
	return "", false
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
