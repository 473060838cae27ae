package journal

import "context"

// What the providers' delivery receipts add to a delivery beyond its state: the mobile carrier
// that delivered it (schema: deliveries.carrier, written by Record when Update.Carrier is set and
// read into Delivery.Carrier) and the segments billed (deliveries.segments).

// CarrierCounts returns how many deliveries of a campaign each carrier delivered or reported
// undelivered, by the name the provider gave (docomo, au, softbank, rakuten); deliveries without
// a carrier are not counted.
func (j *Journal) CarrierCounts(ctx context.Context, campaign string) (map[string]int, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	if err := j.exists(ctx, campaign); err != nil {
		return nil, err
	}
	rows, err := j.rdb.QueryContext(ctx, `SELECT carrier, count(*) FROM deliveries
		WHERE campaign = ? AND carrier != '' GROUP BY carrier`, campaign)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			return nil, j.wrap(err)
		}
		out[c] = n
	}
	return out, j.wrap(rows.Err())
}
