package campaign

import (
	"time"

	"github.com/smscast/smscast/pkg/message"
)

// Clinic holds the fields every template may use about the clinic.
type Clinic struct {
	Name         string // {{.Clinic}}
	NameEN       string // {{.Clinic}} in English messages (clinic_en), so they stay GSM-7
	Phone        string // {{.ClinicPhone}}
	OutageAdvice string // {{.OutageAdvice}}: the clinic's own advice, appended to the outage notice
}

// RenderEnv is the one place the template fields are built: the plan, `templates show` and the
// web page's preview render with it, so each shows the encoding and segments that are sent.
func RenderEnv(c Clinic, lang string, now time.Time, smart bool) message.Env {
	env := message.Env{Lang: lang, Vars: map[string]string{}, Now: now, Smart: smart}
	for k, v := range map[string]string{"Clinic": c.Name, "ClinicPhone": c.Phone, "OutageAdvice": c.OutageAdvice} {
		if v != "" {
			env.Vars[k] = v
		}
	}
	if c.NameEN != "" {
		env.LangVars = map[string]map[string]string{"en": {"Clinic": c.NameEN}}
	}
	return env
}
