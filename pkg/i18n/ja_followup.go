package i18n

var _ = addJA(map[string]string{
	"Nobody of campaign %s is left for this follow-up (--only %s): nothing to send.\n":             "キャンペーン %s には、この追加の連絡(--only %s)の対象になる方がいません。送信するものはありません。\n",
	"campaign %s: none of the %d patients of this follow-up can receive SMS (%s): nothing to send": "キャンペーン %s: この追加の連絡の対象 %d 人のうち、SMSを受け取れる方がいません(%s)。送信するものはありません",
	"they are on the call list of %s: `smscast report %s` writes it again":                         "この方々は %s の電話連絡リストに載っています。`smscast report %s` で書き出し直せます",
})
