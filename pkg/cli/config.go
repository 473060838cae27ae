package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"unicode/utf8"

	"github.com/go-viper/mapstructure/v2"
	"github.com/nyaruka/phonenumbers"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/internal/editdist"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/message"
	"github.com/smscast/smscast/pkg/schedule"
	"github.com/smscast/smscast/pkg/sms/sim"
	"github.com/smscast/smscast/pkg/sms/smsgate"
	"github.com/smscast/smscast/pkg/sms/twilio"
)

// Config is every setting smscast reads from its config file, SMSCAST_* variables and flags.
// The yaml tags drive the strict check of the file (an unknown key is an error with its line);
// the mapstructure tags drive viper's layering. Both name the same keys.
type Config struct {
	Provider     string             `yaml:"provider" mapstructure:"provider"`
	Region       string             `yaml:"region" mapstructure:"region"`
	Lang         string             `yaml:"lang" mapstructure:"lang"`
	Clinic       string             `yaml:"clinic" mapstructure:"clinic"`
	ClinicEN     string             `yaml:"clinic_en" mapstructure:"clinic_en"`
	ClinicPhone  string             `yaml:"clinic_phone" mapstructure:"clinic_phone"`
	Journal      string             `yaml:"journal" mapstructure:"journal"`
	ReportDir    string             `yaml:"report_dir" mapstructure:"report_dir"`
	TemplatesDir string             `yaml:"templates_dir" mapstructure:"templates_dir"`
	Workers      int                `yaml:"workers" mapstructure:"workers"`
	Rate         float64            `yaml:"rate" mapstructure:"rate"`
	OptoutFile   string             `yaml:"optout_file" mapstructure:"optout_file"`
	MaxParts     int                `yaml:"max_parts" mapstructure:"max_parts"`
	Prices       map[string]float64 `yaml:"prices" mapstructure:"prices"`
	Currency     string             `yaml:"currency" mapstructure:"currency"`
	TestGroup    []string           `yaml:"test_group" mapstructure:"test_group"`
	QuietHours   string             `yaml:"quiet_hours" mapstructure:"quiet_hours"`
	Timezone     string             `yaml:"timezone" mapstructure:"timezone"`
	CallAfter    callAfter          `yaml:"call_after" mapstructure:"call_after"`
	RepeatWindow time.Duration      `yaml:"repeat_window" mapstructure:"repeat_window"`
	// MaxShare: a number on more rows than this is reported as a data problem (a care home's
	// office number, a damaged export); default 20.
	MaxShare int `yaml:"max_share" mapstructure:"max_share"`
	// Failover names the providers tried in turn when provider cannot send (bad credentials,
	// an outage): e.g. [smsgate], the clinic's phone on the LAN.
	Failover      []string      `yaml:"failover" mapstructure:"failover"`
	FailoverAfter time.Duration `yaml:"failover_after" mapstructure:"failover_after"`
	// ReconcileGrace is the least wait from an ambiguous attempt to the lookup that decides
	// whether to send again (twice the provider's timeout when that is longer).
	ReconcileGrace time.Duration `yaml:"reconcile_grace" mapstructure:"reconcile_grace"`

	// CallListColumns are more columns of the patient list to show on the call list (担当, 透析曜日, …).
	CallListColumns []string `yaml:"call_list_columns" mapstructure:"call_list_columns"`
	// OutageAdvice is the clinic's own advice added to the outage notice, {{.OutageAdvice}}.
	OutageAdvice string `yaml:"outage_advice" mapstructure:"outage_advice"`
	// Operator is who runs smscast, for the audit trail (else --operator, else the OS user).
	Operator string `yaml:"operator" mapstructure:"operator"`
	// Retention is how long patient data is kept: 90d, 12w or a Go duration; empty keeps it
	// all. A string, not a time.Duration: Go durations have no days.
	Retention string `yaml:"retention" mapstructure:"retention"`

	UILang       string         `yaml:"ui_lang" mapstructure:"ui_lang"`
	rateSet      bool           // rate was given somewhere; otherwise the provider's default applies
	reportDirSet bool           // report_dir was given somewhere; otherwise a campaign's reports go where its first run wrote them
	uiLang       string         // the language people read: UILang, else the locale (see uiLanguage)
	loc          *time.Location // Timezone, loaded: every date and time smscast computes or shows

	// sections are the providers' sections of the file (sim:, twilio:, …), by provider name,
	// each a pointer to the config type the provider declares (see providers and configType).
	sections map[string]any
}

