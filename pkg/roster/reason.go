package roster

import "strings"

// ClassOfReason recovers a row's class from the reason this package gave it (a journal records
// the reason, not the class): "landline: cannot receive SMS" is Landline. A reason it did not
// write reads as Invalid (cannot receive SMS); an empty one as "".
func ClassOfReason(reason string) Class {
	switch r := strings.ToLower(reason); {
	case strings.HasPrefix(r, "landline"):
		return Landline
	case strings.HasPrefix(r, "ip phone"):
		return VoIP
	case strings.HasPrefix(r, "toll-free"):
		return TollFree
	case strings.HasPrefix(r, "pager"):
		return Pager
	case strings.HasPrefix(r, "no phone number"):
		return Empty
	case strings.HasPrefix(r, "opted out"):
		return OptedOut
	case strings.HasPrefix(r, "same number as row"):
		return Duplicate
	case r == "":
		return ""
	}
	return Invalid // invalid number, not a phone number, 0570…
}
