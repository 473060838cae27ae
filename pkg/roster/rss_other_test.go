//go:build !unix

package roster

// peakRSS is not measured here (Windows has no getrusage).
func peakRSS() string { return "unknown" }
