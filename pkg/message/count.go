package message

import "github.com/smscast/smscast/pkg/sms/segment"

// The counter lives in pkg/sms/segment, where providers can use it without importing templates;
// these names keep pkg/message's callers (the CLI's plan and templates verbs) as they were.

// Encodings as carriers name them.
const (
	GSM7 = segment.GSM7
	UCS2 = segment.UCS2
)

// Segment sizes (see pkg/sms/segment).
const (
	GSM7Single = segment.GSM7Single
	GSM7Part   = segment.GSM7Part
	UCS2Single = segment.UCS2Single
	UCS2Part   = segment.UCS2Part
)

// Info is how a body is encoded and what it costs in segments (segment.Info).
type Info = segment.Info

// Replacement is one look-alike character smart encoding replaced (segment.Replacement).
type Replacement = segment.Replacement

// Count returns the encoding and segments of a body as carriers count them (segment.Count).
func Count(body string) Info { return segment.Count(body) }

// Split returns the parts a body is sent in (segment.Split).
func Split(body string) []string { return segment.Split(body) }

// IsGSM7 reports whether every character of s is in GSM-7 (segment.IsGSM7).
func IsGSM7(s string) bool { return segment.IsGSM7(s) }

// NonGSM7 returns the characters of s outside GSM-7 (segment.NonGSM7).
func NonGSM7(s string) []string { return segment.NonGSM7(s) }

// Smart replaces look-alike characters with GSM-7 text when that makes the whole body GSM-7
// (segment.Smart).
func Smart(body string) (string, []Replacement) { return segment.Smart(body) }
