// Package message renders templates into message bodies and counts their encoding, segments and cost.
package message

import "time"

// Catalog holds the shipped templates and the user's overrides.
type Catalog struct{}

// Template is one named message in one or more languages.
type Template struct {
	Name        string
	Description string
	Class       string // emergency, reminder, test
	Langs       []string
}

// LoadCatalog loads the embedded templates and overrides them by name from userDir ("" for none).
func LoadCatalog(userDir string) (*Catalog, error) { panic("TODO") }

// Lookup returns a template by name; an unknown name is an error listing the known ones.
func (c *Catalog) Lookup(name string) (*Template, error) { panic("TODO") }

// Templates lists all templates by name.
func (c *Catalog) Templates() []*Template { panic("TODO") }

// Env is what a run adds to every render.
type Env struct {
	Lang  string            // default language
	Vars  map[string]string // --var values and built-ins (Clinic, ClinicPhone)
	Now   time.Time         // for Today and date helpers
	Smart bool              // smart encoding: replace look-alikes with GSM-7 characters
}

// Input is one recipient's fields.
type Input struct {
	Row    int // spreadsheet row number, for errors
	Lang   string
	Fields map[string]string
}

// RenderAll renders t for every input. A value missing for any input is an error naming the rows.
func (t *Template) RenderAll(in []Input, env Env) ([]string, error) { panic("TODO") }

// Info is how a body is encoded and what it costs in segments.
type Info struct {
	Encoding   string // "GSM-7" or "UCS-2"
	Characters int
	Segments   int
}

// Count returns the encoding and segments of a body as carriers count them.
func Count(body string) Info { panic("TODO") }
