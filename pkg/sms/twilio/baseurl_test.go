package twilio_test

import (
	"strings"
	"testing"

	"github.com/smscast/smscast/pkg/sms/twilio"
)

func TestABaseURLWithCredentialsNeverEchoesThem(t *testing.T) {
	const secret = "CANARYsecret9f8e7d6c"
	for _, raw := range []string{
		"https://AC0123456789abcdef0123456789abcdef:" + secret + "@api.twilio.com",  // parses: refused for its userinfo
		"https://AC0123456789abcdef0123456789abcdef:" + secret + "@127.0.0.1:443x/", // does not parse: bad port
		"https://user:" + secret + "@[::1/path",                                     // does not parse: bad host
	} {
		_, err := twilio.New(twilio.Config{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "tok1",
			From: "+15005550006", BaseURL: raw})
		if err == nil {
			t.Fatalf("%q was accepted", raw)
		}
		if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "twilio.base_url") {
			t.Errorf("base URL %q: error %q must name twilio.base_url and not show the password", raw, err)
		}
	}
}
