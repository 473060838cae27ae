//go:build race

package web

// raceEnabled: the race detector slows everything several times over, so timing bounds are
// only logged under it.
const raceEnabled = true
