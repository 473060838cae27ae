//go:build !unix

package campaign

// peakRSS is not measured here (Windows has no getrusage).
func peakRSS() string { return "unknown" }
