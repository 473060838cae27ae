package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/smscast/smscast/pkg/journal"
)

// Ack is what the replies say of one delivery of a campaign that asked for a reply.
type Ack struct {
	Status      string    // confirmed, replied, unconfirmed or unreachable (campaign.AckStatus)
	ConfirmedAt time.Time // the first confirming reply
	Reply       string    // the replies that did not confirm, one per line
}

// Ack statuses, as campaign.AckStatus names them.
const (
	AckConfirmed   = "confirmed"
	AckReplied     = "replied"
	AckUnconfirmed = "unconfirmed"
	AckUnreachable = "unreachable"
)

// Urgency groups of the list of the unconfirmed, after every group of the call list (whom the
// message did not reach): a reply to read, then no reply yet.
const (
	Replied      Urgency = NoNumber + 1 + iota // replied, not a confirmation: read it, then phone
	NotConfirmed                               // reached, no reply yet
)

var ackGroupWords = map[Urgency]words{
	Replied:      {"確認以外の返信があった方(返信を読んでください)", "Replied, not a confirmation (read the reply)"},
	NotConfirmed: {"確認の返信がない方", "No confirming reply yet"},
}

var ackStatusWords = map[string]words{
	AckConfirmed:   {"確認済み", "confirmed"},
	AckReplied:     {"返信あり(確認ではない)", "replied"},
	AckUnconfirmed: {"未確認", "unconfirmed"},
	AckUnreachable: {"届いていません", "unreachable"},
}

func noReplyWords() words {
	return words{"確認の返信がありません", "no confirming reply yet"}
}

func replyWords(text string) words {
	text = strings.ReplaceAll(text, "\n", " / ")
	return words{"返信:「" + text + "」", "replied: “" + text + "”"}
}

// UnconfirmedList is the call list of every patient of a campaign that asked for a reply who has
// not confirmed, most urgent first: those the message did not reach (in the call list's order of
// urgency, with its reasons), then those whose reply was not a confirmation (with the reply), then
// those who have not replied; list order within each. acks holds each delivery's Ack by its ID; a
// delivery without one is taken as unconfirmed, or unreachable when the call list has it.
func UnconfirmedList(ds []journal.Delivery, acks map[int64]Ack, opt Options) []CallRow {
	lang := opt.lang()
	var out []CallRow
	for _, d := range ds {
		a := acks[d.ID]
		if a.Status == AckConfirmed {
			continue
		}
		called := CallList([]journal.Delivery{d}, opt)
		if a.Status == AckUnreachable || (a.Status == "" && len(called) > 0) {
			out = append(out, called...)
			continue
		}
		for _, p := range d.Patients {
			r := CallRow{Row: p.Row, Name: p.Name, Phone: p.Phone, State: d.State, Urgency: NotConfirmed, Reason: noReplyWords().in(lang)}
			if a.Status == AckReplied {
				r.Urgency, r.Reason = Replied, replyWords(a.Reply).in(lang)
			}
			if c, ok := opt.Contacts.lookup(p); ok {
				r.ID, r.Kana, r.Notes, r.Extra, r.Numbers = c.ID, c.Kana, c.Notes, c.extra, c.Numbers
			}
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, k int) bool {
		if out[i].Urgency != out[k].Urgency {
			return out[i].Urgency < out[k].Urgency
		}
		return out[i].Row < out[k].Row
	})
	return out
}

// UnconfirmedPaths are the files WriteUnconfirmed produced.
type UnconfirmedPaths struct{ CSV, HTML string }

// WriteUnconfirmed writes the list of the unconfirmed as <campaign>-unconfirmed.csv (the call
// list's columns) and the page to print <campaign>-unconfirmed.html into dir.
func WriteUnconfirmed(dir string, c journal.Campaign, ds []journal.Delivery, acks map[int64]Ack, opt Options) (UnconfirmedPaths, error) {
	p := UnconfirmedPaths{CSV: filepath.Join(dir, c.ID+"-unconfirmed.csv"), HTML: filepath.Join(dir, c.ID+"-unconfirmed.html")}
	rows := UnconfirmedList(ds, acks, opt)
	if err := WriteCallList(p.CSV, rows, opt); err != nil {
		return p, err
	}
	page, err := UnconfirmedHTML(c, rows, opt)
	if err != nil {
		return p, fmt.Errorf("write %s: %w", p.HTML, err)
	}
	return p, WriteFile(p.HTML, page)
}

// UnconfirmedHTML is the list of the unconfirmed as a page to print: the call list's page, with
// its groups of urgency followed by the replies to read and those who have not replied.
func UnconfirmedHTML(c journal.Campaign, rows []CallRow, opt Options) ([]byte, error) {
	return listPage(c, rows, opt, pageText{
		title: words{"確認が取れていない方", "Not confirmed"},
		none:  words{"全員から確認の返信がありました。", "Everyone has confirmed."},
		group: groupTitle,
	})
}

func groupTitle(u Urgency, lang string) string {
	if w, ok := ackGroupWords[u]; ok {
		return w.in(lang)
	}
	return urgencyWords[u].in(lang)
}

// AckReportCSV is the delivery report of a campaign that asked for a reply: the report's columns
// (as the delivery report writes them, in the same language) followed by ack, confirmed_at and
// reply (Japanese: 確認, 確認時刻, 返信).
func AckReportCSV(ds []journal.Delivery, acks map[int64]Ack, opt Options) ([]byte, error) {
	rows := Rows(ds)
	base, err := reportCSV(rows, opt)
	if err != nil {
		return nil, err
	}
	table, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(base, []byte("\ufeff")))).ReadAll()
	if err != nil {
		return nil, err
	}
	lang := opt.lang()
	byRow := map[int]int64{}
	for _, d := range ds {
		for _, p := range d.Patients {
			byRow[p.Row] = d.ID
		}
	}
	table[0] = append(table[0], words{"確認", "ack"}.in(lang), words{"確認時刻", "confirmed_at"}.in(lang), words{"返信", "reply"}.in(lang))
	for i, r := range rows {
		a := acks[byRow[r.Row]]
		status := a.Status
		if lang == LangJA && status != "" {
			status = ackStatusWords[status].in(lang)
		}
		at := ""
		if !a.ConfirmedAt.IsZero() {
			at = a.ConfirmedAt.Format(time.RFC3339)
			if lang == LangJA {
				at = localTime(a.ConfirmedAt, opt, lang)
			} else if opt.Location != nil {
				at = a.ConfirmedAt.In(opt.Location).Format(time.RFC3339)
			}
		}
		table[i+1] = append(table[i+1], status, at, Neutralize(a.Reply))
	}
	return tableBytes(table)
}

// WriteAckReport writes AckReportCSV to path.
func WriteAckReport(path string, ds []journal.Delivery, acks map[int64]Ack, opt Options) error {
	data, err := AckReportCSV(ds, acks, opt)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteFile(path, data)
}
