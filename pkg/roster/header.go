package roster

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Header aliases, written in their matching form (see headerKey). Phone columns come in tiers:
// a row takes its number from the first column, in tier order then left to right, that holds a
// mobile number. 緊急連絡先 (emergency contact) is deliberately absent: it is a relative's number.
var (
	phoneTiers = [][]string{
		{"携帯", "携帯電話", "携帯番号", "携帯電話番号", "ケータイ", "スマホ", "携帯tel", "tel携帯", "携帯電話tel",
			"電話携帯", "電話番号携帯", "携帯no", "mobile", "mobilephone", "mobilenumber",
			"mobilephonenumber", "mobileno", "cell", "cellphone", "cellnumber", "cellphonenumber", "cellular", "sms"},
		{"電話番号", "電話", "連絡先", "連絡先電話番号", "連絡先電話", "本人連絡先", "tel", "telno", "telephone",
			"telephonenumber", "phone", "phonenumber", "phoneno", "contact", "contactnumber"},
		{"自宅", "自宅電話", "自宅電話番号", "自宅番号", "自宅tel", "tel自宅", "電話自宅", "電話番号自宅", "固定電話", "固定電話番号", "home", "homephone",
			"hometel", "homenumber", "landline"},
	}
	fullNameAliases = []string{"氏名", "名前", "お名前", "患者名", "患者氏名", "患者様名", "患者様氏名", "name",
		"fullname", "patientname", "patient"}
	lastNameAliases  = []string{"姓", "苗字", "名字", "last", "lastname", "surname", "familyname"}
	firstNameAliases = []string{"名", "first", "firstname", "givenname", "forename"}
	kanaNameAliases  = []string{"フリガナ", "ふりがな", "カナ", "カナ氏名", "氏名カナ", "氏名フリガナ",
		"カナ名", "kana", "furigana", "kananame", "namekana"}

	// Numbers staff may call but that are never texted: a relative's or a workplace's.
	contactPhoneAliases = []string{"緊急連絡先", "緊急連絡先電話", "緊急連絡先電話番号", "緊急連絡先tel", "緊急時連絡先",
		"緊急連絡", "家族連絡先", "家族電話", "家族電話番号", "ご家族連絡先", "ご家族電話", "家族tel", "勤務先電話",
		"勤務先電話番号", "勤務先tel", "職場電話", "emergency", "emergencycontact", "emergencyphone",
		"emergencynumber", "emergencytel", "familyphone", "familycontact", "workphone", "officephone"}
	idAliases = []string{"患者番号", "患者id", "患者no", "患者コード", "id", "カルテ番号", "カルテno", "カルテid",
		"診察券番号", "patientid", "patientno", "patientnumber", "patientcode", "chartnumber", "chartno", "mrn"}
	notesAliases = []string{"備考", "メモ", "注記", "特記事項", "連絡事項", "コメント", "notes", "note", "memo",
		"remarks", "remark", "comment", "comments"}
)

// headerKey is the form in which headers are compared: NFKC (full-width letters and digits,
// half-width katakana, full-width brackets), lowercase, without spaces, brackets or the
// separators people put between words, and without a trailing number (電話番号2, tel1). So
// TEL（携帯）, ＴＥＬ【携帯】 and tel(携帯) all read tel携帯.
func headerKey(h string) string {
	h = strings.ToLower(norm.NFKC.String(h))
	var b strings.Builder
	for _, r := range h {
		if unicode.IsSpace(r) || strings.ContainsRune("_-.・:：/()[]{}【】「」『』〔〕〈〉《》<>", r) {
			continue
		}
		b.WriteRune(r)
	}
	k := b.String()
	if t := strings.TrimRightFunc(k, unicode.IsDigit); t != "" {
		k = t
	}
	return k
}

// columns is how a header maps onto the parts of a Row.
type columns struct {
	keys       []string // Row.Fields key for each column: the header text, made unique
	phone      []int    // phone columns in the order they are tried
	name       []int    // one column, or several joined with a space (姓 名)
	nameColumn string   // how Meta reports the name column: "氏名" or "姓+名"
	numbers    []int    // every phone-like column, texted or only called, in list order
	id         int      // patient ID column, -1 when none
	kana       int      // フリガナ column, -1 when none
	notes      int      // 備考 column, -1 when none
}

// columnLetter is the column as Excel labels it: A, B, …, Z, AA, ….
func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// fieldKeys turns header cells into Row.Fields keys: trimmed text; a blank header becomes
// "column C"; a repeated header gets " (2)", " (3)", ….
func fieldKeys(header []string) []string {
	keys := make([]string, len(header))
	seen := make(map[string]int, len(header))
	for i, h := range header {
		k := strings.TrimSpace(h)
		if k == "" {
			k = "column " + columnLetter(i)
		}
		seen[k]++
		if n := seen[k]; n > 1 {
			k = k + " (" + strconv.Itoa(n) + ")"
		}
		keys[i] = k
	}
	return keys
}

// findColumn resolves a header named by the user: exact text first, then the matching form.
func findColumn(keys []string, name string) int {
	name = strings.TrimSpace(name)
	for i, k := range keys {
		if k == name {
			return i
		}
	}
	want := headerKey(name)
	for i, k := range keys {
		if headerKey(k) == want {
			return i
		}
	}
	return -1
}

