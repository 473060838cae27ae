package roster

import "strings"

// regionCandidates are the countries LikelyRegion tries: Japan first (smscast's clinics), then
// the countries whose numbers a Japanese list most often holds, and the large English-speaking
// ones a misconfigured region most often names.
var regionCandidates = []string{"JP", "US", "GB", "KR", "CN", "TW", "PH", "VN", "BR", "TH", "AU", "CA", "DE", "FR", "IN"}

// LikelyRegion looks at numbers that are invalid in region and names the region most of them
// are valid numbers of (a Japanese list read with --region US: 090-1234-5601 is a Japanese
// mobile), with how many of phones it reads; "" when no region reads at least four in five of
// them. Numbers written with their country code (+81…) read the same in any region and are
// not looked at.
func LikelyRegion(region string, phones []string) (better string, valid int) {
	var local []string
	for _, ph := range phones {
		if c := cleanPhone(ph); c != "" && !strings.HasPrefix(c, "+") && !strings.HasPrefix(c, "00") {
			local = append(local, ph)
		}
	}
	if len(local) == 0 {
		return "", 0
	}
	for _, rg := range regionCandidates {
		if rg == strings.ToUpper(region) {
			continue
		}
		p := phoneParser{region: rg}
		n := 0
		for _, ph := range local {
			if p.parse(ph).class != Invalid {
				n++
			}
		}
		if n > valid {
			better, valid = rg, n
		}
	}
	if valid*5 < len(local)*4 {
		return "", 0
	}
	return better, valid
}

// RegionName is a region's name in English for messages: "Japan (JP)".
func RegionName(rg string) string {
	if name, ok := regionNames[rg]; ok {
		return name + " (" + rg + ")"
	}
	return rg
}

var regionNames = map[string]string{
	"JP": "Japan", "US": "the United States", "GB": "the United Kingdom", "KR": "South Korea", "CN": "China",
	"TW": "Taiwan", "PH": "the Philippines", "VN": "Vietnam", "BR": "Brazil", "TH": "Thailand",
	"AU": "Australia", "CA": "Canada", "DE": "Germany", "FR": "France", "IN": "India",
}