// configType is the type the config file, the SMSCAST_* variables and the flags decode into:
// Config's own keys and one section per provider of the table, of the type the provider
// declares. It is built at run time so that adding a provider changes nothing here; its keys
// are the ones strict decoding checks, help lists and the environment may set.
func configType() reflect.Type {
	t := reflect.TypeFor[Config]()
	var fields []reflect.StructField
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			fields = append(fields, f)
		}
	}
	for _, p := range providers() {
		fields = append(fields, reflect.StructField{
			Name: "Section_" + p.Name,
			Type: reflect.TypeOf(p.Config).Elem(),
			Tag:  reflect.StructTag(fmt.Sprintf(`yaml:%q mapstructure:%q`, p.Name, p.Name)),
		})
	}
	return reflect.StructOf(fields)
}

// fromDecoded fills a Config from a value of configType: its own fields, and its sections as
// pointers into the value.
func fromDecoded(v reflect.Value) Config {
	var cfg Config
	dst := reflect.ValueOf(&cfg).Elem()
	for i := range dst.NumField() {
		if f := dst.Type().Field(i); f.IsExported() {
			dst.Field(i).Set(v.FieldByName(f.Name))
		}
	}
	cfg.sections = map[string]any{}
	for _, p := range providers() {
		cfg.sections[p.Name] = v.FieldByName("Section_" + p.Name).Addr().Interface()
	}
	return cfg
}

// section is provider name's section of the config: a pointer to its declared config type,
// the zero value when the config was not loaded from a file (tests).
func (c *Config) section(name string) any {
	if s, ok := c.sections[name]; ok {
		return s
	}
	for _, p := range providers() {
		if p.Name == name {
			return reflect.New(reflect.TypeOf(p.Config).Elem()).Interface()
		}
	}
	return nil
}

// sectionOf is provider name's section as its type T, for the few places the CLI knows a
// provider: the simulator's drills and outbox, Twilio's sender, the phone's SIMs.
func sectionOf[T any](c *Config, name string) *T {
	if s, ok := c.section(name).(*T); ok {
		return s
	}
	return new(T)
}

func (c *Config) simConfig() *sim.Config         { return sectionOf[sim.Config](c, "sim") }
func (c *Config) twilioConfig() *twilio.Config   { return sectionOf[twilio.Config](c, "twilio") }
func (c *Config) smsgateConfig() *smsgate.Config { return sectionOf[smsgate.Config](c, "smsgate") }

// withoutOutbox is a copy of c whose simulator keeps no outbox: a dry run checks the provider's
// configuration without creating the file.
func (c *Config) withoutOutbox() *Config {
	out := *c
	out.sections = maps.Clone(c.sections)
	if out.sections == nil {
		out.sections = map[string]any{}
	}
	sc := *c.simConfig()
	sc.Outbox = ""
	out.sections["sim"] = &sc
	return &out
}

func defaultConfig() map[string]any {
	return map[string]any{
		"provider":        "sim",
		"region":          "JP",
		"lang":            "ja",
		"workers":         4,
		"max_parts":       3,
		"currency":        "",
		"call_after":      "2h",
		"repeat_window":   "12h",
		"reconcile_grace": "30s",
	}
}

// flagKeys maps a command-line flag to the config key it overrides.
var flagKeys = map[string]string{
	"provider":      "provider",
	"region":        "region",
	"lang":          "lang",
	"journal":       "journal",
	"report-dir":    "report_dir",
	"templates-dir": "templates_dir",
	"workers":       "workers",
	"rate":          "rate",
}