func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	return strings.Join(q, ", ")
}

// resolveColumns finds the phone and name columns of a header row.
func resolveColumns(header []string, opts Options, path string, headerRow int) (columns, error) {
	c := columns{keys: fieldKeys(header)}
	hk := make([]string, len(header))
	for i, h := range header {
		hk[i] = headerKey(h)
	}
	in := func(k string, list []string) bool {
		for _, a := range list {
			if a == k {
				return true
			}
		}
		return false
	}

	if opts.PhoneColumn != "" {
		i := findColumn(c.keys, opts.PhoneColumn)
		if i < 0 {
			return c, &Error{Path: path, Row: headerRow,
				Msg:  fmt.Sprintf("no column %q; the headers are %s", opts.PhoneColumn, quoteList(c.keys)),
				Hint: "pass one of them to --phone-column"}
		}
		c.phone = []int{i}
	} else {
		for _, tier := range phoneTiers {
			for i, k := range hk {
				if in(k, tier) {
					c.phone = append(c.phone, i)
				}
			}
		}
		if len(c.phone) == 0 {
			if looksLikeData(header) {
				return c, &Error{Path: path, Row: headerRow,
					Msg:  "the first row looks like a patient, not a header",
					Hint: "add a header row such as 氏名,電話番号 above the first patient, or re-export the list with headers"}
			}
			return c, &Error{Path: path, Row: headerRow,
				Msg:  "no phone column; the headers are " + quoteList(c.keys),
				Hint: "name the column 電話番号 or 携帯, or pass --phone-column HEADER"}
		}
	}

	if opts.NameColumn != "" {
		for _, part := range strings.Split(opts.NameColumn, "+") {
			i := findColumn(c.keys, part)
			if i < 0 {
				return c, &Error{Path: path, Row: headerRow,
					Msg:  fmt.Sprintf("no column %q; the headers are %s", part, quoteList(c.keys)),
					Hint: "pass one of them to --name-column (join two with +, e.g. 姓+名)"}
			}
			c.name = append(c.name, i)
		}
	} else {
		first := func(list []string) int {
			for i, k := range hk {
				if in(k, list) && !contains(c.phone, i) {
					return i
				}
			}
			return -1
		}
		if i := first(fullNameAliases); i >= 0 {
			c.name = []int{i}
		} else if l, f := first(lastNameAliases), first(firstNameAliases); l >= 0 && f >= 0 {
			// Joined in the order the file shows them: 姓,名 gives 山田 花子, first,last gives Ann Lee.
			c.name = []int{min(l, f), max(l, f)}
		} else if i := first(kanaNameAliases); i >= 0 {
			c.name = []int{i}
		}
	}
	names := make([]string, len(c.name))
	for j, i := range c.name {
		names[j] = c.keys[i]
	}
	c.nameColumn = strings.Join(names, "+")
	resolveCallColumns(&c, hk, in)
	return c, nil
}

// resolveCallColumns finds what the call list shows besides the name: every number staff could
// dial (the texted tiers, a --phone-column, and contacts such as 緊急連絡先), the ID, フリガナ
// and 備考 columns. The first column of each kind wins; none of them is a phone or name column.
func resolveCallColumns(c *columns, hk []string, in func(string, []string) bool) {
	c.id, c.kana, c.notes = -1, -1, -1
	for i, k := range hk {
		switch {
		case contains(c.phone, i) || in(k, contactPhoneAliases):
			c.numbers = append(c.numbers, i)
		case contains(c.name, i):
			// Already shown as the name, even when the name is the kana column.
		case c.id < 0 && in(k, idAliases):
			c.id = i
		case c.kana < 0 && in(k, kanaNameAliases):
			c.kana = i
		case c.notes < 0 && in(k, notesAliases):
			c.notes = i
		default:
			for _, tier := range phoneTiers {
				if in(k, tier) {
					// A phone column passed over by --phone-column: still a number to call.
					c.numbers = append(c.numbers, i)
					break
				}
			}
		}
	}
}

// MissingColumn is a column a user named (config call_list_columns) that the list does not
// have. It is a warning, not an error: the call list is still written, without that column.
type MissingColumn struct {
	Path   string
	Name   string   // as the user wrote it
	Header []string // the list's headers
}

func (m MissingColumn) String() string {
	return fmt.Sprintf("%s: no column %q; the headers are %s", m.Path, m.Name, quoteList(m.Header))
}

// Columns resolves headers named by the user, as --phone-column does (exact text, then
// case-, width- and space-insensitively), in the order given and without repeats. Names that
// match no column come back as warnings.
func (l *List) Columns(names []string) ([]string, []MissingColumn) {
	var found []string
	var missing []MissingColumn
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			continue
		}
		i := findColumn(l.Header, n)
		if i < 0 {
			missing = append(missing, MissingColumn{Path: l.Path, Name: n, Header: l.Header})
			continue
		}
		if !slices.Contains(found, l.Header[i]) {
			found = append(found, l.Header[i])
		}
	}
	return found, missing
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// looksLikeData says whether a first row holds a phone number rather than headers.
func looksLikeData(cells []string) bool {
	for _, c := range cells {
		digits := 0
		for _, r := range norm.NFKC.String(c) {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits >= 7 {
			return true
		}
	}
	return false
}
