package journal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// rowDamage is a row that cannot be trusted: it does not decode, or its number or text no longer
// match its checksum. Reads stop at it instead of skipping it; wrap names the journal.
type rowDamage struct{ what, why string }

func (e *rowDamage) Error() string { return e.what + " is damaged (" + e.why + ")" }

// rowHint: a damaged row stops everything that reads it, sending first.
const rowHint = "smscast sends nothing from it; " + restoreHint

func badCampaign(id, why string) error {
	return &rowDamage{what: "campaign " + id, why: why}
}

// badDelivery names a damaged delivery by campaign, id, plan position and, when they can be read,
// the rows of the list it covers.
func badDelivery(d *Delivery, patients []Patient, why string) error {
	what := fmt.Sprintf("campaign %s, delivery %d, seq %d", d.Campaign, d.ID, d.Seq)
	if len(patients) > 0 {
		rows := make([]string, len(patients))
		for i, p := range patients {
			rows[i] = strconv.Itoa(p.Row)
		}
		what += ", list row " + strings.Join(rows, " and ")
	}
	return &rowDamage{what: what, why: why}
}

const alteredWhy = "its number or text does not match its checksum: the journal was altered or damaged"

// notAState selects rows whose state is none of the known ones: a read of some states takes them
// too, so that a damaged state stops it instead of hiding a delivery from it. It costs nothing
// measurable: the campaign's rows are scanned for their state anyway.
const notAState = `state NOT IN ('pending', 'sending', 'submitted', 'sent', 'delivered', 'undelivered', 'failed', 'skipped', 'unknown')`

func knownState(s State) bool {
	switch s {
	case Pending, Sending, Submitted, Sent, Delivered, Undelivered, Failed, Skipped, Unknown:
		return true
	}
	return false
}

// sumOK reports whether to and body still give the checksum want, as Checksum computes it but
// without allocating (buf is reused): SendQueue checks every delivery of a plan. An empty want (a
// delivery from before schema 2) is not checked.
func sumOK(buf []byte, to, body, want string) ([]byte, bool) {
	if want == "" {
		return buf, true
	}
	buf = append(append(append(buf[:0], to...), 0), body...)
	sum := sha256.Sum256(buf)
	var hx [32]byte
	hex.Encode(hx[:], sum[:16])
	return buf, string(hx[:]) == want
}

// patientsOf decodes the list rows of a delivery for an error message; nil when they cannot be
// read either.
func (j *Journal) patientsOf(ctx context.Context, id int64) []Patient {
	var raw string
	if err := j.rdb.QueryRowContext(ctx, `SELECT patients FROM deliveries WHERE id = ?`, id).Scan(&raw); err != nil {
		return nil
	}
	var ps []Patient
	if json.Unmarshal([]byte(raw), &ps) != nil {
		return nil
	}
	return ps
}