// loadConfig layers defaults < config file < SMSCAST_* environment < flags into a Config, using a
// fresh viper instance. The environment comes from d, never from os directly; flags are those
// given on the command line (nil for none).
func loadConfig(d *Deps, flags flagsSet, path string) (*Config, error) {
	v := viper.New()
	for k, val := range defaultConfig() {
		v.SetDefault(k, val)
	}

	explicit := path != ""
	if !explicit {
		path = d.getenv("SMSCAST_CONFIG")
		explicit = path != ""
	}
	if !explicit {
		if dir := configDir(d); dir != "" {
			path = filepath.Join(dir, "smscast", "config.yaml")
		}
	}
	fileDir := "" // the config file's folder: relative paths in the file are relative to it
	overridden := map[string]bool{}
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			if data, err = decodeConfig(path, data); err != nil {
				return nil, err
			}
			if err := checkConfigFile(path, data); err != nil {
				return nil, err
			}
			v.SetConfigType("yaml")
			if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
				return nil, usageErr("fix the file or pass another with --config", "config %s: %v", path, err)
			}
			fileDir = filepath.Dir(path)
		case errors.Is(err, fs.ErrNotExist) && !explicit:
			// No config file is fine: the defaults run the simulator.
		default:
			return nil, usageErr("check the path given with --config or SMSCAST_CONFIG", "config: %v", err)
		}
	}

	for _, key := range configKeys(configType(), "") {
		env := "SMSCAST_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		if val, ok := d.LookupEnv(env); ok {
			v.Set(key, val)
			overridden[key] = true
		}
	}
	for flag, key := range flagKeys {
		if val, ok := flags.lookup(flag); ok {
			v.Set(key, val)
			overridden[key] = true
		}
	}

	if _, err := parseCallAfter(v.Get("call_after")); err != nil {
		return nil, usageErr(callAfterHint, "%v", err) // SMSCAST_CALL_AFTER: the file was checked above
	}
	decoded := reflect.New(configType())
	err := v.UnmarshalExact(decoded.Interface(), viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		callAfterHook,
		mapstructure.StringToTimeDurationHookFunc(),
		intsFromString,
		mapstructure.StringToSliceHookFunc(","),
	)))
	if err != nil {
		return nil, usageErr("check the config file, SMSCAST_* variables and flags", "config: %v", err)
	}
	cfg := fromDecoded(decoded.Elem())
	simc := cfg.simConfig()
	switch {
	case cfg.Workers < 1 || cfg.Workers > 1000:
		return nil, usageErr("e.g. workers: 4", "workers: %d must be between 1 and 1000", cfg.Workers)
	case cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0):
		return nil, usageErr("e.g. rate: 10 (messages per second), or 0 for no limit", "rate: %g must be a number of messages per second, 0 or more", cfg.Rate)
	case badPrice(cfg.Prices) != "":
		return nil, usageErr("e.g. prices: {JP: 0.08} (per segment, 0 or more)", "prices: %s", badPrice(cfg.Prices))
	case cfg.MaxParts < 0:
		return nil, usageErr("e.g. max_parts: 3", "max_parts: %d must not be negative", cfg.MaxParts)
	case cfg.FailoverAfter < 0:
		return nil, usageErr("e.g. failover_after: 30s", "failover_after: %s must not be negative", cfg.FailoverAfter)
	case simc.DownAfter < 0:
		return nil, usageErr("e.g. sim.down_after: 50 (an outage after 50 messages), or 0 for none", "sim.down_after: %d must not be negative", simc.DownAfter)
	case cfg.ReconcileGrace < 0:
		return nil, usageErr("e.g. reconcile_grace: 30s", "reconcile_grace: %s must not be negative", cfg.ReconcileGrace)
	case cfg.RepeatWindow < 0:
		return nil, usageErr("e.g. repeat_window: 12h (0 turns the check off)", "repeat_window: %s must not be negative", cfg.RepeatWindow)
	case simc.Replies.Rate < 0 || simc.Replies.Rate > 1:
		return nil, usageErr("e.g. sim: {replies: {rate: 0.7, after: 2m, texts: [\"1\", \"はい\"]}}", "sim.replies.rate: %g must be between 0 and 1", simc.Replies.Rate)
	case simc.Replies.After < 0:
		return nil, usageErr("e.g. sim.replies.after: 2m", "sim.replies.after: %s must not be negative", simc.Replies.After)
	case len(cfg.Operator) > 100 || strings.ContainsAny(cfg.Operator, "\r\n\t"):
		return nil, usageErr("e.g. operator: nurse-sato", "operator %q must be one line of at most 100 characters", cfg.Operator)
	}
	if _, err := parseRetention(cfg.Retention); err != nil {
		return nil, usageErr("e.g. retention: 90d (days), 12w (weeks) or 2160h", "retention: %v", err)
	}
	if phonenumbers.GetCountryCodeForRegion(strings.ToUpper(cfg.Region)) == 0 {
		return nil, usageErr("set region (config, SMSCAST_REGION or --region) to a two-letter country code such as JP or US",
			"region %q is not a country code", cfg.Region)
	}
	if lang := message.NormalizeLang(cfg.Lang); lang != "" {
		cfg.Lang = lang
	} else {
		return nil, usageErr("set lang (config, SMSCAST_LANG or --lang) to ja or en", "lang %q: messages are written in ja or en", cfg.Lang)
	}
	cfg.rateSet = v.IsSet("rate")
	cfg.reportDirSet = v.IsSet("report_dir")
	if cfg.uiLang, err = uiLanguage(cfg.UILang, d); err != nil {
		return nil, uiLangError(d, path, cfg.UILang)
	}
	if cfg.loc, err = schedule.LoadLocation(cfg.Timezone); err != nil {
		return nil, asUsage(err, "fix timezone in the config, e.g. Asia/Tokyo")
	}
	// A path written in the config file is relative to the file's folder, so cron (which runs in
	// another directory) finds the same files; a path from a flag or the environment is relative
	// to the current directory, as a shell user expects.
	inFile := func(key string) bool { return fileDir != "" && v.InConfig(key) && !overridden[key] }
	for key, p := range map[string]*string{"journal": &cfg.Journal, "report_dir": &cfg.ReportDir,
		"templates_dir": &cfg.TemplatesDir, "optout_file": &cfg.OptoutFile, "sim.outbox": &simc.Outbox} {
		*p = expandHome(d, *p)
		if *p != "" && !filepath.IsAbs(*p) && inFile(key) {
			*p = filepath.Join(fileDir, *p)
		}
	}
	for i := range cfg.TestGroup {
		cfg.TestGroup[i] = expandHome(d, cfg.TestGroup[i])
		if e := cfg.TestGroup[i]; inFile("test_group") && campaign.LooksLikeFile(e) && !filepath.IsAbs(e) {
			cfg.TestGroup[i] = filepath.Join(fileDir, e)
		}
	}
	if cfg.Journal == "" {
		dir := dataDir(d)
		if dir == "" {
			return nil, usageErr("set --journal or journal: in the config", "cannot find a data directory for the journal")
		}
		cfg.Journal = filepath.Join(dir, "smscast", "journal.db")
	}
	if cfg.TemplatesDir == "" {
		if dir := configDir(d); dir != "" {
			cfg.TemplatesDir = filepath.Join(dir, "smscast", "templates")
		}
	}
	if cfg.ReportDir == "" {
		cfg.ReportDir = "."
	}
	cfg.Region = strings.ToUpper(cfg.Region)
	return &cfg, nil
}

