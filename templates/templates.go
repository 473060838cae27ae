// Package templates holds the shipped message templates, embedded into the binary.
package templates

import "embed"

// FS holds every shipped template file (NAME.LANG.tmpl).
//
//go:embed *.tmpl
var FS embed.FS
