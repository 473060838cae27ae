package smsgate_test

import (
	"context"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/smsgate/smsgatetest"
)

func TestInboundIsTheInboxAsTheProviderContractHasIt(t *testing.T) {
	s := fake(t)
	var inbox sms.Inbox = newProvider(t, s, nil)
	at := time.Date(2024, 3, 1, 9, 5, 0, 0, time.UTC)
	s.AddInbound(smsgatetest.Inbound{Sender: "090-2222-0001", Text: "了解しました", At: at})
	got, err := inbox.Inbound(context.Background(), at.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID == "" || got[0].From != "090-2222-0001" || got[0].Text != "了解しました" || !got[0].At.Equal(at) {
		t.Fatalf("Inbound = %+v", got)
	}
}