// decodeConfig returns the config file's text as UTF-8, as Notepad may have saved it: UTF-8 with or
// without a byte-order mark, UTF-16 with one ("Unicode" in older Notepads), or CP932 (Shift_JIS,
// "ANSI" on a Japanese Windows) when the file is not UTF-8 and decodes as CP932 without a single
// invalid byte. Anything else is refused with the line of the first byte that is not UTF-8, never
// guessed.
func decodeConfig(path string, data []byte) ([]byte, error) {
	const hint = "save the file as UTF-8 (Notepad: File > Save As, Encoding: UTF-8)"
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
			return nil, usageErr(hint, "config %s: not valid UTF-16 text", path)
		}
		return out, nil
	}
	if utf8.Valid(data) {
		return data, nil
	}
	bad := 0
	for bad < len(data) {
		r, n := utf8.DecodeRune(data[bad:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		bad += n
	}
	line := 1 + bytes.Count(data[:bad], []byte("\n"))
	if bytes.IndexByte(data, 0) < 0 {
		out, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
		if err == nil && !bytes.ContainsRune(out, utf8.RuneError) {
			return out, nil
		}
	}
	return nil, usageErr(hint, "config %s line %d: the file is neither UTF-8 nor Shift_JIS (CP932) text", path, line)
}

// checkConfigFile decodes the file strictly so that an unknown or mistyped key is reported with its
// line, which viper cannot do.
func checkConfigFile(path string, data []byte) error {
	if err := checkYAMLHabits(path, data); err != nil {
		return err
	}
	if fixed := listsFromScalars(data); !bytes.Equal(fixed, data) && strictDecode(fixed) == nil {
		data = fixed // a single value where a list is expected, and nothing else wrong
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if key, line, ok := secretKey(data); ok {
		return hintf(usageErr("", "config %s line %d: %s: secrets are never read from the config file", path, line, key),
			"delete it from the file and set it in the environment instead (%s: see `smscast help environment`)", strings.Join(secretNames(), ", "))
	}
	if err := dec.Decode(reflect.New(configType()).Interface()); err != nil && !errors.Is(err, io.EOF) { // an empty file is a valid config
		var te *yaml.TypeError
		var ce *callAfterError
		if errors.As(err, &ce) {
			return usageErr(callAfterHint, "config %s line %d: %v", path, ce.line, ce.err)
		}
		if errors.As(err, &te) {
			lines := make([]string, len(te.Errors))
			for i, e := range te.Errors {
				lines[i] = explainYAML(data, e)
			}
			return usageErr("fix the file; `smscast help environment` lists every key",
				"config %s: %s", path, strings.Join(lines, "; "))
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return usageErr("fix the file (YAML: key: value, two-space indents); `smscast help environment` lists every key",
			"config %s: %s", path, msg)
	}
	return nil
}

// badPrice names a price that is negative or not a number, or is "".
func badPrice(prices map[string]float64) string {
	keys := make([]string, 0, len(prices))
	for k := range prices {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := prices[k]; v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Sprintf("%s: %g is not a price", k, v)
		}
	}
	return ""
}

// intsFromString reads a list of whole numbers written in one string, as the environment gives it
// (SMSCAST_SMSGATE_SIM_NUMBERS=1,2 or "[1, 2]"); StringToSliceHookFunc splits only into strings.
func intsFromString(from, to reflect.Type, data any) (any, error) {
	s, ok := data.(string)
	if !ok || from.Kind() != reflect.String || to != reflect.TypeFor[[]int]() {
		return data, nil
	}
	fields := strings.FieldsFunc(strings.Trim(strings.TrimSpace(s), "[]"), func(r rune) bool { return r == ',' || r == ' ' })
	out := make([]int, 0, len(fields))
	for _, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a list of whole numbers, e.g. 1,2", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// strictDecode decodes data into a Config, refusing unknown keys.
func strictDecode(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(reflect.New(configType()).Interface()); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// checkYAMLHabits catches what people type into a YAML file by habit and YAML cannot read, with
// the line and what to write instead: a tab for indentation, a full-width colon (an IME's ：).
func checkYAMLHabits(path string, data []byte) error {
	for i, line := range strings.Split(string(data), "\n") {
		code, _, _ := strings.Cut(line, "#")
		switch {
		case strings.HasPrefix(strings.TrimLeft(line, " "), "\t"):
			return usageErr("indent with spaces (two per level), not tabs",
				"config %s line %d: a tab indents this line, and YAML allows only spaces", path, i+1)
		case strings.Contains(code, "：") && !strings.Contains(code, ":"):
			return usageErr("write the colon after the key in half-width: key: value (e.g. workers: 4)",
				"config %s line %d: a full-width colon ：; YAML needs ':'", path, i+1)
		}
	}
	return nil
}

// listsFromScalars reads a single value where a list is expected as a one-element list, as people
// write it (test_group: test-group.csv). viper does the same for the values it layers.
func listsFromScalars(data []byte) []byte {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return data
	}
	changed := false
	var walk func(n *yaml.Node, t reflect.Type)
	walk = func(n *yaml.Node, t reflect.Type) {
		if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i].Value, n.Content[i+1]
			for f := range t.NumField() {
				field := t.Field(f)
				if strings.Split(field.Tag.Get("yaml"), ",")[0] != key {
					continue
				}
				switch {
				case field.Type.Kind() == reflect.Slice && val.Kind == yaml.ScalarNode && val.Tag != "!!null":
					item := *val
					*val = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{&item}, Line: item.Line, Column: item.Column}
					changed = true
				case field.Type.Kind() == reflect.Struct:
					walk(val, field.Type)
				}
			}
		}
	}
	walk(root.Content[0], configType())
	if !changed {
		return data
	}
	out, err := yaml.Marshal(&root)
	if err != nil {
		return data
	}
	return out
}

