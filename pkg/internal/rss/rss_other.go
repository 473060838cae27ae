//go:build !unix

package rss

// Peak is not measured here (Windows has no getrusage).
func Peak() string { return "unknown" }
