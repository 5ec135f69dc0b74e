// Package configs holds hl7gate's example configurations. Default is the configuration `hl7gate serve`
// uses when no --config is given; every file here is loaded and validated by a test. KeepalivedTemplate
// is the keepalived configuration of one node of an active/standby pair, which `hl7gate keepalived`
// renders.
package configs

import "embed"

// Files holds every example configuration, by file name.
//
//go:embed *.yaml
var Files embed.FS

// DefaultName is the file in Files that the gateway uses when no configuration is given.
const DefaultName = "default.yaml"

// KeepalivedTemplate is keepalived.conf.tmpl, a Go text/template of one node's keepalived.conf. It is
// embedded so that `hl7gate keepalived` renders it on a node where the repository is not checked out,
// from this one copy (the failover tests render it through that command too).
//
//go:embed keepalived.conf.tmpl
var KeepalivedTemplate string