var yamlTypeError = regexp.MustCompile("^line (\\d+): (?:cannot unmarshal !!\\w+ `(.*)` into (\\S+)|field (\\S+) not found in type (.+))$")

// explainYAML turns one of yaml's type errors into a sentence naming the key, its line and what
// the value must look like.
func explainYAML(data []byte, e string) string {
	// The file's own type is built at run time and its name is all its fields: call it Config.
	e = strings.ReplaceAll(e, configType().String(), "cli.Config")
	m := yamlTypeError.FindStringSubmatch(e)
	if m == nil {
		return e
	}
	line, _ := strconv.Atoi(m[1])
	if m[4] != "" {
		best, bestD := "", 3
		for _, k := range append(configKeys(configType(), ""), "prices") {
			k = k[strings.LastIndex(k, ".")+1:]
			if d := editdist.Distance(m[4], k); d < bestD {
				best, bestD = k, d
			}
		}
		under := ""
		for _, p := range providers() {
			if reflect.TypeOf(p.Config).Elem().String() == m[5] {
				under = " under " + p.Name + ":"
			}
		}
		if best != "" {
			return fmt.Sprintf("line %d: unknown key %q%s (did you mean %s?)", line, m[4], under, best)
		}
		return fmt.Sprintf("line %d: unknown key %q%s", line, m[4], under)
	}
	key := keyAtLine(data, line)
	want := map[string]string{
		"int":           "a whole number, e.g. 4",
		"int64":         "a whole number",
		"float64":       "a number, e.g. 10 or 0.5",
		"bool":          "true or false",
		"string":        "text",
		"time.Duration": "a duration such as 50ms, 15s or 2h",
		"[]string":      "a list, e.g. [\"+8190*0000\"]",
	}[m[3]]
	if want == "" {
		want = "a different kind of value"
	}
	return fmt.Sprintf("line %d: %s: %q is not %s", line, key, m[2], want)
}

