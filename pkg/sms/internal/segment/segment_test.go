package segment

import (
	"encoding/json"
	"os"
	"testing"
)

// testdata/segments_twilio.json: vectors from TwilioDevEd/message-segment-calculator
// (MIT License, Copyright (c) 2021 Twilio Inc).
func TestCountMatchesTwilioCalculator(t *testing.T) {
	raw, err := os.ReadFile("testdata/segments_twilio.json")
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Cases []struct {
			Description   string `json:"description"`
			Body          string `json:"body"`
			SmartEncoding bool   `json:"smart_encoding"`
			Expected      struct {
				Encoding string `json:"encoding"`
				Segments int    `json:"segments"`
			} `json:"expected"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	for _, c := range data.Cases {
		if c.SmartEncoding || c.Expected.Segments == 0 {
			continue // providers send bodies as given
		}
		t.Run(c.Description, func(t *testing.T) {
			segs, gsm := Count(c.Body)
			enc := "UCS-2"
			if gsm {
				enc = "GSM-7"
			}
			if segs != c.Expected.Segments || (c.Expected.Encoding != "" && enc != c.Expected.Encoding) {
				t.Errorf("Count = %d %s, want %d %s", segs, enc, c.Expected.Segments, c.Expected.Encoding)
			}
		})
	}
}
