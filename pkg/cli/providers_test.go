package cli

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

// The table's declarations are what the config file, help and the constructors are made of: each
// must be whole, so that a provider added with one line works everywhere.
func TestEveryProviderDeclarationIsWhole(t *testing.T) {
	keys := map[string]bool{}
	for _, k := range configKeys(configType(), "") {
		keys[k] = true
	}
	envName := regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	help := environmentHelp()
	seen := map[string]bool{}
	for _, p := range providers() {
		t.Run(p.Name, func(t *testing.T) {
			if seen[p.Name] || p.Name == "" || p.Name != strings.ToLower(p.Name) {
				t.Fatalf("the name %q must be lower case and given once", p.Name)
			}
			seen[p.Name] = true
			ct := reflect.TypeOf(p.Config)
			if ct == nil || ct.Kind() != reflect.Pointer || ct.Elem().Kind() != reflect.Struct {
				t.Fatalf("Config is a %v, want a pointer to the provider's config struct", ct)
			}
			if p.Build == nil {
				t.Fatal("no Build")
			}
			for k := range p.Help {
				if !keys[p.Name+"."+k] {
					t.Errorf("Help describes %s.%s, which is not a key of %v", p.Name, k, ct.Elem())
				}
			}
			for _, k := range configKeys(ct.Elem(), p.Name+".") {
				if p.Help[strings.TrimPrefix(k, p.Name+".")] == "" {
					t.Errorf("the key %s has no help line", k)
				}
			}
			for _, v := range p.Env {
				if !envName.MatchString(v.Name) || v.Help == "" {
					t.Errorf("the variable %q must be an upper-case name with a help line", v.Name)
				}
				if !strings.Contains(help, "  "+v.Name+" ") {
					t.Errorf("help environment does not list %s", v.Name)
				}
			}
			// Built from an empty section and no environment, a provider answers with an
			// error (or, the simulator, a sender), never a panic or a nil sender without one.
			s, err := p.Build(reflect.New(ct.Elem()).Interface(), func(string) string { return "" }, time.Now)
			if (s == nil) == (err == nil) {
				t.Errorf("Build of an empty config = %v, %v: want a sender or an error", s, err)
			}
			if s != nil {
				closeSender(s)
			}
			if _, err := p.Build(struct{}{}, func(string) string { return "" }, time.Now); err == nil {
				t.Error("Build of another type's config must fail")
			}
		})
	}
}

// A provider's constructor sees only the environment variables it declared: the others (another
// provider's key, SMSCAST_*) read as empty.
func TestAProviderSeesOnlyItsDeclaredVariables(t *testing.T) {
	env := map[string]string{"KARADEN_API_KEY": "k", "SMSCAST_TWILIO_FROM": "x", "TWILIO_AUTH_TOKEN": "t", "HOME": "/home/x"}
	d := &Deps{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, Now: time.Now}
	for _, p := range providers() {
		got := map[string]string{}
		spy := p
		spy.Build = func(_ any, getenv func(string) string, _ func() time.Time) (sms.Sender, error) {
			for k := range env {
				if v := getenv(k); v != "" {
					got[k] = v
				}
			}
			return nil, nil
		}
		if _, err := specOf(spy).build(d, &Config{}); err != nil {
			t.Fatal(err)
		}
		for _, v := range p.Env {
			if env[v.Name] != "" && got[v.Name] != env[v.Name] {
				t.Errorf("%s did not see %s, which it declares", p.Name, v.Name)
			}
		}
		for k := range got {
			declared := false
			for _, v := range p.Env {
				declared = declared || v.Name == k
			}
			if !declared {
				t.Errorf("%s read %s, which it does not declare", p.Name, k)
			}
		}
	}
}
