package report

import (
	"strings"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
)

// Languages of the report's headers and words. JSON keys never change with them.
const (
	LangEN = "en"
	LangJA = "ja"
)

// words is one phrase in both languages.
type words struct{ ja, en string }

func (w words) in(lang string) string {
	if lang == LangJA {
		return w.ja
	}
	return w.en
}

// stateWords are what a delivery's state means to the staff reading the report. The English CSV
// keeps the state's code (delivered, failed, …), as scripts read it; the words are for Japanese
// Excel and the printed call list.
var stateWords = map[journal.State]words{
	journal.Pending:     {"未送信", "not sent"},
	journal.Sending:     {"送信中に停止", "stopped while sending"},
	journal.Submitted:   {"送信済み", "sent"},
	journal.Sent:        {"送信済み", "sent"},
	journal.Delivered:   {"届きました", "delivered"},
	journal.Undelivered: {"届いていません", "not delivered"},
	journal.Failed:      {"送信できませんでした", "could not be sent"},
	journal.Skipped:     {"送信していません", "not sent: the number cannot take an SMS"},
	journal.Unknown:     {"届いたか不明", "unknown"},
}

// classWords say why a row of the list was not texted, for the person who will phone instead:
// what the number is, not how to fix the cell (the check command says that).
// classAlreadyReceived is a row skipped because its number was accepted the identical text in an
// earlier campaign within repeat_window (journal.CodeAlreadyReceived): reached.
const classAlreadyReceived roster.Class = "already_received"

var classWords = map[roster.Class]words{
	classAlreadyReceived: {"同じ文面を受信済み(前のキャンペーン)", "already received this text in an earlier campaign"},
	roster.Sendable:      {"携帯電話", "mobile number"},
	roster.Landline:      {"固定電話のためSMS不可", "landline: cannot receive SMS"},
	roster.VoIP:          {"IP電話のためSMS不可", "IP phone (VoIP) number: cannot receive SMS"},
	roster.TollFree:      {"フリーダイヤルのためSMS不可", "toll-free number: cannot receive SMS"},
	roster.Pager:         {"ポケベルのためSMS不可", "pager number: cannot receive SMS"},
	roster.Invalid:       {"番号の誤り", "invalid number"},
	roster.Empty:         {"番号なし", "no phone number"},
	roster.OptedOut:      {"配信停止の希望", "opted out of text messages"},
	roster.Duplicate:     {"同じ番号に送信済み", "same number as another patient"},
}

// reasonWords say why a patient is on the call list when the message left smscast.
var reasonWords = map[journal.State]words{
	journal.Pending:     {"未送信(送信が途中で止まりました)", "not sent yet: the run stopped before this message"},
	journal.Sending:     {"未送信(送信が途中で止まりました)", "not sent yet: the run stopped before this message"},
	journal.Failed:      {"送信できませんでした", "could not be sent"},
	journal.Undelivered: {"圏外・電源オフの可能性", "not delivered: the phone may be off or out of range"},
	journal.Unknown:     {"届いたか分かりません", "unknown whether the message was sent"},
}

// jaRowHeaders head the Japanese report CSV: the columns of Row (whose csv tags head the English
// one), with 詳細 (the provider's or the roster's own words) after 理由.
var jaRowHeaders = []string{"行", "氏名", "電話番号", "送信先", "状態", "理由", "詳細", "エラーコード", "メッセージID",
	"時刻", "同じ送信", "送信経路", "携帯会社"}

// Headers of the call list; the list's own headers name its ID, number and extra columns.
var (
	hRow      = words{"行", "row"}
	hName     = words{"氏名", "name"}
	hKana     = words{"フリガナ", "kana"}
	hPhone    = words{"電話番号", "phone"}
	hReason   = words{"理由", "reason"}
	hNotes    = words{"備考", "notes"}
	hCalled   = words{"連絡済", "called"}
	hCalledAt = words{"連絡時刻", "called_at"}
	hMemo     = words{"メモ", "memo"}
)

// classOfReason recovers a skipped row's class from its reason (journal.Patient has no Class):
// the roster's words (roster.ClassOfReason, kept equal to them by
// TestClassOfReasonReadsEveryRosterReason) and the campaign layer's repeat.
func classOfReason(reason string) roster.Class {
	if strings.HasPrefix(strings.ToLower(reason), "already received this message") {
		return classAlreadyReceived
	}
	return roster.ClassOfReason(reason)
}
