package campaign

import (
	"strings"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
)

// checkRegion refuses a plan whose numbers are mostly invalid in the configured region but
// valid in another: a Japanese list read with region US would text a handful and put everyone
// else on the call list. Nothing is sent; the error names the region that reads them.
func (p *Plan) checkRegion() error {
	invalid, total := 0, 0
	var sample []string
	for _, d := range p.Deliveries {
		for _, pt := range d.Patients {
			if strings.TrimSpace(pt.Phone) == "" {
				continue
			}
			total++
			if d.State == journal.Skipped && roster.ClassOfReason(d.Reason) == roster.Invalid {
				invalid++
				if len(sample) < 64 {
					sample = append(sample, pt.Phone)
				}
			}
		}
	}
	if invalid < 3 || invalid*2 <= total {
		return nil
	}
	region := p.In.Settings.Region
	better, valid := roster.LikelyRegion(region, sample)
	if better == "" {
		return nil
	}
	return bad("set region in the config (or --region) to the country of the numbers written without +country code; nothing was sent",
		"%d of %d numbers are not valid in region %s, but %d of the %d looked at are numbers of %s: is the region right? (--region %s)",
		invalid, total, region, valid, len(sample), roster.RegionName(better), better)
}
