package cli

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/smscast/smscast/pkg/report"
)

// callAfter is the call_after setting: one duration (call_after: 2h), or a default and a time
// per carrier (call_after: {default: 2h, au: 70m}). au retries a phone that is off once, after
// about an hour; docomo retries for up to 72 hours: an au message not delivered after 70 minutes
// will most likely not arrive, and its patient is worth a call sooner.
type callAfter report.CallAfter

// Carriers the providers name (Karaden's carrier field), for call_after's keys.
var knownCarriers = []string{"docomo", "au", "softbank", "rakuten"}

const callAfterHint = "e.g. call_after: 2h, or call_after: {default: 2h, au: 70m} (keys: default, docomo, au, softbank, rakuten)"

// parseCallAfter reads call_after from the config file (a string or a mapping), the environment
// or the defaults (a string).
func parseCallAfter(v any) (callAfter, error) {
	one := func(key string, v any) (time.Duration, error) {
		var d time.Duration
		var err error
		switch x := v.(type) {
		case string:
			d, err = time.ParseDuration(strings.TrimSpace(x))
		case time.Duration:
			d = x
		default:
			err = errors.New("not a duration")
		}
		switch {
		case err != nil:
			return 0, errorf("%s: %v is not a duration such as 2h or 70m", key, v)
		case d < 0:
			return 0, errorf("%s: %s must not be negative", key, d)
		}
		return d, nil
	}
	switch x := v.(type) {
	case string, time.Duration:
		d, err := one("call_after", x)
		return callAfter{Default: d}, err
	case map[string]any:
		c := callAfter{Default: 2 * time.Hour}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := strings.ToLower(strings.TrimSpace(k))
			d, err := one("call_after."+k, x[k])
			switch {
			case err != nil:
				return callAfter{}, err
			case name == "default":
				c.Default = d
			case slices.Contains(knownCarriers, name):
				if c.ByCarrier == nil {
					c.ByCarrier = map[string]time.Duration{}
				}
				c.ByCarrier[name] = d
			default:
				return callAfter{}, errorf("call_after.%s: not a carrier smscast knows (default, %s)", k, strings.Join(knownCarriers, ", "))
			}
		}
		return c, nil
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, v := range x {
			m[fmt.Sprint(k)] = v
		}
		return parseCallAfter(m)
	}
	return callAfter{}, errorf("call_after: %v is neither a duration nor a list of carriers", v)
}

// UnmarshalYAML lets the strict check of the config file read both forms.
func (c *callAfter) UnmarshalYAML(n *yaml.Node) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	got, err := parseCallAfter(v)
	if err != nil {
		line := n.Line
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			var one any
			if n.Content[i+1].Decode(&one) == nil {
				if _, bad := parseCallAfter(map[string]any{n.Content[i].Value: one}); bad != nil {
					line = n.Content[i].Line // the key at fault
					break
				}
			}
		}
		return &callAfterError{line: line, err: err}
	}
	*c = got
	return nil
}

// callAfterError is a call_after in the config file that cannot be read, with its line.
type callAfterError struct {
	line int
	err  error
}

func (e *callAfterError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }

// callAfterHook decodes call_after for viper.
func callAfterHook(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[callAfter]() {
		return data, nil
	}
	return parseCallAfter(data)
}

// String shows the setting as it is written: 2h, or default 2h, au 1h10m0s.
func (c callAfter) String() string {
	if len(c.ByCarrier) == 0 {
		return c.Default.String()
	}
	parts := []string{"default " + c.Default.String()}
	for _, k := range knownCarriers {
		if d, ok := c.ByCarrier[k]; ok {
			parts = append(parts, k+" "+d.String())
		}
	}
	return strings.Join(parts, ", ")
}
