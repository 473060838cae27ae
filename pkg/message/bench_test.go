package message

import (
	"fmt"
	"testing"
)

// benchInputs is a clinic's list as the CLI passes it: every column by header plus Name and Phone,
// one patient in ten English-speaking, new_time per row from a column.
func benchInputs(n int) []Input {
	in := make([]Input, n)
	for i := range in {
		lang := ""
		if i%10 == 9 {
			lang = "英語"
		}
		in[i] = Input{Row: i + 2, Lang: lang, Fields: map[string]string{
			"患者番号": fmt.Sprint(10000 + i), "氏名": "山田 太郎", "電話番号": "090-1234-5678", "言語": lang,
			"透析曜日": "月水金", "new_time": fmt.Sprintf("%d:00", 12+i%6),
			"Name": fmt.Sprintf("山田 太郎%d", i), "Phone": "+819012345678",
		}}
	}
	return in
}

// BenchmarkRenderAndCount renders b.N messages and counts every one. Issue target: ≥ 200,000
// messages/s on one core. Measure with
//
//	GOMAXPROCS=1 go test -run '^$' -bench RenderAndCount -benchtime 1000000x -count 5 ./pkg/message
//
// column: the shipped reschedule template (date helper, clinic, three fields, ja and en) with the
// new time from a list column (six distinct times), as in a real broadcast.
// msgs/cpu-s divides by the CPU time the process used (garbage collection included), which a shared
// machine does not inflate.
//
// personal: every body distinct (the patient's name and number in the text), so no two rows share
// a render: the worst case.
func BenchmarkRenderAndCount(b *testing.B) {
	c, err := LoadCatalog("")
	if err != nil {
		b.Fatal(err)
	}
	reschedule, _ := c.Lookup("reschedule")
	personal, err := AdHoc(`{{.Name}}様 {{with .Clinic}}【{{.}}】{{end}}{{day .date}}の透析は{{.new_time}}にお越しください。患者番号{{field "患者番号"}}`)
	if err != nil {
		b.Fatal(err)
	}
	env := Env{Now: testNow, Vars: map[string]string{"Clinic": "さくら透析クリニック", "old_time": "9:00", "date": "11/22"}}
	for _, bb := range []struct {
		name string
		tm   *Template
	}{{"column", reschedule}, {"personal", personal}} {
		b.Run(bb.name, func(b *testing.B) {
			const chunk = 10000
			in := benchInputs(chunk)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			segments := 0
			for done := 0; done < b.N; done += chunk {
				bodies, err := bb.tm.RenderAll(in[:min(chunk, b.N-done)], env)
				if err != nil {
					b.Fatal(err)
				}
				for _, body := range bodies {
					segments += Count(body).Segments
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "msgs/cpu-s")
			}
			if segments < b.N {
				b.Fatalf("%d segments for %d messages", segments, b.N)
			}
		})
	}
}
