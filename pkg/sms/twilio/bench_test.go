package twilio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

const benchWorkers = 32

// runBatch sends n messages with benchWorkers goroutines and returns how long it took.
func runBatch(b *testing.B, n int, send func(i int) error) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range benchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := send(i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkSendVsBareHTTP compares Provider.Send with a bare net/http client posting the same
// form to the same fake, alternating batches in one run so both see the same machine state.
// ratio = provider throughput / bare throughput.
func BenchmarkSendVsBareHTTP(b *testing.B) {
	s := newFake(b)
	p := newProvider(b, config(s))
	bare := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	endpoint := s.URL + "/2010-04-01/Accounts/" + s.AccountSID + "/Messages.json"
	body := "停電のため本日の透析は中止です。自宅で待機してください。"
	const batch = 500
	var bareTime, providerTime time.Duration
	for b.Loop() {
		bareTime += runBatch(b, batch, func(i int) error {
			form := url.Values{"To": {fmt.Sprintf("+8190%08d", i)}, "From": {from}, "Body": {body}}
			req, _ := http.NewRequest("POST", endpoint, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(s.AccountSID, s.AuthToken)
			resp, err := bare.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		})
		providerTime += runBatch(b, batch, func(i int) error {
			_, err := p.Send(context.Background(), sms.Message{To: fmt.Sprintf("+8190%08d", i), Body: body})
			return err
		})
	}
	n := float64(b.N * batch)
	b.ReportMetric(n/bareTime.Seconds(), "bare_msgs/s")
	b.ReportMetric(n/providerTime.Seconds(), "provider_msgs/s")
	b.ReportMetric(bareTime.Seconds()/providerTime.Seconds(), "ratio")
}

// BenchmarkSendLatency20ms is the provider-level throughput with 20 ms of server latency and
// 32 goroutines: the ceiling is 32 / 20 ms = 1,600 messages per second.
func BenchmarkSendLatency20ms(b *testing.B) {
	s := newFake(b, twiliotest.WithFaults(twiliotest.Faults{Latency: 20 * time.Millisecond}))
	p := newProvider(b, config(s))
	const batch = 640
	var total time.Duration
	for b.Loop() {
		total += runBatch(b, batch, func(i int) error {
			_, err := p.Send(context.Background(), sms.Message{To: fmt.Sprintf("+8190%08d", i), Body: "x"})
			return err
		})
	}
	b.ReportMetric(float64(b.N*batch)/total.Seconds(), "msgs/s")
}