// keyAtLine is the key of the mapping entry written on line, or "" when there is none.
func keyAtLine(data []byte, line int) string {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return ""
	}
	var find func(n *yaml.Node) string
	find = func(n *yaml.Node) string {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Line == line {
					return n.Content[i].Value
				}
			}
		}
		for _, c := range n.Content {
			if k := find(c); k != "" {
				return k
			}
		}
		return ""
	}
	return find(&root)
}

// secretKey finds a key that looks like a secret (a token, a password, a provider's declared
// secret such as api_key) anywhere in the file. Such a key is never valid, and the error must not
// echo its value.
func secretKey(data []byte) (key string, line int, ok bool) {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return "", 0, false
	}
	declared := secretKeys()
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := strings.ToLower(n.Content[i].Value)
				if declared[k] {
					key, line = n.Content[i].Value, n.Content[i].Line
					return true
				}
				for _, s := range []string{"token", "secret", "password", "passwd"} {
					if strings.Contains(k, s) {
						key, line = n.Content[i].Value, n.Content[i].Line
						return true
					}
				}
				if walk(n.Content[i+1]) {
					return true
				}
			}
			return false
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	return key, line, walk(&root)
}

// configKeys lists the dotted keys of a config struct, for environment lookup and help.
func configKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("mapstructure")
		if !f.IsExported() || tag == "" || tag == "-" {
			continue
		}
		key := prefix + tag
		if f.Type.Kind() == reflect.Struct && !reflect.PointerTo(f.Type).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
			keys = append(keys, configKeys(f.Type, key+".")...) // a section; a type that reads itself is one key
			continue
		}
		if f.Type.Kind() == reflect.Map {
			continue
		}
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// expandHome expands a leading ~/ to the home directory, as a shell would, so that paths in the
// config file can be written as in the documentation.
func expandHome(d *Deps, p string) string {
	home := d.getenv("HOME")
	if runtime.GOOS == "windows" && home == "" {
		home = d.getenv("USERPROFILE")
	}
	if home == "" || (p != "~" && !strings.HasPrefix(p, "~/")) {
		return p
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}

// configDir is the user's config directory ($XDG_CONFIG_HOME or the OS equivalent: %APPDATA% on
// Windows, ~/Library/Application Support on macOS).
func configDir(d *Deps) string { return configDirFor(runtime.GOOS, d.getenv) }

// dataDir is the user's data directory ($XDG_DATA_HOME or the OS equivalent: %LOCALAPPDATA% on
// Windows, which stays on this computer, ~/Library/Application Support on macOS).
func dataDir(d *Deps) string { return dataDirFor(runtime.GOOS, d.getenv) }

// now is the current time in the configured timezone.
func (c *Config) now(d *Deps) time.Time { return d.Now().In(c.loc) }

func (c *Config) String() string { return fmt.Sprintf("provider=%s region=%s", c.Provider, c.Region) }

// reportDir is where campaign c's reports are written: report_dir (or --report-dir) when given,
// else the folder the campaign's first run wrote them into (a drill sent with --report-dir
// reports keeps its reports there when status or report writes them again), else ".".
func (cfg *Config) reportDir(c journal.Campaign) string {
	if dir := c.Meta[campaign.MetaReportDir]; dir != "" && !cfg.reportDirSet {
		return dir
	}
	return cfg.ReportDir
}
