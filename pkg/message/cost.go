package message

import (
	"sort"
	"strings"
)

// Price is what one segment costs sent to one destination.
type Price struct {
	PerSegment float64 `json:"per_segment" yaml:"per_segment" mapstructure:"per_segment"`
	Currency   string  `json:"currency" yaml:"currency" mapstructure:"currency"`
}

// Prices maps a destination to its price: by ISO region ("JP") or by country calling code ("81"
// or "+81"). A region's entry wins over its calling code's.
type Prices map[string]Price

// Lookup finds the price for a destination given as ISO region and/or calling code (either may be
// ""); keys match case-insensitively and with or without "+".
func (p Prices) Lookup(region, callingCode string) (Price, bool) {
	for _, want := range []string{strings.ToUpper(region), strings.TrimPrefix(callingCode, "+")} {
		if want == "" {
			continue
		}
		for k, v := range p {
			if strings.ToUpper(strings.TrimPrefix(k, "+")) == want {
				return v, true
			}
		}
	}
	return Price{}, false
}

// Billable is one message to price: where it goes and how many segments it takes.
type Billable struct {
	Region      string // ISO region of the number, e.g. "JP"
	CallingCode string // e.g. "81"; optional
	Segments    int
}

// Cost is the estimate for a batch.
type Cost struct {
	Messages int
	Segments int
	// Totals is the estimated cost by currency (usually one); empty when nothing is priced.
	Totals map[string]float64
	// Unpriced counts messages whose destination has no price, and names those destinations.
	Unpriced        int
	UnpricedRegions []string
}

// Priced reports whether any message had a price: without prices the summary shows no cost line.
func (c Cost) Priced() bool { return len(c.Totals) > 0 }

// Estimate adds up segments and, where priced, their cost.
func (p Prices) Estimate(msgs []Billable) Cost {
	c := Cost{Messages: len(msgs), Totals: map[string]float64{}}
	unpriced := map[string]bool{}
	for _, m := range msgs {
		c.Segments += m.Segments
		price, ok := p.Lookup(m.Region, m.CallingCode)
		if !ok {
			c.Unpriced++
			dest := m.Region
			if dest == "" {
				dest = "+" + strings.TrimPrefix(m.CallingCode, "+")
			}
			unpriced[dest] = true
			continue
		}
		c.Totals[price.Currency] += float64(m.Segments) * price.PerSegment
	}
	for r := range unpriced {
		c.UnpricedRegions = append(c.UnpricedRegions, r)
	}
	sort.Strings(c.UnpricedRegions)
	return c
}
