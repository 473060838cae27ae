package karaden

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
)

// TagPrefix starts every tag smscast puts on a message.
const TagPrefix = "smscast"

// Karaden has no idempotency key. Every message carries two tags instead:
//
//	smscast-<campaign>          the campaign, for Karaden's console and its list filter
//	smscast-<campaign>-<ref>    the delivery: what Find looks for after an ambiguous send
//
// The spec (2024-03-01) gives tags no pattern and no length, so the forms are chosen to pass any
// sensible rule: ASCII letters, digits, dot, dash and underscore only, at most 64 characters.
// A campaign ID that is longer or has other characters (Japanese template names are allowed in
// campaign IDs) is replaced by "h" and 12 hex digits of its SHA-256; so is a ref.
//
// A delivery tag of one campaign can equal the campaign tag of another ("a" ref 1 and campaign
// "a-1" both give "smscast-a-1"), so Find accepts a message only when it carries both tags: no
// two deliveries share that pair.
const (
	maxTagLen      = 64
	maxCampaignLen = 40
	maxRefLen      = 14
)

var tagSafe = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// tagPart returns s itself when it is safe and short, else a short hash of it.
func tagPart(s string, max int) string {
	if len(s) <= max && tagSafe.MatchString(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "h" + hex.EncodeToString(sum[:6])
}

// Tags returns the campaign tag and the delivery tag of a message. Without a campaign the
// campaign tag is plain "smscast"; without a ref there is no delivery tag ("").
func Tags(campaign, ref string) (campaignTag, deliveryTag string) {
	campaignTag = TagPrefix
	if campaign != "" {
		campaignTag += "-" + tagPart(campaign, maxCampaignLen)
	}
	if ref != "" {
		deliveryTag = campaignTag + "-" + tagPart(ref, maxRefLen)
	}
	return campaignTag, deliveryTag
}

// hasTags reports whether tags holds every one of want (empty ones ignored).
func hasTags(tags []string, want ...string) bool {
	for _, w := range want {
		if w != "" && !slices.Contains(tags, w) {
			return false
		}
	}
	return true
}
