package journal

import (
	"context"
	"testing"
)

// BenchmarkSendQueue reads a 100,000-delivery plan as the engine does at the start of a run.
func BenchmarkSendQueue(b *testing.B) {
	ctx := context.Background()
	j, _ := openTemp(b)
	p := plan(100_000)
	mustCreate(b, j, "c", p)
	for b.Loop() {
		ds, err := j.SendQueue(ctx, "c", Pending, Sending)
		if err != nil || len(ds) != len(p) {
			b.Fatal(len(ds), err)
		}
	}
	b.ReportMetric(float64(len(p)), "rows/op")
}
