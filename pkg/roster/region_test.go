package roster

import "testing"

func TestLikelyRegionFindsTheCountryOfTheNumbers(t *testing.T) {
	japanese := []string{"090-1234-5601", "080-1234-5602", "０９０１２３４５６１０", "03-1234-5604", "070-1234-5603"}
	if rg, n := LikelyRegion("US", japanese); rg != "JP" || n != 5 {
		t.Errorf("Japanese numbers read with US: %q, %d; want JP, 5", rg, n)
	}
	if rg, _ := LikelyRegion("JP", japanese[:1]); rg == "JP" {
		t.Error("the region itself suggested")
	}
	if rg, n := LikelyRegion("JP", []string{"+81 90-1234-5601", "not a number", "12", "9.01E+09"}); rg != "" {
		t.Errorf("nothing to suggest: %q, %d", rg, n)
	}
	us := []string{"(202) 456-1111", "212-736-3100", "415 392 4400", "617-495-1000"}
	if rg, n := LikelyRegion("JP", us); rg != "US" || n != 4 {
		t.Errorf("US numbers read with JP: %q, %d; want US, 4", rg, n)
	}
	if rg, n := LikelyRegion("JP", append(us[:3:3], "090-123", "12")); rg != "" {
		t.Errorf("3 of 5: %q, %d; want nothing (under four in five)", rg, n)
	}
}
