// Package configs holds hl7gate's example configurations. Default is the configuration `hl7gate serve`
// uses when no --config is given; every file here is loaded and validated by a test.
package configs

import "embed"

// Files holds every example configuration, by file name.
//
//go:embed *.yaml
var Files embed.FS

// DefaultName is the file in Files that the gateway uses when no configuration is given.
const DefaultName = "default.yaml"
